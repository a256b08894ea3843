#![doc = include_str!("../README.md")]

mod builder;
mod cli;
mod info;
mod project;
mod templates;
mod toolchain;

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let invoked_as = args
        .first()
        .and_then(|a| std::path::Path::new(a).file_stem())
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if invoked_as == builder::LINKER_NAME {
        return tako_linker::cli::main_from(args);
    }
    // `cargo tako ARGS` runs `cargo-tako tako ARGS`.
    if args.get(1).is_some_and(|a| a == "tako") {
        args.remove(1);
    }
    cli::main_from(args)
}
