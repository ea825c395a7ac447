//! The input schema: the spec as the user writes it, read by serde. Every value keeps where it was
//! written ([`Spanned`]), for messages and for the lint.
//!
//! Unknown keys are not refused here but by [`super::shape`], which reports every one of them
//! with its location and lets the rest of the spec be read and checked in the same run; a test
//! proves that its tables name exactly the fields of these structs.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::check::Location;

pub type S = Spanned<String>;

// Every role entry repeats `managedPolicyArns` and `extraStatements` rather than flattening a
// shared struct: `#[serde(flatten)]` buffers values, so that `Spanned` loses its line and column.

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SpecFile {
    pub name: S,
    pub orchestrator: S,
    pub partition: Option<S>,
    pub region: Option<S>,
    pub account: Option<S>,
    pub cluster: Option<Spanned<ClusterSpec>>,
    #[serde(default)]
    pub options: OptionsSpec,
    pub permissions_boundary: Option<S>,
    #[serde(default)]
    pub tags: BTreeMap<String, S>,
    pub admins: Spanned<Vec<AdminSpec>>,
    #[serde(default)]
    pub scientists: Vec<ScientistSpec>,
    pub execution_roles: Spanned<Vec<ExecutionSpec>>,
    #[serde(default)]
    pub acknowledge: Vec<Spanned<AcknowledgementSpec>>,
}

/// `{code: HP113, reason: "...", path: admins[0]}`: a warning the team accepts, and why.
#[derive(Debug, Deserialize)]
pub struct AcknowledgementSpec {
    pub code: S,
    pub reason: S,
    pub path: Option<S>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ClusterSpec {
    pub id: Option<S>,
    pub eks_cluster_name: Option<S>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct OptionsSpec {
    pub custom_vpc: Option<Spanned<bool>>,
    pub pod_identity: Option<Spanned<bool>>,
    pub task_governance: Option<Spanned<bool>>,
    pub node_access: Option<Spanned<bool>>,
    pub service_linked_role: Option<Spanned<bool>>,
    pub console_access: Option<Spanned<bool>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdminSpec {
    pub name: S,
    pub trusted_principals: Spanned<Vec<S>>,
    #[serde(default)]
    pub managed_policy_arns: Vec<S>,
    #[serde(default)]
    pub extra_statements: Vec<Spanned<StatementSpec>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScientistSpec {
    pub name: S,
    pub trusted_principals: Spanned<Vec<S>>,
    pub namespace: Option<S>,
    pub pod_role: Option<Spanned<PodRoleSpec>>,
    #[serde(default)]
    pub managed_policy_arns: Vec<S>,
    #[serde(default)]
    pub extra_statements: Vec<Spanned<StatementSpec>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodRoleSpec {
    pub service_account: S,
    #[serde(default)]
    pub s3_buckets: Vec<S>,
    #[serde(default)]
    pub managed_policy_arns: Vec<S>,
    #[serde(default)]
    pub extra_statements: Vec<Spanned<StatementSpec>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionSpec {
    pub name: S,
    #[serde(default)]
    pub instance_groups: Vec<S>,
    #[serde(default)]
    pub s3_buckets: Vec<S>,
    #[serde(default)]
    pub managed_policy_arns: Vec<S>,
    #[serde(default)]
    pub extra_statements: Vec<Spanned<StatementSpec>>,
}

/// An IAM statement as users write it in policies, in YAML or JSON.
#[derive(Debug, Deserialize)]
pub struct StatementSpec {
    #[serde(rename = "Sid")]
    pub sid: Option<S>,
    #[serde(rename = "Effect")]
    pub effect: S,
    #[serde(rename = "Action")]
    pub action: Option<Spanned<Strings>>,
    #[serde(rename = "NotAction")]
    pub not_action: Option<Spanned<Strings>>,
    #[serde(rename = "Resource")]
    pub resource: Option<Spanned<Strings>>,
    #[serde(rename = "NotResource")]
    pub not_resource: Option<Spanned<Strings>>,
    #[serde(rename = "Condition", default)]
    pub condition: BTreeMap<String, BTreeMap<String, Spanned<Strings>>>,
}

/// A string or a list of strings, as IAM takes them. Unquoted scalars that YAML reads as another
/// type (`true`, `3600`, `0x1F`) get their exact source text back from the tree afterwards
/// ([`super::shape::Walk::raw`]), so that IAM sees what the user wrote.
#[derive(Debug)]
pub struct Strings(pub Vec<(String, Option<Location>)>);

impl<'de> Deserialize<'de> for Strings {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Strings;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string or a list of strings")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Strings, E> {
                Ok(Strings(vec![(v.to_owned(), None)]))
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Strings, E> {
                Ok(Strings(vec![(v.to_string(), None)]))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Strings, E> {
                Ok(Strings(vec![(v.to_string(), None)]))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Strings, E> {
                Ok(Strings(vec![(v.to_string(), None)]))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Strings, E> {
                Ok(Strings(vec![(v.to_string(), None)]))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Strings, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<S>()? {
                    items.push((item.value.clone(), super::parse::at(&item)));
                }
                Ok(Strings(items))
            }
        }
        deserializer.deserialize_any(V)
    }
}
