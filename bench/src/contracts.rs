//! The contract rows of the CU report: whole calls of the TOS-style example contracts
//! (`counter`, `token`, `multisig`, `escrow`) through [`TestChain`]: built as SBPF V0 on
//! solana-sbpf and on tos-tbpf, and built as V3 (TOS's default) on tos-tbpf. Each figure
//! is the CU of one call in a fixed scenario (the state before it set up by the calls
//! listed), so a change to the SDK, the linker or the prices shows here.
//! Also the whole-contract workloads ([`CONTRACT_WORKLOADS`]): an example contract built
//! with each in-VM allocator, a sequence of its calls measured whole.

use tako_test_support as testing;
use vm_harness::{Config, Engine, TestChain};

use super::workloads::{Measured, MEASURED_ARCH, MEASURED_ENGINE};
use super::Allocator;

/// One call of one contract: the V0 build on both engines, the V3 build on tos-tbpf.
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
    /// CU of the V3 build (what TOS's toolchain and ours write by default) on tos-tbpf, the
    /// only engine that loads V3.
    pub v3_cu: Measured,
}

impl ContractFigure {
    /// The three figures' names in the baseline: `contract/CONTRACT/CALL/cu` (V0 on
    /// solana-sbpf), `.../tbpf_cu` (V0 on tos-tbpf), `.../v3_cu` (V3 on tos-tbpf).
    pub fn figure_names(name: &str) -> [String; 3] {
        ["cu", "tbpf_cu", "v3_cu"].map(|column| format!("contract/{name}/{column}"))
    }

    /// The figures under their names ([`Self::figure_names`]).
    pub fn figures(&self) -> [(String, Measured); 3] {
        let [cu, tbpf, v3] = Self::figure_names(&self.name);
        [
            (cu, self.cu.clone()),
            (tbpf, self.tbpf_cu.clone()),
            (v3, self.v3_cu.clone()),
        ]
    }
}

/// The size of an example contract's `.so` as `./build-example.sh` builds it by default
/// (SBPF V3, what TOS's toolchain writes): what a deploy carries.
#[derive(Debug, Clone, PartialEq)]
pub struct ContractSize {
    /// The contract (`contracts/NAME`).
    pub contract: &'static str,
    /// Bytes of its `.so`.
    pub bytes: Measured,
}

impl ContractSize {
    /// The figure's name in the baseline: `contract/CONTRACT/so_bytes`.
    pub fn figure_name(contract: &str) -> String {
        format!("contract/{contract}/so_bytes")
    }
}

/// The size of each contract whose calls are measured ([`calls`]), in report order, then
/// of `hello`, the contract `cargo tako new` starts from (the SDK's logging, formatting and
/// reports); a contract that does not build is unmeasured.
pub fn sizes() -> Vec<ContractSize> {
    let mut contracts: Vec<&'static str> = calls().into_iter().map(|(c, _, _)| c).collect();
    contracts.push("hello");
    contracts.dedup();
    contracts
        .into_iter()
        .map(|contract| ContractSize {
            contract,
            bytes: build(contract, &[]).map(|so| so.len() as f64),
        })
        .collect()
}

/// A call's name in the report, `contract/call`.
pub fn call_name(contract: &str, call: &str) -> String {
    format!("{contract}/{call}")
}

/// Every measured call: `(contract, call, what it does)`, in report order.
pub fn calls() -> Vec<(&'static str, &'static str, &'static str)> {
    scenarios()
        .into_iter()
        .map(|(contract, call, what, _, _)| (contract, call, what))
        .collect()
}

#[path = "../../contracts/escrow/src/abi.rs"]
#[allow(dead_code)]
mod escrow;

const ALICE: [u8; 32] = [0xa1; 32];
const BOB: [u8; 32] = [0xb0; 32];
const CAROL: [u8; 32] = [0xc0; 32];

/// A call of a scenario: sender, input and the value it moves to the contract (the chain
/// gives the sender that much first).
#[derive(Debug, Clone)]
struct Step {
    from: [u8; 32],
    input: Vec<u8>,
    value: u64,
}

/// A call by `from` with `input` and no value.
fn by(from: [u8; 32], input: Vec<u8>) -> Step {
    Step {
        from,
        input,
        value: 0,
    }
}

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
        by(ALICE, init),
        by(ALICE, op(1, &[&BOB, &1u64.to_le_bytes()])),
        by(BOB, op(2, &[&0u64.to_le_bytes()])),
    ]
}

/// The escrow calls of three deals (ALICE buys from BOB, CAROL arbitrates): three `OPEN`s
/// of 30, 20 and 10, ALICE's `RELEASE` of deal 0 and CAROL's `REFUND` of deal 1.
fn escrow_calls() -> [Step; 5] {
    use escrow::*;
    let open = |value| Step {
        from: ALICE,
        input: open_input(&BOB, &CAROL, 100).to_vec(),
        value,
    };
    [
        open(30),
        open(20),
        open(10),
        by(ALICE, id_input(RELEASE, 0).to_vec()),
        by(CAROL, id_input(REFUND, 1).to_vec()),
    ]
}

/// An example contract built with each in-VM allocator (the feature of the allocator's
/// name), its calls run whole on a fresh chain: a row of the whole workloads.
pub struct ContractWorkload {
    /// The contract (`contracts/NAME`), also the workload's key in figure names.
    pub contract: &'static str,
    /// What the calls do, in the report.
    pub what: &'static str,
    calls: fn() -> Vec<Step>,
}

/// The whole-contract workloads.
pub const CONTRACT_WORKLOADS: [ContractWorkload; 2] = [
    ContractWorkload {
        contract: "multisig",
        what: "2 of 2: init, propose, the approval that transfers (three whole calls, state in storage)",
        calls: || multisig_calls().to_vec(),
    },
    ContractWorkload {
        contract: "escrow",
        what: "three deals opened, one released, one refunded (five whole calls, state in storage)",
        calls: || escrow_calls().to_vec(),
    },
];

/// The scenarios: contract, figure name, description, set-up calls, measured call.
fn scenarios() -> Vec<(&'static str, &'static str, &'static str, Vec<Step>, Step)> {
    let amount = |n: u64| n.to_le_bytes();
    let token_setup = vec![
        by(ALICE, op(0, &[])),
        by(ALICE, op(1, &[&ALICE, &amount(1000)])),
        by(ALICE, op(2, &[&BOB, &amount(1)])),
    ];
    let [init_2_of_2, propose, approve] = multisig_calls();
    let [open_0, open_1, _, release_0, _] = escrow_calls();
    vec![
        (
            "counter",
            "increment",
            "the second increment (storage read + write)",
            vec![by(ALICE, vec![])],
            by(ALICE, vec![]),
        ),
        (
            "token",
            "mint",
            "mint to an account that holds tokens",
            token_setup.clone(),
            by(ALICE, op(1, &[&BOB, &amount(5)])),
        ),
        (
            "token",
            "transfer",
            "transfer between two accounts that hold tokens (2 balance writes, 1 event)",
            token_setup.clone(),
            by(ALICE, op(2, &[&BOB, &amount(1)])),
        ),
        (
            "token",
            "approve",
            "approve a spender",
            token_setup,
            by(ALICE, op(3, &[&BOB, &amount(7)])),
        ),
        (
            "multisig",
            "propose",
            "open a proposal in a 2-of-2 wallet (state decoded into a BTreeMap, re-encoded)",
            vec![init_2_of_2.clone()],
            propose.clone(),
        ),
        (
            "multisig",
            "approve_execute",
            "the approval that transfers, in a 2-of-2 wallet",
            vec![init_2_of_2, propose],
            approve,
        ),
        (
            "escrow",
            "open",
            "open a second deal (state decoded into a BTreeMap, re-encoded)",
            vec![open_0.clone()],
            open_1.clone(),
        ),
        (
            "escrow",
            "release",
            "the buyer releases one of two deals (a transfer, an event)",
            vec![open_0, open_1],
            release_0,
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
        .map(|(i, step)| {
            let funds = chain.balance(&step.from);
            chain.fund(step.from, funds + step.value);
            let out = chain
                .call_with_value(&contract, &step.from, &step.input, step.value)
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
    build(contract, &args)
}

/// The `.so` of `contract` built as every allocator figure is measured ([`MEASURED_ARCH`])
/// by `./build-example.sh` with `args` added.
pub(crate) fn build_measured(contract: &str, args: &[&str]) -> Result<Vec<u8>, String> {
    let args: Vec<&str> = args
        .iter()
        .copied()
        .chain(["--arch", MEASURED_ARCH])
        .collect();
    build(contract, &args)
}

/// The `.so` of `contract` as `./build-example.sh` builds it with `args` (by default SBPF
/// V3, what TOS's toolchain writes too).
fn build(contract: &str, args: &[&str]) -> Result<Vec<u8>, String> {
    let path = testing::try_build_contract_with(contract, args)
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
            let v3_cu = build(contract, &[])
                .and_then(|so| measure_on(Engine::Tbpf, &so, &setup, &measured));
            ContractFigure {
                name: call_name(contract, call),
                what,
                cu,
                tbpf_cu,
                v3_cu,
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
    features_in(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The keys of a manifest's `[features]` table (none when it has no such table).
fn features_in(manifest: &str) -> Result<Vec<String>, String> {
    let doc: toml_edit::DocumentMut = manifest
        .parse()
        .map_err(|e| format!("not a valid manifest: {e}"))?;
    Ok(doc
        .get("features")
        .and_then(|item| item.as_table_like())
        .map(|table| table.iter().map(|(key, _)| key.to_string()).collect())
        .unwrap_or_default())
}

/// The CU of `workload` with its contract built with `allocator`'s feature and without its
/// default features, which pick its own allocator ([`MEASURED_ARCH`] on
/// [`MEASURED_ENGINE`], `allocator`'s price for `tako_alloc`): the
/// contract's own run, calls and storage included. Unmeasured for an allocator the contract
/// declares no feature for.
pub fn contract_workload(workload: &ContractWorkload, allocator: &Allocator) -> Measured {
    let contract = workload.contract;
    let mut features = declared_features(contract)?;
    features.retain(|f| f != "default");
    if !features.iter().any(|f| f == allocator.feature) {
        return Err(format!(
            "the {contract} contract is not built with {} (its allocator features: {})",
            allocator.name,
            features.join(", ")
        ));
    }
    let so_name = format!("{contract}_{}", allocator.feature.replace('-', "_"));
    let so = build_measured(
        contract,
        &[
            "--no-default-features",
            "--features",
            allocator.feature,
            "--as",
            &so_name,
        ],
    )?;
    let mut config = Config {
        engine: Some(MEASURED_ENGINE),
        ..Config::default()
    };
    if let Some(cu) = allocator.alloc_price {
        config.prices = config.prices.with_alloc(cu);
    }
    let cus = run_calls(config, &so, &(workload.calls)())?;
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
            features_in(manifest).unwrap(),
            ["default", "tos", "pool", "first-fit"]
        );
        assert_eq!(
            features_in("[package]\nname = \"x\"\n").unwrap(),
            Vec::<String>::new()
        );
        let why = features_in("[features\n").unwrap_err();
        assert!(why.starts_with("not a valid manifest: "), "{why}");
    }

    #[test]
    fn an_allocator_the_multisig_contract_is_not_built_with_is_unmeasured_by_name() {
        let talc = Allocator::named("talc").unwrap();
        let why = contract_workload(&CONTRACT_WORKLOADS[0], talc).unwrap_err();
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
    fn each_workload_contract_is_built_with_each_of_our_allocators() {
        for w in &CONTRACT_WORKLOADS {
            let declared = declared_features(w.contract).unwrap();
            for a in Allocator::guarded() {
                assert!(
                    declared.iter().any(|f| f == a.feature),
                    "contracts/{}/Cargo.toml declares no feature {} for {}",
                    w.contract,
                    a.feature,
                    a.name
                );
            }
        }
    }

    #[test]
    fn every_workload_call_succeeds_and_a_paid_call_moves_its_value() {
        for w in &CONTRACT_WORKLOADS {
            let so = build_measured(w.contract, &[]).unwrap();
            let calls = (w.calls)();
            let cus = run_calls(Config::default(), &so, &calls).unwrap();
            assert_eq!(cus.len(), calls.len());
        }
        // An escrow OPEN without its value is refused: the value reaches the contract.
        let so = build_measured("escrow", &[]).unwrap();
        let mut unpaid = escrow_calls()[0].clone();
        unpaid.value = 0;
        let why = run_calls(Config::default(), &so, &[unpaid]).unwrap_err();
        assert!(why.starts_with("call 1 of 1 failed: "), "{why}");
    }
}
