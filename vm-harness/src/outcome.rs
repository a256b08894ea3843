//! [`Outcome`]: what a run produced, and its two renderings (the readable summary and the
//! CLI's JSON).

use std::fmt;
use std::time::Duration;

use serde_json::json;

use crate::error::RuntimeError;

/// The result of a run that started: it either completed (`error` is `None`, `return_value`
/// is `r0`) or faulted (`error` says why; CU, logs, return data and heap use are those of
/// the run up to the fault).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// `r0` at exit; `None` when the run faulted.
    pub return_value: Option<u64>,
    /// Compute units consumed: 1 per instruction plus the syscall prices.
    pub cu_consumed: u64,
    /// Messages of `tako_log` / `tako_log_u64`, in order.
    pub logs: Vec<String>,
    /// The data of the last `tako_set_return_data` (empty if none).
    pub return_data: Vec<u8>,
    /// Bytes of heap the program touched: the larger of (a) one past the offset of the
    /// highest non-zero heap byte after the run (the heap starts zero-filled) and (b) the
    /// high-water mark of the `tako_alloc` bump allocator.
    pub heap_used: u64,
    /// The fault that ended the run, if any.
    pub error: Option<RuntimeError>,
    /// Wall-clock time of the execution itself (not loading or verifying).
    pub run_time: Duration,
}

impl Outcome {
    /// The CLI's `--json` object: exactly `return_value` (u64, `null` after a fault),
    /// `cu_consumed`, `logs`, `return_data` (lowercase hex), `heap_used` and `error`
    /// (`null` or `{"kind", "message"}`).
    pub fn to_json(&self) -> serde_json::Value {
        json!({
            "return_value": self.return_value,
            "cu_consumed": self.cu_consumed,
            "logs": self.logs,
            "return_data": hex::encode(&self.return_data),
            "heap_used": self.heap_used,
            "error": self.error.as_ref().map(|e| json!({
                "kind": e.kind.as_str(),
                "message": e.message,
            })),
        })
    }
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
        writeln!(f, "heap used:    {} bytes", self.heap_used)?;
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
