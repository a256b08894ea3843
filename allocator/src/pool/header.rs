//! [`PoolHeader`]: the pool's state at the start of the heap (the class lists' heads and
//! counters), its figures ([`PoolStats`], [`ClassStats`]), and its decoding from a snapshot
//! of heap bytes.

use core::cell::Cell;

use super::{CLASSES, CLASS_SIZES, POOL_MAGIC};
use crate::bump::GRANULE;
use crate::header::Stats;
use crate::usage::Usage;

/// The pool's state: the first block of the heap (right after the bump heap's header).
/// All-zero is valid (a fresh heap: every list empty, `ready == 0`).
#[repr(C)]
#[derive(Debug)]
pub struct PoolHeader {
    /// [`POOL_MAGIC`] once the header's own block has been carved from the bump heap, 0
    /// before (tested against 0 only).
    pub(super) ready: Cell<usize>,
    /// Address of the first free block of each class; 0 = empty.
    pub(super) heads: [Cell<usize>; CLASSES],
    /// Allocations served from each class's free list.
    pub(super) hits: [Cell<u32>; CLASSES],
    /// Allocations of each class that had to carve a new block.
    pub(super) misses: [Cell<u32>; CLASSES],
    /// Frees into each class.
    pub(super) frees: [Cell<u32>; CLASSES],
    /// Large (bump heap) allocations and frees.
    pub(super) large_allocs: Cell<u32>,
    pub(super) large_frees: Cell<u32>,
    /// Bytes in live large blocks (rounded to 8).
    pub(super) large_live: Cell<usize>,
}

/// Bytes of the pool header (a multiple of 8).
pub const POOL_HEADER_SIZE: usize = core::mem::size_of::<PoolHeader>();
const _: () = assert!(POOL_HEADER_SIZE.is_multiple_of(GRANULE));

/// One size class's figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClassStats {
    /// The class's block size.
    pub size: usize,
    /// Allocations served from the free list.
    pub hits: u32,
    /// Allocations that carved a new block from the bump heap.
    pub misses: u32,
    /// Frees into the class.
    pub frees: u32,
}

impl ClassStats {
    /// Blocks of this class live now.
    pub fn live(&self) -> u32 {
        (self.hits.wrapping_add(self.misses)).wrapping_sub(self.frees)
    }
    /// Blocks of this class carved and now on the free list.
    pub fn free_blocks(&self) -> u32 {
        self.misses.wrapping_sub(self.live())
    }
}

/// Everything the pool reports: the common [`Usage`] plus each class's figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PoolStats {
    /// Allocations, frees, bytes, failures.
    pub usage: Usage,
    /// Per size class, in the order of [`CLASS_SIZES`].
    pub classes: [ClassStats; CLASSES],
}

impl PoolHeader {
    /// The pool's statistics from this header and the figures of the bump heap under it
    /// (the same code for the contract's `stats()` and [`crate::inspect`]; wrapping
    /// arithmetic, so that any header bytes give figures, never an overflow).
    pub(super) fn stats(&self, heap: Stats) -> PoolStats {
        let mut classes = [ClassStats::default(); CLASSES];
        let mut usage = Usage {
            allocations: u64::from(self.large_allocs.get()),
            frees: u64::from(self.large_frees.get()),
            live_bytes: self.large_live.get(),
            peak_live_bytes: None,
            heap_used: heap.used,
            heap_peak: heap.peak,
            capacity: heap.capacity,
            failed: heap.failed as u64,
        };
        for (c, s) in classes.iter_mut().enumerate() {
            *s = ClassStats {
                size: CLASS_SIZES[c],
                hits: self.hits[c].get(),
                misses: self.misses[c].get(),
                frees: self.frees[c].get(),
            };
            usage.allocations += u64::from(s.hits) + u64::from(s.misses);
            usage.frees += u64::from(s.frees);
            usage.live_bytes = usage
                .live_bytes
                .wrapping_add((s.live() as usize).wrapping_mul(s.size));
        }
        PoolStats { usage, classes }
    }
}

/// Decoding a pool header from a snapshot of heap bytes ([`crate::inspect`]).
#[cfg(not(loom))]
impl PoolHeader {
    /// A copy of the pool header stored at the start of `bytes`, read at its own field
    /// offsets; `None` when `bytes` is shorter than [`POOL_HEADER_SIZE`].
    fn from_bytes(bytes: &[u8]) -> Option<PoolHeader> {
        use crate::le::{u32_at, usize_at};
        use core::mem::{offset_of, size_of};
        let bytes = bytes.get(..POOL_HEADER_SIZE)?;
        // In range: `bytes` holds a whole header.
        let word = |at| Cell::new(usize_at(bytes, at).unwrap_or(0));
        let half = |at| Cell::new(u32_at(bytes, at).unwrap_or(0));
        let words = |at: usize| core::array::from_fn(|c| word(at + c * size_of::<usize>()));
        let halves = |at: usize| core::array::from_fn(|c| half(at + c * size_of::<u32>()));
        Some(PoolHeader {
            ready: word(offset_of!(PoolHeader, ready)),
            heads: words(offset_of!(PoolHeader, heads)),
            hits: halves(offset_of!(PoolHeader, hits)),
            misses: halves(offset_of!(PoolHeader, misses)),
            frees: halves(offset_of!(PoolHeader, frees)),
            large_allocs: half(offset_of!(PoolHeader, large_allocs)),
            large_frees: half(offset_of!(PoolHeader, large_frees)),
            large_live: word(offset_of!(PoolHeader, large_live)),
        })
    }

    /// The pool's statistics if `heap` is a pool's: `None` without the [`POOL_MAGIC`] tag,
    /// `Some(None)` when the tag is there but the header does not fit the heap (it must lie
    /// below the bump cursor, and every free-list head must be 0 or a block of its class
    /// between the header and the cursor).
    pub(crate) fn inspect(heap: &crate::snapshot::HeapView<'_>) -> Option<Option<PoolStats>> {
        let h = PoolHeader::from_bytes(heap.bytes_at(heap.data_start))?;
        if h.ready.get() != POOL_MAGIC {
            return None;
        }
        let Some(first_block) = heap.data_start.checked_add(POOL_HEADER_SIZE) else {
            return Some(None);
        };
        let in_heap = |head: usize, size: usize| {
            head == 0
                || (head.is_multiple_of(GRANULE)
                    && head >= first_block
                    && head.checked_add(size).is_some_and(|e| e <= heap.cursor))
        };
        let consistent = first_block <= heap.cursor
            && h.heads
                .iter()
                .zip(CLASS_SIZES)
                .all(|(head, size)| in_heap(head.get(), size));
        Some(consistent.then(|| h.stats(heap.stats)))
    }
}
