//! tako-linker's integration tests, one binary: the relinker against checked-in objects
//! (`relink_fixtures`), the IR rewrites compiled and run in the VM (`lower_vm`), and a
//! contract linked end to end (`link_check`).

mod link_check;
mod lower_vm;
mod relink_fixtures;
