//! The VM heap: the region at `MM_HEAP_START`. Every VM (TOS's executor, the local VM)
//! maps at least `DEFAULT_HEAP_SIZE` (32 KiB) there, so a heap ends at the smaller of
//! that and its declared size without asking anything; a heap declared larger asks the VM
//! with `get_heap_region` how much it mapped, once, when a block would pass 32 KiB. The
//! contract's writable statics come first in the region: the heap starts after them, at
//! [`tako_abi::heap_start`], so it is smaller by exactly their size. Only on the BPF target.

use core::alloc::{GlobalAlloc, Layout};

use crate::bump;
use crate::header::{Header, Stats, HEADER_SIZE};
use crate::region::Region;
use crate::reuse::{Reuse, Rewind};
use crate::{Heap, TosAllocator};

const BASE: usize = tako_abi::MM_HEAP_START as usize;
// The bump fast path needs every heap end at or below `MAX_END`.
const _: () = assert!(BASE + crate::MAX_HEAP_SIZE <= bump::MAX_END);
// The bump header keeps its constant place at `MM_HEAP_START`; the linker puts the
// statics after the bytes the ABI keeps for it, and `STATICS_RESERVE` bytes free after them.
const _: () = assert!(HEADER_SIZE == tako_abi::HEAP_HEADER_SIZE as usize);
const _: () = assert!(HEADER_SIZE <= tako_abi::STATICS_RESERVE as usize);

/// The heap's first free byte after its header and the contract's statics
/// (`MM_HEAP_START + HEADER_SIZE` without statics; 8-aligned, at most 32 KiB − 256 past
/// `MM_HEAP_START`: the linker guarantees both).
#[inline(always)]
fn start() -> usize {
    tako_abi::heap_start() as usize
}

/// The bump header's address through [`opaque_in`], for the code inlined at every
/// allocation and free ([`Region::inline_header`]): register `r1`. It is live there for
/// a few instructions; `r1`..`r5` are free between the caller's calls, which clobber
/// them, while a callee-saved register (`r6`..`r9`) often holds a value the caller keeps
/// across calls, which the pinned address would move or spill. Measured on every register
/// (allocator/BENCHMARKS.md): `r1` is the cheapest on the map and collection workloads.
#[inline(always)]
fn opaque_inline(x: usize) -> usize {
    opaque_in!("r1", x)
}

/// The bump header's address through [`opaque_in`] everywhere else (`realloc`, a
/// growing heap's allocation, the slow path, the statistics): register `r7`, the one that
/// keeps a `Vec` push loop at its fewest instructions beside the inlined paths' `r1`.
#[inline(always)]
fn opaque(x: usize) -> usize {
    opaque_in!("r7", x)
}

/// The VM's heap region, declared `HEAP` bytes long. Zero-sized.
#[derive(Debug, Clone, Copy)]
pub struct VmRegion<const HEAP: usize>;

// SAFETY: every VM maps at least `MIN_HEAP_SIZE` (32 KiB) zero-filled bytes at
// `MM_HEAP_START` for each run; the header takes the first `HEADER_SIZE`, the statics the
// bytes up to `start()` (8-aligned, with at least `STATICS_RESERVE` bytes mapped after
// it), and nothing else uses the header or the bytes from `start()` on;
// `learn_end` never passes 32 KiB and `grow_end` never passes the size the VM reports
// mapped (`get_heap_region`); the VM runs one thread, so the lazy initialisation has no
// race.
unsafe impl<const HEAP: usize> Region for VmRegion<HEAP> {
    #[inline(always)]
    fn header(&self) -> &Header {
        // SAFETY: `MM_HEAP_START` is 8-aligned, mapped, readable and writable; the header
        // is its first `HEADER_SIZE` bytes (no static lives there) and all-zero bytes are a
        // valid `Header`.
        unsafe { &*core::ptr::with_exposed_provenance::<Header>(opaque(BASE)) }
    }

    #[inline(always)]
    fn inline_header(&self) -> &Header {
        // SAFETY: as for `header`: the same address.
        unsafe { &*core::ptr::with_exposed_provenance::<Header>(opaque_inline(BASE)) }
    }

    #[inline(always)]
    fn data_start(&self) -> usize {
        start()
    }

    #[inline(always)]
    fn learn_end(&self) -> usize {
        if HEAP >= MIN_HEAP {
            // 32 KiB past `MM_HEAP_START`, at least `STATICS_RESERVE` past `start()`
            // (the linker's bound on the statics), so past `data_start()`: a constant.
            bump::heap_end(BASE, BASE, HEAP, MIN_HEAP)
        } else {
            bump::heap_end(BASE, self.data_start(), HEAP, MIN_HEAP)
        }
    }

    /// Only a heap declared past the 32 KiB every VM maps can grow.
    const MAY_GROW: bool = HEAP > MIN_HEAP;

    #[inline(always)]
    fn settled_end(&self) -> usize {
        if Self::MAY_GROW {
            self.header().end.load(crate::sync::ordering::Relaxed)
        } else {
            // The end the header was set up with: a constant.
            self.learn_end()
        }
    }

    #[inline(always)]
    fn grow_end(&self, end: usize) -> Option<usize> {
        // Only a heap declared past what every VM maps, still at that first end, asks.
        if !Self::MAY_GROW || end != self.learn_end() {
            return None;
        }
        Some(bump::heap_end(
            BASE,
            self.data_start(),
            HEAP,
            mapped_heap_size(),
        ))
    }

    #[inline(always)]
    fn pointer(&self, addr: usize) -> *mut u8 {
        core::ptr::with_exposed_provenance_mut(addr)
    }
}

/// The heap every VM maps (TOS's 32 KiB), assumed without asking.
const MIN_HEAP: usize = tako_abi::MIN_HEAP_SIZE as usize;
const _: () = assert!(MIN_HEAP.is_multiple_of(bump::GRANULE) && MIN_HEAP > HEADER_SIZE);

/// The size of the heap the VM mapped for this run, from the `get_heap_region` syscall
/// (50 CU). A heap that starts elsewhere than `MM_HEAP_START` (no VM does) counts as the
/// 32 KiB every VM maps.
#[inline(never)]
#[cold]
pub fn mapped_heap_size() -> usize {
    let mut start = 0u64;
    let mut size = 0u64;
    // SAFETY: two writable `u64`s on the stack for the duration of the call; the VM
    // writes the heap's start and size there.
    unsafe {
        tako_abi::sys::get_heap_region(&mut start as *mut u64 as u64, &mut size as *mut u64 as u64);
    }
    if start != tako_abi::MM_HEAP_START {
        return MIN_HEAP;
    }
    size as usize
}

/// The VM's whole mapped heap after the contract's statics as one byte slice, for a
/// contract that manages the heap itself (e.g. lends it to a [`crate::slab::Slab`]) and
/// has no global allocator. It runs from [`tako_abi::heap_start`] to the end of what the
/// VM really mapped ([`mapped_heap_size`]), capped at [`crate::MAX_HEAP_SIZE`]; the bytes
/// are zero at the start of the run.
///
/// # Safety
/// - Nothing else uses the VM heap during the run: no `#[global_allocator]` over it
///   ([`TosAllocator`] or the strategies of this crate, whose headers live there), no
///   other pointer into it.
/// - It is called at most once per run: two calls would hand out aliasing `&mut` slices.
pub unsafe fn vm_heap_bytes() -> &'static mut [u8] {
    let mapped = mapped_heap_size();
    // Without statics the whole heap; with them, what follows them.
    let from = if start() == BASE + HEADER_SIZE {
        BASE
    } else {
        start()
    };
    let statics = from - BASE;
    let len = mapped.min(crate::MAX_HEAP_SIZE).saturating_sub(statics);
    // SAFETY: the VM maps `mapped` bytes at `MM_HEAP_START` (non-null, 8-aligned),
    // zero-filled, readable and writable, for the whole run (so for `'static` as the
    // contract sees it); the statics take the first `statics` of them, so the `len` bytes
    // from `from` are mapped and no static lives there, and `len <= mapped <=
    // isize::MAX`. The caller guarantees that nothing else refers to them and that this is
    // the only slice over them.
    unsafe { core::slice::from_raw_parts_mut(core::ptr::with_exposed_provenance_mut(from), len) }
}

impl<const HEAP: usize, P: Reuse> TosAllocator<HEAP, P> {
    #[inline(always)]
    const fn heap(&self) -> Heap<VmRegion<HEAP>, P> {
        Heap::new(VmRegion)
    }

    /// The heap's statistics (see [`Stats`]).
    pub fn stats(&self) -> Stats {
        self.heap().stats()
    }
}

/// The VM heap's statistics, whatever size the allocator was declared with.
pub fn stats() -> Stats {
    // The statistics read the header alone, the same under every policy.
    Heap::<_, Rewind>::new(VmRegion::<{ crate::DEFAULT_HEAP_SIZE }>).stats()
}

// SAFETY: delegates to `Heap`, whose `GlobalAlloc` implementation holds over any `Region`.
unsafe impl<const HEAP: usize, P: Reuse> GlobalAlloc for TosAllocator<HEAP, P> {
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
