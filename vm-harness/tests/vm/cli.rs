//! The `tako-vm` binary: JSON keys, summary, exit code 0, input options and `profile`.

use crate::common::{contract_path, scratch, tako_vm};

/// The command ran to completion (exit 0); otherwise its stderr is the failure message.
fn assert_ran(out: &std::process::Output) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn json_of(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn run_json_has_exactly_the_documented_keys() {
    let so = contract_path("basic");
    let out = tako_vm(&["run", so.to_str().unwrap(), "--json"]);
    assert_ran(&out);
    let json = json_of(&out);
    let mut keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "balance_changes",
            "cu_consumed",
            "engine",
            "error",
            "events",
            "heap_used",
            "logs",
            "return_data",
            "return_value",
            "statics",
            "storage_writes",
            "syscalls"
        ]
    );
    assert_eq!(json["return_value"], 0);
    assert!(json["error"].is_null());
    // basic's whole run (132 CU as V0 when measured); a bound, so that a code-generation
    // change of the toolchain moves the CU baseline, not this test.
    let cu = json["cu_consumed"].as_u64().unwrap();
    assert!((100..=250).contains(&cu), "{cu}");
    assert!(json["logs"].is_array());
    assert!(json["return_data"].is_string());
    // basic's allocations: what it writes, not how it is compiled.
    assert_eq!(json["heap_used"], 259);
    assert_eq!(json["statics"], 0, "basic has no writable statics");
    // `--allocator-stats` adds one key: `basic` allocates with TosAllocator, so the bump
    // heap's figures and no strategy usage.
    let out = tako_vm(&["run", so.to_str().unwrap(), "--json", "--allocator-stats"]);
    assert_eq!(out.status.code(), Some(0));
    let json = json_of(&out);
    assert_eq!(json.as_object().unwrap().len(), 13);
    let allocator = &json["allocator"];
    let mut keys: Vec<&str> = allocator
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        ["block_size", "bump", "classes", "name", "strategy", "usage"]
    );
    assert_eq!(allocator["strategy"], "bump");
    assert_eq!(allocator["name"], "TosAllocator");
    assert_eq!(allocator["bump"]["peak"], 224);
    assert_eq!(
        allocator["bump"]["used"], 0,
        "basic frees what it allocates"
    );
    // The default 32 KiB heap, less the 40-byte header.
    assert_eq!(allocator["bump"]["capacity"], 32 * 1024 - 40);
    assert_eq!(allocator["bump"]["failed"], 0);
    assert!(allocator["bump"]["allocations"].is_null());
    assert!(allocator["usage"].is_null());
    assert!(allocator["classes"].is_null());
    assert!(allocator["block_size"].is_null());
}

#[test]
fn a_contract_returning_an_error_code_still_exits_0() {
    let so = contract_path("vm-faults");
    // Variant 99 does not exist: the contract returns INVALID_INPUT (1), a completed run.
    let out = tako_vm(&[
        "run",
        so.to_str().unwrap(),
        "--input-hex",
        "6300000000000000",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(json_of(&out)["return_value"], tako_abi::code::INVALID_INPUT);
}

#[test]
fn input_file_hex_and_jit_give_the_same_run() {
    let so = contract_path("vm-faults");
    let so = so.to_str().unwrap();
    let file = scratch("tour.bin", &7u64.to_le_bytes());
    let by_file = tako_vm(&["run", so, "--input", file.to_str().unwrap(), "--json"]);
    let by_hex = tako_vm(&["run", so, "--input-hex", "0700000000000000", "--json"]);
    let by_jit = tako_vm(&[
        "run",
        so,
        "--input-hex",
        "07 00 00 00 00 00 00 00",
        "--json",
        "--jit",
    ]);
    assert_eq!(by_file.status.code(), Some(0));
    let json = json_of(&by_file);
    assert_eq!(json, json_of(&by_hex));
    assert_eq!(json, json_of(&by_jit));
    assert_eq!(json["logs"][0], "tour");
    assert_eq!(json["return_data"], "ab68656c6c6f207461ababababababab");
    assert_eq!(json["heap_used"], 72);
}

#[test]
fn the_summary_names_every_figure() {
    let so = contract_path("vm-faults");
    let out = tako_vm(&[
        "run",
        so.to_str().unwrap(),
        "--input-hex",
        "0700000000000000",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    for label in [
        "return value: 0",
        "CU consumed:",
        "heap used:    72 bytes",
        // vm-faults has no tos-alloc allocator.
        "allocator:    none recognised",
        "return data:  16 bytes: ab68",
        "run time:",
        "logs:",
        "  tour",
    ] {
        assert!(text.contains(label), "{label:?} missing in\n{text}");
    }
}

#[test]
fn profile_attributes_every_cu_to_a_named_function() {
    let so = contract_path("collections");
    let out = tako_vm(&["profile", so.to_str().unwrap()]);
    assert_ran(&out);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("entrypoint @ 0x"), "{text}");
    assert!(text.contains("finish_grow"), "{text}");

    let profile = vm_harness::profile(
        &std::fs::read(&so).unwrap(),
        b"",
        &vm_harness::Config::default(),
    )
    .unwrap();
    let run = vm_harness::run(&std::fs::read(&so).unwrap(), b"", &Default::default()).unwrap();
    assert!(profile.symbolized);
    assert_eq!(profile.outcome.cu_consumed, run.cu_consumed);
    assert_eq!(profile.outcome.logs, run.logs);
    assert_eq!(profile.attributed_cu(), run.cu_consumed);
    assert!(
        profile.functions.windows(2).all(|w| w[0].cu >= w[1].cu),
        "sorted"
    );
    let entry = profile
        .functions
        .iter()
        .find(|f| f.name == "entrypoint")
        .unwrap();
    assert_eq!(entry.calls, 1);
}

/// `profile --hot N`: every executed instruction counted once per execution, the counts
/// adding up to each function's instructions; the CLI lists the N most executed, and `run`
/// refuses the option.
#[test]
fn profile_counts_every_instruction_and_lists_the_hottest() {
    let so = contract_path("collections");
    let bytes = std::fs::read(&so).unwrap();
    let profile = vm_harness::profile(&bytes, b"", &vm_harness::Config::default()).unwrap();
    let counted: u64 = profile.instructions.iter().map(|i| i.count).sum();
    let executed: u64 = profile.functions.iter().map(|f| f.instructions).sum();
    assert_eq!(counted, executed);
    assert!(profile
        .instructions
        .windows(2)
        .all(|w| w[0].count >= w[1].count));
    for f in &profile.functions {
        let own: u64 = profile
            .instructions
            .iter()
            .filter(|i| i.function == f.name)
            .map(|i| i.count)
            .sum();
        assert_eq!(own, f.instructions, "{}", f.name);
    }
    let hottest = &profile.instructions[0];
    assert!(hottest.count > 1, "collections loops");
    // The engine's disassembly, syscalls by name.
    assert!(profile.instructions.iter().all(|i| !i.text.is_empty()));
    assert!(
        profile.instructions.iter().any(|i| i
            .text
            .strip_prefix("syscall ")
            .is_some_and(|name| tako_abi::syscall(name).is_some())),
        "collections moves memory with a TAKO syscall, named"
    );
    let function = profile
        .functions
        .iter()
        .find(|f| f.name == hottest.function)
        .unwrap();
    assert_eq!(hottest.address, function.address + hottest.offset);

    let path = so.to_str().unwrap();
    let out = tako_vm(&["profile", path, "--hot", "3"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let address = format!("{:#x}", hottest.address);
    let place = format!("{} + {:#x}", hottest.function, hottest.offset);
    assert!(
        text.lines()
            .any(|l| l.contains(&address) && l.contains(&hottest.text) && l.ends_with(&place)),
        "{address} {} {place} missing in\n{text}",
        hottest.text
    );
    let shown = format!(
        "3 of {} distinct instructions executed shown",
        profile.instructions.len()
    );
    assert!(text.contains(&shown), "{text}");

    let json = json_of(&tako_vm(&["profile", path, "--json", "--hot", "2"]));
    let listed = json["instructions"].as_array().unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["count"], hottest.count);
    assert_eq!(listed[0]["address"], hottest.address);
    assert_eq!(listed[0]["text"], hottest.text);

    let out = tako_vm(&["run", path, "--hot", "1"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("tako-vm profile --hot"), "{stderr}");
}

#[test]
fn profile_of_a_faulting_run_still_adds_up() {
    let so = std::fs::read(contract_path("vm-faults")).unwrap();
    let config = vm_harness::Config {
        cu_limit: 3_000,
        ..Default::default()
    };
    for variant in [0u64, 1, 7] {
        let profile = vm_harness::profile(&so, &variant.to_le_bytes(), &config).unwrap();
        let run = vm_harness::run(&so, &variant.to_le_bytes(), &config).unwrap();
        assert_eq!(profile.outcome.cu_consumed, run.cu_consumed, "{variant}");
        assert_eq!(profile.outcome.error, run.error, "{variant}");
        assert_eq!(profile.attributed_cu(), run.cu_consumed, "{variant}");
        let entry = profile
            .functions
            .iter()
            .find(|f| f.name == "entrypoint")
            .unwrap();
        assert_eq!(entry.inclusive_cu, run.cu_consumed, "{variant}");
        if variant == 1 {
            // Recursion counted once: the recursive function's inclusive CU is its own.
            let recurse = profile
                .functions
                .iter()
                .find(|f| f.name.ends_with("recurse"))
                .unwrap();
            assert_eq!(recurse.inclusive_cu, recurse.cu);
            // The 256 KiB stack holds 32 V0 frames: the entry point, the wrapper that
            // `entrypoint!` runs the contract in, then recursive calls until the stack
            // runs out (the last one faults on its first store).
            assert_eq!(recurse.calls, 31, "32 frames of stack");
        }
    }
}

#[test]
fn a_closed_stdout_ends_quietly_not_with_a_panic() {
    use std::process::{Command, Stdio};
    let so = contract_path("basic");
    // The reader is gone before tako-vm starts (`tako-vm ... | head -0` where head has
    // exited): every write fails with a broken pipe. (Dropping the reader after the spawn
    // raced with the child, whose few lines fit in the pipe's buffer: CI once saw exit 0.)
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let out = Command::new(env!("CARGO_BIN_EXE_tako-vm"))
        .args(["profile", so.to_str().unwrap()])
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("tako-vm starts");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(141), "{stderr}");
}

#[test]
fn allocator_stats_without_json_is_a_usage_error() {
    let so = contract_path("basic");
    let out = tako_vm(&["run", so.to_str().unwrap(), "--allocator-stats"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--allocator-stats") && stderr.contains("--json"),
        "{stderr}"
    );
}

#[test]
fn a_stdout_that_cannot_be_written_is_an_error_not_a_panic() {
    use std::process::{Command, Stdio};
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return; // no /dev/full on this system: nothing to test
    };
    let so = contract_path("basic");
    let out = Command::new(env!("CARGO_BIN_EXE_tako-vm"))
        .args(["run", so.to_str().unwrap()])
        .stdout(Stdio::from(full))
        .output()
        .expect("tako-vm starts");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("cannot write to stdout") && !stderr.contains("panicked"),
        "{stderr}"
    );
}

/// `--state`: a counter run five times leaves 5 in its storage; a corrupt file is refused
/// and left as it was; a call that fails writes nothing.
#[test]
fn state_file_persists_storage_across_runs_and_only_successful_calls_commit() {
    let so = contract_path("counter");
    let so = so.to_str().unwrap();
    let state = scratch("counter-state.json", b"");
    std::fs::remove_file(&state).unwrap();
    let state_arg = state.to_str().unwrap();
    for i in 1..=5u64 {
        let out = tako_vm(&["run", so, "--state", state_arg, "--json"]);
        assert_ran(&out);
        let json = json_of(&out);
        assert_eq!(json["return_data"], hex::encode(i.to_le_bytes()), "{json}");
        assert_eq!(json["storage_writes"][0]["key"], hex::encode(b"count"));
        assert_eq!(
            json["storage_writes"][0]["value"],
            hex::encode(i.to_le_bytes())
        );
    }
    let chain: vm_harness::ChainState =
        serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    let contract = vm_harness::chain::contract_address(&std::fs::read(so).unwrap());
    assert_eq!(
        chain.get(&contract, b"count"),
        Some(&5u64.to_le_bytes()[..])
    );

    // A call that returns an error code (9 bytes of input: INVALID_INPUT) commits nothing.
    let before = std::fs::read(&state).unwrap();
    let out = tako_vm(&[
        "run",
        so,
        "--state",
        state_arg,
        "--input-hex",
        "000000000000000000",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(std::fs::read(&state).unwrap(), before);

    // A corrupt state file, for `run` and `profile` alike: exit 2, a message naming the
    // file, the file untouched.
    let corrupt = scratch("corrupt-state.json", b"{ not json");
    for command in ["run", "profile"] {
        let out = tako_vm(&[command, so, "--state", corrupt.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{command}: {stderr}");
        assert!(stderr.contains("is not a tako-vm chain state"), "{stderr}");
        assert!(stderr.contains("left untouched"), "{stderr}");
        assert_eq!(std::fs::read(&corrupt).unwrap(), b"{ not json");
    }
}

/// `profile` makes the same call as `run`: it reads `--state` (the counter's third
/// increment returns 3), writes the state after a successful call and adds the allocator
/// figures with `--allocator-stats`.
#[test]
fn profile_reads_and_writes_the_state_file_as_run_does() {
    let so = contract_path("counter");
    let so = so.to_str().unwrap();
    let state = scratch("profile-state.json", b"");
    std::fs::remove_file(&state).unwrap();
    let state_arg = state.to_str().unwrap();
    for _ in 0..2 {
        assert_eq!(
            tako_vm(&["run", so, "--state", state_arg]).status.code(),
            Some(0)
        );
    }
    let out = tako_vm(&["profile", so, "--state", state_arg, "--json"]);
    assert_ran(&out);
    let json = json_of(&out);
    assert_eq!(
        json["return_data"],
        hex::encode(3u64.to_le_bytes()),
        "{json}"
    );
    assert!(
        json["functions"].as_array().is_some_and(|f| !f.is_empty()),
        "{json}"
    );
    assert!(json.get("allocator").is_none(), "{json}");
    let chain: vm_harness::ChainState =
        serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    let contract = vm_harness::chain::contract_address(&std::fs::read(so).unwrap());
    assert_eq!(
        chain.get(&contract, b"count"),
        Some(&3u64.to_le_bytes()[..])
    );
    // `--allocator-stats` adds the `allocator` key, as with `run`: basic's TosAllocator.
    let basic = contract_path("basic");
    let out = tako_vm(&[
        "profile",
        basic.to_str().unwrap(),
        "--json",
        "--allocator-stats",
    ]);
    let json = json_of(&out);
    assert!(json["allocator"].is_object(), "{json}");
}

/// `--sender` and `--value`: the value moves from the sender to the contract only when
/// the call succeeds; a sender who cannot pay is refused before the call.
#[test]
fn call_value_moves_with_a_successful_call_only() {
    let so = contract_path("counter");
    let so = so.to_str().unwrap();
    let sender = "11".repeat(32);
    let rich = format!(r#"{{"storage": {{}}, "balances": {{"{sender}": 100}}}}"#);
    let state = scratch("value-state.json", rich.as_bytes());
    let state_arg = state.to_str().unwrap();
    let out = tako_vm(&[
        "run", so, "--state", state_arg, "--sender", &sender, "--value", "30", "--json",
    ]);
    assert_ran(&out);
    let json = json_of(&out);
    let changes = json["balance_changes"].as_array().unwrap();
    assert_eq!(changes.len(), 2, "{json}");
    let chain: vm_harness::ChainState =
        serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    assert_eq!(chain.balance(&[0x11; 32]), 70);
    let out = tako_vm(&[
        "run", so, "--state", state_arg, "--sender", &sender, "--value", "71",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("less than the call's value 71"), "{stderr}");
    let out = tako_vm(&["run", so, "--sender", "12"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("an address is 32 bytes"), "{stderr}");
}

#[test]
fn engine_option_runs_tos_tbpf_and_refuses_its_jit() {
    let so = contract_path("counter");
    let so = so.to_str().unwrap();
    let sbpf = json_of(&tako_vm(&["run", so, "--json"]));
    let tbpf = json_of(&tako_vm(&["run", so, "--json", "--engine", "tbpf"]));
    for key in [
        "return_value",
        "cu_consumed",
        "logs",
        "return_data",
        "storage_writes",
    ] {
        assert_eq!(sbpf[key], tbpf[key], "{key}");
    }
    assert_eq!(
        (&sbpf["engine"], &tbpf["engine"]),
        (&"sbpf".into(), &"tbpf".into())
    );
    let out = tako_vm(&["run", so, "--engine", "tbpf", "--jit"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("the JIT is solana-sbpf's"), "{stderr}");
    let out = tako_vm(&["run", so, "--engine", "evm"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("unknown engine `evm`"), "{stderr}");
}

/// A default build is SBPF V3: `run` and `profile` pick tos-tbpf for it without `--engine`,
/// the profile names its functions and attributes every CU, `--jit` is refused with the
/// fix, and `profile --engine tbpf` traces a V0 program too. An `entrypoint!` contract
/// refuses an input longer than its 2 KiB buffer with INVALID_INPUT and a log saying why.
#[test]
fn v3_runs_and_profiles_on_tbpf_and_an_input_past_the_entry_buffer_is_refused() {
    let v3 = crate::common::contract_v3_path("collections");
    let v3 = v3.to_str().unwrap();
    let run = json_of(&tako_vm(&["run", v3, "--json"]));
    assert_eq!(run["engine"], "tbpf");
    assert_eq!(run["return_value"], tako_abi::code::SUCCESS);
    let out = tako_vm(&["profile", v3]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_ran(&out);
    assert!(text.contains("entrypoint @ 0x"), "{text}");
    assert!(text.contains("finish_grow"), "{text}");
    let bytes = std::fs::read(v3).unwrap();
    let profile = vm_harness::profile(&bytes, b"", &vm_harness::Config::default()).unwrap();
    assert!(profile.symbolized);
    assert_eq!(profile.outcome.engine, vm_harness::Engine::Tbpf);
    assert_eq!(profile.outcome.cu_consumed, run["cu_consumed"]);
    assert_eq!(profile.attributed_cu(), profile.outcome.cu_consumed);
    let out = tako_vm(&["run", v3, "--jit"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("does not load SBPF V3"), "{stderr}");
    assert!(stderr.contains("--arch v0"), "{stderr}");

    let v0 = contract_path("collections");
    let tbpf = vm_harness::Config {
        engine: Some(vm_harness::Engine::Tbpf),
        ..Default::default()
    };
    let v0_bytes = std::fs::read(&v0).unwrap();
    let on_tbpf = vm_harness::profile(&v0_bytes, b"", &tbpf).unwrap();
    let on_sbpf = vm_harness::profile(&v0_bytes, b"", &Default::default()).unwrap();
    assert_eq!(on_tbpf.outcome.engine, vm_harness::Engine::Tbpf);
    assert_eq!(on_tbpf.outcome.cu_consumed, on_sbpf.outcome.cu_consumed);
    assert_eq!(on_tbpf.functions, on_sbpf.functions);
    // V3 pays one instruction per call and a frame marker per function entered.
    assert!(profile.outcome.cu_consumed > on_sbpf.outcome.cu_consumed);

    let so = contract_path("vm-faults");
    let so = so.to_str().unwrap();
    let long = scratch("long-input.bin", &vec![0u8; 2049]);
    let json = json_of(&tako_vm(&[
        "run",
        so,
        "--input",
        long.to_str().unwrap(),
        "--json",
    ]));
    assert_eq!(json["return_value"], tako_abi::code::INVALID_INPUT);
    assert_eq!(
        json["logs"][0],
        "input of 2049 bytes exceeds the entrypoint's buffer of 2048 (use entrypoint!(f, heap))"
    );
}

#[test]
fn the_readme_example_output_is_what_the_command_prints() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let documented: serde_json::Value = readme
        .lines()
        .find(|l| l.starts_with("{\"balance_changes\""))
        .map(|l| serde_json::from_str(l).expect("the README's JSON line parses"))
        .expect("the README shows a run's JSON");
    // The README's command: the default (V3) build of counter, a fresh state file.
    let so = crate::common::contract_v3_path("counter");
    let state = std::env::temp_dir().join(format!("readme-state-{}.json", std::process::id()));
    let _ = std::fs::remove_file(&state);
    let out = tako_vm(&[
        "run",
        so.to_str().unwrap(),
        "--state",
        state.to_str().unwrap(),
        "--json",
    ]);
    let _ = std::fs::remove_file(&state);
    assert_eq!(
        json_of(&out),
        documented,
        "vm-harness/README.md's example is stale"
    );
}
