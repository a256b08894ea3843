//! Signed division and remainder on integers of at most 64 bits.
//!
//! The BPF backend has no signed division below cpu v4 ("unsupported signed division").
//! `sdiv`/`srem` become unsigned operations on absolute values with sign fix-ups, in the
//! operation's own width:
//!
//! ```text
//! sa = a >>s (N-1)            ; all ones when a < 0
//! sb = b >>s (N-1)
//! |a| = (a ^ sa) - sa          ; |MIN| wraps to MIN, which is 2^(N-1) unsigned: right
//! q = udiv |a|, |b|
//! sdiv = (q ^ (sa ^ sb)) - (sa ^ sb)
//! srem = (urem |a|, |b| ^ sa) - sa   ; the remainder takes the dividend's sign
//! ```
//!
//! This is exact for every input IR defines; `MIN / -1` (poison in IR, and guarded by rustc
//! before the operation) gives `MIN`, the wrapping result. A positive constant divisor
//! skips its sign handling, so `x / 1000` stays one unsigned division. Divisions LLVM
//! lowers without dividing (`exact` by a constant, `±2^k`) are left alone.
//! 128-bit division is [`super::wide`]'s.

use llvm_sys::core::*;
use llvm_sys::prelude::*;
use llvm_sys::LLVMOpcode;

use super::ir::{self, Builder, NONAME};

/// Whether LLVM's own lowering already avoids a division: an `exact` division by a
/// constant (a shift and a multiplication by the inverse, e.g. pointer differences divided
/// by an element size) or a division or remainder by a constant `±2^k` (shifts), except by
/// the type's minimum. Those are left to it: shorter than the rewrite.
fn dag_handles(i: LLVMValueRef, width: u32) -> bool {
    // SAFETY: `i` is a live sdiv/srem; its divisor is only inspected.
    unsafe {
        let divisor = LLVMGetOperand(i, 1);
        if LLVMIsAConstantInt(divisor).is_null() {
            return false;
        }
        let value = LLVMConstIntGetSExtValue(divisor);
        let min = if width == 64 {
            i64::MIN
        } else {
            -(1i64 << (width - 1))
        };
        if value == 0 || value == min {
            return false;
        }
        let exact = ir::opcode(i) == LLVMOpcode::LLVMSDiv && LLVMGetExact(i) != 0;
        exact || value.unsigned_abs().is_power_of_two()
    }
}

/// Rewrites every `sdiv`/`srem` of width <= 64 in `module` that LLVM would emit as a
/// signed division; returns how many.
pub(super) fn lower(module: LLVMModuleRef) -> usize {
    let targets: Vec<_> = ir::all_instructions(module)
        .into_iter()
        .filter(|&i| {
            matches!(ir::opcode(i), LLVMOpcode::LLVMSDiv | LLVMOpcode::LLVMSRem)
                && ir::value_int_width(i).is_some_and(|w| w <= 64 && !dag_handles(i, w))
        })
        .collect();
    let builder = Builder::new(module);
    for &i in &targets {
        builder.before(i);
        let is_rem = ir::opcode(i) == LLVMOpcode::LLVMSRem;
        // SAFETY: `i` is a live integer sdiv/srem; every value built has its type, the
        // replacement has `i`'s type, and `i` has no uses left when erased.
        unsafe {
            let b = builder.0;
            let ty = LLVMTypeOf(i);
            let width = LLVMGetIntTypeWidth(ty);
            let x = LLVMGetOperand(i, 0);
            let y = LLVMGetOperand(i, 1);
            let top = LLVMConstInt(ty, u64::from(width - 1), 0);
            let sign_of = |v: LLVMValueRef| LLVMBuildAShr(b, v, top, NONAME);
            let abs_of = |v: LLVMValueRef, s: LLVMValueRef| {
                LLVMBuildSub(b, LLVMBuildXor(b, v, s, NONAME), s, NONAME)
            };
            let sx = sign_of(x);
            let ax = abs_of(x, sx);
            let positive_constant =
                !LLVMIsAConstantInt(y).is_null() && LLVMConstIntGetSExtValue(y) > 0;
            let result = if is_rem {
                let ay = if positive_constant {
                    y
                } else {
                    abs_of(y, sign_of(y))
                };
                let r = LLVMBuildURem(b, ax, ay, NONAME);
                abs_of(r, sx)
            } else if positive_constant {
                let q = LLVMBuildUDiv(b, ax, y, NONAME);
                abs_of(q, sx)
            } else {
                let sy = sign_of(y);
                let ay = abs_of(y, sy);
                let q = LLVMBuildUDiv(b, ax, ay, NONAME);
                let s = LLVMBuildXor(b, sx, sy, NONAME);
                abs_of(q, s)
            };
            LLVMReplaceAllUsesWith(i, result);
            LLVMInstructionEraseFromParent(i);
        }
    }
    targets.len()
}
