//! The token's interface, shared by the contract and its host tests: opcodes, storage
//! keys, event names, error codes and the encoder of its inputs.

extern crate alloc;

use alloc::vec::Vec;

/// A 32-byte account address (`tako_sdk::Address`).
pub type Address = [u8; 32];

/// `init()`: the sender becomes the minter.
pub const INIT: u8 = 0;
/// `mint(to, id)`: minter only.
pub const MINT: u8 = 1;
/// `transfer(to, id)`: by the owner or the approved account.
pub const TRANSFER: u8 = 2;
/// `approve(spender, id)`: owner only; the zero address clears the approval.
pub const APPROVE: u8 = 3;
/// `owner_of(id)`: 32 bytes of return data.
pub const OWNER_OF: u8 = 4;
/// `balance_of(who)`: tokens held, `u64` LE.
pub const BALANCE_OF: u8 = 5;
/// `get_approved(id)`: 32 bytes (zero when none).
pub const GET_APPROVED: u8 = 6;

/// The input is malformed (unknown opcode, short parameters).
pub const ERR_INVALID_INPUT: u64 = 1001;
/// `init` on a collection that has a minter.
pub const ERR_ALREADY_INITIALIZED: u64 = 1002;
/// Any operation but `init` before `init`.
pub const ERR_NOT_INITIALIZED: u64 = 1003;
/// `mint` by someone else than the minter.
pub const ERR_NOT_MINTER: u64 = 1004;
/// `mint` of an id that exists.
pub const ERR_TOKEN_EXISTS: u64 = 1005;
/// An id that was never minted.
pub const ERR_NO_SUCH_TOKEN: u64 = 1006;
/// A transfer or approval by someone who may not.
pub const ERR_NOT_ALLOWED: u64 = 1007;
/// The VM refused a storage write, an event or the return data.
pub const ERR_STORAGE: u64 = 1008;

/// Storage key of the minter's address.
pub const MINTER_KEY: &[u8] = b"minter";

/// Topic 0 of a transfer event (then `from`, `to`; data: the id, `u64` LE). A mint comes
/// from the zero address.
pub const TRANSFER_EVENT: [u8; 32] = name(b"Transfer");
/// Topic 0 of an approval event (then `owner`, `spender`; data: the id).
pub const APPROVAL_EVENT: [u8; 32] = name(b"Approval");

/// `text` zero-padded to 32 bytes.
const fn name(text: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < text.len() {
        out[i] = text[i];
        i += 1;
    }
    out
}

/// A storage key: `prefix` then `parts`.
pub fn key(prefix: u8, parts: &[&[u8]]) -> Vec<u8> {
    let mut key = Vec::with_capacity(1 + parts.iter().map(|p| p.len()).sum::<usize>());
    key.push(prefix);
    for part in parts {
        key.extend_from_slice(part);
    }
    key
}

/// Storage key of token `id`'s owner.
pub fn owner_key(id: u64) -> Vec<u8> {
    key(b'o', &[&id.to_le_bytes()])
}

/// Storage key of the account approved for token `id`.
pub fn approved_key(id: u64) -> Vec<u8> {
    key(b'a', &[&id.to_le_bytes()])
}

/// Storage key of `who`'s token count.
pub fn balance_key(who: &Address) -> Vec<u8> {
    key(b'b', &[who])
}

/// The input of `op`: the opcode, then `address` and `id` when given.
pub fn input(op: u8, address: Option<&Address>, id: Option<u64>) -> Vec<u8> {
    let mut out = alloc::vec![op];
    if let Some(a) = address {
        out.extend_from_slice(a);
    }
    if let Some(id) = id {
        out.extend_from_slice(&id.to_le_bytes());
    }
    out
}
