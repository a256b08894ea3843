//! The contract, built by `cargo tako test`, run in the local VM through
//! `vm_harness::TestChain`: each call is a transaction, committed only when it returns 0.

#[path = "../src/abi.rs"]
#[allow(dead_code)] // the interface is shared; each test uses part of it
mod abi;

use abi::*;
use vm_harness::testing::contract_under_test;
use vm_harness::TestChain;

const ALICE: [u8; 32] = [0xa1; 32];

#[test]
fn greets_and_remembers_each_name() {
    let mut chain = TestChain::new();
    let hello = chain.deploy(contract_under_test()).unwrap();

    let out = chain.call(&hello, &ALICE, b"alice").unwrap();
    assert!(out.succeeded(), "{out}");
    assert_eq!(out.return_data, greeting("alice", 1).as_bytes());
    assert_eq!(out.logs, [greeting("alice", 1)]);
    // A budget for the call: CU are exact, so a change of code shows here.
    assert!(out.cu_consumed < 4_000, "{out}"); // 2,309 when measured

    let out = chain.call(&hello, &ALICE, b"bob").unwrap();
    assert!(out.succeeded(), "{out}");
    assert_eq!(out.return_data, greeting("bob", 2).as_bytes());
    assert_eq!(chain.storage(&hello, NAMES_KEY), Some(&b"alice\nbob"[..]));
}

#[test]
fn a_bad_name_is_refused_and_commits_nothing() {
    let mut chain = TestChain::new();
    let hello = chain.deploy(contract_under_test()).unwrap();
    let too_long = [b'x'; MAX_NAME + 1];
    for input in [&b""[..], b"a\nb", &[0xff, 0xfe], &too_long] {
        let out = chain.call(&hello, &ALICE, input).unwrap();
        assert_eq!(out.return_value, Some(ERR_INVALID_NAME), "{out}");
        assert_eq!(chain.storage(&hello, NAMES_KEY), None);
    }
}

#[test]
fn the_list_is_bounded() {
    let mut chain = TestChain::new();
    let hello = chain.deploy(contract_under_test()).unwrap();
    for i in 0..MAX_NAMES {
        let out = chain.call(&hello, &ALICE, format!("n{i}").as_bytes()).unwrap();
        assert!(out.succeeded(), "{out}");
    }
    let before = chain.state().clone();
    let out = chain.call(&hello, &ALICE, b"one more").unwrap();
    assert_eq!(out.return_value, Some(ERR_FULL), "{out}");
    assert_eq!(chain.state(), &before);
}
