//! The linker's policy on LLVM's diagnostics: which are known to be harmless, and which
//! must fail the build with a message a contract author can act on.
//!
//! LLVM 22's BPF backend reports several things as errors yet emits code anyway; some of
//! that code is correct (calls to `memcpy` & co., which the relinker resolves to the TAKO
//! mem syscalls; "aggregate returns", whose code is correct) and some is silently wrong
//! (more than five arguments, signed division, helper libcalls that do not exist in the
//! VM). Only the first kind may pass.

use crate::relink::{demangle, syscall_for};

/// LLVM's severity levels, as the C API reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// An error.
    Error,
    /// A warning.
    Warning,
    /// A remark.
    Remark,
    /// A note.
    Note,
}

/// What the linker does with one diagnostic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Known harmless: the emitted code is correct. Carries a short reason for `--verbose`.
    Allowed(&'static str),
    /// Not an error: printed as a warning, the build goes on.
    Warn(String),
    /// The emitted code would be wrong or would not load: the build fails with this text.
    Fatal(String),
}

/// Splits the `in function NAME TYPE: MESSAGE` form the BPF backend uses into the
/// function's (demangled) name and the message.
fn split_function(text: &str) -> (Option<String>, &str) {
    let Some(start) = text.find("in function ") else {
        return (None, text);
    };
    let rest = &text[start + "in function ".len()..];
    let name_end = rest.find(' ').unwrap_or(rest.len());
    let name = demangle(&rest[..name_end]);
    // The type ends at the first ": " after the parameter list's closing parenthesis.
    let after_type = rest
        .find("): ")
        .map(|i| &rest[i + 3..])
        .or_else(|| rest.find(": ").map(|i| &rest[i + 2..]))
        .unwrap_or(rest);
    (Some(name), after_type.trim())
}

/// The name of a built-in function LLVM could not call, if this is such a diagnostic.
fn unsupported_builtin(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("A call to built-in function '")?;
    rest.split('\'').next()
}

/// Classifies one diagnostic, with no helper linked into the program.
pub fn classify(severity: Severity, text: &str) -> Verdict {
    classify_with(severity, text, &[])
}

/// Classifies one diagnostic. `linked_helpers` are the libcall names the linker defined in
/// the program (the soft-float helpers from `compiler_builtins`): LLVM's BPF backend reports
/// every libcall as "not supported", yet calls to a function the program defines are
/// correct (the relinker resolves them like any internal call).
pub fn classify_with(severity: Severity, text: &str, linked_helpers: &[String]) -> Verdict {
    if severity != Severity::Error {
        return match severity {
            Severity::Warning => Verdict::Warn(text.to_string()),
            _ => Verdict::Allowed("not an error"),
        };
    }
    let (function, message) = split_function(text);
    let place = function
        .map(|f| format!("in `{f}`"))
        .unwrap_or_else(|| "in the program".to_string());
    if let Some(builtin) = unsupported_builtin(message) {
        if syscall_for(builtin).is_some() {
            return Verdict::Allowed("memory libcall, resolved to a TAKO mem syscall");
        }
        if linked_helpers.iter().any(|h| h == builtin) {
            return Verdict::Allowed("soft-float helper linked from compiler_builtins");
        }
        let reason = if builtin.contains("ti") && builtin.ends_with('3') || builtin.contains("oti4")
        {
            "it needs a 128-bit integer helper whose two-register result BPF cannot return, \
             for an operation the linker does not expand (it expands i128 mul, div, rem, \
             shifts and checked u128 multiplication)"
        } else if builtin.ends_with("df3")
            || builtin.ends_with("sf3")
            || builtin.ends_with("f2")
            || builtin.contains("float")
            || builtin.contains("fix")
        {
            "it needs a floating-point helper that compiler_builtins does not provide for \
             this target (or an f128/f16 operation)"
        } else {
            "neither the VM nor compiler_builtins provides that function (a libm function \
             such as `sqrt` is linked only when compiler_builtins has it)"
        };
        return Verdict::Fatal(format!(
            "cannot compile {place} for the TAKO VM: it calls `{builtin}`, and {reason}"
        ));
    }
    if message.contains("aggregate returns are not supported") {
        return Verdict::Allowed("aggregate return: the emitted code is correct");
    }
    if message.contains("BPF stack limit") {
        return Verdict::Fatal(format!(
            "cannot compile {place} for the TAKO VM: its stack frame is larger than the {} \
             bytes SBPF V0 gives each function (SBPF V3, `--arch v3`, allows {}); move the \
             large local to the heap (`Box`, `Vec`) or make it a `const`/`static` table",
            tako_abi::STACK_FRAME_SIZE,
            tako_abi::MAX_V3_FRAME
        ));
    }
    let reason = if message.contains("too many arguments")
        || message.contains("stack arguments are not supported")
    {
        "it calls or defines a function with more than five arguments, which BPF cannot \
         pass in registers (for example `core::fmt` formatting); pass a struct by reference"
    } else if message.contains("sdiv")
        || message.contains("srem")
        || message.contains("signed division")
    {
        "it uses signed division or remainder, which the VM's instruction set lacks at cpu v2; \
         divide unsigned values"
    } else {
        "LLVM's BPF backend refused it"
    };
    Verdict::Fatal(format!(
        "cannot compile {place} for the TAKO VM: {reason} (LLVM: {message})"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MEMCPY: &str = "<unknown>:0:0: in function entrypoint i64 (ptr): A call to built-in function 'memcpy' is not supported.";

    #[test]
    fn memcpy_libcall_is_allowed() {
        assert!(matches!(
            classify(Severity::Error, MEMCPY),
            Verdict::Allowed(_)
        ));
    }

    #[test]
    fn aggregate_return_is_allowed() {
        let text = "<unknown>:0:0: in function _ZN5alloc7raw_vec11finish_grow17h0011223344556677E void (ptr, i64): aggregate returns are not supported";
        assert!(matches!(
            classify(Severity::Error, text),
            Verdict::Allowed(_)
        ));
    }

    #[test]
    fn i128_helper_is_fatal_and_named() {
        let text = "<unknown>:0:0: in function _ZN4demo3mul17h0011223344556677E i128 (i128, i128): A call to built-in function '__multi3' is not supported.";
        let Verdict::Fatal(msg) = classify(Severity::Error, text) else {
            panic!("must be fatal")
        };
        assert!(msg.contains("`demo::mul`"), "{msg}");
        assert!(msg.contains("__multi3"), "{msg}");
        assert!(msg.contains("128-bit"), "{msg}");
    }

    #[test]
    fn too_many_arguments_is_fatal_with_function_name() {
        let text = "<unknown>:0:0: in function _ZN4core3fmt9Formatter12pad_integral17h0011223344556677E i1 (ptr, i1, ptr, i64, ptr, i64): too many arguments";
        let Verdict::Fatal(msg) = classify(Severity::Error, text) else {
            panic!("must be fatal")
        };
        assert!(
            msg.contains("`core::fmt::Formatter::pad_integral`"),
            "{msg}"
        );
        assert!(msg.contains("more than five arguments"), "{msg}");
    }

    const ADDDF3: &str = "<unknown>:0:0: in function _ZN4demo3add17h0011223344556677E double (double, double): A call to built-in function '__adddf3' is not supported.";

    #[test]
    fn linked_float_helper_is_allowed() {
        let linked = vec!["__adddf3".to_string(), "__muldf3".to_string()];
        assert!(matches!(
            classify_with(Severity::Error, ADDDF3, &linked),
            Verdict::Allowed(_)
        ));
    }

    #[test]
    fn float_helper_not_linked_is_fatal_and_named() {
        let linked = vec!["__muldf3".to_string()];
        let Verdict::Fatal(msg) = classify_with(Severity::Error, ADDDF3, &linked) else {
            panic!("must be fatal")
        };
        assert!(msg.contains("`demo::add`"), "{msg}");
        assert!(msg.contains("__adddf3"), "{msg}");
        assert!(msg.contains("floating-point"), "{msg}");
    }

    #[test]
    fn linking_a_helper_does_not_allow_other_errors() {
        let linked = vec!["__adddf3".to_string()];
        let text = "<unknown>:0:0: in function _ZN4demo3mul17h0011223344556677E void (ptr, i128, i128): only small returns supported";
        assert!(matches!(
            classify_with(Severity::Error, text, &linked),
            Verdict::Fatal(_)
        ));
    }

    #[test]
    fn unexpanded_i128_helpers_are_fatal_with_the_128_bit_reason() {
        for helper in ["__multi3", "__udivti3", "__ashlti3", "__muloti4"] {
            let text = format!(
                "<unknown>:0:0: in function _ZN4demo1f17h0011223344556677E void (ptr): A call to built-in function '{helper}' is not supported."
            );
            let Verdict::Fatal(msg) = classify_with(Severity::Error, &text, &[]) else {
                panic!("{helper} must be fatal")
            };
            assert!(msg.contains("128-bit"), "{helper}: {msg}");
            assert!(msg.contains(helper), "{msg}");
        }
    }

    #[test]
    fn unknown_libm_function_is_fatal_and_named() {
        let text = "<unknown>:0:0: in function _ZN4demo1f17h0011223344556677E double (double): A call to built-in function 'tgamma' is not supported.";
        let Verdict::Fatal(msg) = classify_with(Severity::Error, text, &[]) else {
            panic!("must be fatal")
        };
        assert!(msg.contains("tgamma"), "{msg}");
        assert!(msg.contains("compiler_builtins"), "{msg}");
    }

    #[test]
    fn unknown_errors_are_fatal() {
        assert!(matches!(
            classify(Severity::Error, "something new went wrong"),
            Verdict::Fatal(_)
        ));
    }

    #[test]
    fn warnings_pass_as_warnings() {
        assert!(matches!(classify(Severity::Warning, "w"), Verdict::Warn(_)));
    }
}
