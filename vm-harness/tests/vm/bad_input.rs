//! Inputs that must be refused before the program runs (`VmError`, CLI exit code 2), each
//! with its message checked.

use crate::common::{contract, scratch, tako_vm};
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
    let so = crate::common::contract_path("vm-faults");
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
    // e_entry = 0: what is wrong, in the VM's words, printed once (no source chain repeating it).
    let mut no_entry = so.clone();
    no_entry[24..32].copy_from_slice(&0u64.to_le_bytes());
    let path = scratch("no-entry.so", &no_entry);
    let out = tako_vm(&["run", path.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "cannot load the program: the entry point (e_entry) is not an instruction of the \
             program's text"
        ),
        "{stderr}"
    );
    assert_eq!(stderr.matches("entry point").count(), 1, "{stderr}");
    // Not the loader's own wording.
    assert!(!stderr.contains("Entrypoint out of bounds"), "{stderr}");
    // The same refusal on tos-tbpf.
    let tbpf = Config {
        engine: Some(vm_harness::Engine::Tbpf),
        ..Config::default()
    };
    let e = vm_harness::run(&no_entry, b"", &tbpf).unwrap_err();
    assert!(
        matches!(
            e,
            VmError::Load(vm_harness::loader::LoadProblem::EntryOutside)
        ),
        "{e:?}"
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

/// The file offset of section `name`'s header, and the section's file offset.
fn section(so: &[u8], name: &str) -> (usize, usize) {
    let elf = goblin::elf::Elf::parse(so).unwrap();
    let index = elf
        .section_headers
        .iter()
        .position(|sh| elf.shdr_strtab.get_at(sh.sh_name) == Some(name))
        .unwrap_or_else(|| panic!("no section {name}"));
    let header = elf.header.e_shoff as usize + index * usize::from(elf.header.e_shentsize);
    (header, elf.section_headers[index].sh_offset as usize)
}

#[test]
fn a_nobits_text_is_named_and_a_bad_symbol_name_does_not_stop_the_load() {
    let so = contract("counter");
    // `.text` marked SHT_NOBITS: said as such, not as the loader's "no program set".
    let mut nobits = so.clone();
    let (header, _) = section(&so, ".text");
    nobits[header + 4..header + 8].copy_from_slice(&8u32.to_le_bytes());
    let e = load_error(&nobits);
    assert!(matches!(e, VmError::MalformedElf(_)), "{e:?}");
    assert!(e.to_string().contains("section .text is SHT_NOBITS"), "{e}");
    assert!(!e.to_string().contains("prog_set"), "{e}");

    // A byte of `.strtab` (symbol names, which the loader does not need) that is not
    // UTF-8: the program runs as before.
    let mut strtab = so.clone();
    let (_, offset) = section(&so, ".strtab");
    strtab[offset + 3] = 0xff;
    let config = Config::default();
    let before = vm_harness::run(&so, b"", &config).unwrap();
    let after = vm_harness::run(&strtab, b"", &config).unwrap();
    assert_eq!(
        (after.return_value, after.cu_consumed),
        (before.return_value, before.cu_consumed)
    );
}

#[test]
fn inputs_past_the_cap_cu_limits_past_tos_and_long_profiles_are_refused() {
    let so_path = crate::common::contract_path("counter");
    let so = so_path.to_str().unwrap();
    // The library: an input one byte over tako_abi::MAX_INPUT_SIZE.
    let big = vec![0u8; tako_abi::MAX_INPUT_SIZE as usize + 1];
    let e = vm_harness::run(&contract("counter"), &big, &Config::default()).unwrap_err();
    assert!(
        matches!(e, VmError::InputTooLarge { len } if len == big.len() as u64),
        "{e:?}"
    );
    assert!(e.to_string().contains("at most 262144"), "{e}");
    // The CLI reads at most the cap of a file, and names its size.
    let path = scratch("big-input", &big);
    let out = tako_vm(&["run", so, "--input", path.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("the input is 262145 bytes"), "{stderr}");

    // Above TOS's 10,000,000 CU: only with the explicit flag; never for profile.
    let out = tako_vm(&["run", so, "--cu-limit", "10000001"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--beyond-tos-budget"), "{stderr}");
    let out = tako_vm(&["run", so, "--cu-limit", "10000001", "--beyond-tos-budget"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = tako_vm(&[
        "profile",
        so,
        "--cu-limit",
        "50000000",
        "--beyond-tos-budget",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("at most TOS's 10000000 CU"), "{stderr}");
}

#[test]
fn a_tos_allocator_out_of_its_declared_heap_says_so() {
    let so = crate::common::contract_path("oom");
    let so = so.to_str().unwrap();
    let out = tako_vm(&["run", so, "--heap-size", "262144"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout
            .contains("TosAllocator ended 32768 bytes into the heap, though the VM mapped 262144"),
        "{stdout}"
    );
    // At the size it declares, nothing to say.
    let out = tako_vm(&["run", so]);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("note:"));
}

#[test]
fn a_v3_header_tos_tbpf_refuses_is_named() {
    let so = std::fs::read(crate::common::contract_v3_path("counter")).unwrap();
    let refusal = |bytes: &[u8]| load_error(bytes).to_string();
    let entry = u64::from_le_bytes(so[24..32].try_into().unwrap());
    let phoff = u64::from_le_bytes(so[32..40].try_into().unwrap()) as usize;

    let mut far = so.clone();
    far[24..32].copy_from_slice(&0x12_3456u64.to_le_bytes());
    let e = refusal(&far);
    assert!(
        e.contains(
            "the entry point e_entry 0x123456 is not an instruction of the bytecode segment"
        ),
        "{e}"
    );

    // The instruction after the entry's frame marker is no function start.
    let mut inside = so.clone();
    inside[24..32].copy_from_slice(&(entry + 8).to_le_bytes());
    let e = refusal(&inside);
    assert!(e.contains("is not a frame marker"), "{e}");

    // Program header 0's p_vaddr (at byte 16 of the header).
    let mut moved = so.clone();
    moved[phoff + 16..phoff + 24].copy_from_slice(&0x5000u64.to_le_bytes());
    let e = refusal(&moved);
    assert!(
        e.contains("program header 0 (the bytecode segment): it is at vaddr 0x5000"),
        "{e}"
    );
    assert!(!e.contains("Invalid ELF program header"), "{e}");
}

/// The instruction index of the first `.text` instruction with opcode `opcode`, and the
/// file offset of `.text`.
fn first_instruction(so: &[u8], opcode: u8) -> (usize, usize) {
    let (_, text) = section(so, ".text");
    let elf = goblin::elf::Elf::parse(so).unwrap();
    let size = elf
        .section_headers
        .iter()
        .find(|sh| elf.shdr_strtab.get_at(sh.sh_name) == Some(".text"))
        .unwrap()
        .sh_size as usize;
    let k = (0..size / 8)
        .find(|k| so[text + k * 8] == opcode)
        .unwrap_or_else(|| panic!("no instruction with opcode {opcode:#x}"));
    (k, text)
}

#[test]
fn a_verifier_refusal_names_the_instruction_its_function_and_the_rule_on_both_engines() {
    use vm_harness::verify::VerifyProblem;
    use vm_harness::Engine;
    const JA: u8 = 0x05;
    const MOV64_IMM: u8 = 0xb7;
    let engines = |v3: bool| {
        let tbpf = Config {
            engine: Some(Engine::Tbpf),
            ..Config::default()
        };
        if v3 {
            vec![tbpf]
        } else {
            vec![Config::default(), tbpf]
        }
    };
    for v3 in [false, true] {
        let so = if v3 {
            std::fs::read(crate::common::contract_v3_path("counter")).unwrap()
        } else {
            contract("counter")
        };
        // A jump far past the end of the program.
        let (j, text) = first_instruction(&so, JA);
        let mut jump = so.clone();
        jump[text + j * 8 + 2..text + j * 8 + 4].copy_from_slice(&i16::MAX.to_le_bytes());
        let target = j + 1 + i16::MAX as usize;
        // An opcode no SBPF version has, in place of a `mov64` of a constant.
        let (m, _) = first_instruction(&so, MOV64_IMM);
        let mut opcode = so.clone();
        opcode[text + m * 8] = 0xff;
        for config in engines(v3) {
            let refused = |bytes: &[u8]| match vm_harness::run(bytes, b"", &config) {
                Err(VmError::Verify(r)) => r,
                other => panic!(
                    "v3 {v3}, {:?}: not a verifier refusal: {other:?}",
                    config.engine
                ),
            };
            let r = refused(&jump);
            assert_eq!(r.instruction, Some(j));
            assert_eq!(r.problem, VerifyProblem::JumpOutside { target });
            let function = r.function.clone().expect("counter has symbols");
            assert_eq!(
                VmError::Verify(r).to_string(),
                format!(
                    "the verifier rejected the program: instruction #{j} of .text (in \
                     {function}) jumps to instruction #{target}, where it may not: a jump \
                     stays inside the program (V0) and inside the function it is in (V3)"
                )
            );
            let r = refused(&opcode);
            assert_eq!(
                (r.instruction, &r.problem),
                (Some(m), &VerifyProblem::UnknownOpcode { opcode: 0xff })
            );
            assert!(
                r.to_string()
                    .contains("has opcode 0xff, which the program's SBPF version does not have"),
                "{r}"
            );
            assert!(!r.to_string().contains("insn"), "{r}");
        }
    }
}
