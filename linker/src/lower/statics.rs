//! The entry that puts `.data` in place: writable statics live at the start of the heap
//! (the relinker's `statics`), and those with a non-zero initial value (`.data`) must be
//! copied there from their load image in read-only data before the contract runs. When
//! the program has such a static, this adds
//!
//! ```text
//! define i64 @__tako_start() {
//!   call @tos_memcpy(__tako_data_start, __tako_data_load, __tako_data_size)
//!   %r = call i64 @entrypoint()
//!   ret i64 %r
//! }
//! ```
//!
//! which the relinker makes the program's entry (the symbols are the linker's). A
//! program without `.data` (only `.bss`, zero-filled by the VM) is left as it is.

use std::ffi::CString;

use llvm_sys::core::*;
use llvm_sys::prelude::*;
use llvm_sys::LLVMTypeKind;

use super::ir::{Builder, NONAME};
use tako_abi::linker_symbols;

/// Whether `module` defines a writable global with a non-zero initial value (what LLVM
/// puts in `.data`).
fn has_initialised_data(module: LLVMModuleRef) -> bool {
    // SAFETY: walking the live module's globals without modifying them.
    unsafe {
        let mut g = LLVMGetFirstGlobal(module);
        while !g.is_null() {
            let init = LLVMGetInitializer(g);
            if LLVMIsDeclaration(g) == 0
                && LLVMIsGlobalConstant(g) == 0
                && LLVMIsThreadLocal(g) == 0
                && !init.is_null()
                && LLVMIsNull(init) == 0
            {
                return true;
            }
            g = LLVMGetNextGlobal(g);
        }
    }
    false
}

/// The address of the linker-defined symbol `name` as an `i64` constant expression.
fn linker_symbol(module: LLVMModuleRef, name: &str) -> LLVMValueRef {
    let c_name = CString::new(name).expect("symbol names have no NUL byte");
    // SAFETY: `module` is live; an external `i8` declaration is added once and only its
    // address is used.
    unsafe {
        let context = LLVMGetModuleContext(module);
        let mut g = LLVMGetNamedGlobal(module, c_name.as_ptr());
        if g.is_null() {
            g = LLVMAddGlobal(module, LLVMInt8TypeInContext(context), c_name.as_ptr());
        }
        LLVMConstPtrToInt(g, LLVMInt64TypeInContext(context))
    }
}

/// Adds `__tako_start` around `entry` when the program has `.data`; returns whether it
/// did. An `entry` that is missing or not a function of no arguments returning an integer
/// or nothing is left to the relinker's refusal.
pub(super) fn add_start(module: LLVMModuleRef, entry: &str) -> bool {
    if !has_initialised_data(module) {
        return false;
    }
    let Ok(c_entry) = CString::new(entry) else {
        return false;
    };
    let start_name = CString::new(linker_symbols::START).expect("no NUL byte");
    // SAFETY: `module` is live and only this thread touches it; the new function has the
    // entry's own type, its one block calls the memory syscall with three `i64`s (its
    // declared type) and then the entry with no arguments (checked), and returns what the
    // entry returned.
    unsafe {
        let f = LLVMGetNamedFunction(module, c_entry.as_ptr());
        if f.is_null() || !LLVMGetNamedFunction(module, start_name.as_ptr()).is_null() {
            return false;
        }
        let fn_ty = LLVMGlobalGetValueType(f);
        if LLVMCountParamTypes(fn_ty) != 0 || LLVMIsFunctionVarArg(fn_ty) != 0 {
            return false;
        }
        let ret = LLVMGetReturnType(fn_ty);
        let returns_void = LLVMGetTypeKind(ret) == LLVMTypeKind::LLVMVoidTypeKind;
        let start = LLVMAddFunction(module, start_name.as_ptr(), fn_ty);
        let context = LLVMGetModuleContext(module);
        let block = LLVMAppendBasicBlockInContext(context, start, c"entry".as_ptr());
        let builder = Builder::new(module);
        LLVMPositionBuilderAtEnd(builder.0, block);
        let memcpy = tako_abi::syscall("tos_memcpy").expect("the ABI lists tos_memcpy");
        let memcpy = CString::new(memcpy.symbol).expect("no NUL byte");
        let (copy, copy_ty) = super::memops::syscall_decl(module, &memcpy);
        let mut args = [
            linker_symbol(module, linker_symbols::DATA_START),
            linker_symbol(module, linker_symbols::DATA_LOAD),
            linker_symbol(module, linker_symbols::DATA_SIZE),
        ];
        LLVMBuildCall2(builder.0, copy_ty, copy, args.as_mut_ptr(), 3, NONAME);
        let result = LLVMBuildCall2(builder.0, fn_ty, f, std::ptr::null_mut(), 0, NONAME);
        if returns_void {
            LLVMBuildRetVoid(builder.0);
        } else {
            LLVMBuildRet(builder.0, result);
        }
    }
    true
}
