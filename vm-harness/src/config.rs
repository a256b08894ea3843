//! [`Config`]: everything a run can be tuned with, and [`SyscallPrices`], the one place the
//! syscall prices live.

use std::collections::BTreeMap;

use tako_abi::{Price, DEFAULT_HEAP_SIZE, HEAP_SIZE_STEP, MAX_HEAP_SIZE, MIN_HEAP_SIZE};

use crate::error::VmError;

/// Default compute-unit limit of a run (as Solana's per-instruction default, and TOS's).
pub const DEFAULT_CU_LIMIT: u64 = 200_000;
/// TOS's maximum compute budget of a call: `tako-vm` asks for `--beyond-tos-budget` above it
/// (measurements may run longer; no call on TOS can).
pub const MAX_CU_LIMIT: u64 = 10_000_000;

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
    /// `tako_abi::HEAP_SIZE_STEP` (32 KiB..256 KiB in 1 KiB steps). Default 32 KiB, what
    /// TOS maps.
    pub heap_size: u64,
    /// Compute units the run may consume (instructions plus syscall prices); at least 1.
    /// Default 200,000.
    pub cu_limit: u64,
    /// Run the JIT-compiled program instead of the interpreter (solana-sbpf only, so SBPF
    /// V0 programs only).
    pub jit: bool,
    /// The VM that runs the program. `None` (the default): chosen by the program's SBPF
    /// version ([`crate::Engine::for_program`]): V3 on tos-tbpf, the only one that loads it,
    /// V0 on solana-sbpf.
    pub engine: Option<crate::Engine>,
    /// What each syscall costs.
    pub prices: SyscallPrices,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            heap_size: DEFAULT_HEAP_SIZE,
            cu_limit: DEFAULT_CU_LIMIT,
            jit: false,
            engine: None,
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
        if let (true, Some(engine @ crate::Engine::Tbpf)) = (self.jit, self.engine) {
            return Err(VmError::Config(format!(
                "the JIT is solana-sbpf's; the {engine} engine runs the interpreter, as TOS's executor does"
            )));
        }
        self.prices.validate()
    }

    /// The engine that runs `so` under this configuration: [`Config::engine`], or the one
    /// its SBPF version needs.
    ///
    /// # Errors
    /// [`VmError::JitNeedsV0`] when the JIT is asked for a program only tos-tbpf loads.
    pub fn engine_for(&self, so: &[u8]) -> Result<crate::Engine, VmError> {
        let engine = self
            .engine
            .unwrap_or_else(|| crate::Engine::for_program(so));
        if self.jit && engine != crate::Engine::Sbpf {
            return Err(VmError::JitNeedsV0);
        }
        Ok(engine)
    }
}

/// Checks a heap size against the allowed range (32 KiB..256 KiB in 1 KiB steps).
pub fn validate_heap_size(bytes: u64) -> Result<(), VmError> {
    if (MIN_HEAP_SIZE..=MAX_HEAP_SIZE).contains(&bytes) && bytes.is_multiple_of(HEAP_SIZE_STEP) {
        Ok(())
    } else {
        Err(VmError::HeapSize { requested: bytes })
    }
}

/// Compute-unit prices of the syscalls: each syscall's price in `tako_abi::SYSCALLS`
/// unless overridden here. Every instruction costs 1 CU besides these.
///
/// ```
/// use tako_abi::Price;
/// let p = vm_harness::SyscallPrices::default().with_alloc(1);
/// assert_eq!(p.price(tako_abi::syscall("tako_alloc").unwrap()), Price::Flat(1));
/// assert_eq!(p.price(tako_abi::syscall("log").unwrap()), tako_abi::syscall("log").unwrap().price);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyscallPrices {
    /// Prices that replace the ABI's, by syscall name.
    pub overrides: BTreeMap<&'static str, Price>,
}

impl SyscallPrices {
    /// The price of `spec` in force.
    pub fn price(&self, spec: &tako_abi::SyscallSpec) -> Price {
        self.overrides.get(spec.name).copied().unwrap_or(spec.price)
    }

    /// These prices with `name` priced `price`.
    ///
    /// # Errors
    /// [`VmError::Config`] when the ABI has no syscall `name`.
    pub fn with(mut self, name: &str, price: Price) -> Result<Self, VmError> {
        let spec = tako_abi::syscall(name).ok_or_else(|| {
            VmError::Config(format!(
                "no syscall `{name}` to price; the ABI has: {}",
                tako_abi::SYSCALLS
                    .iter()
                    .map(|s| s.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
        self.overrides.insert(spec.name, price);
        Ok(self)
    }

    /// These prices with `tako_alloc` and `tako_free` (the SyscallAllocator's calls) at
    /// `cu` each: the CU report's `SyscallAllocator1CU` row.
    pub fn with_alloc(mut self, cu: u64) -> Self {
        self.overrides.insert("tako_alloc", Price::Flat(cu));
        self.overrides.insert("tako_free", Price::Flat(cu));
        self
    }

    /// Every syscall at `cu` CU, whatever it does: two runs at different uniform prices
    /// count a program's syscalls (their CU differ by the price difference per call).
    pub fn uniform(cu: u64) -> Self {
        Self {
            overrides: tako_abi::SYSCALLS
                .iter()
                .map(|s| (s.name, Price::Flat(cu)))
                .collect(),
        }
    }

    /// Every override must name a syscall of the ABI.
    pub fn validate(&self) -> Result<(), VmError> {
        match self
            .overrides
            .keys()
            .find(|n| tako_abi::syscall(n).is_none())
        {
            Some(n) => Err(VmError::Config(format!(
                "syscall prices: no syscall `{n}` in the ABI"
            ))),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heap_size_bounds_and_steps() {
        for ok in [32 * 1024, 33 * 1024, 256 * 1024] {
            assert!(validate_heap_size(ok).is_ok(), "{ok}");
        }
        for bad in [
            0,
            1024,
            31 * 1024,
            32 * 1024 + 1,
            256 * 1024 + 1024,
            u64::MAX,
        ] {
            let err = validate_heap_size(bad).unwrap_err().to_string();
            assert!(err.contains("32768..=262144"), "{bad}: {err}");
            assert!(err.contains(&bad.to_string()), "{bad}: {err}");
        }
    }

    #[test]
    fn overrides_touch_only_their_syscall() {
        let log = tako_abi::syscall("log").unwrap();
        let alloc = tako_abi::syscall("tako_alloc").unwrap();
        let p = SyscallPrices::default();
        assert_eq!(p.price(alloc), Price::Flat(100));
        let p = p.with_alloc(1);
        assert_eq!((p.price(alloc), p.price(log)), (Price::Flat(1), log.price));
        assert!(SyscallPrices::default()
            .with("nope", Price::Flat(1))
            .is_err());
    }

    #[test]
    fn unknown_prices_and_a_zero_cu_limit_are_refused() {
        let mut c = Config::default();
        assert!(c.validate().is_ok());
        c.prices.overrides.insert("nope", Price::Flat(1));
        assert!(matches!(c.validate(), Err(VmError::Config(_))));
        let c = Config {
            cu_limit: 0,
            ..Config::default()
        };
        assert!(matches!(c.validate(), Err(VmError::Config(_))));
    }
}
