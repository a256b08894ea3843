//! `v3-big-frame`: builds a 1,024-entry `u64` table (8 KiB) on the stack at run time, the
//! way a CRC or lookup table built by a `new()` is, and returns a checksum of it. As SBPF
//! V0 it does not build (4 KiB frames: the linker names `build_table`, its limit and the
//! fix); as V3 (`./build-example.sh v3-big-frame --arch v3`) the frame is sized for it.
//!
//! Input: one `u64` LE seed (empty: 1). Return data: the checksum, 8 bytes LE, which
//! [`checksum`] computes the same way on the host (`src/table.rs`).
#![no_std]

mod table;

pub use table::{checksum, ENTRIES};

tako_sdk::entrypoint!(process);
tako_sdk::panic_handler!();

fn process(input: &[u8]) -> u64 {
    let seed = match input.len() {
        0 => 1,
        8 => u64::from_le_bytes(input.try_into().unwrap_or([0; 8])),
        _ => return tako_sdk::INVALID_INPUT,
    };
    match tako_sdk::set_return_data(&checksum(seed).to_le_bytes()) {
        Ok(()) => tako_sdk::SUCCESS,
        Err(_) => tako_sdk::CHECK_FAILED,
    }
}
