//! The library's entry points: [`run`], [`call`] and [`check`] a contract on the engine its
//! config picks.

use crate::chain::{self, CallEnv, ChainState};
use crate::config::Config;
use crate::engine::{self, Engine};
use crate::error::VmError;
use crate::outcome::Outcome;

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
