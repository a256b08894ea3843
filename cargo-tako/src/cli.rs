//! The command line: `new`, `init`, `build`, `test`, `run`, `profile`, `info`, `clean`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::builder::{self, Arch, Built};
use crate::info;
use crate::project::{self, Contract};
use crate::templates::{self, Source, Template};

/// Exit code of a command refused before anything ran (bad input, a failed build).
const EXIT_FAILURE: u8 = 2;

#[derive(Parser)]
#[command(
    name = "cargo tako",
    bin_name = "cargo tako",
    version,
    about = "Scaffold, build, test, run and inspect TAKO contracts for the TOS chain, with \
             the upstream nightly Rust toolchain"
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Create a contract crate in a new directory NAME.
    New {
        /// The crate's name and directory.
        name: String,
        #[command(flatten)]
        start: StartArgs,
    },
    /// Create a contract crate in the current directory (named after it unless --name).
    Init {
        /// The crate's name (default: the directory's name).
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        start: StartArgs,
    },
    /// Build the contract into an SBPF .so; prints its path on stdout.
    Build(BuildArgs),
    /// Build the contract, then run the crate's host tests against the .so
    /// (vm_harness::testing::contract_under_test reads it).
    Test {
        #[command(flatten)]
        build: BuildArgs,
        /// Arguments for the test binaries (after `--`).
        #[arg(last = true)]
        test_args: Vec<OsString>,
    },
    /// Build the contract and run one call in the local VM.
    Run(RunArgs),
    /// Build the contract and run one call in the interpreter with CU per function.
    Profile(RunArgs),
    /// Describe a .so (default: build the contract and describe its .so).
    Info {
        /// The .so to describe.
        so: Option<PathBuf>,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        build: BuildArgs,
    },
    /// Remove the contract builds (V3 and V0) and the installed linker from the target
    /// directory.
    Clean {
        #[command(flatten)]
        locate: LocateArgs,
    },
}

/// Which crate a new contract starts from and where its tako dependencies come from.
#[derive(Args)]
struct StartArgs {
    /// The contract to start from.
    #[arg(long, value_enum, default_value_t = Template::Default)]
    template: Template,
    /// Depend on tako's crates in this local clone (default: the clone cargo-tako was
    /// built from).
    #[arg(long, conflicts_with = "tako_git")]
    tako_path: Option<PathBuf>,
    /// Depend on tako's crates from this git repository.
    #[arg(long)]
    tako_git: Option<String>,
    /// With --tako-git: the commit, tag or branch to pin.
    #[arg(long, requires = "tako_git")]
    tako_rev: Option<String>,
}

/// Which contract crate.
#[derive(Args)]
struct LocateArgs {
    /// The contract crate's (or its workspace's) Cargo.toml (default: the nearest one).
    #[arg(long)]
    manifest_path: Option<PathBuf>,
    /// The contract package, in a workspace of several.
    #[arg(long, short = 'p')]
    package: Option<String>,
}

/// How to build it.
#[derive(Args)]
struct BuildArgs {
    #[command(flatten)]
    locate: LocateArgs,
    /// The SBPF version: v3 (TOS's default; tos-tbpf loads it) or v0.
    #[arg(long, value_enum, default_value_t = Arch::V3)]
    arch: Arch,
    /// Cargo features of the contract, comma-separated.
    #[arg(long)]
    features: Option<String>,
    /// Leave out the contract's default features (with `--features`: build with exactly
    /// those, e.g. to pick another global allocator than the default one).
    #[arg(long)]
    no_default_features: bool,
    /// Print the toolchain set-up and each function's stack frame (V3).
    #[arg(long, short = 'v')]
    verbose: bool,
}

#[derive(Args)]
struct RunArgs {
    #[command(flatten)]
    build: BuildArgs,
    #[command(flatten)]
    call: vm_harness::cli::CallArgs,
}

impl StartArgs {
    fn source(&self) -> Result<Source> {
        if let Some(url) = &self.tako_git {
            return Ok(Source::Git {
                url: url.clone(),
                rev: self.tako_rev.clone(),
            });
        }
        let root = match &self.tako_path {
            Some(path) => path.clone(),
            None => Source::this_clone().context(
                "the tako clone cargo-tako was built from is gone: pass --tako-path DIR (a \
                 clone of tako) or --tako-git URL [--tako-rev REV]",
            )?,
        };
        if !root.join("sdk/Cargo.toml").is_file() {
            bail!(
                "--tako-path {}: not a clone of tako (no sdk/Cargo.toml)",
                root.display()
            );
        }
        let root = std::fs::canonicalize(&root)
            .with_context(|| format!("resolving {}", root.display()))?;
        Ok(Source::Path(root))
    }
}

impl LocateArgs {
    fn contract(&self) -> Result<Contract> {
        project::locate(self.manifest_path.as_deref(), self.package.as_deref())
    }
}

impl BuildArgs {
    fn build(&self) -> Result<(Contract, Built)> {
        let contract = self.locate.contract()?;
        let built = builder::build(&builder::Request {
            contract: &contract,
            arch: self.arch,
            features: self.features.as_deref(),
            no_default_features: self.no_default_features,
            verbose: self.verbose,
        })?;
        summarize(&built, self.verbose);
        Ok((contract, built))
    }
}

/// The build's summary on stderr: stdout is the `.so` path alone.
fn summarize(built: &Built, verbose: bool) {
    let name = built.so.display();
    let Some(report) = &built.report else {
        eprintln!("cargo-tako: built {name}");
        return;
    };
    eprintln!(
        "cargo-tako: built {name}: SBPF {}, {} bytes (.text {}, .rodata {}, statics {}); \
         syscalls: {}",
        report.arch.to_uppercase(),
        report.elf_size,
        report.text_size,
        report.rodata_size,
        report.statics,
        if report.syscalls.is_empty() {
            "none".to_string()
        } else {
            report.syscalls.join(", ")
        }
    );
    if verbose {
        if report.frames.is_empty() {
            eprintln!(
                "cargo-tako: SBPF {} frames are all {} bytes",
                report.arch.to_uppercase(),
                tako_abi::STACK_FRAME_SIZE
            );
        }
        let mut frames: Vec<_> = report.frames.iter().collect();
        frames.sort_by_key(|f| std::cmp::Reverse(f.bytes));
        for frame in frames {
            eprintln!("cargo-tako: frame {:>6} B  {}", frame.bytes, frame.function);
        }
    }
}

fn start(dir: &Path, name: &str, args: &StartArgs) -> Result<()> {
    let source = args.source()?;
    templates::generate(dir, name, args.template, &source)?;
    let template = args
        .template
        .to_possible_value()
        .expect("no template is skipped");
    eprintln!(
        "cargo-tako: created contract `{name}` ({} template) in {}",
        template.get_name(),
        dir.display()
    );
    Ok(())
}

fn new(name: &str, args: &StartArgs) -> Result<()> {
    templates::check_name(name)?;
    let dir = PathBuf::from(name);
    if dir.exists() {
        bail!(
            "{} exists already: pick another name, or `cargo tako init` in it",
            dir.display()
        );
    }
    start(&dir, name, args)?;
    eprintln!("cargo-tako: next: cd {name} && cargo tako build && cargo tako test");
    Ok(())
}

fn init(name: Option<&str>, args: &StartArgs) -> Result<()> {
    let dir = std::env::current_dir().context("reading the current directory")?;
    let name = match name {
        Some(n) => n.to_string(),
        None => dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .context("the current directory has no name: pass --name")?,
    };
    start(&dir, &name, args)?;
    eprintln!("cargo-tako: next: cargo tako build && cargo tako test");
    Ok(())
}

fn test(args: &BuildArgs, test_args: &[OsString]) -> Result<u8> {
    let (contract, built) = args.build()?;
    let mut command = project::cargo();
    command
        .arg("test")
        .arg("--manifest-path")
        .arg(&contract.manifest)
        .args(["-p", &contract.name]);
    if let Some(features) = &args.features {
        command.args(["--features", features]);
    }
    if !test_args.is_empty() {
        command.arg("--").args(test_args);
    }
    let status = command
        .env(vm_harness::testing::CONTRACT_SO_ENV, &built.so)
        .current_dir(&contract.workspace_root)
        .status()
        .context("running cargo test")?;
    Ok(match status.code() {
        Some(0) => 0,
        _ => 1,
    })
}

fn clean(args: &LocateArgs) -> Result<()> {
    let contract = args.contract()?;
    let dirs = [
        contract.target_dir.join(builder::TARGET),
        builder::target_dir(&contract, Arch::V3).join("tako-reports"),
        builder::target_dir(&contract, Arch::V0),
        contract.target_dir.join("tako"),
    ];
    for dir in dirs.iter().filter(|d| d.exists()) {
        std::fs::remove_dir_all(dir).with_context(|| format!("removing {}", dir.display()))?;
        eprintln!("cargo-tako: removed {}", dir.display());
    }
    Ok(())
}

fn info_command(so: Option<&Path>, json: bool, build: &BuildArgs) -> Result<()> {
    let path = match so {
        Some(p) => p.to_path_buf(),
        None => build.build()?.1.so,
    };
    let info = info::describe_file(&path)?;
    if json {
        println!("{}", serde_json::to_string(&info)?);
    } else {
        println!("{}\n{info}", path.display());
    }
    Ok(())
}

fn report(result: Result<u8>) -> ExitCode {
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("cargo-tako: error: {e:#}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

/// Parses `args` (the program name first, `tako` already removed) and runs the command.
pub fn main_from(args: Vec<OsString>) -> ExitCode {
    let cli = Cli::parse_from(args);
    let done = |r: Result<()>| report(r.map(|()| 0));
    match cli.command {
        Cmd::New { name, start } => done(new(&name, &start)),
        Cmd::Init { name, start } => done(init(name.as_deref(), &start)),
        Cmd::Build(args) => done(
            args.build()
                .map(|(_, built)| println!("{}", built.so.display())),
        ),
        Cmd::Test { build, test_args } => report(test(&build, &test_args)),
        Cmd::Run(args) => run(args, vm_harness::cli::Mode::Run),
        Cmd::Profile(args) => run(args, vm_harness::cli::Mode::Profile),
        Cmd::Info { so, json, build } => done(info_command(so.as_deref(), json, &build)),
        Cmd::Clean { locate } => done(clean(&locate)),
    }
}

fn run(args: RunArgs, mode: vm_harness::cli::Mode) -> ExitCode {
    let so = match args.build.build() {
        Ok((_, built)) => built.so,
        Err(e) => return report(Err(e)),
    };
    let run = vm_harness::cli::RunArgs {
        so,
        call: args.call,
    };
    vm_harness::cli::execute(&run, mode, "cargo-tako")
}
