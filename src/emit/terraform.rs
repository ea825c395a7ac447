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

use super::node::{Node, json, to_json};
use super::{Artifact, EmitError, Emitter};

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
        let config = Config::new(model).build()?;
        Ok(vec![Artifact { path: "main.tf.json".to_owned(), contents: to_json(&config)? }])
    }
}

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
    let mut out = lit.replace("${", "$${").replace("%{", "%%{");
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

/// `resource` or `data` blocks, grouped by type in order of first use, refusing an address given
/// twice. Each block is written as JSON as soon as it is added (at its depth in the
/// configuration, `"<block>": {"<type>": {"<name>": ...}}`), so no tree of the configuration is
/// held.
#[derive(Default)]
struct Blocks {
    /// Per type, its blocks written so far, without the closing brace.
    types: Vec<(String, String)>,
    seen: BTreeSet<String>,
}

impl Blocks {
    /// The depth of a block's name in the configuration.
    const DEPTH: usize = 3;

    fn add(&mut self, kind: &str, name: &str, body: Node<'_>) -> Result<(), EmitError> {
        let address = format!("{kind}.{name}");
        if !self.seen.insert(address.clone()) {
            return Err(EmitError::NameCollision(address));
        }
        let i = match self.types.iter().position(|(t, _)| t == kind) {
            Some(i) => {
                self.types[i].1.push_str(",\n");
                i
            }
            None => {
                self.types.push((kind.to_owned(), String::from("{\n")));
                self.types.len() - 1
            }
        };
        json::entry(name, &body, Self::DEPTH, &mut self.types[i].1);
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

    /// The types and their blocks, as entries of the `resource` or `data` map.
    fn entries(self) -> Vec<(String, Node<'static>)> {
        let close = format!("\n{}}}", "  ".repeat(Self::DEPTH - 1));
        self.types.into_iter().map(|(kind, written)| (kind, Node::Json(written + &close))).collect()
    }

    fn node(self) -> Node<'static> {
        Node::Map(self.entries().into_iter().map(|(k, v)| (k.into(), v)).collect())
    }
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

    fn build(mut self) -> Result<Node<'static>, EmitError> {
        let model = self.model;
        let mut resources = Blocks::default();
        let mut documents = Blocks::default();

        for role in &model.roles {
            let addr = role_addr(&role.id);
            let trust = format!("{addr}_trust");
            documents.add("aws_iam_policy_document", &trust, self.document(&role.trust)?)?;
            resources.add("aws_iam_role", &addr, self.role(role, &trust)?)?;
        }
        for policy in &model.policies {
            let addr = names::snake(&policy.id);
            let document = format!("{addr}_policy");
            documents.add("aws_iam_policy_document", &document, self.document(&policy.document)?)?;
            resources.add(
                "aws_iam_policy",
                &addr,
                Node::map()
                    .with("name", Self::lit(&policy.policy_name))
                    .with("description", Self::lit(&policy.description))
                    .with("policy", format!("${{data.aws_iam_policy_document.{document}.json}}"))
                    .with("tags", TAGS),
            )?;
        }
        for role in &model.roles {
            self.attachments(role, &mut resources)?;
        }
        self.eks(&mut resources)?;
        if let Some(slr) = &model.service_linked_role {
            let addr = names::snake(slr.aws_service_name.split('.').next().unwrap_or(&slr.aws_service_name));
            resources.add(
                "aws_iam_service_linked_role",
                &addr,
                Node::map()
                    .with("aws_service_name", Self::lit(&slr.aws_service_name))
                    .with("description", Self::lit(&slr.description))
                    .with("tags", TAGS),
            )?;
        }
        let mut outputs = Node::map();
        let mut output_names = BTreeSet::new();
        for role in &model.roles {
            let addr = role_addr(&role.id);
            // Output descriptions are literal strings, not templates.
            for (what, attribute) in [("ARN", "arn"), ("Name", "name")] {
                let name = format!("{addr}_role_{attribute}");
                if !output_names.insert(name.clone()) {
                    return Err(EmitError::NameCollision(format!("output.{name}")));
                }
                outputs.insert(
                    name,
                    Node::map()
                        .with("description", format!("{what} of {}", role.role_name))
                        .with("value", format!("${{aws_iam_role.{addr}.{attribute}}}")),
                );
            }
        }

        let symbols =
            [(self.partition, "aws_partition"), (self.region, "aws_region"), (self.account, "aws_caller_identity")];
        let mut data: Vec<(String, Node)> = symbols
            .into_iter()
            .filter(|(used, _)| *used)
            .map(|(_, kind)| (kind.to_owned(), Node::map().with("current", Node::map())))
            .collect();
        data.extend(documents.entries());

        let mut config = Node::map()
            .with(
                "//",
                format!(
                    "IAM for SageMaker HyperPod ({}, {}), generated by hyperpod-iam from one spec; run terraform init, then terraform plan",
                    model.name,
                    model.orchestrator.as_str()
                ),
            )
            .with(
                "terraform",
                Node::map().with(
                    "required_providers",
                    Node::map().with("aws", Node::map().with("source", "hashicorp/aws").with("version", ">= 6.0")),
                ),
            )
            .with("variable", Node::map().with("tags", self.tags_variable()));
        // Every spec has roles, so none of these is empty; an empty block would still be valid.
        for (key, node) in [
            ("data", Node::Map(data.into_iter().map(|(k, v)| (k.into(), v)).collect())),
            ("resource", resources.node()),
            ("output", outputs),
        ] {
            if node != Node::map() {
                config.insert(key, node);
            }
        }
        Ok(config)
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
    fn attachments(&mut self, role: &Role, resources: &mut Blocks) -> Result<(), EmitError> {
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
                "aws_iam_role_policy_attachment",
                &name,
                Node::map().with("role", role_name.clone()).with("policy_arn", policy_arn),
            )?;
        }
        Ok(())
    }

    /// Access entries, their access policies, and Pod Identity associations.
    fn eks(&mut self, resources: &mut Blocks) -> Result<(), EmitError> {
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
            resources.add("aws_eks_access_entry", &role_addr(&entry.role), body.with("tags", TAGS))?;
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
mod tests {
    use super::*;

    #[test]
    fn literals_are_escaped_as_templates() {
        assert_eq!(template("a${b}%{c}", false), "a$${b}%%{c}");
        assert_eq!(template("$${x}", false), "$$${x}");
        // A trailing `$` before an interpolation must not form the escape `$${`.
        assert_eq!(template("cost$", true), "cost${\"$\"}");
        assert_eq!(template("cost$", false), "cost$");
    }

    fn render(t: &Text, place: Place) -> (String, bool, bool, bool) {
        let model = crate::model::build(&crate::model::Config::default());
        let mut config = Config::new(&model);
        let out = config.text(t, place).unwrap();
        (out, config.partition, config.region, config.account)
    }

    #[test]
    fn symbols_become_interpolations_and_policy_variables_stay_unexpanded() {
        let session = Text::pattern("arn:{P}:ssm:{R}:{A}:session/${aws:userid}-*");
        let (doc, p, r, a) = render(&session, Place::PolicyDocument);
        assert_eq!(
            doc,
            "arn:${data.aws_partition.current.partition}:ssm:${data.aws_region.current.region}:\
             ${data.aws_caller_identity.current.account_id}:session/&{aws:userid}-*"
        );
        assert!(p && r && a);
        let (arg, ..) = render(&session, Place::Argument);
        assert!(arg.ends_with(":session/$${aws:userid}-*"), "{arg}");
        let (literal, p, r, a) = render(&Text::lit("arn:aws:s3:::b/${x}"), Place::Argument);
        assert_eq!(literal, "arn:aws:s3:::b/$${x}");
        assert!(!p && !r && !a);
    }

    #[test]
    fn a_literal_ampersand_brace_is_refused_in_policy_documents() {
        let model = crate::model::build(&crate::model::Config::default());
        let mut config = Config::new(&model);
        assert!(matches!(config.text(&Text::lit("a&{b}"), Place::PolicyDocument), Err(EmitError::Unsupported(_))));
        assert_eq!(config.text(&Text::lit("a&{b}"), Place::Argument).unwrap(), "a&{b}");
    }

    #[test]
    fn readable_names() {
        assert_eq!(words("AmazonEKSClusterAdminPolicy"), "amazon_eks_cluster_admin_policy");
        assert_eq!(words("AWSServiceRoleForX"), "aws_service_role_for_x");
        let aws = Text::pattern("arn:{P}:iam::aws:policy/AmazonSageMakerFullAccess");
        assert_eq!(managed_suffix(&aws), "amazon_sage_maker_full_access");
        let own = Text::lit("arn:aws:iam::111122223333:policy/team/GpuNodeExtras");
        assert_eq!(managed_suffix(&own), "111122223333_team_gpu_node_extras");
    }

    #[test]
    fn a_name_given_twice_is_refused() {
        let mut blocks = Blocks::default();
        blocks.add("aws_iam_role", "a", Node::map()).unwrap();
        assert_eq!(
            blocks.add("aws_iam_role", "a", Node::map()),
            Err(EmitError::NameCollision("aws_iam_role.a".to_owned()))
        );
    }
}
