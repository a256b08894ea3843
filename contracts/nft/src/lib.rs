//! `nft`: a non-fungible token in the style of ERC-721, written against TOS's contract API
//! (`use tako_sdk::*;`, input `[opcode: u8][params]` read by `entrypoint!`, error codes
//! from 1001), with `TosAllocator` for its storage keys. `cargo tako new NAME --template
//! erc721` starts from it.
//!
//! | opcode | params | does | return data |
//! |-------:|--------|------|-------------|
//! | 0 `INIT` | — | the sender becomes the minter | — |
//! | 1 `MINT` | to: 32, id: u64 | minter only: `to` owns the new token `id`; event `Transfer(0 → to)` | — |
//! | 2 `TRANSFER` | to: 32, id: u64 | the owner or the approved account moves it (the approval is cleared); event `Transfer` | — |
//! | 3 `APPROVE` | spender: 32, id: u64 | owner only; event `Approval` | — |
//! | 4 `OWNER_OF` | id: u64 | — | owner: 32 |
//! | 5 `BALANCE_OF` | who: 32 | — | count: u64 |
//! | 6 `GET_APPROVED` | id: u64 | — | spender: 32 (zero if none) |
//!
//! Errors (nothing is committed) are the `ERR_*` constants of [`abi`].
#![cfg_attr(target_arch = "bpf", no_std)]
#![cfg_attr(target_arch = "bpf", no_main)]

pub mod abi;

#[cfg(target_arch = "bpf")]
mod contract {
    use super::abi::*;
    use tako_sdk::{
        emit_event, get_caller, report_panic, set_return_data, storage_delete, storage_read,
        storage_write, SUCCESS,
    };

    #[global_allocator]
    static ALLOCATOR: tos_alloc::TosAllocator = tos_alloc::TosAllocator::new();

    /// `params` split into a 32-byte address and a `u64` LE id.
    fn address_and_id(params: &[u8]) -> Result<(Address, u64), u64> {
        match params {
            [address @ .., a, b, c, d, e, f, g, h] if address.len() == 32 => Ok((
                address.try_into().map_err(|_| ERR_INVALID_INPUT)?,
                u64::from_le_bytes([*a, *b, *c, *d, *e, *f, *g, *h]),
            )),
            _ => Err(ERR_INVALID_INPUT),
        }
    }

    fn id(params: &[u8]) -> Result<u64, u64> {
        let bytes: [u8; 8] = params.try_into().map_err(|_| ERR_INVALID_INPUT)?;
        Ok(u64::from_le_bytes(bytes))
    }

    fn read_address(key: &[u8]) -> Option<Address> {
        let mut out = [0u8; 32];
        (storage_read(key, &mut out) == 32).then_some(out)
    }

    fn read_u64(key: &[u8]) -> u64 {
        let mut buf = [0u8; 8];
        if storage_read(key, &mut buf) == 8 {
            u64::from_le_bytes(buf)
        } else {
            0
        }
    }

    fn write(key: &[u8], value: &[u8]) -> Result<(), u64> {
        storage_write(key, value).map_err(|_| ERR_STORAGE)
    }

    fn minter() -> Result<Address, u64> {
        read_address(MINTER_KEY).ok_or(ERR_NOT_INITIALIZED)
    }

    fn owner_of(id: u64) -> Result<Address, u64> {
        read_address(&owner_key(id)).ok_or(ERR_NO_SUCH_TOKEN)
    }

    /// One more (`up`) or one fewer token for `who`.
    fn adjust_balance(who: &Address, up: bool) -> Result<(), u64> {
        let key = balance_key(who);
        let count = read_u64(&key);
        let count = if up { count + 1 } else { count - 1 };
        write(&key, &count.to_le_bytes())
    }

    fn emit(name: &[u8; 32], a: &Address, b: &Address, id: u64) -> Result<(), u64> {
        emit_event(&[*name, *a, *b], &id.to_le_bytes()).map_err(|_| ERR_STORAGE)
    }

    fn run(op: u8, params: &[u8]) -> Result<(), u64> {
        let sender = get_caller();
        if op == INIT {
            if minter().is_ok() {
                return Err(ERR_ALREADY_INITIALIZED);
            }
            return write(MINTER_KEY, &sender);
        }
        minter()?;
        match op {
            MINT => {
                let (to, id) = address_and_id(params)?;
                if minter()? != sender {
                    return Err(ERR_NOT_MINTER);
                }
                if owner_of(id).is_ok() {
                    return Err(ERR_TOKEN_EXISTS);
                }
                write(&owner_key(id), &to)?;
                adjust_balance(&to, true)?;
                emit(&TRANSFER_EVENT, &[0; 32], &to, id)
            }
            TRANSFER => {
                let (to, id) = address_and_id(params)?;
                let owner = owner_of(id)?;
                let approved = read_address(&approved_key(id));
                if sender != owner && approved != Some(sender) {
                    return Err(ERR_NOT_ALLOWED);
                }
                storage_delete(&approved_key(id));
                write(&owner_key(id), &to)?;
                adjust_balance(&owner, false)?;
                adjust_balance(&to, true)?;
                emit(&TRANSFER_EVENT, &owner, &to, id)
            }
            APPROVE => {
                let (spender, id) = address_and_id(params)?;
                if owner_of(id)? != sender {
                    return Err(ERR_NOT_ALLOWED);
                }
                if spender == [0; 32] {
                    storage_delete(&approved_key(id));
                } else {
                    write(&approved_key(id), &spender)?;
                }
                emit(&APPROVAL_EVENT, &sender, &spender, id)
            }
            OWNER_OF => answer(&owner_of(id(params)?)?),
            BALANCE_OF => {
                let who: Address = params.try_into().map_err(|_| ERR_INVALID_INPUT)?;
                answer(&read_u64(&balance_key(&who)).to_le_bytes())
            }
            GET_APPROVED => {
                let id = id(params)?;
                owner_of(id)?;
                answer(&read_address(&approved_key(id)).unwrap_or([0; 32]))
            }
            _ => Err(ERR_INVALID_INPUT),
        }
    }

    fn answer(data: &[u8]) -> Result<(), u64> {
        set_return_data(data).map_err(|_| ERR_STORAGE)
    }

    fn process(input: &[u8]) -> u64 {
        let Some((&op, params)) = input.split_first() else {
            return ERR_INVALID_INPUT;
        };
        match run(op, params) {
            Ok(()) => SUCCESS,
            Err(code) => code,
        }
    }

    tako_sdk::entrypoint!(process);

    #[panic_handler]
    fn panic(info: &core::panic::PanicInfo) -> ! {
        report_panic(info)
    }
}
