//! Interpreter and JIT give the same return value, logs, return data, heap use, error and
//! CU on every contract of the contracts workspace, in every feature variant, on the inputs
//! that drive their paths.

use std::path::Path;

use tako_test_support as testing;
use vm_harness::Config;

/// Contracts that cannot be built on purpose.
const NOT_BUILDABLE: &[&str] = &["reject-large-statics"];

/// Inputs per contract (others: the empty input).
fn inputs(name: &str) -> Vec<Vec<u8>> {
    let words = |v: &[u64]| {
        v.iter()
            .map(|w| crate::common::word(*w))
            .collect::<Vec<_>>()
    };
    let three = |a: u64, b: u64, c: u64| -> Vec<u8> {
        [a, b, c].iter().flat_map(|w| w.to_le_bytes()).collect()
    };
    match name {
        "vm-faults" => {
            let mut all = crate::common::faults::ALL.to_vec();
            all.push(crate::common::faults::NONE);
            words(&all)
        }
        "oom" => words(&[0, 1, 2, 3, 4]),
        "collections" => {
            let mut inputs = words(&[1, 100, 400]);
            inputs.push(Vec::new());
            inputs
        }
        "alloc-bench" => crate::common::patterns::ALL
            .iter()
            .map(|&pattern| three(pattern, 20, 24))
            .collect(),
        _ => vec![Vec::new()],
    }
}

/// The members of the contracts workspace (directories outside it are not built).
fn members(root: &Path) -> Vec<String> {
    let manifest = std::fs::read_to_string(root.join("contracts/Cargo.toml")).unwrap();
    let members = manifest
        .lines()
        .find_map(|l| l.trim().strip_prefix("members = ["))
        .expect("contracts/Cargo.toml lists its members on one line");
    members
        .split('"')
        .skip(1)
        .step_by(2)
        .map(String::from)
        .filter(|n| !NOT_BUILDABLE.contains(&n.as_str()))
        // `v3-*` contracts build only as SBPF V3, which only tos-tbpf loads (tests/ runs them).
        .filter(|n| !n.starts_with("v3-"))
        .collect()
}

/// The features of `contracts/NAME/Cargo.toml` other than `default`: each is one variant
/// (the allocator choice of `alloc-bench`, `oom`, `collections`).
fn features(root: &Path, name: &str) -> Vec<String> {
    let manifest =
        std::fs::read_to_string(root.join(format!("contracts/{name}/Cargo.toml"))).unwrap();
    let mut in_features = false;
    let mut found = Vec::new();
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_features = line == "[features]";
        } else if in_features {
            if let Some((feature, _)) = line.split_once('=') {
                let feature = feature.trim();
                if feature != "default" && !feature.starts_with('#') {
                    found.push(feature.to_string());
                }
            }
        }
    }
    found
}

#[test]
fn interpreter_and_jit_agree_on_every_contract() {
    let root = testing::repo_root();
    let names = members(root);
    assert!(names.iter().any(|n| n == "vm-faults"), "{names:?}");
    let mut runs = 0;
    let mut variants = 0;
    for name in &names {
        // V0: the JIT runs only V0.
        let mut builds: Vec<Vec<String>> = vec![Vec::new()];
        for feature in features(root, name) {
            let out_name = format!("{name}_{feature}").replace('-', "_");
            builds.push(vec!["--features".into(), feature, "--as".into(), out_name]);
        }
        for args in builds {
            let args: Vec<&str> = args
                .iter()
                .map(String::as_str)
                .chain(["--arch", "v0"])
                .collect();
            let so = std::fs::read(testing::build_contract_with(name, &args)).unwrap();
            variants += 1;
            for input in &inputs(name) {
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
    eprintln!(
        "{runs} runs compared over {variants} builds of {} contracts",
        names.len()
    );
}
