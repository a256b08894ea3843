//! The LLVM context: owns every module, type and value made in it, and collects the
//! diagnostics LLVM reports while it works.

use std::cell::RefCell;
use std::ffi::{c_void, CStr};
use std::marker::PhantomData;
use std::ptr;

use llvm_sys::bit_reader::LLVMParseBitcodeInContext2;
use llvm_sys::core::*;
use llvm_sys::prelude::*;
use llvm_sys::LLVMDiagnosticSeverity;
use thiserror::Error;

use super::{c_name, Module};
use crate::diagnostics::Severity;
use crate::inputs::BitcodeInput;

type Sink = RefCell<Vec<(Severity, String)>>;

/// An owned LLVM context. Dropping it frees every module in it.
pub(crate) struct Context {
    raw: LLVMContextRef,
    /// Where [`on_diagnostic`] writes; boxed so its address stays fixed while LLVM holds
    /// it, and dropped only after the context (fields drop after `Drop::drop`).
    sink: Box<Sink>,
}

/// Why bitcode could not be loaded.
#[derive(Debug, Error)]
pub(crate) enum LoadError {
    /// An input is not (readable) LLVM bitcode.
    #[error("`{name}` is not LLVM bitcode: {message}")]
    Bitcode {
        /// The input.
        name: String,
        /// LLVM's reason.
        message: String,
    },
    /// LLVM's linker refused a module (its diagnostics say why).
    #[error("linking `{0}` failed")]
    Link(String),
}

extern "C" fn on_diagnostic(info: LLVMDiagnosticInfoRef, context: *mut c_void) {
    // SAFETY: `context` is the `Sink` a live `Context` installed (see `Context::new`);
    // `info` is valid for the duration of this callback.
    let (sink, severity, text) = unsafe {
        let sink = &*(context as *const Sink);
        let severity = match LLVMGetDiagInfoSeverity(info) {
            LLVMDiagnosticSeverity::LLVMDSError => Severity::Error,
            LLVMDiagnosticSeverity::LLVMDSWarning => Severity::Warning,
            LLVMDiagnosticSeverity::LLVMDSRemark => Severity::Remark,
            LLVMDiagnosticSeverity::LLVMDSNote => Severity::Note,
        };
        let raw = LLVMGetDiagInfoDescription(info);
        let text = CStr::from_ptr(raw).to_string_lossy().into_owned();
        LLVMDisposeMessage(raw);
        (sink, severity, text)
    };
    if let Ok(mut sink) = sink.try_borrow_mut() {
        sink.push((severity, text));
    }
}

impl Context {
    /// A new context whose diagnostics are collected (see [`Context::take_diagnostics`]).
    pub(crate) fn new() -> Context {
        let sink: Box<Sink> = Box::default();
        // SAFETY: plain constructor; the handler's context pointer is the boxed sink, which
        // outlives the LLVM context (disposed in `drop` before the fields).
        let raw = unsafe {
            let raw = LLVMContextCreate();
            LLVMContextSetDiagnosticHandler(
                raw,
                Some(on_diagnostic),
                &*sink as *const Sink as *mut c_void,
            );
            raw
        };
        Context { raw, sink }
    }

    pub(super) fn raw(&self) -> LLVMContextRef {
        self.raw
    }

    /// Every diagnostic reported so far, oldest first; the list starts empty again.
    pub(crate) fn take_diagnostics(&self) -> Vec<(Severity, String)> {
        std::mem::take(&mut *self.sink.borrow_mut())
    }

    /// A new empty module named `name`.
    pub(crate) fn create_module(&self, name: &str) -> Module<'_> {
        let name = c_name(name);
        // SAFETY: a valid C string; the module belongs to this live context.
        let raw = unsafe { LLVMModuleCreateWithNameInContext(name.as_ptr(), self.raw) };
        Module::from_raw(raw, self)
    }

    /// Parses one bitcode input into a new module of this context.
    pub(crate) fn parse(&self, input: &BitcodeInput) -> Result<Module<'_>, LoadError> {
        let name = c_name(&input.name);
        let mut parsed: LLVMModuleRef = ptr::null_mut();
        // SAFETY: the buffer copies `input.bytes` and is disposed here, since
        // ParseBitcodeInContext2 does not take it; `parsed` is an out-pointer.
        let failed = unsafe {
            let buffer = LLVMCreateMemoryBufferWithMemoryRangeCopy(
                input.bytes.as_ptr().cast(),
                input.bytes.len(),
                name.as_ptr(),
            );
            let failed = LLVMParseBitcodeInContext2(self.raw, buffer, &mut parsed);
            LLVMDisposeMemoryBuffer(buffer);
            failed
        };
        if failed != 0 || parsed.is_null() {
            let message = self
                .take_diagnostics()
                .into_iter()
                .map(|(_, t)| t)
                .collect::<Vec<_>>()
                .join("; ");
            return Err(LoadError::Bitcode {
                name: input.name.clone(),
                message,
            });
        }
        Ok(Module::from_raw(parsed, self))
    }

    /// The one bitcode loader: every input parsed and linked, in order, into a new module
    /// named `name`.
    pub(crate) fn load(
        &self,
        name: &str,
        inputs: &[BitcodeInput],
    ) -> Result<Module<'_>, LoadError> {
        let module = self.create_module(name);
        for input in inputs {
            let parsed = self.parse(input)?;
            module
                .link_in(parsed)
                .map_err(|()| LoadError::Link(input.name.clone()))?;
        }
        Ok(module)
    }
}

impl Drop for Context {
    fn drop(&mut self) {
        // SAFETY: created by `LLVMContextCreate` and disposed once; the modules in it go
        // with it, and no handle outlives the borrow of `self` it was made from.
        unsafe { LLVMContextDispose(self.raw) }
    }
}

/// Marks a handle as borrowed from a module or context for `'a`.
pub(super) type Tag<'a> = PhantomData<&'a ()>;
