//! End to end: the `link-check` contract (Vec, BTreeMap, String, `Box<dyn Trait>` vtable
//! calls, a static `&str` table, a five-argument syscall) built by `build-example.sh` as
//! SBPF V0 and V3, linked by this crate, run in the VM; every value it logs is recomputed
//! here.

use std::collections::BTreeMap;

use tako_test_support::build_contract_with;
use vm_harness::Config;

/// The contract's `compute(seed)`, in host Rust.
fn expected(seed: u64) -> [u64; 5] {
    let vec_sum: u64 = (0..100).map(|i| i * (seed + 1)).sum();
    let map: BTreeMap<u64, u64> = (0..50u64)
        .filter(|k| k % 2 == 1)
        .map(|i| (i, i * i + seed))
        .collect();
    let map_sum: u64 = map.values().sum();
    let names = ["alpha", "beta", "gamma", "delta"];
    let joined = names.join("-");
    let area_sum = if seed.is_multiple_of(2) {
        (seed + 3) * (seed + 3) + 2 * (seed + 5)
    } else {
        seed * 7 + seed * seed
    };
    [
        vec_sum,
        map_sum,
        joined.len() as u64,
        area_sum,
        names[(seed % 4) as usize].len() as u64,
    ]
}

#[test]
fn every_value_is_correct_in_the_vm_for_several_seeds() {
    for arch in ["v0", "v3"] {
        let so = std::fs::read(build_contract_with("link-check", &["--arch", arch])).unwrap();
        for seed in [0u64, 1, 2, 5, 200, 255] {
            // The default config runs V0 on solana-sbpf and V3 on tos-tbpf.
            let outcome = vm_harness::run(&so, &[seed as u8], &Config::default()).unwrap();
            assert_eq!(outcome.error, None, "{arch} seed {seed}");
            assert_eq!(
                outcome.return_value,
                Some(tako_abi::code::SUCCESS),
                "{arch} seed {seed}"
            );
            let values = expected(seed).map(|v| format!("{v:#x}")).join(", ");
            assert_eq!(
                outcome.logs,
                vec!["alpha-beta-gamma-delta".to_string(), values],
                "{arch} seed {seed}"
            );
        }
    }
}

#[test]
fn interpreter_and_jit_agree_on_link_check() {
    let so = std::fs::read(build_contract_with("link-check", &["--arch", "v0"])).unwrap();
    let interp = vm_harness::run(&so, &[7], &Config::default()).unwrap();
    let jit = vm_harness::run(
        &so,
        &[7],
        &Config {
            jit: true,
            ..Config::default()
        },
    )
    .unwrap();
    assert_eq!(interp.cu_consumed, jit.cu_consumed);
    assert_eq!(interp.logs, jit.logs);
    assert_eq!(interp.return_value, jit.return_value);
}

#[test]
fn statics_larger_than_the_heap_fail_to_build_naming_them() {
    let err = tako_test_support::try_build_contract("reject-large-statics")
        .expect_err("40 KB of statics must not link");
    let msg = err.to_string();
    assert!(
        msg.contains("`reject_large_statics::LEDGER` (40000 bytes)"),
        "{msg}"
    );
    assert!(
        msg.contains("`reject_large_statics::HITS` (8 bytes)"),
        "{msg}"
    );
    assert!(
        msg.contains("the writable statics take 40008 bytes, more than the"),
        "{msg}"
    );
    assert!(msg.contains("`const` or an immutable `static`"), "{msg}");
}
