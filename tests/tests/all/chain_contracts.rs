//! The contracts that look like TOS's (`counter`, `token`, `multisig`, `escrow`), run through
//! `vm_harness::TestChain`, built as SBPF V0 (on both engines) and V3 (on tos-tbpf): every
//! success path and every error code, and that a failed call commits nothing.

use tako_abi::code::SUCCESS;
use tako_test_support::build_contract_with;
use vm_harness::{Config, Engine, Outcome, TestChain};

#[path = "../../../contracts/token/src/abi.rs"]
#[allow(dead_code)]
mod token;

const ALICE: [u8; 32] = [0xa1; 32];
const BOB: [u8; 32] = [0xb0; 32];
const CAROL: [u8; 32] = [0xc0; 32];
const DAVE: [u8; 32] = [0xd0; 32];

fn chain(engine: Engine) -> TestChain {
    TestChain::with_config(Config {
        engine: Some(engine),
        ..Config::default()
    })
}

/// Every `(--arch, engine)` pair a contract runs on: V0 loads on both engines, V3 (the
/// default build) only on tos-tbpf.
const BUILDS: [(&str, Engine); 3] = [
    ("v0", Engine::Sbpf),
    ("v0", Engine::Tbpf),
    ("v3", Engine::Tbpf),
];

fn so(name: &str, arch: &str) -> Vec<u8> {
    std::fs::read(build_contract_with(name, &["--arch", arch])).unwrap()
}

/// Asserts the call returned `code`; a failed call must leave the chain as it was.
fn expect(
    chain: &mut TestChain,
    contract: &[u8; 32],
    from: &[u8; 32],
    input: &[u8],
    code: u64,
) -> Outcome {
    let before = chain.state().clone();
    let out = chain.call(contract, from, input).expect("the call starts");
    assert!(out.error.is_none(), "{out}");
    assert_eq!(out.return_value, Some(code), "{out}");
    if code != SUCCESS {
        assert_eq!(chain.state(), &before, "a failed call commits nothing");
        assert!(out.events.is_empty() && out.storage_writes.is_empty());
    }
    out
}

fn word(out: &Outcome) -> u64 {
    u64::from_le_bytes(
        out.return_data
            .as_slice()
            .try_into()
            .expect("8 bytes of return data"),
    )
}

#[test]
fn counter_counts_across_calls_on_both_engines() {
    for (arch, engine) in BUILDS {
        let mut chain = chain(engine);
        let counter = chain.deploy(so("counter", arch)).unwrap();
        for i in 1..=5u64 {
            let out = expect(&mut chain, &counter, &ALICE, b"", SUCCESS);
            assert_eq!(word(&out), i);
        }
        assert_eq!(
            chain.storage(&counter, b"count"),
            Some(&5u64.to_le_bytes()[..])
        );
        expect(
            &mut chain,
            &counter,
            &ALICE,
            b"bad",
            tako_abi::code::INVALID_INPUT,
        );
        // Saturates instead of wrapping.
        expect(
            &mut chain,
            &counter,
            &ALICE,
            &u64::MAX.to_le_bytes(),
            SUCCESS,
        );
        let out = expect(&mut chain, &counter, &ALICE, b"", SUCCESS);
        assert_eq!(word(&out), u64::MAX);
    }
}

mod fungible {
    use super::token::*;
    use super::*;

    fn call(
        chain: &mut TestChain,
        t: &[u8; 32],
        from: &[u8; 32],
        op: u8,
        a: &[&[u8; 32]],
        amount: Option<u64>,
        code: u64,
    ) -> Outcome {
        let input = input(op, a, amount);
        expect(chain, t, from, &input[..input_len(op)], code)
    }

    fn balance(chain: &mut TestChain, t: &[u8; 32], who: &[u8; 32]) -> u64 {
        word(&call(chain, t, &CAROL, BALANCE_OF, &[who], None, SUCCESS))
    }

    #[test]
    fn mint_transfer_approve_transfer_from_and_every_error() {
        for (arch, engine) in BUILDS {
            let mut chain = chain(engine);
            let t = chain.deploy(so("token", arch)).unwrap();
            // Before init: everything but the queries is refused.
            call(
                &mut chain,
                &t,
                &ALICE,
                TRANSFER,
                &[&BOB],
                Some(1),
                ERR_NOT_INITIALIZED,
            );
            call(
                &mut chain,
                &t,
                &ALICE,
                MINT,
                &[&BOB],
                Some(1),
                ERR_NOT_INITIALIZED,
            );
            call(&mut chain, &t, &ALICE, INIT, &[], None, SUCCESS);
            call(
                &mut chain,
                &t,
                &BOB,
                INIT,
                &[],
                None,
                ERR_ALREADY_INITIALIZED,
            );
            assert_eq!(chain.storage(&t, OWNER_KEY), Some(&ALICE[..]));

            // Mint: owner only; a Transfer event from the zero address.
            call(&mut chain, &t, &BOB, MINT, &[&BOB], Some(5), ERR_NOT_OWNER);
            let out = call(&mut chain, &t, &ALICE, MINT, &[&ALICE], Some(1000), SUCCESS);
            assert_eq!(out.events.len(), 1);
            assert_eq!(out.events[0].topics, vec![TRANSFER_EVENT, [0; 32], ALICE]);
            assert_eq!(out.events[0].data, 1000u64.to_le_bytes());
            assert_eq!(out.events[0].contract, t);
            assert_eq!(
                word(&call(
                    &mut chain,
                    &t,
                    &BOB,
                    TOTAL_SUPPLY,
                    &[],
                    None,
                    SUCCESS
                )),
                1000
            );

            // Transfer.
            call(
                &mut chain,
                &t,
                &ALICE,
                TRANSFER,
                &[&BOB],
                Some(1001),
                ERR_INSUFFICIENT_BALANCE,
            );
            let out = call(
                &mut chain,
                &t,
                &ALICE,
                TRANSFER,
                &[&BOB],
                Some(300),
                SUCCESS,
            );
            assert_eq!(out.events[0].topics, vec![TRANSFER_EVENT, ALICE, BOB]);
            assert_eq!(out.storage_writes.len(), 2, "{out}");
            assert_eq!(
                (
                    balance(&mut chain, &t, &ALICE),
                    balance(&mut chain, &t, &BOB)
                ),
                (700, 300)
            );
            assert_eq!(
                chain.storage(&t, &balance_key(&BOB)),
                Some(&300u64.to_le_bytes()[..])
            );

            // Approve and transfer_from.
            let out = call(
                &mut chain,
                &t,
                &ALICE,
                APPROVE,
                &[&CAROL],
                Some(50),
                SUCCESS,
            );
            assert_eq!(out.events[0].topics, vec![APPROVAL_EVENT, ALICE, CAROL]);
            let allowance = |chain: &mut TestChain| {
                word(&call(
                    chain,
                    &t,
                    &BOB,
                    ALLOWANCE,
                    &[&ALICE, &CAROL],
                    None,
                    SUCCESS,
                ))
            };
            assert_eq!(allowance(&mut chain), 50);
            call(
                &mut chain,
                &t,
                &CAROL,
                TRANSFER_FROM,
                &[&ALICE, &CAROL],
                Some(51),
                ERR_INSUFFICIENT_ALLOWANCE,
            );
            call(
                &mut chain,
                &t,
                &CAROL,
                TRANSFER_FROM,
                &[&ALICE, &CAROL],
                Some(20),
                SUCCESS,
            );
            assert_eq!(allowance(&mut chain), 30);
            assert_eq!(balance(&mut chain, &t, &CAROL), 20);
            // An allowance larger than the balance still cannot move more than the balance.
            call(
                &mut chain,
                &t,
                &BOB,
                APPROVE,
                &[&CAROL],
                Some(1_000_000),
                SUCCESS,
            );
            call(
                &mut chain,
                &t,
                &CAROL,
                TRANSFER_FROM,
                &[&BOB, &CAROL],
                Some(301),
                ERR_INSUFFICIENT_BALANCE,
            );

            // Overflow of the supply.
            call(
                &mut chain,
                &t,
                &ALICE,
                MINT,
                &[&ALICE],
                Some(u64::MAX),
                ERR_OVERFLOW,
            );
            assert_eq!(
                word(&call(
                    &mut chain,
                    &t,
                    &BOB,
                    TOTAL_SUPPLY,
                    &[],
                    None,
                    SUCCESS
                )),
                1000
            );

            // Malformed input.
            expect(&mut chain, &t, &ALICE, &[], ERR_INVALID_INPUT);
            expect(&mut chain, &t, &ALICE, &[99], ERR_INVALID_INPUT);
            expect(
                &mut chain,
                &t,
                &ALICE,
                &[TRANSFER, 1, 2, 3],
                ERR_INVALID_INPUT,
            );
            expect(&mut chain, &t, &ALICE, &[0u8; 200], ERR_INVALID_INPUT);
        }
    }

    /// The CU of a transfer between two accounts that already hold tokens, and of each of
    /// its storage writes (`storage_write` of 8 bytes: 500 + 2 per byte), as V0 and V3.
    /// Exact figures of one build; the bounds leave room for toolchain changes, and V3 pays
    /// at most a few CU per call more than V0 (one instruction per call, the frame marker).
    #[test]
    fn cu_per_transfer() {
        let write = tako_abi::syscall("storage_write")
            .unwrap()
            .price
            .charge([0, 33, 0, 8, 0], 0);
        assert_eq!(write, 516);
        let mut cu = Vec::new();
        for (arch, engine) in [("v0", Engine::Sbpf), ("v3", Engine::Tbpf)] {
            let mut chain = chain(engine);
            let t = chain.deploy(so("token", arch)).unwrap();
            call(&mut chain, &t, &ALICE, INIT, &[], None, SUCCESS);
            call(&mut chain, &t, &ALICE, MINT, &[&ALICE], Some(1000), SUCCESS);
            call(&mut chain, &t, &ALICE, TRANSFER, &[&BOB], Some(1), SUCCESS);
            let out = call(&mut chain, &t, &ALICE, TRANSFER, &[&BOB], Some(1), SUCCESS);
            assert_eq!(out.syscalls["storage_write"], 2);
            eprintln!(
                "token {arch}: transfer {} CU ({} of them in 2 storage writes)",
                out.cu_consumed,
                2 * write
            );
            assert!(
                out.cu_consumed <= 3_000,
                "{arch} transfer: {} CU",
                out.cu_consumed
            );
            cu.push(out.cu_consumed);
        }
        assert!(
            cu[1] >= cu[0] && cu[1] - cu[0] <= cu[0] / 10,
            "V3 {} CU against V0 {} CU",
            cu[1],
            cu[0]
        );
    }
}

#[path = "../../../contracts/multisig/src/abi.rs"]
#[allow(dead_code)]
mod multisig;

mod wallet {
    use super::multisig::*;
    use super::*;

    #[test]
    fn proposals_transfer_at_the_threshold_and_every_error() {
        for (arch, engine) in BUILDS {
            let mut chain = chain(engine);
            let w = chain.deploy(so("multisig", arch)).unwrap();
            let init = |t: u8, owners: &[[u8; 32]]| {
                let i = init_input(t, owners);
                i[..3 + 32 * owners.len()].to_vec()
            };
            // Before init.
            expect(
                &mut chain,
                &w,
                &ALICE,
                &propose_input(&DAVE, 1),
                ERR_NOT_INITIALIZED,
            );
            // Wallets that cannot exist.
            expect(
                &mut chain,
                &w,
                &ALICE,
                &init(0, &[ALICE]),
                ERR_INVALID_INPUT,
            );
            expect(
                &mut chain,
                &w,
                &ALICE,
                &init(2, &[ALICE]),
                ERR_INVALID_INPUT,
            );
            expect(
                &mut chain,
                &w,
                &ALICE,
                &init(1, &[ALICE, ALICE]),
                ERR_INVALID_INPUT,
            );
            expect(&mut chain, &w, &ALICE, &init(1, &[]), ERR_INVALID_INPUT);
            expect(
                &mut chain,
                &w,
                &ALICE,
                &init(1, &[ALICE])[..20],
                ERR_INVALID_INPUT,
            );
            // 2 of 3.
            expect(
                &mut chain,
                &w,
                &ALICE,
                &init(2, &[ALICE, BOB, CAROL]),
                SUCCESS,
            );
            expect(
                &mut chain,
                &w,
                &ALICE,
                &init(1, &[ALICE]),
                ERR_ALREADY_INITIALIZED,
            );
            chain.fund(w, 100);

            expect(
                &mut chain,
                &w,
                &DAVE,
                &propose_input(&DAVE, 60),
                ERR_NOT_OWNER,
            );
            let out = expect(&mut chain, &w, &ALICE, &propose_input(&DAVE, 60), SUCCESS);
            assert_eq!(word(&out), 0, "the first id");
            let out = expect(&mut chain, &w, &DAVE, &id_input(PROPOSAL, 0), SUCCESS);
            assert_eq!(&out.return_data[..32], &DAVE);
            assert_eq!(out.return_data[40], 1, "the proposer's approval");
            expect(
                &mut chain,
                &w,
                &ALICE,
                &id_input(APPROVE, 0),
                ERR_ALREADY_APPROVED,
            );
            expect(&mut chain, &w, &DAVE, &id_input(APPROVE, 0), ERR_NOT_OWNER);
            expect(
                &mut chain,
                &w,
                &BOB,
                &id_input(APPROVE, 7),
                ERR_UNKNOWN_PROPOSAL,
            );
            // The second approval executes: 60 to Dave, the proposal closed, an event.
            let out = expect(&mut chain, &w, &BOB, &id_input(APPROVE, 0), SUCCESS);
            assert_eq!(out.events.len(), 1, "{out}");
            assert_eq!(out.events[0].topics, vec![EXECUTED_EVENT, DAVE]);
            assert_eq!((chain.balance(&w), chain.balance(&DAVE)), (40, 60));
            expect(
                &mut chain,
                &w,
                &CAROL,
                &id_input(APPROVE, 0),
                ERR_UNKNOWN_PROPOSAL,
            );

            // A proposal larger than the balance: the approval that would execute it fails
            // whole (the approval is not recorded either).
            let out = expect(&mut chain, &w, &CAROL, &propose_input(&DAVE, 41), SUCCESS);
            assert_eq!(word(&out), 1);
            expect(
                &mut chain,
                &w,
                &ALICE,
                &id_input(APPROVE, 1),
                ERR_TRANSFER_FAILED,
            );
            let out = expect(&mut chain, &w, &DAVE, &id_input(PROPOSAL, 1), SUCCESS);
            assert_eq!(out.return_data[40], 1);
            // Funded by a call's value, it goes through.
            let out = chain
                .call_with_value(&w, &ALICE, &id_input(PROPOSAL, 1), 0)
                .unwrap();
            assert!(out.succeeded());
            chain.fund(ALICE, 5);
            let out = chain
                .call_with_value(&w, &ALICE, &id_input(APPROVE, 1), 5)
                .unwrap();
            assert!(out.succeeded(), "{out}");
            assert_eq!(
                (
                    chain.balance(&w),
                    chain.balance(&DAVE),
                    chain.balance(&ALICE)
                ),
                (4, 101, 0)
            );

            // Many open proposals: the map and the vectors grow on the heap.
            for i in 0..40u64 {
                let out = expect(&mut chain, &w, &BOB, &propose_input(&CAROL, i), SUCCESS);
                assert_eq!(word(&out), 2 + i);
            }
            let out = expect(&mut chain, &w, &ALICE, &id_input(PROPOSAL, 41), SUCCESS);
            assert_eq!(
                u64::from_le_bytes(out.return_data[32..40].try_into().unwrap()),
                39
            );
            assert!(
                out.allocator.is_some(),
                "TosAllocator's header is in the heap"
            );
            expect(&mut chain, &w, &ALICE, &[9], ERR_INVALID_INPUT);
            expect(&mut chain, &w, &ALICE, &[APPROVE, 1], ERR_INVALID_INPUT);
        }
    }
}

#[path = "../../../contracts/escrow/src/abi.rs"]
#[allow(dead_code)]
mod escrow;

mod deals {
    use super::escrow::*;
    use super::*;

    /// `escrow` calls `from` `input` with `value`, expecting `code`; a failed call commits
    /// nothing, the value included.
    fn expect_paid(
        chain: &mut TestChain,
        contract: &[u8; 32],
        from: &[u8; 32],
        input: &[u8],
        value: u64,
        code: u64,
    ) -> Outcome {
        let before = chain.state().clone();
        let out = chain
            .call_with_value(contract, from, input, value)
            .expect("the call starts");
        assert!(out.error.is_none(), "{out}");
        assert_eq!(out.return_value, Some(code), "{out}");
        if code != SUCCESS {
            assert_eq!(chain.state(), &before, "a failed call commits nothing");
        }
        out
    }

    #[test]
    fn deals_release_refund_after_the_deadline_and_every_error() {
        for (arch, engine) in BUILDS {
            let mut chain = chain(engine);
            let e = chain.deploy(so("escrow", arch)).unwrap();
            chain.fund(ALICE, 100);
            let open = open_input(&BOB, &CAROL, 10);
            // Nothing open yet; deals that cannot exist.
            expect(
                &mut chain,
                &e,
                &ALICE,
                &id_input(RELEASE, 0),
                ERR_UNKNOWN_DEAL,
            );
            expect(&mut chain, &e, &ALICE, &open, ERR_INVALID_INPUT); // no value
            for bad in [open_input(&ALICE, &CAROL, 10), open_input(&BOB, &BOB, 10)] {
                expect_paid(&mut chain, &e, &ALICE, &bad, 5, ERR_INVALID_INPUT);
            }
            expect_paid(&mut chain, &e, &ALICE, &open[..72], 5, ERR_INVALID_INPUT);
            expect(
                &mut chain,
                &e,
                &ALICE,
                &[9, 0, 0, 0, 0, 0, 0, 0, 0],
                ERR_INVALID_INPUT,
            );
            expect(&mut chain, &e, &ALICE, &[], ERR_INVALID_INPUT);

            // Alice buys from Bob for 30, Carol arbitrates.
            let out = expect_paid(&mut chain, &e, &ALICE, &open, 30, SUCCESS);
            assert_eq!(word(&out), 0, "the first id");
            assert_eq!(out.syscalls["storage_read"], 1, "an absent state: one read");
            assert_eq!((chain.balance(&e), chain.balance(&ALICE)), (30, 70));
            let out = expect(&mut chain, &e, &DAVE, &id_input(DEAL, 0), SUCCESS);
            assert_eq!(
                out.syscalls["storage_read"], 1,
                "a state of one deal: one read"
            );
            assert_eq!(&out.return_data[..32], &ALICE);
            assert_eq!(&out.return_data[32..64], &BOB);
            assert_eq!(&out.return_data[64..96], &CAROL);
            assert_eq!(out.return_data[96..104], 30u64.to_le_bytes());
            assert_eq!(out.return_data[104..], 10u64.to_le_bytes());
            expect(&mut chain, &e, &BOB, &id_input(RELEASE, 0), ERR_NOT_ALLOWED);
            expect(
                &mut chain,
                &e,
                &ALICE,
                &id_input(REFUND, 0),
                ERR_NOT_ALLOWED,
            );
            expect(&mut chain, &e, &DAVE, &id_input(REFUND, 0), ERR_NOT_ALLOWED);
            let out = expect(&mut chain, &e, &ALICE, &id_input(RELEASE, 0), SUCCESS);
            assert_eq!(out.events.len(), 1, "{out}");
            assert_eq!(out.events[0].topics, vec![RELEASED_EVENT, BOB]);
            assert_eq!((chain.balance(&e), chain.balance(&BOB)), (0, 30));
            expect(&mut chain, &e, &ALICE, &id_input(DEAL, 0), ERR_UNKNOWN_DEAL);
            expect(
                &mut chain,
                &e,
                &CAROL,
                &id_input(RELEASE, 0),
                ERR_UNKNOWN_DEAL,
            );

            // The arbiter refunds; the buyer alone only after the deadline.
            let out = expect_paid(&mut chain, &e, &ALICE, &open, 20, SUCCESS);
            assert_eq!(word(&out), 1);
            let out = expect(&mut chain, &e, &CAROL, &id_input(REFUND, 1), SUCCESS);
            assert_eq!(out.events[0].topics, vec![REFUNDED_EVENT, ALICE]);
            assert_eq!(chain.balance(&ALICE), 70);
            expect_paid(&mut chain, &e, &ALICE, &open, 5, SUCCESS);
            chain.set_block(10, 0);
            expect(
                &mut chain,
                &e,
                &ALICE,
                &id_input(REFUND, 2),
                ERR_NOT_ALLOWED,
            );
            chain.set_block(11, 0);
            expect(&mut chain, &e, &ALICE, &id_input(REFUND, 2), SUCCESS);
            assert_eq!((chain.balance(&e), chain.balance(&ALICE)), (0, 70));

            // Many open deals: the map grows on the heap and survives the round trip. Past
            // eight deals the state is longer than the contract expects: two reads.
            for i in 0..40u64 {
                let out = expect_paid(&mut chain, &e, &ALICE, &open, 1, SUCCESS);
                assert_eq!(word(&out), 3 + i);
                let reads = if i <= 8 { 1 } else { 2 };
                assert_eq!(out.syscalls["storage_read"], reads, "{i} deals open before");
            }
            expect(&mut chain, &e, &CAROL, &id_input(RELEASE, 20), SUCCESS);
            expect(
                &mut chain,
                &e,
                &ALICE,
                &id_input(DEAL, 20),
                ERR_UNKNOWN_DEAL,
            );
            let out = expect(&mut chain, &e, &ALICE, &id_input(DEAL, 42), SUCCESS);
            assert_eq!(&out.return_data[..32], &ALICE);
            assert!(
                out.allocator.is_some(),
                "TosAllocator's header is in the heap"
            );
            assert_eq!((chain.balance(&e), chain.balance(&ALICE)), (39, 30));
        }
    }

    /// A stored state that is not the escrow's encoding (a length that is not 8 plus
    /// whole deal records), or one longer than the 32 KiB heap can hold, is refused with
    /// `ERR_STORAGE`, whatever the call.
    #[test]
    fn a_corrupt_stored_state_is_refused() {
        let too_long = vec![0u8; 8 + 300 * 120];
        for (arch, engine) in BUILDS {
            for stored in [vec![1, 2, 3, 4, 5], too_long.clone()] {
                let so = so("escrow", arch);
                let contract = vm_harness::chain::contract_address(&so);
                let mut state = vm_harness::ChainState::default();
                state
                    .storage
                    .entry(contract)
                    .or_default()
                    .insert(STATE_KEY.to_vec(), stored.clone());
                let env = vm_harness::CallEnv {
                    contract,
                    sender: ALICE,
                    caller: ALICE,
                    ..Default::default()
                };
                let config = Config {
                    engine: Some(engine),
                    ..Config::default()
                };
                for input in [&id_input(DEAL, 0)[..], &id_input(RELEASE, 0)] {
                    let out = vm_harness::call(&so, input, &env, &state, &config).unwrap();
                    assert_eq!(out.return_value, Some(ERR_STORAGE), "{out}");
                    assert!(out.state.is_none(), "a failed call commits nothing");
                    // The short state is read on the stack and refused before anything is
                    // allocated (the heap is untouched). The long one is a valid encoding
                    // of 300 deals: it is refused because the heap cannot hold it, which
                    // the first read's length tells (one failed allocation, no second read).
                    let failed = out.allocator.map(|a| a.bump.failed);
                    let too_long = stored.len() > 5;
                    assert_eq!(failed, too_long.then_some(1), "{out}");
                    assert_eq!(out.syscalls["storage_read"], 1, "{out}");
                }
            }
        }
    }
}

/// Syscalls given bad pointers, lengths past a region, keys and values over the limits and
/// buffers too small (`vm-faults` variants 11 to 15): a typed fault or a status code, the
/// same on both engines, and a faulted call commits nothing (its earlier write included).
#[test]
fn bad_syscall_arguments_fault_or_return_a_status_and_commit_nothing() {
    use vm_harness::FaultKind;
    let word_at =
        |data: &[u8], i: usize| u64::from_le_bytes(data[8 * i..8 * i + 8].try_into().unwrap());
    for (arch, engine) in BUILDS {
        let mut chain = chain(engine);
        let f = chain.deploy(so("vm-faults", arch)).unwrap();
        for (variant, syscall) in [(11u64, "storage_write"), (12, "storage_read")] {
            let out = chain.call(&f, &ALICE, &variant.to_le_bytes()).unwrap();
            let error = out.error.as_ref().expect("faults");
            assert_eq!(error.kind, FaultKind::AccessViolation, "{engine}: {error}");
            assert!(error.message.starts_with(syscall), "{engine}: {error}");
            assert_eq!(out.state, None);
            assert_eq!(
                chain.storage(&f, b"k"),
                None,
                "{engine}: the write before the fault is not committed"
            );
        }
        let out = expect(&mut chain, &f, &ALICE, &13u64.to_le_bytes(), SUCCESS);
        let statuses: Vec<u64> = (0..6).map(|i| word_at(&out.return_data, i)).collect();
        // Long key, long value, long transient key (tstore, tload), a value of 8 bytes read
        // into 2 (its whole length returned), a long key read (absent).
        assert_eq!(statuses, [1, 2, 1, 1, 8, 0], "{engine}");
        assert_eq!(&out.return_data[48..], &[7, 7]);
        // A refused length pays no per-byte price: the run stays small.
        assert!(out.cu_consumed < 5_000, "{engine}: {} CU", out.cu_consumed);
        let out = expect(&mut chain, &f, &ALICE, &14u64.to_le_bytes(), SUCCESS);
        assert_eq!(
            (word_at(&out.return_data, 0), word_at(&out.return_data, 1)),
            (4, 2)
        );
        assert!(out.events.is_empty());
        let out = chain.call(&f, &ALICE, &15u64.to_le_bytes()).unwrap();
        let error = out.error.expect("faults");
        assert_eq!(error.kind, FaultKind::SyscallError);
        assert_eq!(
            error.message,
            "set_return_data: 1025 bytes exceed the limit of 1024"
        );
    }
}

/// The templates `cargo tako new` writes (`hello`, `nft`) give the same results on every
/// build and engine: return values, return data, logs, events.
#[test]
fn the_templates_agree_on_every_build_and_engine() {
    let id = |v: u64| v.to_le_bytes();
    let with = |op: u8, parts: &[&[u8]]| {
        let mut input = vec![op];
        for p in parts {
            input.extend_from_slice(p);
        }
        input
    };
    type Calls = Vec<([u8; 32], Vec<u8>)>;
    let calls: [(&str, Calls); 2] = [
        (
            "hello",
            vec![
                (ALICE, b"alice".to_vec()),
                (BOB, b"bob".to_vec()),
                (BOB, Vec::new()),
            ],
        ),
        (
            "nft",
            vec![
                (ALICE, vec![0]),
                (ALICE, with(1, &[&BOB, &id(7)])),
                (BOB, with(3, &[&CAROL, &id(7)])),
                (CAROL, with(2, &[&ALICE, &id(7)])),
                (CAROL, with(4, &[&id(7)])),
                (BOB, with(2, &[&CAROL, &id(7)])),
            ],
        ),
    ];
    for (name, calls) in calls {
        let mut seen: Option<Vec<_>> = None;
        for (arch, engine) in BUILDS {
            let mut chain = chain(engine);
            let contract = chain.deploy(so(name, arch)).unwrap();
            let results: Vec<_> = calls
                .iter()
                .map(|(from, input)| {
                    let out = chain.call(&contract, from, input).unwrap();
                    assert!(out.error.is_none(), "{name} {arch} {engine:?}: {out}");
                    let events: Vec<_> = out
                        .events
                        .iter()
                        .map(|e| (e.topics.clone(), e.data.clone()))
                        .collect();
                    (out.return_value, out.return_data, out.logs, events)
                })
                .collect();
            match &seen {
                None => seen = Some(results),
                Some(first) => assert_eq!(&results, first, "{name} as {arch} on {engine:?}"),
            }
        }
        let results = seen.unwrap();
        let codes: Vec<_> = results.iter().map(|r| r.0).collect();
        match name {
            "hello" => {
                assert_eq!(codes, [Some(0), Some(0), Some(1001)]);
                assert_eq!(results[1].1, b"hello, bob! (2 greeted)");
            }
            _ => {
                // The owner after the approved transfer; the owner before it may not move it.
                assert_eq!(
                    codes,
                    [Some(0), Some(0), Some(0), Some(0), Some(0), Some(1007)]
                );
                assert_eq!(results[4].1, ALICE);
            }
        }
    }
}
