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

use crate::model::{
    AccessScope, Actions, Index, Model, POLICY_VERSION, Part, PolicyDocument, Principal, Resources, Role, RoleId,
    Statement, Text, names,
};

use crate::model::text::is_policy_variable;

use super::node::{Node, json};
use super::{Artifact, Chunks, EmitError, Emitter, Render, Sink};

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
        super::gather(|sink| sink.stream(FILE, &mut |out| Config::new(model).write(out)))
    }

    fn emit_to(&self, render: &Render<'_>, sink: &mut dyn Sink) -> Result<(), EmitError> {
        sink.stream(FILE, &mut |out| Config::new(render.model()).write(out))
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

/// A literal string as a Terraform template: `${` → `$${`, `%{` → `%%{`. A `$` at the very end
/// that an interpolation follows would read as the escape `$${`, so it is written `${"$"}`.
fn template(lit: &str, interpolation_follows: bool) -> String {
    // Most literals hold no `{`: copied once rather than through two replacements.
    let mut out = if lit.contains('{') { lit.replace("${", "$${").replace("%{", "%%{") } else { lit.to_owned() };
    if interpolation_follows && out.ends_with('$') {
        out.pop();
        out.push_str("${\"$\"}");
    }
    out
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

/// A top-level entry of the configuration (`data`, `resource`, `output`) written as its entries
/// come, straight into the file: its key is written with its first entry (an empty section is
/// left out), and `resource` and `data` blocks are grouped by type, refusing an address given
/// twice. A type's blocks are made one after another, so each type is written whole before the
/// next starts; no tree of the configuration is held.
struct Section {
    key: &'static str,
    /// Whether the key and its first entry are written.
    open: bool,
    /// The type whose blocks are being written, and the ones written before it.
    kind: Option<String>,
    done: BTreeSet<String>,
    seen: BTreeSet<String>,
}

impl Section {
    /// The depth of a block's name in the configuration.
    const DEPTH: usize = 3;

    fn new(key: &'static str) -> Section {
        Section { key, open: false, kind: None, done: BTreeSet::new(), seen: BTreeSet::new() }
    }

    /// Starts an entry of the section (the section itself first, if needed).
    fn next_entry(&mut self, out: &mut String) {
        out.push_str(",\n");
        if !self.open {
            json::key_of(self.key, 1, out);
            out.push_str("{\n");
            self.open = true;
        }
    }

    /// An entry that is not a block: `"current": {}` of a data source, an output.
    fn entry(&mut self, out: &mut Chunks<'_>, name: &str, body: &Node<'_>) {
        self.next_entry(&mut out.text);
        json::entry(name, body, Self::DEPTH - 1, &mut out.text);
        out.spill();
    }

    fn add(&mut self, out: &mut Chunks<'_>, kind: &str, name: &str, body: Node<'_>) -> Result<(), EmitError> {
        let address = format!("{kind}.{name}");
        if !self.seen.insert(address.clone()) {
            return Err(EmitError::NameCollision(address));
        }
        let text = &mut out.text;
        if self.kind.as_deref() == Some(kind) {
            text.push_str(",\n");
        } else {
            if let Some(done) = self.kind.take() {
                json::close(Self::DEPTH - 1, '}', text);
                self.done.insert(done);
            }
            if self.done.contains(kind) {
                return Err(EmitError::Serialize(format!("the `{kind}` blocks are not made one after another")));
            }
            self.next_entry(text);
            json::key_of(kind, Self::DEPTH - 1, text);
            text.push_str("{\n");
            self.kind = Some(kind.to_owned());
        }
        json::entry(name, &body, Self::DEPTH, text);
        out.spill();
        Ok(())
    }

    /// `name`, or `name_2`, `name_3`, ... when another block of the kind has it: for names made
    /// from user text (a managed policy's path and name), where `A-B` and `A_B` read alike.
    fn free_name(&self, kind: &str, name: &str) -> String {
        let mut candidate = name.to_owned();
        let mut n = 1;
        while self.seen.contains(&format!("{kind}.{candidate}")) {
            n += 1;
            candidate = format!("{name}_{n}");
        }
        candidate
    }

    /// Closes the open type and the section, if any.
    fn finish(self, out: &mut Chunks<'_>) {
        if self.kind.is_some() {
            json::close(Self::DEPTH - 1, '}', &mut out.text);
        }
        if self.open {
            json::close(1, '}', &mut out.text);
        }
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
    index: Index<'m>,
    partition: bool,
    region: bool,
    account: bool,
}

impl<'m> Config<'m> {
    fn new(model: &'m Model) -> Self {
        Config { model, index: model.index(), partition: false, region: false, account: false }
    }

    /// A text as a Terraform template.
    fn text(&mut self, t: &Text, place: Place) -> Result<String, EmitError> {
        // Adjacent literals are joined first, so that escaping sees every `${` whole.
        let mut parts: Vec<Part> = Vec::with_capacity(t.0.len());
        for part in &t.0 {
            match (parts.last_mut(), part) {
                (Some(Part::Lit(prev)), Part::Lit(next)) => prev.push_str(next),
                _ => parts.push(part.clone()),
            }
        }
        let mut out = String::new();
        for (i, part) in parts.iter().enumerate() {
            match part {
                Part::Lit(s) => {
                    if place == Place::PolicyDocument && s.contains("&{") {
                        return Err(EmitError::Unsupported(format!(
                            "`{s}` holds `&{{`, which an aws_iam_policy_document turns into `${{`"
                        )));
                    }
                    out.push_str(&template(s, i + 1 < parts.len()));
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
                    out.push_str(&format!("${{aws_iam_role.{}.arn}}", role_addr(id)));
                }
                // Only a variable by IAM's grammar: nothing else may reach Terraform unescaped.
                Part::PolicyVar(v) if !is_policy_variable(v) => {
                    return Err(EmitError::Unsupported(format!("`${{{v}}}` is not an IAM policy variable")));
                }
                Part::PolicyVar(v) => match place {
                    Place::PolicyDocument => out.push_str(&format!("&{{{v}}}")),
                    Place::Argument => out.push_str(&format!("$${{{v}}}")),
                },
            }
        }
        Ok(out)
    }

    /// A literal argument value.
    fn lit(s: &str) -> Node<'static> {
        Node::from(template(s, false))
    }

    fn texts(&mut self, list: &[Text], place: Place) -> Result<Node<'static>, EmitError> {
        Ok(Node::List(list.iter().map(|t| self.text(t, place).map(Node::from)).collect::<Result<_, _>>()?))
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
                data.entry(out, kind, &Node::map().with("current", Node::map()));
            }
        }
        for role in &model.roles {
            data.add(
                out,
                "aws_iam_policy_document",
                &format!("{}_trust", role_addr(&role.id)),
                self.document(&role.trust)?,
            )?;
        }
        for policy in &model.policies {
            let document = format!("{}_policy", names::snake(&policy.id));
            data.add(out, "aws_iam_policy_document", &document, self.document(&policy.document)?)?;
        }
        data.finish(out);

        let mut resources = Section::new("resource");
        for role in &model.roles {
            let addr = role_addr(&role.id);
            let body = self.role(role, &format!("{addr}_trust"))?;
            resources.add(out, "aws_iam_role", &addr, body)?;
        }
        for policy in &model.policies {
            let addr = names::snake(&policy.id);
            resources.add(
                out,
                "aws_iam_policy",
                &addr,
                Node::map()
                    .with("name", Self::lit(&policy.policy_name))
                    .with("description", Self::lit(&policy.description))
                    .with("policy", format!("${{data.aws_iam_policy_document.{addr}_policy.json}}"))
                    .with("tags", TAGS),
            )?;
        }
        for role in &model.roles {
            self.attachments(role, &mut resources, out)?;
        }
        self.eks(&mut resources, out)?;
        if let Some(slr) = &model.service_linked_role {
            let addr = names::snake(slr.aws_service_name.split('.').next().unwrap_or(&slr.aws_service_name));
            resources.add(
                out,
                "aws_iam_service_linked_role",
                &addr,
                Node::map()
                    .with("aws_service_name", Self::lit(&slr.aws_service_name))
                    .with("description", Self::lit(&slr.description))
                    .with("tags", TAGS),
            )?;
        }
        resources.finish(out);

        let mut outputs = Section::new("output");
        let mut output_names = BTreeSet::new();
        for role in &model.roles {
            let addr = role_addr(&role.id);
            // Output descriptions are literal strings, not templates.
            for (what, attribute) in [("ARN", "arn"), ("Name", "name")] {
                let name = format!("{addr}_role_{attribute}");
                if !output_names.insert(name.clone()) {
                    return Err(EmitError::NameCollision(format!("output.{name}")));
                }
                let body = Node::map()
                    .with("description", format!("{what} of {}", role.role_name))
                    .with("value", format!("${{aws_iam_role.{addr}.{attribute}}}"));
                outputs.entry(out, &name, &body);
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

    fn role(&mut self, role: &Role, trust: &str) -> Result<Node<'static>, EmitError> {
        let boundary = match &role.permissions_boundary {
            Some(t) => Some(self.text(t, Place::Argument)?),
            None => None,
        };
        Ok(Node::map()
            .with("name", Self::lit(&role.role_name))
            .with("description", Self::lit(&role.description))
            .with("assume_role_policy", format!("${{data.aws_iam_policy_document.{trust}.json}}"))
            .with_opt("permissions_boundary", boundary)
            .with("tags", TAGS))
    }

    /// One attachment per customer policy of this output, then one per managed policy ARN.
    fn attachments(&mut self, role: &Role, resources: &mut Section, out: &mut Chunks<'_>) -> Result<(), EmitError> {
        let addr = role_addr(&role.id);
        let role_name = format!("${{aws_iam_role.{addr}.name}}");
        for policy in self.index.policies_of(&role.id).to_vec() {
            let suffix = if policy.id == role.id.0 {
                "policy".to_owned()
            } else {
                match policy.id.strip_prefix(&format!("{}-", role.id.0)) {
                    Some(rest) => format!("policy_{}", names::snake(rest)),
                    None => format!("policy_{}", names::snake(&policy.id)),
                }
            };
            resources.add(
                out,
                "aws_iam_role_policy_attachment",
                &format!("{addr}_{suffix}"),
                Node::map()
                    .with("role", role_name.clone())
                    .with("policy_arn", format!("${{aws_iam_policy.{}.arn}}", names::snake(&policy.id))),
            )?;
        }
        for arn in &role.managed_policy_arns {
            let policy_arn = self.text(arn, Place::Argument)?;
            let name =
                resources.free_name("aws_iam_role_policy_attachment", &format!("{addr}_{}", managed_suffix(arn)));
            resources.add(
                out,
                "aws_iam_role_policy_attachment",
                &name,
                Node::map().with("role", role_name.clone()).with("policy_arn", policy_arn),
            )?;
        }
        Ok(())
    }

    /// Access entries, their access policies, and Pod Identity associations.
    fn eks(&mut self, resources: &mut Section, out: &mut Chunks<'_>) -> Result<(), EmitError> {
        let model = self.model;
        let cluster = Self::lit(model.cluster.eks_cluster_name.as_deref().unwrap_or_default());
        for entry in &model.access_entries {
            let principal = self.text(&Text(vec![Part::RoleArn(entry.role.clone())]), Place::Argument)?;
            let mut body = Node::map()
                .with("cluster_name", cluster.clone())
                .with("principal_arn", principal)
                .with("type", Self::lit(entry.entry_type.as_str()));
            if !entry.kubernetes_groups.is_empty() {
                body.insert(
                    "kubernetes_groups",
                    Node::List(entry.kubernetes_groups.iter().map(|g| Self::lit(g)).collect()),
                );
            }
            resources.add(out, "aws_eks_access_entry", &role_addr(&entry.role), body.with("tags", TAGS))?;
        }
        for entry in &model.access_entries {
            let addr = role_addr(&entry.role);
            for policy in &entry.access_policies {
                let scope = match &policy.scope {
                    AccessScope::Cluster => Node::map().with("type", "cluster"),
                    AccessScope::Namespace(ns) => Node::map()
                        .with("type", "namespace")
                        .with("namespaces", Node::List(ns.iter().map(|n| Self::lit(n)).collect())),
                };
                let policy_arn = self.text(&policy.policy_arn, Place::Argument)?;
                resources.add(
                    out,
                    "aws_eks_access_policy_association",
                    &format!("{addr}_{}", words(&policy.name)),
                    Node::map()
                        .with("cluster_name", cluster.clone())
                        .with("policy_arn", policy_arn)
                        // Through the access entry, so that Terraform creates the entry first.
                        .with("principal_arn", format!("${{aws_eks_access_entry.{addr}.principal_arn}}"))
                        .with("access_scope", scope),
                )?;
            }
        }
        for assoc in &model.pod_identity_associations {
            let role_arn = self.text(&Text(vec![Part::RoleArn(assoc.role.clone())]), Place::Argument)?;
            resources.add(
                out,
                "aws_eks_pod_identity_association",
                &role_addr(&assoc.role),
                Node::map()
                    .with("cluster_name", cluster.clone())
                    .with("namespace", Self::lit(&assoc.namespace))
                    .with("service_account", Self::lit(&assoc.service_account))
                    .with("role_arn", role_arn)
                    .with("tags", TAGS),
            )?;
        }
        Ok(())
    }

    /// The body of a `data "aws_iam_policy_document"`.
    fn document(&mut self, doc: &PolicyDocument) -> Result<Node<'static>, EmitError> {
        let statements = doc.statements.iter().map(|s| self.statement(s)).collect::<Result<Vec<_>, _>>()?;
        Ok(Node::map().with("version", POLICY_VERSION).with("statement", Node::List(statements)))
    }

    fn statement(&mut self, s: &Statement) -> Result<Node<'static>, EmitError> {
        let place = Place::PolicyDocument;
        let strings = |list: &[String]| -> Result<Node<'static>, EmitError> {
            list.iter()
                .map(|a| {
                    if a.contains("&{") {
                        return Err(EmitError::Unsupported(format!(
                            "`{a}` holds `&{{`, which an aws_iam_policy_document turns into `${{`"
                        )));
                    }
                    Ok(Self::lit(a))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Node::List)
        };
        let mut node = Node::map().with_opt("sid", s.sid.as_deref().map(Self::lit)).with("effect", s.effect.as_str());
        if let Some(p) = &s.principal {
            let (kind, identifiers) = match p {
                Principal::Service(services) => ("Service", strings(services)?),
                Principal::Aws(arns) => ("AWS", self.texts(arns, place)?),
            };
            node.insert(
                "principals",
                Node::List(vec![Node::map().with("type", kind).with("identifiers", identifiers)]),
            );
        }
        match &s.actions {
            Actions::Action(a) => node.insert("actions", strings(a)?),
            Actions::NotAction(a) => node.insert("not_actions", strings(a)?),
        }
        match &s.resources {
            Some(Resources::Resource(r)) => node.insert("resources", self.texts(r, place)?),
            Some(Resources::NotResource(r)) => node.insert("not_resources", self.texts(r, place)?),
            None => {}
        }
        if !s.conditions.is_empty() {
            let mut conditions = Vec::new();
            for c in &s.conditions {
                conditions.push(
                    Node::map()
                        .with("test", Self::lit(&c.operator))
                        .with("variable", Self::lit(&c.key))
                        .with("values", self.texts(&c.values, place)?),
                );
            }
            node.insert("condition", Node::List(conditions));
        }
        Ok(node)
    }
}

#[cfg(test)]
mod tests;
