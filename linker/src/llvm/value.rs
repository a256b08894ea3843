//! IR values: plain values, instructions, calls, globals, functions, basic blocks, and
//! attributes.

use std::ops::Deref;

use llvm_sys::core::*;
use llvm_sys::prelude::*;

use super::context::Tag;
use super::{Linkage, Opcode, TailCallKind, Type, Visibility};

/// A value of a live module, for `'a`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Value<'a> {
    raw: LLVMValueRef,
    _tag: Tag<'a>,
}

impl std::fmt::Debug for Value<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Value({})", self.name())
    }
}

impl<'a> Value<'a> {
    /// Wraps a value handle of a module alive for `'a` (null is refused).
    pub(super) fn from_raw(raw: LLVMValueRef) -> Value<'a> {
        assert!(!raw.is_null(), "LLVM returned no value");
        Value {
            raw,
            _tag: Tag::default(),
        }
    }

    fn maybe(raw: LLVMValueRef) -> Option<Value<'a>> {
        (!raw.is_null()).then(|| Value::from_raw(raw))
    }

    pub(super) fn raw(self) -> LLVMValueRef {
        self.raw
    }

    /// The value's type.
    pub(crate) fn ty(self) -> Type<'a> {
        // SAFETY: a live value.
        Type::from_raw(unsafe { LLVMTypeOf(self.raw) })
    }

    /// The bit width of the value's type, if it is a scalar integer.
    pub(crate) fn int_width(self) -> Option<u32> {
        self.ty().int_width()
    }

    /// The value's name (empty if it has none).
    pub(crate) fn name(self) -> String {
        let mut len = 0;
        // SAFETY: LLVM returns a pointer to `len` bytes it owns, copied at once.
        unsafe {
            let p = LLVMGetValueName2(self.raw, &mut len);
            if p.is_null() {
                return String::new();
            }
            String::from_utf8_lossy(std::slice::from_raw_parts(p.cast::<u8>(), len)).into_owned()
        }
    }

    /// Renames the value (a global taking a name in use gets a unique suffix from LLVM).
    pub(crate) fn set_name(self, name: &str) {
        // SAFETY: a live value; the bytes are valid for the call.
        unsafe { LLVMSetValueName2(self.raw, name.as_ptr().cast(), name.len()) }
    }

    /// How many operands the value has (0 for values that are not users).
    pub(crate) fn num_operands(self) -> u32 {
        // SAFETY: a live value; only users have operands, others report none.
        if unsafe { LLVMIsAUser(self.raw) }.is_null() {
            return 0;
        }
        // SAFETY: a live user.
        unsafe { LLVMGetNumOperands(self.raw) as u32 }
    }

    /// Operand `index`.
    ///
    /// # Panics
    /// If the value has no such operand (a bug in the caller).
    pub(crate) fn operand(self, index: u32) -> Value<'a> {
        assert!(
            index < self.num_operands(),
            "operand {index} of a value with {} operands",
            self.num_operands()
        );
        // SAFETY: a live user with more than `index` operands.
        Value::from_raw(unsafe { LLVMGetOperand(self.raw, index) })
    }

    /// This value as a `call` instruction (not an `invoke`).
    pub(crate) fn as_call(self) -> Option<Call<'a>> {
        // SAFETY: a live value, only inspected.
        (!unsafe { LLVMIsACallInst(self.raw) }.is_null()).then_some(Call(Instruction(self)))
    }

    /// This value as an `invoke` instruction.
    pub(crate) fn as_invoke(self) -> Option<Call<'a>> {
        // SAFETY: a live value, only inspected.
        (!unsafe { LLVMIsAInvokeInst(self.raw) }.is_null()).then_some(Call(Instruction(self)))
    }

    /// This value as a function.
    pub(crate) fn as_function(self) -> Option<Function<'a>> {
        // SAFETY: a live value, only inspected.
        (!unsafe { LLVMIsAFunction(self.raw) }.is_null()).then_some(Function(Global(self)))
    }

    /// Whether this is inline assembly.
    pub(crate) fn is_inline_asm(self) -> bool {
        // SAFETY: a live value, only inspected.
        !unsafe { LLVMIsAInlineAsm(self.raw) }.is_null()
    }

    /// Whether this is a `zext` instruction.
    pub(crate) fn is_zext(self) -> bool {
        // SAFETY: a live value, only inspected.
        !unsafe { LLVMIsAZExtInst(self.raw) }.is_null()
    }

    /// Whether this is a `sext` instruction.
    pub(crate) fn is_sext(self) -> bool {
        // SAFETY: a live value, only inspected.
        !unsafe { LLVMIsASExtInst(self.raw) }.is_null()
    }

    /// Whether this is a constant.
    pub(crate) fn is_constant(self) -> bool {
        // SAFETY: a live value, only inspected.
        !unsafe { LLVMIsAConstant(self.raw) }.is_null()
    }

    /// Whether this is the null (all-zero) constant of its type.
    pub(crate) fn is_null_constant(self) -> bool {
        // SAFETY: a constant, only inspected.
        self.is_constant() && unsafe { LLVMIsNull(self.raw) } != 0
    }

    fn is_constant_int(self) -> bool {
        // SAFETY: a live value, only inspected.
        !unsafe { LLVMIsAConstantInt(self.raw) }.is_null()
    }

    /// The value, zero-extended, of an integer constant of at most 64 bits.
    pub(crate) fn const_u64(self) -> Option<u64> {
        (self.is_constant_int() && self.int_width().is_some_and(|w| w <= 64))
            // SAFETY: a constant integer of at most 64 bits.
            .then(|| unsafe { LLVMConstIntGetZExtValue(self.raw) })
    }

    /// The value, sign-extended, of an integer constant of at most 64 bits.
    pub(crate) fn const_i64(self) -> Option<i64> {
        (self.is_constant_int() && self.int_width().is_some_and(|w| w <= 64))
            // SAFETY: a constant integer of at most 64 bits.
            .then(|| unsafe { LLVMConstIntGetSExtValue(self.raw) })
    }

    /// Whether this is an integer constant equal to zero (of any width).
    pub(crate) fn is_zero_int(self) -> bool {
        self.is_constant_int() && self.is_null_constant()
    }

    /// The constant expression `ptrtoint self to ty`, for a constant pointer.
    pub(crate) fn const_ptr_to_int(self, ty: Type<'a>) -> Value<'a> {
        assert!(self.is_constant(), "not a constant");
        // SAFETY: a constant and a live type of its context.
        Value::from_raw(unsafe { LLVMConstPtrToInt(self.raw, ty.raw()) })
    }

    /// Every user of the value (one entry per use), in use-list order.
    pub(crate) fn users(self) -> Vec<Value<'a>> {
        let mut out = Vec::new();
        // SAFETY: walking the live value's use list without modifying it.
        unsafe {
            let mut u = LLVMGetFirstUse(self.raw);
            while !u.is_null() {
                out.push(Value::from_raw(LLVMGetUser(u)));
                u = LLVMGetNextUse(u);
            }
        }
        out
    }

    /// Whether anything uses the value.
    pub(crate) fn has_uses(self) -> bool {
        // SAFETY: a live value, only inspected.
        !unsafe { LLVMGetFirstUse(self.raw) }.is_null()
    }

    /// Makes every use of this value use `new` (of the same type) instead.
    pub(crate) fn replace_all_uses_with(self, new: Value<'a>) {
        assert_eq!(self.ty(), new.ty(), "replacement of another type");
        // SAFETY: two live values of one type.
        unsafe { LLVMReplaceAllUsesWith(self.raw, new.raw) }
    }
}

/// An instruction.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) struct Instruction<'a>(Value<'a>);

impl<'a> Deref for Instruction<'a> {
    type Target = Value<'a>;
    fn deref(&self) -> &Value<'a> {
        &self.0
    }
}

impl<'a> Instruction<'a> {
    /// The instruction as a plain value.
    pub(crate) fn value(self) -> Value<'a> {
        self.0
    }

    /// The opcode.
    pub(crate) fn opcode(self) -> Opcode {
        // SAFETY: a live instruction.
        unsafe { LLVMGetInstructionOpcode(self.raw()) }
    }

    /// The block holding the instruction.
    pub(crate) fn block(self) -> BasicBlock<'a> {
        // SAFETY: a live instruction inside a block.
        BasicBlock::from_raw(unsafe { LLVMGetInstructionParent(self.raw()) })
    }

    /// The function holding the instruction.
    pub(crate) fn function(self) -> Function<'a> {
        self.block().function()
    }

    /// Whether a division carries the `exact` flag.
    pub(crate) fn is_exact(self) -> bool {
        let divides = matches!(
            self.opcode(),
            Opcode::LLVMSDiv | Opcode::LLVMUDiv | Opcode::LLVMAShr | Opcode::LLVMLShr
        );
        // SAFETY: a live instruction of a kind that has the flag.
        divides && unsafe { LLVMGetExact(self.raw()) } != 0
    }

    /// Removes the instruction from its block and frees it.
    ///
    /// # Safety
    /// Nothing uses the instruction any more, and no copy of this handle is used
    /// afterwards.
    pub(crate) unsafe fn erase(self) {
        // SAFETY: the caller's promise; the instruction is live and unused.
        unsafe { LLVMInstructionEraseFromParent(self.raw()) }
    }

    /// Makes every use of the instruction use `new` (of its type), then erases it.
    ///
    /// # Safety
    /// No copy of this handle is used afterwards.
    pub(crate) unsafe fn replace_with(self, new: Value<'a>) {
        self.replace_all_uses_with(new);
        // SAFETY: unused now; the caller promises the handle is not used again.
        unsafe { self.erase() }
    }
}

/// A call site: a `call` or an `invoke` instruction.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) struct Call<'a>(Instruction<'a>);

impl<'a> Deref for Call<'a> {
    type Target = Instruction<'a>;
    fn deref(&self) -> &Instruction<'a> {
        &self.0
    }
}

impl<'a> Call<'a> {
    /// The called value (a function, a pointer, inline assembly).
    pub(crate) fn called_value(self) -> Value<'a> {
        // SAFETY: a live call site.
        Value::from_raw(unsafe { LLVMGetCalledValue(self.raw()) })
    }

    /// The directly called function (None for an indirect call).
    pub(crate) fn callee(self) -> Option<Function<'a>> {
        self.called_value().as_function()
    }

    /// The name of the directly called function (None for an indirect call).
    pub(crate) fn callee_name(self) -> Option<String> {
        self.callee().map(|f| f.name())
    }

    /// The function type the call is made with.
    pub(crate) fn function_type(self) -> Type<'a> {
        // SAFETY: a live call site.
        Type::from_raw(unsafe { LLVMGetCalledFunctionType(self.raw()) })
    }

    /// The arguments, in order.
    pub(crate) fn args(self) -> Vec<Value<'a>> {
        // SAFETY: a live call site; its first `count` operands are the arguments.
        let count = unsafe { LLVMGetNumArgOperands(self.raw()) };
        (0..count).map(|i| self.operand(i)).collect()
    }

    /// The calling convention.
    pub(crate) fn call_conv(self) -> u32 {
        // SAFETY: a live call site.
        unsafe { LLVMGetInstructionCallConv(self.raw()) }
    }

    /// Sets the calling convention.
    pub(crate) fn set_call_conv(self, conv: u32) {
        // SAFETY: a live call site.
        unsafe { LLVMSetInstructionCallConv(self.raw(), conv) }
    }

    /// The `tail`/`musttail`/`notail` marker of a `call` (None for an `invoke`).
    pub(crate) fn tail_call_kind(self) -> Option<TailCallKind> {
        // SAFETY: a live `call` instruction.
        self.as_call()
            .map(|_| unsafe { LLVMGetTailCallKind(self.raw()) })
    }

    /// Sets the tail-call marker of a `call` (an `invoke` has none: nothing happens).
    pub(crate) fn set_tail_call_kind(self, kind: TailCallKind) {
        if self.as_call().is_some() {
            // SAFETY: a live `call` instruction.
            unsafe { LLVMSetTailCallKind(self.raw(), kind) }
        }
    }

    /// The attributes at `index` (see [`super::FUNCTION_INDEX`]).
    pub(crate) fn attributes(self, index: u32) -> Vec<Attribute<'a>> {
        // SAFETY: a live call site; `out` has room for `count` attributes.
        unsafe {
            let count = LLVMGetCallSiteAttributeCount(self.raw(), index) as usize;
            let mut out = vec![std::ptr::null_mut(); count];
            if count > 0 {
                LLVMGetCallSiteAttributes(self.raw(), index, out.as_mut_ptr());
            }
            out.into_iter().map(Attribute::from_raw).collect()
        }
    }

    /// The enum attribute of kind `kind` at `index`, if present.
    pub(crate) fn enum_attribute(self, index: u32, kind: u32) -> Option<Attribute<'a>> {
        // SAFETY: a live call site; a missing attribute is null.
        let raw = unsafe { LLVMGetCallSiteEnumAttribute(self.raw(), index, kind) };
        (!raw.is_null()).then(|| Attribute::from_raw(raw))
    }

    /// Adds `attribute` at `index`.
    pub(crate) fn add_attribute(self, index: u32, attribute: Attribute<'a>) {
        // SAFETY: a live call site and an attribute of its context.
        unsafe { LLVMAddCallSiteAttribute(self.raw(), index, attribute.raw) }
    }
}

/// A global value: a function, a global variable or an alias.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) struct Global<'a>(Value<'a>);

impl<'a> Deref for Global<'a> {
    type Target = Value<'a>;
    fn deref(&self) -> &Value<'a> {
        &self.0
    }
}

impl<'a> Global<'a> {
    /// Wraps a global value handle of a module alive for `'a`.
    pub(super) fn from_raw(raw: LLVMValueRef) -> Global<'a> {
        Global(Value::from_raw(raw))
    }

    /// The global as a plain value (its address).
    pub(crate) fn value(self) -> Value<'a> {
        self.0
    }

    /// Whether it is only declared here (defined elsewhere).
    pub(crate) fn is_declaration(self) -> bool {
        // SAFETY: a live global value.
        unsafe { LLVMIsDeclaration(self.raw()) != 0 }
    }

    /// The linkage.
    pub(crate) fn linkage(self) -> Linkage {
        // SAFETY: a live global value.
        unsafe { LLVMGetLinkage(self.raw()) }
    }

    /// Sets the linkage.
    pub(crate) fn set_linkage(self, linkage: Linkage) {
        // SAFETY: a live global value.
        unsafe { LLVMSetLinkage(self.raw(), linkage) }
    }

    /// Sets the visibility.
    pub(crate) fn set_visibility(self, visibility: Visibility) {
        // SAFETY: a live global value.
        unsafe { LLVMSetVisibility(self.raw(), visibility) }
    }

    /// Sets both linkage and visibility.
    pub(crate) fn set_linkage_visibility(self, linkage: Linkage, visibility: Visibility) {
        self.set_linkage(linkage);
        self.set_visibility(visibility);
    }

    /// The type of what it holds (a function's type, a variable's value type).
    pub(crate) fn value_type(self) -> Type<'a> {
        // SAFETY: a live global value.
        Type::from_raw(unsafe { LLVMGlobalGetValueType(self.raw()) })
    }

    fn is_variable(self) -> bool {
        // SAFETY: a live value, only inspected.
        !unsafe { LLVMIsAGlobalVariable(self.raw()) }.is_null()
    }

    /// A global variable's initial value (None for a declaration or another kind).
    pub(crate) fn initializer(self) -> Option<Value<'a>> {
        if !self.is_variable() {
            return None;
        }
        // SAFETY: a live global variable.
        Value::maybe(unsafe { LLVMGetInitializer(self.raw()) })
    }

    /// Whether a global variable is `constant` (false for other kinds).
    pub(crate) fn is_constant_variable(self) -> bool {
        // SAFETY: a live global variable.
        self.is_variable() && unsafe { LLVMIsGlobalConstant(self.raw()) } != 0
    }

    /// Whether a global variable is thread-local (false for other kinds).
    pub(crate) fn is_thread_local(self) -> bool {
        // SAFETY: a live global variable.
        self.is_variable() && unsafe { LLVMIsThreadLocal(self.raw()) } != 0
    }
}

/// A function.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) struct Function<'a>(Global<'a>);

impl<'a> Deref for Function<'a> {
    type Target = Global<'a>;
    fn deref(&self) -> &Global<'a> {
        &self.0
    }
}

impl<'a> Function<'a> {
    /// Wraps a function handle of a module alive for `'a`.
    pub(super) fn from_raw(raw: LLVMValueRef) -> Function<'a> {
        Function(Global::from_raw(raw))
    }

    /// Parameter `index`.
    ///
    /// # Panics
    /// If the function has no such parameter (a bug in the caller).
    pub(crate) fn param(self, index: u32) -> Value<'a> {
        // SAFETY: a live function.
        let count = unsafe { LLVMCountParams(self.raw()) };
        assert!(
            index < count,
            "parameter {index} of a function with {count}"
        );
        // SAFETY: a live function with more than `index` parameters.
        Value::from_raw(unsafe { LLVMGetParam(self.raw(), index) })
    }

    /// The basic blocks, in order (empty for a declaration).
    pub(crate) fn blocks(self) -> Vec<BasicBlock<'a>> {
        let mut out = Vec::new();
        // SAFETY: walking the live function's block list without modifying it.
        unsafe {
            let mut bb = LLVMGetFirstBasicBlock(self.raw());
            while !bb.is_null() {
                out.push(BasicBlock::from_raw(bb));
                bb = LLVMGetNextBasicBlock(bb);
            }
        }
        out
    }

    /// The entry block (None for a declaration).
    pub(crate) fn entry_block(self) -> Option<BasicBlock<'a>> {
        self.blocks().into_iter().next()
    }

    /// The instructions, in block order (collected, so callers may rewrite).
    pub(crate) fn instructions(self) -> Vec<Instruction<'a>> {
        self.blocks()
            .into_iter()
            .flat_map(BasicBlock::instructions)
            .collect()
    }

    /// The calling convention.
    pub(crate) fn call_conv(self) -> u32 {
        // SAFETY: a live function.
        unsafe { LLVMGetFunctionCallConv(self.raw()) }
    }

    /// Sets the calling convention.
    pub(crate) fn set_call_conv(self, conv: u32) {
        // SAFETY: a live function.
        unsafe { LLVMSetFunctionCallConv(self.raw(), conv) }
    }

    /// The attributes at `index` (see [`super::FUNCTION_INDEX`]).
    pub(crate) fn attributes(self, index: u32) -> Vec<Attribute<'a>> {
        // SAFETY: a live function; `out` has room for `count` attributes.
        unsafe {
            let count = LLVMGetAttributeCountAtIndex(self.raw(), index) as usize;
            let mut out = vec![std::ptr::null_mut(); count];
            if count > 0 {
                LLVMGetAttributesAtIndex(self.raw(), index, out.as_mut_ptr());
            }
            out.into_iter().map(Attribute::from_raw).collect()
        }
    }

    /// The enum attribute of kind `kind` at `index`, if present.
    pub(crate) fn enum_attribute(self, index: u32, kind: u32) -> Option<Attribute<'a>> {
        // SAFETY: a live function; a missing attribute is null.
        let raw = unsafe { LLVMGetEnumAttributeAtIndex(self.raw(), index, kind) };
        (!raw.is_null()).then(|| Attribute::from_raw(raw))
    }

    /// Adds `attribute` at `index`.
    pub(crate) fn add_attribute(self, index: u32, attribute: Attribute<'a>) {
        // SAFETY: a live function and an attribute of its context.
        unsafe { LLVMAddAttributeAtIndex(self.raw(), index, attribute.raw) }
    }

    /// Moves the debug-info subprogram (if any) from this function to `to`.
    pub(crate) fn move_subprogram_to(self, to: Function<'a>) {
        use llvm_sys::debuginfo::{LLVMGetSubprogram, LLVMSetSubprogram};
        // SAFETY: two live functions; the subprogram node is only re-attached.
        unsafe {
            let sp = LLVMGetSubprogram(self.raw());
            if !sp.is_null() {
                LLVMSetSubprogram(to.raw(), sp);
                LLVMSetSubprogram(self.raw(), std::ptr::null_mut());
            }
        }
    }

    /// Removes the function from its module and frees it.
    ///
    /// # Safety
    /// Nothing uses the function any more, and no copy of this handle (nor of its
    /// parameters, blocks or instructions) is used afterwards.
    pub(crate) unsafe fn delete(self) {
        // SAFETY: the caller's promise.
        unsafe { LLVMDeleteFunction(self.raw()) }
    }
}

/// A basic block.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) struct BasicBlock<'a> {
    raw: LLVMBasicBlockRef,
    _tag: Tag<'a>,
}

impl<'a> BasicBlock<'a> {
    pub(super) fn from_raw(raw: LLVMBasicBlockRef) -> BasicBlock<'a> {
        assert!(!raw.is_null(), "LLVM returned no block");
        BasicBlock {
            raw,
            _tag: Tag::default(),
        }
    }

    pub(super) fn raw(self) -> LLVMBasicBlockRef {
        self.raw
    }

    /// The function holding the block.
    pub(crate) fn function(self) -> Function<'a> {
        // SAFETY: a live block inside a function.
        Function::from_raw(unsafe { LLVMGetBasicBlockParent(self.raw) })
    }

    /// The instructions, in order.
    pub(crate) fn instructions(self) -> Vec<Instruction<'a>> {
        let mut out = Vec::new();
        // SAFETY: walking the live block's instructions without modifying them.
        unsafe {
            let mut i = LLVMGetFirstInstruction(self.raw);
            while !i.is_null() {
                out.push(Instruction(Value::from_raw(i)));
                i = LLVMGetNextInstruction(i);
            }
        }
        out
    }

    /// The first instruction (None for an empty block).
    pub(crate) fn first_instruction(self) -> Option<Instruction<'a>> {
        // SAFETY: a live block.
        Value::maybe(unsafe { LLVMGetFirstInstruction(self.raw) }).map(Instruction)
    }

    /// Moves the block from its function to the end of `to`.
    pub(crate) fn move_to_end_of(self, to: Function<'a>) {
        // SAFETY: a live block, unlinked and then appended to a live function.
        unsafe {
            LLVMRemoveBasicBlockFromParent(self.raw);
            LLVMAppendExistingBasicBlock(to.raw(), self.raw);
        }
    }
}

/// An attribute of a function, a parameter, a return value or a call site.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) struct Attribute<'a> {
    raw: LLVMAttributeRef,
    _tag: Tag<'a>,
}

impl<'a> Attribute<'a> {
    pub(super) fn from_raw(raw: LLVMAttributeRef) -> Attribute<'a> {
        assert!(!raw.is_null(), "LLVM returned no attribute");
        Attribute {
            raw,
            _tag: Tag::default(),
        }
    }

    /// The kind of an enum attribute (None for string and type attributes).
    pub(crate) fn enum_kind(self) -> Option<u32> {
        // SAFETY: a live attribute; the kind is read only from an enum attribute.
        unsafe { (LLVMIsEnumAttribute(self.raw) != 0).then(|| LLVMGetEnumAttributeKind(self.raw)) }
    }

    /// The integer value of an enum attribute (`align 8` → 8; 0 for others).
    pub(crate) fn enum_value(self) -> u64 {
        // SAFETY: a live attribute; the value is read only from an enum attribute.
        unsafe {
            if LLVMIsEnumAttribute(self.raw) != 0 {
                LLVMGetEnumAttributeValue(self.raw)
            } else {
                0
            }
        }
    }
}

/// The kind number LLVM gives the enum attribute `name` (0 if there is none).
pub(crate) fn attribute_kind(name: &str) -> u32 {
    // SAFETY: the bytes are valid for the call.
    unsafe { LLVMGetEnumAttributeKindForName(name.as_ptr().cast(), name.len()) }
}
