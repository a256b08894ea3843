//! [`PoolAllocator`]: size classes with O(1) free lists, refilled from the bump heap.
//!
//! Small requests (at most [`MAX_SMALL`] bytes, alignment at most 8) are rounded up to one
//! of [`CLASS_SIZES`]; each class has a free list whose head lives in the [`PoolHeader`]
//! (the first block of the heap) and whose links are the first word of each free block.
//! An allocation pops the head (or, when the list is empty, carves one block from the bump
//! heap: a "miss"); a free pushes the block. Larger or more aligned requests go to the
//! bump heap directly ([`Heap`]), which rewinds when the most recent block is freed and
//! resizes it in place.
//!
//! The classes are 8-byte steps up to 32 bytes, then ×1.5 / ×4⁄3 steps to 512, plus 288:
//! `BTreeMap<u64, u64>` nodes are 192 (leaf) and 288 (internal) bytes, and `Vec` buffers
//! double through powers of two. A size maps to its class through a 65-entry table
//! indexed by `(size + 7) / 8` (BPF has no count-leading-zeros instruction).
//!
//! With the cargo feature `zero-on-free`, freed blocks are wiped before they are linked
//! (the link word then holds the only non-zero bytes, so `alloc_zeroed` from a free list
//! writes one word instead of the block).
//!
//! The pool is single-threaded: in the VM there is one thread; on the host a [`PoolHeap`]
//! over a byte slice is `!Sync`.

mod classes;
mod global;
mod header;
#[cfg(not(loom))]
mod host;

pub(crate) use classes::class_of;
pub use classes::{is_small, CLASSES, CLASS_SIZES, MAX_SMALL};
pub use global::PoolAllocator;
pub use header::{ClassStats, PoolHeader, PoolStats, POOL_HEADER_SIZE};
#[cfg(not(loom))]
pub use host::PoolHeap;

use core::alloc::Layout;
use core::cell::Cell;
use core::marker::PhantomData;
use core::ptr;

use crate::bump::GRANULE;
use crate::region::Region;
use crate::Heap;
use classes::CLASS_GRANULES;

/// The pool header's first word once the pool is set up (0 before): the bytes `pool.tos`,
/// which tell a pool's heap from the other strategies' ([`crate::inspect`]).
pub const POOL_MAGIC: usize = crate::strategy::tag_of(&crate::strategy::POOL);

/// The pool logic over a [`Region`], whose bump [`Heap`] refills the classes and serves
/// large requests. `!Sync`: one thread (the VM's).
#[derive(Debug, Clone, Copy)]
pub struct Pool<R> {
    heap: Heap<R>,
    _one_thread: PhantomData<Cell<()>>,
}

impl<R: Region> Pool<R> {
    /// A pool over `region`, set up lazily on its first allocation.
    ///
    /// The region's heap must belong to this pool alone (nothing else allocates from it),
    /// and `region.data_start() + POOL_HEADER_SIZE` must be inside the region's memory
    /// (the VM maps at least 1 KiB): the pool reads its header there before it is set up.
    // Under loom only the bump heap is modelled: nothing builds a pool or first-fit heap.
    #[cfg_attr(loom, allow(dead_code))]
    pub(crate) const fn new(region: R) -> Self {
        Pool {
            heap: Heap::new(region),
            _one_thread: PhantomData,
        }
    }

    /// The bump heap under the pool.
    pub fn heap(&self) -> &Heap<R> {
        &self.heap
    }

    #[inline(always)]
    fn header(&self) -> &PoolHeader {
        let r = self.heap.region();
        // SAFETY: the pool header is the first block of the heap, at `data_start` (checked
        // by `ready_up`, which carves it before anything else); before that, the memory
        // there is zero (a fresh region), and all-zero bytes are a valid `PoolHeader`
        // (cells of integers). 8-aligned: `data_start` is a multiple of the granule.
        // Only this pool touches it, on one thread (`Pool` is `!Sync`).
        unsafe { &*r.pointer(r.data_start()).cast::<PoolHeader>() }
    }

    /// Carves the pool header from a fresh bump heap. False if that is impossible (the
    /// region is too small, or something else allocated from the heap first).
    #[cold]
    #[inline(never)]
    pub(crate) fn ready_up(&self) -> bool {
        let h = self.header();
        if h.ready.get() != 0 {
            return true;
        }
        self.heap.init();
        let block = self.heap.alloc(Layout::new::<PoolHeader>());
        if block.is_null() {
            return false;
        }
        if block.addr() != self.heap.region().data_start() {
            // Not ours to write: someone else's block. Leave it, fail every allocation.
            return false;
        }
        h.ready.set(POOL_MAGIC);
        true
    }

    /// Allocates a block for `layout`; null when the heap cannot hold it.
    #[inline(always)]
    pub fn alloc(&self, layout: Layout) -> *mut u8 {
        if is_small(layout) {
            let c = class_of(layout.size());
            let h = self.header();
            let head = h.heads[c].get();
            if head != 0 {
                let p = self.heap.region().pointer(head);
                // SAFETY: `head` is a free block of this class (at least 8 bytes, 8-aligned,
                // inside the region) whose first word is the next link.
                let next = unsafe { p.cast::<usize>().read() };
                h.heads[c].set(next);
                h.hits[c].set(h.hits[c].get().wrapping_add(1));
                return p;
            }
            return self.refill(c, false);
        }
        self.alloc_large(layout, false)
    }

    /// Allocates a zeroed block for `layout`; null when the heap cannot hold it.
    #[inline]
    pub fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if is_small(layout) {
            let c = class_of(layout.size());
            let h = self.header();
            let head = h.heads[c].get();
            if head != 0 {
                let p = self.heap.region().pointer(head);
                // SAFETY: as in `alloc`.
                let next = unsafe { p.cast::<usize>().read() };
                h.heads[c].set(next);
                h.hits[c].set(h.hits[c].get().wrapping_add(1));
                // With `zero-on-free` only the link word is non-zero.
                let dirty = if cfg!(feature = "zero-on-free") {
                    core::mem::size_of::<usize>()
                } else {
                    layout.size()
                };
                // SAFETY: the block holds `CLASS_SIZES[c] >= layout.size()` bytes and
                // `>= 8`, and is ours now.
                unsafe { ptr::write_bytes(p, 0, dirty) };
                return p;
            }
            return self.refill(c, true);
        }
        self.alloc_large(layout, true)
    }

    /// A class's free list is empty: carve a block from the bump heap.
    #[cold]
    #[inline(never)]
    fn refill(&self, c: usize, zeroed: bool) -> *mut u8 {
        // The ready word is read here, the set-up call made only on a fresh heap: about
        // 9 CU saved on every miss.
        if self.header().ready.get() == 0 && !self.ready_up() {
            return ptr::null_mut();
        }
        // Class sizes are multiples of 8 (checked at compile time above) and tiny: the
        // constructor cannot fail; the match keeps it panic-free all the same.
        let size = CLASS_GRANULES[c] as usize * GRANULE;
        let layout = match Layout::from_size_align(size, GRANULE) {
            Ok(l) => l,
            Err(_) => return ptr::null_mut(),
        };
        let p = if zeroed {
            self.heap.alloc_zeroed(layout)
        } else {
            self.heap.alloc(layout)
        };
        if !p.is_null() {
            let h = self.header();
            h.misses[c].set(h.misses[c].get().wrapping_add(1));
        }
        p
    }

    #[cold]
    #[inline(never)]
    fn alloc_large(&self, layout: Layout, zeroed: bool) -> *mut u8 {
        if self.header().ready.get() == 0 && !self.ready_up() {
            return ptr::null_mut();
        }
        let p = if zeroed {
            self.heap.alloc_zeroed(layout)
        } else {
            self.heap.alloc(layout)
        };
        if !p.is_null() {
            let h = self.header();
            h.large_allocs.set(h.large_allocs.get().wrapping_add(1));
            h.large_live
                .set(h.large_live.get() + rounded(layout.size()));
        }
        p
    }

    /// Frees the block at `ptr`: a small block goes to the head of its class's list; a
    /// large one back to the bump heap (which rewinds if it is the most recent block).
    ///
    /// # Safety
    /// `ptr` was returned by this pool for `layout` and is not used afterwards.
    #[inline(always)]
    pub unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if is_small(layout) {
            let c = class_of(layout.size());
            let h = self.header();
            #[cfg(feature = "zero-on-free")]
            // SAFETY: the block holds `CLASS_SIZES[c]` bytes and is ours again.
            unsafe {
                ptr::write_bytes(ptr, 0, CLASS_SIZES[c])
            };
            // SAFETY: the block is at least 8 bytes, 8-aligned, and free from now on: its
            // first word becomes the link.
            unsafe { ptr.cast::<usize>().write(h.heads[c].get()) };
            h.heads[c].set(ptr.addr());
            h.frees[c].set(h.frees[c].get().wrapping_add(1));
            return;
        }
        // SAFETY: forwarded from the caller.
        unsafe { self.dealloc_large(ptr, layout) }
    }

    /// # Safety
    /// As for [`dealloc`](Self::dealloc), for a large layout.
    #[cold]
    #[inline(never)]
    unsafe fn dealloc_large(&self, ptr: *mut u8, layout: Layout) {
        #[cfg(feature = "zero-on-free")]
        // SAFETY: the block holds `layout.size()` bytes and is ours again.
        unsafe {
            ptr::write_bytes(ptr, 0, layout.size())
        };
        let h = self.header();
        h.large_frees.set(h.large_frees.get().wrapping_add(1));
        h.large_live
            .set(h.large_live.get().wrapping_sub(rounded(layout.size())));
        // SAFETY: forwarded from the caller: the block came from the bump heap for `layout`.
        unsafe { self.heap.dealloc(ptr, layout) }
    }

    /// Resizes the block at `ptr` to `new_size` bytes: in place when the new size falls in
    /// the same class, or when both are large and the bump heap can resize in place (the
    /// most recent block, or any shrink); otherwise the contents move. Null (the old block
    /// untouched) when the heap cannot hold the new size.
    ///
    /// # Safety
    /// `ptr` was returned by this pool for `layout`; `new_size`, rounded up to
    /// `layout.align()`, does not overflow `isize`. As for `GlobalAlloc::realloc`.
    #[inline]
    pub unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let Ok(new_layout) = Layout::from_size_align(new_size, layout.align()) else {
            self.heap.count_failure();
            return ptr::null_mut();
        };
        match (is_small(layout), is_small(new_layout)) {
            (true, true) if class_of(layout.size()) == class_of(new_size) => ptr,
            (false, false) => {
                // SAFETY: forwarded from the caller; a large block came from the bump heap.
                let p = unsafe { self.heap.realloc(ptr, layout, new_size) };
                if !p.is_null() {
                    let h = self.header();
                    let live = h.large_live.get() - rounded(layout.size());
                    h.large_live.set(live + rounded(new_size));
                    if p != ptr {
                        h.large_allocs.set(h.large_allocs.get().wrapping_add(1));
                        h.large_frees.set(h.large_frees.get().wrapping_add(1));
                    }
                }
                p
            }
            _ => {
                let new = self.alloc(new_layout);
                if !new.is_null() {
                    // SAFETY: both blocks are live and distinct (a free list never holds a
                    // live block, the bump heap never hands one out twice); the old one
                    // holds `layout.size()` bytes, the new one `new_size`.
                    unsafe {
                        ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                        self.dealloc(ptr, layout);
                    }
                }
                new
            }
        }
    }

    /// The pool's statistics.
    pub fn stats(&self) -> PoolStats {
        self.header().stats(self.heap.stats())
    }
}

forward_strategy!([R: Region] Pool<R>, crate::strategy::POOL, |pool| Some(pool.stats().usage));

#[inline(always)]
fn rounded(size: usize) -> usize {
    size.next_multiple_of(GRANULE)
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_realloc_past_isize_max_fails_and_is_counted() {
        let mut words = [0u64; 1024];
        // SAFETY: the array's bytes, not used otherwise while `buf` lives.
        let buf = unsafe {
            core::slice::from_raw_parts_mut(words.as_mut_ptr().cast::<u8>(), 8 * words.len())
        };
        let pool = PoolHeap::over(buf).unwrap();
        let layout = Layout::new::<[u64; 4]>();
        let p = pool.alloc(layout);
        assert!(!p.is_null());
        // SAFETY: `p` came from this pool for `layout`; the size is refused before use.
        let q = unsafe { pool.realloc(p, layout, isize::MAX as usize) };
        assert!(q.is_null());
        assert_eq!(pool.stats().usage.failed, 1);
    }

    #[test]
    fn every_small_size_maps_to_the_smallest_class_that_holds_it() {
        for size in 0..=MAX_SMALL {
            let c = class_of(size);
            assert!(CLASS_SIZES[c] >= size);
            assert!(c == 0 || CLASS_SIZES[c - 1] < size, "size {size}");
        }
    }
}
