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

/// The `collections` example contract's workload, its own source (one definition).
#[cfg(feature = "collections")]
#[path = "../../collections/src/workload.rs"]
#[allow(dead_code)]
mod collections;
/// The global allocator, picked by cargo feature (one definition, shared with the example
/// contracts the CU report builds per allocator).
mod global;
pub mod params;
pub mod pattern;
mod workloads;
use global::heap_stats;

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
