//! The allocator figures of a run (`Outcome::allocator`, the summary's `allocator:` lines, the
//! JSON's `allocator` key), decoded from the heap by `tos_alloc::inspect`, against what
//! `alloc-bench` reports from inside the contract (return data
//! `[ops, heap_used, heap_peak, live_bytes]`) under each tos-alloc strategy, and `None` for
//! a contract with another allocator.

use tako_abi::code::SUCCESS;
use tako_test_support::build_contract_with;
use tos_alloc::inspect::{HeapReport, Strategy};
use vm_harness::{Config, FaultKind, Outcome};

use crate::common::bench_params::{FIRST_FIT_BLOCKS, FIRST_FIT_BLOCK_SIZE};
use crate::common::patterns::{ALLOC, CHURN};

/// Builds `alloc-bench` as SBPF V0 with the allocator `feature` (once per process) and runs
/// `(pattern, count, size)`.
fn bench(feature: &str, pattern: u64, count: u64, size: u64, config: &Config) -> Outcome {
    let out_name = format!("alloc_bench_{}", feature.replace('-', "_"));
    let so = build_contract_with(
        "alloc-bench",
        &["--features", feature, "--as", &out_name, "--arch", "v0"],
    );
    let so = std::fs::read(&so).unwrap();
    let input: Vec<u8> = [pattern, count, size]
        .iter()
        .flat_map(|w| w.to_le_bytes())
        .collect();
    vm_harness::run(&so, &input, config).expect("alloc-bench loads")
}

/// The return data's four words.
fn words(out: &Outcome) -> [u64; 4] {
    assert_eq!(out.return_data.len(), 32, "{out}");
    std::array::from_fn(|i| {
        u64::from_le_bytes(out.return_data[i * 8..i * 8 + 8].try_into().unwrap())
    })
}

/// Enough CU for 10,000 churn operations.
fn churn_config() -> Config {
    Config {
        cu_limit: 20_000_000,
        ..Config::default()
    }
}

fn report(out: &Outcome) -> HeapReport {
    out.allocator
        .unwrap_or_else(|| panic!("no allocator recognised in {out}"))
}

#[test]
fn pool_churn_figures_match_the_contracts_own() {
    let out = bench("pool", CHURN, 10_000, 500, &churn_config());
    assert_eq!(out.return_value, Some(SUCCESS), "{out}");
    let [ops, heap_used, heap_peak, live_keys] = words(&out);
    assert_eq!(ops, 10_000);
    let r = report(&out);
    let Strategy::Pool(pool) = r.strategy else {
        panic!("not a pool: {r:?}")
    };
    let u = pool.usage;
    assert_eq!(u.heap_used as u64, heap_used, "{out}");
    assert_eq!(u.heap_peak as u64, heap_peak, "{out}");
    assert_eq!(r.bump.used, u.heap_used);
    assert_eq!(r.bump.peak, u.heap_peak);
    assert_eq!(u.capacity, 32 * 1024 - 40);
    assert_eq!(u.failed, 0);
    // The map stays live (the contract forgets it): its nodes hold its 16-byte entries.
    assert!(u.allocations > u.frees, "{out}");
    assert!(u.live_bytes as u64 >= live_keys, "{out}");
    let class_bytes: usize = pool
        .classes
        .iter()
        .map(|c| c.live() as usize * c.size)
        .sum();
    assert_eq!(
        class_bytes, u.live_bytes,
        "only nodes, no large blocks: {out}"
    );
    // BTreeMap<u64, u64> nodes: 192-byte leaves, mostly reused from the free list.
    let leaves = pool.classes[8];
    assert_eq!(leaves.size, 192);
    assert!(leaves.hits > leaves.misses, "{out}");

    let text = out.to_string();
    let line = format!(
        "allocator:    PoolAllocator — {} allocations, {} frees, {} B live, {} B heap peak, 0 failed\n",
        u.allocations, u.frees, u.live_bytes, u.heap_peak
    );
    assert!(text.contains(&line), "{line:?} missing in\n{text}");
    let class = format!(
        "\n  class 192 B: {} hits, {} misses, {} frees\n",
        leaves.hits, leaves.misses, leaves.frees
    );
    assert!(text.contains(&class), "{class:?} missing in\n{text}");
    // Classes never used are not listed.
    assert!(!text.contains("class 512 B"), "{text}");

    let json = out.to_json_with_allocator();
    let a = &json["allocator"];
    assert_eq!(a["strategy"], "pool");
    assert_eq!(a["name"], "PoolAllocator");
    assert_eq!(a["usage"]["heap_peak"], heap_peak);
    assert_eq!(a["usage"]["allocations"], u.allocations);
    assert!(a["usage"]["peak_live_bytes"].is_null());
    assert_eq!(a["classes"].as_array().unwrap().len(), 13);
    assert_eq!(a["classes"][8]["size"], 192);
    assert_eq!(a["classes"][8]["hits"], leaves.hits);
    assert!(a["block_size"].is_null());
}

#[test]
fn first_fit_churn_figures_match_the_contracts_own() {
    let out = bench("first-fit", CHURN, 10_000, 500, &churn_config());
    assert_eq!(out.return_value, Some(SUCCESS), "{out}");
    // The contract reports first fit's live bytes and their peak as its heap figures.
    let [ops, live, live_peak, _] = words(&out);
    assert_eq!(ops, 10_000);
    let r = report(&out);
    let Strategy::FirstFit {
        block_size,
        blocks,
        usage: u,
    } = r.strategy
    else {
        panic!("not first fit: {r:?}")
    };
    assert_eq!(block_size, FIRST_FIT_BLOCK_SIZE);
    // As many blocks as the 32 KiB heap holds after the headers, at most the declared count.
    assert!(
        blocks * FIRST_FIT_BLOCK_SIZE > 32 * 1024 - 128 && blocks <= FIRST_FIT_BLOCKS,
        "{blocks}"
    );
    assert_eq!(u.live_bytes as u64, live, "{out}");
    assert_eq!(u.peak_live_bytes, Some(live_peak as usize), "{out}");
    assert!(u.allocations > u.frees);
    assert_eq!(u.failed, 0);
    // The block area is carved whole at set-up.
    assert_eq!(u.heap_peak, u.heap_used);

    let text = out.to_string();
    let line = format!(
        "allocator:    FirstFitAllocator ({blocks} blocks of {FIRST_FIT_BLOCK_SIZE} B) — {} allocations, {} frees, {} B live, {} B live peak, {} B heap peak, 0 failed\n",
        u.allocations, u.frees, live, live_peak, u.heap_peak
    );
    assert!(text.contains(&line), "{line:?} missing in\n{text}");
    let json = out.to_json_with_allocator();
    assert_eq!(json["allocator"]["strategy"], "first_fit");
    assert_eq!(json["allocator"]["block_size"], FIRST_FIT_BLOCK_SIZE);
    assert_eq!(json["allocator"]["usage"]["peak_live_bytes"], live_peak);
    assert!(json["allocator"]["classes"].is_null());
}

#[test]
fn tos_allocator_figures_match_the_contracts_own() {
    let out = bench("tos", ALLOC, 500, 8, &Config::default());
    assert_eq!(out.return_value, Some(SUCCESS), "{out}");
    let [ops, used, peak, _] = words(&out);
    assert_eq!((ops, used, peak), (500, 4000, 4000));
    let r = report(&out);
    assert_eq!(r.strategy, Strategy::Bump);
    assert_eq!(r.bump.used as u64, used);
    assert_eq!(r.bump.peak as u64, peak);
    assert_eq!(r.bump.capacity, 32 * 1024 - 40);
    assert_eq!(r.bump.failed, 0);
    let text = out.to_string();
    let line =
        "allocator:    TosAllocator — 4000 B used, 4000 B peak, 32728 B capacity, 0 failed\n";
    assert!(text.contains(line), "{line:?} missing in\n{text}");
    let json = out.to_json_with_allocator();
    assert_eq!(json["allocator"]["strategy"], "bump");
    assert_eq!(json["allocator"]["bump"]["used"], 4000);
    assert!(json["allocator"]["usage"].is_null());
}

#[test]
fn a_run_that_ran_out_of_heap_still_shows_its_allocator() {
    // The bump heap cannot hold the churn: the run ends with an allocation error.
    let out = bench("tos", CHURN, 10_000, 500, &churn_config());
    assert_eq!(
        out.error.as_ref().map(|e| e.kind),
        Some(FaultKind::AllocError),
        "{out}"
    );
    let r = report(&out);
    assert_eq!(r.strategy, Strategy::Bump);
    assert_eq!(r.bump.failed, 1);
    assert!(r.bump.capacity - r.bump.used < 512, "{out}");
}

#[test]
fn other_allocators_are_not_recognised() {
    for feature in ["solana-bump", "syscall"] {
        let out = bench(feature, ALLOC, 500, 8, &Config::default());
        assert_eq!(out.return_value, Some(SUCCESS), "{feature}: {out}");
        assert_eq!(out.allocator, None, "{feature}: {out}");
        assert!(out.to_json_with_allocator()["allocator"].is_null());
        assert!(out.to_string().contains("allocator:    none recognised\n"));
    }
}
