//! Reading a heap from the outside: [`inspect`] decodes the allocator headers in a snapshot
//! of heap bytes (the VM heap after a run, or a host buffer a heap ran over) into a
//! [`HeapReport`]: which strategy set the heap up and its statistics.
//!
//! It decodes with the same header types the allocators use (`Header`, `PoolHeader`,
//! `FirstFitHeader`: each builds a copy of itself from bytes at its own field offsets, and
//! computes its statistics with the same code as the contract's `stats()`), so the layout is
//! written once. It tells the strategies apart by the tag word that starts the pool and
//! first-fit headers ([`POOL_MAGIC`](crate::pool::POOL_MAGIC),
//! [`FIRST_FIT_MAGIC`](crate::first_fit::FIRST_FIT_MAGIC)).
//!
//! Safe, `core`-only, and total: any bytes give a report or `None`, never a panic or an
//! out-of-bounds index. Words are read little-endian with the width of `usize`, the layout
//! of the 64-bit little-endian VM (and of the usual hosts).
//!
//! ```
//! use tos_alloc::inspect::{inspect, Strategy};
//! use tos_alloc::pool::PoolHeap;
//! use core::alloc::Layout;
//!
//! let mut words = vec![0u64; 1024]; // 8 KiB, 8-aligned
//! let len = words.len() * 8;
//! // SAFETY: the words' bytes; `words` is not used otherwise while `buf` lives.
//! let buf = unsafe { std::slice::from_raw_parts_mut(words.as_mut_ptr().cast::<u8>(), len) };
//! let base = buf.as_ptr().addr();
//! {
//!     let pool = PoolHeap::over(buf).unwrap();
//!     let p = pool.alloc(Layout::new::<[u64; 4]>());
//!     assert!(!p.is_null());
//! }
//! let report = inspect(buf, base).unwrap();
//! assert_eq!(report.name(), "PoolAllocator");
//! let Strategy::Pool(stats) = report.strategy else { panic!() };
//! assert_eq!(stats.usage.allocations, 1);
//! assert_eq!(stats.usage.live_bytes, 32);
//! ```

use crate::header::{Header, Stats, HEADER_SIZE};
use crate::pool::PoolStats;
use crate::strategy::{self, StrategyInfo};
use crate::usage::Usage;

/// What [`inspect`] found in a heap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeapReport {
    /// The bump heap's figures, from the header at the heap start (every strategy carves
    /// its memory from the bump heap). `allocations` is `Some(n)` when the header's counter
    /// is not zero: the contract was built with `count-allocations` (a counted heap with no
    /// allocation reads as `None` too).
    pub bump: Stats,
    /// The strategy that set the heap up, with its own figures.
    pub strategy: Strategy,
}

/// The allocation strategy a heap belongs to.
// A report made once per run: being `Copy` matters more than its size.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// The bump heap alone (`TosAllocator`): [`HeapReport::bump`] is all there is.
    Bump,
    /// `PoolAllocator`: its usage and per-class figures.
    Pool(PoolStats),
    /// `FirstFitAllocator<L, B>`.
    FirstFit {
        /// `B`, the block size in bytes.
        block_size: usize,
        /// Blocks in the block area (at most `L`).
        blocks: usize,
        /// Its usage.
        usage: Usage,
    },
}

impl HeapReport {
    /// The strategy's entry of [`STRATEGIES`](crate::STRATEGIES).
    pub fn info(&self) -> &'static StrategyInfo {
        match self.strategy {
            Strategy::Bump => &strategy::BUMP,
            Strategy::Pool(_) => &strategy::POOL,
            Strategy::FirstFit { .. } => &strategy::FIRST_FIT,
        }
    }

    /// The allocator's type name: `TosAllocator`, `PoolAllocator` or `FirstFitAllocator`.
    pub fn name(&self) -> &'static str {
        self.info().name
    }

    /// The strategy's [`Usage`] (`None` for the bump heap, whose figures are
    /// [`bump`](Self::bump)).
    pub fn usage(&self) -> Option<Usage> {
        match self.strategy {
            Strategy::Bump => None,
            Strategy::Pool(p) => Some(p.usage),
            Strategy::FirstFit { usage, .. } => Some(usage),
        }
    }
}

/// Decodes the heap whose bytes are `heap`, `heap[0]` having been at address `base` while
/// the allocator ran (the headers hold absolute addresses).
///
/// `None` when no tos-alloc allocator set the heap up (an all-zero header: a fresh heap, or
/// one another allocator used without touching its first 40 bytes) or when the header is
/// not consistent (not a tos-alloc heap: cursor or end unaligned or outside the heap,
/// cursor past the end; a pool or first-fit tag whose header does not add up).
pub fn inspect(heap: &[u8], base: usize) -> Option<HeapReport> {
    inspect_at(heap, base, base.checked_add(HEADER_SIZE)?)
}

/// [`inspect`] of a heap whose blocks start at `data_start` (past the header and any
/// statics).
fn inspect_at(heap: &[u8], base: usize, data_start: usize) -> Option<HeapReport> {
    let header = Header::from_bytes(heap)?;
    let (cursor, end, high_water) = header.words();
    if cursor == 0 && end == 0 && high_water == 0 && header.counters() == (0, 0) {
        return None;
    }
    let limit = base.checked_add(heap.len())?;
    let granule = |a: usize| a.is_multiple_of(crate::bump::GRANULE);
    let placed = |a: usize| granule(a) && data_start <= a && a <= end;
    if !(granule(end) && data_start <= end && end <= limit && placed(cursor)) {
        return None;
    }
    if high_water != 0 && !placed(high_water) {
        return None;
    }
    let stats = header.stats(data_start);
    let view = crate::snapshot::HeapView {
        bytes: heap,
        base,
        data_start,
        cursor,
        stats,
    };
    let strategy = if let Some(pool) = crate::pool::PoolHeader::inspect(&view) {
        Strategy::Pool(pool?)
    } else if let Some(ff) = crate::first_fit::FirstFitHeader::inspect(&view) {
        let (block_size, blocks, usage) = ff?;
        Strategy::FirstFit {
            block_size,
            blocks,
            usage,
        }
    } else {
        Strategy::Bump
    };
    Some(HeapReport {
        bump: stats,
        strategy,
    })
}

/// [`inspect`] for the VM heap: `heap` is the heap region's bytes, which start at
/// `MM_HEAP_START` (`0x3_0000_0000`), and the program's writable statics end `statics`
/// bytes past it (0: none), after the bump header; blocks and a strategy's header follow
/// them.
pub fn inspect_vm(heap: &[u8], statics: u64) -> Option<HeapReport> {
    let base = usize::try_from(tako_abi::MM_HEAP_START).ok()?;
    let offset = usize::try_from(tako_abi::heap_start_offset(statics)).ok()?;
    inspect_at(heap, base, base.checked_add(offset)?)
}
