//! The solana-sbpf glue: [`TakoContext`] (the engine's `ContextObject`: the call's
//! [`Host`] and the memory mapping), the [`Memory`] view syscalls use, and the registration
//! of every syscall of the ABI as a builtin that forwards to [`Host::syscall`].

use std::ptr::NonNull;

use solana_sbpf::declare_builtin_function;
use solana_sbpf::elf::ElfError;
use solana_sbpf::memory_region::{AccessType, MemoryMapping};
use solana_sbpf::program::BuiltinProgram;
use solana_sbpf::vm::ContextObject;

use crate::syscalls::{Access, Host, SyscallFault, Translate};

/// The context object of a run on solana-sbpf.
pub struct TakoContext {
    /// The call's state.
    pub(crate) host: Host,
    /// The run's memory map; syscalls translate their pointer arguments through it.
    mapping: MemoryMapping,
}

impl TakoContext {
    pub(crate) fn new(mapping: MemoryMapping, host: Host) -> Self {
        Self { host, mapping }
    }

    /// Runs syscall `index` of `tako_abi::SYSCALLS` (what every registered builtin does).
    fn syscall(&mut self, index: usize, args: [u64; 5]) -> Result<u64, SyscallFault> {
        let Self { host, mapping } = self;
        host.syscall(&mut Mapped(mapping), &tako_abi::SYSCALLS[index], args)
    }
}

impl ContextObject for TakoContext {
    fn consume(&mut self, amount: u64) {
        self.host.consume(amount);
    }

    fn get_remaining(&self) -> u64 {
        self.host.remaining()
    }

    fn active_mapping_ptr(&mut self) -> NonNull<MemoryMapping> {
        NonNull::from_mut(&mut self.mapping)
    }
}

/// solana-sbpf's memory mapping as the syscalls' [`Memory`].
struct Mapped<'a>(&'a mut MemoryMapping);

// SAFETY: `MemoryMapping::map` succeeds only for a range inside one region that allows the
// access, and returns its host address; the regions' buffers outlive the run and the host
// touches them only through syscalls, one at a time.
unsafe impl Translate for Mapped<'_> {
    fn host_addr(
        &self,
        syscall: &'static str,
        access: Access,
        addr: u64,
        len: u64,
    ) -> Result<*mut u8, SyscallFault> {
        let access = match access {
            Access::Load => AccessType::Load,
            Access::Store => AccessType::Store,
        };
        match self.0.map(access, addr, len) {
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

/// Registers every syscall of `tako_abi::SYSCALLS` in `loader` under its ABI name.
pub fn register_all(loader: &mut BuiltinProgram<TakoContext>) -> Result<(), ElfError> {
    macro_rules! register {
        ($( $(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty
            [$class:ident, $origin:ident, $price:expr]; )*) => {
            $( loader.register_definition::<imp::$name>(stringify!($name))?; )*
        };
    }
    tako_abi::with_syscalls!(register);
    Ok(())
}

/// The position of `name` in `tako_abi::SYSCALLS`.
const fn index_of(name: &str) -> usize {
    let mut i = 0;
    while i < tako_abi::SYSCALLS.len() {
        if const_eq(tako_abi::SYSCALLS[i].name.as_bytes(), name.as_bytes()) {
            return i;
        }
        i += 1;
    }
    panic!("not a syscall of the ABI")
}

const fn const_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// One builtin type per syscall, named as in the ABI, each forwarding to [`Host::syscall`].
#[allow(non_camel_case_types)]
pub mod imp {
    use super::*;

    macro_rules! builtins {
        ($( $(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty
            [$class:ident, $origin:ident, $price:expr]; )*) => {
            $(
                declare_builtin_function!(
                    $(#[$doc])*
                    $name,
                    fn rust(
                        ctx: &mut TakoContext,
                        a: u64,
                        b: u64,
                        c: u64,
                        d: u64,
                        e: u64,
                    ) -> Result<u64, SyscallFault> {
                        const INDEX: usize = index_of(stringify!($name));
                        ctx.syscall(INDEX, [a, b, c, d, e])
                    }
                );
            )*
        };
    }
    tako_abi::with_syscalls!(builtins);
}

#[cfg(test)]
mod tests {
    use super::*;
    use solana_sbpf::ebpf::hash_symbol_name;

    #[test]
    fn every_abi_syscall_is_registered_and_nothing_else() {
        let mut loader = BuiltinProgram::<TakoContext>::new_loader(Default::default());
        register_all(&mut loader).unwrap();
        let registry = loader.get_function_registry();
        for spec in tako_abi::SYSCALLS {
            let (name, _) = registry
                .lookup_by_key(hash_symbol_name(spec.name.as_bytes()))
                .unwrap_or_else(|| panic!("{} is not registered", spec.name));
            assert_eq!(name, spec.name.as_bytes());
        }
        assert_eq!(registry.keys().count(), tako_abi::SYSCALLS.len());
    }

    #[test]
    fn the_abi_hashes_syscall_names_as_both_loaders_do() {
        for spec in tako_abi::SYSCALLS {
            let name = spec.name.as_bytes();
            assert_eq!(tako_abi::syscall_hash(spec.name), hash_symbol_name(name));
            assert_eq!(
                tako_abi::syscall_hash(spec.name),
                tos_tbpf::ebpf::hash_symbol_name(name)
            );
        }
    }
}
