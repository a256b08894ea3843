//! [`TakoContext`]: the per-run state the VM and the syscalls share: the CU meter, the
//! memory mapping, the captured logs and return data, and the host-side bump allocator
//! behind `tako_alloc`.

use std::ptr::NonNull;

use solana_sbpf::memory_region::{AccessType, MemoryMapping};
use solana_sbpf::vm::ContextObject;

use crate::config::SyscallPrices;
use crate::syscalls::SyscallFault;

/// The context object of a run (solana-sbpf's `ContextObject`).
pub struct TakoContext {
    /// Compute units left.
    remaining: u64,
    /// The run's memory map; syscalls translate their pointer arguments through it.
    mapping: MemoryMapping,
    /// Prices charged by the syscalls.
    pub(crate) prices: SyscallPrices,
    /// Size of the mapped heap region in bytes.
    pub(crate) heap_size: u64,
    /// Offset into the heap of the next free byte of the `tako_alloc` bump allocator.
    pub(crate) bump_next: u64,
    /// Number of successful `tako_alloc` calls.
    pub(crate) allocations: u64,
    /// Number of `tako_free` calls.
    pub(crate) frees: u64,
    /// Messages logged by `tako_log` and `tako_log_u64`, in order.
    pub(crate) logs: Vec<String>,
    /// The last data passed to `tako_set_return_data`.
    pub(crate) return_data: Vec<u8>,
    /// The price of every syscall charged, in call order (used by the profiler to
    /// attribute syscall CU to the calling function).
    pub(crate) syscall_charges: Vec<u64>,
}

impl TakoContext {
    /// A context with `cu_limit` compute units over `mapping`.
    pub(crate) fn new(
        mapping: MemoryMapping,
        cu_limit: u64,
        prices: SyscallPrices,
        heap_size: u64,
    ) -> Self {
        Self {
            remaining: cu_limit,
            mapping,
            prices,
            heap_size,
            bump_next: 0,
            allocations: 0,
            frees: 0,
            logs: Vec::new(),
            return_data: Vec::new(),
            syscall_charges: Vec::new(),
        }
    }

    /// Charges a syscall's price before it does any work; when the budget cannot pay it
    /// the budget is emptied and the syscall fails with the compute-budget fault.
    pub(crate) fn charge(&mut self, price: u64) -> Result<(), SyscallFault> {
        self.syscall_charges.push(price.min(self.remaining));
        if price > self.remaining {
            self.remaining = 0;
            return Err(SyscallFault::ComputeBudget);
        }
        self.remaining -= price;
        Ok(())
    }

    /// Copies `len` bytes of VM memory at `addr` out of the VM.
    pub(crate) fn read(
        &self,
        syscall: &'static str,
        addr: u64,
        len: u64,
    ) -> Result<Vec<u8>, SyscallFault> {
        if len == 0 {
            return Ok(Vec::new());
        }
        let ptr = self.host_ptr(syscall, AccessType::Load, addr, len)?;
        // SAFETY: `host_ptr` returned a pointer to `len` bytes of a live host buffer backing
        // a mapped region (the buffers outlive the run); nothing writes them meanwhile.
        Ok(unsafe { std::slice::from_raw_parts(ptr, len as usize) }.to_vec())
    }

    /// Translates the VM range `addr..addr + len` (non-empty) to a host pointer, checking
    /// that it lies inside one region that allows `access`.
    pub(crate) fn host_ptr(
        &self,
        syscall: &'static str,
        access: AccessType,
        addr: u64,
        len: u64,
    ) -> Result<*mut u8, SyscallFault> {
        match self.mapping.map(access, addr, len) {
            solana_sbpf::error::StableResult::Ok(buffer) => Ok(match access {
                AccessType::Load => buffer.ptr().cast::<u8>().cast_mut(),
                AccessType::Store => buffer.ptr_mut().cast::<u8>(),
            }),
            solana_sbpf::error::StableResult::Err(err) => Err(SyscallFault::Memory {
                syscall,
                message: err.to_string(),
            }),
        }
    }
}

impl ContextObject for TakoContext {
    fn consume(&mut self, amount: u64) {
        self.remaining = self.remaining.saturating_sub(amount);
    }

    fn get_remaining(&self) -> u64 {
        self.remaining
    }

    fn active_mapping_ptr(&mut self) -> NonNull<MemoryMapping> {
        NonNull::from_mut(&mut self.mapping)
    }
}
