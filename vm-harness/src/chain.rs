//! The part of TOS's node a contract call sees: [`ChainState`] (per-contract storage and
//! balances, which persist across calls) and [`CallEnv`] (who calls, with what value, in
//! which block). A call works on a copy of the state; only a call that succeeds commits it
//! ([`crate::Outcome::state`]), as TOS rolls a failed transaction back.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A 32-byte account or contract address (also a block hash or an event topic).
pub type Address = [u8; 32];

/// The address the local VM gives a contract when none is set: the BLAKE3 hash of its
/// `.so` bytes (so one program keeps its storage across runs).
pub fn contract_address(so: &[u8]) -> Address {
    *blake3::hash(so).as_bytes()
}

/// One contract's persistent storage: key → value.
pub type Storage = BTreeMap<Vec<u8>, Vec<u8>>;

/// Everything that persists between calls.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainState {
    /// Storage of each contract, by contract address.
    #[serde(with = "serde_storage")]
    pub storage: BTreeMap<Address, Storage>,
    /// Balance of each account or contract; absent means 0.
    #[serde(with = "serde_balances")]
    pub balances: BTreeMap<Address, u64>,
}

impl ChainState {
    /// The balance of `address` (0 when it has none).
    pub fn balance(&self, address: &Address) -> u64 {
        self.balances.get(address).copied().unwrap_or(0)
    }

    /// The value stored under `key` by `contract`.
    pub fn get(&self, contract: &Address, key: &[u8]) -> Option<&[u8]> {
        self.storage.get(contract)?.get(key).map(Vec::as_slice)
    }

    /// Sets the balance of `address`.
    pub fn set_balance(&mut self, address: Address, amount: u64) {
        if amount == 0 {
            self.balances.remove(&address);
        } else {
            self.balances.insert(address, amount);
        }
    }
}

/// Who calls, with what value, in which block: what `get_tx_sender`, `get_caller`,
/// `get_contract_hash`, `get_call_value` and the block queries return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallEnv {
    /// The called contract (`get_contract_hash`); its storage is the one the call sees.
    pub contract: Address,
    /// The transaction's sender (`get_tx_sender`).
    pub sender: Address,
    /// The immediate caller (`get_caller`): the sender, without cross-contract calls.
    pub caller: Address,
    /// Value moved from the sender to the contract before the call (`get_call_value`).
    pub value: u64,
    /// `get_block_height`.
    pub block_height: u64,
    /// `get_block_hash`.
    pub block_hash: Address,
    /// `get_timestamp`.
    pub timestamp: u64,
    /// `get_chain_id`.
    pub chain_id: u64,
    /// `get_coinbase`.
    pub coinbase: Address,
}

impl Default for CallEnv {
    /// Contract, sender and caller all zero, no value, block 0 at timestamp 0, chain 0.
    fn default() -> Self {
        Self {
            contract: [0; 32],
            sender: [0; 32],
            caller: [0; 32],
            value: 0,
            block_height: 0,
            block_hash: [0; 32],
            timestamp: 0,
            chain_id: 0,
            coinbase: [0; 32],
        }
    }
}

/// An event a call emitted (`emit_event`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// The emitting contract.
    #[serde(with = "hex_array")]
    pub contract: Address,
    /// Its 0 to 4 topics.
    #[serde(with = "hex_topics")]
    pub topics: Vec<Address>,
    /// Its data.
    #[serde(with = "hex_bytes")]
    pub data: Vec<u8>,
}

/// A storage change of a call that succeeded: `value` `None` is a deletion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorageWrite {
    /// The key.
    #[serde(with = "hex_bytes")]
    pub key: Vec<u8>,
    /// The new value, `None` when deleted.
    pub value: Option<HexBytes>,
}

/// Bytes that serialize as lowercase hex.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct HexBytes(#[serde(with = "hex_bytes")] pub Vec<u8>);

/// A balance that moved in a call that succeeded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BalanceChange {
    /// The account.
    #[serde(with = "hex_array")]
    pub address: Address,
    /// Its balance before the call.
    pub before: u64,
    /// Its balance after it.
    pub after: u64,
}

/// What one contract's storage looks like after `after`, against `before`.
pub(crate) fn storage_diff(before: Option<&Storage>, after: Option<&Storage>) -> Vec<StorageWrite> {
    let empty = Storage::new();
    let (before, after) = (before.unwrap_or(&empty), after.unwrap_or(&empty));
    let mut writes = Vec::new();
    for (k, v) in after {
        if before.get(k) != Some(v) {
            writes.push(StorageWrite {
                key: k.clone(),
                value: Some(HexBytes(v.clone())),
            });
        }
    }
    for k in before.keys() {
        if !after.contains_key(k) {
            writes.push(StorageWrite {
                key: k.clone(),
                value: None,
            });
        }
    }
    writes.sort_by(|a, b| a.key.cmp(&b.key));
    writes
}

/// The balances that differ between `before` and `after`.
pub(crate) fn balance_diff(before: &ChainState, after: &ChainState) -> Vec<BalanceChange> {
    let mut keys: Vec<&Address> = before
        .balances
        .keys()
        .chain(after.balances.keys())
        .collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|a| {
            let (b, n) = (before.balance(a), after.balance(a));
            (b != n).then_some(BalanceChange {
                address: *a,
                before: b,
                after: n,
            })
        })
        .collect()
}

mod hex_bytes {
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(v))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        hex::decode(&text).map_err(|e| D::Error::custom(format!("{text:?} is not hex: {e}")))
    }
}

mod hex_array {
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(v))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let text = String::deserialize(d)?;
        super::parse_address(&text).map_err(D::Error::custom)
    }
}

mod hex_topics {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(v: &[[u8; 32]], s: S) -> Result<S::Ok, S::Error> {
        v.iter().map(hex::encode).collect::<Vec<_>>().serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<[u8; 32]>, D::Error> {
        Vec::<String>::deserialize(d)?
            .iter()
            .map(|t| super::parse_address(t).map_err(serde::de::Error::custom))
            .collect()
    }
}

mod serde_storage {
    use std::collections::BTreeMap;

    use serde::{de::Error, Deserialize, Deserializer, Serialize, Serializer};

    use super::{Address, Storage};

    pub fn serialize<S: Serializer>(
        v: &BTreeMap<Address, Storage>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let m: BTreeMap<String, BTreeMap<String, String>> = v
            .iter()
            .map(|(c, st)| {
                (
                    hex::encode(c),
                    st.iter()
                        .map(|(k, v)| (hex::encode(k), hex::encode(v)))
                        .collect(),
                )
            })
            .collect();
        m.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<Address, Storage>, D::Error> {
        let m = BTreeMap::<String, BTreeMap<String, String>>::deserialize(d)?;
        let mut out = BTreeMap::new();
        for (c, st) in m {
            let c = super::parse_address(&c).map_err(D::Error::custom)?;
            let mut storage = Storage::new();
            for (k, v) in st {
                let k = hex::decode(&k)
                    .map_err(|e| D::Error::custom(format!("storage key {k:?} is not hex: {e}")))?;
                let v = hex::decode(&v).map_err(|e| {
                    D::Error::custom(format!("storage value {v:?} is not hex: {e}"))
                })?;
                storage.insert(k, v);
            }
            out.insert(c, storage);
        }
        Ok(out)
    }
}

mod serde_balances {
    use std::collections::BTreeMap;

    use serde::{de::Error, Deserialize, Deserializer, Serialize, Serializer};

    use super::Address;

    pub fn serialize<S: Serializer>(v: &BTreeMap<Address, u64>, s: S) -> Result<S::Ok, S::Error> {
        let m: BTreeMap<String, u64> = v.iter().map(|(a, b)| (hex::encode(a), *b)).collect();
        m.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<Address, u64>, D::Error> {
        BTreeMap::<String, u64>::deserialize(d)?
            .into_iter()
            .map(|(a, b)| Ok((super::parse_address(&a).map_err(D::Error::custom)?, b)))
            .collect()
    }
}

/// Parses a 32-byte address written as 64 hex digits (an optional `0x` first).
pub fn parse_address(text: &str) -> Result<Address, String> {
    let digits = text.strip_prefix("0x").unwrap_or(text);
    let bytes = hex::decode(digits).map_err(|e| format!("address {text:?} is not hex: {e}"))?;
    <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| {
        format!(
            "address {text:?} has {} bytes; an address is 32 bytes (64 hex digits)",
            bytes.len()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_round_trips_through_json() {
        let mut s = ChainState::default();
        s.storage
            .entry([1; 32])
            .or_default()
            .insert(b"count".to_vec(), 5u64.to_le_bytes().to_vec());
        s.set_balance([2; 32], 77);
        let text = serde_json::to_string(&s).unwrap();
        assert!(text.contains(&hex::encode(b"count")), "{text}");
        assert_eq!(serde_json::from_str::<ChainState>(&text).unwrap(), s);
    }

    #[test]
    fn bad_addresses_name_the_problem() {
        assert!(parse_address("12").unwrap_err().contains("1 bytes"));
        assert!(parse_address("zz").unwrap_err().contains("not hex"));
        assert_eq!(parse_address(&"ab".repeat(32)).unwrap(), [0xab; 32]);
    }

    #[test]
    fn diffs_list_changes_only() {
        let mut a = Storage::new();
        a.insert(b"k".to_vec(), b"1".to_vec());
        a.insert(b"gone".to_vec(), b"x".to_vec());
        let mut b = a.clone();
        b.insert(b"k".to_vec(), b"2".to_vec());
        b.remove(b"gone".as_slice());
        let d = storage_diff(Some(&a), Some(&b));
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].key, b"gone");
        assert_eq!(d[0].value, None);
        assert_eq!(d[1].value, Some(HexBytes(b"2".to_vec())));
    }
}
