//! `vm-faults`: one contract per bad runtime path of the TAKO VM, chosen by the input (one
//! `u64` LE variant of [`variant`]; empty input = 0). Used by `vm-harness`'s tests.
//!
//! | variant | what it does | expected VM result |
//! |---------|--------------|--------------------|
//! | 0 `ENDLESS_LOOP` | loops forever (a volatile read per iteration) | `compute_budget_exceeded` with CU consumed = the limit |
//! | 1 `RECURSION` | recurses without bound (not a tail call) | `stack_overflow` (the 256 KiB stack holds 32 V0 frames, fewer than the 64 calls allowed) |
//! | 2 `WRITE_UNMAPPED` | stores 8 bytes at `0x6_0000_0000`, past the last region | `access_violation` (unallocated region) |
//! | 3 `WRITE_PROGRAM` | stores 8 bytes over the code of a function (the read-only program region) | `access_violation` (program region) |
//! | 4 `READ_PAST_HEAP` | loads 8 bytes just past the mapped heap (`get_heap_region()`) | `access_violation` |
//! | 5 `ABORT` | `tako_sdk::abort()` | `abort` |
//! | 6 `MEMCPY_OVERLAP` | `tos_memcpy` with overlapping ranges | `syscall_error` |
//! | 7 `SYSCALL_TOUR` | calls the memory and allocator syscalls with known arguments, logs the results (see [`tour`]) | `SUCCESS` |
//! | 8 `STACK_GAP` | stores 8 bytes 4 KiB above a local, past its 4 KiB frame: TOS maps the stack without gaps, so the store lands | `SUCCESS` |
//! | 9 `WRITE_INPUT_REGION` | stores 8 bytes at `0x4_0000_0000`, where Solana maps the input (TOS maps nothing) | `access_violation` |
//! | 10 `HEAP_REGION` | return data = `get_heap_region()` (start, size: 16 bytes LE) | `SUCCESS` |
//! | 11 `STORAGE_BAD_POINTER` | writes `k = 1`, then `storage_write` with a key pointer at `0x6_0000_0000` | `access_violation` (nothing committed) |
//! | 12 `STORAGE_PAST_HEAP` | writes 16 bytes under `k`, then `storage_read`s them into a buffer that runs 8 bytes past the heap's end | `access_violation` (nothing committed) |
//! | 13 `STORAGE_LIMITS` | `storage_write` with a 257-byte key, then with a 65,537-byte value, `tstore` and `tload` with the long key, `storage_read` of a present value into a 2-byte buffer, and of the long key; return data the six results (`u64` LE: 1, 2, 1, 1, 8, 0) and the two bytes read | `SUCCESS` |
//! | 14 `EVENT_LIMITS` | `emit_event` with 5 topics, then with 65,537 bytes of data; return data both statuses (4, 2) | `SUCCESS` |
//! | 15 `RETURN_DATA_TOO_LONG` | `set_return_data` of 1,025 bytes through the raw syscall | `syscall_error` |
//!
//! Any other input: `INVALID_INPUT`.
#![no_std]

use core::hint::black_box;
use core::ptr::{read_volatile, write_volatile};

use tako_abi::{sys, MM_HEAP_START};

pub mod variant;

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
        variant::ENDLESS_LOOP => endless_loop(),
        variant::RECURSION => recurse(black_box(1)),
        variant::WRITE_UNMAPPED => write_at(0x6_0000_0000),
        variant::WRITE_PROGRAM => write_at(endless_loop as *const () as usize as u64),
        variant::READ_PAST_HEAP => read_past_heap(),
        variant::ABORT => tako_sdk::abort(),
        variant::MEMCPY_OVERLAP => memcpy_overlap(),
        variant::SYSCALL_TOUR => tour(),
        variant::STACK_GAP => write_past_frame(),
        variant::WRITE_INPUT_REGION => write_at(0x4_0000_0000),
        variant::HEAP_REGION => heap_region(),
        variant::STORAGE_BAD_POINTER => storage_bad_pointer(),
        variant::STORAGE_PAST_HEAP => storage_past_heap(),
        variant::STORAGE_LIMITS => storage_limits(),
        variant::EVENT_LIMITS => event_limits(),
        variant::RETURN_DATA_TOO_LONG => return_data_too_long(),
        _ => tako_sdk::INVALID_INPUT,
    }
}

fn endless_loop() -> u64 {
    let mut sum = 0u64;
    loop {
        // SAFETY: the heap's first word is always mapped.
        sum = sum.wrapping_add(unsafe { read_volatile(MM_HEAP_START as *const u64) });
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
    // SAFETY: the address lies in the 4 KiB after this V0 stack frame, which TOS (and the
    // local VM) map as stack, unused by any frame: no live value is overwritten.
    unsafe { write_volatile(p as *mut u64, 1) };
    black_box(&local);
    tako_sdk::SUCCESS
}

fn read_past_heap() -> u64 {
    let (start, size) = tako_sdk::get_heap_region();
    let end = start + size;
    // SAFETY: none; the VM maps only `size` bytes of heap and refuses this load.
    let value = unsafe { read_volatile(black_box(end) as *const u64) };
    black_box(value);
    tako_sdk::CHECK_FAILED
}

fn heap_region() -> u64 {
    let (start, size) = tako_sdk::get_heap_region();
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&start.to_le_bytes());
    out[8..].copy_from_slice(&size.to_le_bytes());
    match tako_sdk::set_return_data(&out) {
        Ok(()) => tako_sdk::SUCCESS,
        Err(_) => tako_sdk::CHECK_FAILED,
    }
}

fn memcpy_overlap() -> u64 {
    let mut buf = [7u8; 32];
    let p = black_box(buf.as_mut_ptr()) as u64;
    // SAFETY: both ranges lie in `buf`; the VM refuses the overlap before copying.
    unsafe { sys::tos_memcpy(p + 4, p, 16) };
    black_box(&buf);
    tako_sdk::CHECK_FAILED
}

/// Calls the syscalls with known arguments and reports what they returned:
/// - log 1: `tour` (`log`)
/// - log 2: `log_u64(heap_size, a - MM_HEAP_START, b - MM_HEAP_START, sign of memcmp(+),
///   sign of memcmp(-))` (`heap_size` from `get_heap_region`; `memcmp` is the SDK's, not a
///   syscall, and only its sign is defined: LLVM may compare a constant length itself)
///   where `a = tako_alloc(64, 16)`, `b = tako_alloc(8, 8)` (so `0x0, 0x40` on a fresh heap)
///   and the memcmps compare `"hello ta"` with `"ello tak"` (positive: 1) and `"a"` with
///   `"b"` (negative: -1, sign-extended: `0xffffffffffffffff`);
/// - return data: the 16 bytes at `a` after `memset(a, 0xab, 64)`,
///   `memcpy(b, "hello ta", 8)` and `memmove(a + 1, b, 8)`: `ab 68 65 6c 6c 6f 20 74 61 ab ..`;
/// - `tako_free(a, 64, 16)` is called once. Returns `SUCCESS`.
fn tour() -> u64 {
    let text = black_box(b"hello tako");
    let src = text.as_ptr() as u64;
    // SAFETY: every pointer passed is either into `text` (read only, in range) or into the
    // blocks `tako_alloc` returned (checked non-zero, 64 and 8 bytes).
    unsafe {
        sys::log(b"tour".as_ptr() as u64, 4);
        let (_, heap) = tako_sdk::get_heap_region();
        let a = sys::tako_alloc(64, 16);
        let b = sys::tako_alloc(8, 8);
        if a == 0 || b == 0 {
            return tako_sdk::OUT_OF_MEMORY;
        }
        sys::tos_memset(a, 0xab, 64);
        sys::tos_memcpy(b, src, 8);
        sys::tos_memmove(a + 1, b, 8);
        let plus = tako_sdk::runtime::memcmp(b as *const u8, (src + 1) as *const u8, 8);
        let ab = black_box(b"ab").as_ptr();
        let minus = tako_sdk::runtime::memcmp(ab, ab.add(1), 1);
        sys::log_u64(
            heap,
            a - MM_HEAP_START,
            b - MM_HEAP_START,
            i64::from(plus.signum()) as u64,
            i64::from(minus.signum()) as u64,
        );
        sys::set_return_data(a, 16);
        sys::tako_free(a, 64, 16);
    }
    tako_sdk::SUCCESS
}

fn storage_bad_pointer() -> u64 {
    if tako_sdk::storage_write(b"k", &[1]).is_err() {
        return tako_sdk::CHECK_FAILED;
    }
    // SAFETY: none; the VM refuses the key pointer, nothing is mapped there.
    unsafe { sys::storage_write(black_box(0x6_0000_0000), 4, b"v".as_ptr() as u64, 1) };
    tako_sdk::CHECK_FAILED
}

fn storage_past_heap() -> u64 {
    if tako_sdk::storage_write(b"k", &[1; 16]).is_err() {
        return tako_sdk::CHECK_FAILED;
    }
    let (start, size) = tako_sdk::get_heap_region();
    let buf = black_box(start + size - 8);
    // SAFETY: none; the 16-byte buffer runs 8 bytes past the heap and the VM refuses it.
    unsafe { sys::storage_read(b"k".as_ptr() as u64, 1, buf, 16) };
    tako_sdk::CHECK_FAILED
}

fn storage_limits() -> u64 {
    // The heap as scratch: a 257-byte key and a 65,537-byte value need not be readable
    // (the VM refuses them by their length before reading).
    let (heap, _) = tako_sdk::get_heap_region();
    let long_key = black_box(heap);
    let mut out = [0u8; 6 * 8 + 2];
    let mut results = [0u64; 6];
    // SAFETY: the VM checks the lengths first and returns a status without touching the
    // ranges, which lie in the mapped heap anyway.
    unsafe {
        results[0] = sys::storage_write(long_key, 257, heap, 1);
        results[1] = sys::storage_write(b"k".as_ptr() as u64, 1, heap, 65_537);
        results[2] = sys::tstore(long_key, 257, heap, 1);
        let mut len = 0u64;
        results[3] = sys::tload(long_key, 257, heap, 0, &mut len as *mut u64 as u64);
    }
    if tako_sdk::storage_write(b"eight", &[7; 8]).is_err() {
        return tako_sdk::CHECK_FAILED;
    }
    let mut two = [0u8; 2];
    results[4] = tako_sdk::storage_read(b"eight", &mut two);
    // SAFETY: as above: a key over the limit is absent, never read.
    results[5] = unsafe { sys::storage_read(long_key, 257, heap, 0) };
    for (chunk, r) in out.chunks_exact_mut(8).zip(results) {
        chunk.copy_from_slice(&r.to_le_bytes());
    }
    out[48..].copy_from_slice(&two);
    match tako_sdk::set_return_data(&out) {
        Ok(()) => tako_sdk::SUCCESS,
        Err(_) => tako_sdk::CHECK_FAILED,
    }
}

fn event_limits() -> u64 {
    let topics = [[1u8; 32]; 5];
    let (heap, _) = tako_sdk::get_heap_region();
    let a = tako_sdk::emit_event(&topics, b"x").err().unwrap_or(0);
    // SAFETY: the VM refuses the data by its length before reading it.
    let b = unsafe { sys::emit_event(topics.as_ptr() as u64, 1, heap, 65_537) };
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&a.to_le_bytes());
    out[8..].copy_from_slice(&b.to_le_bytes());
    match tako_sdk::set_return_data(&out) {
        Ok(()) => tako_sdk::SUCCESS,
        Err(_) => tako_sdk::CHECK_FAILED,
    }
}

fn return_data_too_long() -> u64 {
    let (heap, _) = tako_sdk::get_heap_region();
    // SAFETY: 1,025 bytes of the mapped heap; the VM refuses the length.
    unsafe { sys::set_return_data(black_box(heap), 1025) };
    tako_sdk::CHECK_FAILED
}
