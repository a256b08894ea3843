//! [`Handle`]: a generation-checked reference to a slab allocation.

/// A generation-checked reference to an allocation in a [`Slab`](super::Slab): the index of its first
/// slot and that slot's generation when it was allocated. `Copy`, 4 bytes as
/// [`to_bits`](Self::to_bits).
///
/// A handle carries no slab identity (as a key of another `slotmap` would not): used on
/// another slab, or made from any bits by [`from_bits`](Self::from_bits), it names that
/// slab's allocation with the same first slot and generation if there is one, and is
/// refused as stale ([`SlabError::StaleHandle`](super::SlabError::StaleHandle)) otherwise;
/// it never reaches memory outside the slab's slots. The shared property model and the
/// `slab` fuzz target use such handles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Handle {
    pub(super) index: u16,
    pub(super) generation: u16,
}

impl Handle {
    /// The index of the allocation's first slot.
    pub const fn index(self) -> usize {
        self.index as usize
    }

    /// The generation of that slot when the handle was issued.
    pub const fn generation(self) -> u16 {
        self.generation
    }

    /// The handle as 32 bits (index in the low half), e.g. to store it in slab memory.
    pub const fn to_bits(self) -> u32 {
        self.index as u32 | (self.generation as u32) << 16
    }

    /// The handle [`to_bits`](Self::to_bits) gave.
    pub const fn from_bits(bits: u32) -> Self {
        Handle {
            index: bits as u16,
            generation: (bits >> 16) as u16,
        }
    }
}
