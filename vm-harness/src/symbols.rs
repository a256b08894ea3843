//! A `.so`'s function symbols (`.symtab`, then `.dynsym`; names demangled) by address: what
//! `profile` attributes CU to and what a fault names the function by.

use std::collections::BTreeMap;

use goblin::elf::sym::STT_FUNC;
use goblin::elf::Elf;
use solana_sbpf::ebpf;

/// The function instruction `pc` of `.text` belongs to, by the file's symbols (demangled),
/// when the file has them.
pub(crate) fn function_at(so: &[u8], pc: u64) -> Option<String> {
    let symbols = Symbols::read(so).ok()?;
    let address = symbols
        .text_start
        .checked_add(pc.checked_mul(ebpf::INSN_SIZE as u64)?)?;
    let (start, (name, size)) = symbols.by_address.range(..=address).next_back()?;
    (*size == 0 || address < start.saturating_add(*size)).then(|| name.clone())
}

/// Function symbols of a `.so`: start address → (name, size).
pub(crate) struct Symbols {
    pub(crate) by_address: BTreeMap<u64, (String, u64)>,
    pub(crate) text_start: u64,
}

impl Symbols {
    /// The symbols of `so`, or why it is not an ELF file with a `.text` section (the
    /// caller's `VmError::MalformedElf`).
    pub(crate) fn read(so: &[u8]) -> Result<Self, String> {
        let elf = Elf::parse(so).map_err(|e| e.to_string())?;
        let text = elf
            .section_headers
            .iter()
            .find(|sh| elf.shdr_strtab.get_at(sh.sh_name) == Some(".text"))
            .ok_or_else(|| "no .text section".to_string())?;
        let text_range = text.sh_addr..text.sh_addr.saturating_add(text.sh_size);
        let mut by_address = BTreeMap::new();
        let tables = [(&elf.syms, &elf.strtab), (&elf.dynsyms, &elf.dynstrtab)];
        for (syms, strtab) in tables {
            for sym in syms.iter() {
                if sym.st_type() != STT_FUNC || !text_range.contains(&sym.st_value) {
                    continue;
                }
                let Some(name) = strtab.get_at(sym.st_name).filter(|n| !n.is_empty()) else {
                    continue;
                };
                by_address.entry(sym.st_value).or_insert_with(|| {
                    (format!("{:#}", rustc_demangle::demangle(name)), sym.st_size)
                });
            }
        }
        Ok(Self {
            by_address,
            text_start: text.sh_addr,
        })
    }
}

/// A function of a `.so`, by its symbol: demangled name, address and size in bytes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Function {
    /// The demangled name, without crate hashes.
    pub name: String,
    /// Its address (the symbol's value).
    pub address: u64,
    /// Its size in bytes (the symbol's size; 0 when the file does not say).
    pub size: u64,
}

/// The functions of `so` that its symbol tables name (`.symtab`, then `.dynsym`), largest
/// first, then by address: where a program's `.text` goes. Empty for a file without
/// symbols; [`crate::VmError::MalformedElf`] when `so` is not an ELF file with a `.text` section.
pub fn functions_by_size(so: &[u8]) -> Result<Vec<Function>, crate::VmError> {
    let symbols = Symbols::read(so).map_err(crate::VmError::MalformedElf)?;
    let mut functions: Vec<Function> = symbols
        .by_address
        .into_iter()
        .map(|(address, (name, size))| Function {
            name,
            address,
            size,
        })
        .collect();
    functions.sort_by(|a, b| b.size.cmp(&a.size).then(a.address.cmp(&b.address)));
    Ok(functions)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_that_is_not_elf_is_malformed_not_a_panic() {
        for bytes in [&b""[..], b"\x7fELF", b"not an elf file at all"] {
            assert!(matches!(
                functions_by_size(bytes),
                Err(crate::VmError::MalformedElf(_))
            ));
        }
    }
}
