//! tos-alloc
