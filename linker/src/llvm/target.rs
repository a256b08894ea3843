//! The BPF target: LLVM's one-time set-up, the target machine, pass pipelines and object
//! emission.

use std::ffi::{c_char, CStr, CString};
use std::ptr;
use std::sync::Once;

use llvm_sys::core::{LLVMDisposeMemoryBuffer, LLVMGetBufferSize, LLVMGetBufferStart};
use llvm_sys::error::{LLVMDisposeErrorMessage, LLVMGetErrorMessage};
use llvm_sys::support::LLVMParseCommandLineOptions;
use llvm_sys::target::*;
use llvm_sys::target_machine::*;
use llvm_sys::transforms::pass_builder::*;

use super::{take_message, Module};

/// Registers the BPF target and sets LLVM's command-line options, once per process (the
/// first call's `stack_size` holds).
pub(crate) fn init(stack_size: u64) {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        // SAFETY: the BPF initialisers only register the target in LLVM's registry; they run
        // once (guarded by `Once`) before any other LLVM call.
        unsafe {
            LLVMInitializeBPFTargetInfo();
            LLVMInitializeBPFTarget();
            LLVMInitializeBPFTargetMC();
            LLVMInitializeBPFAsmPrinter();
        }
        // `-bpf-stack-size`: the largest frame (LLVM's BPF default is 512 bytes).
        // `expand-ir-insts` (run by `lower` and by code generation) must expand division
        // and float conversions wider than 64 bits: BPF cannot call the 128-bit helpers.
        // `-lsr-drop-solution`: loop strength reduction keeps its rewrite of a loop's
        // induction variables only when its cost model rates the rewrite cheaper than the
        // loop as it was. BPF's target does not ask for this by default; without it, LSR
        // adds pointer induction variables that push loop values into stack slots
        // (`BTreeMap` search loops among them).
        let stack =
            CString::new(format!("-bpf-stack-size={stack_size}")).expect("no NUL in the option");
        let args = [
            c"tako-linker".as_ptr(),
            stack.as_ptr(),
            c"-expand-div-rem-bits=64".as_ptr(),
            c"-expand-fp-convert-bits=64".as_ptr(),
            c"-lsr-drop-solution".as_ptr(),
        ];
        // SAFETY: `args` holds valid NUL-terminated strings that outlive the call.
        unsafe { LLVMParseCommandLineOptions(args.len() as i32, args.as_ptr(), ptr::null()) };
    });
}

/// Installs `handler` as LLVM's fatal-error handler, once per process. LLVM calls it
/// with its reason when it gives up, and it must not return.
pub(crate) fn install_fatal_error_handler(handler: extern "C" fn(*const c_char)) {
    static ONCE: Once = Once::new();
    // SAFETY: installs a process-wide handler once; the handler never returns into LLVM.
    ONCE.call_once(|| unsafe {
        llvm_sys::error_handling::LLVMInstallFatalErrorHandler(Some(handler))
    });
}

/// The `bpfel` target machine for one CPU, disposed on drop.
pub(crate) struct TargetMachine {
    raw: LLVMTargetMachineRef,
}

impl Drop for TargetMachine {
    fn drop(&mut self) {
        // SAFETY: created by `LLVMCreateTargetMachine`, disposed once.
        unsafe { LLVMDisposeTargetMachine(self.raw) }
    }
}

impl TargetMachine {
    /// The little-endian BPF machine for `cpu` (`v1`..`v4`) with the subtarget `features`
    /// (comma-separated, e.g. `+allows-misaligned-mem-access`), optimising aggressively.
    /// [`init`] must have run.
    pub(crate) fn bpf(cpu: &str, features: &str) -> Result<TargetMachine, String> {
        let triple = c"bpfel";
        let mut target = ptr::null_mut();
        let mut error = ptr::null_mut();
        // SAFETY: out-pointers are valid; the error message is taken on failure.
        if unsafe { LLVMGetTargetFromTriple(triple.as_ptr(), &mut target, &mut error) } != 0 {
            return Err(take_message(error));
        }
        let cpu = CString::new(cpu).map_err(|e| e.to_string())?;
        let features = CString::new(features).map_err(|e| e.to_string())?;
        // SAFETY: `target` came from the registry; strings are valid for the call.
        let raw = unsafe {
            LLVMCreateTargetMachine(
                target,
                triple.as_ptr(),
                cpu.as_ptr(),
                features.as_ptr(),
                LLVMCodeGenOptLevel::LLVMCodeGenLevelAggressive,
                LLVMRelocMode::LLVMRelocDefault,
                LLVMCodeModel::LLVMCodeModelDefault,
            )
        };
        if raw.is_null() {
            return Err("could not create a BPF target machine".into());
        }
        Ok(TargetMachine { raw })
    }

    /// Runs the new pass manager's pipeline `passes` (e.g. `default<O3>`) on `module`.
    pub(crate) fn run_passes(&self, module: &Module<'_>, passes: &str) -> Result<(), String> {
        let c_passes = CString::new(passes).map_err(|e| e.to_string())?;
        // SAFETY: options are created and disposed here; module and machine are live.
        let error = unsafe {
            let options = LLVMCreatePassBuilderOptions();
            let error = LLVMRunPasses(module.raw(), c_passes.as_ptr(), self.raw, options);
            LLVMDisposePassBuilderOptions(options);
            error
        };
        if error.is_null() {
            return Ok(());
        }
        // SAFETY: `error` is an owned LLVMErrorRef; GetErrorMessage consumes it and the
        // message is disposed once.
        Err(unsafe {
            let raw = LLVMGetErrorMessage(error);
            let s = CStr::from_ptr(raw).to_string_lossy().into_owned();
            LLVMDisposeErrorMessage(raw);
            s
        })
    }

    /// Generates `module` as an `ET_REL` BPF object.
    pub(crate) fn emit_object(&self, module: &Module<'_>) -> Result<Vec<u8>, String> {
        let mut buffer = ptr::null_mut();
        let mut error = ptr::null_mut();
        // SAFETY: module and machine are live; out-pointers valid.
        let failed = unsafe {
            LLVMTargetMachineEmitToMemoryBuffer(
                self.raw,
                module.raw(),
                LLVMCodeGenFileType::LLVMObjectFile,
                &mut error,
                &mut buffer,
            )
        };
        if failed != 0 {
            return Err(take_message(error));
        }
        // SAFETY: `buffer` is the owned buffer LLVM returned; copied, then disposed once.
        Ok(unsafe {
            let start = LLVMGetBufferStart(buffer).cast::<u8>();
            let bytes = std::slice::from_raw_parts(start, LLVMGetBufferSize(buffer)).to_vec();
            LLVMDisposeMemoryBuffer(buffer);
            bytes
        })
    }
}
