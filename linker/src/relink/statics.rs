//! Writable statics: `.data*`/`.bss*` sections (and atomics or cells in `static`s) live
//! at the start of the VM's heap region, as TOS's own toolchain places them.
//!
//! - the heap allocator's header keeps its constant place at `MM_HEAP_START`
//!   (`tako_abi::HEAP_HEADER_SIZE` bytes); the statics follow it;
//! - `.data` sections come first; their initial bytes (relocated like
//!   any read-only data) go into the read-only data as the load image, which the entry
//!   the IR pass adds (`__tako_start`) copies into place before the contract runs;
//! - `.bss` sections follow, left to the VM's zero-fill (the heap is fresh every run);
//! - the heap's first free byte after them, 8-aligned, is `__tako_heap_start`, where
//!   tos-alloc's blocks start; header and statics may take at most
//!   `tako_abi::MAX_STATICS_SIZE` bytes.
//!
//! The linker-defined symbols of [`tako_abi::linker_symbols`] resolve here.

use std::collections::BTreeMap;

use object::elf;
use object::read::elf::{SectionHeader as _, Sym as _};
use object::LittleEndian as LE;

use super::sections::{parse_err, role, Role, Section, Sections, Symbols};
use super::{demangle, RelinkError};
use tako_abi::linker_symbols;

/// Where the writable sections of one object live.
#[derive(Debug, Default)]
pub(super) struct Statics {
    /// Section index → VM address of the section's first byte (in the heap region).
    pub heap: BTreeMap<usize, u64>,
    /// VM address of `.data` in the heap (after the allocator's header).
    pub data_start: u64,
    /// VM address of `.data`'s load image in read-only data (0 when there is no `.data`).
    pub load: u64,
    /// Bytes of `.data` (copied at entry).
    pub data_size: u64,
    /// Where the statics end, as bytes past `MM_HEAP_START` (the allocator's header, any
    /// padding, `.data` and `.bss`); 0 without statics.
    pub size: u64,
}

impl Statics {
    /// Places the object's writable sections. `.data` bytes are appended to `bytes` (the
    /// read-only image, whose byte 0 is at VM address `bytes_vm`), each section recorded
    /// in `base` at its offset there so that relocations patch the load image.
    pub fn place(
        sections: &Sections<'_>,
        symbols: &Symbols<'_>,
        object: &[u8],
        bytes: &mut Vec<u8>,
        bytes_vm: u64,
        base: &mut BTreeMap<usize, usize>,
    ) -> Result<Statics, RelinkError> {
        let writable: Vec<(usize, &Section)> = sections
            .enumerate()
            .filter(|(_, sh)| {
                role(sh, sections.section_name(LE, sh).unwrap_or(b"")) == Role::Writable
            })
            .map(|(i, sh)| (i.0, sh))
            .collect();
        let mut statics = Statics::default();
        if writable.is_empty() {
            return Ok(statics);
        }
        // The load image starts aligned as strictly as any section in it, so each
        // section keeps its alignment once copied to `MM_HEAP_START`.
        let image_align = writable
            .iter()
            .map(|(_, sh)| sh.sh_addralign(LE).max(1))
            .max()
            .unwrap_or(1)
            .max(tako_abi::HEAP_START_ALIGN) as usize;
        let (data, bss): (Vec<_>, Vec<_>) = writable
            .into_iter()
            .partition(|(_, sh)| sh.sh_type(LE) != elf::SHT_NOBITS);
        // Offsets from `MM_HEAP_START`: the statics follow the allocator's header.
        let first = tako_abi::HEAP_HEADER_SIZE.next_multiple_of(image_align as u64);
        let mut cursor = first;
        if !data.is_empty() {
            bytes.resize(bytes.len().next_multiple_of(image_align), 0);
            let load = bytes.len();
            for (index, sh) in &data {
                let align = (sh.sh_addralign(LE) as usize).max(1);
                bytes.resize(bytes.len().next_multiple_of(align), 0);
                base.insert(*index, bytes.len());
                statics.heap.insert(
                    *index,
                    tako_abi::MM_HEAP_START + first + (bytes.len() - load) as u64,
                );
                bytes.extend_from_slice(sh.data(LE, object).map_err(parse_err)?);
            }
            bytes.resize(bytes.len().next_multiple_of(8), 0);
            statics.load = bytes_vm + load as u64;
            statics.data_start = tako_abi::MM_HEAP_START + first;
            statics.data_size = (bytes.len() - load) as u64;
            cursor += statics.data_size;
        }
        for (index, sh) in &bss {
            cursor = cursor.next_multiple_of(sh.sh_addralign(LE).max(1));
            statics
                .heap
                .insert(*index, tako_abi::MM_HEAP_START + cursor);
            cursor += sh.sh_size(LE);
        }
        statics.size = cursor;
        if statics.size > tako_abi::MAX_STATICS_SIZE {
            return Err(RelinkError::StaticsTooLarge {
                size: cursor - first,
                limit: tako_abi::MAX_STATICS_SIZE - first,
                symbols: largest_symbols(&statics, sections, symbols),
            });
        }
        Ok(statics)
    }

    /// The heap's first free byte after the allocator's header and the statics.
    pub fn heap_start(&self) -> u64 {
        tako_abi::MM_HEAP_START + tako_abi::heap_start_offset(self.size)
    }

    /// The function the program starts at: `__tako_start` when the IR pass added it (it
    /// copies `.data` into place, then calls `requested`), else `requested`. `.data`
    /// without it would run with its statics zeroed: refused.
    pub fn entry<'a>(
        &self,
        symbols: &Symbols<'_>,
        requested: &'a str,
    ) -> Result<&'a str, RelinkError> {
        let defines_start = symbols.iter().any(|s| {
            s.st_type() == elf::STT_FUNC
                && s.st_shndx(LE) != elf::SHN_UNDEF
                && symbols.symbol_name(LE, s).ok() == Some(linker_symbols::START.as_bytes())
        });
        match (defines_start, self.data_size) {
            (true, _) => Ok(linker_symbols::START),
            (false, 0) => Ok(requested),
            (false, size) => Err(RelinkError::DataWithoutStart { size }),
        }
    }

    /// The value of a symbol the linker defines (`__tako_heap_start`, ...), by name.
    pub fn linker_symbol(&self, name: &str) -> Option<u64> {
        match name {
            n if n == linker_symbols::HEAP_START => Some(self.heap_start()),
            n if n == linker_symbols::DATA_START => Some(self.data_start),
            n if n == linker_symbols::DATA_LOAD => Some(self.load),
            n if n == linker_symbols::DATA_SIZE => Some(self.data_size),
            _ => None,
        }
    }
}

/// The largest statics, `name (N bytes)`, biggest first, for the size refusal.
fn largest_symbols(statics: &Statics, sections: &Sections<'_>, symbols: &Symbols<'_>) -> String {
    let mut sized: Vec<(u64, String)> = symbols
        .iter()
        .filter(|s| statics.heap.contains_key(&(s.st_shndx(LE) as usize)))
        .filter(|s| s.st_type() != elf::STT_SECTION && s.st_size(LE) > 0)
        .filter_map(|s| {
            let name = symbols.symbol_name(LE, s).ok()?;
            Some((s.st_size(LE), demangle(&String::from_utf8_lossy(name))))
        })
        .collect();
    if sized.is_empty() {
        sized = statics
            .heap
            .keys()
            .filter_map(|&i| {
                let sh = sections.section(object::SectionIndex(i)).ok()?;
                let name = sections.section_name(LE, sh).ok()?;
                Some((
                    sh.sh_size(LE),
                    format!("section {}", String::from_utf8_lossy(name)),
                ))
            })
            .collect();
    }
    sized.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let shown: Vec<String> = sized
        .iter()
        .take(8)
        .map(|(size, name)| format!("`{name}` ({size} bytes)"))
        .collect();
    let more = sized.len().saturating_sub(shown.len());
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}
