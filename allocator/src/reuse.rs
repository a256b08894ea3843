//! What a bump heap does with the blocks it is given back: the [`Reuse`] policy that
//! [`Heap`](crate::Heap) and [`TosAllocator`](crate::TosAllocator) take as a type
//! parameter. [`Rewind`], the default, reclaims the most recent block; [`NoReuse`]
//! reclaims nothing, for a contract whose calls are short: the VM's heap goes with the call,
//! so a free at its end serves no later allocation.
//!
//! A leaf: the heap imports it, it imports nothing of the crate.

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Rewind {}
    impl Sealed for super::NoReuse {}
}

/// What a bump heap does with a freed or shrunk block. Sealed: the heap's `alloc_zeroed`
/// trusts what a policy says about the memory above the cursor.
pub trait Reuse:
    sealed::Sealed + Copy + Default + core::fmt::Debug + Send + Sync + 'static
{
    /// Whether freeing or shrinking the most recent block moves the cursor back to reuse
    /// its memory. When it does, the memory above the cursor may hold old data: the heap
    /// raises its high-water mark first, and `alloc_zeroed` zeroes what lies below the mark.
    /// When it never does, the mark stays where it is (0 for a heap used only so).
    const REWINDS: bool;
    /// The policy's name, as the CU report names a row of the allocator with it.
    const NAME: &'static str;
}

/// The default policy: `dealloc` of the most recent block rewinds the cursor to it, and
/// `realloc` shrinks the most recent block in place, so blocks freed last-in first-out
/// all come back; a block freed while a later one is live stays used.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rewind;

impl Reuse for Rewind {
    const REWINDS: bool = true;
    const NAME: &'static str = "Rewind";
}

/// Nothing is reclaimed: `dealloc` does nothing and a shrinking `realloc` keeps the block's
/// memory. The most recent block still grows in place. For a contract made of short calls
/// (decode the state, change it, write it back): each free of the default policy costs a
/// few instructions and, in the caller, registers, to reclaim memory that the end of the
/// call reclaims anyway. A contract that frees and allocates again in a loop runs out of
/// heap sooner with it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoReuse;

impl Reuse for NoReuse {
    const REWINDS: bool = false;
    const NAME: &'static str = "NoReuse";
}
