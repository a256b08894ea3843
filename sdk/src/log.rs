//! Logging: `log`, `log_u64`, `log_pubkey` (the formatting `log!` and `debug_log!` are in
//! [`crate::fmt`]).

use crate::raw;

/// Logs `message` (UTF-8, at most [`tako_abi::MAX_LOG_SIZE`] bytes: the VM refuses a
/// longer one). Costs 100 CU + 1 per byte.
#[inline]
pub fn log(message: &str) {
    log_utf8(message.as_bytes());
}

/// [`log`] for bytes the caller knows to be UTF-8 (a [`crate::fmt::StackWriter`]'s, valid
/// by construction), without checking them again: no `from_utf8` in the program for it.
#[inline]
pub(crate) fn log_utf8(message: &[u8]) {
    // SAFETY: `(ptr, len)` is a live, readable byte range for the duration of the call;
    // the VM only reads it.
    unsafe {
        raw::log(message.as_ptr() as u64, message.len() as u64);
    }
}

/// Logs five `u64` values (the VM prints them in hexadecimal). Costs 100 CU.
#[inline]
pub fn log_u64(a: u64, b: u64, c: u64, d: u64, e: u64) {
    // SAFETY: plain values, no memory is shared with the VM.
    unsafe {
        raw::log_u64(a, b, c, d, e);
    }
}

/// Logs a 32-byte key or address (the VM prints it in hexadecimal). Costs 100 CU.
#[inline]
pub fn log_pubkey(key: &[u8; 32]) {
    // SAFETY: 32 readable bytes for the duration of the call; the VM only reads them.
    unsafe {
        raw::log_pubkey(key.as_ptr() as u64);
    }
}
