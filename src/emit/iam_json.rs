//! `iam/<role-name>.json`: each role's trust policy and permission policies as plain IAM JSON,
//! for review, `aws iam` and policy linters. Every value is literal, so the spec must pin
//! partition, region and account.

use crate::model::{Model, Resolver, Text};

use super::node::{Node, key_value_tags, to_json};
use super::policy;
use super::{Artifact, EmitError, Emitter};

/// The IAM JSON emitter.
pub struct IamJson;

impl Emitter for IamJson {
    fn name(&self) -> &str {
        "iam-json"
    }

    fn description(&self) -> &str {
        "iam/<role-name>.json: each role's trust and permission policies as plain IAM JSON (needs partition, region, account)"
    }

    fn applies(&self, model: &Model) -> Result<(), String> {
        let missing: Vec<&str> = [
            ("partition", model.target.partition.is_none()),
            ("region", model.target.region.is_none()),
            ("account", model.target.account.is_none()),
        ]
        .iter()
        .filter(|(_, missing)| *missing)
        .map(|(key, _)| *key)
        .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(format!("plain IAM JSON holds literal ARNs; the spec lacks `{}`", missing.join("`, `")))
        }
    }

    fn emit(&self, model: &Model) -> Result<Vec<Artifact>, EmitError> {
        self.applies(model).map_err(EmitError::Unsupported)?;
        let (partition, region, account) = model.target.literal().unwrap_or_default();
        let role_names = model.role_names();
        let resolver = Resolver { partition, region, account, role_names: &role_names };
        let text = |t: &Text| Node::from(t.resolve(&resolver).unwrap_or_default());
        let ix = model.index();
        let mut artifacts = Vec::new();
        for role in &model.roles {
            let mut node = Node::map()
                .with("RoleName", &role.role_name)
                .with("Description", &role.description)
                .with("AssumeRolePolicyDocument", policy::document(&role.trust, &text))
                .with("ManagedPolicyArns", Node::List(role.managed_policy_arns.iter().map(text).collect()))
                .with_opt("PermissionsBoundary", role.permissions_boundary.as_ref().map(text))
                .with_opt("Tags", key_value_tags(&model.tags));
            let policies = ix
                .policies_of(&role.id)
                .iter()
                .map(|p| {
                    Node::map()
                        .with("PolicyName", &p.policy_name)
                        .with("PolicyDocument", policy::document(&p.document, &text))
                })
                .collect();
            node.insert("Policies", Node::List(policies));
            artifacts.push(Artifact { path: format!("iam/{}.json", role.role_name), contents: to_json(&node)? });
        }
        Ok(artifacts)
    }
}
