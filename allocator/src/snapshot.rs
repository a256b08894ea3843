//! [`HeapView`]: a snapshot of a heap's bytes whose bump header is consistent, what the
//! strategies' header decoders read (so that they need nothing of `inspect`).

use crate::header::Stats;

/// A snapshot of a heap whose bump header is consistent: what the strategy decoders get.
pub(crate) struct HeapView<'a> {
    /// The heap's bytes, from its start (the bump header).
    pub(crate) bytes: &'a [u8],
    /// The address the heap had (of `bytes[0]`).
    pub(crate) base: usize,
    /// The bump heap's first data address (`base + HEADER_SIZE`): where a strategy's header is.
    pub(crate) data_start: usize,
    /// The bump cursor.
    pub(crate) cursor: usize,
    /// The bump heap's figures.
    pub(crate) stats: Stats,
}

impl HeapView<'_> {
    /// The bytes from address `addr` on (empty when `addr` is outside the snapshot).
    pub(crate) fn bytes_at(&self, addr: usize) -> &[u8] {
        addr.checked_sub(self.base)
            .and_then(|off| self.bytes.get(off..))
            .unwrap_or(&[])
    }
}
