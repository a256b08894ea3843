//! The syscalls of `tako_abi::SYSCALLS`, written once for every engine: [`Host`] holds a
//! call's state (meter, logs, return data, input, chain state, events) and
//! [`Host::syscall`] runs one syscall over any engine's memory through the [`Memory`]
//! trait. An engine's glue only registers one entry per syscall that forwards to it.

use std::collections::BTreeMap;

use tako_abi::{
    status, Class, SyscallSpec, HASH_SIZE, MAX_KEY_SIZE, MAX_LOG_SIZE, MAX_RETURN_DATA, MAX_TOPICS,
    MAX_VALUE_SIZE, MM_HEAP_START,
};

use crate::chain::{Address, CallEnv, ChainState, Event};
use crate::config::SyscallPrices;
use crate::error::FaultKind;

/// Why a syscall ended the run. Returned as the syscall's error, then turned into a
/// [`crate::RuntimeError`] by the runner.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyscallFault {
    /// The syscall's price exceeded the remaining budget.
    #[error("compute budget exceeded")]
    ComputeBudget,
    /// A pointer argument outside the regions (or a store into a read-only one).
    #[error("{syscall}: {message}")]
    Memory {
        /// The syscall.
        syscall: &'static str,
        /// What the engine said about the access.
        message: String,
    },
    /// Arguments the syscall refuses.
    #[error("{syscall}: {message}")]
    Invalid {
        /// The syscall.
        syscall: &'static str,
        /// What is wrong.
        message: String,
    },
}

impl SyscallFault {
    /// The fault kind reported for this syscall failure.
    pub fn kind(&self) -> FaultKind {
        match self {
            SyscallFault::ComputeBudget => FaultKind::ComputeBudgetExceeded,
            SyscallFault::Memory { .. } => FaultKind::AccessViolation,
            SyscallFault::Invalid { .. } => FaultKind::SyscallError,
        }
    }
}

/// An engine's view of the VM's memory, for the syscalls' pointer arguments. Every method
/// checks that the whole range lies in one mapped region that allows the access, and
/// fails with [`SyscallFault::Memory`] naming `syscall` otherwise.
pub trait Memory {
    /// Copies `len` bytes at `addr` out of the VM.
    fn read(&self, syscall: &'static str, addr: u64, len: u64) -> Result<Vec<u8>, SyscallFault>;
    /// Writes `bytes` at `addr`.
    fn write(&mut self, syscall: &'static str, addr: u64, bytes: &[u8])
        -> Result<(), SyscallFault>;
    /// Copies `n` bytes from `src` to `dst` inside the VM (the ranges may overlap).
    fn copy(
        &mut self,
        syscall: &'static str,
        dst: u64,
        src: u64,
        n: u64,
    ) -> Result<(), SyscallFault>;
    /// Sets `n` bytes at `dst` to `byte`.
    fn fill(
        &mut self,
        syscall: &'static str,
        dst: u64,
        byte: u8,
        n: u64,
    ) -> Result<(), SyscallFault>;
}

/// How a syscall touches VM memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// A read.
    Load,
    /// A write.
    Store,
}

/// An engine's address translation, which gives it [`Memory`].
///
/// # Safety
/// `host_addr` returns `Ok` only for a pointer to `len` (non-zero) bytes of a live host
/// buffer backing one mapped region that allows `access` (writable for
/// [`Access::Store`]), which stays valid for the syscall and which the host does not
/// otherwise touch meanwhile.
pub unsafe trait Translate {
    /// The host address of the VM range `addr..addr + len`, or the fault naming `syscall`.
    fn host_addr(
        &self,
        syscall: &'static str,
        access: Access,
        addr: u64,
        len: u64,
    ) -> Result<*mut u8, SyscallFault>;
}

impl<T: Translate> Memory for T {
    fn read(&self, syscall: &'static str, addr: u64, len: u64) -> Result<Vec<u8>, SyscallFault> {
        if len == 0 {
            return Ok(Vec::new());
        }
        let ptr = self.host_addr(syscall, Access::Load, addr, len)?;
        // SAFETY: `Translate`'s contract: `len` readable bytes of a live host buffer.
        Ok(unsafe { std::slice::from_raw_parts(ptr, len as usize) }.to_vec())
    }

    fn write(
        &mut self,
        syscall: &'static str,
        addr: u64,
        bytes: &[u8],
    ) -> Result<(), SyscallFault> {
        if bytes.is_empty() {
            return Ok(());
        }
        let to = self.host_addr(syscall, Access::Store, addr, bytes.len() as u64)?;
        // SAFETY: `Translate`'s contract: `bytes.len()` writable bytes of a region's buffer;
        // `bytes` is host memory outside every region, so they do not overlap.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), to, bytes.len()) };
        Ok(())
    }

    fn copy(
        &mut self,
        syscall: &'static str,
        dst: u64,
        src: u64,
        n: u64,
    ) -> Result<(), SyscallFault> {
        let from = self.host_addr(syscall, Access::Load, src, n)?;
        let to = self.host_addr(syscall, Access::Store, dst, n)?;
        // SAFETY: `Translate`'s contract for both (the destination writable); `ptr::copy`
        // allows the ranges to overlap.
        unsafe { std::ptr::copy(from, to, n as usize) };
        Ok(())
    }

    fn fill(
        &mut self,
        syscall: &'static str,
        dst: u64,
        byte: u8,
        n: u64,
    ) -> Result<(), SyscallFault> {
        let to = self.host_addr(syscall, Access::Store, dst, n)?;
        // SAFETY: `Translate`'s contract: `n` writable bytes.
        unsafe { std::ptr::write_bytes(to, byte, n as usize) };
        Ok(())
    }
}

/// Everything a call's syscalls read and change. Built by the runner for one call; the
/// chain state in it is a working copy that the runner commits only when the call
/// succeeds.
#[derive(Debug, Clone)]
pub struct Host {
    /// Compute units left.
    pub(crate) remaining: u64,
    /// Prices charged by the syscalls.
    pub(crate) prices: SyscallPrices,
    /// Size of the mapped heap region in bytes.
    pub(crate) heap_size: u64,
    /// Offset into the heap of the next free byte of the `tako_alloc` bump allocator.
    pub(crate) bump_next: u64,
    /// Messages logged, in order.
    pub(crate) logs: Vec<String>,
    /// The last data passed to `set_return_data`.
    pub(crate) return_data: Vec<u8>,
    /// The price of every syscall charged, in call order (used by the profiler to
    /// attribute syscall CU to the calling function).
    pub(crate) syscall_charges: Vec<u64>,
    /// The call's input (`get_input_data`).
    pub(crate) input: Vec<u8>,
    /// Who calls, in which block.
    pub(crate) env: CallEnv,
    /// The working copy of the chain state.
    pub(crate) state: ChainState,
    /// Transient storage of the transaction (`tload`/`tstore`).
    pub(crate) transient: BTreeMap<Vec<u8>, Vec<u8>>,
    /// Events emitted, in order.
    pub(crate) events: Vec<Event>,
    /// How often each syscall was called.
    pub(crate) calls: BTreeMap<&'static str, u64>,
}

impl Host {
    /// The state of a call with `input`, in `env`, over `state` (a working copy).
    pub(crate) fn new(
        cu_limit: u64,
        prices: SyscallPrices,
        heap_size: u64,
        input: Vec<u8>,
        env: CallEnv,
        state: ChainState,
    ) -> Self {
        Self {
            remaining: cu_limit,
            prices,
            heap_size,
            bump_next: 0,
            logs: Vec::new(),
            return_data: Vec::new(),
            syscall_charges: Vec::new(),
            input,
            env,
            state,
            transient: BTreeMap::new(),
            events: Vec::new(),
            calls: BTreeMap::new(),
        }
    }

    /// The host of a program whose writable statics take the first `statics` bytes of
    /// the heap: `tako_alloc` allocates after them.
    pub(crate) fn after_statics(mut self, statics: u64) -> Self {
        self.bump_next = statics.next_multiple_of(tako_abi::HEAP_START_ALIGN);
        // (0 without statics: the measurement allocator then owns the whole heap.)
        self
    }

    /// Compute units left.
    pub fn remaining(&self) -> u64 {
        self.remaining
    }

    /// Takes `amount` instruction CU off the meter (saturating).
    pub fn consume(&mut self, amount: u64) {
        self.remaining = self.remaining.saturating_sub(amount);
    }

    /// Charges `price` before a syscall changes anything; when the budget cannot pay it
    /// the budget is emptied and the syscall fails with the compute-budget fault.
    fn charge(&mut self, price: u64) -> Result<(), SyscallFault> {
        self.syscall_charges.push(price.min(self.remaining));
        if price > self.remaining {
            self.remaining = 0;
            return Err(SyscallFault::ComputeBudget);
        }
        self.remaining -= price;
        Ok(())
    }

    /// Charges `spec`'s price for `args`, `copied` bytes copied.
    fn pay(&mut self, spec: &SyscallSpec, args: [u64; 5], copied: u64) -> Result<(), SyscallFault> {
        let price = self.prices.price(spec).charge(args, copied);
        self.charge(price)
    }

    fn storage(&mut self) -> &mut crate::chain::Storage {
        self.state.storage.entry(self.env.contract).or_default()
    }

    /// Runs the syscall `spec` with argument registers `args` over `mem`; `r0` or the
    /// fault that ends the run.
    pub fn syscall(
        &mut self,
        mem: &mut dyn Memory,
        spec: &'static SyscallSpec,
        args: [u64; 5],
    ) -> Result<u64, SyscallFault> {
        let name = spec.name;
        *self.calls.entry(name).or_insert(0) += 1;
        let [a, b, c, d, e] = args;
        let invalid = |message: String| SyscallFault::Invalid {
            syscall: name,
            message,
        };
        // A length over its limit is refused before anything is read, at the price of a
        // call of no bytes (the per-byte part is not charged for bytes never handled).
        if let Some(refusal) = over_limit(name, args) {
            self.pay(spec, [0; 5], 0)?;
            return match refusal {
                Refusal::Status(code) => Ok(code),
                Refusal::Fault(message) => Err(invalid(message)),
            };
        }
        // The syscalls whose price depends on what they copy charge once they know it;
        // every other one pays first.
        if !spec.price.after_copy() {
            self.pay(spec, args, 0)?;
        }
        match name {
            "log" => {
                let bytes = mem.read(name, a, b)?;
                let message = String::from_utf8(bytes)
                    .map_err(|e| invalid(format!("the message is not UTF-8 ({e})")))?;
                self.logs.push(message);
                Ok(0)
            }
            "log_u64" => {
                self.logs.push(format_log_u64([a, b, c, d, e]));
                Ok(0)
            }
            "log_pubkey" => {
                let key = mem.read(name, a, HASH_SIZE as u64)?;
                self.logs.push(hex::encode(key));
                Ok(0)
            }
            "get_input_data" => {
                let n = a_min(b, self.input.len());
                self.pay(spec, args, n as u64)?;
                mem.write(name, a, &self.input[..n])?;
                Ok(self.input.len() as u64)
            }
            "set_return_data" => {
                self.return_data = mem.read(name, a, b)?;
                Ok(0)
            }
            "get_return_data" => {
                let n = a_min(b, self.return_data.len());
                mem.write(name, a, &self.return_data[..n])?;
                if c != 0 && !self.return_data.is_empty() {
                    mem.write(name, c, &self.env.contract)?;
                }
                Ok(self.return_data.len() as u64)
            }
            "storage_read" => {
                let key = read_key(mem, name, a, b)?;
                let value =
                    key.and_then(|k| self.state.get(&self.env.contract, &k).map(<[u8]>::to_vec));
                let value = value.unwrap_or_default();
                let n = a_min(d, value.len());
                self.pay(spec, args, n as u64)?;
                mem.write(name, c, &value[..n])?;
                Ok(value.len() as u64)
            }
            "storage_write" | "tstore" => {
                let Some(key) = read_key(mem, name, a, b)? else {
                    return Ok(status::KEY_TOO_LARGE);
                };
                let value = mem.read(name, c, d)?;
                if name == "tstore" {
                    self.transient.insert(key, value);
                } else {
                    self.storage().insert(key, value);
                }
                Ok(status::OK)
            }
            "storage_delete" => {
                let Some(key) = read_key(mem, name, a, b)? else {
                    return Ok(0);
                };
                Ok(u64::from(self.storage().remove(&key).is_some()))
            }
            "tload" => {
                let Some(key) = read_key(mem, name, a, b)? else {
                    return Ok(status::KEY_TOO_LARGE);
                };
                let value = self.transient.get(&key).cloned().unwrap_or_default();
                let n = a_min(d, value.len());
                mem.write(name, c, &value[..n])?;
                mem.write(name, e, &(value.len() as u64).to_le_bytes())?;
                Ok(status::OK)
            }
            "get_tx_sender" => write_address(mem, name, a, &self.env.sender),
            "get_caller" => write_address(mem, name, a, &self.env.caller),
            "get_contract_hash" => write_address(mem, name, a, &self.env.contract),
            "get_block_hash" => write_address(mem, name, a, &self.env.block_hash),
            "get_coinbase" => write_address(mem, name, a, &self.env.coinbase),
            "get_block_height" => Ok(self.env.block_height),
            "get_timestamp" => Ok(self.env.timestamp),
            "get_chain_id" => Ok(self.env.chain_id),
            "get_call_value" => Ok(self.env.value),
            "remaining_compute_units" => Ok(self.remaining),
            "get_balance" => {
                let who = read_address(mem, name, a)?;
                Ok(self.state.balance(&who))
            }
            "transfer" => {
                let to = read_address(mem, name, a)?;
                let from = self.env.contract;
                let have = self.state.balance(&from);
                if have < b {
                    return Ok(status::INSUFFICIENT_BALANCE);
                }
                if to != from {
                    let Some(credited) = self.state.balance(&to).checked_add(b) else {
                        return Ok(status::BALANCE_OVERFLOW);
                    };
                    self.state.set_balance(from, have - b);
                    self.state.set_balance(to, credited);
                }
                Ok(status::OK)
            }
            "emit_event" => {
                let raw = mem.read(name, a, b * HASH_SIZE as u64)?;
                let topics = raw
                    .chunks_exact(HASH_SIZE)
                    .map(|t| <[u8; 32]>::try_from(t).expect("32-byte chunks"))
                    .collect();
                let data = mem.read(name, c, d)?;
                self.events.push(Event {
                    contract: self.env.contract,
                    topics,
                    data,
                });
                Ok(status::OK)
            }
            "blake3" => {
                let data = mem.read(name, a, b)?;
                mem.write(name, c, blake3::hash(&data).as_bytes())?;
                Ok(0)
            }
            "get_heap_region" => {
                mem.write(name, a, &MM_HEAP_START.to_le_bytes())?;
                mem.write(name, b, &self.heap_size.to_le_bytes())?;
                Ok(0)
            }
            "tos_memcpy" => {
                // Equal ranges are allowed (LLVM's `llvm.memcpy` permits them); partial
                // overlap is an error, as with Solana's `sol_memcpy`.
                if c > 0 && a != b && a.abs_diff(b) < c {
                    return Err(invalid(format!(
                        "source {b:#x} and destination {a:#x} of {c} bytes overlap"
                    )));
                }
                if c > 0 {
                    mem.copy(name, a, b, c)?;
                }
                Ok(a)
            }
            "tos_memmove" => {
                if c > 0 {
                    mem.copy(name, a, b, c)?;
                }
                Ok(a)
            }
            "tos_memset" => {
                if c > 0 {
                    mem.fill(name, a, b as u8, c)?;
                }
                Ok(a)
            }
            "tako_alloc" => {
                if !b.is_power_of_two() {
                    return Err(invalid(format!("alignment {b} is not a power of two")));
                }
                let start = (MM_HEAP_START + self.bump_next)
                    .checked_next_multiple_of(b)
                    .map(|addr| addr - MM_HEAP_START);
                let end = start.and_then(|s| s.checked_add(a));
                match (start, end) {
                    (Some(start), Some(end)) if end <= self.heap_size => {
                        self.bump_next = end;
                        Ok(MM_HEAP_START + start)
                    }
                    _ => Ok(0),
                }
            }
            "tako_free" => Ok(0),
            other => unreachable!("syscall `{other}` of the ABI has no implementation"),
        }
    }
}

/// How a syscall refuses a length over its limit.
enum Refusal {
    /// A status code in `r0`.
    Status(u64),
    /// A fault that ends the run.
    Fault(String),
}

/// The refusal of a call whose length registers pass the ABI's limits, if any.
fn over_limit(name: &str, [_, b, _, d, _]: [u64; 5]) -> Option<Refusal> {
    match name {
        "log" if b > MAX_LOG_SIZE => Some(Refusal::Fault(format!(
            "{b} bytes exceed the log limit of {MAX_LOG_SIZE}"
        ))),
        "set_return_data" if b > MAX_RETURN_DATA => Some(Refusal::Fault(format!(
            "{b} bytes exceed the limit of {MAX_RETURN_DATA}"
        ))),
        "storage_write" | "tstore" if b > MAX_KEY_SIZE => {
            Some(Refusal::Status(status::KEY_TOO_LARGE))
        }
        "storage_write" | "tstore" if d > MAX_VALUE_SIZE => {
            Some(Refusal::Status(status::VALUE_TOO_LARGE))
        }
        "emit_event" if b > MAX_TOPICS => Some(Refusal::Status(status::TOO_MANY_TOPICS)),
        "emit_event" if d > MAX_VALUE_SIZE => Some(Refusal::Status(status::VALUE_TOO_LARGE)),
        _ => None,
    }
}

/// `min(cap, len)` as a length.
fn a_min(cap: u64, len: usize) -> usize {
    usize::try_from(cap).map_or(len, |c| c.min(len))
}

/// A storage key, or `None` when it is longer than `MAX_KEY_SIZE`.
fn read_key(
    mem: &dyn Memory,
    name: &'static str,
    ptr: u64,
    len: u64,
) -> Result<Option<Vec<u8>>, SyscallFault> {
    if len > MAX_KEY_SIZE {
        return Ok(None);
    }
    mem.read(name, ptr, len).map(Some)
}

fn read_address(mem: &dyn Memory, name: &'static str, ptr: u64) -> Result<Address, SyscallFault> {
    let bytes = mem.read(name, ptr, HASH_SIZE as u64)?;
    Ok(<[u8; 32]>::try_from(bytes.as_slice()).expect("read 32 bytes"))
}

fn write_address(
    mem: &mut dyn Memory,
    name: &'static str,
    ptr: u64,
    address: &Address,
) -> Result<u64, SyscallFault> {
    mem.write(name, ptr, address)?;
    Ok(0)
}

/// Formats `log_u64`'s arguments like Solana's `sol_log_64_`.
pub fn format_log_u64(values: [u64; 5]) -> String {
    let [a, b, c, d, e] = values;
    format!("{a:#x}, {b:#x}, {c:#x}, {d:#x}, {e:#x}")
}

/// The syscalls an engine registers: all of them, or only TOS's (what TOS's executor
/// registers: a contract calling a measurement-only one does not load there).
pub fn registered(measurement: bool) -> impl Iterator<Item = &'static SyscallSpec> {
    tako_abi::SYSCALLS
        .iter()
        .filter(move |s| measurement || s.class == Class::Tos)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A flat memory from address 0x1000 on, for testing the syscalls alone.
    struct Flat(Vec<u8>);

    impl Flat {
        fn range(
            &self,
            syscall: &'static str,
            addr: u64,
            len: u64,
        ) -> Result<std::ops::Range<usize>, SyscallFault> {
            let start = addr.checked_sub(0x1000).map(|s| s as usize);
            match start.and_then(|s| s.checked_add(len as usize).map(|e| s..e)) {
                Some(r) if r.end <= self.0.len() => Ok(r),
                _ => Err(SyscallFault::Memory {
                    syscall,
                    message: format!("{addr:#x}+{len} unmapped"),
                }),
            }
        }
    }

    impl Memory for Flat {
        fn read(&self, s: &'static str, addr: u64, len: u64) -> Result<Vec<u8>, SyscallFault> {
            Ok(self.0[self.range(s, addr, len)?].to_vec())
        }
        fn write(&mut self, s: &'static str, addr: u64, bytes: &[u8]) -> Result<(), SyscallFault> {
            let r = self.range(s, addr, bytes.len() as u64)?;
            self.0[r].copy_from_slice(bytes);
            Ok(())
        }
        fn copy(
            &mut self,
            s: &'static str,
            dst: u64,
            src: u64,
            n: u64,
        ) -> Result<(), SyscallFault> {
            let from = self.range(s, src, n)?;
            let to = self.range(s, dst, n)?;
            self.0.copy_within(from, to.start);
            Ok(())
        }
        fn fill(
            &mut self,
            s: &'static str,
            dst: u64,
            byte: u8,
            n: u64,
        ) -> Result<(), SyscallFault> {
            let r = self.range(s, dst, n)?;
            self.0[r].fill(byte);
            Ok(())
        }
    }

    fn host() -> Host {
        Host::new(
            1_000_000,
            SyscallPrices::default(),
            32 * 1024,
            b"input".to_vec(),
            CallEnv::default(),
            ChainState::default(),
        )
    }

    fn call(h: &mut Host, m: &mut Flat, name: &str, args: [u64; 5]) -> Result<u64, SyscallFault> {
        h.syscall(m, tako_abi::syscall(name).unwrap(), args)
    }

    #[test]
    fn every_syscall_of_the_abi_is_implemented() {
        for spec in tako_abi::SYSCALLS {
            let mut h = host();
            let mut m = Flat(vec![0; 4096]);
            // Arguments that make every syscall do its work without a fault.
            let args = [0x1000, 4, 0x1100, 4, 0x1200];
            let args = if spec.name == "tako_alloc" {
                [8, 8, 0, 0, 0]
            } else {
                args
            };
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                h.syscall(&mut m, spec, args)
            }));
            assert!(r.is_ok(), "{} is not implemented", spec.name);
        }
    }

    #[test]
    fn storage_round_trip_and_limits() {
        let mut h = host();
        let mut m = Flat(vec![0; 0x20000]);
        m.write("t", 0x1000, b"key").unwrap();
        m.write("t", 0x1100, b"value").unwrap();
        assert_eq!(
            call(&mut h, &mut m, "storage_write", [0x1000, 3, 0x1100, 5, 0]),
            Ok(0)
        );
        let before = h.remaining;
        assert_eq!(
            call(&mut h, &mut m, "storage_read", [0x1000, 3, 0x1200, 2, 0]),
            Ok(5)
        );
        assert_eq!(before - h.remaining, 202, "200 + 1 per byte copied");
        assert_eq!(m.read("t", 0x1200, 3).unwrap(), b"va\0");
        assert_eq!(
            call(&mut h, &mut m, "storage_write", [0x1000, 257, 0x1100, 5, 0]),
            Ok(status::KEY_TOO_LARGE)
        );
        assert_eq!(
            call(
                &mut h,
                &mut m,
                "storage_write",
                [0x1000, 3, 0x1100, MAX_VALUE_SIZE + 1, 0]
            ),
            Ok(status::VALUE_TOO_LARGE)
        );
        assert_eq!(
            call(&mut h, &mut m, "storage_delete", [0x1000, 3, 0, 0, 0]),
            Ok(1)
        );
        assert_eq!(
            call(&mut h, &mut m, "storage_delete", [0x1000, 3, 0, 0, 0]),
            Ok(0)
        );
        assert!(matches!(
            call(&mut h, &mut m, "storage_read", [0x9_0000, 3, 0x1200, 2, 0]),
            Err(SyscallFault::Memory { .. })
        ));
    }

    #[test]
    fn transfer_moves_only_what_the_contract_holds() {
        let mut h = host();
        h.state.set_balance(h.env.contract, 10);
        let mut m = Flat(vec![7; 64]);
        assert_eq!(
            call(&mut h, &mut m, "transfer", [0x1000, 11, 0, 0, 0]),
            Ok(status::INSUFFICIENT_BALANCE)
        );
        assert_eq!(
            call(&mut h, &mut m, "transfer", [0x1000, 4, 0, 0, 0]),
            Ok(status::OK)
        );
        assert_eq!(h.state.balance(&[0; 32]), 6);
        assert_eq!(h.state.balance(&[7; 32]), 4);
        assert_eq!(
            call(&mut h, &mut m, "get_balance", [0x1000, 0, 0, 0, 0]),
            Ok(4)
        );
    }

    #[test]
    fn events_count_topics_not_bytes() {
        let mut h = host();
        let mut m = Flat(vec![1; 256]);
        assert_eq!(
            call(&mut h, &mut m, "emit_event", [0x1000, 2, 0x1040, 3, 0]),
            Ok(0)
        );
        assert_eq!(h.events[0].topics, vec![[1; 32], [1; 32]]);
        assert_eq!(h.events[0].data, vec![1; 3]);
        assert_eq!(
            call(&mut h, &mut m, "emit_event", [0x1000, 5, 0x1040, 3, 0]),
            Ok(status::TOO_MANY_TOPICS)
        );
    }

    #[test]
    fn input_is_copied_up_to_the_buffer_and_its_length_returned() {
        let mut h = host();
        let mut m = Flat(vec![0; 16]);
        assert_eq!(
            call(&mut h, &mut m, "get_input_data", [0x1000, 3, 0, 0, 0]),
            Ok(5)
        );
        assert_eq!(&m.0[..4], b"inp\0");
    }

    #[test]
    fn log_u64_formats_like_solana() {
        assert_eq!(
            format_log_u64([1, 2, 0, 255, u64::MAX]),
            "0x1, 0x2, 0x0, 0xff, 0xffffffffffffffff"
        );
    }
}
