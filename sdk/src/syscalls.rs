//! Safe wrappers over the TAKO syscalls that return to the contract.

use crate::raw;

/// Largest return data the VM accepts, in bytes (see `tako_set_return_data`).
pub const MAX_RETURN_DATA: usize = tako_abi::MAX_RETURN_DATA as usize;

/// Logs `message` (UTF-8). Costs the syscall base plus 1 CU per byte.
#[inline]
pub fn log(message: &str) {
    // SAFETY: `(ptr, len)` is a live, readable byte range for the duration of the call;
    // the VM only reads it.
    unsafe {
        raw::tako_log(message.as_ptr() as u64, message.len() as u64);
    }
}

/// Logs five `u64` values (the VM prints them in hexadecimal). Costs the syscall base.
#[inline]
pub fn log_u64(a: u64, b: u64, c: u64, d: u64, e: u64) {
    // SAFETY: plain values, no memory is shared with the VM.
    unsafe {
        raw::tako_log_u64(a, b, c, d, e);
    }
}

/// Sets the run's return data to `data`.
///
/// # Errors
/// Returns `Err(len)` without calling the VM when `data` is longer than
/// [`MAX_RETURN_DATA`]; the VM would refuse it.
#[inline]
pub fn set_return_data(data: &[u8]) -> Result<(), usize> {
    if data.len() > MAX_RETURN_DATA {
        return Err(data.len());
    }
    // SAFETY: `(ptr, len)` is a live, readable byte range for the duration of the call;
    // the VM copies it.
    unsafe {
        raw::tako_set_return_data(data.as_ptr() as u64, data.len() as u64);
    }
    Ok(())
}

/// Size in bytes of the heap region the VM mapped at [`crate::MM_HEAP_START`] for this run
/// (32 KiB unless the run asked for more). Costs the syscall base; [`crate::env()`] reads the
/// same number from the VM's environment region with one load.
#[inline]
pub fn heap_size() -> u64 {
    // SAFETY: no arguments, no memory is shared with the VM.
    unsafe { raw::tako_heap_size() }
}

/// Ends the run with the VM's abort error.
#[inline]
pub fn abort() -> ! {
    // SAFETY: no arguments; the VM ends the run.
    unsafe {
        raw::tako_abort();
    }
    // The VM does not return from `tako_abort`; should it ever, spin until the CU budget
    // runs out rather than continue with a state the contract gave up on.
    #[allow(clippy::empty_loop)]
    loop {}
}

#[cfg(all(test, not(target_arch = "bpf")))]
mod tests {
    use super::*;

    #[test]
    fn oversized_return_data_is_refused_before_the_vm() {
        let data = [0u8; MAX_RETURN_DATA + 1];
        assert_eq!(set_return_data(&data), Err(MAX_RETURN_DATA + 1));
    }

    #[test]
    #[should_panic(
        expected = "syscall `tako_set_return_data` is only available inside the TAKO VM"
    )]
    fn return_data_within_the_limit_needs_the_vm() {
        let _ = set_return_data(&[1, 2, 3]);
    }

    #[test]
    #[should_panic(expected = "syscall `tako_heap_size`")]
    fn heap_size_needs_the_vm() {
        let _ = heap_size();
    }
}
