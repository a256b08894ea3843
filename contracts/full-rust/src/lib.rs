//! `full-rust`: evaluates the fixed expression table of [`table`] (shared, through a
//! `#[path]` include, with the host test `tests/tests/all/full_rust.rs`) and returns, as return
//! data, `[u64 LE count][u64 LE total][u32 LE entry hash]*`: each entry's hash is the low 32
//! bits of the FNV-1a of its result bytes, `total` the FNV-1a over all the full 64-bit
//! entry hashes (little-endian), so up to 252 entries fit in the 1 KiB of return data.
//!
//! Input: empty, or `panic` to panic with a formatted message (the SDK's `panic-message`
//! feature logs it). Logs [`table::summary`] with `tako_sdk::log!`. Every operand passes
//! through `core::hint::black_box`, so the VM computes what the table says instead of LLVM
//! folding it at compile time.
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
    let mut total = table::FNV_OFFSET;
    let mut overflow = false;
    table::evaluate(&mut |_name, bytes| {
        let at = HEADER + count * 4;
        if at + 4 > out.len() {
            overflow = true;
            return;
        }
        let hash = table::fnv1a(bytes);
        total = table::fnv1a_extend(total, &hash.to_le_bytes());
        out[at..at + 4].copy_from_slice(&(hash as u32).to_le_bytes());
        count += 1;
    });
    if overflow {
        tako_sdk::log("full-rust: more entries than fit in the return data");
        return tako_sdk::CHECK_FAILED;
    }
    out[..8].copy_from_slice(&(count as u64).to_le_bytes());
    out[8..16].copy_from_slice(&total.to_le_bytes());
    tako_sdk::log!("{}", table::summary(count, total));
    match tako_sdk::set_return_data(&out[..HEADER + count * 4]) {
        Ok(()) => tako_sdk::SUCCESS,
        Err(_) => tako_sdk::CHECK_FAILED,
    }
}

/// Return data header: the entry count and the hash over all 64-bit entry hashes.
const HEADER: usize = 16;
