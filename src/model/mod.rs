//! The one in-memory model of everything hyperpod-iam generates.
//!
//! Built from a checked spec (`crate::spec`), read by every emitter (`crate::emit`) and by the
//! checks (`crate::check`). It is `Serialize` so that template emitters and external programs get
//! it as data, and its statements stay structured so that a later "can persona X do Y" engine can
//! reason over them. It depends on nothing that does I/O.

mod build;
pub mod iam_json;
pub mod limits;
pub mod names;
pub mod permissions;
mod shared;
pub mod text;

use std::collections::BTreeMap;

use serde::Serialize;

pub use build::{AdminConfig, Config, ExecutionConfig, Extras, Options, PodRoleConfig, ScientistConfig, build};
pub use shared::Shared;
pub use text::{Part, Resolver, Text};

/// The IAM policy language version every document uses.
pub const POLICY_VERSION: &str = "2012-10-17";

/// Stable id of a role inside one model: `<kind>-<entry name>` (`admin-platform`), or
/// `service-linked` for the service-linked role.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct RoleId(pub String);

/// Which orchestrator the HyperPod cluster uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Orchestrator {
    Eks,
    Slurm,
}

impl Orchestrator {
    pub fn as_str(self) -> &'static str {
        match self {
            Orchestrator::Eks => "eks",
            Orchestrator::Slurm => "slurm",
        }
    }
}

/// The persona or purpose of a role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum RoleKind {
    /// A cluster admin (`admins[]`).
    Admin,
    /// A data scientist team (`scientists[]`).
    Scientist,
    /// A role the team's pods assume through EKS Pod Identity (`scientists[].podRole`).
    Pod,
    /// An execution role of HyperPod instance groups (`executionRoles[]`).
    Execution,
}

impl RoleKind {
    /// The word used in role names and ids.
    pub fn word(self) -> &'static str {
        match self {
            RoleKind::Admin => "admin",
            RoleKind::Scientist => "scientist",
            RoleKind::Pod => "pod",
            RoleKind::Execution => "exec",
        }
    }
}

/// Where the output is deployed, as far as the spec pins it. `None` means a deploy-time value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Target {
    pub partition: Option<String>,
    pub region: Option<String>,
    pub account: Option<String>,
}

impl Target {
    /// All three values, when the spec pins all of them.
    pub fn literal(&self) -> Option<(&str, &str, &str)> {
        Some((self.partition.as_deref()?, self.region.as_deref()?, self.account.as_deref()?))
    }

    /// Replaces the symbols the spec pins by their literal values.
    pub fn pin(&self, text: &Text) -> Text {
        let mut out = Text::default();
        for part in &text.0 {
            let literal = match part {
                Part::Partition => self.partition.as_deref(),
                Part::Region => self.region.as_deref(),
                Part::Account => self.account.as_deref(),
                _ => None,
            };
            match literal {
                Some(value) => out.push_str(value),
                None => out.push(part.clone()),
            }
        }
        out
    }
}

/// The HyperPod cluster and, for EKS, its EKS cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Cluster {
    /// The 12-character id at the end of the HyperPod cluster ARN, when known.
    pub id: Option<String>,
    /// The EKS cluster name (eks only).
    pub eks_cluster_name: Option<String>,
}

/// Everything one spec generates.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Model {
    /// The spec's `name`; prefixes every generated name.
    pub name: String,
    pub orchestrator: Orchestrator,
    pub target: Target,
    pub cluster: Cluster,
    /// The spec's `options`, every default filled in.
    pub options: Options,
    /// Tags from the spec, put on every taggable resource.
    pub tags: BTreeMap<String, String>,
    /// Every IAM role this output creates, in spec order: admins, scientists, their pod roles,
    /// execution roles.
    pub roles: Vec<Role>,
    /// Customer managed policies, each attached to the roles it names.
    pub policies: Vec<ManagedPolicy>,
    /// The service-linked role, when `options.serviceLinkedRole` asks for it.
    pub service_linked_role: Option<ServiceLinkedRole>,
    /// EKS access entries (eks only).
    pub access_entries: Vec<AccessEntry>,
    /// EKS Pod Identity associations (eks only).
    pub pod_identity_associations: Vec<PodIdentityAssociation>,
    /// Kubernetes RBAC objects (eks only).
    pub kubernetes: Option<Kubernetes>,
}

impl Model {
    /// The IAM role name of every role, for [`Resolver`].
    pub fn role_names(&self) -> BTreeMap<RoleId, String> {
        self.roles.iter().map(|r| (r.id.clone(), r.role_name.clone())).collect()
    }

    /// Look-ups by role, built once, so that walking every role stays linear in the spec.
    pub fn index(&self) -> Index<'_> {
        let mut index = Index {
            roles: self.roles.iter().map(|r| (&r.id, r)).collect(),
            policies: BTreeMap::new(),
            access_entries: BTreeMap::new(),
            pod_identity: BTreeMap::new(),
        };
        for policy in &self.policies {
            for role in &policy.roles {
                index.policies.entry(role).or_default().push(policy);
            }
        }
        for entry in &self.access_entries {
            index.access_entries.entry(&entry.role).or_default().push(entry);
        }
        for assoc in &self.pod_identity_associations {
            index.pod_identity.entry(&assoc.role).or_default().push(assoc);
        }
        index
    }
}

/// What a model holds for each role, in model order (see [`Model::index`]).
#[derive(Debug)]
pub struct Index<'a> {
    roles: BTreeMap<&'a RoleId, &'a Role>,
    policies: BTreeMap<&'a RoleId, Vec<&'a ManagedPolicy>>,
    access_entries: BTreeMap<&'a RoleId, Vec<&'a AccessEntry>>,
    pod_identity: BTreeMap<&'a RoleId, Vec<&'a PodIdentityAssociation>>,
}

impl<'a> Index<'a> {
    pub fn role(&self, id: &RoleId) -> Option<&'a Role> {
        self.roles.get(id).copied()
    }

    /// The customer managed policies attached to a role.
    pub fn policies_of(&self, id: &RoleId) -> &[&'a ManagedPolicy] {
        self.policies.get(id).map_or(&[], Vec::as_slice)
    }

    /// The EKS access entries of a role.
    pub fn access_entries_of(&self, id: &RoleId) -> &[&'a AccessEntry] {
        self.access_entries.get(id).map_or(&[], Vec::as_slice)
    }

    /// The Pod Identity associations of a role.
    pub fn pod_identity_of(&self, id: &RoleId) -> &[&'a PodIdentityAssociation] {
        self.pod_identity.get(id).map_or(&[], Vec::as_slice)
    }
}

/// One IAM role.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Role {
    pub id: RoleId,
    pub kind: RoleKind,
    /// The spec entry's own name (`platform`).
    pub entry: String,
    /// The spec path of the entry this role comes from (`admins[0]`, `scientists[1].podRole`).
    pub origin: String,
    /// The IAM role name (`ml-research-admin-platform`).
    pub role_name: String,
    pub description: String,
    /// The trust policy.
    pub trust: PolicyDocument,
    /// Managed policies attached by ARN (AWS managed and the spec's `managedPolicyArns`).
    pub managed_policy_arns: Vec<Text>,
    pub permissions_boundary: Option<Text>,
}

/// A customer managed policy that this output creates.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagedPolicy {
    /// Stable id inside the model (`admin-platform`, `admin-platform-2` after a split).
    pub id: String,
    /// The IAM policy name.
    pub policy_name: String,
    pub description: String,
    pub document: PolicyDocument,
    /// The roles it is attached to.
    pub roles: Vec<RoleId>,
}

/// An IAM policy document (version [`POLICY_VERSION`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct PolicyDocument {
    pub statements: Vec<Statement>,
}

/// `Allow` or `Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Effect {
    Allow,
    Deny,
}

impl Effect {
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        }
    }
}

/// One IAM statement, kept structured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Statement {
    pub sid: Option<String>,
    pub effect: Effect,
    /// Trust policies only.
    pub principal: Option<Principal>,
    pub actions: Actions,
    /// `None` in trust policies, which name no resource.
    pub resources: Option<Resources>,
    pub conditions: Vec<Condition>,
    /// Scanner findings this statement causes on purpose, with the reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub waivers: Vec<Waiver>,
    /// Where a statement the user wrote comes from: its spec path
    /// (`admins[0].extraStatements[1]`); `None` for generated statements.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
}

/// A scanner finding (a checkov check id) that a statement causes on purpose, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Waiver {
    pub check: String,
    pub reason: String,
}

/// `Action` or `NotAction`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "values", rename_all = "camelCase")]
pub enum Actions {
    Action(Shared<String>),
    NotAction(Shared<String>),
}

impl Actions {
    pub fn list(&self) -> &[String] {
        match self {
            Actions::Action(v) | Actions::NotAction(v) => v,
        }
    }
}

/// `Resource` or `NotResource`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "values", rename_all = "camelCase")]
pub enum Resources {
    Resource(Shared<Text>),
    NotResource(Shared<Text>),
}

impl Resources {
    pub fn list(&self) -> &[Text] {
        match self {
            Resources::Resource(v) | Resources::NotResource(v) => v,
        }
    }
}

/// The principal of a trust-policy statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Principal {
    /// AWS services (`sagemaker.amazonaws.com`).
    Service(Vec<String>),
    /// IAM roles, users or accounts, as ARNs.
    Aws(Vec<Text>),
}

/// One condition: `operator` `key` `values` (`StringEquals` `iam:PassedToService` `[...]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    pub operator: String,
    pub key: String,
    pub values: Vec<Text>,
}

/// The service-linked role HyperPod uses (`AWSServiceRoleForSageMakerHyperPod`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceLinkedRole {
    pub aws_service_name: String,
    pub role_name: String,
    pub description: String,
}

/// The type of an EKS access entry. Only `STANDARD` entries are generated: HyperPod creates the
/// execution roles' and the service-linked role's entries itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AccessEntryType {
    Standard,
}

impl AccessEntryType {
    pub fn as_str(self) -> &'static str {
        match self {
            AccessEntryType::Standard => "STANDARD",
        }
    }
}

/// An EKS access entry for one role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessEntry {
    pub role: RoleId,
    #[serde(rename = "type")]
    pub entry_type: AccessEntryType,
    /// Kubernetes groups, bound by the RBAC objects of [`Kubernetes`].
    pub kubernetes_groups: Vec<String>,
    pub access_policies: Vec<AccessPolicy>,
}

/// An EKS access policy associated with an access entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessPolicy {
    /// The policy's short name (`AmazonEKSClusterAdminPolicy`).
    pub name: String,
    pub policy_arn: Text,
    pub scope: AccessScope,
}

/// Where an access policy applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", content = "namespaces", rename_all = "camelCase")]
pub enum AccessScope {
    Cluster,
    Namespace(Vec<String>),
}

/// An EKS Pod Identity association.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodIdentityAssociation {
    pub role: RoleId,
    pub namespace: String,
    pub service_account: String,
}

/// Kubernetes RBAC objects by kind, each list in spec order. The order they are applied in is
/// the emitter's business (`crate::emit`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Kubernetes {
    /// The namespaces this output creates.
    pub namespaces: Vec<Namespace>,
    /// Team namespaces that HyperPod task governance creates itself (`hyperpod-ns-*`, with
    /// `options.taskGovernance`): bound here, never created here.
    pub hyperpod_namespaces: Vec<String>,
    /// The service accounts of pod roles, in their team namespaces.
    pub service_accounts: Vec<ServiceAccount>,
    pub cluster_roles: Vec<RbacRole>,
    pub cluster_role_bindings: Vec<RoleBinding>,
    pub roles: Vec<RbacRole>,
    pub role_bindings: Vec<RoleBinding>,
}

impl Kubernetes {
    /// No object at all (an eks spec without scientist teams).
    pub fn is_empty(&self) -> bool {
        self.namespaces.is_empty()
            && self.service_accounts.is_empty()
            && self.cluster_roles.is_empty()
            && self.cluster_role_bindings.is_empty()
            && self.roles.is_empty()
            && self.role_bindings.is_empty()
    }
}

/// Labels and the names that identify an object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectMeta {
    pub name: String,
    /// `None` for cluster-scoped objects.
    pub namespace: Option<String>,
    pub labels: BTreeMap<String, String>,
}

/// A Kubernetes Namespace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Namespace {
    pub meta: ObjectMeta,
}

/// A Kubernetes ServiceAccount, which a Pod Identity association names: a pod that names a
/// missing service account is refused at admission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceAccount {
    pub meta: ObjectMeta,
}

/// A Role (namespaced) or ClusterRole (`meta.namespace` is `None`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RbacRole {
    pub meta: ObjectMeta,
    /// Shared by every team's Role.
    pub rules: Shared<PolicyRule>,
}

/// One RBAC rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyRule {
    pub api_groups: Vec<String>,
    pub resources: Vec<String>,
    /// Empty: every object of these resources.
    pub resource_names: Vec<String>,
    pub verbs: Vec<String>,
}

/// A RoleBinding (namespaced) or ClusterRoleBinding (`meta.namespace` is `None`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleBinding {
    pub meta: ObjectMeta,
    pub role_ref: RoleRef,
    pub subjects: Vec<Subject>,
}

/// What a binding grants: always complete (`apiGroup`, `kind`, `name`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleRef {
    pub api_group: String,
    pub kind: String,
    pub name: String,
}

/// Who a binding grants it to: Kubernetes groups named in access entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Subject {
    pub api_group: String,
    pub kind: String,
    pub name: String,
}
