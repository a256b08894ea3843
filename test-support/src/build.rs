//! Building this repository's example contracts through `./build-example.sh`, once per
//! process and argument list.

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

/// The repository root (the parent of this crate's directory).
pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("test-support lives inside the repository")
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
