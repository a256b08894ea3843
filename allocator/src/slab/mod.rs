//! [`Slab`]: a handle slab over a caller's byte region (TinyAlloc-style), with
//! [`ByteBuffer`] and [`ByteBufferDeque`] built on it. No global allocator, no statics;
//! one `unsafe` block ([`Slab::new`] views the table's bytes as aligned `u64` words), the
//! rest is index arithmetic on the borrowed region.
//!
//! The region is cut into a slot table and `slots` fixed-size slots of `SLOT` bytes:
//!
//! ```text
//! [ skip: 0..=7 ][ table: slots × 8 bytes ][ slot 0 | slot 1 | ... | slot slots-1 ][ unused tail ]
//! ```
//!
//! The table starts at the region's first 8-aligned byte: up to 7 bytes at the start of a
//! region that is not 8-aligned are skipped (never read nor written; see
//! [`Slab::align_skip`]), so that each entry is one aligned `u64` word, read and written
//! with a single load or store (in the VM, one `ldxdw`/`stxdw` rather than a byte at a
//! time). Each word packs `generation` (bits 0..16), `span` (bits 16..32) and `len` (bits
//! 32..64). `span` is [`FREE`] (0) for a free slot, the number of slots of the allocation
//! for the first slot of a live allocation (its *head*), and [`INTERIOR`] for the other
//! slots of a live allocation. An allocation of `len` bytes takes `max(1, ceil(len / SLOT))`
//! consecutive slots: the first (lowest) run of that many free slots (first fit).
//!
//! The search starts from one of four hints, one per class of run lengths (1, 2..=3,
//! 4..=7, 8 or more slots): below the hint of the class of `2^c` slots, no run of `2^c`
//! or more free slots starts. A search for `n` slots starts at the hint of `n`'s class,
//! moves it to the first run of at least `2^c` slots it saw (past the slots it takes) and
//! the hints of longer classes past the run taken; a free lowers each hint to where a run
//! of its class through the freed slots can start. So the placement is exactly first fit
//! from slot 0 (debug builds check every search against a scan from slot 0, so there an
//! allocation costs O(slots)), but a search does not rescan the allocations and the holes
//! too short for its class that it already passed: a queue of two-slot messages behind a
//! one-slot hole allocates in O(1), not in O(queued messages). [`get`](Slab::get) and
//! every handle check are O(1).
//!
//! A [`Handle`] is the head's index and its generation. Freeing an allocation increments
//! its head's generation (wrapping), so a freed handle, and a handle whose slot was reused,
//! reads as `None`. The generation is 16 bits: a stale handle could alias again only after
//! its slot was freed 65,536 times, which cannot happen within one VM run (the compute
//! budget allows far fewer allocations); on the host, do not keep a handle across that many
//! reuses of its slot.
//!
//! Errors are values ([`SlabError`]), never panics: running out of slots is
//! [`SlabError::OutOfSlots`], a request larger than the slab can ever hold
//! [`SlabError::TooLarge`].
//!
//! ```
//! use tos_alloc::slab::{ByteBuffer, ByteBufferDeque, Slab, SlabError};
//!
//! let mut region = [0u8; 4096];
//! let mut slab = Slab::<32>::new(&mut region)?;    // 32-byte slots: 4096 / (32 + 8) = 102
//! let h = slab.alloc(b"hello")?;                   // Handle: slot index + generation
//! slab.get_mut(h).unwrap()[0] = b'H';
//! assert_eq!(slab.get(h), Some(&b"Hello"[..]));
//! let h = slab.resize(h, 100)?;                    // 4 slots: in place, or moved (new handle)
//! slab.free(h)?;
//! assert_eq!(slab.get(h), None);                   // freed: stale, even once the slot is reused
//!
//! let mut buf = ByteBuffer::new();                 // a growable byte vector in the slab
//! buf.extend_from_slice(&mut slab, b"abc")?;
//! buf.push(&mut slab, b'd')?;
//! assert_eq!(buf.as_slice(&slab), b"abcd");
//!
//! let mut q = ByteBufferDeque::new();              // a FIFO of byte messages in the slab
//! q.push_back(&mut slab, b"first")?;
//! q.push_back(&mut slab, b"second")?;
//! assert_eq!(q.pop_front_with(&mut slab, |m| m.len()), Some(5));
//! q.free(&mut slab);
//! buf.free(&mut slab);
//! let u = slab.usage();                            // the crate's Usage: allocations, frees,
//! assert_eq!(u.live_bytes, 0);                     // live/peak bytes, capacity, failed
//! # Ok::<(), SlabError>(())
//! ```

mod buffer;
mod deque;
mod entry;
mod error;
mod handle;

pub use buffer::ByteBuffer;
pub use deque::ByteBufferDeque;
pub use error::SlabError;
pub use handle::Handle;

use core::fmt;

use crate::usage::Usage;
use entry::{Entry, SPAN_MASK, SPAN_SHIFT};

/// `span` of a free slot.
pub const FREE: u16 = 0;
/// `span` of a slot inside a live allocation, after its head.
pub const INTERIOR: u16 = u16::MAX;
/// The most slots one allocation can span.
pub const MAX_SPAN: usize = INTERIOR as usize - 1;
/// The most slots a slab has (slot indices are 16 bits).
pub const MAX_SLOTS: usize = 1 << 16;
/// Bytes of slot-table entry per slot (one `u64` word).
pub const TABLE_ENTRY: usize = 8;
/// The table's alignment: the most bytes [`Slab::new`] skips at the region's start is
/// `TABLE_ALIGN - 1`.
pub const TABLE_ALIGN: usize = core::mem::align_of::<u64>();

/// Classes of run lengths with a search hint of their own: class `c` holds lengths
/// `2^c..2^(c+1)` (the last one, `2^(HINTS-1)` and more).
const HINTS: usize = 4;
const _: () = assert!(
    HINTS == 4,
    "Slab::class's thresholds are written for 4 classes"
);

/// A slab of fixed-size slots of `SLOT` bytes over a borrowed byte region, handing out
/// generation-checked [`Handle`]s to byte allocations of one or more consecutive slots.
///
/// ```
/// use tos_alloc::slab::Slab;
/// let mut region = [0u8; 1024];
/// let mut slab = Slab::<32>::new(&mut region).unwrap();
/// let h = slab.alloc(b"hello").unwrap();
/// assert_eq!(slab.get(h), Some(&b"hello"[..]));
/// slab.free(h).unwrap();
/// assert_eq!(slab.get(h), None); // a freed handle reads as None
/// ```
pub struct Slab<'a, const SLOT: usize = 32> {
    /// One word per slot (`slots` words): generation, span, len (see the module docs).
    table: &'a mut [u64],
    /// The slots' bytes (`slots * SLOT`), right after the table.
    data: &'a mut [u8],
    /// Number of slots.
    slots: usize,
    /// Bytes skipped at the region's start to align the table.
    skip: usize,
    /// `hints[c]`: no run of `2^c` or more free slots starts below it.
    hints: [usize; HINTS],
    /// Slots in live allocations.
    used_slots: usize,
    /// The most slots ever in live allocations at once.
    peak_slots: usize,
    /// Counters (`allocations`, `frees`, `failed`) and `capacity`; the byte figures are
    /// derived from `used_slots`/`peak_slots` by [`usage`](Self::usage).
    usage: Usage,
}

/// The geometry and statistics (not the region's bytes).
impl<const SLOT: usize> fmt::Debug for Slab<'_, SLOT> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Slab")
            .field("slot_size", &SLOT)
            .field("slots", &self.slots)
            .field("free_slots", &self.free_slots())
            .field("align_skip", &self.skip)
            .field("usage", &self.usage())
            .finish_non_exhaustive()
    }
}

impl<'a, const SLOT: usize> Slab<'a, SLOT> {
    /// A slab over `region`: the table starts at the region's first 8-aligned byte (the
    /// `skip` = 0..=7 bytes before it are left alone: [`align_skip`](Self::align_skip)),
    /// then as many slots as `(region.len() - skip) / (SLOT + 8)` (at most [`MAX_SLOTS`]),
    /// all free. Only the slot table is written (zeroed); slot bytes are written when
    /// allocated. `SLOT` must be at least 1 (checked at compile time).
    ///
    /// [`SlabError::RegionTooSmall`] when not one slot fits; its `needed` counts the skipped
    /// bytes too.
    pub fn new(region: &'a mut [u8]) -> Result<Self, SlabError> {
        const { assert!(SLOT >= 1, "Slab: SLOT must be at least 1 byte") };
        let len = region.len();
        let skip = region.as_ptr().addr().wrapping_neg() % TABLE_ALIGN;
        let too_small = SlabError::RegionTooSmall {
            len,
            needed: skip + SLOT + TABLE_ENTRY,
        };
        let slots = (len.saturating_sub(skip) / (SLOT + TABLE_ENTRY)).min(MAX_SLOTS);
        if slots == 0 {
            return Err(too_small);
        }
        let (table, rest) = region[skip..].split_at_mut(slots * TABLE_ENTRY);
        let data = &mut rest[..slots * SLOT];
        // SAFETY: `align_to_mut` reinterprets only the part of `table` that is aligned for
        // `u64` (it computes the prefix and suffix itself), and every bit pattern is a valid
        // `u64`, so the words can be read whatever the region held; the words borrow `table`
        // mutably for `'a`, exclusively (it is split off from `data`).
        let (prefix, table, suffix) = unsafe { table.align_to_mut::<u64>() };
        if !prefix.is_empty() || !suffix.is_empty() || table.len() != slots {
            // Not reached: `table` starts 8-aligned and is `slots * 8` bytes long. Kept
            // so that no path of `new` can panic or misplace the table.
            return Err(too_small);
        }
        table.fill(0);
        Ok(Slab {
            table,
            data,
            slots,
            skip,
            hints: [0; HINTS],
            used_slots: 0,
            peak_slots: 0,
            usage: Usage {
                capacity: slots * SLOT,
                peak_live_bytes: Some(0),
                ..Usage::default()
            },
        })
    }

    /// The slot size in bytes.
    pub const fn slot_size(&self) -> usize {
        SLOT
    }

    /// Number of slots.
    pub fn slots(&self) -> usize {
        self.slots
    }

    /// Number of free slots (perhaps not consecutive).
    pub fn free_slots(&self) -> usize {
        self.slots - self.used_slots
    }

    /// Bytes of the region the slot table takes (8 per slot).
    pub fn table_bytes(&self) -> usize {
        self.slots * TABLE_ENTRY
    }

    /// Bytes skipped at the region's start so that the table is 8-aligned (0 for an
    /// 8-aligned region, at most [`TABLE_ALIGN`]` - 1`). The table follows them, then the
    /// slots.
    pub fn align_skip(&self) -> usize {
        self.skip
    }

    /// The largest allocation the slab can ever hold, in bytes.
    pub fn max_len(&self) -> usize {
        (self.slots.min(MAX_SPAN) * SLOT).min(u32::MAX as usize)
    }

    /// The slab's statistics: `allocations` and `frees` (a moving
    /// [`resize`](Self::resize) counts one of each), `live_bytes` = slots in live
    /// allocations × `SLOT`, `peak_live_bytes` its maximum, `heap_used`/`heap_peak` the
    /// same (the table is not counted: see [`table_bytes`](Self::table_bytes)),
    /// `capacity` = slots × `SLOT`, `failed` = allocations (or growths) refused with
    /// [`SlabError::OutOfSlots`] or [`SlabError::TooLarge`].
    pub fn usage(&self) -> Usage {
        let (live, peak) = (self.used_slots * SLOT, self.peak_slots * SLOT);
        Usage {
            live_bytes: live,
            heap_used: live,
            peak_live_bytes: Some(peak),
            heap_peak: peak,
            ..self.usage
        }
    }

    /// Number of live allocations (`allocations - frees`).
    pub fn live_allocations(&self) -> u64 {
        self.usage.allocations - self.usage.frees
    }

    /// Allocates `data.len()` bytes and copies `data` into them.
    pub fn alloc(&mut self, data: &[u8]) -> Result<Handle, SlabError> {
        let Some(h) = self.alloc_run(data.len(), 0) else {
            return Err(self.alloc_error(data.len()));
        };
        let start = Self::offset(h.index());
        self.data[start..start + data.len()].copy_from_slice(data);
        Ok(h)
    }

    /// Allocates `len` zeroed bytes.
    pub fn alloc_zeroed(&mut self, len: usize) -> Result<Handle, SlabError> {
        let Some(h) = self.alloc_run(len, 0) else {
            return Err(self.alloc_error(len));
        };
        let start = Self::offset(h.index());
        self.data[start..start + len].fill(0);
        Ok(h)
    }

    /// The allocation's bytes, or `None` for a stale handle.
    pub fn get(&self, h: Handle) -> Option<&[u8]> {
        let e = self.live(h)?;
        let start = Self::offset(h.index());
        self.data.get(start..start + e.len as usize)
    }

    /// The allocation's bytes, writable, or `None` for a stale handle.
    pub fn get_mut(&mut self, h: Handle) -> Option<&mut [u8]> {
        let e = self.live(h)?;
        let start = Self::offset(h.index());
        self.data.get_mut(start..start + e.len as usize)
    }

    /// Whether `h` refers to a live allocation.
    pub fn contains(&self, h: Handle) -> bool {
        self.live(h).is_some()
    }

    /// The allocation's length in bytes, or `None` for a stale handle.
    pub fn len_of(&self, h: Handle) -> Option<usize> {
        self.live(h).map(|e| e.len as usize)
    }

    /// Bytes the allocation can grow to without moving or taking more slots (its slots ×
    /// `SLOT`), or `None` for a stale handle.
    pub fn capacity_of(&self, h: Handle) -> Option<usize> {
        self.live(h).map(|e| e.span as usize * SLOT)
    }

    /// Frees the allocation: its slots become free, and `h` (like every copy of it) stale.
    pub fn free(&mut self, h: Handle) -> Result<(), SlabError> {
        let e = self.live(h).ok_or(SlabError::StaleHandle(h))?;
        self.release(h.index(), e);
        self.usage.frees += 1;
        Ok(())
    }

    /// Resizes the allocation to `new_len` bytes, keeping its first `min(len, new_len)`
    /// bytes; new bytes are zero. It stays in place (same handle returned) when `new_len`
    /// fits its slots (a shrink frees the slots it no longer needs) or the slots after it
    /// are free; otherwise it moves to a new run of slots (a new handle; the old one is
    /// then stale). On error the allocation is unchanged.
    pub fn resize(&mut self, h: Handle, new_len: usize) -> Result<Handle, SlabError> {
        self.resize_to(h, new_len, 0)
    }

    // ---- internals -------------------------------------------------------------------

    /// Offset in `data` of slot `i`'s first byte.
    #[inline]
    fn offset(i: usize) -> usize {
        i * SLOT
    }

    #[inline]
    fn entry(&self, i: usize) -> Entry {
        Entry::from_word(self.table[i])
    }

    #[inline]
    fn set_entry(&mut self, i: usize, e: Entry) {
        self.table[i] = e.to_word();
    }

    #[inline]
    fn set_span(&mut self, i: usize, span: u16) {
        let w = &mut self.table[i];
        *w = (*w & !SPAN_MASK) | (span as u64) << SPAN_SHIFT;
    }

    #[inline]
    fn span(&self, i: usize) -> u16 {
        (self.table[i] >> SPAN_SHIFT) as u16
    }

    /// The head entry of `h`'s allocation, if `h` is live.
    #[inline]
    fn live(&self, h: Handle) -> Option<Entry> {
        let e = Entry::from_word(*self.table.get(h.index())?);
        (e.span != FREE && e.span != INTERIOR && e.generation == h.generation).then_some(e)
    }

    /// Slots for `len` bytes, or `TooLarge` (counted as a failure).
    fn slots_for(&mut self, len: usize) -> Result<usize, SlabError> {
        let n = len.div_ceil(SLOT).max(1);
        if n > self.slots || n > MAX_SPAN || len > u32::MAX as usize {
            self.usage.failed += 1;
            return Err(SlabError::TooLarge {
                len,
                max: self.max_len(),
            });
        }
        Ok(n)
    }

    /// The hint class of a run of `n >= 1` slots: `min(floor(log2(n)), HINTS - 1)`.
    #[inline]
    fn class(n: usize) -> usize {
        if n >= 8 {
            3
        } else if n >= 4 {
            2
        } else if n >= 2 {
            1
        } else {
            0
        }
    }

    /// First fit: the lowest run of `n` free slots, which the caller then takes whole.
    /// The scan starts at the hint of `n`'s class `c` (no run of `2^c` or more slots starts
    /// below it) and skips a live allocation in one step (its head's span). Afterwards:
    /// - `hints[c]` moves to the first run of `2^c` or more slots the scan saw, or past the
    ///   run taken if that was the first (its rest starts there), or to the end;
    /// - every run the scan passed is shorter than `n < 2^(c+1)`, so the hints of the longer
    ///   classes move past the run taken (or to the end when there is none).
    #[inline(always)]
    fn find_run(&mut self, n: usize) -> Option<usize> {
        // One slot, and the hint of class 0 (no free slot below it) is free: it is the
        // first fit, with no scan.
        if n == 1 {
            let i = self.hints[0];
            if i < self.slots && self.span(i) == FREE {
                #[cfg(debug_assertions)]
                debug_assert_eq!(Some(i), self.first_fit_from_zero(1));
                for h in &mut self.hints {
                    if *h <= i {
                        *h = i + 1;
                    }
                }
                return Some(i);
            }
        }
        let class = Self::class(n);
        let t = 1usize << class;
        let mut i = self.hints[class];
        let mut run_start = i;
        let mut run = 0;
        let mut first_t = self.slots;
        while i < self.slots {
            match self.span(i) {
                FREE => {
                    if run == 0 {
                        run_start = i;
                    }
                    run += 1;
                    i += 1;
                    if run == t && first_t == self.slots {
                        first_t = run_start;
                    }
                    if run == n {
                        break;
                    }
                }
                INTERIOR => {
                    // Not reached from a head or a free slot; kept total for robustness.
                    run = 0;
                    i += 1;
                }
                span => {
                    run = 0;
                    i += span as usize;
                }
            }
        }
        let found = (run == n).then_some(run_start);
        #[cfg(debug_assertions)]
        debug_assert_eq!(
            found,
            self.first_fit_from_zero(n),
            "slab: the hinted search for {n} slots disagrees with first fit from slot 0"
        );
        let past = found.map_or(self.slots, |at| at + n);
        self.hints[class] = if found == Some(first_t) {
            past
        } else {
            first_t
        };
        // A fixed trip count: unrolled, no bounds checks.
        for (c, h) in self.hints.iter_mut().enumerate() {
            if c > class && *h < past {
                *h = past;
            }
        }
        found
    }

    /// The reference the hinted search must agree with: first fit scanning from slot 0.
    #[cfg(debug_assertions)]
    fn first_fit_from_zero(&self, n: usize) -> Option<usize> {
        let mut run = 0;
        for i in 0..self.slots {
            if self.span(i) == FREE {
                run += 1;
                if run == n {
                    return Some(i + 1 - n);
                }
            } else {
                run = 0;
            }
        }
        None
    }

    /// Marks slots `from..to` as interior slots of a live allocation.
    fn mark_interior(&mut self, from: usize, to: usize) {
        for i in from..to {
            self.set_span(i, INTERIOR);
        }
    }

    fn take_slots(&mut self, n: usize) {
        self.used_slots += n;
        if self.used_slots > self.peak_slots {
            self.peak_slots = self.used_slots;
        }
    }

    /// Frees slots `from..to`. The run of free slots they join starts at `from` or, if
    /// free slots precede `from`, lower: if the free slots just below `from` were a run of
    /// `2^c` or more, it started at or above `hints[c]`; otherwise they are fewer than
    /// `2^c`, so the joined run starts at `from - (2^c - 1)` at the lowest.
    fn give_slots(&mut self, from: usize, to: usize) {
        for i in from..to {
            self.set_span(i, FREE);
        }
        self.gave(from, to - from);
    }

    /// The accounting and hints of [`give_slots`](Self::give_slots), for `n` slots from
    /// `from` already marked free.
    #[inline]
    fn gave(&mut self, from: usize, n: usize) {
        self.used_slots -= n;
        const LONGEST: usize = (1 << (HINTS - 1)) - 1;
        if from >= LONGEST {
            // No saturation needed (the usual case: fewer instructions).
            for (c, h) in self.hints.iter_mut().enumerate() {
                let low = from - ((1 << c) - 1);
                if *h > low {
                    *h = low;
                }
            }
        } else {
            for (c, h) in self.hints.iter_mut().enumerate() {
                let low = from.saturating_sub((1 << c) - 1);
                if *h > low {
                    *h = low;
                }
            }
        }
    }

    /// A new allocation of `len` bytes (contents not written) in a run of
    /// `max(slots_for(len), want)` slots, or of `slots_for(len)` if that larger run is not
    /// free.
    fn alloc_len(&mut self, len: usize, want: usize) -> Result<Handle, SlabError> {
        match self.alloc_run(len, want) {
            Some(h) => Ok(h),
            None => Err(self.alloc_error(len)),
        }
    }

    /// [`alloc_len`](Self::alloc_len) without the error: `None` when the request is too
    /// large or no run is free, nothing counted ([`alloc_error`](Self::alloc_error) says
    /// which and counts it). A `Handle` (4 bytes) comes back in a register, where a
    /// `Result<Handle, SlabError>` goes through memory.
    fn alloc_run(&mut self, len: usize, want: usize) -> Option<Handle> {
        let need = len.div_ceil(SLOT).max(1);
        if need > self.slots || need > MAX_SPAN || len > u32::MAX as usize {
            return None;
        }
        let (at, n) = match self.find_run(need.max(want)) {
            Some(at) => (at, need.max(want)),
            None if want > need => (self.find_run(need)?, need),
            None => return None,
        };
        let generation = self.entry(at).generation;
        self.set_entry(
            at,
            Entry {
                generation,
                span: n as u16,
                len: len as u32,
            },
        );
        self.mark_interior(at + 1, at + n);
        self.take_slots(n);
        self.usage.allocations += 1;
        Some(Handle {
            index: at as u16,
            generation,
        })
    }

    /// Why [`alloc_run`](Self::alloc_run) refused `len` bytes, counted as a failure:
    /// `TooLarge`, or `OutOfSlots` for the slots `len` needs.
    #[cold]
    fn alloc_error(&mut self, len: usize) -> SlabError {
        match self.slots_for(len) {
            Ok(need) => self.out_of_slots(need),
            Err(e) => e,
        }
    }

    fn out_of_slots(&mut self, needed: usize) -> SlabError {
        self.usage.failed += 1;
        SlabError::OutOfSlots {
            needed,
            free: self.free_slots(),
        }
    }

    /// Frees the live allocation at `i` (entry `e`) without counting it.
    fn release(&mut self, i: usize, e: Entry) {
        self.set_entry(
            i,
            Entry {
                generation: e.generation.wrapping_add(1),
                span: FREE,
                len: 0,
            },
        );
        // The head is marked free above; its interior slots here.
        let span = e.span as usize;
        for j in i + 1..i + span {
            self.set_span(j, FREE);
        }
        self.gave(i, span);
    }

    /// Sets the length of a live allocation to `new_len <= capacity`, zeroing new bytes.
    fn set_len_in_place(&mut self, i: usize, e: Entry, new_len: usize) {
        let start = Self::offset(i);
        if new_len > e.len as usize {
            self.data[start + e.len as usize..start + new_len].fill(0);
        }
        self.set_entry(
            i,
            Entry {
                len: new_len as u32,
                ..e
            },
        );
    }

    /// [`resize`](Self::resize); when it must move, the new run has at least `want`
    /// slots if that many are free in a row (growth by doubling for [`ByteBuffer`]).
    fn resize_to(&mut self, h: Handle, new_len: usize, want: usize) -> Result<Handle, SlabError> {
        let e = self.live(h).ok_or(SlabError::StaleHandle(h))?;
        let need = self.slots_for(new_len)?;
        let (i, old) = (h.index(), e.span as usize);
        if need <= old {
            if need < old {
                self.give_slots(i + need, i + old);
            }
            self.set_len_in_place(
                i,
                Entry {
                    span: need as u16,
                    ..e
                },
                new_len,
            );
            return Ok(h);
        }
        // Grow in place into the free slots right after the run. They are the start of a
        // free run (slot `i + old - 1` is the allocation's), which now starts at `i + need`:
        // a hint inside the slots taken moves there.
        if i + need <= self.slots && (i + old..i + need).all(|j| self.span(j) == FREE) {
            self.mark_interior(i + old, i + need);
            for hint in &mut self.hints {
                if (i + old..i + need).contains(hint) {
                    *hint = i + need;
                }
            }
            self.take_slots(need - old);
            self.set_len_in_place(
                i,
                Entry {
                    span: need as u16,
                    ..e
                },
                new_len,
            );
            return Ok(h);
        }
        // Move: the old run stays taken while the new one is found, so they are disjoint.
        let moved = self.alloc_len(new_len, want)?;
        let (from, to) = (Self::offset(i), Self::offset(moved.index()));
        let kept = (e.len as usize).min(new_len);
        self.data.copy_within(from..from + kept, to);
        self.data[to + kept..to + new_len].fill(0);
        self.release(i, e);
        self.usage.frees += 1;
        Ok(moved)
    }
}
