//! `tako-vm`: run or profile TAKO contracts in the local VM
//! ([`vm_harness::cli`]).

fn main() -> std::process::ExitCode {
    vm_harness::cli::main()
}
