//! The example contracts' input ids, included from the contracts' own sources (each list
//! is defined once, where the contract dispatches on it).
#![allow(missing_docs)]

/// The `vm-faults` contract's variants (the input's first word).
#[path = "../../contracts/vm-faults/src/variant.rs"]
pub mod vm_faults;

/// The `alloc-bench` contract's workload patterns (the input's first word).
#[path = "../../contracts/alloc-bench/src/pattern.rs"]
pub mod alloc_bench;

/// The `collections` contract's workload (its default and largest size `n`; the
/// `alloc-bench` pattern `COLLECTIONS` runs it).
#[path = "../../contracts/collections/src/workload.rs"]
#[allow(dead_code)]
pub mod collections;

/// The `alloc-bench` contract's allocator shapes.
#[path = "../../contracts/alloc-bench/src/params.rs"]
pub mod alloc_bench_params;
