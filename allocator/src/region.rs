//! Where a heap's memory comes from: the [`Region`] trait, the one seam between the
//! allocation logic ([`Heap`](crate::Heap)) and the VM or host memory it runs over.

use crate::header::Header;

/// A memory region a [`Heap`](crate::Heap) manages: its header, the address range blocks
/// may occupy, and how to turn an address into a pointer.
///
/// # Safety
///
/// Implementors guarantee, for as long as the region value (or a heap over it) lives:
/// - [`header`](Region::header) and [`inline_header`](Region::inline_header) always return
///   the same header, and that header governs this memory alone;
/// - every address in `[data_start(), learn_end())` is valid for reads and writes through
///   [`pointer`](Region::pointer), and nothing but the heap (and the owners of the blocks
///   it hands out) accesses it;
/// - the memory above the highest cursor the header ever held is zero (the heap's
///   `alloc_zeroed` relies on it), which a zero-filled region gives;
/// - [`pointer`](Region::pointer)`(addr)` has the address `addr`;
/// - `data_start()` is not 0 (it is a real address), and it and `learn_end()` are multiples of
///   [`GRANULE`](crate::bump::GRANULE) and `data_start() <= learn_end()`;
/// - no two threads allocate from a heap over the region while its header is fresh (all
///   zero): the first-allocation initialisation does not race-proof the fast path (which
///   keeps it cheap). `HostRegion` initialises its header when it is created; the VM runs
///   one thread; a region shared from the start must have [`Heap::init`](crate::Heap::init)
///   called before it is shared.
pub unsafe trait Region {
    /// The header of this region's heap.
    fn header(&self) -> &Header;
    /// The same header as [`header`](Region::header), as the code inlined at every
    /// allocation (in a region that never grows, see [`MAY_GROW`](Region::MAY_GROW)) and
    /// every free reaches it. A region may compute its address differently there (the VM
    /// heap pins it to a register of its own, see `vm.rs`); by default it is `header()`.
    #[inline(always)]
    fn inline_header(&self) -> &Header {
        self.header()
    }
    /// The first address blocks may occupy.
    fn data_start(&self) -> usize;
    /// One past the last address blocks may occupy, at most
    /// [`bump::MAX_END`](crate::bump::MAX_END). Called when the header is fresh, to
    /// initialise it (in the VM: once per run, on the first allocation; no syscall).
    fn learn_end(&self) -> usize;
    /// A larger end than `end`, the one in force, when the region has more memory than it
    /// first said; `None` when it has not. Called when a block does not fit below `end`
    /// (in the VM: a heap declared larger than the 32 KiB every VM maps asks the VM, with
    /// `get_heap_region`, how much it really mapped). The same contract as
    /// [`learn_end`](Region::learn_end) holds for the result.
    #[inline(always)]
    fn grow_end(&self, end: usize) -> Option<usize> {
        let _ = end;
        None
    }
    /// Whether [`grow_end`](Region::grow_end) may ever return `Some`. A region that never
    /// grows has its whole allocation path inline, without a call (the first allocation
    /// sets the header up, a miss counts a failure), so the caller keeps its registers
    /// across it; `true` keeps the out-of-line slow path.
    const MAY_GROW: bool = true;
    /// The heap's end once the header is set up, in a region that never grows
    /// ([`MAY_GROW`](Region::MAY_GROW) false): by default the header's end word. A region
    /// whose end is a constant (the VM heap) returns it, sparing the load.
    #[inline(always)]
    fn settled_end(&self) -> usize {
        self.header().end.load(crate::sync::ordering::Relaxed)
    }
    /// A pointer to `addr`, an address in `[data_start(), learn_end()]`, that may be used
    /// to access the region's memory. Its address is `addr` (the heap tells the optimizer
    /// that blocks are granule-aligned from the addresses it computes).
    fn pointer(&self, addr: usize) -> *mut u8;
}
