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
//!   32-bit pieces); a half known to be zero (a `zext` from 64 bits or less) costs nothing
//!   (`mul`).
//! - `shl`/`lshr`/`ashr i128` by a variable amount → two-half shifts selected on bit 6 of
//!   the amount (constant amounts are legalised inline by LLVM already) (`shift`).
//! - `udiv`/`urem`/`sdiv`/`srem i128` → a call to one shared internal function
//!   `tako.udivmod128(ptr out, a_lo, a_hi, b_lo, b_hi)` (five registers) that writes the
//!   quotient and remainder to `out`: a single 64-bit `udiv` when both operands fit in
//!   64 bits, four 64-bit `udiv`s by 32-bit digits when the divisor fits in 32 bits,
//!   otherwise Hacker's Delight's long division (`tako.divlu`, 128 by 64 bits with two
//!   32-bit quotient digits, plus a normalised estimate-and-correct step for divisors wider
//!   than 64 bits), about a hundred instructions instead of a 128-step loop. Signed forms
//!   use absolute values and fix the signs as in [`super::sdiv`] (`div`).
//! - `llvm.umul.with.overflow.i128` (`u128::checked_mul`) → the product above plus an
//!   exact overflow test; `llvm.smul.with.overflow.i64` (`i64::checked_mul`) → `mul` plus
//!   the signed high half compared with the product's sign (`mul`).
//! - `smul.with.overflow.i128`, funnel shifts and saturating float conversions are first
//!   rewritten in terms of the above (`intrinsics`).

mod div;
mod intrinsics;
mod mul;
mod shift;

use crate::llvm::{Builder, Module, Type, Value};

pub(super) use div::lower_div;
pub(super) use intrinsics::lower_wide_intrinsics;
pub(super) use mul::{lower_mul, lower_mul_overflow};
pub(super) use shift::lower_shifts;

/// A builder and the two integer types every rewrite here uses.
struct Cx<'b, 'm> {
    b: &'b Builder<'m>,
    i64: Type<'m>,
    i128: Type<'m>,
}

impl<'b, 'm> Cx<'b, 'm> {
    fn new(module: &'m Module<'_>, b: &'b Builder<'m>) -> Self {
        Cx {
            b,
            i64: module.int_type(64),
            i128: module.int_type(128),
        }
    }

    /// The same types with another builder.
    fn with<'c>(&self, b: &'c Builder<'m>) -> Cx<'c, 'm> {
        Cx {
            b,
            i64: self.i64,
            i128: self.i128,
        }
    }

    fn c64(&self, v: u64) -> Value<'m> {
        self.i64.const_int(v)
    }

    fn c128(&self, v: u64) -> Value<'m> {
        self.i128.const_int(v)
    }

    /// `(lo, hi)` 64-bit halves of an `i128` value; a `zext`/`sext` from at most 64 bits
    /// gives its high half without arithmetic.
    fn split(&self, v: Value<'m>) -> (Value<'m>, Value<'m>) {
        let b = self.b;
        let (is_zext, is_sext) = (v.is_zext(), v.is_sext());
        if is_zext || is_sext {
            let src = v.operand(0);
            if src.int_width().is_some_and(|w| w <= 64) {
                return if is_zext {
                    (b.zext(src, self.i64), self.c64(0))
                } else {
                    let lo = b.sext(src, self.i64);
                    (lo, b.ashr(lo, self.c64(63)))
                };
            }
        }
        let lo = b.trunc(v, self.i64);
        let hi = b.trunc(b.lshr(v, self.c128(64)), self.i64);
        (lo, hi)
    }

    /// The `i128` whose halves are `lo` and `hi`.
    fn join(&self, lo: Value<'m>, hi: Value<'m>) -> Value<'m> {
        let b = self.b;
        let lo = b.zext(lo, self.i128);
        let hi = b.shl(b.zext(hi, self.i128), self.c128(64));
        b.or(lo, hi)
    }

    /// High 64 bits of the 128-bit product of two `i64`s (Hacker's Delight `mulhu`).
    /// No intermediate overflows 64 bits: each is at most (2^32-1)^2 + 2(2^32-1) < 2^64.
    fn mulhu(&self, x: Value<'m>, y: Value<'m>) -> Value<'m> {
        if x.is_zero_int() || y.is_zero_int() {
            return self.c64(0);
        }
        let b = self.b;
        let mask = self.c64(0xffff_ffff);
        let k32 = self.c64(32);
        let x0 = b.and(x, mask);
        let x1 = b.lshr(x, k32);
        let y0 = b.and(y, mask);
        let y1 = b.lshr(y, k32);
        let t = b.mul(x0, y0);
        let u = b.add(b.mul(x1, y0), b.lshr(t, k32));
        let v = b.add(b.mul(x0, y1), b.and(u, mask));
        let hi = b.add(b.mul(x1, y1), b.lshr(u, k32));
        b.add(hi, b.lshr(v, k32))
    }

    /// The low 64 bits of `x * y` (0 without a multiplication when one is 0).
    fn mul_lo(&self, x: Value<'m>, y: Value<'m>) -> Value<'m> {
        if x.is_zero_int() || y.is_zero_int() {
            return self.c64(0);
        }
        self.b.mul(x, y)
    }

    /// `(v ^ s) - s`: `|v|` when `s` is `v`'s sign fill, and applying a sign in general.
    fn abs(&self, v: Value<'m>, s: Value<'m>) -> Value<'m> {
        self.b.sub(self.b.xor(v, s), s)
    }

    /// The `{iN, i1}` pair of an `*.with.overflow` intrinsic of type `pair`.
    fn pair(&self, pair: Type<'m>, value: Value<'m>, overflow: Value<'m>) -> Value<'m> {
        let with_value = self.b.insert_value(pair.undef(), value, 0);
        self.b.insert_value(with_value, overflow, 1)
    }
}

fn is_i128(v: Value<'_>) -> bool {
    v.int_width() == Some(128)
}
