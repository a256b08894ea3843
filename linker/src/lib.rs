#![doc = include_str!("../README.md")]
//!
//! `tako-linker`: the linker rustc calls for the `tbpf-tos-tos` target.
//!
//! rustc hands it LLVM bitcode (the target spec sets `obj-is-bitcode`); it links the
//! modules, optimises and generates BPF code with rustc's own LLVM ([`codegen`], over the
//! typed LLVM wrappers of the private `llvm` module), checks every
//! LLVM diagnostic against a policy ([`diagnostics`]), and relinks the object into the
//! SBPF V0 or V3 layout the VM loads ([`relink`]); [`cli`] is its command line.
#![deny(missing_docs)]

pub mod cli;
pub mod codegen;
pub mod diagnostics;
pub mod inputs;
mod llvm;
pub mod lower;
pub mod relink;
pub mod report;

/// The LLVM major version the linker is built for (llvm-sys 221): rustc's own LLVM, which
/// the linker loads at run time, must be this one.
pub const LLVM_MAJOR: u32 = 22;
