//! What an allocation strategy of this crate is: the [`Strategy`] trait, which each heap
//! type implements once (the bump [`Heap`](crate::Heap), the [`Pool`](crate::pool::Pool),
//! [`FirstFit`](crate::first_fit::FirstFit), over any region), and [`STRATEGIES`], the one
//! list of them: the name a contract declares and the tag its header starts with. The
//! heap decoder ([`crate::inspect`]) and the VM's summary name a heap from this list, the
//! CU report takes its guarded rows' names from it, and the shared test suite and fuzz
//! target drive every strategy through the trait.
//!
//! A leaf: the strategies import it, it imports none of them.

use core::alloc::Layout;

use crate::usage::Usage;

/// An allocation strategy over a heap: `GlobalAlloc`'s four methods with the same
/// contracts (null on failure, never a panic), and the strategy's figures.
pub trait Strategy {
    /// This strategy's entry of [`STRATEGIES`].
    const INFO: &'static StrategyInfo;

    /// A block for `layout`, or null.
    fn alloc(&self, layout: Layout) -> *mut u8;

    /// A zeroed block for `layout`, or null.
    fn alloc_zeroed(&self, layout: Layout) -> *mut u8;

    /// Frees the block at `ptr`.
    ///
    /// # Safety
    /// As for `GlobalAlloc::dealloc`: `ptr` came from this heap for `layout` and is not
    /// used afterwards.
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout);

    /// Resizes the block at `ptr` to `new_size` bytes; null (the block untouched) when it
    /// cannot.
    ///
    /// # Safety
    /// As for `GlobalAlloc::realloc`: `ptr` came from this heap for `layout`, and
    /// `new_size` rounded up to `layout.align()` does not overflow `isize`.
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8;

    /// The strategy's figures; `None` for one that keeps no [`Usage`] (the bump heap,
    /// whose [`Stats`](crate::Stats) derive from its cursor).
    fn usage(&self) -> Option<Usage>;
}

/// `impl Strategy for TYPE` by forwarding to the type's inherent methods of the same names:
/// `forward_strategy!([generics] TYPE, INFO, |heap| usage)`.
macro_rules! forward_strategy {
    ([$($generics:tt)*] $ty:ty, $info:expr, |$heap:ident| $usage:expr) => {
        impl<$($generics)*> $crate::strategy::Strategy for $ty {
            const INFO: &'static $crate::strategy::StrategyInfo = &$info;

            fn alloc(&self, layout: core::alloc::Layout) -> *mut u8 {
                <$ty>::alloc(self, layout)
            }

            fn alloc_zeroed(&self, layout: core::alloc::Layout) -> *mut u8 {
                <$ty>::alloc_zeroed(self, layout)
            }

            unsafe fn dealloc(&self, ptr: *mut u8, layout: core::alloc::Layout) {
                // SAFETY: forwarded: the caller upholds the same contract.
                unsafe { <$ty>::dealloc(self, ptr, layout) }
            }

            unsafe fn realloc(
                &self,
                ptr: *mut u8,
                layout: core::alloc::Layout,
                new_size: usize,
            ) -> *mut u8 {
                // SAFETY: forwarded: the caller upholds the same contract.
                unsafe { <$ty>::realloc(self, ptr, layout, new_size) }
            }

            fn usage(&self) -> Option<$crate::usage::Usage> {
                let $heap = self;
                $usage
            }
        }
    };
}

/// One strategy of the crate, as the tools outside it see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StrategyInfo {
    /// The type a contract declares as its `#[global_allocator]`.
    pub name: &'static str,
    /// A short id, for machine-read output (`tako-vm run --json`'s `strategy`).
    pub id: &'static str,
    /// The first word of the strategy's own header once set up (right after the bump
    /// header), which tells its heaps apart; `None` for the bump heap, which has no header
    /// of its own.
    pub tag: Option<usize>,
}

/// The bump heap: `TosAllocator`.
pub const BUMP: StrategyInfo = StrategyInfo {
    name: "TosAllocator",
    id: "bump",
    tag: None,
};

/// Size classes with free lists: `PoolAllocator`; its header starts with the bytes
/// `pool.tos`.
pub const POOL: StrategyInfo = StrategyInfo {
    name: "PoolAllocator",
    id: "pool",
    tag: Some(u64::from_le_bytes(*b"pool.tos") as usize),
};

/// Coalescing blocks on an address-ordered free list, best-fit placement:
/// `FirstFitAllocator`; its header starts with the bytes `ffit.tos`.
pub const FIRST_FIT: StrategyInfo = StrategyInfo {
    name: "FirstFitAllocator",
    id: "first_fit",
    tag: Some(u64::from_le_bytes(*b"ffit.tos") as usize),
};

/// Every strategy of the crate, the bump heap first.
pub const STRATEGIES: [&StrategyInfo; 3] = [&BUMP, &POOL, &FIRST_FIT];

/// The tag of a strategy that has one (a compile-time error for the bump heap's entry).
pub(crate) const fn tag_of(info: &StrategyInfo) -> usize {
    match info.tag {
        Some(tag) => tag,
        None => panic!("this strategy has no header tag"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_tags_are_distinct_and_only_the_bump_heap_has_no_tag() {
        for (i, a) in STRATEGIES.iter().enumerate() {
            assert_eq!(a.tag.is_none(), i == 0, "{a:?}");
            for b in &STRATEGIES[i + 1..] {
                assert_ne!(a.name, b.name);
                assert_ne!(a.id, b.id);
                assert!(a.tag.is_none() || a.tag != b.tag, "{a:?} {b:?}");
            }
        }
    }
}
