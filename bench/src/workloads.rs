//! The measurements: which `alloc-bench` workloads run with which counts, and the arithmetic
//! that turns their CU into figures (marginal, net, ratio).
//!
//! `alloc-bench`'s input is `(pattern, count, size)` as three `u64` LE; its return data is
//! `[ops, heap_used, heap_peak, live_bytes]` (`u64::MAX` where the allocator cannot tell).

use tako_abi::code::{OUT_OF_MEMORY, SUCCESS};

use super::Allocator;
use vm_harness::{Config, Engine, Loaded};

/// A figure, or why it could not be measured.
pub type Measured = Result<f64, String>;

/// `alloc-bench`'s pattern ids: the contract's own list.
pub use tako_test_support::ids::alloc_bench as pattern;

/// Block sizes of the per-allocation figures.
pub const SIZES: [u64; 4] = [8, 64, 512, 4096];

/// CU limit of every bench run (the BTreeMap workload needs far more than the default).
pub const CU_LIMIT: u64 = 20_000_000;

/// The SBPF version every allocator figure is measured on (`./build-example.sh --arch`):
/// V3, what TOS's toolchain writes and its node runs by default.
pub const MEASURED_ARCH: &str = "v3";

/// The VM every allocator figure is measured on: tos-tbpf, the VM of TOS's node (the only
/// engine that loads V3), interpreted.
pub const MEASURED_ENGINE: Engine = Engine::Tbpf;

/// How many operations each workload runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// `(n1, n2)` allocations of 8, 64, 512 and 4096 bytes (all fit the default 32 KiB heap
    /// with room for per-block headers), in [`SIZES`] order. `n1` and `n2` are past every
    /// one-time cost (the first allocation sets the heap up), so the marginal is the steady
    /// state.
    pub alloc: [(u64, u64); 4],
    /// `(n1, n2)` of the `Box<u64>` loop.
    pub boxes: (u64, u64),
    /// `(n1, n2)` of the 64-byte alloc-then-free loop.
    pub alloc_free: (u64, u64),
    /// Pushes of the `Vec<u64>` workload.
    pub vec_push: u64,
    /// Inserts (then removes) of the `BTreeMap` workload.
    pub btreemap: u64,
    /// Largest block of the random mix (sizes are 8..=this).
    pub mix_max_size: u64,
    /// `(operations, most keys live)` of the churn workload.
    pub churn: (u64, u64),
    /// Size `n` of the `collections` contract's workload (its own default).
    pub collections: u64,
}

impl Counts {
    /// The report's counts: 1000 pushes, 1000 inserts and removes.
    pub const FULL: Counts = Counts {
        alloc: [(200, 600), (50, 200), (8, 24), (1, 5)],
        boxes: (200, 600),
        alloc_free: (100, 500),
        vec_push: 1000,
        btreemap: 1000,
        mix_max_size: 512,
        churn: (10_000, 500),
        collections: tako_test_support::ids::collections::DEFAULT_N,
    };
    /// Small counts for tests of the bench itself (the same method, smaller workloads).
    pub const QUICK: Counts = Counts {
        alloc: [(10, 20), (20, 30), (2, 6), (1, 3)],
        boxes: (10, 20),
        alloc_free: (10, 20),
        vec_push: 100,
        btreemap: 50,
        mix_max_size: 512,
        churn: (500, 50),
        collections: 20,
    };

    /// The named counts, as the report and the baseline name them.
    const NAMED: [(&'static str, Counts); 2] = [("full", Counts::FULL), ("quick", Counts::QUICK)];

    /// The counts named `name` (`full`, `quick`).
    pub fn named(name: &str) -> Option<Counts> {
        Self::NAMED
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, c)| *c)
    }

    /// The name of these counts (`custom` for unnamed ones).
    pub fn name(&self) -> &'static str {
        Self::NAMED
            .iter()
            .find(|(_, c)| c == self)
            .map_or("custom", |(n, _)| n)
    }
}

/// `(CU(n2) − CU(n1)) / (n2 − n1)`: CU per operation between two runs of the same program.
pub fn marginal(n1: u64, cu1: u64, n2: u64, cu2: u64) -> Measured {
    if n2 <= n1 {
        return Err(format!("marginal needs n1 < n2 (got {n1} and {n2})"));
    }
    Ok((cu2 as f64 - cu1 as f64) / (n2 - n1) as f64)
}

/// `marginal − baseline marginal`; the first missing input's reason otherwise.
pub fn net(marginal: &Measured, baseline: &Measured) -> Measured {
    match (marginal, baseline) {
        (Ok(m), Ok(b)) => Ok(m - b),
        (Err(e), _) => Err(e.clone()),
        (_, Err(e)) => Err(format!("baseline: {e}")),
    }
}

/// `reference ÷ this` (how many times fewer CU or bytes than the reference `this` needs);
/// unmeasurable when either side is missing or `this` is not positive.
pub fn ratio(reference: &Measured, this: &Measured) -> Measured {
    match (reference, this) {
        (Ok(r), Ok(t)) if *t > 0.0 => Ok(r / t),
        (Ok(_), Ok(t)) => Err(format!("no ratio to a figure of {t}")),
        (Err(e), _) => Err(format!("reference: {e}")),
        (_, Err(e)) => Err(e.clone()),
    }
}

/// `alloc-bench`'s input for one run.
pub fn input(pattern: u64, count: u64, size: u64) -> Vec<u8> {
    [pattern, count, size]
        .iter()
        .flat_map(|w| w.to_le_bytes())
        .collect()
}

/// One completed run of `alloc-bench`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Run {
    /// CU consumed.
    pub cu: u64,
    /// The contract's return code.
    pub code: u64,
    /// `[ops, heap_used, heap_peak, live_bytes]`.
    pub data: [u64; 4],
    /// The VM's view of the heap ([`vm_harness::Outcome::heap_used`]).
    pub vm_heap_used: u64,
}

/// Runs the workloads of one allocator's build.
pub struct Bench<'a> {
    program: Loaded<'a>,
    heap_size: u64,
    allocator: &'a Allocator,
}

impl<'a> Bench<'a> {
    /// Loads and verifies `so` once; every run of this allocator reuses it.
    pub fn new(allocator: &'a Allocator, so: &'a [u8]) -> Result<Self, String> {
        let mut config = Config {
            cu_limit: CU_LIMIT,
            engine: Some(MEASURED_ENGINE),
            ..Config::default()
        };
        if let Some(cu) = allocator.alloc_price {
            config.prices = config.prices.with_alloc(cu);
        }
        let program = Loaded::new(so, &config).map_err(|e| format!("does not load: {e}"))?;
        Ok(Self {
            program,
            heap_size: config.heap_size,
            allocator,
        })
    }

    /// Heap size every run maps.
    pub fn heap_size(&self) -> u64 {
        self.heap_size
    }

    /// One run; a fault or malformed return data is the reason it could not be measured.
    pub fn run(&self, pattern: u64, count: u64, size: u64) -> Result<Run, String> {
        let what = || format!("pattern {pattern} count {count} size {size}");
        let outcome = self
            .program
            .run(&input(pattern, count, size))
            .map_err(|e| format!("{}: {e}", what()))?;
        if let Some(fault) = &outcome.error {
            return Err(format!(
                "{}: {} ({}) after {} CU",
                what(),
                fault.message,
                fault.kind,
                outcome.cu_consumed
            ));
        }
        let code = outcome.return_value.unwrap_or(u64::MAX);
        let words: Vec<u64> = outcome
            .return_data
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().expect("chunks of 8")))
            .collect();
        let data: [u64; 4] = words.try_into().map_err(|w: Vec<u64>| {
            format!("{}: return data of {} words, not 4", what(), w.len())
        })?;
        Ok(Run {
            cu: outcome.cu_consumed,
            code,
            data,
            vm_heap_used: outcome.heap_used,
        })
    }

    /// [`Bench::run`] that must return `SUCCESS`.
    pub fn run_ok(&self, pattern: u64, count: u64, size: u64) -> Result<Run, String> {
        let run = self.run(pattern, count, size)?;
        if run.code != SUCCESS {
            return Err(format!(
                "pattern {pattern} count {count} size {size} returned {}{}",
                run.code,
                if run.code == OUT_OF_MEMORY {
                    " (out of memory)"
                } else {
                    ""
                }
            ));
        }
        Ok(run)
    }

    /// Marginal CU per iteration of `pattern` between `n1` and `n2` iterations.
    pub fn marginal(&self, pattern: u64, size: u64, (n1, n2): (u64, u64)) -> Measured {
        let a = self.run_ok(pattern, n1, size)?;
        let b = self.run_ok(pattern, n2, size)?;
        marginal(n1, a.cu, n2, b.cu)
    }

    /// CU of `count` iterations of `pattern` beyond the same program's run with `count` = 0
    /// (entry, input parsing and return data are a constant of the build) and that run.
    pub fn workload(&self, pattern: u64, count: u64) -> Result<(f64, Run), String> {
        self.workload_sized(pattern, count, 0)
    }

    /// [`Bench::workload`] with a `size` argument (the same in both runs).
    pub fn workload_sized(
        &self,
        pattern: u64,
        count: u64,
        size: u64,
    ) -> Result<(f64, Run), String> {
        let empty = self.run_ok(pattern, 0, size)?;
        let full = self.run_ok(pattern, count, size)?;
        Ok((full.cu as f64 - empty.cu as f64, full))
    }

    /// Bytes of heap the allocator holds after `run` (`heap_used`, or the VM's view for an
    /// allocator whose heap lives in the VM).
    pub fn heap_used(&self, run: &Run) -> Measured {
        self.heap_word(run, 1, "used")
    }

    /// Peak bytes of heap the allocator held during `run`.
    pub fn heap_peak(&self, run: &Run) -> Measured {
        self.heap_word(run, 2, "peak")
    }

    fn heap_word(&self, run: &Run, index: usize, what: &str) -> Measured {
        if self.allocator.heap_in_vm {
            // tako_alloc bumps over the VM's region and never reuses it: its high-water
            // mark is both the use and the peak.
            return Ok(run.vm_heap_used as f64);
        }
        match run.data[index] {
            u64::MAX => Err(format!(
                "{} keeps no {what} count the contract can read",
                self.allocator.name
            )),
            bytes => Ok(bytes as f64),
        }
    }

    /// Live bytes at the first failed allocation of the random mix ÷ heap size.
    pub fn heap_efficiency(&self, max_size: u64) -> Measured {
        let run = self.run(pattern::RANDOM_MIX, 0, max_size)?;
        if run.code != OUT_OF_MEMORY {
            return Err(format!(
                "the random mix ended with code {} instead of its first failed allocation",
                run.code
            ));
        }
        Ok(run.data[3] as f64 / self.heap_size() as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marginal_is_the_slope_between_two_counts() {
        assert_eq!(marginal(100, 2_009, 200, 3_609), Ok(16.0));
        assert_eq!(marginal(1, 100, 5, 110), Ok(2.5));
        // A cheaper second run is reported as it is (negative), not hidden.
        assert_eq!(marginal(1, 110, 3, 100), Ok(-5.0));
        assert!(marginal(5, 1, 5, 2).unwrap_err().contains("n1 < n2"));
        assert!(marginal(6, 1, 5, 2).is_err());
    }

    #[test]
    fn net_subtracts_the_baseline_and_keeps_reasons() {
        assert_eq!(net(&Ok(16.0), &Ok(8.0)), Ok(8.0));
        assert_eq!(net(&Ok(112.0), &Ok(8.0)), Ok(104.0));
        assert_eq!(net(&Err("oom".into()), &Ok(8.0)), Err("oom".into()));
        assert_eq!(
            net(&Ok(1.0), &Err("fault".into())),
            Err("baseline: fault".into())
        );
    }

    #[test]
    fn ratio_is_reference_over_this() {
        assert_eq!(ratio(&Ok(104.0), &Ok(8.0)), Ok(13.0));
        assert_eq!(ratio(&Ok(8.0), &Ok(16.0)), Ok(0.5));
        assert!(ratio(&Ok(8.0), &Ok(0.0)).is_err());
        assert!(ratio(&Ok(8.0), &Ok(-1.0)).is_err());
        assert_eq!(
            ratio(&Err("x".into()), &Ok(1.0)),
            Err("reference: x".into())
        );
        assert_eq!(ratio(&Ok(1.0), &Err("y".into())), Err("y".into()));
    }

    #[test]
    fn input_is_three_le_words() {
        let bytes = input(3, 1000, 8);
        assert_eq!(bytes.len(), 24);
        assert_eq!(&bytes[..8], &3u64.to_le_bytes());
        assert_eq!(&bytes[8..16], &1000u64.to_le_bytes());
        assert_eq!(&bytes[16..], &8u64.to_le_bytes());
    }

    #[test]
    fn counts_are_increasing_pairs() {
        for counts in [Counts::FULL, Counts::QUICK] {
            for (n1, n2) in counts
                .alloc
                .iter()
                .chain([&counts.boxes, &counts.alloc_free])
            {
                assert!(n1 < n2, "{n1} {n2}");
            }
            // Blocks of the largest count fit half the default heap.
            for (size, (_, n2)) in SIZES.iter().zip(counts.alloc) {
                assert!(
                    size * n2 <= tako_abi::DEFAULT_HEAP_SIZE * 5 / 8,
                    "{size} x {n2}"
                );
            }
        }
    }
}
