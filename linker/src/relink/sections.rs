//! The input object's section and symbol tables and how each section is treated: shared
//! by the V0 layout, the statics placement and the V3 writer.

use object::elf;
use object::read::elf::SectionHeader as _;
use object::LittleEndian as LE;

use super::RelinkError;

pub(super) type Header = elf::FileHeader64<LE>;
pub(super) type Section = elf::SectionHeader64<LE>;
pub(super) type Sections<'data> = object::read::elf::SectionTable<'data, Header, &'data [u8]>;
pub(super) type Symbols<'data> = object::read::elf::SymbolTable<'data, Header, &'data [u8]>;

/// How a section of the input is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    Text,
    ReadOnly,
    /// `.data*`/`.bss*`: placed at the start of the heap (see `statics`).
    Writable,
    /// `.tdata`/`.tbss`: refused.
    ThreadLocal,
    NotLoaded,
}

pub(super) fn role(sh: &Section, name: &[u8]) -> Role {
    let flags = sh.sh_flags(LE);
    let kind = sh.sh_type(LE);
    if flags & u64::from(elf::SHF_ALLOC) == 0 || sh.sh_size(LE) == 0 {
        return Role::NotLoaded;
    }
    if flags & u64::from(elf::SHF_EXECINSTR) != 0 {
        return Role::Text;
    }
    if flags & u64::from(elf::SHF_TLS) != 0 {
        return Role::ThreadLocal;
    }
    let relro = name.starts_with(b".data.rel.ro");
    if kind == elf::SHT_NOBITS || (flags & u64::from(elf::SHF_WRITE) != 0 && !relro) {
        return Role::Writable;
    }
    Role::ReadOnly
}

pub(super) fn parse_err(e: object::read::Error) -> RelinkError {
    RelinkError::Parse(e.to_string())
}
