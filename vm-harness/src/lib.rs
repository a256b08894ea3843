//! vm-harness
