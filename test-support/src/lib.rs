#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

extern crate alloc;

mod build;
pub mod ids;

pub use build::{
    build_contract, build_contract_with, repo_root, try_build_contract, try_build_contract_with,
    BuildError,
};
