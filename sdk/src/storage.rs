//! Contract storage (persistent) and transient storage (one transaction).

use crate::raw;

/// Copies the value stored under `key` into `buf` (as much as fits) and returns the
/// value's whole length; 0 when the key is absent. Costs 200 CU + 1 per byte copied.
#[inline]
pub fn storage_read(key: &[u8], buf: &mut [u8]) -> u64 {
    // SAFETY: `buf` is writable for its length.
    unsafe { read_to(key, buf.as_mut_ptr(), buf.len()) }
}

/// The `storage_read` syscall into the `len` bytes at `buf`.
///
/// # Safety
/// `buf` is writable for `len` bytes (which need not be initialised).
#[inline(always)]
unsafe fn read_to(key: &[u8], buf: *mut u8, len: usize) -> u64 {
    // SAFETY: `key` is readable for its length, `buf` writable for `len` bytes (the
    // caller's promise) during the call.
    unsafe {
        raw::storage_read(
            key.as_ptr() as u64,
            key.len() as u64,
            buf as u64,
            len as u64,
        )
    }
}

/// The value stored under `key` in a `Vec` (empty when absent): one `storage_read` when it
/// is at most `expected` bytes long, two when longer (the first then learns its length).
/// Asking for the length first (`storage_read(key, &mut [])`) and then reading always
/// takes two: 200 CU more for a value that fits. The buffer is not zeroed before the read;
/// a value shorter than `expected` leaves the rest of the capacity unused.
///
/// # Errors
/// The heap cannot hold the value. An `expected` it cannot hold is no error: the first
/// read then only learns the length.
#[cfg(feature = "alloc")]
pub fn storage_read_vec(
    key: &[u8],
    expected: usize,
) -> Result<alloc::vec::Vec<u8>, alloc::collections::TryReserveError> {
    let read = |buf: &mut [core::mem::MaybeUninit<u8>]| {
        // SAFETY: `buf` is writable for its length (a zero-length one is not accessed).
        unsafe { read_to(key, buf.as_mut_ptr().cast(), buf.len()) as usize }
    };
    // SAFETY: `storage_read` copies the value's first `min(length, buf.len())` bytes to the
    // start of `buf` and returns the value's whole length.
    unsafe { read_vec(expected, read) }
}

/// The largest stack buffer `storage_read_with` (feature `alloc`) takes: half an SBPF V0
/// stack frame, so that the caller's own frame keeps the other half.
pub const MAX_STACK_READ: usize = tako_abi::STACK_FRAME_SIZE as usize / 2;

/// Calls `f` with the value stored under `key` (empty when absent). A value of at most `N`
/// bytes is read into a buffer on the stack: one `storage_read`, no heap block. A longer
/// one is read into a `Vec` as [`storage_read_vec`] reads it (a second `storage_read`).
///
/// For state decoded at the start of a call: [`storage_read_vec`]'s buffer is a heap block
/// that a bump allocator cannot reclaim once the decoded state is allocated after it, and
/// its free costs instructions for nothing; this read leaves the heap to the state.
/// `N` above [`MAX_STACK_READ`] does not compile.
///
/// # Errors
/// A value longer than `N` that the heap cannot hold.
#[cfg(feature = "alloc")]
#[inline]
pub fn storage_read_with<const N: usize, R>(
    key: &[u8],
    f: impl FnOnce(&[u8]) -> R,
) -> Result<R, alloc::collections::TryReserveError> {
    let read = |buf: &mut [core::mem::MaybeUninit<u8>]| {
        // SAFETY: `buf` is writable for its length (a zero-length one is not accessed).
        unsafe { read_to(key, buf.as_mut_ptr().cast(), buf.len()) as usize }
    };
    // SAFETY: `storage_read` copies the value's first `min(length, buf.len())` bytes to the
    // start of `buf` and returns the value's whole length.
    unsafe { read_with::<N, R>(read, f) }
}

/// [`storage_read_with`] over `read`, as [`read_vec`].
///
/// # Safety
/// `read` initialises the first `min(returned length, buf.len())` bytes of `buf`.
#[cfg(any(feature = "alloc", test))]
#[inline(always)]
unsafe fn read_with<const N: usize, R>(
    mut read: impl FnMut(&mut [core::mem::MaybeUninit<u8>]) -> usize,
    f: impl FnOnce(&[u8]) -> R,
) -> Result<R, alloc::collections::TryReserveError> {
    const {
        assert!(
            N <= MAX_STACK_READ,
            "storage_read_with: the stack buffer is at most MAX_STACK_READ bytes"
        )
    };
    let mut buf = [core::mem::MaybeUninit::<u8>::uninit(); N];
    let len = read(&mut buf);
    if len <= N {
        // SAFETY: `read` initialised the first `min(len, N) = len` bytes of `buf`.
        let value = unsafe { core::slice::from_raw_parts(buf.as_ptr().cast::<u8>(), len) };
        return Ok(f(value));
    }
    // Longer than the stack buffer: its length is known, so one block of that size (an
    // error when the heap cannot hold it, with no second read) and one more read. (`f` is
    // called on each path: with one call after both, the block's free would follow every
    // read, and its pointer stay live across `f`.)
    let mut value = alloc::vec::Vec::new();
    value.try_reserve_exact(len)?;
    let read_len = read(value.spare_capacity_mut());
    // SAFETY: `read` initialised the first `min(read_len, capacity)` bytes of the spare
    // capacity, which starts at the vector's start (it is empty).
    unsafe { value.set_len(read_len.min(value.capacity())) };
    Ok(f(&value))
}

/// [`storage_read_vec`] over `read`, which copies as much of a value as fits into the
/// buffer it is given and returns the value's whole length.
///
/// # Safety
/// `read` initialises the first `min(returned length, buf.len())` bytes of `buf`.
#[cfg(any(feature = "alloc", test))]
unsafe fn read_vec(
    expected: usize,
    mut read: impl FnMut(&mut [core::mem::MaybeUninit<u8>]) -> usize,
) -> Result<alloc::vec::Vec<u8>, alloc::collections::TryReserveError> {
    let mut value = alloc::vec::Vec::new();
    // A hint the heap cannot hold is no hint: the first read then only learns the length.
    let _ = value.try_reserve_exact(expected.min(crate::MAX_VALUE_SIZE));
    let mut read_into = |value: &mut alloc::vec::Vec<u8>| {
        value.clear();
        let len = read(value.spare_capacity_mut());
        // SAFETY: `read` initialised the first `min(len, capacity)` bytes of the spare
        // capacity, which starts at the vector's start (it is empty), and that many is at
        // most the capacity.
        unsafe { value.set_len(len.min(value.capacity())) };
        len
    };
    let len = read_into(&mut value);
    if len > value.len() {
        value.clear();
        value.try_reserve_exact(len)?;
        read_into(&mut value);
    }
    Ok(value)
}

/// Stores `value` under `key`. Costs 500 CU + 2 per value byte.
///
/// # Errors
/// A `tako_abi::status` code: `KEY_TOO_LARGE` (over 256 bytes), `VALUE_TOO_LARGE` (over
/// [`crate::MAX_VALUE_SIZE`]).
#[inline]
pub fn storage_write(key: &[u8], value: &[u8]) -> Result<(), u64> {
    // SAFETY: both ranges are readable for their lengths during the call.
    let status = unsafe {
        raw::storage_write(
            key.as_ptr() as u64,
            key.len() as u64,
            value.as_ptr() as u64,
            value.len() as u64,
        )
    };
    status_result(status)
}

/// Deletes `key`; true when it existed. Costs 300 CU.
#[inline]
pub fn storage_delete(key: &[u8]) -> bool {
    // SAFETY: `key` is readable for its length during the call.
    unsafe { raw::storage_delete(key.as_ptr() as u64, key.len() as u64) == 1 }
}

/// Stores `value` under `key` in transient storage, cleared when the transaction ends.
/// Costs 100 CU.
///
/// # Errors
/// A `tako_abi::status` code, as [`storage_write`].
#[inline]
pub fn tstore(key: &[u8], value: &[u8]) -> Result<(), u64> {
    // SAFETY: both ranges are readable for their lengths during the call.
    let status = unsafe {
        raw::tstore(
            key.as_ptr() as u64,
            key.len() as u64,
            value.as_ptr() as u64,
            value.len() as u64,
        )
    };
    status_result(status)
}

/// Copies the transient value under `key` into `out` (as much as fits) and returns its
/// whole length; 0 when absent (or when the VM refused the key). Costs 100 CU.
#[inline]
pub fn tload(key: &[u8], out: &mut [u8]) -> u64 {
    let mut len = 0u64;
    // SAFETY: `key` is readable, `out` writable for their lengths, `len` a writable u64.
    let status = unsafe {
        raw::tload(
            key.as_ptr() as u64,
            key.len() as u64,
            out.as_mut_ptr() as u64,
            out.len() as u64,
            &mut len as *mut u64 as u64,
        )
    };
    if status == tako_abi::status::OK {
        len
    } else {
        0
    }
}

pub(crate) fn status_result(status: u64) -> Result<(), u64> {
    if status == tako_abi::status::OK {
        Ok(())
    } else {
        Err(status)
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::{read_vec, read_with};
    use core::mem::MaybeUninit;
    use std::vec;
    use std::vec::Vec;

    /// A `storage_read` of a stored `value` (`None`: absent), as the VM reads it: it writes
    /// the first `min(value.len(), buf.len())` bytes of `buf` and records `buf`'s length in
    /// `reads`.
    fn reader<'a>(
        value: Option<&'a [u8]>,
        reads: &'a mut Vec<usize>,
    ) -> impl FnMut(&mut [MaybeUninit<u8>]) -> usize + 'a {
        move |buf| {
            reads.push(buf.len());
            let stored = value.unwrap_or_default();
            for (slot, &b) in buf.iter_mut().zip(stored) {
                slot.write(b);
            }
            stored.len()
        }
    }

    /// `read_vec` over a stored `value`; returns the result and the buffer sizes it read
    /// into.
    fn read_stored(value: Option<&[u8]>, expected: usize) -> (Vec<u8>, Vec<usize>) {
        let mut reads = Vec::new();
        // SAFETY: `reader` writes the first `min(stored.len(), buf.len())` bytes.
        let got = unsafe { read_vec(expected, reader(value, &mut reads)) }.unwrap();
        (got, reads)
    }

    #[test]
    fn a_value_that_fits_takes_one_read_a_longer_one_two() {
        let stored: Vec<u8> = (0..100u8).collect();
        let (got, reads) = read_stored(Some(&stored), 128);
        assert_eq!(
            (got.as_slice(), reads.as_slice()),
            (&stored[..], &[128][..])
        );
        let (got, reads) = read_stored(Some(&stored), 100);
        assert_eq!(
            (got.as_slice(), reads.as_slice()),
            (&stored[..], &[100][..])
        );
        let (got, reads) = read_stored(Some(&stored), 99);
        assert_eq!(
            (got.as_slice(), reads.as_slice()),
            (&stored[..], &[99, 100][..])
        );
        let (got, reads) = read_stored(Some(&stored), 0);
        assert_eq!(
            (got.as_slice(), reads.as_slice()),
            (&stored[..], &[0, 100][..])
        );
    }

    /// `read_with::<N>` over a stored `value` (`None`: absent); returns what `f` saw and the
    /// buffer sizes it read into.
    fn read_stored_with<const N: usize>(value: Option<&[u8]>) -> (Vec<u8>, Vec<usize>) {
        let mut reads = Vec::new();
        // SAFETY: `reader` writes the first `min(stored.len(), buf.len())` bytes.
        let got = unsafe { read_with::<N, _>(reader(value, &mut reads), |v| v.to_vec()) };
        (got.unwrap(), reads)
    }

    #[test]
    fn a_value_that_fits_the_stack_takes_one_read_a_longer_one_two() {
        let stored: Vec<u8> = (0..100u8).collect();
        assert_eq!(
            read_stored_with::<128>(Some(&stored)),
            (stored.clone(), vec![128])
        );
        assert_eq!(
            read_stored_with::<100>(Some(&stored)),
            (stored.clone(), vec![100])
        );
        assert_eq!(
            read_stored_with::<99>(Some(&stored)),
            (stored.clone(), vec![99, 100])
        );
        assert_eq!(read_stored_with::<0>(Some(&stored)), (stored, vec![0, 100]));
        assert_eq!(read_stored_with::<8>(None), (vec![], vec![8]));
        assert_eq!(read_stored_with::<8>(Some(&[])), (vec![], vec![8]));
    }

    #[test]
    fn a_value_longer_than_the_heap_can_hold_is_an_error_after_one_read() {
        let mut reads = Vec::new();
        let read = |buf: &mut [MaybeUninit<u8>]| {
            reads.push(buf.len());
            buf.fill(MaybeUninit::new(7));
            isize::MAX as usize + 1
        };
        // SAFETY: `read` writes all of `buf`, less than the length it returns.
        let got = unsafe { read_with::<16, _>(read, |v| v.len()) };
        assert!(got.is_err());
        assert_eq!(reads, [16]);
    }

    #[test]
    fn an_absent_or_empty_value_is_empty_after_one_read() {
        for value in [None, Some(&[][..])] {
            for expected in [0, 8] {
                let (got, reads) = read_stored(value, expected);
                assert!(got.is_empty());
                assert_eq!(reads, [expected]);
            }
        }
    }

    #[test]
    fn an_expected_length_past_the_largest_value_is_capped() {
        let (got, reads) = read_stored(Some(b"abc"), usize::MAX);
        assert_eq!(got, b"abc");
        assert_eq!(reads, [crate::MAX_VALUE_SIZE]);
    }
}
