//! The `tako-vm` command line (`run`, `profile`), also what `cargo tako run` calls after a
//! build: [`main`] parses the process's arguments, [`execute`] runs one `run` or `profile`
//! with parsed [`RunArgs`]. [`write_out`] is its stdout, which `tako-bench` shares.
//!
//! Exit codes: 0 the contract ran to completion (whatever it returned), 2 bad options or a
//! program that does not load or verify, 3 a runtime fault.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};

/// Exit code when stdout closes before everything was written (`tako-vm ... | head`): the
/// shell's code for a process ended by SIGPIPE, so it is never mistaken for success.
const EXIT_BROKEN_PIPE: i32 = 141;

/// Writes to stdout; a closed pipe ends the process quietly with exit code 141 (SIGPIPE)
/// (instead of `print!`'s panic), any other write error with a message and exit code 2.
pub fn write_out(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_fmt(args).and_then(|()| stdout.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(EXIT_BROKEN_PIPE);
        }
        eprintln!("{}: error: cannot write to stdout: {e}", program_name());
        std::process::exit(i32::from(EXIT_USAGE));
    }
}

/// The running binary's name, for messages (`tako-vm`, `tako-bench`, ...).
fn program_name() -> String {
    std::env::args_os()
        .next()
        .as_deref()
        .map(std::path::Path::new)
        .and_then(std::path::Path::file_stem)
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "tako-vm".into())
}

/// `print!` through [`cli::write_out`](crate::cli::write_out): a closed pipe ends the
/// process quietly (for `tako-vm` and `tako-bench`).
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => { $crate::cli::write_out(format_args!($($arg)*)) };
}

/// `println!` through [`cli::write_out`](crate::cli::write_out).
#[macro_export]
macro_rules! outln {
    () => { $crate::cli::write_out(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::cli::write_out(format_args!("{}\n", format_args!($($arg)*))) };
}
use crate::{Config, Outcome, VmError};

/// Exit code of a run that completed.
const EXIT_OK: u8 = 0;
/// Exit code of bad options and of programs that do not load or verify.
const EXIT_USAGE: u8 = 2;
/// Exit code of a runtime fault.
const EXIT_FAULT: u8 = 3;

#[derive(Parser)]
#[command(
    name = "tako-vm",
    version,
    about = "Run and meter TAKO contracts (SBPF .so) as TOS's executor runs them, on solana-sbpf or tos-tbpf"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a contract and print its outcome.
    Run(RunArgs),
    /// Run a contract in the interpreter and print the CU spent in each function.
    Profile(RunArgs),
}

/// `run` and `profile`: the program and how to call it.
#[derive(Args)]
pub struct RunArgs {
    /// The contract (.so) to run.
    pub so: PathBuf,
    /// How to call it.
    #[command(flatten)]
    pub call: CallArgs,
}

/// How to call the contract: input, limits, engine, output and chain state.
#[derive(Args)]
pub struct CallArgs {
    /// File whose bytes (raw, not hex) are the input `get_input_data` returns.
    #[arg(long, conflicts_with = "input_hex")]
    input: Option<PathBuf>,
    /// The input as hex digits (e.g. 0a00000000000000).
    #[arg(long)]
    input_hex: Option<String>,
    /// Heap size in bytes: 1024..=262144, a multiple of 1024.
    #[arg(long, default_value_t = tako_abi::DEFAULT_HEAP_SIZE)]
    heap_size: u64,
    /// Compute-unit limit: at most TOS's maximum, 10,000,000, unless --beyond-tos-budget.
    #[arg(long, default_value_t = crate::DEFAULT_CU_LIMIT)]
    cu_limit: u64,
    /// Allow a --cu-limit above TOS's 10,000,000 (a call that needs it cannot run on TOS;
    /// `run` only: profile keeps 8 bytes per executed instruction).
    #[arg(long)]
    beyond_tos_budget: bool,
    /// Run the JIT-compiled program instead of the interpreter (profile always interprets;
    /// solana-sbpf only).
    #[arg(long)]
    jit: bool,
    /// The VM: sbpf (solana-sbpf 0.26) or tbpf (tos-tbpf 0.14.1, TOS's). Default: by the
    /// program's SBPF version, tbpf for V3 (only it loads V3), sbpf for V0.
    #[arg(long)]
    engine: Option<crate::Engine>,
    /// Print the outcome as one JSON object.
    #[arg(long)]
    json: bool,
    /// With --json: add an `allocator` key, the tos-alloc allocator's figures decoded from
    /// the heap after the run (the readable summary always shows them).
    #[arg(long, requires = "json")]
    allocator_stats: bool,
    /// Chain state file (JSON): read before the call (a missing file is an empty chain),
    /// written after it when the call succeeds (a failed call writes nothing).
    #[arg(long)]
    state: Option<PathBuf>,
    /// The contract's address (64 hex digits); default: the BLAKE3 hash of the .so.
    #[arg(long, value_parser = parse_address)]
    contract: Option<crate::Address>,
    /// The sender and caller (64 hex digits); default: all zero.
    #[arg(long, value_parser = parse_address)]
    sender: Option<crate::Address>,
    /// Value moved from the sender to the contract with the call.
    #[arg(long, default_value_t = 0)]
    value: u64,
    /// The block height the call sees.
    #[arg(long, default_value_t = 0)]
    block_height: u64,
    /// The block timestamp the call sees.
    #[arg(long, default_value_t = 0)]
    timestamp: u64,
    /// The chain id the call sees.
    #[arg(long, default_value_t = 0)]
    chain_id: u64,
    /// `profile` only: also list the N most executed instructions (count, address, the
    /// engine's disassembly, function + offset); with --json, an `instructions` key.
    #[arg(long, value_name = "N")]
    hot: Option<usize>,
}

fn parse_address(text: &str) -> Result<crate::Address, String> {
    crate::chain::parse_address(text)
}

/// A failure before the contract ran: printed, exit code 2.
struct Refused(anyhow::Error);

impl CallArgs {
    fn config(&self) -> Config {
        Config {
            heap_size: self.heap_size,
            cu_limit: self.cu_limit,
            jit: self.jit,
            engine: self.engine,
            ..Config::default()
        }
    }

    fn input(&self) -> Result<Vec<u8>> {
        match (&self.input, &self.input_hex) {
            (Some(path), _) => read_input_file(path),
            (None, Some(digits)) => {
                let digits: String = digits.chars().filter(|c| !c.is_whitespace()).collect();
                hex::decode(digits.trim_start_matches("0x"))
                    .with_context(|| format!("--input-hex {digits:?} is not valid hex"))
            }
            (None, None) => Ok(Vec::new()),
        }
    }

    /// Reads the program and the input and checks the options, before anything runs.
    fn prepare(&self, so: &std::path::Path) -> Result<(Vec<u8>, Vec<u8>, Config)> {
        let config = self.config();
        config.validate()?;
        if config.cu_limit > crate::MAX_CU_LIMIT && !self.beyond_tos_budget {
            bail!(
                "--cu-limit {} is above TOS's maximum compute budget of {} CU: no call on TOS \
                 can use it; pass --beyond-tos-budget to run it anyway",
                config.cu_limit,
                crate::MAX_CU_LIMIT
            );
        }
        let bytes = std::fs::read(so)
            .with_context(|| format!("cannot read the program {}", so.display()))?;
        Ok((bytes, self.input()?, config))
    }

    /// Who calls, in which block.
    fn env(&self, so: &[u8]) -> crate::CallEnv {
        let sender = self.sender.unwrap_or_default();
        crate::CallEnv {
            contract: self
                .contract
                .unwrap_or_else(|| crate::chain::contract_address(so)),
            sender,
            caller: sender,
            value: self.value,
            block_height: self.block_height,
            timestamp: self.timestamp,
            chain_id: self.chain_id,
            ..crate::CallEnv::default()
        }
    }

    /// The chain state before the call: the `--state` file, an empty chain when it does
    /// not exist or none is given.
    fn read_state(&self) -> Result<crate::ChainState> {
        let Some(path) = &self.state else {
            return Ok(crate::ChainState::default());
        };
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(crate::ChainState::default())
            }
            Err(e) => {
                return Err(e)
                    .with_context(|| format!("cannot read the state file {}", path.display()))
            }
        };
        serde_json::from_str(&text).with_context(|| {
            format!(
                "the state file {} is not a tako-vm chain state (JSON with \"storage\" and \"balances\"); it was left untouched",
                path.display()
            )
        })
    }
}

/// Reads the input file once, at most [`tako_abi::MAX_INPUT_SIZE`] bytes of it: a longer
/// file is refused without being read whole.
fn read_input_file(path: &std::path::Path) -> Result<Vec<u8>> {
    use std::io::Read as _;
    let file = std::fs::File::open(path)
        .with_context(|| format!("cannot read the input file {}", path.display()))?;
    let mut input = Vec::new();
    file.take(tako_abi::MAX_INPUT_SIZE + 1)
        .read_to_end(&mut input)
        .with_context(|| format!("cannot read the input file {}", path.display()))?;
    if input.len() as u64 > tako_abi::MAX_INPUT_SIZE {
        let len = std::fs::metadata(path).map_or(input.len() as u64, |m| m.len());
        return Err(anyhow::Error::new(crate::VmError::InputTooLarge { len }))
            .with_context(|| format!("the input file {}", path.display()));
    }
    Ok(input)
}

/// Writes `state` to `path` through a temporary file and a rename, so that the file is
/// either the old state or the new one.
fn write_state(path: &std::path::Path, state: &crate::ChainState) -> Result<()> {
    let text = serde_json::to_string_pretty(state).context("serializing the chain state")?;
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text + "\n")
        .and_then(|()| std::fs::rename(&tmp, path))
        .with_context(|| format!("cannot write the state file {}", path.display()))
}

fn exit_code(outcome: &Outcome) -> u8 {
    if outcome.error.is_some() {
        EXIT_FAULT
    } else {
        EXIT_OK
    }
}

fn run(path: &std::path::Path, args: &CallArgs) -> Result<u8, Refused> {
    if args.hot.is_some() {
        return Err(Refused(anyhow::anyhow!(
            "--hot lists instructions from profile's trace; use `tako-vm profile --hot N`"
        )));
    }
    let (so, input, config) = args.prepare(path).map_err(Refused)?;
    let state = args.read_state().map_err(Refused)?;
    let env = args.env(&so);
    let outcome =
        crate::call(&so, &input, &env, &state, &config).map_err(|e| Refused(loading(e, path)))?;
    if let (Some(state), Some(after)) = (&args.state, &outcome.state) {
        write_state(state, after).map_err(Refused)?;
    }
    if args.json && args.allocator_stats {
        outln!("{}", outcome.to_json_with_allocator());
    } else if args.json {
        outln!("{}", outcome.to_json());
    } else {
        out!("{outcome}");
    }
    Ok(exit_code(&outcome))
}

fn profile(path: &std::path::Path, args: &CallArgs) -> Result<u8, Refused> {
    if args.cu_limit > crate::MAX_CU_LIMIT {
        return Err(Refused(anyhow::anyhow!(
            "profile keeps 8 bytes per executed instruction, so it runs at most TOS's {} CU \
             (--cu-limit {} refused, with or without --beyond-tos-budget)",
            crate::MAX_CU_LIMIT,
            args.cu_limit
        )));
    }
    let (so, input, config) = args.prepare(path).map_err(Refused)?;
    if args.jit {
        eprintln!("note: profile runs the interpreter; --jit is ignored");
    }
    let state = args.read_state().map_err(Refused)?;
    let env = args.env(&so);
    let profile = crate::profile_call(&so, &input, &env, &state, &config)
        .map_err(|e| Refused(loading(e, path)))?;
    if let (Some(state), Some(after)) = (&args.state, &profile.outcome.state) {
        write_state(state, after).map_err(Refused)?;
    }
    if args.json {
        let functions: Vec<_> = profile
            .functions
            .iter()
            .map(|f| {
                serde_json::json!({
                    "name": f.name, "address": f.address, "cu": f.cu, "inclusive_cu": f.inclusive_cu,
                    "instructions": f.instructions, "syscall_cu": f.syscall_cu, "calls": f.calls,
                })
            })
            .collect();
        let mut value = if args.allocator_stats {
            profile.outcome.to_json_with_allocator()
        } else {
            profile.outcome.to_json()
        };
        value["functions"] = serde_json::Value::Array(functions);
        if let Some(n) = args.hot {
            let hot: Vec<_> = profile
                .instructions
                .iter()
                .take(n)
                .map(|i| {
                    serde_json::json!({
                        "address": i.address, "count": i.count, "text": i.text,
                        "function": i.function, "offset": i.offset,
                    })
                })
                .collect();
            value["instructions"] = serde_json::Value::Array(hot);
        }
        outln!("{value}");
    } else {
        out!("{}", profile.outcome);
        outln!();
        out!("{}", crate::render_profile(&profile));
        if let Some(n) = args.hot {
            outln!();
            out!("{}", crate::render_hot_instructions(&profile, n));
        }
    }
    Ok(exit_code(&profile.outcome))
}

fn loading(e: VmError, so: &std::path::Path) -> anyhow::Error {
    match e {
        VmError::HeapSize { .. } | VmError::Config(_) => anyhow::Error::new(e),
        other => anyhow::Error::new(other).context(format!("{}", so.display())),
    }
}

/// What [`execute`] does with the program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `run`: one call, its outcome printed.
    Run,
    /// `profile`: one call in the interpreter, CU per function printed.
    Profile,
}

/// Runs or profiles `args.so` as `tako-vm run`/`profile` do; errors before the contract
/// ran are printed as `PROG: error: ...`. Returns the exit code.
pub fn execute(args: &RunArgs, mode: Mode, prog: &str) -> ExitCode {
    let result = match mode {
        Mode::Run => run(&args.so, &args.call),
        Mode::Profile => profile(&args.so, &args.call),
    };
    finish(result, prog)
}

fn finish(result: Result<u8, Refused>, prog: &str) -> ExitCode {
    match result {
        Ok(code) => ExitCode::from(code),
        Err(Refused(e)) => {
            eprintln!("{prog}: error: {e:#}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// `tako-vm`'s entry: parses the process's arguments and runs the command.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match &cli.command {
        Command::Run(args) => execute(args, Mode::Run, "tako-vm"),
        Command::Profile(args) => execute(args, Mode::Profile, "tako-vm"),
    }
}
