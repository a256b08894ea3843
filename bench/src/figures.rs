//! The report's figures: [`AllocatorFigures`] per allocator (the derived ones, net CU and
//! ratios, computed on demand) and the whole [`Report`]; `report` renders them.

use super::workloads::{net, ratio, Counts, Measured, SIZES};

/// Every figure of one allocator (the derived ones, net and ratios, are computed on demand).
#[derive(Debug, Clone, PartialEq)]
pub struct AllocatorFigures {
    /// Row name.
    pub name: String,
    /// Marginal CU per allocation by size.
    pub marginal_cu: Vec<(u64, Measured)>,
    /// Marginal CU of the loop without the allocation, by size.
    pub baseline_cu: Vec<(u64, Measured)>,
    /// Marginal CU of `Box::new(u64)`.
    pub box_marginal_cu: Measured,
    /// Marginal CU of its baseline loop.
    pub box_baseline_cu: Measured,
    /// Marginal CU of a 64-byte allocation freed at once.
    pub alloc_free_marginal_cu: Measured,
    /// Marginal CU of its baseline loop.
    pub alloc_free_baseline_cu: Measured,
    /// CU of the first allocation (8 bytes).
    pub first_alloc_cu: Measured,
    /// CU of the `Vec<u64>` pushes.
    pub vec_push_cu: Measured,
    /// CU of the whole `Vec<u64>` run (entry, input and return data included).
    pub vec_push_run_cu: Measured,
    /// Heap bytes held after them.
    pub vec_push_heap_bytes: Measured,
    /// CU of the `BTreeMap` inserts and removes.
    pub btreemap_cu: Measured,
    /// CU of the whole `BTreeMap` run.
    pub btreemap_run_cu: Measured,
    /// Peak heap bytes during them.
    pub btreemap_peak_heap_bytes: Measured,
    /// CU per operation of the churn workload (`BTreeMap` inserts and removes, few keys
    /// live); unmeasured when the allocator cannot finish it in the heap.
    pub churn_cu_per_op: Measured,
    /// Peak heap bytes during the churn.
    pub churn_peak_heap_bytes: Measured,
    /// CU of the `collections` contract's workload (beyond the empty run).
    pub collections_cu: Measured,
    /// Peak heap bytes during it.
    pub collections_peak_heap_bytes: Measured,
    /// CU of each whole-contract workload under this allocator, all its calls whole, by
    /// contract ([`crate::contracts::CONTRACT_WORKLOADS`], in its order).
    pub contract_cu: Vec<(&'static str, Measured)>,
    /// Live bytes at the first failed allocation ÷ heap size.
    pub heap_efficiency: Measured,
}

impl AllocatorFigures {
    /// A row none of whose figures could be measured, for `reason`.
    pub fn unmeasured(name: &str, reason: &str) -> Self {
        let no = || Err(reason.to_string());
        let sizes = || SIZES.iter().map(|&s| (s, no())).collect();
        Self {
            name: name.to_string(),
            marginal_cu: sizes(),
            baseline_cu: sizes(),
            box_marginal_cu: no(),
            box_baseline_cu: no(),
            alloc_free_marginal_cu: no(),
            alloc_free_baseline_cu: no(),
            first_alloc_cu: no(),
            vec_push_cu: no(),
            vec_push_run_cu: no(),
            vec_push_heap_bytes: no(),
            btreemap_cu: no(),
            btreemap_run_cu: no(),
            btreemap_peak_heap_bytes: no(),
            churn_cu_per_op: no(),
            churn_peak_heap_bytes: no(),
            collections_cu: no(),
            collections_peak_heap_bytes: no(),
            contract_cu: crate::contracts::CONTRACT_WORKLOADS
                .iter()
                .map(|w| (w.contract, no()))
                .collect(),
            heap_efficiency: no(),
        }
    }

    /// The CU of `contract`'s whole-contract workload (unmeasured when the row has none).
    pub fn contract_cu(&self, contract: &str) -> Measured {
        self.contract_cu
            .iter()
            .find(|(c, _)| *c == contract)
            .map(|(_, cu)| cu.clone())
            .unwrap_or_else(|| Err(format!("no {contract} workload in this row")))
    }

    /// Net CU per allocation by size.
    pub fn net_cu(&self) -> Vec<(u64, Measured)> {
        self.marginal_cu
            .iter()
            .zip(&self.baseline_cu)
            .map(|((size, m), (_, b))| (*size, net(m, b)))
            .collect()
    }

    /// Net CU of one `Box<u64>`.
    pub fn box_u64_net_cu(&self) -> Measured {
        net(&self.box_marginal_cu, &self.box_baseline_cu)
    }

    /// Net CU of a 64-byte allocation and its free.
    pub fn alloc_free_net_cu(&self) -> Measured {
        net(&self.alloc_free_marginal_cu, &self.alloc_free_baseline_cu)
    }

    /// Net CU per allocation of `size` bytes.
    pub fn net_at(&self, size: u64) -> Measured {
        self.net_cu()
            .into_iter()
            .find(|(s, _)| *s == size)
            .map_or_else(|| Err(format!("size {size} not measured")), |(_, m)| m)
    }

    /// The figures that the baseline file records, `(path, value, higher is better)`.
    pub fn figures(&self) -> Vec<(String, Measured, bool)> {
        let mut out = Vec::new();
        let name = &self.name;
        for (size, m) in &self.marginal_cu {
            out.push((format!("{name}/marginal_cu/{size}"), m.clone(), false));
        }
        for (size, m) in self.net_cu() {
            out.push((format!("{name}/net_cu/{size}"), m, false));
        }
        out.push((
            format!("{name}/box_u64_net_cu"),
            self.box_u64_net_cu(),
            false,
        ));
        out.push((
            format!("{name}/alloc_free_64_net_cu"),
            self.alloc_free_net_cu(),
            false,
        ));
        out.push((
            format!("{name}/first_alloc_cu"),
            self.first_alloc_cu.clone(),
            false,
        ));
        out.push((
            format!("{name}/vec_push_1000/cu"),
            self.vec_push_cu.clone(),
            false,
        ));
        out.push((
            format!("{name}/vec_push_1000/heap_bytes"),
            self.vec_push_heap_bytes.clone(),
            false,
        ));
        out.push((
            format!("{name}/btreemap_1000/cu"),
            self.btreemap_cu.clone(),
            false,
        ));
        out.push((
            format!("{name}/btreemap_1000/peak_heap_bytes"),
            self.btreemap_peak_heap_bytes.clone(),
            false,
        ));
        out.push((
            format!("{name}/churn/cu_per_op"),
            self.churn_cu_per_op.clone(),
            false,
        ));
        out.push((
            format!("{name}/churn/peak_heap_bytes"),
            self.churn_peak_heap_bytes.clone(),
            false,
        ));
        out.push((
            format!("{name}/collections_100/cu"),
            self.collections_cu.clone(),
            false,
        ));
        out.push((
            format!("{name}/collections_100/peak_heap_bytes"),
            self.collections_peak_heap_bytes.clone(),
            false,
        ));
        for (contract, cu) in &self.contract_cu {
            out.push((format!("{name}/{contract}/cu"), cu.clone(), false));
        }
        out.push((
            format!("{name}/heap_efficiency"),
            self.heap_efficiency.clone(),
            true,
        ));
        out
    }
}

/// The whole report.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The counts it was measured with.
    pub counts: Counts,
    /// One row per allocator, in report order.
    pub allocators: Vec<AllocatorFigures>,
    /// `rustc -V` of the toolchain the contracts were built with, when known (CU depend on
    /// its code generation).
    pub toolchain: Option<String>,
    /// Whole calls of the example contracts ([`super::contracts`]).
    pub contracts: Vec<super::contracts::ContractFigure>,
    /// The `.so` size of each contract whose calls are measured.
    pub contract_sizes: Vec<super::contracts::ContractSize>,
}

impl Report {
    /// A report of `allocators` measured with `counts`.
    pub fn new(counts: Counts, allocators: Vec<AllocatorFigures>) -> Self {
        Self {
            counts,
            allocators,
            toolchain: None,
            contracts: Vec::new(),
            contract_sizes: Vec::new(),
        }
    }

    /// Every figure of the contract rows as the baseline names them (`contract/token/transfer/cu`,
    /// `.../tbpf_cu`, `.../v3_cu`), then the contracts' sizes (`contract/token/so_bytes`):
    /// lower is better.
    pub fn contract_figures(&self) -> Vec<(String, Measured)> {
        let sizes = self.contract_sizes.iter().map(|s| {
            (
                super::contracts::ContractSize::figure_name(s.contract),
                s.bytes.clone(),
            )
        });
        self.contracts
            .iter()
            .flat_map(|c| c.figures())
            .chain(sizes)
            .collect()
    }

    /// The name of the report's counts (`full`, `quick`, `custom`).
    pub fn counts_name(&self) -> &'static str {
        self.counts.name()
    }

    /// The row named `name`.
    pub fn row(&self, name: &str) -> Option<&AllocatorFigures> {
        self.allocators.iter().find(|a| a.name == name)
    }

    /// `reference ÷ row` of the figure `f`, when the reference row is in the report.
    pub(super) fn ratio_to(
        &self,
        reference: &str,
        row: &AllocatorFigures,
        f: impl Fn(&AllocatorFigures) -> Measured,
    ) -> Measured {
        let r = self
            .row(reference)
            .map_or_else(|| Err(format!("{reference} was not measured")), &f);
        ratio(&r, &f(row))
    }

    /// The ratios of `row` against `reference`, by figure.
    pub(super) fn ratios(
        &self,
        reference: &str,
        row: &AllocatorFigures,
    ) -> Vec<(String, Measured)> {
        let mut out: Vec<(String, Measured)> = SIZES
            .iter()
            .map(|&s| {
                (
                    format!("net_cu_{s}"),
                    self.ratio_to(reference, row, |a| a.net_at(s)),
                )
            })
            .collect();
        out.push((
            "box_u64_net_cu".into(),
            self.ratio_to(reference, row, AllocatorFigures::box_u64_net_cu),
        ));
        out.push((
            "vec_push_1000_cu".into(),
            self.ratio_to(reference, row, |a| a.vec_push_cu.clone()),
        ));
        out.push((
            "btreemap_1000_cu".into(),
            self.ratio_to(reference, row, |a| a.btreemap_cu.clone()),
        ));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_contract_workload_is_found_by_name_and_a_missing_one_is_named() {
        let row = AllocatorFigures::unmeasured("X", "not built");
        assert_eq!(row.contract_cu("multisig"), Err("not built".to_string()));
        assert_eq!(
            row.contract_cu("lottery"),
            Err("no lottery workload in this row".to_string())
        );
    }
}
