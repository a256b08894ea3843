//! `vm-faults`: one contract per bad runtime path of the TAKO VM, chosen by the input (one
//! `u64` LE variant; empty input = 0). Used by `vm-harness`'s tests.
//!
//! | variant | what it does | expected VM result |
//! |---------|--------------|--------------------|
//! | 0 `ENDLESS_LOOP` | loops forever (a volatile read per iteration) | `compute_budget_exceeded` with CU consumed = the limit |
//! | 1 `RECURSION` | recurses without bound (not a tail call) | `call_depth_exceeded` |
//! | 2 `WRITE_UNMAPPED` | stores 8 bytes at `0x6_0000_0000`, past the last region | `access_violation` (unallocated region) |
//! | 3 `WRITE_PROGRAM` | stores 8 bytes over the code of a function (the read-only program region) | `access_violation` (program region) |
//! | 4 `READ_PAST_HEAP` | loads 8 bytes just past the mapped heap (`tako_heap_size()`) | `access_violation` |
//! | 5 `ABORT` | `tako_abort()` | `abort` |
//! | 6 `MEMCPY_OVERLAP` | `tako_memcpy` with overlapping ranges | `syscall_error` |
//! | 7 `SYSCALL_TOUR` | calls every non-fatal syscall with known arguments, logs the results (see [`tour`]) | `SUCCESS` |
//! | 8 `STACK_GAP` | stores 8 bytes 4 KiB above a local, into the unmapped gap after its 4 KiB stack frame | `stack_overflow` |
//! | 9 `WRITE_ENV` | stores 8 bytes over the heap size in the environment region (`MM_ENV_START`) | `access_violation` (read-only region) |
//! | 10 `ENV_HEAP_SIZE` | reads the heap size from the environment region: return data = it (8 bytes LE), `SUCCESS` when it equals `tako_heap_size()`, else `CHECK_FAILED` | `SUCCESS` |
//!
//! Any other input: `INVALID_INPUT`.
#![no_std]

use core::hint::black_box;
use core::ptr::{read_volatile, write_volatile};

use tako_abi::{sys, Env, MM_ENV_START, MM_HEAP_START, MM_INPUT_START};

tako_sdk::entrypoint!(process);
tako_sdk::panic_handler!();

fn process(input: &[u8]) -> u64 {
    let variant = match input.len() {
        0 => 0,
        8 => {
            let mut w = [0u8; 8];
            w.copy_from_slice(input);
            u64::from_le_bytes(w)
        }
        _ => return tako_sdk::INVALID_INPUT,
    };
    match variant {
        0 => endless_loop(),
        1 => recurse(black_box(1)),
        2 => write_at(0x6_0000_0000),
        3 => write_at(endless_loop as *const () as usize as u64),
        4 => read_past_heap(),
        5 => tako_sdk::abort(),
        6 => memcpy_overlap(),
        7 => tour(),
        8 => write_past_frame(),
        9 => write_at(MM_ENV_START + Env::HEAP_SIZE_OFFSET),
        10 => env_heap_size(),
        _ => tako_sdk::INVALID_INPUT,
    }
}

fn endless_loop() -> u64 {
    let mut sum = 0u64;
    loop {
        // SAFETY: the input region's 8-byte length is always mapped.
        sum = sum.wrapping_add(unsafe { read_volatile(MM_INPUT_START as *const u64) });
        black_box(sum);
    }
}

#[inline(never)]
fn recurse(depth: u64) -> u64 {
    if black_box(depth) == 0 {
        return 0;
    }
    // Using the result after the call keeps this from becoming a loop.
    black_box(recurse(depth + 1)).wrapping_mul(depth)
}

fn write_at(addr: u64) -> u64 {
    // SAFETY: none; the point is that the VM refuses this store.
    unsafe { write_volatile(black_box(addr) as *mut u64, 0x7ac0) };
    tako_sdk::CHECK_FAILED
}

fn write_past_frame() -> u64 {
    let mut local = [0u8; 16];
    let p = black_box(local.as_mut_ptr()) as u64 + 4096;
    // SAFETY: none; the address lies in the gap after this stack frame, which the VM
    // leaves unmapped.
    unsafe { write_volatile(p as *mut u64, 1) };
    black_box(&local);
    tako_sdk::CHECK_FAILED
}

fn read_past_heap() -> u64 {
    let end = MM_HEAP_START + tako_sdk::heap_size();
    // SAFETY: none; the VM maps only `heap_size` bytes of heap and refuses this load.
    let value = unsafe { read_volatile(black_box(end) as *const u64) };
    black_box(value);
    tako_sdk::CHECK_FAILED
}

fn env_heap_size() -> u64 {
    let at = MM_ENV_START + Env::HEAP_SIZE_OFFSET;
    // SAFETY: the VM maps the environment region, read-only, with the heap size at this
    // offset.
    let env = unsafe { read_volatile(black_box(at) as *const u64) };
    if tako_sdk::set_return_data(&env.to_le_bytes()).is_err() {
        return tako_sdk::CHECK_FAILED;
    }
    if env == tako_sdk::heap_size() {
        tako_sdk::SUCCESS
    } else {
        tako_sdk::CHECK_FAILED
    }
}

fn memcpy_overlap() -> u64 {
    let mut buf = [7u8; 32];
    let p = black_box(buf.as_mut_ptr()) as u64;
    // SAFETY: both ranges lie in `buf`; the VM refuses the overlap before copying.
    unsafe { sys::tako_memcpy(p + 4, p, 16) };
    black_box(&buf);
    tako_sdk::CHECK_FAILED
}

/// Calls the syscalls with known arguments and reports what they returned:
/// - log 1: `tour` (tako_log)
/// - log 2: `tako_log_u64(heap_size, a - MM_HEAP_START, b - MM_HEAP_START, memcmp(+), memcmp(-))`
///   where `a = tako_alloc(64, 16)`, `b = tako_alloc(8, 8)` (so `0x0, 0x40` on a fresh heap)
///   and the memcmps compare `"hello ta"` with `"ello tak"` (`'h' - 'e'` = 3) and `"a"` with
///   `"b"` (-1, sign-extended: `0xffffffffffffffff`);
/// - return data: the 16 bytes at `a` after `memset(a, 0xab, 64)`,
///   `memcpy(b, "hello ta", 8)` and `memmove(a + 1, b, 8)`: `ab 68 65 6c 6c 6f 20 74 61 ab ..`;
/// - `tako_free(a, 64, 16)` is called once. Returns `SUCCESS`.
fn tour() -> u64 {
    let text = black_box(b"hello tako");
    let src = text.as_ptr() as u64;
    // SAFETY: every pointer passed is either into `text` (read only, in range) or into the
    // blocks `tako_alloc` returned (checked non-zero, 64 and 8 bytes).
    unsafe {
        sys::tako_log(b"tour".as_ptr() as u64, 4);
        let heap = sys::tako_heap_size();
        let a = sys::tako_alloc(64, 16);
        let b = sys::tako_alloc(8, 8);
        if a == 0 || b == 0 {
            return tako_sdk::OUT_OF_MEMORY;
        }
        sys::tako_memset(a, 0xab, 64);
        sys::tako_memcpy(b, src, 8);
        sys::tako_memmove(a + 1, b, 8);
        let plus = sys::tako_memcmp(b, src + 1, 8);
        let ab = black_box(b"ab").as_ptr() as u64;
        let minus = sys::tako_memcmp(ab, ab + 1, 1);
        sys::tako_log_u64(heap, a - MM_HEAP_START, b - MM_HEAP_START, plus, minus);
        sys::tako_set_return_data(a, 16);
        sys::tako_free(a, 64, 16);
    }
    tako_sdk::SUCCESS
}
