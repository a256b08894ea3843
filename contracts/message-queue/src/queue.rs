//! The message-queue workload over any byte region: the contract runs it over the VM heap,
//! the host tests (`tests/tests/all/message_queue.rs`) over a `Vec<u8>` of the same size.
//!
//! Input: operations back to back, until the input ends:
//!
//! | bytes | operation |
//! |-------|-----------|
//! | `0x00` | nothing (a baseline for CU measurements) |
//! | `0x01 len:u16 LE` then `len` bytes | push the message to the back of the queue |
//! | `0x02` | pop the front message and fold it into the hash; on an empty queue, nothing |
//! | `0x03` | pop the front message without hashing it (dropped); on an empty queue, nothing |
//!
//! Any other operation byte, or a push whose message runs past the end of the input, is
//! malformed ([`Failure::Input`] with the offset of the operation byte).
//!
//! Results ([`Report`]):
//! - `hash`: FNV-1a 64 (offset basis `0xcbf29ce484222325`, prime `0x100000001b3`), one
//!   running hash over `len:u16 LE` then the bytes of every message popped by `0x02`, in
//!   pop order (no message popped: the offset basis);
//! - `popped`: messages popped by `0x02` and `0x03` (a pop on an empty queue counts 0);
//! - `max_queue_len`: the most messages queued at once;
//! - `log_len`, `log_hash`: the log is a `ByteBuffer` in the same slab holding the
//!   concatenation of the first [`LOG_MESSAGES`] popped messages (either pop); its length
//!   and its FNV-1a 64 hash (bytes only, no length prefix). The log is then freed;
//! - `live_bytes`: the slab's `usage().live_bytes` at the end, after the log is freed: the
//!   messages still queued and the deque's ring of handles, each rounded up to whole
//!   [`SLOT`]-byte slots.
//!
//! A slab error (no run of free slots, a message larger than the whole slab) ends the run
//! with [`Failure::Slab`], never a panic.

use tos_alloc::slab::{ByteBuffer, ByteBufferDeque, Slab, SlabError};

/// Slot size of the slab, in bytes (a 32 KiB heap holds `32768 / (32 + 8)` = 819 slots).
pub const SLOT: usize = 32;
/// Operation byte: nothing.
pub const OP_NOP: u8 = 0x00;
/// Operation byte: push a message (`0x01 len:u16 LE bytes`).
pub const OP_PUSH: u8 = 0x01;
/// Operation byte: pop the front message and hash it.
pub const OP_POP: u8 = 0x02;
/// Operation byte: pop the front message and drop it.
pub const OP_DROP: u8 = 0x03;
/// Popped messages copied into the log buffer.
pub const LOG_MESSAGES: u64 = 4;
/// FNV-1a 64 offset basis.
pub const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
/// FNV-1a 64 prime.
pub const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;
/// Return code: the slab had no run of free slots long enough (`CUSTOM_BASE + 1`).
pub const OUT_OF_SLOTS: u64 = tako_abi::code::CUSTOM_BASE + 1;
/// Return code: a message larger than the whole slab (`CUSTOM_BASE + 2`).
pub const TOO_LARGE: u64 = tako_abi::code::CUSTOM_BASE + 2;

/// What a complete run computed (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    /// FNV-1a 64 over `len:u16 LE` + bytes of every message popped by `0x02`.
    pub hash: u64,
    /// Messages popped (either pop operation).
    pub popped: u64,
    /// The most messages queued at once.
    pub max_queue_len: u64,
    /// The slab's live bytes at the end (after the log is freed).
    pub live_bytes: u64,
    /// Length of the log (the first [`LOG_MESSAGES`] popped messages, concatenated).
    pub log_len: u64,
    /// FNV-1a 64 over the log's bytes.
    pub log_hash: u64,
}

/// Why a run stopped early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Malformed input: the operation at this byte offset.
    Input {
        /// Offset of the operation byte.
        offset: usize,
    },
    /// The slab refused an allocation (or the region cannot hold one slot).
    Slab {
        /// Index of the operation (0-based, counting every operation).
        op_index: usize,
        /// The slab's error.
        error: SlabError,
        /// Messages queued when it failed.
        queue_len: usize,
        /// The slab's live bytes when it failed.
        live_bytes: u64,
    },
}

/// FNV-1a 64 of `bytes`, continuing from `h`.
#[inline]
pub fn fnv1a(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(FNV_PRIME);
    }
    h
}

/// The running hash after folding in one popped message: its `len:u16 LE`, then its bytes.
#[inline]
pub fn hash_message(h: u64, message: &[u8]) -> u64 {
    fnv1a(fnv1a(h, &(message.len() as u16).to_le_bytes()), message)
}

/// Reads the input into the start of `heap` (`read` copies as much as fits and returns the
/// input's whole length, as `get_input_data` does), then runs the workload over the rest of
/// the heap, from the next 8-byte boundary. An input larger than the heap is
/// `Failure::Input` at the heap's length.
pub fn run_with_input_in(
    heap: &mut [u8],
    read: impl FnOnce(&mut [u8]) -> u64,
) -> Result<Report, Failure> {
    let len = read(heap);
    let Some(n) = usize::try_from(len).ok().filter(|&n| n <= heap.len()) else {
        return Err(Failure::Input { offset: heap.len() });
    };
    let split = n.next_multiple_of(8).min(heap.len());
    let (input, region) = heap.split_at_mut(split);
    run(&input[..n], region)
}

/// Runs `input`'s operations through a [`ByteBufferDeque`] in a [`Slab`] over `region`.
pub fn run(input: &[u8], region: &mut [u8]) -> Result<Report, Failure> {
    let slab = match Slab::<SLOT>::new(region) {
        Ok(slab) => slab,
        Err(error) => {
            return Err(Failure::Slab {
                op_index: 0,
                error,
                queue_len: 0,
                live_bytes: 0,
            })
        }
    };
    let mut state = State {
        slab,
        queue: ByteBufferDeque::new(),
        log: ByteBuffer::new(),
        hash: FNV_OFFSET,
        popped: 0,
        max_queue_len: 0,
    };
    // The parse loop keeps only the input, its position and the operation count in
    // registers; the queue's state stays in `state`, which the operations update out of
    // line (inlined, the whole state competes for the registers and the loop spills).
    let mut pos = 0usize;
    let mut op_index = 0usize;
    while let Some(&op) = input.get(pos) {
        let result = match op {
            OP_NOP => {
                pos += 1;
                Ok(())
            }
            OP_PUSH => {
                let Some(&[lo, hi]) = input.get(pos + 1..pos + 3) else {
                    return Err(Failure::Input { offset: pos });
                };
                let len = u16::from_le_bytes([lo, hi]) as usize;
                let Some(message) = input.get(pos + 3..pos + 3 + len) else {
                    return Err(Failure::Input { offset: pos });
                };
                pos += 3 + len;
                state.push(message)
            }
            OP_POP | OP_DROP => {
                pos += 1;
                state.pop(op == OP_POP)
            }
            _ => return Err(Failure::Input { offset: pos }),
        };
        if let Err(error) = result {
            return Err(Failure::Slab {
                op_index,
                error,
                queue_len: state.queue.len(),
                live_bytes: state.slab.usage().live_bytes as u64,
            });
        }
        op_index += 1;
    }
    let State {
        mut slab,
        log,
        hash,
        popped,
        max_queue_len,
        ..
    } = state;
    let log_bytes = log.as_slice(&slab);
    let (log_len, log_hash) = (log_bytes.len() as u64, fnv1a(FNV_OFFSET, log_bytes));
    log.free(&mut slab);
    Ok(Report {
        hash,
        popped,
        max_queue_len: max_queue_len as u64,
        live_bytes: slab.usage().live_bytes as u64,
        log_len,
        log_hash,
    })
}

/// The queue, its log and the running results, in the slab.
struct State<'a> {
    slab: Slab<'a, SLOT>,
    queue: ByteBufferDeque,
    log: ByteBuffer,
    hash: u64,
    popped: u64,
    max_queue_len: usize,
}

impl State<'_> {
    /// Pushes `message` to the back of the queue.
    #[inline(never)]
    fn push(&mut self, message: &[u8]) -> Result<(), SlabError> {
        let pushed = self.queue.push_back(&mut self.slab, message);
        self.max_queue_len = self.max_queue_len.max(self.queue.len());
        pushed
    }

    /// Pops the front message, if any: folds it into the hash when `hashed`, copies it to
    /// the log while the log holds fewer than [`LOG_MESSAGES`], frees it.
    #[inline(never)]
    fn pop(&mut self, hashed: bool) -> Result<(), SlabError> {
        let Some(message) = self.queue.pop_front(&mut self.slab) else {
            return Ok(());
        };
        if hashed {
            self.hash = hash_message(self.hash, message.as_slice(&self.slab));
        }
        let logged = if self.popped < LOG_MESSAGES {
            append(&mut self.log, &mut self.slab, &message)
        } else {
            Ok(())
        };
        self.popped += 1;
        message.free(&mut self.slab);
        logged
    }
}

/// Appends `message`'s bytes to `log` (both in `slab`), through a stack buffer: the slab
/// cannot lend the message's bytes while `log` grows in it.
fn append<const S: usize>(
    log: &mut ByteBuffer,
    slab: &mut Slab<'_, S>,
    message: &ByteBuffer,
) -> Result<(), SlabError> {
    let mut chunk = [0u8; 256];
    let len = message.len(slab);
    let mut done = 0;
    while done < len {
        let n = (len - done).min(chunk.len());
        chunk[..n].copy_from_slice(&message.as_slice(slab)[done..done + n]);
        log.extend_from_slice(slab, &chunk[..n])?;
        done += n;
    }
    Ok(())
}
