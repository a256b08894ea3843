//! Calls and functions with more than five argument registers.
//!
//! BPF passes arguments in `r1`..`r5` only; LLVM 22 reports "too many arguments" / "stack
//! arguments are not supported" for more, and the code it emits anyway is wrong. After LTO
//! every function but `entrypoint` is internal, so the linker owns their calling
//! convention and changes it, for functions and for every call, direct or indirect:
//!
//! - A signature needs `Σ registers(param)` registers, where an integer of `N` bits takes
//!   `ceil(N/64)` (an `i128` takes two), a pointer or float one, anything else its size in
//!   8-byte words. Up to five: unchanged.
//! - More than five: the longest prefix of parameters that fits in **four** registers stays
//!   in registers; the remaining parameters are stored, in order, into an LLVM struct of
//!   their types (natural alignment) on the caller's stack frame (an `alloca` in the
//!   caller's entry block, one per caller and struct type), and a pointer to it is passed
//!   as the last argument. The callee loads them all at its entry, before anything else. The new signature is a function of the old parameter types
//!   only, so a function whose address escapes (a vtable slot, a `fn` pointer) and every
//!   indirect call with that signature agree without knowing each other.
//! - Calls keep their calling convention and attributes (return, function, and those of
//!   the parameters still in registers), minus `memory(...)` effects, which no longer hold
//!   when pointer arguments are read from the caller's frame; `tail` markers are dropped,
//!   since the callee now reads the caller's frame.
//!
//! Refused, with the function's name: an external declaration or exported definition with
//! more than five registers (the VM's syscalls take five; the entrypoint takes one), a
//! vararg signature, a `byval`/`inalloca`/`preallocated` parameter in the packed part, an
//! `invoke` or `musttail` call, and a function whose address is passed to external code.

use std::collections::HashMap;

use crate::llvm::{
    attribute_kind, Attribute, BasicBlock, Builder, Call, Function, Linkage, Module, TailCallKind,
    Type, TypeKind, Value, FUNCTION_INDEX,
};

/// Registers BPF passes arguments in.
pub const ARGUMENT_REGISTERS: u32 = 5;

/// How a signature with too many registers is rewritten.
struct Packing<'m> {
    /// The new function type: prefix parameters, then a pointer.
    new_ty: Type<'m>,
    /// How many leading parameters stay in registers.
    prefix: usize,
    /// The struct holding the remaining parameters.
    rest: Type<'m>,
    /// Registers the original signature needs.
    registers: u32,
}

/// Registers a parameter of type `ty` takes.
fn registers(module: &Module<'_>, ty: Type<'_>) -> u32 {
    match ty.kind() {
        TypeKind::LLVMIntegerTypeKind => ty.int_width().unwrap_or(64).div_ceil(64).max(1),
        TypeKind::LLVMPointerTypeKind
        | TypeKind::LLVMDoubleTypeKind
        | TypeKind::LLVMFloatTypeKind
        | TypeKind::LLVMHalfTypeKind => 1,
        _ => (module.abi_size(ty).div_ceil(8) as u32).max(1),
    }
}

/// The packing for `fn_ty`, or `None` when it fits in five registers.
fn packing<'m>(module: &'m Module<'_>, fn_ty: Type<'m>) -> Option<Packing<'m>> {
    let params = fn_ty.param_types();
    let total: u32 = params.iter().map(|&t| registers(module, t)).sum();
    if total <= ARGUMENT_REGISTERS {
        return None;
    }
    let mut used = 0;
    let mut prefix = 0;
    for &t in &params {
        let r = registers(module, t);
        if used + r > ARGUMENT_REGISTERS - 1 {
            break;
        }
        used += r;
        prefix += 1;
    }
    let rest = module.struct_type(&params[prefix..]);
    let mut new_params = params[..prefix].to_vec();
    new_params.push(module.ptr_type());
    Some(Packing {
        new_ty: fn_ty.return_type().function(&new_params),
        prefix,
        rest,
        registers: total,
    })
}

/// `attributes` without `memory(...)` (kind `memory`).
fn without_memory(attributes: Vec<Attribute<'_>>, memory: u32) -> Vec<Attribute<'_>> {
    attributes
        .into_iter()
        .filter(|a| a.enum_kind() != Some(memory))
        .collect()
}

/// Attribute indices kept: function, return, and the parameters still in registers.
fn kept_indices(prefix: usize) -> impl Iterator<Item = u32> {
    [FUNCTION_INDEX, 0].into_iter().chain(1..=prefix as u32)
}

/// Whether parameter `index` (0-based) of `f` carries an attribute that gives the pointer
/// copy semantics, which packing would lose.
fn has_copy_semantics(f: Function<'_>, index: usize) -> Option<&'static str> {
    ["byval", "inalloca", "preallocated"]
        .into_iter()
        .find(|name| {
            f.enum_attribute(index as u32 + 1, attribute_kind(name))
                .is_some()
        })
}

fn demangled(f: Function<'_>) -> String {
    crate::relink::demangle(&f.name())
}

/// The shared argument slot of each (caller entry block, packed struct type).
type Frames<'m> = HashMap<(BasicBlock<'m>, Type<'m>), Value<'m>>;

/// Rewrites call `call` (to `callee`, direct or not) to the packed convention.
///
/// All calls of one caller that pack the same struct type share one stack slot (an
/// `alloca` at the start of the caller's entry block, found again through `frames`): the
/// callee copies every packed argument out at its entry, before anything else runs, so
/// the slot is free again once a call starts. Without lifetime markers LLVM could not
/// overlap per-call slots, and a function with many such calls (`core::fmt` code) would
/// outgrow the 4 KiB frame.
fn rewrite_call<'m>(
    frames: &mut Frames<'m>,
    b: &Builder<'m>,
    call: Call<'m>,
    callee: Value<'m>,
    packing: &Packing<'m>,
    memory: u32,
) {
    // Blocks move with their function but are never freed here, so the key stays valid.
    let entry = call
        .function()
        .entry_block()
        .expect("a call is inside a defined function");
    let frame = *frames.entry((entry, packing.rest)).or_insert_with(|| {
        b.at_start(entry);
        b.alloca(packing.rest)
    });
    b.before(*call);
    let mut args = Vec::with_capacity(packing.prefix + 1);
    for (index, arg) in call.args().into_iter().enumerate() {
        if index < packing.prefix {
            args.push(arg);
        } else {
            let field = (index - packing.prefix) as u32;
            b.store(arg, b.struct_gep(packing.rest, frame, field));
        }
    }
    args.push(frame);
    let new = b.call(packing.new_ty, callee, &args);
    new.set_call_conv(call.call_conv());
    for index in kept_indices(packing.prefix) {
        for a in without_memory(call.attributes(index), memory) {
            new.add_attribute(index, a);
        }
    }
    new.set_tail_call_kind(TailCallKind::LLVMTailCallKindNone);
    // SAFETY: the new call has the old one's result type; `call` is not used again.
    unsafe { call.replace_with(new.value()) };
}

/// Moves `f`'s body into a new function with the packed signature, rewrites its direct
/// calls, and points every other use (vtables, `fn` pointers) at the new function.
fn rewrite_function<'m>(
    module: &'m Module<'_>,
    frames: &mut Frames<'m>,
    b: &Builder<'m>,
    f: Function<'m>,
    packing: &Packing<'m>,
    memory: u32,
) -> Result<(), String> {
    let name = f.name();
    let params = f.value_type().param_types();
    for index in packing.prefix..params.len() {
        if let Some(attr) = has_copy_semantics(f, index) {
            return Err(format!(
                "cannot compile `{}` for the TAKO VM: it takes more than five argument \
                 registers and its parameter {} is `{attr}`, which the linker cannot pass \
                 through the caller's frame",
                demangled(f),
                index + 1
            ));
        }
    }
    // Uses: direct calls are rewritten; others must not reach external code.
    let mut direct = Vec::new();
    for user in f.users() {
        if user.as_invoke().is_some() {
            return Err(format!(
                "cannot compile `{}` for the TAKO VM: it is invoked with unwinding and \
                 takes more than five argument registers",
                demangled(f)
            ));
        }
        let Some(call) = user.as_call() else {
            continue;
        };
        if call.called_value() == f.value() {
            if call.function_type() != f.value_type() {
                return Err(format!(
                    "cannot compile `{}` for the TAKO VM: it takes more than five argument \
                     registers and is called with a different signature",
                    demangled(f)
                ));
            }
            if call.tail_call_kind() == Some(TailCallKind::LLVMTailCallKindMustTail) {
                return Err(format!(
                    "cannot compile `{}` for the TAKO VM: a `musttail` call passes it more \
                     than five argument registers",
                    demangled(f)
                ));
            }
            direct.push(call);
        } else if let Some(target) = call.callee() {
            let target_name = target.name();
            if target.is_declaration() && !target_name.starts_with("llvm.") {
                return Err(format!(
                    "cannot compile `{}` for the TAKO VM: it takes more than five \
                     argument registers and its address is passed to external `{}`, \
                     whose calls the linker cannot rewrite",
                    demangled(f),
                    target_name
                ));
            }
        }
    }
    // The new function gets `f`'s blocks (moved, not copied); its parameters' uses are
    // replaced by values of the same types; direct calls are rewritten before `f`'s
    // remaining uses move to the new function (same pointer type).
    let g = module.add_function(&format!("{name}.tako.packed"), packing.new_ty);
    g.set_linkage(Linkage::LLVMInternalLinkage);
    g.set_call_conv(f.call_conv());
    for index in kept_indices(packing.prefix) {
        for a in without_memory(f.attributes(index), memory) {
            g.add_attribute(index, a);
        }
    }
    f.move_subprogram_to(g);
    for bb in f.blocks() {
        bb.move_to_end_of(g);
    }
    let entry = g.entry_block().expect("`f` is a definition");
    b.at_start(entry);
    let frame = g.param(packing.prefix as u32);
    for (index, &ty) in params.iter().enumerate() {
        let old = f.param(index as u32);
        let new = if index < packing.prefix {
            g.param(index as u32)
        } else {
            let field = (index - packing.prefix) as u32;
            b.load(ty, b.struct_gep(packing.rest, frame, field))
        };
        old.replace_all_uses_with(new);
    }
    for call in direct {
        rewrite_call(frames, b, call, g.value(), packing, memory);
    }
    f.replace_all_uses_with(g.value());
    // SAFETY: `f` has no uses and no body left, and its handle is not used again.
    unsafe { f.delete() };
    g.set_name(&name);
    Ok(())
}

/// Rewrites every function and call that needs more than five argument registers;
/// returns how many functions and indirect calls were rewritten, or the refusals.
pub(super) fn lower(module: &Module<'_>) -> Result<(usize, usize), Vec<String>> {
    let memory = attribute_kind("memory");
    let b = module.builder();
    let mut frames = Frames::new();
    let mut refusals = Vec::new();
    let mut functions = 0;
    for f in module.functions() {
        let name = f.name();
        if name.starts_with("llvm.") {
            continue;
        }
        let fn_ty = f.value_type();
        let Some(packing) = packing(module, fn_ty) else {
            continue;
        };
        let internal = matches!(
            f.linkage(),
            Linkage::LLVMInternalLinkage | Linkage::LLVMPrivateLinkage
        );
        if f.is_declaration() {
            if f.has_uses() {
                refusals.push(format!(
                    "cannot compile calls to external `{name}` for the TAKO VM: it takes {} \
                     argument registers and BPF passes five (TAKO syscalls take at most five)",
                    packing.registers
                ));
            }
            continue;
        }
        let vararg = fn_ty.is_vararg();
        if !internal || vararg {
            refusals.push(format!(
                "cannot compile `{}` for the TAKO VM: it takes {} argument registers, BPF \
                 passes five, and {}",
                demangled(f),
                packing.registers,
                if vararg {
                    "it is variadic"
                } else {
                    "it is exported, so the linker cannot change how it is called"
                }
            ));
            continue;
        }
        match rewrite_function(module, &mut frames, &b, f, &packing, memory) {
            Ok(()) => functions += 1,
            Err(e) => refusals.push(e),
        }
    }
    // Indirect calls (vtables, `fn` pointers) with too many registers.
    let mut indirect = 0;
    for i in module.instructions() {
        let Some(call) = i.as_call().or_else(|| i.as_invoke()) else {
            continue;
        };
        let callee = call.called_value();
        if callee.as_function().is_some() || callee.is_inline_asm() {
            continue;
        }
        let Some(packing) = packing(module, call.function_type()) else {
            continue;
        };
        let caller = demangled(call.function());
        if call.as_invoke().is_some() || call.function_type().is_vararg() {
            refusals.push(format!(
                "cannot compile `{caller}` for the TAKO VM: it makes an indirect call with \
                 {} argument registers the linker cannot rewrite (invoke or variadic)",
                packing.registers
            ));
            continue;
        }
        if call.tail_call_kind() == Some(TailCallKind::LLVMTailCallKindMustTail) {
            refusals.push(format!(
                "cannot compile `{caller}` for the TAKO VM: a `musttail` indirect call \
                 passes {} argument registers",
                packing.registers
            ));
            continue;
        }
        rewrite_call(&mut frames, &b, call, callee, &packing, memory);
        indirect += 1;
    }
    if refusals.is_empty() {
        Ok((functions, indirect))
    } else {
        Err(refusals)
    }
}
