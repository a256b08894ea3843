#![doc = include_str!("../README.md")]
//!
//! `tako-sdk`: TOS's contract API for TAKO contracts, `no_std`, over the syscalls of
//! `tako-abi`.
//!
//! A contract written for TOS's own `tako-sdk` compiles against this one unchanged:
//! `use tako_sdk::*;`, `#[no_mangle] pub extern "C" fn entrypoint() -> u64`, its own
//! `#[panic_handler]`.
//!
//! - Logs: [`log()`], [`log_u64`], [`log_pubkey`], [`debug_log!`], and [`log!`] with
//!   `format!` syntax ([`fmt::StackWriter`], no allocator).
//! - The call: [`get_input_data`] (and [`read_input`]), [`set_return_data`],
//!   [`get_return_data`], [`get_heap_region`], [`remaining_compute_units`].
//! - Storage: [`storage_read`], [`storage_write`], [`storage_delete`]; transient storage
//!   [`tload`], [`tstore`]. With the `alloc` feature, `storage_read_vec`: a value of
//!   any length in a `Vec`, in one read when it is no longer than expected; and
//!   `storage_read_with`: a value handed to a closure from a stack buffer of up to
//!   [`MAX_STACK_READ`] bytes (from the heap when longer).
//! - The chain: [`get_tx_sender`], [`get_caller`] (also `syscalls::get_caller`),
//!   [`get_contract_hash`], [`get_block_hash`], [`get_coinbase`], [`get_block_height`],
//!   [`get_timestamp`], [`get_chain_id`], [`get_call_value`], [`get_balance`],
//!   [`transfer`], [`emit_event`], [`blake3()`].
//! - Memory syscalls over checked slices: [`copy`], [`copy_within`], [`fill`], and
//!   [`compare`].
//! - [`entrypoint!`] turns `fn(&[u8]) -> u64` into the `entrypoint` symbol, reading the
//!   input for it.
//! - [`panic_handler!`], [`report_panic`], [`alloc_error`], [`abort`]: a run that must
//!   stop logs why and ends at a trap address (`tako_abi::Trap`); the local VM reports it
//!   as a panic, alloc-error or abort, every engine as an error. With the default feature
//!   `alloc-error-handler`, an infallible allocation failure does the same.
//! - [`SyscallAllocator`]: a `GlobalAlloc` that asks the local VM for every allocation
//!   (measurement-only syscalls, not on TOS): the baseline allocators are measured against.
//! - Constants: the return codes (`SUCCESS`, `ERROR`, `INVALID_INPUT`, ...),
//!   [`MAX_VALUE_SIZE`], [`MAX_KEY_SIZE`], the memory map; type [`Address`].
//!
//! # On the host
//! Contracts run only in the VM (`target_arch = "bpf"`). On any other target this crate
//! still compiles (so host crates and docs build), and every function that needs the VM
//! panics with a message naming the syscall: nothing returns a made-up value.
#![no_std]
#![deny(missing_docs)]
#![cfg_attr(
    all(target_arch = "bpf", feature = "alloc-error-handler"),
    feature(alloc_error_handler)
)]
#![cfg_attr(target_arch = "bpf", feature(optimize_attribute))]

#[cfg(any(feature = "alloc", test))]
extern crate alloc;

mod allocator;
mod call;
mod chain;
mod entry;
pub mod fmt;
mod log;
mod mem;
mod panic;
mod raw;
pub mod runtime;
mod storage;

pub use allocator::SyscallAllocator;
pub use call::{
    get_heap_region, get_input_data, get_return_data, read_input, read_input_uninit,
    remaining_compute_units, set_return_data, InputTooLarge, MAX_RETURN_DATA,
};
pub use chain::{
    blake3, emit_event, get_balance, get_block_hash, get_block_height, get_call_value, get_caller,
    get_chain_id, get_coinbase, get_contract_hash, get_timestamp, get_tx_sender, transfer, Address,
};
pub use entry::{__private, ENTRY_INPUT_CAPACITY};
pub use log::{log, log_pubkey, log_u64};
pub use mem::{compare, copy, copy_within, fill, MemError};
pub use panic::{abort, alloc_error, report_panic};
pub use storage::{storage_delete, storage_read, storage_write, tload, tstore, MAX_STACK_READ};
#[cfg(feature = "alloc")]
pub use storage::{storage_read_vec, storage_read_with};
pub use tako_abi::code::*;
pub use tako_abi::{
    DEFAULT_HEAP_SIZE, MAX_HEAP_SIZE, MAX_KEY_SIZE, MM_HEAP_START, MM_PROGRAM_START, MM_STACK_START,
};

/// Largest storage value, in bytes.
pub const MAX_VALUE_SIZE: usize = tako_abi::MAX_VALUE_SIZE as usize;

/// The syscall wrappers under TOS's module path (`tako_sdk::syscalls::get_caller()`).
pub mod syscalls {
    pub use crate::chain::*;
    pub use crate::storage::{storage_delete, storage_read, storage_write, tload, tstore};
    pub use crate::{get_input_data, log, log_u64, set_return_data};
}

/// The ABI crate this SDK is built on (memory map, syscall list, return codes).
pub use tako_abi as abi;
