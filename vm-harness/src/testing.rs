//! Helpers for tests that need real contracts.
//!
//! - [`contract_under_test`]: the `.so` `cargo tako test` built, for a contract crate's own
//!   host tests (its path is in [`CONTRACT_SO_ENV`]).
//! - [`build_contract`]: builds one of this repository's `contracts/` through
//!   `./build-example.sh` once per process and returns the `.so` path (this crate's
//!   integration tests and the `tests/` package).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

/// Why a contract could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The script could not be started.
    #[error("cannot run {script}: {source}")]
    Spawn {
        /// Path of the script.
        script: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The script failed.
    #[error("./build-example.sh {args} failed ({status}):\n{stderr}")]
    Failed {
        /// Its arguments.
        args: String,
        /// Exit status.
        status: std::process::ExitStatus,
        /// Its standard error.
        stderr: String,
    },
    /// The script succeeded but its last line is not an existing file.
    #[error("./build-example.sh {args} printed no .so path (last line: {last_line:?})")]
    NoOutput {
        /// Its arguments.
        args: String,
        /// The last line it printed.
        last_line: String,
    },
}

/// The variable `cargo tako test` sets, for the crate's host tests, to the path of the
/// `.so` it has just built.
pub const CONTRACT_SO_ENV: &str = "TAKO_CONTRACT_SO";

/// Why [`try_contract_under_test`] found no contract.
#[derive(Debug, thiserror::Error)]
pub enum ContractUnderTestError {
    /// The variable is not set: the tests were not started by `cargo tako test`.
    #[error(
        "{CONTRACT_SO_ENV} is not set: run these tests with `cargo tako test`, which builds the \
         contract and points {CONTRACT_SO_ENV} at its .so"
    )]
    NotSet,
    /// The file cannot be read.
    #[error("{CONTRACT_SO_ENV}={path}: {source}")]
    Read {
        /// The path the variable holds.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

/// The bytes of the `.so` `cargo tako test` built (the file [`CONTRACT_SO_ENV`] names).
pub fn try_contract_under_test() -> Result<Vec<u8>, ContractUnderTestError> {
    let path =
        PathBuf::from(std::env::var_os(CONTRACT_SO_ENV).ok_or(ContractUnderTestError::NotSet)?);
    std::fs::read(&path).map_err(|source| ContractUnderTestError::Read { path, source })
}

/// Test helper: [`try_contract_under_test`], panicking with its error.
pub fn contract_under_test() -> Vec<u8> {
    try_contract_under_test().unwrap_or_else(|e| panic!("{e}"))
}

/// The repository root (the parent of this crate's directory).
pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("vm-harness lives inside the repository")
}

fn cache() -> &'static Mutex<HashMap<Vec<String>, PathBuf>> {
    static CACHE: OnceLock<Mutex<HashMap<Vec<String>, PathBuf>>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// Builds `contracts/NAME` with `./build-example.sh NAME [ARGS...]` (e.g.
/// `["--features", "syscall", "--as", "alloc_bench_syscall"]`) once per process and
/// returns the `.so` path it printed. Builds are serialized within the process.
pub fn try_build_contract_with(name: &str, args: &[&str]) -> Result<PathBuf, BuildError> {
    let key: Vec<String> = std::iter::once(name)
        .chain(args.iter().copied())
        .map(String::from)
        .collect();
    // Hold the lock while building: concurrent cargo builds of the same workspace only wait
    // on each other anyway, and this keeps one build per key.
    let mut cache = cache().lock().unwrap_or_else(|e| e.into_inner());
    if let Some(path) = cache.get(&key) {
        return Ok(path.clone());
    }
    let script = repo_root().join("build-example.sh");
    let output = Command::new(&script)
        .args(&key)
        .current_dir(repo_root())
        .output()
        .map_err(|source| BuildError::Spawn {
            script: script.clone(),
            source,
        })?;
    let joined = key.join(" ");
    if !output.status.success() {
        return Err(BuildError::Failed {
            args: joined,
            status: output.status,
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        });
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last_line = stdout.lines().last().unwrap_or("").trim().to_string();
    let path = PathBuf::from(&last_line);
    if !path.is_file() {
        return Err(BuildError::NoOutput {
            args: joined,
            last_line,
        });
    }
    cache.insert(key, path.clone());
    Ok(path)
}

/// [`try_build_contract_with`] without extra arguments.
pub fn try_build_contract(name: &str) -> Result<PathBuf, BuildError> {
    try_build_contract_with(name, &[])
}

/// Test helper: [`try_build_contract`], panicking with the build's error output.
pub fn build_contract(name: &str) -> PathBuf {
    try_build_contract(name).unwrap_or_else(|e| panic!("building contract `{name}`: {e}"))
}

/// Test helper: [`try_build_contract_with`], panicking with the build's error output.
pub fn build_contract_with(name: &str, args: &[&str]) -> PathBuf {
    try_build_contract_with(name, args)
        .unwrap_or_else(|e| panic!("building contract `{name}` {args:?}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_cargo_tako_test_the_contract_under_test_says_how_to_run() {
        if std::env::var_os(CONTRACT_SO_ENV).is_some() {
            return; // run by `cargo tako test`: the variable is the point
        }
        let e = try_contract_under_test().unwrap_err();
        assert!(matches!(e, ContractUnderTestError::NotSet), "{e:?}");
        assert!(
            e.to_string()
                .contains("run these tests with `cargo tako test`"),
            "{e}"
        );
    }
}
