//! Constant-length `llvm.memcpy`/`llvm.memmove`/`llvm.memset` become TAKO mem syscalls
//! when that is cheaper than the inline copy LLVM would emit.
//!
//! LLVM's BPF backend expands a memory intrinsic of known length into loads and stores
//! (up to 128 stores) because the kernel's BPF has no `memcpy`. In the TAKO VM every
//! instruction costs 1 CU while `tos_memcpy` & co. cost `max(10, n / 250)`: copying a
//! 1 KiB buffer inline costs 256 CU (more when the alignment is below 8), the syscall 10.
//! This rewrite compares the two with the VM's prices and calls the syscall when the
//! inline sequence would cost more. Variable lengths already become syscalls (the
//! relinker resolves `memcpy` & co.); volatile and `.inline` intrinsics are left alone.

use llvm_sys::core::*;
use llvm_sys::prelude::*;

use super::ir::{self, Builder, NONAME};

/// The memory syscall of `kind`, from the ABI's table.
fn spec(kind: Kind) -> &'static tako_abi::SyscallSpec {
    let name = match kind {
        Kind::Copy => "tos_memcpy",
        Kind::Move => "tos_memmove",
        Kind::Set => "tos_memset",
    };
    tako_abi::syscall(name).expect("the ABI lists the memory syscalls")
}

/// CU of the syscall for `n` bytes (its price in the ABI's table), plus the instructions
/// that set up its three argument registers.
fn syscall_cost(kind: Kind, n: u64) -> u64 {
    spec(kind).price.charge([0, 0, n, 0, 0], 0) + 4
}

/// CU of LLVM's inline expansion: one load and one store per word for copies, one store
/// per word for `memset` (plus building the pattern), words as wide as the alignment
/// allows (at most 8 bytes).
fn inline_cost(kind: Kind, n: u64, align: u64) -> u64 {
    let word = align.clamp(1, 8);
    let words = n.div_ceil(word);
    match kind {
        Kind::Copy | Kind::Move => 2 * words,
        Kind::Set => words + 2,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Copy,
    Move,
    Set,
}

/// Whether the syscall is cheaper than the inline expansion (pure, for tests).
fn prefer_syscall(kind: Kind, n: u64, align: u64) -> bool {
    n > 0 && inline_cost(kind, n, align) > syscall_cost(kind, n)
}

fn kind_of(callee: &str) -> Option<Kind> {
    if callee.starts_with("llvm.memcpy.inline") || callee.starts_with("llvm.memset.inline") {
        None
    } else if callee.starts_with("llvm.memcpy.") {
        Some(Kind::Copy)
    } else if callee.starts_with("llvm.memmove.") {
        Some(Kind::Move)
    } else if callee.starts_with("llvm.memset.") {
        Some(Kind::Set)
    } else {
        None
    }
}

/// The constant value of `v` if it is a constant integer that fits in 64 bits.
fn constant(v: LLVMValueRef) -> Option<u64> {
    // SAFETY: `v` is a live value; only read.
    unsafe {
        if LLVMIsAConstantInt(v).is_null() {
            return None;
        }
        Some(LLVMConstIntGetZExtValue(v))
    }
}

/// The `align` attribute of argument `index` (0-based) of `call`, or 1.
fn param_align(call: LLVMValueRef, index: u32) -> u64 {
    // SAFETY: `call` is a live call instruction; attribute lookups only read it.
    unsafe {
        let kind = LLVMGetEnumAttributeKindForName(c"align".as_ptr(), 5);
        let attr = LLVMGetCallSiteEnumAttribute(call, index + 1, kind);
        if attr.is_null() {
            1
        } else {
            LLVMGetEnumAttributeValue(attr).max(1)
        }
    }
}

/// The declaration of syscall `name` as `i64 (i64, i64, i64)`, added if missing.
pub(super) fn syscall_decl(
    module: LLVMModuleRef,
    name: &std::ffi::CStr,
) -> (LLVMValueRef, LLVMTypeRef) {
    // SAFETY: `module` is live; the function type is built in its context.
    unsafe {
        let i64_ty = LLVMInt64TypeInContext(LLVMGetModuleContext(module));
        let mut params = [i64_ty, i64_ty, i64_ty];
        let fn_ty = LLVMFunctionType(i64_ty, params.as_mut_ptr(), 3, 0);
        let existing = LLVMGetNamedFunction(module, name.as_ptr());
        let f = if existing.is_null() {
            LLVMAddFunction(module, name.as_ptr(), fn_ty)
        } else {
            existing
        };
        (f, fn_ty)
    }
}

/// Rewrites the constant-length memory intrinsics that are cheaper as syscalls; returns
/// how many.
pub(super) fn lower(module: LLVMModuleRef) -> usize {
    let mut sites = Vec::new();
    for i in ir::all_instructions(module) {
        let Some(kind) = ir::callee_name(i).as_deref().and_then(kind_of) else {
            continue;
        };
        // SAFETY: `i` is a live call to a memory intrinsic: (dst, src|val, len, volatile).
        let (len, volatile) = unsafe { (LLVMGetOperand(i, 2), LLVMGetOperand(i, 3)) };
        let (Some(n), Some(0)) = (constant(len), constant(volatile)) else {
            continue;
        };
        let align = match kind {
            Kind::Set => param_align(i, 0),
            Kind::Copy | Kind::Move => param_align(i, 0).min(param_align(i, 1)),
        };
        if prefer_syscall(kind, n, align) {
            sites.push((i, kind));
        }
    }
    if sites.is_empty() {
        return 0;
    }
    let builder = Builder::new(module);
    // SAFETY: every site is a live call instruction of `module` returning `void`, so it has
    // no uses; the new call passes the same operands converted to the syscall's `i64`
    // registers, and the old call is erased after the new one is inserted before it.
    unsafe {
        let i64_ty = LLVMInt64TypeInContext(LLVMGetModuleContext(module));
        for &(call, kind) in &sites {
            builder.before(call);
            let b = builder.0;
            let second = match kind {
                Kind::Copy | Kind::Move => {
                    LLVMBuildPtrToInt(b, LLVMGetOperand(call, 1), i64_ty, NONAME)
                }
                Kind::Set => LLVMBuildZExt(b, LLVMGetOperand(call, 1), i64_ty, NONAME),
            };
            let name = std::ffi::CString::new(spec(kind).symbol)
                .expect("syscall symbols have no NUL byte");
            let dst = LLVMBuildPtrToInt(b, LLVMGetOperand(call, 0), i64_ty, NONAME);
            let len = LLVMBuildZExtOrBitCast(b, LLVMGetOperand(call, 2), i64_ty, NONAME);
            let (f, fn_ty) = syscall_decl(module, &name);
            let mut args = [dst, second, len];
            LLVMBuildCall2(b, fn_ty, f, args.as_mut_ptr(), 3, NONAME);
            LLVMInstructionEraseFromParent(call);
        }
    }
    sites.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_aligned_copies_stay_inline() {
        assert!(!prefer_syscall(Kind::Copy, 8, 8));
        assert!(!prefer_syscall(Kind::Copy, 48, 8));
        assert!(!prefer_syscall(Kind::Set, 64, 8));
    }

    #[test]
    fn large_or_unaligned_copies_become_syscalls() {
        assert!(prefer_syscall(Kind::Copy, 1024, 8));
        assert!(
            prefer_syscall(Kind::Copy, 16, 1),
            "byte-wise copies are 2 CU per byte"
        );
        assert!(prefer_syscall(Kind::Move, 4096, 8));
        assert!(prefer_syscall(Kind::Set, 1024, 8));
    }

    #[test]
    fn zero_length_is_left_alone() {
        assert!(!prefer_syscall(Kind::Copy, 0, 1));
    }

    #[test]
    fn inline_variants_are_never_rewritten() {
        assert_eq!(kind_of("llvm.memcpy.inline.p0.p0.i64"), None);
        assert_eq!(kind_of("llvm.memcpy.p0.p0.i64"), Some(Kind::Copy));
        assert_eq!(kind_of("llvm.memset.p0.i64"), Some(Kind::Set));
    }
}
