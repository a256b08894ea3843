//! The one contract builder (`cargo tako build`, and `build-example.sh` through it): the
//! target spec, `-Zbuild-std`, the nightly toolchain's components and this binary as the
//! linker, set up idempotently; then `cargo build` for the `tbpf-tos-tos` target.

use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use tako_linker::report::LinkReport;

use crate::project::Contract;
use crate::toolchain;

/// The target spec, as the repository's `tbpf-tos-tos.json` defines it.
pub const TARGET_SPEC: &str = include_str!("../../tbpf-tos-tos.json");
/// The target's name (the spec's file stem): cargo's output directory under the target
/// directory, and the `CARGO_TARGET_<TRIPLE>_LINKER` variable.
pub const TARGET: &str = "tbpf-tos-tos";
/// The name rustc runs the linker by: `cargo-tako` run under this name is `tako-linker`.
pub const LINKER_NAME: &str = "tako-linker";

/// The SBPF version to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Arch {
    /// SBPF V3 as tos-tbpf 0.14.1 defines it (TOS's default; only tos-tbpf loads it).
    #[default]
    V3,
    /// SBPF V0 (solana-sbpf and tos-tbpf load it; solana-sbpf's JIT runs it).
    V0,
}

impl Arch {
    /// The linker's `--arch` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Arch::V3 => "v3",
            Arch::V0 => "v0",
        }
    }
}

/// What to build.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// The contract crate.
    pub contract: &'a Contract,
    /// The SBPF version.
    pub arch: Arch,
    /// Cargo features, comma-separated.
    pub features: Option<&'a str>,
    /// Leave out the crate's default features.
    pub no_default_features: bool,
    /// Print what the toolchain set-up and the linker did.
    pub verbose: bool,
}

/// A built contract.
#[derive(Debug, Clone)]
pub struct Built {
    /// The `.so`.
    pub so: PathBuf,
    /// The linker's report of it, when it is there.
    pub report: Option<LinkReport>,
}

/// The target directory a build of `arch` uses: V0 has its own (`TARGET_DIR/v0`), so that
/// both versions of a contract coexist.
pub fn target_dir(contract: &Contract, arch: Arch) -> PathBuf {
    match arch {
        Arch::V3 => contract.target_dir.clone(),
        Arch::V0 => contract.target_dir.join("v0"),
    }
}

/// Writes `bytes` to `path` unless it holds them already (an unchanged file keeps its
/// mtime, so cargo does not rebuild).
fn write_if_changed(path: &Path, bytes: &[u8], executable: bool) -> Result<()> {
    if std::fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    // A temporary file of this process's own, renamed over the target: builds running at
    // once (sharing a target directory) each write whole files and never each other's.
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
    if executable {
        make_executable(&tmp)?;
    }
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))
}

/// This binary under [`LINKER_NAME`], in a directory named after its content hash: cargo
/// relinks a contract when the linker's path changes, not when only its bytes do.
fn install_linker(dir: &Path) -> Result<PathBuf> {
    let exe = std::env::current_exe().context("locating the cargo-tako binary")?;
    let bytes = std::fs::read(&exe).with_context(|| format!("reading {}", exe.display()))?;
    let hash = blake3::hash(&bytes).to_hex();
    let linker = dir
        .join(format!("linker-{}", &hash.as_str()[..16]))
        .join(LINKER_NAME);
    if !linker.is_file() {
        write_if_changed(&linker, &bytes, true)?;
    }
    Ok(linker)
}

#[cfg(unix)]
fn make_executable(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .with_context(|| format!("making {} executable", path.display()))
}

#[cfg(not(unix))]
fn make_executable(_: &Path) -> Result<()> {
    Ok(())
}

/// Environment variables of the caller that would change what the build means: they name
/// another rustc or toolchain than the nightly this build runs.
const CLEARED_ENV: [&str; 5] = [
    "RUSTC",
    "RUSTDOC",
    "RUSTUP_TOOLCHAIN",
    "CARGO",
    "RUSTC_WRAPPER",
];

/// The target's rustflags: the caller's (`CARGO_ENCODED_RUSTFLAGS` or `RUSTFLAGS`), then
/// the linker's `--arch` and `--report-dir`, encoded so that paths may hold spaces.
fn rustflags(arch: Arch, report_dir: &Path) -> OsString {
    let mut flags: Vec<OsString> = match std::env::var_os("CARGO_ENCODED_RUSTFLAGS") {
        Some(v) if !v.is_empty() => v
            .to_string_lossy()
            .split('\u{1f}')
            .map(OsString::from)
            .collect(),
        _ => std::env::var("RUSTFLAGS")
            .map(|v| v.split_whitespace().map(OsString::from).collect())
            .unwrap_or_default(),
    };
    flags.push("-C".into());
    flags.push(format!("link-arg=--arch={}", arch.as_str()).into());
    flags.push("-C".into());
    let mut report = OsString::from("link-arg=--report-dir=");
    report.push(report_dir);
    flags.push(report);
    flags.join(std::ffi::OsStr::new("\u{1f}"))
}

#[derive(Deserialize)]
struct Message {
    reason: String,
    #[serde(default)]
    target: Option<MessageTarget>,
    #[serde(default)]
    filenames: Vec<PathBuf>,
}

#[derive(Deserialize)]
struct MessageTarget {
    name: String,
    kind: Vec<String>,
}

/// Builds `request.contract` for the `tbpf-tos-tos` target and returns the `.so`.
pub fn build(request: &Request<'_>) -> Result<Built> {
    let contract = request.contract;
    let nightly = toolchain::setup(request.verbose)?;
    let tako_dir = contract.target_dir.join("tako");
    let spec = tako_dir.join(format!("{TARGET}.json"));
    write_if_changed(&spec, TARGET_SPEC.as_bytes(), false)?;
    let linker = install_linker(&tako_dir)?;
    let target_dir = target_dir(contract, request.arch);
    let report_dir = target_dir.join("tako-reports");

    let mut command = Command::new("rustup");
    command
        .args(["run", nightly.channel, "cargo", "build", "--release"])
        .arg("--manifest-path")
        .arg(&contract.manifest)
        .args(["-p", &contract.name])
        .arg("--target")
        .arg(&spec)
        .arg("--target-dir")
        .arg(&target_dir)
        .args([
            "-Zbuild-std=core,alloc",
            "-Zjson-target-spec",
            "-Ztrim-paths",
            "--config",
            "profile.release.trim-paths=\"all\"",
            "--message-format=json-render-diagnostics",
        ]);
    if let Some(features) = request.features {
        command.args(["--features", features]);
    }
    if request.no_default_features {
        command.arg("--no-default-features");
    }
    for var in CLEARED_ENV {
        command.env_remove(var);
    }
    let var = TARGET.to_uppercase().replace('-', "_");
    let mut library_path = OsString::from(nightly.sysroot.join("lib"));
    if let Some(old) = std::env::var_os("LD_LIBRARY_PATH").filter(|v| !v.is_empty()) {
        library_path.push(":");
        library_path.push(old);
    }
    command
        .env(format!("CARGO_TARGET_{var}_LINKER"), &linker)
        .env(
            "CARGO_ENCODED_RUSTFLAGS",
            rustflags(request.arch, &report_dir),
        )
        .env_remove("RUSTFLAGS")
        .env("LD_LIBRARY_PATH", library_path)
        .current_dir(&contract.workspace_root)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut child = command
        .spawn()
        .context("running `rustup run nightly cargo build`")?;
    let stdout = child.stdout.take().context("cargo's stdout")?;
    let mut so = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.context("reading cargo's output")?;
        let Ok(message) = serde_json::from_str::<Message>(&line) else {
            continue;
        };
        if message.reason != "compiler-artifact" {
            continue;
        }
        let Some(target) = &message.target else {
            continue;
        };
        if target.name == contract.lib_name && target.kind.iter().any(|k| k == "cdylib") {
            so = message
                .filenames
                .iter()
                .find(|f| f.extension().is_some_and(|e| e == "so"))
                .cloned();
        }
    }
    let status = child.wait().context("waiting for cargo")?;
    if !status.success() {
        bail!(
            "building contract `{}` failed ({status}; cargo's errors are above)",
            contract.name
        );
    }
    let so = so.with_context(|| {
        format!(
            "cargo built `{}` but reported no .so for its cdylib target `{}`",
            contract.name, contract.lib_name
        )
    })?;
    let file_name = so.file_name().unwrap_or_default().to_string_lossy();
    let report = std::fs::read(LinkReport::path(&report_dir, &file_name))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok());
    Ok(Built { so, report })
}

#[cfg(test)]
mod tests {
    use super::TARGET_SPEC;

    /// rustc hands the spec's `features` to the linker, which refuses any it does not
    /// generate code with: every feature the spec asks for is one the linker accepts.
    #[test]
    fn the_target_specs_features_are_the_linkers() {
        let spec: serde_json::Value = serde_json::from_str(TARGET_SPEC).unwrap();
        let features = spec["features"].as_str().unwrap_or_default();
        for feature in features.split(',').filter(|f| !f.is_empty()) {
            assert!(
                tako_linker::codegen::CPU_FEATURES.contains(&feature),
                "{feature} is in the target spec but the linker refuses it"
            );
        }
        assert!(features.contains(tako_linker::codegen::MISALIGNED_ACCESS));
    }
}
