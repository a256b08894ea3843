//! The verifier's refusals in the VM's own words. solana-sbpf and tos-tbpf run the same
//! requisite verifier; their `VerifierError`s share variants, not a type, and word them
//! for the VM's developers ("LD_DW", "insn #", a shift's operands swapped). A
//! [`Rejection`] says which instruction, in which function, what is wrong with it and
//! what the verifier accepts instead.

use std::fmt;

/// What the verifier found wrong, with what it accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyProblem {
    /// `.text` is not a whole number of instructions.
    #[error("the code is not a whole number of 8-byte instructions")]
    PartialInstruction,
    /// `.text` is empty.
    #[error("the program has no instructions")]
    NoCode,
    /// A program over the verifier's size limit.
    #[error("the program is too large ({0} bytes)")]
    TooLarge(usize),
    /// A division or remainder by the immediate 0.
    #[error(
        "divides by the constant 0: a division or remainder by an immediate needs a non-zero one"
    )]
    DivisionByZero,
    /// `le`/`be` with a width other than 16, 32 or 64.
    #[error("swaps bytes at an unsupported width: 16, 32 and 64 bits are accepted")]
    ByteSwapWidth,
    /// The code ends in the first half of an `lddw`.
    #[error("the code ends in the first half of a 16-byte lddw instruction")]
    LddwAtEnd,
    /// An `lddw` whose second half is not the empty instruction it must be.
    #[error("an lddw whose second 8 bytes are not its second half (opcode 0)")]
    IncompleteLddw,
    /// A jump to itself.
    #[error("jumps to itself")]
    InfiniteLoop,
    /// A jump outside the program, or (V3) outside its own function.
    #[error("jumps to instruction #{target}, where it may not: a jump stays inside the program (V0) and inside the function it is in (V3)")]
    JumpOutside {
        /// The jump's target.
        target: usize,
    },
    /// A jump into the second half of an `lddw`.
    #[error("jumps to instruction #{target}, the second half of an lddw")]
    JumpIntoLddw {
        /// The jump's target.
        target: usize,
    },
    /// A source register above `r10`.
    #[error("reads a register that does not exist: r0 to r10 are accepted")]
    SourceRegister,
    /// A write to the frame pointer.
    #[error("writes r10, the frame pointer, which only a frame-sizing add64 may change (V3)")]
    WritesFramePointer,
    /// A destination register above `r10`.
    #[error("writes a register that does not exist: r0 to r9 are writable")]
    DestinationRegister,
    /// An opcode the program's SBPF version does not have.
    #[error("has opcode {opcode:#04x}, which the program's SBPF version does not have")]
    UnknownOpcode {
        /// The opcode byte.
        opcode: u8,
    },
    /// A shift by a constant at or past the value's width.
    #[error("shifts a {width}-bit value by {by}: a shift by a constant must be below the width")]
    ShiftOverflow {
        /// Bits of the shifted value.
        width: u64,
        /// The shift's immediate.
        by: u64,
    },
    /// A `callx` through a register that does not exist.
    #[error("calls through a register that does not exist: r0 to r9 are accepted")]
    CallRegister,
    /// V3: a function that does not start with a frame marker, does not end with `exit`
    /// or `ja`, or a call to something that is not a function's start.
    #[error("is not where a function starts or ends as V3 requires: every function starts with its frame marker (add64 r10, -N), ends with exit or ja, and calls go to a function's start")]
    Function,
    /// A static syscall call whose hash names no syscall of the VM.
    #[error("calls syscall hash {hash:#010x}, which names no syscall of the TAKO ABI")]
    UnknownSyscall {
        /// The `call` immediate.
        hash: u32,
    },
    /// A frame-sizing `add64 r10, imm` whose immediate is not a multiple of 64.
    #[error("sizes a stack frame by a multiple other than 64 bytes")]
    UnalignedFrame,
}

/// A program the verifier refused: the instruction, its function when the file names it,
/// and the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// Index of the instruction in `.text`, when the problem is at one.
    pub instruction: Option<usize>,
    /// The function holding it, from the file's symbols.
    pub function: Option<String>,
    /// What is wrong.
    pub problem: VerifyProblem,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(i) = self.instruction {
            write!(f, "instruction #{i} of .text")?;
            if let Some(name) = &self.function {
                write!(f, " (in {name})")?;
            }
            write!(f, " ")?;
        }
        write!(f, "{}", self.problem)
    }
}

impl Rejection {
    /// The rejection of `so` for `problem` at `instruction`, naming its function.
    pub(crate) fn of(so: &[u8], instruction: Option<usize>, problem: VerifyProblem) -> Self {
        let function = instruction.and_then(|i| crate::symbols::function_at(so, i as u64));
        Rejection {
            instruction,
            function,
            problem,
        }
    }
}

/// `fn rejection`: an engine crate's `VerifierError` for `so` as a [`Rejection`].
macro_rules! rejection_from {
    ($error:ty) => {
        /// The verifier's refusal of `so`, in the VM's words.
        fn rejection(so: &[u8], err: $error) -> $crate::verify::Rejection {
            use $crate::verify::{Rejection, VerifyProblem as P};
            type E = $error;
            let (at, problem) = match err {
                E::ProgramLengthNotMultiple => (None, P::PartialInstruction),
                E::ProgramTooLarge(n) => (None, P::TooLarge(n)),
                E::NoProgram => (None, P::NoCode),
                E::DivisionByZero(i) => (Some(i), P::DivisionByZero),
                E::UnsupportedLEBEArgument(i) => (Some(i), P::ByteSwapWidth),
                E::LDDWCannotBeLast => (None, P::LddwAtEnd),
                E::IncompleteLDDW(i) => (Some(i), P::IncompleteLddw),
                E::InfiniteLoop(i) => (Some(i), P::InfiniteLoop),
                E::JumpOutOfCode(target, i) => (Some(i), P::JumpOutside { target }),
                E::JumpToMiddleOfLDDW(target, i) => (Some(i), P::JumpIntoLddw { target }),
                E::InvalidSourceRegister(i) => (Some(i), P::SourceRegister),
                E::CannotWriteR10(i) => (Some(i), P::WritesFramePointer),
                E::InvalidDestinationRegister(i) => (Some(i), P::DestinationRegister),
                E::UnknownOpCode(opcode, i) => (Some(i), P::UnknownOpcode { opcode }),
                // The engines' order: the shift's immediate, then the value's width.
                E::ShiftWithOverflow(by, width, i) => (Some(i), P::ShiftOverflow { width, by }),
                E::InvalidRegister(i) => (Some(i), P::CallRegister),
                E::InvalidFunction(i) => (Some(i), P::Function),
                E::InvalidSyscall(hash) => (None, P::UnknownSyscall { hash }),
                E::UnalignedImmediate(i) => (Some(i), P::UnalignedFrame),
            };
            Rejection::of(so, at, problem)
        }
    };
}
pub(crate) use rejection_from;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rejection_names_the_instruction_and_its_function_once() {
        let r = Rejection {
            instruction: Some(12),
            function: Some("basic::process".into()),
            problem: VerifyProblem::DivisionByZero,
        };
        assert_eq!(
            r.to_string(),
            "instruction #12 of .text (in basic::process) divides by the constant 0: a \
             division or remainder by an immediate needs a non-zero one"
        );
        let whole = Rejection {
            instruction: None,
            function: None,
            problem: VerifyProblem::PartialInstruction,
        };
        assert_eq!(
            whole.to_string(),
            "the code is not a whole number of 8-byte instructions"
        );
    }

    #[test]
    fn a_shift_names_width_and_amount_the_right_way_round() {
        let p = VerifyProblem::ShiftOverflow { width: 64, by: 70 };
        assert_eq!(
            p.to_string(),
            "shifts a 64-bit value by 70: a shift by a constant must be below the width"
        );
    }
}
