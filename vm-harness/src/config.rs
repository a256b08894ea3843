//! [`Config`]: everything a run can be tuned with, and [`SyscallPrices`], the one place the
//! syscall prices live.

use tako_abi::{DEFAULT_HEAP_SIZE, HEAP_SIZE_STEP, MAX_HEAP_SIZE, MIN_HEAP_SIZE};

use crate::error::VmError;

/// Default compute-unit limit of a run (as Solana's per-instruction default).
pub const DEFAULT_CU_LIMIT: u64 = 200_000;

/// How one run is set up. Build it with struct-update syntax over [`Config::default`]:
///
/// ```
/// let config = vm_harness::Config { heap_size: 64 * 1024, ..Default::default() };
/// assert!(config.validate().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Bytes of heap mapped at `tako_abi::MM_HEAP_START`, zero-filled. Must lie in
    /// `tako_abi::MIN_HEAP_SIZE..=tako_abi::MAX_HEAP_SIZE` and be a multiple of
    /// `tako_abi::HEAP_SIZE_STEP` (1 KiB..256 KiB in 1 KiB steps). Default 32 KiB.
    pub heap_size: u64,
    /// Compute units the run may consume (instructions plus syscall prices); at least 1.
    /// Default 200,000.
    pub cu_limit: u64,
    /// Run the JIT-compiled program instead of the interpreter.
    pub jit: bool,
    /// What each syscall costs.
    pub prices: SyscallPrices,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            heap_size: DEFAULT_HEAP_SIZE,
            cu_limit: DEFAULT_CU_LIMIT,
            jit: false,
            prices: SyscallPrices::default(),
        }
    }
}

impl Config {
    /// Checks every field; [`crate::run`] calls it before loading anything.
    pub fn validate(&self) -> Result<(), VmError> {
        validate_heap_size(self.heap_size)?;
        if self.cu_limit == 0 {
            return Err(VmError::Config("the CU limit must be at least 1".into()));
        }
        self.prices.validate()
    }
}

/// Checks a heap size against the allowed range (1 KiB..256 KiB in 1 KiB steps).
pub fn validate_heap_size(bytes: u64) -> Result<(), VmError> {
    if (MIN_HEAP_SIZE..=MAX_HEAP_SIZE).contains(&bytes) && bytes.is_multiple_of(HEAP_SIZE_STEP) {
        Ok(())
    } else {
        Err(VmError::HeapSize { requested: bytes })
    }
}

/// Compute-unit prices of the syscalls. Every instruction costs 1 CU besides these.
///
/// | syscall | price |
/// |---------|-------|
/// | `tako_log(ptr, len)` | `base + log_per_byte × len` |
/// | `tako_set_return_data(ptr, len)` | `base + len / return_data_bytes_per_cu` |
/// | `tako_memcpy`, `tako_memmove`, `tako_memset`, `tako_memcmp` (`n` bytes) | `max(mem_op_base, n / mem_op_bytes_per_cu)` |
/// | `tako_alloc`, `tako_free` | `alloc` when set, else `base` |
/// | every other syscall | `base` |
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyscallPrices {
    /// Price of a syscall without a size-dependent price (Solana's syscall base cost). 100.
    pub base: u64,
    /// Extra CU per byte logged by `tako_log`. 1.
    pub log_per_byte: u64,
    /// `tako_set_return_data` costs one extra CU per this many bytes. 32.
    pub return_data_bytes_per_cu: u64,
    /// Smallest price of a memory syscall (Solana's `mem_op_base_cost`). 10.
    pub mem_op_base: u64,
    /// A memory syscall over `n` bytes costs `n / mem_op_bytes_per_cu` when that is more
    /// than `mem_op_base` (Solana's `cpi_bytes_per_unit`). 250.
    pub mem_op_bytes_per_cu: u64,
    /// Price of `tako_alloc` and `tako_free` (the SyscallAllocator's calls) when set;
    /// `None` (the default) charges `base` like any other syscall. The CU report's
    /// `SyscallAllocator1CU` row sets it to 1.
    pub alloc: Option<u64>,
}

impl Default for SyscallPrices {
    fn default() -> Self {
        Self {
            base: 100,
            log_per_byte: 1,
            return_data_bytes_per_cu: 32,
            mem_op_base: 10,
            mem_op_bytes_per_cu: 250,
            alloc: None,
        }
    }
}

impl SyscallPrices {
    /// The divisors must be non-zero.
    pub fn validate(&self) -> Result<(), VmError> {
        if self.return_data_bytes_per_cu == 0 || self.mem_op_bytes_per_cu == 0 {
            return Err(VmError::Config(
                "syscall prices: return_data_bytes_per_cu and mem_op_bytes_per_cu must be non-zero"
                    .into(),
            ));
        }
        Ok(())
    }

    /// Price of `tako_log` for `len` bytes.
    pub fn log(&self, len: u64) -> u64 {
        self.base
            .saturating_add(self.log_per_byte.saturating_mul(len))
    }

    /// Price of `tako_set_return_data` for `len` bytes.
    pub fn set_return_data(&self, len: u64) -> u64 {
        self.base
            .saturating_add(len / self.return_data_bytes_per_cu.max(1))
    }

    /// Price of `tako_alloc` or `tako_free`.
    pub fn alloc(&self) -> u64 {
        self.alloc.unwrap_or(self.base)
    }

    /// Price of a memory syscall over `n` bytes.
    pub fn mem_op(&self, n: u64) -> u64 {
        self.mem_op_base.max(n / self.mem_op_bytes_per_cu.max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heap_size_bounds_and_steps() {
        for ok in [1024, 2048, 32 * 1024, 256 * 1024] {
            assert!(validate_heap_size(ok).is_ok(), "{ok}");
        }
        for bad in [0, 1023, 1025, 1536, 256 * 1024 + 1024, u64::MAX] {
            let err = validate_heap_size(bad).unwrap_err().to_string();
            assert!(err.contains("1024..=262144"), "{bad}: {err}");
            assert!(err.contains(&bad.to_string()), "{bad}: {err}");
        }
    }

    #[test]
    fn default_prices_match_the_abi_docs() {
        let p = SyscallPrices::default();
        assert_eq!(p.log(0), 100);
        assert_eq!(p.log(13), 113);
        assert_eq!(p.set_return_data(31), 100);
        assert_eq!(p.set_return_data(64), 102);
        assert_eq!(p.mem_op(0), 10);
        assert_eq!(p.mem_op(2_500), 10);
        assert_eq!(p.mem_op(4_096), 16);
        assert_eq!(p.alloc(), 100);
        let p = SyscallPrices {
            alloc: Some(1),
            ..p
        };
        assert_eq!(
            (p.alloc(), p.log(0)),
            (1, 100),
            "the override touches only alloc/free"
        );
    }

    #[test]
    fn zero_divisors_and_cu_limit_are_refused() {
        let mut c = Config::default();
        assert!(c.validate().is_ok());
        c.prices.mem_op_bytes_per_cu = 0;
        assert!(matches!(c.validate(), Err(VmError::Config(_))));
        let c = Config {
            cu_limit: 0,
            ..Config::default()
        };
        assert!(matches!(c.validate(), Err(VmError::Config(_))));
    }
}
