//! The raw syscalls this crate calls.
//!
//! On the BPF target they are `tako_abi::sys`, the `extern "C"` declarations generated from
//! the ABI's one list. On any other target the same list generates host stand-ins that
//! panic with the syscall's name: a contract's syscalls only mean something inside the VM.

#[cfg(target_arch = "bpf")]
pub(crate) use tako_abi::sys::*;

#[cfg(not(target_arch = "bpf"))]
pub(crate) use host::*;

#[cfg(not(target_arch = "bpf"))]
mod host {
    macro_rules! host_stand_ins {
        ($( $(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty; )*) => {
            $(
                /// Host stand-in: panics, the syscall exists only in the TAKO VM.
                #[allow(dead_code, clippy::missing_safety_doc)]
                pub(crate) unsafe fn $name($($arg: $ty),*) -> $ret {
                    $( let _ = $arg; )*
                    unavailable(stringify!($name))
                }
            )*
        };
    }
    tako_abi::with_syscalls!(host_stand_ins);

    #[cold]
    fn unavailable(name: &str) -> ! {
        panic!("tako-sdk: syscall `{name}` is only available inside the TAKO VM (target_arch = \"bpf\")")
    }
}

/// Which SDK item wraps each syscall of the ABI (checked against `tako_abi::SYSCALLS` by a
/// test, so a syscall added to the ABI without a wrapper fails the build's tests).
#[cfg(test)]
pub(crate) const WRAPPERS: &[(&str, &str)] = &[
    ("tako_log", "log"),
    ("tako_log_u64", "log_u64"),
    ("tako_panic", "report_panic / panic_handler!"),
    ("tako_abort", "abort"),
    ("tako_alloc_error", "alloc_error / the alloc-error handler"),
    ("tako_alloc", "SyscallAllocator::alloc"),
    ("tako_free", "SyscallAllocator::dealloc"),
    ("tako_heap_size", "heap_size"),
    ("tako_set_return_data", "set_return_data"),
    ("tako_memcpy", "copy"),
    ("tako_memmove", "copy_within"),
    ("tako_memset", "fill"),
    ("tako_memcmp", "compare"),
];

#[cfg(all(test, not(target_arch = "bpf")))]
mod tests {
    #[test]
    fn every_syscall_of_the_abi_has_a_wrapper() {
        assert_eq!(tako_abi::SYSCALLS.len(), super::WRAPPERS.len());
        for (spec, (name, _)) in tako_abi::SYSCALLS.iter().zip(super::WRAPPERS) {
            assert_eq!(
                spec.name, *name,
                "syscall without an SDK wrapper, or out of order"
            );
        }
    }

    #[test]
    #[should_panic(expected = "syscall `tako_log` is only available inside the TAKO VM")]
    fn host_stand_in_panics_with_the_syscall_name() {
        // SAFETY: the host stand-in reads no memory; it panics.
        unsafe {
            super::tako_log(0, 0);
        }
    }
}
