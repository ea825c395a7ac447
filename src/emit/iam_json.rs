//! `iam/<role-name>.json`: each role's trust policy and permission policies as plain IAM JSON,
//! for review, `aws iam` and policy linters. Every value is literal, so the spec must pin
//! partition, region and account.

use crate::model::{Index, Model, Part, Resolver, Text};

use super::node::json::Stream;
use super::policy;
use super::{Artifact, EmitError, Emitter, Render, Sink};

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
        super::gather(|sink| write(model, &model.index(), sink))
    }

    fn emit_to(&self, render: &Render<'_>, sink: &mut dyn Sink) -> Result<(), EmitError> {
        write(render.model(), render.index(), sink)
    }
}

/// One file per role, each written straight from the model and handed to `sink` when whole.
fn write(model: &Model, ix: &Index<'_>, sink: &mut dyn Sink) -> Result<(), EmitError> {
    IamJson.applies(model).map_err(EmitError::Unsupported)?;
    let (partition, region, account) = model.target.literal().unwrap_or_default();
    let role_names = model.role_names();
    let resolver = Resolver { partition, region, account, role_names: &role_names };
    let mut text = |t: &Text, s: &mut Stream<'_>| match t.0.as_slice() {
        [Part::Lit(literal)] => s.str(literal),
        _ => s.str(&t.resolve(&resolver).unwrap_or_default()),
    };
    let (mut out, mut path) = (String::new(), String::new());
    for role in &model.roles {
        out.clear();
        let mut s = Stream::at(0, &mut out);
        s.map();
        s.entry("RoleName", &role.role_name);
        s.entry("Description", &role.description);
        s.key("AssumeRolePolicyDocument");
        policy::json(&role.trust, &mut s, &mut text);
        s.key("ManagedPolicyArns");
        s.list();
        for arn in &role.managed_policy_arns {
            text(arn, &mut s);
        }
        s.end();
        if let Some(boundary) = &role.permissions_boundary {
            s.key("PermissionsBoundary");
            text(boundary, &mut s);
        }
        if !model.tags.is_empty() {
            s.key("Tags");
            s.list();
            for (k, v) in &model.tags {
                s.map();
                s.entry("Key", k);
                s.entry("Value", v);
                s.end();
            }
            s.end();
        }
        s.key("Policies");
        s.list();
        for p in ix.policies_of(&role.id) {
            s.map();
            s.entry("PolicyName", &p.policy_name);
            s.key("PolicyDocument");
            policy::json(&p.document, &mut s, &mut text);
            s.end();
        }
        s.end();
        s.end();
        out.push('\n');
        path.clear();
        path.push_str("iam/");
        path.push_str(&role.role_name);
        path.push_str(".json");
        sink.file(&path, &out);
    }
    Ok(())
}
