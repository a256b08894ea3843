//! The input region: `[u64 little-endian length N][N bytes]` at `MM_INPUT_START`.

use core::fmt;

/// Why a byte region is not a valid TAKO input region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputError {
    /// The region is shorter than the 8-byte length prefix.
    MissingLength {
        /// Bytes available.
        available: usize,
    },
    /// The length prefix claims more bytes than the region holds.
    Truncated {
        /// Length the prefix declares.
        declared: u64,
        /// Bytes available after the prefix.
        available: usize,
    },
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingLength { available } => write!(
                f,
                "input region has {available} bytes, fewer than the 8-byte length prefix"
            ),
            Self::Truncated {
                declared,
                available,
            } => write!(
                f,
                "input length prefix declares {declared} bytes but only {available} follow"
            ),
        }
    }
}

/// Reads an input region laid out as the VM writes it: an 8-byte little-endian length
/// `N`, then `N` bytes. Returns those `N` bytes; bytes past them are ignored.
///
/// # Errors
/// [`InputError`] when the region is shorter than its prefix says.
pub fn parse_input(region: &[u8]) -> Result<&[u8], InputError> {
    let Some((prefix, rest)) = region.split_first_chunk::<8>() else {
        return Err(InputError::MissingLength {
            available: region.len(),
        });
    };
    let declared = u64::from_le_bytes(*prefix);
    match usize::try_from(declared) {
        Ok(n) if n <= rest.len() => Ok(&rest[..n]),
        _ => Err(InputError::Truncated {
            declared,
            available: rest.len(),
        }),
    }
}

/// The bytes the run was called with.
///
/// Reads the fixed input region at [`crate::MM_INPUT_START`], so it works in any
/// function, including a plain `extern "C" fn entrypoint() -> u64`.
///
/// # Panics
/// On the host (not `target_arch = "bpf"`): there is no input region outside the VM.
#[inline]
pub fn input() -> &'static [u8] {
    #[cfg(target_arch = "bpf")]
    {
        // SAFETY: the VM maps the input region at MM_INPUT_START for the whole run and
        // writes its layout: an 8-byte-aligned little-endian length N followed by N
        // readable bytes. The SDK never hands out a mutable view of the region.
        unsafe { input_at(tako_abi::MM_INPUT_START as *const u8) }
    }
    #[cfg(not(target_arch = "bpf"))]
    {
        panic!("tako-sdk: input() is only available inside the TAKO VM (target_arch = \"bpf\")")
    }
}

/// Reads the input region that starts at `region` (the `r1` the VM passes to
/// `entrypoint`). Used by [`crate::entrypoint!`].
///
/// # Safety
/// `region` must point to a readable, 8-byte-aligned input region as the VM lays it out
/// (length `N` then `N` bytes) that stays unchanged for `'static`.
#[doc(hidden)]
#[inline]
pub unsafe fn input_at(region: *const u8) -> &'static [u8] {
    // SAFETY: the caller guarantees an aligned, readable length prefix...
    let len = unsafe { (region as *const u64).read() };
    // SAFETY: ...followed by `len` readable bytes that live and stay unchanged for 'static.
    unsafe { core::slice::from_raw_parts(region.add(8), len as usize) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_length_prefixed_bytes() {
        let region = [3, 0, 0, 0, 0, 0, 0, 0, 7, 8, 9, 0xff];
        assert_eq!(parse_input(&region), Ok(&[7u8, 8, 9][..]));
    }

    #[test]
    fn empty_input_is_valid() {
        assert_eq!(parse_input(&[0; 8]), Ok(&[][..]));
    }

    #[test]
    fn short_prefix_is_an_error() {
        assert_eq!(
            parse_input(&[1, 0, 0]),
            Err(InputError::MissingLength { available: 3 })
        );
    }

    #[test]
    fn truncated_region_is_an_error() {
        let region = [5, 0, 0, 0, 0, 0, 0, 0, 1, 2];
        assert_eq!(
            parse_input(&region),
            Err(InputError::Truncated {
                declared: 5,
                available: 2
            })
        );
    }

    #[test]
    fn huge_prefix_is_an_error_not_an_overflow() {
        let mut region = [0xffu8; 9];
        region[8] = 1;
        assert!(matches!(
            parse_input(&region),
            Err(InputError::Truncated {
                declared: u64::MAX,
                ..
            })
        ));
    }

    #[test]
    fn input_at_reads_an_aligned_region() {
        let words: [u64; 2] = [5, u64::from_le_bytes(*b"hello!!!")];
        // SAFETY: `words` is aligned, holds a length of 5 then at least 5 bytes, and
        // outlives the slice (checked before `words` is dropped).
        let got = unsafe { input_at(words.as_ptr() as *const u8) };
        assert_eq!(got, b"hello");
    }

    #[test]
    #[should_panic(expected = "only available inside the TAKO VM")]
    fn input_panics_on_the_host() {
        let _ = input();
    }
}
