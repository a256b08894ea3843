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
    // Refused before the program is loaded; `Loaded::new` validates `config`.
    check_input(input)?;
    Loaded::new(so, config)?.run(input)
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
    // Refused before the program is loaded; `Loaded::new` validates `config`.
    check_input(input)?;
    Loaded::new(so, config)?.call(input, env, state)
}

/// A contract loaded and verified once on the engine `config` picks, then called any
/// number of times under that config: what [`run`] and [`call`] do, without loading and
/// verifying the program again for every call (a benchmark's or a test's many calls).
///
/// ```no_run
/// # fn main() -> Result<(), vm_harness::VmError> {
/// let so = std::fs::read("counter.so").expect("a built contract");
/// let program = vm_harness::Loaded::new(&so, &vm_harness::Config::default())?;
/// for input in [&b"a"[..], b"b"] {
///     let outcome = program.run(input)?;
///     println!("{} CU", outcome.cu_consumed);
/// }
/// # Ok(())
/// # }
/// ```
pub struct Loaded<'a> {
    so: &'a [u8],
    config: Config,
    program: Program,
}

/// A program as its engine loaded it.
enum Program {
    Sbpf(engine::sbpf::Program),
    Tbpf(engine::tbpf::Program),
}

impl<'a> Loaded<'a> {
    /// Loads and verifies `so` under `config` (validated first).
    ///
    /// # Errors
    /// An invalid `config`, or the [`VmError`] of a program that does not load or verify.
    pub fn new(so: &'a [u8], config: &Config) -> Result<Self, VmError> {
        config.validate()?;
        let program = match config.engine_for(so)? {
            Engine::Sbpf => Program::Sbpf(engine::sbpf::load(so, config.jit)?),
            Engine::Tbpf => Program::Tbpf(engine::tbpf::load(so)?),
        };
        Ok(Loaded {
            so,
            config: config.clone(),
            program,
        })
    }

    /// One call on an empty chain, as the contract [`chain::contract_address`] of the
    /// program, as [`run`] makes it.
    pub fn run(&self, input: &[u8]) -> Result<Outcome, VmError> {
        let env = CallEnv {
            contract: chain::contract_address(self.so),
            ..CallEnv::default()
        };
        self.call(input, &env, &ChainState::default())
    }

    /// One call by `env` over `state`, as [`call`] makes it.
    pub fn call(
        &self,
        input: &[u8],
        env: &CallEnv,
        state: &ChainState,
    ) -> Result<Outcome, VmError> {
        check_input(input)?;
        let setup = engine::CallSetup::new(self.so, input, env, state);
        let execution = match &self.program {
            Program::Sbpf(p) => engine::sbpf::execute(p, &setup, &self.config, None)?,
            Program::Tbpf(p) => engine::tbpf::execute(p, &setup, &self.config, None)?,
        };
        Ok(execution.outcome)
    }
}
