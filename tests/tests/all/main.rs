//! The workspace's integration tests, one binary: every contract built and run in the VM,
//! one module per area.

// The contracts' shared sources (included by path) use `alloc::`.
extern crate alloc;

mod chain_contracts;
mod contracts;
mod full_rust;
mod message_queue;
mod sdk_docs;

/// `alloc-bench`'s workload patterns: the contract's own list.
use tako_test_support::ids::alloc_bench as alloc_bench_pattern;
