//! Little-endian reads from a byte slice, `None` past its end: how the decoders read the
//! headers of a heap snapshot (a leaf module).

use core::mem::size_of;

fn read<const N: usize>(bytes: &[u8], at: usize) -> Option<[u8; N]> {
    bytes.get(at..at.checked_add(N)?)?.try_into().ok()
}

/// The `usize` at byte offset `at`.
pub(crate) fn usize_at(bytes: &[u8], at: usize) -> Option<usize> {
    read::<{ size_of::<usize>() }>(bytes, at).map(usize::from_le_bytes)
}

/// The `u64` at byte offset `at`.
pub(crate) fn u64_at(bytes: &[u8], at: usize) -> Option<u64> {
    read::<8>(bytes, at).map(u64::from_le_bytes)
}

/// The `u32` at byte offset `at`.
pub(crate) fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    read::<4>(bytes, at).map(u32::from_le_bytes)
}
