//! Code generation: links the inputs, internalises all but the exports, lowers atomics,
//! optimises, applies the IR rewrites of [`crate::lower`], and emits a BPF object, all
//! through the typed LLVM wrappers of `crate::llvm`. LLVM's diagnostics are collected and
//! judged by [`crate::diagnostics`].

use std::path::PathBuf;

use thiserror::Error;

use crate::diagnostics::{classify_with, Verdict};
use crate::llvm::{self, Context, Linkage, LoadError, Module, TargetMachine, Visibility};

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

/// The BPF subtarget features the linker generates code with: none, or
/// `+allows-misaligned-mem-access` (loads and stores at any address, which solana-sbpf and
/// tos-tbpf both execute; LLVM otherwise splits an access it cannot prove aligned into byte
/// accesses). Others (`+alu32` among them: SBPF sign-extends 32-bit results where LLVM's
/// ALU32 code assumes zero-extension) are refused by name.
pub const CPU_FEATURES: &[&str] = &[MISALIGNED_ACCESS];

/// The feature that lets LLVM load and store at any address (see [`CPU_FEATURES`]); with
/// it, a copy of unknown alignment is still expanded word by word.
pub const MISALIGNED_ACCESS: &str = "+allows-misaligned-mem-access";

/// How to generate code.
#[derive(Debug, Clone)]
pub struct CodegenOptions {
    /// BPF CPU (`v2`: see the crate README for why not v3).
    pub cpu: String,
    /// LLVM subtarget features: comma-separated, each one of [`CPU_FEATURES`].
    pub features: String,
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

impl CodegenOptions {
    /// Whether [`features`](Self::features) name [`MISALIGNED_ACCESS`].
    pub fn allows_misaligned_access(&self) -> bool {
        self.features
            .split(',')
            .any(|f| f.trim() == MISALIGNED_ACCESS)
    }
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

/// Links `inputs`, internalises all but `exports`, lowers atomics, optimises, and emits a
/// BPF object. Fails if LLVM reports a diagnostic the policy does not allow.
pub fn compile(inputs: &[BitcodeInput], options: &CodegenOptions) -> Result<Codegen, LlvmError> {
    if llvm::find_libllvm().is_none() {
        return Err(LlvmError::NoLibLlvm);
    }
    llvm::init(options.stack_size);
    let context = Context::new();
    let module = context.load("tako", inputs).map_err(|e| match e {
        LoadError::Bitcode { name, message } => LlvmError::Bitcode { name, message },
        LoadError::Link(name) => LlvmError::Link(name),
    })?;
    internalize(&module, &options.exports);

    let machine = TargetMachine::bpf(&options.cpu, &options.features).map_err(LlvmError::Target)?;
    let run = |passes: &str| {
        machine
            .run_passes(&module, passes)
            .map_err(|message| LlvmError::Passes {
                passes: passes.into(),
                message,
            })
    };
    // The VM runs one thread: atomics become plain loads and stores (the BPF backend
    // cannot select them). Then the optimisation pipeline over the whole program.
    for passes in ["function(lower-atomic)", options.pipeline.as_str()] {
        run(passes)?;
    }
    let lowered = crate::lower::lower(
        &module,
        &options.entry,
        options.builtins.as_deref(),
        options.allows_misaligned_access(),
        &mut |passes| run(passes).map_err(|e| e.to_string()),
    )
    .map_err(LlvmError::Refused)?;
    let object = machine.emit_object(&module).map_err(LlvmError::Codegen)?;
    drop(machine);

    let mut allowed = Vec::new();
    let mut warnings = Vec::new();
    let mut refused: Vec<String> = Vec::new();
    for (severity, text) in context.take_diagnostics() {
        match classify_with(severity, &text, &lowered.float_helpers) {
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

/// Gives every defined function, global and alias internal linkage except the exports, so
/// the optimiser sees the whole program. Declarations (syscalls, `memcpy`) stay external
/// with their full signatures: dead-argument elimination cannot touch them.
fn internalize(module: &Module<'_>, exports: &[String]) {
    let functions = module.functions().into_iter().map(|f| *f);
    for g in functions.chain(module.globals()).chain(module.aliases()) {
        let name = g.name();
        if !(g.is_declaration() || name.starts_with("llvm.") || exports.contains(&name)) {
            g.set_linkage_visibility(
                Linkage::LLVMInternalLinkage,
                Visibility::LLVMDefaultVisibility,
            );
        }
    }
}
