//! Interpreter and JIT give the same return value, logs, return data, heap use, error and
//! CU on every contract under contracts/ (and on the inputs that drive their paths).

mod common;

use vm_harness::{testing, Config};

/// Contracts that cannot be built on purpose.
const NOT_BUILDABLE: &[&str] = &["reject-writable-static"];

// The `tos` allocator variants (alloc-bench and oom `--features tos`) join this list once
// tos-alloc builds for the BPF target.

/// Extra build arguments and inputs per contract (others: default build, empty input).
fn cases(name: &str) -> (Vec<Vec<&'static str>>, Vec<Vec<u8>>) {
    let words = |v: &[u64]| v.iter().map(|w| common::word(*w)).collect::<Vec<_>>();
    let three = |a: u64, b: u64, c: u64| -> Vec<u8> {
        [a, b, c].iter().flat_map(|w| w.to_le_bytes()).collect()
    };
    match name {
        "vm-faults" => (vec![vec![]], words(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 99])),
        "oom" => (vec![vec![]], words(&[0, 1, 2, 3, 4])),
        "collections" => (vec![vec![]], {
            let mut inputs = words(&[1, 100, 400]);
            inputs.push(Vec::new());
            inputs
        }),
        "alloc-bench" => (
            vec![
                vec!["--features", "syscall", "--as", "alloc_bench_syscall"],
                vec![
                    "--features",
                    "solana-bump",
                    "--as",
                    "alloc_bench_solana_bump",
                ],
                vec![
                    "--features",
                    "pinocchio-bump",
                    "--as",
                    "alloc_bench_pinocchio_bump",
                ],
            ],
            (0..=6).map(|pattern| three(pattern, 20, 24)).collect(),
        ),
        _ => (vec![vec![]], vec![Vec::new()]),
    }
}

#[test]
fn interpreter_and_jit_agree_on_every_contract() {
    // The members of the contracts workspace (directories outside it are not built).
    let manifest =
        std::fs::read_to_string(testing::repo_root().join("contracts/Cargo.toml")).unwrap();
    let members = manifest
        .lines()
        .find_map(|l| l.trim().strip_prefix("members = ["))
        .expect("contracts/Cargo.toml lists its members on one line");
    let mut names: Vec<String> = members
        .split('"')
        .skip(1)
        .step_by(2)
        .map(String::from)
        .filter(|n| !NOT_BUILDABLE.contains(&n.as_str()))
        .collect();
    names.sort();
    assert!(names.iter().any(|n| n == "vm-faults"), "{names:?}");
    let mut runs = 0;
    for name in &names {
        let (builds, inputs) = cases(name);
        for args in builds {
            let so = std::fs::read(testing::build_contract_with(name, &args)).unwrap();
            for input in &inputs {
                for cu_limit in [200_000, 5_000] {
                    let interpreted = Config {
                        cu_limit,
                        ..Config::default()
                    };
                    let jit = Config {
                        jit: true,
                        ..interpreted.clone()
                    };
                    let a = vm_harness::run(&so, input, &interpreted).unwrap();
                    let b = vm_harness::run(&so, input, &jit).unwrap();
                    let what = format!("{name} {args:?} input {input:02x?} limit {cu_limit}");
                    assert_eq!(a.return_value, b.return_value, "{what}");
                    assert_eq!(a.cu_consumed, b.cu_consumed, "{what}");
                    assert_eq!(a.logs, b.logs, "{what}");
                    assert_eq!(a.return_data, b.return_data, "{what}");
                    assert_eq!(a.heap_used, b.heap_used, "{what}");
                    assert_eq!(a.error, b.error, "{what}");
                    runs += 1;
                }
            }
        }
    }
    eprintln!("{runs} runs compared over {} contracts", names.len());
}
