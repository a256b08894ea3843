//! The escrow's interface, shared by the contract and its host tests: opcodes, error codes,
//! the storage key and the inputs.

/// A 32-byte account address (`tako_sdk::Address`).
pub type Address = [u8; 32];

/// `open(seller: 32, arbiter: 32, deadline: u64)` with the call's value as the amount: the
/// caller is the buyer; return data the deal's id (`u64`).
pub const OPEN: u8 = 0;
/// `release(id: u64)`: by the buyer or the arbiter; the amount goes to the seller.
pub const RELEASE: u8 = 1;
/// `refund(id: u64)`: by the seller or the arbiter, or by the buyer once the block height
/// has passed the deadline; the amount goes back to the buyer.
pub const REFUND: u8 = 2;
/// `deal(id: u64)`: return data `[buyer: 32][seller: 32][arbiter: 32][amount: u64][deadline: u64]`.
pub const DEAL: u8 = 3;

/// The input is malformed, or `open` names no amount or a party twice.
pub const ERR_INVALID_INPUT: u64 = 1001;
/// No open deal has that id.
pub const ERR_UNKNOWN_DEAL: u64 = 1002;
/// The caller may not release or refund that deal (now).
pub const ERR_NOT_ALLOWED: u64 = 1003;
/// The transfer out of the escrow failed.
pub const ERR_TRANSFER_FAILED: u64 = 1004;
/// The VM refused a storage write, an event or the return data, or the stored state does
/// not fit the heap.
pub const ERR_STORAGE: u64 = 1005;

/// The storage key of the whole state.
pub const STATE_KEY: &[u8] = b"state";
/// Topic 0 of the event of a released deal (then the seller; data: id, amount).
pub const RELEASED_EVENT: [u8; 32] = *b"Released\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";
/// Topic 0 of the event of a refunded deal (then the buyer; data: id, amount).
pub const REFUNDED_EVENT: [u8; 32] = *b"Refunded\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";

/// `open`'s input.
pub fn open_input(seller: &Address, arbiter: &Address, deadline: u64) -> [u8; 73] {
    let mut out = [0u8; 73];
    out[0] = OPEN;
    out[1..33].copy_from_slice(seller);
    out[33..65].copy_from_slice(arbiter);
    out[65..].copy_from_slice(&deadline.to_le_bytes());
    out
}

/// `release`'s, `refund`'s or `deal`'s input.
pub fn id_input(op: u8, id: u64) -> [u8; 9] {
    let mut out = [0u8; 9];
    out[0] = op;
    out[1..].copy_from_slice(&id.to_le_bytes());
    out
}
