//! `loom` models of the compare-and-swap paths: loom runs every interleaving of the
//! threads' atomic operations (with the header's atomics replaced by loom's).
//!
//! ```text
//! RUSTFLAGS="--cfg loom" cargo test -p tos-alloc --release --test loom
//! ```
#![cfg(loom)]

use std::alloc::Layout;

use loom::sync::Arc;
use loom::thread;
use tos_alloc::{Header, Heap, Region};

/// A heap region for loom: the header is a real (loom) object, the blocks live in words
/// of ordinary memory.
struct LoomRegion {
    header: Header,
    words: *mut u64,
    len: usize,
}

// SAFETY: the words are owned by the region and only reached through `pointer`; the
// allocator hands out disjoint blocks, so threads never touch the same words at once.
unsafe impl Send for LoomRegion {}
// SAFETY: as above; shared state is the header's atomics.
unsafe impl Sync for LoomRegion {}

impl LoomRegion {
    fn new(words: usize) -> Self {
        let words_box = vec![0u64; words].into_boxed_slice();
        LoomRegion {
            header: Header::new(),
            words: Box::into_raw(words_box).cast::<u64>(),
            len: words,
        }
    }
}

impl Drop for LoomRegion {
    fn drop(&mut self) {
        // SAFETY: `words` came from `Box::into_raw` of a slice of `len` words.
        drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(self.words, self.len)) });
    }
}

// SAFETY: the words are owned, 8-aligned, zero-filled, and `learn_end` stays inside them;
// pointers keep the allocation's provenance.
unsafe impl Region for LoomRegion {
    fn header(&self) -> &Header {
        &self.header
    }
    fn data_start(&self) -> usize {
        self.words.addr()
    }
    fn learn_end(&self) -> usize {
        self.words.addr() + self.len * 8
    }
    fn pointer(&self, addr: usize) -> *mut u8 {
        self.words.cast::<u8>().with_addr(addr)
    }
}

fn heap(words: usize) -> Arc<Heap<LoomRegion>> {
    let heap = Heap::new(LoomRegion::new(words));
    heap.init();
    Arc::new(heap)
}

fn l8() -> Layout {
    Layout::from_size_align(8, 8).unwrap()
}

#[test]
fn concurrent_allocations_get_distinct_blocks() {
    loom::model(|| {
        let heap = heap(4);
        let h2 = heap.clone();
        let t = thread::spawn(move || h2.alloc(l8()).addr());
        let a = heap.alloc(l8()).addr();
        let b = t.join().unwrap();
        assert!(a != 0 && b != 0);
        assert_ne!(a, b);
        assert_eq!(heap.stats().used, 16);
    });
}

#[test]
fn the_last_block_goes_to_exactly_one_thread() {
    loom::model(|| {
        let heap = heap(1);
        let h2 = heap.clone();
        let t = thread::spawn(move || h2.alloc(l8()).is_null());
        let mine = heap.alloc(l8()).is_null();
        let theirs = t.join().unwrap();
        assert!(mine != theirs, "exactly one allocation fails");
        assert_eq!(heap.stats().failed, 1);
    });
}

#[test]
fn a_rewound_block_reused_by_another_thread_is_zeroed_for_alloc_zeroed() {
    loom::model(|| {
        let heap = heap(2);
        let h2 = heap.clone();
        let t = thread::spawn(move || {
            let p = h2.alloc(l8());
            assert!(!p.is_null());
            // SAFETY: `p` holds 8 bytes owned by this thread.
            unsafe { p.cast::<u64>().write(u64::MAX) };
            // SAFETY: `p` came from this heap for `l8()`; it is not used again.
            unsafe { h2.dealloc(p, l8()) };
        });
        let z = heap.alloc_zeroed(l8());
        assert!(!z.is_null());
        // SAFETY: `z` holds 8 bytes owned by this thread.
        let value = unsafe { z.cast::<u64>().read() };
        assert_eq!(value, 0, "alloc_zeroed returned dirty memory");
        t.join().unwrap();
    });
}

#[test]
fn growing_the_top_block_in_place_races_safely_with_an_allocation() {
    loom::model(|| {
        let heap = heap(4);
        let h2 = heap.clone();
        let t = thread::spawn(move || {
            let p = h2.alloc(l8());
            // SAFETY: `p` came from this heap for `l8()`.
            let q = unsafe { h2.realloc(p, l8(), 16) };
            (q.addr(), 16)
        });
        let b = heap.alloc(l8()).addr();
        let (a, a_len) = t.join().unwrap();
        assert!(a != 0 && b != 0);
        assert!(
            a + a_len <= b || b + 8 <= a,
            "blocks overlap: {a:x}+{a_len}, {b:x}+8"
        );
    });
}

#[test]
fn a_rewind_never_frees_a_block_another_thread_holds() {
    loom::model(|| {
        let heap = heap(4);
        let h2 = heap.clone();
        let t = thread::spawn(move || {
            let p = h2.alloc(l8());
            // SAFETY: `p` came from this heap for `l8()`; it is not used again.
            unsafe { h2.dealloc(p, l8()) };
        });
        let b = heap.alloc(l8()).addr();
        t.join().unwrap();
        // Whatever the interleaving, the next block does not overlap `b`, still held.
        let c = heap.alloc(Layout::from_size_align(16, 8).unwrap()).addr();
        assert!(b != 0 && c != 0);
        assert!(
            c + 16 <= b || b + 8 <= c,
            "{c:x} overlaps the live block {b:x}"
        );
    });
}
