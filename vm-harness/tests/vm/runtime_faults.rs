//! Programs that load but fault while running: the fault is reported in `Outcome::error`
//! with the CU and logs of the run (CLI exit code 3), never as a Rust panic or a hang.

use std::time::{Duration, Instant};

use crate::common::{contract, fault_run, fault_run_with_heap, faults, run_ok, tako_vm, word};
use vm_harness::{Config, FaultKind};

#[test]
fn endless_loop_exhausts_the_budget() {
    let so = contract("vm-faults");
    for limit in [1_000, 200_000, 1_400_000] {
        let config = Config {
            cu_limit: limit,
            ..Config::default()
        };
        let started = Instant::now();
        let outcome = run_ok(&so, &word(faults::ENDLESS_LOOP), &config);
        assert!(started.elapsed() < Duration::from_secs(30), "no hang");
        let error = outcome.error.expect("the loop cannot complete");
        assert_eq!(error.kind, FaultKind::ComputeBudgetExceeded);
        assert_eq!(
            error.message,
            format!("compute budget exceeded: {limit} CU consumed (limit {limit})")
        );
        assert_eq!(outcome.cu_consumed, limit);
        assert_eq!(outcome.return_value, None);
    }
}

#[test]
fn unbounded_recursion_overflows_the_stack_before_the_call_depth() {
    let outcome = fault_run(faults::RECURSION);
    let error = outcome.error.expect("recursion must fault");
    // TOS's 256 KiB stack holds 32 V0 frames (each 4 KiB plus the 4 KiB a V0 call skips),
    // fewer than the 64 calls the VM allows: the stack runs out first.
    assert_eq!(error.kind, FaultKind::StackOverflow);
    assert!(
        error.message.starts_with("stack overflow: ") && error.message.contains("32 nested"),
        "{}",
        error.message
    );
    let past = tako_abi::MM_STACK_START + tako_abi::STACK_SIZE;
    assert!(
        error
            .message
            .contains(&format!("at address {:#x}", past)[..18]),
        "the faulting address lies just past the stack ({past:#x}): {}",
        error.message
    );
    assert!(
        outcome.cu_consumed > 32 && outcome.cu_consumed < 10_000,
        "{}",
        outcome.cu_consumed
    );
    // The fault names the function it happened in, from the file's symbols.
    assert!(
        error.message.ends_with("of .text, in vm_faults::recurse"),
        "{}",
        error.message
    );
}

#[test]
fn writes_outside_the_regions_are_access_violations() {
    let outcome = fault_run(faults::WRITE_UNMAPPED);
    let error = outcome.error.expect("must fault");
    assert_eq!(error.kind, FaultKind::AccessViolation);
    assert!(
        error.message.starts_with(
            "access violation writing 8 bytes at address 0x600000000 (in unallocated region)"
        ),
        "{}",
        error.message
    );

    assert!(
        error.message.ends_with(", in vm_faults::__tako_process"),
        "{}",
        error.message
    );

    let outcome = fault_run(faults::WRITE_PROGRAM);
    let error = outcome.error.expect("must fault");
    assert_eq!(error.kind, FaultKind::AccessViolation);
    assert!(
        error.message.contains("writing 8 bytes"),
        "{}",
        error.message
    );
    assert!(
        error.message.contains("(in program region)"),
        "{}",
        error.message
    );
}

#[test]
fn get_heap_region_reports_the_mapped_heap_and_nothing_sits_at_the_input_address() {
    let so = contract("vm-faults");
    for heap in [32 * 1024u64, 64 * 1024, 256 * 1024] {
        let outcome = fault_run_with_heap(&so, faults::HEAP_REGION, heap);
        assert_eq!(outcome.return_value, Some(0), "{outcome}");
        let mut expected = tako_abi::MM_HEAP_START.to_le_bytes().to_vec();
        expected.extend(heap.to_le_bytes());
        assert_eq!(outcome.return_data, expected);
    }
    // TOS maps no input region (nor the environment region an older layout had).
    let outcome = fault_run(faults::WRITE_INPUT_REGION);
    let error = outcome.error.expect("a store to 0x4_0000_0000 must fault");
    assert_eq!(error.kind, FaultKind::AccessViolation);
    assert!(
        error
            .message
            .starts_with("access violation writing 8 bytes at address 0x400000000"),
        "{}",
        error.message
    );
}

#[test]
fn a_store_past_a_v0_frame_lands_in_the_ungapped_stack() {
    let outcome = fault_run(faults::STACK_GAP);
    assert_eq!(outcome.error, None, "{outcome}");
    assert_eq!(outcome.return_value, Some(tako_abi::code::SUCCESS));
}

#[test]
fn only_the_configured_heap_is_mapped() {
    let so = contract("vm-faults");
    for heap in [32 * 1024u64, 33 * 1024, 256 * 1024] {
        let outcome = fault_run_with_heap(&so, faults::READ_PAST_HEAP, heap);
        let error = outcome.error.expect("must fault");
        assert_eq!(error.kind, FaultKind::AccessViolation);
        let addr = tako_abi::MM_HEAP_START + heap;
        assert!(
            error.message.starts_with(&format!(
                "access violation reading 8 bytes at address {addr:#x}"
            )),
            "{}",
            error.message
        );
    }
}

#[test]
fn abort_and_overlapping_memcpy() {
    let outcome = fault_run(faults::ABORT);
    let error = outcome.error.unwrap();
    assert_eq!(error.kind, FaultKind::Abort);
    assert_eq!(error.message, "the contract aborted");

    let outcome = fault_run(faults::MEMCPY_OVERLAP);
    let error = outcome.error.unwrap();
    assert_eq!(error.kind, FaultKind::SyscallError);
    assert!(
        error.message.starts_with("tos_memcpy: source 0x"),
        "{}",
        error.message
    );
    assert!(
        error.message.ends_with("of 16 bytes overlap"),
        "{}",
        error.message
    );
}

/// The line (1-based) of `contracts/NAME/src/lib.rs` that first contains `marker`.
fn line_of(contract: &str, marker: &str) -> usize {
    let path = tako_test_support::repo_root().join(format!("contracts/{contract}/src/lib.rs"));
    let source = std::fs::read_to_string(path).unwrap();
    source
        .lines()
        .position(|l| l.contains(marker))
        .expect("marker present")
        + 1
}

#[test]
fn panic_reports_file_line_and_column() {
    let so = contract("oom");
    let outcome = run_ok(&so, &word(3), &Config::default());
    let error = outcome.error.unwrap();
    assert_eq!(error.kind, FaultKind::Panic);
    let line = line_of("oom", "// PANIC-SITE");
    assert_eq!(
        error.message,
        format!("panicked at oom/src/lib.rs:{line}:9")
    );
}

#[test]
fn alloc_error_reports_size_and_alignment() {
    let so = contract("oom");
    let outcome = run_ok(&so, &word(2), &Config::default());
    let error = outcome.error.unwrap();
    assert_eq!(error.kind, FaultKind::AllocError);
    assert_eq!(
        error.message,
        "memory allocation of 1048576 bytes (align 1) failed"
    );
}

#[test]
fn a_budget_running_out_in_a_syscall_keeps_the_earlier_logs() {
    let so = contract("vm-faults");
    let full = run_ok(&so, &word(faults::SYSCALL_TOUR), &Config::default());
    assert!(full.error.is_none());
    // Everything but the last 50 CU: the run dies in one of the last syscalls (each costs
    // at least 10), after the first log.
    let limit = full.cu_consumed - 50;
    let config = Config {
        cu_limit: limit,
        ..Config::default()
    };
    let cut = run_ok(&so, &word(faults::SYSCALL_TOUR), &config);
    let error = cut.error.unwrap();
    assert_eq!(error.kind, FaultKind::ComputeBudgetExceeded);
    assert_eq!(
        error.message,
        format!("compute budget exceeded: {limit} CU consumed (limit {limit})")
    );
    assert_eq!(cut.cu_consumed, limit);
    // Both logs and the return data were produced before: the 100-CU `tako_free` is what
    // the remaining budget could not pay.
    assert_eq!(cut.logs, full.logs);
    assert_eq!(cut.return_data, full.return_data);
    assert_eq!(cut.logs.first().map(String::as_str), Some("tour"));
}

#[test]
fn cli_reports_faults_with_exit_code_3() {
    let so = crate::common::contract_path("vm-faults");
    let so = so.to_str().unwrap();
    for (variant, kind) in [
        (faults::ENDLESS_LOOP, "compute_budget_exceeded"),
        (faults::RECURSION, "stack_overflow"),
        (faults::WRITE_UNMAPPED, "access_violation"),
        (faults::ABORT, "abort"),
    ] {
        let hex = hex::encode(variant.to_le_bytes());
        let out = tako_vm(&[
            "run",
            so,
            "--input-hex",
            &hex,
            "--json",
            "--cu-limit",
            "5000",
        ]);
        assert_eq!(out.status.code(), Some(3), "{variant}");
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json["error"]["kind"], kind, "{json}");
        assert!(json["return_value"].is_null());
        assert!(json["cu_consumed"].as_u64().unwrap() > 0);
    }
}
