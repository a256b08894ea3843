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

use crate::llvm::{Module, TypeKind, Value};
use tako_abi::linker_symbols;

/// Whether `module` defines a writable global with a non-zero initial value (what LLVM
/// puts in `.data`).
fn has_initialised_data(module: &Module<'_>) -> bool {
    module.globals().into_iter().any(|g| {
        !g.is_declaration()
            && !g.is_constant_variable()
            && !g.is_thread_local()
            && g.initializer().is_some_and(|init| !init.is_null_constant())
    })
}

/// The address of the linker-defined symbol `name` as an `i64` constant expression (an
/// external `i8` declaration is added once; only its address is used).
fn linker_symbol<'m>(module: &'m Module<'_>, name: &str) -> Value<'m> {
    let g = module.declare_global(name, module.int_type(8));
    g.const_ptr_to_int(module.int_type(64))
}

/// Adds `__tako_start` around `entry` when the program has `.data`; returns whether it
/// did. An `entry` that is missing or not a function of no arguments returning an integer
/// or nothing is left to the relinker's refusal.
pub(super) fn add_start(module: &Module<'_>, entry: &str) -> bool {
    if !has_initialised_data(module) {
        return false;
    }
    let Some(f) = module.function(entry) else {
        return false;
    };
    if module.function(linker_symbols::START).is_some() {
        return false;
    }
    let fn_ty = f.value_type();
    if !fn_ty.param_types().is_empty() || fn_ty.is_vararg() {
        return false;
    }
    let returns_void = fn_ty.return_type().kind() == TypeKind::LLVMVoidTypeKind;
    let start = module.add_function(linker_symbols::START, fn_ty);
    let block = module.append_block(start, c"entry");
    let b = module.builder();
    b.at_end(block);
    let memcpy = tako_abi::syscall("tos_memcpy").expect("the ABI lists tos_memcpy");
    let (copy, copy_ty) = super::memops::syscall_decl(module, memcpy.symbol);
    let args = [
        linker_symbol(module, linker_symbols::DATA_START),
        linker_symbol(module, linker_symbols::DATA_LOAD),
        linker_symbol(module, linker_symbols::DATA_SIZE),
    ];
    b.call(copy_ty, copy.value(), &args);
    let result = b.call(fn_ty, f.value(), &[]);
    if returns_void {
        b.ret_void();
    } else {
        b.ret(result.value());
    }
    true
}
