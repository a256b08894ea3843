#![doc = include_str!("../README.md")]
//!
//! The CU report (`tako-bench`): builds `contracts/alloc-bench` once per allocator through
//! `./build-example.sh`, runs every workload in the VM (interpreter, default prices) and
//! turns the CU into the figures of the report: marginal and net CU per allocation by size,
//! `Box<u64>`, first allocation, `Vec<u64>` push, `BTreeMap`, heap efficiency.
//!
//! ```no_run
//! use tako_bench::workloads::Counts;
//! let report = tako_bench::measure(&tako_bench::ALLOCATORS, Counts::FULL, |name| eprintln!("{name}"));
//! println!("{}", report.markdown());
//! std::fs::write("cu-report.json", report.to_json().to_string())?;
//! # Ok::<(), std::io::Error>(())
//! ```

pub mod baseline;
pub mod chart;
pub mod contracts;
pub mod docs;
pub mod figures;
pub mod rank;
pub mod report;
pub mod workloads;

use report::{AllocatorFigures, Report};
use tako_test_support as testing;
use workloads::{pattern, Bench, Counts, Measured, SIZES};

/// One row of the report: an allocator and how its `alloc-bench` build is made and priced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allocator {
    /// Row name (`TosAllocator`, ..., a peer's crate name).
    pub name: &'static str,
    /// What the row is, as the READMEs' tables name it.
    pub label: &'static str,
    /// `alloc-bench` cargo feature that selects it.
    pub feature: &'static str,
    /// Price of `tako_alloc`/`tako_free` when not the syscall base.
    pub alloc_price: Option<u64>,
    /// Its heap is the VM's `tako_alloc` region (the contract cannot read its use).
    pub heap_in_vm: bool,
}

impl Allocator {
    /// Whether whole workloads rank it: every row priced as the ABI prices it. A re-priced
    /// syscall row (the 1-CU one, whose allocations the host does for free) is a reference,
    /// not a competitor.
    pub fn ranked(&self) -> bool {
        self.alloc_price.is_none()
    }

    /// Whether it is one of tos-alloc's own strategies ([`tos_alloc::STRATEGIES`]), under
    /// any policy (`TosAllocator<NoReuse>` is `TosAllocator`'s): `tako-bench --check`
    /// fails when one of its figures got worse.
    pub fn ours(&self) -> bool {
        let strategy = self.name.split('<').next().unwrap_or(self.name);
        tos_alloc::STRATEGIES.iter().any(|s| s.name == strategy)
    }

    /// The rows of tos-alloc's own strategies, whose figures `tako-bench --check` guards.
    pub fn guarded() -> impl Iterator<Item = &'static Allocator> {
        ALLOCATORS.iter().filter(|a| a.ours())
    }

    /// Their names, comma-separated (for messages).
    pub fn guarded_names() -> String {
        Self::guarded()
            .map(|a| a.name)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The row named `name`.
    pub fn named(name: &str) -> Option<&'static Allocator> {
        ALLOCATORS.iter().find(|a| a.name == name)
    }

    /// The `--as` name of its build (rows that share a build share the name).
    pub fn so_name(&self) -> String {
        format!("alloc_bench_{}", self.feature.replace('-', "_"))
    }
}

/// The row of `TosAllocator` with the [`tos_alloc::NoReuse`] policy: the strategy's name
/// and the policy's ([`tos_alloc::Reuse::NAME`]), as a test checks.
pub const TOS_NO_REUSE: &str = "TosAllocator<NoReuse>";

/// Every row, in report order.
pub const ALLOCATORS: [Allocator; 12] = [
    Allocator {
        name: tos_alloc::strategy::BUMP.name,
        label: "`TosAllocator`",
        feature: "tos",
        alloc_price: None,
        heap_in_vm: false,
    },
    Allocator {
        name: TOS_NO_REUSE,
        label: "`TosAllocator<_, NoReuse>` (frees reclaim nothing)",
        feature: "tos-no-reuse",
        alloc_price: None,
        heap_in_vm: false,
    },
    Allocator {
        name: "SyscallAllocator",
        label: "`SyscallAllocator` (the syscall at its ABI price)",
        feature: "syscall",
        alloc_price: None,
        heap_in_vm: true,
    },
    Allocator {
        name: "SyscallAllocator1CU",
        label: "`SyscallAllocator` with a 1-CU syscall (a reference, not ranked)",
        feature: "syscall",
        alloc_price: Some(1),
        heap_in_vm: true,
    },
    Allocator {
        name: "SolanaBump",
        label: "Solana-style downward bump",
        feature: "solana-bump",
        alloc_price: None,
        heap_in_vm: false,
    },
    Allocator {
        name: "PinocchioBump",
        label: "pinocchio-style upward bump",
        feature: "pinocchio-bump",
        alloc_price: None,
        heap_in_vm: false,
    },
    Allocator {
        name: "talc",
        label: "`talc` (crates.io)",
        feature: "talc",
        alloc_price: None,
        heap_in_vm: false,
    },
    Allocator {
        name: "linked_list_allocator",
        label: "`linked_list_allocator` (crates.io)",
        feature: "linked-list-allocator",
        alloc_price: None,
        heap_in_vm: false,
    },
    Allocator {
        name: "rlsf",
        label: "`rlsf` (crates.io; no clz/ctz in BPF)",
        feature: "rlsf",
        alloc_price: None,
        heap_in_vm: false,
    },
    Allocator {
        name: "embedded-alloc",
        label: "`embedded-alloc` `LlffHeap` (crates.io)",
        feature: "embedded-alloc",
        alloc_price: None,
        heap_in_vm: false,
    },
    Allocator {
        name: tos_alloc::strategy::POOL.name,
        label: "`PoolAllocator`",
        feature: "pool",
        alloc_price: None,
        heap_in_vm: false,
    },
    Allocator {
        name: tos_alloc::strategy::FIRST_FIT.name,
        label: "`FirstFitAllocator`",
        feature: "first-fit",
        alloc_price: None,
        heap_in_vm: false,
    },
];

/// The rows named in `names` (all of them for `None`); an unknown name is an error naming
/// the known ones.
pub fn select(names: Option<&[String]>) -> Result<Vec<Allocator>, String> {
    let Some(names) = names else {
        return Ok(ALLOCATORS.to_vec());
    };
    names
        .iter()
        .map(|n| {
            ALLOCATORS
                .iter()
                .find(|a| a.name == n.as_str())
                .copied()
                .ok_or_else(|| {
                    let known: Vec<_> = ALLOCATORS.iter().map(|a| a.name).collect();
                    format!("unknown allocator {n:?}; known: {}", known.join(", "))
                })
        })
        .collect()
}

/// The `.so` of `allocator`, built as [`workloads::MEASURED_ARCH`] through
/// `./build-example.sh` (once per build per process).
pub fn build(allocator: &Allocator) -> Result<Vec<u8>, String> {
    build_with(allocator, &[])
}

/// [`build`] with more `alloc-bench` features (e.g. `collections`), as a `.so` of its own.
pub fn build_with(allocator: &Allocator, extra: &[&str]) -> Result<Vec<u8>, String> {
    let features = std::iter::once(allocator.feature)
        .chain(extra.iter().copied())
        .collect::<Vec<_>>();
    let so_name = std::iter::once(allocator.so_name())
        .chain(extra.iter().map(|f| f.replace('-', "_")))
        .collect::<Vec<_>>()
        .join("_");
    contracts::build_measured(
        "alloc-bench",
        &["--features", &features.join(","), "--as", &so_name],
    )
}

/// Builds and measures every allocator of `allocators` with `counts`; `progress` is told
/// each allocator's name before it starts. A build or load failure makes that row's
/// figures unmeasurable with the reason; the other rows go on.
pub fn measure(allocators: &[Allocator], counts: Counts, mut progress: impl FnMut(&str)) -> Report {
    let rows = allocators
        .iter()
        .map(|allocator| {
            progress(allocator.name);
            // The collections workload runs in a build of its own (`collections` feature),
            // so that the other patterns' build is the same as without it.
            let collections = build_with(allocator, &["collections"]).and_then(|so| {
                let bench = Bench::new(allocator, &so)?;
                let (cu, run) = bench.workload(pattern::COLLECTIONS, counts.collections)?;
                Ok((cu, bench.heap_peak(&run)))
            });
            let contract_cu = contracts::CONTRACT_WORKLOADS
                .iter()
                .map(|w| (w.contract, contracts::contract_workload(w, allocator)))
                .collect();
            let measured = build(allocator).and_then(|so| {
                Bench::new(allocator, &so)
                    .map(|bench| measure_one(&bench, allocator, counts, collections, contract_cu))
            });
            measured.unwrap_or_else(|reason| AllocatorFigures::unmeasured(allocator.name, &reason))
        })
        .collect();
    let mut report = Report::new(counts, rows);
    progress("the example contracts");
    report.contracts = contracts::measure();
    report.contract_sizes = contracts::sizes();
    report.toolchain = contract_toolchain();
    report
}

/// `rustc -V` of the toolchain `contracts/rust-toolchain.toml` selects (the one
/// `./build-example.sh` builds with), if it runs.
pub fn contract_toolchain() -> Option<String> {
    // Under `cargo run`, RUSTUP_TOOLCHAIN names the host toolchain: drop it so that rustup
    // reads contracts/rust-toolchain.toml, as build-example.sh's builds do.
    let out = std::process::Command::new("rustc")
        .arg("-V")
        .env_remove("RUSTUP_TOOLCHAIN")
        .env_remove("RUSTC")
        .current_dir(testing::repo_root().join("contracts"))
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Every figure of one allocator.
fn measure_one(
    bench: &Bench<'_>,
    allocator: &Allocator,
    counts: Counts,
    collections: Result<(f64, Measured), String>,
    contract_cu: Vec<(&'static str, Measured)>,
) -> AllocatorFigures {
    let per_size = |p: u64| -> Vec<(u64, Measured)> {
        SIZES
            .iter()
            .zip(counts.alloc)
            .map(|(&size, n)| (size, bench.marginal(p, size, n)))
            .collect()
    };
    let marginal_cu = per_size(pattern::ALLOC);
    let baseline_cu = per_size(pattern::BASELINE);
    // Box<u64>'s baseline: the same loop without the allocation (the value written to a
    // stack slot instead of a fresh block), over the same counts.
    let box_baseline_cu = bench.marginal(pattern::BOX_BASELINE, 0, counts.boxes);
    let box_marginal_cu = bench.marginal(pattern::BOX_U64, 0, counts.boxes);
    let alloc_free_marginal_cu = bench.marginal(pattern::ALLOC_FREE, 64, counts.alloc_free);
    let alloc_free_baseline_cu = bench.marginal(pattern::BASELINE, 64, counts.alloc_free);
    let first_alloc_cu = (|| {
        let empty = bench.run_ok(pattern::ALLOC, 0, 8)?;
        let one = bench.run_ok(pattern::ALLOC, 1, 8)?;
        Ok(one.cu as f64 - empty.cu as f64)
    })();
    let vec = bench.workload(pattern::VEC_PUSH, counts.vec_push);
    let btree = bench.workload(pattern::BTREEMAP, counts.btreemap);
    let (ops, max_live) = counts.churn;
    let churn = bench.workload_sized(pattern::CHURN, ops, max_live);
    AllocatorFigures {
        name: allocator.name.to_string(),
        marginal_cu,
        baseline_cu,
        box_marginal_cu,
        box_baseline_cu,
        alloc_free_marginal_cu,
        alloc_free_baseline_cu,
        first_alloc_cu,
        vec_push_cu: vec.as_ref().map(|(cu, _)| *cu).map_err(Clone::clone),
        vec_push_run_cu: vec
            .as_ref()
            .map(|(_, run)| run.cu as f64)
            .map_err(Clone::clone),
        vec_push_heap_bytes: vec
            .as_ref()
            .map_err(Clone::clone)
            .and_then(|(_, run)| bench.heap_used(run)),
        btreemap_cu: btree.as_ref().map(|(cu, _)| *cu).map_err(Clone::clone),
        btreemap_run_cu: btree
            .as_ref()
            .map(|(_, run)| run.cu as f64)
            .map_err(Clone::clone),
        btreemap_peak_heap_bytes: btree
            .as_ref()
            .map_err(Clone::clone)
            .and_then(|(_, run)| bench.heap_peak(run)),
        churn_cu_per_op: churn
            .as_ref()
            .map(|(cu, _)| cu / ops as f64)
            .map_err(Clone::clone),
        churn_peak_heap_bytes: churn
            .as_ref()
            .map_err(Clone::clone)
            .and_then(|(_, run)| bench.heap_peak(run)),
        collections_cu: collections
            .as_ref()
            .map(|(cu, _)| *cu)
            .map_err(Clone::clone),
        collections_peak_heap_bytes: collections.and_then(|(_, peak)| peak),
        contract_cu,
        heap_efficiency: bench.heap_efficiency(counts.mix_max_size),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_have_distinct_names_and_syscall_rows_share_a_build() {
        let mut names: Vec<_> = ALLOCATORS.iter().map(|a| a.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), ALLOCATORS.len());
        let syscall = select(Some(&[
            "SyscallAllocator".into(),
            "SyscallAllocator1CU".into(),
        ]))
        .unwrap();
        assert_eq!(syscall[0].so_name(), syscall[1].so_name());
        assert_eq!(syscall[1].alloc_price, Some(1));
        let so = |name| Allocator::named(name).unwrap().so_name();
        assert_eq!(so("talc"), "alloc_bench_talc");
        assert_eq!(
            so("linked_list_allocator"),
            "alloc_bench_linked_list_allocator"
        );
        assert_eq!(so("rlsf"), "alloc_bench_rlsf");
        assert_eq!(so("embedded-alloc"), "alloc_bench_embedded_alloc");
        assert_eq!(so("FirstFitAllocator"), "alloc_bench_first_fit");
        assert_eq!(so(TOS_NO_REUSE), "alloc_bench_tos_no_reuse");
    }

    #[test]
    fn the_guarded_rows_are_tos_alloc_s_strategies_and_policies() {
        use tos_alloc::Reuse;
        assert_eq!(
            TOS_NO_REUSE,
            format!(
                "{}<{}>",
                tos_alloc::strategy::BUMP.name,
                tos_alloc::NoReuse::NAME
            )
        );
        let guarded: Vec<_> = Allocator::guarded().map(|a| a.name).collect();
        let mut expected: Vec<_> = tos_alloc::STRATEGIES.iter().map(|s| s.name).collect();
        expected.insert(1, TOS_NO_REUSE);
        assert_eq!(guarded, expected);
        assert!(!Allocator::named("PinocchioBump").unwrap().ours());
    }

    #[test]
    fn unknown_names_are_refused_naming_the_known_ones() {
        let err = select(Some(&["dlmalloc".into()])).unwrap_err();
        assert!(
            err.contains("dlmalloc") && err.contains("TosAllocator"),
            "{err}"
        );
        assert_eq!(select(None).unwrap().len(), ALLOCATORS.len());
    }
}
