//! The expression table of the `full-rust` differential test. `no_std`, `core` only: the
//! contract (`src/lib.rs`) and the host test (`tests/tests/all/full_rust.rs`) include this same
//! file with `#[path]`, run [`evaluate`] and compare the per-entry [`fnv1a`] hashes.
//!
//! Every operand goes through [`o`] (`core::hint::black_box`) so that the operation runs
//! where the table is evaluated, not in LLVM's constant folder.
#![allow(dead_code)]

use core::fmt::{self, Write};
use core::hint::black_box as o;

/// FNV-1a, 64-bit, over `bytes`.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    fnv1a_extend(FNV_OFFSET, bytes)
}

/// FNV-1a's initial state.
pub const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// Continues an FNV-1a hash whose state is `hash` over `bytes`.
pub fn fnv1a_extend(mut hash: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// The line the contract logs with `tako_sdk::log!` after evaluating the table: the entry
/// count and the FNV-1a of all 64-bit entry hashes (as little-endian bytes), formatted with
/// width, fill and hex.
pub struct Summary {
    count: usize,
    hash: u64,
}

/// [`Summary`] of `count` entries whose hashes hash to `hash`.
pub fn summary(count: usize, hash: u64) -> Summary {
    Summary { count, hash }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "full-rust: {:>4} entries, hash {:#018x}, {:+}",
            self.count,
            self.hash,
            -(self.count as i64)
        )
    }
}

/// A fixed buffer `core::fmt` writes into (no allocator needed).
struct Buf {
    bytes: [u8; 256],
    len: usize,
}

impl Write for Buf {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        if end > self.bytes.len() {
            return Err(fmt::Error);
        }
        self.bytes[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[derive(Debug)]
struct Account {
    id: u32,
    owner: &'static str,
    balance: i64,
    frozen: bool,
    tags: [u8; 3],
}

#[derive(Debug)]
enum Event {
    Transfer { from: u16, to: u16, amount: u128 },
    Burn(i32),
}

#[inline(never)]
fn six(a: u64, b: u8, c: i32, d: u64, e: i16, f: u64) -> u64 {
    a.wrapping_mul(3)
        ^ u64::from(b) << 8
        ^ (c as u64) << 16
        ^ d.rotate_left(7)
        ^ (e as u64)
        ^ f << 1
}

#[inline(never)]
fn seven(a: u64, b: u64, c: u64, d: u64, e: u64, f: u64, g: u64) -> u64 {
    a.wrapping_sub(b)
        .wrapping_mul(c | 1)
        .wrapping_add(d ^ e)
        .rotate_right((f % 64) as u32)
        ^ g.wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn eight(a: u8, b: u16, c: u32, d: u64, e: i8, f: i16, g: i32, h: i64) -> i64 {
    (i64::from(a) - i64::from(b)) * 3 + i64::from(c) - d as i64 + i64::from(e) * 5 - i64::from(f)
        + i64::from(g) * 7
        - h
}

/// Six arguments, two of them 128-bit (two registers each).
#[inline(never)]
fn wide_six(a: u128, b: u64, c: i128, d: u32, e: u64, f: u8) -> u128 {
    a.wrapping_add(u128::from(b))
        .wrapping_mul(c as u128 | 1)
        .wrapping_add(u128::from(d) << 70)
        ^ (u128::from(e) << f)
}

/// Eight arguments and a struct result returned through memory.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn eight_to_array(a: u64, b: u64, c: u64, d: u64, e: u64, f: u64, g: u64, h: u64) -> [u64; 4] {
    [a + h, b * g, c ^ f, d.wrapping_sub(e)]
}

/// A record serialised with `borsh` (derive), as a contract would store it.
#[derive(borsh::BorshSerialize, borsh::BorshDeserialize, Debug, PartialEq)]
struct Transfer {
    from: [u8; 4],
    to: [u8; 4],
    amount: u128,
    fee: i64,
    memo: Option<u16>,
    kind: TransferKind,
}

#[derive(borsh::BorshSerialize, borsh::BorshDeserialize, Debug, PartialEq)]
enum TransferKind {
    Plain,
    Vested { until: u64 },
}

trait Mix {
    #[allow(clippy::too_many_arguments)]
    fn mix(&self, a: u64, b: u64, c: u64, d: u64, e: u64, f: u64) -> u64;
}

struct Adder(u64);
struct Xorer(u64);

impl Mix for Adder {
    fn mix(&self, a: u64, b: u64, c: u64, d: u64, e: u64, f: u64) -> u64 {
        self.0 + a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f
    }
}

impl Mix for Xorer {
    fn mix(&self, a: u64, b: u64, c: u64, d: u64, e: u64, f: u64) -> u64 {
        self.0 ^ a ^ b.rotate_left(1) ^ c.rotate_left(2) ^ d.rotate_left(3) ^ e ^ f.rotate_left(9)
    }
}

/// Evaluates every entry, calling `emit(name, result bytes)` in table order.
pub fn evaluate(emit: &mut dyn FnMut(&'static str, &[u8])) {
    let mut buf = Buf {
        bytes: [0; 256],
        len: 0,
    };
    macro_rules! text {
        ($name:expr, $($fmt:tt)*) => {{
            buf.len = 0;
            if write!(buf, $($fmt)*).is_err() {
                emit($name, b"<fmt error>");
            } else {
                emit($name, &buf.bytes[..buf.len]);
            }
        }};
    }
    macro_rules! num {
        ($name:expr, $value:expr) => {{
            let v = $value;
            emit($name, &v.to_le_bytes());
        }};
    }

    // core::fmt: integers with width, fill, alignment, sign, radix.
    text!("fmt i64 min", "{}", o(i64::MIN));
    text!("fmt u64 max", "{}", o(u64::MAX));
    text!("fmt i32 neg width", "[{:>8}]", o(-1234i32));
    text!("fmt u16 left", "[{:<7}]", o(42u16));
    text!("fmt center fill", "[{:*^12}]", o(-77i64));
    text!("fmt hex zero pad", "{:08x}", o(0xbeefu32));
    text!("fmt hex alt", "{:#x} {:#X}", o(255u64), o(0xabcdefu64));
    text!("fmt bin alt", "{:#b}", o(10u8));
    text!("fmt octal", "{:o}", o(511u32));
    text!("fmt plus", "{:+} {:+}", o(5i8), o(-5i8));
    text!("fmt zero pad neg", "{:+06}", o(-42i32));
    text!("fmt width arg", "[{:>w$}]", o(9u64), w = o(5usize));
    text!("fmt lower exp", "{:e}", o(1_234_500u64));
    text!("fmt u128 max", "{}", o(u128::MAX));
    text!("fmt i128 min", "{}", o(i128::MIN));
    text!(
        "fmt u128 hex",
        "{:x}",
        o(0x1234_5678_9abc_def0_1122_3344_5566_7788u128)
    );
    text!("fmt str pad", "[{:-<10}]", o("tako"));
    text!("fmt char", "{:?} {}", o('\n'), o('é'));
    text!("fmt str debug", "{:?}", o("a\"b\\c\t"));
    // Debug of structs, enums, slices, options.
    let account = o(Account {
        id: 7,
        owner: "alice",
        balance: -1_000_000,
        frozen: false,
        tags: [1, 2, 3],
    });
    text!("debug struct", "{:?}", account);
    text!("debug struct pretty", "{:#?}", account);
    let slice: &[i16] = o(&[-3, 0, 32767, -32768]);
    text!("debug slice", "{:?}", slice);
    text!("debug slice hex", "{:x?}", o(&[10u8, 255, 16][..]));
    text!(
        "debug enum",
        "{:?} {:?}",
        o(Event::Transfer {
            from: 1,
            to: 2,
            amount: u128::MAX / 3
        }),
        o(Event::Burn(-9))
    );
    text!("debug option", "{:?} {:?}", o(Some(3u8)), o(None::<u64>));
    text!("debug tuple", "{:?}", o((1u8, -2i64, "x", true)));

    // u128 / i128 arithmetic at edge values.
    num!(
        "u128 mul",
        o(0xffff_ffff_ffff_ffffu128).wrapping_mul(o(0xffff_ffff_ffff_ffffu128))
    );
    num!("u128 mul wrap", o(u128::MAX).wrapping_mul(o(u128::MAX - 1)));
    num!(
        "u128 mul mid",
        o(0x1_0000_0001u128 << 40).wrapping_mul(o(0x7_0000_0003u128 << 33))
    );
    num!("u128 div", o(u128::MAX) / o(3u128));
    num!(
        "u128 div big",
        o(u128::MAX) / o(0x1_0000_0000_0000_0001u128)
    );
    num!("u128 div self", o(u128::MAX) / o(u128::MAX));
    num!("u128 div small", o(12345u128) / o(u128::MAX));
    num!("u128 rem", o(u128::MAX) % o(1_000_000_007u128));
    num!("u128 rem big", o(u128::MAX - 5) % o(u128::MAX / 2));
    num!(
        "u128 checked mul ok",
        o(u128::MAX / 5).checked_mul(o(4u128)).unwrap_or(7)
    );
    num!(
        "u128 checked mul overflow",
        o(u128::MAX / 5).checked_mul(o(6u128)).unwrap_or(7)
    );
    num!("u128 shl var", o(0xdead_beefu128) << o(93u32));
    num!("u128 shr var", o(u128::MAX) >> o(77u32));
    num!("i128 shr var", o(i128::MIN + 12345) >> o(100u32));
    num!("i128 mul neg", o(-3i128).wrapping_mul(o(i128::MAX)));
    num!("i128 div neg", o(i128::MIN) / o(7i128));
    num!("i128 div min -1", o(i128::MIN).wrapping_div(o(-1i128)));
    num!(
        "i128 rem neg",
        o(-1_000_000_000_000_000_000_007i128) % o(1_000_000_007i128)
    );
    num!("i128 rem min -1", o(i128::MIN).wrapping_rem(o(-1i128)));
    num!(
        "i128 div both neg",
        o(-170141183460469231731687303715884105i128) / o(-98765432109876543i128)
    );
    num!(
        "i128 checked div zero",
        o(5i128).checked_div(o(0i128)).unwrap_or(-1)
    );
    num!(
        "i128 checked mul ok",
        o(-(1i128 << 62)).checked_mul(o(1i128 << 64)).unwrap_or(7)
    );
    num!(
        "i128 checked mul overflow",
        o(i128::MAX / 3).checked_mul(o(-4i128)).unwrap_or(7)
    );
    num!("i128 overflowing mul", {
        let (v, o) = o(i128::MIN + 1).overflowing_mul(o(-1i128));
        v ^ i128::from(o)
    });
    num!(
        "u128 rotate var",
        o(0x0123_4567_89ab_cdefu128 << 50).rotate_left(o(77u32))
    );
    num!(
        "u128 leading zeros",
        o(1u128 << 100).leading_zeros() + o(3u128).trailing_zeros()
    );
    num!("u128 pow", o(10u128).pow(o(35u32)));
    num!(
        "u128 sqrt-free mul div",
        o(123_456_789_012_345_678_901u128) * o(1_000_000_007u128) / o(998_244_353u128)
    );
    num!(
        "u128 div 1e18",
        o(u128::MAX / 7) / o(1_000_000_000_000_000_000u128)
    );
    num!(
        "u128 saturating",
        o(u128::MAX - 5).saturating_add(o(9u128)) - o(1u128)
    );
    num!("i128 abs", o(-(1i128 << 100) - 12345).unsigned_abs());
    num!(
        "i64 checked mul",
        o(i64::MAX / 2).checked_mul(o(3i64)).unwrap_or(-9)
            ^ o(-7i64).checked_mul(o(9i64)).unwrap_or(0)
    );
    num!("f64 to u128", o(3.5e30f64) as u128);
    num!("i128 to f64", (o(-(1i128 << 90) - 1) as f64).to_bits());
    num!("f64 to i128 neg", o(-2.5e25f64) as i128);
    num!(
        "f64 to u128 saturating",
        (o(f64::INFINITY) as u128) ^ (o(-1.5f64) as u128) ^ (o(0.999f64) as u128) << 1
    );
    num!(
        "f64 to i128 saturating",
        (o(f64::NAN) as i128) ^ (o(1e40f64) as i128) ^ (o(-1e40f64) as i128).rotate_left(3)
    );

    // i64 / i32 / i8 division and remainder at edge values.
    num!("i64 div", o(-7i64) / o(2i64));
    num!("i64 rem", o(-7i64) % o(2i64));
    num!("i64 div neg divisor", o(7i64) / o(-2i64));
    num!("i64 rem neg divisor", o(7i64) % o(-2i64));
    num!("i64 div min -1", o(i64::MIN).wrapping_div(o(-1i64)));
    num!("i64 rem min -1", o(i64::MIN).wrapping_rem(o(-1i64)));
    num!(
        "i64 checked div min -1",
        o(i64::MIN).checked_div(o(-1i64)).unwrap_or(42)
    );
    num!("i64 div min", o(i64::MIN) / o(3i64));
    num!("i64 rem min", o(i64::MIN) % o(i64::MAX));
    num!("i64 div const", o(-1_000_001i64) / 1000);
    num!("i64 rem const", o(-1_000_001i64) % 1000);
    num!("i64 div pow2", o(-9i64) / 4);
    num!("i64 div euclid", o(-7i64).div_euclid(o(3i64)));
    num!("i64 rem euclid", o(-7i64).rem_euclid(o(3i64)));
    num!("i32 div", o(i32::MIN + 1) / o(-3i32));
    num!("i32 rem", o(-2_000_000_001i32) % o(65_537i32));
    num!("i32 div min -1", o(i32::MIN).wrapping_div(o(-1i32)));
    num!("i16 div", o(-32768i16) / o(255i16));
    num!("i8 rem", o(-128i8) % o(7i8));

    // f64 (and f32) arithmetic, conversions, float-to-string.
    num!("f64 add", (o(0.1f64) + o(0.2f64)).to_bits());
    num!("f64 sub", (o(1e16f64) - o(1.5f64)).to_bits());
    num!("f64 mul", (o(1.1f64) * o(-3.3e-5f64)).to_bits());
    num!("f64 div", (o(1.0f64) / o(3.0f64)).to_bits());
    num!("f64 div zero", (o(-1.0f64) / o(0.0f64)).to_bits());
    num!(
        "f64 subnormal",
        (o(f64::MIN_POSITIVE) / o(1e10f64)).to_bits()
    );
    num!(
        "f64 cmp",
        u8::from(o(0.5f64) < o(0.25f64))
            | u8::from(o(2.0f64) >= o(2.0f64)) << 1
            | u8::from(o(f64::NAN) == o(f64::NAN)) << 2
    );
    num!("f64 to i64", o(-12345.987f64) as i64);
    num!("f64 to u64 sat", o(1e30f64) as u64);
    num!("f64 to i32 nan", o(f64::NAN) as i32);
    num!(
        "i64 to f64",
        (o(-9_007_199_254_740_993i64) as f64).to_bits()
    );
    num!("u64 to f64", (o(u64::MAX) as f64).to_bits());
    num!("u128 to f64", (o(u128::MAX / 7) as f64).to_bits());
    num!("f64 to f32", (o(core::f64::consts::PI) as f32).to_bits());
    num!("f32 mul", (o(1.5f32) * o(-2.25f32)).to_bits());
    num!("f64 to i32 neg", o(-123_456.7f64) as i32);
    num!(
        "f64 to i16 sat",
        (o(-1e9f64) as i16) ^ (o(40_000.5f64) as i16)
    );
    num!("f32 to i32 neg", o(-7.99f32) as i32);
    num!(
        "f32 to u8 sat",
        (o(300.0f32) as u8) ^ (o(-3.0f32) as u8) << 1
    );
    num!("u32 to f32", (o(4_294_967_295u32) as f32).to_bits());
    num!("i32 to f64", (o(i32::MIN) as f64).to_bits());
    num!(
        "f32 cmp",
        u8::from(o(1.5f32) < o(2.5f32))
            | u8::from(o(-0.0f32) == o(0.0f32)) << 1
            | u8::from(o(f32::NAN) >= o(1.0f32)) << 2
            | u8::from(o(3.0f32) != o(3.0f32)) << 3
    );
    num!(
        "f32 div add",
        (o(1.0f32) / o(3.0f32) + o(1e-8f32)).to_bits()
    );
    num!("f32 to f64", f64::from(o(0.1f32)).to_bits());
    num!("f64 poly", {
        let x = o(0.7f64);
        (((x * 0.5 - 1.25) * x + 3.0) * x - 0.125).to_bits()
    });
    text!("fmt f64", "{}", o(0.1f64 + 0.2f64));
    text!(
        "fmt f64 prec",
        "{:.3} {:8.2}",
        o(2.0f64 / 3.0),
        o(-1234.5678f64)
    );
    text!("fmt f64 exp", "{:e}", o(6.022_140_76e23f64));
    text!(
        "fmt f64 debug",
        "{:?} {:?} {:?}",
        o(1.0f64),
        o(f64::NAN),
        o(-f64::INFINITY)
    );
    text!("fmt f32", "{}", o(16_777_217.0f32));

    // Popular no_std crates: fnv (hashing), hex (encoding), borsh (serialization), itoa.
    {
        use core::hash::Hasher;
        let mut h = fnv::FnvHasher::default();
        h.write(o(b"tako full rust"));
        h.write_u64(o(0xdead_beef));
        h.write_i128(o(i128::MIN + 3));
        num!("crate fnv", h.finish());
    }
    {
        let mut out = [0u8; 32];
        match hex::encode_to_slice(
            o(&[0x00u8, 0x7f, 0x80, 0xff, 0x12, 0xab][..]),
            &mut out[..12],
        ) {
            Ok(()) => emit("crate hex encode", &out[..12]),
            Err(_) => emit("crate hex encode", b"<hex error>"),
        }
        let mut back = [0u8; 6];
        match hex::decode_to_slice(o("00Ff80deadBE"), &mut back) {
            Ok(()) => emit("crate hex decode", &back),
            Err(_) => emit("crate hex decode", b"<hex error>"),
        }
        let bad = hex::decode_to_slice(o("0g"), &mut back[..1]).is_err();
        num!("crate hex rejects", u8::from(bad));
    }
    {
        let transfer = o(Transfer {
            from: [1, 2, 3, 4],
            to: [9, 8, 7, 6],
            amount: u128::MAX / 3,
            fee: -12_345,
            memo: Some(0xbeef),
            kind: TransferKind::Vested {
                until: 1_700_000_000,
            },
        });
        let mut bytes = [0u8; 96];
        let mut writer = &mut bytes[..];
        let written = match borsh::to_writer(&mut writer, &transfer) {
            Ok(()) => 96 - writer.len(),
            Err(_) => 0,
        };
        emit("crate borsh serialize", &bytes[..written]);
        let same = borsh::from_slice::<Transfer>(&bytes[..written])
            .map(|back| back == transfer)
            .unwrap_or(false);
        num!("crate borsh roundtrip", u8::from(same));
        let truncated = borsh::from_slice::<Transfer>(&bytes[..written - 1]).is_err();
        num!("crate borsh rejects short", u8::from(truncated));
    }
    {
        let mut b = itoa::Buffer::new();
        emit("crate itoa i128", b.format(o(i128::MIN)).as_bytes());
        emit(
            "crate itoa u64",
            b.format(o(18_446_744_073_709_551_615u64)).as_bytes(),
        );
    }

    // Calls with six, seven and eight arguments; direct, through a fn pointer, and dyn.
    num!("call six", six(o(1), o(2), o(-3), o(4), o(-5), o(6)));
    num!(
        "call seven",
        seven(o(11), o(22), o(33), o(44), o(55), o(66), o(77))
    );
    num!(
        "call eight",
        eight(
            o(200),
            o(60_000),
            o(4_000_000_000),
            o(1 << 40),
            o(-100),
            o(-30_000),
            o(-2_000_000_000),
            o(i64::MIN / 3)
        )
    );
    num!(
        "call wide six",
        wide_six(
            o(u128::MAX / 9),
            o(u64::MAX),
            o(-77),
            o(0xffff_ffff),
            o(5),
            o(61)
        )
    );
    let array = eight_to_array(o(1), o(2), o(3), o(4), o(5), o(6), o(7), o(8));
    num!(
        "call eight array",
        array[0] ^ array[1] << 8 ^ array[2] << 16 ^ array[3] << 24
    );
    let pointer: fn(u64, u64, u64, u64, u64, u64, u64) -> u64 = o(seven);
    num!(
        "call seven ptr",
        pointer(o(1), o(2), o(3), o(4), o(5), o(6), o(7))
    );
    let mixers: [&dyn Mix; 2] = [&Adder(100), &Xorer(0x55)];
    for (i, m) in o(mixers).iter().enumerate() {
        let name = if i == 0 {
            "call dyn adder"
        } else {
            "call dyn xorer"
        };
        num!(name, m.mix(o(1), o(2), o(3), o(4), o(5), o(6)));
    }
}
