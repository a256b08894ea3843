//! `big-heap`: declares a 256 KiB heap (`TosAllocator<{ 256 * 1024 }>`) and uses more than
//! 32 KiB of it.
//!
//! Input: empty (48 KiB) or one `u64` LE number of KiB to use, 1..=240. The contract
//! reserves that many bytes as 1 KiB blocks with `try_reserve_exact` (fallible), fills each
//! with its own byte (`tako_sdk::fill`, the memset syscall) and checks them all.
//!
//! Result: `SUCCESS` when everything fit; `OUT_OF_MEMORY` as soon as a reservation fails
//! (the allocator returns null beyond the heap the VM really mapped, so a run with the
//! default 32 KiB heap ends here cleanly, never with an access violation);
//! `CHECK_FAILED` if a block lost its contents; `INVALID_INPUT` otherwise. Return data in
//! every case but `INVALID_INPUT`: three `u64` LE `[bytes obtained, allocator capacity,
//! allocator peak]` (capacity = min(declared, mapped) heap less the allocator header).
#![no_std]

extern crate alloc;

use alloc::vec::Vec;
use tos_alloc::TosAllocator;

/// The heap this contract declares: 256 KiB, the most the VM maps.
const HEAP: usize = 256 * 1024;

#[global_allocator]
static ALLOCATOR: TosAllocator<HEAP> = TosAllocator::sized();

tako_sdk::entrypoint!(process);
tako_sdk::panic_handler!();

const BLOCK: usize = 1024;
const DEFAULT_KIB: u64 = 48;
const MAX_KIB: u64 = 240;

fn process(input: &[u8]) -> u64 {
    let kib = match input.len() {
        0 => DEFAULT_KIB,
        8 => {
            let mut w = [0u8; 8];
            w.copy_from_slice(input);
            u64::from_le_bytes(w)
        }
        _ => return tako_sdk::INVALID_INPUT,
    };
    if kib == 0 || kib > MAX_KIB {
        return tako_sdk::INVALID_INPUT;
    }
    let (code, obtained) = use_heap(kib as usize);
    let stats = ALLOCATOR.stats();
    let mut data = [0u8; 24];
    for (chunk, word) in
        data.chunks_exact_mut(8)
            .zip([obtained, stats.capacity as u64, stats.peak as u64])
    {
        chunk.copy_from_slice(&word.to_le_bytes());
    }
    match tako_sdk::set_return_data(&data) {
        Ok(()) => code,
        Err(_) => tako_sdk::CHECK_FAILED,
    }
}

/// Reserves `kib` blocks of 1 KiB; returns the code and the bytes obtained.
fn use_heap(kib: usize) -> (u64, u64) {
    let mut blocks: Vec<Vec<u8>> = Vec::new();
    if blocks.try_reserve_exact(kib).is_err() {
        return (tako_sdk::OUT_OF_MEMORY, 0);
    }
    let mut obtained = 0u64;
    // Filled with the memset syscall and copied in with the memcpy syscall: a byte loop
    // would cost about 3 CU per byte, and LLVM's BPF backend expands a copy of a length it
    // knows into 128 load/store pairs per KiB (hence `black_box` on the length).
    let mut pattern = [0u8; BLOCK];
    for i in 0..kib {
        let mut block: Vec<u8> = Vec::new();
        if block.try_reserve_exact(BLOCK).is_err() {
            return (tako_sdk::OUT_OF_MEMORY, obtained);
        }
        tako_sdk::fill(&mut pattern, i as u8);
        block.extend_from_slice(&pattern[..core::hint::black_box(BLOCK)]);
        obtained += BLOCK as u64;
        blocks.push(block);
    }
    for (i, block) in blocks.iter().enumerate() {
        tako_sdk::fill(&mut pattern, i as u8);
        if tako_sdk::compare(block, &pattern) != core::cmp::Ordering::Equal {
            return (tako_sdk::CHECK_FAILED, obtained);
        }
    }
    (tako_sdk::SUCCESS, obtained)
}
