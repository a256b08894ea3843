//! The linker's command line, as rustc calls the linker of the `tbpf-tos-tos` target
//! (bpf-linker's command line): it writes an SBPF V0 (or, with `--arch v3`, V3) `.so` the
//! TAKO VM loads. [`main`] is the `tako-linker` binary and what `cargo tako` runs when rustc
//! calls it as the linker.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::Parser;

use crate::report::LinkReport;
use crate::{codegen, inputs, relink};

/// The symbol the VM enters.
const ENTRY: &str = "entrypoint";

/// Command line as rustc passes it for `"linker-flavor": "bpf"`.
#[derive(Debug, Parser)]
#[command(name = "tako-linker", version, about)]
struct Args {
    /// Bitcode objects and archives to link.
    inputs: Vec<PathBuf>,
    /// Output `.so`.
    #[arg(short = 'o')]
    output: PathBuf,
    /// File listing the symbols to keep external, one per line.
    #[arg(long)]
    export_symbols: Option<PathBuf>,
    /// Another symbol to keep external.
    #[arg(long)]
    export: Vec<String>,
    /// Library search directories (accepted for rustc; inputs are passed by path).
    #[arg(short = 'L')]
    libs: Vec<PathBuf>,
    /// BPF CPU: v1 or v2 (v3+ emit code SBPF V0 runs wrongly).
    #[arg(long, default_value = "v2")]
    cpu: String,
    /// CPU features, as rustc passes the target spec's: empty or
    /// `+allows-misaligned-mem-access` (both VMs load and store at any address; without it
    /// LLVM splits every access it cannot prove aligned into byte accesses).
    #[arg(long, default_value = "")]
    cpu_features: String,
    /// Optimisation level: 0, 1, 2, 3, s or z.
    #[arg(short = 'O', default_value = "3")]
    opt: String,
    /// Accepted for rustc; debug info is not kept in the `.so`.
    #[arg(long)]
    debug: bool,
    /// Also write the relocatable BPF object LLVM emitted (before the relink) here.
    #[arg(long)]
    keep_object: Option<PathBuf>,
    /// Print the diagnostics that policy allowed, and a layout summary (with V3, each
    /// function's frame size).
    #[arg(long, short = 'v')]
    verbose: bool,
    /// The SBPF version to write: v0 (solana-sbpf and tos-tbpf load it) or v3 (as tos-tbpf
    /// 0.14.1 defines it: static syscalls, dynamic frames, text at address 0).
    #[arg(long, value_enum, default_value_t = Arch::V0)]
    arch: Arch,
    /// Also write a JSON report of the link (version, sizes, syscalls, frames) to
    /// DIR/OUTPUT_FILE_NAME.json, for the build tool to print.
    #[arg(long)]
    report_dir: Option<PathBuf>,
}

/// The SBPF versions the linker writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Arch {
    /// SBPF V0.
    V0,
    /// SBPF V3, as tos-tbpf 0.14.1 defines it.
    V3,
}

/// Checks a comma-separated feature list (rustc's `--cpu-features`) against
/// [`codegen::CPU_FEATURES`] and returns it as LLVM takes it.
fn cpu_features(list: &str) -> Result<String> {
    let mut kept = Vec::new();
    for feature in list.split(',').map(str::trim).filter(|f| !f.is_empty()) {
        if !codegen::CPU_FEATURES.contains(&feature) {
            bail!(
                "--cpu-features {feature} is not supported: the linker generates code with {} \
                 or nothing",
                codegen::CPU_FEATURES.join(", ")
            );
        }
        if !kept.contains(&feature) {
            kept.push(feature);
        }
    }
    Ok(kept.join(","))
}

fn pipeline(opt: &str) -> Result<&'static str> {
    Ok(match opt {
        // Nothing links at O0 (no inlining of core's generics), so O0 means O1.
        "0" | "1" => "default<O1>",
        "2" => "default<O2>",
        "3" => "default<O3>",
        "s" => "default<Os>",
        "z" => "default<Oz>",
        other => bail!("unknown optimisation level -O{other} (use 0, 1, 2, 3, s or z)"),
    })
}

fn run(args: Args) -> Result<()> {
    if !matches!(args.cpu.as_str(), "v1" | "v2" | "generic") {
        bail!(
            "--cpu {} is not supported: SBPF V0 needs v1 or v2 (v3 emits JMP32 and assumes ALU32 \
             zero-extension, which the VM does not do; v4 signed ops run as unsigned)",
            args.cpu
        );
    }
    let features = cpu_features(&args.cpu_features)?;
    let mut exports = args.export.clone();
    if let Some(file) = &args.export_symbols {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("reading --export-symbols {}", file.display()))?;
        exports.extend(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(String::from),
        );
    }
    if !exports.iter().any(|e| e == ENTRY) {
        exports.push(ENTRY.to_string());
    }
    if args.inputs.is_empty() {
        bail!("no input files");
    }
    let mut modules = Vec::new();
    for path in &args.inputs {
        modules.extend(inputs::read(path)?);
    }
    let options = codegen::CodegenOptions {
        cpu: if args.cpu == "generic" {
            "v2".into()
        } else {
            args.cpu.clone()
        },
        features,
        pipeline: pipeline(&args.opt)?.to_string(),
        entry: ENTRY.to_string(),
        exports,
        builtins: crate::lower::find_compiler_builtins(&args.output, &args.libs),
        stack_size: match args.arch {
            Arch::V0 => tako_abi::STACK_FRAME_SIZE,
            Arch::V3 => tako_abi::MAX_V3_FRAME,
        },
    };
    let codegen = codegen::compile(&modules, &options)?;
    for w in &codegen.warnings {
        eprintln!("tako-linker: warning: {w}");
    }
    if args.verbose {
        for a in &codegen.allowed {
            eprintln!("tako-linker: allowed: {a}");
        }
        eprintln!("tako-linker: IR rewrites: {:?}", codegen.lowered);
    }
    // TAKO_LINKER_KEEP_OBJECT=DIR does what --keep-object does, for builds driven by cargo
    // (linker/tests/fixtures/regen.sh uses it to refresh the relinker's fixtures).
    let keep = args.keep_object.clone().or_else(|| {
        let dir = PathBuf::from(std::env::var_os("TAKO_LINKER_KEEP_OBJECT")?);
        let stem = args.output.file_stem()?.to_owned();
        Some(dir.join(stem).with_extension("o"))
    });
    if let Some(path) = &keep {
        std::fs::write(path, &codegen.object)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    let relinked = match args.arch {
        Arch::V0 => relink::relink(&codegen.object, ENTRY)?,
        Arch::V3 => relink::relink_v3(&codegen.object, ENTRY)?,
    };
    for name in &relinked.syscalls {
        if tako_abi::syscall(name).is_some_and(|s| s.class == tako_abi::Class::Measurement) {
            eprintln!(
                "tako-linker: warning: {} calls `{name}`, a measurement-only syscall of the \
                 local VM (tako_abi::Class::Measurement): it does not load on TOS",
                args.output.display()
            );
        }
    }
    std::fs::write(&args.output, &relinked.elf)
        .with_context(|| format!("writing {}", args.output.display()))?;
    if let Some(dir) = &args.report_dir {
        write_report(dir, &args, &relinked)?;
    }
    if args.verbose {
        eprintln!(
            "tako-linker: {} ({} bytes of .text, {} of .rodata; syscalls: {})",
            args.output.display(),
            relinked.text_size,
            relinked.rodata_size,
            relinked.syscalls.join(", ")
        );
        for (function, frame) in &relinked.frames {
            eprintln!("tako-linker: frame {frame:>6} B  {function}");
        }
    }
    Ok(())
}

/// Writes the [`LinkReport`] of this link to `dir`.
fn write_report(dir: &std::path::Path, args: &Args, relinked: &relink::Relinked) -> Result<()> {
    let name = args
        .output
        .file_name()
        .context("the output path has no file name")?;
    let path = LinkReport::path(dir, &name.to_string_lossy());
    let arch = match args.arch {
        Arch::V0 => "v0",
        Arch::V3 => "v3",
    };
    let json = serde_json::to_string_pretty(&LinkReport::new(arch, relinked))?;
    std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(&path, json + "\n"))
        .with_context(|| format!("writing the link report {}", path.display()))
}

/// Parses `args` (the program name first) as rustc passes them and links; errors are
/// printed as `tako-linker: error: ...`.
pub fn main_from(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let args = match Args::try_parse_from(args) {
        Ok(args) => args,
        Err(e) => e.exit(),
    };
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tako-linker: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The `tako-linker` binary: [`main_from`] the process's arguments.
pub fn main() -> ExitCode {
    main_from(std::env::args_os())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_features_take_the_known_one_and_refuse_others_by_name() {
        assert_eq!(cpu_features("").unwrap(), "");
        let misaligned = codegen::MISALIGNED_ACCESS;
        assert_eq!(cpu_features(misaligned).unwrap(), misaligned);
        let twice = format!("{misaligned}, {misaligned}");
        assert_eq!(cpu_features(&twice).unwrap(), misaligned);
        let refused = cpu_features("+alu32").unwrap_err().to_string();
        assert!(
            refused.contains("+alu32") && refused.contains(misaligned),
            "{refused}"
        );
    }
}
