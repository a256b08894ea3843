//! `full-rust`: evaluates the fixed expression table of [`table`] (shared, through a
//! `#[path]` include, with the host test `tests/tests/full_rust.rs`) and returns, as return
//! data, the FNV-1a hash of every entry's result bytes: `[u64 LE count][u64 LE hash]*`.
//!
//! Input: empty, or `panic` to panic with a formatted message (the SDK's `panic-message`
//! feature logs it). Logs [`table::summary`] with `tako_sdk::log!`. Every operand passes through `core::hint::black_box`, so the VM computes
//! what the table says instead of LLVM folding it at compile time.
#![no_std]

#[path = "table.rs"]
mod table;

// `borsh` needs the `alloc` crate; the table itself never allocates.
extern crate alloc;

#[global_allocator]
static ALLOCATOR: tako_sdk::SyscallAllocator = tako_sdk::SyscallAllocator;

tako_sdk::entrypoint!(process);
tako_sdk::panic_handler!();

fn process(input: &[u8]) -> u64 {
    match input {
        [] => {}
        b"panic" => panic!("full-rust panics on purpose: {:>4}|{:x}", 42, 255u8),
        _ => return tako_sdk::INVALID_INPUT,
    }
    let mut out = [0u8; tako_sdk::MAX_RETURN_DATA];
    let mut count = 0usize;
    let mut overflow = false;
    table::evaluate(&mut |_name, bytes| {
        let at = 8 + count * 8;
        if at + 8 > out.len() {
            overflow = true;
            return;
        }
        out[at..at + 8].copy_from_slice(&table::fnv1a(bytes).to_le_bytes());
        count += 1;
    });
    if overflow {
        tako_sdk::log("full-rust: more entries than fit in the return data");
        return tako_sdk::CHECK_FAILED;
    }
    out[..8].copy_from_slice(&(count as u64).to_le_bytes());
    tako_sdk::log!(
        "{}",
        table::summary(count, table::fnv1a(&out[8..8 + count * 8]))
    );
    match tako_sdk::set_return_data(&out[..8 + count * 8]) {
        Ok(()) => tako_sdk::SUCCESS,
        Err(_) => tako_sdk::CHECK_FAILED,
    }
}
