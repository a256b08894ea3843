//! Calls and functions with more than five argument registers.
//!
//! BPF passes arguments in `r1`..`r5` only; LLVM 22 reports "too many arguments" / "stack
//! arguments are not supported" for more, and the code it emits anyway is wrong. After LTO
//! every function but `entrypoint` is internal, so the linker owns their calling
//! convention and changes it, for functions and for every call, direct or indirect:
//!
//! - A signature needs `Σ registers(param)` registers, where an integer of `N` bits takes
//!   `ceil(N/64)` (an `i128` takes two), a pointer or float one, anything else its size in
//!   8-byte words. Up to five: unchanged.
//! - More than five: the longest prefix of parameters that fits in **four** registers stays
//!   in registers; the remaining parameters are stored, in order, into an LLVM struct of
//!   their types (natural alignment) on the caller's stack frame (an `alloca` in the
//!   caller's entry block, one per caller and struct type), and a pointer to it is passed
//!   as the last argument. The callee loads them all at its entry, before anything else. The new signature is a function of the old parameter types
//!   only, so a function whose address escapes (a vtable slot, a `fn` pointer) and every
//!   indirect call with that signature agree without knowing each other.
//! - Calls keep their calling convention and attributes (return, function, and those of
//!   the parameters still in registers), minus `memory(...)` effects, which no longer hold
//!   when pointer arguments are read from the caller's frame; `tail` markers are dropped,
//!   since the callee now reads the caller's frame.
//!
//! Refused, with the function's name: an external declaration or exported definition with
//! more than five registers (the VM's syscalls take five; the entrypoint takes one), a
//! vararg signature, a `byval`/`inalloca`/`preallocated` parameter in the packed part, an
//! `invoke` or `musttail` call, and a function whose address is passed to external code.

use std::ffi::CString;

use llvm_sys::core::*;
use llvm_sys::prelude::*;
use llvm_sys::target::{LLVMABISizeOfType, LLVMGetModuleDataLayout};
use llvm_sys::{LLVMLinkage, LLVMTailCallKind, LLVMTypeKind};

use super::ir::{self, Builder, NONAME};

/// Registers BPF passes arguments in.
pub const ARGUMENT_REGISTERS: u32 = 5;

/// How a signature with too many registers is rewritten.
struct Packing {
    /// The new function type: prefix parameters, then a pointer.
    new_ty: LLVMTypeRef,
    /// How many leading parameters stay in registers.
    prefix: usize,
    /// The struct holding the remaining parameters.
    rest: LLVMTypeRef,
    /// Registers the original signature needs.
    registers: u32,
}

/// Registers a parameter of type `ty` takes.
fn registers(module: LLVMModuleRef, ty: LLVMTypeRef) -> u32 {
    // SAFETY: `ty` is a live type; the data layout belongs to the live module.
    unsafe {
        match LLVMGetTypeKind(ty) {
            LLVMTypeKind::LLVMIntegerTypeKind => LLVMGetIntTypeWidth(ty).div_ceil(64).max(1),
            LLVMTypeKind::LLVMPointerTypeKind
            | LLVMTypeKind::LLVMDoubleTypeKind
            | LLVMTypeKind::LLVMFloatTypeKind
            | LLVMTypeKind::LLVMHalfTypeKind => 1,
            _ => {
                let size = LLVMABISizeOfType(LLVMGetModuleDataLayout(module), ty);
                (size.div_ceil(8) as u32).max(1)
            }
        }
    }
}

fn param_types(fn_ty: LLVMTypeRef) -> Vec<LLVMTypeRef> {
    // SAFETY: `fn_ty` is a live function type; `out` has room for every parameter.
    unsafe {
        let n = LLVMCountParamTypes(fn_ty) as usize;
        let mut out = vec![std::ptr::null_mut(); n];
        LLVMGetParamTypes(fn_ty, out.as_mut_ptr());
        out
    }
}

/// The packing for `fn_ty`, or `None` when it fits in five registers.
fn packing(module: LLVMModuleRef, fn_ty: LLVMTypeRef) -> Option<Packing> {
    let params = param_types(fn_ty);
    let total: u32 = params.iter().map(|&t| registers(module, t)).sum();
    if total <= ARGUMENT_REGISTERS {
        return None;
    }
    let mut used = 0;
    let mut prefix = 0;
    for &t in &params {
        let r = registers(module, t);
        if used + r > ARGUMENT_REGISTERS - 1 {
            break;
        }
        used += r;
        prefix += 1;
    }
    // SAFETY: types are created in the module's live context.
    unsafe {
        let context = LLVMGetModuleContext(module);
        let mut rest_types = params[prefix..].to_vec();
        let rest =
            LLVMStructTypeInContext(context, rest_types.as_mut_ptr(), rest_types.len() as u32, 0);
        let mut new_params = params[..prefix].to_vec();
        new_params.push(LLVMPointerTypeInContext(context, 0));
        let new_ty = LLVMFunctionType(
            LLVMGetReturnType(fn_ty),
            new_params.as_mut_ptr(),
            new_params.len() as u32,
            0,
        );
        Some(Packing {
            new_ty,
            prefix,
            rest,
            registers: total,
        })
    }
}

fn attribute_kind(name: &str) -> u32 {
    // SAFETY: `name` is a valid byte range for the call.
    unsafe { LLVMGetEnumAttributeKindForName(name.as_ptr().cast(), name.len()) }
}

/// The attributes of `f` at `index`, without `memory(...)`.
fn function_attributes(f: LLVMValueRef, index: u32, memory: u32) -> Vec<LLVMAttributeRef> {
    // SAFETY: `f` is a live function; `out` has room for `count` attributes.
    unsafe {
        let count = LLVMGetAttributeCountAtIndex(f, index) as usize;
        let mut out = vec![std::ptr::null_mut(); count];
        if count > 0 {
            LLVMGetAttributesAtIndex(f, index, out.as_mut_ptr());
        }
        out.retain(|&a| !(LLVMIsEnumAttribute(a) != 0 && LLVMGetEnumAttributeKind(a) == memory));
        out
    }
}

/// The attributes of call `c` at `index`, without `memory(...)`.
fn call_attributes(c: LLVMValueRef, index: u32, memory: u32) -> Vec<LLVMAttributeRef> {
    // SAFETY: `c` is a live call; `out` has room for `count` attributes.
    unsafe {
        let count = LLVMGetCallSiteAttributeCount(c, index) as usize;
        let mut out = vec![std::ptr::null_mut(); count];
        if count > 0 {
            LLVMGetCallSiteAttributes(c, index, out.as_mut_ptr());
        }
        out.retain(|&a| !(LLVMIsEnumAttribute(a) != 0 && LLVMGetEnumAttributeKind(a) == memory));
        out
    }
}

/// Attribute indices kept: function, return, and the parameters still in registers.
fn kept_indices(prefix: usize) -> impl Iterator<Item = u32> {
    [llvm_sys::LLVMAttributeFunctionIndex, 0]
        .into_iter()
        .chain(1..=prefix as u32)
}

/// Whether parameter `index` (0-based) of `f` carries an attribute that gives the pointer
/// copy semantics, which packing would lose.
fn has_copy_semantics(f: LLVMValueRef, index: usize) -> Option<&'static str> {
    ["byval", "inalloca", "preallocated"]
        .into_iter()
        .find(|name| {
            let kind = attribute_kind(name);
            // SAFETY: `f` is a live function with more than `index` parameters.
            unsafe { !LLVMGetEnumAttributeAtIndex(f, index as u32 + 1, kind).is_null() }
        })
}

fn demangled(f: LLVMValueRef) -> String {
    crate::relink::demangle(&ir::name(f))
}

/// Rewrites call `call` (to `callee`, direct or not) to the packed convention.
///
/// All calls of one caller that pack the same struct type share one stack slot (an
/// `alloca` at the start of the caller's entry block, found again through `frames`): the
/// callee copies every packed argument out at its entry, before anything else runs, so
/// the slot is free again once a call starts. Without lifetime markers LLVM could not
/// overlap per-call slots, and a function with many such calls (`core::fmt` code) would
/// outgrow the 4 KiB frame.
fn rewrite_call(
    frames: &mut Frames,
    builder: &Builder,
    call: LLVMValueRef,
    callee: LLVMValueRef,
    packing: &Packing,
    memory: u32,
) {
    // SAFETY: `call` is a live call inside a defined function whose type needs packing;
    // the alloca is at the start of the caller's entry block (blocks move with their
    // function but are never freed here, so the key stays valid); every store writes a
    // struct field with the argument's type; the new call has the packed type and the old
    // call's result type, so RAUW keeps the IR valid; the old call is erased unused.
    unsafe {
        let caller = ir::parent_function(call);
        let entry = LLVMGetEntryBasicBlock(caller);
        let key = (entry as usize, packing.rest as usize);
        let frame = *frames.entry(key).or_insert_with(|| {
            builder.before(LLVMGetFirstInstruction(entry));
            LLVMBuildAlloca(builder.0, packing.rest, NONAME)
        });
        builder.before(call);
        let b = builder.0;
        let argc = LLVMGetNumArgOperands(call) as usize;
        let mut args = Vec::with_capacity(packing.prefix + 1);
        for index in 0..argc {
            let arg = LLVMGetOperand(call, index as u32);
            if index < packing.prefix {
                args.push(arg);
            } else {
                let field = (index - packing.prefix) as u32;
                let slot = LLVMBuildStructGEP2(b, packing.rest, frame, field, NONAME);
                LLVMBuildStore(b, arg, slot);
            }
        }
        args.push(frame);
        let new = LLVMBuildCall2(
            b,
            packing.new_ty,
            callee,
            args.as_mut_ptr(),
            args.len() as u32,
            NONAME,
        );
        LLVMSetInstructionCallConv(new, LLVMGetInstructionCallConv(call));
        for index in kept_indices(packing.prefix) {
            for a in call_attributes(call, index, memory) {
                LLVMAddCallSiteAttribute(new, index, a);
            }
        }
        LLVMSetTailCallKind(new, LLVMTailCallKind::LLVMTailCallKindNone);
        LLVMReplaceAllUsesWith(call, new);
        LLVMInstructionEraseFromParent(call);
    }
}

/// The shared argument slot of each (caller entry block, packed struct type).
type Frames = std::collections::HashMap<(usize, usize), LLVMValueRef>;

/// Moves `f`'s body into a new function with the packed signature, rewrites its direct
/// calls, and points every other use (vtables, `fn` pointers) at the new function.
fn rewrite_function(
    module: LLVMModuleRef,
    frames: &mut Frames,
    builder: &Builder,
    f: LLVMValueRef,
    packing: &Packing,
    memory: u32,
) -> Result<(), String> {
    let name = ir::name(f);
    let params = param_types(
        // SAFETY: `f` is a live function.
        unsafe { LLVMGlobalGetValueType(f) },
    );
    for index in packing.prefix..params.len() {
        if let Some(attr) = has_copy_semantics(f, index) {
            return Err(format!(
                "cannot compile `{}` for the TAKO VM: it takes more than five argument \
                 registers and its parameter {} is `{attr}`, which the linker cannot pass \
                 through the caller's frame",
                demangled(f),
                index + 1
            ));
        }
    }
    // Uses: direct calls are rewritten; others must not reach external code.
    let mut direct = Vec::new();
    // SAFETY: walking the use list of a live function without modifying it.
    unsafe {
        let mut u = LLVMGetFirstUse(f);
        while !u.is_null() {
            let user = LLVMGetUser(u);
            let is_call = !LLVMIsACallInst(user).is_null();
            if !LLVMIsAInvokeInst(user).is_null() {
                return Err(format!(
                    "cannot compile `{}` for the TAKO VM: it is invoked with unwinding and \
                     takes more than five argument registers",
                    demangled(f)
                ));
            }
            if is_call && LLVMGetCalledValue(user) == f {
                if LLVMGetCalledFunctionType(user) != LLVMGlobalGetValueType(f) {
                    return Err(format!(
                        "cannot compile `{}` for the TAKO VM: it takes more than five argument \
                         registers and is called with a different signature",
                        demangled(f)
                    ));
                }
                if LLVMGetTailCallKind(user) == LLVMTailCallKind::LLVMTailCallKindMustTail {
                    return Err(format!(
                        "cannot compile `{}` for the TAKO VM: a `musttail` call passes it more \
                         than five argument registers",
                        demangled(f)
                    ));
                }
                direct.push(user);
            } else if is_call {
                if let Some(target) = ir::direct_callee(user) {
                    let target_name = ir::name(target);
                    if LLVMIsDeclaration(target) != 0 && !target_name.starts_with("llvm.") {
                        return Err(format!(
                            "cannot compile `{}` for the TAKO VM: it takes more than five \
                             argument registers and its address is passed to external `{}`, \
                             whose calls the linker cannot rewrite",
                            demangled(f),
                            target_name
                        ));
                    }
                }
            }
            u = LLVMGetNextUse(u);
        }
    }
    // SAFETY: `f` is a live internal definition; the new function gets `f`'s blocks (moved,
    // not copied), its parameters' uses are replaced by values of the same types, direct
    // calls are rewritten before `f`'s remaining uses move to the new function (same
    // pointer type), and `f` is deleted once it has no uses and no body.
    unsafe {
        let tmp = CString::new(format!("{name}.tako.packed")).unwrap_or_default();
        let g = LLVMAddFunction(module, tmp.as_ptr(), packing.new_ty);
        LLVMSetLinkage(g, LLVMLinkage::LLVMInternalLinkage);
        LLVMSetFunctionCallConv(g, LLVMGetFunctionCallConv(f));
        for index in kept_indices(packing.prefix) {
            for a in function_attributes(f, index, memory) {
                LLVMAddAttributeAtIndex(g, index, a);
            }
        }
        let sp = llvm_sys::debuginfo::LLVMGetSubprogram(f);
        if !sp.is_null() {
            llvm_sys::debuginfo::LLVMSetSubprogram(g, sp);
            llvm_sys::debuginfo::LLVMSetSubprogram(f, std::ptr::null_mut());
        }
        let mut blocks = Vec::new();
        let mut bb = LLVMGetFirstBasicBlock(f);
        while !bb.is_null() {
            blocks.push(bb);
            bb = LLVMGetNextBasicBlock(bb);
        }
        for &bb in &blocks {
            LLVMRemoveBasicBlockFromParent(bb);
            LLVMAppendExistingBasicBlock(g, bb);
        }
        let entry = LLVMGetEntryBasicBlock(g);
        builder.before(LLVMGetFirstInstruction(entry));
        let frame = LLVMGetParam(g, packing.prefix as u32);
        for (index, &ty) in params.iter().enumerate() {
            let old = LLVMGetParam(f, index as u32);
            let new = if index < packing.prefix {
                LLVMGetParam(g, index as u32)
            } else {
                let field = (index - packing.prefix) as u32;
                let slot = LLVMBuildStructGEP2(builder.0, packing.rest, frame, field, NONAME);
                LLVMBuildLoad2(builder.0, ty, slot, NONAME)
            };
            LLVMReplaceAllUsesWith(old, new);
        }
        for call in direct {
            rewrite_call(frames, builder, call, g, packing, memory);
        }
        LLVMReplaceAllUsesWith(f, g);
        LLVMDeleteFunction(f);
        LLVMSetValueName2(g, name.as_ptr().cast(), name.len());
    }
    Ok(())
}

/// Rewrites every function and call that needs more than five argument registers;
/// returns how many functions and indirect calls were rewritten, or the refusals.
pub(super) fn lower(module: LLVMModuleRef) -> Result<(usize, usize), Vec<String>> {
    let memory = attribute_kind("memory");
    let builder = Builder::new(module);
    let mut frames = Frames::new();
    let mut refusals = Vec::new();
    let mut functions = 0;
    for f in ir::functions(module) {
        let name = ir::name(f);
        if name.starts_with("llvm.") {
            continue;
        }
        // SAFETY: `f` is a live function of `module`.
        let (fn_ty, declaration, linkage, used, vararg) = unsafe {
            let ty = LLVMGlobalGetValueType(f);
            (
                ty,
                LLVMIsDeclaration(f) != 0,
                LLVMGetLinkage(f),
                !LLVMGetFirstUse(f).is_null(),
                LLVMIsFunctionVarArg(ty) != 0,
            )
        };
        let Some(packing) = packing(module, fn_ty) else {
            continue;
        };
        let internal = matches!(
            linkage,
            LLVMLinkage::LLVMInternalLinkage | LLVMLinkage::LLVMPrivateLinkage
        );
        if declaration {
            if used {
                refusals.push(format!(
                    "cannot compile calls to external `{name}` for the TAKO VM: it takes {} \
                     argument registers and BPF passes five (TAKO syscalls take at most five)",
                    packing.registers
                ));
            }
            continue;
        }
        if !internal || vararg {
            refusals.push(format!(
                "cannot compile `{}` for the TAKO VM: it takes {} argument registers, BPF \
                 passes five, and {}",
                demangled(f),
                packing.registers,
                if vararg {
                    "it is variadic"
                } else {
                    "it is exported, so the linker cannot change how it is called"
                }
            ));
            continue;
        }
        match rewrite_function(module, &mut frames, &builder, f, &packing, memory) {
            Ok(()) => functions += 1,
            Err(e) => refusals.push(e),
        }
    }
    // Indirect calls (vtables, `fn` pointers) with too many registers.
    let mut indirect = 0;
    for i in ir::all_instructions(module) {
        // SAFETY: `i` is a live instruction; only calls are inspected further.
        unsafe {
            let is_invoke = !LLVMIsAInvokeInst(i).is_null();
            if LLVMIsACallInst(i).is_null() && !is_invoke {
                continue;
            }
            let callee = LLVMGetCalledValue(i);
            if !LLVMIsAFunction(callee).is_null() || !LLVMIsAInlineAsm(callee).is_null() {
                continue;
            }
            let Some(packing) = packing(module, LLVMGetCalledFunctionType(i)) else {
                continue;
            };
            let caller = demangled(ir::parent_function(i));
            if is_invoke || LLVMIsFunctionVarArg(LLVMGetCalledFunctionType(i)) != 0 {
                refusals.push(format!(
                    "cannot compile `{caller}` for the TAKO VM: it makes an indirect call with \
                     {} argument registers the linker cannot rewrite (invoke or variadic)",
                    packing.registers
                ));
                continue;
            }
            if LLVMGetTailCallKind(i) == LLVMTailCallKind::LLVMTailCallKindMustTail {
                refusals.push(format!(
                    "cannot compile `{caller}` for the TAKO VM: a `musttail` indirect call \
                     passes {} argument registers",
                    packing.registers
                ));
                continue;
            }
            rewrite_call(&mut frames, &builder, i, callee, &packing, memory);
            indirect += 1;
        }
    }
    if refusals.is_empty() {
        Ok((functions, indirect))
    } else {
        Err(refusals)
    }
}
