//! A free chunk's header: the link to the next free chunk and the chunk's length.

/// A free chunk's header, the first 8 bytes of its first block: two `u32`, the byte offset
/// (from block 0) of the next free chunk (or `NONE`) and the chunk's length in bytes. Each
/// is one `ldxw` (which zero-extends: no masking) and is used as a `usize`.
#[derive(Clone, Copy)]
pub(super) struct Chunk(pub(super) *mut u32);

impl Chunk {
    #[inline(always)]
    pub(super) fn next(self) -> usize {
        // SAFETY: `self` points at a free chunk's header, inside the block area (8-aligned,
        // blocks are at least 8 bytes).
        unsafe { self.0.read() as usize }
    }

    #[inline(always)]
    pub(super) fn len(self) -> usize {
        // SAFETY: as in `next`.
        unsafe { self.0.add(1).read() as usize }
    }

    #[inline(always)]
    pub(super) fn set_next(self, next: usize) {
        // SAFETY: as in `next`; the chunk is free (or being made free): its header is ours.
        unsafe { self.0.write(next as u32) }
    }

    #[inline(always)]
    pub(super) fn set_len(self, len: usize) {
        // SAFETY: as in `set_next`.
        unsafe { self.0.add(1).write(len as u32) }
    }

    #[inline(always)]
    pub(super) fn set(self, next: usize, len: usize) {
        self.set_next(next);
        self.set_len(len);
    }
}
