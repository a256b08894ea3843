//! IR rewrites the linker applies after optimisation and before BPF code generation, for
//! operations LLVM's BPF backend would otherwise turn into calls it cannot make.
//!
//! `llvm.umul.with.overflow.i64` (every `checked_mul` on `usize`, e.g. `Layout::array` in
//! `Vec` growth) is legalised by widening to `i128` and calling `__multi3`, whose 128-bit
//! result BPF cannot return ("only small returns supported"): wrong code. It becomes
//! `p = a * b; overflow = a != 0 && p / select(a == 0, 1, a) != b`, one `mul` and one
//! `div` (both single BPF instructions). It must run after the optimisation pipeline,
//! since InstCombine folds that pattern back into the intrinsic.

use llvm_sys::core::*;
use llvm_sys::prelude::*;
use llvm_sys::LLVMIntPredicate;

/// Replaces every call to `llvm.umul.with.overflow.i64`; returns how many.
///
/// # Safety
/// `module` must be a live module that no other thread uses during the call.
pub(crate) unsafe fn lower_umul_with_overflow(module: LLVMModuleRef) -> usize {
    // SAFETY: `module` is a live module; the name is a valid C string.
    let intrinsic =
        unsafe { LLVMGetNamedFunction(module, c"llvm.umul.with.overflow.i64".as_ptr()) };
    if intrinsic.is_null() {
        return 0;
    }
    // Collect the calls first: rewriting while walking the use list would invalidate it.
    let mut calls = Vec::new();
    // SAFETY: walking the use list of a live function value without modifying it.
    unsafe {
        let mut u = LLVMGetFirstUse(intrinsic);
        while !u.is_null() {
            let user = LLVMGetUser(u);
            if !LLVMIsACallInst(user).is_null() && LLVMGetCalledValue(user) == intrinsic {
                calls.push(user);
            }
            u = LLVMGetNextUse(u);
        }
    }
    // SAFETY: each `call` is a live call instruction of `module`'s context; the builder is
    // created in that context, positioned before the call, and disposed at the end. The
    // replacement has the call's exact type `{i64, i1}`, so RAUW keeps the IR valid, and
    // the call has no uses left when it is erased.
    unsafe {
        let context = LLVMGetModuleContext(module);
        let builder = LLVMCreateBuilderInContext(context);
        let i64_ty = LLVMInt64TypeInContext(context);
        let zero = LLVMConstInt(i64_ty, 0, 0);
        let one = LLVMConstInt(i64_ty, 1, 0);
        for &call in &calls {
            LLVMPositionBuilderBefore(builder, call);
            let a = LLVMGetOperand(call, 0);
            let b = LLVMGetOperand(call, 1);
            let name = c"".as_ptr();
            let product = LLVMBuildMul(builder, a, b, name);
            let a_is_zero = LLVMBuildICmp(builder, LLVMIntPredicate::LLVMIntEQ, a, zero, name);
            let divisor = LLVMBuildSelect(builder, a_is_zero, one, a, name);
            let quotient = LLVMBuildUDiv(builder, product, divisor, name);
            let differs = LLVMBuildICmp(builder, LLVMIntPredicate::LLVMIntNE, quotient, b, name);
            let a_nonzero = LLVMBuildICmp(builder, LLVMIntPredicate::LLVMIntNE, a, zero, name);
            let overflow = LLVMBuildAnd(builder, a_nonzero, differs, name);
            let undef = LLVMGetUndef(LLVMTypeOf(call));
            let with_product = LLVMBuildInsertValue(builder, undef, product, 0, name);
            let result = LLVMBuildInsertValue(builder, with_product, overflow, 1, name);
            LLVMReplaceAllUsesWith(call, result);
            LLVMInstructionEraseFromParent(call);
        }
        LLVMDisposeBuilder(builder);
    }
    calls.len()
}
