//! [`FirstFitAllocator`]: the first-fit heap as a contract's global allocator.

/// The first-fit heap as a contract's global allocator: at most `L` blocks of `B` bytes
/// over the VM heap (as many as the mapped heap holds, if fewer). Zero-sized.
///
/// ```ignore
/// #[global_allocator]
/// static ALLOCATOR: tos_alloc::first_fit::FirstFitAllocator<4096, 8> =
///     tos_alloc::first_fit::FirstFitAllocator::new();
/// ```
#[derive(Debug, Clone, Copy)]
pub struct FirstFitAllocator<const L: usize, const B: usize>;

impl<const L: usize, const B: usize> FirstFitAllocator<L, B> {
    const CHECK: () = assert!(
        B.is_power_of_two() && B >= 8 && B <= 4096 && L > 0 && L * B <= crate::MAX_HEAP_SIZE,
        "FirstFitAllocator<L, B>: B a power of two in 8..=4096, L * B at most 256 KiB"
    );

    /// The allocator. Fails to compile unless `B` is a power of two in `8..=4096` and
    /// `L * B` is at most 256 KiB.
    pub const fn new() -> Self {
        let () = Self::CHECK;
        FirstFitAllocator
    }
}

impl<const L: usize, const B: usize> Default for FirstFitAllocator<L, B> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(target_arch = "bpf")]
mod vm {
    use core::alloc::{GlobalAlloc, Layout};
    use core::ptr;

    use super::FirstFitAllocator;
    use crate::first_fit::FirstFit;
    use crate::usage::Usage;

    /// The VM heap, declared at its largest: the mapped size bounds it.
    type Vm = crate::VmRegion<{ crate::MAX_HEAP_SIZE }>;
    type Ff<const L: usize, const B: usize> = FirstFit<Vm, L, B>;

    impl<const L: usize, const B: usize> FirstFitAllocator<L, B> {
        #[inline(always)]
        const fn ff(&self) -> FirstFit<Vm, L, B> {
            FirstFit::new(crate::VmRegion)
        }

        /// The heap's figures.
        pub fn stats(&self) -> Usage {
            self.ff().stats()
        }
    }

    // SAFETY: delegates to `FirstFit` over the VM heap, which this allocator owns alone
    // (it is the global allocator); one thread.
    unsafe impl<const L: usize, const B: usize> GlobalAlloc for FirstFitAllocator<L, B> {
        // `GlobalAlloc` sizes are never zero (the trait's contract): the blocks' bytes are
        // `bytes_for_nonzero`, without `bytes_for`'s branch.
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            self.ff()
                .alloc_bytes(Ff::<L, B>::bytes_for_nonzero(layout.size()), layout.align())
        }
        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            // SAFETY: forwarded from the caller.
            let p = unsafe { self.alloc(layout) };
            if !p.is_null() {
                // SAFETY: a fresh block of at least `layout.size()` bytes.
                unsafe { ptr::write_bytes(p, 0, layout.size()) };
            }
            p
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            let n = Ff::<L, B>::bytes_for_nonzero(layout.size());
            // SAFETY: forwarded from the caller; `n` is the bytes of blocks of `layout`.
            unsafe { self.ff().dealloc_bytes(ptr, n) }
        }
        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            let old = Ff::<L, B>::bytes_for_nonzero(layout.size());
            let new = Ff::<L, B>::bytes_for_nonzero(new_size);
            // SAFETY: forwarded from the caller (`new_size` is not zero either).
            unsafe { self.ff().realloc_bytes(ptr, layout, old, new_size, new) }
        }
    }
}
