//! Helpers shared by the integration tests. Each test binary uses only some of them.
// Test code: clippy's allow-*-in-tests covers `#[test]` functions, not their helpers.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod grants;
pub mod tf_schema;
pub mod tools;
