//! [`PoolHeap`]: the pool over a host byte slice.

use super::{Pool, POOL_HEADER_SIZE};

/// A pool over a host byte slice: the VM's `PoolAllocator` logic, for tests.
#[cfg(not(loom))]
pub type PoolHeap<'a> = Pool<crate::HostRegion<'a>>;

#[cfg(not(loom))]
impl<'a> Pool<crate::HostRegion<'a>> {
    /// A pool over all of `region` (zero-filled first), set up at once.
    pub fn over(region: &'a mut [u8]) -> Result<Self, crate::RegionError> {
        let len = region.len();
        let too_small = crate::RegionError::TooSmall {
            len,
            needed: crate::HEADER_SIZE + POOL_HEADER_SIZE,
        };
        let host = crate::HostRegion::new(region, len)?;
        // `Pool::new`'s requirement: the pool header's bytes are inside the region (Miri
        // caught `ready_up` reading it past the end of a 128-byte region).
        if !host.holds_after_header(POOL_HEADER_SIZE) {
            return Err(too_small);
        }
        let pool = Pool::new(host);
        if !pool.ready_up() {
            return Err(too_small);
        }
        Ok(pool)
    }
}
