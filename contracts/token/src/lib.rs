//! `token`: a fungible token as TOS's contracts write one (`use tako_sdk::*;`, a plain
//! `entrypoint() -> u64`, input `[opcode: u8][params]`, error codes from 1001). Every value
//! lives in storage; `TosAllocator` is its global allocator for code that needs a heap
//! (these paths allocate nothing). `cargo tako new NAME --template erc20` starts from it.
//!
//! The input format, the storage keys and the error codes are in [`abi`], a plain module
//! the host tests include to build inputs and read results.
//!
//! | opcode | params | does | return data |
//! |-------:|--------|------|-------------|
//! | 0 `INIT` | — | the sender becomes the owner | — |
//! | 1 `MINT` | to: 32, amount: u64 | owner only: credits `to`, raises the supply; event `Transfer(0 → to)` | — |
//! | 2 `TRANSFER` | to: 32, amount: u64 | moves from the sender; event `Transfer` | — |
//! | 3 `APPROVE` | spender: 32, amount: u64 | sets the sender's allowance for `spender`; event `Approval` | — |
//! | 4 `TRANSFER_FROM` | from: 32, to: 32, amount: u64 | the sender spends `from`'s allowance; event `Transfer` | — |
//! | 5 `BALANCE_OF` | who: 32 | — | balance: u64 |
//! | 6 `ALLOWANCE` | owner: 32, spender: 32 | — | allowance: u64 |
//! | 7 `TOTAL_SUPPLY` | — | — | supply: u64 |
//!
//! Amounts are little-endian. Errors (nothing is committed): [`abi::ERR_INVALID_INPUT`],
//! [`abi::ERR_ALREADY_INITIALIZED`], [`abi::ERR_NOT_INITIALIZED`], [`abi::ERR_NOT_OWNER`],
//! [`abi::ERR_INSUFFICIENT_BALANCE`], [`abi::ERR_INSUFFICIENT_ALLOWANCE`],
//! [`abi::ERR_OVERFLOW`], [`abi::ERR_STORAGE`].
#![cfg_attr(target_arch = "bpf", no_std)]
#![cfg_attr(target_arch = "bpf", no_main)]

pub mod abi;

#[cfg(target_arch = "bpf")]
mod contract {
    use super::abi::*;
    use tako_sdk::{
        emit_event, get_caller, get_input_data, report_panic, set_return_data, storage_read,
        storage_write, SUCCESS,
    };

    #[global_allocator]
    static ALLOCATOR: tos_alloc::TosAllocator = tos_alloc::TosAllocator::new();

    /// A 32-byte field of `params` at `at`.
    fn address(params: &[u8], at: usize) -> Result<Address, u64> {
        params
            .get(at..at + 32)
            .and_then(|b| b.try_into().ok())
            .ok_or(ERR_INVALID_INPUT)
    }

    /// A `u64` LE field of `params` at `at`.
    fn amount(params: &[u8], at: usize) -> Result<u64, u64> {
        params
            .get(at..at + 8)
            .and_then(|b| b.try_into().ok())
            .map(u64::from_le_bytes)
            .ok_or(ERR_INVALID_INPUT)
    }

    fn read_u64(key: &[u8]) -> u64 {
        let mut buf = [0u8; 8];
        if storage_read(key, &mut buf) == 8 {
            u64::from_le_bytes(buf)
        } else {
            0
        }
    }

    fn write_u64(key: &[u8], value: u64) -> Result<(), u64> {
        storage_write(key, &value.to_le_bytes()).map_err(|_| ERR_STORAGE)
    }

    fn owner() -> Result<Address, u64> {
        let mut owner = [0u8; 32];
        if storage_read(OWNER_KEY, &mut owner) == 32 {
            Ok(owner)
        } else {
            Err(ERR_NOT_INITIALIZED)
        }
    }

    fn emit(name: &[u8; 32], a: &Address, b: &Address, amount: u64) -> Result<(), u64> {
        emit_event(&[*name, *a, *b], &amount.to_le_bytes()).map_err(|_| ERR_STORAGE)
    }

    /// Moves `amount` from `from` to `to`, with the event.
    fn move_tokens(from: &Address, to: &Address, amount: u64) -> Result<(), u64> {
        let have = read_u64(&balance_key(from));
        let left = have.checked_sub(amount).ok_or(ERR_INSUFFICIENT_BALANCE)?;
        write_u64(&balance_key(from), left)?;
        let credited = read_u64(&balance_key(to))
            .checked_add(amount)
            .ok_or(ERR_OVERFLOW)?;
        write_u64(&balance_key(to), credited)?;
        emit(&TRANSFER_EVENT, from, to, amount)
    }

    fn run(op: u8, params: &[u8]) -> Result<(), u64> {
        let sender = get_caller();
        match op {
            INIT => {
                if owner().is_ok() {
                    return Err(ERR_ALREADY_INITIALIZED);
                }
                storage_write(OWNER_KEY, &sender).map_err(|_| ERR_STORAGE)
            }
            MINT => {
                let (to, amount) = (address(params, 0)?, amount(params, 32)?);
                if owner()? != sender {
                    return Err(ERR_NOT_OWNER);
                }
                let supply = read_u64(SUPPLY_KEY).checked_add(amount).ok_or(ERR_OVERFLOW)?;
                write_u64(SUPPLY_KEY, supply)?;
                let credited = read_u64(&balance_key(&to)).checked_add(amount).ok_or(ERR_OVERFLOW)?;
                write_u64(&balance_key(&to), credited)?;
                emit(&TRANSFER_EVENT, &[0; 32], &to, amount)
            }
            TRANSFER => {
                owner()?;
                let (to, amount) = (address(params, 0)?, amount(params, 32)?);
                move_tokens(&sender, &to, amount)
            }
            APPROVE => {
                owner()?;
                let (spender, amount) = (address(params, 0)?, amount(params, 32)?);
                write_u64(&allowance_key(&sender, &spender), amount)?;
                emit(&APPROVAL_EVENT, &sender, &spender, amount)
            }
            TRANSFER_FROM => {
                owner()?;
                let (from, to, amount) = (address(params, 0)?, address(params, 32)?, amount(params, 64)?);
                let key = allowance_key(&from, &sender);
                let allowed = read_u64(&key);
                let left = allowed.checked_sub(amount).ok_or(ERR_INSUFFICIENT_ALLOWANCE)?;
                write_u64(&key, left)?;
                move_tokens(&from, &to, amount)
            }
            BALANCE_OF => answer(read_u64(&balance_key(&address(params, 0)?))),
            ALLOWANCE => answer(read_u64(&allowance_key(&address(params, 0)?, &address(params, 32)?))),
            TOTAL_SUPPLY => answer(read_u64(SUPPLY_KEY)),
            _ => Err(ERR_INVALID_INPUT),
        }
    }

    fn answer(value: u64) -> Result<(), u64> {
        set_return_data(&value.to_le_bytes()).map_err(|_| ERR_STORAGE)
    }

    #[unsafe(no_mangle)]
    pub extern "C" fn entrypoint() -> u64 {
        let mut input = [0u8; 1 + 32 + 32 + 8];
        let len = get_input_data(&mut input) as usize;
        if len == 0 || len > input.len() {
            return ERR_INVALID_INPUT;
        }
        match run(input[0], &input[1..len]) {
            Ok(()) => SUCCESS,
            Err(code) => code,
        }
    }

    #[panic_handler]
    fn panic(info: &core::panic::PanicInfo) -> ! {
        report_panic(info)
    }
}
