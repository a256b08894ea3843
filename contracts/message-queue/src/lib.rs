//! `message-queue`: a FIFO of byte messages (`tos_alloc::slab::ByteBufferDeque`) in a
//! `Slab` over the VM heap, with **no global allocator** (no `alloc` crate at all). The
//! input (tens of KiB) is read into the start of the heap; the slab gets the rest.
//!
//! The input is a sequence of operations; the workload (format, hash, results, error
//! codes) is in [`queue`], a plain module the host tests compile too. This file only lends
//! the VM heap to it and turns its result into the run's return code and return data:
//!
//! | outcome | return code | return data (`u64` LE words) |
//! |---------|-------------|------------------------------|
//! | every operation done | `SUCCESS` | `[hash, popped, max_queue_len, live_bytes, log_len, log_hash]` |
//! | the slab had no run of free slots for a push or the log | `OUT_OF_SLOTS` (`CUSTOM_BASE + 1`) | `[op_index, queue_len, live_bytes, needed_slots, free_slots]` |
//! | a message larger than the whole slab | `TOO_LARGE` (`CUSTOM_BASE + 2`) | `[op_index, queue_len, live_bytes, len, max_len]` |
//! | malformed input (unknown operation, truncated push) | `INVALID_INPUT` | `[byte offset]` |
//! | any other slab error (a bug: none is expected) | `CHECK_FAILED` | `[op_index, queue_len, live_bytes]` |
#![no_std]

mod queue;

use queue::Failure;
use tos_alloc::slab::SlabError;

tako_sdk::panic_handler!();

#[unsafe(no_mangle)]
pub extern "C" fn entrypoint() -> u64 {
    // SAFETY: this contract has no global allocator (it does not link `alloc`) and nothing
    // else touches the VM heap; `entrypoint` runs once per run, so the heap is lent once.
    let heap = unsafe { tos_alloc::vm_heap_bytes() };
    let (code, words): (u64, [u64; 6]) = match queue::run_with_input_in(heap, tako_sdk::get_input_data) {
        Ok(r) => (
            tako_sdk::SUCCESS,
            [
                r.hash,
                r.popped,
                r.max_queue_len,
                r.live_bytes,
                r.log_len,
                r.log_hash,
            ],
        ),
        Err(Failure::Input { offset }) => (tako_sdk::INVALID_INPUT, [offset as u64, 0, 0, 0, 0, 0]),
        Err(Failure::Slab {
            op_index,
            error,
            queue_len,
            live_bytes,
        }) => {
            let head = [op_index as u64, queue_len as u64, live_bytes];
            match error {
                SlabError::OutOfSlots { needed, free } => (
                    queue::OUT_OF_SLOTS,
                    [head[0], head[1], head[2], needed as u64, free as u64, 0],
                ),
                SlabError::TooLarge { len, max } => (
                    queue::TOO_LARGE,
                    [head[0], head[1], head[2], len as u64, max as u64, 0],
                ),
                _ => (tako_sdk::CHECK_FAILED, [head[0], head[1], head[2], 0, 0, 0]),
            }
        }
    };
    let used = match code {
        tako_sdk::SUCCESS => 6,
        tako_sdk::INVALID_INPUT => 1,
        tako_sdk::CHECK_FAILED => 3,
        _ => 5,
    };
    let mut data = [0u8; 48];
    for (chunk, w) in data.chunks_exact_mut(8).zip(words) {
        chunk.copy_from_slice(&w.to_le_bytes());
    }
    match tako_sdk::set_return_data(&data[..used * 8]) {
        Ok(()) => code,
        Err(_) => tako_sdk::CHECK_FAILED,
    }
}
