//! [`PoolAllocator`]: the pool as a contract's global allocator.

/// The pool as a contract's global allocator, over the VM heap declared `HEAP` bytes long
/// (as for [`TosAllocator`](crate::TosAllocator)). Zero-sized; its state is in the heap.
///
/// ```ignore
/// #[global_allocator]
/// static ALLOCATOR: tos_alloc::pool::PoolAllocator = tos_alloc::pool::PoolAllocator::new();
/// ```
#[derive(Debug, Clone, Copy)]
pub struct PoolAllocator<const HEAP: usize = { crate::DEFAULT_HEAP_SIZE }>;

impl<const HEAP: usize> PoolAllocator<HEAP> {
    /// The allocator; `HEAP` is checked as for `TosAllocator::new`.
    pub const fn new() -> Self {
        let _ = crate::TosAllocator::<HEAP>::new();
        PoolAllocator
    }
}

impl<const HEAP: usize> Default for PoolAllocator<HEAP> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(target_arch = "bpf")]
mod vm {
    use core::alloc::{GlobalAlloc, Layout};

    use super::PoolAllocator;
    use crate::pool::{Pool, PoolStats};

    impl<const HEAP: usize> PoolAllocator<HEAP> {
        #[inline(always)]
        const fn pool(&self) -> Pool<crate::VmRegion<HEAP>> {
            Pool::new(crate::VmRegion)
        }

        /// The pool's statistics, read from the heap.
        pub fn stats(&self) -> PoolStats {
            self.pool().stats()
        }
    }

    // SAFETY: delegates to `Pool` over the VM heap, which this allocator owns alone (it is
    // the global allocator); blocks are disjoint, aligned, inside the heap; null on failure.
    // The VM runs one thread, so the `!Sync` pool logic is never shared.
    unsafe impl<const HEAP: usize> GlobalAlloc for PoolAllocator<HEAP> {
        #[inline]
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            self.pool().alloc(layout)
        }
        #[inline]
        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            self.pool().alloc_zeroed(layout)
        }
        #[inline]
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            // SAFETY: forwarded from the caller.
            unsafe { self.pool().dealloc(ptr, layout) }
        }
        #[inline]
        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            // SAFETY: forwarded from the caller.
            unsafe { self.pool().realloc(ptr, layout, new_size) }
        }
    }
}
