//! The workloads of `alloc-bench`, one function per pattern.

use alloc::alloc::{alloc, dealloc, realloc};
use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use core::alloc::Layout;
use core::hint::black_box;

use tako_sdk::{CHECK_FAILED, INVALID_INPUT, OUT_OF_MEMORY, SUCCESS};

use crate::pattern;

/// Block alignment of the raw-allocation patterns.
const ALIGN: usize = 8;

/// What the input asked for.
pub struct Request {
    pattern: u64,
    count: u64,
    size: u64,
}

/// How a workload ended.
pub struct Outcome {
    /// Return code of the run.
    pub code: u64,
    /// Operations that succeeded.
    pub ops: u64,
    /// Bytes the workload held live at the end.
    pub live_bytes: u64,
}

impl Outcome {
    fn new(code: u64, ops: u64, live_bytes: u64) -> Self {
        Self {
            code,
            ops,
            live_bytes,
        }
    }
}

impl Request {
    /// Parses `[pattern, count, size]` (three `u64` LE); `None` for any other length.
    pub fn parse(input: &[u8]) -> Option<Self> {
        if input.len() != 24 {
            return None;
        }
        let word = |i: usize| {
            let mut w = [0u8; 8];
            w.copy_from_slice(&input[i * 8..i * 8 + 8]);
            u64::from_le_bytes(w)
        };
        Some(Self {
            pattern: word(0),
            count: word(1),
            size: word(2),
        })
    }

    /// Runs the pattern.
    pub fn run(&self) -> Outcome {
        let layout = || {
            let size = usize::try_from(black_box(self.size)).ok()?;
            if size == 0 {
                return None;
            }
            Layout::from_size_align(size, black_box(ALIGN)).ok()
        };
        let invalid = Outcome::new(INVALID_INPUT, 0, 0);
        match self.pattern {
            pattern::ALLOC => layout().map_or(invalid, |l| alloc_keep(self.count, l)),
            pattern::BASELINE => layout().map_or(invalid, |l| baseline(self.count, l)),
            pattern::ALLOC_FREE => layout().map_or(invalid, |l| alloc_free(self.count, l)),
            pattern::VEC_PUSH => vec_push(self.count),
            pattern::BTREEMAP => btreemap(self.count),
            pattern::RANDOM_MIX => match usize::try_from(self.size) {
                Ok(max) if max >= 8 => random_mix(self.count, max),
                _ => invalid,
            },
            pattern::BOX_U64 => box_u64(self.count),
            pattern::CHURN => match usize::try_from(self.size) {
                Ok(max) if max > 0 => churn(self.count, max),
                _ => invalid,
            },
            pattern::BOX_BASELINE => box_baseline(self.count),
            #[cfg(feature = "collections")]
            pattern::COLLECTIONS if self.count <= crate::collections::MAX_N => {
                collections(self.count)
            }
            _ => invalid,
        }
    }
}

fn alloc_keep(count: u64, layout: Layout) -> Outcome {
    let mut done = 0;
    while done < count {
        // SAFETY: `layout` has a non-zero size (checked by `Request::run`).
        let p = unsafe { alloc(layout) };
        if p.is_null() {
            break;
        }
        // SAFETY: `p` is a fresh block of at least one byte.
        unsafe { p.write(done as u8) };
        black_box(p);
        done += 1;
    }
    let code = if done == count {
        SUCCESS
    } else {
        OUT_OF_MEMORY
    };
    Outcome::new(code, done, done * layout.size() as u64)
}

fn baseline(count: u64, layout: Layout) -> Outcome {
    // The layout is built (through `black_box`) as in `alloc_keep`, then unused; the loop
    // keeps everything of `alloc_keep`'s body except the allocation and its null check.
    let _ = layout;
    let mut slot = [0u8; 8];
    let p = slot.as_mut_ptr();
    for i in 0..count {
        // SAFETY: `p` is `slot`, eight writable bytes on the stack.
        unsafe { p.write(i as u8) };
        black_box(p);
    }
    Outcome::new(SUCCESS, count, 0)
}

fn alloc_free(count: u64, layout: Layout) -> Outcome {
    for i in 0..count {
        // SAFETY: `layout` has a non-zero size (checked by `Request::run`).
        let p = unsafe { alloc(layout) };
        if p.is_null() {
            return Outcome::new(OUT_OF_MEMORY, i, 0);
        }
        // SAFETY: `p` is a fresh block of at least one byte, freed with its own layout.
        unsafe {
            p.write(i as u8);
            dealloc(black_box(p), layout);
        }
    }
    Outcome::new(SUCCESS, count, 0)
}

fn vec_push(count: u64) -> Outcome {
    let mut v: Vec<u64> = Vec::new();
    for i in 0..count {
        v.push(i);
    }
    black_box(&v);
    let live = (v.capacity() * core::mem::size_of::<u64>()) as u64;
    // A constant-cost check (the first and last element), so the run's CU are the pushes.
    let ok = v.len() as u64 == count && (count == 0 || (v[0] == 0 && v[v.len() - 1] == count - 1));
    let code = if ok { SUCCESS } else { CHECK_FAILED };
    // Report while the vector is still alive.
    let outcome = Outcome::new(code, count, live);
    core::mem::forget(v);
    outcome
}

/// A bijection on `u64` (odd multiplier): distinct, unordered keys.
fn key(i: u64) -> u64 {
    i.wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

fn btreemap(count: u64) -> Outcome {
    let mut m: BTreeMap<u64, u64> = BTreeMap::new();
    for i in 0..count {
        m.insert(black_box(key(i)), i);
    }
    if m.len() as u64 != count {
        return Outcome::new(CHECK_FAILED, 0, 0);
    }
    for i in 0..count {
        if m.remove(&black_box(key(i))) != Some(i) {
            return Outcome::new(CHECK_FAILED, count + i, 0);
        }
    }
    let code = if m.is_empty() { SUCCESS } else { CHECK_FAILED };
    Outcome::new(code, 2 * count, 0)
}

fn box_u64(count: u64) -> Outcome {
    for i in 0..count {
        let b = Box::new(black_box(i));
        black_box(&*b);
        core::mem::forget(b);
    }
    Outcome::new(SUCCESS, count, count * 8)
}

/// `box_u64`'s loop without the allocation: the value goes through `black_box` and is
/// written to a stack slot instead of a fresh block, and the slot's address goes through
/// `black_box` as the block's would. The address itself is made opaque once, before the
/// loop, so it stays in a register like the allocator's result instead of being recomputed
/// from the frame pointer each iteration (checked on the disassembly: this loop is the Box
/// loop minus exactly the allocator's instructions).
fn box_baseline(count: u64) -> Outcome {
    let mut slot = 0u64;
    let p: *mut u64 = black_box(&raw mut slot);
    for i in 0..count {
        // SAFETY: `p` is `slot`, a live `u64` on the stack (`black_box` returns its input).
        unsafe { p.write(black_box(i)) };
        black_box(p.cast_const());
    }
    Outcome::new(SUCCESS, count, 0)
}

/// `count` operations on a `BTreeMap<u64, u64>`, each an insert or a remove of a key
/// drawn from `2 * max_live` fixed-seed keys, never more than `max_live` keys live: the
/// churn a free-less bump heap cannot sustain. Ends with `OUT_OF_MEMORY` never (a failed
/// allocation aborts in `handle_alloc_error`); `CHECK_FAILED` if the map's length drifts
/// from the count of inserted-minus-removed keys. `live_bytes`: keys and values live at
/// the end (16 bytes each).
fn churn(count: u64, max_live: usize) -> Outcome {
    let mut m: BTreeMap<u64, u64> = BTreeMap::new();
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut expected = 0usize;
    for i in 0..count {
        let r = rng.next();
        let k = key(r % (2 * max_live as u64));
        if m.len() < max_live && r & (1 << 40) != 0 {
            if m.insert(black_box(k), i).is_none() {
                expected += 1;
            }
        } else if m.remove(&black_box(k)).is_some() {
            expected -= 1;
        }
    }
    let code = if m.len() == expected {
        SUCCESS
    } else {
        CHECK_FAILED
    };
    let outcome = Outcome::new(code, count, (m.len() * 16) as u64);
    core::mem::forget(m);
    outcome
}

/// xorshift64*: a fixed-seed generator, the same sequence on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// A live block of the random mix, in 8 bytes (the table is live heap data too, so it is
/// kept small): its offset from the heap start and its size (both below 256 KiB).
#[derive(Clone, Copy)]
struct Slot {
    offset: u32,
    size: u32,
}

impl Slot {
    fn new(ptr: *mut u8, size: usize) -> Self {
        Self {
            offset: (ptr as usize - tako_sdk::MM_HEAP_START as usize) as u32,
            size: size as u32,
        }
    }

    fn ptr(self) -> *mut u8 {
        (tako_sdk::MM_HEAP_START as usize + self.offset as usize) as *mut u8
    }

    fn len(self) -> usize {
        self.size as usize
    }
}

fn tag(index: usize) -> u8 {
    (index as u8) ^ 0xa5
}

/// Writes the slot's tag into its first and last byte.
///
/// # Safety
/// `slot.ptr()` is a live block of `slot.len()` (> 0) bytes.
unsafe fn mark(slot: Slot, index: usize) {
    // SAFETY: both offsets are inside the block.
    unsafe {
        slot.ptr().write(tag(index));
        slot.ptr().add(slot.len() - 1).write(tag(index));
    }
}

/// Whether the slot's first and last byte still hold its tag.
///
/// # Safety
/// `slot.ptr()` is a live block of `slot.len()` (> 0) bytes that `mark` tagged.
unsafe fn intact(slot: Slot, index: usize) -> bool {
    // SAFETY: both offsets are inside the block.
    unsafe {
        slot.ptr().read() == tag(index) && slot.ptr().add(slot.len() - 1).read() == tag(index)
    }
}

fn random_mix(count: u64, max_size: usize) -> Outcome {
    let heap = tako_sdk::get_heap_region().1 as usize;
    let capacity = 2 * heap / max_size + 16;
    let mut slots: Vec<Slot> = Vec::new();
    if slots.try_reserve_exact(capacity).is_err() {
        return Outcome::new(OUT_OF_MEMORY, 0, 0);
    }
    let table_bytes = (slots.capacity() * core::mem::size_of::<Slot>()) as u64;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut live = table_bytes;
    let mut ops = 0u64;
    let code = loop {
        if count > 0 && ops == count {
            break SUCCESS;
        }
        let roll = rng.below(10);
        let size = 8 + rng.below(max_size - 7);
        if slots.is_empty() || (roll < 6 && slots.len() < slots.capacity()) {
            let layout = Layout::from_size_align(black_box(size), ALIGN).expect("size <= max");
            // SAFETY: `size` >= 8.
            let ptr = unsafe { alloc(layout) };
            if ptr.is_null() {
                break OUT_OF_MEMORY;
            }
            let slot = Slot::new(ptr, size);
            // SAFETY: a fresh block of `size` bytes.
            unsafe { mark(slot, slots.len()) };
            slots.push(slot);
            live += size as u64;
        } else if roll < 8 || slots.len() == slots.capacity() {
            let index = rng.below(slots.len());
            let slot = slots[index];
            // SAFETY: every slot in the table is live and tagged.
            if !unsafe { intact(slot, index) } {
                break CHECK_FAILED;
            }
            let layout = Layout::from_size_align(slot.len(), ALIGN).expect("was valid");
            // SAFETY: allocated with this layout and not freed before.
            unsafe { dealloc(slot.ptr(), layout) };
            live -= slot.len() as u64;
            let last = slots.len() - 1;
            slots.swap_remove(index);
            if index != last {
                // The last slot moved to `index`: re-tag it for its new position.
                // SAFETY: still live, was tagged for `last`.
                if !unsafe { intact(slots[index], last) } {
                    break CHECK_FAILED;
                }
                // SAFETY: live block.
                unsafe { mark(slots[index], index) };
            }
        } else {
            let index = rng.below(slots.len());
            let slot = slots[index];
            // SAFETY: every slot in the table is live and tagged.
            if !unsafe { intact(slot, index) } {
                break CHECK_FAILED;
            }
            let layout = Layout::from_size_align(slot.len(), ALIGN).expect("was valid");
            // SAFETY: allocated with this layout, `size` > 0 and rounds to a valid layout.
            let ptr = unsafe { realloc(slot.ptr(), layout, black_box(size)) };
            if ptr.is_null() {
                break OUT_OF_MEMORY;
            }
            // SAFETY: realloc kept the first min(old, new) bytes, so the first byte holds
            // the tag; the new block has `size` bytes.
            if unsafe { ptr.read() } != tag(index) {
                break CHECK_FAILED;
            }
            let moved = Slot::new(ptr, size);
            // SAFETY: live block of `size` bytes.
            unsafe { mark(moved, index) };
            slots[index] = moved;
            live = live - slot.len() as u64 + size as u64;
        }
        ops += 1;
    };
    let outcome = Outcome::new(code, ops, live);
    // The run ends here: leave the blocks to the VM instead of paying for their frees.
    core::mem::forget(slots);
    outcome
}

/// The `collections` contract's workload of size `n`: `CHECK_FAILED` if one of its own
/// checks fails.
#[cfg(feature = "collections")]
fn collections(n: u64) -> Outcome {
    match crate::collections::run(black_box(n)) {
        Ok(_checksum) => Outcome::new(SUCCESS, n, 0),
        Err(_) => Outcome::new(CHECK_FAILED, 0, 0),
    }
}
