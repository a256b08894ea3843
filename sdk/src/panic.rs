//! Ending a run on a panic, an allocation failure or an abort, with TOS's syscalls only.
//!
//! TOS has no panic or abort syscall. The SDK logs what happened (`panicked at
//! src/lib.rs:10:5`, `memory allocation of 64 bytes (align 8) failed`), then stores to
//! the trap address of the kind (`tako_abi::Trap`), which nothing maps: every engine ends
//! the run there with an access violation, and the local VM reports it as the panic,
//! alloc-error or abort it is, with the logged message. Formatting uses no `core::fmt`
//! unless the feature `panic-message` asks for the panic's message.

use core::alloc::Layout;
use core::panic::PanicInfo;

use tako_abi::Trap;

use crate::fmt::{StackWriter, LOG_BUFFER};

/// Ends the run at `trap`'s address. Does not return.
#[inline(always)]
pub(crate) fn trap(trap: Trap) -> ! {
    #[cfg(target_arch = "bpf")]
    {
        let at = core::ptr::with_exposed_provenance_mut::<u64>(trap.address() as usize);
        // SAFETY: nothing is mapped at the trap addresses (`tako_abi::MM_TRAP_START` lies
        // below every VM region), so the VM stops the run at this store; it never writes
        // any memory the program uses.
        unsafe { core::ptr::write_volatile(at, trap as u64) };
        // The store never completes; should an engine ever let it, spin until the budget
        // runs out rather than continue with a state the contract gave up on.
        #[allow(clippy::empty_loop)]
        loop {}
    }
    #[cfg(not(target_arch = "bpf"))]
    {
        panic!("tako-sdk: {trap:?} trap: ending a run is only available inside the TAKO VM (target_arch = \"bpf\")")
    }
}

/// Ends the run with an abort (the local VM's `abort` fault).
#[inline]
pub fn abort() -> ! {
    trap(Trap::Abort)
}

/// Logs `panicked at FILE:LINE:COLUMN` for `info` (with the feature `panic-message`, `:
/// MESSAGE` after it), then ends the run with the panic trap.
///
/// # Panics
/// On the host, where there is no VM to report to.
#[cfg_attr(target_arch = "bpf", optimize(size))]
pub fn report_panic(info: &PanicInfo<'_>) -> ! {
    let (file, line, column) = match info.location() {
        Some(loc) => (loc.file(), loc.line(), loc.column()),
        None => ("", 0, 0),
    };
    #[cfg(feature = "panic-message")]
    crate::fmt::log_fmt(format_args!(
        "panicked at {file}:{line}:{column}: {}",
        info.message()
    ));
    #[cfg(not(feature = "panic-message"))]
    {
        let mut w = StackWriter::<LOG_BUFFER>::new();
        w.push_str("panicked at ");
        w.push_str(file);
        w.push_str(":");
        w.push_u64(u64::from(line));
        w.push_str(":");
        w.push_u64(u64::from(column));
        w.mark_truncated();
        w.log();
    }
    trap(Trap::Panic)
}

/// Logs `memory allocation of SIZE bytes (align ALIGN) failed`, then ends the run with the
/// alloc-error trap.
///
/// # Panics
/// On the host, where there is no VM to report to.
#[cold]
#[cfg_attr(target_arch = "bpf", optimize(size))]
pub fn alloc_error(layout: Layout) -> ! {
    let mut w = StackWriter::<LOG_BUFFER>::new();
    w.push_str("memory allocation of ");
    w.push_u64(layout.size() as u64);
    w.push_str(" bytes (align ");
    w.push_u64(layout.align() as u64);
    w.push_str(") failed");
    w.log();
    trap(Trap::AllocError)
}

#[cfg(all(target_arch = "bpf", feature = "alloc-error-handler"))]
#[alloc_error_handler]
fn tako_sdk_alloc_error_handler(layout: Layout) -> ! {
    alloc_error(layout)
}

/// Defines the contract's `#[panic_handler]`: [`report_panic`] (logs the location, then
/// the panic trap). A contract may define its own handler instead, as TOS's do.
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
    #[should_panic(expected = "syscall `log`")]
    fn alloc_error_needs_the_vm() {
        super::alloc_error(core::alloc::Layout::new::<u64>());
    }

    #[test]
    #[should_panic(expected = "Abort trap")]
    fn abort_needs_the_vm() {
        super::abort();
    }
}
