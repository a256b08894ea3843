//! The link report: what one link wrote (SBPF version, sizes, statics, syscalls, V3 frame
//! sizes), as JSON beside the build, so that `cargo tako build` can print it without
//! parsing the `.so` again.

use serde::{Deserialize, Serialize};

use crate::relink::Relinked;

/// One function's stack frame (SBPF V3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Frame {
    /// The function's (demangled) name.
    pub function: String,
    /// Its frame in bytes.
    pub bytes: u64,
}

/// What one link wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkReport {
    /// The SBPF version: `v0` or `v3`.
    pub arch: String,
    /// Size of the `.so` in bytes.
    pub elf_size: u64,
    /// Size of `.text` in bytes.
    pub text_size: u64,
    /// Size of `.rodata` in bytes.
    pub rodata_size: u64,
    /// Bytes of writable statics at the start of the heap.
    pub statics: u64,
    /// The syscalls the program calls, sorted.
    pub syscalls: Vec<String>,
    /// Each function's frame (V3; empty for V0, whose frames are all the same size).
    pub frames: Vec<Frame>,
}

impl LinkReport {
    /// The report of `relinked`, written as SBPF `arch`.
    pub fn new(arch: &str, relinked: &Relinked) -> Self {
        LinkReport {
            arch: arch.to_string(),
            elf_size: relinked.elf.len() as u64,
            text_size: relinked.text_size,
            rodata_size: relinked.rodata_size,
            statics: relinked.statics,
            syscalls: relinked.syscalls.iter().map(|s| s.to_string()).collect(),
            frames: relinked
                .frames
                .iter()
                .map(|(function, bytes)| Frame {
                    function: function.clone(),
                    bytes: *bytes,
                })
                .collect(),
        }
    }

    /// Where the report of the link that writes `output` goes in `dir`:
    /// `DIR/OUTPUT_FILE_NAME.json`.
    pub fn path(dir: &std::path::Path, output_file_name: &str) -> std::path::PathBuf {
        dir.join(format!("{output_file_name}.json"))
    }
}
