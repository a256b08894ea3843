//! The contract rows of the CU report: whole calls of the TOS-style example contracts
//! (`counter`, `token`, `multisig`) through [`TestChain`], on solana-sbpf and on tos-tbpf.
//! Each figure is the CU of one call in a fixed scenario (the state before it set up by
//! the calls listed), so a change to the SDK, the linker or the prices shows here.

use tako_test_support as testing;
use vm_harness::{Config, Engine, TestChain};

use super::workloads::Measured;
use super::Allocator;

/// One call of one contract, measured on both engines.
#[derive(Debug, Clone, PartialEq)]
pub struct ContractFigure {
    /// `contract/call` (`token/transfer`).
    pub name: String,
    /// What the call does, in the report.
    pub what: &'static str,
    /// CU on solana-sbpf.
    pub cu: Measured,
    /// CU on tos-tbpf.
    pub tbpf_cu: Measured,
}

const ALICE: [u8; 32] = [0xa1; 32];
const BOB: [u8; 32] = [0xb0; 32];

/// A call of a scenario: sender and input.
type Step = ([u8; 32], Vec<u8>);

/// `op` with `params`: the contracts' `[opcode][params]` inputs.
fn op(code: u8, params: &[&[u8]]) -> Vec<u8> {
    let mut v = vec![code];
    for p in params {
        v.extend_from_slice(p);
    }
    v
}

/// The multisig calls of a 2-of-2 wallet's life: `INIT` with ALICE and BOB, ALICE's
/// `PROPOSE` of 1 to BOB, BOB's `APPROVE` of proposal 0 (which transfers).
fn multisig_calls() -> [Step; 3] {
    let mut init = vec![0u8, 2, 2];
    init.extend_from_slice(&ALICE);
    init.extend_from_slice(&BOB);
    [
        (ALICE, init),
        (ALICE, op(1, &[&BOB, &1u64.to_le_bytes()])),
        (BOB, op(2, &[&0u64.to_le_bytes()])),
    ]
}

/// What the multisig row of the whole workloads runs: a 2-of-2 wallet's three calls.
pub const MULTISIG_WORKLOAD: &str =
    "2 of 2: init, propose, the approval that transfers (three whole calls, state in storage)";

/// The scenarios: contract, figure name, description, set-up calls, measured call.
fn scenarios() -> Vec<(&'static str, &'static str, &'static str, Vec<Step>, Step)> {
    let amount = |n: u64| n.to_le_bytes();
    let token_setup = vec![
        (ALICE, op(0, &[])),
        (ALICE, op(1, &[&ALICE, &amount(1000)])),
        (ALICE, op(2, &[&BOB, &amount(1)])),
    ];
    let [init_2_of_2, propose, approve] = multisig_calls();
    vec![
        (
            "counter",
            "increment",
            "counter: the second increment (storage read + write)",
            vec![(ALICE, vec![])],
            (ALICE, vec![]),
        ),
        (
            "token",
            "mint",
            "token: mint to an account that holds tokens",
            token_setup.clone(),
            (ALICE, op(1, &[&BOB, &amount(5)])),
        ),
        (
            "token",
            "transfer",
            "token: transfer between two accounts that hold tokens (2 balance writes, 1 event)",
            token_setup.clone(),
            (ALICE, op(2, &[&BOB, &amount(1)])),
        ),
        (
            "token",
            "approve",
            "token: approve a spender",
            token_setup,
            (ALICE, op(3, &[&BOB, &amount(7)])),
        ),
        (
            "multisig",
            "propose",
            "multisig 2 of 2: open a proposal (state decoded into a BTreeMap, re-encoded)",
            vec![init_2_of_2.clone()],
            propose.clone(),
        ),
        (
            "multisig",
            "approve_execute",
            "multisig 2 of 2: the approval that transfers",
            vec![init_2_of_2, propose],
            approve,
        ),
    ]
}

/// The CU of each of `calls`, made in order on a fresh chain where `so` is deployed (and
/// given 1,000 to move); an error names the first call that failed.
fn run_calls(config: Config, so: &[u8], calls: &[Step]) -> Result<Vec<u64>, String> {
    let mut chain = TestChain::with_config(config);
    let contract = chain.deploy(so.to_vec()).map_err(|e| e.to_string())?;
    chain.fund(contract, 1_000);
    calls
        .iter()
        .enumerate()
        .map(|(i, (sender, input))| {
            let out = chain
                .call(&contract, sender, input)
                .map_err(|e| e.to_string())?;
            if !out.succeeded() {
                return Err(format!("call {} of {} failed: {out}", i + 1, calls.len()));
            }
            Ok(out.cu_consumed)
        })
        .collect()
}

/// The `.so` of `contract` built as SBPF V0 (the version both engines load) by
/// `./build-example.sh` with `args` added.
pub(crate) fn build_v0(contract: &str, args: &[&str]) -> Result<Vec<u8>, String> {
    let args: Vec<&str> = args.iter().copied().chain(["--arch", "v0"]).collect();
    let path = testing::try_build_contract_with(contract, &args)
        .map_err(|e| format!("build failed: {e}"))?;
    std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// CU of the measured call of a scenario on `engine`.
fn measure_on(engine: Engine, so: &[u8], setup: &[Step], call: &Step) -> Measured {
    let config = Config {
        engine: Some(engine),
        ..Config::default()
    };
    let calls: Vec<Step> = setup.iter().cloned().chain([call.clone()]).collect();
    let cus = run_calls(config, so, &calls)?;
    Ok(*cus.last().expect("the measured call is the last") as f64)
}

/// Every contract figure; a contract that does not build makes its figures unmeasured.
pub fn measure() -> Vec<ContractFigure> {
    scenarios()
        .into_iter()
        .map(|(contract, call, what, setup, measured)| {
            // V0, the version both engines load, so the two columns compare the engines.
            let so = build_v0(contract, &[]);
            let (cu, tbpf_cu) = match &so {
                Ok(so) => (
                    measure_on(Engine::Sbpf, so, &setup, &measured),
                    measure_on(Engine::Tbpf, so, &setup, &measured),
                ),
                Err(e) => (Err(e.clone()), Err(e.clone())),
            };
            ContractFigure {
                name: format!("{contract}/{call}"),
                what,
                cu,
                tbpf_cu,
            }
        })
        .collect()
}

/// The cargo features `contract` declares (`contracts/NAME/Cargo.toml`'s `[features]`).
fn declared_features(contract: &str) -> Result<Vec<String>, String> {
    let path = testing::repo_root()
        .join("contracts")
        .join(contract)
        .join("Cargo.toml");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(features_in(&text))
}

/// The keys of a manifest's `[features]` table: its lines `name = [...]` (comments and the
/// continuation lines of a multi-line array have no key of their own).
fn features_in(manifest: &str) -> Vec<String> {
    let mut in_features = false;
    let mut features = Vec::new();
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') && !line.starts_with("[\"") {
            in_features = line == "[features]";
        } else if in_features && !line.starts_with('#') {
            if let Some((name, _)) = line.split_once('=') {
                features.push(name.trim().trim_matches('"').to_string());
            }
        }
    }
    features
}

/// The CU of [`MULTISIG_WORKLOAD`] with the multisig contract built with `allocator`'s
/// feature (V0, solana-sbpf, `allocator`'s price for `tako_alloc`): the contract's own
/// run, calls and storage included. Unmeasured for an allocator the contract declares no
/// feature for.
pub fn multisig_workload(allocator: &Allocator) -> Measured {
    let mut features = declared_features("multisig")?;
    features.retain(|f| f != "default");
    if !features.iter().any(|f| f == allocator.feature) {
        return Err(format!(
            "the multisig contract is not built with {} (its allocator features: {})",
            allocator.name,
            features.join(", ")
        ));
    }
    let so_name = format!("multisig_{}", allocator.feature.replace('-', "_"));
    let so = build_v0(
        "multisig",
        &["--features", allocator.feature, "--as", &so_name],
    )?;
    let mut config = Config {
        engine: Some(Engine::Sbpf),
        ..Config::default()
    };
    if let Some(cu) = allocator.alloc_price {
        config.prices = config.prices.with_alloc(cu);
    }
    let cus = run_calls(config, &so, &multisig_calls())?;
    Ok(cus.iter().sum::<u64>() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_are_the_keys_of_the_features_table() {
        let manifest = "[package]\nname = \"x\"\n\n[features]\n# a = comment\ndefault = [\"tos\"]\n\
                        tos = []\npool = [\n  \"dep:y\",\n]\n\"first-fit\" = []\n\n[dependencies]\ny = \"1\"\n";
        assert_eq!(
            features_in(manifest),
            ["default", "tos", "pool", "first-fit"]
        );
    }

    #[test]
    fn an_allocator_the_multisig_contract_is_not_built_with_is_unmeasured_by_name() {
        let talc = Allocator::named("talc").unwrap();
        let why = multisig_workload(talc).unwrap_err();
        assert!(
            why.starts_with(
                "the multisig contract is not built with talc (its allocator features: tos, "
            ),
            "{why}"
        );
        assert!(!why.contains("default"), "{why}");
    }

    #[test]
    fn a_failing_call_is_named_by_its_place() {
        let so = build_v0("multisig", &[]).unwrap();
        let [init, propose, _] = multisig_calls();
        // A second INIT fails (the wallet exists): the error names it, and the proposal
        // after it is not made.
        let why = run_calls(Config::default(), &so, &[init.clone(), init, propose]).unwrap_err();
        assert!(why.starts_with("call 2 of 3 failed: "), "{why}");
    }

    #[test]
    fn the_multisig_contract_is_built_with_each_of_our_allocators() {
        let declared = declared_features("multisig").unwrap();
        for a in Allocator::guarded() {
            assert!(
                declared.iter().any(|f| f == a.feature),
                "contracts/multisig/Cargo.toml declares no feature {} for {}",
                a.feature,
                a.name
            );
        }
    }
}
