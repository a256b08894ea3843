//! One slot-table word and its fields: `generation` (bits 0..16), `span` (16..32), `len`
//! (32..64).

/// Bit position of `span` in a table word.
pub(super) const SPAN_SHIFT: u32 = 16;
/// Bit position of `len` in a table word.
const LEN_SHIFT: u32 = 32;
/// The `span` bits of a table word.
pub(super) const SPAN_MASK: u64 = 0xFFFF << SPAN_SHIFT;

/// One slot-table entry, decoded.
#[derive(Debug, Clone, Copy)]
pub(super) struct Entry {
    pub(super) generation: u16,
    pub(super) span: u16,
    pub(super) len: u32,
}

impl Entry {
    #[inline]
    pub(super) fn from_word(w: u64) -> Self {
        Entry {
            generation: w as u16,
            span: (w >> SPAN_SHIFT) as u16,
            len: (w >> LEN_SHIFT) as u32,
        }
    }

    #[inline]
    pub(super) fn to_word(self) -> u64 {
        self.generation as u64 | (self.span as u64) << SPAN_SHIFT | (self.len as u64) << LEN_SHIFT
    }
}
