//! The loaders' refusals in the VM's own words. solana-sbpf and tos-tbpf load ELF files
//! with the same `ElfError` variants (not one type), worded for the VM's developers
//! ("Entrypoint out of bounds", "consider removing llc option: -function-sections"). A
//! [`LoadProblem`] says what is wrong with the file and what the loader accepts. (An import
//! that is not a syscall of the ABI is [`VmError::UnknownSyscall`](crate::VmError), a V3
//! header the strict loader refuses is [`LoadProblem::V3Header`], named field by field.)

/// Why a loader refused a file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadProblem {
    /// The ELF could not be parsed.
    #[error("the ELF file could not be parsed ({0}); the VM loads the .so files cargo tako build writes")]
    Parse(String),
    /// The entry point is not an instruction of the program.
    #[error("the entry point (e_entry) is not an instruction of the program's text")]
    EntryOutside,
    /// The entry point is not the start of a function.
    #[error("the entry point (e_entry) is not the start of a function")]
    EntryNotFunction,
    /// A section the loader needs is missing or unreadable.
    #[error("section {0} is missing or unreadable")]
    Section(String),
    /// A call or jump whose target lies outside the program's text.
    #[error("instruction #{instruction} calls or jumps outside the program's text")]
    JumpOutside {
        /// Index of the instruction in `.text`.
        instruction: usize,
    },
    /// Two functions or syscalls whose names hash alike.
    #[error("two functions or syscalls have the same hash {0:#010x}: rename one")]
    HashCollision(u32),
    /// Not a 64-bit little-endian eBPF shared object.
    #[error("not an SBPF program: wrong {0}; the VM loads 64-bit little-endian eBPF shared objects (ET_DYN)")]
    Format(&'static str),
    /// No `.text` section, or several.
    #[error("the program has no .text section or several; the VM loads one (cargo tako build links one)")]
    TextSections,
    /// A writable section, which no region of the VM can hold.
    #[error("section {0} is writable: the VM maps the program read-only; writable statics go to the heap, where cargo tako build places them")]
    WritableSection(String),
    /// A relocation the loader cannot apply.
    #[error("a relocation cannot be applied: {0}; the VM applies the relocations cargo tako build emits")]
    Relocation(String),
    /// An offset or size in the file that points outside it.
    #[error("an offset or size in the file points outside it")]
    OutOfBounds,
    /// An SBPF version this engine, configured as TOS's executor, does not run.
    #[error("the program's SBPF version (e_flags) is not one this engine runs: tos-tbpf runs V0..=V3, solana-sbpf V0")]
    Version,
    /// A program header the loader refuses (V0: a program header at all where it reads
    /// sections; V3: a segment not as the strict loader wants it).
    #[error("a program header is not as the loader accepts it")]
    ProgramHeader,
    /// tos-tbpf's strict V3 loader refused the file's headers: which field, its value, what
    /// V3 accepts.
    #[error("{0}")]
    V3Header(String),
}

/// `fn load_error`: an engine crate's `ElfError` as the VM's error (a call to an
/// unresolved symbol is [`VmError::UnknownSyscall`](crate::VmError), every other refusal
/// [`VmError::Load`](crate::VmError) with its [`LoadProblem`], from `fn load_problem`);
/// the engine's name for the version variant is the second argument.
macro_rules! load_problem_from {
    ($error:ty, $version:ident) => {
        /// The loader's refusal as the VM's error.
        fn load_error(err: $error) -> $crate::VmError {
            type E = $error;
            match err {
                E::UnresolvedSymbol(name, instruction, _) => {
                    $crate::VmError::UnknownSyscall { name, instruction }
                }
                other => $crate::VmError::Load(load_problem(other)),
            }
        }

        /// The loader's refusal, in the VM's words.
        fn load_problem(err: $error) -> $crate::loader::LoadProblem {
            use $crate::loader::LoadProblem as P;
            type E = $error;
            match err {
                E::FailedToParse(why) => P::Parse(why),
                E::EntrypointOutOfBounds => P::EntryOutside,
                E::InvalidEntrypoint => P::EntryNotFunction,
                E::FailedToGetSection(name) | E::SectionNotFound(name) => P::Section(name),
                E::UnresolvedSymbol(name, instruction, _) => P::Relocation(format!(
                    "instruction #{instruction} calls `{name}`, which nothing defines"
                )),
                E::RelativeJumpOutOfBounds(instruction) => P::JumpOutside { instruction },
                E::SymbolHashCollision(hash) => P::HashCollision(hash),
                E::WrongEndianess => P::Format("byte order"),
                E::WrongAbi => P::Format("OS ABI"),
                E::WrongMachine => P::Format("machine"),
                E::WrongClass => P::Format("class"),
                E::WrongType => P::Format("file type"),
                E::NotOneTextSection => P::TextSections,
                E::WritableSectionNotSupported(name) => P::WritableSection(name),
                E::AddressOutsideLoadableSection(addr) => P::Relocation(format!(
                    "it refers to address {addr:#x}, which no loadable section holds"
                )),
                E::InvalidVirtualAddress(addr) => P::Relocation(format!(
                    "it refers to address {addr:#x}, which is not valid"
                )),
                E::UnknownRelocation(kind) => {
                    P::Relocation(format!("its type {kind} is not one the loader knows"))
                }
                E::FailedToReadRelocationInfo => P::Relocation("its entry cannot be read".into()),
                E::UnknownSymbol(index) => {
                    P::Relocation(format!("it names symbol #{index}, which the file lacks"))
                }
                E::ValueOutOfBounds => P::OutOfBounds,
                E::$version => P::Version,
                E::InvalidProgramHeader => P::ProgramHeader,
            }
        }
    };
}
pub(crate) use load_problem_from;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_say_what_the_loader_accepts() {
        assert_eq!(
            LoadProblem::Format("machine").to_string(),
            "not an SBPF program: wrong machine; the VM loads 64-bit little-endian eBPF shared \
             objects (ET_DYN)"
        );
        assert!(LoadProblem::TextSections
            .to_string()
            .contains("the VM loads one"));
    }
}
