//! The heap over a caller-provided region of host memory: how the allocation logic is
//! exercised on the host, by many threads at once.

use core::fmt;
use core::marker::PhantomData;

use core::alloc::Layout;

use crate::bump::{self, GRANULE};
use crate::header::{Header, HEADER_SIZE};
use crate::heap::count_allocation;
use crate::region::Region;
use crate::reuse::Reuse;
use crate::sync::ordering::Relaxed;
use crate::Heap;

/// A [`Heap`] over a borrowed byte slice: the host twin of the VM's `TosAllocator`,
/// running the same allocation code. `Sync`: threads may share it.
pub type TosHeap<'a> = Heap<HostRegion<'a>>;

/// Why a byte slice cannot hold a heap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionError {
    /// The slice, once its start is aligned to 8 bytes, has no room for the header.
    TooSmall {
        /// Length of the slice given.
        len: usize,
        /// Bytes needed for the header (plus up to 7 bytes of alignment).
        needed: usize,
    },
    /// The slice ends above [`bump::MAX_END`](crate::bump::MAX_END) (`isize::MAX`), past
    /// the addresses the bump fast path's arithmetic supports. No platform Rust runs on
    /// places memory there; the check makes the fast path's no-overflow argument hold.
    AddressTooHigh {
        /// One past the slice's last address.
        end: usize,
    },
}

impl fmt::Display for RegionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegionError::TooSmall { len, needed } => write!(
                f,
                "a heap region of {len} bytes cannot hold the {needed}-byte allocator header"
            ),
            RegionError::AddressTooHigh { end } => write!(
                f,
                "a heap region ending at {end:#x} is above the highest heap end the allocator supports ({:#x})",
                crate::bump::MAX_END
            ),
        }
    }
}

impl core::error::Error for RegionError {}

/// A borrowed, zero-filled byte slice with the heap header at its (8-aligned) start.
#[derive(Debug)]
pub struct HostRegion<'a> {
    /// The 8-aligned start of the region: the header, then the blocks.
    base: *mut u8,
    /// Usable bytes from `base`.
    len: usize,
    /// The heap size the region was declared with (the end is the smaller of the two).
    declared: usize,
    _region: PhantomData<&'a mut [u8]>,
}

// SAFETY: the region is borrowed exclusively for 'a; shared access goes through the
// header's atomics, and the blocks the heap hands out never overlap, so threads never
// touch the same bytes except through those atomics.
unsafe impl Send for HostRegion<'_> {}
// SAFETY: as above.
unsafe impl Sync for HostRegion<'_> {}

impl<'a> HostRegion<'a> {
    /// Takes `region` for a heap: zero-fills it (the zero-skipping `alloc_zeroed` relies
    /// on never-used memory being zero) and places an initialised header at its first
    /// 8-aligned byte.
    /// The heap is the smaller of `declared` bytes and what the slice holds, as in the VM
    /// (declared heap size versus mapped heap size).
    pub fn new(region: &'a mut [u8], declared: usize) -> Result<Self, RegionError> {
        let len = region.len();
        let needed = HEADER_SIZE;
        let skip = region
            .as_ptr()
            .align_offset(GRANULE.max(align_of::<Header>()));
        if skip > len || len - skip < needed {
            return Err(RegionError::TooSmall { len, needed });
        }
        below_max_end(region.as_ptr().addr(), len)?;
        region.fill(0);
        let region = &mut region[skip..];
        let this = HostRegion {
            base: region.as_mut_ptr(),
            len: region.len(),
            declared,
            _region: PhantomData,
        };
        // Initialised here, while the region is still exclusively ours: a heap over it
        // never sees a fresh header, so it can be shared at once.
        this.header()
            .initialise(this.data_start(), this.learn_end());
        Ok(this)
    }
}

impl HostRegion<'_> {
    /// Whether the region holds `bytes` after the bump header (`data_start() + bytes` is
    /// inside it). The pool and first-fit heaps read their own header there before they
    /// carve it, so their host constructors check this first.
    pub(crate) fn holds_after_header(&self, bytes: usize) -> bool {
        self.learn_end() - self.data_start() >= bytes
    }
}

// SAFETY: `base` is 8-aligned (checked in `new`) and the region is exclusively borrowed,
// zero-filled, at least `HEADER_SIZE` bytes long; `learn_end` stays inside it; pointers
// are derived from `base`, keeping its provenance over the whole slice; the header is
// initialised in `new`, before any heap over the region exists.
unsafe impl Region for HostRegion<'_> {
    #[inline(always)]
    fn header(&self) -> &Header {
        // SAFETY: `base` is aligned for `Header` and the first `HEADER_SIZE` bytes of the
        // region belong to the header alone; all-zero bytes are a valid `Header` (atomics).
        unsafe { &*self.base.cast::<Header>() }
    }

    #[inline(always)]
    fn data_start(&self) -> usize {
        self.base.addr() + HEADER_SIZE
    }

    fn learn_end(&self) -> usize {
        bump::heap_end(self.base.addr(), self.data_start(), self.declared, self.len)
    }

    /// All of its memory is known at once.
    const MAY_GROW: bool = false;

    #[inline(always)]
    fn pointer(&self, addr: usize) -> *mut u8 {
        self.base.with_addr(addr)
    }
}

impl<'a, P: Reuse> Heap<HostRegion<'a>, P> {
    /// A heap over all of `region` (zero-filled first), initialised and ready to share.
    pub fn over(region: &'a mut [u8]) -> Result<Self, RegionError> {
        let len = region.len();
        Self::over_declared(region, len)
    }

    /// A heap over `region` declared with `declared` bytes: it uses the smaller of the two,
    /// as the VM heap uses the smaller of the declared and the mapped size.
    pub fn over_declared(region: &'a mut [u8], declared: usize) -> Result<Self, RegionError> {
        Ok(Heap::new(HostRegion::new(region, declared)?))
    }

    /// [`alloc`](Heap::alloc) for a heap no other thread can reach: `&mut self` is the
    /// proof (a `HostRegion` is neither `Clone` nor `Copy` and borrows its slice
    /// exclusively, so no other heap shares this header while the borrow lasts), so the
    /// cursor moves by a load and a store instead of a compare-and-swap. Same blocks, same
    /// failures, same statistics as `alloc`; the two can be mixed freely.
    ///
    /// ```
    /// # use core::alloc::Layout;
    /// let mut region = vec![0u8; 4096];
    /// let mut heap = tos_alloc::TosHeap::over(&mut region)?;
    /// let a = heap.alloc_mut(Layout::new::<u64>());
    /// let b = heap.alloc(Layout::new::<u64>());
    /// assert_eq!(b.addr() - a.addr(), 8);
    /// # Ok::<(), tos_alloc::RegionError>(())
    /// ```
    #[inline]
    pub fn alloc_mut(&mut self, layout: Layout) -> *mut u8 {
        if layout.align() <= GRANULE {
            let h = self.region().header();
            let cursor = h.cursor.load(Relaxed);
            // The header was initialised in `HostRegion::new`: `bump_small`'s
            // requirements hold.
            if let Some(new) = bump::bump_small(cursor, h.end.load(Relaxed), layout.size()) {
                h.cursor.store(new, Relaxed);
                count_allocation(h);
                return self.region().pointer(cursor);
            }
        }
        // Alignments above the granule and failure: the shared path, which is also
        // correct for one thread.
        self.alloc(layout)
    }
}

/// Refuses a region at `start` of `len` bytes that ends above [`bump::MAX_END`]
/// (`crate::bump::MAX_END`), where the bump fast path's no-overflow argument stops holding.
fn below_max_end(start: usize, len: usize) -> Result<(), RegionError> {
    let end = start.saturating_add(len);
    if end > crate::bump::MAX_END {
        return Err(RegionError::AddressTooHigh { end });
    }
    Ok(())
}

#[cfg(all(test, not(loom)))]
mod tests {
    extern crate std;
    use super::*;
    use std::string::ToString;

    #[test]
    fn a_region_ending_above_max_end_is_refused_with_its_end() {
        let max = crate::bump::MAX_END;
        assert_eq!(below_max_end(max - 4096, 4096), Ok(()));
        assert_eq!(
            below_max_end(max - 4096, 4097),
            Err(RegionError::AddressTooHigh { end: max + 1 })
        );
        let err = below_max_end(usize::MAX - 8, 64).unwrap_err();
        assert_eq!(err, RegionError::AddressTooHigh { end: usize::MAX });
        assert_eq!(
            err.to_string(),
            "a heap region ending at 0xffffffffffffffff is above the highest heap end the \
             allocator supports (0x7ffffffffffffff8)"
        );
    }
}
