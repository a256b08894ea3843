//! cargo fuzz target: the fuzzer's bytes as a contract `.so`, loaded, verified and run on
//! every engine (the one its version picks, solana-sbpf's interpreter and JIT, tos-tbpf)
//! and profiled. Whatever the bytes, each step returns a value (a `VmError`, or an
//! `Outcome` whose fault is a `RuntimeError`); a panic is the bug this target looks for.
//! A run stays within its CU limit; the interpreter and the JIT agree on every program both
//! run; solana-sbpf and tos-tbpf agree on every program both run (SBPF V0: the same
//! outcome and fault kind, whatever each engine's wording of the fault); a profile's CU add
//! up to the run's; the functions by size (`cargo tako info`) come largest first. The
//! corpus starts from the example contracts' builds (`scripts/fuzz.sh` copies them), so
//! most inputs are real programs with a few bytes changed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vm_harness::{Config, Engine, Outcome};

/// A budget that lets a real contract's call finish (the examples spend a few thousand
/// CU) while keeping a looping mutant short.
const CU_LIMIT: u64 = 20_000;

/// The call's input: an opcode byte and parameters, enough for every example's opcodes
/// to read what they expect.
const INPUT: [u8; 80] = [0; 80];

/// What a run computed, without its wall-clock time, its fault by kind only: each engine
/// words its faults its own way (the interpreter and the JIT, one engine, also compare the
/// wording).
fn result(o: &Outcome) -> impl PartialEq + std::fmt::Debug + '_ {
    (
        o.return_value,
        o.cu_consumed,
        &o.logs,
        &o.return_data,
        o.heap_used,
        o.error.as_ref().map(|e| e.kind),
        &o.events,
        &o.storage_writes,
        &o.balance_changes,
    )
}

fuzz_target!(|so: &[u8]| {
    let base = Config {
        cu_limit: CU_LIMIT,
        ..Config::default()
    };
    let sbpf = Config {
        engine: Some(Engine::Sbpf),
        ..base.clone()
    };
    let jit = Config {
        jit: true,
        ..sbpf.clone()
    };
    let tbpf = Config {
        engine: Some(Engine::Tbpf),
        ..base.clone()
    };
    let mut outcomes = Vec::new();
    for config in [&base, &sbpf, &jit, &tbpf] {
        let outcome = vm_harness::run(so, &INPUT, config).ok();
        if let Some(o) = &outcome {
            assert!(
                o.cu_consumed <= CU_LIMIT,
                "{} CU past the limit",
                o.cu_consumed
            );
        }
        outcomes.push(outcome);
    }
    if let (Some(interpreted), Some(compiled)) = (&outcomes[1], &outcomes[2]) {
        assert_eq!(
            (result(interpreted), &interpreted.error),
            (result(compiled), &compiled.error),
            "interpreter and JIT differ"
        );
    }
    if let (Some(sbpf), Some(tbpf)) = (&outcomes[1], &outcomes[3]) {
        assert_eq!(
            result(sbpf),
            result(tbpf),
            "solana-sbpf and tos-tbpf differ"
        );
    }
    if let Ok(profile) = vm_harness::profile(so, &INPUT, &base) {
        assert_eq!(
            profile.attributed_cu(),
            profile.outcome.cu_consumed,
            "profile CU"
        );
    }
    // What `cargo tako info` lists: a value for any bytes, largest first.
    if let Ok(functions) = vm_harness::functions_by_size(so) {
        assert!(
            functions.windows(2).all(|w| w[0].size >= w[1].size),
            "functions out of order"
        );
    }
});
