//! Many threads allocating from one shared heap at once: the compare-and-swap bump loop
//! must never hand out overlapping blocks. Each thread also frees and resizes its most
//! recent block now and then, so rewinds and in-place resizes race with allocations.

use std::alloc::Layout;

use tos_alloc::{Region, TosHeap};

const THREADS: usize = if cfg!(miri) { 3 } else { 8 };
const PER_THREAD: usize = if cfg!(miri) { 150 } else { 100_000 };

/// A small deterministic generator per thread.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

struct Block {
    addr: usize,
    layout: Layout,
    tag: u64,
}

fn tag_bytes(tag: u64, len: usize) -> Vec<u8> {
    tag.to_le_bytes()
        .iter()
        .copied()
        .cycle()
        .take(len)
        .collect()
}

#[test]
fn threads_sharing_one_heap_never_get_overlapping_blocks() {
    // Blocks of 8..=40 bytes (rounded to 8) and a little alignment padding.
    let bytes = THREADS * PER_THREAD * 56;
    let mut region = vec![0u8; bytes];
    let heap = TosHeap::over(&mut region).unwrap();
    let heap = &heap;
    let blocks: Vec<Vec<Block>> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..THREADS)
            .map(|t| {
                s.spawn(move || {
                    let mut rng = Lcg(t as u64 + 1);
                    let mut mine: Vec<Block> = Vec::with_capacity(PER_THREAD);
                    for i in 0..PER_THREAD {
                        let size = 8 + (rng.next() % 33) as usize;
                        let align = if rng.next().is_multiple_of(16) { 32 } else { 8 };
                        let layout = Layout::from_size_align(size, align).unwrap();
                        let p = heap.alloc(layout);
                        assert!(!p.is_null(), "thread {t}: heap exhausted at {i}");
                        assert_eq!(p.addr() % align, 0);
                        let tag = ((t as u64) << 32) | i as u64;
                        let block = Block {
                            addr: p.addr(),
                            layout,
                            tag,
                        };
                        // SAFETY: `p` holds `size` bytes owned by this thread.
                        unsafe { p.copy_from(tag_bytes(tag, size).as_ptr(), size) };
                        match rng.next() % 8 {
                            // Free it again at once (a rewind if no one allocated since).
                            0 => {
                                // SAFETY: `p` came from this heap with `layout`.
                                unsafe { heap.dealloc(p, layout) };
                            }
                            // Grow or shrink it (in place if it is still the top block).
                            1 => {
                                let new_size = 8 + (rng.next() % 33) as usize;
                                // SAFETY: `p` came from this heap with `layout`.
                                let q = unsafe { heap.realloc(p, layout, new_size) };
                                assert!(!q.is_null(), "thread {t}: realloc failed at {i}");
                                let keep = size.min(new_size);
                                // SAFETY: `q` holds `new_size` bytes, the first `keep` copied.
                                let kept = unsafe { std::slice::from_raw_parts(q, keep) };
                                assert_eq!(kept, &tag_bytes(tag, keep)[..], "thread {t}");
                                // SAFETY: `q` holds `new_size` bytes owned by this thread.
                                unsafe { q.copy_from(tag_bytes(tag, new_size).as_ptr(), new_size) };
                                mine.push(Block {
                                    addr: q.addr(),
                                    layout: Layout::from_size_align(new_size, align).unwrap(),
                                    tag,
                                });
                            }
                            _ => mine.push(block),
                        }
                    }
                    mine
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });

    let base = heap.region().data_start();
    let mut spans = Vec::new();
    for b in blocks.iter().flatten() {
        let p = heap.region().pointer(b.addr);
        // SAFETY: every live block still belongs to the test; all threads have ended.
        let bytes = unsafe { std::slice::from_raw_parts(p, b.layout.size()) };
        assert_eq!(
            bytes,
            &tag_bytes(b.tag, b.layout.size())[..],
            "block {:x} overwritten",
            b.tag
        );
        assert!(b.addr >= base);
        spans.push((b.addr, b.addr + b.layout.size()));
    }
    spans.sort_unstable();
    for w in spans.windows(2) {
        assert!(w[0].1 <= w[1].0, "overlap: {:x?} and {:x?}", w[0], w[1]);
    }
    let s = heap.stats();
    assert_eq!(s.failed, 0);
    assert!(s.used <= s.capacity);
    if let Some(n) = s.allocations {
        // Every alloc, plus every realloc that had to move.
        assert!(n >= THREADS * PER_THREAD, "{n}");
    }
}
