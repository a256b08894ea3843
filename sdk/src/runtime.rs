//! The functions LLVM calls by name that TOS has no syscall for: `memcmp` and `bcmp`
//! (slice comparisons) and `__bpf_trap` (LLVM 22's `llvm.trap`). Defined here, on the BPF
//! target only, so every contract that links `tako-sdk` has them; the linker resolves
//! `memcpy`, `memmove` and `memset` to syscalls instead.

/// `memcmp(a, b, n)`: the difference of the first differing bytes, 0 when equal. It
/// compares eight bytes per step at any address (one unaligned load each: the target spec
/// allows misaligned accesses, and both VMs execute them), then the bytes of the first
/// differing word and the tail one by one: a 32-byte address compare is 4 steps where a
/// byte loop takes 32.
///
/// # Safety
/// `a` and `b` are readable for `n` bytes.
#[cfg(target_arch = "bpf")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    let mut i = 0;
    while i + 8 <= n {
        // SAFETY: `i + 8 <= n` bytes are readable behind each; the loads are unaligned.
        let (x, y) = unsafe {
            (
                a.add(i).cast::<u64>().read_unaligned(),
                b.add(i).cast::<u64>().read_unaligned(),
            )
        };
        if x != y {
            break;
        }
        i += 8;
    }
    while i < n {
        // SAFETY: `i < n`, and the caller guarantees `n` readable bytes behind each.
        let (x, y) = unsafe { (*a.add(i), *b.add(i)) };
        if x != y {
            return i32::from(x) - i32::from(y);
        }
        i += 1;
    }
    0
}

/// `bcmp(a, b, n)`: zero when the ranges are equal (`memcmp` with a weaker contract).
///
/// # Safety
/// As [`memcmp`].
#[cfg(target_arch = "bpf")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    // SAFETY: forwarded from the caller.
    unsafe { memcmp(a, b, n) }
}

/// LLVM 22's BPF backend calls `__bpf_trap` for `llvm.trap`: the abort trap.
#[cfg(target_arch = "bpf")]
#[unsafe(no_mangle)]
pub extern "C" fn __bpf_trap() -> ! {
    crate::panic::trap(tako_abi::Trap::Abort)
}
