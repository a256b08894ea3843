//! `oom`: runs out of heap on purpose. Input: one `u64` LE variant (empty input = 0).
//!
//! | variant | what happens | result |
//! |---------|--------------|--------|
//! | 0 `FALLIBLE` | reserves 1 KiB blocks with `try_reserve_exact` until one fails, then checks every block's tag | `OUT_OF_MEMORY`; logs `oom: heap exhausted` and `log_u64(bytes obtained, blocks, 0, 0, 0)`; return data = bytes obtained (`u64` LE) |
//! | 1 `INFALLIBLE` | pushes `vec![0u8; 1024]` blocks until one cannot be allocated | the VM's alloc-error for 1024 bytes, align 1 |
//! | 2 `HUGE` | `Vec::<u8>::with_capacity(1 MiB)` | the VM's alloc-error for 1048576 bytes, align 1 |
//! | 3 `PANIC` | `panic!` at the line marked `PANIC-SITE` | the VM's panic error naming this file, that line and column 9 |
//! | 4 `INDEX` | indexes past the end of a slice (`panic_bounds_check`) | the VM's panic error naming the line marked `INDEX-SITE` |
//!
//! Any other input: `INVALID_INPUT`.
#![no_std]

extern crate alloc;

use alloc::vec;
use alloc::vec::Vec;
use core::hint::black_box;

#[cfg(all(feature = "tos", not(feature = "syscall")))]
#[global_allocator]
static ALLOCATOR: tos_alloc::TosAllocator = tos_alloc::TosAllocator::new();

#[cfg(feature = "syscall")]
#[global_allocator]
static ALLOCATOR: tako_sdk::SyscallAllocator = tako_sdk::SyscallAllocator;

tako_sdk::entrypoint!(process);
tako_sdk::panic_handler!();

/// Size of each block the exhausting variants take.
const BLOCK: usize = 1024;
/// Bytes of each block written (and checked) with the block's tag.
const TAG_LEN: usize = 16;
/// Most blocks any heap (at most 256 KiB) can hold.
const MAX_BLOCKS: usize = 256;

fn process(input: &[u8]) -> u64 {
    let variant = match input.len() {
        0 => 0,
        8 => {
            let mut w = [0u8; 8];
            w.copy_from_slice(input);
            u64::from_le_bytes(w)
        }
        _ => return tako_sdk::INVALID_INPUT,
    };
    match variant {
        0 => fallible(),
        1 => infallible(),
        2 => huge(),
        3 => explicit_panic(),
        4 => index_past_end(),
        _ => tako_sdk::INVALID_INPUT,
    }
}

fn fallible() -> u64 {
    let mut blocks: Vec<Vec<u8>> = Vec::new();
    if blocks.try_reserve_exact(MAX_BLOCKS).is_err() {
        return tako_sdk::OUT_OF_MEMORY;
    }
    let mut obtained = 0u64;
    loop {
        let mut block = Vec::new();
        if block.try_reserve_exact(black_box(BLOCK)).is_err() {
            break;
        }
        // A tag at the front is enough to see corruption; filling 1 KiB byte by byte
        // would cost about 3 CU per byte.
        block.extend(core::iter::repeat_n(blocks.len() as u8, TAG_LEN));
        obtained += BLOCK as u64;
        if blocks.len() == blocks.capacity() {
            // More blocks than any heap holds: the allocator never said no.
            return tako_sdk::CHECK_FAILED;
        }
        blocks.push(block);
    }
    // Every block still holds its own fill: the failure did not corrupt live data.
    for (i, block) in blocks.iter().enumerate() {
        if block.len() != TAG_LEN || block.iter().any(|b| *b != i as u8) {
            return tako_sdk::CHECK_FAILED;
        }
    }
    tako_sdk::log("oom: heap exhausted");
    tako_sdk::log_u64(obtained, blocks.len() as u64, 0, 0, 0);
    match tako_sdk::set_return_data(&obtained.to_le_bytes()) {
        Ok(()) => tako_sdk::OUT_OF_MEMORY,
        Err(_) => tako_sdk::CHECK_FAILED,
    }
}

fn infallible() -> u64 {
    let mut blocks: Vec<Vec<u8>> = Vec::with_capacity(MAX_BLOCKS);
    loop {
        if blocks.len() == blocks.capacity() {
            return tako_sdk::CHECK_FAILED;
        }
        // Ends the run through the alloc-error handler once the heap is exhausted.
        blocks.push(vec![1u8; black_box(BLOCK)]);
        black_box(&blocks);
    }
}

fn huge() -> u64 {
    let v: Vec<u8> = Vec::with_capacity(black_box(1 << 20));
    black_box(&v);
    tako_sdk::CHECK_FAILED
}

fn explicit_panic() -> u64 {
    if black_box(true) {
        panic!("explicit panic"); // PANIC-SITE
    }
    tako_sdk::CHECK_FAILED
}

fn index_past_end() -> u64 {
    let v = [1u64, 2, 3];
    let i = black_box(7usize);
    v[i] // INDEX-SITE
}
