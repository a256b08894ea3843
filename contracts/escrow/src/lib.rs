//! `escrow`: a buyer locks the call's value for a seller until one side lets it go.
//! Written as TOS's contracts are (`use tako_sdk::*;`, input `[opcode: u8][params]`, error
//! codes from 1001), with its state in an ordinary collection on the heap: the open deals a
//! `BTreeMap<u64, Deal>` on `TosAllocator` (the `NoReuse` policy), decoded from one storage value
//! ([`abi::STATE_KEY`]) on every call and written back after a change.
//!
//! | opcode | params | does |
//! |-------:|--------|------|
//! | 0 `OPEN` | seller: 32, arbiter: 32, deadline: u64 | the caller (the buyer) locks the call's value; return data the deal's id |
//! | 1 `RELEASE` | id: u64 | the buyer or the arbiter pays the seller; event `Released` |
//! | 2 `REFUND` | id: u64 | the seller, the arbiter, or the buyer after the deadline (a block height) pays the buyer back; event `Refunded` |
//! | 3 `DEAL` | id: u64 | return data `[buyer][seller][arbiter][amount: u64][deadline: u64]` |
//!
//! Errors (nothing is committed, the value included) are the `ERR_*` codes of [`abi`].
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
        emit_event, get_block_height, get_call_value, get_caller, set_return_data,
        storage_read_with, storage_write, transfer, SUCCESS,
    };

    /// An open deal.
    struct Deal {
        buyer: Address,
        seller: Address,
        arbiter: Address,
        amount: u64,
        deadline: u64,
    }

    /// Bytes of a deal in the stored state: its id, then the fields in order.
    const RECORD: usize = 8 + 3 * 32 + 8 + 8;

    /// The stored state's size up to which [`Escrow::load`] reads it on the stack, in one
    /// `storage_read`: eight open deals.
    const EXPECTED_STATE: usize = 8 + 8 * RECORD;

    fn u64_at(bytes: &[u8], at: usize) -> u64 {
        let mut word = [0u8; 8];
        word.copy_from_slice(&bytes[at..at + 8]);
        u64::from_le_bytes(word)
    }

    fn address_at(bytes: &[u8], at: usize) -> Address {
        let mut a = [0u8; 32];
        a.copy_from_slice(&bytes[at..at + 32]);
        a
    }

    /// The escrow: the next id and the open deals.
    struct Escrow {
        next_id: u64,
        deals: BTreeMap<u64, Deal>,
    }

    impl Escrow {
        /// The state as stored: `[next_id: u64]` then one record per open deal.
        fn decode(bytes: &[u8]) -> Result<Escrow, u64> {
            if bytes.len() < 8 || (bytes.len() - 8) % RECORD != 0 {
                return Err(ERR_STORAGE);
            }
            let mut deals = BTreeMap::new();
            for r in bytes[8..].as_chunks::<RECORD>().0 {
                let deal = Deal {
                    buyer: address_at(r, 8),
                    seller: address_at(r, 40),
                    arbiter: address_at(r, 72),
                    amount: u64_at(r, 104),
                    deadline: u64_at(r, 112),
                };
                deals.insert(u64_at(r, 0), deal);
            }
            Ok(Escrow { next_id: u64_at(bytes, 0), deals })
        }

        fn encode(&self) -> Vec<u8> {
            // Zeroed, then filled record by record: each field lands at a constant offset
            // of a `[u8; RECORD]`, with no length or capacity check per field.
            let mut out = alloc::vec![0u8; 8 + self.deals.len() * RECORD];
            let (head, records) = out.split_at_mut(8);
            head.copy_from_slice(&self.next_id.to_le_bytes());
            for ((id, d), r) in self.deals.iter().zip(records.as_chunks_mut::<RECORD>().0) {
                r[..8].copy_from_slice(&id.to_le_bytes());
                r[8..40].copy_from_slice(&d.buyer);
                r[40..72].copy_from_slice(&d.seller);
                r[72..104].copy_from_slice(&d.arbiter);
                r[104..112].copy_from_slice(&d.amount.to_le_bytes());
                r[112..].copy_from_slice(&d.deadline.to_le_bytes());
            }
            out
        }

        fn load() -> Result<Escrow, u64> {
            storage_read_with::<EXPECTED_STATE, _>(STATE_KEY, |bytes| {
                if bytes.is_empty() {
                    return Ok(Escrow { next_id: 0, deals: BTreeMap::new() });
                }
                Escrow::decode(bytes)
            })
            .map_err(|_| ERR_STORAGE)?
        }

        fn save(&self) -> Result<(), u64> {
            storage_write(STATE_KEY, &self.encode()).map_err(|_| ERR_STORAGE)
        }

        /// Closes deal `id`: its amount to `to`, event `topic`.
        fn close(&mut self, id: u64, to: Address, topic: [u8; 32]) -> Result<(), u64> {
            let deal = self.deals.remove(&id).ok_or(ERR_UNKNOWN_DEAL)?;
            transfer(&to, deal.amount).map_err(|_| ERR_TRANSFER_FAILED)?;
            let mut data = [0u8; 16];
            data[..8].copy_from_slice(&id.to_le_bytes());
            data[8..].copy_from_slice(&deal.amount.to_le_bytes());
            emit_event(&[topic, to], &data).map_err(|_| ERR_STORAGE)?;
            self.save()
        }
    }

    fn run(op: u8, params: &[u8]) -> Result<(), u64> {
        let caller = get_caller();
        // The heap goes with the call: the state is not dropped at its end, where
        // freeing its blocks (a walk of the map) would serve no later allocation.
        let mut escrow = ManuallyDrop::new(Escrow::load()?);
        match (op, params.len()) {
            (OPEN, 72) => {
                let (seller, arbiter) = (address_at(params, 0), address_at(params, 32));
                let amount = get_call_value();
                if amount == 0 || seller == caller || arbiter == caller || arbiter == seller {
                    return Err(ERR_INVALID_INPUT);
                }
                let id = escrow.next_id;
                escrow.next_id += 1;
                let deadline = u64_at(params, 64);
                escrow.deals.insert(id, Deal { buyer: caller, seller, arbiter, amount, deadline });
                escrow.save()?;
                set_return_data(&id.to_le_bytes()).map_err(|_| ERR_STORAGE)
            }
            (RELEASE, 8) => {
                let id = u64_at(params, 0);
                let d = escrow.deals.get(&id).ok_or(ERR_UNKNOWN_DEAL)?;
                if caller != d.buyer && caller != d.arbiter {
                    return Err(ERR_NOT_ALLOWED);
                }
                let seller = d.seller;
                escrow.close(id, seller, RELEASED_EVENT)
            }
            (REFUND, 8) => {
                let id = u64_at(params, 0);
                let d = escrow.deals.get(&id).ok_or(ERR_UNKNOWN_DEAL)?;
                let buyer_may = caller == d.buyer && get_block_height() > d.deadline;
                if caller != d.seller && caller != d.arbiter && !buyer_may {
                    return Err(ERR_NOT_ALLOWED);
                }
                let buyer = d.buyer;
                escrow.close(id, buyer, REFUNDED_EVENT)
            }
            (DEAL, 8) => {
                let d = escrow.deals.get(&u64_at(params, 0)).ok_or(ERR_UNKNOWN_DEAL)?;
                let mut out = [0u8; 112];
                out[..32].copy_from_slice(&d.buyer);
                out[32..64].copy_from_slice(&d.seller);
                out[64..96].copy_from_slice(&d.arbiter);
                out[96..104].copy_from_slice(&d.amount.to_le_bytes());
                out[104..].copy_from_slice(&d.deadline.to_le_bytes());
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
