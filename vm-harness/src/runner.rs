//! Loading (pre-flight checks, solana-sbpf's loader, the verifier, the JIT) and executing a
//! program over TOS's executor memory map: the program, a 256 KiB stack without gaps, the
//! heap; no input region, `r1` = 0.

use std::sync::Arc;
use std::time::Instant;

use solana_sbpf::aligned_memory::AlignedMemory;
use solana_sbpf::ebpf::HOST_ALIGN;
use solana_sbpf::elf::{ElfError, Executable};
use solana_sbpf::error::{EbpfError, ProgramResult};
use solana_sbpf::interpreter::Interpreter;
use solana_sbpf::memory_region::{MemoryMapping, MemoryRegion};
use solana_sbpf::program::{BuiltinProgram, SBPFVersion};
use solana_sbpf::verifier::RequisiteVerifier;
use solana_sbpf::vm::{CallFrame, Config as SbpfConfig, ContextObject, EbpfVm, ExecutionMode};
use tako_abi::{Trap, MAX_CALL_DEPTH, MM_HEAP_START, MM_STACK_START, STACK_FRAME_SIZE, STACK_SIZE};

use crate::chain::{self, CallEnv, ChainState};
use crate::config::Config;
use crate::context::{self, TakoContext};
use crate::elf_check;
use crate::error::{FaultKind, RuntimeError, VmError};
use crate::outcome::Outcome;
use crate::syscalls::{Host, SyscallFault};

/// The loaded, verified program type.
pub(crate) type Program = Executable<TakoContext>;

/// solana-sbpf settings of the local VM, as TOS's executor sets tos-tbpf: SBPF V0..=V3,
/// 64 nested calls, 4 KiB frames, instruction meter on. One difference: broken ELFs are
/// rejected (TOS accepts them), so that an unknown syscall is refused when the program
/// loads, naming it, instead of failing when it is called.
pub fn sbpf_config() -> SbpfConfig {
    SbpfConfig {
        reject_broken_elfs: true,
        enabled_sbpf_versions: SBPFVersion::V0..=SBPFVersion::V3,
        max_call_depth: MAX_CALL_DEPTH as usize,
        stack_frame_size: STACK_FRAME_SIZE as usize,
        enable_instruction_meter: true,
        ..SbpfConfig::default()
    }
}

// The stack TOS maps is exactly solana-sbpf's stack for these settings (64 frames of 4 KiB).
const _: () = assert!(STACK_SIZE == STACK_FRAME_SIZE * MAX_CALL_DEPTH);

/// Checks, loads and verifies `so`; JIT-compiles it when `jit`.
pub(crate) fn load(so: &[u8], jit: bool) -> Result<Program, VmError> {
    elf_check::preflight(so)?;
    let mut loader = BuiltinProgram::new_loader(sbpf_config());
    context::register_all(&mut loader).map_err(VmError::Load)?;
    let program = Executable::from_elf(so, Arc::new(loader)).map_err(|e| match e {
        EbpfError::ElfError(ElfError::UnresolvedSymbol(name, instruction, _)) => {
            VmError::UnknownSyscall { name, instruction }
        }
        EbpfError::ElfError(e) => VmError::Load(e),
        other => VmError::Load(ElfError::FailedToParse(other.to_string())),
    })?;
    program
        .verify::<RequisiteVerifier>()
        .map_err(|e| VmError::Verify(e.to_string()))?;
    if jit {
        compile(&program)?;
    }
    Ok(program)
}

#[cfg(all(not(target_os = "windows"), target_arch = "x86_64"))]
fn compile(program: &Program) -> Result<(), VmError> {
    program
        .jit_compile()
        .map_err(|e| VmError::Jit(e.to_string()))
}

#[cfg(not(all(not(target_os = "windows"), target_arch = "x86_64")))]
fn compile(_: &Program) -> Result<(), VmError> {
    Err(VmError::Jit(
        "solana-sbpf's JIT only exists for x86_64 (not Windows)".into(),
    ))
}

/// Everything one execution produced.
pub(crate) struct Execution {
    /// The run's outcome.
    pub outcome: Outcome,
    /// Every syscall price charged, in call order.
    pub syscall_charges: Vec<u64>,
}

/// One call: its input, who makes it, and the chain state it starts from.
#[derive(Debug, Clone, Default)]
pub(crate) struct CallSetup {
    /// The bytes `get_input_data` returns.
    pub input: Vec<u8>,
    /// Who calls, in which block.
    pub env: CallEnv,
    /// The state before the call.
    pub state: ChainState,
}

/// Executes `program` for `call` over a fresh memory map. With `trace`, runs the
/// interpreter step by step and pushes the index of every instruction it starts
/// (`config.jit` is ignored). The call's value moves from the sender to the contract first;
/// a sender who cannot pay it is refused before anything runs.
pub(crate) fn execute(
    program: &Program,
    call: &CallSetup,
    config: &Config,
    trace: Option<&mut Vec<u64>>,
) -> Result<Execution, VmError> {
    let sbpf = program.get_config();
    let version = program.get_sbpf_version();
    let heap_len = usize::try_from(config.heap_size).map_err(|_| VmError::HeapSize {
        requested: config.heap_size,
    })?;
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
    let mut stack = AlignedMemory::<HOST_ALIGN>::zero_filled(STACK_SIZE as usize);
    let stack_len = stack.len();
    let mut heap = AlignedMemory::<HOST_ALIGN>::zero_filled(heap_len);
    // As TOS's executor: the stack is mapped whole, without gaps between frames (a V0
    // program's frames still advance by two frame sizes, so it gets 32 of them).
    let regions = vec![
        program.get_ro_region(),
        MemoryRegion::new(&mut stack, MM_STACK_START),
        MemoryRegion::new(&mut heap, MM_HEAP_START),
    ];
    // SAFETY: every region points into memory that outlives the mapping's use: the program's
    // read-only section (owned by `program`) and `stack` and `heap`, which live until the end
    // of this function, after the VM is dropped. The writable regions are plain byte
    // buffers: any bytes the guest writes keep them valid.
    let mapping = unsafe { MemoryMapping::new(regions, sbpf, version) }
        .map_err(|e| VmError::Setup(e.to_string()))?;
    let before = state.clone();
    let host = Host::new(
        config.cu_limit,
        config.prices.clone(),
        config.heap_size,
        call.input.clone(),
        env.clone(),
        state,
    );
    let mut ctx = TakoContext::new(mapping, host);

    let started = Instant::now();
    let (consumed, result, pc) = {
        let mut vm = EbpfVm::new(program.get_loader().clone(), version, &mut ctx, stack_len);
        // TOS's executor sets no argument register: r1 is 0.
        vm.registers[1] = 0;
        let mut frames = vec![CallFrame::default(); sbpf.max_call_depth];
        match trace {
            Some(trace) => interpret_traced(&mut vm, program, &mut frames, trace),
            None => {
                let mut mode = if config.jit {
                    ExecutionMode::Jit
                } else {
                    ExecutionMode::Interpreted
                };
                let (consumed, result) = vm.execute_program(program, &mut mode, &mut frames);
                (consumed, result, vm.registers[11])
            }
        }
    };
    let run_time = started.elapsed();
    let host = &mut ctx.host;

    let (return_value, error) = match result {
        ProgramResult::Ok(r0) => (Some(r0), None),
        ProgramResult::Err(err) => (
            None,
            Some(fault(err, consumed, config.cu_limit, pc, host.logs.last())),
        ),
    };
    let touched = heap
        .as_slice()
        .iter()
        .rposition(|&b| b != 0)
        .map_or(0, |i| i as u64 + 1);
    // As TOS's node: only a call that returns 0 commits its state, transfers and events;
    // a fault or any other return code commits nothing.
    let succeeded = return_value == Some(tako_abi::code::SUCCESS);
    let committed = succeeded.then(|| std::mem::take(&mut host.state));
    let (storage_writes, balance_changes, events) = match &committed {
        Some(after) => (
            chain::storage_diff(
                before.storage.get(&env.contract),
                after.storage.get(&env.contract),
            ),
            chain::balance_diff(&call.state, after),
            std::mem::take(&mut host.events),
        ),
        None => (Vec::new(), Vec::new(), Vec::new()),
    };
    let outcome = Outcome {
        return_value,
        cu_consumed: consumed,
        logs: std::mem::take(&mut host.logs),
        return_data: std::mem::take(&mut host.return_data),
        heap_used: touched.max(host.bump_next),
        allocator: tos_alloc::inspect::inspect_vm(heap.as_slice()),
        error,
        run_time,
        events,
        storage_writes,
        balance_changes,
        state: committed,
        syscalls: std::mem::take(&mut host.calls),
    };
    Ok(Execution {
        outcome,
        syscall_charges: std::mem::take(&mut host.syscall_charges),
    })
}

/// `EbpfVm::execute_program` in interpreter mode, one `step` at a time, recording the
/// instruction index before each step. Returns (CU consumed, result, final pc).
fn interpret_traced(
    vm: &mut EbpfVm<'_, TakoContext>,
    program: &Program,
    frames: &mut [CallFrame],
    trace: &mut Vec<u64>,
) -> (u64, ProgramResult, u64) {
    vm.registers[11] = program.get_entrypoint_instruction_offset() as u64;
    let initial = vm.context().get_remaining();
    vm.previous_instruction_meter = initial;
    vm.due_insn_count = 0;
    vm.program_result = ProgramResult::Ok(0);
    let registers = vm.registers;
    let pc = {
        let mut interpreter = Interpreter::new(vm, program, registers, frames);
        loop {
            trace.push(interpreter.reg[11]);
            if !interpreter.step() {
                break interpreter.reg[11];
            }
        }
    };
    let due = vm.due_insn_count;
    vm.context().consume(due);
    let consumed = initial.saturating_sub(vm.context().get_remaining());
    let result = std::mem::replace(&mut vm.program_result, ProgramResult::Ok(0));
    (consumed, result, pc)
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

/// Turns the VM's error into a [`RuntimeError`].
fn fault(
    err: EbpfError,
    consumed: u64,
    limit: u64,
    pc: u64,
    last_log: Option<&String>,
) -> RuntimeError {
    let budget = || RuntimeError {
        kind: FaultKind::ComputeBudgetExceeded,
        message: format!("compute budget exceeded: {consumed} CU consumed (limit {limit})"),
    };
    let at = |kind, message: String| RuntimeError {
        kind,
        message: format!("{message}; at instruction #{pc} of .text"),
    };
    match err {
        EbpfError::ExceededMaxInstructions => budget(),
        EbpfError::CallDepthExceeded => at(
            FaultKind::CallDepthExceeded,
            "call depth exceeded: more than 64 nested calls, unbounded recursion?".into(),
        ),
        EbpfError::AccessViolation(_, addr, _, _) if Trap::at(addr).is_some() => {
            trap_fault(Trap::at(addr).expect("checked"), last_log)
        }
        EbpfError::AccessViolation(..) => at(
            FaultKind::AccessViolation,
            lowercase_first(&err.to_string()),
        ),
        EbpfError::StackAccessViolation(..) => at(
            FaultKind::StackOverflow,
            format!(
                "stack overflow: {} (the 256 KiB stack holds 32 nested SBPF V0 calls of 4 KiB frames)",
                lowercase_first(&err.to_string())
            ),
        ),
        EbpfError::DivideByZero | EbpfError::DivideOverflow => {
            at(FaultKind::DivisionError, err.to_string())
        }
        EbpfError::InvalidInstruction
        | EbpfError::UnsupportedInstruction
        | EbpfError::ExecutionOverrun
        | EbpfError::CallOutsideTextSegment
        | EbpfError::ExitRootCallFrame => at(FaultKind::InvalidInstruction, err.to_string()),
        EbpfError::SyscallError(inner) => match inner.downcast_ref::<SyscallFault>() {
            Some(SyscallFault::ComputeBudget) => budget(),
            Some(fault) => RuntimeError {
                kind: fault.kind(),
                message: fault.to_string(),
            },
            None => RuntimeError {
                kind: FaultKind::Other,
                message: inner.to_string(),
            },
        },
        other => RuntimeError {
            kind: FaultKind::Other,
            message: other.to_string(),
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
}
