//! The relinker: turns the relocatable BPF object that LLVM emits (`ET_REL`, several
//! sections, symbolic relocations) into the SBPF V0 `ET_DYN` image solana-sbpf's loader
//! accepts.
//!
//! Layout rules (from solana-sbpf 0.26 `src/elf.rs`, see `docs` in the crate README):
//! - one `.text` holding every executable section, then one `.rodata` holding every
//!   read-only data section (`.rodata*`, `.data.rel.ro*`), both with `sh_addr == sh_offset`;
//! - calls between functions become pc-relative immediates (the loader turns them into its
//!   function registry); `lddw` immediates and `.data.rel.ro` slots (vtables, `&str` tables)
//!   get absolute VM addresses `MM_PROGRAM_START + offset`, so no dynamic relocation is
//!   needed for them;
//! - `callx` is re-encoded for V0 (register in `imm`);
//! - calls to syscalls (and to `memcpy` & co., resolved to the TAKO mem syscalls) become
//!   `call -1` plus a dynamic `R_BPF_64_32` against the syscall's dynamic symbol;
//! - writable statics (`.data`, `.bss`) are placed at the start of the heap region
//!   (`statics`), `.data`'s initial bytes in `.rodata`;
//! - thread-local data and undefined non-syscall symbols are refused with their names.

pub mod bpf;
mod error;
mod layout;
mod sections;
mod statics;
mod v3;
mod writer;

pub use error::RelinkError;
pub use layout::{relink, Relinked};
pub use v3::relink_v3;

impl RelinkError {
    /// The refusal of an undefined symbol `name` that is no syscall, listing the syscalls.
    pub fn undefined_symbol(name: &str) -> Self {
        RelinkError::UndefinedSymbol {
            name: demangle(name),
            known: tako_abi::SYSCALLS
                .iter()
                .map(|s| s.name)
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

/// Maps an undefined symbol to the syscall that implements it: a declaration of
/// `tako_abi::sys` (`__tako_sys_log`), or a libcall (`memcpy`, ...) by
/// [`tako_abi::LIBCALLS`]. A bare name (`log`) is not a syscall: it is some other function.
pub fn syscall_for(name: &str) -> Option<&'static str> {
    tako_abi::syscall_for_symbol(name).map(|spec| spec.name)
}

/// Demangles a Rust symbol name without its hash; other names pass through. LLVM's
/// suffixes for split or cloned globals (`COUNTER.0`, `f.llvm.123`) are dropped, so the
/// name reads as the author wrote it.
pub fn demangle(name: &str) -> String {
    let base = name.split(".llvm.").next().unwrap_or(name);
    let shown = format!("{:#}", rustc_demangle::demangle(base));
    match shown.rsplit_once('.') {
        Some((head, tail)) if !tail.is_empty() && tail.bytes().all(|b| b.is_ascii_digit()) => {
            head.to_string()
        }
        _ => shown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mem_functions_resolve_to_syscalls() {
        assert_eq!(syscall_for("memcpy"), Some("tos_memcpy"));
        assert_eq!(syscall_for("bcmp"), None, "tako-sdk defines bcmp");
        assert_eq!(syscall_for("__tako_sys_log"), Some("log"));
        assert_eq!(
            syscall_for("log"),
            None,
            "libm's log is a function, not the syscall"
        );
        assert_eq!(
            syscall_for("__bpf_trap"),
            None,
            "tako-sdk defines __bpf_trap"
        );
        assert_eq!(syscall_for("__multi3"), None);
    }

    #[test]
    fn demangle_drops_the_hash() {
        assert_eq!(
            demangle("_ZN5basic7COUNTER17h0123456789abcdefE"),
            "basic::COUNTER"
        );
        assert_eq!(demangle("memcpy"), "memcpy");
        assert_eq!(
            demangle("_ZN5basic7COUNTER17h0123456789abcdefE.0"),
            "basic::COUNTER"
        );
    }
}
