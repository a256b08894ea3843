//! rustc's own LLVM behind typed, lifetime-tagged wrappers: every call into the LLVM C API
//! is in this module tree, and the lowering passes and the code generation driver use only
//! these types.
//!
//! The nightly toolchain ships `libLLVM` (LLVM 22) in its sysroot; `aya-rustc-llvm-proxy`
//! resolves the C API from it at run time, so no system LLVM is needed.
//!
//! | type | wraps | module |
//! |---|---|---|
//! | [`Context`] | an owned `LLVMContext` and the diagnostics it reports | `context` |
//! | [`Module`] | a module of that context; bitcode is read and linked by [`Context::load`] | `module` |
//! | [`Type`] | a type of the context | `types` |
//! | [`Value`], [`Instruction`], [`Call`], [`Global`], [`Function`], [`BasicBlock`], [`Attribute`] | IR values | `value` |
//! | [`Builder`] | an instruction builder, disposed on drop | `builder` |
//! | [`TargetMachine`] | the BPF target machine, the pass pipeline and object emission | `target` |
//!
//! # Soundness
//! A handle carries the lifetime of the [`Module`] borrow it came from (types, of the
//! context), so it cannot outlive its context, and a module linked into another
//! ([`Module::link_in`] takes it by value) cannot be used afterwards. The methods that
//! free IR a handle may still name (erasing an instruction, deleting a function or block)
//! are `unsafe`: their caller promises that no copy of the handle is used afterwards.
//! Indices are checked (an operand or parameter out of range panics instead of reading
//! past LLVM's arrays); that the operands of one operation have the types it needs is
//! the lowering passes' part, as with LLVM's own `IRBuilder`. Only one thread uses a
//! context (the handles are neither `Send` nor `Sync`).

mod builder;
mod context;
mod module;
mod target;
mod types;
mod value;

use std::path::PathBuf;

// Provides the C API's symbols, resolved from rustc's libLLVM at run time.
use aya_rustc_llvm_proxy as _;

pub(crate) use builder::Builder;
pub(crate) use context::{Context, LoadError};
pub(crate) use llvm_sys::{
    LLVMIntPredicate as IntPredicate, LLVMLinkage as Linkage, LLVMOpcode as Opcode,
    LLVMRealPredicate as RealPredicate, LLVMTailCallKind as TailCallKind, LLVMTypeKind as TypeKind,
    LLVMVisibility as Visibility,
};
pub(crate) use module::Module;
pub(crate) use target::{init, install_fatal_error_handler, TargetMachine};
pub(crate) use types::Type;
pub(crate) use value::{
    attribute_kind, Attribute, BasicBlock, Call, Function, Global, Instruction, Value,
};

/// The attribute index of a function's own attributes (as opposed to its return value,
/// index 0, or parameter `n`, index `n + 1`).
pub(crate) const FUNCTION_INDEX: u32 = llvm_sys::LLVMAttributeFunctionIndex;

/// Whether a `libLLVM*` is where `aya-rustc-llvm-proxy` will look (it panics otherwise).
pub fn find_libllvm() -> Option<PathBuf> {
    let dirs = |var: &str, bin: bool| -> Vec<PathBuf> {
        std::env::var_os(var)
            .map(|v| {
                std::env::split_paths(&v)
                    .map(|mut p| {
                        if bin {
                            p.pop();
                            p.push("lib");
                        }
                        p
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut all = dirs("LD_LIBRARY_PATH", false);
    all.extend(dirs("PATH", true));
    all.into_iter().find_map(|dir| {
        std::fs::read_dir(&dir).ok()?.flatten().find_map(|e| {
            let name = e.file_name();
            name.to_str()?.starts_with("libLLVM").then(|| e.path())
        })
    })
}

/// Copies an LLVM-owned message and disposes it (`"(no message)"` for null).
fn take_message(raw: *mut std::ffi::c_char) -> String {
    if raw.is_null() {
        return "(no message)".into();
    }
    // SAFETY: LLVM handed over an owned NUL-terminated message; it is disposed once.
    unsafe {
        let s = std::ffi::CStr::from_ptr(raw).to_string_lossy().into_owned();
        llvm_sys::core::LLVMDisposeMessage(raw);
        s
    }
}

/// A name as the C API takes it (NUL bytes, which no LLVM name the linker uses holds,
/// are dropped).
fn c_name(name: &str) -> std::ffi::CString {
    std::ffi::CString::new(name.replace('\0', "")).unwrap_or_default()
}
