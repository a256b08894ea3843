//! [`ByteBufferDeque`]: a FIFO queue of byte messages in a slab.

use super::{ByteBuffer, Handle, Slab, SlabError};

/// A FIFO queue of byte messages in a [`Slab`]: each message is its own allocation, and
/// their handles are kept in order in a ring of 4-byte handles, itself an allocation of
/// the slab (it doubles when full: grown in place or moved, then unwrapped).
///
/// As with [`ByteBuffer`], every method takes the slab, and nothing is freed on drop:
/// call [`free`](Self::free) (or pop every message and free each).
///
/// ```
/// use tos_alloc::slab::{ByteBufferDeque, Slab};
/// let mut region = [0u8; 2048];
/// let mut slab = Slab::<16>::new(&mut region).unwrap();
/// let mut q = ByteBufferDeque::new();
/// q.push_back(&mut slab, b"first").unwrap();
/// q.push_back(&mut slab, b"second").unwrap();
/// let m = q.pop_front(&mut slab).unwrap();
/// assert_eq!(m.as_slice(&slab), b"first");
/// m.free(&mut slab);
/// assert_eq!(q.pop_front_with(&mut slab, |m| m.len()), Some(6));
/// assert!(q.is_empty());
/// q.free(&mut slab);
/// assert_eq!(slab.usage().live_bytes, 0);
/// ```
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ByteBufferDeque {
    /// The ring of handles (4 bytes each); its length is the ring's capacity × 4.
    ring: Option<Handle>,
    /// Position of the first message in the ring.
    head: usize,
    /// Number of messages.
    len: usize,
}

/// Handles in a new deque's ring.
const RING_START: usize = 4;

impl ByteBufferDeque {
    /// An empty queue, holding no slot.
    pub const fn new() -> Self {
        ByteBufferDeque {
            ring: None,
            head: 0,
            len: 0,
        }
    }

    /// Number of messages.
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether the queue holds no message.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn ring_cap<const SLOT: usize>(&self, slab: &Slab<'_, SLOT>) -> usize {
        self.ring.and_then(|r| slab.len_of(r)).unwrap_or(0) / 4
    }

    /// The handle `i` places after the head, and the ring's capacity: one generation
    /// check of the ring (`None` if it was freed behind the queue's back).
    #[inline]
    fn ring_handle<const SLOT: usize>(
        &self,
        slab: &Slab<'_, SLOT>,
        i: usize,
    ) -> Option<(Handle, usize)> {
        let ring = slab.get(self.ring?)?;
        let cap = ring.len() / 4;
        if cap == 0 {
            return None;
        }
        let pos = (self.head + i) % cap;
        let b = ring.get(pos * 4..pos * 4 + 4)?;
        Some((
            Handle::from_bits(u32::from_le_bytes(b.try_into().ok()?)),
            cap,
        ))
    }

    /// The `i`-th message's handle (0 = front).
    pub fn handle_at<const SLOT: usize>(&self, slab: &Slab<'_, SLOT>, i: usize) -> Option<Handle> {
        if i >= self.len {
            return None;
        }
        self.ring_handle(slab, i).map(|(h, _)| h)
    }

    /// The `i`-th message (0 = front).
    pub fn get<'s, const SLOT: usize>(
        &self,
        slab: &'s Slab<'_, SLOT>,
        i: usize,
    ) -> Option<&'s [u8]> {
        slab.get(self.handle_at(slab, i)?)
    }

    /// The first message.
    pub fn front<'s, const SLOT: usize>(&self, slab: &'s Slab<'_, SLOT>) -> Option<&'s [u8]> {
        self.get(slab, 0)
    }

    /// Makes room for one more handle in the ring.
    fn reserve_one<const SLOT: usize>(
        &mut self,
        slab: &mut Slab<'_, SLOT>,
    ) -> Result<(), SlabError> {
        let Some(ring) = self.ring else {
            self.ring = Some(slab.alloc_zeroed(RING_START * 4)?);
            self.head = 0;
            return Ok(());
        };
        let cap = self.ring_cap(slab);
        if self.len < cap {
            return Ok(());
        }
        let ring = slab.resize(ring, cap * 2 * 4)?;
        self.ring = Some(ring);
        // Unwrap: the handles at 0..head follow those at head..cap.
        if let Some(bytes) = slab.get_mut(ring) {
            bytes.copy_within(0..self.head * 4, cap * 4);
        }
        Ok(())
    }

    /// Appends a copy of `message`. On error the queue is unchanged.
    pub fn push_back<const SLOT: usize>(
        &mut self,
        slab: &mut Slab<'_, SLOT>,
        message: &[u8],
    ) -> Result<(), SlabError> {
        self.reserve_one(slab)?;
        let h = slab.alloc(message)?;
        // (A live ring is at least 4 handles long; the filter keeps `%` from dividing by 0.)
        let ring = self
            .ring
            .and_then(|r| slab.get_mut(r))
            .filter(|b| b.len() >= 4);
        match ring {
            Some(bytes) => {
                let pos = (self.head + self.len) % (bytes.len() / 4);
                bytes[pos * 4..pos * 4 + 4].copy_from_slice(&h.to_bits().to_le_bytes());
            }
            None => {
                // The ring was freed behind the queue's back.
                let _ = slab.free(h);
                return Err(SlabError::StaleHandle(self.ring.unwrap_or(h)));
            }
        }
        self.len += 1;
        Ok(())
    }

    /// Removes the first message and hands it over as a [`ByteBuffer`] (its allocation is
    /// now the caller's to read and to [`free`](ByteBuffer::free)).
    pub fn pop_front<const SLOT: usize>(
        &mut self,
        slab: &mut Slab<'_, SLOT>,
    ) -> Option<ByteBuffer> {
        if self.len == 0 {
            return None;
        }
        let (h, cap) = self.ring_handle(slab, 0)?;
        self.head = (self.head + 1) % cap;
        self.len -= 1;
        Some(ByteBuffer::from_handle(h))
    }

    /// Removes the first message, passes its bytes to `f`, frees it, and returns what `f`
    /// returned.
    pub fn pop_front_with<const SLOT: usize, R>(
        &mut self,
        slab: &mut Slab<'_, SLOT>,
        f: impl FnOnce(&[u8]) -> R,
    ) -> Option<R> {
        let m = self.pop_front(slab)?;
        let r = f(m.as_slice(slab));
        m.free(slab);
        Some(r)
    }

    /// Frees every message, keeping the ring.
    pub fn clear<const SLOT: usize>(&mut self, slab: &mut Slab<'_, SLOT>) {
        while let Some(m) = self.pop_front(slab) {
            m.free(slab);
        }
        self.head = 0;
        self.len = 0;
    }

    /// Frees every message and the ring.
    pub fn free<const SLOT: usize>(mut self, slab: &mut Slab<'_, SLOT>) {
        self.clear(slab);
        if let Some(r) = self.ring {
            let _ = slab.free(r);
        }
    }
}
