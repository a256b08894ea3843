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

#[cfg(all(test, not(target_arch = "bpf")))]
mod tests {
    #[test]
    #[should_panic(expected = "syscall `tako_log` is only available inside the TAKO VM")]
    fn host_stand_in_panics_with_the_syscall_name() {
        // SAFETY: the host stand-in reads no memory; it panics.
        unsafe {
            super::tako_log(0, 0);
        }
    }
}
