//! The `i128` intrinsics LLVM would turn into helper calls, rewritten in terms of
//! operations the other rewrites lower.

use super::Cx;
use crate::llvm::{Call, IntPredicate, Module, RealPredicate, Value};

/// An intrinsic this module rewrites.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Intrinsic {
    /// `llvm.smul.with.overflow.i128`
    SignedMulOverflow,
    /// `llvm.fshl.i128` (`left`) or `llvm.fshr.i128`
    FunnelShift { left: bool },
    /// `llvm.fptoui.sat.i128.*` or `llvm.fptosi.sat.i128.*` (`signed`)
    SaturatingFloatToInt { signed: bool },
}

impl Intrinsic {
    fn of(callee: &str) -> Option<Intrinsic> {
        Some(match callee {
            "llvm.smul.with.overflow.i128" => Intrinsic::SignedMulOverflow,
            "llvm.fshl.i128" => Intrinsic::FunnelShift { left: true },
            "llvm.fshr.i128" => Intrinsic::FunnelShift { left: false },
            _ if callee.starts_with("llvm.fptoui.sat.i128.") => {
                Intrinsic::SaturatingFloatToInt { signed: false }
            }
            _ if callee.starts_with("llvm.fptosi.sat.i128.") => {
                Intrinsic::SaturatingFloatToInt { signed: true }
            }
            _ => return None,
        })
    }
}

/// Rewrites the `i128` intrinsics LLVM would turn into helper calls, in terms of
/// operations the later rewrites lower; returns how many:
///
/// - `llvm.smul.with.overflow.i128` (`i128::checked_mul`): magnitudes through
///   `llvm.umul.with.overflow.i128`, the sign applied to the wrapped product, overflow when
///   the magnitude exceeds what the result's sign allows (2^127 - 1, or 2^127 if negative);
/// - `llvm.fshl.i128`/`llvm.fshr.i128` (`u128::rotate_left` & co.): two shifts and an `or`,
///   shifting twice where one shift could reach 128;
/// - `llvm.fptoui.sat.i128.*`/`llvm.fptosi.sat.i128.*` (`f64 as u128`): Rust's saturating
///   semantics as compares and selects around a plain `fptoui`/`fptosi`, which
///   `expand-ir-insts` then expands (`-expand-fp-convert-bits=64`).
///
/// Must run before `lower_mul_overflow`, `lower_shifts` and the float-helper scan.
pub(in crate::lower) fn lower_wide_intrinsics(module: &Module<'_>) -> usize {
    let b = module.builder();
    let cx = Cx::new(module, &b);
    let mut n = 0;
    for call in module.calls() {
        let Some(intrinsic) = call.callee_name().as_deref().and_then(Intrinsic::of) else {
            continue;
        };
        b.before(*call);
        let result = match intrinsic {
            Intrinsic::SignedMulOverflow => signed_mul_overflow(module, &cx, call),
            Intrinsic::FunnelShift { left } => funnel_shift(&cx, call, left),
            Intrinsic::SaturatingFloatToInt { signed } => saturating_to_int(&cx, call, signed),
        };
        // SAFETY: the call's operands and result have the intrinsic's types and the
        // replacement is built with the result's type; `call` is not used again.
        unsafe { call.replace_with(result) };
        n += 1;
    }
    n
}

fn signed_mul_overflow<'m>(module: &'m Module<'_>, cx: &Cx<'_, 'm>, call: Call<'m>) -> Value<'m> {
    let b = cx.b;
    let x = call.operand(0);
    let y = call.operand(1);
    let k127 = cx.c128(127);
    let sx = b.ashr(x, k127);
    let sy = b.ashr(y, k127);
    let pair_ty = call.ty();
    let umul_ty = pair_ty.function(&[cx.i128, cx.i128]);
    let umul = module.declare("llvm.umul.with.overflow.i128", umul_ty);
    let args = [cx.abs(x, sx), cx.abs(y, sy)];
    let product_pair = b.call(umul_ty, umul.value(), &args).value();
    let magnitude = b.extract_value(product_pair, 0);
    let wrapped = b.extract_value(product_pair, 1);
    let sign = b.xor(sx, sy);
    let product = cx.abs(magnitude, sign);
    let negative = b.icmp(IntPredicate::LLVMIntNE, sign, cx.c128(0));
    // Largest magnitude: 2^127 - 1 + negative.
    let limit = b.add(
        b.lshr(cx.i128.all_ones(), cx.c128(1)),
        b.zext(negative, cx.i128),
    );
    let too_big = b.icmp(IntPredicate::LLVMIntUGT, magnitude, limit);
    let overflow = b.or(wrapped, too_big);
    cx.pair(pair_ty, product, overflow)
}

fn funnel_shift<'m>(cx: &Cx<'_, 'm>, call: Call<'m>, left: bool) -> Value<'m> {
    let b = cx.b;
    let hi = call.operand(0);
    let lo = call.operand(1);
    let amount = b.and(call.operand(2), cx.c128(127));
    let back = b.sub(cx.c128(127), amount);
    let one = cx.c128(1);
    if left {
        // (hi << s) | (lo >> (128 - s)), the second as (lo >> 1) >> (127 - s).
        let left = b.shl(hi, amount);
        let right = b.lshr(b.lshr(lo, one), back);
        b.or(left, right)
    } else {
        // (lo >> s) | (hi << (128 - s)), the second as (hi << 1) << (127 - s).
        let right = b.lshr(lo, amount);
        let left = b.shl(b.shl(hi, one), back);
        b.or(left, right)
    }
}

fn saturating_to_int<'m>(cx: &Cx<'_, 'm>, call: Call<'m>, signed: bool) -> Value<'m> {
    let b = cx.b;
    let x = call.operand(0);
    let float_ty = x.ty();
    let nan = b.fcmp(RealPredicate::LLVMRealUNO, x, x);
    // 2^127 and 2^128 are exact in every float type.
    let (upper, lower) = if signed {
        (2f64.powi(127), -(2f64.powi(127)))
    } else {
        (2f64.powi(128), 0.0)
    };
    let at_or_above = b.fcmp(RealPredicate::LLVMRealOGE, x, float_ty.const_real(upper));
    let at_or_below = b.fcmp(RealPredicate::LLVMRealOLE, x, float_ty.const_real(lower));
    let (converted, max, min) = if signed {
        (
            b.fp_to_si(x, cx.i128),
            b.lshr(cx.i128.all_ones(), cx.c128(1)),
            b.shl(cx.c128(1), cx.c128(127)),
        )
    } else {
        (b.fp_to_ui(x, cx.i128), cx.i128.all_ones(), cx.c128(0))
    };
    // `select` does not propagate poison from the arm it does not pick.
    let v = b.select(at_or_above, max, converted);
    let v = b.select(at_or_below, min, v);
    b.select(nan, cx.c128(0), v)
}
