//! The global allocator of a contract the CU report builds once per allocator, picked by
//! cargo feature: `solana-bump`, `pinocchio-bump`, `talc`, `linked-list-allocator`, `rlsf`,
//! `embedded-alloc`, `pool`, `first-fit` if one is on, else `syscall` if on, else
//! `TosAllocator` (with the `NoReuse` policy under `tos-no-reuse`, else the default
//! `Rewind`; `tos-no-reuse` is a contract's default in escrow and multisig, so like `tos`
//! it gives way to any other allocator's feature); and the heap figures each one can
//! report from inside the contract.
//!
//! One definition, included by path: alloc-bench declares every feature, an example
//! contract (multisig) the in-VM ones; a feature a contract does not declare is never on
//! there, so its items are compiled out (`unexpected_cfgs` is allowed for them); a
//! contract that does not report heap figures leaves `heap_stats` unused. Each allocator's
//! static and figures sit in one `chosen` module under its feature condition. The including
//! crate has a `params` module (`FirstFitAllocator`'s shape) at its root.
#![allow(unexpected_cfgs, dead_code, unused_imports)]

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
const _: () = assert!(
    cfg!(any(
        feature = "tos",
        feature = "syscall",
        feature = "solana-bump",
        feature = "pinocchio-bump",
        feature = "talc",
        feature = "linked-list-allocator",
        feature = "rlsf",
        feature = "embedded-alloc",
        feature = "pool",
        feature = "first-fit"
    )),
    "enable an allocator feature: tos, tos-no-reuse, syscall, solana-bump, pinocchio-bump, talc, linked-list-allocator, rlsf, embedded-alloc, pool, first-fit"
);

/// TosAllocator, unless another allocator's feature is on.
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
mod chosen {
    use super::*;

    #[cfg(not(feature = "tos-no-reuse"))]
    type Policy = tos_alloc::Rewind;
    #[cfg(feature = "tos-no-reuse")]
    type Policy = tos_alloc::NoReuse;

    #[global_allocator]
    static ALLOCATOR: tos_alloc::TosAllocator<{ tos_alloc::DEFAULT_HEAP_SIZE }, Policy> =
        tos_alloc::TosAllocator::new();

    /// `(used, peak)` heap bytes as the allocator reports them.
    pub(crate) fn heap_stats() -> (u64, u64) {
        let s = ALLOCATOR.stats();
        (s.used as u64, s.peak as u64)
    }
}

/// The syscall allocator, unless an allocator in the contract's heap is picked.
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
mod chosen {
    use super::*;

    #[global_allocator]
    static ALLOCATOR: tako_sdk::SyscallAllocator = tako_sdk::SyscallAllocator;

    /// `(used, peak)` heap bytes as the allocator reports them.
    pub(crate) fn heap_stats() -> (u64, u64) {
        // The VM's bump region behind tako_alloc is not visible from the contract.
        (u64::MAX, u64::MAX)
    }
}

/// Solana's bump.
#[cfg(feature = "solana-bump")]
mod chosen {
    use super::*;

    #[global_allocator]
    static ALLOCATOR: bump::SolanaBump = bump::SolanaBump;

    /// `(used, peak)` heap bytes as the allocator reports them.
    pub(crate) fn heap_stats() -> (u64, u64) {
        let used = bump::used();
        (used, used)
    }
}

/// Pinocchio's bump.
#[cfg(feature = "pinocchio-bump")]
mod chosen {
    use super::*;

    #[global_allocator]
    static ALLOCATOR: bump::PinocchioBump = bump::PinocchioBump;

    /// `(used, peak)` heap bytes as the allocator reports them.
    pub(crate) fn heap_stats() -> (u64, u64) {
        let used = bump::used();
        (used, used)
    }
}

/// talc.
#[cfg(feature = "talc")]
mod chosen {
    use super::*;

    #[global_allocator]
    static ALLOCATOR: peers::TalcInHeap = peers::TalcInHeap;

    /// `(used, peak)` heap bytes as the allocator reports them.
    pub(crate) fn heap_stats() -> (u64, u64) {
        // talc keeps no counters unless built with its `counters` feature (which would
        // change what is measured).
        (u64::MAX, u64::MAX)
    }
}

/// linked_list_allocator.
#[cfg(feature = "linked-list-allocator")]
mod chosen {
    use super::*;

    #[global_allocator]
    static ALLOCATOR: peers::LinkedListInHeap = peers::LinkedListInHeap;

    /// `(used, peak)` heap bytes as the allocator reports them.
    pub(crate) fn heap_stats() -> (u64, u64) {
        (peers::linked_list_used(), u64::MAX)
    }
}

/// rlsf.
#[cfg(feature = "rlsf")]
mod chosen {
    use super::*;

    #[global_allocator]
    static ALLOCATOR: peers::RlsfInHeap = peers::RlsfInHeap;

    /// `(used, peak)` heap bytes as the allocator reports them.
    pub(crate) fn heap_stats() -> (u64, u64) {
        // rlsf keeps no counters: only a walk over every block (`iter_blocks`) could tell,
        // and its cost would grow with the workload and blur the CU measured.
        (u64::MAX, u64::MAX)
    }
}

/// embedded-alloc's LlffHeap.
#[cfg(feature = "embedded-alloc")]
mod chosen {
    use super::*;

    #[global_allocator]
    static ALLOCATOR: peers::EmbeddedAllocInHeap = peers::EmbeddedAllocInHeap;

    /// `(used, peak)` heap bytes as the allocator reports them.
    pub(crate) fn heap_stats() -> (u64, u64) {
        (peers::embedded_alloc_used(), u64::MAX)
    }
}

/// PoolAllocator.
#[cfg(feature = "pool")]
mod chosen {
    use super::*;

    #[global_allocator]
    static ALLOCATOR: tos_alloc::pool::PoolAllocator = tos_alloc::pool::PoolAllocator::new();

    /// `(used, peak)` heap bytes as the allocator reports them.
    pub(crate) fn heap_stats() -> (u64, u64) {
        let u = ALLOCATOR.stats().usage;
        (u.heap_used as u64, u.heap_peak as u64)
    }
}

/// FirstFitAllocator, in the shape of the crate's `params`.
#[cfg(feature = "first-fit")]
mod chosen {
    use super::*;

    #[global_allocator]
    static ALLOCATOR: tos_alloc::first_fit::FirstFitAllocator<
        { crate::params::FIRST_FIT_BLOCKS },
        { crate::params::FIRST_FIT_BLOCK_SIZE },
    > = tos_alloc::first_fit::FirstFitAllocator::new();

    /// `(used, peak)` heap bytes as the allocator reports them.
    pub(crate) fn heap_stats() -> (u64, u64) {
        // The block area is carved whole on the first allocation: report the blocks in use.
        let u = ALLOCATOR.stats();
        (u.live_bytes as u64, u.peak_live_bytes.unwrap_or(0) as u64)
    }
}

pub(crate) use chosen::heap_stats;
