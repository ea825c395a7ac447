//! Helpers shared by integration tests. Each test binary that declares `mod common;` compiles
//! this module on its own and may use only part of it, hence `dead_code` is allowed here.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod grants;
