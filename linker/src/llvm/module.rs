//! A module of a [`Context`]: its functions and globals, the types of its context, and
//! linking another module into it.

use std::ffi::CStr;

use llvm_sys::core::*;
use llvm_sys::prelude::*;
use llvm_sys::target::{LLVMABISizeOfType, LLVMGetModuleDataLayout};

use super::{
    c_name, take_message, Attribute, BasicBlock, Builder, Context, Function, Global, Type,
};

/// A module of a live context. It is freed with the context, or consumed by
/// [`Module::link_in`].
pub(crate) struct Module<'ctx> {
    raw: LLVMModuleRef,
    context: &'ctx Context,
}

impl<'ctx> Module<'ctx> {
    pub(super) fn from_raw(raw: LLVMModuleRef, context: &'ctx Context) -> Module<'ctx> {
        assert!(!raw.is_null(), "LLVM returned no module");
        Module { raw, context }
    }

    pub(super) fn raw(&self) -> LLVMModuleRef {
        self.raw
    }

    /// The context the module belongs to.
    pub(crate) fn context(&self) -> &'ctx Context {
        self.context
    }

    /// Links `other` (of the same context) into this module, consuming it. Err when LLVM's
    /// linker refuses (its diagnostics say why).
    pub(crate) fn link_in(&self, other: Module<'ctx>) -> Result<(), ()> {
        // SAFETY: both modules live in one context; LinkModules2 consumes `other`, which
        // is moved in, so no handle borrowed from it is left.
        match unsafe { llvm_sys::linker::LLVMLinkModules2(self.raw, other.raw) } {
            0 => Ok(()),
            _ => Err(()),
        }
    }

    fn walk(
        &self,
        first: unsafe extern "C" fn(LLVMModuleRef) -> LLVMValueRef,
        next: unsafe extern "C" fn(LLVMValueRef) -> LLVMValueRef,
    ) -> Vec<Global<'_>> {
        let mut out = Vec::new();
        // SAFETY: `first`/`next` walk one of this live module's global lists, which is
        // not modified during the walk.
        unsafe {
            let mut v = first(self.raw);
            while !v.is_null() {
                out.push(Global::from_raw(v));
                v = next(v);
            }
        }
        out
    }

    /// The functions, definitions and declarations, in order.
    pub(crate) fn functions(&self) -> Vec<Function<'_>> {
        self.walk(LLVMGetFirstFunction, LLVMGetNextFunction)
            .into_iter()
            .map(|g| Function::from_raw(g.raw()))
            .collect()
    }

    /// The global variables, in order.
    pub(crate) fn globals(&self) -> Vec<Global<'_>> {
        self.walk(LLVMGetFirstGlobal, LLVMGetNextGlobal)
    }

    /// The aliases, in order.
    pub(crate) fn aliases(&self) -> Vec<Global<'_>> {
        self.walk(LLVMGetFirstGlobalAlias, LLVMGetNextGlobalAlias)
    }

    /// Every instruction of every defined function.
    pub(crate) fn instructions(&self) -> Vec<super::Instruction<'_>> {
        self.functions()
            .into_iter()
            .flat_map(Function::instructions)
            .collect()
    }

    /// Every `call` instruction (not `invoke`) of every defined function.
    pub(crate) fn calls(&self) -> Vec<super::Call<'_>> {
        self.instructions()
            .into_iter()
            .filter_map(|i| i.as_call())
            .collect()
    }

    /// The function named `name`.
    pub(crate) fn function(&self, name: &str) -> Option<Function<'_>> {
        let name = c_name(name);
        // SAFETY: a valid C string; a live module.
        let f = unsafe { LLVMGetNamedFunction(self.raw, name.as_ptr()) };
        (!f.is_null()).then(|| Function::from_raw(f))
    }

    /// Adds a function `name` of type `ty` (LLVM renames it if the name is taken).
    pub(crate) fn add_function(&self, name: &str, ty: Type<'_>) -> Function<'_> {
        let name = c_name(name);
        // SAFETY: a valid C string; `ty` is a function type of this module's context.
        Function::from_raw(unsafe { LLVMAddFunction(self.raw, name.as_ptr(), ty.raw()) })
    }

    /// The function `name`, declared with `ty` if the module has none by that name.
    pub(crate) fn declare(&self, name: &str, ty: Type<'_>) -> Function<'_> {
        self.function(name)
            .unwrap_or_else(|| self.add_function(name, ty))
    }

    /// The global variable `name`, declared as an external of type `ty` if missing.
    pub(crate) fn declare_global(&self, name: &str, ty: Type<'_>) -> Global<'_> {
        let name = c_name(name);
        // SAFETY: a valid C string; `ty` is a type of this module's context.
        unsafe {
            let g = LLVMGetNamedGlobal(self.raw, name.as_ptr());
            Global::from_raw(if g.is_null() {
                LLVMAddGlobal(self.raw, ty.raw(), name.as_ptr())
            } else {
                g
            })
        }
    }

    /// The ABI size of `ty` in bytes, by the module's data layout.
    pub(crate) fn abi_size(&self, ty: Type<'_>) -> u64 {
        // SAFETY: a live module's data layout and a sized type of its context.
        unsafe { LLVMABISizeOfType(LLVMGetModuleDataLayout(self.raw), ty.raw()) }
    }

    /// Writes the module's textual IR to `path`.
    pub(crate) fn print_to_file(&self, path: &str) -> Result<(), String> {
        let path = c_name(path);
        let mut error = std::ptr::null_mut();
        // SAFETY: a live module, a valid path; an error message is taken once.
        match unsafe { LLVMPrintModuleToFile(self.raw, path.as_ptr(), &mut error) } {
            0 => Ok(()),
            _ => Err(take_message(error)),
        }
    }

    fn ctx(&self) -> LLVMContextRef {
        self.context.raw()
    }

    /// The integer type of `bits` bits.
    pub(crate) fn int_type(&self, bits: u32) -> Type<'_> {
        // SAFETY: a live context.
        Type::from_raw(unsafe { LLVMIntTypeInContext(self.ctx(), bits) })
    }

    /// `ptr` (address space 0).
    pub(crate) fn ptr_type(&self) -> Type<'_> {
        // SAFETY: a live context.
        Type::from_raw(unsafe { LLVMPointerTypeInContext(self.ctx(), 0) })
    }

    /// `void`.
    pub(crate) fn void_type(&self) -> Type<'_> {
        // SAFETY: a live context.
        Type::from_raw(unsafe { LLVMVoidTypeInContext(self.ctx()) })
    }

    /// The literal struct type of `fields` (natural alignment, not packed).
    pub(crate) fn struct_type(&self, fields: &[Type<'_>]) -> Type<'_> {
        let mut raw: Vec<_> = fields.iter().map(|t| t.raw()).collect();
        // SAFETY: a live context; `raw` holds `len` field types of it.
        Type::from_raw(unsafe {
            LLVMStructTypeInContext(self.ctx(), raw.as_mut_ptr(), raw.len() as u32, 0)
        })
    }

    /// The enum attribute `name` with `value` (e.g. `noinline`, 0).
    pub(crate) fn enum_attribute(&self, name: &str, value: u64) -> Attribute<'_> {
        let kind = super::attribute_kind(name);
        // SAFETY: a live context; an unknown name gives kind 0, which LLVM accepts as none.
        Attribute::from_raw(unsafe { LLVMCreateEnumAttribute(self.ctx(), kind, value) })
    }

    /// Appends a new block named `name` to function `f` of this module.
    pub(crate) fn append_block(&self, f: Function<'_>, name: &CStr) -> BasicBlock<'_> {
        // SAFETY: a live context and a function of it; a valid C string.
        BasicBlock::from_raw(unsafe {
            LLVMAppendBasicBlockInContext(self.ctx(), f.raw(), name.as_ptr())
        })
    }

    /// A new instruction builder in this module's context.
    pub(crate) fn builder(&self) -> Builder<'_> {
        Builder::new(self.context)
    }
}
