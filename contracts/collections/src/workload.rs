//! The collections workload, shared verbatim with the host test (`tests/`, through
//! `#[path]`), which runs it natively and compares the checksum with the VM's.
//!
//! Only `core` and `alloc`: no formatting, no signed division, no floats.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;
use core::cell::RefCell;

/// Default size of the workload when the input is empty.
pub const DEFAULT_N: u64 = 100;
/// Largest accepted size (keeps the run inside a 32 KiB heap).
pub const MAX_N: u64 = 400;

/// FNV-1a style mixing of 64-bit words.
#[derive(Debug, Clone, Copy)]
pub struct Checksum(u64);

impl Checksum {
    fn new() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
    fn add(&mut self, word: u64) {
        self.0 = (self.0 ^ word).wrapping_mul(0x0000_0100_0000_01b3);
    }
    /// The final value.
    pub fn value(self) -> u64 {
        self.0
    }
}

/// What a failed self-check names.
pub type Failure = &'static str;

fn check(ok: bool, what: Failure) -> Result<(), Failure> {
    if ok {
        Ok(())
    } else {
        Err(what)
    }
}

/// Runs every part with size `n` and returns the combined checksum.
///
/// # Errors
/// The name of the first self-check that failed.
pub fn run(n: u64) -> Result<u64, Failure> {
    let mut sum = Checksum::new();
    vec_growth(n, &mut sum)?;
    btreemap(n, &mut sum)?;
    string_building(n, &mut sum)?;
    dyn_trait(n, &mut sum)?;
    rc_sharing(n, &mut sum)?;
    Ok(sum.value())
}

fn vec_growth(n: u64, sum: &mut Checksum) -> Result<(), Failure> {
    let mut v: Vec<u64> = Vec::new();
    let mut capacities = 0u64;
    let mut last_cap = 0usize;
    for i in 0..n {
        v.push(i.wrapping_mul(i).wrapping_add(7));
        if v.capacity() != last_cap {
            last_cap = v.capacity();
            capacities += 1;
        }
    }
    check(v.len() as u64 == n, "vec: length after pushes")?;
    check(v.capacity() >= v.len(), "vec: capacity below length")?;
    check(n <= 4 || capacities >= 2, "vec: never grew")?;
    let mut total = 0u64;
    for (i, x) in v.iter().enumerate() {
        let i = i as u64;
        check(*x == i * i + 7, "vec: element value")?;
        total = total.wrapping_add(*x);
    }
    // Shrinking and re-growing keeps the prefix.
    v.truncate((n / 2) as usize);
    v.shrink_to_fit();
    v.extend((0..n / 4).map(|i| i + 1_000_000));
    check(
        v.len() as u64 == n / 2 + n / 4,
        "vec: length after truncate+extend",
    )?;
    sum.add(total);
    sum.add(
        v.iter()
            .fold(0u64, |a, x| a.wrapping_mul(31).wrapping_add(*x)),
    );
    Ok(())
}

fn btreemap(n: u64, sum: &mut Checksum) -> Result<(), Failure> {
    let mut m: BTreeMap<u64, u64> = BTreeMap::new();
    // A permutation of 0..1009 (1009 is prime): keys arrive out of order.
    for i in 0..n {
        let key = (i * 7919) % 1009;
        check(m.insert(key, i).is_none(), "btreemap: duplicate key")?;
    }
    check(m.len() as u64 == n, "btreemap: length after inserts")?;
    let mut removed = 0u64;
    for i in (0..n).step_by(2) {
        let key = (i * 7919) % 1009;
        check(m.remove(&key) == Some(i), "btreemap: removed value")?;
        removed += 1;
    }
    check(
        m.len() as u64 == n - removed,
        "btreemap: length after removes",
    )?;
    let mut prev: Option<u64> = None;
    for (k, v) in &m {
        check(prev.is_none_or(|p| p < *k), "btreemap: iteration order")?;
        check(v % 2 == 1, "btreemap: an even entry survived")?;
        prev = Some(*k);
        sum.add(k.wrapping_mul(31).wrapping_add(*v));
    }
    if let Some((k, v)) = m.range(500..).next() {
        sum.add(*k ^ *v);
    }
    Ok(())
}

fn push_decimal(s: &mut String, mut x: u64) {
    let mut digits = [0u8; 20];
    let mut len = 0;
    loop {
        digits[len] = b'0' + (x % 10) as u8;
        len += 1;
        x /= 10;
        if x == 0 {
            break;
        }
    }
    for d in digits[..len].iter().rev() {
        s.push(*d as char);
    }
}

fn string_building(n: u64, sum: &mut Checksum) -> Result<(), Failure> {
    let mut s = String::new();
    let mut expected_len = 0u64;
    for i in 0..n {
        push_decimal(&mut s, i);
        s.push(',');
        let mut digits = 1;
        let mut x = i;
        while x >= 10 {
            x /= 10;
            digits += 1;
        }
        expected_len += digits + 1;
    }
    s.push_str("done: ünïcode ✓");
    expected_len += "done: ünïcode ✓".len() as u64;
    check(s.len() as u64 == expected_len, "string: length")?;
    check(n < 3 || s.starts_with("0,1,2,"), "string: prefix")?;
    check(s.ends_with('✓'), "string: suffix")?;
    let commas = s.bytes().filter(|b| *b == b',').count() as u64;
    check(commas == n, "string: separators")?;
    let words: Vec<&str> = s.split(',').collect();
    check(words.len() as u64 == n + 1, "string: split")?;
    for b in s.bytes() {
        sum.add(u64::from(b));
    }
    Ok(())
}

trait Shape {
    fn area(&self) -> u64;
    fn sides(&self) -> u64;
}

struct Square(u64);
struct Rect(u64, u64);
struct Triangle {
    base: u64,
    height: u64,
}

impl Shape for Square {
    fn area(&self) -> u64 {
        self.0 * self.0
    }
    fn sides(&self) -> u64 {
        4
    }
}

impl Shape for Rect {
    fn area(&self) -> u64 {
        self.0 * self.1
    }
    fn sides(&self) -> u64 {
        4
    }
}

impl Shape for Triangle {
    fn area(&self) -> u64 {
        self.base * self.height / 2
    }
    fn sides(&self) -> u64 {
        3
    }
}

fn dyn_trait(n: u64, sum: &mut Checksum) -> Result<(), Failure> {
    let mut shapes: Vec<Box<dyn Shape>> = Vec::new();
    for i in 0..n / 4 {
        let shape: Box<dyn Shape> = match i % 3 {
            0 => Box::new(Square(i)),
            1 => Box::new(Rect(i, i + 1)),
            _ => Box::new(Triangle {
                base: i,
                height: 2 * i + 2,
            }),
        };
        shapes.push(shape);
    }
    let mut area = 0u64;
    let mut sides = 0u64;
    for (i, s) in shapes.iter().enumerate() {
        let i = i as u64;
        let expected = match i % 3 {
            0 => i * i,
            1 => i * (i + 1),
            _ => i * (i + 1),
        };
        check(s.area() == expected, "dyn: area through the vtable")?;
        area += s.area();
        sides += s.sides();
    }
    sum.add(area);
    sum.add(sides);
    Ok(())
}

fn rc_sharing(n: u64, sum: &mut Checksum) -> Result<(), Failure> {
    let shared = Rc::new(RefCell::new(Vec::<u64>::new()));
    let handles: Vec<Rc<RefCell<Vec<u64>>>> = (0..8).map(|_| Rc::clone(&shared)).collect();
    check(
        Rc::strong_count(&shared) == 9,
        "rc: strong count after clones",
    )?;
    for (i, h) in handles.iter().enumerate() {
        for j in 0..n / 16 {
            h.borrow_mut().push(i as u64 * 1000 + j);
        }
    }
    let len = shared.borrow().len() as u64;
    check(len == 8 * (n / 16), "rc: writes through every handle")?;
    drop(handles);
    check(
        Rc::strong_count(&shared) == 1,
        "rc: strong count after drop",
    )?;
    let weak = Rc::downgrade(&shared);
    check(weak.upgrade().is_some(), "rc: weak upgrade while alive")?;
    let total = shared.borrow().iter().fold(0u64, |a, x| a.wrapping_add(*x));
    drop(shared);
    check(weak.upgrade().is_none(), "rc: weak upgrade after drop")?;
    sum.add(total);
    sum.add(len);
    Ok(())
}
