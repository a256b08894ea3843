//! The SBPF V3 relink, as tos-tbpf 0.14.1 defines V3, written from the object's own
//! sections, symbols and relocations:
//!
//! - every function starts with the marker `add64 r10, -N`, which also allocates its frame
//!   (V3 frames are dynamic: `r10` is the caller's on entry and is restored on return). `N`
//!   is the function's stack depth rounded up to 64; LLVM's code addresses the frame below
//!   the entry `r10`, so every `r10`-based access gets `N` added to its offset, and every
//!   `mov rX, r10` the `add rX, imm` that follows it (anything else is refused, naming
//!   the function). A function whose last instruction is not `exit` or `ja` gets an
//!   `exit`: the verifier wants one there;
//! - writable statics at the start of the heap as in V0 (`statics`), their size the heap
//!   segment's `p_memsz`;
//! - text at virtual address 0, read-only data at `0x1_0000_0000`; function pointers and
//!   vtable slots hold text byte offsets; internal calls are `call src=1` pc-relative to a
//!   marker; syscalls are static, `call imm = murmur3(name)`;
//! - 32-bit ALU and JMP32 instructions are refused, naming the function: V3 gives some of
//!   them another meaning than V0 (LLVM's cpu v2 emits none).

use std::collections::BTreeMap;

use object::elf;
use object::read::elf::{FileHeader, Rel as _, SectionHeader as _, Sym as _};

use object::LittleEndian as LE;

use super::bpf::{self, INSN_SIZE};
use super::layout::check_object;
use super::sections::{parse_err, role, Role};
use super::statics::Statics;
use super::writer::{self, FunctionSymbol};
use super::{demangle, syscall_for, RelinkError, Relinked};

type Header = elf::FileHeader64<LE>;

/// Frames are allocated in multiples of this (the V3 verifier's rule for the marker).
const FRAME_ALIGN: i64 = 64;
const OP_ADD64_IMM: u8 = 0x07;
const OP_MOV64_REG: u8 = 0xbf;
const OP_JA: u8 = 0x05;
const OP_EXIT: u8 = 0x95;
const OP_LE: u8 = 0xd4;
const OP_BE: u8 = 0xdc;
const FP: u8 = 10;

fn dst(code: &[u8], at: usize) -> u8 {
    code[at + 1] & 0x0f
}

fn src(code: &[u8], at: usize) -> u8 {
    code[at + 1] >> 4
}

fn off(code: &[u8], at: usize) -> i16 {
    i16::from_le_bytes([code[at + 2], code[at + 3]])
}

fn set_off(code: &mut [u8], at: usize, value: i16) {
    code[at + 2..at + 4].copy_from_slice(&value.to_le_bytes());
}

fn insn_len(code: &[u8], at: usize) -> usize {
    if code[at] == bpf::OP_LDDW {
        2 * INSN_SIZE
    } else {
        INSN_SIZE
    }
}

/// Whether the instruction at `at` reads or writes register `r`.
fn uses(code: &[u8], at: usize, r: u8) -> bool {
    let class = code[at] & 0x07;
    let reg_source = code[at] & 0x08 != 0;
    match class {
        // ld/ldx/st/stx: dst and src are both operands (address base, value).
        0x00..=0x03 => dst(code, at) == r || src(code, at) == r,
        // alu/jmp: dst always, src when the operand is a register.
        _ => {
            dst(code, at) == r
                || (reg_source && src(code, at) == r)
                || code[at] == bpf::OP_CALL_IMM
                || code[at] == bpf::OP_CALL_REG
        }
    }
}

/// One function of the text: its range in its section and its frame rewrite.
struct Function {
    section: usize,
    start: usize,
    end: usize,
    frame: i64,
    needs_exit: bool,
}

/// Rewrites the frame accesses of `code[start..end]` (the function `name`) for a marker
/// allocating its frame, and returns the frame size (a multiple of 64).
fn rebase_frame(code: &mut [u8], start: usize, end: usize, name: &str) -> Result<i64, RelinkError> {
    let refuse = |reason: String| RelinkError::V3 {
        function: demangle(name),
        reason,
    };
    let mut depth: i64 = 0;
    let mut frame_ops = Vec::new();
    let mut address_adds = Vec::new();
    let mut at = start;
    while at < end {
        let op = code[at];
        let class = op & 0x07;
        match class {
            // `le`/`be` (byte swaps, class ALU) mean the same in both versions.
            0x04 if op == OP_LE || op == OP_BE => {}
            0x04 => return Err(refuse(format!("a 32-bit ALU instruction (opcode {op:#04x}) at byte {at:#x}, whose result V3 extends differently from V0"))),
            0x06 => return Err(refuse(format!("a JMP32 instruction (opcode {op:#04x}) at byte {at:#x}"))),
            _ => {}
        }
        let mem_base = match class {
            0x01 => Some(src(code, at)),
            0x02 | 0x03 => Some(dst(code, at)),
            _ => None,
        };
        if mem_base == Some(FP) {
            let o = i64::from(off(code, at));
            if o >= 0 {
                return Err(refuse(format!("an access above its frame (r10 + {o})")));
            }
            depth = depth.max(-o);
            frame_ops.push(at);
        } else if op == OP_MOV64_REG && src(code, at) == FP {
            let x = dst(code, at);
            let mut next = at + INSN_SIZE;
            while next < end && !uses(code, next, x) && code[next] & 0x07 != 0x05 {
                next += insn_len(code, next);
            }
            if next >= end || code[next] != OP_ADD64_IMM || dst(code, next) != x {
                return Err(refuse(format!(
                    "`mov r{x}, r10` at byte {at:#x} is not followed by `add r{x}, imm`: the frame address cannot be rebased"
                )));
            }
            let imm = i64::from(bpf::imm(code, next));
            if imm > 0 {
                return Err(refuse(format!("an address above its frame (r10 + {imm})")));
            }
            depth = depth.max(-imm);
            address_adds.push(next);
        } else if class == 0x07 && dst(code, at) == FP {
            return Err(refuse(format!(
                "an instruction that writes r10 at byte {at:#x}"
            )));
        }
        at += insn_len(code, at);
    }
    let frame = (depth + FRAME_ALIGN - 1) / FRAME_ALIGN * FRAME_ALIGN;
    for at in frame_ops {
        let new = i64::from(off(code, at)) + frame;
        let new = i16::try_from(new).map_err(|_| refuse(format!("a frame of {frame} bytes")))?;
        set_off(code, at, new);
    }
    for at in address_adds {
        let new = i64::from(bpf::imm(code, at)) + frame;
        bpf::set_imm(
            code,
            at,
            i32::try_from(new).map_err(|_| refuse(format!("a frame of {frame} bytes")))?,
        );
    }
    Ok(frame)
}

/// Relinks the relocatable BPF object `object` into a tos-tbpf SBPF V3 file whose entry
/// point is the function named `entry`.
pub fn relink_v3(object: &[u8], entry: &str) -> Result<Relinked, RelinkError> {
    let header = Header::parse(object).map_err(parse_err)?;
    let (sections, symbols) = check_object(header, object)?;
    let section_name = |index: usize| -> String {
        sections
            .section(object::SectionIndex(index))
            .ok()
            .and_then(|sh| sections.section_name(LE, sh).ok())
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .unwrap_or_default()
    };
    let name_of = |sym_index: usize| -> String {
        symbols
            .symbol(object::SymbolIndex(sym_index))
            .ok()
            .and_then(|s| symbols.symbol_name(LE, s).ok())
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .unwrap_or_default()
    };

    // The text sections' bytes, and their functions (a section start is one too).
    let mut code: BTreeMap<usize, Vec<u8>> = BTreeMap::new();
    let mut rodata = Vec::new();
    let mut rodata_base: BTreeMap<usize, usize> = BTreeMap::new();
    for (index, sh) in sections.enumerate() {
        let name = sections.section_name(LE, sh).unwrap_or(b"");
        let data = || sh.data(LE, object).map_err(parse_err);
        match role(sh, name) {
            Role::Text => {
                code.insert(index.0, data()?.to_vec());
            }
            Role::ReadOnly => {
                let align = (sh.sh_addralign(LE) as usize).max(1);
                rodata.resize(rodata.len().div_ceil(align) * align, 0);
                rodata_base.insert(index.0, rodata.len());
                rodata.extend_from_slice(data()?);
            }
            _ => {}
        }
    }
    if code.is_empty() {
        return Err(RelinkError::NoText);
    }
    // `.data`'s load image after the read-only data; `.bss` only in the heap.
    let statics = Statics::place(
        &sections,
        &symbols,
        object,
        &mut rodata,
        tako_abi::MM_PROGRAM_START,
        &mut rodata_base,
    )?;
    let entry = statics.entry(&symbols, entry)?;
    let mut starts: BTreeMap<usize, BTreeMap<usize, String>> = code
        .keys()
        .map(|&s| (s, BTreeMap::from([(0, String::new())])))
        .collect();
    for (index, sym) in symbols.enumerate() {
        if sym.st_type() == elf::STT_FUNC {
            if let Some(set) = starts.get_mut(&(sym.st_shndx(LE) as usize)) {
                set.insert(sym.st_value(LE) as usize, name_of(index.0));
            }
        }
    }
    let mut functions = Vec::new();
    for (&section, set) in &starts {
        let bytes = code.get_mut(&section).expect("a text section");
        let len = bytes.len();
        let bounds: Vec<(usize, String)> = set.iter().map(|(&o, n)| (o, n.clone())).collect();
        for (i, (start, name)) in bounds.iter().enumerate() {
            let end = bounds.get(i + 1).map_or(len, |(o, _)| *o);
            if *start >= end {
                continue;
            }
            let name = if name.is_empty() {
                section_name(section)
            } else {
                name.clone()
            };
            let frame = rebase_frame(bytes, *start, end, &name)?;
            // The last instruction: walk to it (an lddw's second slot is not one).
            let mut last = *start;
            let mut at = *start;
            while at < end {
                last = at;
                at += insn_len(bytes, at);
            }
            let needs_exit = !matches!(bytes[last], OP_JA | OP_EXIT);
            functions.push(Function {
                section,
                start: *start,
                end,
                frame,
                needs_exit,
            });
        }
    }

    // Lay the text out: marker, body, exit when needed.
    let mut text = Vec::new();
    let mut placed: BTreeMap<(usize, usize), usize> = BTreeMap::new(); // (section, start) -> marker offset
    for f in &functions {
        placed.insert((f.section, f.start), text.len());
        let mut marker = [0u8; 8];
        marker[0] = OP_ADD64_IMM;
        marker[1] = FP;
        bpf::set_imm(
            &mut marker,
            0,
            i32::try_from(-f.frame).expect("frames are below 32 KiB"),
        );
        text.extend_from_slice(&marker);
        text.extend_from_slice(&code[&f.section][f.start..f.end]);
        if f.needs_exit {
            text.extend_from_slice(&[OP_EXIT, 0, 0, 0, 0, 0, 0, 0]);
        }
    }
    // Where an old (section, offset) lands: a function start is its marker, anything else
    // the moved instruction.
    let function_of = |section: usize, offset: usize| -> Option<&Function> {
        functions
            .iter()
            .find(|f| f.section == section && f.start <= offset && offset < f.end)
    };
    let text_at = |section: usize, offset: usize, for_call: bool| -> Option<usize> {
        let f = function_of(section, offset)?;
        let marker = placed[&(f.section, f.start)];
        Some(if for_call && offset == f.start {
            marker
        } else {
            marker + INSN_SIZE + (offset - f.start)
        })
    };
    let text_len = text.len();

    let mut syscalls = Vec::new();
    let mut relocated_calls = std::collections::BTreeSet::new();
    for sh in sections.iter() {
        let Some((rels, _)) = sh.rel(LE, object).map_err(parse_err)? else {
            continue;
        };
        let target = sh.sh_info(LE) as usize;
        let in_text = code.contains_key(&target);
        let in_rodata = rodata_base.get(&target).copied();
        if !in_text && in_rodata.is_none() {
            continue;
        }
        let target_name = section_name(target);
        for rel in rels {
            let offset = rel.r_offset(LE) as usize;
            let sym_index = rel.r_sym(LE) as usize;
            let bad = |reason: &'static str| RelinkError::BadRelocation {
                offset: offset as u64,
                section: target_name.clone(),
                reason,
            };
            let sym = symbols
                .symbol(object::SymbolIndex(sym_index))
                .map_err(parse_err)?;
            let sym_section = sym.st_shndx(LE) as usize;
            let is_section = sym.st_type() == elf::STT_SECTION;
            // The VM address of the symbol plus `addend`: a static's is in the heap, an
            // undefined symbol has one only when the linker defines it.
            let address = |addend: i64| -> Result<u64, RelinkError> {
                let at = sym.st_value(LE) as i64 + addend;
                if let Some(heap) = statics.heap.get(&sym_section) {
                    Ok(heap.wrapping_add(at as u64))
                } else if let Some(value) = (sym_section == elf::SHN_UNDEF as usize)
                    .then(|| statics.linker_symbol(&name_of(sym_index)))
                    .flatten()
                {
                    Ok(value.wrapping_add(addend as u64))
                } else if code.contains_key(&sym_section) {
                    text_at(sym_section, at as usize, true)
                        .map(|o| o as u64)
                        .ok_or_else(|| bad("address inside no function"))
                } else if let Some(base) = rodata_base.get(&sym_section) {
                    Ok(tako_abi::MM_PROGRAM_START + (*base as i64 + at) as u64)
                } else {
                    Err(RelinkError::UndefinedAddress {
                        name: demangle(&name_of(sym_index)),
                        section: target_name.clone(),
                    })
                }
            };
            match rel.r_type(LE) {
                bpf::R_BPF_64_64 if in_text => {
                    let at = text_at(target, offset, false)
                        .ok_or_else(|| bad("lddw inside no function"))?;
                    if text[at] != bpf::OP_LDDW {
                        return Err(bad("R_BPF_64_64 must patch an lddw in .text"));
                    }
                    let addend = i64::from(bpf::imm(&text, at));
                    bpf::set_lddw(&mut text, at, address(addend)?);
                }
                bpf::R_BPF_64_ABS64 => {
                    let Some(base) = in_rodata else {
                        return Err(bad("R_BPF_64_ABS64 must patch read-only data"));
                    };
                    let at = base + offset;
                    if at + 8 > rodata.len() {
                        return Err(bad("R_BPF_64_ABS64 slot past the end of its section"));
                    }
                    let addend =
                        i64::from_le_bytes(rodata[at..at + 8].try_into().expect("8 bytes"));
                    let value = address(addend)?;
                    rodata[at..at + 8].copy_from_slice(&value.to_le_bytes());
                }
                bpf::R_BPF_64_32 if in_text => {
                    let at = text_at(target, offset, false)
                        .ok_or_else(|| bad("call inside no function"))?;
                    if text[at] != bpf::OP_CALL_IMM {
                        return Err(bad("R_BPF_64_32 must patch a call in .text"));
                    }
                    relocated_calls.insert(at);
                    if code.contains_key(&sym_section) {
                        let old = if is_section {
                            (sym.st_value(LE) as i64
                                + (i64::from(bpf::imm(&text, at)) + 1) * INSN_SIZE as i64)
                                as usize
                        } else {
                            sym.st_value(LE) as usize
                        };
                        let callee = text_at(sym_section, old, true)
                            .ok_or_else(|| bad("call target inside no function"))?;
                        if function_of(sym_section, old).is_none_or(|f| f.start != old) {
                            return Err(bad("call target is not a function start"));
                        }
                        let rel = (callee as i64 - (at + INSN_SIZE) as i64) / INSN_SIZE as i64;
                        bpf::set_imm(
                            &mut text,
                            at,
                            i32::try_from(rel).map_err(|_| bad("call too far"))?,
                        );
                        text[at + 1] = (text[at + 1] & 0x0f) | 0x10;
                    } else {
                        let name = name_of(sym_index);
                        let syscall = syscall_for(&name)
                            .ok_or_else(|| RelinkError::undefined_symbol(&name))?;
                        bpf::set_imm(&mut text, at, tako_abi::syscall_hash(syscall) as i32);
                        text[at + 1] &= 0x0f;
                        syscalls.push(syscall);
                    }
                }
                other => {
                    return Err(RelinkError::UnsupportedRelocation {
                        r_type: other,
                        offset: offset as u64,
                        section: target_name,
                    })
                }
            }
        }
    }
    // Calls the assembler resolved inside a section (no relocation) are pc-relative in the
    // old layout: the markers and exits moved their targets.
    for f in &functions {
        let old = &code[&f.section];
        let mut o = f.start;
        while o < f.end {
            if old[o] == bpf::OP_CALL_IMM && src(old, o) == 1 {
                let at = text_at(f.section, o, false).expect("inside its function");
                if !relocated_calls.contains(&at) {
                    let target = o as i64 + (i64::from(bpf::imm(old, o)) + 1) * INSN_SIZE as i64;
                    let callee = usize::try_from(target)
                        .ok()
                        .filter(|t| function_of(f.section, *t).is_some_and(|g| g.start == *t))
                        .and_then(|t| text_at(f.section, t, true))
                        .ok_or_else(|| RelinkError::V3 {
                            function: demangle(&starts[&f.section][&f.start]),
                            reason: format!("a call at byte {o:#x} to no function start"),
                        })?;
                    let rel = (callee as i64 - (at + INSN_SIZE) as i64) / INSN_SIZE as i64;
                    bpf::set_imm(&mut text, at, i32::try_from(rel).expect("inside the text"));
                }
            }
            o += insn_len(old, o);
        }
    }
    bpf::rewrite_callx_for_v0(&mut text);

    let mut entry_offset = None;
    let mut frames = Vec::new();
    let mut function_symbols = Vec::new();
    for f in &functions {
        let name = starts[&f.section][&f.start].clone();
        let offset = placed[&(f.section, f.start)] as u64;
        if name == entry {
            entry_offset = Some(offset);
        }
        frames.push((demangle(&name), f.frame as u64));
        if !name.is_empty() {
            let size =
                (INSN_SIZE + f.end - f.start + if f.needs_exit { INSN_SIZE } else { 0 }) as u64;
            function_symbols.push(FunctionSymbol { name, offset, size });
        }
    }
    let entry = entry_offset.ok_or_else(|| RelinkError::MissingEntry(entry.to_string()))?;
    rodata.resize(rodata.len().div_ceil(8) * 8, 0);
    syscalls.sort_unstable();
    syscalls.dedup();
    let rodata_size = rodata.len() as u64;
    let elf = writer::write_v3(&text, &rodata, entry, statics.size, &function_symbols);
    Ok(Relinked {
        elf,
        text_size: text_len as u64,
        rodata_size,
        syscalls,
        frames,
        statics: statics.size,
    })
}
