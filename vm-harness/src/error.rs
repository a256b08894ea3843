//! The two kinds of failure: [`VmError`] (the program never ran: bad options, a file that
//! does not load or verify) and [`RuntimeError`] (the program ran and faulted; reported
//! inside [`crate::Outcome`] with the CU and logs of the failed run).

use std::fmt;

use tako_abi::{HEAP_SIZE_STEP, MAX_HEAP_SIZE, MAX_INPUT_SIZE, MIN_HEAP_SIZE};

/// The program could not be run: a bad option, or an ELF that does not load or verify.
/// The CLI exits with code 2 for these.
#[derive(Debug, thiserror::Error)]
pub enum VmError {
    /// `heap_size` is outside the allowed range or not a multiple of the step.
    #[error(
        "heap size {requested} bytes is not allowed: use {MIN_HEAP_SIZE}..={MAX_HEAP_SIZE} bytes \
         in steps of {HEAP_SIZE_STEP} (32 KiB..256 KiB)"
    )]
    HeapSize {
        /// The refused size.
        requested: u64,
    },
    /// The input is larger than any contract can read.
    #[error(
        "the input is {len} bytes; the VM accepts at most {MAX_INPUT_SIZE} (256 KiB, \
         tako_abi::MAX_INPUT_SIZE): get_input_data copies the input into one buffer, and no \
         region a contract can write is larger"
    )]
    InputTooLarge {
        /// The input's length (at least the limit plus one when read from a file).
        len: u64,
    },
    /// Another invalid option.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The file does not start with the ELF magic.
    #[error("not an ELF file: it starts with {found} instead of 7f 45 4c 46 (\"\\x7fELF\")")]
    NotElf {
        /// The first bytes of the file, in hex.
        found: String,
    },
    /// The ELF is cut short or its headers point outside the file.
    #[error("malformed ELF: {0}")]
    MalformedElf(String),
    /// An ELF built for another machine or class.
    #[error("ELF is for machine {machine} (e_machine {e_machine}); the TAKO VM runs eBPF (e_machine 247) 64-bit little-endian .so files")]
    WrongMachine {
        /// `e_machine` of the file.
        e_machine: u16,
        /// Its name, as goblin knows it.
        machine: String,
    },
    /// The engine's loader refused the file: what is wrong, in the VM's words, the same on
    /// both engines (no source chain: a chain would print it twice).
    #[error("cannot load the program: {0}")]
    Load(crate::loader::LoadProblem),
    /// An SBPF V3 file (as tos-tbpf defines V3) given to solana-sbpf, whose V3 is another
    /// layout.
    #[error("the program is SBPF V3 as tos-tbpf 0.14.1 defines it (text at address 0), which solana-sbpf does not load: run it on tos-tbpf: leave --engine out (the VM picks tbpf for V3) or pass --engine tbpf (Engine::Tbpf)")]
    V3NeedsTbpf,
    /// The JIT was asked for a V3 program.
    #[error("the JIT is solana-sbpf's, which does not load SBPF V3: run the program interpreted (it runs on tos-tbpf), or build it with --arch v0 to use the JIT")]
    JitNeedsV0,
    /// `e_flags` names an SBPF version the VM does not run.
    #[error("the program is SBPF version {e_flags} (e_flags {e_flags}); the VM runs SBPF V0..=V3 (e_flags 0 to 3), as TOS's executor does")]
    UnsupportedVersion {
        /// `e_flags` of the file.
        e_flags: u32,
    },
    /// The program calls a syscall the TAKO ABI does not have.
    #[error("unknown syscall `{name}` called at instruction #{instruction}: not in the TAKO ABI (tako_abi::SYSCALLS)")]
    UnknownSyscall {
        /// The symbol the program calls.
        name: String,
        /// Index of the calling instruction in `.text`.
        instruction: usize,
    },
    /// The tos-tbpf engine could not load or set up the program (its own wording, named).
    #[error("{0}")]
    Engine(String),
    /// The verifier refused the bytecode: which instruction, in which function, and why.
    #[error("the verifier rejected the program: {0}")]
    Verify(crate::verify::Rejection),
    /// JIT compilation failed.
    #[error("JIT compilation failed: {0}")]
    Jit(String),
    /// The memory map could not be built (an internal error).
    #[error("cannot set up the VM memory: {0}")]
    Setup(String),
}

/// What kind of runtime fault ended a run. Its [`FaultKind::as_str`] is the `kind` of the
/// CLI's JSON `error` object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultKind {
    /// `access_violation`: a load or store outside the mapped regions, or a store into the
    /// read-only program region (also from a syscall's pointer arguments).
    AccessViolation,
    /// `stack_overflow`: an access outside the current 4 KiB stack frame (a frame that
    /// needs more than 4 KiB, or a pointer into the gap between frames).
    StackOverflow,
    /// `call_depth_exceeded`: more than 64 nested calls (unbounded recursion).
    CallDepthExceeded,
    /// `compute_budget_exceeded`: the CU limit ran out.
    ComputeBudgetExceeded,
    /// `panic`: the contract stored to the panic trap address (`tako_abi::Trap`; the
    /// SDK's panic handler, after logging the location).
    Panic,
    /// `abort`: the contract stored to the abort trap address (`tako_sdk::abort`, LLVM's
    /// trap).
    Abort,
    /// `alloc_error`: the contract stored to the alloc-error trap address (an infallible
    /// allocation failed; the SDK logs its size and alignment first).
    AllocError,
    /// `division_error`: division by zero or signed division overflow.
    DivisionError,
    /// `invalid_instruction`: an unsupported instruction, a jump or call outside `.text`,
    /// or execution running past its end.
    InvalidInstruction,
    /// `syscall_error`: a syscall refused its arguments (overlapping `tos_memcpy`,
    /// return data over 1024 bytes, a log that is not UTF-8, an alignment that is not a
    /// power of two).
    SyscallError,
    /// `vm_error`: any other error the VM reported.
    Other,
}

impl FaultKind {
    /// Every kind, for documentation tests.
    pub const ALL: &'static [FaultKind] = &[
        FaultKind::AccessViolation,
        FaultKind::StackOverflow,
        FaultKind::CallDepthExceeded,
        FaultKind::ComputeBudgetExceeded,
        FaultKind::Panic,
        FaultKind::Abort,
        FaultKind::AllocError,
        FaultKind::DivisionError,
        FaultKind::InvalidInstruction,
        FaultKind::SyscallError,
        FaultKind::Other,
    ];

    /// The stable string of this kind (`snake_case`).
    pub fn as_str(self) -> &'static str {
        match self {
            FaultKind::AccessViolation => "access_violation",
            FaultKind::StackOverflow => "stack_overflow",
            FaultKind::CallDepthExceeded => "call_depth_exceeded",
            FaultKind::ComputeBudgetExceeded => "compute_budget_exceeded",
            FaultKind::Panic => "panic",
            FaultKind::Abort => "abort",
            FaultKind::AllocError => "alloc_error",
            FaultKind::DivisionError => "division_error",
            FaultKind::InvalidInstruction => "invalid_instruction",
            FaultKind::SyscallError => "syscall_error",
            FaultKind::Other => "vm_error",
        }
    }
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A fault that ended a run early.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeError {
    /// What went wrong, as a stable kind.
    pub kind: FaultKind,
    /// A readable message (e.g. `panicked at src/lib.rs:12:9`,
    /// `compute budget exceeded: 200000 CU consumed (limit 200000)`).
    pub message: String,
}

impl fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

impl std::error::Error for RuntimeError {}

#[cfg(test)]
mod tests {
    use super::FaultKind;

    /// The README's table of fault kinds is [`FaultKind::ALL`], in order, each string
    /// once: a kind added without its row (or a row left after a kind is gone) fails.
    #[test]
    fn the_readme_lists_every_fault_kind_once() {
        let readme = include_str!("../README.md");
        let rows: Vec<&str> = readme
            .lines()
            .filter_map(|l| l.strip_prefix("| `")?.split_once("` |").map(|(k, _)| k))
            .filter(|k| k.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
            .collect();
        let mut kinds: Vec<&str> = FaultKind::ALL.iter().map(|k| k.as_str()).collect();
        let mut sorted_rows = rows.clone();
        sorted_rows.sort_unstable();
        kinds.sort_unstable();
        kinds.dedup();
        assert_eq!(
            kinds.len(),
            FaultKind::ALL.len(),
            "two kinds share a string"
        );
        assert_eq!(
            sorted_rows, kinds,
            "vm-harness/README.md's fault table: {rows:?}"
        );
    }
}
