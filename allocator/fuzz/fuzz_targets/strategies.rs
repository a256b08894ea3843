//! cargo fuzz target: the fuzzer's bytes decoded into alloc / alloc_zeroed / realloc /
//! dealloc sequences by the same decoder and shadow model as the property tests
//! (`tests/common/ops.rs`), run against the bump heap, the pool and the first-fit heap over a 16 KiB
//! host buffer, exactly as `tests/strategies.rs` builds them.
#![no_main]

use std::alloc::Layout;

use libfuzzer_sys::fuzz_target;
use tos_alloc::first_fit::FirstFitHeap;
use tos_alloc::pool::PoolHeap;
use tos_alloc::usage::Usage;
use tos_alloc::TosHeap;

#[allow(dead_code)]
#[path = "../../tests/common/ops.rs"]
mod ops;

use ops::Subject;

const HEAP: usize = 16 * 1024;

/// The first-fit heap of the tests: 16-byte blocks, as many as the region holds.
type Ff<'a> = FirstFitHeap<'a, 4096, 16>;

/// The subjects are local wrappers (the trait is this crate's, the heaps are not).
struct Bump<'a>(TosHeap<'a>);
struct Pool<'a>(PoolHeap<'a>);

impl Subject for Bump<'_> {
    fn alloc(&self, layout: Layout) -> *mut u8 {
        self.0.alloc(layout)
    }
    fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        self.0.alloc_zeroed(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded; the caller upholds `GlobalAlloc::dealloc`'s contract.
        unsafe { self.0.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded; the caller upholds `GlobalAlloc::realloc`'s contract.
        unsafe { self.0.realloc(ptr, layout, new_size) }
    }
    fn usage(&self) -> Option<Usage> {
        // The bump keeps no `Usage`: the block checks only (tests/model.rs checks its cursor).
        None
    }
}
struct FirstFit<'a>(Ff<'a>);

impl Subject for Pool<'_> {
    fn alloc(&self, layout: Layout) -> *mut u8 {
        self.0.alloc(layout)
    }
    fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        self.0.alloc_zeroed(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded; the caller upholds `GlobalAlloc::dealloc`'s contract.
        unsafe { self.0.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded; the caller upholds `GlobalAlloc::realloc`'s contract.
        unsafe { self.0.realloc(ptr, layout, new_size) }
    }
    fn usage(&self) -> Option<Usage> {
        Some(self.0.stats().usage)
    }
}

impl Subject for FirstFit<'_> {
    fn alloc(&self, layout: Layout) -> *mut u8 {
        self.0.alloc(layout)
    }
    fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        self.0.alloc_zeroed(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded; the caller upholds `GlobalAlloc::dealloc`'s contract.
        unsafe { self.0.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded; the caller upholds `GlobalAlloc::realloc`'s contract.
        unsafe { self.0.realloc(ptr, layout, new_size) }
    }
    fn usage(&self) -> Option<Usage> {
        Some(self.0.stats())
    }
}

/// An 8-aligned, zeroed host buffer of `HEAP` bytes.
fn region() -> Vec<u64> {
    vec![0u64; HEAP / 8]
}

fn bytes(words: &mut [u64]) -> &mut [u8] {
    let len = words.len() * 8;
    // SAFETY: the same allocation viewed as bytes (u8 has no alignment or validity
    // requirement); `words` is not used otherwise while the byte view lives.
    unsafe { std::slice::from_raw_parts_mut(words.as_mut_ptr().cast::<u8>(), len) }
}

fn run_bump(list: &[ops::Op]) -> Result<(), String> {
    let mut words = region();
    let buf = bytes(&mut words);
    let (start, end) = (buf.as_ptr().addr(), buf.as_ptr().addr() + HEAP);
    let heap = Bump(TosHeap::over(buf).map_err(|e| e.to_string())?);
    ops::run(&heap, start, end, list)
}

fn run_pool(list: &[ops::Op]) -> Result<(), String> {
    let mut words = region();
    let buf = bytes(&mut words);
    let (start, end) = (buf.as_ptr().addr(), buf.as_ptr().addr() + HEAP);
    let pool = Pool(PoolHeap::over(buf).map_err(|e| e.to_string())?);
    ops::run(&pool, start, end, list)
}

fn run_first_fit(list: &[ops::Op]) -> Result<(), String> {
    let mut words = region();
    let buf = bytes(&mut words);
    let (start, end) = (buf.as_ptr().addr(), buf.as_ptr().addr() + HEAP);
    let ff = FirstFit(Ff::over(buf).map_err(|e| e.to_string())?);
    ops::run(&ff, start, end, list)?;
    // Everything was freed: coalescing must leave one chunk, the whole area.
    let (chunks, largest) = ff.0.free_chunks();
    if chunks != 1 || largest * 16 < HEAP - 1024 {
        return Err(format!(
            "after freeing everything: {chunks} chunks, largest {largest} blocks"
        ));
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let list = ops::decode(data);
    if let Err(e) = run_bump(&list) {
        panic!("bump: {e}");
    }
    if let Err(e) = run_pool(&list) {
        panic!("pool: {e}");
    }
    if let Err(e) = run_first_fit(&list) {
        panic!("first fit: {e}");
    }
});
