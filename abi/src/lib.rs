#![doc = include_str!("../README.md")]
#![no_std]
#![deny(missing_docs)]

/// Start of the program region (`.text`, `.rodata`) in the VM address space.
pub const MM_PROGRAM_START: u64 = 0x1_0000_0000;
/// Where SBPF V3 (as tos-tbpf 0.14.1 defines it) maps the bytecode: address 0; its
/// read-only data moves to [`MM_PROGRAM_START`].
pub const MM_BYTECODE_START_V3: u64 = 0;
/// Start of the stack region.
pub const MM_STACK_START: u64 = 0x2_0000_0000;
/// Start of the heap region.
pub const MM_HEAP_START: u64 = 0x3_0000_0000;
/// Bytes of stack TOS's executor maps at [`MM_STACK_START`]: 256 KiB, writable, without
/// gaps between frames.
pub const STACK_SIZE: u64 = 256 * 1024;
/// Bytes of one stack frame of an SBPF V0 program (LLVM's `-bpf-stack-size`).
pub const STACK_FRAME_SIZE: u64 = 4096;
/// The largest stack frame of one function in SBPF V3, whose frames are sized per
/// function: the most a frame marker can allocate while every frame offset still fits an
/// instruction's signed 16-bit offset (a multiple of 64, the marker's granule).
pub const MAX_V3_FRAME: u64 = 32 * 1024 - 64;
/// Nested calls the VM allows (`max_call_depth` of TOS's executor).
pub const MAX_CALL_DEPTH: u64 = 64;

/// The address range of the contract traps: a contract that must end its run with an
/// error (a panic, an allocation failure, an abort) stores a word at
/// `MM_TRAP_START + 8 × kind` ([`Trap`]). Nothing is mapped there on TOS or in the local
/// VM, so the store is an access violation on every engine; the local VM names the trap.
/// A trap is preceded by a `log` saying what happened (`panicked at src/lib.rs:10:5`).
pub const MM_TRAP_START: u64 = 0xdead_0000;

/// Why a contract trapped: the word offset into [`MM_TRAP_START`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u64)]
pub enum Trap {
    /// `tako_sdk::abort()`, and LLVM's trap (`core::intrinsics::abort`).
    Abort = 0,
    /// A Rust panic (the SDK's panic handler).
    Panic = 1,
    /// An infallible allocation failed (the SDK's alloc-error handler).
    AllocError = 2,
}

impl Trap {
    /// Every trap kind.
    pub const ALL: [Trap; 3] = [Trap::Abort, Trap::Panic, Trap::AllocError];

    /// The address a contract stores to for this trap.
    pub const fn address(self) -> u64 {
        MM_TRAP_START + 8 * self as u64
    }

    /// The trap whose address is `addr`, if any.
    pub fn at(addr: u64) -> Option<Trap> {
        Self::ALL.into_iter().find(|t| t.address() == addr)
    }
}

/// Heap size TOS's executor maps (32 KiB), the VM's default, and the size every heap
/// allocator may assume without asking.
pub const DEFAULT_HEAP_SIZE: u64 = 32 * 1024;
/// Smallest heap size the local VM maps (TOS's 32 KiB; Solana's minimum heap frame too).
pub const MIN_HEAP_SIZE: u64 = DEFAULT_HEAP_SIZE;
/// Largest heap size the local VM maps (256 KiB).
pub const MAX_HEAP_SIZE: u64 = 256 * 1024;
/// The largest call input the local VM accepts, in bytes. `get_input_data` copies the input
/// into one buffer of the contract's, and no region a contract can write is larger than
/// this (the stack and the largest heap are 256 KiB each), so no contract can read more.
pub const MAX_INPUT_SIZE: u64 = 256 * 1024;
/// Writable statics (`.data`, `.bss`, atomics and cells in `static`s) live at the start of
/// the heap region, as TOS's own toolchain places them, right after the heap allocator's
/// header ([`HEAP_HEADER_SIZE`] bytes at `MM_HEAP_START`): `.data` first, copied from
/// read-only data when the contract starts, then `.bss`, left to the VM's zero-fill. Fresh
/// on every run. Header and statics together may take at most this much of the 32 KiB heap
/// every VM maps, so that a strategy's state ([`STATICS_RESERVE`] bytes) still fits after
/// them.
pub const MAX_STATICS_SIZE: u64 = DEFAULT_HEAP_SIZE - STATICS_RESERVE;
/// Bytes of the 32 KiB heap that statics may not take (room for an allocator's state).
pub const STATICS_RESERVE: u64 = 256;
/// Bytes at `MM_HEAP_START` that the heap allocator's header takes (tos-alloc's bump
/// header, at a constant address so that its fast path needs no extra instruction); the
/// statics start after them.
pub const HEAP_HEADER_SIZE: u64 = 40;
/// Alignment of the heap's first free byte after the statics.
pub const HEAP_START_ALIGN: u64 = 8;

/// The heap's first free byte, as an offset from `MM_HEAP_START`, for statics that end
/// `statics_end` bytes past `MM_HEAP_START` (0: none): after the header and the statics.
pub const fn heap_start_offset(statics_end: u64) -> u64 {
    let end = if statics_end > HEAP_HEADER_SIZE {
        statics_end
    } else {
        HEAP_HEADER_SIZE
    };
    end.next_multiple_of(HEAP_START_ALIGN)
}

/// The symbols the linker defines for the statics layout. Each one's *address* is the
/// value: a program takes `&raw const SYMBOL` and never reads through it.
pub mod linker_symbols {
    /// First byte of the heap after the allocator's header and the statics
    /// (`MM_HEAP_START + heap_start_offset(..)`): where blocks start.
    pub const HEAP_START: &str = "__tako_heap_start";
    /// Where `.data` lives: after the allocator's header.
    pub const DATA_START: &str = "__tako_data_start";
    /// Where `.data`'s initial bytes lie in read-only data.
    pub const DATA_LOAD: &str = "__tako_data_load";
    /// The size of `.data` in bytes (an absolute symbol).
    pub const DATA_SIZE: &str = "__tako_data_size";
    /// The entry the linker adds when `.data` is not empty: it copies `.data` into place,
    /// then calls the contract's `entrypoint`.
    pub const START: &str = "__tako_start";
}

#[cfg(target_arch = "bpf")]
extern "C" {
    // The name is `linker_symbols::HEAP_START` (an attribute takes no constant).
    #[link_name = "__tako_heap_start"]
    static TAKO_HEAP_START: u8;
}

/// The heap's first free byte after the allocator's header and the writable statics (see
/// [`MAX_STATICS_SIZE`]): where blocks may start. The linker resolves it when the contract
/// is linked; on the host (no statics in the heap) it is `MM_HEAP_START + HEAP_HEADER_SIZE`.
#[inline(always)]
pub fn heap_start() -> u64 {
    #[cfg(target_arch = "bpf")]
    {
        // Only the symbol's address is taken; nothing reads through it.
        (&raw const TAKO_HEAP_START).addr() as u64
    }
    #[cfg(not(target_arch = "bpf"))]
    {
        MM_HEAP_START + heap_start_offset(0)
    }
}
/// Heap sizes must be a multiple of this step (1 KiB).
pub const HEAP_SIZE_STEP: u64 = 1024;
/// Largest return data `set_return_data` accepts, in bytes.
pub const MAX_RETURN_DATA: u64 = 1024;
/// Longest storage key, in bytes.
pub const MAX_KEY_SIZE: u64 = 256;
/// Largest storage value (and event data), in bytes.
pub const MAX_VALUE_SIZE: u64 = 64 * 1024;
/// Longest message `log` accepts, in bytes.
pub const MAX_LOG_SIZE: u64 = 10_000;
/// Most topics one event carries (as EVM's `LOG0`..`LOG4`).
pub const MAX_TOPICS: u64 = 4;
/// Bytes of an address, a hash and an event topic.
pub const HASH_SIZE: usize = 32;

/// Return codes of a contract's entrypoint. Any other value is a contract-defined error.
pub mod code {
    /// The contract ran to completion and succeeded.
    pub const SUCCESS: u64 = 0;
    /// TOS's generic failure code (the same value as [`INVALID_INPUT`]).
    pub const ERROR: u64 = 1;
    /// The input was malformed.
    pub const INVALID_INPUT: u64 = 1;
    /// A fallible allocation failed (the heap is exhausted).
    pub const OUT_OF_MEMORY: u64 = 2;
    /// A self-check of the contract failed.
    pub const CHECK_FAILED: u64 = 3;
    /// First value of the range contracts may use for their own errors.
    pub const CUSTOM_BASE: u64 = 0x100;
}

/// Status codes the state syscalls (`storage_write`, `tstore`, `tload`, `transfer`,
/// `emit_event`) return in `r0`; the SDK hands them back as `Err(code)`.
pub mod status {
    /// Done.
    pub const OK: u64 = 0;
    /// The key is longer than [`crate::MAX_KEY_SIZE`].
    pub const KEY_TOO_LARGE: u64 = 1;
    /// The value or event data is longer than [`crate::MAX_VALUE_SIZE`].
    pub const VALUE_TOO_LARGE: u64 = 2;
    /// `transfer` of more than the contract's balance.
    pub const INSUFFICIENT_BALANCE: u64 = 3;
    /// `emit_event` with more than [`crate::MAX_TOPICS`] topics.
    pub const TOO_MANY_TOPICS: u64 = 4;
    /// `transfer` that would take the recipient's balance past `u64::MAX`.
    pub const BALANCE_OVERFLOW: u64 = 5;
}

/// Who may call a syscall.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Part of TOS's contract ABI: registered by TOS's executor and by the local VM.
    Tos,
    /// Exists only in the local VM, for measurements (the syscall-allocator baseline). A
    /// contract that calls one does not load on TOS; the linker says so when it builds one.
    Measurement,
}

/// Where a price comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The figure appears in TOS's sources (the node's own table is not public).
    Seen,
    /// Not in TOS's sources: this project's choice (Solana's where one exists).
    Assumed,
}

/// Which byte count a size-dependent price is computed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bytes {
    /// The value of argument register `r{n + 1}` (0-based index into the arguments).
    Arg(usize),
    /// The bytes the syscall copied into the contract's buffer (known once it ran).
    Copied,
}

/// The compute-unit price of one syscall, on top of the 1 CU every instruction costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Price {
    /// A fixed price.
    Flat(u64),
    /// `base + cu × n / per`, `n` the byte count named by `bytes`.
    Linear {
        /// Price at zero bytes.
        base: u64,
        /// The byte count.
        bytes: Bytes,
        /// CU per `per` bytes.
        cu: u64,
        /// Bytes per `cu` CU.
        per: u64,
    },
    /// `max(min, n / per)`: Solana's memory-syscall price.
    MemOp {
        /// The byte count.
        bytes: Bytes,
        /// The smallest price.
        min: u64,
        /// Bytes per CU.
        per: u64,
    },
}

impl Price {
    /// The price of a call with argument registers `args` that copied `copied` bytes.
    /// Saturates instead of overflowing.
    pub const fn charge(&self, args: [u64; 5], copied: u64) -> u64 {
        const fn count(bytes: Bytes, args: [u64; 5], copied: u64) -> u64 {
            match bytes {
                Bytes::Arg(i) => args[i],
                Bytes::Copied => copied,
            }
        }
        match *self {
            Price::Flat(p) => p,
            Price::Linear {
                base,
                bytes,
                cu,
                per,
            } => {
                let n = count(bytes, args, copied);
                base.saturating_add(cu.saturating_mul(n) / if per == 0 { 1 } else { per })
            }
            Price::MemOp { bytes, min, per } => {
                let n = count(bytes, args, copied) / if per == 0 { 1 } else { per };
                if n > min {
                    n
                } else {
                    min
                }
            }
        }
    }

    /// Whether the price depends on the bytes copied (so the VM charges it after the work).
    pub const fn after_copy(&self) -> bool {
        matches!(
            self,
            Price::Linear {
                bytes: Bytes::Copied,
                ..
            } | Price::MemOp {
                bytes: Bytes::Copied,
                ..
            }
        )
    }
}

/// Expands `$callback! { ... }` with the list of syscalls, one item per syscall:
/// `/// docs` then `fn name(arg: u64, ...) -> u64 [Class, Origin, price];`.
///
/// This list is the ABI. `sys` turns it into `extern "C"` declarations; [`SYSCALLS`]
/// is built from it for the VM, the linker and the docs.
#[macro_export]
macro_rules! with_syscalls {
    ($callback:ident) => {
        $callback! {
            /// Logs the UTF-8 string `(ptr, len)`, at most `MAX_LOG_SIZE` bytes.
            fn log(ptr: u64, len: u64) -> u64
                [Tos, Seen, Price::Linear { base: 100, bytes: Bytes::Arg(1), cu: 1, per: 1 }];
            /// Logs five `u64` values (as hexadecimal).
            fn log_u64(a: u64, b: u64, c: u64, d: u64, e: u64) -> u64 [Tos, Seen, Price::Flat(100)];
            /// Logs the 32 bytes at `ptr` (as hexadecimal).
            fn log_pubkey(ptr: u64) -> u64 [Tos, Assumed, Price::Flat(100)];
            /// Copies up to `cap` bytes of the call's input to `buf`; returns the input's
            /// whole length (a caller whose buffer was too small sees a larger number).
            fn get_input_data(buf: u64, cap: u64) -> u64
                [Tos, Assumed, Price::Linear { base: 50, bytes: Bytes::Copied, cu: 1, per: 32 }];
            /// Sets the call's return data to `(ptr, len)`, at most `MAX_RETURN_DATA` bytes.
            /// Returns 0.
            fn set_return_data(ptr: u64, len: u64) -> u64
                [Tos, Seen, Price::Linear { base: 100, bytes: Bytes::Arg(1), cu: 1, per: 1 }];
            /// Copies up to `cap` bytes of the last return data to `buf` and the address of
            /// the contract that set it to `program_id` (32 bytes, unless 0); returns its
            /// length (0 when there is none). Without cross-contract calls that is this call's
            /// own return data.
            fn get_return_data(buf: u64, cap: u64, program_id: u64) -> u64 [Tos, Seen, Price::Flat(50)];
            /// Copies up to `buf_len` bytes of the value stored under the key
            /// `(key, key_len)` to `buf`; returns the value's whole length, 0 when absent.
            fn storage_read(key: u64, key_len: u64, buf: u64, buf_len: u64) -> u64
                [Tos, Seen, Price::Linear { base: 200, bytes: Bytes::Copied, cu: 1, per: 1 }];
            /// Stores `(value, value_len)` under `(key, key_len)`; returns a `status` code.
            fn storage_write(key: u64, key_len: u64, value: u64, value_len: u64) -> u64
                [Tos, Seen, Price::Linear { base: 500, bytes: Bytes::Arg(3), cu: 2, per: 1 }];
            /// Deletes the key `(key, key_len)`; returns 1 when it existed, else 0.
            fn storage_delete(key: u64, key_len: u64) -> u64 [Tos, Seen, Price::Flat(300)];
            /// Transient storage (cleared after each transaction): copies up to `cap` bytes
            /// of the value under `(key, key_len)` to `out` and writes its whole length (0
            /// when absent) as a `u64` to `len_out`; returns a `status` code.
            fn tload(key: u64, key_len: u64, out: u64, cap: u64, len_out: u64) -> u64
                [Tos, Seen, Price::Flat(100)];
            /// Transient storage: stores `(value, value_len)` under `(key, key_len)` for the
            /// rest of the transaction; returns a `status` code.
            fn tstore(key: u64, key_len: u64, value: u64, value_len: u64) -> u64
                [Tos, Seen, Price::Flat(100)];
            /// Writes the transaction's sender (32 bytes) to `out`.
            fn get_tx_sender(out: u64) -> u64 [Tos, Seen, Price::Flat(50)];
            /// Writes the immediate caller (32 bytes) to `out`.
            fn get_caller(out: u64) -> u64 [Tos, Seen, Price::Flat(50)];
            /// Writes this contract's address (32 bytes) to `out`.
            fn get_contract_hash(out: u64) -> u64 [Tos, Seen, Price::Flat(50)];
            /// Writes the current block's hash (32 bytes) to `out`.
            fn get_block_hash(out: u64) -> u64 [Tos, Seen, Price::Flat(50)];
            /// Writes the current block's miner (32 bytes) to `out`.
            fn get_coinbase(out: u64) -> u64 [Tos, Seen, Price::Flat(50)];
            /// The current block's height.
            fn get_block_height() -> u64 [Tos, Seen, Price::Flat(50)];
            /// The current block's timestamp.
            fn get_timestamp() -> u64 [Tos, Seen, Price::Flat(50)];
            /// The chain's id.
            fn get_chain_id() -> u64 [Tos, Seen, Price::Flat(50)];
            /// The value sent with the call (already credited to this contract).
            fn get_call_value() -> u64 [Tos, Seen, Price::Flat(50)];
            /// The compute units left after this call's own price.
            fn remaining_compute_units() -> u64 [Tos, Seen, Price::Flat(50)];
            /// The balance of the 32-byte address at `address`.
            fn get_balance(address: u64) -> u64 [Tos, Seen, Price::Flat(100)];
            /// Moves `amount` from this contract's balance to the 32-byte address at
            /// `recipient`; returns a `status` code.
            fn transfer(recipient: u64, amount: u64) -> u64 [Tos, Seen, Price::Flat(500)];
            /// Emits an event: `topics` points at `topic_count` 32-byte topics (at most
            /// `MAX_TOPICS`), `(data, data_len)` is its data; returns a `status` code. The
            /// second register counts topics, not bytes.
            fn emit_event(topics: u64, topic_count: u64, data: u64, data_len: u64) -> u64
                [Tos, Assumed, Price::Linear { base: 100, bytes: Bytes::Arg(3), cu: 1, per: 1 }];
            /// Writes the BLAKE3 hash (32 bytes) of `(data, len)` to `out`.
            fn blake3(data: u64, len: u64, out: u64) -> u64 [Tos, Seen, Price::Flat(200)];
            /// Writes the heap's start and size as two `u64`s to `start_out` and `size_out`.
            fn get_heap_region(start_out: u64, size_out: u64) -> u64 [Tos, Assumed, Price::Flat(50)];
            /// `memcpy(dst, src, n)`; partially overlapping ranges are an error. The linker
            /// resolves `memcpy` to it.
            fn tos_memcpy(dst: u64, src: u64, n: u64) -> u64
                [Tos, Assumed, Price::MemOp { bytes: Bytes::Arg(2), min: 10, per: 250 }];
            /// `memmove(dst, src, n)`.
            fn tos_memmove(dst: u64, src: u64, n: u64) -> u64
                [Tos, Assumed, Price::MemOp { bytes: Bytes::Arg(2), min: 10, per: 250 }];
            /// `memset(dst, c, n)`.
            fn tos_memset(dst: u64, c: u64, n: u64) -> u64
                [Tos, Assumed, Price::MemOp { bytes: Bytes::Arg(2), min: 10, per: 250 }];
            /// Allocates `size` bytes aligned to `align` from a VM-managed bump heap over the
            /// heap region and returns their address, or 0 when it is exhausted: the
            /// syscall allocator baseline (`tako_sdk::SyscallAllocator`).
            fn tako_alloc(size: u64, align: u64) -> u64 [Measurement, Assumed, Price::Flat(100)];
            /// Frees memory returned by `tako_alloc` (it only counts).
            fn tako_free(ptr: u64, size: u64, align: u64) -> u64 [Measurement, Assumed, Price::Flat(100)];
        }
    };
}

/// One syscall of the ABI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyscallSpec {
    /// Name the loader looks the syscall up by (the murmur3 hash of it).
    pub name: &'static str,
    /// The symbol the declarations in `sys` link against ([`SYMBOL_PREFIX`] + name).
    pub symbol: &'static str,
    /// Names of the arguments, in register order `r1`..`r5`.
    pub args: &'static [&'static str],
    /// Who may call it.
    pub class: Class,
    /// Its price.
    pub price: Price,
    /// Where the price comes from.
    pub origin: Origin,
    /// Its documentation (first line).
    pub doc: &'static str,
}

impl SyscallSpec {
    /// The price as the docs write it: `100 + 1 per byte of len`, `max(10, n / 250)`,
    /// `200 + 1 per byte copied`.
    pub fn price_text(&self) -> PriceText<'_> {
        PriceText(self)
    }
}

/// [`SyscallSpec::price_text`].
pub struct PriceText<'a>(&'a SyscallSpec);

impl core::fmt::Display for PriceText<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let spec = self.0;
        let what = |bytes: Bytes| match bytes {
            Bytes::Arg(i) => spec.args.get(i).copied().unwrap_or("?"),
            Bytes::Copied => "copied",
        };
        match spec.price {
            Price::Flat(p) => write!(f, "{p}"),
            Price::Linear {
                base,
                bytes,
                cu,
                per,
            } => {
                let unit = Unit(per);
                match bytes {
                    Bytes::Arg(_) => write!(f, "{base} + {cu} per {unit} of `{}`", what(bytes)),
                    Bytes::Copied => write!(f, "{base} + {cu} per {unit} copied"),
                }
            }
            Price::MemOp { bytes, min, per } => write!(f, "max({min}, `{}` / {per})", what(bytes)),
        }
    }
}

/// "N bytes" or "byte" in a price text.
struct Unit(u64);

impl core::fmt::Display for Unit {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        if self.0 == 1 {
            f.write_str("byte")
        } else {
            write!(f, "{} bytes", self.0)
        }
    }
}

/// What the declarations in `sys` link against: this prefix, then the syscall's name.
pub const SYMBOL_PREFIX: &str = "__tako_sys_";

macro_rules! syscall_specs {
    ($( #[doc = $doc:literal] $(#[doc = $more:literal])*
        fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty [$class:ident, $origin:ident, $price:expr]; )*) => {
        /// Every syscall of the ABI, in declaration order.
        pub const SYSCALLS: &[SyscallSpec] = &[
            $( SyscallSpec {
                name: stringify!($name),
                symbol: concat!("__tako_sys_", stringify!($name)),
                args: &[$(stringify!($arg)),*],
                class: Class::$class,
                price: $price,
                origin: Origin::$origin,
                doc: $doc,
            }, )*
        ];
    };
}
with_syscalls!(syscall_specs);

#[cfg(target_arch = "bpf")]
macro_rules! syscall_externs {
    ($( $(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty [$class:ident, $origin:ident, $price:expr]; )*) => {
        extern "C" {
            $(
                $(#[$doc])*
                #[link_name = concat!("__tako_sys_", stringify!($name))]
                pub fn $name($($arg: $ty),*) -> $ret;
            )*
        }
    };
}

/// Raw syscall declarations, generated from [`with_syscalls!`]. Only on the BPF target,
/// where the linker turns each call into a call of the syscall by its bare name. Arguments
/// that are pointers are passed as `u64` VM addresses.
#[cfg(target_arch = "bpf")]
pub mod sys {
    with_syscalls!(syscall_externs);
}

/// The functions LLVM calls on its own (libcalls) that the linker resolves to syscalls, as
/// `(symbol, syscall name)`. `memcmp`/`bcmp` and `__bpf_trap` are not syscalls on TOS:
/// `tako-sdk` defines them.
pub const LIBCALLS: &[(&str, &str)] = &[
    ("memcpy", "tos_memcpy"),
    ("memmove", "tos_memmove"),
    ("memset", "tos_memset"),
];

/// The key a loader finds syscall `name` by: murmur3 (32 bits, seed 0) of its bytes, what
/// a V3 `call imm` holds (`hash_symbol_name` in solana-sbpf and tos-tbpf).
pub fn syscall_hash(name: &str) -> u32 {
    use core::hash::Hasher as _;
    use hash32::Hasher as _;
    let mut hasher = hash32::Murmur3Hasher::default();
    hasher.write(name.as_bytes());
    hasher.finish32()
}

/// Looks a syscall up by name.
pub fn syscall(name: &str) -> Option<&'static SyscallSpec> {
    SYSCALLS.iter().find(|s| s.name == name)
}

/// The syscall an undefined symbol of a contract stands for: a declaration of `sys`
/// (`__tako_sys_log`) or a libcall (`memcpy`). A bare name such as `log` is not one: it
/// is some other function (libm's), which must be defined in the program.
pub fn syscall_for_symbol(symbol: &str) -> Option<&'static SyscallSpec> {
    if let Some(name) = symbol.strip_prefix(SYMBOL_PREFIX) {
        return syscall(name);
    }
    LIBCALLS
        .iter()
        .find(|(libc, _)| *libc == symbol)
        .and_then(|(_, sys)| syscall(sys))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_fit_the_registers() {
        for (i, a) in SYSCALLS.iter().enumerate() {
            assert!(
                a.args.len() <= 5,
                "{} takes more than five registers",
                a.name
            );
            assert_eq!(a.symbol, [SYMBOL_PREFIX, a.name].concat());
            for b in &SYSCALLS[i + 1..] {
                assert_ne!(a.name, b.name);
            }
            if let Price::Linear {
                bytes: Bytes::Arg(n),
                ..
            }
            | Price::MemOp {
                bytes: Bytes::Arg(n),
                ..
            } = a.price
            {
                assert!(
                    n < a.args.len(),
                    "{}'s price reads a missing register",
                    a.name
                );
            }
        }
    }

    #[test]
    fn libcalls_target_tos_syscalls() {
        for (libc, sys) in LIBCALLS {
            let spec = syscall(sys).unwrap_or_else(|| panic!("{libc} maps to unknown {sys}"));
            assert_eq!(spec.class, Class::Tos);
            assert_eq!(syscall_for_symbol(libc), Some(spec));
        }
    }

    #[test]
    fn bare_names_are_not_syscall_symbols() {
        assert_eq!(
            syscall_for_symbol("log"),
            None,
            "libm's log must stay a function"
        );
        assert_eq!(syscall_for_symbol("__tako_sys_log").unwrap().name, "log");
        assert_eq!(syscall_for_symbol("__tako_sys_nope"), None);
    }

    #[test]
    fn only_the_allocator_baseline_is_measurement_only() {
        let measurement: [&str; 2] = ["tako_alloc", "tako_free"];
        for s in SYSCALLS {
            assert_eq!(
                s.class == Class::Measurement,
                measurement.contains(&s.name),
                "{}",
                s.name
            );
        }
    }

    #[test]
    fn prices_follow_their_formulas() {
        let log = syscall("log").unwrap().price;
        assert_eq!(log.charge([0, 13, 0, 0, 0], 0), 113);
        let write = syscall("storage_write").unwrap().price;
        assert_eq!(write.charge([0, 5, 0, 8, 0], 0), 516);
        let read = syscall("storage_read").unwrap().price;
        assert!(read.after_copy());
        assert_eq!(read.charge([0; 5], 0), 200);
        assert_eq!(read.charge([0; 5], 8), 208);
        let memcpy = syscall("tos_memcpy").unwrap().price;
        assert_eq!(memcpy.charge([0, 0, 4096, 0, 0], 0), 16);
        assert_eq!(memcpy.charge([0, 0, 10, 0, 0], 0), 10);
        assert_eq!(
            Price::Linear {
                base: u64::MAX,
                bytes: Bytes::Arg(0),
                cu: 2,
                per: 1
            }
            .charge([u64::MAX, 0, 0, 0, 0], 0),
            u64::MAX
        );
    }

    #[test]
    fn price_texts_read_as_the_docs_write_them() {
        extern crate std;
        use std::string::ToString;
        let text = |n| syscall(n).unwrap().price_text().to_string();
        assert_eq!(text("log"), "100 + 1 per byte of `len`");
        assert_eq!(text("get_input_data"), "50 + 1 per 32 bytes copied");
        assert_eq!(text("tos_memcpy"), "max(10, `n` / 250)");
        assert_eq!(text("transfer"), "500");
    }

    #[test]
    fn traps_have_distinct_unmapped_addresses() {
        for t in Trap::ALL {
            assert_eq!(Trap::at(t.address()), Some(t));
            assert!(t.address() < MM_PROGRAM_START);
        }
        assert_eq!(Trap::at(MM_TRAP_START + 4), None);
    }
}
