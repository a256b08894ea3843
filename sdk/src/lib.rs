//! tako-sdk
