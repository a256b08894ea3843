//! Contract storage (persistent) and transient storage (one transaction).

use crate::raw;

/// Copies the value stored under `key` into `buf` (as much as fits) and returns the
/// value's whole length; 0 when the key is absent. Costs 200 CU + 1 per byte copied.
#[inline]
pub fn storage_read(key: &[u8], buf: &mut [u8]) -> u64 {
    // SAFETY: `key` is readable and `buf` writable for their lengths during the call.
    unsafe {
        raw::storage_read(
            key.as_ptr() as u64,
            key.len() as u64,
            buf.as_mut_ptr() as u64,
            buf.len() as u64,
        )
    }
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
