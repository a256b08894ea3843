//! The nightly toolchain contracts build with: its channel (the one
//! `contracts/rust-toolchain.toml` names), its components, its LLVM and its sysroot. Set up
//! idempotently: a component is added only when missing.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{bail, Context, Result};

/// The channel contracts build on: the `channel` of the repository's
/// `contracts/rust-toolchain.toml`, read at compile time.
pub fn channel() -> &'static str {
    const TOML: &str = include_str!("../../contracts/rust-toolchain.toml");
    TOML.lines()
        .filter_map(|l| l.trim().strip_prefix("channel"))
        .filter_map(|rest| rest.trim().strip_prefix('='))
        .map(|v| v.trim().trim_matches('"'))
        .next()
        .unwrap_or("nightly")
}

/// The components a contract build needs: `rust-src` for `-Zbuild-std`, `llvm-tools` for
/// the `libLLVM` the linker loads.
pub const COMPONENTS: [&str; 2] = ["rust-src", "llvm-tools"];

/// The nightly toolchain, checked and completed.
#[derive(Debug, Clone)]
pub struct Nightly {
    /// Its channel (`nightly` or `nightly-YYYY-MM-DD`).
    pub channel: &'static str,
    /// `rustc --print sysroot`: its `lib/` holds the `libLLVM` the linker loads.
    pub sysroot: PathBuf,
}

fn rustup(args: &[&str]) -> Result<std::process::Output> {
    Command::new("rustup")
        .args(args)
        .env_remove("RUSTUP_TOOLCHAIN")
        .output()
        .context(
            "running rustup (cargo tako builds contracts with rustup's nightly toolchain; \
             install rustup from https://rustup.rs)",
        )
}

fn stdout(output: &std::process::Output, what: &str) -> Result<String> {
    if !output.status.success() {
        bail!(
            "{what} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Checks that the nightly toolchain is installed and uses the LLVM the linker is built
/// for, adds its missing [`COMPONENTS`] and returns its sysroot.
pub fn setup(verbose: bool) -> Result<Nightly> {
    let channel = channel();
    let list = stdout(&rustup(&["toolchain", "list"])?, "rustup toolchain list")?;
    if !list.lines().any(|l| l.starts_with(channel)) {
        bail!(
            "the `{channel}` toolchain is not installed; contracts build with it: run \
             `rustup toolchain install {channel} --component {}`",
            COMPONENTS.join(",")
        );
    }
    let installed = stdout(
        &rustup(&["component", "list", "--installed", "--toolchain", channel])?,
        "rustup component list",
    )?;
    let missing: Vec<&str> = COMPONENTS
        .into_iter()
        .filter(|c| !installed.lines().any(|l| l.starts_with(c)))
        .collect();
    if !missing.is_empty() {
        eprintln!(
            "cargo-tako: adding {} to the {channel} toolchain",
            missing.join(", ")
        );
        let mut args = vec!["component", "add", "--toolchain", channel];
        args.extend(&missing);
        stdout(&rustup(&args)?, "rustup component add")?;
    }
    let version = stdout(
        &rustup(&["run", channel, "rustc", "-vV"])?,
        "rustc -vV (nightly)",
    )?;
    let llvm = version
        .lines()
        .find_map(|l| l.strip_prefix("LLVM version: "))
        .unwrap_or("unknown");
    let major = llvm.split('.').next().unwrap_or("");
    if major != tako_linker::LLVM_MAJOR.to_string() {
        bail!(
            "the {channel} toolchain's rustc uses LLVM {llvm}; the linker is built for LLVM {0}: \
             run `rustup update {channel}`, or pin a nightly whose LLVM is {0}",
            tako_linker::LLVM_MAJOR,
        );
    }
    let sysroot = stdout(
        &rustup(&["run", channel, "rustc", "--print", "sysroot"])?,
        "rustc --print sysroot (nightly)",
    )?;
    if verbose {
        eprintln!(
            "cargo-tako: {channel}: LLVM {llvm}, sysroot {}",
            sysroot.trim()
        );
    }
    Ok(Nightly {
        channel,
        sysroot: PathBuf::from(sysroot.trim()),
    })
}
