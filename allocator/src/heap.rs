//! The allocation logic, once, generic over the [`Region`] it runs in and the [`Reuse`]
//! policy: the lock-free compare-and-swap bump loop, in-place `realloc` of the most recent
//! block, `dealloc` that rewinds (or, with [`NoReuse`](crate::reuse::NoReuse), does
//! nothing), `alloc_zeroed` that skips never-used memory, and the statistics.
//!
//! All placement arithmetic is in [`bump`]; this module only moves the header's atomics
//! and turns addresses into pointers through the region.

use crate::sync::ordering::{AcqRel, Acquire, Relaxed, Release};
use core::alloc::{GlobalAlloc, Layout};
use core::marker::PhantomData;
use core::num::NonZeroUsize;
use core::ptr;

use crate::bump::{self, GRANULE};
use crate::header::{Header, Stats};
use crate::region::Region;
use crate::reuse::{Reuse, Rewind};

/// A bump heap over a [`Region`], reclaiming freed blocks as its [`Reuse`] policy says
/// ([`Rewind`] by default). All its state is in the region's header, so a `Heap`
/// over a zero-sized region type (the VM heap) is itself zero-sized and read-only, and a
/// `Heap` over a shareable region can be used from many threads at once.
///
/// Allocation is a compare-and-swap loop on the header's cursor (in the VM, where there
/// is one thread, it compiles to a load, a compare and a store). Blocks are rounded up to
/// 8 bytes; any power-of-two alignment is honoured; every failure (exhaustion, a size or
/// alignment that would overflow) is a null pointer, never a wrap-around.
#[derive(Debug, Clone, Copy, Default)]
pub struct Heap<R, P = Rewind> {
    region: R,
    policy: PhantomData<P>,
}

impl<R, P> Heap<R, P> {
    /// A heap over `region`. Its header is initialised on the first allocation, if fresh.
    pub const fn new(region: R) -> Self {
        Heap {
            region,
            policy: PhantomData,
        }
    }

    /// The region this heap runs over.
    pub const fn region(&self) -> &R {
        &self.region
    }
}

impl<R: Region, P: Reuse> Heap<R, P> {
    /// Initialises a fresh header, learning the region's end; does nothing if it is
    /// initialised already. Returns the heap's end.
    ///
    /// Not meant to race with allocations on other threads: the allocation fast path
    /// assumes an initialised header (`cursor <= end`). The VM has one thread; host
    /// regions initialise their header before a heap over them can be shared (see the
    /// [`Region`] contract).
    #[cold]
    pub fn init(&self) -> usize {
        let h = self.region.header();
        let end = h.end.load(Acquire);
        if end != 0 {
            return end;
        }
        h.initialise(self.region.data_start(), self.region.learn_end())
    }

    /// Initialises the header and grows its end to all the region holds
    /// ([`Region::grow_end`]), for a strategy that lays out the whole heap at set-up.
    #[cold]
    pub(crate) fn settle_end(&self) {
        let end = self.init();
        if let Some(grown) = self.region.grow_end(end) {
            if grown > end {
                let _ = self
                    .region
                    .header()
                    .end
                    .compare_exchange(end, grown, AcqRel, Relaxed);
            }
        }
    }

    /// Bumps the cursor for `layout`: the block's address, or `None`. One word, so that
    /// the slow path returns it in a register (a pair would go through a stack slot in
    /// every caller the fast path is inlined into).
    #[inline(always)]
    fn bump(&self, layout: Layout) -> Option<NonZeroUsize> {
        let h = self.alloc_header();
        if layout.align() <= GRANULE {
            if !R::MAY_GROW {
                return self.bump_fixed(layout.size());
            }
            let mut cursor = h.cursor.load(Relaxed);
            let end = h.end.load(Relaxed);
            while let Some(new) = bump::bump_small(cursor, end, layout.size()) {
                match h
                    .cursor
                    .compare_exchange_weak(cursor, new, Acquire, Relaxed)
                {
                    Ok(_) => {
                        count_allocation(h);
                        if layout.size() != 0 {
                            // SAFETY: the block fitted, so `cursor + size <= end` with
                            // `size > 0`: the end is not 0, so the header is initialised and
                            // the cursor is at least `data_start`, a real (non-null)
                            // address. Lets the caller's null check fold away.
                            unsafe { core::hint::assert_unchecked(cursor != 0) };
                        }
                        // A zero-sized block on a fresh header (cursor 0) is `None`.
                        return NonZeroUsize::new(cursor);
                    }
                    Err(current) => cursor = current,
                }
            }
        }
        self.bump_slow(layout)
    }

    /// The header as the inlined allocation path reaches it: [`Region::inline_header`] in a
    /// region that never grows (the path [`bump_fixed`](Self::bump_fixed) takes),
    /// [`Region::header`] in one that may grow. `alloc_zeroed` reads it the same way, so
    /// that one register holds the header's address across the allocation and the read.
    #[inline(always)]
    fn alloc_header(&self) -> &Header {
        if R::MAY_GROW {
            self.region.header()
        } else {
            self.region.inline_header()
        }
    }

    /// [`bump`](Self::bump) for a block of at most the granule's alignment in a region
    /// that never grows. Its end is [`Region::settled_end`] (in the VM a constant: no load),
    /// and a fresh header (cursor 0) is set up inline. Nothing here calls out, so the
    /// caller's registers stay live across the allocation (a call clobbers `r1`..`r5`),
    /// and the inlined code is small enough not to change what the optimizer inlines
    /// around it.
    #[inline(always)]
    fn bump_fixed(&self, size: usize) -> Option<NonZeroUsize> {
        let h = self.alloc_header();
        let mut cursor = h.cursor.load(Relaxed);
        let end = if cursor == 0 {
            // A fresh header, which no other thread uses (the `Region` contract): plain
            // stores set it up, the cursor before the end, as `Header::initialise` does.
            let end = self.region.learn_end();
            cursor = self.region.data_start();
            h.cursor.store(cursor, Relaxed);
            h.end.store(end, Release);
            end
        } else {
            self.region.settled_end()
        };
        while let Some(new) = bump::bump_small(cursor, end, size) {
            match h
                .cursor
                .compare_exchange_weak(cursor, new, Acquire, Relaxed)
            {
                Ok(_) => {
                    count_allocation(h);
                    // SAFETY: the header is set up (above, if it was fresh), so the cursor
                    // is at least `data_start`, a real (non-null) address.
                    unsafe { core::hint::assert_unchecked(cursor != 0) };
                    return NonZeroUsize::new(cursor);
                }
                Err(current) => cursor = current,
            }
        }
        h.failed.fetch_add(1, Relaxed);
        None
    }

    /// The rest of [`bump`](Self::bump): a fresh header, alignments above the granule,
    /// and failure.
    #[cold]
    #[inline(never)]
    fn bump_slow(&self, layout: Layout) -> Option<NonZeroUsize> {
        let h = self.region.header();
        let end = self.init();
        let mut cursor = h.cursor.load(Relaxed);
        let fit = |cursor| {
            if layout.align() <= GRANULE {
                // The header is initialised now: `bump_small`'s requirements hold.
                bump::bump_small(cursor, end, layout.size()).map(|new| (cursor, new))
            } else {
                bump::place(cursor, end, layout.size(), layout.align())
            }
        };
        while let Some((block, new)) = fit(cursor) {
            match h
                .cursor
                .compare_exchange_weak(cursor, new, Acquire, Relaxed)
            {
                Ok(_) => {
                    count_allocation(h);
                    // `block >= data_start`, a real address once initialised.
                    return NonZeroUsize::new(block);
                }
                Err(current) => cursor = current,
            }
        }
        // The region may hold more than the end it gave at first: grow the end once and
        // retry; a second failure (or a region that cannot grow) is final.
        if let Some(grown) = self.region.grow_end(end) {
            if grown > end && h.end.compare_exchange(end, grown, AcqRel, Relaxed).is_ok() {
                return self.bump_slow(layout);
            }
        }
        h.failed.fetch_add(1, Relaxed);
        None
    }

    /// Allocates a block for `layout`; null when the heap cannot hold it.
    #[inline(always)]
    pub fn alloc(&self, layout: Layout) -> *mut u8 {
        match self.bump(layout) {
            Some(block) => self.block_pointer(block.get()),
            None => ptr::null_mut(),
        }
    }

    /// The pointer to a block just handed out, its alignment stated to the optimizer: every
    /// block starts on a [`GRANULE`] whatever its layout asks, so where the allocation is
    /// inlined, the optimizer may treat accesses near it as aligned (code generated without
    /// misaligned accesses then uses one access where it would use eight byte accesses).
    #[inline(always)]
    fn block_pointer(&self, block: usize) -> *mut u8 {
        debug_assert!(block.is_multiple_of(GRANULE));
        let p = self.region.pointer(block);
        // SAFETY: a block starts at the cursor, rounded up to the layout's alignment when
        // that is larger; the cursor starts at `data_start`, a multiple of `GRANULE` (the
        // `Region` contract), and moves by multiples of it (`bump`'s invariant); and
        // `pointer` keeps the address it is given (the `Region` contract).
        unsafe { core::hint::assert_unchecked(p.addr().is_multiple_of(GRANULE)) };
        p
    }

    /// Allocates a zeroed block for `layout`; null when the heap cannot hold it. Only the
    /// part of the block below the high-water mark is written: memory above it was never
    /// handed out and is still zero. A heap that never rewinds ([`Reuse::REWINDS`] false)
    /// never raises the mark, so alone over its region it writes nothing; the mark is read
    /// under every policy all the same, so that a block is zeroed whatever heaps over the
    /// same region (the VM heap: another `TosAllocator` value) rewound before.
    #[inline]
    pub fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let Some(block) = self.bump(layout) else {
            return ptr::null_mut();
        };
        let block = block.get();
        // Read after the cursor's acquiring compare-and-swap: a rewind raises the mark
        // before its releasing compare-and-swap, so a rewound block is seen as used. The
        // cursor before this block is at or below it, so the mark alone decides.
        let watermark = self.alloc_header().high_water.load(Relaxed);
        let dirty = bump::dirty_len(block, layout.size(), watermark);
        let p = self.block_pointer(block);
        if dirty > 0 {
            // SAFETY: `p` starts the block just handed out, of `layout.size() >= dirty`
            // bytes inside the region, owned by this call alone.
            unsafe { ptr::write_bytes(p, 0, dirty) };
        }
        p
    }

    /// Frees the block at `ptr`. With [`Rewind`] only the most recent block is reclaimed
    /// (the cursor rewinds to it); others stay used until the heap ends. With
    /// [`NoReuse`](crate::reuse::NoReuse) nothing is.
    ///
    /// # Safety
    /// `ptr` was returned by this heap for `layout` and is not used afterwards.
    #[inline]
    pub unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if !P::REWINDS {
            return;
        }
        let h = self.region.inline_header();
        let block = ptr.addr();
        let top = bump::block_end(block, layout.size());
        if h.cursor.load(Relaxed) == top {
            // Raise the mark before the cursor falls: the block's memory is no longer zero.
            h.high_water.fetch_max(top, Relaxed);
            let _ = h.cursor.compare_exchange(top, block, Release, Relaxed);
        }
    }

    /// Resizes the block at `ptr` to `new_size` bytes. The most recent block grows or
    /// shrinks in place (with [`NoReuse`](crate::reuse::NoReuse), a shrink keeps the
    /// cursor where it is); another block shrinks in place; otherwise the contents move to
    /// a new block. Null (the old block untouched) when the heap cannot hold the new size.
    ///
    /// # Safety
    /// `ptr` was returned by this heap for `layout`; `new_size`, rounded up to
    /// `layout.align()`, does not overflow `isize`. As for [`GlobalAlloc::realloc`].
    #[inline]
    pub unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let h = self.region.header();
        let block = ptr.addr();
        let top = bump::block_end(block, layout.size());
        if h.cursor.load(Relaxed) == top {
            if let Some(new_top) = bump::resize_top(block, h.end.load(Relaxed), new_size) {
                if new_top < top {
                    if !P::REWINDS {
                        return ptr;
                    }
                    // Shrinking: raise the mark before the cursor falls (see `dealloc`).
                    h.high_water.fetch_max(top, Relaxed);
                }
                if h.cursor
                    .compare_exchange(top, new_top, AcqRel, Relaxed)
                    .is_ok()
                {
                    return ptr;
                }
            }
        }
        if new_size <= layout.size() {
            return ptr;
        }
        // SAFETY: forwarded from the caller, and `new_size > layout.size()`.
        unsafe { self.realloc_move(ptr, layout, new_size) }
    }

    /// Counts a request that could not be served (for a strategy over this heap that
    /// refuses one before asking the heap).
    pub(crate) fn count_failure(&self) {
        self.region.header().failed.fetch_add(1, Relaxed);
    }

    /// The moving part of [`realloc`](Self::realloc).
    ///
    /// # Safety
    /// As for [`realloc`](Self::realloc), and `new_size > layout.size()`.
    #[cold]
    #[inline(never)]
    unsafe fn realloc_move(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let Ok(new_layout) = Layout::from_size_align(new_size, layout.align()) else {
            self.region.header().failed.fetch_add(1, Relaxed);
            return ptr::null_mut();
        };
        let new = self.alloc(new_layout);
        if !new.is_null() {
            // SAFETY: the old block holds `layout.size()` bytes (the caller's promise),
            // the new one `new_size > layout.size()`, and a bump heap never hands out
            // overlapping live blocks.
            unsafe { ptr::copy_nonoverlapping(ptr, new, layout.size()) };
            // SAFETY: forwarded from the caller; the old block is not used again.
            unsafe { self.dealloc(ptr, layout) };
        }
        new
    }

    /// The heap's statistics, read from the header (all zero but the counters' presence
    /// before the first allocation).
    pub fn stats(&self) -> Stats {
        let counted = cfg!(feature = "count-allocations");
        self.region
            .header()
            .figures(self.region.data_start(), counted)
    }
}

/// Counts a successful allocation (with the `count-allocations` feature; nothing otherwise).
#[inline(always)]
pub(crate) fn count_allocation(h: &Header) {
    #[cfg(feature = "count-allocations")]
    h.allocations.fetch_add(1, Relaxed);
    #[cfg(not(feature = "count-allocations"))]
    let _ = h;
}

forward_strategy!([R: Region, P: Reuse] Heap<R, P>, crate::strategy::BUMP, |_heap| None);

// SAFETY: every method upholds the `GlobalAlloc` contract: blocks are inside the region
// (the `Region` contract), aligned as their layout asks, never overlap a live block, and
// failures return null.
unsafe impl<R: Region, P: Reuse> GlobalAlloc for Heap<R, P> {
    #[inline(always)]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        Heap::alloc(self, layout)
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        Heap::alloc_zeroed(self, layout)
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded from the caller.
        unsafe { Heap::dealloc(self, ptr, layout) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded from the caller.
        unsafe { Heap::realloc(self, ptr, layout, new_size) }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    extern crate std;
    use super::*;
    use crate::header::HEADER_SIZE;
    use core::borrow::Borrow;
    use core::cell::Cell;
    use std::vec;
    use std::vec::Vec;

    /// A region as the VM presents it: a fresh (all-zero) header, initialised lazily on
    /// the first allocation, `declared` bytes declared over `mapped` bytes really there, of
    /// which the first `assumed` are known without asking (the VM's 32 KiB). Counts how
    /// often it asks for the mapped size (in the VM, the `get_heap_region` syscall).
    struct LazyRegion {
        words: Vec<u64>,
        declared: usize,
        assumed: usize,
        asked: Cell<usize>,
    }

    impl LazyRegion {
        fn new(declared: usize, assumed: usize, mapped: usize) -> Self {
            assert!(assumed <= mapped);
            LazyRegion {
                words: vec![0; mapped / 8],
                declared,
                assumed,
                asked: Cell::new(0),
            }
        }
        fn base(&self) -> usize {
            self.words.as_ptr().addr()
        }
        fn first_end(&self) -> usize {
            bump::heap_end(self.base(), self.data_start(), self.declared, self.assumed)
        }
    }

    // SAFETY: the words are owned, 8-aligned, zero-filled and only reached through
    // `pointer`, which keeps the vector's provenance; `learn_end` and `grow_end` stay
    // inside them; one thread (`Cell` makes the type `!Sync`).
    unsafe impl Region for LazyRegion {
        fn header(&self) -> &Header {
            // SAFETY: the first HEADER_SIZE bytes of the 8-aligned, zeroed words.
            unsafe { &*self.words.as_ptr().cast::<Header>() }
        }
        fn data_start(&self) -> usize {
            self.base() + HEADER_SIZE
        }
        fn learn_end(&self) -> usize {
            self.first_end()
        }
        fn grow_end(&self, end: usize) -> Option<usize> {
            if self.declared <= self.assumed || end != self.first_end() {
                return None;
            }
            self.asked.set(self.asked.get() + 1);
            Some(bump::heap_end(
                self.base(),
                self.data_start(),
                self.declared,
                self.words.len() * 8,
            ))
        }
        fn pointer(&self, addr: usize) -> *mut u8 {
            self.words.as_ptr().cast::<u8>().cast_mut().with_addr(addr)
        }
    }

    /// A [`LazyRegion`] (owned, or borrowed so that heaps share its header as every
    /// `TosAllocator` value shares the VM heap's) that never grows: its heap ends at the
    /// assumed size, and the allocation path is the inline one (`bump_fixed`).
    struct FixedRegion<L: Borrow<LazyRegion>>(L);

    // SAFETY: `LazyRegion`'s, with `grow_end` never returning `Some`; heaps over a borrowed
    // one share its one header.
    unsafe impl<L: Borrow<LazyRegion>> Region for FixedRegion<L> {
        fn header(&self) -> &Header {
            self.0.borrow().header()
        }
        fn data_start(&self) -> usize {
            self.0.borrow().data_start()
        }
        fn learn_end(&self) -> usize {
            self.0.borrow().learn_end()
        }
        const MAY_GROW: bool = false;
        fn pointer(&self, addr: usize) -> *mut u8 {
            self.0.borrow().pointer(addr)
        }
    }

    #[test]
    fn a_region_that_never_grows_sets_a_fresh_header_up_on_the_first_allocation() {
        let heap: Heap<_> = Heap::new(FixedRegion(LazyRegion::new(2048, 2048, 4096)));
        assert_eq!(heap.stats(), Stats::default_for_feature());
        let start = heap.region().data_start();
        // Even a zero-sized block on the fresh header gets a real address.
        assert_eq!(heap.alloc(layout(0, 1)).addr(), start);
        assert_eq!(heap.stats().capacity, 2048 - HEADER_SIZE);
        assert_eq!(heap.alloc(layout(8, 8)).addr(), start);
        assert_eq!(heap.alloc(layout(5, 4)).addr(), start + 8);
        let left = heap.stats().capacity - heap.stats().used;
        assert!(heap.alloc(layout(left + 1, 8)).is_null());
        assert_eq!(heap.stats().failed, 1);
        assert_eq!(
            heap.alloc(layout(left, 8)).addr() + left,
            heap.region().learn_end()
        );
        assert!(heap.alloc(layout(1, 1)).is_null());
        assert_eq!(heap.stats().failed, 2);
        assert_eq!(
            heap.region().0.asked.get(),
            0,
            "a region that never grows never asks"
        );
    }

    #[test]
    fn a_heap_without_reuse_zeroes_memory_another_policy_rewound_over() {
        use crate::reuse::NoReuse;
        let region = LazyRegion::new(4096, 4096, 4096);
        let rewind: Heap<_> = Heap::new(FixedRegion(&region));
        let kept: Heap<_, NoReuse> = Heap::new(FixedRegion(&region));
        let p = rewind.alloc(layout(64, 8));
        // SAFETY: `p` holds 64 bytes; it is the top block, freed here and not used after.
        unsafe {
            p.write_bytes(0xAB, 64);
            rewind.dealloc(p, layout(64, 8));
        }
        let q = kept.alloc_zeroed(layout(64, 8));
        assert_eq!(q, p, "the rewound memory is handed out again");
        // SAFETY: `q` holds 64 bytes.
        assert!(unsafe { core::slice::from_raw_parts(q, 64) }
            .iter()
            .all(|&b| b == 0));
    }

    #[test]
    fn a_region_that_never_grows_serves_a_large_alignment_first_too() {
        let heap: Heap<_> = Heap::new(FixedRegion(LazyRegion::new(8192, 8192, 8192)));
        let p = heap.alloc(layout(8, 4096));
        assert_eq!(p.addr() % 4096, 0);
        let q = heap.alloc(layout(8, 8));
        assert_eq!(q.addr(), p.addr() + 8);
        assert_eq!(heap.stats().capacity, 8192 - HEADER_SIZE);
    }

    fn layout(size: usize, align: usize) -> Layout {
        Layout::from_size_align(size, align).unwrap()
    }

    #[test]
    fn a_fresh_header_asks_for_the_mapped_size_only_past_the_assumed_one() {
        let heap: Heap<_> = Heap::new(LazyRegion::new(256 * 1024, 2048, 4096));
        assert_eq!(heap.stats(), Stats::default_for_feature());
        let a = heap.alloc(layout(8, 8));
        assert_eq!(a.addr(), heap.region().data_start());
        for _ in 0..10 {
            assert!(!heap.alloc(layout(16, 8)).is_null());
        }
        assert_eq!(heap.region().asked.get(), 0, "below the assumed size");
        assert_eq!(heap.stats().capacity, 2048 - HEADER_SIZE);
        assert!(
            !heap.alloc(layout(2048, 8)).is_null(),
            "past it, the end grows"
        );
        assert_eq!(heap.region().asked.get(), 1);
        assert_eq!(heap.stats().capacity, 4096 - HEADER_SIZE);
        assert_eq!(heap.stats().failed, 0);
    }

    #[test]
    fn a_larger_declared_heap_than_mapped_gets_null_at_the_mapped_end() {
        // Declared 256 KiB, mapped 4 KiB: every block stays inside the 4 KiB.
        let heap: Heap<_> = Heap::new(LazyRegion::new(256 * 1024, 1024, 4096));
        let end = heap.region().base() + 4096;
        let mut blocks = 0;
        loop {
            let p = heap.alloc(layout(100, 4));
            if p.is_null() {
                break;
            }
            assert!(p.addr() + 100 <= end);
            blocks += 1;
        }
        assert_eq!(blocks, (4096 - HEADER_SIZE) / 104);
        assert_eq!(heap.stats().failed, 1);
        assert_eq!(
            heap.region().asked.get(),
            1,
            "asked once, not on every failure"
        );
        // What is left still fits exactly; one more byte does not.
        let left = heap.stats().capacity - heap.stats().used;
        if left > 0 {
            let p = heap.alloc(layout(left, 1));
            assert_eq!(p.addr() + left, end);
        }
        assert!(heap.alloc(layout(1, 1)).is_null());
        assert_eq!(heap.stats().used, heap.stats().capacity);
    }

    #[test]
    fn a_heap_mapped_as_assumed_fails_without_growing() {
        let heap: Heap<_> = Heap::new(LazyRegion::new(256 * 1024, 4096, 4096));
        assert!(heap.alloc(layout(8192, 8)).is_null());
        assert_eq!(heap.region().asked.get(), 1);
        assert_eq!(heap.stats().failed, 1);
        assert_eq!(heap.stats().capacity, 4096 - HEADER_SIZE);
    }

    #[test]
    fn a_smaller_declared_heap_than_mapped_keeps_to_the_declared_size() {
        let heap: Heap<_> = Heap::new(LazyRegion::new(1024, 4096, 4096));
        assert!(heap.alloc(layout(1024 - HEADER_SIZE, 8)).addr() != 0);
        assert!(heap.alloc(layout(1, 1)).is_null());
        assert_eq!(heap.stats().capacity, 1024 - HEADER_SIZE);
    }

    #[test]
    fn a_large_alignment_on_a_fresh_heap_initialises_it_too() {
        let heap: Heap<_> = Heap::new(LazyRegion::new(8192, 8192, 8192));
        let p = heap.alloc(layout(8, 4096));
        assert!(!p.is_null());
        assert_eq!(p.addr() % 4096, 0);
        assert_eq!(heap.region().asked.get(), 0);
    }

    #[test]
    fn the_top_block_grows_and_shrinks_in_place() {
        let heap: Heap<_> = Heap::new(LazyRegion::new(32 * 1024, 32 * 1024, 32 * 1024));
        let p = heap.alloc(layout(512, 8));
        // SAFETY: `p` is the top block of 512 bytes; growing it is the realloc under test.
        let q = unsafe { heap.realloc(p, layout(512, 8), 8192) };
        assert_eq!(q, p, "grown in place, not moved");
        assert_eq!(heap.stats().used, 8192);
        // SAFETY: `q` is the top block, now of 8192 bytes.
        let r = unsafe { heap.realloc(q, layout(8192, 8), 16) };
        assert_eq!(r, p, "shrunk in place");
        assert_eq!(heap.stats().used, 16);
        assert_eq!(heap.stats().peak, 8192);
        assert_eq!(heap.region().asked.get(), 0);
    }

    impl Stats {
        fn default_for_feature() -> Stats {
            Stats {
                allocations: cfg!(feature = "count-allocations").then_some(0),
                ..Stats::default()
            }
        }
    }
}
