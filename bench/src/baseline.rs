//! The committed CU baseline (`bench/cu-baseline.md`, Mollusk-style
//! `| Name | CUs | Delta |`) and the comparison of a run with it. `tako-bench --check`
//! fails when a figure of one of tos-alloc's allocators ([`Allocator::guarded`]) got worse;
//! an intended change rewrites the file with
//! `tako-bench --update-baseline` in the same commit.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::rank;
use super::report::Report;
use super::workloads::Counts;
use super::Allocator;

/// Whether the figures of row `name` must not get worse (tos-alloc's own strategies).
fn is_guarded(name: &str) -> bool {
    Allocator::guarded().any(|a| a.name == name)
}

/// Why a baseline file could not be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BaselineError {
    /// A table row that is not `| name | number or n/a | delta |`.
    #[error("line {line}: {message}")]
    Syntax {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The baseline was written with other counts than this run's.
    #[error("the baseline was measured with counts `{baseline}`, this run with `{run}`")]
    Counts {
        /// The baseline's counts.
        baseline: String,
        /// This run's counts.
        run: String,
    },
}

/// A parsed baseline: counts name and figure by name (`None`: recorded as `n/a`).
#[derive(Debug, Clone, PartialEq)]
pub struct Baseline {
    /// The counts the figures were measured with (`full`, `quick`).
    pub counts: String,
    /// `rustc -V` of the contracts' toolchain when the baseline was written.
    pub toolchain: Option<String>,
    /// Figures by name.
    pub figures: BTreeMap<String, Option<f64>>,
}

/// The line prefix that records the toolchain.
const TOOLCHAIN: &str = "Contracts built with: ";

/// Rounds as the file records figures (4 decimals).
fn rounded(v: f64) -> f64 {
    (v * 1e4).round() / 1e4
}

/// A figure as the file writes it.
pub fn format_value(v: Option<f64>) -> String {
    match v {
        None => "n/a".into(),
        Some(v) if v.fract() == 0.0 => format!("{}", v as i64),
        Some(v) => {
            let s = format!("{:.4}", rounded(v));
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        }
    }
}

fn format_delta(old: Option<Option<f64>>, new: Option<f64>) -> String {
    match (old, new) {
        (None, _) => "new".into(),
        (Some(Some(o)), Some(n)) => {
            let d = rounded(n) - rounded(o);
            if d == 0.0 {
                "0".into()
            } else {
                let s = format_value(Some(d.abs()));
                format!("{}{s}", if d > 0.0 { "+" } else { "-" })
            }
        }
        (Some(o), n) if o.is_none() && n.is_none() => "0".into(),
        (Some(_), None) => "now n/a".into(),
        (Some(None), Some(_)) => "now measured".into(),
    }
}

impl Baseline {
    /// Parses the file's text: a `counts: NAME` marker and the table rows.
    pub fn parse(text: &str) -> Result<Self, BaselineError> {
        let mut counts = None;
        let mut toolchain = None;
        let mut figures = BTreeMap::new();
        for (i, line) in text.lines().enumerate() {
            let line_no = i + 1;
            let trimmed = line.trim();
            if let Some(rest) = trimmed.strip_prefix(TOOLCHAIN) {
                toolchain = Some(rest.trim_matches('`').to_string());
                continue;
            }
            if let Some(pos) = trimmed.find("counts: ") {
                let rest = &trimmed[pos + "counts: ".len()..];
                let name: String = rest.chars().take_while(|c| c.is_alphanumeric()).collect();
                counts.get_or_insert(name);
                continue;
            }
            if !trimmed.starts_with('|') {
                continue;
            }
            let cols: Vec<&str> = trimmed
                .trim_matches('|')
                .split('|')
                .map(str::trim)
                .collect();
            if cols.len() != 3 {
                return Err(BaselineError::Syntax {
                    line: line_no,
                    message: format!(
                        "expected 3 columns | Name | CUs | Delta |, got {}",
                        cols.len()
                    ),
                });
            }
            if cols[0] == "Name" || cols[0].chars().all(|c| c == '-' || c == ':') {
                continue;
            }
            let value = match cols[1] {
                "n/a" => None,
                v => Some(v.parse::<f64>().map_err(|_| BaselineError::Syntax {
                    line: line_no,
                    message: format!("{:?} is not a number or n/a", v),
                })?),
            };
            if figures.insert(cols[0].to_string(), value).is_some() {
                return Err(BaselineError::Syntax {
                    line: line_no,
                    message: format!("{} appears twice", cols[0]),
                });
            }
        }
        Ok(Self {
            counts: counts.unwrap_or_else(|| "full".into()),
            toolchain,
            figures,
        })
    }

    /// The baseline text of `report`, with deltas against `previous` when given.
    pub fn render(report: &Report, previous: Option<&Baseline>) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "# CU baseline of `tako-bench` (counts: {})\n",
            report.counts_name()
        );
        s.push_str(&format!(
            "Written by `cargo run -p tako-bench --release -- --update-baseline`; \
             `tako-bench --check` compares a run with it and fails when a figure of {}, an example contract's call or `.so` size or the place of {} \
             on a whole workload got worse (higher CU, bytes or place, lower heap efficiency). An intended change updates this file in the same \
             commit. Delta: against the previous version of this file. Names: `allocator/figure[/size]` as in \
             `target/cu-report/cu-report.json`; heap figures are bytes, heap_efficiency a fraction.\n\n",
            Allocator::guarded_names(),
            rank::SUBJECTS.join(" or ")
        ));
        if let Some(t) = &report.toolchain {
            let _ = writeln!(s, "{TOOLCHAIN}`{t}`\n");
        }
        s.push_str("| Name | CUs | Delta |\n|------|-----|-------|\n");
        let contracts = report
            .contract_figures()
            .into_iter()
            .chain(rank::place_figures(report))
            .map(|(n, m)| (n, m, false));
        for (name, m, _) in report
            .allocators
            .iter()
            .flat_map(|a| a.figures())
            .chain(contracts)
        {
            {
                let v = m.ok();
                let old = previous.map(|p| p.figures.get(&name).copied());
                let delta = match old {
                    None => "-".to_string(),
                    Some(o) => format_delta(o, v),
                };
                let _ = writeln!(s, "| {name} | {} | {delta} |", format_value(v));
            }
        }
        s
    }

    /// The ranks on every whole workload ([`rank::SUBJECTS`]), from this baseline's figures
    /// (those of the report it was written from, so the same ranks). Unknown counts
    /// (neither `full` nor `quick`) rank nothing.
    pub fn ranks(&self) -> Vec<rank::Rank> {
        let Some(counts) = Counts::named(&self.counts) else {
            return Vec::new();
        };
        let rows: Vec<&str> = crate::ALLOCATORS.iter().map(|a| a.name).collect();
        rank::ranks_by(&counts, &rows, |name| match self.figures.get(name) {
            Some(Some(v)) => Ok(*v),
            Some(None) => Err("n/a".into()),
            None => Err(format!("no figure {name} in the baseline")),
        })
    }

    /// Compares `report` with this baseline.
    pub fn compare(&self, report: &Report) -> Result<Comparison, BaselineError> {
        if self.counts != report.counts_name() {
            return Err(BaselineError::Counts {
                baseline: self.counts.clone(),
                run: report.counts_name().into(),
            });
        }
        let mut rows = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        // The contract calls, and the subject's place on each whole workload (lower is
        // better for both).
        let contracts = report
            .contract_figures()
            .into_iter()
            .chain(rank::place_figures(report))
            .map(|(n, m)| (true, (n, m, false)));
        let allocators = report.allocators.iter().flat_map(|a| {
            let guarded = is_guarded(&a.name);
            a.figures().into_iter().map(move |f| (guarded, f))
        });
        for (guarded, (name, m, higher_is_better)) in allocators.chain(contracts) {
            {
                seen.insert(name.clone());
                let new = m.ok().map(rounded);
                let old = self.figures.get(&name).copied();
                let worse = match (old, new) {
                    (Some(Some(o)), Some(n)) => {
                        let o = rounded(o);
                        if higher_is_better {
                            n < o
                        } else {
                            n > o
                        }
                    }
                    (Some(Some(_)), None) => true,
                    _ => false,
                };
                rows.push(Row {
                    delta: format_delta(old, new),
                    guarded,
                    name,
                    old: old.flatten(),
                    new,
                    worse,
                });
            }
        }
        let missing = self
            .figures
            .keys()
            .filter(|k| !seen.contains(*k))
            .cloned()
            .collect();
        let toolchain_note = match (&self.toolchain, &report.toolchain) {
            (Some(old), Some(new)) if old != new => Some(format!(
                "The baseline was measured with contracts built by `{old}`, this run by `{new}`: \
                 code generation changes CU, so differences may come from the toolchain."
            )),
            _ => None,
        };
        Ok(Comparison {
            rows,
            missing,
            toolchain_note,
        })
    }
}

/// One figure of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Figure name.
    pub name: String,
    /// Baseline value.
    pub old: Option<f64>,
    /// This run's value.
    pub new: Option<f64>,
    /// The delta as printed.
    pub delta: String,
    /// Whether it got worse.
    pub worse: bool,
    /// Whether it is a figure of a [`Allocator::guarded`] allocator (whose getting worse fails the check).
    pub guarded: bool,
}

/// The result of [`Baseline::compare`].
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// Every figure of the run.
    pub rows: Vec<Row>,
    /// Baseline figures this run did not measure (allocators left out).
    pub missing: Vec<String>,
    /// Set when the baseline's toolchain is not this run's.
    pub toolchain_note: Option<String>,
}

impl Comparison {
    /// The guarded figures that got worse, or that the run left out.
    pub fn failures(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .rows
            .iter()
            .filter(|r| r.guarded && r.worse)
            .map(|r| {
                format!(
                    "{}: {} -> {} ({})",
                    r.name,
                    format_value(r.old),
                    format_value(r.new),
                    r.delta
                )
            })
            .collect();
        out.extend(
            self.missing
                .iter()
                .filter(|m| m.split_once('/').is_some_and(|(row, _)| is_guarded(row)))
                .map(|m| format!("{m}: not measured by this run")),
        );
        out
    }

    /// The markdown table of the deltas (only the figures that changed, then a count of the
    /// unchanged ones).
    pub fn markdown(&self) -> String {
        let mut s =
            String::from("| Name | Baseline | Now | Delta |\n|------|---------:|----:|------:|\n");
        let mut same = 0;
        for r in &self.rows {
            if r.delta == "0" {
                same += 1;
                continue;
            }
            let flag = if r.worse && r.guarded {
                " **worse**"
            } else if r.worse {
                " (worse)"
            } else {
                ""
            };
            let _ = writeln!(
                s,
                "| {} | {} | {} | {}{flag} |",
                r.name,
                format_value(r.old),
                format_value(r.new),
                r.delta
            );
        }
        let _ = writeln!(s, "\n{same} figures unchanged.");
        for m in &self.missing {
            let _ = writeln!(s, "Not measured by this run: {m}");
        }
        if let Some(note) = &self.toolchain_note {
            let _ = writeln!(s, "\nNote: {note}");
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::AllocatorFigures;
    use crate::workloads::Counts;

    fn report(tos_net8: f64, tos_efficiency: f64, other_net8: f64) -> Report {
        let row = |name: &str, net8: f64, efficiency: f64| {
            let mut a = AllocatorFigures::unmeasured(name, "not run");
            a.marginal_cu[0].1 = Ok(net8 + 8.0);
            a.baseline_cu[0].1 = Ok(8.0);
            a.heap_efficiency = Ok(efficiency);
            a
        };
        Report::new(
            Counts::FULL,
            vec![
                row("TosAllocator", tos_net8, tos_efficiency),
                row("SolanaBump", other_net8, 0.5),
            ],
        )
    }

    fn baseline_of(r: &Report) -> Baseline {
        Baseline::parse(&Baseline::render(r, None)).unwrap()
    }

    #[test]
    fn render_then_parse_round_trips() {
        let r = report(8.0, 0.6273, 17.0);
        let b = baseline_of(&r);
        assert_eq!(b.counts, "full");
        assert_eq!(b.figures["TosAllocator/net_cu/8"], Some(8.0));
        assert_eq!(b.figures["TosAllocator/marginal_cu/8"], Some(16.0));
        assert_eq!(b.figures["TosAllocator/heap_efficiency"], Some(0.6273));
        assert_eq!(b.figures["TosAllocator/net_cu/64"], None);
        let text = Baseline::render(&r, None);
        assert!(text.contains("| Name | CUs | Delta |"));
        assert!(text.contains("| TosAllocator/net_cu/8 | 8 | - |"), "{text}");
    }

    #[test]
    fn equal_or_better_passes() {
        let b = baseline_of(&report(8.0, 0.6, 17.0));
        let same = b.compare(&report(8.0, 0.6, 17.0)).unwrap();
        assert!(same.failures().is_empty());
        assert!(same.rows.iter().all(|r| r.delta == "0"), "{same:?}");
        let better = b.compare(&report(7.0, 0.7, 17.0)).unwrap();
        assert!(better.failures().is_empty(), "{:?}", better.failures());
        let row = better
            .rows
            .iter()
            .find(|r| r.name == "TosAllocator/net_cu/8")
            .unwrap();
        assert_eq!(row.delta, "-1");
    }

    #[test]
    fn a_worse_tos_allocator_figure_fails() {
        let b = baseline_of(&report(8.0, 0.6, 17.0));
        let worse = b.compare(&report(9.0, 0.6, 17.0)).unwrap();
        let failures = worse.failures();
        // net and marginal of 8 bytes both grew by 1.
        assert_eq!(failures.len(), 2, "{failures:?}");
        assert!(failures[0].contains("TosAllocator/marginal_cu/8: 16 -> 17 (+1)"));
        assert!(worse.markdown().contains("| +1 **worse** |"));
        // Lower heap efficiency is worse too.
        let less = b.compare(&report(8.0, 0.5, 17.0)).unwrap();
        assert_eq!(less.failures().len(), 1, "{:?}", less.failures());
    }

    #[test]
    fn a_larger_contract_fails_a_smaller_passes() {
        use crate::contracts::ContractSize;
        let with_token = |bytes: f64| {
            let mut r = report(8.0, 0.6, 17.0);
            r.contract_sizes = vec![ContractSize {
                contract: "token",
                bytes: Ok(bytes),
            }];
            r
        };
        let b = baseline_of(&with_token(7528.0));
        assert_eq!(b.figures["contract/token/so_bytes"], Some(7528.0));
        let larger = b.compare(&with_token(7536.0)).unwrap().failures();
        assert_eq!(
            larger,
            ["contract/token/so_bytes: 7528 -> 7536 (+8)"],
            "{larger:?}"
        );
        let smaller = b.compare(&with_token(7520.0)).unwrap();
        assert!(smaller.failures().is_empty(), "{:?}", smaller.failures());
    }

    #[test]
    fn tos_allocator_losing_a_place_on_a_whole_workload_fails() {
        let with_btreemap = |tos: f64, other: f64| {
            let mut r = report(8.0, 0.6, 17.0);
            r.allocators[0].btreemap_cu = Ok(tos);
            r.allocators[1].btreemap_cu = Ok(other);
            r
        };
        let b = baseline_of(&with_btreemap(740_000.0, 750_000.0));
        assert_eq!(b.figures["TosAllocator/btreemap_1000/place"], Some(1.0));
        assert!(b
            .compare(&with_btreemap(735_000.0, 736_000.0))
            .unwrap()
            .failures()
            .is_empty());
        // A peer now lower: TosAllocator's own CU got better, its place worse.
        let failures = b
            .compare(&with_btreemap(739_000.0, 738_000.0))
            .unwrap()
            .failures();
        assert_eq!(
            failures,
            vec!["TosAllocator/btreemap_1000/place: 1 -> 2 (+1)".to_string()]
        );
    }

    #[test]
    fn other_allocators_getting_worse_only_shows() {
        let b = baseline_of(&report(8.0, 0.6, 17.0));
        let c = b.compare(&report(8.0, 0.6, 30.0)).unwrap();
        assert!(c.failures().is_empty());
        assert!(c
            .markdown()
            .contains("| SolanaBump/net_cu/8 | 17 | 30 | +13 (worse) |"));
    }

    #[test]
    fn a_figure_turning_unmeasurable_or_left_out_fails() {
        let b = baseline_of(&report(8.0, 0.6, 17.0));
        let mut r = report(8.0, 0.6, 17.0);
        r.allocators[0].heap_efficiency = Err("fault".into());
        assert_eq!(b.compare(&r).unwrap().failures().len(), 1);
        r.allocators.remove(0);
        let c = b.compare(&r).unwrap();
        assert!(c.failures().iter().any(|f| f.contains("not measured")));
    }

    #[test]
    fn a_toolchain_change_is_named() {
        let mut r = report(8.0, 0.6, 17.0);
        r.toolchain = Some("rustc 1.97.0-nightly (e50aa6fba 2026-05-19)".into());
        let b = baseline_of(&r);
        assert_eq!(b.toolchain, r.toolchain);
        assert_eq!(b.compare(&r).unwrap().toolchain_note, None);
        r.toolchain = Some("rustc 1.98.0-nightly".into());
        let c = b.compare(&r).unwrap();
        assert!(c.markdown().contains("this run by `rustc 1.98.0-nightly`"));
    }

    #[test]
    fn bad_files_and_other_counts_are_errors() {
        let e = Baseline::parse("| Name | CUs | Delta |\n| a | x | 0 |\n").unwrap_err();
        assert_eq!(
            e,
            BaselineError::Syntax {
                line: 2,
                message: "\"x\" is not a number or n/a".into()
            }
        );
        assert!(Baseline::parse("| a | 1 |\n").is_err());
        assert!(Baseline::parse("| a | 1 | 0 |\n| a | 2 | 0 |\n").is_err());
        let quick = Baseline::parse("(counts: quick)\n| a | 1 | 0 |\n").unwrap();
        assert!(matches!(
            quick.compare(&report(8.0, 0.6, 17.0)),
            Err(BaselineError::Counts { .. })
        ));
    }

    #[test]
    fn a_baseline_ranks_as_the_report_it_was_written_from() {
        let report = Report::new(
            Counts::FULL,
            vec![
                crate::rank::tests::row(rank::SUBJECT, Ok(773_629.0)),
                crate::rank::tests::row("SyscallAllocator1CU", Ok(732_746.0)),
                crate::rank::tests::row("PinocchioBump", Ok(749_504.0)),
                crate::rank::tests::row("talc", Err("out of heap".into())),
            ],
        );
        let baseline = Baseline::parse(&Baseline::render(&report, None)).unwrap();
        let (from_report, from_baseline) = (rank::ranks(&report), baseline.ranks());
        assert_eq!(from_report.len(), from_baseline.len());
        for (r, b) in from_report.iter().zip(&from_baseline) {
            assert_eq!((r.key, &r.best), (b.key, &b.best));
            for (rs, bs) in r.standings.iter().zip(&b.standings) {
                assert_eq!(rs.place, bs.place, "{} {}", rs.subject, r.key);
                assert_eq!(rs.total.as_ref().ok(), bs.total.as_ref().ok(), "{}", r.key);
            }
        }
        assert_eq!(from_baseline[1].subject().place, Some((2, 2)));
        assert_eq!(rank::table(&from_report), rank::table(&from_baseline));
    }
}
