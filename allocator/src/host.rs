//! [`HostHeap`]: the same allocator placed over a caller-provided region, shareable between
//! threads. This is how the host tests (property tests, threads, Miri) exercise the exact
//! code the VM runs, including the CAS path.

use core::alloc::{GlobalAlloc, Layout};
use core::marker::PhantomData;
use core::ptr::NonNull;

use crate::header::{Header, Stats, HEADER_SIZE};
use crate::heap::{self, Region};

/// Why a region cannot hold a heap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionError {
    /// The region is not aligned to 8 bytes.
    Misaligned,
    /// The region cannot hold the header.
    TooSmall,
}

impl core::fmt::Display for RegionError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            RegionError::Misaligned => write!(f, "the heap region must be aligned to 8 bytes"),
            RegionError::TooSmall => {
                write!(f, "the heap region must hold the {HEADER_SIZE}-byte header")
            }
        }
    }
}

/// A bump heap over a borrowed region. `Sync`: threads may allocate from one `HostHeap`
/// concurrently (lock-free).
#[derive(Debug)]
pub struct HostHeap<'a> {
    base: usize,
    len: usize,
    _region: PhantomData<&'a mut [u8]>,
}

impl<'a> HostHeap<'a> {
    /// Places a fresh heap over `region` (zeroing it, as the VM hands over a zeroed heap).
    pub fn new(region: &'a mut [u8]) -> Result<Self, RegionError> {
        if !(region.as_ptr() as usize).is_multiple_of(core::mem::align_of::<Header>()) {
            return Err(RegionError::Misaligned);
        }
        if region.len() < HEADER_SIZE {
            return Err(RegionError::TooSmall);
        }
        region.fill(0);
        Ok(HostHeap {
            base: region.as_mut_ptr() as usize,
            len: region.len(),
            _region: PhantomData,
        })
    }

    fn header(&self) -> &Header {
        // SAFETY: `new` checked that the region is aligned for `Header` and holds it; the
        // region is borrowed mutably for 'a, so only this heap accesses it, and the header
        // is only accessed through atomics.
        unsafe { &*(self.base as *const Header) }
    }

    /// Allocates `layout`; `None` when the region is used up.
    pub fn allocate(&self, layout: Layout) -> Option<NonNull<u8>> {
        NonNull::new(heap::alloc(self.header(), self, layout))
    }

    /// The heap's figures.
    pub fn stats(&self) -> Stats {
        heap::stats(self.header(), self.base)
    }

    /// Address range of the region, for tests that check bounds.
    pub fn bounds(&self) -> (usize, usize) {
        (self.base, self.base + self.len)
    }
}

impl Region for HostHeap<'_> {
    fn base(&self) -> usize {
        self.base
    }
    fn declared(&self) -> usize {
        self.len
    }
    fn mapped(&self) -> usize {
        self.len
    }
}

// SAFETY: as for `TosAllocator`: blocks lie in `[base + HEADER_SIZE, base + len)`, aligned,
// and no live byte is handed out twice; the region is exclusively borrowed by this heap.
unsafe impl GlobalAlloc for HostHeap<'_> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        heap::alloc(self.header(), self, layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        heap::dealloc(self.header(), ptr, layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        heap::alloc_zeroed(self.header(), self, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded `GlobalAlloc::realloc` contract.
        unsafe { heap::realloc(self.header(), self, ptr, layout, new_size) }
    }
}
