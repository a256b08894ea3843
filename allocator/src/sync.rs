//! The memory orderings the allocators' atomics use: `core`'s, or loom's under `cfg(loom)`
//! (a leaf module, so that the header and the heap both take them from here).

/// The memory orderings, from `core` (or from loom under `cfg(loom)`).
pub(crate) mod ordering {
    #[cfg(not(loom))]
    pub(crate) use core::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release};
    #[cfg(loom)]
    pub(crate) use loom::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release};
}
