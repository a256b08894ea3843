//! The contract's interface, shared by the contract and its host tests.

extern crate alloc;

use alloc::{format, string::String};

/// Storage key of the names greeted so far, one per line.
pub const NAMES_KEY: &[u8] = b"names";
/// The longest name accepted, in bytes.
pub const MAX_NAME: usize = 32;
/// How many names the contract keeps.
pub const MAX_NAMES: usize = 16;

/// The input is not a name: empty, longer than [`MAX_NAME`], not UTF-8, or with a newline.
pub const ERR_INVALID_NAME: u64 = 1001;
/// [`MAX_NAMES`] names are stored already.
pub const ERR_FULL: u64 = 1002;
/// The VM refused the storage write or the return data.
pub const ERR_STORAGE: u64 = 1003;

/// The return data for `name`, the `count`-th name greeted.
pub fn greeting(name: &str, count: usize) -> String {
    format!("hello, {name}! ({count} greeted)")
}
