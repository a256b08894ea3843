//! `tos_alloc::inspect`: heaps built on the host by every strategy, decoded from their bytes
//! into the same figures their own `stats()` report; inconsistent or foreign headers are
//! `None`; arbitrary bytes never panic.

use std::alloc::Layout;

use proptest::prelude::*;
use tos_alloc::first_fit::{FirstFitHeap, FIRST_FIT_HEADER_SIZE, FIRST_FIT_MAGIC};
use tos_alloc::inspect::{inspect, inspect_vm, HeapReport, Strategy as Kind};
use tos_alloc::pool::{PoolHeap, CLASS_SIZES, POOL_HEADER_SIZE, POOL_MAGIC};
use tos_alloc::{Stats, TosAllocator, TosHeap, HEADER_SIZE};

/// An 8-aligned, zeroed host buffer (so the heap starts at its first byte).
struct Buffer(Vec<u64>);

impl Buffer {
    fn new(len: usize) -> Self {
        Buffer(vec![0; len / 8])
    }
    fn bytes(&mut self) -> &mut [u8] {
        let len = self.0.len() * 8;
        // SAFETY: the words' bytes; the words are only reached through this slice while
        // it lives (it borrows `self` mutably).
        unsafe { std::slice::from_raw_parts_mut(self.0.as_mut_ptr().cast::<u8>(), len) }
    }
    fn base(&self) -> usize {
        self.0.as_ptr().addr()
    }
    fn report(&mut self) -> Option<HeapReport> {
        let base = self.base();
        inspect(self.bytes(), base)
    }
    fn word(&mut self, at: usize) -> &mut u64 {
        &mut self.0[at / 8]
    }
}

fn layout(size: usize, align: usize) -> Layout {
    Layout::from_size_align(size, align).unwrap()
}

/// What `inspect` reports for a heap whose own `stats()` gave `s`: the allocation counter
/// only when it is not zero (from outside, the crate feature is unknown).
fn seen_from_outside(s: Stats) -> Stats {
    Stats {
        allocations: s.allocations.filter(|&n| n != 0),
        ..s
    }
}

#[test]
fn a_fresh_heap_is_none() {
    let mut buf = Buffer::new(4096);
    assert_eq!(buf.report(), None);
    assert_eq!(inspect(&[], 0x1000), None);
    assert_eq!(inspect(&[0; 39], 0x1000), None);
    assert_eq!(inspect_vm(&[0; 4096], 0), None);
}

#[test]
fn a_bump_heap_reports_its_own_stats() {
    let mut buf = Buffer::new(8192);
    let expected = {
        let heap = TosAllocator::sized::<4096>().over(buf.bytes()).unwrap();
        for size in [8, 24, 100, 7] {
            assert!(!heap.alloc(layout(size, 8)).is_null());
        }
        let top = heap.alloc(layout(512, 64));
        // Rewinds the cursor: the high-water mark stays above it.
        // SAFETY: the most recent block, for its layout, not used again.
        unsafe { heap.dealloc(top, layout(512, 64)) };
        assert!(heap.alloc(layout(1 << 20, 8)).is_null());
        heap.stats()
    };
    let report = buf.report().expect("a bump heap");
    assert_eq!(report.strategy, Kind::Bump);
    assert_eq!(report.name(), "TosAllocator");
    assert_eq!(report.usage(), None);
    assert_eq!(report.bump, seen_from_outside(expected));
    assert_eq!(report.bump.capacity, 4096 - HEADER_SIZE);
    // The blocks, and the padding before the rewound 64-aligned block.
    assert!((144..144 + 64).contains(&report.bump.used));
    assert!(report.bump.peak > report.bump.used);
    assert_eq!(report.bump.failed, 1);
}

#[test]
fn a_pool_reports_its_usage_and_classes() {
    let mut buf = Buffer::new(64 * 1024);
    let expected = {
        let pool = PoolHeap::over(buf.bytes()).unwrap();
        let mut live = Vec::new();
        for i in 0..200usize {
            let l = layout([8, 24, 192, 288, 700][i % 5], 8);
            let p = pool.alloc(l);
            assert!(!p.is_null());
            live.push((p, l));
            if i % 3 == 0 {
                let (p, l) = live.swap_remove(i % live.len());
                // SAFETY: a live block of this pool, for its layout, not used again.
                unsafe { pool.dealloc(p, l) };
            }
        }
        pool.stats()
    };
    let report = buf.report().expect("a pool heap");
    assert_eq!(report.name(), "PoolAllocator");
    let Kind::Pool(stats) = report.strategy else {
        panic!("not a pool: {report:?}")
    };
    assert_eq!(stats, expected);
    assert_eq!(report.usage(), Some(expected.usage));
    assert_eq!(stats.usage.allocations, 200);
    assert!(stats.classes.iter().any(|c| c.hits > 0));
    assert_eq!(stats.classes[8].size, 192);
    assert_eq!(report.bump.used, stats.usage.heap_used);
}

#[test]
fn a_first_fit_heap_reports_its_block_size_and_usage() {
    fn check<const B: usize>() {
        let mut buf = Buffer::new(16 * 1024);
        let expected = {
            let ff = FirstFitHeap::<4096, B>::over(buf.bytes()).unwrap();
            let mut live = Vec::new();
            for i in 0..100usize {
                let l = layout(1 + (i * 37) % 300, 8);
                let p = ff.alloc(l);
                if p.is_null() {
                    continue;
                }
                live.push((p, l));
                if i % 4 == 1 {
                    let (p, l) = live.swap_remove(0);
                    // SAFETY: a live block of this heap, for its layout, not used again.
                    unsafe { ff.dealloc(p, l) };
                }
            }
            ff.stats()
        };
        let report = buf.report().expect("a first-fit heap");
        assert_eq!(report.name(), "FirstFitAllocator");
        let Kind::FirstFit {
            block_size,
            blocks,
            usage,
        } = report.strategy
        else {
            panic!("not first fit: {report:?}")
        };
        assert_eq!(block_size, B);
        assert!(blocks > 0 && blocks * B <= 16 * 1024);
        assert_eq!(usage, expected);
        assert_eq!(report.usage(), Some(expected));
    }
    check::<8>();
    check::<16>();
    check::<64>();
    check::<4096>();
}

#[test]
fn the_tags_are_distinct_and_not_zero() {
    assert_ne!(POOL_MAGIC, 0);
    assert_ne!(FIRST_FIT_MAGIC, 0);
    assert_ne!(POOL_MAGIC, FIRST_FIT_MAGIC);
    assert_ne!(POOL_MAGIC, 1);
    assert_ne!(FIRST_FIT_MAGIC, 1);
}

#[test]
fn an_end_word_off_the_granule_is_not_a_tos_alloc_header() {
    let mut buf = Buffer::new(4096);
    {
        let heap = TosHeap::over(buf.bytes()).unwrap();
        assert!(!heap.alloc(layout(64, 8)).is_null());
    }
    assert_eq!(buf.report().unwrap().bump.capacity, 4096 - HEADER_SIZE);
    let end = *buf.word(8);
    for low in 1..8 {
        *buf.word(8) = end - 8 + low;
        assert_eq!(buf.report(), None, "end word {low} bytes past the granule");
    }
}

#[test]
fn an_inconsistent_bump_header_is_none() {
    let mut buf = Buffer::new(4096);
    {
        let heap = TosHeap::over(buf.bytes()).unwrap();
        assert!(!heap.alloc(layout(64, 8)).is_null());
    }
    let base = buf.base() as u64;
    assert!(buf.report().is_some());
    let cursor = *buf.word(0);
    let end = *buf.word(8);
    for (at, bad) in [
        (0, end + 8),         // cursor past the end
        (0, cursor + 1),      // cursor unaligned
        (0, base),            // cursor inside the header
        (8, base + 4096 + 8), // end past the heap
        (8, cursor - 8),      // end below the cursor
        (16, end + 8),        // high-water mark past the end
        (16, base + 8),       // high-water mark inside the header
    ] {
        let good = *buf.word(at);
        *buf.word(at) = bad;
        assert_eq!(buf.report(), None, "word {at} = {bad:#x}");
        *buf.word(at) = good;
    }
    assert!(buf.report().is_some());
    // The same bytes at another address are someone else's heap.
    let bytes = buf.bytes().to_vec();
    assert_eq!(inspect(&bytes, base as usize + 4096), None);
    assert_eq!(inspect_vm(&bytes, 0), None);
    // Cut short: the end is past the snapshot.
    assert_eq!(inspect(&bytes[..2048], base as usize), None);
}

#[test]
fn an_inconsistent_pool_header_is_none() {
    let mut buf = Buffer::new(8192);
    {
        let pool = PoolHeap::over(buf.bytes()).unwrap();
        for size in [8, 16, 192] {
            let p = pool.alloc(layout(size, 8));
            // SAFETY: a live block of this pool, for its layout, not used again.
            unsafe { pool.dealloc(p, layout(size, 8)) };
        }
    }
    assert!(matches!(buf.report().unwrap().strategy, Kind::Pool(_)));
    let pool = HEADER_SIZE; // the pool header's offset in the heap
    let heads = pool + 8;
    for (at, bad) in [
        (heads, 12),                            // a head that is not an address of the heap
        (heads + 8 * 8, buf.base() as u64 + 8), // a head inside the bump header
        (heads, *buf.word(0) + 64),             // a head past the cursor
    ] {
        let good = *buf.word(at);
        *buf.word(at) = bad;
        assert_eq!(buf.report(), None, "word {at} = {bad:#x}");
        *buf.word(at) = good;
    }
    // The cursor below the end of the pool header.
    let good = *buf.word(0);
    *buf.word(0) = buf.base() as u64 + (HEADER_SIZE + POOL_HEADER_SIZE - 8) as u64;
    *buf.word(16) = 0;
    assert_eq!(buf.report(), None);
    *buf.word(0) = good;
    // Without its tag the heap is a plain bump heap.
    *buf.word(pool) = 1;
    assert_eq!(buf.report().unwrap().strategy, Kind::Bump);
    assert_eq!(CLASS_SIZES.len(), 13);
}

#[test]
fn an_inconsistent_first_fit_header_is_none() {
    let mut buf = Buffer::new(8192);
    {
        let ff = FirstFitHeap::<4096, 16>::over(buf.bytes()).unwrap();
        assert!(!ff.alloc(layout(40, 8)).is_null());
    }
    assert!(matches!(
        buf.report().unwrap().strategy,
        Kind::FirstFit { block_size: 16, .. }
    ));
    let ff = HEADER_SIZE;
    let blocks = ff + 8;
    let good = *buf.word(blocks);
    for bad in [good + 8, good - 16 * 8, 0, u64::MAX] {
        *buf.word(blocks) = bad;
        assert_eq!(buf.report(), None, "blocks = {bad:#x}");
    }
    *buf.word(blocks) = good;
    // A block count that does not divide the block area into a power of two.
    let count = ff + 16;
    let good = *buf.word(count);
    *buf.word(count) = good + 1;
    assert_eq!(buf.report(), None);
    *buf.word(count) = good & !0xFFFF_FFFF;
    assert_eq!(buf.report(), None);
    *buf.word(count) = good;
    // The free list's head (the high half of the same word) is a byte offset from block 0:
    // a multiple of the block size below count * B, or the end of the list (i32::MAX).
    let blocks_in_area = good & 0xFFFF_FFFF;
    let with_head = |head: u64| (good & 0xFFFF_FFFF) | (head << 32);
    for bad in [
        8,
        16 * blocks_in_area,
        16 * blocks_in_area + 16,
        u64::from(u32::MAX),
    ] {
        *buf.word(count) = with_head(bad);
        assert_eq!(buf.report(), None, "first_free = {bad:#x}");
    }
    for ok in [0, 16, 16 * (blocks_in_area - 1), i32::MAX as u64] {
        *buf.word(count) = with_head(ok);
        assert!(buf.report().is_some(), "first_free = {ok:#x}");
    }
    *buf.word(count) = good;
    // Live bytes (low half) or a recorded peak (high half) above the block area. Live
    // bytes above the recorded peak are consistent: the peak is recorded where live bytes
    // fall, and reported as the larger of the two.
    let live = ff + FIRST_FIT_HEADER_SIZE - 8;
    let good = *buf.word(live);
    let area = 16 * blocks_in_area;
    *buf.word(live) = area << 32 | area;
    assert!(buf.report().is_some());
    *buf.word(live) = area;
    let report = buf.report().expect("live bytes above the recorded peak");
    assert_eq!(
        report.usage().map(|u| u.peak_live_bytes),
        Some(Some(area as usize))
    );
    *buf.word(live) = area + 1;
    assert_eq!(buf.report(), None);
    *buf.word(live) = (area + 1) << 32;
    assert_eq!(buf.report(), None);
    *buf.word(live) = good;
    assert!(buf.report().is_some());
}

/// Bytes with a consistent bump header (so the strategy decoders run) and, at the data
/// start, one of the tags followed by arbitrary words.
fn tagged_heap() -> impl Strategy<Value = (Vec<u8>, usize)> {
    (
        prop::collection::vec(any::<u8>(), 41..2048),
        prop_oneof![Just(0usize), Just(0x3_0000_0000), any::<usize>()],
        any::<(u16, u16, u16)>(),
        prop_oneof![Just(POOL_MAGIC), Just(FIRST_FIT_MAGIC), any::<usize>()],
        any::<bool>(),
    )
        .prop_map(|(mut bytes, base, (c, e, h), tag, near)| {
            let base = base & !7;
            let len = bytes.len() & !7;
            let span = len.saturating_sub(HEADER_SIZE) as u64 / 8 + 1;
            let start = base.wrapping_add(HEADER_SIZE);
            let at = |x: u16| start.wrapping_add((u64::from(x) % span) as usize * 8);
            let (mut cursor, mut end) = (at(c), at(e));
            if cursor > end {
                std::mem::swap(&mut cursor, &mut end);
            }
            let high = if h % 2 == 0 { 0 } else { at(h) };
            let mut put = |off: usize, w: usize| {
                if let Some(b) = bytes.get_mut(off..off + 8) {
                    b.copy_from_slice(&w.to_le_bytes());
                }
            };
            put(0, cursor);
            put(8, end);
            put(16, high);
            put(HEADER_SIZE, tag);
            if near {
                // Block addresses near the heap, so the first-fit checks go deeper.
                put(HEADER_SIZE + 8, start.wrapping_add(64));
            }
            (bytes, base)
        })
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(
        bytes in prop::collection::vec(any::<u8>(), 0..1024),
        base in prop_oneof![Just(0usize), Just(0x3_0000_0000), any::<usize>()],
    ) {
        let _ = inspect(&bytes, base);
        let _ = inspect(&bytes, base & !7);
        let _ = inspect_vm(&bytes, 0);
    }

    #[test]
    fn arbitrary_headers_never_panic((bytes, base) in tagged_heap()) {
        if let Some(report) = inspect(&bytes, base) {
            // A report is internally consistent.
            prop_assert!(report.bump.used <= report.bump.capacity);
            prop_assert!(report.bump.used <= report.bump.peak);
            prop_assert!(report.bump.capacity + HEADER_SIZE <= bytes.len());
            let _ = report.usage().map(|u| u.efficiency_permille());
        }
    }

    /// Any sequence of pool allocations and frees decodes to the pool's own figures.
    #[test]
    fn pool_heaps_decode_to_their_stats(
        ops in prop::collection::vec((1usize..1200, any::<bool>(), any::<usize>()), 0..200),
    ) {
        let mut buf = Buffer::new(16 * 1024);
        let expected = {
            let pool = PoolHeap::over(buf.bytes()).unwrap();
            let mut live: Vec<(*mut u8, Layout)> = Vec::new();
            for (size, free, pick) in ops {
                if free && !live.is_empty() {
                    let (p, l) = live.swap_remove(pick % live.len());
                    // SAFETY: a live block of this pool, for its layout, not used again.
                    unsafe { pool.dealloc(p, l) };
                } else {
                    let l = layout(size, 8);
                    let p = pool.alloc(l);
                    if !p.is_null() {
                        live.push((p, l));
                    }
                }
            }
            pool.stats()
        };
        prop_assert_eq!(buf.report().map(|r| r.strategy), Some(Kind::Pool(expected)));
    }
}
