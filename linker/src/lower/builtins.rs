//! Soft-float helpers from `compiler_builtins`, linked into the program when it uses
//! floating point.
//!
//! BPF has no floating-point instructions: LLVM legalises `fadd double` into a call to
//! `__adddf3`, `fcmp` into `__ltdf2` & co., conversions into `__fixdfdi`, `__floatdidf`, ...
//! These helpers take and return at most two 64-bit registers each, so BPF can call them;
//! `compiler_builtins` implements them in Rust, and the sysroot build of it (bitcode, since
//! the target sets `obj-is-bitcode`) sits next to the contract in cargo's `deps/`. rustc does
//! not hand it to the linker under fat LTO, so the linker finds it there
//! ([`find_compiler_builtins`]).
//!
//! Which helpers: the program's instructions are scanned for floating-point operations and
//! each maps to the libcall names LLVM uses for it ([`libcalls_for`]); the helpers' own
//! bodies are scanned the same way (a libm `sqrt` calls `__muldf3`), to a fixed point. Those
//! names keep external linkage (code generation calls them by name); everything else from
//! `compiler_builtins` becomes internal and unreachable code is dropped (`globaldce`).
//! `compiler_builtins`' own `memcpy`/`memmove`/`memset`/`memcmp`/`bcmp` are turned into
//! declarations first, so those calls keep going to the TAKO mem syscalls.
//!
//! A helper LLVM calls that is not linked here still fails the build: the diagnostics
//! policy allows a libcall only when the module defines it.

use std::collections::{BTreeSet, VecDeque};
use std::path::{Path, PathBuf};

use crate::llvm::{Function, Instruction, Linkage, Module, Opcode, Type, TypeKind, Visibility};

/// Finds the `libcompiler_builtins-*.rlib` of this build: in the output's directory (cargo's
/// `deps/`), else in a `-L` directory or its parents. The newest wins if there are several.
pub fn find_compiler_builtins(output: &Path, search: &[PathBuf]) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = output.parent().map(Path::to_path_buf).into_iter().collect();
    for dir in search {
        dirs.extend(dir.ancestors().take(3).map(Path::to_path_buf));
    }
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let newest = entries
            .flatten()
            .filter(|e| {
                let name = e.file_name();
                let name = name.to_string_lossy();
                name.starts_with("libcompiler_builtins-") && name.ends_with(".rlib")
            })
            .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
            .max();
        if let Some((_, path)) = newest {
            return Some(path);
        }
    }
    None
}

/// The float type suffix LLVM's libcall names use (`df` for `double`, `sf` for `float`).
fn suffix(ty: Type<'_>) -> Option<&'static str> {
    match ty.kind() {
        TypeKind::LLVMDoubleTypeKind => Some("df"),
        TypeKind::LLVMFloatTypeKind => Some("sf"),
        _ => None,
    }
}

/// The libm name of an `llvm.*` float intrinsic (`sqrt`, `fmin`, ...), without the `f`
/// suffix `float` versions take.
fn libm_name(intrinsic: &str) -> Option<&'static str> {
    Some(match intrinsic {
        "sqrt" => "sqrt",
        "floor" => "floor",
        "ceil" => "ceil",
        "trunc" => "trunc",
        "round" => "round",
        "roundeven" => "roundeven",
        "rint" => "rint",
        "nearbyint" => "nearbyint",
        "fma" => "fma",
        "pow" => "pow",
        "exp" => "exp",
        "exp2" => "exp2",
        "log" => "log",
        "log2" => "log2",
        "log10" => "log10",
        "sin" => "sin",
        "cos" => "cos",
        "minnum" => "fmin",
        "maxnum" => "fmax",
        "minimum" => "fminimum",
        "maximum" => "fmaximum",
        "ldexp" => "ldexp",
        _ => return None,
    })
}

fn compares(s: &str) -> Vec<String> {
    ["eq", "ne", "lt", "le", "gt", "ge", "unord"]
        .iter()
        .map(|c| format!("__{c}{s}2"))
        .collect()
}

/// The libcalls LLVM's BPF backend emits for instruction `i` (none for integer code).
pub(super) fn libcalls_for(i: Instruction<'_>) -> Vec<String> {
    use Opcode::*;
    let operand_ty = (i.num_operands() > 0).then(|| i.operand(0).ty());
    let result_ty = i.ty();
    let op = i.opcode();
    let of_result = suffix(result_ty);
    let of_operand = operand_ty.and_then(suffix);
    match op {
        LLVMFAdd | LLVMFSub | LLVMFMul | LLVMFDiv => {
            let Some(s) = of_result else { return vec![] };
            let name = match op {
                LLVMFAdd => "add",
                LLVMFSub => "sub",
                LLVMFMul => "mul",
                _ => "div",
            };
            vec![format!("__{name}{s}3")]
        }
        LLVMFRem => match of_result {
            Some("df") => vec!["fmod".into()],
            Some(_) => vec!["fmodf".into()],
            None => vec![],
        },
        LLVMFCmp => of_operand.map(compares).unwrap_or_default(),
        LLVMFPToSI | LLVMFPToUI => {
            let Some(s) = of_operand else { return vec![] };
            let uns = if op == LLVMFPToUI { "uns" } else { "" };
            vec![format!("__fix{uns}{s}si"), format!("__fix{uns}{s}di")]
        }
        LLVMSIToFP | LLVMUIToFP => {
            let Some(s) = of_result else { return vec![] };
            let un = if op == LLVMUIToFP { "un" } else { "" };
            vec![format!("__float{un}si{s}"), format!("__float{un}di{s}")]
        }
        LLVMFPExt => vec!["__extendsfdf2".into()],
        LLVMFPTrunc => vec!["__truncdfsf2".into()],
        LLVMCall => {
            let Some(callee) = i.as_call().and_then(|c| c.callee_name()) else {
                return vec![];
            };
            let Some(rest) = callee.strip_prefix("llvm.") else {
                return vec![callee];
            };
            let mut parts = rest.split('.');
            let base = parts.next().unwrap_or_default();
            let ty = parts.next_back().unwrap_or_default();
            let (s, f) = match ty {
                "f64" => ("df", ""),
                "f32" => ("sf", "f"),
                _ => return vec![],
            };
            match base {
                "powi" => vec![format!("__powi{s}2")],
                // Without a fused multiply-add instruction: a multiply and an add.
                "fmuladd" => vec![format!("__mul{s}3"), format!("__add{s}3")],
                "fptosi" | "fptoui" => {
                    // `llvm.fptosi.sat.i64.f64`: conversions plus compares.
                    let uns = if base == "fptoui" { "uns" } else { "" };
                    let mut v = compares(s);
                    v.push(format!("__fix{uns}{s}si"));
                    v.push(format!("__fix{uns}{s}di"));
                    v
                }
                other => libm_name(other)
                    .map(|m| vec![format!("{m}{f}")])
                    .unwrap_or_default(),
            }
        }
        _ => vec![],
    }
}

/// The libcall names `function`'s instructions need.
fn needed_by(function: Function<'_>) -> BTreeSet<String> {
    function
        .instructions()
        .into_iter()
        .flat_map(libcalls_for)
        .collect()
}

/// Whether the module uses floating point at all (so the helpers are worth linking).
pub(super) fn needs_helpers(module: &Module<'_>) -> bool {
    module.functions().into_iter().any(|f| {
        needed_by(f)
            .iter()
            .filter(|n| tako_abi::syscall_for_symbol(n).is_none())
            .any(|n| n.starts_with("__") || libm_name_set(n))
    })
}

fn libm_name_set(name: &str) -> bool {
    let base = name.strip_suffix('f').unwrap_or(name);
    [
        "sqrt",
        "floor",
        "ceil",
        "trunc",
        "round",
        "roundeven",
        "rint",
        "nearbyint",
        "fma",
        "pow",
        "exp",
        "exp2",
        "log",
        "log2",
        "log10",
        "sin",
        "cos",
        "fmin",
        "fmax",
        "fminimum",
        "fmaximum",
        "ldexp",
        "fmod",
    ]
    .contains(&base)
}

/// Links the float helpers `module` needs from `rlib`; returns their names (sorted).
pub(super) fn link(module: &Module<'_>, rlib: &Path) -> Result<Vec<String>, String> {
    let inputs = crate::inputs::read(rlib).map_err(|e| e.to_string())?;
    let builtins = module
        .context()
        .load("compiler_builtins", &inputs)
        .map_err(|e| e.to_string())?;
    // Roots: what the program needs and compiler_builtins defines, closed over the
    // helpers' own callees and float operations.
    let mut roots = BTreeSet::new();
    let mut queue: VecDeque<String> = module.functions().into_iter().flat_map(needed_by).collect();
    let mut visited = BTreeSet::new();
    while let Some(name) = queue.pop_front() {
        let Some(f) = builtins.function(&name) else {
            continue;
        };
        if f.is_declaration() || !visited.insert(name.clone()) {
            continue;
        }
        roots.insert(name);
        for i in f.instructions() {
            queue.extend(libcalls_for(i));
            if let Some(callee) = i.as_call().and_then(|c| c.callee()) {
                queue.push_back(callee.name());
            }
        }
    }
    // Only the libcall names (not the Rust-mangled implementations behind them) stay
    // external: those are what code generation calls by name.
    let exported: Vec<String> = roots
        .iter()
        .filter(|n| !n.starts_with("_R") && !n.starts_with("_ZN"))
        .cloned()
        .collect();
    let mem: BTreeSet<&str> = tako_abi::LIBCALLS.iter().map(|(sym, _)| *sym).collect();
    for f in builtins.functions() {
        if f.is_declaration() {
            continue;
        }
        let name = f.name();
        if mem.contains(name.as_str()) || tako_abi::syscall_for_symbol(&name).is_some() {
            // The body goes: a declaration of the same name and type takes every use,
            // and calls reach the TAKO syscall of that name.
            let decl = builtins.add_function(&format!("{name}.tako.decl"), f.value_type());
            decl.set_call_conv(f.call_conv());
            let params = f.value_type().param_types().len() as u32;
            for index in [crate::llvm::FUNCTION_INDEX, 0]
                .into_iter()
                .chain(1..=params)
            {
                for a in f.attributes(index) {
                    decl.add_attribute(index, a);
                }
            }
            f.replace_all_uses_with(decl.value());
            // SAFETY: `f` has no uses left and its handle is not used again.
            unsafe { f.delete() };
            decl.set_name(&name);
            decl.set_linkage_visibility(
                Linkage::LLVMExternalLinkage,
                Visibility::LLVMDefaultVisibility,
            );
        } else if exported.contains(&name) {
            f.set_linkage_visibility(
                Linkage::LLVMExternalLinkage,
                Visibility::LLVMHiddenVisibility,
            );
        } else {
            f.set_linkage_visibility(
                Linkage::LLVMInternalLinkage,
                Visibility::LLVMDefaultVisibility,
            );
        }
    }
    for g in builtins.globals() {
        if !g.is_declaration() {
            g.set_linkage_visibility(
                Linkage::LLVMInternalLinkage,
                Visibility::LLVMDefaultVisibility,
            );
        }
    }
    for a in builtins.aliases() {
        if !exported.contains(&a.name()) {
            a.set_linkage_visibility(
                Linkage::LLVMInternalLinkage,
                Visibility::LLVMDefaultVisibility,
            );
        }
    }
    module
        .link_in(builtins)
        .map_err(|()| format!("linking `{}` into the program failed", rlib.display()))?;
    for name in &exported {
        extend_return(module, name);
    }
    Ok(exported)
}

/// How LLVM's caller of libcall `name` expects a result narrower than the 64-bit register:
/// `true` sign-extended (`__fixdfsi`, `__fixsfsi`), `false` zero-extended (everything
/// else: `f32` results, comparisons, unsigned conversions).
fn sign_extended(name: &str) -> bool {
    name.starts_with("__fix") && !name.starts_with("__fixuns") && name.ends_with("si")
}

/// Gives helper `name` the result convention its libcall callers assume.
///
/// A libcall's caller treats a 32-bit result (an `f32`, an `int` comparison or conversion
/// result) as already sign- or zero-extended to 64 bits, but `compiler_builtins` compiled
/// for BPF returns it with the upper half undefined (no `zeroext`/`signext` in its
/// signature), and returns comparisons as a 64-bit `c_int`. So `name` becomes a wrapper
/// with an extended 32-bit result around the original body (renamed `name.tako.impl`).
/// IR calls keep calling the original; only code generation's libcalls reach the wrapper.
fn extend_return(module: &Module<'_>, name: &str) {
    let Some(f) = module.function(name) else {
        return;
    };
    let fn_ty = f.value_type();
    let ret = fn_ty.return_type();
    let kind = ret.kind();
    let is_compare =
        name.ends_with("f2") && !name.starts_with("__extend") && !name.starts_with("__trunc");
    let narrow = match kind {
        TypeKind::LLVMFloatTypeKind => true,
        TypeKind::LLVMIntegerTypeKind => ret.int_width().is_some_and(|w| w < 64) || is_compare,
        _ => false,
    };
    if !narrow {
        return;
    }
    // `f` is renamed first so the wrapper can take its name.
    let i32_ty = module.int_type(32);
    f.set_name(&format!("{name}.tako.impl"));
    f.set_linkage_visibility(
        Linkage::LLVMInternalLinkage,
        Visibility::LLVMDefaultVisibility,
    );
    let w = module.add_function(name, i32_ty.function(&fn_ty.param_types()));
    w.set_linkage_visibility(
        Linkage::LLVMExternalLinkage,
        Visibility::LLVMHiddenVisibility,
    );
    let attr = if sign_extended(name) {
        "signext"
    } else {
        "zeroext"
    };
    w.add_attribute(0, module.enum_attribute(attr, 0));
    let b = module.builder();
    b.at_end(module.append_block(w, c"entry"));
    let n = fn_ty.param_types().len() as u32;
    let args: Vec<_> = (0..n).map(|i| w.param(i)).collect();
    let call = b.call(fn_ty, f.value(), &args).value();
    let value = if kind == TypeKind::LLVMFloatTypeKind {
        b.bitcast(call, i32_ty)
    } else {
        b.int_cast(call, i32_ty, true)
    };
    b.ret(value);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_signed_int_conversions_are_sign_extended() {
        assert!(sign_extended("__fixdfsi"));
        assert!(sign_extended("__fixsfsi"));
        for zero_extended in [
            "__fixunsdfsi",
            "__eqdf2",
            "__ltsf2",
            "__addsf3",
            "__truncdfsf2",
        ] {
            assert!(!sign_extended(zero_extended), "{zero_extended}");
        }
    }

    #[test]
    fn intrinsics_map_to_libm_names() {
        assert_eq!(libm_name("sqrt"), Some("sqrt"));
        assert_eq!(libm_name("minnum"), Some("fmin"));
        assert_eq!(libm_name("fabs"), None, "fabs is a bit operation, no call");
        assert!(libm_name_set("sqrtf") && libm_name_set("fmod") && !libm_name_set("memcpy"));
    }

    #[test]
    fn compiler_builtins_is_found_next_to_the_output_newest_first() {
        let dir = std::env::temp_dir().join(format!("tako-lower-cb-{}", std::process::id()));
        let deps = dir.join("deps");
        std::fs::create_dir_all(&deps).unwrap();
        let old = deps.join("libcompiler_builtins-aaaa.rlib");
        let new = deps.join("libcompiler_builtins-bbbb.rlib");
        std::fs::write(&old, b"!<arch>\n").unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&new, b"!<arch>\n").unwrap();
        std::fs::write(deps.join("libcore-cccc.rlib"), b"!<arch>\n").unwrap();
        let output = deps.join("contract.so");
        assert_eq!(find_compiler_builtins(&output, &[]), Some(new.clone()));
        // From a -L directory below deps/ (rustc's raw-dylibs), when the output is elsewhere.
        let raw = deps.join("rustcXYZ").join("raw-dylibs");
        std::fs::create_dir_all(&raw).unwrap();
        let elsewhere = dir.join("out").join("contract.so");
        assert_eq!(find_compiler_builtins(&elsewhere, &[raw]), Some(new));
        assert_eq!(find_compiler_builtins(&elsewhere, &[]), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
