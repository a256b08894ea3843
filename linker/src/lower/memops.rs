//! Constant-length `llvm.memcpy`/`llvm.memmove`/`llvm.memset` become TAKO mem syscalls
//! when that is cheaper than the inline copy LLVM would emit.
//!
//! LLVM's BPF backend expands a memory intrinsic of known length into loads and stores
//! (up to 128 stores) because the kernel's BPF has no `memcpy`. In the TAKO VM every
//! instruction costs 1 CU while `tos_memcpy` & co. cost `max(10, n / 250)`: copying a
//! 1 KiB buffer inline costs 256 CU, the syscall 10. Words are 8 bytes when code is
//! generated with misaligned accesses allowed (`codegen::MISALIGNED_ACCESS`, the target
//! spec's default); without it, as wide as the alignment the intrinsic states, so a copy
//! between byte buffers goes byte by byte. This rewrite compares the two with the VM's
//! prices and calls the syscall when the inline sequence would cost more. Variable lengths already become syscalls (the
//! relinker resolves `memcpy` & co.); volatile and `.inline` intrinsics are left alone.

use crate::llvm::{attribute_kind, Call, Function, Module, Type};

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
/// per word for `memset` (plus building the pattern). Words are 8 bytes where misaligned
/// accesses are allowed, else as wide as the alignment allows (at most 8 bytes).
fn inline_cost(kind: Kind, n: u64, access: Access) -> u64 {
    let word = match access {
        Access::Misaligned => 8,
        Access::Aligned(align) => align.clamp(1, 8),
    };
    let words = n.div_ceil(word);
    match kind {
        Kind::Copy | Kind::Move => 2 * words,
        Kind::Set => words + 2,
    }
}

/// How the expansion may access memory: at any address, or only as aligned as the
/// intrinsic's operands are (in bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    Misaligned,
    Aligned(u64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Copy,
    Move,
    Set,
}

/// Whether the syscall is cheaper than the inline expansion (pure, for tests).
fn prefer_syscall(kind: Kind, n: u64, access: Access) -> bool {
    n > 0 && inline_cost(kind, n, access) > syscall_cost(kind, n)
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

/// The `align` attribute of argument `index` (0-based) of `call`, or 1.
fn param_align(call: Call<'_>, index: u32) -> u64 {
    call.enum_attribute(index + 1, attribute_kind("align"))
        .map_or(1, |a| a.enum_value().max(1))
}

/// The declaration of syscall `name` as `i64 (i64, i64, i64)`, added if missing, and
/// that type.
pub(super) fn syscall_decl<'m>(module: &'m Module<'_>, name: &str) -> (Function<'m>, Type<'m>) {
    let i64_ty = module.int_type(64);
    let fn_ty = i64_ty.function(&[i64_ty, i64_ty, i64_ty]);
    (module.declare(name, fn_ty), fn_ty)
}

/// Rewrites the constant-length memory intrinsics that are cheaper as syscalls, for code
/// generated with (`misaligned_access`) or without misaligned accesses; returns how many.
pub(super) fn lower(module: &Module<'_>, misaligned_access: bool) -> usize {
    let mut sites = Vec::new();
    for call in module.calls() {
        let Some(kind) = call.callee_name().as_deref().and_then(kind_of) else {
            continue;
        };
        // A memory intrinsic's operands: (dst, src|val, len, volatile).
        let (len, volatile) = (call.operand(2), call.operand(3));
        let (Some(n), Some(0)) = (len.const_u64(), volatile.const_u64()) else {
            continue;
        };
        let access = if misaligned_access {
            Access::Misaligned
        } else {
            Access::Aligned(match kind {
                Kind::Set => param_align(call, 0),
                Kind::Copy | Kind::Move => param_align(call, 0).min(param_align(call, 1)),
            })
        };
        if prefer_syscall(kind, n, access) {
            sites.push((call, kind));
        }
    }
    if sites.is_empty() {
        return 0;
    }
    let b = module.builder();
    let i64_ty = module.int_type(64);
    for &(call, kind) in &sites {
        b.before(*call);
        let second = match kind {
            Kind::Copy | Kind::Move => b.ptr_to_int(call.operand(1), i64_ty),
            Kind::Set => b.zext(call.operand(1), i64_ty),
        };
        let dst = b.ptr_to_int(call.operand(0), i64_ty);
        let len = b.zext_or_bitcast(call.operand(2), i64_ty);
        let (f, fn_ty) = syscall_decl(module, spec(kind).symbol);
        b.call(fn_ty, f.value(), &[dst, second, len]);
        // SAFETY: the intrinsic returns `void`, so nothing uses it; `call` is not used again.
        unsafe { call.erase() };
    }
    sites.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_aligned_copies_stay_inline() {
        assert!(!prefer_syscall(Kind::Copy, 8, Access::Aligned(8)));
        assert!(!prefer_syscall(Kind::Copy, 48, Access::Aligned(8)));
        assert!(!prefer_syscall(Kind::Set, 64, Access::Aligned(8)));
    }

    #[test]
    fn large_or_byte_wise_copies_become_syscalls() {
        assert!(prefer_syscall(Kind::Copy, 1024, Access::Aligned(8)));
        assert!(prefer_syscall(Kind::Copy, 1024, Access::Misaligned));
        assert!(
            prefer_syscall(Kind::Copy, 16, Access::Aligned(1)),
            "byte-wise copies are 2 CU per byte"
        );
        assert!(prefer_syscall(Kind::Move, 4096, Access::Aligned(8)));
        assert!(prefer_syscall(Kind::Set, 1024, Access::Misaligned));
    }

    #[test]
    fn with_misaligned_accesses_a_byte_buffer_copies_word_by_word() {
        // A 32-byte address copied between byte arrays: 8 instructions inline, where the
        // syscall takes 10 CU and 4 to set up.
        assert_eq!(inline_cost(Kind::Copy, 32, Access::Misaligned), 8);
        assert!(!prefer_syscall(Kind::Copy, 32, Access::Misaligned));
        assert!(!prefer_syscall(Kind::Set, 73, Access::Misaligned));
        // Up to the break-even point: 7 words copied (14 CU), 8 words no longer.
        assert!(!prefer_syscall(Kind::Copy, 56, Access::Misaligned));
        assert!(prefer_syscall(Kind::Copy, 57, Access::Misaligned));
    }

    #[test]
    fn zero_length_is_left_alone() {
        assert!(!prefer_syscall(Kind::Copy, 0, Access::Aligned(1)));
        assert!(!prefer_syscall(Kind::Copy, 0, Access::Misaligned));
    }

    #[test]
    fn inline_variants_are_never_rewritten() {
        assert_eq!(kind_of("llvm.memcpy.inline.p0.p0.i64"), None);
        assert_eq!(kind_of("llvm.memcpy.p0.p0.i64"), Some(Kind::Copy));
        assert_eq!(kind_of("llvm.memset.p0.i64"), Some(Kind::Set));
    }
}
