//! `tako-linker`: the linker rustc calls for the `tbpf-tos-tos` target.
//!
//! rustc hands it LLVM bitcode (the target spec sets `obj-is-bitcode`); it links the
//! modules, optimises and generates BPF code with rustc's own LLVM ([`llvm`]), checks every
//! LLVM diagnostic against a policy ([`diagnostics`]), and relinks the object into the
//! SBPF V0 layout the VM loads ([`relink`]).
#![deny(missing_docs)]

pub mod diagnostics;
pub mod inputs;
pub mod llvm;
pub mod lower;
pub mod relink;
