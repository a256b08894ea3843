//! cargo fuzz target: the fuzzer's bytes decoded into slab, `ByteBuffer` and
//! `ByteBufferDeque` operations by the same decoder and shadow model as the property test
//! (`tests/slab_model/mod.rs`), run on two slabs: 32-byte slots over 8 KiB and 7-byte
//! slots over 3000 bytes (odd sizes exercise the slot arithmetic), as `tests/all/slab.rs` does.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../../tests/slab_model/mod.rs"]
mod slab_model;

fuzz_target!(|data: &[u8]| {
    let list = slab_model::decode(data);
    // Leftover bytes in the region must never show through: start from garbage.
    let mut region = vec![0xEEu8; 8192];
    if let Err(e) = slab_model::run::<32>(&mut region, &list) {
        panic!("slab<32>: {e}");
    }
    let mut region = vec![0xEEu8; 3000];
    if let Err(e) = slab_model::run::<7>(&mut region, &list) {
        panic!("slab<7>: {e}");
    }
});
