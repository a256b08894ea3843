//! The bump arithmetic, as safe integer functions over addresses: no pointers, no state,
//! `core` only. Everything the allocator decides about where a block goes is decided here,
//! so it can be property-tested, fuzzed and run under Miri alone.
//!
//! Addresses are plain `usize`s. The heap keeps two invariants these functions rely on
//! (and state where they do): the cursor and the end are multiples of [`GRANULE`], and
//! `cursor <= end`.

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

/// The highest heap end the fast path supports: `isize::MAX` rounded down to the granule.
/// Every real heap ends far below it (the VM's at `0x3_0004_0000` at most; host regions
/// are checked when created), and it is what lets the fast path (`bump_small`) skip overflow checks.
pub const MAX_END: usize = isize::MAX as usize & !(GRANULE - 1);

/// The fast path: the cursor after a block of `size` bytes with an alignment of at most
/// [`GRANULE`] is placed at `cursor`, or `None` when it does not fit before `end`.
///
/// Requires the heap's invariants, `cursor <= end <= MAX_END`, both multiples of
/// [`GRANULE`] (a fresh heap is `(0, 0)`, where nothing but a zero-sized block fits), and
/// `size <= isize::MAX`, which every `Layout` guarantees. Then nothing here can overflow:
/// `size` rounded up to the granule is at most `2^63`, and `cursor < 2^63`, so their sum
/// is below `2^64`. That saves the subtraction a room check would need: an add, a mask, an
/// add and one comparison with the end (one instruction fewer than `size > end - cursor`).
#[inline(always)]
pub(crate) const fn bump_small(cursor: usize, end: usize, size: usize) -> Option<usize> {
    debug_assert!(cursor <= end && end <= MAX_END && size <= isize::MAX as usize);
    debug_assert!(cursor.is_multiple_of(GRANULE) && end.is_multiple_of(GRANULE));
    let new = cursor + ((size + (GRANULE - 1)) & !(GRANULE - 1));
    if new > end {
        return None;
    }
    Some(new)
}

/// The general placement: where a block of `size` bytes aligned to `align` (a power of
/// two) goes when the cursor is at `cursor` and the heap ends at `end`:
/// `Some((block, new_cursor))`, or `None` when it does not fit, including every overflow
/// of the arithmetic (nothing ever wraps around).
///
/// Total for any inputs; the result is in bounds whenever `cursor <= end`.
#[inline]
pub const fn place(cursor: usize, end: usize, size: usize, align: usize) -> Option<(usize, usize)> {
    let start = if align <= GRANULE {
        cursor
    } else {
        match align_up(cursor, align) {
            Some(s) => s,
            None => return None,
        }
    };
    let rounded = match round_size(size) {
        Some(r) => r,
        None => return None,
    };
    match start.checked_add(rounded) {
        Some(new) if new <= end => Some((start, new)),
        _ => None,
    }
}

/// The cursor after resizing the most recent block, at `block`, to `new_size` bytes, or
/// `None` if that does not fit before `end`.
///
/// Requires `block <= end <= MAX_END`, `block` a multiple of [`GRANULE`] (every block the
/// heap hands out starts at a granule-aligned address below its end), `end` one too, and
/// `new_size <= isize::MAX` (`GlobalAlloc::realloc`'s contract); then, as in
/// [`bump_small`], nothing overflows.
#[inline(always)]
pub(crate) const fn resize_top(block: usize, end: usize, new_size: usize) -> Option<usize> {
    debug_assert!(block <= end && end <= MAX_END && new_size <= isize::MAX as usize);
    debug_assert!(block.is_multiple_of(GRANULE) && end.is_multiple_of(GRANULE));
    let new = block + ((new_size + (GRANULE - 1)) & !(GRANULE - 1));
    if new > end {
        return None;
    }
    Some(new)
}

/// Where the block at `block` of `size` bytes ends in the heap: its start plus its size
/// rounded up to the granule. For a block the heap handed out this never overflows (the
/// result is at most the heap's end); for other inputs it wraps instead of failing, and
/// the result means nothing.
#[inline(always)]
pub const fn block_end(block: usize, size: usize) -> usize {
    block.wrapping_add(size.wrapping_add(GRANULE - 1) & !(GRANULE - 1))
}

/// Whether the block at `block` of `size` bytes is the most recent one (ends at `cursor`).
#[inline(always)]
pub const fn is_top(block: usize, size: usize, cursor: usize) -> bool {
    block_end(block, size) == cursor
}

/// How many bytes at the start of a new block at `block` of `size` bytes may hold old
/// data and must be zeroed by `alloc_zeroed`: those below `watermark`, the highest cursor
/// the heap ever reached (memory above it was never handed out and is still zero).
#[inline(always)]
pub const fn dirty_len(block: usize, size: usize, watermark: usize) -> usize {
    let below = watermark.saturating_sub(block);
    if below < size {
        below
    } else {
        size
    }
}

/// The end address of a heap whose region starts at `base` and whose blocks start at
/// `data_start`, given the size it was declared with and the size really mapped: the
/// smaller of the two, rounded down to the granule, never below `data_start` (a region
/// too small for its header has no room at all) and never past [`MAX_END`] (the region's
/// creator checks that `data_start` is not past it either).
#[inline]
pub const fn heap_end(base: usize, data_start: usize, declared: usize, mapped: usize) -> usize {
    let size = if declared < mapped { declared } else { mapped };
    let end = match base.checked_add(size) {
        Some(e) if e <= MAX_END => e & !(GRANULE - 1),
        _ => MAX_END,
    };
    if end < data_start {
        data_start
    } else {
        end
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
        assert_eq!(bump_small(64, 1000, 1), Some(72));
        assert_eq!(bump_small(64, 1000, 9), Some(80));
    }

    #[test]
    fn large_alignments_round_the_start() {
        assert_eq!(place(72, 10_000, 8, 4096), Some((4096, 4104)));
        assert_eq!(place(4096, 10_000, 8, 4096), Some((4096, 4104)));
        assert_eq!(place(72, 10_000, 1, 16), Some((80, 88)));
    }

    #[test]
    fn overflow_is_none_not_wraparound() {
        assert_eq!(place(usize::MAX - 7, usize::MAX, 16, 8), None);
        assert_eq!(place(64, usize::MAX, usize::MAX, 8), None);
        assert_eq!(place(usize::MAX - 100, usize::MAX, 8, 4096), None);
        assert_eq!(round_size(usize::MAX), None);
        assert_eq!(resize_top(MAX_END - 8, MAX_END, 64), None);
        assert_eq!(resize_top(64, MAX_END, isize::MAX as usize), None);
        assert_eq!(resize_top(MAX_END - 8, MAX_END, 9), None);
        assert_eq!(resize_top(MAX_END - 8, MAX_END, 8), Some(MAX_END));
        assert_eq!(bump_small(64, MAX_END, isize::MAX as usize), None);
        assert_eq!(bump_small(MAX_END - 8, MAX_END, isize::MAX as usize), None);
        assert_eq!(bump_small(MAX_END - 8, MAX_END, 8), Some(MAX_END));
        assert!(!is_top(usize::MAX - 7, 64, usize::MAX & !7));
    }

    #[test]
    fn exact_fit_succeeds_one_more_byte_fails() {
        assert_eq!(place(0, 64, 64, 8), Some((0, 64)));
        assert_eq!(place(0, 64, 65, 8), None);
        assert_eq!(bump_small(0, 64, 64), Some(64));
        assert_eq!(bump_small(0, 64, 65), None);
        assert_eq!(bump_small(0, 64, 57), Some(64));
    }

    #[test]
    fn a_fresh_heap_fits_nothing() {
        assert_eq!(bump_small(0, 0, 1), None);
        assert_eq!(place(0, 0, 1, 4096), None);
    }

    #[test]
    fn top_detection_and_resize() {
        assert!(is_top(64, 9, 80));
        assert!(!is_top(64, 9, 72));
        assert_eq!(resize_top(64, 128, 64), Some(128));
        assert_eq!(resize_top(64, 128, 65), None);
        assert_eq!(resize_top(64, 128, 1), Some(72));
        assert_eq!(resize_top(128, 128, 0), Some(128));
        assert_eq!(resize_top(128, 128, 1), None);
        assert_eq!(block_end(64, 9), 80);
    }

    #[test]
    fn dirty_len_is_the_part_below_the_watermark() {
        assert_eq!(dirty_len(64, 16, 0), 0);
        assert_eq!(dirty_len(64, 16, 64), 0);
        assert_eq!(dirty_len(64, 16, 72), 8);
        assert_eq!(dirty_len(64, 16, 1000), 16);
    }

    #[test]
    fn heap_end_takes_the_smaller_size() {
        assert_eq!(
            heap_end(0x1000, 0x1028, 256 * 1024, 32 * 1024),
            0x1000 + 32 * 1024
        );
        assert_eq!(
            heap_end(0x1000, 0x1028, 32 * 1024, 256 * 1024),
            0x1000 + 32 * 1024
        );
        assert_eq!(heap_end(0x1000, 0x1028, 1027, 4096), 0x1000 + 1024);
        assert_eq!(heap_end(0x1000, 0x1028, 8, 4096), 0x1028);
        assert_eq!(heap_end(MAX_END - 64, MAX_END - 24, 128, 128), MAX_END);
        assert_eq!(
            heap_end(usize::MAX - 15, usize::MAX - 7, 64, 64),
            usize::MAX - 7
        );
    }

    proptest! {
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

        #[test]
        fn the_fast_path_agrees_with_the_general_one(
            cursor in (0usize..1 << 20).prop_map(|c| c * GRANULE),
            room in (0usize..1 << 17).prop_map(|r| r * GRANULE),
            size in 0usize..1 << 20,
            align_log in 0u32..=3,
        ) {
            let end = cursor + room;
            prop_assert_eq!(
                bump_small(cursor, end, size),
                place(cursor, end, size, 1 << align_log).map(|(_, new)| new)
            );
        }

        #[test]
        fn resizing_the_top_agrees_with_checked_arithmetic(
            block in (0usize..1 << 20).prop_map(|c| c * GRANULE),
            room in (0usize..1 << 17).prop_map(|r| r * GRANULE),
            new_size in prop_oneof![0usize..1 << 20, (isize::MAX as usize - 16)..=isize::MAX as usize],
        ) {
            let end = block + room;
            let checked = round_size(new_size)
                .and_then(|r| block.checked_add(r))
                .filter(|&n| n <= end);
            prop_assert_eq!(resize_top(block, end, new_size), checked);
        }

        #[test]
        fn the_fast_path_never_passes_the_end_near_the_highest_end(
            back in 0usize..1 << 12,
            room in (0usize..1 << 9).prop_map(|r| r * GRANULE),
            size in prop_oneof![0usize..1 << 13, (isize::MAX as usize - (1 << 13))..=isize::MAX as usize],
        ) {
            let end = MAX_END - back * GRANULE;
            let cursor = end - room;
            let checked = round_size(size)
                .and_then(|r| cursor.checked_add(r))
                .filter(|&n| n <= end);
            prop_assert_eq!(bump_small(cursor, end, size), checked);
            if let Some(new) = bump_small(cursor, end, size) {
                prop_assert!(new <= end);
                prop_assert!(new - cursor >= size);
            } else {
                prop_assert!(size > end - cursor);
            }
        }
    }
}
