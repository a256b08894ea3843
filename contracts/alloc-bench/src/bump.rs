//! The two bump allocators contract authors know, written from their descriptions.
//! Both keep their one word of state (the cursor) at the heap start, where the VM's
//! zero-filled heap makes 0 mean "not yet used", and never free.
//!
//! Like their originals they assume the default 32 KiB heap and never ask the VM.

use core::alloc::{GlobalAlloc, Layout};
use core::ptr::null_mut;

const HEAP_START: usize = tako_sdk::MM_HEAP_START as usize;
const HEAP_LEN: usize = tako_sdk::DEFAULT_HEAP_SIZE as usize;
const CURSOR: usize = core::mem::size_of::<usize>();

#[cfg(feature = "solana-bump")]
/// Solana's `BumpAllocator`: the cursor starts at the heap end and moves down.
pub struct SolanaBump;

#[cfg(feature = "solana-bump")]
// SAFETY: each block is `[pos, pos + size)` with `pos` aligned, below the previous cursor
// and at or above `HEAP_START + CURSOR`, so blocks are disjoint, inside the mapped heap and
// never overlap the cursor word; the VM runs one thread.
unsafe impl GlobalAlloc for SolanaBump {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let cursor = HEAP_START as *mut usize;
        // SAFETY: the cursor word is the first, 8-aligned word of the mapped heap.
        let mut pos = unsafe { cursor.read() };
        if pos == 0 {
            pos = HEAP_START + HEAP_LEN;
        }
        pos = pos.saturating_sub(layout.size());
        pos &= !(layout.align().wrapping_sub(1));
        if pos < HEAP_START + CURSOR {
            return null_mut();
        }
        // SAFETY: as above.
        unsafe { cursor.write(pos) };
        pos as *mut u8
    }

    #[inline]
    unsafe fn dealloc(&self, _: *mut u8, _: Layout) {}
}

#[cfg(feature = "pinocchio-bump")]
/// Pinocchio's upward bump: the cursor starts after itself and moves up.
pub struct PinocchioBump;

#[cfg(feature = "pinocchio-bump")]
// SAFETY: each block is `[start, start + size)` with `start` aligned, at or above the
// previous cursor (initially just past the cursor word) and ending at or below the heap
// end, so blocks are disjoint and inside the mapped heap; the VM runs one thread.
unsafe impl GlobalAlloc for PinocchioBump {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let cursor = HEAP_START as *mut usize;
        // SAFETY: the cursor word is the first, 8-aligned word of the mapped heap.
        let mut pos = unsafe { cursor.read() };
        if pos == 0 {
            pos = HEAP_START + CURSOR;
        }
        let start = (pos + layout.align() - 1) & layout.align().wrapping_neg();
        // No overflow: `start` is below 2^36 and a layout's size is at most isize::MAX.
        let end = start + layout.size();
        if end > HEAP_START + HEAP_LEN {
            return null_mut();
        }
        // SAFETY: as above.
        unsafe { cursor.write(end) };
        start as *mut u8
    }

    #[inline]
    unsafe fn dealloc(&self, _: *mut u8, _: Layout) {}
}

/// Bytes of the heap a bump has used so far (cursor word included), which is also its peak.
pub fn used() -> u64 {
    // SAFETY: the cursor word is the first, 8-aligned word of the mapped heap.
    let pos = unsafe { (HEAP_START as *const usize).read() };
    if pos == 0 {
        0
    } else if cfg!(feature = "solana-bump") {
        (HEAP_START + HEAP_LEN - pos + CURSOR) as u64
    } else {
        (pos - HEAP_START) as u64
    }
}
