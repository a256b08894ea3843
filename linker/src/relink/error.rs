//! What can go wrong when turning the BPF object into a loadable `.so`.

use thiserror::Error;

/// A reason the relinker refuses its input. Every variant names what to fix.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum RelinkError {
    /// The input could not be parsed as a 64-bit little-endian ELF.
    #[error("not a BPF object: {0}")]
    Parse(String),
    /// The ELF is for another machine.
    #[error("not a BPF object: e_machine is {0}, expected 247 (EM_BPF)")]
    WrongMachine(u16),
    /// The ELF is not a relocatable object.
    #[error("not a relocatable BPF object: e_type is {0}, expected 1 (ET_REL)")]
    WrongType(u16),
    /// The program has thread-local statics, which no TAKO VM has.
    #[error(
        "thread-local statics are not supported: {symbols} (section `{section}`). \
         A contract runs on one thread: use a plain `static` (an atomic or a cell), which \
         lives at the start of the heap"
    )]
    ThreadLocal {
        /// Section holding the data.
        section: String,
        /// The symbols defined there, demangled, comma-separated.
        symbols: String,
    },
    /// The writable statics do not fit the heap they live in.
    #[error(
        "the writable statics take {size} bytes, more than the {limit} bytes of the 32 KiB \
         heap they may use (the rest is kept for an allocator): {symbols}. Put large tables \
         in a `const` or an immutable `static` (read-only data), or allocate them on the heap"
    )]
    StaticsTooLarge {
        /// Bytes of `.data` and `.bss`.
        size: u64,
        /// `tako_abi::MAX_STATICS_SIZE`.
        limit: u64,
        /// The largest statics with their sizes.
        symbols: String,
    },
    /// The object has `.data` but not the entry that copies it into place.
    #[error(
        "the object has {size} bytes of initialised writable statics (`.data`) but no \
         `__tako_start` entry to copy them into the heap: link the bitcode with tako-linker, \
         which adds it"
    )]
    DataWithoutStart {
        /// Bytes of `.data`.
        size: u64,
    },
    /// A symbol is used but defined nowhere, and it is not a TAKO syscall.
    #[error(
        "undefined symbol `{name}` is not a TAKO syscall (known syscalls: {known}); \
         define it in the contract or call a syscall of tako-abi"
    )]
    UndefinedSymbol {
        /// Demangled name.
        name: String,
        /// The syscall names the VM knows.
        known: String,
    },
    /// An address-taking relocation points at an undefined symbol.
    #[error("`{name}` is undefined but its address is taken in `{section}`: syscalls can only be called")]
    UndefinedAddress {
        /// Demangled name.
        name: String,
        /// Section holding the reference.
        section: String,
    },
    /// The entry symbol is missing.
    #[error("the program defines no `{0}` function: add `#[no_mangle] pub extern \"C\" fn {0}(..) -> u64`")]
    MissingEntry(String),
    /// A relocation type the relinker does not handle in a loaded section.
    #[error("unsupported relocation type {r_type} at offset {offset:#x} in `{section}`")]
    UnsupportedRelocation {
        /// ELF relocation type.
        r_type: u32,
        /// Offset in the section.
        offset: u64,
        /// Section name.
        section: String,
    },
    /// A relocation that does not fit the instruction or section it patches.
    #[error("malformed relocation at offset {offset:#x} in `{section}`: {reason}")]
    BadRelocation {
        /// Offset in the section.
        offset: u64,
        /// Section name.
        section: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// The object has no executable code.
    #[error("the object has no executable section")]
    NoText,
    /// A function the SBPF V3 writer cannot express.
    #[error("cannot write `{function}` as SBPF V3: it has {reason}; build it as V0 (--arch v0)")]
    V3 {
        /// The function (demangled).
        function: String,
        /// What in it V3 cannot hold.
        reason: String,
    },
}
