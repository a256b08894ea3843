//! `cargo tako info`: what a `.so` is, read from its ELF headers: SBPF version, entry, sizes,
//! statics, syscalls.

use std::path::Path;

use anyhow::{bail, Context, Result};
use goblin::elf::Elf;

/// A `.so` as `cargo tako info` describes it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Info {
    /// `V0`, `V3`, or `e_flags N` for another value.
    pub version: String,
    /// File size in bytes.
    pub size: u64,
    /// The entry point's address.
    pub entry: u64,
    /// The symbol at the entry point, when the file names it.
    pub entry_symbol: Option<String>,
    /// Size of `.text`.
    pub text_size: u64,
    /// Size of `.rodata` (0 when there is none).
    pub rodata_size: u64,
    /// Bytes of writable statics at the start of the heap.
    pub statics: u64,
    /// The syscalls the program calls, sorted: V0's undefined dynamic symbols, V3's
    /// `call imm` hashes matched against tako-abi's table.
    pub syscalls: Vec<String>,
    /// The functions the file's symbols name, largest first (empty without symbols).
    pub functions: Vec<vm_harness::Function>,
}

/// How many of the largest functions the text description lists (`--json` has them all).
pub const LISTED_FUNCTIONS: usize = 10;

/// The opcode of `call imm` (the linker's); a syscall has source register 0 (a call to a
/// function of the program has 1).
const OP_CALL_IMM: u8 = tako_linker::relink::bpf::OP_CALL_IMM;

/// Describes the `.so` bytes `so`.
pub fn describe(so: &[u8]) -> Result<Info> {
    let elf = Elf::parse(so).context("not an ELF file")?;
    let machine = elf.header.e_machine;
    if machine != vm_harness::EM_BPF && machine != vm_harness::EM_SBPF {
        bail!(
            "not an SBPF program: e_machine is {machine} (BPF is {}, SBPF {})",
            vm_harness::EM_BPF,
            vm_harness::EM_SBPF
        );
    }
    let flags = elf.header.e_flags;
    let version = match flags {
        0 => "V0".to_string(),
        3 => "V3".to_string(),
        other => format!("e_flags {other}"),
    };
    let section = |name: &str| {
        elf.section_headers
            .iter()
            .find(|s| elf.shdr_strtab.get_at(s.sh_name) == Some(name))
    };
    let text = section(".text").context("the file has no .text section header")?;
    let rodata_size = section(".rodata").map_or(0, |s| s.sh_size);
    let entry = elf.header.e_entry;
    let functions = vm_harness::functions_by_size(so)?;
    let entry_symbol = functions
        .iter()
        .find(|f| f.address == entry && f.size > 0)
        .map(|f| f.name.clone());
    let mut syscalls: Vec<String> = if flags == 3 {
        let start = text.sh_offset as usize;
        let bytes = so
            .get(start..start + text.sh_size as usize)
            .context(".text lies outside the file")?;
        bytes
            .chunks_exact(8)
            .filter(|insn| insn[0] == OP_CALL_IMM && insn[1] >> 4 == 0)
            .filter_map(|insn| {
                let hash = u32::from_le_bytes([insn[4], insn[5], insn[6], insn[7]]);
                tako_abi::SYSCALLS
                    .iter()
                    .find(|s| tako_abi::syscall_hash(s.name) == hash)
                    .map(|s| s.name.to_string())
            })
            .collect()
    } else {
        elf.dynsyms
            .iter()
            .filter(|s| s.st_shndx == 0 && s.st_name != 0)
            .filter_map(|s| elf.dynstrtab.get_at(s.st_name).map(str::to_string))
            .collect()
    };
    syscalls.sort();
    syscalls.dedup();
    Ok(Info {
        version,
        size: so.len() as u64,
        entry,
        entry_symbol,
        text_size: text.sh_size,
        rodata_size,
        statics: vm_harness::statics_size(so),
        syscalls,
        functions,
    })
}

/// Reads and describes the `.so` at `path`.
pub fn describe_file(path: &Path) -> Result<Info> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    describe(&bytes).with_context(|| format!("{}", path.display()))
}

impl std::fmt::Display for Info {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "SBPF version: {}", self.version)?;
        writeln!(f, "size:         {} bytes", self.size)?;
        match &self.entry_symbol {
            Some(name) => writeln!(f, "entry:        {:#x} ({name})", self.entry)?,
            None => writeln!(f, "entry:        {:#x}", self.entry)?,
        }
        writeln!(f, ".text:        {} bytes", self.text_size)?;
        writeln!(f, ".rodata:      {} bytes", self.rodata_size)?;
        writeln!(f, "statics:      {} bytes", self.statics)?;
        write!(f, "syscalls:     {}", self.syscalls.join(", "))?;
        if self.functions.is_empty() {
            return Ok(());
        }
        write!(
            f,
            "\nlargest functions ({} of {}, bytes and share of .text):",
            self.functions.len().min(LISTED_FUNCTIONS),
            self.functions.len()
        )?;
        for function in self.functions.iter().take(LISTED_FUNCTIONS) {
            let share = 100.0 * function.size as f64 / self.text_size.max(1) as f64;
            write!(
                f,
                "\n  {:>7}  {share:>5.1}%  {}",
                function.size, function.name
            )?;
        }
        Ok(())
    }
}
