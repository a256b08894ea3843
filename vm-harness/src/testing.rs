//! For a contract crate's own host tests: [`contract_under_test`], the `.so` `cargo tako
//! test` built (its path is in [`CONTRACT_SO_ENV`]).

use std::path::PathBuf;

/// The variable `cargo tako test` sets, for the crate's host tests, to the path of the
/// `.so` it has just built.
pub const CONTRACT_SO_ENV: &str = "TAKO_CONTRACT_SO";

/// Why [`try_contract_under_test`] found no contract.
#[derive(Debug, thiserror::Error)]
pub enum ContractUnderTestError {
    /// The variable is not set: the tests were not started by `cargo tako test`.
    #[error(
        "{CONTRACT_SO_ENV} is not set: run these tests with `cargo tako test`, which builds the \
         contract and points {CONTRACT_SO_ENV} at its .so"
    )]
    NotSet,
    /// The file cannot be read.
    #[error("{CONTRACT_SO_ENV}={path}: {source}")]
    Read {
        /// The path the variable holds.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

/// The bytes of the `.so` `cargo tako test` built (the file [`CONTRACT_SO_ENV`] names).
pub fn try_contract_under_test() -> Result<Vec<u8>, ContractUnderTestError> {
    let path =
        PathBuf::from(std::env::var_os(CONTRACT_SO_ENV).ok_or(ContractUnderTestError::NotSet)?);
    std::fs::read(&path).map_err(|source| ContractUnderTestError::Read { path, source })
}

/// Test helper: [`try_contract_under_test`], panicking with its error.
pub fn contract_under_test() -> Vec<u8> {
    try_contract_under_test().unwrap_or_else(|e| panic!("{e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_cargo_tako_test_the_contract_under_test_says_how_to_run() {
        if std::env::var_os(CONTRACT_SO_ENV).is_some() {
            return; // run by `cargo tako test`: the variable is the point
        }
        let e = try_contract_under_test().unwrap_err();
        assert!(matches!(e, ContractUnderTestError::NotSet), "{e:?}");
        assert!(
            e.to_string()
                .contains("run these tests with `cargo tako test`"),
            "{e}"
        );
    }
}
