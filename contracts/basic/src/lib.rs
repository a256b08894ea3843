//! The README example: a `Vec` with 42 pushed and a `BTreeMap` with `1 → 100`, both on the
//! `TosAllocator` heap. Returns `SUCCESS` when both hold what was put in.
#![no_std]

extern crate alloc;

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use tos_alloc::TosAllocator;

#[global_allocator]
static ALLOCATOR: TosAllocator = TosAllocator::new();

#[no_mangle]
pub extern "C" fn entrypoint() -> u64 {
    let mut v = Vec::new();
    v.push(42u64);
    let mut m = BTreeMap::new();
    m.insert(1u64, 100u64);
    if v[0] == 42 && m.get(&1) == Some(&100) {
        tako_sdk::SUCCESS
    } else {
        tako_sdk::CHECK_FAILED
    }
}

tako_sdk::panic_handler!();
