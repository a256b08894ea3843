//! [`FirstFitHeader`]: the first-fit state at the start of the heap, its figures, and its
//! decoding from a snapshot of heap bytes.

use core::cell::Cell;

use super::{FIRST_FIT_MAGIC, NONE};
use crate::header::Stats;
use crate::usage::Usage;

/// The first-fit state: the first block of the heap. All-zero is a fresh allocator.
///
/// After the header, the bump heap holds the block area and nothing else: the bump cursor
/// is `blocks + count * B`, which is how [`crate::inspect`] learns `B`.
#[repr(C)]
#[derive(Debug)]
pub struct FirstFitHeader {
    /// [`FIRST_FIT_MAGIC`] once set up (the header and the block area carved), 0 before:
    /// the tag [`crate::inspect`] looks for (the allocator itself tests `blocks`).
    pub(super) ready: Cell<usize>,
    /// Address of block 0; 0 until set up (the allocation fast path tests this word, which
    /// it reads anyway, instead of `ready`).
    pub(super) blocks: Cell<usize>,
    /// Number of blocks.
    pub(super) count: Cell<u32>,
    /// Byte offset (from `blocks`) of the first free chunk, or `NONE`.
    pub(super) first_free: Cell<u32>,
    pub(super) allocations: Cell<u64>,
    pub(super) frees: Cell<u64>,
    pub(super) failed: Cell<u64>,
    /// Bytes of blocks live now (bytes, not blocks: no shift per operation).
    pub(super) live_bytes: Cell<u32>,
    /// The most bytes of blocks live just before a free or shrink; the peak is the larger
    /// of this and `live_bytes` (updated where live bytes fall, not at each allocation).
    pub(super) peak_bytes: Cell<u32>,
}

/// Bytes of the first-fit header.
pub const FIRST_FIT_HEADER_SIZE: usize = core::mem::size_of::<FirstFitHeader>();

impl FirstFitHeader {
    /// The allocator's figures from this header and the figures of the bump heap under it
    /// (the same code for the contract's `stats()` and [`crate::inspect`]; any header
    /// bytes give figures).
    pub(super) fn usage(&self, heap: Stats) -> Usage {
        Usage {
            allocations: self.allocations.get(),
            frees: self.frees.get(),
            live_bytes: self.live_bytes.get() as usize,
            peak_live_bytes: Some(self.peak_bytes.get().max(self.live_bytes.get()) as usize),
            heap_used: heap.used,
            heap_peak: heap.peak,
            capacity: heap.capacity,
            failed: self.failed.get(),
        }
    }
}

/// Decoding a first-fit header from a snapshot of heap bytes ([`crate::inspect`]).
#[cfg(not(loom))]
impl FirstFitHeader {
    /// A copy of the header stored at the start of `bytes`, read at its own field offsets;
    /// `None` when `bytes` is shorter than [`FIRST_FIT_HEADER_SIZE`].
    fn from_bytes(bytes: &[u8]) -> Option<FirstFitHeader> {
        use crate::le::{u32_at, u64_at, usize_at};
        use core::mem::offset_of;
        let bytes = bytes.get(..FIRST_FIT_HEADER_SIZE)?;
        // In range: `bytes` holds a whole header.
        let word = |at| Cell::new(usize_at(bytes, at).unwrap_or(0));
        let half = |at| Cell::new(u32_at(bytes, at).unwrap_or(0));
        let long = |at| Cell::new(u64_at(bytes, at).unwrap_or(0));
        Some(FirstFitHeader {
            ready: word(offset_of!(FirstFitHeader, ready)),
            blocks: word(offset_of!(FirstFitHeader, blocks)),
            count: half(offset_of!(FirstFitHeader, count)),
            first_free: half(offset_of!(FirstFitHeader, first_free)),
            allocations: long(offset_of!(FirstFitHeader, allocations)),
            frees: long(offset_of!(FirstFitHeader, frees)),
            failed: long(offset_of!(FirstFitHeader, failed)),
            live_bytes: half(offset_of!(FirstFitHeader, live_bytes)),
            peak_bytes: half(offset_of!(FirstFitHeader, peak_bytes)),
        })
    }

    /// `(B, blocks, usage)` if `heap` is a first-fit heap: `None` without the
    /// [`FIRST_FIT_MAGIC`] tag, `Some(None)` when the tag is there but the header does not
    /// fit the heap (the block area must follow the header, end at the bump cursor, and
    /// hold a whole number of blocks of a power of two in 8..=4096 bytes, aligned to it;
    /// the free list's head (a byte offset) and the live and recorded peak bytes must be
    /// within it).
    pub(crate) fn inspect(
        heap: &crate::snapshot::HeapView<'_>,
    ) -> Option<Option<(usize, usize, Usage)>> {
        let h = FirstFitHeader::from_bytes(heap.bytes_at(heap.data_start))?;
        if h.ready.get() != FIRST_FIT_MAGIC {
            return None;
        }
        let blocks = h.blocks.get();
        let count = h.count.get();
        let first_free = h.first_free.get() as usize;
        let block_size = heap.cursor.checked_sub(blocks).and_then(|span| {
            span.checked_div(count as usize)
                .filter(|b| b * count as usize == span)
        });
        let consistent = |b: usize| {
            b.is_power_of_two()
                && (8..=4096).contains(&b)
                && blocks.is_multiple_of(b)
                && heap
                    .data_start
                    .checked_add(FIRST_FIT_HEADER_SIZE)
                    .is_some_and(|first| first <= blocks)
                && (first_free == NONE
                    || (first_free.is_multiple_of(b)
                        && (count as usize)
                            .checked_mul(b)
                            .is_some_and(|bytes| first_free < bytes)))
                && (count as usize).checked_mul(b).is_some_and(|bytes| {
                    h.peak_bytes.get() as usize <= bytes && h.live_bytes.get() as usize <= bytes
                })
        };
        Some(
            block_size
                .filter(|&b| consistent(b))
                .map(|b| (b, count as usize, h.usage(heap.stats))),
        )
    }
}
