//! `tako-vm`: run or profile a TAKO contract in the local VM.
//!
//! Exit codes: 0 the contract ran to completion (whatever it returned), 2 bad options or a
//! program that does not load or verify, 3 a runtime fault.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use vm_harness::{Config, Outcome, VmError};

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
    about = "Run and meter TAKO contracts (SBPF V0 .so) in solana-sbpf"
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

#[derive(Args)]
struct RunArgs {
    /// The contract (.so) to run.
    so: PathBuf,
    /// File whose bytes are the input.
    #[arg(long, conflicts_with = "input_hex")]
    input: Option<PathBuf>,
    /// The input as hex digits (e.g. 0a00000000000000).
    #[arg(long)]
    input_hex: Option<String>,
    /// Heap size in bytes: 1024..=262144, a multiple of 1024.
    #[arg(long, default_value_t = tako_abi::DEFAULT_HEAP_SIZE)]
    heap_size: u64,
    /// Compute-unit limit.
    #[arg(long, default_value_t = vm_harness::DEFAULT_CU_LIMIT)]
    cu_limit: u64,
    /// Run the JIT-compiled program instead of the interpreter (profile always interprets).
    #[arg(long)]
    jit: bool,
    /// Print the outcome as one JSON object.
    #[arg(long)]
    json: bool,
}

/// A failure before the contract ran: printed, exit code 2.
struct Refused(anyhow::Error);

impl RunArgs {
    fn config(&self) -> Config {
        Config {
            heap_size: self.heap_size,
            cu_limit: self.cu_limit,
            jit: self.jit,
            ..Config::default()
        }
    }

    fn input(&self) -> Result<Vec<u8>> {
        match (&self.input, &self.input_hex) {
            (Some(path), _) => std::fs::read(path)
                .with_context(|| format!("cannot read the input file {}", path.display())),
            (None, Some(digits)) => {
                let digits: String = digits.chars().filter(|c| !c.is_whitespace()).collect();
                hex::decode(digits.trim_start_matches("0x"))
                    .with_context(|| format!("--input-hex {digits:?} is not valid hex"))
            }
            (None, None) => Ok(Vec::new()),
        }
    }

    /// Reads the inputs and checks the options, before anything runs.
    fn prepare(&self) -> Result<(Vec<u8>, Vec<u8>, Config)> {
        let config = self.config();
        config.validate()?;
        let so = std::fs::read(&self.so)
            .with_context(|| format!("cannot read the program {}", self.so.display()))?;
        Ok((so, self.input()?, config))
    }
}

fn exit_code(outcome: &Outcome) -> u8 {
    if outcome.error.is_some() {
        EXIT_FAULT
    } else {
        EXIT_OK
    }
}

fn run(args: &RunArgs) -> Result<u8, Refused> {
    let (so, input, config) = args.prepare().map_err(Refused)?;
    let outcome =
        vm_harness::run(&so, &input, &config).map_err(|e| Refused(loading(e, &args.so)))?;
    if args.json {
        println!("{}", outcome.to_json());
    } else {
        print!("{outcome}");
    }
    Ok(exit_code(&outcome))
}

fn profile(args: &RunArgs) -> Result<u8, Refused> {
    let (so, input, config) = args.prepare().map_err(Refused)?;
    if args.jit {
        eprintln!("tako-vm: note: profile runs the interpreter; --jit is ignored");
    }
    let profile =
        vm_harness::profile(&so, &input, &config).map_err(|e| Refused(loading(e, &args.so)))?;
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
        let mut value = profile.outcome.to_json();
        value["functions"] = serde_json::Value::Array(functions);
        println!("{value}");
    } else {
        print!("{}", profile.outcome);
        println!();
        print!("{}", vm_harness::render_profile(&profile));
    }
    Ok(exit_code(&profile.outcome))
}

fn loading(e: VmError, so: &std::path::Path) -> anyhow::Error {
    match e {
        VmError::HeapSize { .. } | VmError::Config(_) => anyhow::Error::new(e),
        other => anyhow::Error::new(other).context(format!("{}", so.display())),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Run(args) => run(args),
        Command::Profile(args) => profile(args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(Refused(e)) => {
            eprintln!("tako-vm: error: {e:#}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}
