//! tako-tests
