//! The linker's end-to-end check. Every value depends on the input's first byte (`seed`),
//! so nothing folds at compile time: vtable calls stay indirect (`callx`), the `&str`
//! table is read through `.data.rel.ro`, and the five-argument syscall gets five live
//! registers. The test computes the same values on the host and compares the log.
//!
//! Logs: the joined names, then `log_u64(vec_sum, map_sum, joined_len, area_sum,
//! picked_name_len)`. Returns `SUCCESS` when its own checks hold, `CHECK_FAILED` otherwise.
#![no_std]

extern crate alloc;

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use tako_abi::code::{CHECK_FAILED, SUCCESS};
use tako_abi::sys;
use tos_alloc::TosAllocator;

#[global_allocator]
static ALLOCATOR: TosAllocator = TosAllocator::new();

/// A table of `&'static str`: the slices' pointers are relocated into `.data.rel.ro`.
static NAMES: [&str; 4] = ["alpha", "beta", "gamma", "delta"];

trait Shape {
    fn area(&self) -> u64;
}

struct Square(u64);
struct Rect(u64, u64);

impl Shape for Square {
    fn area(&self) -> u64 {
        self.0 * self.0
    }
}

impl Shape for Rect {
    fn area(&self) -> u64 {
        self.0 * self.1
    }
}

fn seed() -> u64 {
    let mut first = [0u8; 1];
    // SAFETY: one writable byte for the duration of the call; the VM writes at most one.
    let len = unsafe { sys::get_input_data(first.as_mut_ptr() as u64, 1) };
    if len == 0 {
        0
    } else {
        u64::from(first[0])
    }
}

/// The values the contract logs, computed the same way on the host by the test.
pub fn compute(seed: u64) -> ([u64; 5], String) {
    let mut v = Vec::new();
    for i in 0..100 {
        v.push(i * (seed + 1));
    }
    let vec_sum: u64 = v.iter().sum();

    let mut m = BTreeMap::new();
    for i in 0..50u64 {
        m.insert(i, i * i + seed);
    }
    m.retain(|k, _| k % 2 == 1);
    let map_sum: u64 = m.values().sum();

    let mut joined = String::new();
    for (i, name) in NAMES.iter().enumerate() {
        if i > 0 {
            joined.push('-');
        }
        joined.push_str(name);
    }

    let shapes: Vec<Box<dyn Shape>> = if seed % 2 == 0 {
        alloc::vec![Box::new(Square(seed + 3)), Box::new(Rect(2, seed + 5))]
    } else {
        alloc::vec![Box::new(Rect(seed, 7)), Box::new(Square(seed))]
    };
    let area_sum: u64 = shapes.iter().map(|s| s.area()).sum();
    let picked = NAMES[(seed % 4) as usize].len() as u64;
    (
        [vec_sum, map_sum, joined.len() as u64, area_sum, picked],
        joined,
    )
}

#[no_mangle]
pub extern "C" fn entrypoint() -> u64 {
    let seed = seed();
    let (values, joined) = compute(seed);
    // SAFETY: the pointer and length describe `joined`, alive across the call.
    unsafe {
        sys::log(joined.as_ptr() as u64, joined.len() as u64);
        sys::log_u64(values[0], values[1], values[2], values[3], values[4]);
    }
    if joined == "alpha-beta-gamma-delta" && values[0] == 4950 * (seed + 1) {
        SUCCESS
    } else {
        CHECK_FAILED
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    tako_sdk::abort()
}
