//! `core::fmt` without an allocator: [`StackWriter`] formats into a fixed buffer on the
//! stack, and [`log!`](crate::log!) logs `format_args!` through it.
//!
//! Formatting needs the linker's IR rewrites (`core::fmt` passes six argument registers in
//! `Formatter::pad_integral`); every contract built by `./build-example.sh` has them.
//! Cost: the formatting code itself (a few KiB of `.text` the first time a contract
//! formats anything) plus one `log` of the formatted length.

use core::fmt::{self, Write};

/// Bytes [`log!`](crate::log!) formats at most; a longer message is cut at a character
/// boundary and ends with `...`. The SDK's own reports (a panic's location, an allocation
/// failure, an input too large) use a buffer of the same size, so that a contract holds
/// one copy of the writer's code.
pub const LOG_BUFFER: usize = 256;

/// A `fmt::Write` into `N` bytes on the stack. Writing never fails: what does not fit is
/// dropped (at a UTF-8 character boundary) and [`StackWriter::truncated`] is set.
pub struct StackWriter<const N: usize> {
    buf: [u8; N],
    len: usize,
    truncated: bool,
}

impl<const N: usize> StackWriter<N> {
    /// An empty writer.
    pub const fn new() -> Self {
        Self {
            buf: [0; N],
            len: 0,
            truncated: false,
        }
    }

    /// What was written (always valid UTF-8).
    pub fn as_str(&self) -> &str {
        // Only whole `&str`s or their prefixes cut at character boundaries are copied in.
        core::str::from_utf8(&self.buf[..self.len]).unwrap_or("")
    }

    /// Appends `s` (cut at a character boundary when it does not fit), without going
    /// through `core::fmt`.
    pub fn push_str(&mut self, s: &str) {
        let _ = Write::write_str(self, s);
    }

    /// Appends `n` in decimal, without going through `core::fmt` (the panic handler's
    /// line and column).
    pub fn push_u64(&mut self, n: u64) {
        self.buffer().push_u64(n);
    }

    /// Logs what was written (one `log` syscall), without checking the
    /// bytes again (they are UTF-8 by construction).
    pub(crate) fn log(&self) {
        crate::log::log_utf8(&self.buf[..self.len]);
    }

    /// Whether some output did not fit.
    pub fn truncated(&self) -> bool {
        self.truncated
    }

    /// Marks a truncated buffer by ending it with `...` (when `N >= 3`); an untruncated one
    /// is left as it is.
    pub(crate) fn mark_truncated(&mut self) {
        if self.truncated {
            self.buffer().mark_truncated();
        }
    }

    fn buffer(&mut self) -> Buffer<'_> {
        Buffer {
            buf: &mut self.buf,
            len: &mut self.len,
            truncated: &mut self.truncated,
        }
    }
}

impl<const N: usize> Default for StackWriter<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Write for StackWriter<N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let room = N - self.len;
        let mut take = s.len().min(room);
        if take < s.len() {
            self.truncated = true;
            while take > 0 && !s.is_char_boundary(take) {
                take -= 1;
            }
        }
        self.buf[self.len..self.len + take].copy_from_slice(&s.as_bytes()[..take]);
        self.len += take;
        Ok(())
    }
}

/// A [`StackWriter`]'s fields without its size in the type, for the cold writes (numbers,
/// the truncation mark): compiled once for every `N` a contract uses, and for size (the
/// digit loop unrolled for speed is about 2 KiB of `.text`).
struct Buffer<'a> {
    buf: &'a mut [u8],
    len: &'a mut usize,
    truncated: &'a mut bool,
}

impl Buffer<'_> {
    #[inline(never)]
    #[cfg_attr(target_arch = "bpf", optimize(size))]
    fn push_u64(&mut self, mut n: u64) {
        let mut digits = [0u8; 20];
        let mut i = digits.len();
        loop {
            i -= 1;
            digits[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        // ASCII digits: every prefix ends at a character boundary.
        let digits = &digits[i..];
        let at = *self.len;
        let take = digits.len().min(self.buf.len() - at);
        if take < digits.len() {
            *self.truncated = true;
        }
        self.buf[at..at + take].copy_from_slice(&digits[..take]);
        *self.len = at + take;
    }

    /// Ends a truncated buffer with `...`, backing off to a character boundary.
    #[inline(never)]
    #[cfg_attr(target_arch = "bpf", optimize(size))]
    fn mark_truncated(&mut self) {
        if self.buf.len() < 3 {
            return;
        }
        let written = *self.len;
        let mut end = written.min(self.buf.len() - 3);
        while end > 0 && !is_char_boundary(&self.buf[..written], end) {
            end -= 1;
        }
        self.buf[end..end + 3].copy_from_slice(b"...");
        *self.len = end + 3;
    }
}

fn is_char_boundary(bytes: &[u8], index: usize) -> bool {
    index >= bytes.len() || (bytes[index] as i8) >= -0x40
}

/// Formats `args` into [`LOG_BUFFER`] bytes and logs them (what [`log!`](crate::log!)
/// calls). A message without arguments is logged without formatting.
pub fn log_fmt(args: fmt::Arguments<'_>) {
    if let Some(plain) = args.as_str() {
        crate::log(plain);
        return;
    }
    let mut w = StackWriter::<LOG_BUFFER>::new();
    // `StackWriter` never fails; a `Display` impl that does only shortens the message.
    let _ = w.write_fmt(args);
    w.mark_truncated();
    w.log();
}

/// Logs a formatted message: `log!("x = {} {:08x}", a, b)`. Same syntax as `format!`; the
/// result is cut to [`LOG_BUFFER`] bytes. Costs the formatting plus one `log`
/// (base + 1 CU per byte).
#[macro_export]
macro_rules! log {
    ($($arg:tt)*) => {
        $crate::fmt::log_fmt(::core::format_args!($($arg)*))
    };
}

/// Logs a message, formatted like [`log!`](crate::log!) (TOS's name for it; a plain
/// string literal is logged without formatting code).
#[macro_export]
macro_rules! debug_log {
    ($($arg:tt)*) => {
        $crate::fmt::log_fmt(::core::format_args!($($arg)*))
    };
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    #[test]
    fn formats_like_core() {
        let mut w = StackWriter::<64>::new();
        write!(w, "x = {} {:08x} [{:>5}]", -3, 0xbeefu32, "ab").unwrap();
        assert_eq!(w.as_str(), "x = -3 0000beef [   ab]");
        assert!(!w.truncated());
    }

    #[test]
    fn pushes_numbers_without_fmt() {
        let mut w = StackWriter::<32>::new();
        w.push_str("at ");
        w.push_u64(0);
        w.push_str(":");
        w.push_u64(u64::MAX);
        assert_eq!(w.as_str(), "at 0:18446744073709551615");
    }

    #[test]
    fn overflow_is_cut_at_a_char_boundary_and_marked() {
        let mut w = StackWriter::<8>::new();
        let accents = "ééé";
        write!(w, "ab{accents}").unwrap();
        // "ab" + three 2-byte 'é' fill 8 bytes exactly: nothing is cut.
        assert_eq!(w.as_str(), "abééé");
        assert!(!w.truncated());
        let mut w = StackWriter::<7>::new();
        let accents = "ééé";
        write!(w, "ab{accents}").unwrap();
        assert!(w.truncated());
        assert_eq!(w.as_str(), "abéé", "never half a character");
        w.mark_truncated();
        // The marker replaces the last 3 bytes, backing off to a character boundary.
        assert_eq!(w.as_str(), "abé...");
        assert!(core::str::from_utf8(w.as_str().as_bytes()).is_ok());
    }

    /// What a writer holds is always UTF-8 (it is logged without a check) and, unless
    /// truncated, exactly what was written; truncated, a prefix of it marked with `...`.
    mod always_utf8 {
        use super::*;
        use proptest::prelude::*;
        use std::string::{String, ToString};

        #[derive(Debug, Clone)]
        enum Piece {
            Str(String),
            Num(u64),
            Formatted(String, u64),
        }

        fn piece() -> impl Strategy<Value = Piece> {
            prop_oneof![
                "\\PC{0,6}".prop_map(Piece::Str),
                any::<u64>().prop_map(Piece::Num),
                ("\\PC{0,3}", any::<u64>()).prop_map(|(s, n)| Piece::Formatted(s, n)),
            ]
        }

        fn check<const N: usize>(pieces: &[Piece]) -> Result<(), TestCaseError> {
            let mut w = StackWriter::<N>::new();
            let mut expected = String::new();
            for p in pieces {
                match p {
                    Piece::Str(s) => {
                        w.push_str(s);
                        expected.push_str(s);
                    }
                    Piece::Num(n) => {
                        w.push_u64(*n);
                        expected.push_str(&n.to_string());
                    }
                    Piece::Formatted(s, n) => {
                        let _ = write!(w, "{s}={n:x}");
                        expected.push_str(&std::format!("{s}={n:x}"));
                    }
                }
            }
            w.mark_truncated();
            let held = core::str::from_utf8(&w.buf[..w.len]);
            prop_assert!(held.is_ok(), "{:?}", &w.buf[..w.len]);
            let held = held.unwrap_or_default();
            prop_assert_eq!(w.truncated(), expected.len() > N);
            if !w.truncated() {
                prop_assert_eq!(held, expected.as_str());
            } else if N >= 3 {
                let kept = held.strip_suffix("...");
                prop_assert!(kept.is_some_and(|k| expected.starts_with(k)), "{held:?}");
            }
            Ok(())
        }

        proptest! {
            #[test]
            fn in_any_buffer(pieces in proptest::collection::vec(piece(), 0..8)) {
                check::<0>(&pieces)?;
                check::<2>(&pieces)?;
                check::<7>(&pieces)?;
                check::<16>(&pieces)?;
                check::<64>(&pieces)?;
            }
        }
    }
}
