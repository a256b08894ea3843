//! Small helpers over the LLVM C API shared by the IR rewrites: walking a module's
//! functions, blocks and instructions, names, integer widths.
//!
//! Every function here takes raw LLVM handles; the caller guarantees they belong to one
//! live module that no other thread touches (the invariant of [`super::lower`]).

use llvm_sys::core::*;
use llvm_sys::prelude::*;
use llvm_sys::{LLVMOpcode, LLVMTypeKind};

/// The functions of `module`, in order.
pub(super) fn functions(module: LLVMModuleRef) -> Vec<LLVMValueRef> {
    let mut out = Vec::new();
    // SAFETY: walking the live module's function list without modifying it.
    unsafe {
        let mut f = LLVMGetFirstFunction(module);
        while !f.is_null() {
            out.push(f);
            f = LLVMGetNextFunction(f);
        }
    }
    out
}

/// The instructions of `function`, in block order (collected, so callers may rewrite).
pub(super) fn instructions(function: LLVMValueRef) -> Vec<LLVMValueRef> {
    let mut out = Vec::new();
    // SAFETY: walking a live function's blocks and instructions without modifying them.
    unsafe {
        let mut bb = LLVMGetFirstBasicBlock(function);
        while !bb.is_null() {
            let mut i = LLVMGetFirstInstruction(bb);
            while !i.is_null() {
                out.push(i);
                i = LLVMGetNextInstruction(i);
            }
            bb = LLVMGetNextBasicBlock(bb);
        }
    }
    out
}

/// Every instruction of every defined function of `module`.
pub(super) fn all_instructions(module: LLVMModuleRef) -> Vec<LLVMValueRef> {
    functions(module)
        .into_iter()
        .flat_map(instructions)
        .collect()
}

/// The opcode of instruction `i`.
pub(super) fn opcode(i: LLVMValueRef) -> LLVMOpcode {
    // SAFETY: `i` is a live instruction.
    unsafe { LLVMGetInstructionOpcode(i) }
}

/// The bit width of `ty` if it is a scalar integer type.
pub(super) fn int_width(ty: LLVMTypeRef) -> Option<u32> {
    // SAFETY: `ty` is a live type.
    unsafe {
        (LLVMGetTypeKind(ty) == LLVMTypeKind::LLVMIntegerTypeKind).then(|| LLVMGetIntTypeWidth(ty))
    }
}

/// The bit width of `v`'s type if it is a scalar integer.
pub(super) fn value_int_width(v: LLVMValueRef) -> Option<u32> {
    // SAFETY: `v` is a live value.
    int_width(unsafe { LLVMTypeOf(v) })
}

/// The name of a value (empty if it has none).
pub(super) fn name(v: LLVMValueRef) -> String {
    let mut len = 0;
    // SAFETY: LLVM returns a pointer to `len` bytes it owns, copied at once.
    unsafe {
        let p = LLVMGetValueName2(v, &mut len);
        if p.is_null() {
            return String::new();
        }
        String::from_utf8_lossy(std::slice::from_raw_parts(p.cast::<u8>(), len)).into_owned()
    }
}

/// The function that contains instruction `i`.
pub(super) fn parent_function(i: LLVMValueRef) -> LLVMValueRef {
    // SAFETY: `i` is a live instruction inside a function.
    unsafe { LLVMGetBasicBlockParent(LLVMGetInstructionParent(i)) }
}

/// For a call instruction, the directly called function (None for indirect calls and
/// for other instructions).
pub(super) fn direct_callee(i: LLVMValueRef) -> Option<LLVMValueRef> {
    // SAFETY: `i` is a live instruction; the called value is only inspected.
    unsafe {
        if LLVMIsACallInst(i).is_null() {
            return None;
        }
        let callee = LLVMGetCalledValue(i);
        (!LLVMIsAFunction(callee).is_null()).then_some(callee)
    }
}

/// The name of the directly called function of call `i`, if any.
pub(super) fn callee_name(i: LLVMValueRef) -> Option<String> {
    direct_callee(i).map(name)
}

/// A builder in `module`'s context, disposed on drop.
pub(super) struct Builder(pub(super) LLVMBuilderRef);

impl Builder {
    /// A new builder for `module`'s context.
    pub(super) fn new(module: LLVMModuleRef) -> Self {
        // SAFETY: `module` is live; the builder is disposed once in `drop`.
        Builder(unsafe { LLVMCreateBuilderInContext(LLVMGetModuleContext(module)) })
    }

    /// Positions the builder before instruction `i`.
    pub(super) fn before(&self, i: LLVMValueRef) {
        // SAFETY: `i` is a live instruction of this builder's context.
        unsafe { LLVMPositionBuilderBefore(self.0, i) }
    }
}

impl Drop for Builder {
    fn drop(&mut self) {
        // SAFETY: created by `LLVMCreateBuilderInContext`, disposed once.
        unsafe { LLVMDisposeBuilder(self.0) }
    }
}

/// The empty name LLVM's builders take for unnamed values.
pub(super) const NONAME: *const std::ffi::c_char = c"".as_ptr();
