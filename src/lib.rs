//! hyperpod-iam: one spec in, IAM for SageMaker HyperPod out.
//!
//! spec → [`model::Model`] → emitters. Dependencies point one way: model ← spec / check ← emit ←
//! cli. The IAM action catalog ([`catalog`]) stands beside them and depends on nothing but the
//! one did-you-mean ([`suggest`]).

pub mod access;
pub mod app;
pub mod catalog;
pub mod check;
pub mod cli;
pub mod emit;
pub mod input;
pub mod model;
pub mod output;
pub mod par;
pub mod spec;
pub mod suggest;
