//! The workspace's integration tests, one binary: every contract built and run in the VM,
//! one module per area.

// The contracts' shared sources (included by path) use `alloc::`.
extern crate alloc;

mod chain_contracts;
mod contracts;
mod full_rust;
mod message_queue;

/// `alloc-bench`'s workload patterns: the contract's own list.
#[path = "../../../contracts/alloc-bench/src/pattern.rs"]
#[allow(dead_code)]
mod alloc_bench_pattern;
