//! Reads the `ET_REL` object, places its sections, applies its relocations.

use std::collections::BTreeMap;

use object::elf;
use object::read::elf::{FileHeader, Rel as _, SectionHeader as _, Sym as _};
use object::LittleEndian as LE;

use super::bpf::{self, INSN_SIZE};
use super::sections::{parse_err, role, Header, Role, Section, Sections, Symbols};
use super::statics::Statics;
use super::writer::{self, FunctionSymbol, Image, SyscallSite};
use super::{demangle, syscall_for, RelinkError};

/// The loadable image and what went into it.
#[derive(Debug)]
pub struct Relinked {
    /// The `ET_DYN` bytes.
    pub elf: Vec<u8>,
    /// Size of `.text` in bytes.
    pub text_size: u64,
    /// Size of `.rodata` in bytes.
    pub rodata_size: u64,
    /// Distinct syscalls the program calls, sorted.
    pub syscalls: Vec<&'static str>,
    /// Each function's stack frame in bytes (SBPF V3, where frames are sized per function;
    /// empty for V0, whose frames are all 4 KiB).
    pub frames: Vec<(String, u64)>,
    /// Bytes of writable statics at the start of the heap (`.data` then `.bss`).
    pub statics: u64,
}

fn align_up(x: usize, a: usize) -> usize {
    x.div_ceil(a.max(1)) * a.max(1)
}

/// The object's section and symbol tables, once it is known to be a relocatable BPF
/// object without thread-local data (refused naming what lives there).
pub(super) fn check_object<'data>(
    header: &'data Header,
    object: &'data [u8],
) -> Result<(Sections<'data>, Symbols<'data>), RelinkError> {
    if header.e_machine(LE) != elf::EM_BPF {
        return Err(RelinkError::WrongMachine(header.e_machine(LE)));
    }
    if header.e_type(LE) != elf::ET_REL {
        return Err(RelinkError::WrongType(header.e_type(LE)));
    }
    let sections = header.sections(LE, object).map_err(parse_err)?;
    let symbols = sections
        .symbols(LE, object, elf::SHT_SYMTAB)
        .map_err(parse_err)?;
    for (index, sh) in sections.enumerate() {
        let name = sections.section_name(LE, sh).unwrap_or(b"");
        if role(sh, name) == Role::ThreadLocal {
            let mut names: Vec<String> = symbols
                .enumerate()
                .filter(|(_, s)| {
                    s.st_shndx(LE) as usize == index.0 && s.st_type() != elf::STT_SECTION
                })
                .filter_map(|(_, s)| symbols.symbol_name(LE, s).ok())
                .filter(|n| !n.is_empty())
                .map(|n| format!("`{}`", demangle(&String::from_utf8_lossy(n))))
                .collect();
            if names.is_empty() {
                names.push("(unnamed data)".into());
            }
            return Err(RelinkError::ThreadLocal {
                section: String::from_utf8_lossy(name).into_owned(),
                symbols: names.join(", "),
            });
        }
    }
    Ok((sections, symbols))
}

/// Relinks the relocatable BPF object `object` into an SBPF V0 shared object whose entry
/// point is the function named `entry`.
pub fn relink(object: &[u8], entry: &str) -> Result<Relinked, RelinkError> {
    let header = Header::parse(object).map_err(parse_err)?;
    let (sections, symbols) = check_object(header, object)?;
    let section_name = |sh: &Section| -> String {
        String::from_utf8_lossy(sections.section_name(LE, sh).unwrap_or(b"?")).into_owned()
    };

    // Place sections: all text first, then all read-only data.
    let mut image = vec![0u8; 64];
    let mut base: BTreeMap<usize, usize> = BTreeMap::new();
    for wanted in [Role::Text, Role::ReadOnly] {
        if wanted == Role::ReadOnly {
            image.resize(align_up(image.len(), 8), 0);
        }
        let start = image.len();
        for (index, sh) in sections.enumerate() {
            let name = sections.section_name(LE, sh).unwrap_or(b"");
            if role(sh, name) != wanted {
                continue;
            }
            let align = if wanted == Role::Text {
                INSN_SIZE
            } else {
                sh.sh_addralign(LE) as usize
            };
            image.resize(align_up(image.len(), align), 0);
            base.insert(index.0, image.len());
            image.extend_from_slice(sh.data(LE, object).map_err(parse_err)?);
        }
        if wanted == Role::Text && image.len() == start {
            return Err(RelinkError::NoText);
        }
    }
    // `.data`'s load image after the read-only data; `.bss` only in the heap.
    let statics = Statics::place(
        &sections,
        &symbols,
        object,
        &mut image,
        tako_abi::MM_PROGRAM_START,
        &mut base,
    )?;
    let entry = statics.entry(&symbols, entry)?;
    let text_start = 64usize;
    let text_end = base
        .iter()
        .filter(|(i, _)| {
            let sh = sections.section(object::SectionIndex(**i)).ok();
            sh.is_some_and(|sh| role(sh, b"") == Role::Text)
        })
        .map(|(i, b)| {
            let sh = sections
                .section(object::SectionIndex(*i))
                .expect("placed section exists");
            b + sh.sh_size(LE) as usize
        })
        .max()
        .unwrap_or(text_start);
    let rodata_start = align_up(text_end, 8);
    let rodata_end = image.len().max(rodata_start);

    let address_of = |sym_index: usize| -> Option<(usize, bool)> {
        let sym = symbols.symbol(object::SymbolIndex(sym_index)).ok()?;
        let at = *base.get(&(sym.st_shndx(LE) as usize))?;
        Some((
            at + sym.st_value(LE) as usize,
            sym.st_type() == elf::STT_SECTION,
        ))
    };
    let name_of = |sym_index: usize| -> String {
        symbols
            .symbol(object::SymbolIndex(sym_index))
            .ok()
            .and_then(|s| symbols.symbol_name(LE, s).ok())
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .unwrap_or_default()
    };

    let mut syscalls = Vec::new();
    for sh in sections.iter() {
        // `rel()` returns the symbol table's index; the patched section is `sh_info`.
        let Some((rels, _symtab)) = sh.rel(LE, object).map_err(parse_err)? else {
            continue;
        };
        let target = object::SectionIndex(sh.sh_info(LE) as usize);
        let Some(&target_base) = base.get(&target.0) else {
            continue; // relocations of debug/BTF sections: not loaded
        };
        let target_sh = sections.section(target).map_err(parse_err)?;
        let target_name = section_name(target_sh);
        let is_text = target_base < text_end;
        for rel in rels {
            let offset = rel.r_offset(LE);
            let r_type = rel.r_type(LE);
            let sym = rel.r_sym(LE) as usize;
            let at = target_base + offset as usize;
            let bad = |reason| RelinkError::BadRelocation {
                offset,
                section: target_name.clone(),
                reason,
            };
            // The VM address of the symbol plus `addend`: a static's is in the heap, an
            // undefined symbol has one only when the linker defines it.
            let vm_address = |addend: u64| -> Result<u64, RelinkError> {
                let symbol = symbols
                    .symbol(object::SymbolIndex(sym))
                    .map_err(parse_err)?;
                if let Some(heap) = statics.heap.get(&(symbol.st_shndx(LE) as usize)) {
                    return Ok(heap.wrapping_add(symbol.st_value(LE)).wrapping_add(addend));
                }
                if let Some((addr, _)) = address_of(sym) {
                    return Ok(tako_abi::MM_PROGRAM_START
                        .wrapping_add(addr as u64)
                        .wrapping_add(addend));
                }
                let name = name_of(sym);
                match statics.linker_symbol(&name) {
                    Some(value) if symbol.st_shndx(LE) == elf::SHN_UNDEF => {
                        Ok(value.wrapping_add(addend))
                    }
                    _ => Err(RelinkError::UndefinedAddress {
                        name: demangle(&name),
                        section: target_name.clone(),
                    }),
                }
            };
            match r_type {
                bpf::R_BPF_64_64 => {
                    if !is_text || at + 2 * INSN_SIZE > text_end || image[at] != bpf::OP_LDDW {
                        return Err(bad("R_BPF_64_64 must patch an lddw in .text"));
                    }
                    let addend = i64::from(bpf::imm(&image, at)) as u64;
                    bpf::set_lddw(&mut image, at, vm_address(addend)?);
                }
                bpf::R_BPF_64_ABS64 => {
                    if at + 8 > image.len() {
                        return Err(bad("R_BPF_64_ABS64 slot past the end of its section"));
                    }
                    let mut slot = [0u8; 8];
                    slot.copy_from_slice(&image[at..at + 8]);
                    let value = vm_address(u64::from_le_bytes(slot))?;
                    image[at..at + 8].copy_from_slice(&value.to_le_bytes());
                }
                bpf::R_BPF_64_32 => {
                    if !is_text || at + INSN_SIZE > text_end || image[at] != bpf::OP_CALL_IMM {
                        return Err(bad("R_BPF_64_32 must patch a call in .text"));
                    }
                    match address_of(sym) {
                        Some((addr, is_section)) => {
                            let target = if is_section {
                                let imm = i64::from(bpf::imm(&image, at));
                                addr as i64 + (imm + 1) * INSN_SIZE as i64
                            } else {
                                addr as i64
                            };
                            let delta = target - (at + INSN_SIZE) as i64;
                            if delta % INSN_SIZE as i64 != 0
                                || target < text_start as i64
                                || target >= text_end as i64
                            {
                                return Err(bad("call target outside .text or misaligned"));
                            }
                            let rel = delta / INSN_SIZE as i64;
                            if rel == -1 {
                                return Err(bad(
                                    "call to itself collides with the syscall marker -1",
                                ));
                            }
                            let rel = i32::try_from(rel).map_err(|_| bad("call too far"))?;
                            bpf::set_imm(&mut image, at, rel);
                            image[at + 1] = (image[at + 1] & 0x0f) | 0x10; // src = 1: internal call
                        }
                        None => {
                            let name = name_of(sym);
                            let syscall = syscall_for(&name)
                                .ok_or_else(|| RelinkError::undefined_symbol(&name))?;
                            bpf::set_imm(&mut image, at, -1);
                            image[at + 1] &= 0x0f;
                            syscalls.push(SyscallSite {
                                offset: at as u64,
                                syscall,
                            });
                        }
                    }
                }
                other => {
                    return Err(RelinkError::UnsupportedRelocation {
                        r_type: other,
                        offset,
                        section: target_name,
                    })
                }
            }
        }
    }

    bpf::rewrite_callx_for_v0(&mut image[text_start..text_end]);

    // Entry point and function symbols at their final offsets.
    let mut entry_offset = None;
    let mut functions = Vec::new();
    for (index, sym) in symbols.enumerate() {
        if sym.st_type() != elf::STT_FUNC {
            continue;
        }
        let Some((addr, _)) = address_of(index.0) else {
            continue;
        };
        let name = name_of(index.0);
        if name == entry {
            entry_offset = Some(addr as u64);
        }
        functions.push(FunctionSymbol {
            name,
            offset: addr as u64,
            size: sym.st_size(LE),
        });
    }
    let entry = entry_offset.ok_or_else(|| RelinkError::MissingEntry(entry.to_string()))?;
    functions.sort_by_key(|f| f.offset);

    let mut names: Vec<&'static str> = syscalls.iter().map(|s| s.syscall).collect();
    names.sort_unstable();
    names.dedup();
    let elf = writer::write(Image {
        bytes: image,
        text: (text_start as u64, text_end as u64),
        rodata: (rodata_start as u64, rodata_end as u64),
        entry,
        syscalls,
        functions,
        statics: statics.size,
    });
    Ok(Relinked {
        elf,
        text_size: (text_end - text_start) as u64,
        rodata_size: (rodata_end - rodata_start) as u64,
        syscalls: names,
        frames: Vec::new(),
        statics: statics.size,
    })
}
