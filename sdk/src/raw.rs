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
        ($( $(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty
            [$class:ident, $origin:ident, $price:expr]; )*) => {
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
    ("log", "log"),
    ("log_u64", "log_u64"),
    ("log_pubkey", "log_pubkey"),
    ("get_input_data", "get_input_data"),
    ("set_return_data", "set_return_data"),
    ("get_return_data", "get_return_data"),
    ("storage_read", "storage_read"),
    ("storage_write", "storage_write"),
    ("storage_delete", "storage_delete"),
    ("tload", "tload"),
    ("tstore", "tstore"),
    ("get_tx_sender", "get_tx_sender"),
    ("get_caller", "get_caller"),
    ("get_contract_hash", "get_contract_hash"),
    ("get_block_hash", "get_block_hash"),
    ("get_coinbase", "get_coinbase"),
    ("get_block_height", "get_block_height"),
    ("get_timestamp", "get_timestamp"),
    ("get_chain_id", "get_chain_id"),
    ("get_call_value", "get_call_value"),
    ("remaining_compute_units", "remaining_compute_units"),
    ("get_balance", "get_balance"),
    ("transfer", "transfer"),
    ("emit_event", "emit_event"),
    ("blake3", "blake3"),
    ("get_heap_region", "get_heap_region"),
    ("tos_memcpy", "copy"),
    ("tos_memmove", "copy_within"),
    ("tos_memset", "fill"),
    ("tako_alloc", "SyscallAllocator::alloc"),
    ("tako_free", "SyscallAllocator::dealloc"),
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
    #[should_panic(expected = "syscall `log` is only available inside the TAKO VM")]
    fn host_stand_in_panics_with_the_syscall_name() {
        // SAFETY: the host stand-in reads no memory; it panics.
        unsafe {
            super::log(0, 0);
        }
    }
}
