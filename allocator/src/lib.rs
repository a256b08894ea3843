#![doc = include_str!("../README.md")]
//!
//! `tos-alloc`: [`TosAllocator`], a lock-free bump allocator for TAKO contracts.
//!
//! ```ignore
//! #[global_allocator]
//! static ALLOCATOR: tos_alloc::TosAllocator = tos_alloc::TosAllocator::new();
//! ```
//!
//! The heap is the VM's heap region at `MM_HEAP_START`; the allocator's state (cursor, end,
//! high-water mark, counters) lives in a [`Header`] at its start, because contracts cannot
//! have writable statics. An all-zero header is a fresh heap. On the first allocation the
//! allocator takes the smaller of its declared size and the 32 KiB every VM maps (TOS's
//! heap), with no syscall and no read outside the heap; a heap declared larger asks the VM
//! how much it mapped (`get_heap_region`) once, when a block would pass 32 KiB. So a
//! contract declared for 256 KiB that runs in a 32 KiB heap gets null (the alloc-error
//! path), never an access violation.
//!
//! The allocation logic is written once, in [`Heap`], generic over a [`Region`] (the VM
//! heap on the BPF target, or a caller-provided byte slice on the host, [`TosHeap`], where
//! threads can share it) and a [`Reuse`] policy (what a free does). The placement
//! arithmetic is in [`bump`], safe and pure.
#![no_std]
#![cfg_attr(target_arch = "bpf", feature(asm_experimental_arch))]
#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]

/// `$x` (a `usize`), through an empty instruction pinned to register `$reg` that the
/// optimizer cannot see into (on BPF; elsewhere `$x` itself). Applied to a header's address
/// it makes every header word an offset from one register (one `lddw`, hoisted out of
/// loops, instead of one per word), and lets alias analysis see the words as distinct
/// parts of one object. Each header gets its own registers (the bump's `r1` where it is
/// inlined at an allocation or free, `r7` elsewhere; first fit's `r9`), so that both can
/// be live at once.
macro_rules! opaque_in {
    ($reg:tt, $x:expr) => {{
        #[allow(unused_mut)]
        let mut x: usize = $x;
        #[cfg(target_arch = "bpf")]
        // SAFETY: the template is empty: no instruction, no memory access, `x` keeps its
        // value. (An explicit register needs no mention in the template; an empty template
        // is all the linker's object streamer accepts.)
        unsafe {
            core::arch::asm!("", inout($reg) x, options(pure, nomem, nostack, preserves_flags))
        };
        x
    }};
}

#[macro_use]
pub mod strategy;
pub mod bump;
pub mod first_fit;
mod header;
mod heap;
#[cfg(not(loom))]
mod host;
#[cfg(not(loom))]
pub mod inspect;
#[cfg(not(loom))]
mod le;
pub mod pool;
mod region;
pub mod reuse;
pub mod slab;
#[cfg(not(loom))]
mod snapshot;
mod sync;
pub mod usage;
#[cfg(target_arch = "bpf")]
mod vm;

pub use header::{Header, Stats, HEADER_SIZE};
pub use heap::Heap;
#[cfg(not(loom))]
pub use host::{HostRegion, RegionError, TosHeap};
pub use region::Region;
pub use reuse::{NoReuse, Reuse, Rewind};
pub use strategy::{Strategy, StrategyInfo, STRATEGIES};
#[cfg(target_arch = "bpf")]
pub use vm::{mapped_heap_size, vm_heap_bytes};
#[cfg(target_arch = "bpf")]
pub use vm::{stats, VmRegion};

/// The default heap size, 32 KiB: what the VM maps unless told otherwise.
pub const DEFAULT_HEAP_SIZE: usize = tako_abi::DEFAULT_HEAP_SIZE as usize;
/// The largest heap size an allocator can be declared with, 256 KiB.
pub const MAX_HEAP_SIZE: usize = tako_abi::MAX_HEAP_SIZE as usize;
/// Heap sizes are declared in steps of 1 KiB.
pub const HEAP_SIZE_STEP: usize = tako_abi::HEAP_SIZE_STEP as usize;

/// The contract allocator: a bump heap over the VM's heap region, declared `HEAP` bytes
/// long (32 KiB by default, a multiple of 1 KiB, at most 256 KiB; the header is part of
/// it). Zero-sized and read-only: all its state is in the heap's [`Header`].
///
/// It uses the smaller of `HEAP` and the heap the VM really mapped. A larger declared
/// size only matters when the VM is run with a larger heap (`--heap-size`).
///
/// ```
/// use tos_alloc::TosAllocator;
/// // The default, 32 KiB:
/// static A: TosAllocator = TosAllocator::new();
/// // 64 KiB, either way:
/// static B: TosAllocator<{ 64 * 1024 }> = TosAllocator::new();
/// static C: TosAllocator<{ 64 * 1024 }> = TosAllocator::sized::<{ 64 * 1024 }>();
/// assert_eq!(B.heap_size(), 64 * 1024);
/// ```
///
/// Sizes above 256 KiB, below 1 KiB or not a multiple of 1 KiB do not compile:
///
/// ```compile_fail
/// static A: tos_alloc::TosAllocator<{ 257 * 1024 }> = tos_alloc::TosAllocator::new();
/// ```
/// ```compile_fail
/// static A: tos_alloc::TosAllocator<{ 32 * 1024 + 8 }> = tos_alloc::TosAllocator::new();
/// ```
///
/// `P` is what it does with freed blocks ([`Reuse`]): [`Rewind`], the default, reclaims
/// the most recent block; [`NoReuse`] reclaims nothing, for a contract made of short
/// calls, whose heap goes with the call:
///
/// ```
/// use tos_alloc::{NoReuse, TosAllocator, DEFAULT_HEAP_SIZE};
/// static A: TosAllocator<DEFAULT_HEAP_SIZE, NoReuse> = TosAllocator::new();
/// ```
///
/// On the BPF target it is a [`GlobalAlloc`](core::alloc::GlobalAlloc) and has `stats()`.
/// On the host it is not an allocator (there is no VM heap); [`over`](Self::over) runs the
/// same logic over a byte slice.
#[derive(Debug, Clone, Copy)]
pub struct TosAllocator<const HEAP: usize = DEFAULT_HEAP_SIZE, P = Rewind>(
    core::marker::PhantomData<P>,
);

impl<const HEAP: usize, P: Reuse> TosAllocator<HEAP, P> {
    /// The allocator, for `#[global_allocator]`. Fails to compile unless `HEAP` is a
    /// multiple of 1 KiB between 1 KiB and 256 KiB.
    pub const fn new() -> Self {
        const {
            assert!(
                HEAP.is_multiple_of(HEAP_SIZE_STEP)
                    && HEAP >= HEAP_SIZE_STEP
                    && HEAP <= MAX_HEAP_SIZE,
                "TosAllocator: the heap size must be a multiple of 1 KiB between 1 KiB and 256 KiB"
            )
        };
        TosAllocator(core::marker::PhantomData)
    }

    /// The heap size this allocator was declared with, in bytes.
    pub const fn heap_size(&self) -> usize {
        HEAP
    }

    /// The same allocator's logic over a host byte slice, as if the VM had mapped
    /// `region.len()` bytes: the heap is the smaller of `HEAP` and that.
    #[cfg(not(loom))]
    pub fn over<'a>(&self, region: &'a mut [u8]) -> Result<Heap<HostRegion<'a>, P>, RegionError> {
        Heap::over_declared(region, HEAP)
    }
}

impl TosAllocator {
    /// `TosAllocator::<N>::new()`, spelt from the default type: the allocator declared
    /// with a heap of `N` bytes (checked at compile time as in [`new`](Self::new)).
    pub const fn sized<const N: usize>() -> TosAllocator<N> {
        TosAllocator::<N>::new()
    }
}

impl<const HEAP: usize, P: Reuse> Default for TosAllocator<HEAP, P> {
    fn default() -> Self {
        Self::new()
    }
}
