//! Loading (pre-flight checks, solana-sbpf's loader, the verifier, the JIT) and executing a
//! program over the TAKO memory map.

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
use tako_abi::{Env, MM_ENV_START, MM_HEAP_START, MM_INPUT_START, MM_STACK_START};

use crate::config::Config;
use crate::context::TakoContext;
use crate::elf_check;
use crate::error::{FaultKind, RuntimeError, VmError};
use crate::outcome::Outcome;
use crate::syscalls::{self, SyscallFault};

/// The loaded, verified program type.
pub(crate) type Program = Executable<TakoContext>;

/// solana-sbpf settings of the TAKO VM: SBPF V0 only, broken ELFs rejected, 64 frames of
/// 4 KiB with gaps, instruction meter on (the rest are solana-sbpf's defaults).
pub fn sbpf_config() -> SbpfConfig {
    SbpfConfig {
        reject_broken_elfs: true,
        enabled_sbpf_versions: SBPFVersion::V0..=SBPFVersion::V0,
        enable_instruction_meter: true,
        ..SbpfConfig::default()
    }
}

/// Builds the input region: the input's length as a little-endian `u64`, then its bytes.
pub fn input_region(input: &[u8]) -> Vec<u8> {
    let mut region = Vec::with_capacity(8 + input.len());
    region.extend_from_slice(&(input.len() as u64).to_le_bytes());
    region.extend_from_slice(input);
    region
}

/// Checks, loads and verifies `so`; JIT-compiles it when `jit`.
pub(crate) fn load(so: &[u8], jit: bool) -> Result<Program, VmError> {
    elf_check::preflight(so)?;
    let mut loader = BuiltinProgram::new_loader(sbpf_config());
    syscalls::register_all(&mut loader).map_err(VmError::Load)?;
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

/// Executes `program` over a fresh memory map. With `trace`, runs the interpreter step by
/// step and pushes the index of every instruction it starts (`config.jit` is ignored).
pub(crate) fn execute(
    program: &Program,
    input: &[u8],
    config: &Config,
    trace: Option<&mut Vec<u64>>,
) -> Result<Execution, VmError> {
    let sbpf = program.get_config();
    let version = program.get_sbpf_version();
    let heap_len = usize::try_from(config.heap_size).map_err(|_| VmError::HeapSize {
        requested: config.heap_size,
    })?;
    let mut stack = AlignedMemory::<HOST_ALIGN>::zero_filled(sbpf.stack_size());
    let stack_len = stack.len();
    let mut heap = AlignedMemory::<HOST_ALIGN>::zero_filled(heap_len);
    let mut input_mem = AlignedMemory::<HOST_ALIGN>::from_slice(&input_region(input));
    let env = Env {
        heap_size: config.heap_size,
    };
    let env_mem = AlignedMemory::<HOST_ALIGN>::from_slice(&env.to_bytes());
    let frame_gap = if version.stack_frame_gaps() && sbpf.enable_stack_frame_gaps {
        sbpf.stack_frame_size as u64
    } else {
        0
    };
    let regions = vec![
        program.get_ro_region(),
        MemoryRegion::new_gapped(&mut stack, MM_STACK_START, frame_gap),
        MemoryRegion::new(&mut heap, MM_HEAP_START),
        MemoryRegion::new(&mut input_mem, MM_INPUT_START),
        MemoryRegion::new(&env_mem, MM_ENV_START),
    ];
    // SAFETY: every region points into memory that outlives the mapping's use: the program's
    // read-only section (owned by `program`) and `stack`, `heap`, `input_mem` and `env_mem`,
    // which live until the end of this function, after the VM is dropped. The writable regions are
    // plain byte buffers: any bytes the guest writes keep them valid.
    let mapping = unsafe { MemoryMapping::new(regions, sbpf, version) }
        .map_err(|e| VmError::Setup(e.to_string()))?;
    let mut ctx = TakoContext::new(mapping, config.cu_limit, config.prices, config.heap_size);

    let started = Instant::now();
    let (consumed, result, pc) = {
        let mut vm = EbpfVm::new(program.get_loader().clone(), version, &mut ctx, stack_len);
        vm.registers[1] = MM_INPUT_START;
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

    let (return_value, error) = match result {
        ProgramResult::Ok(r0) => (Some(r0), None),
        ProgramResult::Err(err) => (None, Some(fault(err, consumed, config.cu_limit, pc))),
    };
    let touched = heap
        .as_slice()
        .iter()
        .rposition(|&b| b != 0)
        .map_or(0, |i| i as u64 + 1);
    let outcome = Outcome {
        return_value,
        cu_consumed: consumed,
        logs: std::mem::take(&mut ctx.logs),
        return_data: std::mem::take(&mut ctx.return_data),
        heap_used: touched.max(ctx.bump_next),
        allocator: tos_alloc::inspect::inspect_vm(heap.as_slice()),
        error,
        run_time,
    };
    Ok(Execution {
        outcome,
        syscall_charges: std::mem::take(&mut ctx.syscall_charges),
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

/// Turns the VM's error into a [`RuntimeError`].
fn fault(err: EbpfError, consumed: u64, limit: u64, pc: u64) -> RuntimeError {
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
        EbpfError::AccessViolation(..) => at(
            FaultKind::AccessViolation,
            lowercase_first(&err.to_string()),
        ),
        EbpfError::StackAccessViolation(..) => at(
            FaultKind::StackOverflow,
            format!(
                "stack overflow: {} (each call frame has 4 KiB)",
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
    fn input_region_is_length_prefixed() {
        assert_eq!(input_region(b""), 0u64.to_le_bytes());
        assert_eq!(input_region(b"ab"), [2, 0, 0, 0, 0, 0, 0, 0, b'a', b'b']);
    }
}
