//! The bump arithmetic, as safe integer functions over addresses: no pointers, no state,
//! `core` only. Everything the allocator decides about where a block goes is decided here,
//! so it can be property-tested and fuzzed alone.

/// Blocks are handed out in multiples of this granule, so the cursor is always 8-aligned
/// and the common `align <= 8` case needs no alignment arithmetic at all.
pub const GRANULE: usize = 8;

/// Rounds `size` up to the granule. `None` if that overflows.
#[inline(always)]
pub const fn round_size(size: usize) -> Option<usize> {
    match size.checked_add(GRANULE - 1) {
        Some(s) => Some(s & !(GRANULE - 1)),
        None => None,
    }
}

/// Rounds `addr` up to `align` (a power of two). `None` if that overflows.
#[inline(always)]
pub const fn align_up(addr: usize, align: usize) -> Option<usize> {
    match addr.checked_add(align - 1) {
        Some(a) => Some(a & !(align - 1)),
        None => None,
    }
}

/// Where a block of `size` bytes aligned to `align` goes when the cursor is at `cursor`
/// and the heap ends at `end`: `Some((block, new_cursor))`, or `None` when it does not fit.
///
/// `cursor` and `end` are granule-aligned and `align` is a power of two (what the header
/// and `Layout` guarantee). Under those conditions nothing here can wrap around: the size
/// is compared with the room left *before* it is rounded and added, and the room is a
/// multiple of the granule, so `size <= room` implies `round_size(size) <= room`. This is
/// the allocator's fast path: two compares, one subtraction, the rounding and one add.
#[inline(always)]
pub const fn place(cursor: usize, end: usize, size: usize, align: usize) -> Option<(usize, usize)> {
    let start = if align <= GRANULE {
        cursor
    } else {
        match align_up(cursor, align) {
            Some(s) => s,
            None => return None,
        }
    };
    let room = match end.checked_sub(start) {
        Some(r) => r,
        None => return None,
    };
    if size > room {
        return None;
    }
    // size <= room <= usize::MAX - 7 - start: neither the rounding nor the add can wrap.
    let rounded = (size + (GRANULE - 1)) & !(GRANULE - 1);
    Some((start, start + rounded))
}

/// The cursor after resizing the block at `block` (the most recent one) to `new_size`,
/// if it fits before `end`.
#[inline(always)]
pub const fn resize_top(block: usize, end: usize, new_size: usize) -> Option<usize> {
    match round_size(new_size) {
        Some(r) => match block.checked_add(r) {
            Some(new) if new <= end => Some(new),
            _ => None,
        },
        None => None,
    }
}

/// Whether the block at `block` of `size` bytes is the most recent one (ends at `cursor`).
#[inline(always)]
pub const fn is_top(block: usize, size: usize, cursor: usize) -> bool {
    match round_size(size) {
        Some(r) => match block.checked_add(r) {
            Some(e) => e == cursor,
            None => false,
        },
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn small_alignments_take_the_cursor_as_is() {
        assert_eq!(place(64, 1000, 1, 1), Some((64, 72)));
        assert_eq!(place(64, 1000, 8, 8), Some((64, 72)));
        assert_eq!(place(64, 1000, 9, 4), Some((64, 80)));
        assert_eq!(place(64, 1000, 0, 1), Some((64, 64)));
    }

    #[test]
    fn large_alignments_round_the_start() {
        assert_eq!(place(72, 10_000, 8, 4096), Some((4096, 4104)));
        assert_eq!(place(4096, 10_000, 8, 4096), Some((4096, 4104)));
    }

    #[test]
    fn overflow_is_none_not_wraparound() {
        let top = usize::MAX & !(GRANULE - 1);
        assert_eq!(place(top - 8, top, 16, 8), None);
        assert_eq!(place(64, top, usize::MAX, 8), None);
        assert_eq!(place(64, top, usize::MAX - 3, 8), None);
        assert_eq!(place(top, top, 1, 1), None);
        assert_eq!(place(top - 96, top, 8, 4096), None);
        assert_eq!(round_size(usize::MAX), None);
        assert_eq!(resize_top(usize::MAX - 7, usize::MAX, 64), None);
    }

    #[test]
    fn exact_fit_succeeds_one_more_byte_fails() {
        assert_eq!(place(0, 64, 64, 8), Some((0, 64)));
        assert_eq!(place(0, 64, 65, 8), None);
    }

    proptest! {
        #[test]
        fn never_wraps_anywhere_in_the_address_space(
            cursor in any::<usize>().prop_map(|c| c & !(GRANULE - 1)),
            room in any::<usize>(),
            size in any::<usize>(),
            align_log in 0u32..usize::BITS,
        ) {
            let align = 1usize << align_log;
            let end = cursor.saturating_add(room) & !(GRANULE - 1);
            if let Some((block, new)) = place(cursor, end, size, align) {
                prop_assert!(block >= cursor && block % align == 0);
                prop_assert!(new >= block && new - block >= size && new <= end);
            }
        }

        #[test]
        fn placed_blocks_are_aligned_in_bounds_and_after_the_cursor(
            cursor in (0usize..1 << 20).prop_map(|c| c * GRANULE),
            room in 0usize..1 << 20,
            size in 0usize..1 << 16,
            align_log in 0u32..=12,
        ) {
            let align = 1usize << align_log;
            let end = cursor + room;
            match place(cursor, end, size, align) {
                Some((block, new)) => {
                    prop_assert_eq!(block % align, 0);
                    prop_assert!(block >= cursor);
                    prop_assert!(new >= block + size);
                    prop_assert!(new <= end);
                    prop_assert_eq!(new % GRANULE, 0);
                }
                None => {
                    // It really did not fit.
                    let start = align_up(cursor, align).unwrap();
                    prop_assert!(start + round_size(size).unwrap() > end);
                }
            }
        }
    }
}
