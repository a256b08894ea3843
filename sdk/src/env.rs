//! The VM's environment region: read-only facts about the run at `MM_ENV_START`.

pub use tako_abi::Env;

/// The run's environment ([`Env`]: today the mapped heap size), read from the region the
/// VM writes before entry at [`tako_abi::MM_ENV_START`]. One load per word: the heap size
/// costs 2 CU here where [`crate::heap_size`] (a syscall) costs 100.
///
/// # Panics
/// On the host (not `target_arch = "bpf"`): there is no environment region outside the VM.
#[inline]
pub fn env() -> Env {
    #[cfg(target_arch = "bpf")]
    {
        // SAFETY: the VM maps the environment region at MM_ENV_START for the whole run,
        // 8-aligned and read-only, laid out as `Env` (`repr(C)` `u64` words), so the read
        // is in bounds and sees the VM's figures (the contract cannot write them).
        unsafe { (tako_abi::MM_ENV_START as *const Env).read() }
    }
    #[cfg(not(target_arch = "bpf"))]
    {
        panic!("tako-sdk: env() is only available inside the TAKO VM (target_arch = \"bpf\")")
    }
}

#[cfg(all(test, not(target_arch = "bpf")))]
mod tests {
    #[test]
    #[should_panic(expected = "env() is only available inside the TAKO VM")]
    fn env_needs_the_vm() {
        let _ = super::env();
    }
}
