//! What the chain tells a call: who called, the block, balances and transfers, events,
//! hashing.

use crate::raw;
use crate::storage::status_result;

/// A 32-byte account or contract address.
pub type Address = [u8; 32];

macro_rules! address_getters {
    ($($(#[$doc:meta])* $name:ident;)*) => {
        $(
            $(#[$doc])*
            #[inline]
            pub fn $name() -> Address {
                let mut out = [0u8; 32];
                // SAFETY: 32 writable bytes for the duration of the call.
                unsafe {
                    raw::$name(out.as_mut_ptr() as u64);
                }
                out
            }
        )*
    };
}

address_getters! {
    /// The transaction's sender. Costs 50 CU.
    get_tx_sender;
    /// The immediate caller (the sender, without cross-contract calls). Costs 50 CU.
    get_caller;
    /// This contract's address. Costs 50 CU.
    get_contract_hash;
    /// The current block's hash. Costs 50 CU.
    get_block_hash;
    /// The current block's miner. Costs 50 CU.
    get_coinbase;
}

macro_rules! value_getters {
    ($($(#[$doc:meta])* $name:ident;)*) => {
        $(
            $(#[$doc])*
            #[inline]
            pub fn $name() -> u64 {
                // SAFETY: no arguments.
                unsafe { raw::$name() }
            }
        )*
    };
}

value_getters! {
    /// The current block's height. Costs 50 CU.
    get_block_height;
    /// The current block's timestamp. Costs 50 CU.
    get_timestamp;
    /// The chain's id. Costs 50 CU.
    get_chain_id;
    /// The value sent with this call, already credited to the contract. Costs 50 CU.
    get_call_value;
}

/// The balance of `address`. Costs 100 CU.
#[inline]
pub fn get_balance(address: &Address) -> u64 {
    // SAFETY: 32 readable bytes for the duration of the call.
    unsafe { raw::get_balance(address.as_ptr() as u64) }
}

/// Moves `amount` from this contract's balance to `recipient`. Costs 500 CU.
///
/// # Errors
/// `tako_abi::status::INSUFFICIENT_BALANCE` when the contract holds less than `amount`.
#[inline]
pub fn transfer(recipient: &Address, amount: u64) -> Result<(), u64> {
    // SAFETY: 32 readable bytes for the duration of the call.
    status_result(unsafe { raw::transfer(recipient.as_ptr() as u64, amount) })
}

/// Emits an event with 0 to 4 `topics` (as EVM's `LOG0`..`LOG4`) and `data`. Costs 100 CU
/// + 1 per data byte.
///
/// # Errors
/// `tako_abi::status::TOO_MANY_TOPICS` (more than four), `VALUE_TOO_LARGE` (data over
/// [`crate::MAX_VALUE_SIZE`]).
#[inline]
pub fn emit_event(topics: &[[u8; 32]], data: &[u8]) -> Result<(), u64> {
    // SAFETY: `topics` is `topics.len()` readable 32-byte arrays, `data` readable for its
    // length, during the call.
    status_result(unsafe {
        raw::emit_event(
            topics.as_ptr() as u64,
            topics.len() as u64,
            data.as_ptr() as u64,
            data.len() as u64,
        )
    })
}

/// The BLAKE3 hash of `data`. Costs 200 CU.
#[inline]
pub fn blake3(data: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    // SAFETY: `data` readable for its length, `out` 32 writable bytes, during the call.
    unsafe {
        raw::blake3(
            data.as_ptr() as u64,
            data.len() as u64,
            out.as_mut_ptr() as u64,
        );
    }
    out
}
