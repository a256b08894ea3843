//! cargo fuzz target: the fuzzer's bytes decoded into alloc / alloc_zeroed / realloc /
//! dealloc sequences by the same decoder, shadow model and heaps as the property tests
//! (`tests/common/ops.rs`): the bump heap (under each reuse policy), the pool and the
//! first-fit heap, each over a 16 KiB host buffer.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../../tests/common/ops.rs"]
mod ops;

const HEAP: usize = 16 * 1024;

fuzz_target!(|data: &[u8]| {
    let list = ops::decode(data);
    if let Err(e) = ops::run_bump::<tos_alloc::Rewind>(&list, HEAP) {
        panic!("bump: {e}");
    }
    if let Err(e) = ops::run_bump::<tos_alloc::NoReuse>(&list, HEAP) {
        panic!("bump without reuse: {e}");
    }
    if let Err(e) = ops::run_pool(&list, HEAP) {
        panic!("pool: {e}");
    }
    if let Err(e) = ops::run_first_fit(&list, HEAP) {
        panic!("first fit: {e}");
    }
});
