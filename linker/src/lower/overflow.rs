//! `llvm.umul.with.overflow.i64` (every `checked_mul` on `usize`, e.g. `Layout::array` in
//! `Vec` growth) is legalised by widening to `i128` and calling `__multi3`, whose 128-bit
//! result BPF cannot return ("only small returns supported"): wrong code. It becomes
//! `p = a * b; overflow = a != 0 && p / select(a == 0, 1, a) != b`, one `mul` and one
//! `div` (both single BPF instructions). It must run after the optimisation pipeline,
//! since InstCombine folds that pattern back into the intrinsic.

use llvm_sys::core::*;
use llvm_sys::prelude::*;
use llvm_sys::LLVMIntPredicate;

use super::ir::{self, Builder, NONAME};

/// Replaces every call to `llvm.umul.with.overflow.i64`; returns how many.
pub(super) fn lower_umul_i64(module: LLVMModuleRef) -> usize {
    let calls: Vec<_> = ir::all_instructions(module)
        .into_iter()
        .filter(|&i| ir::callee_name(i).as_deref() == Some("llvm.umul.with.overflow.i64"))
        .collect();
    let builder = Builder::new(module);
    // SAFETY: each `call` is a live call instruction of `module`'s context; the builder is
    // positioned before it. The replacement has the call's exact type `{i64, i1}`, so RAUW
    // keeps the IR valid, and the call has no uses left when it is erased.
    unsafe {
        let context = LLVMGetModuleContext(module);
        let i64_ty = LLVMInt64TypeInContext(context);
        let zero = LLVMConstInt(i64_ty, 0, 0);
        let one = LLVMConstInt(i64_ty, 1, 0);
        let b = builder.0;
        for &call in &calls {
            builder.before(call);
            let a = LLVMGetOperand(call, 0);
            let x = LLVMGetOperand(call, 1);
            let product = LLVMBuildMul(b, a, x, NONAME);
            let a_is_zero = LLVMBuildICmp(b, LLVMIntPredicate::LLVMIntEQ, a, zero, NONAME);
            let divisor = LLVMBuildSelect(b, a_is_zero, one, a, NONAME);
            let quotient = LLVMBuildUDiv(b, product, divisor, NONAME);
            let differs = LLVMBuildICmp(b, LLVMIntPredicate::LLVMIntNE, quotient, x, NONAME);
            let a_nonzero = LLVMBuildICmp(b, LLVMIntPredicate::LLVMIntNE, a, zero, NONAME);
            let overflow = LLVMBuildAnd(b, a_nonzero, differs, NONAME);
            let undef = LLVMGetUndef(LLVMTypeOf(call));
            let with_product = LLVMBuildInsertValue(b, undef, product, 0, NONAME);
            let result = LLVMBuildInsertValue(b, with_product, overflow, 1, NONAME);
            LLVMReplaceAllUsesWith(call, result);
            LLVMInstructionEraseFromParent(call);
        }
    }
    calls.len()
}
