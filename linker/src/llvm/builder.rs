//! The instruction builder.

use llvm_sys::core::*;
use llvm_sys::prelude::*;

use super::context::Tag;
use super::{BasicBlock, Call, Context, Instruction, IntPredicate, RealPredicate, Type, Value};

/// LLVM's builders take a name for each value; the linker's are unnamed.
const NONAME: *const std::ffi::c_char = c"".as_ptr();

/// An instruction builder of a live context, disposed on drop. It inserts where it was
/// last positioned ([`Builder::before`], [`Builder::at_end`]).
pub(crate) struct Builder<'a> {
    raw: LLVMBuilderRef,
    _tag: Tag<'a>,
}

impl Drop for Builder<'_> {
    fn drop(&mut self) {
        // SAFETY: created by `LLVMCreateBuilderInContext`, disposed once.
        unsafe { LLVMDisposeBuilder(self.raw) }
    }
}

/// One binary operation of the builder: `name(a, b)` builds `llvm`.
macro_rules! binary {
    ($($(#[$doc:meta])* $name:ident => $llvm:ident;)*) => {$(
        $(#[$doc])*
        pub(crate) fn $name(&self, a: Value<'a>, b: Value<'a>) -> Value<'a> {
            // SAFETY: a positioned builder and two live values of its context.
            Value::from_raw(unsafe { $llvm(self.raw, a.raw(), b.raw(), NONAME) })
        }
    )*};
}

/// One cast of the builder: `name(v, ty)` builds `llvm`.
macro_rules! cast {
    ($($(#[$doc:meta])* $name:ident => $llvm:ident;)*) => {$(
        $(#[$doc])*
        pub(crate) fn $name(&self, v: Value<'a>, ty: Type<'a>) -> Value<'a> {
            // SAFETY: a positioned builder, a live value and a type of its context.
            Value::from_raw(unsafe { $llvm(self.raw, v.raw(), ty.raw(), NONAME) })
        }
    )*};
}

impl<'a> Builder<'a> {
    pub(super) fn new(context: &'a Context) -> Builder<'a> {
        // SAFETY: a live context; the builder is disposed once in `drop`.
        let raw = unsafe { LLVMCreateBuilderInContext(context.raw()) };
        Builder {
            raw,
            _tag: Tag::default(),
        }
    }

    /// Positions the builder before instruction `i`.
    pub(crate) fn before(&self, i: Instruction<'a>) {
        // SAFETY: a live instruction of this builder's context.
        unsafe { LLVMPositionBuilderBefore(self.raw, i.raw()) }
    }

    /// Positions the builder at the end of block `bb`.
    pub(crate) fn at_end(&self, bb: BasicBlock<'a>) {
        // SAFETY: a live block of this builder's context.
        unsafe { LLVMPositionBuilderAtEnd(self.raw, bb.raw()) }
    }

    /// Positions the builder at the start of block `bb` (where static `alloca`s go).
    pub(crate) fn at_start(&self, bb: BasicBlock<'a>) {
        match bb.first_instruction() {
            Some(first) => self.before(first),
            None => self.at_end(bb),
        }
    }

    binary! {
        /// `add`
        add => LLVMBuildAdd;
        /// `sub`
        sub => LLVMBuildSub;
        /// `mul`
        mul => LLVMBuildMul;
        /// `udiv`
        udiv => LLVMBuildUDiv;
        /// `urem`
        urem => LLVMBuildURem;
        /// `and`
        and => LLVMBuildAnd;
        /// `or`
        or => LLVMBuildOr;
        /// `xor`
        xor => LLVMBuildXor;
        /// `shl`
        shl => LLVMBuildShl;
        /// `lshr`
        lshr => LLVMBuildLShr;
        /// `ashr`
        ashr => LLVMBuildAShr;
    }

    cast! {
        /// `zext`
        zext => LLVMBuildZExt;
        /// `sext`
        sext => LLVMBuildSExt;
        /// `trunc`
        trunc => LLVMBuildTrunc;
        /// `zext`, or a bit cast when the widths are equal
        zext_or_bitcast => LLVMBuildZExtOrBitCast;
        /// `bitcast`
        bitcast => LLVMBuildBitCast;
        /// `ptrtoint`
        ptr_to_int => LLVMBuildPtrToInt;
        /// `fptoui`
        fp_to_ui => LLVMBuildFPToUI;
        /// `fptosi`
        fp_to_si => LLVMBuildFPToSI;
    }

    /// An integer cast to `ty`: truncation, or sign/zero extension by `signed`.
    pub(crate) fn int_cast(&self, v: Value<'a>, ty: Type<'a>, signed: bool) -> Value<'a> {
        // SAFETY: a positioned builder, a live integer value and an integer type.
        Value::from_raw(unsafe {
            LLVMBuildIntCast2(self.raw, v.raw(), ty.raw(), i32::from(signed), NONAME)
        })
    }

    /// `icmp pred a, b`
    pub(crate) fn icmp(&self, pred: IntPredicate, a: Value<'a>, b: Value<'a>) -> Value<'a> {
        // SAFETY: a positioned builder and two live values of one type.
        Value::from_raw(unsafe { LLVMBuildICmp(self.raw, pred, a.raw(), b.raw(), NONAME) })
    }

    /// `fcmp pred a, b`
    pub(crate) fn fcmp(&self, pred: RealPredicate, a: Value<'a>, b: Value<'a>) -> Value<'a> {
        // SAFETY: a positioned builder and two live values of one type.
        Value::from_raw(unsafe { LLVMBuildFCmp(self.raw, pred, a.raw(), b.raw(), NONAME) })
    }

    /// `select c, a, b`
    pub(crate) fn select(&self, c: Value<'a>, a: Value<'a>, b: Value<'a>) -> Value<'a> {
        // SAFETY: a positioned builder, an `i1` and two live values of one type.
        Value::from_raw(unsafe { LLVMBuildSelect(self.raw, c.raw(), a.raw(), b.raw(), NONAME) })
    }

    /// A call of `callee` with type `fn_ty` and `args`.
    pub(crate) fn call(&self, fn_ty: Type<'a>, callee: Value<'a>, args: &[Value<'a>]) -> Call<'a> {
        let mut raw: Vec<_> = args.iter().map(|a| a.raw()).collect();
        // SAFETY: a positioned builder; `raw` holds `len` live arguments.
        let call = Value::from_raw(unsafe {
            LLVMBuildCall2(
                self.raw,
                fn_ty.raw(),
                callee.raw(),
                raw.as_mut_ptr(),
                raw.len() as u32,
                NONAME,
            )
        });
        call.as_call().expect("LLVMBuildCall2 builds a call")
    }

    /// `alloca ty`
    pub(crate) fn alloca(&self, ty: Type<'a>) -> Value<'a> {
        // SAFETY: a positioned builder and a sized type of its context.
        Value::from_raw(unsafe { LLVMBuildAlloca(self.raw, ty.raw(), NONAME) })
    }

    /// `load ty, ptr`
    pub(crate) fn load(&self, ty: Type<'a>, ptr: Value<'a>) -> Value<'a> {
        // SAFETY: a positioned builder, a type and a live pointer.
        Value::from_raw(unsafe { LLVMBuildLoad2(self.raw, ty.raw(), ptr.raw(), NONAME) })
    }

    /// `store v, ptr`
    pub(crate) fn store(&self, v: Value<'a>, ptr: Value<'a>) {
        // SAFETY: a positioned builder, a live value and a live pointer.
        unsafe { LLVMBuildStore(self.raw, v.raw(), ptr.raw()) };
    }

    /// `getelementptr ty, ptr, index` (one index).
    pub(crate) fn gep(&self, ty: Type<'a>, ptr: Value<'a>, index: Value<'a>) -> Value<'a> {
        let mut indices = [index.raw()];
        // SAFETY: a positioned builder; one live index.
        Value::from_raw(unsafe {
            LLVMBuildGEP2(
                self.raw,
                ty.raw(),
                ptr.raw(),
                indices.as_mut_ptr(),
                1,
                NONAME,
            )
        })
    }

    /// The address of field `field` of struct `ty` at `ptr`.
    pub(crate) fn struct_gep(&self, ty: Type<'a>, ptr: Value<'a>, field: u32) -> Value<'a> {
        assert!(
            (field as usize) < ty.struct_fields(),
            "field {field} of a struct with fewer"
        );
        // SAFETY: a positioned builder; `field` is a field of struct type `ty`.
        Value::from_raw(unsafe {
            LLVMBuildStructGEP2(self.raw, ty.raw(), ptr.raw(), field, NONAME)
        })
    }

    /// `insertvalue agg, v, index`
    pub(crate) fn insert_value(&self, agg: Value<'a>, v: Value<'a>, index: u32) -> Value<'a> {
        // SAFETY: a positioned builder and live values; the index is the caller's part.
        Value::from_raw(unsafe {
            LLVMBuildInsertValue(self.raw, agg.raw(), v.raw(), index, NONAME)
        })
    }

    /// `extractvalue agg, index`
    pub(crate) fn extract_value(&self, agg: Value<'a>, index: u32) -> Value<'a> {
        // SAFETY: a positioned builder and a live aggregate; the index is the caller's part.
        Value::from_raw(unsafe { LLVMBuildExtractValue(self.raw, agg.raw(), index, NONAME) })
    }

    /// `br c, then, otherwise`
    pub(crate) fn cond_br(&self, c: Value<'a>, then: BasicBlock<'a>, otherwise: BasicBlock<'a>) {
        // SAFETY: a positioned builder, an `i1` and two blocks of the same function.
        unsafe { LLVMBuildCondBr(self.raw, c.raw(), then.raw(), otherwise.raw()) };
    }

    /// `ret v`
    pub(crate) fn ret(&self, v: Value<'a>) {
        // SAFETY: a positioned builder and a live value.
        unsafe { LLVMBuildRet(self.raw, v.raw()) };
    }

    /// `ret void`
    pub(crate) fn ret_void(&self) {
        // SAFETY: a positioned builder.
        unsafe { LLVMBuildRetVoid(self.raw) };
    }
}
