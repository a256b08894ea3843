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

use crate::llvm::{Instruction, Module, Opcode};

/// Whether LLVM's own lowering already avoids a division: an `exact` division by a
/// constant (a shift and a multiplication by the inverse, e.g. pointer differences divided
/// by an element size) or a division or remainder by a constant `±2^k` (shifts), except by
/// the type's minimum. Those are left to it: shorter than the rewrite.
fn dag_handles(i: Instruction<'_>, width: u32) -> bool {
    let Some(value) = i.operand(1).const_i64() else {
        return false;
    };
    let min = if width == 64 {
        i64::MIN
    } else {
        -(1i64 << (width - 1))
    };
    if value == 0 || value == min {
        return false;
    }
    let exact = i.opcode() == Opcode::LLVMSDiv && i.is_exact();
    exact || value.unsigned_abs().is_power_of_two()
}

/// Rewrites every `sdiv`/`srem` of width <= 64 in `module` that LLVM would emit as a
/// signed division; returns how many.
pub(super) fn lower(module: &Module<'_>) -> usize {
    let targets: Vec<_> = module
        .instructions()
        .into_iter()
        .filter(|&i| {
            matches!(i.opcode(), Opcode::LLVMSDiv | Opcode::LLVMSRem)
                && i.int_width().is_some_and(|w| w <= 64 && !dag_handles(i, w))
        })
        .collect();
    let b = module.builder();
    for &i in &targets {
        b.before(i);
        let is_rem = i.opcode() == Opcode::LLVMSRem;
        let ty = i.ty();
        let width = ty.int_width().expect("an integer division");
        let x = i.operand(0);
        let y = i.operand(1);
        let top = ty.const_int(u64::from(width - 1));
        let sign_of = |v| b.ashr(v, top);
        let abs_of = |v, s| b.sub(b.xor(v, s), s);
        let sx = sign_of(x);
        let ax = abs_of(x, sx);
        let positive_constant = y.const_i64().is_some_and(|c| c > 0);
        let result = if is_rem {
            let ay = if positive_constant {
                y
            } else {
                abs_of(y, sign_of(y))
            };
            abs_of(b.urem(ax, ay), sx)
        } else if positive_constant {
            abs_of(b.udiv(ax, y), sx)
        } else {
            let sy = sign_of(y);
            let ay = abs_of(y, sy);
            let q = b.udiv(ax, ay);
            abs_of(q, b.xor(sx, sy))
        };
        // SAFETY: every value built has `i`'s type; `i` is not used again.
        unsafe { i.replace_with(result) };
    }
    targets.len()
}
