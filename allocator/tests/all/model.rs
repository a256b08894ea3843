//! Random alloc / alloc_zeroed / alloc_mut / realloc / dealloc sequences against a shadow model: every
//! live block aligned, inside the heap, disjoint from every other, and holding the bytes
//! last written to it (each block is filled with its own pattern); the cursor moves
//! exactly as a bump heap's should (rewinds on the top block, in-place top reallocation,
//! failure only when the block really does not fit), under each reuse policy (with
//! `NoReuse` the cursor never moves back).

use std::alloc::Layout;

use proptest::prelude::*;
use tos_alloc::bump::GRANULE;
use tos_alloc::{Heap, HostRegion, NoReuse, Reuse, Rewind, HEADER_SIZE};

#[derive(Debug, Clone)]
enum Op {
    Alloc {
        size: usize,
        align_log: u32,
        zeroed: bool,
        /// Through `alloc_mut` (the `&mut` path without compare-and-swap).
        unshared: bool,
    },
    Dealloc {
        pick: usize,
        top: bool,
    },
    Realloc {
        pick: usize,
        top: bool,
        new_size: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (1usize..1200, prop_oneof![3 => 0u32..=3, 1 => 4u32..=12], 0u8..3)
            .prop_map(|(size, align_log, how)| Op::Alloc { size, align_log, zeroed: how == 1, unshared: how == 2 }),
        2 => (any::<usize>(), any::<bool>()).prop_map(|(pick, top)| Op::Dealloc { pick, top }),
        2 => (any::<usize>(), any::<bool>(), 1usize..2400)
            .prop_map(|(pick, top, new_size)| Op::Realloc { pick, top, new_size }),
    ]
}

struct Block {
    ptr: *mut u8,
    layout: Layout,
    pattern: u8,
}

const HEAP: usize = if cfg!(miri) { 4096 } else { 16 * 1024 };

fn round8(n: usize) -> usize {
    (n + 7) & !7
}

fn fill(b: &Block) {
    // SAFETY: `b.ptr` holds `b.layout.size()` bytes owned by the test.
    unsafe { b.ptr.write_bytes(b.pattern, b.layout.size()) };
}

fn holds(b: &Block, len: usize, pattern: u8) -> bool {
    // SAFETY: as in `fill`, `len <= b.layout.size()`.
    unsafe { std::slice::from_raw_parts(b.ptr, len) }
        .iter()
        .all(|&x| x == pattern)
}

fn check_all(live: &[Block], start: usize, end: usize) -> Result<(), TestCaseError> {
    let mut spans: Vec<(usize, usize)> = live
        .iter()
        .map(|b| (b.ptr.addr(), b.ptr.addr() + b.layout.size()))
        .collect();
    spans.sort_unstable();
    for w in spans.windows(2) {
        prop_assert!(w[0].1 <= w[1].0, "overlap: {:x?} and {:x?}", w[0], w[1]);
    }
    for b in live {
        // Granule-aligned whatever the layout asks: the heap promises it to the optimizer.
        prop_assert_eq!(b.ptr.addr() % b.layout.align().max(GRANULE), 0);
        prop_assert!(b.ptr.addr() >= start && b.ptr.addr() + b.layout.size() <= end);
        prop_assert!(
            holds(b, b.layout.size(), b.pattern),
            "block contents changed"
        );
    }
    Ok(())
}

fn run<P: Reuse>(ops: Vec<Op>) -> Result<(), TestCaseError> {
    // An 8-aligned buffer, so the data area starts exactly HEADER_SIZE bytes in.
    let mut words = vec![0u64; HEAP / 8];
    // SAFETY: the same allocation viewed as bytes; `words` is not used otherwise.
    let bytes = unsafe { std::slice::from_raw_parts_mut(words.as_mut_ptr().cast::<u8>(), HEAP) };
    let base = bytes.as_ptr().addr();
    let mut heap = Heap::<HostRegion, P>::over(bytes).unwrap();
    let start = base + HEADER_SIZE;
    let end = base + HEAP;
    let mut live: Vec<Block> = Vec::new();
    let mut next_pattern = 1u8;
    let mut pattern = || {
        next_pattern = next_pattern.wrapping_add(1).max(1);
        next_pattern
    };
    let cursor = |heap: &Heap<HostRegion, P>| start + heap.stats().used;
    // The most recent block, if it is live and ends at the cursor.
    let top_index = |live: &[Block], cursor: usize| {
        live.iter()
            .position(|b| b.ptr.addr() + round8(b.layout.size()) == cursor)
    };

    for op in ops {
        let before = cursor(&heap);
        match op {
            Op::Alloc {
                size,
                align_log,
                zeroed,
                unshared,
            } => {
                let layout = Layout::from_size_align(size, 1 << align_log).unwrap();
                let p = if zeroed {
                    heap.alloc_zeroed(layout)
                } else if unshared {
                    heap.alloc_mut(layout)
                } else {
                    heap.alloc(layout)
                };
                let padded = before.next_multiple_of(layout.align().max(8));
                if p.is_null() {
                    prop_assert!(padded + size > end, "null although {size} bytes fit");
                    prop_assert_eq!(cursor(&heap), before);
                } else {
                    prop_assert_eq!(p.addr(), padded);
                    prop_assert_eq!(cursor(&heap), padded + round8(size));
                    let b = Block {
                        ptr: p,
                        layout,
                        pattern: pattern(),
                    };
                    if zeroed {
                        prop_assert!(holds(&b, size, 0), "alloc_zeroed gave dirty memory");
                    }
                    fill(&b);
                    live.push(b);
                }
            }
            Op::Dealloc { pick, top } => {
                if live.is_empty() {
                    continue;
                }
                let i = if top {
                    live.len() - 1
                } else {
                    pick % live.len()
                };
                let b = live.remove(i);
                let was_top = b.ptr.addr() + round8(b.layout.size()) == before;
                // SAFETY: `b` came from this heap with this layout and is dropped here.
                unsafe { heap.dealloc(b.ptr, b.layout) };
                let expected = if was_top && P::REWINDS {
                    b.ptr.addr()
                } else {
                    before
                };
                prop_assert_eq!(cursor(&heap), expected);
            }
            Op::Realloc {
                pick,
                top,
                new_size,
            } => {
                if live.is_empty() {
                    continue;
                }
                let i = match (top, top_index(&live, before)) {
                    (true, Some(t)) => t,
                    _ => pick % live.len(),
                };
                let b = &live[i];
                let old = b.layout.size();
                let was_top = b.ptr.addr() + round8(old) == before;
                // SAFETY: `b` came from this heap with this layout.
                let q = unsafe { heap.realloc(b.ptr, b.layout, new_size) };
                if q.is_null() {
                    prop_assert!(new_size > old);
                    prop_assert_eq!(cursor(&heap), before);
                    prop_assert!(
                        holds(b, old, b.pattern),
                        "a failed realloc touched the block"
                    );
                    continue;
                }
                let moved = Block {
                    ptr: q,
                    layout: Layout::from_size_align(new_size, b.layout.align()).unwrap(),
                    pattern: b.pattern,
                };
                prop_assert!(holds(&moved, old.min(new_size), b.pattern), "contents lost");
                if was_top && b.ptr.addr() + new_size <= end {
                    prop_assert_eq!(q, b.ptr, "the top block resizes in place");
                    let new_top = b.ptr.addr() + round8(new_size);
                    // A heap that never rewinds keeps a shrunk top block's memory.
                    let expected = if P::REWINDS {
                        new_top
                    } else {
                        new_top.max(before)
                    };
                    prop_assert_eq!(cursor(&heap), expected);
                } else if new_size <= old {
                    prop_assert_eq!(q, b.ptr, "a shrink stays in place");
                    prop_assert_eq!(cursor(&heap), before);
                } else {
                    prop_assert!(q.addr() >= before, "a moved block goes above the cursor");
                }
                let resized = Block {
                    pattern: pattern(),
                    ..moved
                };
                fill(&resized);
                live.remove(i);
                live.push(resized);
            }
        }
        check_all(&live, start, end)?;
        let s = heap.stats();
        prop_assert!(s.peak >= s.used && s.used <= s.capacity);
        if !P::REWINDS {
            prop_assert_eq!(
                s.peak,
                s.used,
                "a heap that never rewinds peaks where it is"
            );
        }
        prop_assert!(s.used >= live.iter().map(|b| b.layout.size()).sum::<usize>());
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: if cfg!(miri) { 4 } else { 512 },
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_operation_sequences_match_the_model(ops in prop::collection::vec(op(), 1..if cfg!(miri) { 40 } else { 120 })) {
        run::<Rewind>(ops)?;
    }

    #[test]
    fn random_operation_sequences_match_the_model_without_reuse(ops in prop::collection::vec(op(), 1..if cfg!(miri) { 40 } else { 120 })) {
        run::<NoReuse>(ops)?;
    }
}
