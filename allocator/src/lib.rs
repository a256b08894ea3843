//! `tos-alloc`: a lock-free bump allocator for TAKO contracts.
//!
//! ```ignore
//! #[global_allocator]
//! static ALLOCATOR: tos_alloc::TosAllocator = tos_alloc::TosAllocator::new();
//! ```
//!
//! - Heap at `MM_HEAP_START` (`0x3_0000_0000`), 32 KiB by default, up to 256 KiB
//!   ([`TosAllocator::sized`]); never beyond what the VM really mapped.
//! - State in a 40-byte header at the heap start ([`header`]); an all-zero header is a
//!   fresh heap, so the global value is zero-sized and the contract has no writable static.
//! - Upward bump with a CAS loop ([`heap`]); the placement arithmetic is safe integer code
//!   ([`bump`]). Null on exhaustion or on any size/alignment overflow.
//! - The most recent block is freed (cursor rewinds), grown and shrunk in place;
//!   `alloc_zeroed` skips the memset on memory never handed out (the VM heap starts zeroed).
//! - [`HostHeap`] runs the same code over a caller's region on the host, shared by threads.
#![no_std]
#![deny(missing_docs)]

pub mod bump;
pub mod header;
mod heap;
#[cfg(not(loom))]
mod host;
mod vm;

pub use header::{Stats, HEADER_SIZE};
#[cfg(not(loom))]
pub use host::{HostHeap, RegionError};
pub use vm::{TosAllocator, DEFAULT_HEAP_SIZE, HEAP_SIZE_STEP, MAX_HEAP_SIZE};
