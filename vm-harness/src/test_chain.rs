//! [`TestChain`]: a local chain for contract authors' tests, in a few lines each: deploy a
//! `.so`, fund accounts, call with input and a sender, check the outcome, storage,
//! balances and events. Every call is a transaction: its transient storage starts empty,
//! and its state is committed only when it returns 0 (as TOS's node does).
//!
//! ```no_run
//! use vm_harness::TestChain;
//! let so = std::fs::read("contracts/target/tbpf-tos-tos/release/counter.so").unwrap();
//! let mut chain = TestChain::new();
//! let counter = chain.deploy(so).unwrap();
//! let alice = [1u8; 32];
//! let out = chain.call(&counter, &alice, b"").unwrap();
//! assert!(out.succeeded(), "{out}");
//! assert_eq!(chain.storage(&counter, b"count"), Some(&1u64.to_le_bytes()[..]));
//! ```

use std::collections::BTreeMap;

use crate::chain::{Address, CallEnv, ChainState};
use crate::{Config, Outcome, VmError};

/// A local chain: programs by address, the chain state, the block, the run settings.
#[derive(Debug, Clone, Default)]
pub struct TestChain {
    config: Config,
    state: ChainState,
    programs: BTreeMap<Address, Vec<u8>>,
    block_height: u64,
    timestamp: u64,
    chain_id: u64,
}

impl TestChain {
    /// An empty chain run with the default [`Config`] (solana-sbpf, 32 KiB heap, 200,000 CU).
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty chain whose calls run under `config` (the engine, heap, CU limit, prices).
    pub fn with_config(config: Config) -> Self {
        Self {
            config,
            ..Self::default()
        }
    }

    /// Deploys `so` at the BLAKE3 hash of its bytes and returns that address.
    ///
    /// # Errors
    /// The [`VmError`] of a program that does not load or verify.
    pub fn deploy(&mut self, so: Vec<u8>) -> Result<Address, VmError> {
        let address = crate::chain::contract_address(&so);
        self.deploy_at(address, so)?;
        Ok(address)
    }

    /// Deploys `so` at `address` (replacing what was there; its storage stays).
    ///
    /// # Errors
    /// The [`VmError`] of a program that does not load or verify.
    pub fn deploy_at(&mut self, address: Address, so: Vec<u8>) -> Result<(), VmError> {
        crate::check(&so, &self.config)?;
        self.programs.insert(address, so);
        Ok(())
    }

    /// Sets the balance of `who`.
    pub fn fund(&mut self, who: Address, amount: u64) {
        self.state.set_balance(who, amount);
    }

    /// Sets the block the next calls see.
    pub fn set_block(&mut self, height: u64, timestamp: u64) {
        self.block_height = height;
        self.timestamp = timestamp;
    }

    /// Sets the chain id the next calls see.
    pub fn set_chain_id(&mut self, chain_id: u64) {
        self.chain_id = chain_id;
    }

    /// Calls `contract` from `sender` with `input` and no value.
    ///
    /// # Errors
    /// [`VmError`] when nothing is deployed at `contract` or the call cannot start.
    pub fn call(
        &mut self,
        contract: &Address,
        sender: &Address,
        input: &[u8],
    ) -> Result<Outcome, VmError> {
        self.call_with_value(contract, sender, input, 0)
    }

    /// Calls `contract` from `sender` with `input`, moving `value` from the sender to the
    /// contract with the call. The chain keeps the call's state when it returned 0.
    ///
    /// # Errors
    /// [`VmError`] when nothing is deployed at `contract`, the sender cannot pay `value`,
    /// or the program does not load.
    pub fn call_with_value(
        &mut self,
        contract: &Address,
        sender: &Address,
        input: &[u8],
        value: u64,
    ) -> Result<Outcome, VmError> {
        let so = self.programs.get(contract).ok_or_else(|| {
            VmError::Config(format!(
                "no contract is deployed at {}; deploy one with TestChain::deploy",
                hex::encode(contract)
            ))
        })?;
        let env = CallEnv {
            contract: *contract,
            sender: *sender,
            caller: *sender,
            value,
            block_height: self.block_height,
            timestamp: self.timestamp,
            chain_id: self.chain_id,
            ..CallEnv::default()
        };
        let outcome = crate::call(so, input, &env, &self.state, &self.config)?;
        if let Some(state) = &outcome.state {
            self.state = state.clone();
        }
        Ok(outcome)
    }

    /// The value `contract` stores under `key`.
    pub fn storage(&self, contract: &Address, key: &[u8]) -> Option<&[u8]> {
        self.state.get(contract, key)
    }

    /// The balance of `who`.
    pub fn balance(&self, who: &Address) -> u64 {
        self.state.balance(who)
    }

    /// The whole chain state.
    pub fn state(&self) -> &ChainState {
        &self.state
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calling_an_address_without_a_contract_names_it() {
        let mut chain = TestChain::new();
        let err = chain.call(&[7; 32], &[1; 32], b"").unwrap_err().to_string();
        assert!(err.contains(&hex::encode([7u8; 32])), "{err}");
        assert!(err.contains("TestChain::deploy"), "{err}");
    }

    #[test]
    fn garbage_is_not_deployed() {
        let mut chain = TestChain::new();
        assert!(chain.deploy(b"not an elf".to_vec()).is_err());
    }
}
