//! IR rewrites the linker applies after optimisation and before BPF code generation, so
//! that what LLVM's BPF backend cannot compile correctly never reaches it. Each rewrite
//! lives in its own module, with its design in the module's documentation:
//!
//! | module | what | why |
//! |---|---|---|
//! | `wide` (`mul`, `shift`, `div`, `intrinsics`) | `i128` `mul`, variable shifts, `div`/`rem`, `umul`/`smul.with.overflow.i128`, `smul.with.overflow.i64`, funnel shifts, saturating float conversions | the backend calls `__multi3` & co., whose two-register result BPF cannot return |
//! | `builtins` | links `compiler_builtins`' soft-float helpers | BPF has no floating point; `__adddf3` & co. are called by name |
//! | `overflow` | `umul.with.overflow.i64` | widened to `i128` otherwise |
//! | `sdiv` | `sdiv`/`srem` up to 64 bits | no signed division below cpu v4 |
//! | `args` | functions and calls with more than five argument registers | BPF passes five |
//! | `memops` | constant-length `memcpy`/`memmove`/`memset` | inline copies cost 2 CU per word (8 bytes, or the alignment without misaligned accesses); the syscall `max(10, n/250)` |
//! | `statics` | an entry that copies `.data` into the heap first | writable statics live in the heap, which starts zero-filled |
//!
//! Order matters: 128-bit divisions become calls to one helper first; float helpers are
//! linked next (their bodies need the same rewrites); `expand-ir-insts` (with
//! `-expand-div-rem-bits=64`, `-expand-fp-convert-bits=64`, set by `crate::llvm::init`) expands
//! the helper's wide `udiv` and `i128`↔float conversions into loops of shifts; then the
//! multiplications, shifts and signed divisions that produced are lowered, and the
//! argument rewrite runs last, over everything. None of it may run before the optimiser
//! (InstCombine folds some of these patterns back), and no optimisation runs after it.

mod args;
mod builtins;
mod memops;
mod overflow;
mod sdiv;
mod statics;
mod wide;

use std::path::Path;

use crate::llvm::Module;

pub use args::ARGUMENT_REGISTERS;
pub use builtins::find_compiler_builtins;

/// What the rewrites did (for `--verbose`).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LowerReport {
    /// Float helpers linked from `compiler_builtins`.
    pub float_helpers: Vec<String>,
    /// `i128` intrinsics (`smul.with.overflow`, funnel shifts, saturating float
    /// conversions) rewritten in terms of the other rewrites.
    pub wide_intrinsics: usize,
    /// `i128` divisions and remainders routed through `tako.udivmod128`.
    pub wide_divisions: usize,
    /// `i128` multiplications expanded.
    pub wide_multiplications: usize,
    /// `i128` variable shifts expanded.
    pub wide_shifts: usize,
    /// Overflow-checked multiplications expanded.
    pub checked_multiplications: usize,
    /// Signed divisions and remainders rewritten.
    pub signed_divisions: usize,
    /// Functions given the packed-arguments convention.
    pub packed_functions: usize,
    /// Indirect calls given the packed-arguments convention.
    pub packed_indirect_calls: usize,
    /// Constant-length memory intrinsics turned into TAKO mem syscalls.
    pub mem_syscalls: usize,
    /// Whether `__tako_start` (copies `.data` into place, then calls the entry) was added.
    pub data_start: bool,
}

/// LLVM ends the process on a few inputs its BPF backend cannot compile at all (an `f128`
/// return: "unable to allocate function return"), which would otherwise surface as a
/// SIGABRT with no context. This handler says what happened in plain words and exits with
/// status 1 instead (no output file is written).
extern "C" fn on_fatal_error(reason: *const std::ffi::c_char) {
    let reason = if reason.is_null() {
        "(no reason given)".into()
    } else {
        // SAFETY: LLVM passes a NUL-terminated message valid for this call.
        unsafe { std::ffi::CStr::from_ptr(reason) }.to_string_lossy()
    };
    eprintln!(
        "tako-linker: error: LLVM's BPF backend gave up on the program: {reason}. This is \
         an operation BPF cannot express at all (for example an f128/f16 value passed or \
         returned between functions); no output was written"
    );
    std::process::exit(1);
}

/// Runs every rewrite on `module`, whose entry function is `entry`; `misaligned_access`
/// says whether code is generated with loads and stores at any address (the memory
/// intrinsics' cost depends on it). `run_passes` runs an LLVM pass pipeline on it.
/// Returns the refusals (one line per function) when something cannot be made correct.
pub(crate) fn lower(
    module: &Module<'_>,
    entry: &str,
    builtins_rlib: Option<&Path>,
    misaligned_access: bool,
    run_passes: &mut dyn FnMut(&str) -> Result<(), String>,
) -> Result<LowerReport, Vec<String>> {
    crate::llvm::install_fatal_error_handler(on_fatal_error);
    let mut report = LowerReport {
        wide_intrinsics: wide::lower_wide_intrinsics(module),
        wide_divisions: wide::lower_div(module),
        ..LowerReport::default()
    };
    if builtins::needs_helpers(module) {
        match builtins_rlib {
            Some(rlib) => {
                report.float_helpers = builtins::link(module, rlib).map_err(|e| {
                    vec![format!(
                        "cannot link the soft-float helpers the program needs: {e}"
                    )]
                })?;
                run_passes("globaldce").map_err(|e| vec![e])?;
                report.wide_divisions += wide::lower_div(module);
            }
            None => {
                return Err(vec![
                    "the program uses floating point, whose helpers (`__adddf3`, ...) come \
                     from compiler_builtins, and no libcompiler_builtins-*.rlib was found next \
                     to the output or in a -L directory; build contracts with \
                     `cargo tako build` (cargo -Zbuild-std puts it in deps/)"
                        .to_string(),
                ])
            }
        }
    }
    run_passes("require<libcall-lowering-info>,function(expand-ir-insts<O3>)")
        .map_err(|e| vec![e])?;
    report.checked_multiplications =
        overflow::lower_umul_i64(module) + wide::lower_mul_overflow(module);
    report.wide_multiplications = wide::lower_mul(module);
    report.wide_shifts = wide::lower_shifts(module);
    report.signed_divisions = sdiv::lower(module);
    report.mem_syscalls = memops::lower(module, misaligned_access);
    report.data_start = statics::add_start(module, entry);
    let (functions, indirect) = args::lower(module)?;
    report.packed_functions = functions;
    report.packed_indirect_calls = indirect;
    // TAKO_LINKER_DUMP_IR=FILE writes the IR code generation receives (for inspection).
    if let Some(path) = std::env::var_os("TAKO_LINKER_DUMP_IR") {
        let path = path.to_string_lossy();
        if let Err(e) = module.print_to_file(&path) {
            eprintln!("tako-linker: warning: TAKO_LINKER_DUMP_IR: cannot write `{path}`: {e}");
        }
    }
    Ok(report)
}
