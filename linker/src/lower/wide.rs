//! 128-bit integer operations the BPF backend would turn into helper calls it cannot make.
//!
//! LLVM legalises `i128` multiplication, variable shifts and division into calls to
//! `__multi3`, `__ashlti3`, `__lshrti3`, `__ashrti3`, `__udivti3`, ... which return 128 bits
//! in two registers: BPF returns one ("only small returns supported"), so the result would
//! be wrong. `compiler_builtins` cannot help either: on BPF its `extern "C"` `i128`
//! helpers take and return `i128` through memory, not the registers the libcall uses. So
//! the linker rewrites these operations on 64-bit halves before code generation:
//!
//! - `mul i128` → three 64×64 products and one 64×64→128 high half (`mulhu`, built from
//!   32-bit pieces); a half known to be zero (a `zext` from 64 bits or less) costs nothing.
//! - `shl`/`lshr`/`ashr i128` by a variable amount → two-half shifts selected on bit 6 of
//!   the amount (constant amounts are legalised inline by LLVM already).
//! - `udiv`/`urem`/`sdiv`/`srem i128` → a call to one shared internal function
//!   `tako.udivmod128(ptr out, a_lo, a_hi, b_lo, b_hi)` (five registers) that writes the
//!   quotient and remainder to `out`: a single 64-bit `udiv` when both operands fit in
//!   64 bits, four 64-bit `udiv`s by 32-bit digits when the divisor fits in 32 bits,
//!   otherwise Hacker's Delight's long division (`tako.divlu`, 128 by 64 bits with two
//!   32-bit quotient digits, plus a normalised estimate-and-correct step for divisors wider
//!   than 64 bits), about a hundred instructions instead of a 128-step loop. Signed forms
//!   use absolute values and fix the signs as in [`super::sdiv`].
//! - `llvm.umul.with.overflow.i128` (`u128::checked_mul`) → the product above plus an
//!   exact overflow test; `llvm.smul.with.overflow.i64` (`i64::checked_mul`) → `mul` plus
//!   the signed high half compared with the product's sign.

use llvm_sys::core::*;
use llvm_sys::prelude::*;
use llvm_sys::{LLVMIntPredicate, LLVMLinkage, LLVMOpcode};

use super::ir::{self, Builder, NONAME};

/// Name of the shared division helper this module defines.
pub(super) const UDIVMOD: &str = "tako.udivmod128";

struct Cx {
    b: LLVMBuilderRef,
    i64: LLVMTypeRef,
    i128: LLVMTypeRef,
}

impl Cx {
    fn new(module: LLVMModuleRef, builder: &Builder) -> Cx {
        // SAFETY: `module` is live; type getters only read the context.
        unsafe {
            let c = LLVMGetModuleContext(module);
            Cx {
                b: builder.0,
                i64: LLVMInt64TypeInContext(c),
                i128: LLVMIntTypeInContext(c, 128),
            }
        }
    }

    fn c64(&self, v: u64) -> LLVMValueRef {
        // SAFETY: constant creation in a live context.
        unsafe { LLVMConstInt(self.i64, v, 0) }
    }

    fn c128(&self, v: u64) -> LLVMValueRef {
        // SAFETY: constant creation in a live context.
        unsafe { LLVMConstInt(self.i128, v, 0) }
    }

    /// `(lo, hi)` 64-bit halves of an `i128` value; a `zext`/`sext` from at most 64 bits
    /// gives its high half without arithmetic.
    fn split(&self, v: LLVMValueRef) -> (LLVMValueRef, LLVMValueRef) {
        // SAFETY: `v` is a live i128 value; the builder is positioned by the caller.
        unsafe {
            let is_zext = !LLVMIsAZExtInst(v).is_null();
            let is_sext = !LLVMIsASExtInst(v).is_null();
            if is_zext || is_sext {
                let src = LLVMGetOperand(v, 0);
                if ir::value_int_width(src).is_some_and(|w| w <= 64) {
                    let lo = if is_zext {
                        LLVMBuildZExt(self.b, src, self.i64, NONAME)
                    } else {
                        LLVMBuildSExt(self.b, src, self.i64, NONAME)
                    };
                    let hi = if is_zext {
                        self.c64(0)
                    } else {
                        LLVMBuildAShr(self.b, lo, self.c64(63), NONAME)
                    };
                    return (lo, hi);
                }
            }
            let lo = LLVMBuildTrunc(self.b, v, self.i64, NONAME);
            let shifted = LLVMBuildLShr(self.b, v, self.c128(64), NONAME);
            let hi = LLVMBuildTrunc(self.b, shifted, self.i64, NONAME);
            (lo, hi)
        }
    }

    /// The `i128` whose halves are `lo` and `hi`.
    fn join(&self, lo: LLVMValueRef, hi: LLVMValueRef) -> LLVMValueRef {
        // SAFETY: i64 operands, builder positioned by the caller.
        unsafe {
            let lo = LLVMBuildZExt(self.b, lo, self.i128, NONAME);
            let hi = LLVMBuildZExt(self.b, hi, self.i128, NONAME);
            let hi = LLVMBuildShl(self.b, hi, self.c128(64), NONAME);
            LLVMBuildOr(self.b, lo, hi, NONAME)
        }
    }

    fn is_zero(v: LLVMValueRef) -> bool {
        // SAFETY: inspecting a live value.
        unsafe { !LLVMIsAConstantInt(v).is_null() && LLVMConstIntGetZExtValue(v) == 0 }
    }

    /// High 64 bits of the 128-bit product of two `i64`s (Hacker's Delight `mulhu`).
    fn mulhu(&self, x: LLVMValueRef, y: LLVMValueRef) -> LLVMValueRef {
        if Self::is_zero(x) || Self::is_zero(y) {
            return self.c64(0);
        }
        // SAFETY: i64 operands, builder positioned by the caller. No intermediate
        // overflows 64 bits: each is at most (2^32-1)^2 + 2(2^32-1) < 2^64.
        unsafe {
            let b = self.b;
            let mask = self.c64(0xffff_ffff);
            let k32 = self.c64(32);
            let x0 = LLVMBuildAnd(b, x, mask, NONAME);
            let x1 = LLVMBuildLShr(b, x, k32, NONAME);
            let y0 = LLVMBuildAnd(b, y, mask, NONAME);
            let y1 = LLVMBuildLShr(b, y, k32, NONAME);
            let t = LLVMBuildMul(b, x0, y0, NONAME);
            let u = LLVMBuildAdd(
                b,
                LLVMBuildMul(b, x1, y0, NONAME),
                LLVMBuildLShr(b, t, k32, NONAME),
                NONAME,
            );
            let v = LLVMBuildAdd(
                b,
                LLVMBuildMul(b, x0, y1, NONAME),
                LLVMBuildAnd(b, u, mask, NONAME),
                NONAME,
            );
            let hi = LLVMBuildAdd(
                b,
                LLVMBuildMul(b, x1, y1, NONAME),
                LLVMBuildLShr(b, u, k32, NONAME),
                NONAME,
            );
            LLVMBuildAdd(b, hi, LLVMBuildLShr(b, v, k32, NONAME), NONAME)
        }
    }

    fn mul_lo(&self, x: LLVMValueRef, y: LLVMValueRef) -> LLVMValueRef {
        if Self::is_zero(x) || Self::is_zero(y) {
            return self.c64(0);
        }
        // SAFETY: i64 operands.
        unsafe { LLVMBuildMul(self.b, x, y, NONAME) }
    }
}

fn replace(old: LLVMValueRef, new: LLVMValueRef) {
    // SAFETY: `new` has `old`'s type; `old` has no uses left when erased.
    unsafe {
        LLVMReplaceAllUsesWith(old, new);
        LLVMInstructionEraseFromParent(old);
    }
}

fn is_i128(v: LLVMValueRef) -> bool {
    ir::value_int_width(v) == Some(128)
}

/// The 64-bit limbs of an integer of `width` bits (least significant first); limbs known
/// to be zero (above a `zext` source, or of a constant) are the constant 0.
fn limbs(cx: &Cx, v: LLVMValueRef, width: u32) -> Vec<LLVMValueRef> {
    let n = width.div_ceil(64);
    // SAFETY: `v` is a live integer of `width` bits; the builder is positioned by the caller.
    unsafe {
        let ty = LLVMTypeOf(v);
        let mut known = width;
        if !LLVMIsAZExtInst(v).is_null() {
            known = ir::value_int_width(LLVMGetOperand(v, 0)).unwrap_or(width);
        }
        (0..n)
            .map(|k| {
                if k * 64 >= known {
                    return cx.c64(0);
                }
                let shifted = if k == 0 {
                    v
                } else {
                    LLVMBuildLShr(cx.b, v, LLVMConstInt(ty, u64::from(k * 64), 0), NONAME)
                };
                LLVMBuildTrunc(cx.b, shifted, cx.i64, NONAME)
            })
            .collect()
    }
}

/// Rewrites `mul` on integers wider than 64 bits (`i128`, and the `i256` LLVM creates for
/// division by a 128-bit constant) into 64-bit schoolbook multiplication truncated to the
/// width; returns how many.
pub(super) fn lower_mul(module: LLVMModuleRef) -> usize {
    let builder = Builder::new(module);
    let cx = Cx::new(module, &builder);
    let mut count = 0;
    for i in ir::all_instructions(module) {
        let Some(width) = ir::value_int_width(i).filter(|&w| w > 64) else {
            continue;
        };
        if ir::opcode(i) != LLVMOpcode::LLVMMul {
            continue;
        }
        builder.before(i);
        // SAFETY: `i` is a live integer mul of `width` bits; every intermediate is i64 or
        // i1, and the result is rebuilt in `i`'s type.
        unsafe {
            let b = cx.b;
            let ty = LLVMTypeOf(i);
            let x = limbs(&cx, LLVMGetOperand(i, 0), width);
            let y = limbs(&cx, LLVMGetOperand(i, 1), width);
            let n = x.len();
            let ny = y
                .iter()
                .rposition(|&l| !Cx::is_zero(l))
                .map_or(0, |p| p + 1);
            let mut r = vec![cx.c64(0); n];
            for (row, &xi) in x.iter().enumerate() {
                if Cx::is_zero(xi) {
                    continue;
                }
                let mut carry = cx.c64(0);
                let columns = ny.min(n - row);
                for (col, &yj) in y.iter().enumerate().take(columns) {
                    let k = row + col;
                    let lo = cx.mul_lo(xi, yj);
                    let s1 = LLVMBuildAdd(b, lo, r[k], NONAME);
                    let s2 = LLVMBuildAdd(b, s1, carry, NONAME);
                    r[k] = s2;
                    if k + 1 < n {
                        // hi + carries never exceeds 2^64 - 1: hi <= 2^64 - 2.
                        let c1 = LLVMBuildICmp(b, LLVMIntPredicate::LLVMIntULT, s1, lo, NONAME);
                        let c2 = LLVMBuildICmp(b, LLVMIntPredicate::LLVMIntULT, s2, s1, NONAME);
                        let hi = cx.mulhu(xi, yj);
                        let hi = LLVMBuildAdd(b, hi, LLVMBuildZExt(b, c1, cx.i64, NONAME), NONAME);
                        carry = LLVMBuildAdd(b, hi, LLVMBuildZExt(b, c2, cx.i64, NONAME), NONAME);
                    }
                }
                if row + columns < n {
                    // Nothing was written there yet: the carry is the limb.
                    r[row + columns] = carry;
                }
            }
            let mut result = LLVMConstInt(ty, 0, 0);
            for (k, &limb) in r.iter().enumerate() {
                if Cx::is_zero(limb) {
                    continue;
                }
                let wide = LLVMBuildZExt(b, limb, ty, NONAME);
                let wide = if k == 0 {
                    wide
                } else {
                    LLVMBuildShl(b, wide, LLVMConstInt(ty, k as u64 * 64, 0), NONAME)
                };
                result = LLVMBuildOr(b, result, wide, NONAME);
            }
            replace(i, result);
        }
        count += 1;
    }
    count
}

/// Rewrites `shl`/`lshr`/`ashr i128` by a non-constant amount; returns how many.
pub(super) fn lower_shifts(module: LLVMModuleRef) -> usize {
    let builder = Builder::new(module);
    let cx = Cx::new(module, &builder);
    let mut n = 0;
    for i in ir::all_instructions(module) {
        let op = ir::opcode(i);
        if !matches!(
            op,
            LLVMOpcode::LLVMShl | LLVMOpcode::LLVMLShr | LLVMOpcode::LLVMAShr
        ) || !is_i128(i)
        {
            continue;
        }
        // SAFETY: `i` is a live i128 shift; all values built are i64/i1/i128 as named.
        unsafe {
            let amount = LLVMGetOperand(i, 1);
            if !LLVMIsAConstant(amount).is_null() {
                continue;
            }
            builder.before(i);
            let b = cx.b;
            let (lo, hi) = cx.split(LLVMGetOperand(i, 0));
            // Amounts >= 128 are poison in IR: only the low 7 bits matter.
            let s = LLVMBuildTrunc(b, amount, cx.i64, NONAME);
            let small = LLVMBuildAnd(b, s, cx.c64(63), NONAME);
            let back = LLVMBuildSub(b, cx.c64(63), small, NONAME);
            let big = LLVMBuildICmp(
                b,
                LLVMIntPredicate::LLVMIntNE,
                LLVMBuildAnd(b, s, cx.c64(64), NONAME),
                cx.c64(0),
                NONAME,
            );
            let one = cx.c64(1);
            let (new_lo, new_hi) = match op {
                LLVMOpcode::LLVMShl => {
                    // (lo >> 1) >> (63 - small) is lo >> (64 - small) without a shift by 64.
                    let carry = LLVMBuildLShr(b, LLVMBuildLShr(b, lo, one, NONAME), back, NONAME);
                    let hi_small =
                        LLVMBuildOr(b, LLVMBuildShl(b, hi, small, NONAME), carry, NONAME);
                    let lo_shifted = LLVMBuildShl(b, lo, small, NONAME);
                    (
                        LLVMBuildSelect(b, big, cx.c64(0), lo_shifted, NONAME),
                        LLVMBuildSelect(b, big, lo_shifted, hi_small, NONAME),
                    )
                }
                _ => {
                    let carry = LLVMBuildShl(b, LLVMBuildShl(b, hi, one, NONAME), back, NONAME);
                    let lo_small =
                        LLVMBuildOr(b, LLVMBuildLShr(b, lo, small, NONAME), carry, NONAME);
                    let (hi_shifted, fill) = if op == LLVMOpcode::LLVMAShr {
                        (
                            LLVMBuildAShr(b, hi, small, NONAME),
                            LLVMBuildAShr(b, hi, cx.c64(63), NONAME),
                        )
                    } else {
                        (LLVMBuildLShr(b, hi, small, NONAME), cx.c64(0))
                    };
                    (
                        LLVMBuildSelect(b, big, hi_shifted, lo_small, NONAME),
                        LLVMBuildSelect(b, big, fill, hi_shifted, NONAME),
                    )
                }
            };
            replace(i, cx.join(new_lo, new_hi));
        }
        n += 1;
    }
    n
}

/// Defines `tako.udivmod128` (once) and returns it.
fn udivmod_helper(module: LLVMModuleRef, cx: &Cx) -> (LLVMValueRef, LLVMTypeRef) {
    // SAFETY: building a new internal function in a live module; every block ends in a
    // terminator; the helper builder is disposed at the end.
    unsafe {
        let context = LLVMGetModuleContext(module);
        let ptr = LLVMPointerTypeInContext(context, 0);
        let void = LLVMVoidTypeInContext(context);
        let mut params = [ptr, cx.i64, cx.i64, cx.i64, cx.i64];
        let fn_ty = LLVMFunctionType(void, params.as_mut_ptr(), 5, 0);
        let name = std::ffi::CString::new(UDIVMOD).expect("no NUL");
        let existing = LLVMGetNamedFunction(module, name.as_ptr());
        if !existing.is_null() {
            return (existing, fn_ty);
        }
        let f = LLVMAddFunction(module, name.as_ptr(), fn_ty);
        LLVMSetLinkage(f, LLVMLinkage::LLVMInternalLinkage);
        let noinline = LLVMGetEnumAttributeKindForName(c"noinline".as_ptr(), 8);
        LLVMAddAttributeAtIndex(
            f,
            llvm_sys::LLVMAttributeFunctionIndex,
            LLVMCreateEnumAttribute(context, noinline, 0),
        );
        let own = Builder::new(module);
        let b = own.0;
        let entry = LLVMAppendBasicBlockInContext(context, f, c"entry".as_ptr());
        let fast = LLVMAppendBasicBlockInContext(context, f, c"fast".as_ptr());
        let check = LLVMAppendBasicBlockInContext(context, f, c"check32".as_ptr());
        let small = LLVMAppendBasicBlockInContext(context, f, c"divisor32".as_ptr());
        let slow = LLVMAppendBasicBlockInContext(context, f, c"slow".as_ptr());
        let out = LLVMGetParam(f, 0);
        let (a0, a1, b0, b1) = (
            LLVMGetParam(f, 1),
            LLVMGetParam(f, 2),
            LLVMGetParam(f, 3),
            LLVMGetParam(f, 4),
        );
        LLVMPositionBuilderAtEnd(b, entry);
        let high = LLVMBuildOr(b, a1, b1, NONAME);
        let narrow = LLVMBuildICmp(b, LLVMIntPredicate::LLVMIntEQ, high, cx.c64(0), NONAME);
        LLVMBuildCondBr(b, narrow, fast, check);
        LLVMPositionBuilderAtEnd(b, check);
        let fits32 = LLVMBuildICmp(
            b,
            LLVMIntPredicate::LLVMIntULE,
            b0,
            cx.c64(0xffff_ffff),
            NONAME,
        );
        let b1_zero = LLVMBuildICmp(b, LLVMIntPredicate::LLVMIntEQ, b1, cx.c64(0), NONAME);
        let divisor32 = LLVMBuildAnd(b, fits32, b1_zero, NONAME);
        LLVMBuildCondBr(b, divisor32, small, slow);
        let store_at = |b: LLVMBuilderRef, value: LLVMValueRef, index: u64, ty: LLVMTypeRef| {
            let mut idx = [cx.c64(index)];
            let p = LLVMBuildGEP2(b, ty, out, idx.as_mut_ptr(), 1, NONAME);
            LLVMBuildStore(b, value, p);
        };
        LLVMPositionBuilderAtEnd(b, fast);
        store_at(b, LLVMBuildUDiv(b, a0, b0, NONAME), 0, cx.i64);
        store_at(b, cx.c64(0), 1, cx.i64);
        store_at(b, LLVMBuildURem(b, a0, b0, NONAME), 2, cx.i64);
        store_at(b, cx.c64(0), 3, cx.i64);
        LLVMBuildRetVoid(b);
        // Divisor below 2^32: schoolbook division by 32-bit digits, four 64-bit `udiv`s
        // (each partial dividend `r << 32 | digit` is below 2^64 since r < divisor).
        LLVMPositionBuilderAtEnd(b, small);
        let mask = cx.c64(0xffff_ffff);
        let k32 = cx.c64(32);
        let digits = [
            LLVMBuildLShr(b, a1, k32, NONAME),
            LLVMBuildAnd(b, a1, mask, NONAME),
            LLVMBuildLShr(b, a0, k32, NONAME),
            LLVMBuildAnd(b, a0, mask, NONAME),
        ];
        let mut rem = cx.c64(0);
        let mut q = Vec::with_capacity(4);
        for digit in digits {
            let partial = LLVMBuildOr(b, LLVMBuildShl(b, rem, k32, NONAME), digit, NONAME);
            q.push(LLVMBuildUDiv(b, partial, b0, NONAME));
            rem = LLVMBuildURem(b, partial, b0, NONAME);
        }
        let q_hi = LLVMBuildOr(b, LLVMBuildShl(b, q[0], k32, NONAME), q[1], NONAME);
        let q_lo = LLVMBuildOr(b, LLVMBuildShl(b, q[2], k32, NONAME), q[3], NONAME);
        store_at(b, q_lo, 0, cx.i64);
        store_at(b, q_hi, 1, cx.i64);
        store_at(b, rem, 2, cx.i64);
        store_at(b, cx.c64(0), 3, cx.i64);
        LLVMBuildRetVoid(b);
        // Divisor of 33..128 bits: Hacker's Delight's `divlu`-based division (below).
        // The scratch slot is a static alloca: at the start of the entry block.
        LLVMPositionBuilderBefore(b, LLVMGetFirstInstruction(entry));
        let scratch = LLVMBuildAlloca(b, LLVMArrayType2(cx.i64, 2), NONAME);
        LLVMPositionBuilderAtEnd(b, slow);
        let (divlu, divlu_ty) = divlu_helper(module, cx);
        let inner = Cx {
            b,
            i64: cx.i64,
            i128: cx.i128,
        };
        let call_divlu = |u1: LLVMValueRef, u0: LLVMValueRef, v: LLVMValueRef| {
            let mut args = [scratch, u1, u0, v];
            LLVMBuildCall2(b, divlu_ty, divlu, args.as_mut_ptr(), 4, NONAME);
            let mut i0 = [cx.c64(0)];
            let mut i1 = [cx.c64(1)];
            let pq = LLVMBuildGEP2(b, cx.i64, scratch, i0.as_mut_ptr(), 1, NONAME);
            let pr = LLVMBuildGEP2(b, cx.i64, scratch, i1.as_mut_ptr(), 1, NONAME);
            (
                LLVMBuildLoad2(b, cx.i64, pq, NONAME),
                LLVMBuildLoad2(b, cx.i64, pr, NONAME),
            )
        };
        let wide64 = LLVMAppendBasicBlockInContext(context, f, c"divisor64".as_ptr());
        let wide128 = LLVMAppendBasicBlockInContext(context, f, c"divisor128".as_ptr());
        let b1_zero = LLVMBuildICmp(b, LLVMIntPredicate::LLVMIntEQ, b1, cx.c64(0), NONAME);
        LLVMBuildCondBr(b, b1_zero, wide64, wide128);
        // Divisor of 33..64 bits: high quotient digit by one `udiv`, then `divlu` of
        // (a1 % b0 : a0) by b0 (its precondition a1 % b0 < b0 holds).
        LLVMPositionBuilderAtEnd(b, wide64);
        let q_hi = LLVMBuildUDiv(b, a1, b0, NONAME);
        let k = LLVMBuildURem(b, a1, b0, NONAME);
        let (q_lo, r) = call_divlu(k, a0, b0);
        store_at(b, q_lo, 0, cx.i64);
        store_at(b, q_hi, 1, cx.i64);
        store_at(b, r, 2, cx.i64);
        store_at(b, cx.c64(0), 3, cx.i64);
        LLVMBuildRetVoid(b);
        // Divisor of 65..128 bits (Hacker's Delight 9-5, doubled): the quotient fits in 64
        // bits; estimate it from the divisor's normalised top 64 bits, off by at most one,
        // and correct with one 128-bit multiply-compare.
        LLVMPositionBuilderAtEnd(b, wide128);
        let n = ctlz64(module, b, cx, b1);
        let back = LLVMBuildSub(b, cx.c64(63), n, NONAME);
        let one = cx.c64(1);
        let v1 = LLVMBuildOr(
            b,
            LLVMBuildShl(b, b1, n, NONAME),
            LLVMBuildLShr(b, LLVMBuildLShr(b, b0, one, NONAME), back, NONAME),
            NONAME,
        );
        let u1 = LLVMBuildLShr(b, a1, one, NONAME);
        let u0 = LLVMBuildOr(
            b,
            LLVMBuildLShr(b, a0, one, NONAME),
            LLVMBuildShl(b, a1, cx.c64(63), NONAME),
            NONAME,
        );
        let (q1, _) = call_divlu(u1, u0, v1);
        let estimate = LLVMBuildLShr(b, q1, back, NONAME);
        let nonzero = LLVMBuildICmp(b, LLVMIntPredicate::LLVMIntNE, estimate, cx.c64(0), NONAME);
        let lowered = LLVMBuildSub(b, estimate, one, NONAME);
        let q0 = LLVMBuildSelect(b, nonzero, lowered, estimate, NONAME);
        let a = inner.join(a0, a1);
        let d = inner.join(b0, b1);
        // q0 * d <= a: no overflow (the multiplication is lowered by `lower_mul` later).
        let product = LLVMBuildMul(b, LLVMBuildZExt(b, q0, cx.i128, NONAME), d, NONAME);
        let r = LLVMBuildSub(b, a, product, NONAME);
        let short = LLVMBuildICmp(b, LLVMIntPredicate::LLVMIntUGE, r, d, NONAME);
        let q = LLVMBuildSelect(b, short, LLVMBuildAdd(b, q0, one, NONAME), q0, NONAME);
        let r = LLVMBuildSelect(b, short, LLVMBuildSub(b, r, d, NONAME), r, NONAME);
        store_at(b, q, 0, cx.i64);
        store_at(b, cx.c64(0), 1, cx.i64);
        store_at(b, r, 1, cx.i128);
        LLVMBuildRetVoid(b);
        (f, fn_ty)
    }
}

/// `llvm.ctlz.i64(v, false)`.
///
/// # Safety
/// `b` is positioned in a function of `module`; `v` is an i64 of that function.
unsafe fn ctlz64(
    module: LLVMModuleRef,
    b: LLVMBuilderRef,
    cx: &Cx,
    v: LLVMValueRef,
) -> LLVMValueRef {
    // SAFETY: the intrinsic is declared (once) with its exact type; the call matches it.
    unsafe {
        let context = LLVMGetModuleContext(module);
        let i1 = LLVMInt1TypeInContext(context);
        let mut params = [cx.i64, i1];
        let ty = LLVMFunctionType(cx.i64, params.as_mut_ptr(), 2, 0);
        let mut f = LLVMGetNamedFunction(module, c"llvm.ctlz.i64".as_ptr());
        if f.is_null() {
            f = LLVMAddFunction(module, c"llvm.ctlz.i64".as_ptr(), ty);
        }
        let mut args = [v, LLVMConstInt(i1, 0, 0)];
        LLVMBuildCall2(b, ty, f, args.as_mut_ptr(), 2, NONAME)
    }
}

/// Name of the 128-by-64 division helper.
const DIVLU: &str = "tako.divlu";

/// Defines `tako.divlu(ptr out, u1, u0, v)` (once): `out[0] = (u1:u0) / v`,
/// `out[1] = (u1:u0) % v`, for `u1 < v` (the quotient fits in 64 bits). Hacker's Delight
/// `divlu` (figure 9-3) with 32-bit digits: normalise `v`, two quotient digits each from one
/// 64-bit `udiv`, each corrected at most twice (the `again` loops, unrolled as selects).
fn divlu_helper(module: LLVMModuleRef, cx: &Cx) -> (LLVMValueRef, LLVMTypeRef) {
    // SAFETY: builds a new internal function in a live module; one block ending in `ret`.
    unsafe {
        let context = LLVMGetModuleContext(module);
        let ptr = LLVMPointerTypeInContext(context, 0);
        let void = LLVMVoidTypeInContext(context);
        let mut params = [ptr, cx.i64, cx.i64, cx.i64];
        let fn_ty = LLVMFunctionType(void, params.as_mut_ptr(), 4, 0);
        let name = std::ffi::CString::new(DIVLU).expect("no NUL");
        let existing = LLVMGetNamedFunction(module, name.as_ptr());
        if !existing.is_null() {
            return (existing, fn_ty);
        }
        let f = LLVMAddFunction(module, name.as_ptr(), fn_ty);
        LLVMSetLinkage(f, LLVMLinkage::LLVMInternalLinkage);
        let own = Builder::new(module);
        let b = own.0;
        let entry = LLVMAppendBasicBlockInContext(context, f, c"entry".as_ptr());
        LLVMPositionBuilderAtEnd(b, entry);
        let inner = Cx {
            b,
            i64: cx.i64,
            i128: cx.i128,
        };
        let (out, u1, u0, v) = (
            LLVMGetParam(f, 0),
            LLVMGetParam(f, 1),
            LLVMGetParam(f, 2),
            LLVMGetParam(f, 3),
        );
        let mask = cx.c64(0xffff_ffff);
        let k32 = cx.c64(32);
        let one = cx.c64(1);
        let base = cx.c64(1 << 32);
        let s = ctlz64(module, b, &inner, v);
        let vn = LLVMBuildShl(b, v, s, NONAME);
        let vn1 = LLVMBuildLShr(b, vn, k32, NONAME);
        let vn0 = LLVMBuildAnd(b, vn, mask, NONAME);
        // (u0 >> 1) >> (63 - s) is u0 >> (64 - s) without a shift by 64 when s = 0.
        let back = LLVMBuildSub(b, cx.c64(63), s, NONAME);
        let un32 = LLVMBuildOr(
            b,
            LLVMBuildShl(b, u1, s, NONAME),
            LLVMBuildLShr(b, LLVMBuildLShr(b, u0, one, NONAME), back, NONAME),
            NONAME,
        );
        let un10 = LLVMBuildShl(b, u0, s, NONAME);
        let un1 = LLVMBuildLShr(b, un10, k32, NONAME);
        let un0 = LLVMBuildAnd(b, un10, mask, NONAME);
        // One quotient digit of `num / vn` with `lo` the next dividend digit.
        let digit = |num: LLVMValueRef, lo: LLVMValueRef| {
            let mut q = LLVMBuildUDiv(b, num, vn1, NONAME);
            let mut rhat = LLVMBuildSub(b, num, LLVMBuildMul(b, q, vn1, NONAME), NONAME);
            // HD's `again:` loop runs at most twice; the first check always applies
            // (rhat < vn1 < 2^32), the second only if rhat is still below 2^32.
            let mut active = LLVMConstInt(LLVMInt1TypeInContext(context), 1, 0);
            for _ in 0..2 {
                let big = LLVMBuildICmp(b, LLVMIntPredicate::LLVMIntUGE, q, base, NONAME);
                let lhs = LLVMBuildMul(b, q, vn0, NONAME);
                let rhs = LLVMBuildOr(b, LLVMBuildShl(b, rhat, k32, NONAME), lo, NONAME);
                let over = LLVMBuildICmp(b, LLVMIntPredicate::LLVMIntUGT, lhs, rhs, NONAME);
                let fix = LLVMBuildAnd(b, active, LLVMBuildOr(b, big, over, NONAME), NONAME);
                q = LLVMBuildSelect(b, fix, LLVMBuildSub(b, q, one, NONAME), q, NONAME);
                rhat = LLVMBuildSelect(b, fix, LLVMBuildAdd(b, rhat, vn1, NONAME), rhat, NONAME);
                let small = LLVMBuildICmp(b, LLVMIntPredicate::LLVMIntULT, rhat, base, NONAME);
                active = LLVMBuildAnd(b, fix, small, NONAME);
            }
            q
        };
        let q1 = digit(un32, un1);
        let un21 = LLVMBuildSub(
            b,
            LLVMBuildAdd(b, LLVMBuildShl(b, un32, k32, NONAME), un1, NONAME),
            LLVMBuildMul(b, q1, vn, NONAME),
            NONAME,
        );
        let q0 = digit(un21, un0);
        let rem = LLVMBuildSub(
            b,
            LLVMBuildAdd(b, LLVMBuildShl(b, un21, k32, NONAME), un0, NONAME),
            LLVMBuildMul(b, q0, vn, NONAME),
            NONAME,
        );
        let rem = LLVMBuildLShr(b, rem, s, NONAME);
        let q = LLVMBuildOr(b, LLVMBuildShl(b, q1, k32, NONAME), q0, NONAME);
        let mut i0 = [cx.c64(0)];
        let mut i1 = [cx.c64(1)];
        LLVMBuildStore(
            b,
            q,
            LLVMBuildGEP2(b, cx.i64, out, i0.as_mut_ptr(), 1, NONAME),
        );
        LLVMBuildStore(
            b,
            rem,
            LLVMBuildGEP2(b, cx.i64, out, i1.as_mut_ptr(), 1, NONAME),
        );
        LLVMBuildRetVoid(b);
        (f, fn_ty)
    }
}

/// Rewrites `udiv`/`urem`/`sdiv`/`srem i128` into calls to `tako.udivmod128`; returns how
/// many.
pub(super) fn lower_div(module: LLVMModuleRef) -> usize {
    let builder = Builder::new(module);
    let cx = Cx::new(module, &builder);
    let targets: Vec<_> = ir::all_instructions(module)
        .into_iter()
        .filter(|&i| {
            matches!(
                ir::opcode(i),
                LLVMOpcode::LLVMUDiv
                    | LLVMOpcode::LLVMURem
                    | LLVMOpcode::LLVMSDiv
                    | LLVMOpcode::LLVMSRem
            ) && is_i128(i)
                && ir::name(ir::parent_function(i)) != UDIVMOD
        })
        .collect();
    if targets.is_empty() {
        return 0;
    }
    let (helper, helper_ty) = udivmod_helper(module, &cx);
    for &i in &targets {
        let op = ir::opcode(i);
        // SAFETY: `i` is a live i128 division in a defined function; the alloca goes to
        // the start of that function's entry block; the call matches the helper's type.
        unsafe {
            let function = ir::parent_function(i);
            let entry = LLVMGetEntryBasicBlock(function);
            LLVMPositionBuilderBefore(builder.0, LLVMGetFirstInstruction(entry));
            let pair = LLVMArrayType2(cx.i128, 2);
            let out = LLVMBuildAlloca(builder.0, pair, NONAME);
            builder.before(i);
            let b = cx.b;
            let x = LLVMGetOperand(i, 0);
            let y = LLVMGetOperand(i, 1);
            let signed = matches!(op, LLVMOpcode::LLVMSDiv | LLVMOpcode::LLVMSRem);
            let k127 = cx.c128(127);
            let abs_of = |v: LLVMValueRef, s: LLVMValueRef| {
                LLVMBuildSub(b, LLVMBuildXor(b, v, s, NONAME), s, NONAME)
            };
            let (ux, uy, sx, sy) = if signed {
                let sx = LLVMBuildAShr(b, x, k127, NONAME);
                let sy = LLVMBuildAShr(b, y, k127, NONAME);
                (abs_of(x, sx), abs_of(y, sy), Some(sx), Some(sy))
            } else {
                (x, y, None, None)
            };
            let (x0, x1) = cx.split(ux);
            let (y0, y1) = cx.split(uy);
            let mut args = [out, x0, x1, y0, y1];
            LLVMBuildCall2(b, helper_ty, helper, args.as_mut_ptr(), 5, NONAME);
            let want_rem = matches!(op, LLVMOpcode::LLVMURem | LLVMOpcode::LLVMSRem);
            let mut idx = [cx.c64(u64::from(want_rem))];
            let slot = LLVMBuildGEP2(b, cx.i128, out, idx.as_mut_ptr(), 1, NONAME);
            let value = LLVMBuildLoad2(b, cx.i128, slot, NONAME);
            let result = match (op, sx, sy) {
                (LLVMOpcode::LLVMSDiv, Some(sx), Some(sy)) => {
                    abs_of(value, LLVMBuildXor(b, sx, sy, NONAME))
                }
                (LLVMOpcode::LLVMSRem, Some(sx), _) => abs_of(value, sx),
                _ => value,
            };
            replace(i, result);
        }
    }
    targets.len()
}

/// Rewrites `llvm.umul.with.overflow.i128` and `llvm.smul.with.overflow.i64`; returns how
/// many.
pub(super) fn lower_mul_overflow(module: LLVMModuleRef) -> usize {
    let builder = Builder::new(module);
    let cx = Cx::new(module, &builder);
    let mut n = 0;
    for i in ir::all_instructions(module) {
        let Some(callee) = ir::callee_name(i) else {
            continue;
        };
        let unsigned128 = callee == "llvm.umul.with.overflow.i128";
        let signed64 = callee == "llvm.smul.with.overflow.i64";
        if !unsigned128 && !signed64 {
            continue;
        }
        builder.before(i);
        // SAFETY: `i` is a live call of the intrinsic, whose result is `{iN, i1}`; the
        // replacement is built with that exact type.
        unsafe {
            let b = cx.b;
            let x = LLVMGetOperand(i, 0);
            let y = LLVMGetOperand(i, 1);
            let ne0 = |v: LLVMValueRef| {
                LLVMBuildICmp(b, LLVMIntPredicate::LLVMIntNE, v, cx.c64(0), NONAME)
            };
            let (product, overflow) = if unsigned128 {
                let (x0, x1) = cx.split(x);
                let (y0, y1) = cx.split(y);
                // Both high halves set: the product is at least 2^128.
                let both = LLVMBuildAnd(b, ne0(x1), ne0(y1), NONAME);
                // Cross products must fit in 64 bits and their sum must not carry.
                let c1_hi = cx.mulhu(x1, y0);
                let c2_hi = cx.mulhu(x0, y1);
                let c1 = cx.mul_lo(x1, y0);
                let c2 = cx.mul_lo(x0, y1);
                let mid = LLVMBuildAdd(b, c1, c2, NONAME);
                let mid_carry = LLVMBuildICmp(b, LLVMIntPredicate::LLVMIntULT, mid, c1, NONAME);
                let lo = cx.mul_lo(x0, y0);
                let h0 = cx.mulhu(x0, y0);
                let hi = LLVMBuildAdd(b, h0, mid, NONAME);
                let hi_carry = LLVMBuildICmp(b, LLVMIntPredicate::LLVMIntULT, hi, h0, NONAME);
                let mut flag = LLVMBuildOr(b, both, ne0(c1_hi), NONAME);
                flag = LLVMBuildOr(b, flag, ne0(c2_hi), NONAME);
                flag = LLVMBuildOr(b, flag, mid_carry, NONAME);
                flag = LLVMBuildOr(b, flag, hi_carry, NONAME);
                (cx.join(lo, hi), flag)
            } else {
                // Signed high half: mulhu - (x < 0 ? y : 0) - (y < 0 ? x : 0); the product
                // fits iff that equals the sign fill of the low half.
                let lo = LLVMBuildMul(b, x, y, NONAME);
                let k63 = cx.c64(63);
                let sx = LLVMBuildAShr(b, x, k63, NONAME);
                let sy = LLVMBuildAShr(b, y, k63, NONAME);
                let mut hi = cx.mulhu(x, y);
                hi = LLVMBuildSub(b, hi, LLVMBuildAnd(b, sx, y, NONAME), NONAME);
                hi = LLVMBuildSub(b, hi, LLVMBuildAnd(b, sy, x, NONAME), NONAME);
                let fill = LLVMBuildAShr(b, lo, k63, NONAME);
                let flag = LLVMBuildICmp(b, LLVMIntPredicate::LLVMIntNE, hi, fill, NONAME);
                (lo, flag)
            };
            let undef = LLVMGetUndef(LLVMTypeOf(i));
            let with_product = LLVMBuildInsertValue(b, undef, product, 0, NONAME);
            let result = LLVMBuildInsertValue(b, with_product, overflow, 1, NONAME);
            replace(i, result);
        }
        n += 1;
    }
    n
}

fn declare(module: LLVMModuleRef, name: &str, ty: LLVMTypeRef) -> LLVMValueRef {
    let c = std::ffi::CString::new(name).expect("no NUL");
    // SAFETY: live module; an existing declaration of the same name is reused.
    unsafe {
        let f = LLVMGetNamedFunction(module, c.as_ptr());
        if f.is_null() {
            LLVMAddFunction(module, c.as_ptr(), ty)
        } else {
            f
        }
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
pub(super) fn lower_wide_intrinsics(module: LLVMModuleRef) -> usize {
    let builder = Builder::new(module);
    let cx = Cx::new(module, &builder);
    let mut n = 0;
    for i in ir::all_instructions(module) {
        let Some(callee) = ir::callee_name(i) else {
            continue;
        };
        let kind = if callee == "llvm.smul.with.overflow.i128" {
            0
        } else if callee == "llvm.fshl.i128" || callee == "llvm.fshr.i128" {
            1
        } else if callee.starts_with("llvm.fptoui.sat.i128.")
            || callee.starts_with("llvm.fptosi.sat.i128.")
        {
            2
        } else {
            continue;
        };
        builder.before(i);
        // SAFETY: `i` is a live call of the named intrinsic, so its operands and result
        // have the intrinsic's types; every replacement is built with the result's type.
        unsafe {
            let b = cx.b;
            let result = match kind {
                0 => {
                    let x = LLVMGetOperand(i, 0);
                    let y = LLVMGetOperand(i, 1);
                    let k127 = cx.c128(127);
                    let sx = LLVMBuildAShr(b, x, k127, NONAME);
                    let sy = LLVMBuildAShr(b, y, k127, NONAME);
                    let abs = |v: LLVMValueRef, s: LLVMValueRef| {
                        LLVMBuildSub(b, LLVMBuildXor(b, v, s, NONAME), s, NONAME)
                    };
                    let pair_ty = LLVMTypeOf(i);
                    let mut params = [cx.i128, cx.i128];
                    let umul_ty = LLVMFunctionType(pair_ty, params.as_mut_ptr(), 2, 0);
                    let umul = declare(module, "llvm.umul.with.overflow.i128", umul_ty);
                    let mut args = [abs(x, sx), abs(y, sy)];
                    let call = LLVMBuildCall2(b, umul_ty, umul, args.as_mut_ptr(), 2, NONAME);
                    let magnitude = LLVMBuildExtractValue(b, call, 0, NONAME);
                    let wrapped = LLVMBuildExtractValue(b, call, 1, NONAME);
                    let sign = LLVMBuildXor(b, sx, sy, NONAME);
                    let product = abs(magnitude, sign);
                    let negative =
                        LLVMBuildICmp(b, LLVMIntPredicate::LLVMIntNE, sign, cx.c128(0), NONAME);
                    // Largest magnitude: 2^127 - 1 + negative.
                    let limit = LLVMBuildAdd(
                        b,
                        LLVMBuildLShr(b, LLVMConstAllOnes(cx.i128), cx.c128(1), NONAME),
                        LLVMBuildZExt(b, negative, cx.i128, NONAME),
                        NONAME,
                    );
                    let too_big =
                        LLVMBuildICmp(b, LLVMIntPredicate::LLVMIntUGT, magnitude, limit, NONAME);
                    let overflow = LLVMBuildOr(b, wrapped, too_big, NONAME);
                    let undef = LLVMGetUndef(pair_ty);
                    let with_product = LLVMBuildInsertValue(b, undef, product, 0, NONAME);
                    LLVMBuildInsertValue(b, with_product, overflow, 1, NONAME)
                }
                1 => {
                    let hi = LLVMGetOperand(i, 0);
                    let lo = LLVMGetOperand(i, 1);
                    let amount = LLVMBuildAnd(b, LLVMGetOperand(i, 2), cx.c128(127), NONAME);
                    let back = LLVMBuildSub(b, cx.c128(127), amount, NONAME);
                    let one = cx.c128(1);
                    if callee == "llvm.fshl.i128" {
                        // (hi << s) | (lo >> (128 - s)), the second as (lo >> 1) >> (127 - s).
                        let left = LLVMBuildShl(b, hi, amount, NONAME);
                        let right =
                            LLVMBuildLShr(b, LLVMBuildLShr(b, lo, one, NONAME), back, NONAME);
                        LLVMBuildOr(b, left, right, NONAME)
                    } else {
                        // (lo >> s) | (hi << (128 - s)), the second as (hi << 1) << (127 - s).
                        let right = LLVMBuildLShr(b, lo, amount, NONAME);
                        let left = LLVMBuildShl(b, LLVMBuildShl(b, hi, one, NONAME), back, NONAME);
                        LLVMBuildOr(b, left, right, NONAME)
                    }
                }
                _ => {
                    let x = LLVMGetOperand(i, 0);
                    let float_ty = LLVMTypeOf(x);
                    let signed = callee.starts_with("llvm.fptosi");
                    let nan =
                        LLVMBuildFCmp(b, llvm_sys::LLVMRealPredicate::LLVMRealUNO, x, x, NONAME);
                    // 2^127 and 2^128 are exact in every float type.
                    let (upper, lower) = if signed {
                        (2f64.powi(127), -(2f64.powi(127)))
                    } else {
                        (2f64.powi(128), 0.0)
                    };
                    let at_or_above = LLVMBuildFCmp(
                        b,
                        llvm_sys::LLVMRealPredicate::LLVMRealOGE,
                        x,
                        LLVMConstReal(float_ty, upper),
                        NONAME,
                    );
                    let at_or_below = LLVMBuildFCmp(
                        b,
                        llvm_sys::LLVMRealPredicate::LLVMRealOLE,
                        x,
                        LLVMConstReal(float_ty, lower),
                        NONAME,
                    );
                    let (converted, max, min) = if signed {
                        (
                            LLVMBuildFPToSI(b, x, cx.i128, NONAME),
                            LLVMBuildLShr(b, LLVMConstAllOnes(cx.i128), cx.c128(1), NONAME),
                            LLVMBuildShl(b, cx.c128(1), cx.c128(127), NONAME),
                        )
                    } else {
                        (
                            LLVMBuildFPToUI(b, x, cx.i128, NONAME),
                            LLVMConstAllOnes(cx.i128),
                            cx.c128(0),
                        )
                    };
                    // `select` does not propagate poison from the arm it does not pick.
                    let v = LLVMBuildSelect(b, at_or_above, max, converted, NONAME);
                    let v = LLVMBuildSelect(b, at_or_below, min, v, NONAME);
                    LLVMBuildSelect(b, nan, cx.c128(0), v, NONAME)
                }
            };
            replace(i, result);
        }
        n += 1;
    }
    n
}
