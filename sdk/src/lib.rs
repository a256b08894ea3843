//! `tako-sdk`: safe `no_std` bindings for TAKO contracts.
//!
//! - [`log()`], [`log_u64`], [`input`], [`set_return_data`], [`heap_size`], [`abort`]:
//!   safe wrappers over the syscalls of the TAKO ABI. The raw declarations are
//!   `tako_abi::sys`, generated from the one list in `tako_abi::with_syscalls!`;
//!   this crate declares no syscall name of its own.
//! - [`env()`]: the VM's read-only environment region ([`Env`]: the mapped heap size), a
//!   load instead of a syscall.
//! - [`copy`], [`copy_within`], [`fill`], [`compare`]: the memory syscalls
//!   (`tako_memcpy`, `tako_memmove`, `tako_memset`, `tako_memcmp`) over checked slices.
//! - [`log!`]: `log!("x = {} {:08x}", a, b)`, `core::fmt` into a stack buffer
//!   ([`fmt::StackWriter`]), then `tako_log`.
//! - [`entrypoint!`] turns `fn(&[u8]) -> u64` into the `entrypoint` symbol the VM calls.
//! - [`panic_handler!`] defines a `#[panic_handler]` that reports file, line and column
//!   through `tako_panic` without `core::fmt` (with the feature `panic-message`, it logs
//!   the formatted message first).
//! - With the default feature `alloc-error-handler`, an infallible allocation failure ends
//!   the run through `tako_alloc_error(size, align)` (see [`alloc_error`]).
//! - [`SyscallAllocator`]: a zero-sized `GlobalAlloc` that asks the VM for every allocation.
//! - The return codes of the ABI (`SUCCESS`, `INVALID_INPUT`, ...) are re-exported at the
//!   crate root.
//!
//! # On the host
//! Contracts run only in the TAKO VM (`target_arch = "bpf"`). On any other target this
//! crate still compiles (so host crates and docs build), and every function that needs the
//! VM panics with a message naming the syscall: nothing returns a made-up value. Pure
//! helpers ([`parse_input`], the return codes) work everywhere.
#![no_std]
#![deny(missing_docs)]
#![cfg_attr(
    all(target_arch = "bpf", feature = "alloc-error-handler"),
    feature(alloc_error_handler)
)]

mod allocator;
mod entry;
mod env;
pub mod fmt;
mod input;
mod mem;
mod panic;
mod raw;
mod syscalls;

pub use allocator::SyscallAllocator;
pub use entry::__private;
pub use env::{env, Env};
pub use input::{input, parse_input, InputError};
pub use mem::{compare, copy, copy_within, fill, MemError};
pub use panic::{alloc_error, report_panic};
pub use syscalls::{abort, heap_size, log, log_u64, set_return_data, MAX_RETURN_DATA};
pub use tako_abi::code::*;
pub use tako_abi::{
    DEFAULT_HEAP_SIZE, MAX_HEAP_SIZE, MM_ENV_START, MM_HEAP_START, MM_INPUT_START,
    MM_PROGRAM_START, MM_STACK_START,
};

/// The ABI crate this SDK is built on (memory map, syscall list, return codes).
pub use tako_abi as abi;
