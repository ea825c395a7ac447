//! Helpers shared by the integration tests.

pub mod tf_schema;
