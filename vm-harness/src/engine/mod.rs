//! The execution engines and what they share. Each engine loads a program, maps TOS's
//! executor regions (program, 256 KiB stack without gaps, heap; nothing else), sets no
//! argument register, runs the syscalls of [`crate::syscalls::Host`], and hands back its
//! result as an [`EngineFault`] or `r0`; [`finish`] turns that into the same
//! [`Outcome`] for every engine, and commits the chain state only when the call returned 0.
//!
//! - [`sbpf`]: Anza's solana-sbpf `=0.26.0` (interpreter or JIT, instruction traces for
//!   the profiler): the default.
//! - [`tbpf`]: TOS's fork, tos-tbpf `=0.14.1`, interpreted, configured as TOS's executor
//!   configures it: the chain's own VM.

/// `fn engine_fault`: an engine crate's `EbpfError` in the engines' common terms
/// ([`EngineFault`]). solana-sbpf and tos-tbpf share the enum's variants, not its type.
macro_rules! engine_fault_from {
    ($error:ty, $engine:literal) => {
        #[doc = concat!($engine, "'s error in the engines' common terms.")]
        fn engine_fault(err: $error) -> $crate::engine::EngineFault {
            use $crate::engine::EngineFault;
            type E = $error;
            match err {
                E::ExceededMaxInstructions => EngineFault::Budget,
                E::CallDepthExceeded => EngineFault::CallDepth,
                E::AccessViolation(_, addr, _, _) => EngineFault::Access {
                    addr,
                    message: err.to_string(),
                },
                E::StackAccessViolation(..) => EngineFault::Stack {
                    message: err.to_string(),
                },
                E::DivideByZero | E::DivideOverflow => EngineFault::Division {
                    message: err.to_string(),
                },
                E::InvalidInstruction
                | E::UnsupportedInstruction
                | E::ExecutionOverrun
                | E::CallOutsideTextSegment
                | E::ExitRootCallFrame => EngineFault::Instruction {
                    message: err.to_string(),
                },
                E::SyscallError(inner) => {
                    match inner.downcast::<$crate::syscalls::SyscallFault>() {
                        Ok(fault) => EngineFault::Syscall(*fault),
                        Err(other) => EngineFault::Other {
                            message: other.to_string(),
                        },
                    }
                }
                other => EngineFault::Other {
                    message: other.to_string(),
                },
            }
        }
    };
}

/// `fn disassemble`: an engine crate's disassembly of the instructions at `pcs` (the ones a
/// run executed) of a loaded program, by index, in the text of its static analysis
/// (`static_analysis::Analysis::disassemble_instruction`: jump targets as `lbb_N` or the
/// function that starts there, calls by name). Only the labels those instructions name are
/// made: the analysis itself builds the whole control- and data-flow graph of the program
/// first, which takes most of a second on a large program. solana-sbpf and tos-tbpf share
/// the API, not its types; `$version` is the executable's version getter.
macro_rules! disassemble_with {
    ($krate:ident, $version:ident) => {
        fn disassemble(
            program: &Program,
            pcs: &std::collections::HashSet<u64>,
        ) -> std::collections::HashMap<u64, String> {
            use $krate::ebpf;
            use $krate::static_analysis::CfgNode;
            let (_, text) = program.get_text_bytes();
            let slots = text.len() / ebpf::INSN_SIZE;
            let version = program.$version();
            let functions: std::collections::HashMap<usize, String> = program
                .get_function_registry()
                .iter()
                .map(|(_, (name, pc))| {
                    let name = String::from_utf8_lossy(name);
                    (pc, rustc_demangle::demangle(&name).to_string())
                })
                .collect();
            // Decoded as the analysis decodes the text: an `lddw` takes two slots.
            let insns: Vec<ebpf::Insn> = pcs
                .iter()
                .filter_map(|&pc| {
                    let pc = usize::try_from(pc).ok().filter(|&pc| pc < slots)?;
                    let mut insn = ebpf::get_insn_unchecked(text, pc);
                    if insn.opc == ebpf::LD_DW_IMM {
                        if pc + 1 >= slots {
                            return None;
                        }
                        ebpf::augment_lddw_unchecked(text, &mut insn);
                    }
                    Some(insn)
                })
                .collect();
            // A block's label, as the analysis names it: the function that starts there,
            // else `lbb_N`. Made for every slot an executed instruction could name: its
            // jump target and its call target (a label no instruction reads is harmless).
            let mut cfg_nodes = std::collections::BTreeMap::new();
            for insn in &insns {
                let jump = insn.ptr as i64 + insn.off as i64 + 1;
                let call = i64::from(version.calculate_call_imm_target_pc(insn.ptr, insn.imm));
                for target in [jump, call] {
                    let Some(target) = usize::try_from(target).ok().filter(|&t| t < slots) else {
                        continue;
                    };
                    cfg_nodes.entry(target).or_insert_with(|| CfgNode {
                        label: functions
                            .get(&target)
                            .cloned()
                            .unwrap_or_else(|| format!("lbb_{target}")),
                        sources: Vec::new(),
                        destinations: Vec::new(),
                        instructions: target..target,
                        topo_index: Default::default(),
                        dominator_parent: usize::MAX,
                        dominated_children: Vec::new(),
                    });
                }
            }
            insns
                .iter()
                .map(|insn| {
                    let text = $krate::disassembler::disassemble_instruction(
                        insn,
                        insn.ptr,
                        &cfg_nodes,
                        program.get_function_registry(),
                        program.get_loader(),
                        version,
                    );
                    (insn.ptr as u64, text)
                })
                .collect()
        }
    };
}

pub(crate) mod sbpf;
pub(crate) mod sbpf_context;
pub(crate) mod tbpf;

use std::time::Duration;

use tako_abi::Trap;

use crate::chain::{self, ChainState};
use crate::config::Config;
use crate::error::{FaultKind, RuntimeError, VmError};
use crate::outcome::Outcome;
use crate::syscalls::{Host, SyscallFault};

/// Which VM runs the program.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Engine {
    /// solana-sbpf 0.26 (interpreter, or JIT with `Config::jit`).
    #[default]
    Sbpf,
    /// tos-tbpf 0.14.1, the VM TOS's node runs (interpreter).
    Tbpf,
}

impl Engine {
    /// Every engine.
    pub const ALL: [Engine; 2] = [Engine::Sbpf, Engine::Tbpf];

    /// The engine that loads `so` by its SBPF version (`e_flags`): tos-tbpf for V3, which
    /// solana-sbpf does not load (its V3 is not tos-tbpf's); solana-sbpf for the others,
    /// for its JIT and the same CU (the engines agree on V0, as the tests check).
    pub fn for_program(so: &[u8]) -> Engine {
        match crate::elf_check::e_flags(so) {
            Some(3) => Engine::Tbpf,
            _ => Engine::Sbpf,
        }
    }

    /// The crate, as the CLI's summary names the engine that ran.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Sbpf => "solana-sbpf",
            Engine::Tbpf => "tos-tbpf",
        }
    }

    /// The name the CLI takes (`sbpf`, `tbpf`).
    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Sbpf => "sbpf",
            Engine::Tbpf => "tbpf",
        }
    }
}

impl std::fmt::Display for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Engine {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Engine::ALL
            .into_iter()
            .find(|e| e.as_str() == s)
            .ok_or_else(|| format!("unknown engine `{s}`; the engines are sbpf (solana-sbpf 0.26) and tbpf (tos-tbpf 0.14.1)"))
    }
}

/// One call: its input, who makes it, and the chain state it starts from.
#[derive(Debug, Clone, Default)]
pub(crate) struct CallSetup<'a> {
    /// The bytes `get_input_data` returns.
    pub input: Vec<u8>,
    /// Who calls, in which block.
    pub env: chain::CallEnv,
    /// The state before the call.
    pub state: ChainState,
    /// Bytes of writable statics at the heap's start (the program's heap segment).
    pub statics: u64,
    /// The program's bytes: a fault names the function it happened in from their symbols.
    pub so: &'a [u8],
}

impl<'a> CallSetup<'a> {
    /// The call of `so` with `input` by `env` over `state`.
    pub fn new(so: &'a [u8], input: &[u8], env: &chain::CallEnv, state: &ChainState) -> Self {
        CallSetup {
            input: input.to_vec(),
            env: env.clone(),
            state: state.clone(),
            statics: crate::elf_check::statics_size(so),
            so,
        }
    }
}

/// Everything one execution produced.
pub(crate) struct Execution {
    /// The run's outcome.
    pub outcome: Outcome,
    /// Every syscall price charged, in call order.
    pub syscall_charges: Vec<u64>,
}

/// An interpreted run with its instruction trace, and what the profiler reads of the
/// program it ran.
pub(crate) struct TracedRun {
    /// The run.
    pub execution: Execution,
    /// The index of every instruction the interpreter started, in order.
    pub trace: Vec<u64>,
    /// The program's text, as loaded.
    pub text: Vec<u8>,
    /// The index of the entry instruction.
    pub entry: u64,
    /// For each instruction index: whether it calls a syscall.
    pub syscall_at: Vec<bool>,
    /// The engine's disassembly of every instruction the run executed, by index.
    pub disassembly: std::collections::HashMap<u64, String>,
}

/// The host state a call starts with: the call's value moved from the sender to the
/// contract first; a sender who cannot pay it is refused before anything runs.
pub(crate) fn host_for(call: &CallSetup, config: &Config) -> Result<Host, VmError> {
    let mut state = call.state.clone();
    let env = &call.env;
    if env.value > 0 && env.sender != env.contract {
        let have = state.balance(&env.sender);
        let credited = state.balance(&env.contract).checked_add(env.value);
        match credited {
            Some(credited) if have >= env.value => {
                state.set_balance(env.sender, have - env.value);
                state.set_balance(env.contract, credited);
            }
            _ => {
                return Err(VmError::Config(format!(
                    "the sender {} holds {have}, less than the call's value {} (or the \
                     contract's balance would overflow)",
                    hex::encode(env.sender),
                    env.value
                )))
            }
        }
    }
    Ok(Host::new(
        config.cu_limit,
        config.prices.clone(),
        config.heap_size,
        call.input.clone(),
        env.clone(),
        state,
    )
    .after_statics(call.statics))
}

/// What ended a run, in terms every engine's error maps to.
#[derive(Debug)]
pub(crate) enum EngineFault {
    /// The CU budget ran out (instructions or a syscall's price).
    Budget,
    /// More nested calls than the limit.
    CallDepth,
    /// A load or store outside the regions; `addr` is the address.
    Access { addr: u64, message: String },
    /// An access outside the stack.
    Stack { message: String },
    /// Division by zero or overflow.
    Division { message: String },
    /// An instruction the VM refuses at run time.
    Instruction { message: String },
    /// A syscall's own fault.
    Syscall(SyscallFault),
    /// Anything else the engine reports.
    Other { message: String },
}

/// The runtime error of `fault`, at instruction `pc` of `so`, after `consumed` of `limit`
/// CU; `last_log` names the trap a panic or an allocation failure ends at.
pub(crate) fn runtime_error(
    fault: EngineFault,
    consumed: u64,
    limit: u64,
    (so, pc): (&[u8], u64),
    last_log: Option<&String>,
) -> RuntimeError {
    let budget = || RuntimeError {
        kind: FaultKind::ComputeBudgetExceeded,
        message: format!("compute budget exceeded: {consumed} CU consumed (limit {limit})"),
    };
    let at = |kind, message: String| RuntimeError {
        kind,
        message: match crate::symbols::function_at(so, pc) {
            Some(function) => format!("{message}; at instruction #{pc} of .text, in {function}"),
            None => format!("{message}; at instruction #{pc} of .text"),
        },
    };
    match fault {
        EngineFault::Budget | EngineFault::Syscall(SyscallFault::ComputeBudget) => budget(),
        EngineFault::CallDepth => at(
            FaultKind::CallDepthExceeded,
            format!(
                "call depth exceeded: more than {} nested calls, unbounded recursion?",
                tako_abi::MAX_CALL_DEPTH
            ),
        ),
        EngineFault::Access { addr, .. } if Trap::at(addr).is_some() => {
            trap_fault(Trap::at(addr).expect("checked"), last_log)
        }
        EngineFault::Access { message, .. } => at(FaultKind::AccessViolation, lowercase_first(&message)),
        EngineFault::Stack { message } => at(
            FaultKind::StackOverflow,
            format!(
                "stack overflow: {} (the {} KiB stack holds {} nested SBPF V0 calls, each a {} KiB frame and the gap after it; V3 sizes each function's frame)",
                lowercase_first(&message),
                tako_abi::STACK_SIZE / 1024,
                tako_abi::STACK_SIZE / (2 * tako_abi::STACK_FRAME_SIZE),
                tako_abi::STACK_FRAME_SIZE / 1024
            ),
        ),
        EngineFault::Division { message } => at(FaultKind::DivisionError, message),
        EngineFault::Instruction { message } => at(FaultKind::InvalidInstruction, message),
        EngineFault::Syscall(fault) => RuntimeError {
            kind: fault.kind(),
            message: fault.to_string(),
        },
        EngineFault::Other { message } => RuntimeError {
            kind: FaultKind::Other,
            message,
        },
    }
}

/// The fault a store to a trap address stands for, with `last_log` (what the SDK logged
/// just before it: `panicked at src/lib.rs:10:5`) as its message.
fn trap_fault(trap: Trap, last_log: Option<&String>) -> RuntimeError {
    let logged = |prefix: &str| last_log.filter(|l| l.starts_with(prefix)).cloned();
    match trap {
        Trap::Abort => RuntimeError {
            kind: FaultKind::Abort,
            message: "the contract aborted".into(),
        },
        Trap::Panic => RuntimeError {
            kind: FaultKind::Panic,
            message: logged("panicked at").unwrap_or_else(|| "the contract panicked".into()),
        },
        Trap::AllocError => RuntimeError {
            kind: FaultKind::AllocError,
            message: logged("memory allocation of")
                .unwrap_or_else(|| "an infallible allocation failed".into()),
        },
    }
}

fn lowercase_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// How an engine's run ended.
pub(crate) struct RunEnd {
    /// The engine that ran it.
    pub engine: Engine,
    /// `r0`, or the fault and the instruction index it happened at.
    pub result: Result<u64, (EngineFault, u64)>,
    /// CU consumed.
    pub consumed: u64,
    /// Wall-clock time of the execution.
    pub run_time: Duration,
}

/// The outcome of a run that ended as `end` says, leaving `heap`. As TOS's node: only a
/// call that returns 0 commits its state, transfers and events; a fault or any other return
/// code commits nothing.
pub(crate) fn finish(
    mut host: Host,
    call: &CallSetup,
    config: &Config,
    heap: &[u8],
    end: RunEnd,
) -> Execution {
    let RunEnd {
        engine,
        result,
        consumed,
        run_time,
    } = end;
    let (return_value, error) = match result {
        Ok(r0) => (Some(r0), None),
        Err((fault, pc)) => (
            None,
            Some(runtime_error(
                fault,
                consumed,
                config.cu_limit,
                (call.so, pc),
                host.logs.last(),
            )),
        ),
    };
    let touched = heap
        .iter()
        .rposition(|&b| b != 0)
        .map_or(0, |i| i as u64 + 1);
    let succeeded = return_value == Some(tako_abi::code::SUCCESS);
    let committed = succeeded.then(|| std::mem::take(&mut host.state));
    let contract = &call.env.contract;
    let (storage_writes, balance_changes, events) = match &committed {
        Some(after) => (
            chain::storage_diff(
                call.state.storage.get(contract),
                after.storage.get(contract),
            ),
            chain::balance_diff(&call.state, after),
            std::mem::take(&mut host.events),
        ),
        None => (Vec::new(), Vec::new(), Vec::new()),
    };
    let outcome = Outcome {
        engine,
        return_value,
        cu_consumed: consumed,
        logs: std::mem::take(&mut host.logs),
        return_data: std::mem::take(&mut host.return_data),
        heap_used: touched.max(host.bump_next),
        statics: call.statics,
        heap_size: heap.len() as u64,
        allocator: tos_alloc::inspect::inspect_vm(heap, call.statics),
        error,
        run_time,
        events,
        storage_writes,
        balance_changes,
        state: committed,
        syscalls: std::mem::take(&mut host.calls),
    };
    Execution {
        outcome,
        syscall_charges: std::mem::take(&mut host.syscall_charges),
    }
}

/// Test support shared by the engines' tests.
#[cfg(test)]
pub(crate) mod testing {
    use super::TracedRun;

    /// `full-rust` built for `arch` (`v0`, `v3`): a large program whose run executes
    /// thousands of distinct instructions.
    pub(crate) fn full_rust(arch: &str) -> Vec<u8> {
        let path = tako_test_support::build_contract_with("full-rust", &["--arch", arch]);
        std::fs::read(path).unwrap()
    }

    /// `run`'s disassembly holds exactly the instructions it executed, each with the text
    /// the engine's static analysis gives it (`analysis`: every instruction's index and
    /// text).
    pub(crate) fn assert_disassembly_is(
        run: &TracedRun,
        analysis: impl Iterator<Item = (u64, String)>,
        what: &str,
    ) {
        let mut compared = 0;
        for (pc, expected) in analysis {
            if let Some(text) = run.disassembly.get(&pc) {
                assert_eq!(*text, expected, "{what}: instruction {pc}");
                compared += 1;
            }
        }
        let executed: std::collections::HashSet<u64> = run.trace.iter().copied().collect();
        assert_eq!(compared, executed.len(), "{what}");
        assert_eq!(run.disassembly.len(), executed.len(), "{what}");
        assert!(compared > 1000, "{what}: {compared} instructions");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traps_are_named_by_their_address_and_logged_message() {
        let log = "panicked at src/lib.rs:3:5".to_string();
        let f = trap_fault(Trap::Panic, Some(&log));
        assert_eq!(
            (f.kind, f.message.as_str()),
            (FaultKind::Panic, log.as_str())
        );
        let f = trap_fault(Trap::AllocError, Some(&log));
        assert_eq!(f.kind, FaultKind::AllocError);
        assert_eq!(
            f.message, "an infallible allocation failed",
            "an unrelated log is not the message"
        );
        assert_eq!(trap_fault(Trap::Abort, None).kind, FaultKind::Abort);
    }

    #[test]
    fn engines_parse_by_name() {
        assert_eq!("tbpf".parse::<Engine>(), Ok(Engine::Tbpf));
        assert!("x".parse::<Engine>().unwrap_err().contains("sbpf"));
    }
}
