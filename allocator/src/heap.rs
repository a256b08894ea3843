//! The allocation logic, one implementation for the VM heap and for host regions: a
//! compare-and-swap bump loop over a [`Header`]. The placement arithmetic is in
//! [`crate::bump`]; this module only reads and swaps the header's words.
//!
//! In the VM the linker lowers atomics to plain loads and stores (one thread), and the
//! loop's CAS becomes load/compare/store that the optimiser folds into a single store. On
//! the host the same code is a real lock-free loop.

use core::alloc::Layout;
use core::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed};

use crate::bump;
use crate::header::{Header, Stats, HEADER_SIZE};

/// Where a heap lives and how big it really is.
pub(crate) trait Region {
    /// Address of the first byte (the header).
    fn base(&self) -> usize;
    /// Bytes the allocator may use at most (the declared size).
    fn declared(&self) -> usize;
    /// Bytes really mapped; asked once, on the first allocation.
    fn mapped(&self) -> usize;
}

/// Sets up a fresh heap. Safe to race: the cursor is set before `end`, and both by CAS
/// from 0, so every thread agrees on the values.
#[cold]
#[inline(never)]
fn init<R: Region>(h: &Header, region: &R) -> bool {
    let base = region.base();
    // `end` stays granule-aligned: `bump::place` relies on it.
    let size = region.declared().min(region.mapped()) & !(bump::GRANULE - 1);
    if size < HEADER_SIZE {
        return false;
    }
    let _ = h
        .cursor
        .compare_exchange(0, base + HEADER_SIZE, AcqRel, Relaxed);
    let _ = h.end.compare_exchange(0, base + size, AcqRel, Relaxed);
    true
}

/// The rare path: set up a fresh heap and retry, or count the failure.
#[cold]
#[inline(never)]
fn alloc_slow<R: Region>(h: &Header, region: &R, layout: Layout) -> *mut u8 {
    if h.end.load(Acquire) == 0 && init(h, region) {
        return alloc(h, region, layout);
    }
    h.failed.fetch_add(1, Relaxed);
    core::ptr::null_mut()
}

/// Allocates `layout`; null when it does not fit (or any size arithmetic overflows).
#[inline(always)]
pub(crate) fn alloc<R: Region>(h: &Header, region: &R, layout: Layout) -> *mut u8 {
    let mut cursor = h.cursor.load(Relaxed);
    loop {
        let end = h.end.load(Acquire);
        // A fresh heap has end == 0, so nothing fits and the slow path sets it up.
        let Some((block, new)) = bump::place(cursor, end, layout.size(), layout.align()) else {
            return alloc_slow(h, region, layout);
        };
        match h.cursor.compare_exchange_weak(cursor, new, AcqRel, Relaxed) {
            Ok(_) => {
                #[cfg(feature = "count-allocations")]
                h.allocations.fetch_add(1, Relaxed);
                return block as *mut u8;
            }
            Err(actual) => cursor = actual,
        }
    }
}

/// Records that the cursor is about to go down from `cursor`: memory below it becomes
/// reusable but is no longer known to be zero. Done before the rewinding CAS, so a thread
/// that then allocates there sees it.
#[inline(always)]
fn note_rewind(h: &Header, cursor: usize) {
    if cursor > h.high_water.load(Relaxed) {
        h.high_water.fetch_max(cursor, AcqRel);
    }
}

/// Frees the block at `ptr`: only the most recent block is reclaimed (the cursor rewinds);
/// any other free is a no-op.
#[inline(always)]
pub(crate) fn dealloc(h: &Header, ptr: *mut u8, layout: Layout) {
    let block = ptr as usize;
    let cursor = h.cursor.load(Relaxed);
    if bump::is_top(block, layout.size(), cursor) {
        note_rewind(h, cursor);
        let _ = h.cursor.compare_exchange(cursor, block, AcqRel, Relaxed);
    }
}

/// Allocates zeroed memory. The VM's heap starts zeroed, so only the part of the block
/// below the high-water mark (memory handed out before and rewound) is cleared.
#[inline(always)]
pub(crate) fn alloc_zeroed<R: Region>(h: &Header, region: &R, layout: Layout) -> *mut u8 {
    let ptr = alloc(h, region, layout);
    if !ptr.is_null() {
        let block = ptr as usize;
        let dirty_end = h.high_water.load(Acquire).min(block + layout.size());
        if dirty_end > block {
            // SAFETY: `[block, dirty_end)` lies inside the block just allocated, which is
            // ours alone and in bounds of the heap.
            unsafe { core::ptr::write_bytes(ptr, 0, dirty_end - block) };
        }
    }
    ptr
}

/// Resizes the block at `ptr`. The most recent block grows or shrinks in place; another
/// block shrinks in place (its tail stays used) or moves.
///
/// # Safety
/// `ptr` was returned by this heap for `layout` and is live; `new_size`, rounded up to
/// `layout.align()`, does not overflow `isize` (the `GlobalAlloc::realloc` contract).
#[inline(always)]
pub(crate) unsafe fn realloc<R: Region>(
    h: &Header,
    region: &R,
    ptr: *mut u8,
    layout: Layout,
    new_size: usize,
) -> *mut u8 {
    let block = ptr as usize;
    let cursor = h.cursor.load(Relaxed);
    if bump::is_top(block, layout.size(), cursor) {
        if let Some(new) = bump::resize_top(block, h.end.load(Acquire), new_size) {
            if new < cursor {
                note_rewind(h, cursor);
            }
            if h.cursor
                .compare_exchange(cursor, new, AcqRel, Relaxed)
                .is_ok()
            {
                return ptr;
            }
        }
    } else if new_size <= layout.size() {
        return ptr;
    }
    // SAFETY: the caller guarantees `new_size` with this alignment is a valid layout.
    let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
    let moved = alloc(h, region, new_layout);
    if !moved.is_null() {
        // SAFETY: both blocks are live, distinct (the new one lies past the cursor the old
        // one was below), and at least `min(old, new)` bytes long.
        unsafe { core::ptr::copy_nonoverlapping(ptr, moved, layout.size().min(new_size)) };
        dealloc(h, ptr, layout);
    }
    moved
}

/// The header's figures, relative to the first block.
pub(crate) fn stats(h: &Header, base: usize) -> Stats {
    let first = base + HEADER_SIZE;
    let cursor = h.cursor.load(Acquire);
    let end = h.end.load(Acquire);
    let high = h.high_water.load(Acquire).max(cursor);
    Stats {
        used: cursor.saturating_sub(first),
        peak: high.saturating_sub(first),
        capacity: end.saturating_sub(first),
        failed: h.failed.load(Relaxed),
        allocations: if cfg!(feature = "count-allocations") {
            Some(h.allocations.load(Relaxed))
        } else {
            None
        },
    }
}
