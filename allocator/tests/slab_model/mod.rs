//! The operation sequences the handle slab is checked with, shared by `tests/all/slab.rs`
//! (proptest) and `fuzz/fuzz_targets/slab.rs` (cargo fuzz): a shadow model (a map of
//! live handle -> bytes, the handles freed so far, one `ByteBuffer` as a `Vec<u8>`, one
//! `ByteBufferDeque` as a `VecDeque<Vec<u8>>`), checked after every operation: live
//! handles read their bytes, stale handles read `None`, allocations are disjoint and
//! inside the slab, the statistics agree; at the end everything is freed and the slab must
//! be empty again.

use std::collections::{HashMap, VecDeque};

use tos_alloc::slab::{ByteBuffer, ByteBufferDeque, Handle, Slab, SlabError};

/// One operation on the slab.
#[derive(Debug, Clone, Copy)]
pub enum SlabOp {
    /// `alloc` `len` bytes filled with a fresh pattern (or `alloc_zeroed`).
    Alloc {
        /// Bytes.
        len: usize,
        /// `alloc_zeroed` instead of `alloc`.
        zeroed: bool,
    },
    /// Free the live handle `pick % live`.
    Free {
        /// Which live handle.
        pick: usize,
    },
    /// Resize the live handle `pick % live` to `new_len`.
    Resize {
        /// Which live handle.
        pick: usize,
        /// New length.
        new_len: usize,
    },
    /// Free a stale handle (must be refused) or overwrite a live one through `get_mut`.
    Poke {
        /// Which handle.
        pick: usize,
    },
    /// Append `len` bytes to the buffer (one `push` when `len == 1`).
    BufExtend {
        /// Bytes.
        len: usize,
    },
    /// Clear the buffer.
    BufClear,
    /// Push a message of `len` bytes to the back of the deque.
    DequePush {
        /// Bytes.
        len: usize,
    },
    /// Pop the front message (read and freed, or handed over and freed).
    DequePop {
        /// Use `pop_front` (else `pop_front_with`).
        handover: bool,
    },
    /// A handle made from arbitrary bits (`Handle::from_bits`: any slab's, or none's) read,
    /// then freed when `free`: it must act exactly as the slab's own handle of the same
    /// index and generation, or be refused as stale.
    Forged {
        /// The handle's bits.
        bits: u32,
        /// Free it too.
        free: bool,
    },
}

/// Decodes raw fuzzer bytes into operations, 4 bytes each: a selector, then 3 bytes of
/// arguments. Every input decodes (a trailing partial op is dropped).
#[allow(dead_code)]
pub fn decode(bytes: &[u8]) -> Vec<SlabOp> {
    bytes
        .chunks_exact(4)
        .map(|c| {
            let arg = u16::from_le_bytes([c[1], c[2]]) as usize;
            // Mostly a few slots, sometimes large (past the slab: TooLarge).
            let len = if c[3] & 0x80 == 0 {
                arg % 200
            } else {
                arg % 12_000
            };
            match c[0] % 13 {
                0..=2 => SlabOp::Alloc {
                    len,
                    zeroed: c[3] & 1 != 0,
                },
                3 | 4 => SlabOp::Free { pick: arg },
                5 => SlabOp::Resize {
                    pick: usize::from(c[3]),
                    new_len: arg % if c[0] & 0x80 == 0 { 300 } else { 3000 },
                },
                6 => SlabOp::Poke { pick: arg },
                7 | 8 => SlabOp::BufExtend { len: len % 100 },
                9 => {
                    if c[3] & 0x0f == 0 {
                        SlabOp::BufClear
                    } else {
                        SlabOp::DequePush { len: len % 150 }
                    }
                }
                10 => SlabOp::DequePush { len: len % 150 },
                11 => SlabOp::Forged {
                    bits: (arg as u32 % 512) | (u32::from(c[3] % 8) << 16),
                    free: c[0] & 0x80 != 0,
                },
                _ => SlabOp::DequePop {
                    handover: c[3] & 1 != 0,
                },
            }
        })
        .collect()
}

struct Model {
    live: Vec<(Handle, Vec<u8>)>,
    stale: Vec<Handle>,
    buf: Vec<u8>,
    deque: VecDeque<Vec<u8>>,
    next: u8,
}

impl Model {
    fn pattern(&mut self, len: usize) -> Vec<u8> {
        self.next = self.next.wrapping_add(1).max(1);
        let p = self.next;
        (0..len).map(|i| p.wrapping_add(i as u8)).collect()
    }

    fn retire(&mut self, h: Handle) {
        // Bounded: enough to catch reuse, cheap to check.
        if self.stale.len() == 64 {
            self.stale.swap_remove(0);
        }
        self.stale.push(h);
    }
}

/// Runs `ops` on a `Slab<SLOT>` over `region`; `Err` names the first broken invariant.
pub fn run<const SLOT: usize>(region: &mut [u8], ops: &[SlabOp]) -> Result<(), String> {
    let mut slab = Slab::<SLOT>::new(region).map_err(|e| e.to_string())?;
    let (lo, hi) = {
        // The slot area: every allocation's bytes lie inside it.
        let first = slab.alloc(&[]).map_err(|e| e.to_string())?;
        let lo = slab.get(first).unwrap().as_ptr().addr();
        slab.free(first).map_err(|e| e.to_string())?;
        (lo, lo + slab.slots() * SLOT)
    };
    let mut m = Model {
        live: Vec::new(),
        stale: Vec::new(),
        buf: Vec::new(),
        deque: VecDeque::new(),
        next: 0,
    };
    let mut buf = ByteBuffer::new();
    let mut deque = ByteBufferDeque::new();
    for (i, op) in ops.iter().enumerate() {
        let failed_before = slab.usage().failed;
        let mut refused = false;
        match *op {
            SlabOp::Alloc { len, zeroed } => {
                let data = if zeroed { vec![0; len] } else { m.pattern(len) };
                let r = if zeroed {
                    slab.alloc_zeroed(len)
                } else {
                    slab.alloc(&data)
                };
                match r {
                    Ok(h) => {
                        if m.live.iter().any(|(l, _)| *l == h) || m.stale.contains(&h) {
                            return Err(format!("op {i}: handle {h:?} issued twice"));
                        }
                        m.live.push((h, data));
                    }
                    Err(SlabError::OutOfSlots { .. } | SlabError::TooLarge { .. }) => {
                        refused = true
                    }
                    Err(e) => return Err(format!("op {i}: alloc({len}): {e}")),
                }
            }
            SlabOp::Free { pick } => {
                if m.live.is_empty() {
                    continue;
                }
                let (h, _) = m.live.swap_remove(pick % m.live.len());
                slab.free(h).map_err(|e| format!("op {i}: free: {e}"))?;
                m.retire(h);
            }
            SlabOp::Resize { pick, new_len } => {
                if m.live.is_empty() {
                    continue;
                }
                let k = pick % m.live.len();
                let h = m.live[k].0;
                match slab.resize(h, new_len) {
                    Ok(moved) => {
                        m.live[k].0 = moved;
                        m.live[k].1.resize(new_len, 0);
                        if moved != h {
                            m.retire(h);
                        }
                    }
                    Err(SlabError::OutOfSlots { .. } | SlabError::TooLarge { .. }) => {
                        refused = true
                    }
                    Err(e) => return Err(format!("op {i}: resize: {e}")),
                }
            }
            SlabOp::Poke { pick } => {
                if pick % 2 == 0 && !m.stale.is_empty() {
                    let h = m.stale[pick / 2 % m.stale.len()];
                    if slab.free(h) != Err(SlabError::StaleHandle(h)) {
                        return Err(format!("op {i}: freeing stale {h:?} was not refused"));
                    }
                } else if !m.live.is_empty() {
                    let k = pick % m.live.len();
                    let new = m.pattern(m.live[k].1.len());
                    let Some(bytes) = slab.get_mut(m.live[k].0) else {
                        return Err(format!("op {i}: get_mut of a live handle is None"));
                    };
                    bytes.copy_from_slice(&new);
                    m.live[k].1 = new;
                }
            }
            SlabOp::BufExtend { len } => {
                let data = m.pattern(len);
                let r = if len == 1 {
                    buf.push(&mut slab, data[0])
                } else {
                    buf.extend_from_slice(&mut slab, &data)
                };
                match r {
                    Ok(()) => m.buf.extend_from_slice(&data),
                    Err(SlabError::OutOfSlots { .. } | SlabError::TooLarge { .. }) => {
                        refused = true
                    }
                    Err(e) => return Err(format!("op {i}: buffer extend: {e}")),
                }
            }
            SlabOp::BufClear => {
                let cap = buf.capacity(&slab);
                buf.clear(&mut slab);
                m.buf.clear();
                if buf.capacity(&slab) != cap {
                    return Err(format!("op {i}: clear changed the capacity"));
                }
            }
            SlabOp::DequePush { len } => {
                let data = m.pattern(len);
                match deque.push_back(&mut slab, &data) {
                    Ok(()) => m.deque.push_back(data),
                    Err(SlabError::OutOfSlots { .. } | SlabError::TooLarge { .. }) => {
                        refused = true
                    }
                    Err(e) => return Err(format!("op {i}: deque push: {e}")),
                }
            }
            SlabOp::Forged { bits, free } => {
                let h = Handle::from_bits(bits);
                let own = m.live.iter().position(|(l, _)| *l == h);
                match (slab.get(h), own) {
                    (Some(bytes), Some(k)) if bytes != &m.live[k].1[..] => {
                        return Err(format!("op {i}: {h:?} read other bytes than its own"));
                    }
                    (None, Some(_)) => return Err(format!("op {i}: live {h:?} read None")),
                    // The buffer's or the deque's: inside the slot area.
                    (Some(bytes), None)
                        if bytes.as_ptr().addr() < lo
                            || bytes.as_ptr().addr() + bytes.len() > hi =>
                    {
                        return Err(format!("op {i}: {h:?} read outside the slots"));
                    }
                    _ => {}
                }
                if free {
                    match own {
                        Some(k) => {
                            slab.free(h).map_err(|e| format!("op {i}: free: {e}"))?;
                            m.live.swap_remove(k);
                            m.retire(h);
                        }
                        None if slab.get(h).is_none()
                            && slab.free(h) != Err(SlabError::StaleHandle(h)) =>
                        {
                            return Err(format!("op {i}: freeing {h:?} was not refused"));
                        }
                        // Refused as it must be; or the buffer's or the deque's, not the
                        // model's to free.
                        None => {}
                    }
                }
            }
            SlabOp::DequePop { handover } => {
                let want = m.deque.pop_front();
                let got = if handover {
                    deque.pop_front(&mut slab).map(|b| {
                        let v = b.as_slice(&slab).to_vec();
                        b.free(&mut slab);
                        v
                    })
                } else {
                    deque.pop_front_with(&mut slab, |b| b.to_vec())
                };
                if got != want {
                    return Err(format!("op {i}: deque pop {got:?}, model {want:?}"));
                }
            }
        }
        let failed = slab.usage().failed - failed_before;
        if failed != u64::from(refused) {
            return Err(format!(
                "op {i} ({op:?}): {failed} failures counted, refused = {refused}"
            ));
        }
        check(&slab, &m, &buf, &deque, lo, hi).map_err(|e| format!("op {i} ({op:?}): {e}"))?;
    }
    // Everything freed: the slab is empty again.
    for (h, _) in m.live.drain(..) {
        slab.free(h).map_err(|e| format!("final free: {e}"))?;
    }
    buf.free(&mut slab);
    deque.free(&mut slab);
    let u = slab.usage();
    if u.live_bytes != 0 || u.allocations != u.frees || slab.free_slots() != slab.slots() {
        return Err(format!(
            "everything freed, yet {u:?}, {} of {} slots free",
            slab.free_slots(),
            slab.slots()
        ));
    }
    // ...and one allocation of the whole slab fits (the free slots are one run).
    let all = slab
        .alloc_zeroed(slab.slots() * SLOT)
        .map_err(|e| format!("after freeing everything: {e}"))?;
    slab.free(all).map_err(|e| e.to_string())?;
    Ok(())
}

fn check<const SLOT: usize>(
    slab: &Slab<'_, SLOT>,
    m: &Model,
    buf: &ByteBuffer,
    deque: &ByteBufferDeque,
    lo: usize,
    hi: usize,
) -> Result<(), String> {
    let mut spans = Vec::new();
    let mut seen = HashMap::new();
    for (h, want) in &m.live {
        let got = slab
            .get(*h)
            .ok_or_else(|| format!("live {h:?} reads None"))?;
        if got != &want[..] {
            return Err(format!("{h:?} holds {got:?}, model {want:?}"));
        }
        if seen.insert(*h, ()).is_some() {
            return Err(format!("{h:?} twice in the model"));
        }
        let cap = slab.capacity_of(*h).unwrap();
        spans.push((got.as_ptr().addr(), got.as_ptr().addr() + cap));
    }
    for h in &m.stale {
        if slab.get(*h).is_some() {
            return Err(format!("stale {h:?} still reads"));
        }
    }
    if buf.as_slice(slab) != &m.buf[..] {
        return Err(format!(
            "buffer holds {:?}, model {:?}",
            buf.as_slice(slab),
            m.buf
        ));
    }
    if let Some(h) = buf.handle() {
        let s = buf.as_slice(slab).as_ptr().addr();
        spans.push((s, s + buf.capacity(slab)));
        if seen.contains_key(&h) {
            return Err(format!("buffer handle {h:?} also in the model"));
        }
    }
    if deque.len() != m.deque.len() {
        return Err(format!(
            "deque len {}, model {}",
            deque.len(),
            m.deque.len()
        ));
    }
    for (k, want) in m.deque.iter().enumerate() {
        let got = deque
            .get(slab, k)
            .ok_or_else(|| format!("deque message {k} missing"))?;
        if got != &want[..] {
            return Err(format!("deque message {k} holds {got:?}, model {want:?}"));
        }
        let h = deque.handle_at(slab, k).unwrap();
        let s = got.as_ptr().addr();
        spans.push((s, s + slab.capacity_of(h).unwrap()));
    }
    spans.sort_unstable();
    for w in spans.windows(2) {
        if w[0].1 > w[1].0 {
            return Err(format!("overlap: {:x?} and {:x?}", w[0], w[1]));
        }
    }
    if let (Some(f), Some(l)) = (spans.first(), spans.last()) {
        if f.0 < lo || l.1 > hi {
            return Err(format!("allocation outside the slots: {f:x?} .. {l:x?}"));
        }
    }
    let u = slab.usage();
    let live_handles = (u.allocations - u.frees) as usize;
    // The model's handles, the buffer's, the deque's messages and its ring.
    let known = m.live.len() + usize::from(buf.handle().is_some()) + m.deque.len();
    if live_handles != known && live_handles != known + 1 {
        return Err(format!(
            "{known} (+ ring) live allocations, usage says {u:?}"
        ));
    }
    let exact: usize = m
        .live
        .iter()
        .map(|(_, d)| d.len().div_ceil(SLOT).max(1) * SLOT)
        .sum();
    if u.live_bytes < exact
        || u.live_bytes != (slab.slots() - slab.free_slots()) * SLOT
        || u.peak_live_bytes < Some(u.live_bytes)
        || u.heap_used > u.capacity
        || u.capacity != slab.slots() * SLOT
    {
        return Err(format!(
            "{exact} live slot bytes in the model, usage says {u:?}"
        ));
    }
    Ok(())
}
