//! `cargo tako new` and `init`: a contract crate from a template. Each template is one of
//! this repository's contracts (its sources and host tests, embedded at compile time), with
//! a `Cargo.toml` that depends on tako-sdk, tos-alloc and (for the tests) vm-harness by path
//! or by git.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

/// The contract a new crate starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Template {
    /// A minimal contract: input, storage, a `String` and a `Vec` on the heap, a log line,
    /// return data.
    #[default]
    #[value(alias = "minimal")]
    Default,
    /// A fungible token (ERC-20 style): init, mint, transfer, approve, transfer_from,
    /// balances; events.
    Erc20,
    /// A non-fungible token (ERC-721 style): init, mint, transfer, approve, owner_of,
    /// balance_of, get_approved; events.
    Erc721,
}

/// One file of a template: its path in the new crate and its text.
struct File {
    path: &'static str,
    text: &'static str,
}

macro_rules! contract_files {
    ($dir:literal, $test:literal) => {
        &[
            File {
                path: "src/lib.rs",
                text: include_str!(concat!("../../contracts/", $dir, "/src/lib.rs")),
            },
            File {
                path: "src/abi.rs",
                text: include_str!(concat!("../../contracts/", $dir, "/src/abi.rs")),
            },
            File {
                path: concat!("tests/", $test, ".rs"),
                text: include_str!(concat!("../../contracts/", $dir, "/tests/", $test, ".rs")),
            },
        ]
    };
}

impl Template {
    fn files(self) -> &'static [File] {
        match self {
            Template::Default => contract_files!("hello", "hello"),
            Template::Erc20 => contract_files!("token", "token"),
            Template::Erc721 => contract_files!("nft", "nft"),
        }
    }

    fn description(self) -> &'static str {
        match self {
            Template::Default => "A TAKO contract for the TOS chain.",
            Template::Erc20 => "A fungible token (ERC-20 style) for the TOS chain.",
            Template::Erc721 => "A non-fungible token (ERC-721 style) for the TOS chain.",
        }
    }
}

/// Where the generated crate takes tako's crates from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A local clone of tako (its root directory).
    Path(PathBuf),
    /// A git repository, at a revision when given (pinning one is how a crate keeps its
    /// tako version).
    Git {
        /// The repository URL.
        url: String,
        /// A commit, tag or branch.
        rev: Option<String>,
    },
}

impl Source {
    /// The clone this binary was built from, when it is still there.
    pub fn this_clone() -> Option<PathBuf> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent()?;
        root.join("sdk/Cargo.toml")
            .is_file()
            .then(|| root.to_path_buf())
    }

    /// The dependency table of tako's crate `name`, which lives in `dir` of the clone.
    fn dependency(&self, name: &str, dir: &str) -> String {
        match self {
            Source::Path(root) => {
                let path = root.join(dir);
                format!(
                    "{name} = {{ path = {} }}",
                    toml_string(&path.to_string_lossy())
                )
            }
            Source::Git { url, rev } => {
                let rev = rev
                    .as_ref()
                    .map(|r| format!(", rev = {}", toml_string(r)))
                    .unwrap_or_default();
                format!("{name} = {{ git = {}{rev} }}", toml_string(url))
            }
        }
    }
}

/// `text` as a TOML basic string.
fn toml_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The crate's `Cargo.toml`.
pub fn manifest(name: &str, template: Template, source: &Source) -> String {
    format!(
        r#"[package]
name = "{name}"
description = "{description}"
version = "0.1.0"
edition = "2021"
publish = false

# A contract is a cdylib: `cargo tako build` links it into an SBPF .so.
[lib]
crate-type = ["cdylib"]

[dependencies]
# TOS's contract API: storage, input, caller, balances, events, log!, entrypoint!.
# Feature "panic-message" puts the panic's message in the log (costs code size).
{sdk}
# TosAllocator: the bump allocator over the VM heap (the contract's global allocator).
{alloc}

[dev-dependencies]
# The local VM and TestChain, for the host tests `cargo tako test` runs.
{vm}

[profile.release]
opt-level = 3
lto = true
codegen-units = 1
panic = "abort"
overflow-checks = false

[profile.dev]
panic = "abort"

# A contract crate is its own workspace.
[workspace]
"#,
        description = template.description(),
        sdk = source.dependency("tako-sdk", "sdk"),
        alloc = source.dependency("tos-alloc", "allocator"),
        vm = source.dependency("vm-harness", "vm-harness"),
    )
}

const GITIGNORE: &str = "/target\n";

/// Whether `name` is a crate name cargo accepts (letters, digits, `-`, `_`; not starting
/// with a digit) and not one of tako's own crates.
pub fn check_name(name: &str) -> Result<()> {
    let valid = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid {
        bail!(
            "`{name}` is not a crate name: use ASCII letters, digits, `-` and `_`, starting \
             with a letter or `_`"
        );
    }
    const TAKEN: [&str; 5] = [
        "tako-sdk",
        "tos-alloc",
        "vm-harness",
        "tako-abi",
        "tako-linker",
    ];
    if TAKEN.contains(&name) {
        bail!("`{name}` is one of tako's own crates, which the contract depends on: pick another name");
    }
    Ok(())
}

/// Writes a contract crate named `name` from `template` into `dir` (which must not hold a
/// `Cargo.toml` already). With a path source, the clone's `Cargo.lock` seeds the crate's,
/// so its host tests build with the dependency versions tako is tested with.
pub fn generate(dir: &Path, name: &str, template: Template, source: &Source) -> Result<()> {
    check_name(name)?;
    if dir.join("Cargo.toml").exists() {
        bail!(
            "{} already holds a Cargo.toml: `cargo tako init` starts a contract in a directory \
             without one",
            dir.display()
        );
    }
    let mut files: Vec<(PathBuf, String)> = vec![
        (dir.join("Cargo.toml"), manifest(name, template, source)),
        (dir.join(".gitignore"), GITIGNORE.to_string()),
    ];
    for file in template.files() {
        files.push((dir.join(file.path), file.text.to_string()));
    }
    if let Source::Path(root) = source {
        if let Ok(lock) = std::fs::read_to_string(root.join("Cargo.lock")) {
            files.push((dir.join("Cargo.lock"), lock));
        }
    }
    for (path, text) in files {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(check_name("my-token").is_ok());
        assert!(check_name("_x1").is_ok());
        for bad in ["", "1x", "a b", "a/b", "tako-sdk", "é"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn git_source_pins_a_revision() {
        let source = Source::Git {
            url: "https://example.com/tako.git".into(),
            rev: Some("v0.1.0".into()),
        };
        let toml = manifest("x", Template::Erc20, &source);
        assert!(
            toml.contains(r#"tako-sdk = { git = "https://example.com/tako.git", rev = "v0.1.0" }"#)
        );
    }

    #[test]
    fn path_source_is_quoted() {
        let toml = manifest("x", Template::Default, &Source::Path("/a \"b\"".into()));
        assert!(
            toml.contains(r#"tako-sdk = { path = "/a \"b\"/sdk" }"#),
            "{toml}"
        );
    }
}
