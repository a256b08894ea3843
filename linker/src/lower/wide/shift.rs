//! `shl`/`lshr`/`ashr i128` by a variable amount, as two-half shifts.

use super::{is_i128, Cx};
use crate::llvm::{IntPredicate, Module, Opcode};

/// Rewrites `shl`/`lshr`/`ashr i128` by a non-constant amount; returns how many.
pub(in crate::lower) fn lower_shifts(module: &Module<'_>) -> usize {
    let b = module.builder();
    let cx = Cx::new(module, &b);
    let mut n = 0;
    for i in module.instructions() {
        let op = i.opcode();
        if !matches!(op, Opcode::LLVMShl | Opcode::LLVMLShr | Opcode::LLVMAShr) || !is_i128(*i) {
            continue;
        }
        let amount = i.operand(1);
        if amount.is_constant() {
            continue;
        }
        b.before(i);
        let (lo, hi) = cx.split(i.operand(0));
        // Amounts >= 128 are poison in IR: only the low 7 bits matter.
        let s = b.trunc(amount, cx.i64);
        let small = b.and(s, cx.c64(63));
        let back = b.sub(cx.c64(63), small);
        let big = b.icmp(IntPredicate::LLVMIntNE, b.and(s, cx.c64(64)), cx.c64(0));
        let one = cx.c64(1);
        let (new_lo, new_hi) = match op {
            Opcode::LLVMShl => {
                // (lo >> 1) >> (63 - small) is lo >> (64 - small) without a shift by 64.
                let carry = b.lshr(b.lshr(lo, one), back);
                let hi_small = b.or(b.shl(hi, small), carry);
                let lo_shifted = b.shl(lo, small);
                (
                    b.select(big, cx.c64(0), lo_shifted),
                    b.select(big, lo_shifted, hi_small),
                )
            }
            _ => {
                let carry = b.shl(b.shl(hi, one), back);
                let lo_small = b.or(b.lshr(lo, small), carry);
                let (hi_shifted, fill) = if op == Opcode::LLVMAShr {
                    (b.ashr(hi, small), b.ashr(hi, cx.c64(63)))
                } else {
                    (b.lshr(hi, small), cx.c64(0))
                };
                (
                    b.select(big, hi_shifted, lo_small),
                    b.select(big, fill, hi_shifted),
                )
            }
        };
        let result = cx.join(new_lo, new_hi);
        // SAFETY: the result is an `i128`, `i`'s type; `i` is not used again.
        unsafe { i.replace_with(result) };
        n += 1;
    }
    n
}
