//! The README example: a `Vec` with 42 pushed and a `BTreeMap` with `1 → 100`, both on the
//! `TosAllocator` heap. Returns `SUCCESS` when both hold what was put in.
#![no_std]

extern crate alloc;

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicUsize, Ordering};

// Temporary: the header-in-heap bump below is replaced by `tos_alloc::TosAllocator` as
// soon as that crate lands.
struct Bump;
unsafe impl core::alloc::GlobalAlloc for Bump {
    unsafe fn alloc(&self, l: core::alloc::Layout) -> *mut u8 {
        let hdr = &*(0x3_0000_0000usize as *const AtomicUsize);
        let mut cur = hdr.load(Ordering::Relaxed);
        if cur == 0 {
            cur = 0x3_0000_0000 + 8;
        }
        let start = (cur + l.align() - 1) & !(l.align() - 1);
        let end = start + l.size();
        if end > 0x3_0000_0000 + 32768 {
            return core::ptr::null_mut();
        }
        hdr.store(end, Ordering::Relaxed);
        start as *mut u8
    }
    unsafe fn dealloc(&self, _: *mut u8, _: core::alloc::Layout) {}
}
#[global_allocator]
static A: Bump = Bump;

#[no_mangle]
pub extern "C" fn entrypoint() -> u64 {
    let mut v = Vec::new();
    v.push(42u64);
    let mut m = BTreeMap::new();
    m.insert(1u64, 100u64);
    if v[0] == 42 && m.get(&1) == Some(&100) {
        0
    } else {
        3
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}
