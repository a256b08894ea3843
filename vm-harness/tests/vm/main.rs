//! The VM's integration tests, one binary: each module is one area (the contracts they
//! run are built once per process through `common`).

mod common;

mod allocator;
mod bad_input;
mod cli;
mod modes;
mod mutations;
mod runtime_faults;
mod symbols;
mod syscalls;
