//! The token's interface, shared by the contract and its host tests: opcodes, storage
//! keys, event names and error codes, and the encoders for its inputs.

/// A 32-byte account address (`tako_sdk::Address`).
pub type Address = [u8; 32];

/// `init()`.
pub const INIT: u8 = 0;
/// `mint(to, amount)`.
pub const MINT: u8 = 1;
/// `transfer(to, amount)`.
pub const TRANSFER: u8 = 2;
/// `approve(spender, amount)`.
pub const APPROVE: u8 = 3;
/// `transfer_from(from, to, amount)`.
pub const TRANSFER_FROM: u8 = 4;
/// `balance_of(who)`.
pub const BALANCE_OF: u8 = 5;
/// `allowance(owner, spender)`.
pub const ALLOWANCE: u8 = 6;
/// `total_supply()`.
pub const TOTAL_SUPPLY: u8 = 7;

/// The input is malformed (unknown opcode, short parameters).
pub const ERR_INVALID_INPUT: u64 = 1001;
/// `init` on a token that has an owner.
pub const ERR_ALREADY_INITIALIZED: u64 = 1002;
/// Any operation but `init` and the queries before `init`.
pub const ERR_NOT_INITIALIZED: u64 = 1003;
/// `mint` by someone else than the owner.
pub const ERR_NOT_OWNER: u64 = 1004;
/// A transfer of more than the balance.
pub const ERR_INSUFFICIENT_BALANCE: u64 = 1005;
/// A `transfer_from` of more than the allowance.
pub const ERR_INSUFFICIENT_ALLOWANCE: u64 = 1006;
/// A supply or balance past `u64::MAX`.
pub const ERR_OVERFLOW: u64 = 1007;
/// The VM refused a storage write, an event or the return data.
pub const ERR_STORAGE: u64 = 1008;

/// Storage key of the owner's address.
pub const OWNER_KEY: &[u8] = b"owner";
/// Storage key of the total supply (`u64` LE).
pub const SUPPLY_KEY: &[u8] = b"supply";

/// Topic 0 of a transfer event (then `from`, `to`; data: the amount, `u64` LE).
pub const TRANSFER_EVENT: [u8; 32] = name(b"Transfer");
/// Topic 0 of an approval event (then `owner`, `spender`; data: the amount).
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

/// Storage key of `who`'s balance: `b` then the address.
pub fn balance_key(who: &Address) -> [u8; 33] {
    let mut key = [0u8; 33];
    key[0] = b'b';
    key[1..].copy_from_slice(who);
    key
}

/// Storage key of `owner`'s allowance for `spender`: `a`, then both addresses.
pub fn allowance_key(owner: &Address, spender: &Address) -> [u8; 65] {
    let mut key = [0u8; 65];
    key[0] = b'a';
    key[1..33].copy_from_slice(owner);
    key[33..].copy_from_slice(spender);
    key
}

/// The input of `op` with `addresses` then `amount` (when given) as parameters.
pub fn input(op: u8, addresses: &[&Address], amount: Option<u64>) -> [u8; 73] {
    let mut out = [0u8; 73];
    out[0] = op;
    let mut at = 1;
    for a in addresses {
        out[at..at + 32].copy_from_slice(*a);
        at += 32;
    }
    if let Some(v) = amount {
        out[at..at + 8].copy_from_slice(&v.to_le_bytes());
    }
    out
}

/// The length of `op`'s input.
pub fn input_len(op: u8) -> usize {
    match op {
        MINT | TRANSFER | APPROVE => 1 + 32 + 8,
        TRANSFER_FROM => 1 + 64 + 8,
        BALANCE_OF => 1 + 32,
        ALLOWANCE => 1 + 64,
        _ => 1,
    }
}
