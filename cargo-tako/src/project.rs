//! The contract crate to build: found through `cargo metadata` from a manifest path, a
//! package name or the current directory.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use serde::Deserialize;

/// A contract crate: a package with a `cdylib` target.
#[derive(Debug, Clone)]
pub struct Contract {
    /// The package name (`-p`).
    pub name: String,
    /// Its `Cargo.toml`.
    pub manifest: PathBuf,
    /// The `cdylib` target's name: the `.so` is `NAME.so`.
    pub lib_name: String,
    /// The workspace root (cargo runs there, so its `.cargo/config.toml` applies).
    pub workspace_root: PathBuf,
    /// The workspace's target directory.
    pub target_dir: PathBuf,
}

#[derive(Deserialize)]
struct Metadata {
    packages: Vec<Package>,
    workspace_members: Vec<String>,
    workspace_root: PathBuf,
    target_directory: PathBuf,
}

#[derive(Deserialize)]
struct Package {
    id: String,
    name: String,
    manifest_path: PathBuf,
    targets: Vec<Target>,
}

#[derive(Deserialize)]
struct Target {
    name: String,
    crate_types: Vec<String>,
}

/// The host's cargo: the one that ran `cargo tako` (`CARGO`), else `cargo` on `PATH`.
pub(crate) fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// The `Cargo.toml` cargo would use in the current directory (the nearest one upwards).
fn nearest_manifest() -> Result<PathBuf> {
    let output = cargo()
        .args(["locate-project", "--message-format", "plain"])
        .output()
        .context("running cargo locate-project")?;
    if !output.status.success() {
        bail!(
            "no Cargo.toml in {} or any parent directory: run cargo tako in a contract crate, \
             pass --manifest-path, or start one with `cargo tako new NAME`",
            std::env::current_dir().unwrap_or_default().display()
        );
    }
    Ok(PathBuf::from(
        String::from_utf8_lossy(&output.stdout).trim().to_string(),
    ))
}

/// The contract crate `manifest` (default: the nearest `Cargo.toml`) and `package` (`-p`)
/// name: the package itself when it has a `cdylib`, else the one `cdylib` member of its
/// workspace.
pub fn locate(manifest: Option<&Path>, package: Option<&str>) -> Result<Contract> {
    let manifest = match manifest {
        Some(m) => {
            if !m.is_file() {
                bail!("--manifest-path {}: no such file", m.display());
            }
            std::fs::canonicalize(m).with_context(|| format!("resolving {}", m.display()))?
        }
        None => nearest_manifest()?,
    };
    let output = cargo()
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--manifest-path",
        ])
        .arg(&manifest)
        .output()
        .context("running cargo metadata")?;
    if !output.status.success() {
        bail!(
            "cargo metadata --manifest-path {} failed:\n{}",
            manifest.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let metadata: Metadata =
        serde_json::from_slice(&output.stdout).context("reading cargo metadata's output")?;
    let members: Vec<&Package> = metadata
        .packages
        .iter()
        .filter(|p| metadata.workspace_members.contains(&p.id))
        .collect();
    let cdylib = |p: &Package| {
        p.targets
            .iter()
            .find(|t| t.crate_types.iter().any(|c| c == "cdylib"))
            .map(|t| t.name.clone())
    };
    let chosen: &Package = if let Some(name) = package {
        members
            .iter()
            .copied()
            .find(|p| p.name == name)
            .with_context(|| {
                format!(
                    "no package `{name}` in the workspace at {} (members: {})",
                    metadata.workspace_root.display(),
                    names(&members)
                )
            })?
    } else if let Some(p) = members
        .iter()
        .copied()
        .find(|p| p.manifest_path == manifest)
    {
        p
    } else {
        let contracts: Vec<&Package> = members
            .iter()
            .copied()
            .filter(|p| cdylib(p).is_some())
            .collect();
        match contracts.as_slice() {
            [one] => one,
            [] => bail!(
                "the workspace at {} has no contract crate (a package whose [lib] has \
                 crate-type = [\"cdylib\"]); members: {}",
                metadata.workspace_root.display(),
                names(&members)
            ),
            several => bail!(
                "the workspace at {} has several contract crates ({}): pick one with -p NAME",
                metadata.workspace_root.display(),
                names(several)
            ),
        }
    };
    let lib_name = cdylib(chosen).with_context(|| {
        format!(
            "`{}` ({}) is not a contract crate: its [lib] needs crate-type = [\"cdylib\"] \
             (`cargo tako new NAME` writes one)",
            chosen.name,
            chosen.manifest_path.display()
        )
    })?;
    Ok(Contract {
        name: chosen.name.clone(),
        manifest: chosen.manifest_path.clone(),
        lib_name,
        workspace_root: metadata.workspace_root,
        target_dir: metadata.target_directory,
    })
}

fn names(packages: &[&Package]) -> String {
    if packages.is_empty() {
        return "none".into();
    }
    packages
        .iter()
        .map(|p| p.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
