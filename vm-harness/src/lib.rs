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

pub mod bench;
pub mod chain;
pub mod cli;
mod config;
mod elf_check;
mod engine;
mod error;
mod outcome;
mod profile;
pub mod syscalls;
mod test_chain;
pub mod testing;
mod v3_check;

pub use chain::{Address, CallEnv, ChainState, Event};
pub use config::{validate_heap_size, Config, SyscallPrices, DEFAULT_CU_LIMIT, MAX_CU_LIMIT};
pub use elf_check::{preflight, statics_size, EM_BPF, EM_SBPF};
pub use engine::sbpf::sbpf_config;
pub use engine::sbpf_context::TakoContext;
pub use engine::tbpf::tbpf_config;
pub use engine::Engine;
pub use error::{FaultKind, RuntimeError, VmError};
pub use outcome::{allocator_json, Outcome};
pub use profile::{profile, render as render_profile, FunctionCost, Profile};
pub use syscalls::Host;
pub use test_chain::TestChain;

/// Loads, verifies and runs the contract `so` with `input` (what `get_input_data` returns)
/// under `config`, on an empty chain, as the contract [`chain::contract_address`] of `so`.
///
/// `Err` means the program never ran (invalid `config`, or an ELF that does not load or
/// verify); a runtime fault is `Ok` with [`Outcome::error`] set.
pub fn run(so: &[u8], input: &[u8], config: &Config) -> Result<Outcome, VmError> {
    let env = CallEnv {
        contract: chain::contract_address(so),
        ..CallEnv::default()
    };
    call(so, input, &env, &ChainState::default(), config)
}

/// Loads and verifies `so` on `config`'s engine ([`Config::engine_for`]) without running it.
///
/// # Errors
/// The [`VmError`] of a program that does not load or verify.
pub fn check(so: &[u8], config: &Config) -> Result<(), VmError> {
    config.validate()?;
    match config.engine_for(so)? {
        Engine::Sbpf => engine::sbpf::load(so, config.jit).map(drop),
        Engine::Tbpf => engine::tbpf::load(so).map(drop),
    }
}

/// Refuses an input longer than [`tako_abi::MAX_INPUT_SIZE`].
pub(crate) fn check_input(input: &[u8]) -> Result<(), VmError> {
    if input.len() as u64 > tako_abi::MAX_INPUT_SIZE {
        return Err(VmError::InputTooLarge {
            len: input.len() as u64,
        });
    }
    Ok(())
}

/// [`run`] with the caller, block and chain state given: `state` is the state before the
/// call; the state after it is [`Outcome::state`] (`None` when the call failed, which
/// commits nothing).
pub fn call(
    so: &[u8],
    input: &[u8],
    env: &CallEnv,
    state: &ChainState,
    config: &Config,
) -> Result<Outcome, VmError> {
    config.validate()?;
    check_input(input)?;
    let setup = engine::CallSetup::new(so, input, env, state);
    let execution = match config.engine_for(so)? {
        Engine::Sbpf => {
            let program = engine::sbpf::load(so, config.jit)?;
            engine::sbpf::execute(&program, &setup, config, None)?
        }
        Engine::Tbpf => {
            let program = engine::tbpf::load(so)?;
            engine::tbpf::execute(&program, &setup, config, None)?
        }
    };
    Ok(execution.outcome)
}
