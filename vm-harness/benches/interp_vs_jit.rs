//! Run time of the `collections` contract in solana-sbpf's interpreter against its JIT. Each
//! iteration loads (and JIT-compiles) the program, but only its execution is timed
//! (`Outcome::run_time`). Both modes consume the same CU; this is wall-clock only.
//!
//! `cargo bench -p vm-harness --bench interp_vs_jit`

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use vm_harness::Config;

fn interpreter_vs_jit(c: &mut Criterion) {
    // V0: the JIT runs only V0.
    let path = tako_test_support::build_contract_with("collections", &["--arch", "v0"]);
    let so = std::fs::read(&path).expect("the built .so is readable");
    let mut group = c.benchmark_group("collections contract");
    for n in [100u64, 400] {
        let input = n.to_le_bytes();
        for jit in [false, true] {
            let config = Config {
                jit,
                cu_limit: 10_000_000,
                ..Config::default()
            };
            // One run up front: the contract must complete, and its CU are the same in both modes.
            let outcome = vm_harness::run(&so, &input, &config).expect("collections loads");
            assert_eq!(outcome.error, None, "{outcome}");
            let mode = if jit { "jit" } else { "interpreter" };
            group.bench_with_input(BenchmarkId::new(mode, n), &input, |b, input| {
                b.iter_custom(|iters| {
                    (0..iters)
                        .map(|_| {
                            vm_harness::run(&so, input, &config)
                                .expect("collections loads")
                                .run_time
                        })
                        .sum::<Duration>()
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, interpreter_vs_jit);
criterion_main!(benches);
