//! Writes the output ELF: header, `.text`, `.rodata`, the dynamic tables for syscalls, a
//! `.symtab` of functions (for profiles), the program headers and the section headers.

use object::elf;

/// One dynamic relocation: a `call -1` at `offset` (file offset == VM offset) to `syscall`.
pub struct SyscallSite {
    /// File offset of the `call` instruction.
    pub offset: u64,
    /// Syscall name, as the VM registers it.
    pub syscall: &'static str,
}

/// A function symbol kept in `.symtab`, at its final offset.
pub struct FunctionSymbol {
    /// Mangled name.
    pub name: String,
    /// Offset (== VM offset) of the first instruction.
    pub offset: u64,
    /// Size in bytes.
    pub size: u64,
}

/// Everything the writer needs, with `.text` and `.rodata` already placed in `image`.
pub struct Image {
    /// Bytes from 0 to the end of `.rodata`; the first 64 are the ELF header (written here).
    pub bytes: Vec<u8>,
    /// File range of `.text`.
    pub text: (u64, u64),
    /// File range of `.rodata` (empty when there is none).
    pub rodata: (u64, u64),
    /// Entry point offset.
    pub entry: u64,
    /// Syscall call sites.
    pub syscalls: Vec<SyscallSite>,
    /// Function symbols.
    pub functions: Vec<FunctionSymbol>,
    /// Bytes of writable statics at the start of the heap (`.data` + `.bss`), declared
    /// as the heap segment's `p_memsz` (nothing in the file).
    pub statics: u64,
}

struct SectionHeader {
    name: u32,
    kind: u32,
    flags: u64,
    addr: u64,
    offset: u64,
    size: u64,
    link: u32,
    info: u32,
    align: u64,
    entsize: u64,
}

/// Where a section's bytes are: its virtual address, file offset and size.
struct Placed {
    addr: u64,
    offset: u64,
    size: u64,
}

/// Adds the `.text` and (when not empty) `.rodata` section headers; returns `.text`'s index.
fn push_code_sections(
    headers: &mut Vec<SectionHeader>,
    names: &mut Strings,
    text: Placed,
    rodata: Placed,
) -> u16 {
    let section = |name, flags: u32, placed: Placed| SectionHeader {
        name,
        kind: elf::SHT_PROGBITS,
        flags: u64::from(flags),
        addr: placed.addr,
        offset: placed.offset,
        size: placed.size,
        link: 0,
        info: 0,
        align: 8,
        entsize: 0,
    };
    let text_index = headers.len() as u16;
    headers.push(section(
        names.add(".text"),
        elf::SHF_ALLOC | elf::SHF_EXECINSTR,
        text,
    ));
    if rodata.size > 0 {
        headers.push(section(names.add(".rodata"), elf::SHF_ALLOC, rodata));
    }
    text_index
}

fn pad_to(out: &mut Vec<u8>, align: usize) {
    while !out.len().is_multiple_of(align) {
        out.push(0);
    }
}

fn push_sym(out: &mut Vec<u8>, name: u32, info: u8, shndx: u16, value: u64, size: u64) {
    out.extend_from_slice(&name.to_le_bytes());
    out.push(info);
    out.push(0);
    out.extend_from_slice(&shndx.to_le_bytes());
    out.extend_from_slice(&value.to_le_bytes());
    out.extend_from_slice(&size.to_le_bytes());
}

/// A string table under construction.
struct Strings(Vec<u8>);

impl Strings {
    fn new() -> Self {
        Strings(vec![0])
    }
    fn add(&mut self, s: &str) -> u32 {
        let at = self.0.len() as u32;
        self.0.extend_from_slice(s.as_bytes());
        self.0.push(0);
        at
    }
}

/// `.symtab` + `.strtab` of `functions` (offsets in the section `text_index`), appended to
/// `bytes` with their section headers: names for `tako-vm profile` and fault reports,
/// never loaded. Nothing without functions.
fn push_symbols(
    bytes: &mut Vec<u8>,
    headers: &mut Vec<SectionHeader>,
    names: &mut Strings,
    functions: &[FunctionSymbol],
    text_index: u16,
) {
    if functions.is_empty() {
        return;
    }
    let mut strtab = Strings::new();
    let mut symtab = Vec::new();
    push_sym(&mut symtab, 0, 0, 0, 0, 0);
    for f in functions {
        let name = strtab.add(&f.name);
        let info = (elf::STB_LOCAL << 4) | elf::STT_FUNC;
        push_sym(&mut symtab, name, info, text_index, f.offset, f.size);
    }
    pad_to(bytes, 8);
    let symtab_off = bytes.len() as u64;
    bytes.extend_from_slice(&symtab);
    let strtab_off = bytes.len() as u64;
    bytes.extend_from_slice(&strtab.0);
    let symtab_index = headers.len() as u32;
    headers.push(SectionHeader {
        name: names.add(".symtab"),
        kind: elf::SHT_SYMTAB,
        flags: 0,
        addr: 0,
        offset: symtab_off,
        size: symtab.len() as u64,
        link: symtab_index + 1,
        info: functions.len() as u32 + 1,
        align: 8,
        entsize: 24,
    });
    headers.push(SectionHeader {
        name: names.add(".strtab"),
        kind: elf::SHT_STRTAB,
        flags: 0,
        addr: 0,
        offset: strtab_off,
        size: strtab.0.len() as u64,
        link: 0,
        info: 0,
        align: 1,
        entsize: 0,
    });
}

/// Appends `.shstrtab` (the section names, its own included) and its header; returns its
/// section index.
fn push_shstrtab(bytes: &mut Vec<u8>, headers: &mut Vec<SectionHeader>, mut names: Strings) -> u16 {
    let index = headers.len() as u16;
    let name = names.add(".shstrtab");
    let offset = bytes.len() as u64;
    bytes.extend_from_slice(&names.0);
    headers.push(SectionHeader {
        name,
        kind: elf::SHT_STRTAB,
        flags: 0,
        addr: 0,
        offset,
        size: names.0.len() as u64,
        link: 0,
        info: 0,
        align: 1,
        entsize: 0,
    });
    index
}

/// Appends the section header table (8-aligned); returns its file offset.
fn push_section_headers(bytes: &mut Vec<u8>, headers: &[SectionHeader]) -> u64 {
    pad_to(bytes, 8);
    let shoff = bytes.len() as u64;
    for h in headers {
        bytes.extend_from_slice(&h.name.to_le_bytes());
        bytes.extend_from_slice(&h.kind.to_le_bytes());
        bytes.extend_from_slice(&h.flags.to_le_bytes());
        bytes.extend_from_slice(&h.addr.to_le_bytes());
        bytes.extend_from_slice(&h.offset.to_le_bytes());
        bytes.extend_from_slice(&h.size.to_le_bytes());
        bytes.extend_from_slice(&h.link.to_le_bytes());
        bytes.extend_from_slice(&h.info.to_le_bytes());
        bytes.extend_from_slice(&h.align.to_le_bytes());
        bytes.extend_from_slice(&h.entsize.to_le_bytes());
    }
    shoff
}

/// The null section header every table starts with.
const NULL_SECTION: SectionHeader = SectionHeader {
    name: 0,
    kind: 0,
    flags: 0,
    addr: 0,
    offset: 0,
    size: 0,
    link: 0,
    info: 0,
    align: 0,
    entsize: 0,
};

/// Finishes the image into ELF bytes.
pub fn write(image: Image) -> Vec<u8> {
    let Image {
        mut bytes,
        text,
        rodata,
        entry,
        syscalls,
        functions,
        statics,
    } = image;
    let mut names = Strings::new();
    let mut headers = vec![NULL_SECTION];
    let text_index = push_code_sections(
        &mut headers,
        &mut names,
        Placed {
            addr: text.0,
            offset: text.0,
            size: text.1 - text.0,
        },
        Placed {
            addr: rodata.0,
            offset: rodata.0,
            size: rodata.1 - rodata.0,
        },
    );

    // File ranges of the dynamic tables (`.dynsym` to the end of `.rel.dyn`) and of
    // `.dynamic`, for the program headers.
    let mut dynamic_tables: Option<((u64, u64), (u64, u64))> = None;
    if !syscalls.is_empty() {
        // .dynsym: one undefined global per distinct syscall.
        let mut dynstr = Strings::new();
        let mut dynsym = Vec::new();
        push_sym(&mut dynsym, 0, 0, 0, 0, 0);
        let mut order: Vec<&'static str> = Vec::new();
        for site in &syscalls {
            if !order.contains(&site.syscall) {
                order.push(site.syscall);
                let name = dynstr.add(site.syscall);
                push_sym(&mut dynsym, name, elf::STB_GLOBAL << 4, 0, 0, 0);
            }
        }
        pad_to(&mut bytes, 8);
        let dynsym_off = bytes.len() as u64;
        bytes.extend_from_slice(&dynsym);
        let dynstr_off = bytes.len() as u64;
        bytes.extend_from_slice(&dynstr.0);
        pad_to(&mut bytes, 8);
        let rel_off = bytes.len() as u64;
        for site in &syscalls {
            let sym = order.iter().position(|s| *s == site.syscall).unwrap_or(0) as u64 + 1;
            bytes.extend_from_slice(&site.offset.to_le_bytes());
            let info = (sym << 32) | u64::from(crate::relink::bpf::R_BPF_64_32);
            bytes.extend_from_slice(&info.to_le_bytes());
        }
        let rel_size = bytes.len() as u64 - rel_off;
        let dynamic_off = bytes.len() as u64;
        let dynamic: [(u64, u64); 8] = [
            (u64::from(elf::DT_REL), rel_off),
            (u64::from(elf::DT_RELSZ), rel_size),
            (u64::from(elf::DT_RELENT), 16),
            (u64::from(elf::DT_SYMTAB), dynsym_off),
            (u64::from(elf::DT_SYMENT), 24),
            (u64::from(elf::DT_STRTAB), dynstr_off),
            (u64::from(elf::DT_STRSZ), dynstr.0.len() as u64),
            (u64::from(elf::DT_NULL), 0),
        ];
        for (tag, value) in dynamic {
            bytes.extend_from_slice(&tag.to_le_bytes());
            bytes.extend_from_slice(&value.to_le_bytes());
        }
        dynamic_tables = Some((
            (dynsym_off, rel_off + rel_size),
            (dynamic_off, bytes.len() as u64),
        ));
        let dynsym_index = headers.len() as u32;
        let dynstr_index = dynsym_index + 1;
        headers.push(SectionHeader {
            name: names.add(".dynsym"),
            kind: elf::SHT_DYNSYM,
            flags: u64::from(elf::SHF_ALLOC),
            addr: dynsym_off,
            offset: dynsym_off,
            size: dynsym.len() as u64,
            link: dynstr_index,
            info: 1,
            align: 8,
            entsize: 24,
        });
        headers.push(SectionHeader {
            name: names.add(".dynstr"),
            kind: elf::SHT_STRTAB,
            flags: u64::from(elf::SHF_ALLOC),
            addr: dynstr_off,
            offset: dynstr_off,
            size: dynstr.0.len() as u64,
            link: 0,
            info: 0,
            align: 1,
            entsize: 0,
        });
        headers.push(SectionHeader {
            name: names.add(".rel.dyn"),
            kind: elf::SHT_REL,
            flags: u64::from(elf::SHF_ALLOC),
            addr: rel_off,
            offset: rel_off,
            size: rel_size,
            link: dynsym_index,
            info: 0,
            align: 8,
            entsize: 16,
        });
        headers.push(SectionHeader {
            name: names.add(".dynamic"),
            kind: elf::SHT_DYNAMIC,
            flags: u64::from(elf::SHF_ALLOC | elf::SHF_WRITE),
            addr: dynamic_off,
            offset: dynamic_off,
            size: 16 * dynamic.len() as u64,
            link: dynstr_index,
            info: 0,
            align: 8,
            entsize: 16,
        });
    }

    push_symbols(&mut bytes, &mut headers, &mut names, &functions, text_index);

    let shstrtab_index = push_shstrtab(&mut bytes, &mut headers, names);

    // Program headers (after every section, so they overlap none): V0's loader reads the
    // sections, but ELF tools (readelf, objdump) resolve the DT_* addresses through the
    // segments. Read-only code, read-only data and dynamic tables, the writable `.dynamic`
    // (as in upstream SBF V0 output), and PT_DYNAMIC. Ascending addresses, offset == vaddr.
    let mut segments: Vec<(u32, u32, (u64, u64))> =
        vec![(elf::PT_LOAD, elf::PF_R | elf::PF_X, text)];
    let read_only_start = if rodata.1 > rodata.0 {
        Some(rodata.0)
    } else {
        dynamic_tables.map(|(tables, _)| tables.0)
    };
    let read_only_end = dynamic_tables.map_or(rodata.1, |(tables, _)| tables.1);
    if let Some(start) = read_only_start {
        segments.push((elf::PT_LOAD, elf::PF_R, (start, read_only_end)));
    }
    if let Some((_, dynamic)) = dynamic_tables {
        segments.push((elf::PT_LOAD, elf::PF_R | elf::PF_W, dynamic));
        segments.push((elf::PT_DYNAMIC, elf::PF_R | elf::PF_W, dynamic));
    }
    pad_to(&mut bytes, 8);
    let phoff = bytes.len() as u64;
    for &(kind, flags, (start, end)) in &segments {
        push_phdr(
            &mut bytes,
            kind,
            flags,
            start,
            start,
            end - start,
            end - start,
        );
    }
    // The statics' place in the heap, as a segment with nothing in the file (V0's loader
    // reads sections only; the local VM and ELF tools read it).
    let mut phnum = segments.len() as u16;
    if statics > 0 {
        let heap = tako_abi::MM_HEAP_START;
        push_phdr(
            &mut bytes,
            elf::PT_LOAD,
            elf::PF_R | elf::PF_W,
            text.0,
            heap,
            0,
            statics,
        );
        phnum += 1;
    }

    let shoff = push_section_headers(&mut bytes, &headers);

    let ehdr = elf_header(&ElfHeader {
        machine: elf::EM_BPF,
        flags: 0,
        entry,
        phoff,
        phnum,
        shoff,
        shnum: headers.len() as u16,
        shstrndx: shstrtab_index,
    });
    bytes[..64].copy_from_slice(&ehdr);
    bytes
}

/// The fields of an ELF header that differ between the outputs.
struct ElfHeader {
    machine: u16,
    /// `e_flags`: the SBPF version.
    flags: u32,
    entry: u64,
    phoff: u64,
    phnum: u16,
    shoff: u64,
    shnum: u16,
    shstrndx: u16,
}

/// The 64-byte header of a 64-bit little-endian `ET_DYN` file.
fn elf_header(h: &ElfHeader) -> Vec<u8> {
    let mut ehdr = Vec::with_capacity(64);
    ehdr.extend_from_slice(&[
        0x7f,
        b'E',
        b'L',
        b'F',
        elf::ELFCLASS64,
        elf::ELFDATA2LSB,
        1,
        0,
    ]);
    ehdr.extend_from_slice(&[0; 8]);
    ehdr.extend_from_slice(&elf::ET_DYN.to_le_bytes());
    ehdr.extend_from_slice(&h.machine.to_le_bytes());
    ehdr.extend_from_slice(&1u32.to_le_bytes()); // e_version
    ehdr.extend_from_slice(&h.entry.to_le_bytes());
    ehdr.extend_from_slice(&h.phoff.to_le_bytes());
    ehdr.extend_from_slice(&h.shoff.to_le_bytes());
    ehdr.extend_from_slice(&h.flags.to_le_bytes());
    ehdr.extend_from_slice(&64u16.to_le_bytes()); // e_ehsize
    ehdr.extend_from_slice(&56u16.to_le_bytes()); // e_phentsize
    ehdr.extend_from_slice(&h.phnum.to_le_bytes());
    ehdr.extend_from_slice(&64u16.to_le_bytes()); // e_shentsize
    ehdr.extend_from_slice(&h.shnum.to_le_bytes());
    ehdr.extend_from_slice(&h.shstrndx.to_le_bytes());
    ehdr
}

/// `e_machine` of SBPF, what tos-tbpf's strict V3 parser requires.
pub const EM_SBPF: u16 = 263;

/// A tos-tbpf SBPF V3 file: the ELF header, the four program headers its strict parser
/// expects (text at 0, read-only data at `0x1_0000_0000`, then the stack and the heap,
/// writable and empty in the file; the heap's `p_memsz` is the `statics` at its start),
/// `text`, `rodata` (a multiple of 8 bytes), then `.symtab` of `functions` (text offsets)
/// and the section headers. `entry` is the entry function's offset in `text`.
pub fn write_v3(
    text: &[u8],
    rodata: &[u8],
    entry: u64,
    statics: u64,
    functions: &[FunctionSymbol],
) -> Vec<u8> {
    const PF_X: u32 = 1;
    const PF_W: u32 = 2;
    const PF_R: u32 = 4;
    let phoff = 64u64;
    let text_offset = phoff + 4 * 56;
    let rodata_offset = text_offset + text.len() as u64;
    let segments: [(u32, u64, u64, &[u8]); 4] = [
        (PF_X, tako_abi::MM_BYTECODE_START_V3, text_offset, text),
        (PF_R, tako_abi::MM_PROGRAM_START, rodata_offset, rodata),
        (PF_R | PF_W, tako_abi::MM_STACK_START, text_offset, &[]),
        (PF_R | PF_W, tako_abi::MM_HEAP_START, text_offset, &[]),
    ];
    // The heap segment's `p_memsz` declares the statics at its start (tos-tbpf reads
    // neither writable segment's size).
    let memsz = |vaddr: u64, bytes: &[u8]| {
        if vaddr == tako_abi::MM_HEAP_START {
            statics
        } else {
            bytes.len() as u64
        }
    };
    let mut out = vec![0; 64]; // the ELF header, written last
    for (flags, vaddr, offset, bytes) in segments {
        let filesz = bytes.len() as u64;
        push_phdr(
            &mut out,
            elf::PT_LOAD,
            flags,
            offset,
            vaddr,
            filesz,
            memsz(vaddr, bytes),
        );
    }
    out.extend_from_slice(text);
    out.extend_from_slice(rodata);
    // Sections for ELF tools and the local VM's profiles and fault reports; tos-tbpf's
    // strict parser reads only the program headers.
    let mut names = Strings::new();
    let mut headers = vec![NULL_SECTION];
    let text_index = push_code_sections(
        &mut headers,
        &mut names,
        Placed {
            addr: tako_abi::MM_BYTECODE_START_V3,
            offset: text_offset,
            size: text.len() as u64,
        },
        Placed {
            addr: tako_abi::MM_PROGRAM_START,
            offset: rodata_offset,
            size: rodata.len() as u64,
        },
    );
    push_symbols(&mut out, &mut headers, &mut names, functions, text_index);
    let shstrndx = push_shstrtab(&mut out, &mut headers, names);
    let shoff = push_section_headers(&mut out, &headers);
    let ehdr = elf_header(&ElfHeader {
        machine: EM_SBPF,
        flags: 3,
        entry,
        phoff,
        phnum: 4,
        shoff,
        shnum: headers.len() as u16,
        shstrndx,
    });
    out[..64].copy_from_slice(&ehdr);
    out
}
/// One program header: `kind`, `flags`, the file `offset`, `vaddr` (also `p_paddr`), the
/// sizes in the file and in memory, 8-byte alignment.
fn push_phdr(
    out: &mut Vec<u8>,
    kind: u32,
    flags: u32,
    offset: u64,
    vaddr: u64,
    filesz: u64,
    memsz: u64,
) {
    out.extend_from_slice(&kind.to_le_bytes());
    out.extend_from_slice(&flags.to_le_bytes());
    for word in [offset, vaddr, vaddr, filesz, memsz, 8] {
        out.extend_from_slice(&word.to_le_bytes());
    }
}
