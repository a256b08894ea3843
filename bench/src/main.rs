//! `tako-bench`: the CU report ([`tako_bench`]), written to `target/cu-report` and printed
//! last; `--check` compares it with the committed baseline.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;
use tako_bench::baseline::Baseline;
use tako_bench::workloads::Counts;
use tako_test_support::repo_root;
use vm_harness::{out, outln};

/// Exit code of a report written (and, with `--check`, of a check passed).
const EXIT_OK: u8 = 0;
/// Exit code of `--check` when a guarded figure got worse.
const EXIT_WORSE: u8 = 1;
/// Exit code of bad options and an unreadable baseline.
const EXIT_USAGE: u8 = 2;

/// Build alloc-bench once per allocator, measure every workload, print the CU report
/// (markdown) and write target/cu-report/{cu-report.json,cu-report.svg,cu-report.md}.
#[derive(Parser)]
#[command(name = "tako-bench", version)]
struct Args {
    /// Compare with the baseline file, print the deltas, exit 1 if a figure of
    /// TosAllocator, PoolAllocator or FirstFitAllocator (or TosAllocator's place on a whole
    /// workload) got worse.
    #[arg(long)]
    check: bool,
    /// Rewrite the baseline file with this run's figures (deltas against its old version).
    #[arg(long, conflicts_with = "check")]
    update_baseline: bool,
    /// Rewrite the READMEs' measured tables from the baseline file and exit, measuring
    /// nothing (`--update-baseline` rewrites them too).
    #[arg(long, conflicts_with_all = ["check", "update_baseline", "quick", "only"])]
    docs: bool,
    /// The baseline file.
    #[arg(long, default_value_os_t = repo_root().join(tako_bench::docs::BASELINE))]
    baseline: PathBuf,
    /// Directory of the report files.
    #[arg(long, default_value_os_t = repo_root().join("target/cu-report"))]
    out: PathBuf,
    /// Reduced counts (10-20 allocations, 100 pushes, 50 map keys): for tests of the bench.
    #[arg(long)]
    quick: bool,
    /// Only these allocators (comma-separated row names, e.g. TosAllocator,SolanaBump).
    #[arg(long, value_delimiter = ',')]
    only: Option<Vec<String>>,
}

fn main() -> ExitCode {
    match bench(&Args::parse()) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("tako-bench: error: {e:#}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// Whether `a` and `b` name the same file (both missing: whether the paths are equal).
fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// Rewrites the READMEs' measured tables with `baseline`'s figures.
fn write_docs(baseline: &Baseline) -> Result<()> {
    let changed = tako_bench::docs::write(repo_root(), baseline)?;
    for path in &changed {
        eprintln!(
            "tako-bench: wrote the measured tables of {}",
            path.display()
        );
    }
    if changed.is_empty() {
        eprintln!("tako-bench: the READMEs' measured tables are the baseline's already");
    }
    Ok(())
}

fn bench(args: &Args) -> Result<u8> {
    let read_baseline = || -> Result<Baseline> {
        let text = std::fs::read_to_string(&args.baseline)
            .with_context(|| format!("cannot read the baseline {}", args.baseline.display()))?;
        Baseline::parse(&text).with_context(|| format!("{}", args.baseline.display()))
    };
    // The READMEs' tables show the committed baseline, not another file's figures.
    let committed = same_file(
        &args.baseline,
        &repo_root().join(tako_bench::docs::BASELINE),
    );
    if args.docs {
        if !committed {
            anyhow::bail!(
                "--docs renders the committed baseline {} into the READMEs, not {}",
                tako_bench::docs::BASELINE,
                args.baseline.display()
            );
        }
        write_docs(&read_baseline()?)?;
        return Ok(EXIT_OK);
    }
    let allocators = tako_bench::select(args.only.as_deref()).map_err(anyhow::Error::msg)?;
    let counts = if args.quick {
        Counts::QUICK
    } else {
        Counts::FULL
    };
    // Read the baseline before measuring: a missing file fails fast.
    let previous = if args.check {
        Some(read_baseline()?)
    } else if args.update_baseline {
        read_baseline().ok()
    } else {
        None
    };
    let report = tako_bench::measure(&allocators, counts, |name| {
        eprintln!("tako-bench: measuring {name}")
    });
    let markdown = report.markdown();
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let file = |name: &str, text: String| {
        let path = args.out.join(name);
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))
    };
    file("cu-report.json", format!("{:#}\n", report.to_json()))?;
    file("cu-report.svg", tako_bench::chart::svg(&report))?;
    file("cu-report.md", markdown.clone())?;
    if args.update_baseline {
        let text = Baseline::render(&report, previous.as_ref());
        std::fs::write(&args.baseline, &text)
            .with_context(|| format!("cannot write {}", args.baseline.display()))?;
        eprintln!("tako-bench: wrote {}", args.baseline.display());
        if committed {
            write_docs(&Baseline::parse(&text).context("the baseline just written")?)?;
        }
    }
    let mut code = EXIT_OK;
    if let (true, Some(baseline)) = (args.check, &previous) {
        let comparison = baseline
            .compare(&report)
            .with_context(|| format!("{}", args.baseline.display()))?;
        outln!("## CU baseline check against {}\n", args.baseline.display());
        out!("{}", comparison.markdown());
        let failures = comparison.failures();
        if failures.is_empty() {
            outln!(
                "\nCheck passed: no figure of {} or the example contracts got worse, and {} kept their places on every whole workload.\n",
                tako_bench::Allocator::guarded_names(),
                tako_bench::rank::SUBJECTS.join(" and ")
            );
        } else {
            outln!("\nCheck FAILED: guarded figures got worse (update the baseline with `tako-bench --update-baseline` if intended):");
            for f in &failures {
                outln!("- {f}");
            }
            outln!();
            code = EXIT_WORSE;
        }
    }
    outln!(
        "Report files: {}/cu-report.{{json,svg,md}}\n",
        args.out.display()
    );
    // The report is the last thing printed (CI's log ends with it).
    out!("{markdown}");
    Ok(code)
}
