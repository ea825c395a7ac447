//! `main.tf.json`: a Terraform JSON configuration that `terraform init` and `terraform plan` read
//! with no edit, granting exactly what `cloudformation.yaml` grants.
//!
//! # Policy documents
//!
//! Every IAM policy document, each role's trust policy included, is a
//! `data "aws_iam_policy_document"` block, referenced as
//! `${data.aws_iam_policy_document.<name>.json}`; none is a JSON string or `jsonencode(...)`.
//! Static scanners such as checkov read these data sources statement by statement, but do not
//! parse policies written as JSON strings, so a string would hide every finding from them. IAM
//! policy variables are written `&{aws:userid}`: the data source turns `&{` into `${` after
//! Terraform has evaluated the string, so Terraform never sees a `${` it would try to expand, and
//! IAM receives `${aws:userid}` unexpanded. The data source knows no escape for `&{`, so a literal
//! `&{` cannot be written in a policy document; the emitter refuses such a text instead of
//! changing its meaning (no spec can produce one today).
//!
//! Everywhere else a string is a template: literal `${` and `%{` are written `$${` and `%%{`,
//! partition, region and account are `${data.aws_partition.current.partition}`,
//! `${data.aws_region.current.region}` and `${data.aws_caller_identity.current.account_id}`
//! (only the data sources actually referenced are declared; none when the spec pins all three),
//! and a role of this output is `${aws_iam_role.<address>.arn}`. Variable defaults and the
//! descriptions of variables and outputs are read literally by Terraform, so they are not escaped.
//!
//! # Workflow
//!
//! `main.tf.json` is a complete root module: put it in a folder of its own (or next to your own
//! `.tf` files), run `terraform init` (it installs `hashicorp/aws` `>= 6.0`), then `terraform plan`
//! and `terraform apply`. It declares no `provider` or `backend` block: credentials, region and
//! state come from your usual AWS provider configuration (environment, profile, or a
//! `provider "aws"` block you add in a file of your own). One variable, `tags`, is put on every
//! taggable resource and defaults to the spec's tags (`{}` when the spec has none), so tags can be
//! set with `-var` or a `.tfvars` file at plan time. Nothing that grants or limits access is a
//! variable (not even the permissions boundary): what was reviewed in the spec is what deploys.

use std::collections::BTreeSet;

use crate::model::{AccessScope, Index, Model, Part, Principal, Resources, Role, RoleId, Text, names};

use crate::model::text::is_policy_variable;

use super::node::Node;
use super::node::json::{self, Stream};
use super::{Artifact, Chunks, EmitError, Emitter, Render, Sink};
use section::Section;

/// The Terraform emitter.
pub struct Terraform;

impl Emitter for Terraform {
    fn name(&self) -> &str {
        "terraform"
    }

    fn description(&self) -> &str {
        "main.tf.json: Terraform JSON configuration (roles, policies, access entries, Pod Identity)"
    }

    fn emit(&self, model: &Model) -> Result<Vec<Artifact>, EmitError> {
        let index = model.index();
        super::gather(|sink| sink.stream(FILE, &mut |out| Config::new(model, &index).write(out)))
    }

    fn emit_to(&self, render: &Render<'_>, sink: &mut dyn Sink) -> Result<(), EmitError> {
        sink.stream(FILE, &mut |out| Config::new(render.model(), render.index()).write(out))
    }
}

/// The file this emitter writes.
const FILE: &str = "main.tf.json";

const PARTITION: &str = "${data.aws_partition.current.partition}";
const REGION: &str = "${data.aws_region.current.region}";
const ACCOUNT: &str = "${data.aws_caller_identity.current.account_id}";
const TAGS: &str = "${var.tags}";

/// Where a string lands, which decides how an IAM policy variable is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// Inside an `aws_iam_policy_document`: `&{var}`.
    PolicyDocument,
    /// Any other resource argument: `$${var}`.
    Argument,
}

/// A literal string as a Terraform template, appended to `out`: `${` → `$${`, `%{` → `%%{`. A
/// `$` at the very end that an interpolation follows would read as the escape `$${`, so it is
/// written `${"$"}`.
fn template_into(lit: &str, interpolation_follows: bool, out: &mut String) {
    let start = out.len();
    // Most literals hold no `{`: copied as they are.
    if lit.contains('{') {
        out.push_str(&lit.replace("${", "$${").replace("%{", "%%{"));
    } else {
        out.push_str(lit);
    }
    if interpolation_follows && out.len() > start && out.ends_with('$') {
        out.pop();
        out.push_str("${\"$\"}");
    }
}

/// [`template_into`] as a string of its own.
#[cfg(test)]
fn template(lit: &str, interpolation_follows: bool) -> String {
    let mut out = String::new();
    template_into(lit, interpolation_follows, &mut out);
    out
}

/// A literal argument value.
fn lit(s: &mut Stream<'_>, value: &str) {
    if value.contains('{') {
        let mut escaped = String::with_capacity(value.len() + 2);
        template_into(value, false, &mut escaped);
        s.str(&escaped);
    } else {
        s.str(value);
    }
}

/// `key` and its value as [`lit`] writes it.
fn lit_entry(s: &mut Stream<'_>, key: &str, value: &str) {
    s.key(key);
    lit(s, value);
}

/// The `&{` that an `aws_iam_policy_document` would turn into `${`, refused.
fn no_ampersand_brace(s: &str) -> Result<(), EmitError> {
    if s.contains("&{") {
        return Err(EmitError::Unsupported(format!(
            "`{s}` holds `&{{`, which an aws_iam_policy_document turns into `${{`"
        )));
    }
    Ok(())
}

/// `AmazonEKSClusterAdminPolicy` → `amazon_eks_cluster_admin_policy`: a readable identifier
/// from a CamelCase name.
fn words(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev.is_ascii_lowercase() || prev.is_ascii_digit() || (prev.is_ascii_uppercase() && next_lower) {
                out.push('-');
            }
        }
        out.push(c);
    }
    names::snake(&out)
}

/// The Terraform name of everything that belongs to one role: `admin-platform` → `admin_platform`.
fn role_addr(id: &RoleId) -> String {
    names::snake(&id.0)
}

/// The stable part of a managed policy attachment's name: the policy's path and name, prefixed
/// by the owning account unless AWS owns it (`GpuNodeExtras` of 111122223333 →
/// `111122223333_gpu_node_extras`; `AmazonSageMakerFullAccess` → `amazon_sage_maker_full_access`).
fn managed_suffix(arn: &Text) -> String {
    let literal: String =
        arn.0.iter().filter_map(|p| if let Part::Lit(s) = p { Some(s.as_str()) } else { None }).collect();
    let fields: Vec<&str> = literal.splitn(6, ':').collect();
    match fields.as_slice() {
        ["arn", _, "iam", _, account, resource] => {
            let path = resource.strip_prefix("policy/").unwrap_or(resource);
            let name = path.split('/').filter(|s| !s.is_empty()).map(words).collect::<Vec<_>>().join("_");
            if *account == "aws" { name } else { format!("{}_{name}", names::snake(account)) }
        }
        _ => names::snake(&literal),
    }
}

/// Whether the texts this emitter writes use the partition, the region and the account: the data
/// sources that give them are declared before the first text is written. (The role ARNs a text
/// may hold use none of them.)
fn symbols(model: &Model) -> [bool; 3] {
    let mut used = [false; 3];
    let mut see = |t: &Text| {
        for part in &t.0 {
            match part {
                Part::Partition => used[0] = true,
                Part::Region => used[1] = true,
                Part::Account => used[2] = true,
                _ => {}
            }
        }
    };
    let documents = model.roles.iter().map(|r| &r.trust).chain(model.policies.iter().map(|p| &p.document));
    for statement in documents.flat_map(|d| &d.statements) {
        if let Some(Principal::Aws(arns)) = &statement.principal {
            arns.iter().for_each(&mut see);
        }
        if let Some(Resources::Resource(r) | Resources::NotResource(r)) = &statement.resources {
            r.iter().for_each(&mut see);
        }
        statement.conditions.iter().flat_map(|c| &c.values).for_each(&mut see);
    }
    for role in &model.roles {
        role.permissions_boundary.iter().chain(&role.managed_policy_arns).for_each(&mut see);
    }
    model.access_entries.iter().flat_map(|e| &e.access_policies).map(|p| &p.policy_arn).for_each(&mut see);
    used
}

/// One rendering: the model, and the deploy-time values its texts referred to so far.
struct Config<'m> {
    model: &'m Model,
    index: &'m Index<'m>,
    partition: bool,
    region: bool,
    account: bool,
    /// A text being written, reused from one to the next.
    scratch: String,
}

impl<'m> Config<'m> {
    fn new(model: &'m Model, index: &'m Index<'m>) -> Self {
        Config { model, index, partition: false, region: false, account: false, scratch: String::new() }
    }

    /// A text as a Terraform template, appended to `out`.
    fn text_into(&mut self, t: &Text, place: Place, out: &mut String) -> Result<(), EmitError> {
        // Adjacent literals are joined first, so that escaping sees every `${` whole (the model
        // rarely has any: its texts are mostly joined already).
        let joined: Vec<Part>;
        let parts = if t.0.windows(2).any(|w| matches!(w, [Part::Lit(_), Part::Lit(_)])) {
            let mut parts: Vec<Part> = Vec::with_capacity(t.0.len());
            for part in &t.0 {
                match (parts.last_mut(), part) {
                    (Some(Part::Lit(prev)), Part::Lit(next)) => prev.push_str(next),
                    _ => parts.push(part.clone()),
                }
            }
            joined = parts;
            &joined
        } else {
            &t.0
        };
        for (i, part) in parts.iter().enumerate() {
            match part {
                Part::Lit(s) => {
                    if place == Place::PolicyDocument {
                        no_ampersand_brace(s)?;
                    }
                    template_into(s, i + 1 < parts.len(), out);
                }
                Part::Partition => {
                    self.partition = true;
                    out.push_str(PARTITION);
                }
                Part::Region => {
                    self.region = true;
                    out.push_str(REGION);
                }
                Part::Account => {
                    self.account = true;
                    out.push_str(ACCOUNT);
                }
                Part::RoleArn(id) => {
                    if self.index.role(id).is_none() {
                        return Err(EmitError::Unsupported(format!(
                            "a policy names role `{}`, which is not created",
                            id.0
                        )));
                    }
                    out.push_str("${aws_iam_role.");
                    out.push_str(&role_addr(id));
                    out.push_str(".arn}");
                }
                // Only a variable by IAM's grammar: nothing else may reach Terraform unescaped.
                Part::PolicyVar(v) if !is_policy_variable(v) => {
                    return Err(EmitError::Unsupported(format!("`${{{v}}}` is not an IAM policy variable")));
                }
                Part::PolicyVar(v) => {
                    out.push_str(match place {
                        Place::PolicyDocument => "&{",
                        Place::Argument => "$${",
                    });
                    out.push_str(v);
                    out.push('}');
                }
            }
        }
        Ok(())
    }

    /// A text as a Terraform template, of its own.
    #[cfg(test)]
    fn text(&mut self, t: &Text, place: Place) -> Result<String, EmitError> {
        let mut out = String::new();
        self.text_into(t, place, &mut out)?;
        Ok(out)
    }

    /// A text as the value `s` takes next.
    fn write_text(&mut self, t: &Text, place: Place, s: &mut Stream<'_>) -> Result<(), EmitError> {
        if let ([Part::Lit(literal)], Place::Argument) = (t.0.as_slice(), place) {
            lit(s, literal);
            return Ok(());
        }
        let mut buffer = std::mem::take(&mut self.scratch);
        buffer.clear();
        let written = self.text_into(t, place, &mut buffer);
        if written.is_ok() {
            s.str(&buffer);
        }
        self.scratch = buffer;
        written
    }

    fn texts(&mut self, list: &[Text], place: Place, s: &mut Stream<'_>) -> Result<(), EmitError> {
        s.list();
        for t in list {
            self.write_text(t, place, s)?;
        }
        s.end();
        Ok(())
    }

    /// Writes the configuration, each block as soon as it is built.
    fn write(&mut self, out: &mut Chunks<'_>) -> Result<(), EmitError> {
        let model = self.model;
        let comment = format!(
            "IAM for SageMaker HyperPod ({}, {}), generated by hyperpod-iam from one spec; run terraform init, then terraform plan",
            model.name,
            model.orchestrator.as_str()
        );
        let providers = Node::map().with(
            "required_providers",
            Node::map().with("aws", Node::map().with("source", "hashicorp/aws").with("version", ">= 6.0")),
        );
        let header = [
            ("//", Node::from(comment)),
            ("terraform", providers),
            ("variable", Node::map().with("tags", self.tags_variable())),
        ];
        // The sections that follow start with `,` (see `Section`).
        for (i, (key, node)) in header.iter().enumerate() {
            out.text.push_str(if i == 0 { "{\n" } else { ",\n" });
            json::entry(key, node, 1, &mut out.text);
        }

        let mut data = Section::new("data");
        let used = symbols(model);
        for (used, kind) in used.into_iter().zip(["aws_partition", "aws_region", "aws_caller_identity"]) {
            if used {
                data.entry(out, kind, |s| {
                    s.map();
                    s.key("current");
                    s.map();
                    s.end();
                    s.end();
                });
            }
        }
        let mut name = String::new();
        for role in &model.roles {
            name.clear();
            name.push_str(&role_addr(&role.id));
            name.push_str("_trust");
            data.add(out, "aws_iam_policy_document", &name, |s| self.document(&role.trust, s))?;
        }
        for policy in &model.policies {
            name.clear();
            name.push_str(&names::snake(&policy.id));
            name.push_str("_policy");
            data.add(out, "aws_iam_policy_document", &name, |s| self.document(&policy.document, s))?;
        }
        data.finish(out);

        let mut resources = Section::new("resource");
        for role in &model.roles {
            let addr = role_addr(&role.id);
            resources.add(out, "aws_iam_role", &addr, |s| self.role(role, &addr, s))?;
        }
        for policy in &model.policies {
            let addr = names::snake(&policy.id);
            resources.add(out, "aws_iam_policy", &addr, |s| {
                s.map();
                lit_entry(s, "name", &policy.policy_name);
                lit_entry(s, "description", &policy.description);
                s.entry("policy", &["${data.aws_iam_policy_document.", &addr, "_policy.json}"].concat());
                s.entry("tags", TAGS);
                s.end();
                Ok(())
            })?;
        }
        for role in &model.roles {
            self.attachments(role, &mut resources, out)?;
        }
        self.eks(&mut resources, out)?;
        if let Some(slr) = &model.service_linked_role {
            let addr = names::snake(slr.aws_service_name.split('.').next().unwrap_or(&slr.aws_service_name));
            resources.add(out, "aws_iam_service_linked_role", &addr, |s| {
                s.map();
                lit_entry(s, "aws_service_name", &slr.aws_service_name);
                lit_entry(s, "description", &slr.description);
                s.entry("tags", TAGS);
                s.end();
                Ok(())
            })?;
        }
        resources.finish(out);

        let mut outputs = Section::new("output");
        let mut output_names = BTreeSet::new();
        for role in &model.roles {
            let addr = role_addr(&role.id);
            // Output descriptions are literal strings, not templates.
            for (what, attribute) in [("ARN", "arn"), ("Name", "name")] {
                let name = [&addr, "_role_", attribute].concat();
                if !output_names.insert(name.clone()) {
                    return Err(EmitError::NameCollision(format!("output.{name}")));
                }
                outputs.entry(out, &name, |s| {
                    s.map();
                    s.entry("description", &[what, " of ", &role.role_name].concat());
                    s.entry("value", &["${aws_iam_role.", &addr, ".", attribute, "}"].concat());
                    s.end();
                });
            }
        }
        outputs.finish(out);
        out.text.push_str("\n}\n");
        if [self.partition, self.region, self.account] != used {
            return Err(EmitError::Serialize("the data sources declared are not the ones the texts use".to_owned()));
        }
        Ok(())
    }

    fn tags_variable(&self) -> Node<'static> {
        // A variable's default and description are literal JSON values, not templates.
        let default =
            Node::Map(self.model.tags.iter().map(|(k, v)| (k.clone().into(), Node::from(v.clone()))).collect());
        Node::map()
            .with("type", "map(string)")
            .with(
                "description",
                "Tags put on every taggable resource (roles, policies, access entries, Pod Identity associations, the service-linked role); defaults to the spec's tags",
            )
            .with("default", default)
    }

    fn role(&mut self, role: &Role, addr: &str, s: &mut Stream<'_>) -> Result<(), EmitError> {
        s.map();
        lit_entry(s, "name", &role.role_name);
        lit_entry(s, "description", &role.description);
        s.entry("assume_role_policy", &["${data.aws_iam_policy_document.", addr, "_trust.json}"].concat());
        if let Some(t) = &role.permissions_boundary {
            s.key("permissions_boundary");
            self.write_text(t, Place::Argument, s)?;
        }
        s.entry("tags", TAGS);
        s.end();
        Ok(())
    }

    /// One attachment per customer policy of this output, then one per managed policy ARN.
    fn attachments(&mut self, role: &Role, resources: &mut Section, out: &mut Chunks<'_>) -> Result<(), EmitError> {
        let addr = role_addr(&role.id);
        let role_name = ["${aws_iam_role.", &addr, ".name}"].concat();
        let kind = "aws_iam_role_policy_attachment";
        for policy in self.index.policies_of(&role.id) {
            let suffix = if policy.id == role.id.0 {
                "policy".to_owned()
            } else {
                match policy.id.strip_prefix(&role.id.0).and_then(|rest| rest.strip_prefix('-')) {
                    Some(rest) => ["policy_", &names::snake(rest)].concat(),
                    None => ["policy_", &names::snake(&policy.id)].concat(),
                }
            };
            resources.add(out, kind, &[&addr, "_", &suffix].concat(), |s| {
                s.map();
                s.entry("role", &role_name);
                s.entry("policy_arn", &["${aws_iam_policy.", &names::snake(&policy.id), ".arn}"].concat());
                s.end();
                Ok(())
            })?;
        }
        for arn in &role.managed_policy_arns {
            let name = resources.free_name(kind, &format!("{addr}_{}", managed_suffix(arn)));
            resources.add(out, kind, &name, |s| {
                s.map();
                s.entry("role", &role_name);
                s.key("policy_arn");
                self.write_text(arn, Place::Argument, s)?;
                s.end();
                Ok(())
            })?;
        }
        Ok(())
    }

    /// Access entries, their access policies, and Pod Identity associations.
    fn eks(&mut self, resources: &mut Section, out: &mut Chunks<'_>) -> Result<(), EmitError> {
        let model = self.model;
        let cluster = model.cluster.eks_cluster_name.as_deref().unwrap_or_default();
        for entry in &model.access_entries {
            let principal = Text(vec![Part::RoleArn(entry.role.clone())]);
            resources.add(out, "aws_eks_access_entry", &role_addr(&entry.role), |s| {
                s.map();
                lit_entry(s, "cluster_name", cluster);
                s.key("principal_arn");
                self.write_text(&principal, Place::Argument, s)?;
                lit_entry(s, "type", entry.entry_type.as_str());
                if !entry.kubernetes_groups.is_empty() {
                    s.key("kubernetes_groups");
                    s.list();
                    for g in &entry.kubernetes_groups {
                        lit(s, g);
                    }
                    s.end();
                }
                s.entry("tags", TAGS);
                s.end();
                Ok(())
            })?;
        }
        for entry in &model.access_entries {
            let addr = role_addr(&entry.role);
            for policy in &entry.access_policies {
                let name = format!("{addr}_{}", words(&policy.name));
                resources.add(out, "aws_eks_access_policy_association", &name, |s| {
                    s.map();
                    lit_entry(s, "cluster_name", cluster);
                    s.key("policy_arn");
                    self.write_text(&policy.policy_arn, Place::Argument, s)?;
                    // Through the access entry, so that Terraform creates the entry first.
                    s.entry("principal_arn", &["${aws_eks_access_entry.", &addr, ".principal_arn}"].concat());
                    s.key("access_scope");
                    s.map();
                    match &policy.scope {
                        AccessScope::Cluster => s.entry("type", "cluster"),
                        AccessScope::Namespace(ns) => {
                            s.entry("type", "namespace");
                            s.key("namespaces");
                            s.list();
                            for n in ns {
                                lit(s, n);
                            }
                            s.end();
                        }
                    }
                    s.end();
                    s.end();
                    Ok(())
                })?;
            }
        }
        for assoc in &model.pod_identity_associations {
            let role_arn = Text(vec![Part::RoleArn(assoc.role.clone())]);
            resources.add(out, "aws_eks_pod_identity_association", &role_addr(&assoc.role), |s| {
                s.map();
                lit_entry(s, "cluster_name", cluster);
                lit_entry(s, "namespace", &assoc.namespace);
                lit_entry(s, "service_account", &assoc.service_account);
                s.key("role_arn");
                self.write_text(&role_arn, Place::Argument, s)?;
                s.entry("tags", TAGS);
                s.end();
                Ok(())
            })?;
        }
        Ok(())
    }
}

mod policy;
mod section;
#[cfg(test)]
mod tests;
