//! BPF instruction encoding facts the relinker needs: opcodes, relocation types, and the
//! in-place rewrites of single instructions.

/// Size of one BPF instruction slot in bytes (`lddw` takes two slots).
pub const INSN_SIZE: usize = 8;
/// `lddw dst, imm64`: the only 16-byte instruction.
pub const OP_LDDW: u8 = 0x18;
/// `call imm`.
pub const OP_CALL_IMM: u8 = 0x85;
/// `callx reg`.
pub const OP_CALL_REG: u8 = 0x8d;

/// `R_BPF_64_64`: a 64-bit address in the immediates of an `lddw` pair.
pub const R_BPF_64_64: u32 = 1;
/// `R_BPF_64_ABS64`: a 64-bit absolute address in data.
pub const R_BPF_64_ABS64: u32 = 2;
/// `R_BPF_64_ABS32`: a 32-bit absolute value in data (debug sections only).
pub const R_BPF_64_ABS32: u32 = 3;
/// `R_BPF_64_NODYLD32`: 32-bit offsets in `.BTF`/debug sections, never loaded.
pub const R_BPF_64_NODYLD32: u32 = 4;
/// `R_BPF_64_32`: the immediate of a `call`.
pub const R_BPF_64_32: u32 = 10;

/// Reads the signed 32-bit immediate of the instruction at `at`.
pub fn imm(text: &[u8], at: usize) -> i32 {
    i32::from_le_bytes([text[at + 4], text[at + 5], text[at + 6], text[at + 7]])
}

/// Writes the signed 32-bit immediate of the instruction at `at`.
pub fn set_imm(text: &mut [u8], at: usize, value: i32) {
    text[at + 4..at + 8].copy_from_slice(&value.to_le_bytes());
}

/// Writes a 64-bit value into the two immediates of the `lddw` pair at `at`.
pub fn set_lddw(text: &mut [u8], at: usize, value: u64) {
    set_imm(text, at, value as u32 as i32);
    set_imm(text, at + INSN_SIZE, (value >> 32) as u32 as i32);
}

/// Rewrites every `callx` from LLVM's encoding (register in `dst`) to SBPF V0's (register
/// in `imm`). Walks instruction by instruction so the second slot of an `lddw` is never
/// mistaken for an opcode.
pub fn rewrite_callx_for_v0(text: &mut [u8]) -> usize {
    let mut rewritten = 0;
    let mut pc = 0;
    while pc + INSN_SIZE <= text.len() {
        let op = text[pc];
        if op == OP_CALL_REG {
            let dst = text[pc + 1] & 0x0f;
            text[pc + 1] &= 0xf0;
            set_imm(text, pc, i32::from(dst));
            rewritten += 1;
        }
        pc += if op == OP_LDDW {
            2 * INSN_SIZE
        } else {
            INSN_SIZE
        };
    }
    rewritten
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callx_register_moves_from_dst_to_imm() {
        // callx r3 (dst = 3), then an lddw whose second slot starts with 0x8d-looking data.
        let mut text = vec![
            0x8d, 0x03, 0, 0, 0, 0, 0, 0, //
            0x18, 0x01, 0, 0, 0, 0, 0, 0, //
            0x8d, 0x07, 0, 0, 0, 0, 0, 0, // lddw's second slot, not an instruction
        ];
        assert_eq!(rewrite_callx_for_v0(&mut text), 1);
        assert_eq!(text[1], 0);
        assert_eq!(imm(&text, 0), 3);
        assert_eq!(text[17], 0x07, "second lddw slot untouched");
    }

    #[test]
    fn lddw_splits_value_over_both_slots() {
        let mut text = vec![0u8; 16];
        set_lddw(&mut text, 0, 0x1_0000_0040);
        assert_eq!(imm(&text, 0), 0x40);
        assert_eq!(imm(&text, 8), 1);
    }
}
