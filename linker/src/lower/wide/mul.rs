//! `mul` wider than 64 bits and the overflow-checked multiplications built on it.

use super::Cx;
use crate::llvm::{IntPredicate, Module, Opcode, Value};

/// The 64-bit limbs of an integer of `width` bits (least significant first); limbs known
/// to be zero (above a `zext` source, or of a constant) are the constant 0.
fn limbs<'m>(cx: &Cx<'_, 'm>, v: Value<'m>, width: u32) -> Vec<Value<'m>> {
    let n = width.div_ceil(64);
    let ty = v.ty();
    let known = if v.is_zext() {
        v.operand(0).int_width().unwrap_or(width)
    } else {
        width
    };
    (0..n)
        .map(|k| {
            if k * 64 >= known {
                return cx.c64(0);
            }
            let shifted = if k == 0 {
                v
            } else {
                cx.b.lshr(v, ty.const_int(u64::from(k * 64)))
            };
            cx.b.trunc(shifted, cx.i64)
        })
        .collect()
}

/// Rewrites `mul` on integers wider than 64 bits (`i128`, and the `i256` LLVM creates for
/// division by a 128-bit constant) into 64-bit schoolbook multiplication truncated to the
/// width; returns how many.
pub(in crate::lower) fn lower_mul(module: &Module<'_>) -> usize {
    let b = module.builder();
    let cx = Cx::new(module, &b);
    let mut count = 0;
    for i in module.instructions() {
        let Some(width) = i.int_width().filter(|&w| w > 64) else {
            continue;
        };
        if i.opcode() != Opcode::LLVMMul {
            continue;
        }
        b.before(i);
        let ty = i.ty();
        let x = limbs(&cx, i.operand(0), width);
        let y = limbs(&cx, i.operand(1), width);
        let n = x.len();
        let ny = y
            .iter()
            .rposition(|l| !l.is_zero_int())
            .map_or(0, |p| p + 1);
        let mut r = vec![cx.c64(0); n];
        for (row, &xi) in x.iter().enumerate() {
            if xi.is_zero_int() {
                continue;
            }
            let mut carry = cx.c64(0);
            let columns = ny.min(n - row);
            for (col, &yj) in y.iter().enumerate().take(columns) {
                let k = row + col;
                let lo = cx.mul_lo(xi, yj);
                let s1 = b.add(lo, r[k]);
                let s2 = b.add(s1, carry);
                r[k] = s2;
                if k + 1 < n {
                    // hi + carries never exceeds 2^64 - 1: hi <= 2^64 - 2.
                    let c1 = b.icmp(IntPredicate::LLVMIntULT, s1, lo);
                    let c2 = b.icmp(IntPredicate::LLVMIntULT, s2, s1);
                    let hi = cx.mulhu(xi, yj);
                    let hi = b.add(hi, b.zext(c1, cx.i64));
                    carry = b.add(hi, b.zext(c2, cx.i64));
                }
            }
            if row + columns < n {
                // Nothing was written there yet: the carry is the limb.
                r[row + columns] = carry;
            }
        }
        let mut result = ty.const_int(0);
        for (k, &limb) in r.iter().enumerate() {
            if limb.is_zero_int() {
                continue;
            }
            let wide = b.zext(limb, ty);
            let wide = if k == 0 {
                wide
            } else {
                b.shl(wide, ty.const_int(k as u64 * 64))
            };
            result = b.or(result, wide);
        }
        // SAFETY: the result is rebuilt in `i`'s type; `i` is not used again.
        unsafe { i.replace_with(result) };
        count += 1;
    }
    count
}

/// Rewrites `llvm.umul.with.overflow.i128` and `llvm.smul.with.overflow.i64`; returns how
/// many.
pub(in crate::lower) fn lower_mul_overflow(module: &Module<'_>) -> usize {
    let b = module.builder();
    let cx = Cx::new(module, &b);
    let mut n = 0;
    for call in module.calls() {
        let Some(callee) = call.callee_name() else {
            continue;
        };
        let unsigned128 = callee == "llvm.umul.with.overflow.i128";
        let signed64 = callee == "llvm.smul.with.overflow.i64";
        if !unsigned128 && !signed64 {
            continue;
        }
        b.before(*call);
        let x = call.operand(0);
        let y = call.operand(1);
        let ne0 = |v| b.icmp(IntPredicate::LLVMIntNE, v, cx.c64(0));
        let (product, overflow) = if unsigned128 {
            let (x0, x1) = cx.split(x);
            let (y0, y1) = cx.split(y);
            // Both high halves set: the product is at least 2^128.
            let both = b.and(ne0(x1), ne0(y1));
            // Cross products must fit in 64 bits and their sum must not carry.
            let c1_hi = cx.mulhu(x1, y0);
            let c2_hi = cx.mulhu(x0, y1);
            let c1 = cx.mul_lo(x1, y0);
            let c2 = cx.mul_lo(x0, y1);
            let mid = b.add(c1, c2);
            let mid_carry = b.icmp(IntPredicate::LLVMIntULT, mid, c1);
            let lo = cx.mul_lo(x0, y0);
            let h0 = cx.mulhu(x0, y0);
            let hi = b.add(h0, mid);
            let hi_carry = b.icmp(IntPredicate::LLVMIntULT, hi, h0);
            let mut flag = b.or(both, ne0(c1_hi));
            flag = b.or(flag, ne0(c2_hi));
            flag = b.or(flag, mid_carry);
            flag = b.or(flag, hi_carry);
            (cx.join(lo, hi), flag)
        } else {
            // Signed high half: mulhu - (x < 0 ? y : 0) - (y < 0 ? x : 0); the product
            // fits iff that equals the sign fill of the low half.
            let lo = b.mul(x, y);
            let k63 = cx.c64(63);
            let sx = b.ashr(x, k63);
            let sy = b.ashr(y, k63);
            let mut hi = cx.mulhu(x, y);
            hi = b.sub(hi, b.and(sx, y));
            hi = b.sub(hi, b.and(sy, x));
            let fill = b.ashr(lo, k63);
            let flag = b.icmp(IntPredicate::LLVMIntNE, hi, fill);
            (lo, flag)
        };
        let result = cx.pair(call.ty(), product, overflow);
        // SAFETY: the intrinsic's result is `{iN, i1}` and the replacement is built with
        // that exact type; `call` is not used again.
        unsafe { call.replace_with(result) };
        n += 1;
    }
    n
}
