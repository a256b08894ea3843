//! LLVM types and the constants made from them.

use llvm_sys::core::*;
use llvm_sys::prelude::*;

use super::context::Tag;
use super::{TypeKind, Value};

/// A type of a live context, for `'a`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Type<'a> {
    raw: LLVMTypeRef,
    _tag: Tag<'a>,
}

impl std::fmt::Debug for Type<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Type({:?})", self.kind())
    }
}

impl<'a> Type<'a> {
    /// Wraps a type handle of a context alive for `'a` (null is refused).
    pub(super) fn from_raw(raw: LLVMTypeRef) -> Type<'a> {
        assert!(!raw.is_null(), "LLVM returned no type");
        Type {
            raw,
            _tag: Tag::default(),
        }
    }

    pub(super) fn raw(self) -> LLVMTypeRef {
        self.raw
    }

    /// What kind of type this is.
    pub(crate) fn kind(self) -> TypeKind {
        // SAFETY: a live type.
        unsafe { LLVMGetTypeKind(self.raw) }
    }

    /// The bit width, if this is a scalar integer type.
    pub(crate) fn int_width(self) -> Option<u32> {
        (self.kind() == TypeKind::LLVMIntegerTypeKind)
            // SAFETY: a live integer type.
            .then(|| unsafe { LLVMGetIntTypeWidth(self.raw) })
    }

    fn function_kind(self) -> bool {
        self.kind() == TypeKind::LLVMFunctionTypeKind
    }

    /// A function type's result type.
    ///
    /// # Panics
    /// If this is not a function type (a bug in the caller).
    pub(crate) fn return_type(self) -> Type<'a> {
        assert!(self.function_kind(), "not a function type");
        // SAFETY: a live function type.
        Type::from_raw(unsafe { LLVMGetReturnType(self.raw) })
    }

    /// A function type's parameter types, in order (empty for other types).
    pub(crate) fn param_types(self) -> Vec<Type<'a>> {
        if !self.function_kind() {
            return Vec::new();
        }
        // SAFETY: a live function type; `out` has room for every parameter.
        unsafe {
            let n = LLVMCountParamTypes(self.raw) as usize;
            let mut out = vec![std::ptr::null_mut(); n];
            LLVMGetParamTypes(self.raw, out.as_mut_ptr());
            out.into_iter().map(Type::from_raw).collect()
        }
    }

    /// Whether a function type is variadic (false for other types).
    pub(crate) fn is_vararg(self) -> bool {
        // SAFETY: a live function type.
        self.function_kind() && unsafe { LLVMIsFunctionVarArg(self.raw) } != 0
    }

    /// The function type returning `self` with `params` (not variadic).
    pub(crate) fn function(self, params: &[Type<'a>]) -> Type<'a> {
        let mut raw: Vec<_> = params.iter().map(|t| t.raw).collect();
        // SAFETY: live types of one context; `raw` holds `len` parameter types.
        Type::from_raw(unsafe { LLVMFunctionType(self.raw, raw.as_mut_ptr(), raw.len() as u32, 0) })
    }

    /// How many fields a struct type has (0 for other types).
    pub(crate) fn struct_fields(self) -> usize {
        if self.kind() != TypeKind::LLVMStructTypeKind {
            return 0;
        }
        // SAFETY: a live struct type.
        unsafe { LLVMCountStructElementTypes(self.raw) as usize }
    }

    /// The array type of `len` elements of `self`.
    pub(crate) fn array(self, len: u64) -> Type<'a> {
        // SAFETY: a live element type.
        Type::from_raw(unsafe { LLVMArrayType2(self.raw, len) })
    }

    /// The integer constant `value` of this integer type (truncated to its width).
    pub(crate) fn const_int(self, value: u64) -> Value<'a> {
        assert!(self.int_width().is_some(), "not an integer type");
        // SAFETY: a live integer type.
        Value::from_raw(unsafe { LLVMConstInt(self.raw, value, 0) })
    }

    /// The all-ones constant of this integer type.
    pub(crate) fn all_ones(self) -> Value<'a> {
        assert!(self.int_width().is_some(), "not an integer type");
        // SAFETY: a live integer type.
        Value::from_raw(unsafe { LLVMConstAllOnes(self.raw) })
    }

    /// The floating-point constant `value` of this float type.
    pub(crate) fn const_real(self, value: f64) -> Value<'a> {
        assert!(
            matches!(
                self.kind(),
                TypeKind::LLVMHalfTypeKind
                    | TypeKind::LLVMBFloatTypeKind
                    | TypeKind::LLVMFloatTypeKind
                    | TypeKind::LLVMDoubleTypeKind
                    | TypeKind::LLVMFP128TypeKind
                    | TypeKind::LLVMX86_FP80TypeKind
                    | TypeKind::LLVMPPC_FP128TypeKind
            ),
            "not a floating-point type"
        );
        // SAFETY: a live float type.
        Value::from_raw(unsafe { LLVMConstReal(self.raw, value) })
    }

    /// The `undef` value of this type.
    pub(crate) fn undef(self) -> Value<'a> {
        // SAFETY: a live type.
        Value::from_raw(unsafe { LLVMGetUndef(self.raw) })
    }
}
