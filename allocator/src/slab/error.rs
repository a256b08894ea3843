//! [`SlabError`]: why a slab operation failed.

use core::fmt;

use super::Handle;

/// Why a slab operation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlabError {
    /// The region cannot hold one slot and its table entry.
    RegionTooSmall {
        /// Length of the region given.
        len: usize,
        /// Bytes one slot needs (`SLOT` + its table entry).
        needed: usize,
    },
    /// No run of this many free slots right now (other allocations may free some).
    OutOfSlots {
        /// Consecutive slots the request needs.
        needed: usize,
        /// Free slots in all (perhaps not consecutive).
        free: usize,
    },
    /// The request can never fit: more bytes than the slab's slots (or [`MAX_SPAN`](super::MAX_SPAN)
    /// slots, or `u32::MAX` bytes) hold.
    TooLarge {
        /// Bytes requested.
        len: usize,
        /// The largest allocation this slab can hold, in bytes.
        max: usize,
    },
    /// The handle's allocation was freed (or its slot reused), or it is not of this slab.
    StaleHandle(Handle),
}

impl fmt::Display for SlabError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            SlabError::RegionTooSmall { len, needed } => write!(
                f,
                "a slab region of {len} bytes cannot hold one slot ({needed} bytes with its table entry)"
            ),
            SlabError::OutOfSlots { needed, free } => write!(
                f,
                "slab full: no {needed} consecutive free slots ({free} free in all)"
            ),
            SlabError::TooLarge { len, max } => write!(
                f,
                "a slab allocation of {len} bytes can never fit (at most {max} bytes)"
            ),
            SlabError::StaleHandle(h) => write!(
                f,
                "stale slab handle (slot {}, generation {}): freed, reused or foreign",
                h.index, h.generation
            ),
        }
    }
}

impl core::error::Error for SlabError {}
