//! `tako-linker`: the linker rustc calls for the `tbpf-tos-tos` target
//! ([`tako_linker::cli`]).

fn main() -> std::process::ExitCode {
    tako_linker::cli::main()
}
