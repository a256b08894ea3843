//! Allocators from crates.io that a contract author would pick instead, wrapped so that
//! their state lives in a header at the heap start (the loader forbids writable statics):
//! `talc` (`Talc<Manual, DefaultBinning>`), `linked_list_allocator` (`Heap`, first fit),
//! `rlsf` (`Tlsf<u16, u16, 12, 16>`, TLSF) and `embedded-alloc` (`LlffHeap`: the whole heap
//! object, critical-section `Mutex` included, in the header). All manage the default 32 KiB heap, initialised on the first call (the VM's zero-filled
//! heap makes a zero `ready` word mean "not yet").

use core::alloc::{GlobalAlloc, Layout};
#[cfg(any(feature = "talc", feature = "linked-list-allocator", feature = "rlsf"))]
use core::ptr::null_mut;

const HEAP_START: usize = tako_sdk::MM_HEAP_START as usize;
const HEAP_LEN: usize = tako_sdk::DEFAULT_HEAP_SIZE as usize;

/// The header at the heap start: a `ready` word, then the allocator's own state.
#[repr(C)]
struct InHeap<T> {
    ready: u64,
    state: T,
}

/// Returns the allocator state in the heap header, creating it on first use with `init`,
/// which gets the state and the rest of the heap (after the header).
///
/// # Safety
/// The heap region is mapped, zero-filled at start, and used only through this function
/// (one header type per build); the VM runs one thread, so the `&mut` is unique.
unsafe fn state<T>(new: fn() -> T, init: unsafe fn(&mut T, *mut u8, usize)) -> &'static mut T {
    let header = HEAP_START as *mut InHeap<T>;
    // SAFETY: the header lies at the start of the mapped heap, suitably aligned (the heap
    // start is page-aligned) and owned by this module.
    let header = unsafe { &mut *header };
    if header.ready == 0 {
        let size = core::mem::size_of::<InHeap<T>>();
        // SAFETY: writes a valid value over the zero-filled header without reading it.
        unsafe { core::ptr::write(&mut header.state, new()) };
        // SAFETY: the memory after the header is unused heap that nothing else touches.
        unsafe {
            init(
                &mut header.state,
                (HEAP_START + size) as *mut u8,
                HEAP_LEN - size,
            )
        };
        header.ready = 1;
    }
    &mut header.state
}

#[cfg(feature = "talc")]
mod talc_peer {
    use super::*;
    use talc::base::Talc;
    use talc::source::Manual;
    use talc::DefaultBinning;

    type State = Talc<Manual, DefaultBinning>;

    fn new() -> State {
        Talc::new(Manual)
    }

    unsafe fn init(talc: &mut State, base: *mut u8, size: usize) {
        // SAFETY: `base..base + size` is unused heap owned by the allocator from now on.
        // A failed claim leaves an empty allocator: every allocation then returns null.
        let _ = unsafe { talc.claim(base, size) };
    }

    /// `talc` over the default heap.
    pub struct TalcInHeap;

    // SAFETY: talc hands out disjoint, aligned blocks from the memory it claimed, which is
    // the heap after the header; `state` gives it unique access in the single-threaded VM.
    unsafe impl GlobalAlloc for TalcInHeap {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            // SAFETY: see `state`; `layout.size()` is non-zero (GlobalAlloc contract).
            unsafe { state(new, init).allocate(layout) }.map_or(null_mut(), |p| p.as_ptr())
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            // SAFETY: `ptr` came from `alloc` with `layout`.
            unsafe { state(new, init).deallocate(ptr, layout) }
        }

        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            // SAFETY: `ptr` came from `alloc` with `layout`; `new_size` is non-zero.
            if unsafe { state(new, init).try_realloc_in_place(ptr, layout, new_size) } {
                return ptr;
            }
            // SAFETY: the GlobalAlloc contract of realloc holds for the default path.
            let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
            // SAFETY: as `alloc`.
            let new_ptr = unsafe { self.alloc(new_layout) };
            if !new_ptr.is_null() {
                // SAFETY: both blocks are live, disjoint and at least `min` bytes long.
                unsafe {
                    core::ptr::copy_nonoverlapping(ptr, new_ptr, layout.size().min(new_size));
                    self.dealloc(ptr, layout);
                }
            }
            new_ptr
        }
    }
}

#[cfg(feature = "talc")]
pub use talc_peer::TalcInHeap;

#[cfg(feature = "linked-list-allocator")]
mod lla_peer {
    use super::*;
    use linked_list_allocator::Heap;

    fn new() -> Heap {
        Heap::empty()
    }

    unsafe fn init(heap: &mut Heap, base: *mut u8, size: usize) {
        // SAFETY: `base..base + size` is unused heap owned by the allocator from now on.
        unsafe { heap.init(base, size) }
    }

    /// `linked_list_allocator::Heap` (first fit) over the default heap.
    pub struct LinkedListInHeap;

    // SAFETY: the heap hands out disjoint, aligned blocks from the memory it was given,
    // which is the heap after the header; `state` gives it unique access in the VM.
    unsafe impl GlobalAlloc for LinkedListInHeap {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            // SAFETY: see `state`.
            let heap = unsafe { state(new, init) };
            heap.allocate_first_fit(layout)
                .map_or(null_mut(), |p| p.as_ptr())
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            // SAFETY: see `state`; `ptr` came from `alloc` with `layout`, so it is non-null.
            unsafe { state(new, init).deallocate(core::ptr::NonNull::new_unchecked(ptr), layout) }
        }
    }

    /// Bytes the heap has handed out and not yet taken back.
    pub fn used() -> u64 {
        // SAFETY: see `state`.
        unsafe { state(new, init) }.used() as u64
    }
}

#[cfg(feature = "linked-list-allocator")]
pub use lla_peer::{used as linked_list_used, LinkedListInHeap};

#[cfg(feature = "rlsf")]
mod rlsf_peer {
    use super::*;
    use core::ptr::NonNull;
    use rlsf::Tlsf;

    /// The parameters of rlsf's README example: blocks up to `32 << 12` bytes (64-bit
    /// granularity 32), 16 second-level lists; 1.5 KiB of free-list heads.
    type State = Tlsf<'static, u16, u16, 12, 16>;

    fn new() -> State {
        Tlsf::new()
    }

    unsafe fn init(tlsf: &mut State, base: *mut u8, size: usize) {
        let pool = NonNull::slice_from_raw_parts(
            // SAFETY: `base` is inside the mapped heap, so it is not null.
            unsafe { NonNull::new_unchecked(base) },
            size,
        );
        // SAFETY: `base..base + size` is unused heap owned by the allocator from now on and
        // lives as long as the program. A pool too small leaves the allocator empty.
        let _ = unsafe { tlsf.insert_free_block_ptr(pool) };
    }

    /// `rlsf::Tlsf` over the default heap.
    pub struct RlsfInHeap;

    // SAFETY: TLSF hands out disjoint, aligned blocks from the pool it was given, which is
    // the heap after the header; `state` gives it unique access in the single-threaded VM.
    unsafe impl GlobalAlloc for RlsfInHeap {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            // SAFETY: see `state`.
            unsafe { state(new, init) }
                .allocate(layout)
                .map_or(null_mut(), |p| p.as_ptr())
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            // SAFETY: see `state`; `ptr` came from `alloc` with `layout`, so it is non-null
            // and was allocated with `layout.align()`.
            unsafe { state(new, init).deallocate(NonNull::new_unchecked(ptr), layout.align()) }
        }

        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            // SAFETY: the GlobalAlloc contract of realloc: `new_size` rounded to the
            // alignment does not overflow `isize`.
            let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
            // SAFETY: see `state`; `ptr` came from `alloc` with the same alignment. On
            // failure rlsf leaves the old block allocated, as realloc must.
            unsafe { state(new, init).reallocate(NonNull::new_unchecked(ptr), new_layout) }
                .map_or(null_mut(), |p| p.as_ptr())
        }
    }
}

#[cfg(feature = "rlsf")]
pub use rlsf_peer::RlsfInHeap;

#[cfg(feature = "embedded-alloc")]
mod embedded_alloc_peer {
    use super::*;
    use embedded_alloc::LlffHeap;

    /// critical-section's implementation for the VM: one thread and no interrupts, so a
    /// critical section needs no work (no state, hence no writable static).
    struct SingleThread;

    // SAFETY: the VM runs the program on one thread and never interrupts it, so nothing can
    // run between `acquire` and `release` except the critical section itself.
    unsafe impl critical_section::Impl for SingleThread {
        unsafe fn acquire() -> critical_section::RawRestoreState {}
        unsafe fn release(_: critical_section::RawRestoreState) {}
    }

    critical_section::set_impl!(SingleThread);

    fn new() -> LlffHeap {
        LlffHeap::empty()
    }

    unsafe fn init(heap: &mut LlffHeap, base: *mut u8, size: usize) {
        // SAFETY: `base..base + size` is unused heap owned by the allocator from now on;
        // `state` calls this once (the `ready` word), as `init` requires.
        unsafe { heap.init(base as usize, size) }
    }

    /// `embedded_alloc::LlffHeap` (linked_list_allocator behind a critical-section
    /// `Mutex<RefCell<_>>`) over the default heap, the whole object in the heap header.
    pub struct EmbeddedAllocInHeap;

    // SAFETY: delegates to `LlffHeap`'s own GlobalAlloc over the heap after the header;
    // `state` gives it the one heap object, initialised once.
    unsafe impl GlobalAlloc for EmbeddedAllocInHeap {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            // SAFETY: see `state`; the GlobalAlloc contract holds for the caller's `layout`.
            unsafe { GlobalAlloc::alloc(state(new, init), layout) }
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            // SAFETY: see `state`; `ptr` came from `alloc` with `layout`.
            unsafe { GlobalAlloc::dealloc(state(new, init), ptr, layout) }
        }
    }

    /// Bytes the heap has handed out and not yet taken back (`LlffHeap::used`).
    pub fn used() -> u64 {
        // SAFETY: see `state`.
        unsafe { state(new, init) }.used() as u64
    }
}

#[cfg(feature = "embedded-alloc")]
pub use embedded_alloc_peer::{used as embedded_alloc_used, EmbeddedAllocInHeap};
