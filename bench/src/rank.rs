//! Whole workloads ranked: each workload's total CU per allocator and where
//! `TosAllocator` stands among the ranked rows ([`super::Allocator::ranked`]), under each
//! of its reuse policies ([`SUBJECTS`]). A contract pays for its whole run, not for one
//! allocation.

use std::collections::BTreeMap;

use super::figures::Report;
use super::workloads::{Counts, Measured};
use super::Allocator;

/// The allocator whose rank the table shows (its row with the default policy).
pub const SUBJECT: &str = tos_alloc::strategy::BUMP.name;

/// The rows whose rank the table shows: [`SUBJECT`] under each of its reuse policies. Each
/// is ranked against the other allocators, not against itself under another policy.
pub const SUBJECTS: [&str; 2] = [SUBJECT, crate::TOS_NO_REUSE];

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

/// The ranks on one workload.
#[derive(Debug, Clone, PartialEq)]
pub struct Rank {
    /// The workload.
    pub workload: String,
    /// Its key in figure names ([`Workload::key`]).
    pub key: &'static str,
    /// The lowest total among the ranked rows that finished it, and whose it is.
    pub best: Option<(String, f64)>,
    /// Where each of [`SUBJECTS`] stands, in that order.
    pub standings: Vec<Standing>,
}

/// Where one of [`SUBJECTS`] stands on a workload.
#[derive(Debug, Clone, PartialEq)]
pub struct Standing {
    /// The row.
    pub subject: &'static str,
    /// Its total.
    pub total: Measured,
    /// Its place (1 = lowest CU) among the `.1` ranked rows that finished the workload,
    /// the other [`SUBJECTS`] left out.
    pub place: Option<(usize, usize)>,
}

impl Rank {
    /// [`SUBJECT`]'s standing (the default policy's).
    pub fn subject(&self) -> &Standing {
        &self.standings[0]
    }
}

/// The ranks on every whole workload of `report`.
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
            let standings = SUBJECTS
                .iter()
                .map(|&subject| {
                    let total = if rows.contains(&subject) {
                        total(subject)
                    } else {
                        Err(format!("no {subject} row"))
                    };
                    let place = total.as_ref().ok().map(|&t| {
                        let rivals: Vec<f64> = totals
                            .iter()
                            .filter(|(n, _)| *n == subject || !SUBJECTS.contains(n))
                            .map(|(_, x)| *x)
                            .collect();
                        let lower = rivals.iter().filter(|x| **x < t).count();
                        (lower + 1, rivals.len())
                    });
                    Standing {
                        subject,
                        total,
                        place,
                    }
                })
                .collect();
            Rank {
                workload: w.name,
                key: w.key,
                best: totals.first().map(|(n, t)| (n.to_string(), *t)),
                standings,
            }
        })
        .collect()
}

/// The places on every whole workload as figures of the baseline, `ROW/KEY/place` for each
/// of [`SUBJECTS`] the run has a row of (1 = lowest CU; n/a where it did not finish):
/// `tako-bench --check` fails when one rises, as for any guarded figure.
pub fn place_figures(report: &Report) -> Vec<(String, Measured)> {
    let ranks = ranks(report);
    SUBJECTS
        .iter()
        .enumerate()
        .filter(|(_, s)| report.allocators.iter().any(|a| a.name == **s))
        .flat_map(|(i, subject)| {
            ranks.iter().map(move |r| {
                let s = &r.standings[i];
                let place = match (s.place, &s.total) {
                    (Some((k, _)), _) => Ok(k as f64),
                    (None, Err(why)) => Err(why.clone()),
                    (None, Ok(_)) => Err("no ranked row finished the workload".into()),
                };
                (format!("{subject}/{}/place", r.key), place)
            })
        })
        .collect()
}

/// The whole-workloads section of the report: what it ranks, then [`table`].
pub fn markdown(report: &Report) -> String {
    format!(
        "\nWhole workloads: total CU per workload; the places of {} among the allocators \
         priced as the ABI prices them (the 1-CU syscall row is a reference, not ranked; \
         each policy of {SUBJECT} is ranked against the others, not against itself).\n\n{}",
        SUBJECTS.join(" and "),
        table(&ranks(report))
    )
}

/// The markdown table of `ranks`: the lowest total, then each of [`SUBJECTS`]' total,
/// place and ratio to the lowest.
pub fn table(ranks: &[Rank]) -> String {
    let mut s = String::from("| Workload | lowest CU | by |");
    let mut rule = String::from("|---|---:|---|");
    for subject in SUBJECTS {
        s.push_str(&format!(" {subject} CU | place | ÷ lowest |"));
        rule.push_str("---:|---:|---:|");
    }
    s.push('\n');
    s.push_str(&rule);
    s.push('\n');
    for r in ranks {
        let (best, by) = match &r.best {
            Some((name, cu)) => (format!("{cu:.0}"), name.clone()),
            None => ("n/a".into(), "n/a".into()),
        };
        s.push_str(&format!("| {} | {best} | {by} |", r.workload));
        for st in &r.standings {
            let total = st
                .total
                .as_ref()
                .map_or_else(|_| "n/a".to_string(), |cu| format!("{cu:.0}"));
            let place = st
                .place
                .map_or_else(|| "n/a".to_string(), |(k, n)| format!("{k} of {n}"));
            let ratio = match (&r.best, &st.total) {
                (Some((_, best)), Ok(cu)) if *best > 0.0 => format!("{:.3}", cu / best),
                _ => "n/a".into(),
            };
            s.push_str(&format!(" {total} | {place} | {ratio} |"));
        }
        s.push('\n');
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
        assert_eq!(map.subject().place, Some((3, 3)));
        let table = markdown(&report);
        assert!(
            table.contains("| 749504 | PinocchioBump | 773629 | 3 of 3 | 1.032 |"),
            "{table}"
        );
        // A workload nobody finished has no place.
        assert_eq!(ranks(&report)[0].subject().place, None);
        let places = place_figures(&report);
        assert_eq!(
            places[1],
            ("TosAllocator/btreemap_1000/place".into(), Ok(3.0))
        );
        assert!(places[0].1.is_err(), "{places:?}");
    }

    #[test]
    fn each_policy_is_ranked_against_the_others_not_against_itself() {
        let report = Report::new(
            Counts::FULL,
            vec![
                row(SUBJECT, Ok(773_629.0)),
                row(crate::TOS_NO_REUSE, Ok(740_000.0)),
                row("PinocchioBump", Ok(749_504.0)),
                row("SolanaBump", Ok(790_000.0)),
            ],
        );
        let map = &ranks(&report)[1];
        assert_eq!(map.best, Some((crate::TOS_NO_REUSE.into(), 740_000.0)));
        let places: Vec<_> = map.standings.iter().map(|s| (s.subject, s.place)).collect();
        assert_eq!(
            places,
            [(SUBJECT, Some((2, 3))), (crate::TOS_NO_REUSE, Some((1, 3)))]
        );
        let figures = place_figures(&report);
        assert!(figures.contains(&("TosAllocator<NoReuse>/btreemap_1000/place".into(), Ok(1.0))));
        assert!(figures.contains(&("TosAllocator/btreemap_1000/place".into(), Ok(2.0))));
        let table = markdown(&report);
        assert!(
            table.contains("| 740000 | TosAllocator<NoReuse> | 773629 | 2 of 3 | 1.045 | 740000 | 1 of 3 | 1.000 |"),
            "{table}"
        );
    }

    #[test]
    fn a_run_without_the_subject_has_no_place_figures() {
        let report = Report::new(Counts::FULL, vec![row("PinocchioBump", Ok(749_504.0))]);
        assert!(place_figures(&report).is_empty());
    }
}
