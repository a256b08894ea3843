//! The solana-sbpf engine: loading (pre-flight checks, solana-sbpf's loader, the verifier,
//! the JIT) and executing a program over TOS's executor memory map: the program, a 256 KiB
//! stack without gaps, the heap; no input region, `r1` = 0.

use std::sync::Arc;
use std::time::Instant;

use solana_sbpf::aligned_memory::AlignedMemory;
use solana_sbpf::ebpf::HOST_ALIGN;
use solana_sbpf::elf::Executable;
use solana_sbpf::error::{EbpfError, ProgramResult};
use solana_sbpf::interpreter::Interpreter;
use solana_sbpf::memory_region::{MemoryMapping, MemoryRegion};
use solana_sbpf::program::{BuiltinProgram, SBPFVersion};
use solana_sbpf::verifier::RequisiteVerifier;
use solana_sbpf::vm::{CallFrame, Config as SbpfConfig, ContextObject, EbpfVm, ExecutionMode};
use tako_abi::{MAX_CALL_DEPTH, MM_HEAP_START, MM_STACK_START, STACK_FRAME_SIZE, STACK_SIZE};

use super::sbpf_context::{self as context, TakoContext};
use super::{finish, host_for, CallSetup, Execution, TracedRun};
use crate::config::Config;
use crate::elf_check;
use crate::error::VmError;

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

crate::verify::rejection_from!(solana_sbpf::verifier::VerifierError);
crate::loader::load_problem_from!(solana_sbpf::elf::ElfError, UnsupportedSBPFVersion);

/// Checks, loads and verifies `so`; JIT-compiles it when `jit`.
pub(crate) fn load(so: &[u8], jit: bool) -> Result<Program, VmError> {
    elf_check::preflight(so)?;
    if elf_check::e_flags(so) == Some(3) {
        return Err(VmError::V3NeedsTbpf);
    }
    let mut loader = BuiltinProgram::new_loader(sbpf_config());
    context::register_all(&mut loader)
        .map_err(|e| VmError::Engine(format!("solana-sbpf cannot register the syscalls: {e}")))?;
    let program = Executable::from_elf(so, Arc::new(loader)).map_err(|e| match e {
        EbpfError::ElfError(e) => load_error(e),
        other => VmError::Engine(format!("solana-sbpf cannot load the program: {other}")),
    })?;
    program.verify::<RequisiteVerifier>().map_err(|e| match e {
        EbpfError::VerifierError(e) => VmError::Verify(rejection(so, e)),
        other => VmError::Engine(format!("solana-sbpf cannot verify the program: {other}")),
    })?;
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
    let host = host_for(call, config)?;
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
    let result = match result {
        ProgramResult::Ok(r0) => Ok(r0),
        ProgramResult::Err(err) => Err((engine_fault(err), pc)),
    };
    Ok(finish(
        ctx.host,
        call,
        config,
        heap.as_slice(),
        super::RunEnd {
            engine: super::Engine::Sbpf,
            result,
            consumed,
            run_time,
        },
    ))
}

/// Runs `program` for `call` in the interpreter, recording every instruction it starts.
pub(crate) fn trace(
    program: &Program,
    call: &CallSetup,
    config: &Config,
) -> Result<TracedRun, VmError> {
    let mut trace = Vec::new();
    let execution = execute(program, call, config, Some(&mut trace))?;
    let (_, text) = program.get_text_bytes();
    let registry = program.get_loader().get_function_registry();
    let syscall_at = (0..text.len() / solana_sbpf::ebpf::INSN_SIZE)
        .map(|pc| {
            let insn = solana_sbpf::ebpf::get_insn(text, pc);
            insn.opc == solana_sbpf::ebpf::CALL_IMM
                && registry.lookup_by_key(insn.imm as u32).is_some()
        })
        .collect();
    let disassembly = disassemble(program, &trace.iter().copied().collect());
    Ok(TracedRun {
        execution,
        trace,
        text: text.to_vec(),
        entry: program.get_entrypoint_instruction_offset() as u64,
        syscall_at,
        disassembly,
    })
}

disassemble_with!(solana_sbpf, get_sbpf_version);

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

engine_fault_from!(solana_sbpf::error::EbpfError, "solana-sbpf");

#[cfg(test)]
mod tests {
    use super::*;

    /// The disassembly of a run's instructions is the static analysis's, text for text.
    #[test]
    fn the_disassembly_is_the_static_analysis_text() {
        let so = super::super::testing::full_rust("v0");
        let program = load(&so, false).unwrap();
        let setup = CallSetup::new(&so, &[], &Default::default(), &Default::default());
        let run = trace(&program, &setup, &Config::default()).unwrap();
        let analysis = solana_sbpf::static_analysis::Analysis::from_executable(&program).unwrap();
        let texts = analysis.instructions.iter().map(|insn| {
            (
                insn.ptr as u64,
                analysis.disassemble_instruction(insn, insn.ptr),
            )
        });
        super::super::testing::assert_disassembly_is(&run, texts, "v0");
    }
}
