//! The handle slab, `ByteBuffer` and `ByteBufferDeque`: unit tests, and random operation
//! sequences against a shadow model (`slab_model/`, shared with the `cargo fuzz` target).

use crate::slab_model::SlabOp;
use proptest::prelude::*;
use tos_alloc::slab::{
    ByteBuffer, ByteBufferDeque, Handle, Slab, SlabError, TABLE_ALIGN, TABLE_ENTRY,
};

/// An 8-aligned byte array: the slab skips nothing at its start, so slot counts are exact.
#[repr(C, align(8))]
struct Aligned<const N: usize>([u8; N]);

#[test]
fn geometry_and_region_too_small() {
    let mut region = Aligned([0u8; 1000]);
    let slab = Slab::<32>::new(&mut region.0).unwrap();
    assert_eq!(slab.slots(), 1000 / (32 + TABLE_ENTRY));
    assert_eq!(slab.table_bytes(), slab.slots() * TABLE_ENTRY);
    assert_eq!(slab.usage().capacity, slab.slots() * 32);
    assert_eq!(slab.free_slots(), slab.slots());
    let mut tiny = Aligned([0u8; 39]);
    let e = Slab::<32>::new(&mut tiny.0).unwrap_err();
    assert_eq!(
        e,
        SlabError::RegionTooSmall {
            len: 39,
            needed: 40
        }
    );
    assert!(e.to_string().contains("39 bytes"));
}

/// A region that is not 8-aligned: the slab skips the bytes before its first 8-aligned
/// byte (never writing them), puts the table there and the slots right after it.
#[test]
fn unaligned_region_skips_to_the_first_aligned_byte() {
    let mut backing = Aligned([0xAAu8; 1000 + TABLE_ALIGN]);
    for start in 0..TABLE_ALIGN {
        backing.0.fill(0xAA);
        let region = &mut backing.0[start..start + 1000];
        let base = region.as_ptr().addr();
        let skip = (TABLE_ALIGN - start) % TABLE_ALIGN;
        let mut slab = Slab::<32>::new(region).unwrap();
        assert_eq!(slab.align_skip(), skip, "start {start}");
        assert_eq!(
            slab.slots(),
            (1000 - skip) / (32 + TABLE_ENTRY),
            "start {start}"
        );
        let h = slab.alloc(&[1; 40]).unwrap();
        assert_eq!(h.index(), 0);
        // Slot 0 follows the skipped bytes and the table.
        let slot0 = slab.get(h).unwrap().as_ptr().addr();
        assert_eq!(slot0, base + skip + slab.table_bytes(), "start {start}");
        let all = slab.alloc_zeroed(slab.max_len() - 64).unwrap();
        assert_eq!(slab.get(all).unwrap().len(), slab.max_len() - 64);
        assert_eq!(slab.free_slots(), 0);
        // The skipped bytes are untouched.
        assert!(backing.0[start..start + skip].iter().all(|&b| b == 0xAA));
    }
    // Too small once the skip is taken off: `needed` counts the skip.
    let mut backing = Aligned([0u8; 48]);
    let e = Slab::<32>::new(&mut backing.0[1..41]).unwrap_err();
    assert_eq!(
        e,
        SlabError::RegionTooSmall {
            len: 40,
            needed: 47
        }
    );
}

/// Placement is first fit from slot 0 whatever the hints skipped: a one-slot hole below a
/// queue of two-slot allocations is not used by them, and is reused by the first one-slot
/// allocation; holes opened anywhere are found again.
#[test]
fn placement_is_first_fit() {
    let mut region = Aligned([0u8; 40 * 64]);
    let mut slab = Slab::<32>::new(&mut region.0).unwrap(); // 64 slots
    let hole = slab.alloc(&[0; 1]).unwrap(); // slot 0
    let pairs: Vec<Handle> = (0..20).map(|_| slab.alloc(&[2; 64]).unwrap()).collect();
    slab.free(hole).unwrap();
    for (k, h) in pairs.iter().enumerate() {
        assert_eq!(h.index(), 1 + 2 * k);
    }
    // The hole is one slot: two-slot allocations go after the queue.
    let next = slab.alloc(&[3; 64]).unwrap();
    assert_eq!(next.index(), 41);
    // A one-slot allocation takes the hole.
    let one = slab.alloc(&[4; 3]).unwrap();
    assert_eq!(one.index(), 0);
    // Free two neighbours in the middle: a four-slot run at 11..15, found first.
    slab.free(pairs[5]).unwrap();
    slab.free(pairs[6]).unwrap();
    let four = slab.alloc(&[5; 100]).unwrap();
    assert_eq!(four.index(), 11);
    // A run freed below a hint that moved past it: found again.
    slab.free(pairs[0]).unwrap();
    let two = slab.alloc(&[6; 33]).unwrap();
    assert_eq!(two.index(), 1);
    // A long run (more than 8 slots) at the end, then one freed below it.
    let long = slab.alloc(&[7; 32 * 10]).unwrap();
    assert_eq!(long.index(), 43);
    for h in &pairs[10..15] {
        slab.free(*h).unwrap();
    }
    let long2 = slab.alloc(&[8; 32 * 9]).unwrap();
    assert_eq!(long2.index(), 21);
}

#[test]
fn freed_handle_is_stale_and_reuse_does_not_revive_it() {
    let mut region = Aligned([0u8; 1024]);
    let mut slab = Slab::<16>::new(&mut region.0).unwrap();
    let a = slab.alloc(b"alpha").unwrap();
    assert_eq!(slab.get(a), Some(&b"alpha"[..]));
    slab.free(a).unwrap();
    assert_eq!(slab.get(a), None);
    assert!(slab.get_mut(a).is_none());
    assert!(!slab.contains(a));
    assert_eq!(slab.free(a), Err(SlabError::StaleHandle(a)));
    // The slot is reused (first fit) with the next generation: the old handle stays dead.
    let b = slab.alloc(b"beta").unwrap();
    assert_eq!(b.index(), a.index());
    assert_eq!(b.generation(), a.generation().wrapping_add(1));
    assert_eq!(slab.get(a), None);
    assert_eq!(slab.get(b), Some(&b"beta"[..]));
    // A handle past the slots, and the bit round trip.
    assert_eq!(slab.get(Handle::from_bits(60_000)), None);
    assert_eq!(Handle::from_bits(b.to_bits()), b);
    let u = slab.usage();
    assert_eq!((u.allocations, u.frees, u.failed), (2, 1, 0));
    assert_eq!(slab.live_allocations(), 1);
    let debug = format!("{slab:?}");
    assert!(
        debug.starts_with("Slab { slot_size: 16,") && debug.len() < 400,
        "{debug}"
    );
}

#[test]
#[cfg_attr(
    miri,
    ignore = "65,536 slab operations take minutes under Miri; the wrap is arithmetic, and its memory accesses are those of the other tests"
)]
fn generation_wraps_safely() {
    let mut region = Aligned([0u8; 256]);
    let mut slab = Slab::<8>::new(&mut region.0).unwrap();
    let first = slab.alloc(b"x").unwrap();
    assert_eq!((first.index(), first.generation()), (0, 0));
    slab.free(first).unwrap();
    let mut last = first;
    for _ in 0..u16::MAX {
        let h = slab.alloc(b"y").unwrap();
        assert_eq!(h.index(), 0);
        assert_eq!(h.generation(), last.generation().wrapping_add(1));
        assert_eq!(slab.get(last), None);
        slab.free(h).unwrap();
        last = h;
    }
    assert_eq!(last.generation(), u16::MAX);
    // The 65,537th use of slot 0 wraps to generation 0: no overflow, no panic. (This is
    // the documented limit: the first handle would read again; a VM run cannot get here.)
    let wrapped = slab.alloc(b"z").unwrap();
    assert_eq!((wrapped.index(), wrapped.generation()), (0, 0));
    assert_eq!(slab.get(last), None);
    assert_eq!(slab.get(wrapped), Some(&b"z"[..]));
    assert_eq!(slab.usage().frees, 1 << 16);
}

#[test]
fn out_of_memory_is_an_error_not_a_panic() {
    let mut region = Aligned([0u8; 400]);
    let mut slab = Slab::<32>::new(&mut region.0).unwrap(); // 10 slots
    assert_eq!(slab.slots(), 10);
    let mut hs = Vec::new();
    while let Ok(h) = slab.alloc(&[7; 32]) {
        hs.push(h);
    }
    assert_eq!(hs.len(), 10);
    assert_eq!(slab.usage().failed, 1);
    assert_eq!(
        slab.alloc(b"one more"),
        Err(SlabError::OutOfSlots { needed: 1, free: 0 })
    );
    // Too large ever to fit: its own error.
    assert_eq!(
        slab.alloc_zeroed(321),
        Err(SlabError::TooLarge { len: 321, max: 320 })
    );
    // Fragmented: 5 free slots, no 2 in a row.
    for h in hs.iter().step_by(2) {
        slab.free(*h).unwrap();
    }
    assert_eq!(
        slab.alloc(&[1; 33]),
        Err(SlabError::OutOfSlots { needed: 2, free: 5 })
    );
    assert_eq!(slab.usage().failed, 4);
    // A failed resize leaves the allocation as it was.
    let keep = hs[9]; // the last slot: it cannot grow in place
    assert!(slab.resize(keep, 64).is_err());
    assert_eq!(slab.get(keep), Some(&[7u8; 32][..]));
    assert_eq!(slab.usage().failed, 5);
    let msg = SlabError::OutOfSlots { needed: 2, free: 5 }.to_string();
    assert!(msg.contains("2 consecutive"), "{msg}");
}

#[test]
fn multi_slot_allocations_and_resize() {
    let mut region = Aligned([0u8; 2000]);
    let mut slab = Slab::<16>::new(&mut region.0).unwrap();
    let data: Vec<u8> = (0..50).collect();
    let a = slab.alloc(&data).unwrap(); // 4 slots
    assert_eq!(slab.capacity_of(a), Some(64));
    assert_eq!(slab.usage().live_bytes, 64);
    // Grow in place into the free slots after it; new bytes are zero.
    let a2 = slab.resize(a, 70).unwrap();
    assert_eq!(a2, a);
    assert_eq!(&slab.get(a).unwrap()[..50], &data[..]);
    assert!(slab.get(a).unwrap()[50..].iter().all(|&b| b == 0));
    // Shrink in place: the tail slots are freed.
    assert_eq!(slab.resize(a, 10).unwrap(), a);
    assert_eq!(slab.capacity_of(a), Some(16));
    assert_eq!(slab.usage().live_bytes, 16);
    // Blocked by a neighbour: the allocation moves, and the old handle is stale.
    let b = slab.alloc(b"neighbour").unwrap();
    assert_eq!(b.index(), a.index() + 1);
    let a3 = slab.resize(a, 40).unwrap();
    assert_ne!(a3, a);
    assert_eq!(slab.get(a), None);
    assert_eq!(&slab.get(a3).unwrap()[..10], &data[..10]);
    assert!(slab.get(a3).unwrap()[10..].iter().all(|&b| b == 0));
    let u = slab.usage();
    assert_eq!((u.allocations, u.frees), (3, 1));
    assert_eq!(u.peak_live_bytes, Some(80));
}

#[test]
fn byte_buffer_growth_keeps_contents() {
    let mut region = vec![0u8; 8192];
    let mut slab = Slab::<16>::new(&mut region).unwrap();
    let mut buf = ByteBuffer::new();
    assert!(buf.is_empty(&slab));
    // A neighbour after each growth forces moves as well as in-place growth.
    let mut blockers = Vec::new();
    let mut want = Vec::new();
    for i in 0..1000u32 {
        let b = (i * 7) as u8;
        buf.push(&mut slab, b).unwrap();
        want.push(b);
        if i % 97 == 0 {
            blockers.push(slab.alloc(b"block").unwrap());
        }
        assert_eq!(buf.len(&slab), want.len());
    }
    assert_eq!(buf.as_slice(&slab), &want[..]);
    assert!(buf.capacity(&slab) >= 1000);
    buf.extend_from_slice(&mut slab, b"tail").unwrap();
    assert!(buf.as_slice(&slab).ends_with(b"tail"));
    buf.as_mut_slice(&mut slab)[0] = 0xAA;
    assert_eq!(buf.as_slice(&slab)[0], 0xAA);
    let cap = buf.capacity(&slab);
    buf.clear(&mut slab);
    assert!(buf.is_empty(&slab));
    assert_eq!(buf.capacity(&slab), cap);
    buf.free(&mut slab);
    for h in blockers {
        slab.free(h).unwrap();
    }
    assert_eq!(slab.usage().live_bytes, 0);
    assert_eq!(slab.free_slots(), slab.slots());
}

#[test]
fn byte_buffer_with_capacity_and_errors() {
    let mut region = Aligned([0u8; 24 * 10]);
    let mut slab = Slab::<16>::new(&mut region.0).unwrap(); // 10 slots
    let mut buf = ByteBuffer::with_capacity(&mut slab, 40).unwrap();
    assert_eq!((buf.len(&slab), buf.capacity(&slab)), (0, 48));
    buf.extend_from_slice(&mut slab, &[1; 48]).unwrap();
    assert_eq!(buf.handle(), buf.handle()); // no move: in its own slots
                                            // Too much: refused, contents kept.
    let before = buf.as_slice(&slab).to_vec();
    assert!(matches!(
        buf.extend_from_slice(&mut slab, &[2; 200]),
        Err(SlabError::TooLarge { .. })
    ));
    assert_eq!(buf.as_slice(&slab), &before[..]);
    // A buffer whose allocation was freed behind its back reads empty and refuses to grow.
    let h = buf.handle().unwrap();
    slab.free(h).unwrap();
    assert!(buf.as_slice(&slab).is_empty());
    assert_eq!(buf.push(&mut slab, 1), Err(SlabError::StaleHandle(h)));
    assert!(ByteBuffer::with_capacity(&mut slab, 10_000).is_err());
}

#[test]
fn deque_is_fifo_and_grows_its_ring() {
    let mut region = vec![0u8; 16 * 1024];
    let mut slab = Slab::<24>::new(&mut region).unwrap();
    let mut q = ByteBufferDeque::new();
    assert!(q.pop_front(&mut slab).is_none());
    let mut next_in = 0u32;
    let mut next_out = 0u32;
    // Interleaved pushes and pops wrap the ring, then growth must unwrap it.
    for round in 0..20 {
        for _ in 0..(round % 7 + 2) {
            q.push_back(&mut slab, format!("message {next_in}").as_bytes())
                .unwrap();
            next_in += 1;
        }
        for _ in 0..(round % 3 + 1) {
            let got = q
                .pop_front_with(&mut slab, |m| String::from_utf8(m.to_vec()).unwrap())
                .unwrap();
            assert_eq!(got, format!("message {next_out}"));
            next_out += 1;
        }
        assert_eq!(q.len() as u32, next_in - next_out);
        assert_eq!(
            q.front(&slab),
            Some(format!("message {next_out}").as_bytes())
        );
    }
    let m = q.pop_front(&mut slab).unwrap();
    assert_eq!(m.as_slice(&slab), format!("message {next_out}").as_bytes());
    m.free(&mut slab);
    q.clear(&mut slab);
    assert!(q.is_empty());
    q.push_back(&mut slab, b"").unwrap();
    assert_eq!(q.front(&slab), Some(&b""[..]));
    q.free(&mut slab);
    assert_eq!(slab.usage().live_bytes, 0);
    assert_eq!(slab.usage().allocations, slab.usage().frees);
}

#[test]
fn deque_full_slab_is_an_error_and_the_queue_is_unchanged() {
    let mut region = Aligned([0u8; 40 * 8]);
    let mut slab = Slab::<32>::new(&mut region.0).unwrap(); // 8 slots
    let mut q = ByteBufferDeque::new();
    let mut n = 0;
    let err = loop {
        match q.push_back(&mut slab, &[n as u8; 20]) {
            Ok(()) => n += 1,
            Err(e) => break e,
        }
    };
    // The ring (4 handles, then 8: still one 32-byte slot) and 7 one-slot messages.
    assert_eq!(n, 7);
    assert_eq!(err, SlabError::OutOfSlots { needed: 1, free: 0 });
    assert_eq!(q.len(), n);
    for k in 0..n {
        assert_eq!(q.pop_front_with(&mut slab, |m| m[0]), Some(k as u8));
    }
    q.free(&mut slab);
    assert_eq!(slab.free_slots(), 8);
}

#[test]
fn a_handle_of_another_slab_names_this_slab_s_allocation_of_its_index_and_generation() {
    let (mut ra, mut rb) = ([0u8; 1024], [0u8; 1024]);
    let mut a = Slab::<32>::new(&mut ra).unwrap();
    let mut b = Slab::<32>::new(&mut rb).unwrap();
    let ha = a.alloc(b"mine").unwrap();
    let hb = b.alloc(b"theirs").unwrap();
    // Same index and generation: on `a`, `b`'s handle is `a`'s own.
    assert_eq!(hb, ha);
    assert_eq!(a.get(hb), Some(&b"mine"[..]));
    // One `b` has freed and reallocated: a generation `a` never issued there.
    b.free(hb).unwrap();
    let hb2 = b.alloc(b"again").unwrap();
    assert_eq!(a.get(hb2), None);
    assert_eq!(a.free(hb2), Err(SlabError::StaleHandle(hb2)));
    // Past `a`'s slots: refused, nothing read.
    let far = Handle::from_bits(u32::from(u16::MAX));
    assert_eq!(a.get(far), None);
    assert_eq!(a.free(far), Err(SlabError::StaleHandle(far)));
    assert_eq!(a.get(ha), Some(&b"mine"[..]));
}

fn run_model(ops: &[SlabOp]) -> Result<(), String> {
    let mut region = vec![0xEEu8; 8192];
    crate::slab_model::run::<32>(&mut region, ops)?;
    let mut region = vec![0xEEu8; 3000];
    crate::slab_model::run::<7>(&mut region, ops)
}

fn op() -> impl Strategy<Value = SlabOp> {
    let len = prop_oneof![8 => 0usize..200, 1 => 0usize..12_000];
    prop_oneof![
        4 => (len.clone(), any::<bool>()).prop_map(|(len, zeroed)| SlabOp::Alloc { len, zeroed }),
        3 => any::<usize>().prop_map(|pick| SlabOp::Free { pick }),
        2 => (any::<usize>(), 0usize..600).prop_map(|(pick, new_len)| SlabOp::Resize { pick, new_len }),
        1 => any::<usize>().prop_map(|pick| SlabOp::Poke { pick }),
        2 => (0usize..100).prop_map(|len| SlabOp::BufExtend { len }),
        1 => Just(SlabOp::BufClear),
        2 => (0usize..150).prop_map(|len| SlabOp::DequePush { len }),
        2 => any::<bool>().prop_map(|handover| SlabOp::DequePop { handover }),
        2 => (0u32..512, 0u32..8, any::<bool>())
            .prop_map(|(index, generation, free)| SlabOp::Forged { bits: index | generation << 16, free }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 4 } else { 256 }))]

    #[test]
    fn slab_keeps_the_shadow_model(list in prop::collection::vec(op(), 1..if cfg!(miri) { 40 } else { 300 })) {
        run_model(&list).map_err(TestCaseError::fail)?;
    }
}

#[test]
fn fuzz_style_decoding_runs_on_the_slab() {
    // The fuzz target's decoder over a fixed byte pattern: the same path cargo fuzz takes.
    // (400 bytes under Miri, where 4,000 take minutes.)
    let len = if cfg!(miri) { 400 } else { 4000u32 };
    let raw: Vec<u8> = (0..len)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    run_model(&crate::slab_model::decode(&raw)).unwrap();
}
