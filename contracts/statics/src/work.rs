//! What the contract computes, over its statics. The tests run [`run`] on the host too
//! (once per process: on the host the statics keep their values between calls, in the VM
//! every call starts from the initial ones).

use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

/// A counter with an initial value (`.data`).
static mut COUNTER: u64 = 40;
/// Pointers in a writable static (`.data`, relocated to read-only data).
static mut NAMES: [&str; 3] = ["alpha", "beta", "gamma"];
/// How many bytes were seen (`.bss`).
static CALLS: AtomicU64 = AtomicU64::new(0);
/// A CRC-32 table, built on first use (`.bss`).
static TABLE: spin::Once<[u32; 256]> = spin::Once::new();
/// Zeroed scratch memory (`.bss`).
static mut SCRATCH: [u64; 512] = [0; 512];

fn crc_table() -> [u32; 256] {
    let mut table = [0u32; 256];
    for (i, slot) in table.iter_mut().enumerate() {
        let mut c = i as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xedb8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
        *slot = c;
    }
    table
}

fn crc32(table: &[u32; 256], bytes: &[u8]) -> u32 {
    !bytes.iter().fold(!0u32, |c, &b| {
        table[((c ^ u32::from(b)) & 0xff) as usize] ^ (c >> 8)
    })
}

/// The output for `input`, as little-endian words and bytes:
/// `[counter: u64][calls: u64][crc32: u32][built: u8][scratch sum: u64]`
/// `[distinct residues: u8]([residue: u8][count: u32])*[names joined by ',']`.
pub fn run(input: &[u8]) -> Vec<u8> {
    let mut counter = 0;
    for &b in input {
        // SAFETY: one thread; no reference to `COUNTER` outlives this statement.
        unsafe {
            COUNTER += u64::from(b);
            counter = COUNTER;
        }
        CALLS.fetch_add(1, Ordering::Relaxed);
    }
    if input.is_empty() {
        // SAFETY: as above.
        counter = unsafe { COUNTER };
    }

    let mut built = 0u8;
    let table = TABLE.call_once(|| {
        built += 1;
        crc_table()
    });
    let again = TABLE.call_once(|| {
        built += 1;
        crc_table()
    });
    let crc = crc32(table, input) ^ crc32(again, b"");

    // SAFETY: one thread; the only reference to `SCRATCH` lives in this block.
    let scratch_sum = unsafe {
        let scratch = &mut *core::ptr::addr_of_mut!(SCRATCH);
        let mut sum = scratch.iter().sum::<u64>(); // zero: fresh `.bss`
        for (i, &b) in input.iter().enumerate() {
            scratch[(i * 7) % scratch.len()] += u64::from(b) << (i % 8);
        }
        sum += scratch.iter().sum::<u64>();
        sum
    };

    // The default hasher's order differs between runs and machines: report it sorted.
    let mut residues: hashbrown::HashMap<u8, u32> = hashbrown::HashMap::new();
    for &b in input {
        *residues.entry(b % 11).or_default() += 1;
    }
    let mut residues: Vec<(u8, u32)> = residues.into_iter().collect();
    residues.sort_unstable();

    // SAFETY: one thread; the only reference to `NAMES` lives in this block.
    let names = unsafe {
        let names = &mut *core::ptr::addr_of_mut!(NAMES);
        names.rotate_left(input.len() % 3);
        *names
    };

    let mut out = Vec::new();
    out.extend_from_slice(&counter.to_le_bytes());
    out.extend_from_slice(&CALLS.load(Ordering::Relaxed).to_le_bytes());
    out.extend_from_slice(&crc.to_le_bytes());
    out.push(built);
    out.extend_from_slice(&scratch_sum.to_le_bytes());
    out.push(residues.len() as u8);
    for (residue, count) in residues {
        out.push(residue);
        out.extend_from_slice(&count.to_le_bytes());
    }
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(name.as_bytes());
    }
    out
}
