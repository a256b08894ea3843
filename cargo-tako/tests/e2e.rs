//! `cargo tako` as a contract author runs it: in a temporary directory outside the
//! repository, `cargo tako new x --template erc20 && cd x && cargo tako build && cargo tako
//! test` (and the other templates), then `info` and `run` on the result; and the refusals
//! of bad input, each with its message and a non-zero exit.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The directory holding the `cargo-tako` binary under test, for `PATH`.
fn bin_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_cargo-tako"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A fresh scratch directory outside the repository.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cargo-tako-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    assert!(
        !dir.starts_with(repo),
        "{} is inside the repository",
        dir.display()
    );
    dir
}

/// `cargo ARGS` in `dir`, with the binary under test first on `PATH`, and one target
/// directory for every project of the run (the templates share their dependencies).
fn cargo(dir: &Path, args: &[&str]) -> Output {
    let path = std::env::join_paths(
        std::iter::once(bin_dir()).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    let target = std::env::temp_dir().join("cargo-tako-e2e-target");
    Command::new("cargo")
        .args(args)
        .current_dir(dir)
        .env("PATH", path)
        .env("CARGO_TARGET_DIR", target)
        .env_remove("CARGO")
        .env_remove("RUSTUP_TOOLCHAIN")
        .output()
        .unwrap()
}

fn ok(out: Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn refused(out: Output, what: &str, needle: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{what} succeeded:\n{stderr}");
    assert!(
        stderr.contains(needle),
        "{what}: expected {needle:?} in:\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{what} panicked:\n{stderr}");
}

#[test]
fn new_build_test_for_every_template_then_info_and_run() {
    let root = scratch("e2e");
    for (name, template, test) in [
        ("x", "erc20", "mint_and_transfer"),
        ("hello-world", "default", "greets_and_remembers_each_name"),
        (
            "collection",
            "erc721",
            "an_approved_account_may_transfer_once",
        ),
    ] {
        ok(
            cargo(&root, &["tako", "new", name, "--template", template]),
            "new",
        );
        let project = root.join(name);
        let manifest = std::fs::read_to_string(project.join("Cargo.toml")).unwrap();
        assert!(manifest.contains("crate-type = [\"cdylib\"]"), "{manifest}");
        let so = ok(cargo(&project, &["tako", "build"]), "build");
        let so = PathBuf::from(so.trim());
        assert!(so.is_file(), "build printed {}", so.display());
        let tests = ok(cargo(&project, &["tako", "test"]), "test");
        assert!(tests.contains(&format!("test {test} ... ok")), "{tests}");
        assert!(!tests.contains("FAILED"), "{tests}");
        // Built as V3, as TOS's toolchain does; the syscalls are read from the file.
        let info = ok(
            cargo(&project, &["tako", "info", so.to_str().unwrap()]),
            "info",
        );
        assert!(info.contains("SBPF version: V3"), "{info}");
        assert!(info.contains("storage_write"), "{info}");
        // The largest functions, by their symbols, the entry point's among them.
        assert!(info.contains("largest functions ("), "{info}");
        let listed = info.split_once("largest functions").unwrap().1;
        assert!(
            listed.contains("  entrypoint") || listed.contains("::__tako_process"),
            "{info}"
        );
    }
    // One call through the VM: the token's `init` (opcode 0) succeeds and commits.
    let project = root.join("x");
    // README.md's test example, as the erc20 crate's `tests/balance.rs`.
    let example = readme_block("README.md", "## Testing a contract");
    std::fs::write(project.join("tests/balance.rs"), example).unwrap();
    let tests = ok(
        cargo(&project, &["tako", "test"]),
        "test with the README's example",
    );
    assert!(
        tests.contains("test mint_then_read_the_balance ... ok"),
        "{tests}"
    );
    // As SBPF V0 too, into its own directory; info reads V0's syscalls from its dynamic
    // symbols, V3's from its call instructions.
    let v0 = ok(
        cargo(&project, &["tako", "build", "--arch", "v0"]),
        "build v0",
    );
    let v0 = v0.trim();
    assert!(v0.contains("/v0/"), "{v0}");
    let info = ok(cargo(&project, &["tako", "info", v0]), "info v0");
    assert!(info.contains("SBPF version: V0"), "{info}");
    assert!(
        info.contains("storage_write") && info.contains("emit_event"),
        "{info}"
    );
    let state = root.join("state.json");
    let out = cargo(
        &project,
        &[
            "tako",
            "run",
            "--input-hex",
            "00",
            "--json",
            "--state",
            state.to_str().unwrap(),
        ],
    );
    let json: serde_json::Value = serde_json::from_str(&ok(out, "run")).unwrap();
    assert_eq!(json["return_value"], 0, "{json}");
    assert_eq!(json["engine"], "tbpf", "{json}");
    assert!(state.is_file(), "a successful call writes the state file");
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn bad_input_is_refused_with_what_to_do() {
    let root = scratch("refusals");
    refused(
        cargo(&root, &["tako", "new", "y", "--template", "erc1155"]),
        "an unknown template",
        "[possible values: default, erc20, erc721]",
    );
    refused(
        cargo(&root, &["tako", "new", "1y"]),
        "a bad name",
        "is not a crate name",
    );

    // A library that is not a contract (no cdylib).
    let lib = root.join("plain");
    std::fs::create_dir_all(lib.join("src")).unwrap();
    std::fs::write(
        lib.join("Cargo.toml"),
        "[package]\nname = \"plain\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[workspace]\n",
    )
    .unwrap();
    std::fs::write(lib.join("src/lib.rs"), "").unwrap();
    refused(
        cargo(&lib, &["tako", "build"]),
        "a crate without a cdylib",
        "is not a contract crate",
    );

    // A workspace whose members are not contracts.
    let ws = root.join("ws");
    std::fs::create_dir_all(ws.join("member/src")).unwrap();
    std::fs::write(
        ws.join("Cargo.toml"),
        "[workspace]\nmembers = [\"member\"]\n",
    )
    .unwrap();
    std::fs::write(
        ws.join("member/Cargo.toml"),
        "[package]\nname = \"member\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .unwrap();
    std::fs::write(ws.join("member/src/lib.rs"), "").unwrap();
    refused(
        cargo(&ws, &["tako", "build"]),
        "a workspace without a contract",
        "has no contract crate",
    );

    // A workspace of two contracts: which one is for -p to say.
    let two = root.join("two");
    std::fs::create_dir_all(&two).unwrap();
    for name in ["a", "b"] {
        ok(cargo(&two, &["tako", "new", name]), "new");
        // Members of the outer workspace, not workspaces of their own.
        let manifest = two.join(name).join("Cargo.toml");
        let text = std::fs::read_to_string(&manifest).unwrap();
        let text = text.replace("\n[workspace]\n", "\n");
        std::fs::write(&manifest, text).unwrap();
    }
    std::fs::write(
        two.join("Cargo.toml"),
        "[workspace]\nmembers = [\"a\", \"b\"]\nresolver = \"2\"\n",
    )
    .unwrap();
    refused(
        cargo(&two, &["tako", "build"]),
        "a workspace of two contracts",
        "several contract crates (a, b): pick one with -p NAME",
    );
    refused(
        cargo(&two, &["tako", "build", "-p", "c"]),
        "an unknown package",
        "no package `c` in the workspace",
    );

    // `new` into a directory that exists, `init` where a Cargo.toml is, a --tako-path that is
    // no tako clone.
    refused(
        cargo(&root, &["tako", "new", "plain"]),
        "new over a directory",
        "exists already",
    );
    refused(
        cargo(&lib, &["tako", "init"]),
        "init over a crate",
        "already holds a Cargo.toml",
    );
    refused(
        cargo(
            &root,
            &["tako", "new", "w", "--tako-path", root.to_str().unwrap()],
        ),
        "a --tako-path that is not tako",
        "not a clone of tako (no sdk/Cargo.toml)",
    );

    // No nightly toolchain: an empty rustup home has none.
    ok(cargo(&root, &["tako", "new", "z"]), "new");
    let out = Command::new(env!("CARGO_BIN_EXE_cargo-tako"))
        .args(["tako", "build"])
        .current_dir(root.join("z"))
        .env("RUSTUP_HOME", root.join("empty-rustup-home"))
        .env("CARGO", cargo_binary())
        .output()
        .unwrap();
    refused(out, "a missing nightly", "rustup toolchain install nightly");
    let _ = std::fs::remove_dir_all(&root);
}

/// The real cargo binary (not rustup's proxy), which runs without a rustup home.
fn cargo_binary() -> PathBuf {
    std::env::var_os("CARGO")
        .map(PathBuf::from)
        .expect("cargo sets CARGO for the tests it runs")
}

/// The first ```rust block after `heading` in the repository's file `readme`.
fn readme_block(readme: &str, heading: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(readme);
    let readme = std::fs::read_to_string(path).unwrap();
    let section = &readme[readme.find(heading).expect("the README has the section")..];
    let start = section.find("```rust").expect("a rust block");
    let start = start + section[start..].find('\n').unwrap() + 1;
    let len = section[start..].find("```").expect("the block ends");
    section[start..start + len].to_string()
}

/// The example contracts of README.md and sdk/README.md (both count their calls in
/// storage), built with cargo tako and called twice.
#[test]
fn the_readme_contracts_build_and_count() {
    let root = scratch("readme");
    let examples = [
        ("README.md", "## Writing a contract"),
        ("sdk/README.md", "## Example contract"),
    ];
    for (i, (readme, heading)) in examples.into_iter().enumerate() {
        let name = format!("readme-contract-{i}");
        ok(cargo(&root, &["tako", "new", &name]), "new");
        let project = root.join(&name);
        std::fs::write(project.join("src/lib.rs"), readme_block(readme, heading)).unwrap();
        std::fs::remove_file(project.join("src/abi.rs")).unwrap();
        std::fs::remove_dir_all(project.join("tests")).unwrap();
        ok(cargo(&project, &["tako", "build"]), "build");
        let state = root.join(format!("state-{i}.json"));
        let state = state.to_str().unwrap();
        let mut last = serde_json::Value::Null;
        for _ in 0..2 {
            let args = [
                "tako",
                "run",
                "--input-hex",
                "0102",
                "--state",
                state,
                "--json",
            ];
            last = serde_json::from_str(&ok(cargo(&project, &args), "run")).unwrap();
            assert_eq!(last["return_value"], 0, "{readme}: {last}");
        }
        // The second call counts 2.
        let value = &last["storage_writes"][0]["value"];
        assert_eq!(value, "0200000000000000", "{readme}: {last}");
    }
    let _ = std::fs::remove_dir_all(&root);
}
