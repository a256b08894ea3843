//! Every non-fatal syscall, called by a real contract with known arguments (`vm-faults`
//! variant SYSCALL_TOUR): results, logs, return data, heap accounting and exact prices.

mod common;

use common::{contract, fault_run_with_heap, faults, run_ok, word};
use vm_harness::{Config, SyscallPrices};

#[test]
fn the_tour_sees_the_documented_results() {
    let so = contract("vm-faults");
    for heap in [1024u64, 32 * 1024] {
        let outcome = fault_run_with_heap(&so, faults::SYSCALL_TOUR, heap);
        assert_eq!(outcome.error, None);
        assert_eq!(outcome.return_value, Some(tako_abi::code::SUCCESS));
        assert_eq!(
            outcome.logs,
            [
                "tour".to_string(),
                // heap size, a and b as heap offsets (tako_alloc(64, 16), tako_alloc(8, 8)),
                // memcmp("hello ta", "ello tak") = 'h' - 'e', memcmp("a", "b") = -1.
                format!("{heap:#x}, 0x0, 0x40, 0x3, 0xffffffffffffffff"),
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

#[test]
fn syscall_prices_are_charged_exactly() {
    let so = contract("vm-faults");
    let profile =
        vm_harness::profile(&so, &word(faults::SYSCALL_TOUR), &Config::default()).unwrap();
    let p = SyscallPrices::default();
    // log("tour") + heap_size + 2 × alloc + memset(64) + memcpy(8) + memmove(8)
    // + 2 × memcmp + log_u64 + set_return_data(16) + free.
    let expected = p.log(4)
        + p.base
        + 2 * p.base
        + 3 * p.mem_op(8)
        + 2 * p.mem_op(8)
        + p.base
        + p.set_return_data(16)
        + p.base;
    assert_eq!(expected, 754);
    let syscall_cu: u64 = profile.functions.iter().map(|f| f.syscall_cu).sum();
    let instructions: u64 = profile.functions.iter().map(|f| f.instructions).sum();
    assert_eq!(syscall_cu, expected);
    assert_eq!(instructions + syscall_cu, profile.outcome.cu_consumed);

    // Doubling the base price adds exactly base × (number of base-priced calls: 7).
    let doubled = Config {
        prices: SyscallPrices { base: 200, ..p },
        ..Config::default()
    };
    let outcome = run_ok(&so, &word(faults::SYSCALL_TOUR), &doubled);
    assert_eq!(outcome.cu_consumed, profile.outcome.cu_consumed + 7 * 100);
}
