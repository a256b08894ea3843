//! Safe wrappers over the memory syscalls (`tos_memcpy`, `tos_memmove`, `tos_memset`),
//! priced `max(10, n / 250)` CU: far cheaper than a byte loop in the VM for large ranges.
//! (The linker also resolves compiler-emitted `memcpy` & co. to them.) TOS has no
//! `memcmp` syscall: [`compare`] and the compiler's `memcmp`/`bcmp` calls run the SDK's
//! own loop ([`crate::runtime`]).

use core::cmp::Ordering;
use core::fmt;
use core::ops::Range;

use crate::raw;

/// Why a memory operation was refused before reaching the VM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemError {
    /// `copy` needs equally long slices.
    LengthMismatch {
        /// Length of the destination.
        dst: usize,
        /// Length of the source.
        src: usize,
    },
    /// `copy_within`'s ranges do not lie inside the buffer.
    OutOfBounds {
        /// The source range.
        src: Range<usize>,
        /// Start of the destination.
        dest: usize,
        /// Length of the buffer.
        len: usize,
    },
}

impl fmt::Display for MemError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::LengthMismatch { dst, src } => {
                write!(f, "copy of {src} bytes into a {dst}-byte destination")
            }
            Self::OutOfBounds { src, dest, len } => write!(
                f,
                "copy_within {}..{} to {dest} leaves a {len}-byte buffer",
                src.start, src.end
            ),
        }
    }
}

/// Copies `src` into `dst` with `tos_memcpy`. The borrow rules make the ranges disjoint,
/// as the syscall requires.
///
/// # Errors
/// [`MemError::LengthMismatch`] when the lengths differ (nothing is copied).
#[inline]
pub fn copy(dst: &mut [u8], src: &[u8]) -> Result<(), MemError> {
    if dst.len() != src.len() {
        return Err(MemError::LengthMismatch {
            dst: dst.len(),
            src: src.len(),
        });
    }
    // SAFETY: both ranges are live for the call, `dst` is writable, they have the same
    // length and cannot overlap (`&mut` and `&` borrows).
    unsafe {
        raw::tos_memcpy(
            dst.as_mut_ptr() as u64,
            src.as_ptr() as u64,
            src.len() as u64,
        );
    }
    Ok(())
}

/// Copies `buf[src]` to `buf[dest..dest + src.len()]` with `tos_memmove` (the ranges may
/// overlap).
///
/// # Errors
/// [`MemError::OutOfBounds`] when either range leaves `buf` (nothing is copied).
#[inline]
pub fn copy_within(buf: &mut [u8], src: Range<usize>, dest: usize) -> Result<(), MemError> {
    let out_of_bounds = || MemError::OutOfBounds {
        src: src.clone(),
        dest,
        len: buf.len(),
    };
    if src.start > src.end || src.end > buf.len() {
        return Err(out_of_bounds());
    }
    let n = src.end - src.start;
    match dest.checked_add(n) {
        Some(end) if end <= buf.len() => {}
        _ => return Err(out_of_bounds()),
    }
    let base = buf.as_mut_ptr() as u64;
    // SAFETY: both ranges were checked to lie inside `buf`, which is writable and live.
    unsafe {
        raw::tos_memmove(base + dest as u64, base + src.start as u64, n as u64);
    }
    Ok(())
}

/// Sets every byte of `dst` to `value` with `tos_memset`.
#[inline]
pub fn fill(dst: &mut [u8], value: u8) {
    // SAFETY: `dst` is a live, writable range for the call.
    unsafe {
        raw::tos_memset(dst.as_mut_ptr() as u64, u64::from(value), dst.len() as u64);
    }
}

/// Compares `a` and `b` as `<[u8]>::cmp` does (bytes first, then length).
#[inline]
pub fn compare(a: &[u8], b: &[u8]) -> Ordering {
    a.cmp(b)
}

#[cfg(all(test, not(target_arch = "bpf")))]
mod tests {
    use super::*;

    #[test]
    fn mismatched_lengths_are_refused_before_the_vm() {
        let mut dst = [0u8; 3];
        assert_eq!(
            copy(&mut dst, &[1, 2]),
            Err(MemError::LengthMismatch { dst: 3, src: 2 })
        );
    }

    #[test]
    fn out_of_bounds_ranges_are_refused_before_the_vm() {
        let mut buf = [0u8; 8];
        #[allow(clippy::reversed_empty_ranges)] // a reversed range is one of the refused inputs
        let cases = [(0..9, 0), (4..8, 5), (6..2, 0), (0..1, usize::MAX)];
        for (src, dest) in cases {
            assert!(
                matches!(
                    copy_within(&mut buf, src.clone(), dest),
                    Err(MemError::OutOfBounds { .. })
                ),
                "{src:?} -> {dest}"
            );
        }
    }

    #[test]
    #[should_panic(expected = "tos_memmove")]
    fn valid_ranges_need_the_vm() {
        let mut buf = [0u8; 8];
        let _ = copy_within(&mut buf, 0..4, 4);
    }
}
