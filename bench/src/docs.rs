//! The READMEs' measured tables, rendered from the committed baseline
//! (`bench/cu-baseline.md`), so that a figure is written in one place: each table sits in
//! its README between two markers ([`Block`], [`blocks`]); `tako-bench --update-baseline` rewrites
//! them with the new baseline, `tako-bench --docs` with the committed one, and a test fails
//! when a README's table is not its baseline's.

use std::path::{Path, PathBuf};

use super::baseline::Baseline;
use super::contracts::{self, ContractFigure};
use super::rank::{self, SUBJECT};
use super::workloads::SIZES;
use super::{Allocator, ALLOCATORS};

/// The committed baseline, relative to the repository root: the figures of the tables.
pub const BASELINE: &str = "bench/cu-baseline.md";

#[path = "../../contracts/alloc-bench/src/params.rs"]
mod first_fit_params;

/// A README's table rendered from the baseline.
pub struct Block {
    /// The README, relative to the repository root.
    pub file: String,
    /// The table's name in its markers.
    pub name: &'static str,
    /// The table, from the baseline's figures.
    pub render: Box<dyn Fn(&Baseline) -> String>,
}

/// Every rendered table: the repository's whole workloads, allocator/README.md's
/// allocators, and each measured example contract's calls in its README.
pub fn blocks() -> Vec<Block> {
    let mut out = vec![
        Block {
            file: "README.md".into(),
            name: "whole workloads",
            render: Box::new(whole_workloads),
        },
        Block {
            file: "allocator/README.md".into(),
            name: "allocators",
            render: Box::new(allocators),
        },
    ];
    let mut contracts: Vec<&'static str> = contracts::calls().iter().map(|c| c.0).collect();
    contracts.dedup();
    for contract in contracts {
        out.push(Block {
            file: format!("contracts/{contract}/README.md"),
            name: "calls",
            render: Box::new(move |b| calls(b, contract)),
        });
    }
    out
}

/// Why a README's tables could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum DocsError {
    /// The README could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The README.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// The README lacks a table's markers, or has them out of order.
    #[error("{file} has no table \"{name}\": put the lines `{begin}` and `{end}` where it goes")]
    Markers {
        /// The README.
        file: String,
        /// The table.
        name: &'static str,
        /// The line that opens it.
        begin: String,
        /// The line that closes it.
        end: String,
    },
}

impl Block {
    /// The line that opens the table.
    pub fn begin(&self) -> String {
        format!(
            "<!-- {}: written by `tako-bench --docs` from {BASELINE} -->",
            self.name
        )
    }

    /// The line that closes the table.
    pub fn end(&self) -> String {
        format!("<!-- end of {} -->", self.name)
    }

    /// `text` (the README) with the table between the markers replaced by `baseline`'s.
    pub fn splice(&self, text: &str, baseline: &Baseline) -> Result<String, DocsError> {
        let (begin, end) = (self.begin(), self.end());
        let markers = || DocsError::Markers {
            file: self.file.clone(),
            name: self.name,
            begin: begin.clone(),
            end: end.clone(),
        };
        let open = text.find(&begin).ok_or_else(markers)? + begin.len();
        let close = open + text[open..].find(&end).ok_or_else(markers)?;
        Ok(format!(
            "{}\n\n{}\n\n{}",
            &text[..open],
            (self.render)(baseline).trim_end(),
            &text[close..]
        ))
    }
}

fn read(path: &Path) -> Result<String, DocsError> {
    std::fs::read_to_string(path).map_err(|source| DocsError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// The tables under `root` that differ from `baseline`'s, as `file: table`.
pub fn stale(root: &Path, baseline: &Baseline) -> Result<Vec<String>, DocsError> {
    let mut out = Vec::new();
    for block in blocks() {
        let text = read(&root.join(&block.file))?;
        if block.splice(&text, baseline)? != text {
            out.push(format!("{}: {}", block.file, block.name));
        }
    }
    Ok(out)
}

/// Rewrites every table under `root` with `baseline`'s; returns the files changed.
pub fn write(root: &Path, baseline: &Baseline) -> Result<Vec<PathBuf>, DocsError> {
    let mut changed = Vec::new();
    for block in blocks() {
        let path = root.join(&block.file);
        let text = read(&path)?;
        let new = block.splice(&text, baseline)?;
        if new != text {
            std::fs::write(&path, new).map_err(|source| DocsError::Io {
                path: path.clone(),
                source,
            })?;
            changed.push(path);
        }
    }
    Ok(changed)
}

/// A figure of `baseline`, `None` when missing or `n/a`.
fn figure(baseline: &Baseline, name: &str) -> Option<f64> {
    baseline.figures.get(name).copied().flatten()
}

/// A figure as the tables write it: integers with thousands separators, fractions to one
/// decimal, `n/a` when missing.
fn number(v: Option<f64>) -> String {
    match v {
        None => "n/a".into(),
        Some(v) if v.fract() == 0.0 && v.abs() < 1e15 => {
            let digits = (v.abs() as u64).to_string();
            let mut s = String::new();
            for (i, c) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i).is_multiple_of(3) {
                    s.push(',');
                }
                s.push(c);
            }
            if v < 0.0 {
                s.insert(0, '-');
            }
            s
        }
        Some(v) => format!("{v:.1}"),
    }
}

/// A fraction as a percentage to one decimal, `n/a` when missing.
fn percent(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".into(), |v| format!("{:.1}%", v * 100.0))
}

/// The row's name in the tables, the first-fit row with the shape alloc-bench declares.
fn label(a: &Allocator) -> String {
    if a.name == tos_alloc::strategy::FIRST_FIT.name {
        format!(
            "{} ({} blocks of {} B)",
            a.label,
            number(Some(first_fit_params::FIRST_FIT_BLOCKS as f64)),
            first_fit_params::FIRST_FIT_BLOCK_SIZE
        )
    } else {
        a.label.to_string()
    }
}

/// allocator/README.md's table: each row's per-allocation and workload figures.
pub fn allocators(baseline: &Baseline) -> String {
    let mut s = String::from(
        "| allocator | net CU per allocation, hidden layout (8 / 64 / 512 / 4096 B) | \
         `Box<u64>` net | 64 B alloc+free net | first allocation | `Vec<u64>` ×1000: CU, heap B | \
         churn: CU/op, peak heap B | heap efficiency |\n\
         |---|---|---:|---:|---:|---|---|---:|\n",
    );
    for a in &ALLOCATORS {
        let f = |name: &str| figure(baseline, &format!("{}/{name}", a.name));
        let net: Vec<String> = SIZES
            .iter()
            .map(|size| number(f(&format!("net_cu/{size}"))))
            .collect();
        let net = if net.iter().all(|n| *n == net[0]) {
            net[0].clone()
        } else {
            net.join(" / ")
        };
        s.push_str(&format!(
            "| {} | {net} | {} | {} | {} | {}, {} | {}, {} | {} |\n",
            label(a),
            number(f("box_u64_net_cu")),
            number(f("alloc_free_64_net_cu")),
            number(f("first_alloc_cu")),
            number(f("vec_push_1000/cu")),
            number(f("vec_push_1000/heap_bytes")),
            number(f("churn/cu_per_op")),
            number(f("churn/peak_heap_bytes")),
            percent(f("heap_efficiency")),
        ));
    }
    s.push_str(
        "\nn/a: not measured. A churn without figures ran out of the 32 KiB heap (a bump \
         reuses only its top block); heap bytes without a figure are those of an allocator \
         that keeps no counter. The CU report gives each reason.\n",
    );
    s
}

/// README.md's table: each whole workload's lowest total and the places of
/// [`rank::SUBJECTS`].
pub fn whole_workloads(baseline: &Baseline) -> String {
    format!(
        "Contracts built with `{}`. The lowest total among the allocators priced as the ABI \
         prices them, and those of {SUBJECT} under each reuse policy ({}; each ranked \
         against the other allocators, not against itself):\n\n{}",
        baseline
            .toolchain
            .as_deref()
            .unwrap_or("an unrecorded toolchain"),
        rank::SUBJECTS.join(", "),
        rank::table(&baseline.ranks())
    )
}

/// A contract README's table: the CU of each of its measured calls, as built for each
/// version and engine.
pub fn calls(baseline: &Baseline, contract: &str) -> String {
    let mut s = String::from(
        "| call | what it does | V3 on tos-tbpf (TOS's default) | V0 on tos-tbpf | V0 on solana-sbpf |\n\
         |---|---|---:|---:|---:|\n",
    );
    for (_, call, what) in contracts::calls().iter().filter(|c| c.0 == contract) {
        let [cu, tbpf, v3] = ContractFigure::figure_names(&contracts::call_name(contract, call))
            .map(|n| number(figure(baseline, &n)));
        s.push_str(&format!("| `{call}` | {what} | {v3} | {tbpf} | {cu} |\n"));
    }
    s.push_str(&format!(
        "\nCU of the whole call (`TestChain`, default prices, 32 KiB heap), contracts built with \
         `{}`.\n",
        baseline
            .toolchain
            .as_deref()
            .unwrap_or("an unrecorded toolchain")
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn baseline() -> Baseline {
        let root = tako_test_support::repo_root();
        let text = std::fs::read_to_string(root.join(BASELINE)).unwrap();
        Baseline::parse(&text).unwrap()
    }

    #[test]
    fn the_readmes_tables_are_the_committed_baselines() {
        let stale = stale(tako_test_support::repo_root(), &baseline()).unwrap();
        assert!(
            stale.is_empty(),
            "tables that are not {BASELINE}'s: {stale:?}; \
             rewrite them with `cargo run -p tako-bench --release -- --docs`"
        );
    }

    #[test]
    fn a_table_is_spliced_between_its_markers_and_nowhere_else() {
        let block = &blocks()[1];
        let text = format!(
            "intro\n{}\nold table\n{}\nafter\n",
            block.begin(),
            block.end()
        );
        let b = baseline();
        let new = block.splice(&text, &b).unwrap();
        assert!(new.starts_with("intro\n"), "{new}");
        assert!(new.ends_with(&format!("{}\nafter\n", block.end())), "{new}");
        assert!(!new.contains("old table"));
        assert!(new.contains("| `TosAllocator` |"), "{new}");
        // Idempotent.
        assert_eq!(block.splice(&new, &b).unwrap(), new);
        let err = block.splice("no markers", &b).unwrap_err();
        assert!(
            err.to_string()
                .contains("allocator/README.md has no table \"allocators\""),
            "{err}"
        );
    }

    #[test]
    fn a_missing_readme_is_an_error_naming_it() {
        let root = Path::new("/nonexistent-tako-root");
        let err = stale(root, &baseline()).unwrap_err();
        assert!(
            matches!(err, DocsError::Io { .. })
                && err
                    .to_string()
                    .starts_with("/nonexistent-tako-root/README.md: "),
            "{err}"
        );
        assert!(write(root, &baseline()).is_err());
    }

    #[test]
    fn numbers_have_thousands_separators_and_fractions_one_decimal() {
        assert_eq!(number(Some(710_716.0)), "710,716");
        assert_eq!(number(Some(999.0)), "999");
        assert_eq!(number(Some(1000.0)), "1,000");
        assert_eq!(number(Some(316.84)), "316.8");
        assert_eq!(number(Some(-1234.0)), "-1,234");
        assert_eq!(number(None), "n/a");
        assert_eq!(percent(Some(0.6273)), "62.7%");
    }

    #[test]
    fn the_whole_workloads_table_ranks_the_baselines_rows() {
        let b = baseline();
        let ranks = b.ranks();
        // The places ranked from the baseline's totals are the places it records.
        for r in &ranks {
            for s in &r.standings {
                let recorded = b
                    .figures
                    .get(&format!("{}/{}/place", s.subject, r.key))
                    .copied();
                assert_eq!(recorded, Some(s.place.map(|(k, _)| k as f64)), "{}", r.key);
            }
        }
    }
}
