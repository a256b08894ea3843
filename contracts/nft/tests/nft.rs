//! The collection, built by `cargo tako test`, run in the local VM through
//! `vm_harness::TestChain`: each call is a transaction, committed only when it returns 0.

#[path = "../src/abi.rs"]
#[allow(dead_code)] // the interface is shared; each test uses part of it
mod abi;

use abi::*;
use vm_harness::testing::contract_under_test;
use vm_harness::{Outcome, TestChain};

const ALICE: Address = [0xa1; 32];
const BOB: Address = [0xb0; 32];
const CAROL: Address = [0xc0; 32];

/// Calls `op` and checks it returned `code`; a refused call must leave the chain as it was.
fn call(
    chain: &mut TestChain,
    nft: &Address,
    from: &Address,
    input: &[u8],
    code: u64,
) -> Outcome {
    let before = chain.state().clone();
    let out = chain.call(nft, from, input).unwrap();
    assert_eq!(out.return_value, Some(code), "{out}");
    if code != 0 {
        assert_eq!(chain.state(), &before, "a refused call commits nothing");
    }
    out
}

fn owner(chain: &mut TestChain, nft: &Address, id: u64) -> Vec<u8> {
    call(chain, nft, &CAROL, &abi::input(OWNER_OF, None, Some(id)), 0).return_data
}

fn minted(chain: &mut TestChain) -> Address {
    let nft = chain.deploy(contract_under_test()).unwrap();
    call(chain, &nft, &ALICE, &abi::input(INIT, None, None), 0);
    let out = call(chain, &nft, &ALICE, &abi::input(MINT, Some(&ALICE), Some(7)), 0);
    assert_eq!(out.events[0].topics, vec![TRANSFER_EVENT, [0; 32], ALICE]);
    assert_eq!(out.events[0].data, 7u64.to_le_bytes());
    nft
}

#[test]
fn mint_and_transfer() {
    let mut chain = TestChain::new();
    let nft = minted(&mut chain);
    assert_eq!(owner(&mut chain, &nft, 7), ALICE);
    let out = call(&mut chain, &nft, &ALICE, &abi::input(TRANSFER, Some(&BOB), Some(7)), 0);
    assert_eq!(out.events[0].topics, vec![TRANSFER_EVENT, ALICE, BOB]);
    // A budget for a transfer: CU are exact, so a change of code shows here.
    assert!(out.cu_consumed < 5_000, "{out}"); // 4,082 when measured
    assert_eq!(owner(&mut chain, &nft, 7), BOB);
    let out = call(&mut chain, &nft, &CAROL, &abi::input(BALANCE_OF, Some(&BOB), None), 0);
    assert_eq!(out.return_data, 1u64.to_le_bytes());
    assert_eq!(chain.storage(&nft, &balance_key(&ALICE)), Some(&0u64.to_le_bytes()[..]));
}

#[test]
fn an_approved_account_may_transfer_once() {
    let mut chain = TestChain::new();
    let nft = minted(&mut chain);
    call(&mut chain, &nft, &ALICE, &abi::input(APPROVE, Some(&BOB), Some(7)), 0);
    let out = call(&mut chain, &nft, &CAROL, &abi::input(GET_APPROVED, None, Some(7)), 0);
    assert_eq!(out.return_data, BOB);
    call(&mut chain, &nft, &BOB, &abi::input(TRANSFER, Some(&CAROL), Some(7)), 0);
    assert_eq!(owner(&mut chain, &nft, 7), CAROL);
    // The transfer cleared the approval.
    let back = abi::input(TRANSFER, Some(&BOB), Some(7));
    call(&mut chain, &nft, &BOB, &back, ERR_NOT_ALLOWED);
}

#[test]
fn refusals() {
    let mut chain = TestChain::new();
    let nft = chain.deploy(contract_under_test()).unwrap();
    let mint = abi::input(MINT, Some(&BOB), Some(1));
    call(&mut chain, &nft, &ALICE, &mint, ERR_NOT_INITIALIZED);
    call(&mut chain, &nft, &ALICE, &abi::input(INIT, None, None), 0);
    call(&mut chain, &nft, &BOB, &abi::input(INIT, None, None), ERR_ALREADY_INITIALIZED);
    call(&mut chain, &nft, &BOB, &mint, ERR_NOT_MINTER);
    call(&mut chain, &nft, &ALICE, &mint, 0);
    call(&mut chain, &nft, &ALICE, &mint, ERR_TOKEN_EXISTS);
    let steal = abi::input(TRANSFER, Some(&CAROL), Some(1));
    call(&mut chain, &nft, &CAROL, &steal, ERR_NOT_ALLOWED);
    call(&mut chain, &nft, &CAROL, &abi::input(OWNER_OF, None, Some(2)), ERR_NO_SUCH_TOKEN);
    call(&mut chain, &nft, &ALICE, &[MINT, 1, 2], ERR_INVALID_INPUT);
}
