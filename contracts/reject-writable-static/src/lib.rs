//! A contract that keeps state in a `static`: the VM maps no writable data, so the linker
//! must refuse it and name `COUNTER`. Contracts whose directory starts with `reject-` are
//! expected to fail to build; `tests/` checks the message.
#![no_std]

use core::sync::atomic::{AtomicU64, Ordering};

static COUNTER: AtomicU64 = AtomicU64::new(0);

#[inline(never)]
fn bump(by: u64) -> u64 {
    COUNTER.fetch_add(by, Ordering::Relaxed)
}

#[no_mangle]
pub extern "C" fn entrypoint() -> u64 {
    let n = core::hint::black_box(2);
    bump(n) + bump(1)
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}
