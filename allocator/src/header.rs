//! The heap header: every word of allocator state, kept at the start of the heap region
//! (contracts cannot have writable statics). An all-zero header is a fresh heap, so the
//! VM's zero-filled heap needs no set-up.
//!
//! Layout (five machine words, [`HEADER_SIZE`] bytes, offsets for 64-bit targets):
//!
//! | offset | word | meaning |
//! |-------:|------|---------|
//! | 0 | `cursor` | address of the next free byte; 0 = fresh |
//! | 8 | `end` | one past the last usable address (the mapped limit); 0 = fresh |
//! | 16 | `high_water` | highest cursor seen before the latest rewind; the true high-water mark is `max(high_water, cursor)`, and everything above it was never handed out |
//! | 24 | `allocations` | successful allocations (only counted with the `count-allocations` feature) |
//! | 32 | `failed` | allocations that returned null |
//!
//! Invariants: `cursor` and `end` are multiples of [`GRANULE`](crate::bump::GRANULE) and,
//! once the header is initialised, `data_start <= cursor <= end`; `end` never changes
//! after initialisation.

#[cfg(loom)]
use loom::sync::atomic::AtomicUsize;

#[cfg(not(loom))]
use core::sync::atomic::AtomicUsize;

/// The allocator's state, at the start of the heap region. Every word is atomic, so a
/// shared `&Header` is all the allocator needs; all-zero bits are a valid, fresh header.
#[repr(C)]
#[derive(Debug)]
pub struct Header {
    pub(crate) cursor: AtomicUsize,
    pub(crate) end: AtomicUsize,
    pub(crate) high_water: AtomicUsize,
    pub(crate) allocations: AtomicUsize,
    pub(crate) failed: AtomicUsize,
}

/// Bytes the header occupies at the start of the region (a multiple of the granule).
pub const HEADER_SIZE: usize = core::mem::size_of::<Header>();

const _: () = assert!(HEADER_SIZE.is_multiple_of(crate::bump::GRANULE));

impl Header {
    /// A fresh header (all zero).
    #[cfg(not(loom))]
    pub const fn new() -> Self {
        Header {
            cursor: AtomicUsize::new(0),
            end: AtomicUsize::new(0),
            high_water: AtomicUsize::new(0),
            allocations: AtomicUsize::new(0),
            failed: AtomicUsize::new(0),
        }
    }

    /// A fresh header (all zero).
    #[cfg(loom)]
    pub fn new() -> Self {
        Header {
            cursor: AtomicUsize::new(0),
            end: AtomicUsize::new(0),
            high_water: AtomicUsize::new(0),
            allocations: AtomicUsize::new(0),
            failed: AtomicUsize::new(0),
        }
    }
}

impl Header {
    /// Initialises a fresh header for blocks from `data_start` to `end` (`data_start <=
    /// end`, as every [`Region`](crate::region::Region) guarantees); returns the end in
    /// force (another initialiser's, if it won). The cursor is set before the end, so that
    /// no reader sees an end with a cursor of 0.
    pub(crate) fn initialise(&self, data_start: usize, end: usize) -> usize {
        use crate::sync::ordering::{Acquire, Relaxed, Release};
        debug_assert!(data_start <= end);
        let _ = self
            .cursor
            .compare_exchange(0, data_start, Relaxed, Relaxed);
        match self.end.compare_exchange(0, end, Release, Acquire) {
            Ok(_) => end,
            Err(other) => other,
        }
    }
}

/// Decoding a header from a snapshot of heap bytes ([`crate::inspect`]).
#[cfg(not(loom))]
impl Header {
    /// A copy of the header stored little-endian at the start of `bytes`, read at its own
    /// field offsets; `None` when `bytes` is shorter than [`HEADER_SIZE`].
    pub(crate) fn from_bytes(bytes: &[u8]) -> Option<Header> {
        use crate::le::usize_at;
        use core::mem::offset_of;
        let word = |at| usize_at(bytes, at).map(AtomicUsize::new);
        Some(Header {
            cursor: word(offset_of!(Header, cursor))?,
            end: word(offset_of!(Header, end))?,
            high_water: word(offset_of!(Header, high_water))?,
            allocations: word(offset_of!(Header, allocations))?,
            failed: word(offset_of!(Header, failed))?,
        })
    }

    /// The statistics of a heap whose data starts at `data_start`, as
    /// [`Heap::stats`](crate::Heap::stats) derives them, except that `allocations` is
    /// `Some` whenever the counter is not zero (from outside, the crate feature the
    /// allocator was built with is unknown).
    pub(crate) fn stats(&self, data_start: usize) -> Stats {
        let (allocations, _) = self.counters();
        self.figures(data_start, allocations != 0)
    }
}

/// Reading the header's figures: the same code for the contract's `stats()` and for
/// [`crate::inspect`].
impl Header {
    /// `(cursor, end, high_water)`.
    pub(crate) fn words(&self) -> (usize, usize, usize) {
        use core::sync::atomic::Ordering::Relaxed;
        (
            self.cursor.load(Relaxed),
            self.end.load(Relaxed),
            self.high_water.load(Relaxed),
        )
    }

    /// `(allocations, failed)`.
    pub(crate) fn counters(&self) -> (usize, usize) {
        use core::sync::atomic::Ordering::Relaxed;
        (self.allocations.load(Relaxed), self.failed.load(Relaxed))
    }

    /// The statistics of a heap whose data starts at `data_start`: `allocations` is
    /// `Some` when `counted` (the allocations are counted).
    pub(crate) fn figures(&self, data_start: usize, counted: bool) -> Stats {
        let (cursor, end, high_water) = self.words();
        let (allocations, failed) = self.counters();
        Stats {
            used: cursor.saturating_sub(data_start),
            peak: high_water.max(cursor).saturating_sub(data_start),
            capacity: end.saturating_sub(data_start),
            allocations: counted.then_some(allocations),
            failed,
        }
    }
}

impl Default for Header {
    fn default() -> Self {
        Self::new()
    }
}

/// What the allocator reports about its heap, read from the header. Cheap: `used`,
/// `peak` and `capacity` are derived from the cursor, the high-water mark and the end, so
/// the fast path maintains no counters for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    /// Bytes between the start of the data area and the cursor: live blocks, their
    /// rounding to 8 bytes and alignment padding, and blocks freed out of order (a bump
    /// heap only reclaims the most recent block).
    pub used: usize,
    /// The largest `used` ever reached.
    pub peak: usize,
    /// Bytes the heap can hand out in total (mapped size minus the header); 0 before the
    /// first allocation, when the heap has not yet learnt its size.
    pub capacity: usize,
    /// Successful allocations, `None` unless the crate is built with the
    /// `count-allocations` feature (counting costs about 3 CU per allocation in the VM).
    pub allocations: Option<usize>,
    /// Allocations that returned null (heap exhausted, or a size or alignment that
    /// overflows).
    pub failed: usize,
}
