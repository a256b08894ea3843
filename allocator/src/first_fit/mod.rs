//! [`FirstFitAllocator`]: Stalloc-style blocks, an address-ordered free list, best-fit
//! placement, coalescing, in-place resizing.
//!
//! The heap holds `L` blocks of `B` bytes (`B` a power of two, at least 8), or as many as
//! the mapped heap holds when that is fewer. Free runs of blocks ("chunks") form a list in
//! address order; a free chunk's first block holds its header: the byte offset (from block
//! 0) of the next free chunk and its own length in bytes (two `u32`, each read with one
//! load and used as a `usize`). An allocation takes the smallest chunk that fits, the last
//! of equal ones (splitting it at its start); the walk is first fit's up to the first chunk
//! that fits and goes on only when that one is larger than needed and not the last. A
//! request aligned above `B` takes the first chunk that fits with its alignment. A free
//! inserts its blocks in order and merges them with the chunks on either side; `realloc`
//! shrinks in place (freeing the tail) and grows in place when the next chunk is free and
//! large enough. (The name is the family's: the list is first fit's, the placement best
//! fit's, which leaves the large chunks whole for large requests.)
//!
//! Every operation walks the free list: O(free chunks). It maximizes reuse (any freed run
//! serves any request that fits) at that price; the CU table in the crate README shows it.
//!
//! The block area and the [`FirstFitHeader`] are carved from the bump heap ([`Heap`]) on
//! the first allocation; the header is the heap's first block, so the VM's zero-filled
//! heap is a fresh allocator.

mod chunk;
mod global;
mod header;
#[cfg(not(loom))]
mod host;

pub use global::FirstFitAllocator;
pub use header::{FirstFitHeader, FIRST_FIT_HEADER_SIZE};
#[cfg(not(loom))]
pub use host::FirstFitHeap;

use core::alloc::Layout;
use core::cell::Cell;
use core::marker::PhantomData;
use core::ptr;

use crate::region::Region;
use crate::usage::Usage;
use crate::Heap;
use chunk::Chunk;

/// "No chunk": the end of the free list. Above every block offset (`L * B` is below it),
/// so a walk for the chunks before an offset stops at it with one compare, and an
/// immediate operand in BPF (`u32::MAX` would need an `lddw` for every compare).
const NONE: usize = i32::MAX as usize;

/// The first-fit header's first word once the allocator is set up (0 before): the bytes
/// `ffit.tos`, which tell a first-fit heap from the other strategies' ([`crate::inspect`]).
pub const FIRST_FIT_MAGIC: usize = crate::strategy::tag_of(&crate::strategy::FIRST_FIT);

/// The first-fit logic over a [`Region`], `L` blocks of `B` bytes at most. `!Sync`.
#[derive(Debug, Clone, Copy)]
pub struct FirstFit<R, const L: usize, const B: usize> {
    heap: Heap<R>,
    _one_thread: PhantomData<Cell<()>>,
}

/// The first-fit header's address through [`opaque_in`] (register `r9`, beside the bump
/// header's `r1` and `r7`).
#[inline(always)]
fn opaque(x: usize) -> usize {
    opaque_in!("r9", x)
}

impl<R: Region, const L: usize, const B: usize> FirstFit<R, L, B> {
    const CHECK: () = assert!(
        B.is_power_of_two() && B >= 8 && B <= 4096 && L > 0 && L < NONE / B,
        "FirstFitAllocator<L, B>: B must be a power of two in 8..=4096 and L * B below 2^31 - 1"
    );

    /// A first-fit heap over `region`, set up on its first allocation. The region's heap
    /// must belong to it alone, and `region.data_start() + FIRST_FIT_HEADER_SIZE` must be
    /// inside the region's memory (the VM maps at least 1 KiB; the host constructor
    /// checks), as for the pool.
    // Under loom only the bump heap is modelled: nothing builds a pool or first-fit heap.
    #[cfg_attr(loom, allow(dead_code))]
    pub(crate) const fn new(region: R) -> Self {
        let () = Self::CHECK;
        FirstFit {
            heap: Heap::new(region),
            _one_thread: PhantomData,
        }
    }

    /// The bump heap under the block area.
    pub fn heap(&self) -> &Heap<R> {
        &self.heap
    }

    #[inline(always)]
    fn header(&self) -> &FirstFitHeader {
        let r = self.heap.region();
        // SAFETY: the header is the heap's first block, at `data_start` (8-aligned),
        // carved by `ready_up` before anything else; before that the memory is zero, a
        // valid all-zero `FirstFitHeader`. One thread (`FirstFit` is `!Sync`).
        unsafe { &*r.pointer(opaque(r.data_start())).cast::<FirstFitHeader>() }
    }

    /// Carves the header and the block area from a fresh bump heap; false if impossible.
    #[cold]
    #[inline(never)]
    pub(crate) fn ready_up(&self) -> bool {
        let h = self.header();
        if h.blocks.get() != 0 {
            return true;
        }
        self.heap.settle_end();
        let p = self.heap.alloc(Layout::new::<FirstFitHeader>());
        if p.is_null() || p.addr() != self.heap.region().data_start() {
            return false;
        }
        // As many blocks as fit after aligning to B, at most L.
        let s = self.heap.stats();
        let room = s.capacity - s.used;
        let skip = p.addr().wrapping_add(FIRST_FIT_HEADER_SIZE).wrapping_neg() & (B - 1);
        let count = (room.saturating_sub(skip) / B).min(L);
        if count == 0 {
            return false;
        }
        let Ok(area) = Layout::from_size_align(count * B, B) else {
            return false;
        };
        let a = self.heap.alloc(area);
        if a.is_null() {
            return false;
        }
        h.count.set(count as u32);
        h.first_free.set(0);
        self.chunk(a.addr(), 0).set(NONE, count * B);
        h.ready.set(FIRST_FIT_MAGIC);
        // Last: a non-zero `blocks` is what tells the allocation paths the heap is set up.
        h.blocks.set(a.addr());
        true
    }

    /// The block at byte offset `off` of the block area at `blocks`, as a pointer.
    #[inline(always)]
    fn at(&self, blocks: usize, off: usize) -> *mut u8 {
        self.heap.region().pointer(blocks + off)
    }

    /// The header of the free chunk at byte offset `off`.
    #[inline(always)]
    fn chunk(&self, blocks: usize, off: usize) -> Chunk {
        Chunk(self.at(blocks, off).cast())
    }

    /// Bytes of the blocks for `size` bytes (at least one block).
    #[inline(always)]
    fn bytes_for(size: usize) -> usize {
        if size == 0 {
            return B;
        }
        Self::bytes_for_nonzero(size)
    }

    /// [`bytes_for`](Self::bytes_for) a `size` that is not zero (`GlobalAlloc` layouts):
    /// three instructions, no branch. (0 would give 0.)
    #[inline(always)]
    fn bytes_for_nonzero(size: usize) -> usize {
        (size.wrapping_sub(1) | (B - 1)).wrapping_add(1)
    }

    /// Counts `bytes` more live. The peak is not updated here but where live bytes next
    /// fall ([`shrink_live`](Self::shrink_live)), and read as the larger of the two: the
    /// most bytes ever live is reached just before some decrease or now, so an
    /// allocation costs one add instead of an add, a compare and a store.
    #[inline(always)]
    fn grow_live(h: &FirstFitHeader, bytes: usize) {
        h.live_bytes
            .set((h.live_bytes.get() as usize + bytes) as u32);
    }

    /// Counts `bytes` fewer live, first recording the live bytes as the peak if they are
    /// the most so far.
    #[inline(always)]
    fn shrink_live(h: &FirstFitHeader, bytes: usize) {
        let live = h.live_bytes.get() as usize;
        if live > h.peak_bytes.get() as usize {
            h.peak_bytes.set(live as u32);
        }
        h.live_bytes.set((live - bytes) as u32);
    }

    #[cold]
    #[inline(never)]
    fn fail(&self) -> *mut u8 {
        let h = self.header();
        h.failed.set(h.failed.get() + 1);
        ptr::null_mut()
    }

    /// Allocates `need` bytes of blocks (a positive multiple of B) aligned to `align` from
    /// the first chunk that has them, counting it; null (counted as failed) if none has.
    #[inline(always)]
    fn take(&self, h: &FirstFitHeader, blocks: usize, need: usize, align: usize) -> *mut u8 {
        // The first chunk, linked from the header (peeled: its link is a header word).
        let mut cur = h.first_free.get() as usize;
        if cur == NONE {
            return self.fail();
        }
        let mut c = self.chunk(blocks, cur);
        if let Some(p) = self.split(h, blocks, Chunk(h.first_free.as_ptr()), c, cur, need, align) {
            return p;
        }
        loop {
            // `c` did not fit: it links the next chunk (its `next` is its first word).
            let link = c;
            cur = link.next();
            if cur == NONE {
                return self.fail();
            }
            c = self.chunk(blocks, cur);
            if let Some(p) = self.split(h, blocks, link, c, cur, need, align) {
                return p;
            }
        }
    }

    /// Allocates `need` bytes of blocks (a positive multiple of B, alignment at most B)
    /// from the smallest chunk that has them, counting it; among chunks of that size the
    /// last, and an exact fit ends the walk. Null (counted as failed) if none has them.
    ///
    /// Best fit leaves the large chunks whole for large requests: on the random mix it
    /// fills the heap further before the first failure than first fit does (allocator
    /// `BENCHMARKS.md`). The walk is first fit's until the first chunk that fits; only when
    /// that one is larger than needed and not the last does [`take_smaller`]
    /// (out of line) look on for a smaller one, so a heap with one free chunk pays what
    /// first fit pays.
    ///
    /// [`take_smaller`]: Self::take_smaller
    #[inline(always)]
    fn take_best(&self, h: &FirstFitHeader, blocks: usize, need: usize) -> *mut u8 {
        // The first chunk, linked from the header (peeled: its link is a header word).
        let mut cur = h.first_free.get() as usize;
        if cur == NONE {
            return self.fail();
        }
        let mut c = self.chunk(blocks, cur);
        if c.len() >= need {
            return self.take_first_or_smaller(
                h,
                blocks,
                Chunk(h.first_free.as_ptr()),
                c,
                cur,
                need,
            );
        }
        loop {
            // `c` did not fit: it links the next chunk (its `next` is its first word).
            let link = c;
            cur = link.next();
            if cur == NONE {
                return self.fail();
            }
            c = self.chunk(blocks, cur);
            if c.len() >= need {
                return self.take_first_or_smaller(h, blocks, link, c, cur, need);
            }
        }
    }

    /// Takes `need` bytes from `c`, the first chunk that has them, when it has exactly
    /// that many or is the last; else [`take_smaller`](Self::take_smaller).
    #[inline(always)]
    fn take_first_or_smaller(
        &self,
        h: &FirstFitHeader,
        blocks: usize,
        link: Chunk,
        c: Chunk,
        cur: usize,
        need: usize,
    ) -> *mut u8 {
        if c.len() != need && c.next() != NONE {
            return self.take_smaller(need);
        }
        // `c` has at least `need` bytes and no alignment skip: `split` takes them.
        self.split(h, blocks, link, c, cur, need, 1)
            .unwrap_or_else(|| self.fail())
    }

    /// Best fit over the whole free list: the smallest chunk with `need` bytes, the last
    /// of equal ones, an exact fit ending the walk (out of line: [`take_best`] calls it
    /// only when the first fitting chunk is larger than needed and not the last).
    ///
    /// [`take_best`]: Self::take_best
    #[inline(never)]
    fn take_smaller(&self, need: usize) -> *mut u8 {
        let h = self.header();
        let blocks = h.blocks.get();
        let mut link = Chunk(h.first_free.as_ptr());
        let mut cur = h.first_free.get() as usize;
        let mut best = None;
        let mut best_len = usize::MAX;
        // `NONE` is above every offset: the walk ends there.
        while cur != NONE {
            let c = self.chunk(blocks, cur);
            let len = c.len();
            if len >= need && len <= best_len {
                best = Some((link, c, cur));
                best_len = len;
                if len == need {
                    break;
                }
            }
            link = c;
            cur = c.next();
        }
        match best {
            Some((link, c, cur)) => self
                .split(h, blocks, link, c, cur, need, 1)
                .unwrap_or_else(|| self.fail()),
            None => self.fail(),
        }
    }

    /// Takes `need` bytes aligned to `align` from chunk `c` at offset `cur` (linked from
    /// `link`) if it has them, counting the allocation.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn split(
        &self,
        h: &FirstFitHeader,
        blocks: usize,
        link: Chunk,
        c: Chunk,
        cur: usize,
        need: usize,
        align: usize,
    ) -> Option<*mut u8> {
        let len = c.len();
        // Bytes to skip at the chunk's start for the alignment: a multiple of B.
        let skip = if align <= B {
            0
        } else {
            (blocks + cur).wrapping_neg() & (align - 1)
        };
        let fits = skip.checked_add(need).is_some_and(|n| n <= len);
        if !fits {
            return None;
        }
        let rest = len - skip - need;
        let at = cur + skip;
        let after = if rest > 0 {
            // SAFETY: the tail's first block is inside the chunk (`rest > 0`).
            Chunk(unsafe { c.0.byte_add(skip + need) }).set(c.next(), rest);
            at + need
        } else {
            c.next()
        };
        if skip > 0 {
            c.set(after, skip);
        } else {
            link.set_next(after);
        }
        h.allocations.set(h.allocations.get() + 1);
        Self::grow_live(h, need);
        Some(self.at(blocks, at))
    }

    /// `take` for an alignment above `B`, out of the common path (with the arguments
    /// `alloc_bytes` has, in the same registers); sets the heap up first if needed.
    #[inline(never)]
    fn take_aligned(&self, need: usize, align: usize) -> *mut u8 {
        let h = self.header();
        let blocks = h.blocks.get();
        if blocks == 0 {
            return self.alloc_unready(need, align);
        }
        self.take(h, blocks, need, align)
    }

    /// Returns the `n` bytes of blocks at byte offset `i` to the free list, merging them
    /// with the free chunks on either side.
    #[inline(always)]
    fn give_back(&self, h: &FirstFitHeader, blocks: usize, i: usize, n: usize) {
        let first = h.first_free.get() as usize;
        // `i` is a live block, not a free chunk: `first != i`; `NONE` is above every offset.
        if i < first {
            // No free chunk before `i` (peeled: the link is the header word).
            let (next, len) = self.merge_next(blocks, i, n, first);
            self.chunk(blocks, i).set(next, len);
            h.first_free.set(i as u32);
            return;
        }
        // The chunk before `i`: the last one below it.
        let mut prev = self.chunk(blocks, first);
        let mut cur = prev.next();
        while cur < i {
            prev = self.chunk(blocks, cur);
            cur = prev.next();
        }
        let (next, len) = self.merge_next(blocks, i, n, cur);
        let p_len = prev.len();
        if prev.0.addr() - blocks + p_len == i {
            prev.set(next, p_len + len);
        } else {
            self.chunk(blocks, i).set(next, len);
            prev.set_next(i);
        }
    }

    /// The `(next, len)` of a chunk of `n` bytes at `i` followed by the free chunk `cur`
    /// (or `NONE`): merged with it when it starts right after.
    #[inline(always)]
    fn merge_next(&self, blocks: usize, i: usize, n: usize, cur: usize) -> (usize, usize) {
        if i + n == cur {
            let c = self.chunk(blocks, cur);
            (c.next(), n + c.len())
        } else {
            (cur, n)
        }
    }

    /// Allocates a block for `layout`; null when no free run fits.
    pub fn alloc(&self, layout: Layout) -> *mut u8 {
        self.alloc_bytes(Self::bytes_for(layout.size()), layout.align())
    }

    /// Allocates `need` bytes of blocks (a positive multiple of B) aligned to `align`. The
    /// alignment test is inlined, so that a constant alignment (every `Box`, `Vec`, ...)
    /// leaves only the call of [`alloc_blocks`](Self::alloc_blocks).
    #[inline(always)]
    fn alloc_bytes(&self, need: usize, align: usize) -> *mut u8 {
        if align > B {
            return self.take_aligned(need, align);
        }
        self.alloc_blocks(need)
    }

    /// Allocates `need` bytes of blocks (a positive multiple of B) aligned to B.
    #[inline(never)]
    fn alloc_blocks(&self, need: usize) -> *mut u8 {
        let h = self.header();
        let blocks = h.blocks.get();
        if blocks == 0 {
            return self.alloc_unready(need, B);
        }
        self.take_best(h, blocks, need)
    }

    /// The first allocation: sets the heap up, then allocates (out of the common path, so
    /// that it keeps no register across a call).
    #[cold]
    #[inline(never)]
    fn alloc_unready(&self, need: usize, align: usize) -> *mut u8 {
        if !self.ready_up() {
            // The header may not be ours (the setup failed): do not write it.
            return ptr::null_mut();
        }
        self.alloc_bytes(need, align)
    }

    /// Allocates a zeroed block for `layout`.
    pub fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = self.alloc(layout);
        if !p.is_null() {
            // SAFETY: a fresh block of at least `layout.size()` bytes.
            unsafe { ptr::write_bytes(p, 0, layout.size()) };
        }
        p
    }

    /// Frees the block at `ptr`, merging it with free neighbours.
    ///
    /// # Safety
    /// `ptr` was returned by this heap for `layout` and is not used afterwards.
    pub unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded.
        unsafe { self.dealloc_bytes(ptr, Self::bytes_for(layout.size())) }
    }

    /// Frees the `n` bytes of blocks at `ptr`.
    ///
    /// # Safety
    /// `ptr` was returned by this heap for a layout of `n` bytes of blocks.
    #[inline]
    unsafe fn dealloc_bytes(&self, ptr: *mut u8, n: usize) {
        #[cfg(feature = "zero-on-free")]
        // SAFETY: the block's `n` bytes are ours again.
        unsafe {
            ptr::write_bytes(ptr, 0, n)
        };
        let h = self.header();
        let blocks = h.blocks.get();
        h.frees.set(h.frees.get() + 1);
        Self::shrink_live(h, n);
        self.give_back(h, blocks, ptr.addr() - blocks, n);
    }

    /// Resizes in place when it can (shrinking always; growing into a free chunk that
    /// follows the block), else moves. Null (the old block untouched) on failure.
    ///
    /// # Safety
    /// As for `GlobalAlloc::realloc`: `ptr` came from this heap for `layout`.
    pub unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let old = Self::bytes_for(layout.size());
        let new = Self::bytes_for(new_size);
        // SAFETY: forwarded; `old` and `new` are the blocks' bytes for the two sizes.
        unsafe { self.realloc_bytes(ptr, layout, old, new_size, new) }
    }

    /// `realloc` with the blocks' bytes `old` for `layout` and `new` for `new_size`.
    ///
    /// # Safety
    /// As for [`realloc`](Self::realloc).
    #[inline]
    unsafe fn realloc_bytes(
        &self,
        ptr: *mut u8,
        layout: Layout,
        old: usize,
        new_size: usize,
        new: usize,
    ) -> *mut u8 {
        let h = self.header();
        let blocks = h.blocks.get();
        let i = ptr.addr() - blocks;
        if new <= old {
            if new < old {
                #[cfg(feature = "zero-on-free")]
                // SAFETY: the tail's blocks are inside the block, ours to give back.
                unsafe {
                    ptr::write_bytes(ptr.add(new), 0, old - new)
                };
                Self::shrink_live(h, old - new);
                self.give_back(h, blocks, i + new, old - new);
            }
            return ptr;
        }
        if self.grow_in_place(h, blocks, i + old, new - old) {
            return ptr;
        }
        // SAFETY: forwarded.
        unsafe { self.realloc_move(ptr, layout, old, new_size, new) }
    }

    /// Grows the block ending at offset `after` by `extra` bytes into the chunk there, if
    /// it is free and large enough.
    #[inline(always)]
    fn grow_in_place(&self, h: &FirstFitHeader, blocks: usize, after: usize, extra: usize) -> bool {
        let first = h.first_free.get() as usize;
        // `NONE` is above every offset: the walks end there.
        if first >= after {
            // No free chunk before the block (peeled: the link is the header word).
            return first == after
                && self.grow_into(h, blocks, Chunk(h.first_free.as_ptr()), after, extra);
        }
        let mut link = self.chunk(blocks, first);
        let mut cur = link.next();
        while cur < after {
            link = self.chunk(blocks, cur);
            cur = link.next();
        }
        cur == after && self.grow_into(h, blocks, link, after, extra)
    }

    /// Takes `extra` bytes from the start of the free chunk at `after` (linked from `link`)
    /// if it has them.
    #[inline(always)]
    fn grow_into(
        &self,
        h: &FirstFitHeader,
        blocks: usize,
        link: Chunk,
        after: usize,
        extra: usize,
    ) -> bool {
        let c = self.chunk(blocks, after);
        let len = c.len();
        if extra > len {
            return false;
        }
        let next = if extra < len {
            // SAFETY: the rest's first block is inside the chunk (`extra < len`).
            Chunk(unsafe { c.0.byte_add(extra) }).set(c.next(), len - extra);
            after + extra
        } else {
            c.next()
        };
        link.set_next(next);
        Self::grow_live(h, extra);
        true
    }

    /// `realloc` by moving: a new block, the bytes copied, the old block freed.
    ///
    /// # Safety
    /// As for [`realloc_bytes`](Self::realloc_bytes).
    #[inline(never)]
    unsafe fn realloc_move(
        &self,
        ptr: *mut u8,
        layout: Layout,
        old: usize,
        new_size: usize,
        new: usize,
    ) -> *mut u8 {
        let Ok(new_layout) = Layout::from_size_align(new_size, layout.align()) else {
            return self.fail();
        };
        let p = self.alloc_bytes(new, new_layout.align());
        if !p.is_null() {
            // SAFETY: distinct live blocks; the old holds `layout.size() < new_size` bytes
            // in `old` bytes of blocks.
            unsafe {
                ptr::copy_nonoverlapping(ptr, p, layout.size());
                self.dealloc_bytes(ptr, old);
            }
        }
        p
    }

    /// The heap's figures.
    pub fn stats(&self) -> Usage {
        self.header().usage(self.heap.stats())
    }

    /// Free runs of blocks (chunks) and the largest one, in blocks: how fragmented the
    /// heap is.
    pub fn free_chunks(&self) -> (usize, usize) {
        let h = self.header();
        let blocks = h.blocks.get();
        let mut n = 0;
        let mut largest = 0;
        let mut cur = h.first_free.get() as usize;
        while cur != NONE {
            let c = self.chunk(blocks, cur);
            n += 1;
            largest = largest.max(c.len() / B);
            cur = c.next();
        }
        (n, largest)
    }
}

forward_strategy!(
    [R: Region, const L: usize, const B: usize] FirstFit<R, L, B>,
    crate::strategy::FIRST_FIT,
    |heap| Some(heap.stats())
);
