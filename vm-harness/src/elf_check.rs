//! Checks run on the raw file before solana-sbpf's loader, so that the common mistakes (not
//! an ELF, a truncated file, an ELF for another machine) get a message that says so.

use goblin::container::{Container, Ctx, Endian};
use goblin::elf::header;
use goblin::elf::section_header::{SectionHeader, SHT_NOBITS};
use goblin::elf::Elf;

use crate::error::VmError;

/// `e_machine` of eBPF.
pub const EM_BPF: u16 = 247;
/// `e_machine` solana-sbpf also accepts (SBPF).
pub const EM_SBPF: u16 = 263;

/// `e_flags` of `so` (the SBPF version), when it has an ELF header.
pub fn e_flags(so: &[u8]) -> Option<u32> {
    so.get(48..52)
        .map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes")))
}

/// Bytes of writable statics the program keeps at the start of the heap: the `p_memsz`
/// of its `PT_LOAD` at `MM_HEAP_START` (tako-linker writes one when there are statics),
/// at most `MAX_STATICS_SIZE`; 0 without one.
pub fn statics_size(so: &[u8]) -> u64 {
    use goblin::elf::program_header::{ProgramHeader, PT_LOAD};
    let Ok(header) = Elf::parse_header(so) else {
        return 0;
    };
    let ctx = Ctx::new(Container::Big, Endian::Little);
    let Ok(segments) = ProgramHeader::parse(
        so,
        header.e_phoff as usize,
        usize::from(header.e_phnum),
        ctx,
    ) else {
        return 0;
    };
    segments
        .iter()
        .find(|p| p.p_type == PT_LOAD && p.p_vaddr == tako_abi::MM_HEAP_START)
        .map_or(0, |p| p.p_memsz)
        .min(tako_abi::MAX_STATICS_SIZE)
}

/// Refuses files that are not complete 64-bit little-endian eBPF ELF files.
pub fn preflight(so: &[u8]) -> Result<(), VmError> {
    if so.len() < 4 || &so[..4] != header::ELFMAG {
        return Err(VmError::NotElf {
            found: if so.is_empty() {
                "nothing (the file is empty)".to_string()
            } else {
                so.iter()
                    .take(4)
                    .map(|b| format!("{b:02x}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            },
        });
    }
    if so.len() < header::header64::SIZEOF_EHDR {
        return Err(VmError::MalformedElf(format!(
            "the file is truncated: {} bytes, shorter than the 64-byte ELF header",
            so.len()
        )));
    }
    let header = Elf::parse_header(so).map_err(|e| VmError::MalformedElf(e.to_string()))?;
    if header.e_machine != EM_BPF && header.e_machine != EM_SBPF {
        return Err(VmError::WrongMachine {
            e_machine: header.e_machine,
            machine: header::machine_to_str(header.e_machine).to_string(),
        });
    }
    if header.e_ident[header::EI_CLASS] != header::ELFCLASS64
        || header.e_ident[header::EI_DATA] != header::ELFDATA2LSB
    {
        return Err(VmError::MalformedElf(
            "the TAKO VM needs a 64-bit little-endian ELF".into(),
        ));
    }
    if header.e_flags > 3 {
        return Err(VmError::UnsupportedVersion {
            e_flags: header.e_flags,
        });
    }
    let sh_end = header
        .e_shoff
        .saturating_add(u64::from(header.e_shnum) * u64::from(header.e_shentsize));
    if sh_end > so.len() as u64 {
        return Err(VmError::MalformedElf(format!(
            "the file is truncated: its section headers end at byte {sh_end}, the file has {}",
            so.len()
        )));
    }
    // Only the section headers and their names: the loader needs no more, and a full
    // parse would refuse files the loader runs (a symbol name that is not UTF-8).
    let ctx = Ctx::new(Container::Big, Endian::Little);
    let sections = SectionHeader::parse(so, header.e_shoff as usize, header.e_shnum.into(), ctx)
        .map_err(|e| VmError::MalformedElf(format!("the section headers: {e}")))?;
    let names = sections
        .get(usize::from(header.e_shstrndx))
        .and_then(|sh| {
            so.get(sh.sh_offset as usize..sh.sh_offset.saturating_add(sh.sh_size) as usize)
        })
        .unwrap_or(&[]);
    let name_of = |sh: &SectionHeader| -> String {
        let tail = names.get(sh.sh_name..).unwrap_or(&[]);
        let name = &tail[..tail.iter().position(|&b| b == 0).unwrap_or(tail.len())];
        String::from_utf8_lossy(name).into_owned()
    };
    for sh in &sections {
        let end = sh.sh_offset.saturating_add(sh.sh_size);
        if sh.sh_type != SHT_NOBITS && end > so.len() as u64 {
            return Err(VmError::MalformedElf(format!(
                "the file is truncated: section {} ends at byte {end}, the file has {}",
                name_of(sh),
                so.len()
            )));
        }
        if sh.sh_type == SHT_NOBITS && name_of(sh) == ".text" {
            return Err(VmError::MalformedElf(
                "section .text is SHT_NOBITS: it holds no instructions in the file (the VM \
                 runs .text's bytes, an SHT_PROGBITS section)"
                    .into(),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_text_files_are_not_elf() {
        let e = preflight(b"").unwrap_err().to_string();
        assert!(e.contains("not an ELF file") && e.contains("empty"), "{e}");
        let e = preflight(b"hello world").unwrap_err().to_string();
        assert!(
            e.contains("not an ELF file: it starts with 68 65 6c 6c"),
            "{e}"
        );
    }

    #[test]
    fn magic_alone_is_truncated() {
        let e = preflight(b"\x7fELF\x02\x01").unwrap_err().to_string();
        assert!(e.contains("truncated"), "{e}");
    }
}
