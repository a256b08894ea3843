//! `llvm.umul.with.overflow.i64` (every `checked_mul` on `usize`, e.g. `Layout::array` in
//! `Vec` growth) is legalised by widening to `i128` and calling `__multi3`, whose 128-bit
//! result BPF cannot return ("only small returns supported"): wrong code. It becomes
//! `p = a * b; overflow = a != 0 && p / select(a == 0, 1, a) != b`, one `mul` and one
//! `div` (both single BPF instructions). It must run after the optimisation pipeline,
//! since InstCombine folds that pattern back into the intrinsic.

use crate::llvm::{IntPredicate, Module};

/// Replaces every call to `llvm.umul.with.overflow.i64`; returns how many.
pub(super) fn lower_umul_i64(module: &Module<'_>) -> usize {
    let calls: Vec<_> = module
        .calls()
        .into_iter()
        .filter(|c| c.callee_name().as_deref() == Some("llvm.umul.with.overflow.i64"))
        .collect();
    let b = module.builder();
    let i64_ty = module.int_type(64);
    let zero = i64_ty.const_int(0);
    let one = i64_ty.const_int(1);
    for &call in &calls {
        b.before(*call);
        let a = call.operand(0);
        let x = call.operand(1);
        let product = b.mul(a, x);
        let a_is_zero = b.icmp(IntPredicate::LLVMIntEQ, a, zero);
        let divisor = b.select(a_is_zero, one, a);
        let quotient = b.udiv(product, divisor);
        let differs = b.icmp(IntPredicate::LLVMIntNE, quotient, x);
        let a_nonzero = b.icmp(IntPredicate::LLVMIntNE, a, zero);
        let overflow = b.and(a_nonzero, differs);
        let with_product = b.insert_value(call.ty().undef(), product, 0);
        let result = b.insert_value(with_product, overflow, 1);
        // SAFETY: the replacement has the call's type `{i64, i1}`; `call` is not used again.
        unsafe { call.replace_with(result) };
    }
    calls.len()
}
