//! The VM heap: the region at `MM_HEAP_START`, sized by the smaller of the declared heap
//! size and the one the VM really mapped (read from the environment region on the first
//! allocation). Only on the BPF target.

use core::alloc::{GlobalAlloc, Layout};

use crate::bump;
use crate::header::{Header, Stats, HEADER_SIZE};
use crate::region::Region;
use crate::{Heap, TosAllocator};

const BASE: usize = tako_abi::MM_HEAP_START as usize;
// The bump fast path needs every heap end at or below `MAX_END`.
const _: () = assert!(BASE + crate::MAX_HEAP_SIZE <= bump::MAX_END);

/// The bump header's address through [`opaque_in`] (register `r6`).
#[inline(always)]
fn opaque(x: usize) -> usize {
    opaque_in!("r6", x)
}

/// The VM's heap region, declared `HEAP` bytes long. Zero-sized.
#[derive(Debug, Clone, Copy)]
pub struct VmRegion<const HEAP: usize>;

// SAFETY: the VM maps at least `MIN_HEAP_SIZE` (1 KiB, more than `HEADER_SIZE`) zero-filled
// bytes at `MM_HEAP_START` for each run and nothing else uses them; `learn_end` never
// passes the mapped size (the VM's own figure, in a region the contract cannot write); the
// VM runs one thread, so the lazy initialisation has no race.
unsafe impl<const HEAP: usize> Region for VmRegion<HEAP> {
    #[inline(always)]
    fn header(&self) -> &Header {
        // SAFETY: `MM_HEAP_START` is 8-aligned, mapped, readable and writable; the header
        // is its first `HEADER_SIZE` bytes and all-zero bytes are a valid `Header`.
        unsafe { &*core::ptr::with_exposed_provenance::<Header>(opaque(BASE)) }
    }

    #[inline(always)]
    fn data_start(&self) -> usize {
        BASE + HEADER_SIZE
    }

    #[inline(always)]
    fn learn_end(&self) -> usize {
        bump::heap_end(BASE, BASE + HEADER_SIZE, HEAP, mapped_heap_size())
    }

    #[inline(always)]
    fn pointer(&self, addr: usize) -> *mut u8 {
        core::ptr::with_exposed_provenance_mut(addr)
    }
}

/// The smallest heap the VM maps.
const MIN_HEAP: usize = tako_abi::MIN_HEAP_SIZE as usize;
const _: () = assert!(MIN_HEAP.is_multiple_of(bump::GRANULE) && MIN_HEAP > HEADER_SIZE);

/// The size of the heap the VM mapped for this run, from the environment region
/// ([`tako_abi::Env::heap_size`]): one load, where the `tako_heap_size` syscall costs 100 CU.
#[inline(always)]
pub fn mapped_heap_size() -> usize {
    const AT: u64 = tako_abi::MM_ENV_START + tako_abi::Env::HEAP_SIZE_OFFSET;
    // SAFETY: the VM maps the environment region, read-only and 8-aligned, at
    // `MM_ENV_START` for the whole run, with the heap size as a `u64` at this offset; the
    // contract cannot write it, so a plain read sees the VM's figure.
    unsafe { core::ptr::with_exposed_provenance::<u64>(AT as usize).read() as usize }
}

/// The VM's whole mapped heap as one byte slice, for a contract that manages the heap
/// itself (e.g. lends it to a [`crate::slab::Slab`]) and has no global allocator. The
/// length is the size the VM really mapped ([`mapped_heap_size`]), capped at
/// [`crate::MAX_HEAP_SIZE`]; the bytes are zero at the start of the run.
///
/// # Safety
/// - Nothing else uses the VM heap during the run: no `#[global_allocator]` over it
///   ([`TosAllocator`] or the strategies of this crate, whose headers live there), no
///   other pointer into it.
/// - It is called at most once per run: two calls would hand out aliasing `&mut` slices.
pub unsafe fn vm_heap_bytes() -> &'static mut [u8] {
    let mapped = mapped_heap_size();
    let len = mapped.min(crate::MAX_HEAP_SIZE);
    // SAFETY: the VM maps `mapped` bytes at `MM_HEAP_START` (non-null, 8-aligned),
    // zero-filled, readable and writable, for the whole run (so for `'static` as the
    // contract sees it), and `len <= mapped <= isize::MAX`. The caller guarantees that
    // nothing else refers to them and that this is the only slice over them.
    unsafe { core::slice::from_raw_parts_mut(core::ptr::with_exposed_provenance_mut(BASE), len) }
}

impl<const HEAP: usize> TosAllocator<HEAP> {
    #[inline(always)]
    const fn heap(&self) -> Heap<VmRegion<HEAP>> {
        Heap::new(VmRegion)
    }

    /// The heap's statistics (see [`Stats`]).
    pub fn stats(&self) -> Stats {
        self.heap().stats()
    }
}

/// The VM heap's statistics, whatever size the allocator was declared with.
pub fn stats() -> Stats {
    Heap::new(VmRegion::<{ crate::DEFAULT_HEAP_SIZE }>).stats()
}

// SAFETY: delegates to `Heap`, whose `GlobalAlloc` implementation holds over any `Region`.
unsafe impl<const HEAP: usize> GlobalAlloc for TosAllocator<HEAP> {
    #[inline(always)]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        self.heap().alloc(layout)
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        self.heap().alloc_zeroed(layout)
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded from the caller.
        unsafe { self.heap().dealloc(ptr, layout) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded from the caller.
        unsafe { self.heap().realloc(ptr, layout, new_size) }
    }
}
