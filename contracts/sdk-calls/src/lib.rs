//! `sdk-calls`: calls each `tako-sdk` wrapper, from the plain entry form
//! `#[no_mangle] pub extern "C" fn entrypoint() -> u64` that reads its input with
//! `tako_sdk::read_input`. No allocator: the SDK must not require one.
//!
//! Input: one command byte, then its argument bytes.
//!
//! | command | does | result |
//! |---------|------|--------|
//! | `e` | echoes the argument as return data | `SUCCESS` |
//! | `l` | logs the argument (UTF-8) with `log`, then its length with `log_u64(len, 1, 2, 3, 4)` | `SUCCESS`, or `INVALID_INPUT` if not UTF-8 |
//! | `h` | the heap size of `get_heap_region()` as 8-byte LE return data | `SUCCESS` |
//! | `v` | `remaining_compute_units()` as 8-byte LE return data | `SUCCESS` |
//! | `b` | tries 1025 bytes of return data (refused by the SDK), then sets 1024 | `SUCCESS` if refused with `Err(1025)` |
//! | `m` | `copy`, `copy_within`, `fill`, `compare` over the argument (at most 256 bytes), return data = the 64-byte result described at `mem_calls` | `SUCCESS`, `CHECK_FAILED` if a refusal or comparison is wrong |
//! | `c` | `[off_a][off_b][n]` then bytes: `memcmp` and `bcmp` of the `n` bytes at `off_a` and at `off_b` of those bytes (any alignment), return data `[sign of memcmp + 1, bcmp != 0]` | `SUCCESS`, `INVALID_INPUT` if a range is past the bytes |
//! | `a` | `abort()` | the VM's abort error |
//! | `f` | logs `ln` with the `log` syscall, then return data = libm's `log` (natural logarithm) of the argument (an `f64`, 8 bytes LE), 8 bytes LE: the syscall and the math function of the same name must not bind to each other | `SUCCESS`, `INVALID_INPUT` if the argument is not 8 bytes |
//!
//! Anything else (including empty input): `INVALID_INPUT`.
#![no_std]

tako_sdk::panic_handler!();

/// The plain entry form (no `entrypoint!` macro).
#[unsafe(no_mangle)]
pub extern "C" fn entrypoint() -> u64 {
    let mut buf = [0u8; 1024];
    let Ok(input) = tako_sdk::read_input(&mut buf) else {
        return tako_sdk::INVALID_INPUT;
    };
    let Some((&command, arg)) = input.split_first() else {
        return tako_sdk::INVALID_INPUT;
    };
    match command {
        b'e' => match tako_sdk::set_return_data(arg) {
            Ok(()) => tako_sdk::SUCCESS,
            Err(_) => tako_sdk::INVALID_INPUT,
        },
        b'l' => match core::str::from_utf8(arg) {
            Ok(text) => {
                tako_sdk::log(text);
                tako_sdk::log_u64(arg.len() as u64, 1, 2, 3, 4);
                tako_sdk::SUCCESS
            }
            Err(_) => tako_sdk::INVALID_INPUT,
        },
        b'h' => match tako_sdk::set_return_data(&tako_sdk::get_heap_region().1.to_le_bytes()) {
            Ok(()) => tako_sdk::SUCCESS,
            Err(_) => tako_sdk::CHECK_FAILED,
        },
        b'v' => match tako_sdk::set_return_data(&tako_sdk::remaining_compute_units().to_le_bytes()) {
            Ok(()) => tako_sdk::SUCCESS,
            Err(_) => tako_sdk::CHECK_FAILED,
        },
        b'b' => {
            let big = [0x5au8; tako_sdk::MAX_RETURN_DATA + 1];
            if tako_sdk::set_return_data(&big) != Err(tako_sdk::MAX_RETURN_DATA as u64 + 1) {
                return tako_sdk::CHECK_FAILED;
            }
            match tako_sdk::set_return_data(&big[..tako_sdk::MAX_RETURN_DATA]) {
                Ok(()) => tako_sdk::SUCCESS,
                Err(_) => tako_sdk::CHECK_FAILED,
            }
        }
        b'm' => mem_calls(arg),
        b'c' => compare_at(arg),
        b'a' => tako_sdk::abort(),
        b'f' => natural_log(arg),
        _ => tako_sdk::INVALID_INPUT,
    }
}

/// The `c` command: `memcmp` and `bcmp` (the SDK's, called by name) of two ranges of the
/// argument's bytes.
fn compare_at(arg: &[u8]) -> u64 {
    let [off_a, off_b, n, ref bytes @ ..] = *arg else {
        return tako_sdk::INVALID_INPUT;
    };
    let (a, b, n) = (off_a as usize, off_b as usize, n as usize);
    if a + n > bytes.len() || b + n > bytes.len() {
        return tako_sdk::INVALID_INPUT;
    }
    let (pa, pb) = (bytes[a..].as_ptr(), bytes[b..].as_ptr());
    // SAFETY: both ranges hold `n` readable bytes (checked above).
    let (order, differs) = unsafe {
        (
            tako_sdk::runtime::memcmp(pa, pb, n),
            tako_sdk::runtime::bcmp(pa, pb, n),
        )
    };
    let data = [(order.signum() + 1) as u8, u8::from(differs != 0)];
    match tako_sdk::set_return_data(&data) {
        Ok(()) => tako_sdk::SUCCESS,
        Err(_) => tako_sdk::CHECK_FAILED,
    }
}

extern "C" {
    /// libm's natural logarithm (compiler_builtins'), what `f64::ln` is in `std`.
    fn log(x: f64) -> f64;
}

fn natural_log(arg: &[u8]) -> u64 {
    let Ok(bytes) = <[u8; 8]>::try_from(arg) else {
        return tako_sdk::INVALID_INPUT;
    };
    tako_sdk::log("ln");
    // SAFETY: libm's `log` is a pure function of its argument.
    let y = unsafe { log(f64::from_le_bytes(bytes)) };
    match tako_sdk::set_return_data(&y.to_le_bytes()) {
        Ok(()) => tako_sdk::SUCCESS,
        Err(_) => tako_sdk::CHECK_FAILED,
    }
}

/// Return data: `[copy of arg[..16] | fill(0xab) | copy_within result | arg[16..32]]`, 16 bytes
/// each, where `copy_within` moved bytes 0..12 of `0, 1, .., 15` to offset 4.
fn mem_calls(arg: &[u8]) -> u64 {
    use core::cmp::Ordering;
    if arg.len() < 32 || arg.len() > 256 {
        return tako_sdk::INVALID_INPUT;
    }
    let mut out = [0u8; 64];
    let (first, rest) = out.split_at_mut(16);
    let (filled, rest) = rest.split_at_mut(16);
    let (moved, last) = rest.split_at_mut(16);
    if tako_sdk::copy(first, &arg[..16]).is_err() || tako_sdk::copy(first, &arg[..15]).is_ok() {
        return tako_sdk::CHECK_FAILED;
    }
    tako_sdk::fill(filled, 0xab);
    for (i, b) in moved.iter_mut().enumerate() {
        *b = i as u8;
    }
    if tako_sdk::copy_within(moved, 0..12, 4).is_err()
        || tako_sdk::copy_within(moved, 0..12, 5).is_ok()
    {
        return tako_sdk::CHECK_FAILED;
    }
    if tako_sdk::copy(last, &arg[16..32]).is_err() {
        return tako_sdk::CHECK_FAILED;
    }
    let ok = tako_sdk::compare(&arg[..16], first) == Ordering::Equal
        && tako_sdk::compare(&arg[..16], &arg[..15]) == Ordering::Greater
        && tako_sdk::compare(b"abc", b"abd") == Ordering::Less
        && tako_sdk::compare(b"abd", b"abc") == Ordering::Greater
        && tako_sdk::compare(b"", b"") == Ordering::Equal;
    if !ok {
        return tako_sdk::CHECK_FAILED;
    }
    match tako_sdk::set_return_data(&out) {
        Ok(()) => tako_sdk::SUCCESS,
        Err(_) => tako_sdk::CHECK_FAILED,
    }
}
