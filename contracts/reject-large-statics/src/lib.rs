//! A contract whose writable statics are larger than the heap they live in: the linker
//! must refuse it, naming `LEDGER` and its size. Contracts whose directory starts with
//! `reject-` are expected to fail to build; `linker/tests/all/link_check.rs` checks the message.
#![no_std]

use core::sync::atomic::{AtomicU64, Ordering};

static mut LEDGER: [u64; 5000] = [0; 5000];
static HITS: AtomicU64 = AtomicU64::new(0);

#[unsafe(no_mangle)]
pub extern "C" fn entrypoint() -> u64 {
    let i = core::hint::black_box(7usize);
    HITS.fetch_add(1, Ordering::Relaxed);
    // SAFETY: one thread; no reference to `LEDGER` outlives the statement.
    unsafe {
        let ledger = &mut *core::ptr::addr_of_mut!(LEDGER);
        ledger[i % 5000] += 1;
        ledger[i % 5000] + HITS.load(Ordering::Relaxed)
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}
