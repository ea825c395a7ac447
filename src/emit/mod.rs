//! Emitters: backends that render a checked model into the files of one format.
//!
//! An emitter is pure: it returns [`Artifact`]s and never writes, reads the environment or the
//! clock; only the command line writes, and it writes all or nothing.

mod cloudformation;
mod iam_json;
mod kubernetes;
pub mod node;
mod path;
pub mod policy;
mod terraform;

use serde::Serialize;
use thiserror::Error;

use crate::model::Model;

pub use cloudformation::CloudFormation;
pub use iam_json::IamJson;
pub use kubernetes::{KubernetesRbac, RBAC_FILE};
pub use path::{ArtifactPathError, check_artifact_path};
pub use terraform::Terraform;

/// One output file: a path relative to the output folder (always `/`-separated) and its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Artifact {
    pub path: String,
    pub contents: String,
}

/// Why an emitter could not render a model.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum EmitError {
    /// The model cannot be expressed in this format.
    #[error("{0}")]
    Unsupported(String),
    /// Two resources of the output would get one name.
    #[error("two resources would both be named `{0}`")]
    NameCollision(String),
    /// A serializer refused a value (a bug: every value we build is serializable).
    #[error("cannot serialize the output: {0}")]
    Serialize(String),
}

/// A backend that renders a checked model into the files of one format.
pub trait Emitter: Send + Sync {
    /// Stable id: the `--format` value.
    fn name(&self) -> &'static str;
    /// One line for `hyperpod-iam emitters`.
    fn description(&self) -> &'static str;
    /// `Err(reason)` when this format does not apply to the model (a Slurm spec has no RBAC).
    fn applies(&self, model: &Model) -> Result<(), String> {
        let _ = model;
        Ok(())
    }
    /// Pure and deterministic: no I/O, clock, environment or randomness.
    fn emit(&self, model: &Model) -> Result<Vec<Artifact>, EmitError>;
}

/// The emitters, by name, in the order `--format all` runs them.
pub struct Registry {
    emitters: Vec<Box<dyn Emitter>>,
}

impl Registry {
    /// Every built-in emitter.
    pub fn builtin() -> Registry {
        Registry {
            emitters: vec![Box::new(CloudFormation), Box::new(Terraform), Box::new(KubernetesRbac), Box::new(IamJson)],
        }
    }

    pub fn get(&self, name: &str) -> Option<&dyn Emitter> {
        self.emitters.iter().find(|e| e.name() == name).map(|e| e.as_ref())
    }

    pub fn iter(&self) -> impl Iterator<Item = &dyn Emitter> {
        self.emitters.iter().map(|e| e.as_ref())
    }
}
