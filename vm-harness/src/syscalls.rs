//! One implementation per syscall of `tako_abi::SYSCALLS`, registered under the ABI's
//! names. The implementations are Rust types named exactly like the syscalls, and
//! [`register_all`] is generated from `tako_abi::with_syscalls!`: a syscall added to the
//! ABI without an implementation here does not compile.

use solana_sbpf::declare_builtin_function;
use solana_sbpf::elf::ElfError;
use solana_sbpf::memory_region::AccessType;
use solana_sbpf::program::BuiltinProgram;
use tako_abi::{MAX_RETURN_DATA, MM_HEAP_START};

use crate::context::TakoContext;
use crate::error::FaultKind;

/// Why a syscall ended the run. Returned as the syscall's error, then turned into a
/// [`crate::RuntimeError`] by the runner.
#[derive(Debug, thiserror::Error)]
pub enum SyscallFault {
    /// `tako_panic`.
    #[error("panicked at {file}:{line}:{column}")]
    Panic {
        /// Source file named by the contract.
        file: String,
        /// Line.
        line: u64,
        /// Column.
        column: u64,
    },
    /// `tako_abort`.
    #[error("the contract aborted (tako_abort)")]
    Abort,
    /// `tako_alloc_error`.
    #[error("memory allocation of {size} bytes (align {align}) failed")]
    AllocError {
        /// Requested size.
        size: u64,
        /// Requested alignment.
        align: u64,
    },
    /// The syscall's price exceeded the remaining budget.
    #[error("compute budget exceeded")]
    ComputeBudget,
    /// A pointer argument outside the regions (or a store into a read-only one).
    #[error("{syscall}: {message}")]
    Memory {
        /// The syscall.
        syscall: &'static str,
        /// The VM's access-violation message.
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
            SyscallFault::Panic { .. } => FaultKind::Panic,
            SyscallFault::Abort => FaultKind::Abort,
            SyscallFault::AllocError { .. } => FaultKind::AllocError,
            SyscallFault::ComputeBudget => FaultKind::ComputeBudgetExceeded,
            SyscallFault::Memory { .. } => FaultKind::AccessViolation,
            SyscallFault::Invalid { .. } => FaultKind::SyscallError,
        }
    }
}

/// Registers every syscall of `tako_abi::SYSCALLS` in `loader` under its ABI name.
pub fn register_all(loader: &mut BuiltinProgram<TakoContext>) -> Result<(), ElfError> {
    macro_rules! register {
        ($( $(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty; )*) => {
            $( loader.register_definition::<imp::$name>(stringify!($name))?; )*
        };
    }
    tako_abi::with_syscalls!(register);
    Ok(())
}

/// Formats `tako_log_u64`'s arguments like Solana's `sol_log_64_`.
pub fn format_log_u64(values: [u64; 5]) -> String {
    let [a, b, c, d, e] = values;
    format!("{a:#x}, {b:#x}, {c:#x}, {d:#x}, {e:#x}")
}

/// Result of `memcmp` over `a` and `b`: the difference of the first differing bytes.
fn compare(a: &[u8], b: &[u8]) -> i32 {
    a.iter()
        .zip(b)
        .find(|(x, y)| x != y)
        .map_or(0, |(x, y)| i32::from(*x) - i32::from(*y))
}

/// Copies `n` bytes from `src` to `dst` (VM addresses, `n > 0`), overlap allowed.
fn copy(
    ctx: &mut TakoContext,
    syscall: &'static str,
    dst: u64,
    src: u64,
    n: u64,
) -> Result<(), SyscallFault> {
    let from = ctx.host_ptr(syscall, AccessType::Load, src, n)?;
    let to = ctx.host_ptr(syscall, AccessType::Store, dst, n)?;
    // SAFETY: both pointers cover `n` bytes of live host buffers backing mapped regions
    // (the destination a writable one); `ptr::copy` allows the ranges to overlap.
    unsafe { std::ptr::copy(from, to, n as usize) };
    Ok(())
}

/// The implementations, one type per syscall, named as in the ABI.
#[allow(non_camel_case_types)]
pub mod imp {
    use super::*;

    declare_builtin_function!(
        /// `tako_log(ptr, len)`.
        tako_log,
        fn rust(
            ctx: &mut TakoContext,
            ptr: u64,
            len: u64,
            _c: u64,
            _d: u64,
            _e: u64,
        ) -> Result<u64, SyscallFault> {
            ctx.charge(ctx.prices.log(len))?;
            let bytes = ctx.read("tako_log", ptr, len)?;
            let message = String::from_utf8(bytes).map_err(|e| SyscallFault::Invalid {
                syscall: "tako_log",
                message: format!("the message is not UTF-8 ({e})"),
            })?;
            ctx.logs.push(message);
            Ok(0)
        }
    );

    declare_builtin_function!(
        /// `tako_log_u64(a, b, c, d, e)`.
        tako_log_u64,
        fn rust(
            ctx: &mut TakoContext,
            a: u64,
            b: u64,
            c: u64,
            d: u64,
            e: u64,
        ) -> Result<u64, SyscallFault> {
            ctx.charge(ctx.prices.base)?;
            ctx.logs.push(format_log_u64([a, b, c, d, e]));
            Ok(0)
        }
    );

    declare_builtin_function!(
        /// `tako_panic(file_ptr, file_len, line, column)`.
        tako_panic,
        fn rust(
            ctx: &mut TakoContext,
            file_ptr: u64,
            file_len: u64,
            line: u64,
            column: u64,
            _e: u64,
        ) -> Result<u64, SyscallFault> {
            ctx.charge(ctx.prices.base)?;
            let file = match ctx.read("tako_panic", file_ptr, file_len) {
                Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
                Err(_) => format!("<unreadable file name at {file_ptr:#x}>"),
            };
            Err(SyscallFault::Panic { file, line, column })
        }
    );

    declare_builtin_function!(
        /// `tako_abort()`.
        tako_abort,
        fn rust(
            ctx: &mut TakoContext,
            _a: u64,
            _b: u64,
            _c: u64,
            _d: u64,
            _e: u64,
        ) -> Result<u64, SyscallFault> {
            ctx.charge(ctx.prices.base)?;
            Err(SyscallFault::Abort)
        }
    );

    declare_builtin_function!(
        /// `tako_alloc_error(size, align)`.
        tako_alloc_error,
        fn rust(
            ctx: &mut TakoContext,
            size: u64,
            align: u64,
            _c: u64,
            _d: u64,
            _e: u64,
        ) -> Result<u64, SyscallFault> {
            ctx.charge(ctx.prices.base)?;
            Err(SyscallFault::AllocError { size, align })
        }
    );

    declare_builtin_function!(
        /// `tako_alloc(size, align)`: bump allocation over the whole heap region; 0 when
        /// it does not fit.
        tako_alloc,
        fn rust(
            ctx: &mut TakoContext,
            size: u64,
            align: u64,
            _c: u64,
            _d: u64,
            _e: u64,
        ) -> Result<u64, SyscallFault> {
            ctx.charge(ctx.prices.alloc())?;
            if !align.is_power_of_two() {
                return Err(SyscallFault::Invalid {
                    syscall: "tako_alloc",
                    message: format!("alignment {align} is not a power of two"),
                });
            }
            let start = (MM_HEAP_START + ctx.bump_next)
                .checked_next_multiple_of(align)
                .map(|addr| addr - MM_HEAP_START);
            let end = start.and_then(|s| s.checked_add(size));
            match (start, end) {
                (Some(start), Some(end)) if end <= ctx.heap_size => {
                    ctx.bump_next = end;
                    ctx.allocations += 1;
                    Ok(MM_HEAP_START + start)
                }
                _ => Ok(0),
            }
        }
    );

    declare_builtin_function!(
        /// `tako_free(ptr, size, align)`: only counted.
        tako_free,
        fn rust(
            ctx: &mut TakoContext,
            _ptr: u64,
            _size: u64,
            _align: u64,
            _d: u64,
            _e: u64,
        ) -> Result<u64, SyscallFault> {
            ctx.charge(ctx.prices.alloc())?;
            ctx.frees += 1;
            Ok(0)
        }
    );

    declare_builtin_function!(
        /// `tako_heap_size()`.
        tako_heap_size,
        fn rust(
            ctx: &mut TakoContext,
            _a: u64,
            _b: u64,
            _c: u64,
            _d: u64,
            _e: u64,
        ) -> Result<u64, SyscallFault> {
            ctx.charge(ctx.prices.base)?;
            Ok(ctx.heap_size)
        }
    );

    declare_builtin_function!(
        /// `tako_set_return_data(ptr, len)`.
        tako_set_return_data,
        fn rust(
            ctx: &mut TakoContext,
            ptr: u64,
            len: u64,
            _c: u64,
            _d: u64,
            _e: u64,
        ) -> Result<u64, SyscallFault> {
            ctx.charge(ctx.prices.set_return_data(len))?;
            if len > MAX_RETURN_DATA {
                return Err(SyscallFault::Invalid {
                    syscall: "tako_set_return_data",
                    message: format!("{len} bytes exceed the limit of {MAX_RETURN_DATA}"),
                });
            }
            ctx.return_data = ctx.read("tako_set_return_data", ptr, len)?;
            Ok(0)
        }
    );

    declare_builtin_function!(
        /// `tako_memcpy(dst, src, n)`: partially overlapping ranges are an error (as
        /// Solana's); identical ranges are allowed, as `llvm.memcpy` allows them.
        tako_memcpy,
        fn rust(
            ctx: &mut TakoContext,
            dst: u64,
            src: u64,
            n: u64,
            _d: u64,
            _e: u64,
        ) -> Result<u64, SyscallFault> {
            ctx.charge(ctx.prices.mem_op(n))?;
            if n == 0 {
                return Ok(dst);
            }
            // Equal ranges are allowed (LLVM's `llvm.memcpy` permits them); partial
            // overlap is an error, as with Solana's `sol_memcpy`.
            if dst != src && dst.abs_diff(src) < n {
                return Err(SyscallFault::Invalid {
                    syscall: "tako_memcpy",
                    message: format!(
                        "source {src:#x} and destination {dst:#x} of {n} bytes overlap"
                    ),
                });
            }
            copy(ctx, "tako_memcpy", dst, src, n)?;
            Ok(dst)
        }
    );

    declare_builtin_function!(
        /// `tako_memmove(dst, src, n)`.
        tako_memmove,
        fn rust(
            ctx: &mut TakoContext,
            dst: u64,
            src: u64,
            n: u64,
            _d: u64,
            _e: u64,
        ) -> Result<u64, SyscallFault> {
            ctx.charge(ctx.prices.mem_op(n))?;
            if n > 0 {
                copy(ctx, "tako_memmove", dst, src, n)?;
            }
            Ok(dst)
        }
    );

    declare_builtin_function!(
        /// `tako_memset(dst, c, n)`.
        tako_memset,
        fn rust(
            ctx: &mut TakoContext,
            dst: u64,
            c: u64,
            n: u64,
            _d: u64,
            _e: u64,
        ) -> Result<u64, SyscallFault> {
            ctx.charge(ctx.prices.mem_op(n))?;
            if n > 0 {
                let to = ctx.host_ptr("tako_memset", AccessType::Store, dst, n)?;
                // SAFETY: `to` covers `n` writable bytes of a live host buffer.
                unsafe { std::ptr::write_bytes(to, c as u8, n as usize) };
            }
            Ok(dst)
        }
    );

    declare_builtin_function!(
        /// `tako_memcmp(a, b, n)`: the sign-extended `i32` difference of the first
        /// differing bytes, 0 when equal.
        tako_memcmp,
        fn rust(
            ctx: &mut TakoContext,
            a: u64,
            b: u64,
            n: u64,
            _d: u64,
            _e: u64,
        ) -> Result<u64, SyscallFault> {
            ctx.charge(ctx.prices.mem_op(n))?;
            let left = ctx.read("tako_memcmp", a, n)?;
            let right = ctx.read("tako_memcmp", b, n)?;
            Ok(i64::from(compare(&left, &right)) as u64)
        }
    );
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
    fn log_u64_formats_like_solana() {
        assert_eq!(
            format_log_u64([1, 2, 0, 255, u64::MAX]),
            "0x1, 0x2, 0x0, 0xff, 0xffffffffffffffff"
        );
    }

    #[test]
    fn memcmp_result_is_a_sign_extended_i32() {
        assert_eq!(compare(b"abc", b"abc"), 0);
        assert_eq!(compare(b"abd", b"abc"), 1);
        assert_eq!(compare(b"\x00", b"\xff"), -255);
        assert_eq!(
            i64::from(compare(b"\x00", b"\xff")) as u64,
            (-255i64) as u64
        );
    }
}
