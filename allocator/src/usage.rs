//! [`Usage`]: the statistics every allocation strategy of this crate reports in the same
//! shape (the pool, the first-fit heap, the handle slab), read from their heap headers.

/// What a strategy reports about its allocations and its heap. Read from the strategy's
/// header; nothing here costs the contract anything until it asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    /// Successful allocations (including the new block of a moving `realloc`).
    pub allocations: u64,
    /// Blocks given back (including the old block of a moving `realloc`).
    pub frees: u64,
    /// Bytes in live blocks, as the strategy rounds them (a size class, whole blocks of
    /// `B` bytes, a slot).
    pub live_bytes: usize,
    /// The largest `live_bytes` ever reached, when the strategy tracks it (`None` for the
    /// pool: tracking it would cost about 6 CU on every allocation's fast path; its
    /// `heap_peak` bounds it from above).
    pub peak_live_bytes: Option<usize>,
    /// Bytes of the heap the strategy has claimed so far: its header, the blocks carved for
    /// its size classes or its block area, large blocks.
    pub heap_used: usize,
    /// The largest `heap_used` ever reached.
    pub heap_peak: usize,
    /// Bytes the heap can hold in all (the mapped size minus the bump header).
    pub capacity: usize,
    /// Allocations that returned null (or an error, for the slab).
    pub failed: u64,
}

impl Usage {
    /// Heap efficiency: `live_bytes` over `capacity`, in per mille (0 when the capacity is
    /// not known yet). Read at the first failed allocation it is talc's "heap efficiency".
    pub fn efficiency_permille(&self) -> usize {
        self.live_bytes
            .saturating_mul(1000)
            .checked_div(self.capacity)
            .unwrap_or(0)
    }
}
