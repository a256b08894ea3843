//! Corrupted contracts never crash or hang the VM: every single-byte mutation and every
//! truncation of a real `.so` either is refused with a `VmError` or runs to an `Outcome`,
//! on both engines: solana-sbpf (V0, interpreter and JIT) and tos-tbpf, TOS's VM (the V3
//! build TOS's toolchain writes, and V0).

use std::panic::{catch_unwind, AssertUnwindSafe};

use vm_harness::{Config, Engine, Outcome};

/// The default configuration on `engine` (the version's pick for `None`), JIT or not, with
/// a CU limit that lets the contract's call finish and keeps a looping mutant short.
fn limited(engine: Option<Engine>, jit: bool) -> Config {
    Config {
        cu_limit: 20_000,
        engine,
        jit,
        ..Config::default()
    }
}

#[test]
fn corrupted_files_are_errors_not_panics_on_tos_tbpf() {
    let v3 = std::fs::read(crate::common::contract_v3_path("vm-faults")).unwrap();
    let v0 = crate::common::contract("vm-faults");
    for so in [v3, v0] {
        mutate_all(&so, &limited(Some(Engine::Tbpf), false));
    }
}

#[test]
fn corrupted_files_are_errors_not_panics() {
    let so = crate::common::contract("vm-faults");
    for jit in [false, true] {
        mutate_all(&so, &limited(None, jit));
    }
}

fn mutate_all(so: &[u8], config: &Config) {
    let input = crate::common::word(crate::common::faults::SYSCALL_TOUR);
    let (mut refused, mut ran) = (0, 0);
    let mut check = |bytes: &[u8], what: &str| match catch_unwind(AssertUnwindSafe(|| {
        vm_harness::run(bytes, &input, config)
    })) {
        Ok(Ok(_)) => ran += 1,
        Ok(Err(e)) => {
            assert!(!e.to_string().is_empty());
            refused += 1
        }
        Err(_) => panic!(
            "the VM panicked on {what} (engine: {:?}, jit: {})",
            config.engine, config.jit
        ),
    };
    for at in 0..so.len() {
        for value in [0x00, 0xff, so[at] ^ 0x01, so[at].wrapping_add(0x80)] {
            if value == so[at] {
                continue;
            }
            let mut bytes = so.to_vec();
            bytes[at] = value;
            check(&bytes, &format!("byte {at} set to {value:#04x}"));
        }
    }
    for len in (0..so.len()).step_by(7) {
        check(&so[..len], &format!("the first {len} bytes"));
    }
    eprintln!("{refused} refused, {ran} ran");
    assert!(refused > 0 && ran > 0);
}

#[test]
fn corrupted_programs_that_run_agree_between_interpreter_and_jit() {
    compare_flips(&limited(None, false), &limited(None, true), |o| {
        (
            o.return_value,
            o.cu_consumed,
            o.logs,
            o.return_data,
            o.heap_used,
            o.error,
        )
    });
}

/// SBPF V0 runs on both engines: a corrupted program that both run gives the same outcome
/// and fault kind on solana-sbpf as on tos-tbpf, TOS's VM (each engine words its faults its
/// own way).
#[test]
fn corrupted_programs_that_run_agree_between_solana_sbpf_and_tos_tbpf() {
    let on = |engine| limited(Some(engine), false);
    compare_flips(&on(Engine::Sbpf), &on(Engine::Tbpf), |o| {
        (
            o.return_value,
            o.cu_consumed,
            o.logs,
            o.return_data,
            o.heap_used,
            o.error.map(|e| e.kind),
            o.events,
            o.storage_writes,
        )
    });
}

/// Flips the lowest bit of each byte of the V0 `vm-faults` build in turn and runs every
/// corrupted program that loads under both `a` and `b`: the two outcomes must agree on
/// what `strip` keeps of them.
fn compare_flips<T: PartialEq + std::fmt::Debug>(
    a: &Config,
    b: &Config,
    strip: impl Fn(Outcome) -> T,
) {
    let so = crate::common::contract("vm-faults");
    let input = crate::common::word(crate::common::faults::SYSCALL_TOUR);
    let mut compared = 0;
    for at in 0..so.len() {
        let mut bytes = so.clone();
        bytes[at] ^= 0x01;
        let (Ok(x), Ok(y)) = (
            vm_harness::run(&bytes, &input, a),
            vm_harness::run(&bytes, &input, b),
        ) else {
            continue;
        };
        assert_eq!(strip(x), strip(y), "byte {at} flipped");
        compared += 1;
    }
    eprintln!("{compared} corrupted programs compared");
    assert!(compared > 0);
}
