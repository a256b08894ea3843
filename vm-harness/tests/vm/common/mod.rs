//! Shared helpers of vm-harness's integration tests.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

use vm_harness::{Config, Outcome};

pub use tako_test_support::ids::{
    alloc_bench as patterns, alloc_bench_params as bench_params, vm_faults as faults,
};

/// Builds a contract as SBPF V0 (once per process) and returns its path. These tests
/// pin V0's exact CU and layout and run it on both engines and the JIT.
pub fn contract_path(name: &str) -> PathBuf {
    tako_test_support::build_contract_with(name, &["--arch", "v0"])
}

/// Builds a contract the default way, as SBPF V3 (once per process), and returns its path.
pub fn contract_v3_path(name: &str) -> PathBuf {
    tako_test_support::build_contract(name)
}

/// Builds a contract (once per process) and returns its bytes.
pub fn contract(name: &str) -> Vec<u8> {
    std::fs::read(contract_path(name)).expect("the built .so is readable")
}

/// One `u64` LE input word.
pub fn word(v: u64) -> Vec<u8> {
    v.to_le_bytes().to_vec()
}

/// Runs `so` with `input` under `config`; the program must load.
pub fn run_ok(so: &[u8], input: &[u8], config: &Config) -> Outcome {
    vm_harness::run(so, input, config).expect("the program loads and verifies")
}

/// Runs variant `v` of the `vm-faults` contract `so` with a heap of `heap` bytes (the
/// other settings default).
pub fn fault_run_with_heap(so: &[u8], v: u64, heap: u64) -> Outcome {
    let config = Config {
        heap_size: heap,
        ..Config::default()
    };
    run_ok(so, &word(v), &config)
}

/// Runs variant `v` of `vm-faults` with the default config.
pub fn fault_run(v: u64) -> Outcome {
    run_ok(&contract("vm-faults"), &word(v), &Config::default())
}

/// Runs the `tako-vm` binary.
pub fn tako_vm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tako-vm"))
        .args(args)
        .output()
        .expect("tako-vm starts")
}

/// A file under the test's own scratch directory.
pub fn scratch(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vm-harness-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}
