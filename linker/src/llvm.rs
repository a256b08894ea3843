//! Links, optimises and generates BPF code with rustc's own LLVM, through the LLVM C API.
//!
//! The nightly toolchain ships `libLLVM` (LLVM 22) in its sysroot; `aya-rustc-llvm-proxy`
//! resolves the C API from it at run time, so no system LLVM is needed. Every call into
//! LLVM is in this module.

use std::cell::RefCell;
use std::ffi::{c_char, c_void, CStr, CString};
use std::path::PathBuf;
use std::ptr;
use std::sync::Once;

use aya_rustc_llvm_proxy as _;
use llvm_sys::bit_reader::LLVMParseBitcodeInContext2;
use llvm_sys::core::*;
use llvm_sys::error::{LLVMDisposeErrorMessage, LLVMGetErrorMessage};
use llvm_sys::prelude::*;
use llvm_sys::support::LLVMParseCommandLineOptions;
use llvm_sys::target::*;
use llvm_sys::target_machine::*;
use llvm_sys::transforms::pass_builder::*;
use llvm_sys::{LLVMDiagnosticSeverity, LLVMLinkage, LLVMVisibility};
use thiserror::Error;

use crate::diagnostics::{classify_with, Severity, Verdict};

/// Why code generation failed.
#[derive(Debug, Error)]
pub enum LlvmError {
    /// rustc's `libLLVM` could not be found.
    #[error(
        "cannot find rustc's libLLVM: no libLLVM* in LD_LIBRARY_PATH or next to `rustc` on PATH. \
         Build contracts with `cargo tako build`, which runs the nightly toolchain that ships it"
    )]
    NoLibLlvm,
    /// An input could not be read as LLVM bitcode.
    #[error("`{name}` is not LLVM bitcode: {message}")]
    Bitcode {
        /// Input name.
        name: String,
        /// LLVM's reason.
        message: String,
    },
    /// Linking a module failed.
    #[error("linking `{0}` failed (see LLVM's diagnostics above)")]
    Link(String),
    /// The optimisation pipeline failed.
    #[error("LLVM passes `{passes}` failed: {message}")]
    Passes {
        /// The pipeline.
        passes: String,
        /// LLVM's message.
        message: String,
    },
    /// The BPF target could not be set up.
    #[error("LLVM BPF target unavailable: {0}")]
    Target(String),
    /// Code generation failed.
    #[error("BPF code generation failed: {0}")]
    Codegen(String),
    /// LLVM reported errors whose code would be wrong; each line names a function.
    #[error("{}", .0.join("\n"))]
    Refused(Vec<String>),
}

pub use crate::inputs::BitcodeInput;

/// How to generate code.
#[derive(Debug, Clone)]
pub struct CodegenOptions {
    /// BPF CPU (`v2`: see the crate README for why not v3).
    pub cpu: String,
    /// Optimisation pipeline, e.g. `default<O3>`.
    pub pipeline: String,
    /// The entry function (`entrypoint`).
    pub entry: String,
    /// Symbols kept external (the entry and any other); everything else defined is
    /// internalised.
    pub exports: Vec<String>,
    /// `compiler_builtins` rlib to take soft-float helpers from (see `lower`).
    pub builtins: Option<PathBuf>,
    /// The largest stack frame a function may have, in bytes (LLVM's `-bpf-stack-size`):
    /// `tako_abi::STACK_FRAME_SIZE` for SBPF V0, `tako_abi::MAX_V3_FRAME` for V3. LLVM's
    /// options are set once per process: the first compile's value holds.
    pub stack_size: u64,
}

/// The object LLVM emitted plus what its diagnostics said.
pub struct Codegen {
    /// An `ET_REL` BPF object.
    pub object: Vec<u8>,
    /// Diagnostics allowed by policy, with the reason (for `--verbose`).
    pub allowed: Vec<String>,
    /// Warnings to show.
    pub warnings: Vec<String>,
    /// What the IR rewrites of `lower` did.
    pub lowered: crate::lower::LowerReport,
}

/// Whether a `libLLVM*` is where `aya-rustc-llvm-proxy` will look (it panics otherwise).
pub fn find_libllvm() -> Option<PathBuf> {
    let dirs = |var: &str, bin: bool| -> Vec<PathBuf> {
        std::env::var_os(var)
            .map(|v| {
                std::env::split_paths(&v)
                    .map(|mut p| {
                        if bin {
                            p.pop();
                            p.push("lib");
                        }
                        p
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut all = dirs("LD_LIBRARY_PATH", false);
    all.extend(dirs("PATH", true));
    all.into_iter().find_map(|dir| {
        std::fs::read_dir(&dir).ok()?.flatten().find_map(|e| {
            let name = e.file_name();
            name.to_str()?.starts_with("libLLVM").then(|| e.path())
        })
    })
}

fn init(stack_size: u64) {
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
        // SBPF V0 gives each frame 4 KiB (V3 sizes frames per function); LLVM's BPF default
        // limit is 512 bytes.
        // `expand-ir-insts` (run by `lower` and by code generation) must expand division
        // and float conversions wider than 64 bits: BPF cannot call the 128-bit helpers.
        let stack = std::ffi::CString::new(format!("-bpf-stack-size={stack_size}"))
            .expect("no NUL in the option");
        let args = [
            c"tako-linker".as_ptr(),
            stack.as_ptr(),
            c"-expand-div-rem-bits=64".as_ptr(),
            c"-expand-fp-convert-bits=64".as_ptr(),
        ];
        // SAFETY: `args` holds valid NUL-terminated strings that outlive the call.
        unsafe { LLVMParseCommandLineOptions(args.len() as i32, args.as_ptr(), ptr::null()) };
    });
}

type Sink = RefCell<Vec<(Severity, String)>>;

extern "C" fn on_diagnostic(info: LLVMDiagnosticInfoRef, context: *mut c_void) {
    // SAFETY: `context` is the `Sink` installed by `compile`, alive for the whole
    // compilation; `info` is valid for the duration of this callback.
    let (sink, severity, text) = unsafe {
        let sink = &*(context as *const Sink);
        let severity = match LLVMGetDiagInfoSeverity(info) {
            LLVMDiagnosticSeverity::LLVMDSError => Severity::Error,
            LLVMDiagnosticSeverity::LLVMDSWarning => Severity::Warning,
            LLVMDiagnosticSeverity::LLVMDSRemark => Severity::Remark,
            LLVMDiagnosticSeverity::LLVMDSNote => Severity::Note,
        };
        let raw = LLVMGetDiagInfoDescription(info);
        let text = CStr::from_ptr(raw).to_string_lossy().into_owned();
        LLVMDisposeMessage(raw);
        (sink, severity, text)
    };
    if let Ok(mut sink) = sink.try_borrow_mut() {
        sink.push((severity, text));
    }
}

fn take_message(raw: *mut c_char) -> String {
    if raw.is_null() {
        return "(no message)".into();
    }
    // SAFETY: LLVM handed us an owned NUL-terminated message; we dispose of it once.
    unsafe {
        let s = CStr::from_ptr(raw).to_string_lossy().into_owned();
        LLVMDisposeMessage(raw);
        s
    }
}

fn value_name(value: LLVMValueRef) -> String {
    let mut len = 0;
    // SAFETY: `value` is a live global of the module; LLVM returns a pointer to `len` bytes
    // it owns, copied before the next call.
    unsafe {
        let p = LLVMGetValueName2(value, &mut len);
        String::from_utf8_lossy(std::slice::from_raw_parts(p.cast::<u8>(), len)).into_owned()
    }
}

/// Owns an LLVM context (and thus every module in it).
struct Context(LLVMContextRef);

impl Drop for Context {
    fn drop(&mut self) {
        // SAFETY: the context was created by `LLVMContextCreate` and is disposed once; all
        // modules in it are dropped with it.
        unsafe { LLVMContextDispose(self.0) }
    }
}

/// Links `inputs`, internalises all but `exports`, lowers atomics, optimises, and emits a
/// BPF object. Fails if LLVM reports a diagnostic the policy does not allow.
pub fn compile(inputs: &[BitcodeInput], options: &CodegenOptions) -> Result<Codegen, LlvmError> {
    if find_libllvm().is_none() {
        return Err(LlvmError::NoLibLlvm);
    }
    init(options.stack_size);
    let sink: Box<Sink> = Box::new(RefCell::new(Vec::new()));
    // SAFETY: plain constructor.
    let context = Context(unsafe { LLVMContextCreate() });
    // SAFETY: `sink` is boxed (stable address) and outlives `context`, which is dropped at
    // the end of this function before `sink`.
    unsafe {
        LLVMContextSetDiagnosticHandler(
            context.0,
            Some(on_diagnostic),
            &*sink as *const Sink as *mut c_void,
        )
    };

    // SAFETY: the name is a valid C string; the module belongs to `context`.
    let module = unsafe { LLVMModuleCreateWithNameInContext(c"tako".as_ptr(), context.0) };
    for input in inputs {
        let name = CString::new(input.name.replace('\0', "")).unwrap_or_default();
        let mut parsed: LLVMModuleRef = ptr::null_mut();
        // SAFETY: the buffer copies `input.bytes`; ParseBitcodeInContext2 does not take
        // ownership of it, so it is disposed here.
        let failed = unsafe {
            let buffer = LLVMCreateMemoryBufferWithMemoryRangeCopy(
                input.bytes.as_ptr().cast(),
                input.bytes.len(),
                name.as_ptr(),
            );
            let failed = LLVMParseBitcodeInContext2(context.0, buffer, &mut parsed);
            LLVMDisposeMemoryBuffer(buffer);
            failed
        };
        if failed != 0 {
            let message = sink
                .borrow_mut()
                .drain(..)
                .map(|(_, t)| t)
                .collect::<Vec<_>>()
                .join("; ");
            return Err(LlvmError::Bitcode {
                name: input.name.clone(),
                message,
            });
        }
        // SAFETY: both modules live in `context`; LinkModules2 consumes `parsed`.
        if unsafe { llvm_sys::linker::LLVMLinkModules2(module, parsed) } != 0 {
            return Err(LlvmError::Link(input.name.clone()));
        }
    }

    internalize(module, &options.exports);

    let triple = c"bpfel";
    let mut target = ptr::null_mut();
    let mut error = ptr::null_mut();
    // SAFETY: out-pointers are valid; the error message is taken on failure.
    if unsafe { LLVMGetTargetFromTriple(triple.as_ptr(), &mut target, &mut error) } != 0 {
        return Err(LlvmError::Target(take_message(error)));
    }
    let cpu = CString::new(options.cpu.clone()).map_err(|e| LlvmError::Target(e.to_string()))?;
    // SAFETY: `target` came from the registry; strings are valid for the call.
    let machine = unsafe {
        LLVMCreateTargetMachine(
            target,
            triple.as_ptr(),
            cpu.as_ptr(),
            c"".as_ptr(),
            LLVMCodeGenOptLevel::LLVMCodeGenLevelAggressive,
            LLVMRelocMode::LLVMRelocDefault,
            LLVMCodeModel::LLVMCodeModelDefault,
        )
    };
    if machine.is_null() {
        return Err(LlvmError::Target(
            "could not create a BPF target machine".into(),
        ));
    }
    struct Machine(LLVMTargetMachineRef);
    impl Drop for Machine {
        fn drop(&mut self) {
            // SAFETY: created above, disposed once.
            unsafe { LLVMDisposeTargetMachine(self.0) }
        }
    }
    let machine = Machine(machine);

    // The VM runs one thread: atomics become plain loads and stores (the BPF backend
    // cannot select them). Then the optimisation pipeline over the whole program.
    for passes in ["function(lower-atomic)", options.pipeline.as_str()] {
        run_passes(module, machine.0, passes)?;
    }
    // SAFETY: `module` is live and only this thread touches it.
    let lowered = unsafe {
        crate::lower::lower(
            module,
            &options.entry,
            options.builtins.as_deref(),
            &mut |passes| run_passes(module, machine.0, passes).map_err(|e| e.to_string()),
        )
    }
    .map_err(LlvmError::Refused)?;

    let mut buffer = ptr::null_mut();
    let mut error = ptr::null_mut();
    // SAFETY: module and machine are live; out-pointers valid.
    let failed = unsafe {
        LLVMTargetMachineEmitToMemoryBuffer(
            machine.0,
            module,
            LLVMCodeGenFileType::LLVMObjectFile,
            &mut error,
            &mut buffer,
        )
    };
    if failed != 0 {
        return Err(LlvmError::Codegen(take_message(error)));
    }
    // SAFETY: `buffer` is the owned buffer LLVM returned; copied, then disposed once.
    let object = unsafe {
        let start = LLVMGetBufferStart(buffer).cast::<u8>();
        let bytes = std::slice::from_raw_parts(start, LLVMGetBufferSize(buffer)).to_vec();
        LLVMDisposeMemoryBuffer(buffer);
        bytes
    };
    drop(machine);
    drop(context);

    let mut allowed = Vec::new();
    let mut warnings = Vec::new();
    let mut refused: Vec<String> = Vec::new();
    for (severity, text) in sink.borrow().iter() {
        match classify_with(*severity, text, &lowered.float_helpers) {
            Verdict::Allowed(why) => allowed.push(format!("{text} [{why}]")),
            Verdict::Warn(w) => warnings.push(w),
            Verdict::Fatal(msg) => {
                if !refused.contains(&msg) {
                    refused.push(msg)
                }
            }
        }
    }
    if !refused.is_empty() {
        return Err(LlvmError::Refused(refused));
    }
    Ok(Codegen {
        object,
        allowed,
        warnings,
        lowered,
    })
}

fn run_passes(
    module: LLVMModuleRef,
    machine: LLVMTargetMachineRef,
    passes: &str,
) -> Result<(), LlvmError> {
    let c_passes = CString::new(passes).map_err(|e| LlvmError::Passes {
        passes: passes.into(),
        message: e.to_string(),
    })?;
    // SAFETY: options are created and disposed here; module and machine are live.
    let error = unsafe {
        let options = LLVMCreatePassBuilderOptions();
        let error = LLVMRunPasses(module, c_passes.as_ptr(), machine, options);
        LLVMDisposePassBuilderOptions(options);
        error
    };
    if error.is_null() {
        return Ok(());
    }
    // SAFETY: `error` is an owned LLVMErrorRef; GetErrorMessage consumes it and the
    // message is disposed once.
    let message = unsafe {
        let raw = LLVMGetErrorMessage(error);
        let s = CStr::from_ptr(raw).to_string_lossy().into_owned();
        LLVMDisposeErrorMessage(raw);
        s
    };
    Err(LlvmError::Passes {
        passes: passes.into(),
        message,
    })
}

/// Gives every defined function, global and alias internal linkage except the exports, so
/// the optimiser sees the whole program. Declarations (syscalls, `memcpy`) stay external
/// with their full signatures: dead-argument elimination cannot touch them.
fn internalize(module: LLVMModuleRef, exports: &[String]) {
    let keep = |v: LLVMValueRef| -> bool {
        let name = value_name(v);
        // SAFETY: `v` is a live global value of `module`.
        let declaration = unsafe { LLVMIsDeclaration(v) } != 0;
        declaration || name.starts_with("llvm.") || exports.contains(&name)
    };
    let set_internal = |v: LLVMValueRef| {
        // SAFETY: `v` is a live defined global value of `module`.
        unsafe {
            LLVMSetLinkage(v, LLVMLinkage::LLVMInternalLinkage);
            LLVMSetVisibility(v, LLVMVisibility::LLVMDefaultVisibility);
        }
    };
    let internalize_all = |v: LLVMValueRef| {
        if !keep(v) {
            set_internal(v);
        }
    };
    each_global(
        module,
        LLVMGetFirstFunction,
        LLVMGetNextFunction,
        internalize_all,
    );
    each_global(
        module,
        LLVMGetFirstGlobal,
        LLVMGetNextGlobal,
        internalize_all,
    );
    each_global(
        module,
        LLVMGetFirstGlobalAlias,
        LLVMGetNextGlobalAlias,
        internalize_all,
    );
}

/// Calls `visit` on every value of one of `module`'s global lists (functions, globals or
/// aliases), walked with that list's `first` and `next`.
fn each_global(
    module: LLVMModuleRef,
    first: unsafe extern "C" fn(LLVMModuleRef) -> LLVMValueRef,
    next: unsafe extern "C" fn(LLVMValueRef) -> LLVMValueRef,
    mut visit: impl FnMut(LLVMValueRef),
) {
    // SAFETY: `module` is a live module and `first` one of its list heads' accessors.
    let mut v = unsafe { first(module) };
    while !v.is_null() {
        visit(v);
        // SAFETY: `v` is a live member of the list `next` walks; `visit` changes linkage
        // only, which does not unlink it.
        v = unsafe { next(v) };
    }
}
