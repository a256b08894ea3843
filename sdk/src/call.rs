//! The call itself: its input, its return data, the heap region and the CU left.

use crate::raw;

/// Largest return data the VM accepts, in bytes (see `set_return_data`).
pub const MAX_RETURN_DATA: usize = tako_abi::MAX_RETURN_DATA as usize;

/// Copies the call's input into `buf` (as much as fits) and returns the input's whole
/// length: a result larger than `buf.len()` means `buf` holds only its start. Costs
/// 50 CU + 1 per 32 bytes copied.
#[inline]
pub fn get_input_data(buf: &mut [u8]) -> u64 {
    // SAFETY: `(ptr, len)` is a live, writable byte range for the duration of the call;
    // the VM writes at most `len` bytes into it.
    unsafe { raw::get_input_data(buf.as_mut_ptr() as u64, buf.len() as u64) }
}

/// The input did not fit the buffer it was read into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputTooLarge {
    /// The input's length.
    pub len: u64,
    /// The buffer's length.
    pub capacity: usize,
}

impl core::fmt::Display for InputTooLarge {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "the input has {} bytes, more than the {}-byte buffer",
            self.len, self.capacity
        )
    }
}

/// Reads the whole input into `buf` and returns it.
///
/// # Errors
/// [`InputTooLarge`] when it is longer than `buf` (then `buf` holds its start).
#[inline]
pub fn read_input(buf: &mut [u8]) -> Result<&[u8], InputTooLarge> {
    let len = get_input_data(buf);
    match usize::try_from(len) {
        Ok(n) if n <= buf.len() => Ok(&buf[..n]),
        _ => Err(InputTooLarge {
            len,
            capacity: buf.len(),
        }),
    }
}

/// [`read_input`] into a buffer that need not be initialised (what
/// [`entrypoint!`](crate::entrypoint!) uses: zeroing its stack buffer first would cost a
/// `memset`). Returns the input's bytes, which the VM wrote.
///
/// # Errors
/// [`InputTooLarge`] when it is longer than `buf`.
#[inline]
pub fn read_input_uninit(buf: &mut [core::mem::MaybeUninit<u8>]) -> Result<&[u8], InputTooLarge> {
    // SAFETY: `(ptr, len)` is a live, writable byte range for the duration of the call;
    // the VM writes at most `len` bytes into it.
    let len = unsafe { raw::get_input_data(buf.as_mut_ptr() as u64, buf.len() as u64) };
    match usize::try_from(len) {
        Ok(n) if n <= buf.len() => {
            // SAFETY: the VM wrote the first `n <= buf.len()` bytes of `buf`, so they are
            // initialised; the slice borrows `buf`.
            Ok(unsafe { core::slice::from_raw_parts(buf.as_ptr().cast::<u8>(), n) })
        }
        _ => Err(InputTooLarge {
            len,
            capacity: buf.len(),
        }),
    }
}

/// Sets the call's return data to `data`. Costs 100 CU + 1 per byte.
///
/// # Errors
/// `Err(len)` without calling the VM when `data` is longer than [`MAX_RETURN_DATA`]; the VM
/// would refuse it.
#[inline]
pub fn set_return_data(data: &[u8]) -> Result<(), u64> {
    if data.len() > MAX_RETURN_DATA {
        return Err(data.len() as u64);
    }
    // SAFETY: `(ptr, len)` is a live, readable byte range for the duration of the call;
    // the VM copies it.
    unsafe {
        raw::set_return_data(data.as_ptr() as u64, data.len() as u64);
    }
    Ok(())
}

/// Copies the last return data into `buf` (as much as fits) and returns its whole length
/// and the address of the contract that set it (`None` when there is none). Costs 50 CU.
#[inline]
pub fn get_return_data(buf: &mut [u8]) -> Option<(u64, [u8; 32])> {
    let mut program = [0u8; 32];
    // SAFETY: `buf` is writable for its length and `program` for 32 bytes during the call.
    let len = unsafe {
        raw::get_return_data(
            buf.as_mut_ptr() as u64,
            buf.len() as u64,
            program.as_mut_ptr() as u64,
        )
    };
    (len != 0).then_some((len, program))
}

/// The heap region the VM mapped for this call: `(start, size)` (TOS: `0x3_0000_0000`,
/// 32 KiB). Costs 50 CU.
#[inline]
pub fn get_heap_region() -> (u64, u64) {
    let mut start = 0u64;
    let mut size = 0u64;
    // SAFETY: two writable `u64`s for the duration of the call.
    unsafe {
        raw::get_heap_region(&mut start as *mut u64 as u64, &mut size as *mut u64 as u64);
    }
    (start, size)
}

/// The compute units left. Costs 50 CU (already deducted from the figure).
#[inline]
pub fn remaining_compute_units() -> u64 {
    // SAFETY: no arguments.
    unsafe { raw::remaining_compute_units() }
}

#[cfg(all(test, not(target_arch = "bpf")))]
mod tests {
    use super::*;

    #[test]
    fn oversized_return_data_is_refused_before_the_vm() {
        let data = [0u8; MAX_RETURN_DATA + 1];
        assert_eq!(set_return_data(&data), Err(MAX_RETURN_DATA as u64 + 1));
    }

    #[test]
    #[should_panic(expected = "syscall `set_return_data` is only available inside the TAKO VM")]
    fn return_data_within_the_limit_needs_the_vm() {
        let _ = set_return_data(&[1, 2, 3]);
    }

    #[test]
    #[should_panic(expected = "syscall `get_input_data`")]
    fn input_needs_the_vm() {
        let _ = read_input(&mut [0; 4]);
    }
}
