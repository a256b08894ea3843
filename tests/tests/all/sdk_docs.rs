//! tako-sdk's documented prices are the ABI's: every "Costs N CU[ + K per [M] … byte…]" in
//! the doc comment of an SDK function that makes one syscall is checked against that
//! syscall's price in `tako_abi::SYSCALLS`, so a price changed in the ABI fails here until
//! the SDK's docs say it too.

use tako_abi::{Price, SyscallSpec};

/// A price claim of a doc comment: the base, and the per-byte part if any (`cu` per `per`
/// bytes).
#[derive(Debug, PartialEq, Eq)]
struct Claim {
    base: u64,
    per_bytes: Option<(u64, u64)>,
}

/// Parses "Costs N CU" and an optional "+ K per [M ]…byte…" from a doc comment's text.
fn claim(doc: &str) -> Option<Claim> {
    let rest = &doc[doc.find("Costs ")? + "Costs ".len()..];
    let words: Vec<&str> = rest.split_whitespace().collect();
    let base = words.first()?.parse().ok()?;
    if words.get(1).map(|w| w.trim_end_matches(['.', ','])) != Some("CU") {
        return None;
    }
    let per_bytes = match (words.get(2), words.get(3), words.get(4)) {
        (Some(&"+"), Some(cu), Some(&"per")) => {
            let cu = cu.parse().ok()?;
            let per = words.get(5).and_then(|w| w.parse().ok()).unwrap_or(1);
            Some((cu, per))
        }
        _ => None,
    };
    Some(Claim { base, per_bytes })
}

/// What the ABI's price says in the same terms.
fn price_claim(spec: &SyscallSpec) -> Claim {
    match spec.price {
        Price::Flat(p) => Claim {
            base: p,
            per_bytes: None,
        },
        Price::Linear { base, cu, per, .. } => Claim {
            base,
            per_bytes: Some((cu, per)),
        },
        Price::MemOp { min, .. } => Claim {
            base: min,
            per_bytes: None,
        },
    }
}

/// `(sdk file, documented item, syscall, doc text)` for every SDK item documented with a
/// price whose code makes exactly one syscall: a `pub fn` and the `raw::` call before the
/// next documented item (or, for a wrapper named for its syscall, that syscall), or a name
/// in a getter macro's list (`/// doc` then `name;`), whose syscall has the same name.
fn documented_prices() -> Vec<(String, String, String, String)> {
    let dir = tako_test_support::repo_root().join("sdk/src");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let mut i = 0;
        while i < lines.len() {
            if !lines[i].trim_start().starts_with("///") {
                i += 1;
                continue;
            }
            let mut doc = String::new();
            while i < lines.len() && lines[i].trim_start().starts_with("///") {
                doc.push_str(lines[i].trim_start().trim_start_matches("///").trim());
                doc.push(' ');
                i += 1;
            }
            if !doc.contains("Costs ") {
                continue;
            }
            // The item: skip attributes.
            while i < lines.len() && lines[i].trim_start().starts_with("#[") {
                i += 1;
            }
            let Some(item) = lines.get(i).map(|l| l.trim()) else {
                continue;
            };
            if let Some(name) = item
                .strip_suffix(';')
                .filter(|n| n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            {
                out.push((file.clone(), name.to_string(), name.to_string(), doc));
                continue;
            }
            let Some(name) = item
                .split("fn ")
                .nth(1)
                .and_then(|r| r.split(['(', '<']).next())
            else {
                continue;
            };
            // The body: up to the next doc comment.
            let body_end = (i + 1..lines.len())
                .find(|&j| lines[j].trim_start().starts_with("///"))
                .unwrap_or(lines.len());
            let mut calls: Vec<String> = lines[i..body_end]
                .iter()
                .flat_map(|l| l.split("raw::").skip(1))
                .filter_map(|r| r.split('(').next())
                .map(str::to_string)
                .collect();
            calls.dedup();
            // One syscall in the body; else a wrapper named for its syscall (whose call sits
            // in a helper).
            let syscall = match &calls[..] {
                [call] => Some(call.clone()),
                _ => tako_abi::SYSCALLS
                    .iter()
                    .any(|s| s.name == name)
                    .then(|| name.to_string()),
            };
            if let Some(syscall) = syscall {
                out.push((file.clone(), name.to_string(), syscall, doc));
            }
        }
    }
    out
}

#[test]
fn claims_are_read_as_written() {
    assert_eq!(
        claim("Stores it. Costs 500 CU + 2 per value byte."),
        Some(Claim {
            base: 500,
            per_bytes: Some((2, 1))
        })
    );
    assert_eq!(
        claim("Costs 50 CU + 1 per 32 bytes copied."),
        Some(Claim {
            base: 50,
            per_bytes: Some((1, 32))
        })
    );
    assert_eq!(
        claim("The chain's id. Costs 50 CU."),
        Some(Claim {
            base: 50,
            per_bytes: None
        })
    );
    assert_eq!(claim("Costs the formatting plus one log"), None);
}

#[test]
fn sdk_doc_prices_are_the_abis() {
    let documented = documented_prices();
    let mut checked = 0;
    for (file, item, syscall, doc) in &documented {
        let spec = tako_abi::SYSCALLS
            .iter()
            .find(|s| s.name == syscall)
            .unwrap_or_else(|| panic!("sdk/src/{file}: {item} calls {syscall}, not in the ABI"));
        let Some(said) = claim(doc) else {
            panic!("sdk/src/{file}: {item}'s doc has a price this test cannot read: {doc}");
        };
        assert_eq!(
            said,
            price_claim(spec),
            "sdk/src/{file}: {item}'s doc says {said:?}; the ABI prices {syscall} {}",
            spec.price_text()
        );
        checked += 1;
    }
    // Every documented getter and wrapper of the SDK: a parse that finds none checks nothing.
    assert!(checked >= 26, "only {checked} documented prices found");
}
