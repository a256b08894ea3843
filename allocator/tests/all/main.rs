//! tos-alloc's host tests, one binary: each module is one concern (the loom model of the
//! compare-and-swap path is `tests/loom.rs`, built only with `--cfg loom`).
#![cfg(not(loom))]

#[path = "../common/mod.rs"]
mod common;
#[path = "../slab_model/mod.rs"]
mod slab_model;

mod host;
mod inspect;
mod model;
mod slab;
mod strategies;
mod threads;
