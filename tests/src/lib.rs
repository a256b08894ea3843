#![doc = include_str!("../README.md")]
//!
//! Shared helpers of the workspace's integration tests (`tests/tests/*.rs`): input encoders,
//! the `collections` workload compiled for the host (to compute the checksum the contract
//! must return), source-line lookup for panic sites, and CU arithmetic.
#![deny(missing_docs)]

/// The `collections` contract's workload, the same source file compiled for the host.
pub use tako_test_support::ids::collections as collections_workload;
use tako_test_support::repo_root;

/// An input of one `u64` LE.
pub fn u64_input(x: u64) -> Vec<u8> {
    x.to_le_bytes().to_vec()
}

/// `alloc-bench`'s input: `(pattern, count, size)` as three `u64` LE.
pub fn bench_input(pattern: u64, count: u64, size: u64) -> Vec<u8> {
    [pattern, count, size]
        .iter()
        .flat_map(|w| w.to_le_bytes())
        .collect()
}

/// Splits return data into `u64` LE words.
///
/// # Panics
/// When the length is not a multiple of 8 (a test failure: the contract wrote something else).
pub fn words(data: &[u8]) -> Vec<u64> {
    assert_eq!(
        data.len() % 8,
        0,
        "return data {data:02x?} is not u64 words"
    );
    data.chunks_exact(8)
        .map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes")))
        .collect()
}

/// 1-based number of the only line of `contracts/<contract>/src/lib.rs` containing `marker`.
///
/// # Panics
/// When the file cannot be read or the marker is not on exactly one line.
pub fn marked_line(contract: &str, marker: &str) -> u32 {
    let path = repo_root()
        .join("contracts")
        .join(contract)
        .join("src/lib.rs");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let lines: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(marker) && !l.trim_start().starts_with("//!"))
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(
        lines.len(),
        1,
        "{marker} must mark exactly one line of {}",
        path.display()
    );
    lines[0] as u32
}

/// Marginal CU per operation between two runs of the same program:
/// `(cu2 - cu1) / (n2 - n1)`, exact when the difference divides evenly.
///
/// # Panics
/// When `n2 <= n1` or `cu2 < cu1`.
pub fn marginal(n1: u64, cu1: u64, n2: u64, cu2: u64) -> f64 {
    assert!(n2 > n1, "marginal needs n2 > n1");
    assert!(
        cu2 >= cu1,
        "CU decreased from {cu1} to {cu2} as the count grew"
    );
    (cu2 - cu1) as f64 / (n2 - n1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bench_input_is_three_le_words() {
        let b = bench_input(1, 2, 0x0300);
        assert_eq!(b.len(), 24);
        assert_eq!(words(&b), vec![1, 2, 0x300]);
    }

    #[test]
    fn marked_lines_are_found() {
        let line = marked_line("oom", "PANIC-SITE");
        assert!(line > 1);
    }

    #[test]
    fn marginal_divides_the_difference() {
        assert_eq!(marginal(10, 1000, 20, 2000), 100.0);
    }

    #[test]
    fn host_workload_passes_its_own_checks() {
        for n in [
            0,
            1,
            5,
            collections_workload::DEFAULT_N,
            collections_workload::MAX_N,
        ] {
            assert!(collections_workload::run(n).is_ok(), "n = {n}");
        }
    }
}
