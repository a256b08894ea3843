//! The token, built by `cargo tako test`, run in the local VM through
//! `vm_harness::TestChain`: each call is a transaction, committed only when it returns 0.

#[path = "../src/abi.rs"]
#[allow(dead_code)] // the interface is shared; each test uses part of it
mod abi;

use abi::*;
use vm_harness::testing::contract_under_test;
use vm_harness::{Outcome, TestChain};

const ALICE: Address = [0xa1; 32];
const BOB: Address = [0xb0; 32];

/// Calls `op` and checks it returned `code`; a refused call must leave the chain as it was.
fn call(
    chain: &mut TestChain,
    token: &Address,
    from: &Address,
    op: u8,
    addresses: &[&Address],
    amount: Option<u64>,
    code: u64,
) -> Outcome {
    let before = chain.state().clone();
    let input = input(op, addresses, amount);
    let out = chain.call(token, from, &input[..input_len(op)]).unwrap();
    assert_eq!(out.return_value, Some(code), "{out}");
    if code != 0 {
        assert_eq!(chain.state(), &before, "a refused call commits nothing");
    }
    out
}

fn balance(chain: &mut TestChain, token: &Address, who: &Address) -> u64 {
    let out = call(chain, token, who, BALANCE_OF, &[who], None, 0);
    u64::from_le_bytes(out.return_data.try_into().unwrap())
}

#[test]
fn mint_and_transfer() {
    let mut chain = TestChain::new();
    let token = chain.deploy(contract_under_test()).unwrap();
    call(&mut chain, &token, &ALICE, INIT, &[], None, 0);
    let out = call(&mut chain, &token, &ALICE, MINT, &[&ALICE], Some(1000), 0);
    assert_eq!(out.events[0].topics, vec![TRANSFER_EVENT, [0; 32], ALICE]);

    let out = call(&mut chain, &token, &ALICE, TRANSFER, &[&BOB], Some(300), 0);
    assert_eq!(out.events[0].topics, vec![TRANSFER_EVENT, ALICE, BOB]);
    assert_eq!(out.events[0].data, 300u64.to_le_bytes());
    // A budget for a transfer: CU are exact, so a change of code shows here.
    assert!(out.cu_consumed < 3_000, "{out}"); // 2,256 when measured
    assert_eq!(balance(&mut chain, &token, &ALICE), 700);
    assert_eq!(balance(&mut chain, &token, &BOB), 300);
}

#[test]
fn approve_then_transfer_from() {
    let mut chain = TestChain::new();
    let token = chain.deploy(contract_under_test()).unwrap();
    call(&mut chain, &token, &ALICE, INIT, &[], None, 0);
    call(&mut chain, &token, &ALICE, MINT, &[&ALICE], Some(100), 0);
    call(&mut chain, &token, &ALICE, APPROVE, &[&BOB], Some(40), 0);
    let (from, to) = (&ALICE, &BOB);
    call(
        &mut chain,
        &token,
        &BOB,
        TRANSFER_FROM,
        &[from, to],
        Some(41),
        ERR_INSUFFICIENT_ALLOWANCE,
    );
    call(&mut chain, &token, &BOB, TRANSFER_FROM, &[from, to], Some(40), 0);
    assert_eq!(balance(&mut chain, &token, &BOB), 40);
}

#[test]
fn refusals() {
    let mut chain = TestChain::new();
    let token = chain.deploy(contract_under_test()).unwrap();
    call(&mut chain, &token, &ALICE, MINT, &[&ALICE], Some(1), ERR_NOT_INITIALIZED);
    call(&mut chain, &token, &ALICE, INIT, &[], None, 0);
    call(&mut chain, &token, &BOB, INIT, &[], None, ERR_ALREADY_INITIALIZED);
    call(&mut chain, &token, &BOB, MINT, &[&BOB], Some(1), ERR_NOT_OWNER);
    call(&mut chain, &token, &BOB, TRANSFER, &[&ALICE], Some(1), ERR_INSUFFICIENT_BALANCE);
    let out = chain.call(&token, &ALICE, &[0xee]).unwrap();
    assert_eq!(out.return_value, Some(ERR_INVALID_INPUT), "{out}");
}
