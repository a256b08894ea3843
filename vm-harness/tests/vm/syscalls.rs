//! The memory and allocator syscalls, called by a real contract with known arguments
//! (`vm-faults` variant SYSCALL_TOUR): results, logs, return data, heap accounting and
//! exact prices from the ABI's table.

use crate::common::{contract, fault_run_with_heap, faults, run_ok, word};
use vm_harness::{Config, SyscallPrices};

#[test]
fn the_tour_sees_the_documented_results() {
    let so = contract("vm-faults");
    for heap in [32 * 1024u64, 64 * 1024] {
        let outcome = fault_run_with_heap(&so, faults::SYSCALL_TOUR, heap);
        assert_eq!(outcome.error, None);
        assert_eq!(outcome.return_value, Some(tako_abi::code::SUCCESS));
        assert_eq!(
            outcome.logs,
            [
                "tour".to_string(),
                // heap size, a and b as heap offsets (tako_alloc(64, 16), tako_alloc(8, 8)),
                // The signs of memcmp("hello ta", "ello tak") and memcmp("a", "b").
                format!("{heap:#x}, 0x0, 0x40, 0x1, 0xffffffffffffffff"),
            ]
        );
        // memset(a, 0xab, 64); memcpy(b, "hello ta"); memmove(a + 1, b, 8).
        let mut expected = vec![0xab; 16];
        expected[1..9].copy_from_slice(b"hello ta");
        assert_eq!(outcome.return_data, expected);
        // 72 bytes handed out by tako_alloc, the last non-zero byte is b's last one.
        assert_eq!(outcome.heap_used, 72);
    }
}

/// The ABI's price of `name` with argument registers `args`, `copied` bytes copied.
fn price(name: &str, args: [u64; 5], copied: u64) -> u64 {
    tako_abi::syscall(name).unwrap().price.charge(args, copied)
}

#[test]
fn syscall_prices_are_charged_exactly() {
    let so = contract("vm-faults");
    let profile =
        vm_harness::profile(&so, &word(faults::SYSCALL_TOUR), &Config::default()).unwrap();
    // The entry point's input (8 bytes) + log("tour") + get_heap_region + 2 × tako_alloc
    // + memset(64) + memcpy(8) + memmove(8) + log_u64 + set_return_data(16) + tako_free.
    let expected = price("get_input_data", [0; 5], 8)
        + price("log", [0, 4, 0, 0, 0], 0)
        + price("get_heap_region", [0; 5], 0)
        + 2 * price("tako_alloc", [0; 5], 0)
        + price("tos_memset", [0, 0, 64, 0, 0], 0)
        + 2 * price("tos_memcpy", [0, 0, 8, 0, 0], 0)
        + price("log_u64", [0; 5], 0)
        + price("set_return_data", [0, 16, 0, 0, 0], 0)
        + price("tako_free", [0; 5], 0);
    assert_eq!(expected, 750);
    let syscall_cu: u64 = profile.functions.iter().map(|f| f.syscall_cu).sum();
    let instructions: u64 = profile.functions.iter().map(|f| f.instructions).sum();
    assert_eq!(syscall_cu, expected);
    assert_eq!(instructions + syscall_cu, profile.outcome.cu_consumed);

    // Every syscall at 200 instead of 100 CU: exactly 100 more per call (11 calls).
    let at = |cu| Config {
        prices: SyscallPrices::uniform(cu),
        ..Config::default()
    };
    let hundred = run_ok(&so, &word(faults::SYSCALL_TOUR), &at(100));
    let doubled = run_ok(&so, &word(faults::SYSCALL_TOUR), &at(200));
    assert_eq!(doubled.cu_consumed, hundred.cu_consumed + 11 * 100);
}
