//! The report's renderings: `cu-report.json` (a `null` at key `K` has a string at
//! `K_reason` beside it) and the markdown tables, of the figures of [`super::figures`].

use serde_json::{json, Map, Value};

pub use super::figures::{AllocatorFigures, Report};
use super::workloads::{Measured, MEASURED_ARCH, MEASURED_ENGINE, SIZES};

/// What the report says about its method (also the JSON's `method`).
pub const METHOD: &str = "alloc-bench built once per allocator as SBPF V3, what TOS's toolchain writes and its node runs by default \
(./build-example.sh alloc-bench --features F --arch v3), run in the TAKO VM on tos-tbpf (TOS's VM), interpreted, with the default prices (syscall base 100 CU; SyscallAllocator1CU: the same .so with \
tako_alloc/tako_free at 1 CU) and a 32 KiB heap. Layouts are hidden from the compiler (black_box). \
marginal_cu = (CU(N2) - CU(N1)) / (N2 - N1) of N allocations of the size, kept live, same .so, N1 and N2 on the \
same side of every one-time cost (the first allocation's set-up; the strategies' pools and chunks); \
net_cu = marginal_cu - the marginal of the same loop without the allocation (BASELINE), same .so and counts. \
alloc_free_64_net_cu = marginal of (alloc 64 B, write, dealloc) - the BASELINE marginal (the steady state of a heap that frees). \
box_u64_net_cu = marginal of Box::new(black_box(i)) (layout known at compile time) - the marginal of the same \
loop without the allocation (BOX_BASELINE: the value written to a stack slot whose address goes through black_box), \
same counts. first_alloc_cu = CU(1 allocation of 8 B) - CU(0), the whole first iteration (compare with \
marginal_cu[8]; TosAllocator sets its header up there, with the 32 KiB every VM maps and no syscall). vec_push_1000.cu and btreemap_1000.cu = CU(count) - CU(count 0) of the same .so (the \
contract's entry and return data excluded; run_cu is the whole run); heap_bytes = bytes the allocator holds at the end (its own count; \
bumps include their 8-byte cursor word; SyscallAllocator: the VM's tako_alloc high-water mark); \
peak_heap_bytes likewise at the peak (PoolAllocator: its bump high-water mark; FirstFitAllocator: its peak of blocks in use). \
churn.cu_per_op = (CU(ops) - CU(0)) / ops of a BTreeMap<u64, u64> churn (fixed-seed inserts or removes, few keys live); \
null when the allocator runs out of heap before the end. collections_100.cu = CU(n) - CU(0) of the collections contract's own \
workload (Vec growth, BTreeMap, String building, Box<dyn Trait>, Rc; its source included in alloc-bench), n = counts.collections. heap_efficiency = bytes live at the first failed allocation / heap size \
under a fixed-seed alloc/free/realloc mix of 8..=512-byte blocks (the mix's own slot table counts as live). \
Ratios: reference / this (how many times fewer CU than the reference).";

/// Peers from crates.io that were tried as `alloc-bench` features and could not be made to
/// work, with what was observed: `(name, reason)`. Rendered in the markdown and as the
/// JSON's `peers_not_working`.
pub const PEERS_NOT_WORKING: &[(&str, &str)] = &[(
    "embedded-alloc (TlsfHeap)",
    "embedded-alloc 0.7.0 fixes rlsf's parameters at Tlsf<usize, usize, 64, 64>: its 64 x 64 \
     free-list heads alone take 32 KiB, so the heap object (about 33.3 KB) is larger than the \
     32 KiB heap it would have to live in; placed in the heap header, its initialisation faults \
     (`tako_memset: Access violation writing 33296 bytes at address 0x300000010 (in heap \
     region)`). In a 64 KiB heap it initialises, but its `used()` panics at once (embedded-alloc \
     src/tlsf.rs:114:35: `free_with_cs` borrows the RefCell that `used` still holds), so it \
     cannot report its heap use either. The embedded-alloc row is its LlffHeap.",
)];

/// Rounds to 2 decimals (CU figures are exact integers or simple fractions).
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Inserts `key: value` (rounded), or `key: null` and `key_reason: why`.
fn put(map: &mut Map<String, Value>, key: &str, m: &Measured, integer: bool) {
    match m {
        Ok(v) if integer && v.fract() == 0.0 => {
            map.insert(key.into(), json!(*v as i64));
        }
        Ok(v) => {
            map.insert(key.into(), json!(round2(*v)));
        }
        Err(why) => {
            map.insert(key.into(), Value::Null);
            map.insert(format!("{key}_reason"), json!(why));
        }
    }
}

fn by_size(sizes: &[(u64, Measured)]) -> Value {
    let mut map = Map::new();
    for (size, m) in sizes {
        put(&mut map, &size.to_string(), m, true);
    }
    Value::Object(map)
}

/// A figure as a table cell: integers plainly, fractions to 2 decimals, `n/a` when missing.
pub fn cell(m: &Measured) -> String {
    match m {
        Ok(v) if v.fract() == 0.0 => format!("{}", *v as i64),
        Ok(v) => format!("{v:.2}"),
        Err(_) => "n/a".into(),
    }
}

fn efficiency_cell(m: &Measured) -> String {
    match m {
        Ok(e) => format!("{:.1}%", e * 100.0),
        Err(_) => "n/a".into(),
    }
}

fn ratio_cell(m: &Measured) -> String {
    match m {
        Ok(v) => format!("{v:.2}×"),
        Err(_) => "n/a".into(),
    }
}

impl Report {
    /// `cu-report.json`.
    pub fn to_json(&self) -> Value {
        let c = &self.counts;
        let allocators: Vec<Value> = self
            .allocators
            .iter()
            .map(|a| {
                let mut m = Map::new();
                m.insert("name".into(), json!(a.name));
                m.insert("marginal_cu".into(), by_size(&a.marginal_cu));
                m.insert("net_cu".into(), by_size(&a.net_cu()));
                m.insert("baseline_marginal_cu".into(), by_size(&a.baseline_cu));
                put(&mut m, "box_u64_net_cu", &a.box_u64_net_cu(), true);
                put(&mut m, "box_u64_marginal_cu", &a.box_marginal_cu, true);
                put(&mut m, "box_u64_baseline_cu", &a.box_baseline_cu, true);
                put(&mut m, "alloc_free_64_net_cu", &a.alloc_free_net_cu(), true);
                put(
                    &mut m,
                    "alloc_free_64_marginal_cu",
                    &a.alloc_free_marginal_cu,
                    true,
                );
                put(&mut m, "first_alloc_cu", &a.first_alloc_cu, true);
                let mut vec = Map::new();
                put(&mut vec, "cu", &a.vec_push_cu, true);
                put(&mut vec, "heap_bytes", &a.vec_push_heap_bytes, true);
                put(&mut vec, "run_cu", &a.vec_push_run_cu, true);
                vec.insert("pushes".into(), json!(c.vec_push));
                m.insert("vec_push_1000".into(), Value::Object(vec));
                let mut map = Map::new();
                put(&mut map, "cu", &a.btreemap_cu, true);
                put(
                    &mut map,
                    "peak_heap_bytes",
                    &a.btreemap_peak_heap_bytes,
                    true,
                );
                map.insert("keys".into(), json!(c.btreemap));
                m.insert("btreemap_1000".into(), Value::Object(map));
                let mut churn = Map::new();
                churn.insert("completed".into(), json!(a.churn_cu_per_op.is_ok()));
                put(&mut churn, "cu_per_op", &a.churn_cu_per_op, false);
                put(
                    &mut churn,
                    "peak_heap_bytes",
                    &a.churn_peak_heap_bytes,
                    true,
                );
                churn.insert("ops".into(), json!(c.churn.0));
                churn.insert("max_live_keys".into(), json!(c.churn.1));
                m.insert("churn".into(), Value::Object(churn));
                let mut collections = Map::new();
                put(&mut collections, "cu", &a.collections_cu, true);
                put(
                    &mut collections,
                    "peak_heap_bytes",
                    &a.collections_peak_heap_bytes,
                    true,
                );
                collections.insert("n".into(), json!(c.collections));
                m.insert("collections_100".into(), Value::Object(collections));
                for (contract, cu) in &a.contract_cu {
                    let mut row = Map::new();
                    put(&mut row, "cu", cu, true);
                    m.insert((*contract).into(), Value::Object(row));
                }
                match &a.heap_efficiency {
                    Ok(e) => {
                        m.insert("heap_efficiency".into(), json!((e * 1e4).round() / 1e4));
                    }
                    Err(_) => put(&mut m, "heap_efficiency", &a.heap_efficiency, false),
                }
                let mut ratios = Map::new();
                for reference in ["SyscallAllocator", "SolanaBump"] {
                    let mut r = Map::new();
                    for (key, value) in self.ratios(reference, a) {
                        put(&mut r, &key, &value, false);
                    }
                    ratios.insert(format!("vs_{reference}"), Value::Object(r));
                }
                m.insert("ratios".into(), Value::Object(ratios));
                Value::Object(m)
            })
            .collect();
        json!({
            "method": METHOD,
            "toolchain": self.toolchain,
            "counts": {
                "name": self.counts_name(),
                "alloc": SIZES.iter().zip(c.alloc).map(|(s, (n1, n2))| json!({"size": s, "n1": n1, "n2": n2})).collect::<Vec<_>>(),
                "box_u64": {"n1": c.boxes.0, "n2": c.boxes.1},
                "alloc_free_64": {"n1": c.alloc_free.0, "n2": c.alloc_free.1},
                "vec_push": c.vec_push,
                "btreemap": c.btreemap,
                "random_mix_max_size": c.mix_max_size,
                "churn": {"ops": c.churn.0, "max_live_keys": c.churn.1},
                "collections": c.collections,
            },
            "allocators": allocators,
            "contracts": self.contracts.iter().map(|c| {
                let mut m = Map::new();
                m.insert("name".into(), json!(c.name));
                m.insert("what".into(), json!(c.what));
                put(&mut m, "cu", &c.cu, true);
                put(&mut m, "tbpf_cu", &c.tbpf_cu, true);
                put(&mut m, "v3_cu", &c.v3_cu, true);
                Value::Object(m)
            }).collect::<Vec<_>>(),
            "contract_sizes": self.contract_sizes.iter().map(|c| {
                let mut m = Map::new();
                m.insert("contract".into(), json!(c.contract));
                put(&mut m, "so_bytes", &c.bytes, true);
                Value::Object(m)
            }).collect::<Vec<_>>(),
            "peers_not_working": PEERS_NOT_WORKING
                .iter()
                .map(|(name, reason)| json!({"name": name, "reason": reason}))
                .collect::<Vec<_>>(),
        })
    }

    /// The markdown report: per-allocation CU, workloads, and why any figure is missing.
    pub fn markdown(&self) -> String {
        let c = &self.counts;
        let mut s = String::new();
        s.push_str(&format!(
            "## CU report: allocators in the TAKO VM (counts: {})\n\n",
            self.counts_name()
        ));
        if let Some(t) = &self.toolchain {
            s.push_str(&format!(
                "Contracts built with `{t}`; allocator figures: SBPF {} on {}, interpreted, default prices, 32 KiB heap.\n\n",
                MEASURED_ARCH.to_uppercase(),
                MEASURED_ENGINE.name()
            ));
        }
        // The notes come before the tables, so that a log ends with the last table.
        s.push_str(&self.notes());
        s.push_str("CU per allocation, hidden layout: net (marginal). Ratios: SyscallAllocator or SolanaBump net ÷ this net, at 8 / 64 bytes.\n\n");
        s.push_str("| Allocator | 8 B | 64 B | 512 B | 4096 B | Box<u64> net (marginal) | 64 B alloc+free net (marginal) | first alloc | vs Syscall (8/64 B) | vs SolanaBump (8/64 B) |\n");
        s.push_str("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for a in &self.allocators {
            let sizes: Vec<String> = a
                .net_cu()
                .iter()
                .zip(&a.marginal_cu)
                .map(|((_, n), (_, m))| format!("{} ({})", cell(n), cell(m)))
                .collect();
            let pair = |reference: &str| {
                format!(
                    "{} / {}",
                    ratio_cell(&self.ratio_to(reference, a, |x| x.net_at(8))),
                    ratio_cell(&self.ratio_to(reference, a, |x| x.net_at(64)))
                )
            };
            s.push_str(&format!(
                "| {} | {} | {} ({}) | {} ({}) | {} | {} | {} |\n",
                a.name,
                sizes.join(" | "),
                cell(&a.box_u64_net_cu()),
                cell(&a.box_marginal_cu),
                cell(&a.alloc_free_net_cu()),
                cell(&a.alloc_free_marginal_cu),
                cell(&a.first_alloc_cu),
                pair("SyscallAllocator"),
                pair("SolanaBump"),
            ));
        }
        s.push_str(&format!(
            "\nWorkloads: Vec<u64> push ×{}, BTreeMap<u64, u64> {} inserts then {} removes (CU beyond the contract's empty run), heap efficiency (live bytes at the first failed allocation ÷ 32 KiB). Ratios: reference CU ÷ this CU.\n\n",
            c.vec_push, c.btreemap, c.btreemap
        ));
        s.push_str("| Allocator | Vec CU | Vec heap B | vs Syscall | vs SolanaBump | BTreeMap CU | BTreeMap peak B | vs Syscall | vs SolanaBump | heap efficiency |\n");
        s.push_str("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for a in &self.allocators {
            let r = |reference: &str, f: fn(&AllocatorFigures) -> Measured| {
                ratio_cell(&self.ratio_to(reference, a, f))
            };
            let vec = |x: &AllocatorFigures| x.vec_push_cu.clone();
            let map = |x: &AllocatorFigures| x.btreemap_cu.clone();
            let efficiency = efficiency_cell(&a.heap_efficiency);
            s.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                a.name,
                cell(&a.vec_push_cu),
                cell(&a.vec_push_heap_bytes),
                r("SyscallAllocator", vec),
                r("SolanaBump", vec),
                cell(&a.btreemap_cu),
                cell(&a.btreemap_peak_heap_bytes),
                r("SyscallAllocator", map),
                r("SolanaBump", map),
                efficiency,
            ));
        }
        s.push_str(&format!(
            "\nChurn: BTreeMap<u64, u64>, {} fixed-seed inserts or removes, at most {} keys live, in the 32 KiB heap (CU beyond the empty run ÷ operations). A bump heap never reuses what the map frees.\n\n",
            c.churn.0, c.churn.1
        ));
        s.push_str("| Allocator | completes | CU per op | peak heap B | heap efficiency |\n");
        s.push_str("|---|---|---:|---:|---:|\n");
        for a in &self.allocators {
            let completes = match &a.churn_cu_per_op {
                Ok(_) => "yes".to_string(),
                Err(why) if why.contains("alloc_error") || why.contains("out of memory") => {
                    "no: out of heap".to_string()
                }
                Err(_) => "n/a".to_string(),
            };
            s.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                a.name,
                completes,
                cell(&a.churn_cu_per_op),
                cell(&a.churn_peak_heap_bytes),
                efficiency_cell(&a.heap_efficiency),
            ));
        }
        s.push_str(&super::rank::markdown(self));
        if !self.contracts.is_empty() {
            let write = tako_abi::syscall("storage_write")
                .map(|w| w.price.charge([0, 0, 0, 8, 0], 0))
                .unwrap_or(0);
            s.push_str(&format!(
                "\nContract calls: the whole call's CU (TestChain, default prices, 32 KiB heap): the SBPF V0 build on solana-sbpf and on tos-tbpf, and the V3 build (TOS's default) on tos-tbpf. One storage_write of 8 bytes is priced {write} CU.\n\n"
            ));
            s.push_str("| Call | what | V0, solana-sbpf | V0, tos-tbpf | V3, tos-tbpf |\n|---|---|---:|---:|---:|\n");
            for c in &self.contracts {
                s.push_str(&format!(
                    "| {} | {} | {} | {} | {} |\n",
                    c.name,
                    c.what,
                    cell(&c.cu),
                    cell(&c.tbpf_cu),
                    cell(&c.v3_cu)
                ));
            }
        }
        if !self.contract_sizes.is_empty() {
            s.push_str("\nContract sizes: bytes of each contract's `.so` as built by default (SBPF V3), what a deploy carries.\n\n| Contract | `.so` bytes |\n|---|---:|\n");
            for c in &self.contract_sizes {
                s.push_str(&format!("| {} | {} |\n", c.contract, cell(&c.bytes)));
            }
        }
        s
    }

    /// The peers that could not be made to work and the figures that could not be
    /// measured, with the reasons (each list followed by a blank line; empty when none).
    fn notes(&self) -> String {
        let mut s = String::new();
        if !PEERS_NOT_WORKING.is_empty() {
            s.push_str("Peers that could not be made to work:\n\n");
            for (name, reason) in PEERS_NOT_WORKING {
                s.push_str(&format!("- {name}: {reason}\n"));
            }
            s.push('\n');
        }
        let missing: Vec<String> = self
            .allocators
            .iter()
            .flat_map(|a| a.figures())
            .filter_map(|(path, m, _)| m.err().map(|why| format!("- `{path}`: {why}")))
            .collect();
        if !missing.is_empty() {
            s.push_str("Not measured (n/a in the tables below):\n\n");
            s.push_str(&missing.join("\n"));
            s.push_str("\n\n");
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workloads::Counts;

    fn row(name: &str, net8: f64, vec: Measured) -> AllocatorFigures {
        let mut a = AllocatorFigures::unmeasured(name, "not run");
        a.marginal_cu[0].1 = Ok(net8 + 8.0);
        a.baseline_cu[0].1 = Ok(8.0);
        a.vec_push_cu = vec;
        a
    }

    #[test]
    fn json_has_the_issue_shape_with_reasons_beside_nulls() {
        let report = Report::new(
            Counts::QUICK,
            vec![
                row("TosAllocator", 8.0, Ok(11_000.0)),
                row("SyscallAllocator", 104.0, Err("oom".into())),
            ],
        );
        let j = report.to_json();
        assert!(j["method"].as_str().unwrap().contains("marginal"));
        let tos = &j["allocators"][0];
        assert_eq!(tos["name"], "TosAllocator");
        assert_eq!(tos["marginal_cu"]["8"], 16);
        assert_eq!(tos["net_cu"]["8"], 8);
        assert_eq!(tos["net_cu"]["64"], Value::Null);
        assert_eq!(tos["net_cu"]["64_reason"], "not run");
        assert_eq!(tos["vec_push_1000"]["cu"], 11_000);
        assert_eq!(tos["ratios"]["vs_SyscallAllocator"]["net_cu_8"], 13.0);
        assert_eq!(
            tos["ratios"]["vs_SolanaBump"]["net_cu_8_reason"],
            "reference: SolanaBump was not measured"
        );
        let sys = &j["allocators"][1];
        assert_eq!(sys["vec_push_1000"]["cu"], Value::Null);
        assert_eq!(sys["vec_push_1000"]["cu_reason"], "oom");
        for key in [
            "box_u64_net_cu",
            "first_alloc_cu",
            "btreemap_1000",
            "heap_efficiency",
        ] {
            assert!(sys.get(key).is_some(), "{key}");
        }
        let peers = j["peers_not_working"].as_array().unwrap();
        assert_eq!(peers.len(), PEERS_NOT_WORKING.len());
        for (peer, (name, reason)) in peers.iter().zip(PEERS_NOT_WORKING) {
            assert_eq!(peer["name"], *name);
            assert_eq!(peer["reason"], *reason);
            assert!(!reason.is_empty(), "{name}: a reason is required");
        }
    }

    #[test]
    fn the_method_names_the_version_and_the_vm_the_figures_are_measured_on() {
        assert!(
            METHOD.contains(&format!("--arch {MEASURED_ARCH}")),
            "{METHOD}"
        );
        assert!(
            METHOD.contains(&format!("SBPF {}", MEASURED_ARCH.to_uppercase())),
            "{METHOD}"
        );
        assert!(METHOD.contains(MEASURED_ENGINE.name()), "{METHOD}");
    }

    #[test]
    fn markdown_has_every_row_and_lists_missing_figures() {
        let report = Report::new(
            Counts::QUICK,
            vec![
                row("TosAllocator", 8.0, Ok(11_000.0)),
                row("SyscallAllocator", 104.0, Ok(12_500.0)),
            ],
        );
        let md = report.markdown();
        assert!(md.contains("| TosAllocator | 8 (16) |"), "{md}");
        assert!(md.contains("| 13.00× / n/a |"), "{md}");
        assert!(md.contains("| 11000 | n/a | 1.14× |"), "{md}");
        assert!(
            md.contains("- `TosAllocator/heap_efficiency`: not run"),
            "{md}"
        );
        assert!(md.contains("Peers that could not be made to work:"), "{md}");
        // A log that prints the report ends with its last table.
        assert!(
            md.trim_end().lines().last().unwrap().starts_with("| "),
            "{md}"
        );
        for (name, reason) in PEERS_NOT_WORKING {
            assert!(md.contains(&format!("- {name}: {reason}\n")), "{md}");
        }
    }
}
