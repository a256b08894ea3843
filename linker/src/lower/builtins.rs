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
use std::ffi::CString;
use std::path::{Path, PathBuf};

use llvm_sys::bit_reader::LLVMParseBitcodeInContext2;
use llvm_sys::core::*;
use llvm_sys::prelude::*;
use llvm_sys::{LLVMLinkage, LLVMOpcode, LLVMTypeKind, LLVMVisibility};

use super::ir;

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
fn suffix(ty: LLVMTypeRef) -> Option<&'static str> {
    // SAFETY: `ty` is a live type.
    match unsafe { LLVMGetTypeKind(ty) } {
        LLVMTypeKind::LLVMDoubleTypeKind => Some("df"),
        LLVMTypeKind::LLVMFloatTypeKind => Some("sf"),
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
pub(super) fn libcalls_for(i: LLVMValueRef) -> Vec<String> {
    use LLVMOpcode::*;
    // SAFETY: `i` is a live instruction; operands and types are only inspected.
    let (result_ty, operand_ty) = unsafe {
        let operand = if LLVMGetNumOperands(i) > 0 {
            Some(LLVMTypeOf(LLVMGetOperand(i, 0)))
        } else {
            None
        };
        (LLVMTypeOf(i), operand)
    };
    let op = ir::opcode(i);
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
            let Some(callee) = ir::callee_name(i) else {
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
fn needed_by(function: LLVMValueRef) -> BTreeSet<String> {
    ir::instructions(function)
        .into_iter()
        .flat_map(libcalls_for)
        .collect()
}

/// Whether the module uses floating point at all (so the helpers are worth linking).
pub(super) fn needs_helpers(module: LLVMModuleRef) -> bool {
    ir::functions(module).into_iter().any(|f| {
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

fn named_function(module: LLVMModuleRef, name: &str) -> Option<LLVMValueRef> {
    let c = CString::new(name).ok()?;
    // SAFETY: valid C string, live module.
    let f = unsafe { LLVMGetNamedFunction(module, c.as_ptr()) };
    (!f.is_null()).then_some(f)
}

fn is_defined(f: LLVMValueRef) -> bool {
    // SAFETY: `f` is a live function.
    unsafe { LLVMIsDeclaration(f) == 0 }
}

/// Parses every bitcode member of `rlib` into one module of `module`'s context.
fn load(module: LLVMModuleRef, rlib: &Path) -> Result<LLVMModuleRef, String> {
    let inputs = crate::inputs::read(rlib).map_err(|e| e.to_string())?;
    // SAFETY: the new module and every parsed one live in `module`'s context; each parsed
    // module is consumed by `LLVMLinkModules2`; buffers are copies disposed after parsing.
    unsafe {
        let context = LLVMGetModuleContext(module);
        let all = LLVMModuleCreateWithNameInContext(c"compiler_builtins".as_ptr(), context);
        for input in inputs {
            let name = CString::new(input.name.replace('\0', "")).unwrap_or_default();
            let buffer = LLVMCreateMemoryBufferWithMemoryRangeCopy(
                input.bytes.as_ptr().cast(),
                input.bytes.len(),
                name.as_ptr(),
            );
            let mut parsed = std::ptr::null_mut();
            let failed = LLVMParseBitcodeInContext2(context, buffer, &mut parsed);
            LLVMDisposeMemoryBuffer(buffer);
            if failed != 0 {
                LLVMDisposeModule(all);
                return Err(format!("`{}` is not readable LLVM bitcode", input.name));
            }
            if llvm_sys::linker::LLVMLinkModules2(all, parsed) != 0 {
                LLVMDisposeModule(all);
                return Err(format!("linking `{}` failed", input.name));
            }
        }
        Ok(all)
    }
}

/// Links the float helpers `module` needs from `rlib`; returns their names (sorted).
pub(super) fn link(module: LLVMModuleRef, rlib: &Path) -> Result<Vec<String>, String> {
    let builtins = load(module, rlib)?;
    // Roots: what the program needs and compiler_builtins defines, closed over the
    // helpers' own callees and float operations.
    let mut roots = BTreeSet::new();
    let mut queue: VecDeque<String> = ir::functions(module)
        .into_iter()
        .flat_map(needed_by)
        .collect();
    let mut visited = BTreeSet::new();
    while let Some(name) = queue.pop_front() {
        let Some(f) = named_function(builtins, &name) else {
            continue;
        };
        if !is_defined(f) || !visited.insert(name.clone()) {
            continue;
        }
        roots.insert(name);
        for i in ir::instructions(f) {
            queue.extend(libcalls_for(i));
            if let Some(callee) = ir::direct_callee(i) {
                queue.push_back(ir::name(callee));
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
    // SAFETY: rewriting linkage and bodies of the live `builtins` module's own globals;
    // a function whose blocks are all deleted becomes a declaration, which needs external
    // linkage; `LLVMLinkModules2` consumes `builtins`.
    unsafe {
        for f in ir::functions(builtins) {
            if !is_defined(f) {
                continue;
            }
            let name = ir::name(f);
            if mem.contains(name.as_str()) || tako_abi::syscall_for_symbol(&name).is_some() {
                let mut bb = LLVMGetFirstBasicBlock(f);
                while !bb.is_null() {
                    let next = LLVMGetNextBasicBlock(bb);
                    LLVMDeleteBasicBlock(bb);
                    bb = next;
                }
                LLVMSetLinkage(f, LLVMLinkage::LLVMExternalLinkage);
                LLVMSetVisibility(f, LLVMVisibility::LLVMDefaultVisibility);
            } else if exported.contains(&name) {
                LLVMSetLinkage(f, LLVMLinkage::LLVMExternalLinkage);
                LLVMSetVisibility(f, LLVMVisibility::LLVMHiddenVisibility);
            } else {
                LLVMSetLinkage(f, LLVMLinkage::LLVMInternalLinkage);
                LLVMSetVisibility(f, LLVMVisibility::LLVMDefaultVisibility);
            }
        }
        let mut g = LLVMGetFirstGlobal(builtins);
        while !g.is_null() {
            if LLVMIsDeclaration(g) == 0 {
                LLVMSetLinkage(g, LLVMLinkage::LLVMInternalLinkage);
                LLVMSetVisibility(g, LLVMVisibility::LLVMDefaultVisibility);
            }
            g = LLVMGetNextGlobal(g);
        }
        let mut a = LLVMGetFirstGlobalAlias(builtins);
        while !a.is_null() {
            let name = ir::name(a);
            if !exported.contains(&name) {
                LLVMSetLinkage(a, LLVMLinkage::LLVMInternalLinkage);
                LLVMSetVisibility(a, LLVMVisibility::LLVMDefaultVisibility);
            }
            a = LLVMGetNextGlobalAlias(a);
        }
        if llvm_sys::linker::LLVMLinkModules2(module, builtins) != 0 {
            return Err(format!(
                "linking `{}` into the program failed",
                rlib.display()
            ));
        }
    }
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
fn extend_return(module: LLVMModuleRef, name: &str) {
    let Some(f) = named_function(module, name) else {
        return;
    };
    // SAFETY: `f` is a live definition; the wrapper is a new function with `f`'s
    // parameters whose single block calls `f` and returns its converted result; `f` is
    // renamed first so the wrapper can take its name.
    unsafe {
        let fn_ty = LLVMGlobalGetValueType(f);
        let ret = LLVMGetReturnType(fn_ty);
        let kind = LLVMGetTypeKind(ret);
        let is_compare =
            name.ends_with("f2") && !name.starts_with("__extend") && !name.starts_with("__trunc");
        let narrow = match kind {
            LLVMTypeKind::LLVMFloatTypeKind => true,
            LLVMTypeKind::LLVMIntegerTypeKind => LLVMGetIntTypeWidth(ret) < 64 || is_compare,
            _ => false,
        };
        if !narrow {
            return;
        }
        let context = LLVMGetModuleContext(module);
        let i32_ty = LLVMInt32TypeInContext(context);
        let impl_name = format!("{name}.tako.impl");
        LLVMSetValueName2(f, impl_name.as_ptr().cast(), impl_name.len());
        LLVMSetLinkage(f, LLVMLinkage::LLVMInternalLinkage);
        LLVMSetVisibility(f, LLVMVisibility::LLVMDefaultVisibility);
        let n = LLVMCountParamTypes(fn_ty) as usize;
        let mut params = vec![std::ptr::null_mut(); n];
        LLVMGetParamTypes(fn_ty, params.as_mut_ptr());
        let wrapper_ty = LLVMFunctionType(i32_ty, params.as_mut_ptr(), n as u32, 0);
        let c_name = CString::new(name).unwrap_or_default();
        let w = LLVMAddFunction(module, c_name.as_ptr(), wrapper_ty);
        LLVMSetLinkage(w, LLVMLinkage::LLVMExternalLinkage);
        LLVMSetVisibility(w, LLVMVisibility::LLVMHiddenVisibility);
        let attr = if sign_extended(name) {
            "signext"
        } else {
            "zeroext"
        };
        let kind_id = LLVMGetEnumAttributeKindForName(attr.as_ptr().cast(), attr.len());
        LLVMAddAttributeAtIndex(w, 0, LLVMCreateEnumAttribute(context, kind_id, 0));
        let builder = ir::Builder::new(module);
        let b = builder.0;
        let entry = LLVMAppendBasicBlockInContext(context, w, c"entry".as_ptr());
        LLVMPositionBuilderAtEnd(b, entry);
        let mut args: Vec<_> = (0..n as u32).map(|i| LLVMGetParam(w, i)).collect();
        let call = LLVMBuildCall2(b, fn_ty, f, args.as_mut_ptr(), n as u32, ir::NONAME);
        let value = if kind == LLVMTypeKind::LLVMFloatTypeKind {
            LLVMBuildBitCast(b, call, i32_ty, ir::NONAME)
        } else {
            LLVMBuildIntCast2(b, call, i32_ty, 1, ir::NONAME)
        };
        LLVMBuildRet(b, value);
    }
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
