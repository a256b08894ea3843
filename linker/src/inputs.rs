//! Reads what rustc hands the linker: LLVM bitcode files, or archives (`.rlib`, `.a`) whose
//! bitcode members are linked. Anything else is refused by name.

use std::path::Path;

use object::read::archive::ArchiveFile;
use thiserror::Error;

/// One bitcode module handed to the linker.
#[derive(Debug)]
pub struct BitcodeInput {
    /// Where it came from (file, or archive member), for messages.
    pub name: String,
    /// The bitcode bytes.
    pub bytes: Vec<u8>,
}

/// An input the linker cannot use.
#[derive(Debug, Error)]
pub enum InputError {
    /// The file could not be read.
    #[error("cannot read `{path}`: {source}")]
    Read {
        /// The path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is neither bitcode nor an archive.
    #[error(
        "`{0}` is not LLVM bitcode or an archive of it: tako-linker links the bitcode rustc \
         emits for the tbpf-tos-tos target (is the target spec's `obj-is-bitcode` set?)"
    )]
    NotBitcode(String),
    /// An archive could not be parsed.
    #[error("`{path}` is a malformed archive: {message}")]
    Archive {
        /// The path.
        path: String,
        /// What is wrong.
        message: String,
    },
}

/// Raw bitcode starts with `BC 0xC0DE`; the wrapper format with `0x0B17C0DE`.
pub fn is_bitcode(bytes: &[u8]) -> bool {
    bytes.starts_with(b"BC\xC0\xDE") || bytes.starts_with(&[0xDE, 0xC0, 0x17, 0x0B])
}

/// Reads one input path into the bitcode modules it holds.
pub fn read(path: &Path) -> Result<Vec<BitcodeInput>, InputError> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| InputError::Read {
        path: shown.clone(),
        source,
    })?;
    if is_bitcode(&bytes) {
        return Ok(vec![BitcodeInput { name: shown, bytes }]);
    }
    if bytes.starts_with(b"!<arch>\n") {
        let archive = ArchiveFile::parse(&*bytes).map_err(|e| InputError::Archive {
            path: shown.clone(),
            message: e.to_string(),
        })?;
        let mut modules = Vec::new();
        for member in archive.members() {
            let member = member.map_err(|e| InputError::Archive {
                path: shown.clone(),
                message: e.to_string(),
            })?;
            let data = member.data(&*bytes).map_err(|e| InputError::Archive {
                path: shown.clone(),
                message: e.to_string(),
            })?;
            // rlibs also hold metadata (`lib.rmeta`): only bitcode members are code.
            if is_bitcode(data) {
                let name = String::from_utf8_lossy(member.name()).into_owned();
                modules.push(BitcodeInput {
                    name: format!("{shown}({name})"),
                    bytes: data.to_vec(),
                });
            }
        }
        return Ok(modules);
    }
    Err(InputError::NotBitcode(shown))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elf_object_is_refused_by_name() {
        let dir = std::env::temp_dir().join(format!("tako-linker-inputs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("host.o");
        std::fs::write(&path, b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0").unwrap();
        let err = read(&path).unwrap_err().to_string();
        assert!(err.contains("host.o"), "{err}");
        assert!(err.contains("not LLVM bitcode"), "{err}");
    }

    #[test]
    fn bitcode_magic_is_recognised() {
        assert!(is_bitcode(b"BC\xC0\xDE\x35\x14"));
        assert!(!is_bitcode(b"\x7fELF"));
    }
}
