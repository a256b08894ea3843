//! [`ByteBuffer`]: a growable byte vector in a slab.

use super::{Handle, Slab, SlabError};

/// A growable byte vector stored in a [`Slab`]: one allocation that grows in place into
/// free slots after it when it can, and otherwise moves to a run of at least twice its
/// slots (amortised O(1) `push`), its contents copied, its old slots freed.
///
/// It holds only a [`Handle`]; every method takes the slab, so any number of buffers
/// share one slab. An empty buffer made by [`new`](Self::new) holds no slot. Nothing is
/// freed on drop (there is no slab to free into): call [`free`](Self::free). A buffer whose
/// allocation was freed behind its back reads as empty and refuses to grow
/// ([`SlabError::StaleHandle`]).
///
/// ```
/// use tos_alloc::slab::{ByteBuffer, Slab};
/// let mut region = [0u8; 2048];
/// let mut slab = Slab::<16>::new(&mut region).unwrap();
/// let mut buf = ByteBuffer::new();
/// buf.extend_from_slice(&mut slab, b"hello, ").unwrap();
/// buf.extend_from_slice(&mut slab, b"slab world").unwrap();
/// buf.push(&mut slab, b'!').unwrap();
/// assert_eq!(buf.as_slice(&slab), b"hello, slab world!");
/// buf.free(&mut slab);
/// assert_eq!(slab.usage().live_bytes, 0);
/// ```
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ByteBuffer {
    handle: Option<Handle>,
}

impl ByteBuffer {
    /// An empty buffer, holding no slot.
    pub const fn new() -> Self {
        ByteBuffer { handle: None }
    }

    /// An empty buffer with room for `capacity` bytes before it needs to grow.
    pub fn with_capacity<const SLOT: usize>(
        slab: &mut Slab<'_, SLOT>,
        capacity: usize,
    ) -> Result<Self, SlabError> {
        let h = slab.alloc_len(capacity, 0)?;
        if let Some(e) = slab.live(h) {
            slab.set_len_in_place(h.index(), e, 0);
        }
        Ok(ByteBuffer { handle: Some(h) })
    }

    /// The buffer of an existing allocation (e.g. a message popped from a
    /// [`ByteBufferDeque`](super::ByteBufferDeque)): its bytes are the buffer's contents.
    pub const fn from_handle(handle: Handle) -> Self {
        ByteBuffer {
            handle: Some(handle),
        }
    }

    /// The allocation holding the bytes (`None` until the first byte is added).
    pub const fn handle(&self) -> Option<Handle> {
        self.handle
    }

    /// Number of bytes.
    pub fn len<const SLOT: usize>(&self, slab: &Slab<'_, SLOT>) -> usize {
        self.handle.and_then(|h| slab.len_of(h)).unwrap_or(0)
    }

    /// Whether the buffer holds no byte.
    pub fn is_empty<const SLOT: usize>(&self, slab: &Slab<'_, SLOT>) -> bool {
        self.len(slab) == 0
    }

    /// Bytes it can hold without growing.
    pub fn capacity<const SLOT: usize>(&self, slab: &Slab<'_, SLOT>) -> usize {
        self.handle.and_then(|h| slab.capacity_of(h)).unwrap_or(0)
    }

    /// The contents.
    pub fn as_slice<'s, const SLOT: usize>(&self, slab: &'s Slab<'_, SLOT>) -> &'s [u8] {
        self.handle.and_then(|h| slab.get(h)).unwrap_or(&[])
    }

    /// The contents, writable.
    pub fn as_mut_slice<'s, const SLOT: usize>(
        &self,
        slab: &'s mut Slab<'_, SLOT>,
    ) -> &'s mut [u8] {
        match self.handle {
            Some(h) => slab.get_mut(h).unwrap_or(&mut []),
            None => &mut [],
        }
    }

    /// Appends one byte.
    pub fn push<const SLOT: usize>(
        &mut self,
        slab: &mut Slab<'_, SLOT>,
        byte: u8,
    ) -> Result<(), SlabError> {
        self.extend_from_slice(slab, &[byte])
    }

    /// Appends `bytes`. On error the buffer is unchanged.
    pub fn extend_from_slice<const SLOT: usize>(
        &mut self,
        slab: &mut Slab<'_, SLOT>,
        bytes: &[u8],
    ) -> Result<(), SlabError> {
        let Some(h) = self.handle else {
            self.handle = Some(slab.alloc(bytes)?);
            return Ok(());
        };
        let e = slab.live(h).ok_or(SlabError::StaleHandle(h))?;
        let old = e.len as usize;
        let new_len = old.checked_add(bytes.len()).ok_or(SlabError::TooLarge {
            len: usize::MAX,
            max: slab.max_len(),
        })?;
        let h = slab.resize_to(h, new_len, 2 * e.span as usize)?;
        self.handle = Some(h);
        let start = Slab::<SLOT>::offset(h.index()) + old;
        slab.data[start..start + bytes.len()].copy_from_slice(bytes);
        Ok(())
    }

    /// Empties the buffer, keeping its slots for later bytes.
    pub fn clear<const SLOT: usize>(&mut self, slab: &mut Slab<'_, SLOT>) {
        if let Some(h) = self.handle {
            if let Some(e) = slab.live(h) {
                slab.set_len_in_place(h.index(), e, 0);
            }
        }
    }

    /// Frees the buffer's slots.
    pub fn free<const SLOT: usize>(self, slab: &mut Slab<'_, SLOT>) {
        if let Some(h) = self.handle {
            // A stale handle has nothing left to free.
            let _ = slab.free(h);
        }
    }
}
