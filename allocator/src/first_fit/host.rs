//! [`FirstFitHeap`]: the first-fit logic over a host byte slice.

use super::{FirstFit, FIRST_FIT_HEADER_SIZE};

/// A first-fit heap over a host byte slice: the VM's `FirstFitAllocator` logic, for tests.
#[cfg(not(loom))]
pub type FirstFitHeap<'a, const L: usize, const B: usize> = FirstFit<crate::HostRegion<'a>, L, B>;

#[cfg(not(loom))]
impl<'a, const L: usize, const B: usize> FirstFit<crate::HostRegion<'a>, L, B> {
    /// A first-fit heap over all of `region` (zero-filled first), set up at once.
    pub fn over(region: &'a mut [u8]) -> Result<Self, crate::RegionError> {
        let len = region.len();
        let too_small = crate::RegionError::TooSmall {
            len,
            needed: crate::HEADER_SIZE + FIRST_FIT_HEADER_SIZE + B,
        };
        let host = crate::HostRegion::new(region, len)?;
        // `FirstFit::new`'s requirement: the header's bytes are inside the region.
        if !host.holds_after_header(FIRST_FIT_HEADER_SIZE) {
            return Err(too_small);
        }
        let ff = FirstFit::new(host);
        if !ff.ready_up() {
            return Err(too_small);
        }
        Ok(ff)
    }
}
