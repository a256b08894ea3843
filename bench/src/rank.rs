//! Whole workloads ranked: each workload's total CU per allocator and where
//! `TosAllocator` stands among the ranked rows ([`super::Allocator::ranked`]). A contract
//! pays for its whole run, not for one allocation.

use std::collections::BTreeMap;

use super::figures::Report;
use super::workloads::{Counts, Measured};
use super::Allocator;

/// The allocator whose rank the table shows.
pub const SUBJECT: &str = tos_alloc::strategy::BUMP.name;

/// One workload: its name and the figure that holds its total.
pub struct Workload {
    /// What runs.
    pub name: String,
    /// Its key in figure names (`TosAllocator/KEY/place`), as the allocators' own figures
    /// name the workload.
    pub key: &'static str,
    /// The figure of the total, `ALLOCATOR/KEY/FIGURE`, as
    /// [`AllocatorFigures::figures`](crate::figures::AllocatorFigures::figures) and the
    /// baseline name it.
    pub figure: &'static str,
    /// What the figure is multiplied by to give the total (operations, for a figure per
    /// operation).
    pub scale: f64,
}

impl Workload {
    /// The name of `allocator`'s figure of the total.
    pub fn figure_name(&self, allocator: &str) -> String {
        format!("{allocator}/{}/{}", self.key, self.figure)
    }
}

/// The whole workloads measured with `counts`.
pub fn workloads(counts: &Counts) -> Vec<Workload> {
    let whole = |name: String, key| Workload {
        name,
        key,
        figure: "cu",
        scale: 1.0,
    };
    vec![
        whole(format!("`Vec<u64>` push ×{}", counts.vec_push), "vec_push_1000"),
        whole(
            format!("`BTreeMap<u64, u64>` {0} inserts, {0} removes", counts.btreemap),
            "btreemap_1000",
        ),
        Workload {
            name: format!(
                "`BTreeMap` churn: {} operations, at most {} keys live",
                counts.churn.0, counts.churn.1
            ),
            key: "churn",
            figure: "cu_per_op",
            scale: counts.churn.0 as f64,
        },
        whole(
            format!(
                "the collections contract's workload, n = {} (`Vec`, `BTreeMap`, `String`, `Box<dyn>`, `Rc`)",
                counts.collections
            ),
            "collections_100",
        ),
    ]
    .into_iter()
    .chain(
        crate::contracts::CONTRACT_WORKLOADS
            .iter()
            .map(|w| whole(format!("the {} contract: {}", w.contract, w.what), w.contract)),
    )
    .collect()
}

/// Where [`SUBJECT`] stands on one workload.
#[derive(Debug, Clone, PartialEq)]
pub struct Rank {
    /// The workload.
    pub workload: String,
    /// Its key in figure names ([`Workload::key`]).
    pub key: &'static str,
    /// The lowest total among the ranked rows that finished it, and whose it is.
    pub best: Option<(String, f64)>,
    /// [`SUBJECT`]'s total.
    pub subject: Measured,
    /// Its place (1 = lowest CU) among the `.1` ranked rows that finished the workload.
    pub place: Option<(usize, usize)>,
}

/// [`SUBJECT`]'s rank on every whole workload of `report`.
pub fn ranks(report: &Report) -> Vec<Rank> {
    let figures: BTreeMap<String, Measured> = report
        .allocators
        .iter()
        .flat_map(|a| a.figures())
        .map(|(name, m, _)| (name, m))
        .collect();
    let rows: Vec<&str> = report.allocators.iter().map(|a| a.name.as_str()).collect();
    ranks_by(&report.counts, &rows, |name| {
        figures
            .get(name)
            .cloned()
            .unwrap_or_else(|| Err(format!("no figure {name}")))
    })
}

/// The ranks of `rows` on the workloads of `counts`, each total read by figure name
/// ([`Workload::figure_name`]).
pub fn ranks_by(counts: &Counts, rows: &[&str], figure: impl Fn(&str) -> Measured) -> Vec<Rank> {
    workloads(counts)
        .into_iter()
        .map(|w| {
            let total = |row: &str| figure(&w.figure_name(row)).map(|x| x * w.scale);
            let mut totals: Vec<(&str, f64)> = rows
                .iter()
                .filter(|row| Allocator::named(row).is_none_or(Allocator::ranked))
                .filter_map(|row| total(row).ok().map(|t| (*row, t)))
                .collect();
            totals.sort_by(|a, b| a.1.total_cmp(&b.1));
            let subject = if rows.contains(&SUBJECT) {
                total(SUBJECT)
            } else {
                Err(format!("no {SUBJECT} row"))
            };
            let place = subject.as_ref().ok().map(|&t| {
                let lower = totals.iter().filter(|(_, x)| *x < t).count();
                (lower + 1, totals.len())
            });
            Rank {
                workload: w.name,
                key: w.key,
                best: totals.first().map(|(n, t)| (n.to_string(), *t)),
                subject,
                place,
            }
        })
        .collect()
}

/// [`SUBJECT`]'s place on every whole workload as figures of the baseline,
/// `TosAllocator/KEY/place` (1 = lowest CU; n/a where it did not finish): `tako-bench --check`
/// fails when one rises, as for any guarded figure. None when the run has no
/// [`SUBJECT`] row (its figures are then missing, which the check reports).
pub fn place_figures(report: &Report) -> Vec<(String, Measured)> {
    if !report.allocators.iter().any(|a| a.name == SUBJECT) {
        return Vec::new();
    }
    ranks(report)
        .into_iter()
        .map(|r| {
            let place = match (r.place, &r.subject) {
                (Some((k, _)), _) => Ok(k as f64),
                (None, Err(why)) => Err(why.clone()),
                (None, Ok(_)) => Err("no ranked row finished the workload".into()),
            };
            (format!("{SUBJECT}/{}/place", r.key), place)
        })
        .collect()
}

/// The whole-workloads section of the report: what it ranks, then [`table`].
pub fn markdown(report: &Report) -> String {
    format!(
        "\nWhole workloads: total CU per workload; {SUBJECT}'s place among the allocators priced \
         as the ABI prices them (the 1-CU syscall row is a reference, not ranked).\n\n{}",
        table(&ranks(report))
    )
}

/// The markdown table of `ranks`.
pub fn table(ranks: &[Rank]) -> String {
    let mut s = format!(
        "| Workload | lowest CU | by | {SUBJECT} CU | {SUBJECT} place | {SUBJECT} ÷ lowest |\n"
    );
    s.push_str("|---|---:|---|---:|---:|---:|\n");
    for r in ranks {
        let (best, by) = match &r.best {
            Some((name, cu)) => (format!("{cu:.0}"), name.clone()),
            None => ("n/a".into(), "n/a".into()),
        };
        let subject = r
            .subject
            .as_ref()
            .map_or_else(|_| "n/a".to_string(), |cu| format!("{cu:.0}"));
        let place = r
            .place
            .map_or_else(|| "n/a".to_string(), |(k, n)| format!("{k} of {n}"));
        let ratio = match (&r.best, &r.subject) {
            (Some((_, best)), Ok(cu)) if *best > 0.0 => format!("{:.3}", cu / best),
            _ => "n/a".into(),
        };
        s.push_str(&format!(
            "| {} | {best} | {by} | {subject} | {place} | {ratio} |\n",
            r.workload
        ));
    }
    s
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::figures::AllocatorFigures;
    use crate::workloads::Counts;

    /// A row with only its `BTreeMap` total measured.
    pub(crate) fn row(name: &str, btreemap: Measured) -> AllocatorFigures {
        let mut a = AllocatorFigures::unmeasured(name, "not run");
        a.btreemap_cu = btreemap;
        a
    }

    #[test]
    fn the_place_counts_ranked_rows_that_finished_and_skips_the_reference() {
        let report = Report::new(
            Counts::FULL,
            vec![
                row(SUBJECT, Ok(773_629.0)),
                row("SyscallAllocator", Ok(760_070.0)),
                // The 1-CU reference is lower, and not ranked.
                row("SyscallAllocator1CU", Ok(732_746.0)),
                row("PinocchioBump", Ok(749_504.0)),
                row("talc", Err("out of heap".into())),
            ],
        );
        let map = &ranks(&report)[1];
        assert!(map.workload.starts_with("`BTreeMap<u64, u64>`"), "{map:?}");
        assert_eq!(map.best, Some(("PinocchioBump".into(), 749_504.0)));
        assert_eq!(map.place, Some((3, 3)));
        let table = markdown(&report);
        assert!(
            table.contains("| 749504 | PinocchioBump | 773629 | 3 of 3 | 1.032 |"),
            "{table}"
        );
        // A workload nobody finished has no place.
        assert_eq!(ranks(&report)[0].place, None);
        let places = place_figures(&report);
        assert_eq!(
            places[1],
            ("TosAllocator/btreemap_1000/place".into(), Ok(3.0))
        );
        assert!(places[0].1.is_err(), "{places:?}");
    }

    #[test]
    fn a_run_without_the_subject_has_no_place_figures() {
        let report = Report::new(Counts::FULL, vec![row("PinocchioBump", Ok(749_504.0))]);
        assert!(place_figures(&report).is_empty());
    }
}
