//! The multisig's interface, shared by the contract and its host tests: opcodes, error
//! codes, the storage key and the state's encoding.

/// A 32-byte account address (`tako_sdk::Address`).
pub type Address = [u8; 32];

/// `init(threshold: u8, count: u8, owners: count × 32)`.
pub const INIT: u8 = 0;
/// `propose(to: 32, amount: u64)`: return data the proposal's id (`u64`).
pub const PROPOSE: u8 = 1;
/// `approve(id: u64)`.
pub const APPROVE: u8 = 2;
/// `proposal(id: u64)`: return data `[to: 32][amount: u64][approvals: u8]`.
pub const PROPOSAL: u8 = 3;

/// The input is malformed, or `init`'s owners and threshold do not make a wallet.
pub const ERR_INVALID_INPUT: u64 = 1001;
/// `init` on a wallet that exists.
pub const ERR_ALREADY_INITIALIZED: u64 = 1002;
/// Any operation but `init` before `init`.
pub const ERR_NOT_INITIALIZED: u64 = 1003;
/// `propose` or `approve` by someone who is not an owner.
pub const ERR_NOT_OWNER: u64 = 1004;
/// No open proposal has that id.
pub const ERR_UNKNOWN_PROPOSAL: u64 = 1005;
/// The owner approved that proposal already.
pub const ERR_ALREADY_APPROVED: u64 = 1006;
/// The approved transfer failed: the wallet holds less than the amount.
pub const ERR_TRANSFER_FAILED: u64 = 1007;
/// The VM refused a storage write, an event or the return data, or the stored state does
/// not fit the heap.
pub const ERR_STORAGE: u64 = 1008;

/// Most owners a wallet has.
pub const MAX_OWNERS: usize = 16;
/// The storage key of the whole state.
pub const STATE_KEY: &[u8] = b"state";
/// Topic 0 of the event of an executed proposal (then the recipient; data: id, amount).
pub const EXECUTED_EVENT: [u8; 32] = *b"Executed\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";

/// `init`'s input.
pub fn init_input(threshold: u8, owners: &[Address]) -> [u8; 3 + 32 * MAX_OWNERS] {
    let mut out = [0u8; 3 + 32 * MAX_OWNERS];
    out[0] = INIT;
    out[1] = threshold;
    out[2] = owners.len() as u8;
    for (i, o) in owners.iter().enumerate().take(MAX_OWNERS) {
        out[3 + 32 * i..3 + 32 * (i + 1)].copy_from_slice(o);
    }
    out
}

/// `propose`'s input.
pub fn propose_input(to: &Address, amount: u64) -> [u8; 41] {
    let mut out = [0u8; 41];
    out[0] = PROPOSE;
    out[1..33].copy_from_slice(to);
    out[33..].copy_from_slice(&amount.to_le_bytes());
    out
}

/// `approve`'s or `proposal`'s input.
pub fn id_input(op: u8, id: u64) -> [u8; 9] {
    let mut out = [0u8; 9];
    out[0] = op;
    out[1..].copy_from_slice(&id.to_le_bytes());
    out
}
