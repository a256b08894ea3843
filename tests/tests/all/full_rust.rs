//! Differential test of "full Rust" in contracts: the `full-rust` contract and this
//! host test evaluate the same expression table (`contracts/full-rust/src/table.rs`, included
//! here with `#[path]`): `core::fmt` with width/fill/radix, `Debug` of structs, enums and
//! slices, `u128`/`i128` mul/div/rem/shifts at edge values, `f64`/`f32` arithmetic,
//! conversions and float-to-string, `i64`/`i32`/`i16`/`i8` signed division at edge values,
//! calls with 6, 7 and 8 arguments (direct, through a `fn` pointer, through `dyn`), and
//! four popular `no_std` crates (`fnv`, `hex`, `borsh` with derive, `itoa`).
//! The contract returns `[count][total][fnv1a(entry) as u32]*`; every entry and the total
//! must equal the host's, built as SBPF V0 (interpreter and JIT) and as V3 (tos-tbpf's
//! interpreter). A mismatch names the first differing entry.

#[path = "../../../contracts/full-rust/src/table.rs"]
mod table;

use tako_test_support::build_contract_with;
use vm_harness::Config;

/// CU the contract used when this test was written: 61,402 for 129 entries (interpreter
/// and JIT agree), 1,911 of them in the eleven 128-bit divisions (`tako.udivmod128` and
/// `tako.divlu`). The bound leaves about 25% for toolchain drift; a rewrite that regresses
/// the i128 or float paths by more than that should be looked at.
const CU_BOUND: u64 = 77_000;

/// The host's `(name, fnv1a(result))` for every entry, in table order.
fn host_table() -> Vec<(&'static str, u64, Vec<u8>)> {
    let mut out = Vec::new();
    table::evaluate(&mut |name, bytes| out.push((name, table::fnv1a(bytes), bytes.to_vec())));
    out
}

fn so(arch: &str) -> Vec<u8> {
    std::fs::read(build_contract_with("full-rust", &["--arch", arch])).expect("read full_rust.so")
}

fn check(arch: &str, jit: bool) {
    let so = so(arch);
    let config = Config {
        jit,
        cu_limit: 1_000_000,
        ..Config::default()
    };
    let outcome = vm_harness::run(&so, &[], &config).expect("full-rust loads and verifies");
    assert_eq!(
        outcome.error, None,
        "full-rust {arch} faulted (jit: {jit}); logs: {:?}",
        outcome.logs
    );
    assert_eq!(outcome.return_value, Some(tako_abi::code::SUCCESS));
    let data = &outcome.return_data;
    assert!(
        data.len() >= 16,
        "return data too short: {} bytes",
        data.len()
    );
    let count = u64::from_le_bytes(data[..8].try_into().unwrap()) as usize;
    let vm_total = u64::from_le_bytes(data[8..16].try_into().unwrap());
    // Per entry: the low 32 bits of its 64-bit hash.
    let vm: Vec<u64> = data[16..]
        .chunks(4)
        .map(|c| u64::from(u32::from_le_bytes(c.try_into().unwrap())))
        .collect();
    let host: Vec<(&str, u64, Vec<u8>)> = host_table()
        .into_iter()
        .map(|(name, hash, bytes)| (name, hash & 0xffff_ffff, bytes))
        .collect();
    assert_eq!(
        vm.len(),
        count,
        "count field disagrees with the data length"
    );
    let differing: Vec<(usize, &str, &Vec<u8>)> = host
        .iter()
        .zip(&vm)
        .enumerate()
        .filter(|(_, ((_, expected, _), got))| expected != *got)
        .map(|(index, ((name, _, bytes), _))| (index, *name, bytes))
        .collect();
    if let Some(&(index, name, bytes)) = differing.first() {
        let all: Vec<&str> = differing.iter().map(|d| d.1).collect();
        panic!(
            "entry {index} `{name}` is the first that differs (jit: {jit}); the host's result \
             is {:?} ({}); {} differing entries: {all:?}",
            String::from_utf8_lossy(bytes),
            hex(bytes),
            differing.len()
        );
    }
    assert_eq!(
        count,
        host.len(),
        "the contract evaluated {count} entries, the host {}",
        host.len()
    );
    // The total covers the full 64-bit entry hashes.
    let mut hashes = Vec::new();
    for (_, hash, _) in host_table() {
        hashes.extend_from_slice(&hash.to_le_bytes());
    }
    let total = table::fnv1a(&hashes);
    assert_eq!(vm_total, total, "hash over all entries (jit: {jit})");
    // The contract logs a summary with `tako_sdk::log!` (core::fmt in the VM).
    let summary = table::summary(host.len(), total).to_string();
    assert_eq!(outcome.logs, vec![summary], "the log! line (jit: {jit})");
    assert!(
        outcome.cu_consumed < CU_BOUND,
        "full-rust used {} CU (bound {CU_BOUND}, jit: {jit})",
        outcome.cu_consumed
    );
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn full_rust_matches_host_in_interpreter() {
    check("v0", false);
}

#[test]
fn full_rust_matches_host_in_jit() {
    check("v0", true);
}

#[test]
fn full_rust_v3_matches_host() {
    check("v3", false);
}

#[test]
fn table_has_every_kind_of_entry() {
    let names: Vec<&str> = host_table().iter().map(|(n, _, _)| *n).collect();
    for prefix in [
        "fmt ",
        "debug ",
        "u128 ",
        "i128 ",
        "i64 ",
        "f64 ",
        "call ",
        "crate fnv",
        "crate hex",
        "crate borsh",
        "crate itoa",
    ] {
        assert!(
            names.iter().any(|n| n.starts_with(prefix)),
            "no `{prefix}` entry"
        );
    }
    let mut sorted = names.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), names.len(), "entry names must be unique");
}

#[test]
fn panic_message_is_formatted_and_logged() {
    let so = so("v0");
    for jit in [false, true] {
        let config = Config {
            jit,
            ..Config::default()
        };
        let outcome = vm_harness::run(&so, b"panic", &config).expect("loads and verifies");
        let error = outcome.error.expect("the contract panics");
        assert_eq!(error.kind.as_str(), "panic", "{error:?}");
        assert_eq!(outcome.logs.len(), 1, "{:?}", outcome.logs);
        let log = &outcome.logs[0];
        assert!(
            log.starts_with("panicked at full-rust/src/lib.rs:"),
            "{log}"
        );
        assert!(
            log.ends_with(": full-rust panics on purpose:   42|ff"),
            "{log}"
        );
    }
}
