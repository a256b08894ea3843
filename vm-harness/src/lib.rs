#![doc = include_str!("../README.md")]
//!
//! The local TAKO VM: loads TAKO contracts (SBPF `.so` files), runs them on tos-tbpf, TOS's
//! own VM (SBPF V0 and V3), or solana-sbpf (V0; interpreter or JIT) as TOS's executor runs
//! them (its memory map, registers, syscalls and budget), with local chain state, and meters
//! them. Unless the config names an engine, a V3 program runs on tos-tbpf and a V0 program
//! on solana-sbpf.
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

mod call;
pub mod chain;
pub mod cli;
mod config;
mod elf_check;
mod engine;
mod error;
pub mod loader;
mod outcome;
mod profile;
mod symbols;
pub mod syscalls;
mod test_chain;
pub mod testing;
mod v3_check;
pub mod verify;

pub use call::{call, check, run, Loaded};
pub use chain::{Address, CallEnv, ChainState, Event};
pub use config::{validate_heap_size, Config, SyscallPrices, DEFAULT_CU_LIMIT, MAX_CU_LIMIT};
pub use elf_check::{preflight, statics_size, EM_BPF, EM_SBPF};
pub use engine::sbpf::sbpf_config;
pub use engine::sbpf_context::TakoContext;
pub use engine::tbpf::tbpf_config;
pub use engine::Engine;
pub use error::{FaultKind, RuntimeError, VmError};
pub use outcome::{allocator_json, Outcome};
pub use profile::{
    profile, profile_call, render as render_profile, render_hot_instructions, FunctionCost,
    InstructionCount, Profile,
};
pub use symbols::{functions_by_size, Function};
pub use syscalls::Host;
pub use test_chain::TestChain;
