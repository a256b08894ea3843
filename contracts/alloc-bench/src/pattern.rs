//! The patterns of `alloc-bench`, chosen by the input's first word: the one list the
//! contract dispatches on and the VM's bench and tests include (by path) to name them.

/// `count` × `alloc(size, 8)`, each block written once and kept live.
pub const ALLOC: u64 = 0;
/// The same loop without the allocation (and its null check): writes a stack slot.
pub const BASELINE: u64 = 1;
/// `count` × (`alloc(size, 8)`, write, `dealloc`): the steady state of a churning heap.
pub const ALLOC_FREE: u64 = 2;
/// `Vec<u64>::new()` then `count` pushes.
pub const VEC_PUSH: u64 = 3;
/// `BTreeMap<u64, u64>`: `count` inserts, then `count` removes.
pub const BTREEMAP: u64 = 4;
/// Fixed-seed alloc/free/realloc mix (sizes 8..=`size`) until the first failed allocation,
/// or `count` operations when `count` > 0.
pub const RANDOM_MIX: u64 = 5;
/// `count` × `Box::new(u64)` (layout known at compile time), kept live.
pub const BOX_U64: u64 = 6;
/// `BTreeMap<u64, u64>`: `count` fixed-seed inserts or removes, at most `size` keys live.
pub const CHURN: u64 = 7;
/// `BOX_U64`'s loop without the allocation: the value written to a stack slot.
pub const BOX_BASELINE: u64 = 8;
/// The `collections` example contract's workload (`Vec` growth, `BTreeMap`, `String`
/// building, `Box<dyn Trait>`, `Rc`) with size `count`, its own source included by path.
/// Only in a build with the `collections` feature (a build of its own, so that the other
/// patterns compile as without it); elsewhere `INVALID_INPUT`.
pub const COLLECTIONS: u64 = 9;

/// Every pattern, in order.
pub const ALL: [u64; 10] = [
    ALLOC,
    BASELINE,
    ALLOC_FREE,
    VEC_PUSH,
    BTREEMAP,
    RANDOM_MIX,
    BOX_U64,
    CHURN,
    BOX_BASELINE,
    COLLECTIONS,
];
