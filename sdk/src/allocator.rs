//! `SyscallAllocator`: every allocation is a `tako_alloc` syscall.

use core::alloc::{GlobalAlloc, Layout};

use crate::raw;

/// A zero-sized [`GlobalAlloc`] that asks the VM for every allocation (`tako_alloc`) and
/// reports every free (`tako_free`). The VM's heap behind it is a bump region that never
/// reuses memory; each call costs the syscall base (100 CU by default). It is the baseline
/// other allocators are compared against.
///
/// ```ignore
/// #[global_allocator]
/// static ALLOCATOR: tako_sdk::SyscallAllocator = tako_sdk::SyscallAllocator;
/// ```
///
/// Zero-sized and stateless, so it is valid as a `static` under the loader's
/// no-writable-data rule. On the host every call panics (there is no VM heap).
#[derive(Debug, Clone, Copy, Default)]
pub struct SyscallAllocator;

// SAFETY: `tako_alloc` returns either 0 (reported as null: out of memory) or the address
// of `size` bytes aligned to `align` that the VM never hands out again during the run;
// `tako_free` does not touch memory. So blocks are valid, aligned and disjoint.
unsafe impl GlobalAlloc for SyscallAllocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: plain values; the VM returns a valid block or 0.
        unsafe { raw::tako_alloc(layout.size() as u64, layout.align() as u64) as *mut u8 }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: plain values; the VM only counts the free.
        unsafe {
            raw::tako_free(ptr as u64, layout.size() as u64, layout.align() as u64);
        }
    }
}
