//! The size classes: their block sizes and the table that maps a request to its class.

use core::alloc::Layout;

use crate::bump::GRANULE;

/// The largest request served from a size class; larger ones go to the bump heap.
pub const MAX_SMALL: usize = 512;

/// Number of size classes.
pub const CLASSES: usize = 13;

/// The block size of each class, ascending; the last is [`MAX_SMALL`].
pub const CLASS_SIZES: [usize; CLASSES] = [8, 16, 24, 32, 48, 64, 96, 128, 192, 256, 288, 384, 512];

/// Each class's block size in granules: `CLASS_SIZES[c] == CLASS_GRANULES[c] * GRANULE`.
/// The refill reads this, so the compiler knows the size is a multiple of the granule and
/// drops the bump's rounding.
pub(super) const CLASS_GRANULES: [u8; CLASSES] = {
    let mut t = [0u8; CLASSES];
    let mut c = 0;
    while c < CLASSES {
        assert!(CLASS_SIZES[c] / GRANULE <= u8::MAX as usize);
        t[c] = (CLASS_SIZES[c] / GRANULE) as u8;
        c += 1;
    }
    t
};

/// `CLASS_OF[(size + 7) / 8]` is the class of a request of `size <= MAX_SMALL` bytes.
const CLASS_OF: [u8; MAX_SMALL / GRANULE + 1] = {
    let mut table = [0u8; MAX_SMALL / GRANULE + 1];
    let mut i = 0;
    while i < table.len() {
        let mut c = 0;
        while CLASS_SIZES[c] < i * GRANULE {
            c += 1;
        }
        table[i] = c as u8;
        i += 1;
    }
    table
};

const _: () = {
    let mut c = 1;
    while c < CLASSES {
        assert!(CLASS_SIZES[c] > CLASS_SIZES[c - 1] && CLASS_SIZES[c].is_multiple_of(GRANULE));
        c += 1;
    }
    assert!(CLASS_SIZES[0] >= core::mem::size_of::<usize>());
    assert!(CLASS_SIZES[CLASSES - 1] == MAX_SMALL);
};

/// The class of a small request: `size <= MAX_SMALL`.
#[inline(always)]
pub(crate) fn class_of(size: usize) -> usize {
    debug_assert!(size <= MAX_SMALL);
    // An add and a shift (`div_ceil` may leave a remainder test in BPF code).
    #[allow(clippy::manual_div_ceil)]
    let i = (size + (GRANULE - 1)) / GRANULE;
    // SAFETY: `size <= MAX_SMALL`, so `i <= MAX_SMALL / GRANULE`, the table's last index.
    unsafe { *CLASS_OF.get_unchecked(i) as usize }
}

/// Whether a layout is served by a size class (else by the bump heap).
#[inline(always)]
pub fn is_small(layout: Layout) -> bool {
    layout.size() <= MAX_SMALL && layout.align() <= GRANULE
}
