//! The operation sequences every allocation strategy (bump, pool, first fit) is checked with, shared by
//! `tests/all/strategies.rs` (proptest) and `fuzz/fuzz_targets/strategies.rs` (cargo fuzz):
//! a shadow model of the live blocks, each filled with its own byte pattern, checked after
//! every operation: blocks aligned, inside the heap, disjoint, holding their pattern
//! (across `realloc` too), zeroed when asked, and the strategy's counters agreeing.

use std::alloc::Layout;

use tos_alloc::first_fit::FirstFitHeap;
use tos_alloc::pool::PoolHeap;
use tos_alloc::{Heap, HostRegion, Reuse, Strategy};

/// One operation on the allocator under test.
#[derive(Debug, Clone, Copy)]
pub enum Op {
    /// Allocate `size` bytes aligned to `1 << align_log`, zeroed or not.
    Alloc {
        /// Requested size.
        size: usize,
        /// log2 of the alignment.
        align_log: u32,
        /// `alloc_zeroed` instead of `alloc`.
        zeroed: bool,
    },
    /// Free the live block `pick % live`.
    Dealloc {
        /// Which live block.
        pick: usize,
    },
    /// Resize the live block `pick % live` to `new_size`.
    Realloc {
        /// Which live block.
        pick: usize,
        /// New size.
        new_size: usize,
    },
}

/// Decodes raw fuzzer bytes into operations, 4 bytes each: a selector, then 3 bytes of
/// arguments. Every input decodes (a trailing partial op is dropped).
#[allow(dead_code)]
pub fn decode(bytes: &[u8]) -> Vec<Op> {
    bytes
        .chunks_exact(4)
        .map(|c| {
            let arg = u16::from_le_bytes([c[1], c[2]]) as usize;
            match c[0] % 8 {
                0..=3 => Op::Alloc {
                    // Mostly small (the size classes), sometimes up to 4 KiB, one in eight
                    // anywhere up to `isize::MAX` (which every heap must refuse with a
                    // null, never a wrap-around).
                    size: if c[3] & 0x80 == 0 {
                        arg % 600
                    } else if c[3] & 0x40 == 0 {
                        arg % 4096
                    } else {
                        huge(c[1])
                    },
                    // Mostly 1..8; one in eight up to 4096.
                    align_log: if c[3] & 0x70 == 0 {
                        4 + u32::from(c[3] & 0x0f) % 9
                    } else {
                        u32::from(c[3]) % 4
                    },
                    zeroed: c[0] & 0x80 != 0,
                },
                4 | 5 => Op::Dealloc { pick: arg },
                _ => Op::Realloc {
                    pick: usize::from(c[3]),
                    new_size: if c[0] & 0x80 == 0 {
                        arg % 600
                    } else if c[0] & 0x40 == 0 {
                        arg % 4096
                    } else {
                        huge(c[1])
                    },
                },
            }
        })
        .collect()
}

/// A size from `isize::MAX` down to 1, by halvings.
fn huge(shift: u8) -> usize {
    (isize::MAX as usize) >> (shift % 64)
}

/// `size`, capped where a `Layout` of alignment `align` stops being valid (its size
/// rounded up to `align` must not pass `isize::MAX`).
fn valid_size(size: usize, align: usize) -> usize {
    size.clamp(1, isize::MAX as usize - (align - 1))
}

// Every strategy is driven through the crate's `Strategy` trait, which each heap type
// implements once.

/// The first-fit heap of the suite and the fuzz target: 16-byte blocks, as many as the
/// region holds.
pub type Ff<'a> = FirstFitHeap<'a, 4096, 16>;

/// An 8-aligned, zeroed host buffer of `len` bytes.
pub fn region(len: usize) -> Vec<u64> {
    vec![0u64; len / 8]
}

/// `words` viewed as bytes.
pub fn bytes(words: &mut [u64]) -> &mut [u8] {
    let len = words.len() * 8;
    // SAFETY: the same allocation viewed as bytes (u8 has no alignment or validity
    // requirement); `words` is not used otherwise while the byte view lives.
    unsafe { std::slice::from_raw_parts_mut(words.as_mut_ptr().cast::<u8>(), len) }
}

/// Runs `ops` on a heap that `make` builds over a fresh `len`-byte buffer, then `after`
/// on it (more checks once everything is freed).
fn run_over<'a, S: Strategy>(
    words: &'a mut [u64],
    make: impl FnOnce(&'a mut [u8]) -> Result<S, String>,
    ops: &[Op],
    after: impl FnOnce(&S) -> Result<(), String>,
) -> Result<(), String> {
    let buf = bytes(words);
    let (start, end) = (buf.as_ptr().addr(), buf.as_ptr().addr() + buf.len());
    let heap = make(buf)?;
    run(&heap, start, end, ops)?;
    after(&heap)
}

/// [`run`] on the bump heap with reuse policy `P` over `len` fresh bytes.
pub fn run_bump<P: Reuse>(ops: &[Op], len: usize) -> Result<(), String> {
    let mut words = region(len);
    let make = |b| Heap::<HostRegion, P>::over(b).map_err(|e| e.to_string());
    run_over(&mut words, make, ops, |_| Ok(()))
}

/// [`run`] on the pool over `len` fresh bytes.
pub fn run_pool(ops: &[Op], len: usize) -> Result<(), String> {
    let mut words = region(len);
    let make = |b| PoolHeap::over(b).map_err(|e| e.to_string());
    run_over(&mut words, make, ops, |_| Ok(()))
}

/// [`run`] on the first-fit heap over `len` fresh bytes; once everything is freed,
/// coalescing must have left one chunk, the whole area.
pub fn run_first_fit(ops: &[Op], len: usize) -> Result<(), String> {
    let mut words = region(len);
    let make = |b| Ff::over(b).map_err(|e| e.to_string());
    run_over(&mut words, make, ops, |ff| {
        let (chunks, largest) = ff.free_chunks();
        if chunks != 1 || largest * 16 < len - 1024 {
            return Err(format!(
                "after freeing everything: {chunks} chunks, largest {largest} blocks"
            ));
        }
        Ok(())
    })
}

struct Block {
    ptr: *mut u8,
    layout: Layout,
    pattern: u8,
}

fn fill(b: &Block) {
    // SAFETY: `b.ptr` holds `b.layout.size()` bytes owned by the model.
    unsafe { b.ptr.write_bytes(b.pattern, b.layout.size()) };
}

fn holds(ptr: *const u8, len: usize, pattern: u8) -> bool {
    // SAFETY: callers pass a live block of at least `len` bytes.
    unsafe { std::slice::from_raw_parts(ptr, len) }
        .iter()
        .all(|&x| x == pattern)
}

/// Runs `ops` against `s`, whose blocks must lie in `[start, end)`; `Err` names the first
/// broken invariant. Every block is freed at the end, and the strategy must then report
/// no live bytes.
pub fn run<S: Strategy>(s: &S, start: usize, end: usize, ops: &[Op]) -> Result<(), String> {
    let mut live: Vec<Block> = Vec::new();
    let mut next = 0u8;
    let mut pattern = || {
        next = next.wrapping_add(1).max(1);
        next
    };
    for (i, op) in ops.iter().enumerate() {
        match *op {
            Op::Alloc {
                size,
                align_log,
                zeroed,
            } => {
                let align = 1 << align_log;
                let layout = Layout::from_size_align(valid_size(size, align), align).unwrap();
                let p = if zeroed {
                    s.alloc_zeroed(layout)
                } else {
                    s.alloc(layout)
                };
                if !p.is_null() {
                    if zeroed && !holds(p, layout.size(), 0) {
                        return Err(format!("op {i}: alloc_zeroed({layout:?}) not zero"));
                    }
                    let b = Block {
                        ptr: p,
                        layout,
                        pattern: pattern(),
                    };
                    fill(&b);
                    live.push(b);
                }
            }
            Op::Dealloc { pick } => {
                if live.is_empty() {
                    continue;
                }
                let b = live.swap_remove(pick % live.len());
                // SAFETY: a live block of this allocator with its layout, dropped from
                // the model.
                unsafe { s.dealloc(b.ptr, b.layout) };
            }
            Op::Realloc { pick, new_size } => {
                if live.is_empty() {
                    continue;
                }
                let k = pick % live.len();
                let b = &mut live[k];
                let new_size = valid_size(new_size, b.layout.align());
                // SAFETY: a live block of this allocator with its layout; `new_size` is
                // positive and, rounded up to the alignment, at most `isize::MAX`.
                let p = unsafe { s.realloc(b.ptr, b.layout, new_size) };
                if p.is_null() {
                    if !holds(b.ptr, b.layout.size(), b.pattern) {
                        return Err(format!("op {i}: failed realloc changed the block"));
                    }
                    continue;
                }
                let kept = b.layout.size().min(new_size);
                if !holds(p, kept, b.pattern) {
                    return Err(format!(
                        "op {i}: realloc {} -> {new_size} lost the contents",
                        b.layout.size()
                    ));
                }
                b.ptr = p;
                b.layout = Layout::from_size_align(new_size, b.layout.align()).unwrap();
                b.pattern = pattern();
                fill(b);
            }
        }
        check(s, &live, start, end).map_err(|e| format!("op {i} ({op:?}): {e}"))?;
    }
    for b in live.drain(..) {
        // SAFETY: as for `Dealloc`.
        unsafe { s.dealloc(b.ptr, b.layout) };
    }
    if let Some(u) = s.usage() {
        if u.live_bytes != 0 || u.allocations != u.frees {
            return Err(format!("everything freed, yet {u:?}"));
        }
    }
    Ok(())
}

fn check<S: Strategy>(s: &S, live: &[Block], start: usize, end: usize) -> Result<(), String> {
    let mut spans: Vec<(usize, usize)> = live
        .iter()
        .map(|b| (b.ptr.addr(), b.ptr.addr() + b.layout.size()))
        .collect();
    spans.sort_unstable();
    for w in spans.windows(2) {
        if w[0].1 > w[1].0 {
            return Err(format!("overlap: {:x?} and {:x?}", w[0], w[1]));
        }
    }
    for b in live {
        if b.ptr.addr() % b.layout.align() != 0 {
            return Err(format!(
                "{:x} not aligned to {}",
                b.ptr.addr(),
                b.layout.align()
            ));
        }
        if b.ptr.addr() < start || b.ptr.addr() + b.layout.size() > end {
            return Err(format!(
                "{:x}+{} outside the heap",
                b.ptr.addr(),
                b.layout.size()
            ));
        }
        if !holds(b.ptr, b.layout.size(), b.pattern) {
            return Err(format!("block at {:x} changed", b.ptr.addr()));
        }
    }
    let Some(u) = s.usage() else {
        return Ok(());
    };
    if u.allocations - u.frees != live.len() as u64 {
        return Err(format!("{} live blocks, usage says {u:?}", live.len()));
    }
    let bytes: usize = live.iter().map(|b| b.layout.size()).sum();
    if u.live_bytes < bytes || u.heap_used > u.capacity || u.heap_used > u.heap_peak {
        return Err(format!("{bytes} live bytes, usage says {u:?}"));
    }
    if let Some(peak) = u.peak_live_bytes {
        if peak < u.live_bytes {
            return Err(format!("peak below live: {u:?}"));
        }
    }
    Ok(())
}
