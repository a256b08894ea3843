//! `hello`: the minimal contract `cargo tako new NAME` starts from. TOS's contract API
//! (`use tako_sdk::*;`), a real heap (`TosAllocator`: `String`, `Vec`), input read by
//! `entrypoint!`, state in storage.
//!
//! The input is a name (UTF-8, 1 to [`abi::MAX_NAME`] bytes, no newline). The contract
//! appends it to the names greeted so far (storage key [`abi::NAMES_KEY`], one per line, at
//! most [`abi::MAX_NAMES`]), logs the greeting and returns it ([`abi::greeting`]) as return
//! data. Errors (nothing is committed) are the `ERR_*` constants of [`abi`].
#![cfg_attr(target_arch = "bpf", no_std)]
#![cfg_attr(target_arch = "bpf", no_main)]

pub mod abi;

#[cfg(target_arch = "bpf")]
mod contract {
    extern crate alloc;

    use super::abi::*;
    use alloc::{string::String, vec::Vec};
    use tako_sdk::*;

    #[global_allocator]
    static ALLOCATOR: tos_alloc::TosAllocator = tos_alloc::TosAllocator::new();

    fn greet(input: &[u8]) -> Result<String, u64> {
        let name = core::str::from_utf8(input).map_err(|_| ERR_INVALID_NAME)?;
        if name.is_empty() || name.len() > MAX_NAME || name.contains('\n') {
            return Err(ERR_INVALID_NAME);
        }
        let mut stored = [0u8; MAX_NAMES * (MAX_NAME + 1)];
        let len = (storage_read(NAMES_KEY, &mut stored) as usize).min(stored.len());
        let mut names: Vec<&str> = core::str::from_utf8(&stored[..len])
            .map_err(|_| ERR_STORAGE)?
            .lines()
            .collect();
        if names.len() == MAX_NAMES {
            return Err(ERR_FULL);
        }
        names.push(name);
        storage_write(NAMES_KEY, names.join("\n").as_bytes()).map_err(|_| ERR_STORAGE)?;
        Ok(greeting(name, names.len()))
    }

    fn process(input: &[u8]) -> u64 {
        match greet(input) {
            Ok(text) => {
                log!("{text}");
                match set_return_data(text.as_bytes()) {
                    Ok(()) => SUCCESS,
                    Err(_) => ERR_STORAGE,
                }
            }
            Err(code) => code,
        }
    }

    entrypoint!(process);
    panic_handler!();
}
