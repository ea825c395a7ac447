//! The configuration the model is built from: what the spec reader makes of a spec.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{Orchestrator, Statement, Target};

/// The validated configuration the spec reader produces: every default filled in, every
/// constraint already checked.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Config {
    pub name: String,
    /// `None` only when the spec names no valid orchestrator, and then the reader reports an
    /// error and never builds the model; `build` reads it as Slurm, the one without extras.
    pub orchestrator: Option<Orchestrator>,
    pub target: Target,
    pub cluster_id: Option<String>,
    pub eks_cluster_name: Option<String>,
    pub options: Options,
    pub permissions_boundary: Option<String>,
    pub tags: BTreeMap<String, String>,
    pub admins: Vec<AdminConfig>,
    pub scientists: Vec<ScientistConfig>,
    pub execution_roles: Vec<ExecutionConfig>,
}

/// `options` of the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Options {
    pub custom_vpc: bool,
    pub pod_identity: bool,
    pub task_governance: bool,
    pub node_access: bool,
    pub service_linked_role: bool,
    pub console_access: bool,
}

/// What a user may add to any role beside the generated grants.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Extras {
    /// Managed policy ARNs, as given.
    pub managed_policy_arns: Vec<String>,
    /// Extra statements, already converted.
    pub statements: Vec<Statement>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AdminConfig {
    pub name: String,
    pub trusted_principals: Vec<String>,
    pub extras: Extras,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScientistConfig {
    pub name: String,
    pub trusted_principals: Vec<String>,
    /// eks: the team namespace, the default already filled in.
    pub namespace: Option<String>,
    pub pod_role: Option<PodRoleConfig>,
    pub extras: Extras,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PodRoleConfig {
    pub service_account: String,
    pub s3_buckets: Vec<String>,
    pub extras: Extras,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExecutionConfig {
    pub name: String,
    pub instance_groups: Vec<String>,
    pub s3_buckets: Vec<String>,
    pub extras: Extras,
}
