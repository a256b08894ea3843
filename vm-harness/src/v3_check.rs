//! Why tos-tbpf refuses an SBPF V3 file, said in the file's terms. tos-tbpf 0.14.1's V3
//! loader answers "invalid file header" or "invalid program header" for a dozen different
//! conditions; this walks the same conditions, in its order, and names the first that
//! fails and what the loader accepts. It runs only after tos-tbpf refused a V3 file.

use goblin::container::{Container, Ctx, Endian};
use goblin::elf::header;
use goblin::elf::program_header::{ProgramHeader, PF_R, PF_W, PF_X, PT_LOAD};

use tos_tbpf::ebpf;

use crate::EM_SBPF;

/// Instruction size in bytes (tos-tbpf's).
const INSN: u64 = ebpf::INSN_SIZE as u64;
/// Size of each VM region (tos-tbpf's).
const REGION_SIZE: u64 = ebpf::MM_REGION_SIZE;
/// `add64 r10, imm`: the frame marker every V3 function starts with (tos-tbpf's
/// `is_function_start_marker`).
const FRAME_MARKER: (u8, u8) = (ebpf::ADD64_IMM, ebpf::FRAME_PTR_REG as u8);

/// The program headers a V3 file must start with: role, flags, virtual address.
const SEGMENTS: [(&str, u32, u64); 4] = [
    ("bytecode", PF_X, tako_abi::MM_BYTECODE_START_V3),
    ("read-only data", PF_R, tako_abi::MM_PROGRAM_START),
    ("stack", PF_R | PF_W, tako_abi::MM_STACK_START),
    ("heap", PF_R | PF_W, tako_abi::MM_HEAP_START),
];

fn flags(f: u32) -> String {
    let mut s = String::new();
    for (bit, c) in [(PF_R, 'R'), (PF_W, 'W'), (PF_X, 'X')] {
        if f & bit != 0 {
            s.push(c);
        }
    }
    if s.is_empty() {
        s.push_str("none");
    }
    s
}

/// The first reason tos-tbpf's V3 loader refuses `so`, when one of its header checks
/// fails; `None` when they all pass (the refusal is about something else).
pub(crate) fn v3_header_problem(so: &[u8]) -> Option<String> {
    let h = goblin::elf::Elf::parse_header(so).ok()?;
    let ident = &h.e_ident;
    let phdr_end = h
        .e_phoff
        .saturating_add(u64::from(h.e_phentsize) * u64::from(h.e_phnum));
    let header_checks: [(bool, String); 9] = [
        (
            ident[header::EI_OSABI] == header::ELFOSABI_NONE && ident[header::EI_ABIVERSION] == 0,
            "its EI_OSABI and EI_ABIVERSION must be 0".into(),
        ),
        (
            h.e_type == header::ET_DYN,
            format!("e_type is {}; a V3 program is ET_DYN (3)", h.e_type),
        ),
        (
            h.e_machine == EM_SBPF,
            format!(
                "e_machine is {}; a V3 program is EM_SBPF ({EM_SBPF})",
                h.e_machine
            ),
        ),
        (
            h.e_phoff == 64,
            format!(
                "e_phoff is {}; the program headers must follow the 64-byte ELF header",
                h.e_phoff
            ),
        ),
        (
            h.e_phentsize == 56,
            format!("e_phentsize is {}; it must be 56", h.e_phentsize),
        ),
        (
            h.e_phnum >= 4,
            format!(
                "{} program headers; V3 needs at least 4 (bytecode, read-only data, stack, heap)",
                h.e_phnum
            ),
        ),
        (
            phdr_end < so.len() as u64,
            format!(
                "the program headers end at byte {phdr_end}, past the {}-byte file",
                so.len()
            ),
        ),
        (
            h.e_shentsize == 64,
            format!("e_shentsize is {}; it must be 64", h.e_shentsize),
        ),
        (
            h.e_shstrndx < h.e_shnum,
            format!(
                "e_shstrndx {} is not one of the {} section headers",
                h.e_shstrndx, h.e_shnum
            ),
        ),
    ];
    if let Some((_, why)) = header_checks.into_iter().find(|(ok, _)| !ok) {
        return Some(format!("invalid SBPF V3 file header: {why}"));
    }
    let ctx = Ctx::new(Container::Big, Endian::Little);
    let phdrs = ProgramHeader::parse(so, h.e_phoff as usize, 4, ctx).ok()?;
    for (i, (p, (role, want_flags, vaddr))) in phdrs.iter().zip(SEGMENTS).enumerate() {
        let filesz = if want_flags & PF_W != 0 { 0 } else { p.p_memsz };
        let problem = if p.p_type != PT_LOAD {
            Some(format!("its type is {}, not PT_LOAD", p.p_type))
        } else if p.p_flags != want_flags {
            Some(format!(
                "its flags are {}; it must be {}",
                flags(p.p_flags),
                flags(want_flags)
            ))
        } else if p.p_vaddr != vaddr || p.p_paddr != vaddr {
            Some(format!(
                "it is at vaddr {:#x} (paddr {:#x}); it must be at {vaddr:#x}",
                p.p_vaddr, p.p_paddr
            ))
        } else if p.p_offset < phdr_end || p.p_offset >= so.len() as u64 || p.p_offset % INSN != 0 {
            Some(format!(
                "its file offset {} must lie after the program headers, inside the file, \
                 at a multiple of 8",
                p.p_offset
            ))
        } else if p.p_filesz != filesz {
            Some(format!(
                "p_filesz is {}; it must be {filesz} (p_memsz for a read-only segment, 0 for a \
                 writable one)",
                p.p_filesz
            ))
        } else if p.p_filesz > (so.len() as u64).saturating_sub(p.p_offset)
            || p.p_filesz % INSN != 0
        {
            Some(format!(
                "its {} bytes at offset {} run past the file's end or are not a multiple of 8",
                p.p_filesz, p.p_offset
            ))
        } else if p.p_memsz >= REGION_SIZE {
            Some(format!("p_memsz {} fills its 4 GiB region", p.p_memsz))
        } else {
            None
        };
        if let Some(why) = problem {
            return Some(format!(
                "invalid SBPF V3 program header {i} (the {role} segment): {why}"
            ));
        }
    }
    let text = &phdrs[0];
    let entry = h.e_entry;
    if entry % INSN != 0
        || entry < text.p_vaddr
        || entry.saturating_add(INSN) > text.p_vaddr + text.p_memsz
    {
        return Some(format!(
            "the entry point e_entry {entry:#x} is not an instruction of the bytecode segment \
             ({:#x}..{:#x})",
            text.p_vaddr,
            text.p_vaddr + text.p_memsz
        ));
    }
    let at = (text.p_offset + entry - text.p_vaddr) as usize;
    let insn = so.get(at..at + 2)?;
    if (insn[0], insn[1] & 0x0f) != FRAME_MARKER {
        return Some(format!(
            "the instruction at the entry point {entry:#x} is not a frame marker (`add64 r10, \
             imm`), which starts every V3 function"
        ));
    }
    None
}
