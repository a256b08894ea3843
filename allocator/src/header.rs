//! The allocator's state: a small header at the start of the heap region. The VM hands
//! over a zero-filled heap, so an all-zero header means "fresh": no writable static is
//! needed (the loader refuses them), and the `#[global_allocator]` value is zero-sized.

#[cfg(not(loom))]
pub(crate) use core::sync::atomic::AtomicUsize;
#[cfg(loom)]
pub(crate) use loom::sync::atomic::AtomicUsize;

/// The header's words, in order. Addresses are absolute (VM addresses in the VM, host
/// addresses on the host).
#[repr(C)]
#[derive(Debug, Default)]
pub struct Header {
    /// Address where the next block may start; 0 while the heap is fresh.
    pub(crate) cursor: AtomicUsize,
    /// One past the last usable byte: `base + min(declared size, mapped size)`; 0 while
    /// fresh.
    pub(crate) end: AtomicUsize,
    /// The highest cursor seen before a rewind (dealloc or shrink of the top block): memory
    /// at or above `max(high_water, cursor)` has never been handed out and is still zero.
    pub(crate) high_water: AtomicUsize,
    /// Allocations that returned null.
    pub(crate) failed: AtomicUsize,
    /// Successful allocations (only maintained with the `count-allocations` feature).
    pub(crate) allocations: AtomicUsize,
}

/// Bytes the header takes at the start of the heap; blocks start after it.
pub const HEADER_SIZE: usize = core::mem::size_of::<Header>();

/// What the allocator can tell a contract about its heap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// Bytes between the first block and the cursor: live blocks plus padding, plus blocks
    /// freed out of order (a bump heap only reclaims the most recent block).
    pub used: usize,
    /// The most `used` has ever been.
    pub peak: usize,
    /// Bytes usable for blocks: the smaller of the declared and the mapped heap, less the
    /// header. 0 before the first allocation.
    pub capacity: usize,
    /// Allocations that returned null.
    pub failed: usize,
    /// Successful allocations, when the `count-allocations` feature is on.
    pub allocations: Option<usize>,
}
