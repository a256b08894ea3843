//! The TAKO contract ABI: the single definition of every syscall's name and signature,
//! the memory map, and the return codes.
//!
//! Both sides read this crate: `tako-sdk` generates its `extern "C"` declarations from
//! [`with_syscalls!`], and `vm-harness` registers one implementation per entry of
//! [`SYSCALLS`] (and tests that it registered all of them). The two cannot drift.
//!
//! Syscalls follow the eBPF convention: up to five `u64` arguments in `r1`..`r5`, a `u64`
//! result in `r0`. Pointers are VM addresses.
#![no_std]
#![deny(missing_docs)]

/// Start of the program region (`.text`, `.rodata`) in the VM address space.
pub const MM_PROGRAM_START: u64 = 0x1_0000_0000;
/// Start of the stack region.
pub const MM_STACK_START: u64 = 0x2_0000_0000;
/// Start of the heap region.
pub const MM_HEAP_START: u64 = 0x3_0000_0000;
/// Start of the input region; `r1` points here at entry.
pub const MM_INPUT_START: u64 = 0x4_0000_0000;
/// Start of the environment region: read-only facts about the run, written by the VM before
/// entry (see [`Env`]). Reading one costs a load, where a syscall costs 100 CU.
pub const MM_ENV_START: u64 = 0x5_0000_0000;

/// The environment region's contents, at [`MM_ENV_START`]: little-endian `u64` words at fixed
/// offsets, read-only for the contract (a store there is an access violation). Words are only
/// ever appended, so an offset keeps its meaning.
///
/// | offset | word | meaning |
/// |-------:|------|---------|
/// | 0 | `heap_size` | bytes of heap mapped at [`MM_HEAP_START`] for this run (what `tako_heap_size` returns) |
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C)]
pub struct Env {
    /// Bytes of heap the VM mapped at [`MM_HEAP_START`] for this run.
    pub heap_size: u64,
}

impl Env {
    /// Offset of [`Env::heap_size`] in the region.
    pub const HEAP_SIZE_OFFSET: u64 = core::mem::offset_of!(Env, heap_size) as u64;
    /// Bytes the region holds.
    pub const SIZE: usize = core::mem::size_of::<Env>();

    /// The region's bytes, as the VM maps them.
    pub const fn to_bytes(&self) -> [u8; Self::SIZE] {
        self.heap_size.to_le_bytes()
    }
}

/// Default heap size mapped by the VM (32 KiB), as on Solana.
pub const DEFAULT_HEAP_SIZE: u64 = 32 * 1024;
/// Smallest heap size the VM accepts.
pub const MIN_HEAP_SIZE: u64 = 1024;
/// Largest heap size the VM accepts (256 KiB).
pub const MAX_HEAP_SIZE: u64 = 256 * 1024;
/// Heap sizes must be a multiple of this step (1 KiB).
pub const HEAP_SIZE_STEP: u64 = 1024;
/// Largest return data `tako_set_return_data` accepts, in bytes.
pub const MAX_RETURN_DATA: u64 = 1024;

/// Return codes of a contract's entrypoint. Any other value is a contract-defined error.
pub mod code {
    /// The contract ran to completion and succeeded.
    pub const SUCCESS: u64 = 0;
    /// The input was malformed.
    pub const INVALID_INPUT: u64 = 1;
    /// A fallible allocation failed (the heap is exhausted).
    pub const OUT_OF_MEMORY: u64 = 2;
    /// A self-check of the contract failed.
    pub const CHECK_FAILED: u64 = 3;
    /// First value of the range contracts may use for their own errors.
    pub const CUSTOM_BASE: u64 = 0x100;
}

/// Expands `$callback! { ... }` with the list of TAKO syscalls, one
/// `fn name(arg: u64, ...) -> u64;` item per syscall, each with its documentation.
///
/// This list is the ABI. `tako-sdk` turns it into `extern "C"` declarations; [`SYSCALLS`]
/// is built from it for the VM.
#[macro_export]
macro_rules! with_syscalls {
    ($callback:ident) => {
        $callback! {
            /// Logs the UTF-8 string `(ptr, len)`. Price: base + 1 CU per byte.
            fn tako_log(ptr: u64, len: u64) -> u64;
            /// Logs five `u64` values as hexadecimal. Price: base.
            fn tako_log_u64(a: u64, b: u64, c: u64, d: u64, e: u64) -> u64;
            /// Ends the run with a panic error naming `file` `(ptr, len)`, `line` and `column`.
            fn tako_panic(file_ptr: u64, file_len: u64, line: u64, column: u64) -> u64;
            /// Ends the run with an abort error. Does not return.
            fn tako_abort() -> u64;
            /// Ends the run with an allocation-failure error for a request of `size` bytes
            /// aligned to `align`. Used by the SDK's alloc-error handler. Does not return.
            fn tako_alloc_error(size: u64, align: u64) -> u64;
            /// Allocates `size` bytes aligned to `align` from the VM-managed heap and returns
            /// their address, or 0 when the heap is exhausted. The baseline allocator
            /// (`tako_sdk::SyscallAllocator`). Price: base.
            fn tako_alloc(size: u64, align: u64) -> u64;
            /// Frees memory returned by `tako_alloc` (a no-op bump heap: it only counts).
            /// Price: base.
            fn tako_free(ptr: u64, size: u64, align: u64) -> u64;
            /// Returns the size in bytes of the heap region the VM mapped. Price: base.
            /// The same number is in the environment region ([`Env::heap_size`]) for a load.
            fn tako_heap_size() -> u64;
            /// Sets the run's return data to `(ptr, len)` (at most 1024 bytes).
            /// Price: base + 1 CU per 32 bytes.
            fn tako_set_return_data(ptr: u64, len: u64) -> u64;
            /// `memcpy(dst, src, n)`; returns `dst`. The linker resolves `memcpy` to it.
            /// Price: max(10, n / 250). Overlapping ranges are an error.
            fn tako_memcpy(dst: u64, src: u64, n: u64) -> u64;
            /// `memmove(dst, src, n)`; returns `dst`. Price: max(10, n / 250).
            fn tako_memmove(dst: u64, src: u64, n: u64) -> u64;
            /// `memset(dst, c, n)`; returns `dst`. Price: max(10, n / 250).
            fn tako_memset(dst: u64, c: u64, n: u64) -> u64;
            /// `memcmp(a, b, n)`: negative, zero or positive as a sign-extended `i32`.
            /// Price: max(10, n / 250).
            fn tako_memcmp(a: u64, b: u64, n: u64) -> u64;
        }
    };
}

/// One syscall of the ABI, as the VM sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyscallSpec {
    /// Symbol name the contract calls.
    pub name: &'static str,
    /// Names of the arguments, in register order `r1`..`r5`.
    pub args: &'static [&'static str],
}

macro_rules! syscall_specs {
    ($( $(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty; )*) => {
        /// Every syscall of the ABI, in declaration order.
        pub const SYSCALLS: &[SyscallSpec] = &[
            $( SyscallSpec { name: stringify!($name), args: &[$(stringify!($arg)),*] }, )*
        ];
    };
}
with_syscalls!(syscall_specs);

#[cfg(target_arch = "bpf")]
macro_rules! syscall_externs {
    ($( $(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty; )*) => {
        extern "C" {
            $( $(#[$doc])* pub fn $name($($arg: $ty),*) -> $ret; )*
        }
    };
}

/// Raw syscall declarations, generated from [`with_syscalls!`]. Only on the BPF target,
/// where the linker turns each call into `call -1` plus a dynamic relocation the VM's
/// loader resolves. Arguments that are pointers are passed as `u64` VM addresses.
#[cfg(target_arch = "bpf")]
pub mod sys {
    with_syscalls!(syscall_externs);
}

/// The functions LLVM calls on its own (libcalls) that the linker resolves to syscalls, as
/// `(symbol, syscall name)`: the C memory functions (`bcmp` is `memcmp` with a weaker
/// contract, so it maps to the same syscall), and `__bpf_trap`, which LLVM 22 calls for
/// `llvm.trap` (`core::intrinsics::abort`, `unreachable_unchecked` in debug), as an abort.
pub const LIBCALLS: &[(&str, &str)] = &[
    ("__bpf_trap", "tako_abort"),
    ("memcpy", "tako_memcpy"),
    ("memmove", "tako_memmove"),
    ("memset", "tako_memset"),
    ("memcmp", "tako_memcmp"),
    ("bcmp", "tako_memcmp"),
];

/// Looks a syscall up by name.
pub fn syscall(name: &str) -> Option<&'static SyscallSpec> {
    SYSCALLS.iter().find(|s| s.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_prefixed() {
        for (i, a) in SYSCALLS.iter().enumerate() {
            assert!(a.name.starts_with("tako_"), "{}", a.name);
            assert!(
                a.args.len() <= 5,
                "{} takes more than five registers",
                a.name
            );
            for b in &SYSCALLS[i + 1..] {
                assert_ne!(a.name, b.name);
            }
        }
    }

    #[test]
    fn libcalls_target_real_syscalls() {
        for (libc, sys) in LIBCALLS {
            assert!(syscall(sys).is_some(), "{libc} maps to unknown {sys}");
        }
    }

    #[test]
    fn env_words_sit_at_their_documented_offsets() {
        assert_eq!(Env::HEAP_SIZE_OFFSET, 0);
        assert_eq!(Env::SIZE, 8);
        let env = Env {
            heap_size: 0x0102_0304_0506_0708,
        };
        assert_eq!(env.to_bytes(), [8, 7, 6, 5, 4, 3, 2, 1]);
    }

    #[test]
    fn log_u64_takes_five_registers() {
        assert_eq!(syscall("tako_log_u64").unwrap().args.len(), 5);
    }
}
