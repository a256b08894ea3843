//! `udiv`/`urem`/`sdiv`/`srem i128` as calls to one shared helper, `tako.udivmod128`, and
//! the 128-by-64 division it uses, `tako.divlu`.

use super::{is_i128, Cx};
use crate::llvm::FUNCTION_INDEX;
use crate::llvm::{Builder, Function, IntPredicate, Linkage, Module, Opcode, Type, Value};

/// Name of the shared division helper this module defines.
const UDIVMOD: &str = "tako.udivmod128";

/// Name of the 128-by-64 division helper.
const DIVLU: &str = "tako.divlu";

/// Stores `value` (of type `ty`) at `out[index]`, `out` viewed as an array of `ty`.
fn store_at<'m>(cx: &Cx<'_, 'm>, out: Value<'m>, value: Value<'m>, index: u64, ty: Type<'m>) {
    let p = cx.b.gep(ty, out, cx.c64(index));
    cx.b.store(value, p);
}

/// Defines `tako.udivmod128` (once) and returns it with its type.
fn udivmod_helper<'m>(module: &'m Module<'_>, cx: &Cx<'_, 'm>) -> (Function<'m>, Type<'m>) {
    let fn_ty = module
        .void_type()
        .function(&[module.ptr_type(), cx.i64, cx.i64, cx.i64, cx.i64]);
    if let Some(existing) = module.function(UDIVMOD) {
        return (existing, fn_ty);
    }
    let f = module.add_function(UDIVMOD, fn_ty);
    f.set_linkage(Linkage::LLVMInternalLinkage);
    f.add_attribute(FUNCTION_INDEX, module.enum_attribute("noinline", 0));
    let own = module.builder();
    let cx = cx.with(&own);
    let b = &own;
    let entry = module.append_block(f, c"entry");
    let fast = module.append_block(f, c"fast");
    let check = module.append_block(f, c"check32");
    let small = module.append_block(f, c"divisor32");
    let slow = module.append_block(f, c"slow");
    let out = f.param(0);
    let (a0, a1, b0, b1) = (f.param(1), f.param(2), f.param(3), f.param(4));
    b.at_end(entry);
    let high = b.or(a1, b1);
    let narrow = b.icmp(IntPredicate::LLVMIntEQ, high, cx.c64(0));
    b.cond_br(narrow, fast, check);
    b.at_end(check);
    let fits32 = b.icmp(IntPredicate::LLVMIntULE, b0, cx.c64(0xffff_ffff));
    let b1_zero = b.icmp(IntPredicate::LLVMIntEQ, b1, cx.c64(0));
    let divisor32 = b.and(fits32, b1_zero);
    b.cond_br(divisor32, small, slow);
    let store = |value, index| store_at(&cx, out, value, index, cx.i64);
    b.at_end(fast);
    store(b.udiv(a0, b0), 0);
    store(cx.c64(0), 1);
    store(b.urem(a0, b0), 2);
    store(cx.c64(0), 3);
    b.ret_void();
    // Divisor below 2^32: schoolbook division by 32-bit digits, four 64-bit `udiv`s
    // (each partial dividend `r << 32 | digit` is below 2^64 since r < divisor).
    b.at_end(small);
    let mask = cx.c64(0xffff_ffff);
    let k32 = cx.c64(32);
    let digits = [
        b.lshr(a1, k32),
        b.and(a1, mask),
        b.lshr(a0, k32),
        b.and(a0, mask),
    ];
    let mut rem = cx.c64(0);
    let mut q = Vec::with_capacity(4);
    for digit in digits {
        let partial = b.or(b.shl(rem, k32), digit);
        q.push(b.udiv(partial, b0));
        rem = b.urem(partial, b0);
    }
    let q_hi = b.or(b.shl(q[0], k32), q[1]);
    let q_lo = b.or(b.shl(q[2], k32), q[3]);
    store(q_lo, 0);
    store(q_hi, 1);
    store(rem, 2);
    store(cx.c64(0), 3);
    b.ret_void();
    // Divisor of 33..128 bits: Hacker's Delight's `divlu`-based division (below).
    // The scratch slot is a static alloca: at the start of the entry block.
    b.at_start(entry);
    let scratch = b.alloca(cx.i64.array(2));
    b.at_end(slow);
    let (divlu, divlu_ty) = divlu_helper(module, &cx);
    let call_divlu = |u1, u0, v| {
        b.call(divlu_ty, divlu.value(), &[scratch, u1, u0, v]);
        let pq = b.gep(cx.i64, scratch, cx.c64(0));
        let pr = b.gep(cx.i64, scratch, cx.c64(1));
        (b.load(cx.i64, pq), b.load(cx.i64, pr))
    };
    let wide64 = module.append_block(f, c"divisor64");
    let wide128 = module.append_block(f, c"divisor128");
    let b1_zero = b.icmp(IntPredicate::LLVMIntEQ, b1, cx.c64(0));
    b.cond_br(b1_zero, wide64, wide128);
    // Divisor of 33..64 bits: high quotient digit by one `udiv`, then `divlu` of
    // (a1 % b0 : a0) by b0 (its precondition a1 % b0 < b0 holds).
    b.at_end(wide64);
    let q_hi = b.udiv(a1, b0);
    let k = b.urem(a1, b0);
    let (q_lo, r) = call_divlu(k, a0, b0);
    store(q_lo, 0);
    store(q_hi, 1);
    store(r, 2);
    store(cx.c64(0), 3);
    b.ret_void();
    // Divisor of 65..128 bits (Hacker's Delight 9-5, doubled): the quotient fits in 64
    // bits; estimate it from the divisor's normalised top 64 bits, off by at most one,
    // and correct with one 128-bit multiply-compare.
    b.at_end(wide128);
    let n = ctlz64(module, b, &cx, b1);
    let back = b.sub(cx.c64(63), n);
    let one = cx.c64(1);
    let v1 = b.or(b.shl(b1, n), b.lshr(b.lshr(b0, one), back));
    let u1 = b.lshr(a1, one);
    let u0 = b.or(b.lshr(a0, one), b.shl(a1, cx.c64(63)));
    let (q1, _) = call_divlu(u1, u0, v1);
    let estimate = b.lshr(q1, back);
    let nonzero = b.icmp(IntPredicate::LLVMIntNE, estimate, cx.c64(0));
    let lowered = b.sub(estimate, one);
    let q0 = b.select(nonzero, lowered, estimate);
    let a = cx.join(a0, a1);
    let d = cx.join(b0, b1);
    // q0 * d <= a: no overflow (the multiplication is lowered by `lower_mul` later).
    let product = b.mul(b.zext(q0, cx.i128), d);
    let r = b.sub(a, product);
    let short = b.icmp(IntPredicate::LLVMIntUGE, r, d);
    let q = b.select(short, b.add(q0, one), q0);
    let r = b.select(short, b.sub(r, d), r);
    store(q, 0);
    store(cx.c64(0), 1);
    store_at(&cx, out, r, 1, cx.i128);
    b.ret_void();
    (f, fn_ty)
}

/// `llvm.ctlz.i64(v, false)`, built by `b`.
fn ctlz64<'m>(module: &'m Module<'_>, b: &Builder<'m>, cx: &Cx<'_, 'm>, v: Value<'m>) -> Value<'m> {
    let i1 = module.int_type(1);
    let ty = cx.i64.function(&[cx.i64, i1]);
    let f = module.declare("llvm.ctlz.i64", ty);
    b.call(ty, f.value(), &[v, i1.const_int(0)]).value()
}

/// Defines `tako.divlu(ptr out, u1, u0, v)` (once): `out[0] = (u1:u0) / v`,
/// `out[1] = (u1:u0) % v`, for `u1 < v` (the quotient fits in 64 bits). Hacker's Delight
/// `divlu` (figure 9-3) with 32-bit digits: normalise `v`, two quotient digits each from one
/// 64-bit `udiv`, each corrected at most twice (the `again` loops, unrolled as selects).
fn divlu_helper<'m>(module: &'m Module<'_>, cx: &Cx<'_, 'm>) -> (Function<'m>, Type<'m>) {
    let fn_ty = module
        .void_type()
        .function(&[module.ptr_type(), cx.i64, cx.i64, cx.i64]);
    if let Some(existing) = module.function(DIVLU) {
        return (existing, fn_ty);
    }
    let f = module.add_function(DIVLU, fn_ty);
    f.set_linkage(Linkage::LLVMInternalLinkage);
    let own = module.builder();
    let cx = cx.with(&own);
    let b = &own;
    b.at_end(module.append_block(f, c"entry"));
    let (out, u1, u0, v) = (f.param(0), f.param(1), f.param(2), f.param(3));
    let mask = cx.c64(0xffff_ffff);
    let k32 = cx.c64(32);
    let one = cx.c64(1);
    let base = cx.c64(1 << 32);
    let s = ctlz64(module, b, &cx, v);
    let vn = b.shl(v, s);
    let vn1 = b.lshr(vn, k32);
    let vn0 = b.and(vn, mask);
    // (u0 >> 1) >> (63 - s) is u0 >> (64 - s) without a shift by 64 when s = 0.
    let back = b.sub(cx.c64(63), s);
    let un32 = b.or(b.shl(u1, s), b.lshr(b.lshr(u0, one), back));
    let un10 = b.shl(u0, s);
    let un1 = b.lshr(un10, k32);
    let un0 = b.and(un10, mask);
    let i1 = module.int_type(1);
    // One quotient digit of `num / vn` with `lo` the next dividend digit.
    let digit = |num, lo| {
        let mut q = b.udiv(num, vn1);
        let mut rhat = b.sub(num, b.mul(q, vn1));
        // HD's `again:` loop runs at most twice; the first check always applies
        // (rhat < vn1 < 2^32), the second only if rhat is still below 2^32.
        let mut active = i1.const_int(1);
        for _ in 0..2 {
            let big = b.icmp(IntPredicate::LLVMIntUGE, q, base);
            let lhs = b.mul(q, vn0);
            let rhs = b.or(b.shl(rhat, k32), lo);
            let over = b.icmp(IntPredicate::LLVMIntUGT, lhs, rhs);
            let fix = b.and(active, b.or(big, over));
            q = b.select(fix, b.sub(q, one), q);
            rhat = b.select(fix, b.add(rhat, vn1), rhat);
            let small = b.icmp(IntPredicate::LLVMIntULT, rhat, base);
            active = b.and(fix, small);
        }
        q
    };
    let q1 = digit(un32, un1);
    let un21 = b.sub(b.add(b.shl(un32, k32), un1), b.mul(q1, vn));
    let q0 = digit(un21, un0);
    let rem = b.sub(b.add(b.shl(un21, k32), un0), b.mul(q0, vn));
    let rem = b.lshr(rem, s);
    let q = b.or(b.shl(q1, k32), q0);
    store_at(&cx, out, q, 0, cx.i64);
    store_at(&cx, out, rem, 1, cx.i64);
    b.ret_void();
    (f, fn_ty)
}

/// Rewrites `udiv`/`urem`/`sdiv`/`srem i128` into calls to `tako.udivmod128`; returns how
/// many.
pub(in crate::lower) fn lower_div(module: &Module<'_>) -> usize {
    let b = module.builder();
    let cx = Cx::new(module, &b);
    let targets: Vec<_> = module
        .instructions()
        .into_iter()
        .filter(|&i| {
            matches!(
                i.opcode(),
                Opcode::LLVMUDiv | Opcode::LLVMURem | Opcode::LLVMSDiv | Opcode::LLVMSRem
            ) && is_i128(*i)
                && i.function().name() != UDIVMOD
        })
        .collect();
    if targets.is_empty() {
        return 0;
    }
    let (helper, helper_ty) = udivmod_helper(module, &cx);
    for &i in &targets {
        let op = i.opcode();
        // The result pair is a static alloca: at the start of the entry block.
        let entry = i
            .function()
            .entry_block()
            .expect("`i` is in a defined function");
        b.at_start(entry);
        let out = b.alloca(cx.i128.array(2));
        b.before(i);
        let x = i.operand(0);
        let y = i.operand(1);
        let signed = matches!(op, Opcode::LLVMSDiv | Opcode::LLVMSRem);
        let k127 = cx.c128(127);
        let (ux, uy, sx, sy) = if signed {
            let sx = b.ashr(x, k127);
            let sy = b.ashr(y, k127);
            (cx.abs(x, sx), cx.abs(y, sy), Some(sx), Some(sy))
        } else {
            (x, y, None, None)
        };
        let (x0, x1) = cx.split(ux);
        let (y0, y1) = cx.split(uy);
        b.call(helper_ty, helper.value(), &[out, x0, x1, y0, y1]);
        let want_rem = matches!(op, Opcode::LLVMURem | Opcode::LLVMSRem);
        let slot = b.gep(cx.i128, out, cx.c64(u64::from(want_rem)));
        let value = b.load(cx.i128, slot);
        let result = match (op, sx, sy) {
            (Opcode::LLVMSDiv, Some(sx), Some(sy)) => cx.abs(value, b.xor(sx, sy)),
            (Opcode::LLVMSRem, Some(sx), _) => cx.abs(value, sx),
            _ => value,
        };
        // SAFETY: the result is an `i128`, `i`'s type; `i` is not used again.
        unsafe { i.replace_with(result) };
    }
    targets.len()
}
