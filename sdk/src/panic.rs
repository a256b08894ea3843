//! Ending a run on a panic or an allocation failure, without `core::fmt`.
//!
//! A contract gets the panic handler with [`crate::panic_handler!`]. The alloc-error path:
//! with the default feature `alloc-error-handler`, this crate defines (on the BPF target)
//! the nightly `#[alloc_error_handler]`, so an infallible allocation that fails (`Vec::push`,
//! `Box::new`, ...) calls [`alloc_error`] and the run ends with the VM's alloc-error naming
//! the size and alignment. Fallible APIs (`try_reserve`, `GlobalAlloc::alloc` returning
//! null) never reach it. Without the feature, `alloc`'s default handler panics
//! ("memory allocation of N bytes failed") and the panic handler reports the location of
//! that panic inside `alloc`.

use core::alloc::Layout;
use core::panic::PanicInfo;

use crate::raw;

/// Ends the run with the VM's panic error, naming the file, line and column of `info`'s
/// location (file `""`, line 0, column 0 when there is none). Without the `panic-message`
/// feature it formats nothing: the panic message is not read, so no `core::fmt` code is
/// pulled into the contract. With it, the message is logged first ([`crate::log!`]).
///
/// # Panics
/// On the host, where there is no VM to report to.
pub fn report_panic(info: &PanicInfo<'_>) -> ! {
    let (file, line, column) = match info.location() {
        Some(loc) => (loc.file(), loc.line(), loc.column()),
        None => ("", 0, 0),
    };
    // With the `panic-message` feature, the message is formatted (`core::fmt`, into a
    // stack buffer) and logged before the run ends.
    #[cfg(feature = "panic-message")]
    crate::fmt::log_fmt(format_args!(
        "panicked at {file}:{line}:{column}: {}",
        info.message()
    ));
    // SAFETY: `(ptr, len)` is a live, readable byte range (a `&'static str`); the VM
    // reads it and ends the run.
    unsafe {
        raw::tako_panic(
            file.as_ptr() as u64,
            file.len() as u64,
            u64::from(line),
            u64::from(column),
        );
    }
    crate::abort()
}

/// Ends the run with the VM's alloc-error for a request of `layout`.
///
/// # Panics
/// On the host, where there is no VM to report to.
#[cold]
pub fn alloc_error(layout: Layout) -> ! {
    // SAFETY: plain values; the VM ends the run.
    unsafe {
        raw::tako_alloc_error(layout.size() as u64, layout.align() as u64);
    }
    crate::abort()
}

#[cfg(all(target_arch = "bpf", feature = "alloc-error-handler"))]
#[alloc_error_handler]
fn tako_sdk_alloc_error_handler(layout: Layout) -> ! {
    alloc_error(layout)
}

/// Defines the contract's `#[panic_handler]`: it reports the panic's file, line and column
/// through `tako_panic` ([`report_panic`]) and never formats the message.
///
/// Expands to nothing off the BPF target, so a contract's host unit tests keep `std`'s
/// handler.
///
/// ```ignore
/// #![no_std]
/// tako_sdk::panic_handler!();
/// ```
#[macro_export]
macro_rules! panic_handler {
    () => {
        #[cfg(target_arch = "bpf")]
        #[panic_handler]
        fn tako_sdk_panic_handler(info: &::core::panic::PanicInfo<'_>) -> ! {
            $crate::report_panic(info)
        }
    };
}

#[cfg(all(test, not(target_arch = "bpf")))]
mod tests {
    #[test]
    #[should_panic(expected = "tako_alloc_error")]
    fn alloc_error_needs_the_vm() {
        super::alloc_error(core::alloc::Layout::new::<u64>());
    }
}
