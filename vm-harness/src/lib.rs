//! The local TAKO VM: loads TAKO contracts (SBPF V0 `.so` files), runs them in solana-sbpf's
//! interpreter or JIT with the TAKO syscalls and memory map, and meters them.
//!
//! ```no_run
//! let so = std::fs::read("contracts/target/tbpf-tos-tos/release/basic.so").unwrap();
//! let outcome = vm_harness::run(&so, b"input bytes", &vm_harness::Config::default())?;
//! match &outcome.error {
//!     None => println!("returned {:?} using {} CU", outcome.return_value, outcome.cu_consumed),
//!     Some(fault) => println!("{}: {} after {} CU", fault.kind, fault.message, outcome.cu_consumed),
//! }
//! # Ok::<(), vm_harness::VmError>(())
//! ```
//!
//! Failures come in two layers: [`VmError`] when the program never ran (bad option, not
//! loadable, not verifiable) and [`RuntimeError`] inside [`Outcome`] when it ran and
//! faulted, so the CU and logs of a failed run stay visible.
#![deny(missing_docs)]

pub mod bench;
mod config;
mod context;
mod elf_check;
mod error;
mod outcome;
mod profile;
mod runner;
pub mod syscalls;
pub mod testing;

pub use config::{validate_heap_size, Config, SyscallPrices, DEFAULT_CU_LIMIT};
pub use context::TakoContext;
pub use elf_check::{preflight, EM_BPF, EM_SBPF};
pub use error::{FaultKind, RuntimeError, VmError};
pub use outcome::{allocator_json, Outcome};
pub use profile::{profile, render as render_profile, FunctionCost, Profile};
pub use runner::{input_region, sbpf_config};

/// Loads, verifies and runs the contract `so` with `input` (placed in the input region as
/// `[u64 LE length][bytes]`, `r1` pointing at it) under `config`.
///
/// `Err` means the program never ran (invalid `config`, or an ELF that does not load or
/// verify); a runtime fault is `Ok` with [`Outcome::error`] set.
pub fn run(so: &[u8], input: &[u8], config: &Config) -> Result<Outcome, VmError> {
    config.validate()?;
    let program = runner::load(so, config.jit)?;
    Ok(runner::execute(&program, input, config, None)?.outcome)
}
