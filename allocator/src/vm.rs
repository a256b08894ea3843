//! [`TosAllocator`]: the allocator a contract installs with `#[global_allocator]`. It is
//! zero-sized; its state is the [`Header`](crate::header) at `MM_HEAP_START`.

use core::alloc::{GlobalAlloc, Layout};

use crate::header::{Header, Stats};
use crate::heap::{self, Region};

/// Default heap size: the 32 KiB the VM maps unless asked for more.
pub const DEFAULT_HEAP_SIZE: usize = tako_abi::DEFAULT_HEAP_SIZE as usize;
/// Largest heap a contract may declare (256 KiB).
pub const MAX_HEAP_SIZE: usize = tako_abi::MAX_HEAP_SIZE as usize;
/// Heap sizes are declared in steps of this many bytes (1 KiB).
pub const HEAP_SIZE_STEP: usize = tako_abi::HEAP_SIZE_STEP as usize;

/// The bump allocator over the TAKO VM heap at `MM_HEAP_START` (`0x3_0000_0000`).
///
/// `HEAP_SIZE` is the most it will use; the VM may map less (`tako-vm --heap-size`), and
/// the allocator learns the mapped size with one `tako_heap_size` syscall on its first
/// allocation, so a contract built for 256 KiB that runs with 32 KiB gets null (the normal
/// alloc-error path) when the 32 KiB are used up, never an access violation.
///
/// ```ignore
/// #[global_allocator]
/// static ALLOCATOR: TosAllocator = TosAllocator::new(); // 32 KiB
/// // or: static ALLOCATOR: TosAllocator<{ 256 * 1024 }> = TosAllocator::sized();
/// ```
///
/// Outside the VM (`target_arch` other than `bpf`) there is no heap at `MM_HEAP_START`:
/// every allocation returns null. Host code uses [`crate::HostHeap`].
#[derive(Debug, Clone, Copy, Default)]
pub struct TosAllocator<const HEAP_SIZE: usize = DEFAULT_HEAP_SIZE>(());

impl TosAllocator {
    /// The allocator with the default 32 KiB heap.
    pub const fn new() -> Self {
        TosAllocator(())
    }
}

impl<const HEAP_SIZE: usize> TosAllocator<HEAP_SIZE> {
    /// The allocator with a heap of `HEAP_SIZE` bytes: 1 KiB to 256 KiB in 1 KiB steps,
    /// checked at compile time.
    pub const fn sized() -> Self {
        const {
            assert!(
                HEAP_SIZE >= HEAP_SIZE_STEP && HEAP_SIZE <= MAX_HEAP_SIZE,
                "TosAllocator: the heap size must be between 1 KiB and 256 KiB"
            );
            assert!(
                HEAP_SIZE.is_multiple_of(HEAP_SIZE_STEP),
                "TosAllocator: the heap size must be a multiple of 1 KiB"
            );
        }
        TosAllocator(())
    }

    /// The heap's figures (all zero before the first allocation).
    pub fn stats(&self) -> Stats {
        match self.header() {
            Some(h) => heap::stats(h, VmHeap::<HEAP_SIZE>.base()),
            None => heap::stats(&Header::default(), 0),
        }
    }

    #[inline(always)]
    fn header(&self) -> Option<&'static Header> {
        if cfg!(target_arch = "bpf") {
            // SAFETY: in the TAKO VM the heap region is mapped at MM_HEAP_START, zero-filled,
            // at least 1 KiB long (the VM refuses smaller heaps) and aligned to 8; nothing
            // but this allocator writes its first `HEADER_SIZE` bytes (blocks start after
            // them), and the VM runs one thread.
            Some(unsafe { &*(tako_abi::MM_HEAP_START as usize as *const Header) })
        } else {
            None
        }
    }
}

/// The VM heap as a [`Region`].
struct VmHeap<const HEAP_SIZE: usize>;

impl<const HEAP_SIZE: usize> Region for VmHeap<HEAP_SIZE> {
    #[inline(always)]
    fn base(&self) -> usize {
        tako_abi::MM_HEAP_START as usize
    }
    #[inline(always)]
    fn declared(&self) -> usize {
        HEAP_SIZE
    }
    fn mapped(&self) -> usize {
        #[cfg(target_arch = "bpf")]
        {
            // SAFETY: a syscall without arguments; it only reads the VM's configuration.
            unsafe { tako_abi::sys::tako_heap_size() as usize }
        }
        #[cfg(not(target_arch = "bpf"))]
        0
    }
}

// SAFETY: every block comes from `heap::alloc`, which places it inside
// `[base + HEADER_SIZE, base + min(HEAP_SIZE, mapped))`, aligned to `layout.align()`
// (`bump::place`), and never hands out a byte twice while it is live (the cursor only
// moves down over the most recent block, when that block is freed or shrunk).
unsafe impl<const HEAP_SIZE: usize> GlobalAlloc for TosAllocator<HEAP_SIZE> {
    #[inline(always)]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match self.header() {
            Some(h) => heap::alloc(h, &VmHeap::<HEAP_SIZE>, layout),
            None => core::ptr::null_mut(),
        }
    }

    #[inline(always)]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if let Some(h) = self.header() {
            heap::dealloc(h, ptr, layout)
        }
    }

    #[inline(always)]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        match self.header() {
            Some(h) => heap::alloc_zeroed(h, &VmHeap::<HEAP_SIZE>, layout),
            None => core::ptr::null_mut(),
        }
    }

    #[inline(always)]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        match self.header() {
            // SAFETY: forwarded `GlobalAlloc::realloc` contract.
            Some(h) => unsafe { heap::realloc(h, &VmHeap::<HEAP_SIZE>, ptr, layout, new_size) },
            None => core::ptr::null_mut(),
        }
    }
}
