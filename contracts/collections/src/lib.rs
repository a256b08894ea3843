//! `collections`: `Vec` growth, `BTreeMap` insert/remove/iterate, `String` building,
//! `Box<dyn Trait>` and `Rc`, each checking its own results.
//!
//! Input: empty (size `DEFAULT_N` = 100) or one `u64` LE size `n` (at most `MAX_N` = 400).
//! Returns `SUCCESS` with the 8-byte LE checksum as return data; `CHECK_FAILED` after logging
//! the failed check; `INVALID_INPUT` for any other input.
#![no_std]

extern crate alloc;

mod workload;

#[cfg(all(feature = "tos", not(feature = "syscall")))]
#[global_allocator]
static ALLOCATOR: tos_alloc::TosAllocator = tos_alloc::TosAllocator::new();

#[cfg(feature = "syscall")]
#[global_allocator]
static ALLOCATOR: tako_sdk::SyscallAllocator = tako_sdk::SyscallAllocator;

tako_sdk::entrypoint!(process);
tako_sdk::panic_handler!();

fn process(input: &[u8]) -> u64 {
    let n = match input.len() {
        0 => workload::DEFAULT_N,
        8 => {
            let mut word = [0u8; 8];
            word.copy_from_slice(input);
            u64::from_le_bytes(word)
        }
        _ => return tako_sdk::INVALID_INPUT,
    };
    if n > workload::MAX_N {
        return tako_sdk::INVALID_INPUT;
    }
    match workload::run(n) {
        Ok(checksum) => match tako_sdk::set_return_data(&checksum.to_le_bytes()) {
            Ok(()) => tako_sdk::SUCCESS,
            Err(_) => tako_sdk::CHECK_FAILED,
        },
        Err(what) => {
            tako_sdk::log(what);
            tako_sdk::CHECK_FAILED
        }
    }
}
