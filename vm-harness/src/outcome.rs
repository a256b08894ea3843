//! [`Outcome`]: what a run produced, and its two renderings (the readable summary and the
//! CLI's JSON).

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use serde_json::json;
use tos_alloc::inspect::{HeapReport, Strategy};

use crate::chain::{BalanceChange, ChainState, Event, StorageWrite};
use crate::error::RuntimeError;
use crate::Engine;

/// The result of a run that started: it either completed (`error` is `None`, `return_value`
/// is `r0`) or faulted (`error` says why; CU, logs, return data and heap use are those of
/// the run up to the fault).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The VM that ran the program (picked by its SBPF version unless the config named one).
    pub engine: Engine,
    /// `r0` at exit; `None` when the run faulted.
    pub return_value: Option<u64>,
    /// Compute units consumed: 1 per instruction plus the syscall prices.
    pub cu_consumed: u64,
    /// Messages of `log`, `log_u64` and `log_pubkey`, in order.
    pub logs: Vec<String>,
    /// The data of the last `set_return_data` (empty if none).
    pub return_data: Vec<u8>,
    /// Bytes of heap the program touched: the larger of (a) one past the offset of the
    /// highest non-zero heap byte after the run (the heap starts zero-filled) and (b) the
    /// high-water mark of the `tako_alloc` bump allocator.
    pub heap_used: u64,
    /// Where the writable statics end, as bytes past `MM_HEAP_START` (the allocator's
    /// header, `.data` and `.bss`: the program's heap segment), 0 without statics: blocks
    /// start after them.
    pub statics: u64,
    /// Bytes of heap the VM mapped ([`crate::Config::heap_size`]).
    pub heap_size: u64,
    /// The tos-alloc allocator found in the heap after the run (`TosAllocator`,
    /// `PoolAllocator` or `FirstFitAllocator`) and its figures, decoded from its headers
    /// by `tos_alloc::inspect`; `None` when the heap holds no tos-alloc header (another
    /// allocator, or none).
    pub allocator: Option<HeapReport>,
    /// The fault that ended the run, if any.
    pub error: Option<RuntimeError>,
    /// Wall-clock time of the execution itself (not loading or verifying).
    pub run_time: Duration,
    /// Events emitted, in order; empty when the call failed (nothing is committed).
    pub events: Vec<Event>,
    /// The called contract's storage changes, by key; empty when the call failed.
    pub storage_writes: Vec<StorageWrite>,
    /// Balances that moved (the call's value included); empty when the call failed.
    pub balance_changes: Vec<BalanceChange>,
    /// The chain state after the call; `None` when it failed: a fault or a return code
    /// other than 0 commits nothing, as TOS merges a call's state only on exit code 0.
    pub state: Option<ChainState>,
    /// How often the run called each syscall (those it called).
    pub syscalls: BTreeMap<&'static str, u64>,
}

impl Outcome {
    /// Whether the call ran to completion and returned 0 (`SUCCESS`): what TOS commits.
    pub fn succeeded(&self) -> bool {
        self.error.is_none() && self.return_value == Some(tako_abi::code::SUCCESS)
    }

    /// The CLI's `--json` object: exactly `engine` (`"sbpf"`, `"tbpf"`), `return_value` (u64,
    /// `null` after a fault),
    /// `cu_consumed`, `logs`, `return_data` (lowercase hex), `heap_used`, `statics`, `error` (`null`
    /// or `{"kind", "message"}`), `events` (`contract`, `topics`, `data`, hex),
    /// `storage_writes` (`key`, `value`: hex, `null` for a deletion), `balance_changes`
    /// (`address`, `before`, `after`) and `syscalls` (name → calls).
    pub fn to_json(&self) -> serde_json::Value {
        let json = OutcomeJson {
            engine: self.engine.as_str(),
            return_value: self.return_value,
            cu_consumed: self.cu_consumed,
            logs: &self.logs,
            return_data: hex::encode(&self.return_data),
            heap_used: self.heap_used,
            statics: self.statics,
            error: self.error.as_ref().map(|e| ErrorJson {
                kind: e.kind.as_str(),
                message: &e.message,
            }),
            events: &self.events,
            storage_writes: &self.storage_writes,
            balance_changes: &self.balance_changes,
            syscalls: &self.syscalls,
        };
        serde_json::to_value(json).expect("the outcome's JSON has string keys only")
    }

    /// [`Outcome::to_json`] plus `allocator` (`null` or the object of [`allocator_json`]):
    /// the CLI's `--json --allocator-stats`.
    pub fn to_json_with_allocator(&self) -> serde_json::Value {
        let mut value = self.to_json();
        value["allocator"] = self
            .allocator
            .as_ref()
            .map_or(serde_json::Value::Null, allocator_json);
        value
    }
}

/// The shape of [`Outcome::to_json`]: its keys are these fields.
#[derive(serde::Serialize)]
struct OutcomeJson<'a> {
    engine: &'static str,
    return_value: Option<u64>,
    cu_consumed: u64,
    logs: &'a [String],
    /// Lowercase hex.
    return_data: String,
    heap_used: u64,
    statics: u64,
    error: Option<ErrorJson<'a>>,
    events: &'a [Event],
    storage_writes: &'a [StorageWrite],
    balance_changes: &'a [BalanceChange],
    syscalls: &'a BTreeMap<&'static str, u64>,
}

/// A fault in [`OutcomeJson`].
#[derive(serde::Serialize)]
struct ErrorJson<'a> {
    kind: &'static str,
    message: &'a str,
}

/// The JSON of a decoded allocator: `strategy` and `name` (the strategy's
/// [`tos_alloc::StrategyInfo`]: `"bump"`, `"pool"`, `"first_fit"`; `"TosAllocator"`,
/// `"PoolAllocator"`, `"FirstFitAllocator"`), `bump` (the bump heap's
/// `used`, `peak`, `capacity`, `failed` and `allocations`, `null` unless counted), `usage`
/// (`null` for the bump heap, else `allocations`, `frees`, `live_bytes`,
/// `peak_live_bytes` (`null` for the pool), `heap_used`, `heap_peak`, `capacity`,
/// `failed`), `classes` (the pool's 13 size classes: `size`, `hits`, `misses`, `frees`;
/// else `null`) and `block_size` (first fit's `B`; else `null`).
pub fn allocator_json(report: &HeapReport) -> serde_json::Value {
    let b = report.bump;
    let (classes, block_size) = match &report.strategy {
        Strategy::Bump => (None, None),
        Strategy::Pool(p) => (
            Some(
                p.classes
                    .iter()
                    .map(|c| json!({"size": c.size, "hits": c.hits, "misses": c.misses, "frees": c.frees}))
                    .collect::<Vec<_>>(),
            ),
            None,
        ),
        Strategy::FirstFit { block_size, .. } => (None, Some(*block_size)),
    };
    json!({
        "strategy": report.info().id,
        "name": report.name(),
        "bump": {
            "used": b.used,
            "peak": b.peak,
            "capacity": b.capacity,
            "failed": b.failed,
            "allocations": b.allocations,
        },
        "usage": report.usage().map(|u| json!({
            "allocations": u.allocations,
            "frees": u.frees,
            "live_bytes": u.live_bytes,
            "peak_live_bytes": u.peak_live_bytes,
            "heap_used": u.heap_used,
            "heap_peak": u.heap_peak,
            "capacity": u.capacity,
            "failed": u.failed,
        })),
        "classes": classes,
        "block_size": block_size,
    })
}

/// The summary's allocator lines (each ending in a newline): `allocator:    NAME — figures`,
/// then, for the pool, one line per size class used (`  class 192 B: 812 hits, 40 misses,
/// 830 frees`).
fn write_allocator(
    f: &mut fmt::Formatter<'_>,
    report: Option<&HeapReport>,
    heap_size: u64,
    statics: u64,
) -> fmt::Result {
    let Some(r) = report else {
        return writeln!(f, "allocator:    none recognised");
    };
    write!(f, "allocator:    {}", r.name())?;
    if let Strategy::FirstFit {
        block_size, blocks, ..
    } = r.strategy
    {
        write!(f, " ({blocks} blocks of {block_size} B)")?;
    }
    match r.usage() {
        None => {
            let b = r.bump;
            write!(f, " — ")?;
            if let Some(n) = b.allocations {
                write!(f, "{n} allocations, ")?;
            }
            writeln!(
                f,
                "{} B used, {} B peak, {} B capacity, {} failed",
                b.used, b.peak, b.capacity, b.failed
            )?;
            let end = tako_abi::heap_start_offset(statics) + b.capacity as u64;
            if r.strategy == Strategy::Bump && b.failed > 0 && end < heap_size {
                writeln!(
                    f,
                    "note:         TosAllocator ended {end} bytes into the heap, though the VM \
                     mapped {heap_size}: it uses the smaller of its declared size (32 KiB unless \
                     declared larger, e.g. TosAllocator<{{ 256 * 1024 }}>) and the mapped heap"
                )?;
            }
        }
        Some(u) => {
            write!(
                f,
                " — {} allocations, {} frees, {} B live, ",
                u.allocations, u.frees, u.live_bytes
            )?;
            if let Some(peak) = u.peak_live_bytes {
                write!(f, "{peak} B live peak, ")?;
            }
            writeln!(f, "{} B heap peak, {} failed", u.heap_peak, u.failed)?;
        }
    }
    if let Strategy::Pool(p) = &r.strategy {
        for c in p
            .classes
            .iter()
            .filter(|c| c.hits != 0 || c.misses != 0 || c.frees != 0)
        {
            writeln!(
                f,
                "  class {} B: {} hits, {} misses, {} frees",
                c.size, c.hits, c.misses, c.frees
            )?;
        }
    }
    Ok(())
}

impl fmt::Display for Outcome {
    /// The readable summary the CLI prints.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.error, self.return_value) {
            (Some(e), _) => writeln!(f, "error:        {} ({})", e.message, e.kind)?,
            (None, Some(v)) => writeln!(f, "return value: {v} ({v:#x})")?,
            (None, None) => writeln!(f, "return value: none")?,
        }
        writeln!(f, "CU consumed:  {}", self.cu_consumed)?;
        writeln!(f, "engine:       {}", self.engine.name())?;
        writeln!(f, "heap used:    {} bytes", self.heap_used)?;
        if self.statics > 0 {
            writeln!(
                f,
                "statics:      {} bytes at the heap's start, its header's included (the heap's blocks start at {:#x})",
                self.statics,
                tako_abi::MM_HEAP_START + tako_abi::heap_start_offset(self.statics)
            )?;
        }
        write_allocator(f, self.allocator.as_ref(), self.heap_size, self.statics)?;
        if self.return_data.is_empty() {
            writeln!(f, "return data:  none")?;
        } else {
            writeln!(
                f,
                "return data:  {} bytes: {}",
                self.return_data.len(),
                hex::encode(&self.return_data)
            )?;
        }
        writeln!(
            f,
            "run time:     {:.3} ms",
            self.run_time.as_secs_f64() * 1e3
        )?;
        for w in &self.storage_writes {
            match &w.value {
                Some(v) => writeln!(
                    f,
                    "storage:      {} = {}",
                    hex::encode(&w.key),
                    hex::encode(&v.0)
                )?,
                None => writeln!(f, "storage:      {} deleted", hex::encode(&w.key))?,
            }
        }
        for b in &self.balance_changes {
            writeln!(
                f,
                "balance:      {} {} -> {}",
                hex::encode(b.address),
                b.before,
                b.after
            )?;
        }
        for e in &self.events {
            let topics: Vec<String> = e.topics.iter().map(hex::encode).collect();
            writeln!(
                f,
                "event:        topics [{}] data {}",
                topics.join(", "),
                hex::encode(&e.data)
            )?;
        }
        if self.logs.is_empty() {
            writeln!(f, "logs:         none")?;
        } else {
            writeln!(f, "logs:")?;
            for line in &self.logs {
                writeln!(f, "  {line}")?;
            }
        }
        Ok(())
    }
}
