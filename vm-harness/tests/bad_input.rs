//! Inputs that must be refused before the program runs (`VmError`, CLI exit code 2), each
//! with its message checked.

mod common;

use common::{contract, scratch, tako_vm};
use vm_harness::{Config, VmError};

fn load_error(so: &[u8]) -> VmError {
    match vm_harness::run(so, b"", &Config::default()) {
        Err(e) => e,
        Ok(outcome) => panic!("loaded a bad file: {outcome:?}"),
    }
}

/// Replaces every occurrence of `from` by `to` (same length) in `bytes`; returns how many.
fn replace_all(bytes: &mut [u8], from: &[u8], to: &[u8]) -> usize {
    assert_eq!(from.len(), to.len());
    let mut count = 0;
    let mut i = 0;
    while i + from.len() <= bytes.len() {
        if &bytes[i..i + from.len()] == from {
            bytes[i..i + from.len()].copy_from_slice(to);
            count += 1;
            i += from.len();
        } else {
            i += 1;
        }
    }
    count
}

#[test]
fn not_an_elf() {
    let e = load_error(b"#!/bin/sh\necho hello\n");
    assert!(matches!(e, VmError::NotElf { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        "not an ELF file: it starts with 23 21 2f 62 instead of 7f 45 4c 46 (\"\\x7fELF\")"
    );
    let e = load_error(b"");
    assert!(
        e.to_string()
            .contains("not an ELF file: it starts with nothing (the file is empty)"),
        "{e}"
    );
}

#[test]
fn truncated_elf() {
    let so = contract("vm-faults");
    for len in [10, 64, so.len() / 2, so.len() - 1] {
        let e = load_error(&so[..len]);
        assert!(matches!(e, VmError::MalformedElf(_)), "{len}: {e:?}");
        assert!(
            e.to_string().contains("the file is truncated"),
            "{len}: {e}"
        );
    }
}

#[test]
fn elf_for_another_machine() {
    let mut so = contract("vm-faults");
    so[18..20].copy_from_slice(&62u16.to_le_bytes()); // EM_X86_64
    let e = load_error(&so);
    assert!(
        matches!(e, VmError::WrongMachine { e_machine: 62, .. }),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "ELF is for machine X86_64 (e_machine 62); the TAKO VM runs eBPF (e_machine 247) \
         64-bit little-endian .so files"
    );
}

#[test]
fn a_so_calling_an_unknown_syscall() {
    // The linker refuses unknown syscalls, so the file is a real contract whose `tako_free`
    // import is renamed.
    let mut so = contract("vm-faults");
    assert!(replace_all(&mut so, b"tako_free\0", b"tako_frxe\0") >= 1);
    let e = load_error(&so);
    assert!(
        matches!(&e, VmError::UnknownSyscall { name, .. } if name == "tako_frxe"),
        "{e:?}"
    );
    let msg = e.to_string();
    assert!(
        msg.starts_with("unknown syscall `tako_frxe` called at instruction #"),
        "{msg}"
    );
    assert!(
        msg.ends_with("not in the TAKO ABI (tako_abi::SYSCALLS)"),
        "{msg}"
    );
}

#[test]
fn heap_size_out_of_range() {
    let so = contract("vm-faults");
    for bad in [0, 1024, 31 * 1024, 32 * 1024 + 512, 257 * 1024, 1 << 20] {
        let config = Config {
            heap_size: bad,
            ..Config::default()
        };
        let e = vm_harness::run(&so, b"", &config).unwrap_err();
        assert!(
            matches!(e, VmError::HeapSize { requested } if requested == bad),
            "{e:?}"
        );
        assert_eq!(
            e.to_string(),
            format!(
                "heap size {bad} bytes is not allowed: use 32768..=262144 bytes in steps of 1024 \
                 (32 KiB..256 KiB)"
            )
        );
    }
    for ok in [32 * 1024, 33 * 1024, 256 * 1024] {
        let config = Config {
            heap_size: ok,
            ..Config::default()
        };
        assert!(vm_harness::run(&so, b"", &config).is_ok(), "{ok}");
    }
}

#[test]
fn cli_refuses_bad_files_and_options_with_exit_code_2() {
    let so = common::contract_path("vm-faults");
    let so = so.to_str().unwrap();
    let not_elf = scratch("not-elf.so", b"hello");
    let cases: &[(&[&str], &str)] = &[
        (&["run", not_elf.to_str().unwrap()], "not an ELF file"),
        (
            &["run", "/nonexistent/contract.so"],
            "cannot read the program /nonexistent/contract.so",
        ),
        (
            &["run", so, "--input", "/nonexistent/input.bin"],
            "cannot read the input file /nonexistent/input.bin: No such file or directory",
        ),
        (
            &["run", so, "--heap-size", "1000"],
            "heap size 1000 bytes is not allowed: use 32768..=262144",
        ),
        (
            &["run", so, "--heap-size", "300000"],
            "heap size 300000 bytes is not allowed",
        ),
        (
            &["run", so, "--input-hex", "zz"],
            "--input-hex \"zz\" is not valid hex",
        ),
        (
            &["run", so, "--cu-limit", "0"],
            "the CU limit must be at least 1",
        ),
        (
            &["profile", so, "--heap-size", "1"],
            "heap size 1 bytes is not allowed",
        ),
        (
            &["run", so, "--no-such-flag"],
            "unexpected argument '--no-such-flag'",
        ),
    ];
    for (args, expected) in cases {
        let out = tako_vm(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(expected),
            "{args:?}: expected {expected:?} in {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn a_loader_refusal_is_said_once_and_a_version_past_v3_names_the_versions() {
    let so = contract("counter");
    // e_entry = 0: the loader's own reason, printed once (no source chain repeating it).
    let mut no_entry = so.clone();
    no_entry[24..32].copy_from_slice(&0u64.to_le_bytes());
    let path = scratch("no-entry.so", &no_entry);
    let out = tako_vm(&["run", path.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("cannot load the program: Entrypoint out of bounds"),
        "{stderr}"
    );
    assert_eq!(
        stderr.matches("Entrypoint out of bounds").count(),
        1,
        "{stderr}"
    );
    // e_flags = 7: which versions the VM runs.
    let mut v7 = so;
    v7[48..52].copy_from_slice(&7u32.to_le_bytes());
    let e = vm_harness::run(&v7, b"", &Config::default()).unwrap_err();
    assert!(
        matches!(e, VmError::UnsupportedVersion { e_flags: 7 }),
        "{e:?}"
    );
    assert!(e.to_string().contains("V0..=V3"), "{e}");
}
