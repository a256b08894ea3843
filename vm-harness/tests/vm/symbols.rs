//! A `.so`'s functions by size, read from its symbols (`cargo tako info` lists them).

use crate::common::{contract, contract_v3_path};

#[test]
fn functions_come_largest_first_with_plain_names() {
    let v3 = std::fs::read(contract_v3_path("basic")).expect("the built .so is readable");
    for (arch, so) in [("v0", contract("basic")), ("v3", v3)] {
        let functions = vm_harness::functions_by_size(&so).unwrap();
        assert!(
            functions.windows(2).all(|w| w[0].size >= w[1].size),
            "{arch}: {functions:?}"
        );
        let entry = functions.iter().find(|f| f.name == "entrypoint");
        assert!(entry.is_some_and(|f| f.size > 0), "{arch}: {functions:?}");
        // Demangled without crate hashes (`tako_sdk[5c9f…]::fmt` would be `tako_sdk::fmt`).
        assert!(
            functions
                .iter()
                .all(|f| !f.name.starts_with("_R") && !f.name.contains("]::")),
            "{arch}: {functions:?}"
        );
        assert!(
            functions.iter().any(|f| f.name.starts_with("tako_sdk::")),
            "{arch}: {functions:?}"
        );
    }
}
