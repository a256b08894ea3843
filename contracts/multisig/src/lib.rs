//! `multisig`: a wallet of 1 to 16 owners that moves the contract's balance when
//! `threshold` of them approve a proposal. Written as TOS's contracts are (`use
//! tako_sdk::*;`, input `[opcode: u8][params]`, error codes from 1001), with its state
//! in ordinary collections on the heap: the owners a `Vec<Address>`, the open proposals a
//! `BTreeMap<u64, Proposal>` with a `Vec` of approvals each, on `TosAllocator` (the
//! `NoReuse` policy). The state is one storage value ([`abi::STATE_KEY`]), decoded on every
//! call and written back after a change.
//!
//! | opcode | params | does |
//! |-------:|--------|------|
//! | 0 `INIT` | threshold: u8, count: u8, owners: count × 32 | creates the wallet |
//! | 1 `PROPOSE` | to: 32, amount: u64 | an owner opens a proposal (its own approval counted); return data its id |
//! | 2 `APPROVE` | id: u64 | an owner approves; at `threshold` approvals the amount is transferred, the proposal closed, event `Executed` |
//! | 3 `PROPOSAL` | id: u64 | return data `[to][amount][approvals: u8]` |
//!
//! Errors (nothing is committed) are the `ERR_*` codes of [`abi`].
#![no_std]
#![cfg_attr(target_arch = "bpf", no_main)]

pub mod abi;

// The global allocator, picked by cargo feature (`TosAllocator<_, NoReuse>` by default), and
// FirstFitAllocator's shape: alloc-bench's definitions, so that the CU report builds this
// contract with each in-VM allocator exactly as it builds alloc-bench.
#[cfg(target_arch = "bpf")]
#[path = "../../alloc-bench/src/global.rs"]
mod global;
#[cfg(all(target_arch = "bpf", feature = "first-fit"))]
#[path = "../../alloc-bench/src/params.rs"]
mod params;

#[cfg(target_arch = "bpf")]
mod contract {
    extern crate alloc;

    use alloc::collections::BTreeMap;
    use alloc::vec::Vec;
    use core::mem::ManuallyDrop;

    use super::abi::*;
    use tako_sdk::{
        emit_event, get_caller, set_return_data, storage_read_with, storage_write, transfer, SUCCESS,
    };

    /// An open proposal.
    struct Proposal {
        to: Address,
        amount: u64,
        approvals: Vec<Address>,
    }

    /// The wallet.
    struct Wallet {
        threshold: u8,
        owners: Vec<Address>,
        next_id: u64,
        proposals: BTreeMap<u64, Proposal>,
    }

    /// The stored state's size up to which [`Wallet::load`] reads it on the stack, in one
    /// `storage_read`: e.g. ten owners and five proposals with two approvals each.
    const EXPECTED_STATE: usize = 1024;

    /// Reads bytes off the front of a slice.
    struct Reader<'a>(&'a [u8]);

    impl<'a> Reader<'a> {
        fn take(&mut self, n: usize) -> Result<&'a [u8], u64> {
            if self.0.len() < n {
                return Err(ERR_INVALID_INPUT);
            }
            let (head, rest) = self.0.split_at(n);
            self.0 = rest;
            Ok(head)
        }
        fn u8(&mut self) -> Result<u8, u64> {
            Ok(self.take(1)?[0])
        }
        fn u64(&mut self) -> Result<u64, u64> {
            Ok(u64::from_le_bytes(self.take(8)?.try_into().map_err(|_| ERR_INVALID_INPUT)?))
        }
        fn address(&mut self) -> Result<Address, u64> {
            self.take(32)?.try_into().map_err(|_| ERR_INVALID_INPUT)
        }
    }

    /// Writes bytes to the front of a buffer sized beforehand ([`Wallet::encoded_len`]).
    struct Writer<'a>(&'a mut [u8]);

    impl Writer<'_> {
        fn put(&mut self, bytes: &[u8]) {
            let (head, rest) = core::mem::take(&mut self.0).split_at_mut(bytes.len());
            head.copy_from_slice(bytes);
            self.0 = rest;
        }
    }

    impl Wallet {
        fn decode(bytes: &[u8]) -> Result<Wallet, u64> {
            let mut r = Reader(bytes);
            let threshold = r.u8()?;
            let count = r.u8()? as usize;
            let owners = (0..count).map(|_| r.address()).collect::<Result<Vec<_>, _>>()?;
            let next_id = r.u64()?;
            let open = r.u64()?;
            let mut proposals = BTreeMap::new();
            for _ in 0..open {
                let id = r.u64()?;
                let to = r.address()?;
                let amount = r.u64()?;
                let n = r.u8()? as usize;
                let approvals = (0..n).map(|_| r.address()).collect::<Result<Vec<_>, _>>()?;
                proposals.insert(id, Proposal { to, amount, approvals });
            }
            Ok(Wallet { threshold, owners, next_id, proposals })
        }

        /// Bytes of [`Wallet::encode`]'s output, so that it allocates once.
        fn encoded_len(&self) -> usize {
            let owners = 2 + 32 * self.owners.len();
            let proposals: usize =
                self.proposals.values().map(|p| 8 + 32 + 8 + 1 + 32 * p.approvals.len()).sum();
            owners + 8 + 8 + proposals
        }

        fn encode(&self) -> Vec<u8> {
            let mut out = alloc::vec![0u8; self.encoded_len()];
            let mut w = Writer(&mut out);
            w.put(&[self.threshold, self.owners.len() as u8]);
            for o in &self.owners {
                w.put(o);
            }
            w.put(&self.next_id.to_le_bytes());
            w.put(&(self.proposals.len() as u64).to_le_bytes());
            for (id, p) in &self.proposals {
                w.put(&id.to_le_bytes());
                w.put(&p.to);
                w.put(&p.amount.to_le_bytes());
                w.put(&[p.approvals.len() as u8]);
                for a in &p.approvals {
                    w.put(a);
                }
            }
            out
        }

        fn load() -> Result<Option<Wallet>, u64> {
            storage_read_with::<EXPECTED_STATE, _>(STATE_KEY, |bytes| {
                if bytes.is_empty() {
                    return Ok(None);
                }
                Wallet::decode(bytes).map(Some)
            })
            .map_err(|_| ERR_STORAGE)?
        }

        fn save(&self) -> Result<(), u64> {
            storage_write(STATE_KEY, &self.encode()).map_err(|_| ERR_STORAGE)
        }

        fn check_owner(&self, who: &Address) -> Result<(), u64> {
            if self.owners.contains(who) {
                Ok(())
            } else {
                Err(ERR_NOT_OWNER)
            }
        }

        /// Transfers and closes proposal `id` when it has enough approvals.
        fn execute_if_approved(&mut self, id: u64) -> Result<(), u64> {
            let ready = self
                .proposals
                .get(&id)
                .is_some_and(|p| p.approvals.len() >= usize::from(self.threshold));
            if !ready {
                return Ok(());
            }
            let p = self.proposals.remove(&id).ok_or(ERR_UNKNOWN_PROPOSAL)?;
            transfer(&p.to, p.amount).map_err(|_| ERR_TRANSFER_FAILED)?;
            let mut data = [0u8; 16];
            data[..8].copy_from_slice(&id.to_le_bytes());
            data[8..].copy_from_slice(&p.amount.to_le_bytes());
            emit_event(&[EXECUTED_EVENT, p.to], &data).map_err(|_| ERR_STORAGE)
        }
    }

    fn run(op: u8, params: &[u8]) -> Result<(), u64> {
        let sender = get_caller();
        let mut r = Reader(params);
        if op == INIT {
            if Wallet::load()?.is_some() {
                return Err(ERR_ALREADY_INITIALIZED);
            }
            let threshold = r.u8()?;
            let count = r.u8()? as usize;
            let mut owners: Vec<Address> = Vec::with_capacity(count);
            for _ in 0..count {
                let o = r.address()?;
                if owners.contains(&o) {
                    return Err(ERR_INVALID_INPUT);
                }
                owners.push(o);
            }
            if count == 0 || count > MAX_OWNERS || threshold == 0 || usize::from(threshold) > count {
                return Err(ERR_INVALID_INPUT);
            }
            let wallet = Wallet { threshold, owners, next_id: 0, proposals: BTreeMap::new() };
            return ManuallyDrop::new(wallet).save();
        }
        // The heap goes with the call: the wallet is not dropped at its end, where
        // freeing its blocks (a walk of the map) would serve no later allocation.
        let mut wallet = ManuallyDrop::new(Wallet::load()?.ok_or(ERR_NOT_INITIALIZED)?);
        match op {
            PROPOSE => {
                wallet.check_owner(&sender)?;
                let (to, amount) = (r.address()?, r.u64()?);
                let id = wallet.next_id;
                wallet.next_id += 1;
                wallet.proposals.insert(id, Proposal { to, amount, approvals: alloc::vec![sender] });
                wallet.execute_if_approved(id)?;
                wallet.save()?;
                set_return_data(&id.to_le_bytes()).map_err(|_| ERR_STORAGE)
            }
            APPROVE => {
                wallet.check_owner(&sender)?;
                let id = r.u64()?;
                let p = wallet.proposals.get_mut(&id).ok_or(ERR_UNKNOWN_PROPOSAL)?;
                if p.approvals.contains(&sender) {
                    return Err(ERR_ALREADY_APPROVED);
                }
                p.approvals.push(sender);
                wallet.execute_if_approved(id)?;
                wallet.save()
            }
            PROPOSAL => {
                let id = r.u64()?;
                let p = wallet.proposals.get(&id).ok_or(ERR_UNKNOWN_PROPOSAL)?;
                let mut out = [0u8; 41];
                out[..32].copy_from_slice(&p.to);
                out[32..40].copy_from_slice(&p.amount.to_le_bytes());
                out[40] = p.approvals.len() as u8;
                set_return_data(&out).map_err(|_| ERR_STORAGE)
            }
            _ => Err(ERR_INVALID_INPUT),
        }
    }

    tako_sdk::entrypoint!(process);
    tako_sdk::panic_handler!();

    fn process(input: &[u8]) -> u64 {
        let Some((&op, params)) = input.split_first() else {
            return ERR_INVALID_INPUT;
        };
        match run(op, params) {
            Ok(()) => SUCCESS,
            Err(code) => code,
        }
    }
}
