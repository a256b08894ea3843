//! `statics`: a contract that keeps state in writable statics, which tako-linker places at
//! the start of the heap region (as TOS's toolchain does): `.data` copied from read-only
//! data when the contract starts, `.bss` zero-filled by the VM, both fresh on every call.
//! The work is in [`work`], which the tests also run on the host: the VM must give the
//! host's answer, and the same answer on every call.
//!
//! | static | section | what it shows |
//! |--------|---------|---------------|
//! | `COUNTER: u64 = 40` (`static mut`) | `.data` | an initial value other than zero |
//! | `NAMES: [&str; 3]` (`static mut`) | `.data` | pointers to read-only data in a writable static |
//! | `CALLS: AtomicU64` | `.bss` | an atomic in a static |
//! | `TABLE: spin::Once<[u32; 256]>` | `.bss` | a table built lazily, once |
//! | `SCRATCH: [u64; 512]` (`static mut`) | `.bss` | 4 KiB of zeroed static memory |
//! | hashbrown's default hasher | `.bss` | foldhash's global seed, a static of the crate |
//!
//! Input: any bytes (at most 2 KiB); return data: [`work::run`]'s output.
#![no_std]
#![cfg_attr(target_arch = "bpf", no_main)]

extern crate alloc;

pub mod work;

#[cfg(target_arch = "bpf")]
mod contract {
    use tos_alloc::TosAllocator;

    #[global_allocator]
    static ALLOCATOR: TosAllocator = TosAllocator::new();

    fn process(input: &[u8]) -> u64 {
        let out = super::work::run(input);
        match tako_sdk::set_return_data(&out) {
            Ok(()) => tako_sdk::SUCCESS,
            Err(_) => tako_sdk::ERROR,
        }
    }

    tako_sdk::entrypoint!(process);
    tako_sdk::panic_handler!();
}
