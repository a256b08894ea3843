//! `counter`: the counter of TOS's own examples, written as they are (`use tako_sdk::*;`,
//! `#![no_main]`, a plain `entrypoint() -> u64`, its own panic handler), with no
//! allocator.
//!
//! Every call adds the input's `u64` LE (empty input: 1) to the value stored under
//! `count` (absent: 0), saturating, stores it, and returns it as 8 bytes of return data.
//!
//! | outcome | return code |
//! |---------|-------------|
//! | stored | `SUCCESS` |
//! | input that is neither empty nor 8 bytes | `INVALID_INPUT` |
//! | `storage_write` refused | `ERROR` + that status (`0x100 + status`) |
#![no_std]
#![no_main]

use tako_sdk::*;

/// The storage key of the counter.
pub const COUNTER_KEY: &[u8] = b"count";

/// Return code when `storage_write` refuses: this base plus its status.
pub const WRITE_FAILED: u64 = CUSTOM_BASE;

#[unsafe(no_mangle)]
pub extern "C" fn entrypoint() -> u64 {
    let mut input = [0u8; 8];
    let step = match get_input_data(&mut input) {
        0 => 1,
        8 => u64::from_le_bytes(input),
        _ => return INVALID_INPUT,
    };
    let mut buffer = [0u8; 8];
    let current = if storage_read(COUNTER_KEY, &mut buffer) == 8 {
        u64::from_le_bytes(buffer)
    } else {
        log("counter: first call");
        0
    };
    let next = current.saturating_add(step);
    let bytes = next.to_le_bytes();
    if let Err(status) = storage_write(COUNTER_KEY, &bytes) {
        return WRITE_FAILED + status;
    }
    match set_return_data(&bytes) {
        Ok(()) => SUCCESS,
        Err(_) => ERROR,
    }
}

#[cfg(target_arch = "bpf")]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    abort()
}
