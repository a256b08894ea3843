//! The global allocator of a contract the CU report builds once per allocator, picked by
//! cargo feature: `solana-bump`, `pinocchio-bump`, `talc`, `linked-list-allocator`, `rlsf`,
//! `embedded-alloc`, `pool`, `first-fit` if one is on, else `syscall` if on, else
//! `TosAllocator`; and the heap figures each one can report from inside the contract.
//!
//! One definition, included by path: alloc-bench declares every feature, an example
//! contract (multisig) the in-VM ones; a feature a contract does not declare is never on
//! there, so its items are compiled out (`unexpected_cfgs` is allowed for them). The
//! including crate has a `params` module (`FirstFitAllocator`'s shape) at its root.
#![allow(unexpected_cfgs, dead_code)]

#[cfg(any(feature = "solana-bump", feature = "pinocchio-bump"))]
#[path = "bump.rs"]
pub(crate) mod bump;
#[cfg(any(
    feature = "talc",
    feature = "linked-list-allocator",
    feature = "rlsf",
    feature = "embedded-alloc"
))]
#[path = "peers.rs"]
mod peers;

const _: () = assert!(
    cfg!(feature = "solana-bump") as u8
        + cfg!(feature = "pinocchio-bump") as u8
        + cfg!(feature = "talc") as u8
        + cfg!(feature = "linked-list-allocator") as u8
        + cfg!(feature = "rlsf") as u8
        + cfg!(feature = "embedded-alloc") as u8
        + cfg!(feature = "pool") as u8
        + cfg!(feature = "first-fit") as u8
        <= 1,
    "the allocator features solana-bump, pinocchio-bump, talc, linked-list-allocator, rlsf, embedded-alloc, pool and first-fit exclude each other"
);

#[cfg(all(
    feature = "tos",
    not(any(
        feature = "syscall",
        feature = "solana-bump",
        feature = "pinocchio-bump",
        feature = "talc",
        feature = "linked-list-allocator",
        feature = "rlsf",
        feature = "embedded-alloc",
        feature = "pool",
        feature = "first-fit"
    ))
))]
#[global_allocator]
pub(crate) static ALLOCATOR: tos_alloc::TosAllocator = tos_alloc::TosAllocator::new();

#[cfg(all(
    feature = "syscall",
    not(any(
        feature = "solana-bump",
        feature = "pinocchio-bump",
        feature = "talc",
        feature = "linked-list-allocator",
        feature = "rlsf",
        feature = "embedded-alloc",
        feature = "pool",
        feature = "first-fit"
    ))
))]
#[global_allocator]
pub(crate) static ALLOCATOR: tako_sdk::SyscallAllocator = tako_sdk::SyscallAllocator;

#[cfg(feature = "solana-bump")]
#[global_allocator]
pub(crate) static ALLOCATOR: bump::SolanaBump = bump::SolanaBump;

#[cfg(feature = "pinocchio-bump")]
#[global_allocator]
pub(crate) static ALLOCATOR: bump::PinocchioBump = bump::PinocchioBump;

#[cfg(feature = "talc")]
#[global_allocator]
pub(crate) static ALLOCATOR: peers::TalcInHeap = peers::TalcInHeap;

#[cfg(feature = "linked-list-allocator")]
#[global_allocator]
pub(crate) static ALLOCATOR: peers::LinkedListInHeap = peers::LinkedListInHeap;

#[cfg(feature = "rlsf")]
#[global_allocator]
pub(crate) static ALLOCATOR: peers::RlsfInHeap = peers::RlsfInHeap;

#[cfg(feature = "embedded-alloc")]
#[global_allocator]
pub(crate) static ALLOCATOR: peers::EmbeddedAllocInHeap = peers::EmbeddedAllocInHeap;

#[cfg(feature = "pool")]
#[global_allocator]
pub(crate) static ALLOCATOR: tos_alloc::pool::PoolAllocator = tos_alloc::pool::PoolAllocator::new();

#[cfg(feature = "first-fit")]
#[global_allocator]
pub(crate) static ALLOCATOR: tos_alloc::first_fit::FirstFitAllocator<
    { super::params::FIRST_FIT_BLOCKS },
    { super::params::FIRST_FIT_BLOCK_SIZE },
> = tos_alloc::first_fit::FirstFitAllocator::new();

/// `(used, peak)` heap bytes as the allocator reports them.
pub(crate) fn heap_stats() -> (u64, u64) {
    #[cfg(all(
        feature = "tos",
        not(any(
            feature = "syscall",
            feature = "solana-bump",
            feature = "pinocchio-bump",
            feature = "talc",
            feature = "linked-list-allocator",
            feature = "rlsf",
            feature = "embedded-alloc",
            feature = "pool",
            feature = "first-fit"
        ))
    ))]
    {
        let s = ALLOCATOR.stats();
        (s.used as u64, s.peak as u64)
    }
    #[cfg(all(
        feature = "syscall",
        not(any(
            feature = "solana-bump",
            feature = "pinocchio-bump",
            feature = "talc",
            feature = "linked-list-allocator",
            feature = "rlsf",
            feature = "embedded-alloc",
            feature = "pool",
            feature = "first-fit"
        ))
    ))]
    {
        // The VM's bump region behind tako_alloc is not visible from the contract.
        (u64::MAX, u64::MAX)
    }
    #[cfg(any(feature = "solana-bump", feature = "pinocchio-bump"))]
    {
        let used = bump::used();
        (used, used)
    }
    #[cfg(feature = "talc")]
    {
        // talc keeps no counters unless built with its `counters` feature (which would
        // change what is measured).
        (u64::MAX, u64::MAX)
    }
    #[cfg(feature = "linked-list-allocator")]
    {
        (peers::linked_list_used(), u64::MAX)
    }
    #[cfg(feature = "rlsf")]
    {
        // rlsf keeps no counters: only a walk over every block (`iter_blocks`) could tell,
        // and its cost would grow with the workload and blur the CU measured.
        (u64::MAX, u64::MAX)
    }
    #[cfg(feature = "embedded-alloc")]
    {
        (peers::embedded_alloc_used(), u64::MAX)
    }
    #[cfg(feature = "pool")]
    {
        let u = ALLOCATOR.stats().usage;
        (u.heap_used as u64, u.heap_peak as u64)
    }
    #[cfg(feature = "first-fit")]
    {
        // The block area is carved whole on the first allocation: report the blocks in use.
        let u = ALLOCATOR.stats();
        (u.live_bytes as u64, u.peak_live_bytes.unwrap_or(0) as u64)
    }
}
