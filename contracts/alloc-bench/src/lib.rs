//! `alloc-bench`: performs exactly the allocations its input asks for, under the global
//! allocator chosen by a cargo feature: `solana-bump`, `pinocchio-bump`, `talc`,
//! `linked-list-allocator`, `rlsf`, `embedded-alloc`, `pool`, `first-fit` if one is on, else `syscall` if on, else `tos` (the default). Built once per allocator:
//! `./build-example.sh alloc-bench --features syscall --as alloc_bench_syscall`.
//!
//! Input: three `u64` LE, `(pattern, count, size)`; layouts go through `black_box` so the
//! compiler cannot specialise the allocator for them. Patterns ([`pattern`], the one list the
//! VM's bench and tests include):
//!
//! | id | pattern | what runs |
//! |----|---------|-----------|
//! | 0 | `ALLOC` | `count` × `alloc(size, 8)`, each block written once and kept live |
//! | 1 | `BASELINE` | the same loop without the allocation (and its null check): writes a stack slot |
//! | 2 | `ALLOC_FREE` | `count` × (`alloc(size, 8)`, write, `dealloc`) |
//! | 3 | `VEC_PUSH` | `Vec<u64>::new()` then `count` × `push` |
//! | 4 | `BTREEMAP` | `BTreeMap<u64, u64>`: `count` inserts, then `count` removes |
//! | 5 | `RANDOM_MIX` | fixed-seed alloc/free/realloc mix (sizes 8..=`size`) until the first failed allocation, or `count` operations when `count` > 0 |
//! | 6 | `BOX_U64` | `count` × `Box::new(u64)` (layout known at compile time), kept live |
//! | 7 | `CHURN` | `BTreeMap<u64, u64>`: `count` fixed-seed inserts or removes, at most `size` keys live |
//! | 8 | `BOX_BASELINE` | `BOX_U64`'s loop without the allocation: the value written to a stack slot |
//! | 9 | `COLLECTIONS` | the `collections` contract's workload with size `count` (at most its `MAX_N`), its source included by path; only with the `collections` feature (else `INVALID_INPUT`) |
//!
//! Result: `SUCCESS`, `OUT_OF_MEMORY` when an allocation of pattern 0, 2 or 5 returned null
//! (for pattern 5 that is the expected end), `CHECK_FAILED` when a block's contents were
//! overwritten (the allocator handed out overlapping memory), `INVALID_INPUT` otherwise.
//! Return data, always set the same way at the end (so its cost is a constant of the
//! build): four `u64` LE `[ops, heap_used, heap_peak, live_bytes]` where `ops` counts the
//! operations that succeeded, `heap_used`/`heap_peak` are the allocator's own figures
//! (`u64::MAX` when the allocator cannot tell from inside the contract) and `live_bytes` the
//! bytes the workload held live at the end (for pattern 5: at the first failure, including
//! its slot table).
#![no_std]

extern crate alloc;

#[cfg(any(feature = "solana-bump", feature = "pinocchio-bump"))]
mod bump;
#[cfg(any(
    feature = "talc",
    feature = "linked-list-allocator",
    feature = "rlsf",
    feature = "embedded-alloc"
))]
mod peers;
pub mod params;
pub mod pattern;
/// The `collections` example contract's workload, its own source (one definition).
#[cfg(feature = "collections")]
#[path = "../../collections/src/workload.rs"]
#[allow(dead_code)]
mod collections;
mod workloads;

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
    "alloc-bench: solana-bump, pinocchio-bump, talc, linked-list-allocator, rlsf, embedded-alloc, pool and first-fit exclude each other"
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
    "alloc-bench: enable an allocator feature: tos, syscall, solana-bump, pinocchio-bump, talc, linked-list-allocator, rlsf, embedded-alloc, pool, first-fit"
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
static ALLOCATOR: tos_alloc::TosAllocator = tos_alloc::TosAllocator::new();

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
static ALLOCATOR: tako_sdk::SyscallAllocator = tako_sdk::SyscallAllocator;

#[cfg(feature = "solana-bump")]
#[global_allocator]
static ALLOCATOR: bump::SolanaBump = bump::SolanaBump;

#[cfg(feature = "pinocchio-bump")]
#[global_allocator]
static ALLOCATOR: bump::PinocchioBump = bump::PinocchioBump;

#[cfg(feature = "talc")]
#[global_allocator]
static ALLOCATOR: peers::TalcInHeap = peers::TalcInHeap;

#[cfg(feature = "linked-list-allocator")]
#[global_allocator]
static ALLOCATOR: peers::LinkedListInHeap = peers::LinkedListInHeap;

#[cfg(feature = "rlsf")]
#[global_allocator]
static ALLOCATOR: peers::RlsfInHeap = peers::RlsfInHeap;

#[cfg(feature = "embedded-alloc")]
#[global_allocator]
static ALLOCATOR: peers::EmbeddedAllocInHeap = peers::EmbeddedAllocInHeap;

#[cfg(feature = "pool")]
#[global_allocator]
static ALLOCATOR: tos_alloc::pool::PoolAllocator = tos_alloc::pool::PoolAllocator::new();

#[cfg(feature = "first-fit")]
#[global_allocator]
static ALLOCATOR: tos_alloc::first_fit::FirstFitAllocator<
    { params::FIRST_FIT_BLOCKS },
    { params::FIRST_FIT_BLOCK_SIZE },
> = tos_alloc::first_fit::FirstFitAllocator::new();

/// `(used, peak)` heap bytes as the allocator reports them.
fn heap_stats() -> (u64, u64) {
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

tako_sdk::entrypoint!(process);
tako_sdk::panic_handler!();

fn process(input: &[u8]) -> u64 {
    let Some(request) = workloads::Request::parse(input) else {
        return tako_sdk::INVALID_INPUT;
    };
    let outcome = request.run();
    let (used, peak) = heap_stats();
    let mut data = [0u8; 32];
    for (chunk, word) in data
        .chunks_exact_mut(8)
        .zip([outcome.ops, used, peak, outcome.live_bytes])
    {
        chunk.copy_from_slice(&word.to_le_bytes());
    }
    match tako_sdk::set_return_data(&data) {
        Ok(()) => outcome.code,
        Err(_) => tako_sdk::CHECK_FAILED,
    }
}
