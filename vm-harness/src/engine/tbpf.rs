//! The tos-tbpf engine: TOS's own VM crate (`=0.14.1`), configured as TOS's executor
//! configures it (`Config::default()` with SBPF V0..=V3, 64 nested calls, aligned memory
//! mapping, broken ELFs accepted, no verifier call in TOS's node: the local VM still runs
//! the requisite verifier), interpreted. The syscalls are [`Host::syscall`], the same code
//! the solana-sbpf engine runs.

use std::sync::Arc;
use std::time::Instant;

use tako_abi::{MAX_CALL_DEPTH, MM_HEAP_START, MM_STACK_START, STACK_SIZE};
use tos_tbpf::aligned_memory::AlignedMemory;
use tos_tbpf::declare_builtin_function;
use tos_tbpf::ebpf::HOST_ALIGN;
use tos_tbpf::elf::{ElfError, Executable};
use tos_tbpf::error::{EbpfError, ProgramResult};
use tos_tbpf::interpreter::Interpreter;
use tos_tbpf::memory_region::{AccessType, MemoryMapping, MemoryRegion};
use tos_tbpf::program::{BuiltinProgram, TBPFVersion};
use tos_tbpf::verifier::RequisiteVerifier;
use tos_tbpf::vm::{Config as TbpfConfig, ContextObject, EbpfVm};

use super::{finish, host_for, CallSetup, Execution, TracedRun};
use crate::config::Config;
use crate::elf_check;
use crate::error::VmError;
use crate::loader::LoadProblem;
use crate::syscalls::{Access, Host, SyscallFault, Translate};

/// A loaded, verified program on tos-tbpf.
pub(crate) type Program = Executable<TbpfContext>;

/// tos-tbpf's settings as TOS's executor sets them.
pub fn tbpf_config() -> TbpfConfig {
    TbpfConfig {
        max_call_depth: MAX_CALL_DEPTH as usize,
        enabled_tbpf_versions: TBPFVersion::V0..=TBPFVersion::V3,
        aligned_memory_mapping: true,
        reject_broken_elfs: false,
        ..TbpfConfig::default()
    }
}

/// The context object of a run on tos-tbpf: the call's [`Host`].
pub struct TbpfContext {
    host: Host,
}

impl ContextObject for TbpfContext {
    fn consume(&mut self, amount: u64) {
        self.host.consume(amount);
    }

    fn get_remaining(&self) -> u64 {
        self.host.remaining()
    }
}

/// tos-tbpf's memory mapping as the syscalls' [`Memory`].
struct Mapped<'a, 'b>(&'a mut MemoryMapping<'b>);

// SAFETY: `MemoryMapping::map` succeeds only for a range inside one region that allows the
// access, and returns its host address; the regions' buffers outlive the run and the host
// touches them only through syscalls, one at a time.
unsafe impl Translate for Mapped<'_, '_> {
    fn host_addr(
        &self,
        syscall: &'static str,
        access: Access,
        addr: u64,
        len: u64,
    ) -> Result<*mut u8, SyscallFault> {
        let access = match access {
            Access::Load => AccessType::Load,
            Access::Store => AccessType::Store,
        };
        match self.0.map(access, addr, len) {
            ProgramResult::Ok(host) => Ok(host as *mut u8),
            ProgramResult::Err(err) => Err(SyscallFault::Memory {
                syscall,
                message: err.to_string(),
            }),
        }
    }
}

/// The position of `name` in `tako_abi::SYSCALLS`.
fn index_of(name: &str) -> usize {
    tako_abi::SYSCALLS
        .iter()
        .position(|s| s.name == name)
        .expect("a syscall of the ABI")
}

/// One builtin per syscall, named as in the ABI, each forwarding to [`Host::syscall`].
#[allow(non_camel_case_types)]
mod imp {
    use super::*;

    macro_rules! builtins {
        ($( $(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty
            [$class:ident, $origin:ident, $price:expr]; )*) => {
            $(
                declare_builtin_function!(
                    $(#[$doc])*
                    $name,
                    fn rust(
                        ctx: &mut TbpfContext,
                        a: u64,
                        b: u64,
                        c: u64,
                        d: u64,
                        e: u64,
                        memory_mapping: &mut MemoryMapping,
                    ) -> Result<u64, Box<dyn std::error::Error>> {
                        let spec = &tako_abi::SYSCALLS[index_of(stringify!($name))];
                        ctx.host
                            .syscall(&mut Mapped(memory_mapping), spec, [a, b, c, d, e])
                            .map_err(|f| Box::new(f) as Box<dyn std::error::Error>)
                    }
                );
            )*
        };
    }
    tako_abi::with_syscalls!(builtins);
}

/// Registers every syscall of the ABI in `loader`.
fn register_all(loader: &mut BuiltinProgram<TbpfContext>) -> Result<(), ElfError> {
    macro_rules! register {
        ($( $(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty
            [$class:ident, $origin:ident, $price:expr]; )*) => {
            $( loader.register_function(stringify!($name), imp::$name::vm)?; )*
        };
    }
    tako_abi::with_syscalls!(register);
    Ok(())
}

crate::verify::rejection_from!(tos_tbpf::verifier::VerifierError);
crate::loader::load_problem_from!(tos_tbpf::elf::ElfError, UnsupportedTBPFVersion);

/// Checks, loads and verifies `so` on tos-tbpf.
pub(crate) fn load(so: &[u8]) -> Result<Program, VmError> {
    elf_check::preflight(so)?;
    let mut loader = BuiltinProgram::new_loader(tbpf_config());
    register_all(&mut loader).map_err(|e| VmError::Engine(format!("tos-tbpf: {e}")))?;
    let program = Executable::load(so, Arc::new(loader)).map_err(|e| {
        // tos-tbpf says "invalid file/program header" for many causes: name the one.
        let named = (elf_check::e_flags(so) == Some(3))
            .then(|| crate::v3_check::v3_header_problem(so))
            .flatten();
        match named {
            Some(why) => VmError::Load(LoadProblem::V3Header(why)),
            None => load_error(e),
        }
    })?;
    program.verify::<RequisiteVerifier>().map_err(|e| match e {
        EbpfError::VerifierError(e) => VmError::Verify(rejection(so, e)),
        other => VmError::Engine(format!("tos-tbpf cannot verify the program: {other}")),
    })?;
    Ok(program)
}

/// Executes `program` for `call` over a fresh memory map, in the interpreter. With `trace`,
/// runs it step by step and pushes the index of every instruction it starts.
pub(crate) fn execute(
    program: &Program,
    call: &CallSetup,
    config: &Config,
    trace: Option<&mut Vec<u64>>,
) -> Result<Execution, VmError> {
    let tbpf = program.get_config();
    let version = program.get_tbpf_version();
    let heap_len = usize::try_from(config.heap_size).map_err(|_| VmError::HeapSize {
        requested: config.heap_size,
    })?;
    let mut ctx = TbpfContext {
        host: host_for(call, config)?,
    };
    let mut stack = AlignedMemory::<HOST_ALIGN>::zero_filled(STACK_SIZE as usize);
    let stack_len = stack.len();
    let mut heap = AlignedMemory::<HOST_ALIGN>::zero_filled(heap_len);
    let started = Instant::now();
    let (consumed, result, pc) = {
        let regions = vec![
            program.get_ro_region(),
            MemoryRegion::new_writable(stack.as_slice_mut(), MM_STACK_START),
            MemoryRegion::new_writable(heap.as_slice_mut(), MM_HEAP_START),
        ];
        let mapping = MemoryMapping::new(regions, tbpf, version)
            .map_err(|e| VmError::Setup(format!("tos-tbpf: {e}")))?;
        let mut vm = EbpfVm::new(
            program.get_loader().clone(),
            version,
            &mut ctx,
            mapping,
            stack_len,
        );
        let (result, pc) = match trace {
            Some(trace) => interpret_traced(&mut vm, program, trace),
            None => {
                let (_, result) = vm.execute_program(program, true);
                (result, vm.registers[11])
            }
        };
        // As TOS's executor: CU used = budget - what is left (instructions and syscalls).
        (
            config
                .cu_limit
                .saturating_sub(vm.context_object_pointer.get_remaining()),
            result,
            pc,
        )
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
            engine: super::Engine::Tbpf,
            result,
            consumed,
            run_time,
        },
    ))
}

/// `EbpfVm::execute_program` interpreted, one `step` at a time, recording the instruction
/// index before each step. Returns (result, final pc).
fn interpret_traced(
    vm: &mut EbpfVm<'_, TbpfContext>,
    program: &Program,
    trace: &mut Vec<u64>,
) -> (ProgramResult, u64) {
    vm.registers[11] = program.get_entrypoint_instruction_offset() as u64;
    vm.previous_instruction_meter = vm.context_object_pointer.get_remaining();
    vm.due_insn_count = 0;
    vm.program_result = ProgramResult::Ok(0);
    let registers = vm.registers;
    let pc = {
        let mut interpreter = Interpreter::new(vm, program, registers);
        loop {
            trace.push(interpreter.reg[11]);
            if !interpreter.step() {
                break interpreter.reg[11];
            }
        }
    };
    let due = vm.due_insn_count;
    vm.context_object_pointer.consume(due);
    let result = std::mem::replace(&mut vm.program_result, ProgramResult::Ok(0));
    (result, pc)
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
    let static_syscalls = program.get_tbpf_version().static_syscalls();
    let registry = program.get_loader().get_function_registry();
    // As the interpreter decodes `call imm`: with static syscalls, src 1 is a call inside
    // the program and anything else a syscall by its hash; in V0, the hash alone decides.
    let syscall_at = (0..text.len() / tos_tbpf::ebpf::INSN_SIZE)
        .map(|pc| {
            let insn = tos_tbpf::ebpf::get_insn(text, pc);
            insn.opc == tos_tbpf::ebpf::CALL_IMM
                && !(static_syscalls && insn.src == 1)
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

disassemble_with!(tos_tbpf, get_tbpf_version);

engine_fault_from!(tos_tbpf::error::EbpfError, "tos-tbpf");

#[cfg(test)]
mod tests {
    use super::*;
    use tos_tbpf::ebpf::hash_symbol_name;

    #[test]
    fn every_abi_syscall_is_registered() {
        let mut loader = BuiltinProgram::<TbpfContext>::new_loader(tbpf_config());
        register_all(&mut loader).unwrap();
        let registry = loader.get_function_registry();
        for spec in tako_abi::SYSCALLS {
            let (name, _) = registry
                .lookup_by_key(hash_symbol_name(spec.name.as_bytes()))
                .unwrap_or_else(|| panic!("{} is not registered", spec.name));
            assert_eq!(name, spec.name.as_bytes());
        }
    }

    /// The disassembly of a run's instructions is the static analysis's, text for text, on
    /// both versions tos-tbpf runs here (V3 has static syscalls and relative calls).
    #[test]
    fn the_disassembly_is_the_static_analysis_text() {
        for arch in ["v0", "v3"] {
            let so = super::super::testing::full_rust(arch);
            let program = load(&so).unwrap();
            let setup = CallSetup::new(&so, &[], &Default::default(), &Default::default());
            let run = trace(&program, &setup, &Config::default()).unwrap();
            let analysis = tos_tbpf::static_analysis::Analysis::from_executable(&program).unwrap();
            let texts = analysis.instructions.iter().map(|insn| {
                (
                    insn.ptr as u64,
                    analysis.disassemble_instruction(insn, insn.ptr),
                )
            });
            super::super::testing::assert_disassembly_is(&run, texts, arch);
        }
    }
}
