//! The IR rewrites of `tako_linker::lower`, end to end: hand-written LLVM IR is assembled
//! with the nightly sysroot's `llvm-as`, compiled by `tako_linker::codegen::compile` (O3, the
//! rewrites, BPF codegen), relinked, and run in the VM (`vm-harness`, interpreter and JIT)
//! against the host's own arithmetic on edge values and pseudo-random operands; and the
//! refusals the rewrites must make, by name.
//!
//! Needs the nightly toolchain with `llvm-tools` (as `./build-example.sh` does).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Once;

use tako_linker::codegen::{
    compile, BitcodeInput, Codegen, CodegenOptions, LlvmError, MISALIGNED_ACCESS,
};
use tako_linker::relink::relink;

const HEADER: &str = r#"
target datalayout = "e-m:e-p:64:64-i64:64-i128:128-n32:64-S128"
target triple = "bpfel"
declare i64 @__tako_sys_set_return_data(i64, i64)
declare i64 @__tako_sys_get_input_data(i64, i64)

; The call's input laid out as [u64 length][bytes] at the start of the heap
; (0x3_0000_0000): `get_input_data` copies it there.
define internal ptr @input_region() {
  %heap = inttoptr i64 12884901888 to ptr
  %data = getelementptr i8, ptr %heap, i64 8
  %addr = ptrtoint ptr %data to i64
  %len = call i64 @__tako_sys_get_input_data(i64 %addr, i64 32760)
  store i64 %len, ptr %heap, align 8
  ret ptr %heap
}
"#;

fn sysroot() -> PathBuf {
    let out = Command::new("rustc")
        .args(["+nightly", "--print", "sysroot"])
        .output()
        .expect("run `rustc +nightly --print sysroot` (the nightly toolchain is required)");
    assert!(
        out.status.success(),
        "rustc +nightly --print sysroot failed"
    );
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
}

/// Points the LLVM proxy at the nightly's libLLVM (as cargo does for the real linker).
fn setup() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let lib = sysroot().join("lib");
        let old = std::env::var_os("LD_LIBRARY_PATH").unwrap_or_default();
        let mut paths = vec![lib];
        paths.extend(std::env::split_paths(&old));
        // Set once, before any LLVM call and before other tests read it.
        std::env::set_var("LD_LIBRARY_PATH", std::env::join_paths(paths).unwrap());
    });
}

fn assemble(ir: &str) -> Vec<u8> {
    let tool = sysroot().join("lib/rustlib/x86_64-unknown-linux-gnu/bin/llvm-as");
    let mut child = Command::new(&tool)
        .args(["-", "-o", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("run {} (llvm-tools component): {e}", tool.display()));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{HEADER}{ir}").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "llvm-as rejected the test IR: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// What the tests compile with: the linker's defaults for SBPF V0.
fn options() -> CodegenOptions {
    CodegenOptions {
        cpu: "v2".into(),
        features: String::new(),
        pipeline: "default<O3>".into(),
        entry: "entrypoint".into(),
        exports: vec!["entrypoint".into()],
        builtins: None,
        stack_size: tako_abi::STACK_FRAME_SIZE,
    }
}

fn codegen(ir: &str) -> Result<Codegen, LlvmError> {
    codegen_with(ir, &options())
}

fn codegen_with(ir: &str, options: &CodegenOptions) -> Result<Codegen, LlvmError> {
    setup();
    let input = BitcodeInput {
        name: "test.ll".into(),
        bytes: assemble(ir),
    };
    compile(&[input], options)
}

fn build(ir: &str) -> (Vec<u8>, Codegen) {
    build_with(ir, &options())
}

fn build_with(ir: &str, options: &CodegenOptions) -> (Vec<u8>, Codegen) {
    let codegen = codegen_with(ir, options).unwrap_or_else(|e| panic!("compile failed: {e}"));
    let elf = relink(&codegen.object, "entrypoint").expect("relink").elf;
    (elf, codegen)
}

/// Runs `so` with `input` under the interpreter and the JIT; both must succeed with the
/// same return data, which is returned.
fn run(so: &[u8], input: &[u8]) -> Vec<u8> {
    let mut results = Vec::new();
    for jit in [false, true] {
        let config = vm_harness::Config {
            jit,
            ..Default::default()
        };
        let outcome = vm_harness::run(so, input, &config).expect("loads and verifies");
        assert_eq!(outcome.error, None, "run faulted (jit: {jit})");
        assert_eq!(outcome.return_value, Some(0));
        results.push(outcome.return_data);
    }
    assert_eq!(results[0], results[1], "interpreter and JIT disagree");
    results.pop().unwrap()
}

/// IR computing `sdiv`/`srem` of width `w` on the low bits of `%a`, `%b`, into `slot`s
/// `q` and `r`, with the divisor made 1 where IR would be undefined (zero, MIN / -1).
fn signed_ir(w: u32, q: usize, r: usize) -> String {
    let min = if w == 128 {
        "-170141183460469231731687303715884105728".to_string()
    } else {
        format!("{}", -(1i128 << (w - 1)))
    };
    let (aw, bw) = if w == 128 {
        ("%a".to_string(), "%b".to_string())
    } else {
        (format!("%sa{w}"), format!("%sb{w}"))
    };
    let mut s = String::new();
    if w != 128 {
        s += &format!("  {aw} = trunc i128 %a to i{w}\n  {bw} = trunc i128 %b to i{w}\n");
    }
    s += &format!(
        "  %z{w} = icmp eq i{w} {bw}, 0
  %m{w} = icmp eq i{w} {aw}, {min}
  %n{w} = icmp eq i{w} {bw}, -1
  %o{w} = and i1 %m{w}, %n{w}
  %bad{w} = or i1 %z{w}, %o{w}
  %d{w} = select i1 %bad{w}, i{w} 1, i{w} {bw}
  %q{w} = sdiv i{w} {aw}, %d{w}
  %r{w} = srem i{w} {aw}, %d{w}
"
    );
    if w == 128 {
        s += &format!("{}{}", store(q, "%q128"), store(r, "%r128"));
    } else {
        s += &format!(
            "  %qx{w} = sext i{w} %q{w} to i128\n  %rx{w} = sext i{w} %r{w} to i128\n{}{}",
            store(q, &format!("%qx{w}")),
            store(r, &format!("%rx{w}"))
        );
    }
    s
}

fn store(slot: usize, value: &str) -> String {
    format!(
        "  %p{slot} = getelementptr [32 x i128], ptr %out, i64 0, i64 {slot}
  store i128 {value}, ptr %p{slot}, align 16
"
    )
}

fn arithmetic_ir() -> String {
    let mut body = String::from(
        "declare { i128, i1 } @llvm.umul.with.overflow.i128(i128, i128)
declare { i64, i1 } @llvm.smul.with.overflow.i64(i64, i64)
declare { i128, i1 } @llvm.smul.with.overflow.i128(i128, i128)
declare i128 @llvm.fshl.i128(i128, i128, i128)
declare i128 @llvm.fshr.i128(i128, i128, i128)
define i64 @entrypoint() {
  %input = call ptr @input_region()
  %out = alloca [32 x i128], align 16
  %pa = getelementptr i8, ptr %input, i64 8
  %pb = getelementptr i8, ptr %input, i64 24
  %a = load i128, ptr %pa, align 8
  %b = load i128, ptr %pb, align 8
  %bz = icmp eq i128 %b, 0
  %bu = select i1 %bz, i128 1, i128 %b
  %udiv = udiv i128 %a, %bu
  %urem = urem i128 %a, %bu
  %mul = mul i128 %a, %b
  %amount = and i128 %b, 127
  %shl = shl i128 %a, %amount
  %lshr = lshr i128 %a, %amount
  %ashr = ashr i128 %a, %amount
  %um = call { i128, i1 } @llvm.umul.with.overflow.i128(i128 %a, i128 %b)
  %um.v = extractvalue { i128, i1 } %um, 0
  %um.o = extractvalue { i128, i1 } %um, 1
  %um.f = zext i1 %um.o to i128
  %a64 = trunc i128 %a to i64
  %b64 = trunc i128 %b to i64
  %sm = call { i64, i1 } @llvm.smul.with.overflow.i64(i64 %a64, i64 %b64)
  %sm.v0 = extractvalue { i64, i1 } %sm, 0
  %sm.v = zext i64 %sm.v0 to i128
  %sm.o = extractvalue { i64, i1 } %sm, 1
  %sm.f = zext i1 %sm.o to i128
  %c1 = sdiv i64 %a64, 1000
  %c1x = sext i64 %c1 to i128
  %c2 = srem i64 %a64, -7
  %c2x = sext i64 %c2 to i128
  %c3 = sdiv i64 %a64, 4
  %c3x = sext i64 %c3 to i128
  %a32 = trunc i128 %a to i32
  %c4 = sdiv i32 %a32, 7
  %c4x = sext i32 %c4 to i128
  %bodd = or i128 %b, 1
  %bpos = and i128 %bodd, 170141183460469231731687303715884105727
  %lone.urem = urem i128 %a, %bpos
  %lone.srem = srem i128 %a, %bpos
  %ss = call { i128, i1 } @llvm.smul.with.overflow.i128(i128 %a, i128 %b)
  %ss.v = extractvalue { i128, i1 } %ss, 0
  %ss.o = extractvalue { i128, i1 } %ss, 1
  %ss.f = zext i1 %ss.o to i128
  %fl = call i128 @llvm.fshl.i128(i128 %a, i128 %b, i128 %b)
  %fr = call i128 @llvm.fshr.i128(i128 %a, i128 %b, i128 %b)
  %small = ashr i64 %a64, 8
  %times = mul nsw i64 %small, 24
  %ex = sdiv exact i64 %times, -24
  %exx = sext i64 %ex to i128
  %rm8 = srem i64 %a64, -8
  %rm8x = sext i64 %rm8 to i128
",
    );
    for (slot, value) in [
        (0, "%udiv"),
        (1, "%urem"),
        (4, "%mul"),
        (5, "%shl"),
        (6, "%lshr"),
        (7, "%ashr"),
        (8, "%um.v"),
        (9, "%um.f"),
        (10, "%sm.v"),
        (11, "%sm.f"),
        (20, "%c1x"),
        (21, "%c2x"),
        (22, "%c3x"),
        (23, "%c4x"),
        (24, "%lone.urem"),
        (25, "%lone.srem"),
        (26, "%ss.v"),
        (27, "%ss.f"),
        (28, "%fl"),
        (29, "%fr"),
        (30, "%exx"),
        (31, "%rm8x"),
    ] {
        body += &store(slot, value);
    }
    body += &signed_ir(128, 2, 3);
    body += &signed_ir(64, 12, 13);
    body += &signed_ir(32, 14, 15);
    body += &signed_ir(16, 16, 17);
    body += &signed_ir(8, 18, 19);
    body += "  %addr = ptrtoint ptr %out to i64
  %ignored = call i64 @__tako_sys_set_return_data(i64 %addr, i64 512)
  ret i64 0
}
";
    body
}

fn signed_host<T>(a: T, b: T, min: T) -> (T, T)
where
    T: Copy + PartialEq + From<i8> + std::ops::Div<Output = T> + std::ops::Rem<Output = T>,
{
    let bad = b == T::from(0) || (a == min && b == T::from(-1));
    let d = if bad { T::from(1) } else { b };
    (a / d, a % d)
}

fn expected(a: u128, b: u128) -> [u128; 32] {
    let mut out = [0u128; 32];
    let bu = if b == 0 { 1 } else { b };
    out[0] = a / bu;
    out[1] = a % bu;
    let (q, r) = signed_host(a as i128, b as i128, i128::MIN);
    out[2] = q as u128;
    out[3] = r as u128;
    out[4] = a.wrapping_mul(b);
    let s = (b & 127) as u32;
    out[5] = a << s;
    out[6] = a >> s;
    out[7] = ((a as i128) >> s) as u128;
    let (v, o) = a.overflowing_mul(b);
    out[8] = v;
    out[9] = u128::from(o);
    let (v, o) = (a as i64).overflowing_mul(b as i64);
    out[10] = u128::from(v as u64);
    out[11] = u128::from(o);
    let (q, r) = signed_host(a as i64, b as i64, i64::MIN);
    out[12] = q as i128 as u128;
    out[13] = r as i128 as u128;
    let (q, r) = signed_host(a as i32, b as i32, i32::MIN);
    out[14] = q as i128 as u128;
    out[15] = r as i128 as u128;
    let (q, r) = signed_host(a as i16, b as i16, i16::MIN);
    out[16] = q as i128 as u128;
    out[17] = r as i128 as u128;
    let (q, r) = signed_host(a as i8, b as i8, i8::MIN);
    out[18] = q as i128 as u128;
    out[19] = r as i128 as u128;
    out[20] = ((a as i64) / 1000) as i128 as u128;
    out[21] = ((a as i64) % -7) as i128 as u128;
    out[22] = ((a as i64) / 4) as i128 as u128;
    out[23] = ((a as i32) / 7) as i128 as u128;
    let positive_odd = (b | 1) & i128::MAX as u128;
    out[24] = a % positive_odd;
    out[25] = ((a as i128) % positive_odd as i128) as u128;
    let (v, o) = (a as i128).overflowing_mul(b as i128);
    out[26] = v as u128;
    out[27] = u128::from(o);
    // Funnel shifts: the 256-bit concatenation shifted, by the amount modulo 128.
    let s = (b % 128) as u32;
    out[28] = if s == 0 {
        a
    } else {
        (a << s) | (b >> (128 - s))
    };
    out[29] = if s == 0 {
        b
    } else {
        (b >> s) | (a << (128 - s))
    };
    out[30] = (-((a as i64) >> 8)) as i128 as u128;
    out[31] = ((a as i64) % -8) as i128 as u128;
    out
}

const NAMES: [&str; 32] = [
    "udiv i128",
    "urem i128",
    "sdiv i128",
    "srem i128",
    "mul i128",
    "shl i128",
    "lshr i128",
    "ashr i128",
    "umul.with.overflow.i128 value",
    "umul.with.overflow.i128 flag",
    "smul.with.overflow.i64 value",
    "smul.with.overflow.i64 flag",
    "sdiv i64",
    "srem i64",
    "sdiv i32",
    "srem i32",
    "sdiv i16",
    "srem i16",
    "sdiv i8",
    "srem i8",
    "sdiv i64 by 1000",
    "srem i64 by -7",
    "sdiv i64 by 4",
    "sdiv i32 by 7",
    "urem i128 alone",
    "srem i128 alone",
    "smul.with.overflow.i128 value",
    "smul.with.overflow.i128 flag",
    "fshl i128",
    "fshr i128",
    "sdiv exact i64 by -24",
    "srem i64 by -8",
];

/// Operands: edge values of every width, then pseudo-random values of every bit length.
fn operands() -> Vec<u128> {
    let mut v: Vec<u128> = vec![
        0,
        1,
        2,
        3,
        7,
        1000,
        u64::MAX as u128,
        1 << 63,
        1 << 64,
        (1 << 64) + 1,
        u128::MAX,
        u128::MAX - 1,
        i128::MIN as u128,
        i128::MAX as u128,
        -7i128 as u128,
        i64::MIN as i128 as u128,
        i64::MIN as u64 as u128,
        i32::MIN as i128 as u128,
        0xffff_ffff,
        0x8000_0000,
        0x1_0000_0000,
        -1000i128 as u128,
    ];
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for _ in 0..24 {
        let wide = (u128::from(next()) << 64) | u128::from(next());
        let shift = next() % 128;
        v.push(wide >> shift);
        v.push((wide >> shift).wrapping_neg());
    }
    v
}

#[test]
fn wide_and_signed_arithmetic_matches_the_host() {
    let (so, codegen) = build(&arithmetic_ir());
    let lowered = &codegen.lowered;
    assert!(lowered.wide_divisions >= 2, "{lowered:?}");
    assert!(lowered.wide_multiplications >= 1, "{lowered:?}");
    assert!(lowered.wide_shifts >= 3, "{lowered:?}");
    // Four widths by variables plus three constants; O3 may turn a `srem` next to its
    // `sdiv` into a multiply-subtract, and `±2^k`/exact ones stay LLVM's.
    assert!(lowered.signed_divisions >= 4, "{lowered:?}");
    assert!(lowered.checked_multiplications >= 2, "{lowered:?}");
    assert!(lowered.wide_intrinsics >= 3, "{lowered:?}");
    let values = operands();
    let mut checked = 0;
    // Every edge value against every edge value, and random pairs.
    let edges = &values[..22];
    let pairs = edges
        .iter()
        .flat_map(|&a| edges.iter().map(move |&b| (a, b)))
        .chain(
            values
                .iter()
                .zip(values.iter().rev())
                .map(|(&a, &b)| (a, b)),
        );
    for (a, b) in pairs {
        let mut input = Vec::with_capacity(32);
        input.extend_from_slice(&a.to_le_bytes());
        input.extend_from_slice(&b.to_le_bytes());
        let data = run(&so, &input);
        assert_eq!(data.len(), 32 * 16);
        let want = expected(a, b);
        for (slot, chunk) in data.chunks(16).enumerate() {
            let got = u128::from_le_bytes(chunk.try_into().unwrap());
            assert_eq!(
                got, want[slot],
                "{} of a = {a:#x}, b = {b:#x}: VM {got:#x}, host {:#x}",
                NAMES[slot], want[slot]
            );
        }
        checked += 1;
    }
    assert!(checked > 500, "only {checked} operand pairs");
}

const ARGS_IR: &str = r#"
@table = internal constant [2 x ptr] [ptr @seven_a, ptr @seven_b]

define internal i64 @seven_a(i64 %a, i64 %b, i64 %c, i64 %d, i64 %e, i64 %f, i64 %g) noinline {
  %b2 = mul i64 %b, 2
  %c3 = mul i64 %c, 3
  %d4 = mul i64 %d, 4
  %e5 = mul i64 %e, 5
  %f6 = mul i64 %f, 6
  %g7 = mul i64 %g, 7
  %s1 = add i64 %a, %b2
  %s2 = add i64 %s1, %c3
  %s3 = add i64 %s2, %d4
  %s4 = add i64 %s3, %e5
  %s5 = add i64 %s4, %f6
  %s6 = add i64 %s5, %g7
  ret i64 %s6
}

define internal i64 @seven_b(i64 %a, i64 %b, i64 %c, i64 %d, i64 %e, i64 %f, i64 %g) noinline {
  %a1 = mul i64 %a, 11
  %b2 = mul i64 %b, 12
  %c3 = mul i64 %c, 13
  %d4 = mul i64 %d, 14
  %e5 = mul i64 %e, 15
  %f6 = mul i64 %f, 16
  %g7 = mul i64 %g, 17
  %s1 = add i64 %a1, %b2
  %s2 = add i64 %s1, %c3
  %s3 = add i64 %s2, %d4
  %s4 = add i64 %s3, %e5
  %s5 = add i64 %s4, %f6
  %s6 = add i64 %s5, %g7
  ret i64 %s6
}

; 1 + 2 + 1 + 2 + 1 = 7 registers; the second i128 does not fit in the first four.
define internal i64 @mixed(i64 %a, i128 %b, i64 %c, i128 %d, i8 %e) noinline {
  %bl = trunc i128 %b to i64
  %bs = lshr i128 %b, 64
  %bh = trunc i128 %bs to i64
  %dl = trunc i128 %d to i64
  %ds = lshr i128 %d, 64
  %dh = trunc i128 %ds to i64
  %ez = zext i8 %e to i64
  %t1 = mul i64 %bl, 3
  %t2 = mul i64 %bh, 5
  %t3 = mul i64 %c, 7
  %t4 = mul i64 %dl, 9
  %t5 = mul i64 %dh, 11
  %t6 = mul i64 %ez, 13
  %s1 = add i64 %a, %t1
  %s2 = add i64 %s1, %t2
  %s3 = add i64 %s2, %t3
  %s4 = add i64 %s3, %t4
  %s5 = add i64 %s4, %t5
  %s6 = add i64 %s5, %t6
  ret i64 %s6
}

define i64 @entrypoint() {
  %input = call ptr @input_region()
  %out = alloca [3 x i64], align 8
  %pv = getelementptr i8, ptr %input, i64 8
  %v = load i64, ptr %pv, align 8
  %v1 = add i64 %v, 1
  %v2 = add i64 %v, 2
  %v3 = add i64 %v, 3
  %v4 = add i64 %v, 4
  %v5 = add i64 %v, 5
  %v6 = add i64 %v, 6
  %r1 = call i64 @seven_a(i64 %v, i64 %v1, i64 %v2, i64 %v3, i64 %v4, i64 %v5, i64 %v6)
  %idx = and i64 %v, 1
  %slot = getelementptr [2 x ptr], ptr @table, i64 0, i64 %idx
  %fp = load ptr, ptr %slot, align 8
  %r2 = call i64 %fp(i64 %v6, i64 %v5, i64 %v4, i64 %v3, i64 %v2, i64 %v1, i64 %v)
  %wb = zext i64 %v3 to i128
  %wbs = shl i128 %wb, 64
  %wb2 = or i128 %wbs, 77
  %wd = zext i64 %v5 to i128
  %wds = shl i128 %wd, 64
  %wd2 = or i128 %wds, 99
  %e = trunc i64 %v to i8
  %r3 = call i64 @mixed(i64 %v1, i128 %wb2, i64 %v2, i128 %wd2, i8 %e)
  %o1 = getelementptr [3 x i64], ptr %out, i64 0, i64 1
  %o2 = getelementptr [3 x i64], ptr %out, i64 0, i64 2
  store i64 %r1, ptr %out, align 8
  store i64 %r2, ptr %o1, align 8
  store i64 %r3, ptr %o2, align 8
  %addr = ptrtoint ptr %out to i64
  %ignored = call i64 @__tako_sys_set_return_data(i64 %addr, i64 24)
  ret i64 0
}
"#;

fn args_host(v: u64) -> [u64; 3] {
    let a = |i: u64| v.wrapping_add(i);
    let seven_a = |x: [u64; 7]| {
        x.iter().enumerate().fold(0u64, |s, (i, &x)| {
            s.wrapping_add(x.wrapping_mul(i as u64 + 1))
        })
    };
    let seven_b = |x: [u64; 7]| {
        x.iter().enumerate().fold(0u64, |s, (i, &x)| {
            s.wrapping_add(x.wrapping_mul(i as u64 + 11))
        })
    };
    let r1 = seven_a([a(0), a(1), a(2), a(3), a(4), a(5), a(6)]);
    let reversed = [a(6), a(5), a(4), a(3), a(2), a(1), a(0)];
    let r2 = if v & 1 == 0 {
        seven_a(reversed)
    } else {
        seven_b(reversed)
    };
    let r3 = a(1)
        .wrapping_add(77u64.wrapping_mul(3))
        .wrapping_add(a(3).wrapping_mul(5))
        .wrapping_add(a(2).wrapping_mul(7))
        .wrapping_add(99u64.wrapping_mul(9))
        .wrapping_add(a(5).wrapping_mul(11))
        .wrapping_add(u64::from(v as u8).wrapping_mul(13));
    [r1, r2, r3]
}

#[test]
fn calls_with_more_than_five_registers_pass_every_argument() {
    let (so, codegen) = build(ARGS_IR);
    assert_eq!(codegen.lowered.packed_functions, 3, "{:?}", codegen.lowered);
    assert!(
        codegen.lowered.packed_indirect_calls >= 1,
        "{:?}",
        codegen.lowered
    );
    for v in [0u64, 1, 2, 0x1234_5678_9abc_def1, u64::MAX, u64::MAX - 1] {
        let data = run(&so, &v.to_le_bytes());
        let got: Vec<u64> = data
            .chunks(8)
            .map(|c| u64::from_le_bytes(c.try_into().unwrap()))
            .collect();
        assert_eq!(got, args_host(v), "v = {v:#x}");
    }
}

fn refusal(ir: &str) -> String {
    match codegen(ir) {
        Ok(_) => panic!("compiled, but must be refused"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn external_function_with_six_registers_is_refused_by_name() {
    let msg = refusal(
        "declare i64 @ext_six(i64, i64, i64, i64, i64, i64)
define i64 @entrypoint() {
  %input = call ptr @input_region()
  %r = call i64 @ext_six(i64 1, i64 2, i64 3, i64 4, i64 5, i64 6)
  ret i64 %r
}",
    );
    assert!(msg.contains("`ext_six`"), "{msg}");
    assert!(msg.contains("6 argument registers"), "{msg}");
}

#[test]
fn exported_function_with_six_registers_is_refused_by_name() {
    let msg = refusal(
        "define i64 @entrypoint(i64 %a, i64 %b, i64 %c, i64 %d, i64 %e, i64 %f) {
  %s = add i64 %a, %f
  ret i64 %s
}",
    );
    assert!(msg.contains("`entrypoint`"), "{msg}");
    assert!(msg.contains("exported"), "{msg}");
}

#[test]
fn six_register_function_passed_to_external_code_is_refused_by_name() {
    let msg = refusal(
        "declare void @ext_register(ptr)
define internal i64 @six(i64 %a, i64 %b, i64 %c, i64 %d, i64 %e, i64 %f) noinline {
  %s = add i64 %a, %f
  ret i64 %s
}
define i64 @entrypoint() {
  %input = call ptr @input_region()
  call void @ext_register(ptr @six)
  ret i64 0
}",
    );
    assert!(msg.contains("`six`"), "{msg}");
    assert!(msg.contains("ext_register"), "{msg}");
}

#[test]
fn floating_point_without_compiler_builtins_is_refused() {
    let msg = refusal(
        "define i64 @entrypoint() {
  %input = call ptr @input_region()
  %p = getelementptr i8, ptr %input, i64 8
  %x = load double, ptr %p, align 8
  %y = fadd double %x, 1.0
  %r = bitcast double %y to i64
  ret i64 %r
}",
    );
    assert!(msg.contains("compiler_builtins"), "{msg}");
}

#[test]
fn malformed_bitcode_is_refused_by_name_with_llvms_reason() {
    setup();
    // The bitcode magic, then nothing LLVM can read.
    let input = BitcodeInput {
        name: "broken.bc".into(),
        bytes: b"BC\xC0\xDE\x35\x14\x00\x00garbage".to_vec(),
    };
    let err = compile(&[input], &options())
        .err()
        .expect("malformed bitcode is refused");
    assert!(matches!(err, LlvmError::Bitcode { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.starts_with("`broken.bc` is not LLVM bitcode: "),
        "{msg}"
    );
    assert!(
        msg.len() > "`broken.bc` is not LLVM bitcode: ".len(),
        "LLVM's reason: {msg}"
    );
}

/// Pairs per run of [`division_ir`]: 16 pairs × 4 results × 16 bytes = the 1 KiB of
/// return data the VM allows.
const PAIRS_PER_RUN: usize = 16;

/// `udiv`, `urem`, `sdiv`, `srem i128` of `PAIRS_PER_RUN` operand pairs read from the input
/// (the divisor made 1 where IR would be undefined).
fn division_ir() -> String {
    let mut body = String::from(
        "define i64 @entrypoint() {
  %input = call ptr @input_region()
  %out = alloca [64 x i128], align 16
",
    );
    for i in 0..PAIRS_PER_RUN {
        let (oa, ob) = (8 + i * 32, 8 + i * 32 + 16);
        body += &format!(
            "  %pa{i} = getelementptr i8, ptr %input, i64 {oa}
  %pb{i} = getelementptr i8, ptr %input, i64 {ob}
  %a{i} = load i128, ptr %pa{i}, align 8
  %b{i} = load i128, ptr %pb{i}, align 8
  %z{i} = icmp eq i128 %b{i}, 0
  %m{i} = icmp eq i128 %a{i}, -170141183460469231731687303715884105728
  %n{i} = icmp eq i128 %b{i}, -1
  %o{i} = and i1 %m{i}, %n{i}
  %bad{i} = or i1 %z{i}, %o{i}
  %d{i} = select i1 %bad{i}, i128 1, i128 %b{i}
  %uq{i} = udiv i128 %a{i}, %d{i}
  %ur{i} = urem i128 %a{i}, %d{i}
  %sq{i} = sdiv i128 %a{i}, %d{i}
  %sr{i} = srem i128 %a{i}, %d{i}
"
        );
        for (k, v) in ["uq", "ur", "sq", "sr"].iter().enumerate() {
            let slot = i * 4 + k;
            body += &format!(
                "  %s{v}{i} = getelementptr [64 x i128], ptr %out, i64 0, i64 {slot}
  store i128 %{v}{i}, ptr %s{v}{i}, align 16
"
            );
        }
    }
    body += "  %addr = ptrtoint ptr %out to i64
  %ignored = call i64 @__tako_sys_set_return_data(i64 %addr, i64 1024)
  ret i64 0
}
";
    body
}

/// Divisors of every width (with the shapes long division gets wrong: all-ones digits,
/// powers of two and their neighbours) and dividends built as `q * d + r`.
fn division_pairs() -> Vec<(u128, u128)> {
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut pairs = Vec::new();
    for round in 0..1600 {
        let bits = 1 + (next() % 128) as u32;
        let raw = (u128::from(next()) << 64) | u128::from(next());
        let d = match round % 4 {
            0 => raw >> (128 - bits),
            1 => (u128::MAX >> (128 - bits)) ^ (u128::from(next() & 0xff) << (bits / 2)),
            2 => (1u128 << (bits - 1))
                .wrapping_add(u128::from(next() % 3))
                .wrapping_sub(1),
            _ => (raw >> (128 - bits)) | (1 << (bits - 1)),
        }
        .max(1);
        let q = ((u128::from(next()) << 64) | u128::from(next())) >> (next() % 128);
        let r = u128::from(next()) % d;
        let a = q.wrapping_mul(d).wrapping_add(r);
        pairs.push((a, d));
        pairs.push((a, d.wrapping_neg()));
    }
    pairs
}

#[test]
fn wide_division_matches_the_host_on_3200_pairs() {
    let (so, _) = build(&division_ir());
    let pairs = division_pairs();
    for chunk in pairs.chunks(PAIRS_PER_RUN) {
        let mut input = Vec::new();
        for &(a, b) in chunk {
            input.extend_from_slice(&a.to_le_bytes());
            input.extend_from_slice(&b.to_le_bytes());
        }
        // Pad a short last chunk with 1 / 1.
        for _ in chunk.len()..PAIRS_PER_RUN {
            input.extend_from_slice(&1u128.to_le_bytes());
            input.extend_from_slice(&1u128.to_le_bytes());
        }
        let data = run(&so, &input);
        for (i, &(a, b)) in chunk.iter().enumerate() {
            let got = |k: usize| {
                let at = (i * 4 + k) * 16;
                u128::from_le_bytes(data[at..at + 16].try_into().unwrap())
            };
            let bu = if b == 0 { 1 } else { b };
            let (sq, sr) = signed_host(a as i128, b as i128, i128::MIN);
            let want = [a / bu, a % bu, sq as u128, sr as u128];
            for (k, name) in ["udiv", "urem", "sdiv", "srem"].iter().enumerate() {
                assert_eq!(
                    got(k),
                    want[k],
                    "{name} i128 of a = {a:#x}, b = {b:#x}: VM {:#x}, host {:#x}",
                    got(k),
                    want[k]
                );
            }
        }
    }
}

#[test]
fn byval_argument_in_the_packed_part_is_refused_by_name() {
    let msg = refusal(
        "define internal i64 @takes_byval(i64 %a, i64 %b, i64 %c, i64 %d, i64 %e, ptr byval([16 x i8]) %p) noinline optnone {
  %v = load i64, ptr %p, align 8
  %s = add i64 %a, %v
  %s1 = add i64 %s, %b
  %s2 = add i64 %s1, %c
  %s3 = add i64 %s2, %d
  %s4 = add i64 %s3, %e
  ret i64 %s4
}
define i64 @entrypoint() {
  %input = call ptr @input_region()
  %buf = alloca [16 x i8], align 8
  %p = getelementptr i8, ptr %input, i64 8
  %v = load i64, ptr %p, align 8
  store i64 %v, ptr %buf, align 8
  %r = call i64 @takes_byval(i64 %v, i64 %v, i64 %v, i64 %v, i64 %v, ptr byval([16 x i8]) %buf)
  ret i64 %r
}",
    );
    assert!(msg.contains("`takes_byval`"), "{msg}");
    assert!(msg.contains("byval"), "{msg}");
}

#[test]
fn musttail_call_needing_packing_is_refused_by_name() {
    let msg = refusal(
        "define internal i64 @callee(i64 %a, i64 %b, i64 %c, i64 %d, i64 %e, i64 %f) noinline {
  %s = add i64 %a, %f
  ret i64 %s
}
define internal i64 @caller(i64 %a, i64 %b, i64 %c, i64 %d, i64 %e, i64 %f) noinline {
  %r = musttail call i64 @callee(i64 %f, i64 %e, i64 %d, i64 %c, i64 %b, i64 %a)
  ret i64 %r
}
define i64 @entrypoint() {
  %input = call ptr @input_region()
  %p = getelementptr i8, ptr %input, i64 8
  %v = load i64, ptr %p, align 8
  %r = call i64 @caller(i64 %v, i64 2, i64 3, i64 4, i64 5, i64 %v)
  ret i64 %r
}",
    );
    assert!(msg.contains("`callee`"), "{msg}");
    assert!(msg.contains("musttail"), "{msg}");
}

#[test]
fn unsupported_helper_fails_with_function_and_helper_names() {
    // f128 arithmetic needs `__addtf3`, which nothing provides: refused, never emitted.
    // (An `fp128` *return* makes LLVM abort outright: "unable to allocate function return";
    // this stays inside one function.)
    let msg = refusal(
        "define internal i64 @quad_add(ptr %p) noinline {
  %x = load fp128, ptr %p, align 16
  %y = fadd fp128 %x, 0xL00000000000000003FFF000000000000
  %b = bitcast fp128 %y to i128
  %t = trunc i128 %b to i64
  ret i64 %t
}
define i64 @entrypoint() {
  %input = call ptr @input_region()
  %p = getelementptr i8, ptr %input, i64 8
  %r = call i64 @quad_add(ptr %p)
  ret i64 %r
}",
    );
    assert!(msg.contains("`quad_add`"), "{msg}");
    assert!(msg.contains("__addtf3"), "{msg}");
}

#[test]
fn llvm_fatal_error_exits_with_a_message_not_an_abort() {
    // An f128 return makes LLVM's BPF backend give up the whole process; the linker must
    // turn that into a message and exit status 1 (run as a child: it ends the process).
    let dir = std::env::temp_dir().join(format!("tako-lower-fatal-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("quad.bc");
    std::fs::write(
        &input,
        assemble(
            "define internal fp128 @quad_add(fp128 %x) noinline {
  %y = fadd fp128 %x, 0xL00000000000000003FFF000000000000
  ret fp128 %y
}
define i64 @entrypoint() {
  %input = call ptr @input_region()
  %p = getelementptr i8, ptr %input, i64 16
  %x = load fp128, ptr %p, align 16
  %y = call fp128 @quad_add(fp128 %x)
  %b = bitcast fp128 %y to i128
  %t = trunc i128 %b to i64
  ret i64 %t
}",
        ),
    )
    .unwrap();
    let output = dir.join("quad.so");
    let lib = sysroot().join("lib");
    let out = Command::new(env!("CARGO_BIN_EXE_tako-linker"))
        .arg(&input)
        .arg("-o")
        .arg(&output)
        .env("LD_LIBRARY_PATH", lib)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("gave up on the program"), "{stderr}");
    assert!(!output.exists(), "no output may be written");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Constant-length copies and fills big enough that LLVM's inline expansion would cost
/// more than the syscall become `tos_memcpy`/`tos_memset` calls: same bytes, far fewer CU.
#[test]
fn large_constant_copies_and_fills_become_mem_syscalls() {
    let ir = r#"
define i64 @entrypoint() {
  %input = call ptr @input_region()
  %buf = alloca [1024 x i8], align 8
  %data = getelementptr i8, ptr %input, i64 8
  call void @llvm.memset.p0.i64(ptr align 8 %buf, i8 7, i64 1024, i1 false)
  call void @llvm.memcpy.p0.p0.i64(ptr align 8 %buf, ptr align 1 %data, i64 512, i1 false)
  %tail = getelementptr i8, ptr %buf, i64 500
  %v = ptrtoint ptr %tail to i64
  %r = call i64 @__tako_sys_set_return_data(i64 %v, i64 24)
  ret i64 0
}
declare void @llvm.memset.p0.i64(ptr, i8, i64, i1)
declare void @llvm.memcpy.p0.p0.i64(ptr, ptr, i64, i1)
"#;
    let (so, codegen) = build(ir);
    assert_eq!(codegen.lowered.mem_syscalls, 2, "{:?}", codegen.lowered);
    let input: Vec<u8> = (0..512u32).map(|i| (i * 7 + 1) as u8).collect();
    let data = run(&so, &input);
    let mut want: Vec<u8> = input[500..512].to_vec();
    want.extend([7u8; 12]);
    assert_eq!(data, want);
    let outcome = vm_harness::run(&so, &input, &vm_harness::Config::default()).unwrap();
    // Inline, the fill alone is 128 stores and the byte-aligned copy 1,024 loads and
    // stores; as syscalls both cost 10 CU plus their argument set-up. With the input
    // (66 CU for 512 bytes) and the return data (124 CU for 24 bytes), the whole run stays
    // far below the inline figure.
    assert!(outcome.cu_consumed < 300, "{} CU", outcome.cu_consumed);
}

/// A 32-byte copy between byte buffers (an address from the input's second byte on): with
/// misaligned accesses, the target spec's feature, LLVM copies it in four words, cheaper
/// than the syscall, so it stays inline; without, it would go byte by byte and becomes
/// `tos_memcpy`.
#[test]
fn a_32_byte_copy_between_byte_buffers_stays_inline_with_misaligned_accesses() {
    let ir = r#"
define i64 @entrypoint() {
  %input = call ptr @input_region()
  %buf = alloca [40 x i8], align 8
  %dst = getelementptr i8, ptr %buf, i64 3
  %src = getelementptr i8, ptr %input, i64 9
  call void @llvm.memcpy.p0.p0.i64(ptr align 1 %dst, ptr align 1 %src, i64 32, i1 false)
  %v = ptrtoint ptr %dst to i64
  %r = call i64 @__tako_sys_set_return_data(i64 %v, i64 32)
  ret i64 0
}
declare void @llvm.memcpy.p0.p0.i64(ptr, ptr, i64, i1)
"#;
    let input: Vec<u8> = (0..40u8).map(|i| i * 3 + 1).collect();
    let mut cus = Vec::new();
    for (features, syscalls) in [(MISALIGNED_ACCESS, 0), ("", 1)] {
        let options = CodegenOptions {
            features: features.into(),
            ..options()
        };
        let (so, codegen) = build_with(ir, &options);
        assert_eq!(
            codegen.lowered.mem_syscalls, syscalls,
            "features {features:?}: {:?}",
            codegen.lowered
        );
        assert_eq!(run(&so, &input), input[1..33], "features {features:?}");
        let outcome = vm_harness::run(&so, &input, &vm_harness::Config::default()).unwrap();
        cus.push(outcome.cu_consumed);
    }
    // Four loads and four stores against the syscall's 10 CU and its argument set-up
    // (measured: 206 against 209 CU for the whole run).
    assert!(cus[0] < cus[1], "CU inline, as a syscall: {cus:?}");
}

/// A stack frame over the 4 KiB SBPF V0 gives a function: refused naming the function, the
/// limit and the fix, without LLVM's hint about kernel maps.
#[test]
fn a_frame_over_4_kib_is_refused_naming_the_function_and_the_fix() {
    let msg = refusal(
        "declare void @ext_fill(ptr)
define internal void @big_table() noinline {
  %t = alloca [8192 x i8], align 8
  call void @ext_fill(ptr %t)
  ret void
}
define i64 @entrypoint() {
  %input = call ptr @input_region()
  call void @big_table()
  ret i64 0
}",
    );
    assert!(msg.contains("`big_table`"), "{msg}");
    assert!(msg.contains("4096"), "{msg}");
    assert!(msg.contains("Box"), "{msg}");
    assert!(!msg.contains("per-cpu"), "{msg}");
}
