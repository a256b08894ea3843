//! The allocator over host memory, through its public API: alignment, failure, rewinding,
//! in-place reallocation, zeroing and statistics.

use std::alloc::{GlobalAlloc, Layout};

use tos_alloc::bump::GRANULE;
use tos_alloc::{NoReuse, RegionError, Stats, TosAllocator, TosHeap, HEADER_SIZE};

fn layout(size: usize, align: usize) -> Layout {
    Layout::from_size_align(size, align).unwrap()
}

/// A zeroed, 8-aligned buffer of `len` bytes (so the data area's size is exact).
struct Buffer {
    words: Vec<u64>,
    len: usize,
}

impl Buffer {
    fn as_ptr_range(&self) -> std::ops::Range<*const u8> {
        let start = self.words.as_ptr().cast::<u8>();
        start..start.wrapping_add(self.len)
    }
}

impl std::ops::Deref for Buffer {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        // SAFETY: the words' bytes, `len <= 8 * words.len()`.
        unsafe { std::slice::from_raw_parts(self.words.as_ptr().cast(), self.len) }
    }
}

impl std::ops::DerefMut for Buffer {
    fn deref_mut(&mut self) -> &mut [u8] {
        // SAFETY: as above, borrowed mutably.
        unsafe { std::slice::from_raw_parts_mut(self.words.as_mut_ptr().cast(), self.len) }
    }
}

fn buffer(len: usize) -> Buffer {
    Buffer {
        words: vec![0; len.div_ceil(8)],
        len,
    }
}

#[test]
fn every_power_of_two_alignment_up_to_4096_is_honoured_and_blocks_start_on_a_granule() {
    let mut buf = buffer(256 * 1024);
    let heap = TosHeap::over(&mut buf).unwrap();
    for shift in 0..=12 {
        let align = 1usize << shift;
        for size in [1, 7, 8, 9, 100] {
            let p = heap.alloc(layout(size, align));
            assert!(!p.is_null(), "size {size} align {align}");
            assert_eq!(
                p.addr() % align.max(GRANULE),
                0,
                "size {size} align {align}"
            );
        }
    }
}

#[test]
fn exhaustion_is_null_and_counted() {
    let mut buf = buffer(1024);
    let heap = TosHeap::over(&mut buf).unwrap();
    let capacity = 1024 - HEADER_SIZE;
    assert_eq!(heap.stats().capacity, capacity);
    assert!(!heap.alloc(layout(capacity - 8, 8)).is_null());
    assert!(heap.alloc(layout(9, 1)).is_null());
    assert!(heap.alloc(layout(16, 8)).is_null());
    assert!(!heap.alloc(layout(8, 1)).is_null());
    assert!(heap.alloc(layout(1, 1)).is_null());
    let s = heap.stats();
    assert_eq!(s.used, capacity);
    assert_eq!(s.failed, 3);
}

#[test]
fn sizes_and_alignments_that_would_overflow_are_null_not_wraparound() {
    let mut buf = buffer(4096);
    let heap = TosHeap::over(&mut buf).unwrap();
    let before = heap.stats();
    for (size, align) in [
        (isize::MAX as usize - 7, 8),
        (isize::MAX as usize - 4095, 4096),
        (isize::MAX as usize / 2, 1),
        (1, 1 << 40),
        (usize::MAX / 4, 1 << 20),
    ] {
        assert!(heap.alloc(layout(size, align)).is_null(), "{size} {align}");
        assert!(
            heap.alloc_zeroed(layout(size, align)).is_null(),
            "{size} {align}"
        );
    }
    let after = heap.stats();
    assert_eq!(after.used, before.used, "failures move nothing");
    assert_eq!(after.failed, before.failed + 10);
    // The heap still works.
    assert!(!heap.alloc(layout(64, 8)).is_null());
}

#[test]
fn dealloc_of_the_most_recent_block_rewinds_others_do_not() {
    let mut buf = buffer(4096);
    let heap = TosHeap::over(&mut buf).unwrap();
    let a = heap.alloc(layout(24, 8));
    let b = heap.alloc(layout(10, 2));
    assert_eq!(heap.stats().used, 40);
    // SAFETY: `a` came from this heap for this layout; it is not the top block.
    unsafe { heap.dealloc(a, layout(24, 8)) };
    assert_eq!(heap.stats().used, 40, "a block below the top stays used");
    // SAFETY: `b` is the top block.
    unsafe { heap.dealloc(b, layout(10, 2)) };
    assert_eq!(heap.stats().used, 24);
    let c = heap.alloc(layout(16, 8));
    assert_eq!(c, b, "the rewound memory is handed out again");
    assert_eq!(heap.stats().peak, 40);
}

#[test]
fn without_reuse_frees_and_shrinks_reclaim_nothing_and_the_top_still_grows_in_place() {
    let mut buf = buffer(4096);
    let heap = TosAllocator::<4096, NoReuse>::new().over(&mut buf).unwrap();
    let a = heap.alloc(layout(24, 8));
    // SAFETY: `a` came from this heap for this layout and is the top block.
    let a = unsafe { heap.realloc(a, layout(24, 8), 40) };
    assert_eq!(heap.stats().used, 40, "the top block grew in place");
    // SAFETY: as above, now 40 bytes long.
    let same = unsafe { heap.realloc(a, layout(40, 8), 8) };
    assert_eq!(same, a);
    assert_eq!(heap.stats().used, 40, "a shrink keeps the memory");
    // SAFETY: `a` is the top block's start, 8 bytes long since the shrink.
    unsafe { heap.dealloc(a, layout(8, 8)) };
    assert_eq!(heap.stats().used, 40, "a free keeps the memory");
    let b = heap.alloc_zeroed(layout(64, 8));
    assert_eq!(b.addr(), a.addr() + 40, "blocks only go above the cursor");
    // SAFETY: `b` holds 64 bytes.
    assert!(unsafe { std::slice::from_raw_parts(b, 64) }
        .iter()
        .all(|&x| x == 0));
    let s = heap.stats();
    assert_eq!((s.used, s.peak), (104, 104));
}

#[test]
fn realloc_grows_and_shrinks_the_top_block_in_place() {
    let mut buf = buffer(64 * 1024);
    let heap = TosHeap::over(&mut buf).unwrap();
    // A Vec<u64>'s growth: 4, 8, ..., 1024 elements.
    let mut cap = 4;
    let p = heap.alloc(layout(cap * 8, 8));
    // SAFETY: `p` holds `cap * 8` bytes.
    unsafe { p.cast::<u64>().write(0xfeed) };
    while cap < 1024 {
        // SAFETY: `p` came from this heap with this layout.
        let q = unsafe { heap.realloc(p, layout(cap * 8, 8), cap * 16) };
        assert_eq!(q, p, "growth in place");
        cap *= 2;
    }
    assert_eq!(heap.stats().used, 8192);
    assert_eq!(heap.stats().peak, 8192);
    // SAFETY: as above.
    let q = unsafe { heap.realloc(p, layout(8192, 8), 100) };
    assert_eq!(q, p);
    assert_eq!(heap.stats().used, 104);
    assert_eq!(heap.stats().peak, 8192);
    // SAFETY: the first word was written above and kept.
    assert_eq!(unsafe { p.cast::<u64>().read() }, 0xfeed);
}

#[test]
fn realloc_of_an_older_block_moves_it_and_keeps_its_contents() {
    let mut buf = buffer(4096);
    let heap = TosHeap::over(&mut buf).unwrap();
    let a = heap.alloc(layout(16, 8));
    // SAFETY: `a` holds 16 bytes.
    unsafe { a.copy_from(b"0123456789abcdef".as_ptr(), 16) };
    let _b = heap.alloc(layout(8, 8));
    // SAFETY: `a` came from this heap with this layout.
    let a2 = unsafe { heap.realloc(a, layout(16, 8), 40) };
    assert_ne!(a2, a);
    // SAFETY: `a2` holds 40 bytes, the first 16 copied.
    let kept = unsafe { std::slice::from_raw_parts(a2, 16) };
    assert_eq!(kept, b"0123456789abcdef");
    // Shrinking an older block keeps it where it is.
    let c = heap.alloc(layout(8, 8));
    assert!(!c.is_null());
    // SAFETY: `a2` came from this heap with this layout.
    assert_eq!(unsafe { heap.realloc(a2, layout(40, 8), 8) }, a2);
    // A growth that cannot fit is null and leaves the block alone.
    // SAFETY: as above.
    assert!(unsafe { heap.realloc(a2, layout(40, 8), 8000) }.is_null());
    // SAFETY: still valid.
    assert_eq!(unsafe { *a2 }, b'0');
}

#[test]
fn alloc_zeroed_zeroes_reused_memory_and_skips_fresh_memory() {
    let mut buf = buffer(4096);
    let heap = TosHeap::over(&mut buf).unwrap();
    let l = layout(64, 8);
    let a = heap.alloc(l);
    // SAFETY: `a` holds 64 bytes.
    unsafe { a.write_bytes(0xAB, 64) };
    // SAFETY: `a` is the top block.
    unsafe { heap.dealloc(a, l) };
    let z = heap.alloc_zeroed(layout(128, 8));
    assert_eq!(z, a, "reuses the rewound memory");
    // SAFETY: `z` holds 128 bytes.
    assert!(unsafe { std::slice::from_raw_parts(z, 128) }
        .iter()
        .all(|&b| b == 0));
    // Memory above the high-water mark was never written: still zero.
    let fresh = heap.alloc_zeroed(layout(256, 64));
    // SAFETY: `fresh` holds 256 bytes.
    assert!(unsafe { std::slice::from_raw_parts(fresh, 256) }
        .iter()
        .all(|&b| b == 0));
    // A shrink of the top block, then a zeroed allocation over the cut-off tail.
    // SAFETY: `fresh` is the top block.
    unsafe { fresh.write_bytes(0xCD, 256) };
    // SAFETY: as above.
    unsafe { heap.realloc(fresh, layout(256, 64), 8) };
    let z2 = heap.alloc_zeroed(layout(200, 8));
    assert_eq!(z2.addr(), fresh.addr() + 8);
    // SAFETY: `z2` holds 200 bytes.
    assert!(unsafe { std::slice::from_raw_parts(z2, 200) }
        .iter()
        .all(|&b| b == 0));
}

#[test]
fn a_heap_declared_larger_than_its_region_stops_at_the_region() {
    // A contract declared for 256 KiB running where the VM mapped 32 KiB.
    static BIG: TosAllocator<{ 256 * 1024 }> = TosAllocator::new();
    let mut buf = buffer(32 * 1024);
    let range = buf.as_ptr_range();
    let heap = BIG.over(&mut buf).unwrap();
    assert_eq!(heap.stats().capacity, 32 * 1024 - HEADER_SIZE);
    let mut n = 0;
    loop {
        let p = heap.alloc(layout(1000, 8));
        if p.is_null() {
            break;
        }
        assert!(p.addr() >= range.start.addr() && p.addr() + 1000 <= range.end.addr());
        n += 1;
    }
    assert_eq!(n, (32 * 1024 - HEADER_SIZE) / 1000);
    assert_eq!(heap.stats().failed, 1);
}

#[test]
fn a_heap_declared_smaller_than_its_region_keeps_to_its_declared_size() {
    let small = TosAllocator::sized::<{ 2 * 1024 }>();
    let mut buf = buffer(32 * 1024);
    let heap = small.over(&mut buf).unwrap();
    assert_eq!(heap.stats().capacity, 2 * 1024 - HEADER_SIZE);
    assert!(heap.alloc(layout(2 * 1024 - HEADER_SIZE + 1, 1)).is_null());
    assert!(!heap.alloc(layout(2 * 1024 - HEADER_SIZE, 1)).is_null());
}

#[test]
fn a_region_too_small_for_the_header_is_an_error() {
    let mut buf = [0u8; 16];
    let err = TosHeap::over(&mut buf).unwrap_err();
    assert!(matches!(err, RegionError::TooSmall { len: 16, .. }));
    assert!(err.to_string().contains("16 bytes"), "{err}");
    // Exactly a header: valid, but nothing fits.
    let mut buf = buffer(HEADER_SIZE);
    let heap = TosHeap::over(&mut buf).unwrap();
    assert_eq!(heap.stats().capacity, 0);
    assert!(heap.alloc(layout(1, 1)).is_null());
}

#[test]
fn the_region_is_zero_filled_when_taken() {
    let mut buf = vec![0x5Au8; 4096];
    let heap = TosHeap::over(&mut buf).unwrap();
    // No zeroing happens here (fresh memory), yet the block reads zero.
    let p = heap.alloc_zeroed(layout(1024, 8));
    // SAFETY: `p` holds 1024 bytes.
    assert!(unsafe { std::slice::from_raw_parts(p, 1024) }
        .iter()
        .all(|&b| b == 0));
}

#[test]
fn stats_derive_from_the_header() {
    let mut buf = buffer(4096);
    let heap = TosHeap::over(&mut buf).unwrap();
    let counting = cfg!(feature = "count-allocations");
    assert_eq!(
        heap.stats(),
        Stats {
            used: 0,
            peak: 0,
            capacity: 4096 - HEADER_SIZE,
            allocations: counting.then_some(0),
            failed: 0
        }
    );
    let a = heap.alloc(layout(3, 1));
    let _ = heap.alloc(layout(16, 16));
    // SAFETY: `a` came from this heap (not the top: no effect).
    unsafe { heap.dealloc(a, layout(3, 1)) };
    let s = heap.stats();
    assert_eq!(s.allocations, counting.then_some(2));
    assert!(s.used >= 8 + 16 && s.used <= 8 + 8 + 16, "{s:?}");
    assert_eq!(s.peak, s.used);
}

#[test]
fn it_is_a_global_alloc() {
    fn use_it(a: &dyn GlobalAlloc) -> *mut u8 {
        // SAFETY: a non-zero-size layout.
        unsafe { a.alloc(Layout::new::<[u64; 4]>()) }
    }
    let mut buf = buffer(1024);
    let heap = TosHeap::over(&mut buf).unwrap();
    assert!(!use_it(&heap).is_null());
}

#[test]
fn the_allocator_value_is_zero_sized_and_its_size_is_const() {
    const A: TosAllocator = TosAllocator::new();
    assert_eq!(std::mem::size_of::<TosAllocator>(), 0);
    assert_eq!(std::mem::size_of::<TosAllocator<{ 256 * 1024 }>>(), 0);
    assert_eq!(A.heap_size(), 32 * 1024);
    assert_eq!(
        TosAllocator::sized::<{ 256 * 1024 }>().heap_size(),
        256 * 1024
    );
}
