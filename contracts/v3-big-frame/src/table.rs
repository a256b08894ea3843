//! The table and its checksum, shared with the host tests (included by path).

/// Entries of the table.
pub const ENTRIES: usize = 1024;

/// The table for `seed` (an xorshift sequence), folded into one word.
#[inline(never)]
pub fn checksum(seed: u64) -> u64 {
    let table = build_table(seed);
    table.iter().enumerate().fold(0u64, |acc, (i, v)| {
        acc.rotate_left(5) ^ v.wrapping_mul(i as u64 + 1)
    })
}

#[inline(never)]
fn build_table(seed: u64) -> [u64; ENTRIES] {
    let mut table = [0u64; ENTRIES];
    let mut x = seed | 1;
    for slot in table.iter_mut() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *slot = x;
    }
    core::hint::black_box(&mut table);
    table
}
