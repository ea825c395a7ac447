//! `cloudformation.yaml`: one template that deploys with no edit, in any partition; or, for a
//! spec past what one stack takes, a `cloudformation/` folder of stacks and a script that
//! deploys them in order.
//!
//! # Splitting
//!
//! A template may hold 500 resources and 200 outputs, and a template body read from S3 may be
//! 1,000,000 bytes (51,200 inline: every split template is meant to be deployed through S3, as
//! `aws cloudformation deploy --s3-bucket` does). A spec whose one template fits all three gets
//! `cloudformation.yaml`, as always. Past any of them it gets:
//!
//! - `cloudformation/core.yaml`: the admins, the execution roles and the service-linked role,
//!   with their policies and access entries (`core-2.yaml`, ... should they not fit one stack);
//! - `cloudformation/teams-001.yaml`, ...: the scientist teams in spec order, each with its pod
//!   role, policies, access entry and Pod Identity association, [`TEAMS_PER_STACK`] teams to a
//!   stack (fewer when they would pass a limit), so that editing a team never moves another one
//!   to a different stack; appending teams only adds to the last stack or makes a new one;
//! - `cloudformation/deploy.sh`: `aws cloudformation deploy` of the core stacks, then of the team
//!   stacks (several at a time), each as stack `<name>-iam-<file stem>`.
//!
//! A reference to a role of another stack is written as the ARN its fixed name gives
//! (`arn:${AWS::Partition}:iam::${AWS::AccountId}:role/<name>`), not as an export: IAM accepts a
//! policy naming a role that does not exist yet, so each stack deploys on its own, and no stack
//! is pinned by another's imports. The core stacks go first because HyperPod needs them first.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use crate::model::limits::CLOUDFORMATION_RESOURCES_MAX;
use crate::model::{AccessScope, Index, ManagedPolicy, Model, Part, Role, RoleId, RoleKind, Text, names};

use super::node::Node;
use super::node::yaml::{self, Stream};
use super::policy;
use super::{Artifact, EmitError, Emitter, Parts, Render, Sink};

/// Outputs in one template.
pub const TEMPLATE_OUTPUTS_MAX: usize = 200;
/// Bytes of a template body that CloudFormation reads from S3.
pub const TEMPLATE_BYTES_MAX: usize = 1_000_000;
/// Scientist teams in one team stack: each has at most two roles of two outputs each, so 50
/// teams fill the 200 outputs a template may have.
pub const TEAMS_PER_STACK: usize = 50;

/// The CloudFormation emitter.
pub struct CloudFormation;

impl Emitter for CloudFormation {
    fn name(&self) -> &str {
        "cloudformation"
    }

    fn description(&self) -> &str {
        "cloudformation.yaml: one CloudFormation template (roles, policies, access entries, Pod Identity); a cloudformation/ folder of stacks past one stack's limits"
    }

    fn emit(&self, model: &Model) -> Result<Vec<Artifact>, EmitError> {
        super::gather(|sink| write(model, &model.index(), sink))
    }

    fn emit_to(&self, render: &Render<'_>, sink: &mut dyn Sink) -> Result<(), EmitError> {
        write(render.model(), render.index(), sink)
    }

    /// Past one stack's resources or outputs, one part per stack, and one for `deploy.sh`. (A
    /// spec whose one template fits by count is one piece of work: only writing the template
    /// tells whether it also fits by size.)
    fn parts<'r>(&'r self, render: &'r Render<'_>) -> Result<Option<Box<dyn Parts + 'r>>, EmitError> {
        let (model, ix) = (render.model(), render.index());
        if whole(model).fits_by_count(model, ix) {
            return Ok(None);
        }
        Ok(Some(Box::new(Split::new(model, ix))))
    }
}

/// The one template of every role.
fn whole(model: &Model) -> Stack<'_> {
    Stack { stem: String::new(), roles: model.roles.iter().collect(), service_linked_role: true }
}

/// The one template, or the stacks, each handed to `sink` as soon as it is written.
fn write(model: &Model, ix: &Index<'_>, sink: &mut dyn Sink) -> Result<(), EmitError> {
    let whole = whole(model);
    if whole.fits_by_count(model, ix) {
        let contents = whole.write(model, ix, &|id| ix.role(id).map(|r| r.role_name.as_str()), None)?;
        if contents.len() <= TEMPLATE_BYTES_MAX {
            sink.file("cloudformation.yaml", &contents);
            return Ok(());
        }
    }
    super::emit_parts(&Split::new(model, ix), sink)
}

/// The logical id of a role's resource: `admin-platform` + `Role` → `AdminPlatformRole`.
fn logical(id: &RoleId, suffix: &str) -> String {
    let mut logical = names::pascal(&id.0);
    logical.push_str(suffix);
    logical
}

/// The name of the role with this id, if the model creates it.
type NameOf<'a> = dyn Fn(&RoleId) -> Option<&'a str> + 'a;

/// How a [`Text`] is written in one template: which roles it creates itself (`None`: all).
struct Texts<'a, 'n, 's> {
    local: Option<BTreeSet<&'a RoleId>>,
    names: &'n NameOf<'s>,
}

impl Texts<'_, '_, '_> {
    /// A text as CloudFormation reads it: a plain string when it holds no deploy-time value,
    /// else `Fn::GetAtt` for a lone role ARN of this template, else `Fn::Sub` with pseudo
    /// parameters, `${Role.Arn}`, a role of another stack by the ARN its name gives, and
    /// `${!var}` for IAM policy variables (and for any literal `${`).
    #[cfg(test)]
    fn text<'t>(&self, t: &'t Text) -> Node<'t> {
        match self.resolve(t) {
            Written::Plain(literal) => Node::from(literal),
            Written::GetAtt(id) => Node::map().with("Fn::GetAtt", Node::strings([id, "Arn".to_owned()])),
            Written::Sub(sub) => Node::map().with("Fn::Sub", sub),
        }
    }

    /// [`Texts::text`] written as the value of `s`.
    fn write(&self, t: &Text, s: &mut Stream<'_>) {
        match self.resolve(t) {
            Written::Plain(literal) => s.str(&literal),
            Written::GetAtt(id) => get_att(&id, s),
            Written::Sub(sub) => {
                s.map();
                s.entry("Fn::Sub", &sub);
                s.end();
            }
        }
    }

    fn resolve<'t>(&self, t: &'t Text) -> Written<'t> {
        if let [Part::Lit(literal)] = t.0.as_slice() {
            return Written::Plain(Cow::Borrowed(literal));
        }
        if let Some(literal) = t.as_literal() {
            return Written::Plain(Cow::Owned(literal));
        }
        if let [Part::RoleArn(id)] = t.0.as_slice()
            && self.is_local(id)
        {
            return Written::GetAtt(logical(id, "Role"));
        }
        // Sized once for the usual parts (a literal and its escapes, a pseudo parameter): an ARN
        // of a few parts then grows no more.
        let size: usize = t.0.iter().map(|part| if let Part::Lit(s) = part { s.len() } else { 24 }).sum();
        let mut sub = String::with_capacity(size + 16);
        for part in &t.0 {
            match part {
                Part::Lit(s) if s.contains("${") => sub.push_str(&s.replace("${", "${!")),
                Part::Lit(s) => sub.push_str(s),
                Part::Partition => sub.push_str("${AWS::Partition}"),
                Part::Region => sub.push_str("${AWS::Region}"),
                Part::Account => sub.push_str("${AWS::AccountId}"),
                Part::RoleArn(id) if self.is_local(id) => {
                    sub.push_str("${");
                    sub.push_str(&logical(id, "Role"));
                    sub.push_str(".Arn}");
                }
                Part::RoleArn(id) => {
                    let name = (self.names)(id).unwrap_or(id.0.as_str());
                    sub.push_str("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/");
                    sub.push_str(name);
                }
                Part::PolicyVar(v) => {
                    sub.push_str("${!");
                    sub.push_str(v);
                    sub.push('}');
                }
            }
        }
        Written::Sub(sub)
    }

    fn is_local(&self, id: &RoleId) -> bool {
        self.local.as_ref().is_none_or(|local| local.contains(id))
    }
}

/// A [`Text`] as one template writes it.
enum Written<'t> {
    Plain(Cow<'t, str>),
    /// `Fn::GetAtt` of the ARN of the role with this logical id.
    GetAtt(String),
    Sub(String),
}

/// `{Fn::GetAtt: [logical_id, Arn]}` as the value of `s`.
fn get_att(logical_id: &str, s: &mut Stream<'_>) {
    s.map();
    s.key("Fn::GetAtt");
    s.list();
    s.str(logical_id);
    s.str("Arn");
    s.end();
    s.end();
}

/// `{Ref: logical_id}` as the value of `s`.
fn reference(logical_id: &str, s: &mut Stream<'_>) {
    s.map();
    s.entry("Ref", logical_id);
    s.end();
}

/// `Tags` as IAM and CloudFormation write them, `[{Key, Value}]` in key order; nothing for none.
fn tags(tags: &BTreeMap<String, String>, s: &mut Stream<'_>) {
    if tags.is_empty() {
        return;
    }
    s.key("Tags");
    s.list();
    for (k, v) in tags {
        s.map();
        s.entry("Key", k);
        s.entry("Value", v);
        s.end();
    }
    s.end();
}

/// The roles of one template, with everything each brings along.
struct Stack<'a> {
    /// The file stem in `cloudformation/`: `core`, `teams-001`; empty for the one template.
    stem: String,
    roles: Vec<&'a Role>,
    service_linked_role: bool,
}

impl<'a> Stack<'a> {
    /// Resources and outputs of the template.
    fn counts(&self, model: &Model, ix: &Index<'_>) -> (usize, usize) {
        let resources: usize = self
            .roles
            .iter()
            .map(|r| {
                1 + ix.policies_of(&r.id).len() + ix.access_entries_of(&r.id).len() + ix.pod_identity_of(&r.id).len()
            })
            .sum();
        let slr = usize::from(self.service_linked_role && model.service_linked_role.is_some());
        (resources + slr, 2 * self.roles.len())
    }

    fn fits_by_count(&self, model: &Model, ix: &Index<'_>) -> bool {
        let (resources, outputs) = self.counts(model, ix);
        resources <= CLOUDFORMATION_RESOURCES_MAX && outputs <= TEMPLATE_OUTPUTS_MAX
    }

    /// Writes the template, each resource as soon as it is built: no tree of the whole template
    /// is ever held.
    fn write(
        &self,
        model: &'a Model,
        ix: &Index<'a>,
        names: &NameOf<'_>,
        part: Option<&str>,
    ) -> Result<String, EmitError> {
        let local = part.map(|_| self.roles.iter().map(|r| &r.id).collect());
        let texts = Texts { local, names };
        let what = match part {
            None => String::new(),
            Some(part) => format!(", stack {part}"),
        };
        let description = format!(
            "IAM for SageMaker HyperPod ({}, {}{what}), generated by hyperpod-iam from one spec; deploy with CAPABILITY_NAMED_IAM",
            model.name,
            model.orchestrator.as_str()
        );
        let mut out = String::new();
        yaml::entry("AWSTemplateFormatVersion", &Node::from("2010-09-09"), 0, &mut out);
        yaml::entry("Description", &Node::from(description), 0, &mut out);
        let mut resources = Resources { out, seen: BTreeSet::new() };
        for role in &self.roles {
            role_resources(model, ix, role, &texts, &mut resources)?;
        }
        if let (true, Some(slr)) = (self.service_linked_role, &model.service_linked_role) {
            // Other clusters of the account use it too: deleting or replacing the stack keeps it.
            let mut s = resources.add("HyperPodServiceLinkedRole", "AWS::IAM::ServiceLinkedRole")?;
            s.entry("DeletionPolicy", "Retain");
            s.entry("UpdateReplacePolicy", "Retain");
            s.key("Properties");
            s.map();
            s.entry("AWSServiceName", &slr.aws_service_name);
            s.entry("Description", &slr.description);
            s.end();
        }
        let mut out = resources.finish();
        if !self.roles.is_empty() {
            out.push_str("Outputs:\n");
        }
        let mut s = Stream::map_at(1, &mut out);
        let mut key = String::new();
        let mut description = String::new();
        for role in &self.roles {
            let id = logical(&role.id, "Role");
            for (what, suffix) in [("ARN of ", "Arn"), ("Name of ", "Name")] {
                key.clear();
                key.push_str(&id);
                key.push_str(suffix);
                s.key(&key);
                s.map();
                description.clear();
                description.push_str(what);
                description.push_str(&role.role_name);
                s.entry("Description", &description);
                s.key("Value");
                if suffix == "Arn" {
                    get_att(&id, &mut s)
                } else {
                    reference(&id, &mut s)
                }
                s.end();
            }
        }
        Ok(out)
    }
}

/// The stacks of a spec past one template's limits, as files of `cloudformation/`: one part per
/// stack, then `deploy.sh`.
struct Split<'a> {
    model: &'a Model,
    ix: &'a Index<'a>,
    stacks: Vec<Stack<'a>>,
}

impl<'a> Split<'a> {
    fn new(model: &'a Model, ix: &'a Index<'a>) -> Split<'a> {
        let is_core = |r: &&Role| matches!(r.kind, RoleKind::Admin | RoleKind::Execution);
        let core: Vec<Vec<&Role>> = model.roles.iter().filter(is_core).map(|r| vec![r]).collect();
        // A team: the roles of one `scientists[]` entry (its own and its pod role), in spec order.
        let mut teams: Vec<Vec<&Role>> = Vec::new();
        let mut team_of: BTreeMap<&str, usize> = BTreeMap::new();
        let mut team_of_last: Option<&str> = None;
        for role in model.roles.iter().filter(|r| !is_core(r)) {
            let team = role.origin.split('.').next().unwrap_or_default();
            // A team's roles mostly come one after another: the last team is looked at first.
            if let (Some(last), Some(roles)) = (team_of_last, teams.last_mut())
                && last == team
            {
                roles.push(role);
                continue;
            }
            team_of_last = Some(team);
            match team_of.get(team) {
                Some(&i) => teams[i].push(role),
                None => {
                    team_of.insert(team, teams.len());
                    teams.push(vec![role]);
                }
            }
        }

        let mut stacks = Vec::new();
        let core_stacks = pack(model, ix, core, usize::MAX);
        let core_count = core_stacks.len().max(1);
        for (i, roles) in core_stacks.into_iter().chain(std::iter::once(Vec::new())).take(core_count).enumerate() {
            let stem = if i == 0 { "core".to_owned() } else { format!("core-{}", i + 1) };
            stacks.push(Stack { stem, roles, service_linked_role: i == 0 });
        }
        for (i, roles) in pack(model, ix, teams, TEAMS_PER_STACK).into_iter().enumerate() {
            stacks.push(Stack { stem: format!("teams-{:03}", i + 1), roles, service_linked_role: false });
        }
        Split { model, ix, stacks }
    }
}

impl Parts for Split<'_> {
    fn count(&self) -> usize {
        self.stacks.len() + 1
    }

    fn emit(&self, part: usize, sink: &mut dyn Sink) -> Result<(), EmitError> {
        let Some(stack) = self.stacks.get(part) else {
            sink.file("cloudformation/deploy.sh", &deploy_script(self.model, &self.stacks));
            return Ok(());
        };
        let names = |id: &RoleId| self.ix.role(id).map(|r| r.role_name.as_str());
        let contents = stack.write(self.model, self.ix, &names, Some(&stack.stem))?;
        if contents.len() > TEMPLATE_BYTES_MAX {
            return Err(EmitError::Unsupported(format!(
                "CloudFormation stack `{}` would be {} bytes, past the {TEMPLATE_BYTES_MAX} a template may have",
                stack.stem,
                contents.len()
            )));
        }
        sink.file(&format!("cloudformation/{}.yaml", stack.stem), &contents);
        Ok(())
    }
}

/// Packs groups of roles, in order, into stacks of at most `per_stack` groups that each fit a
/// template's resource and output limits. A group is never cut.
fn pack<'a>(model: &Model, ix: &Index<'_>, groups: Vec<Vec<&'a Role>>, per_stack: usize) -> Vec<Vec<&'a Role>> {
    // The service-linked role may go with any stack: count it in each.
    let slr = usize::from(model.service_linked_role.is_some());
    let mut stacks: Vec<Vec<&Role>> = Vec::new();
    // Groups, resources and outputs of the last stack.
    let mut last = (0, 0, 0);
    for group in groups {
        let (resources, outputs) =
            Stack { stem: String::new(), roles: group.clone(), service_linked_role: false }.counts(model, ix);
        let (n, r, o) = last;
        let fits = n > 0
            && n < per_stack
            && r + resources + slr <= CLOUDFORMATION_RESOURCES_MAX
            && o + outputs <= TEMPLATE_OUTPUTS_MAX;
        match stacks.last_mut() {
            Some(stack) if fits => {
                stack.extend(group);
                last = (n + 1, r + resources, o + outputs);
            }
            _ => {
                stacks.push(group);
                last = (1, resources, outputs);
            }
        }
    }
    stacks
}

/// `cloudformation/deploy.sh`: the core stacks in order, then the team stacks, several at once.
fn deploy_script(model: &Model, stacks: &[Stack<'_>]) -> String {
    let (core, teams): (Vec<&Stack>, Vec<&Stack>) = stacks.iter().partition(|s| s.stem.starts_with("core"));
    let name = &model.name;
    let mut out = format!(
        r#"#!/bin/sh
# Deploys the IAM of `{name}`, generated by hyperpod-iam: the core stack (admins, execution
# roles, the service-linked role) first, then {count} team stacks, 4 at a time
# (HYPERPOD_IAM_PARALLEL=n to change). Each file X.yaml becomes stack `{name}-iam-X`.
# CloudFormation reads a template over 51,200 bytes only from S3, so the templates are uploaded
# to BUCKET. Options after BUCKET go to every `aws cloudformation deploy` (--region, --profile).
#
#   sh cloudformation/deploy.sh BUCKET [aws cloudformation deploy options]
set -eu
if [ "${{1-}}" = --stack ]; then
    stem=$2
    bucket=$3
    shift 3
    exec aws cloudformation deploy --template-file "$(dirname "$0")/$stem.yaml" --stack-name "{name}-iam-$stem" \
        --capabilities CAPABILITY_NAMED_IAM --s3-bucket "$bucket" --no-fail-on-empty-changeset "$@"
fi
: "${{1:?usage: sh $0 BUCKET [aws cloudformation deploy options]}}"
"#,
        count = teams.len(),
    );
    for stack in core {
        out.push_str(&format!("sh \"$0\" --stack {} \"$@\"\n", stack.stem));
    }
    if !teams.is_empty() {
        out.push_str("printf '%s\\n'");
        for stack in teams {
            out.push_str(&format!(" \\\n    {}", stack.stem));
        }
        out.push_str(" |\n    xargs -P \"${HYPERPOD_IAM_PARALLEL:-4}\" -I {} sh \"$0\" --stack {} \"$@\"\n");
    }
    out
}

/// The `Resources` of a template, written as they are added, refusing a logical id given twice.
struct Resources {
    out: String,
    seen: BTreeSet<String>,
}

impl Resources {
    /// Starts resource `logical_id` of type `kind`: the returned stream is inside its map, after
    /// `Type`, for the rest of its keys.
    fn add(&mut self, logical_id: &str, kind: &str) -> Result<Stream<'_>, EmitError> {
        if !self.seen.insert(logical_id.to_owned()) {
            return Err(EmitError::NameCollision(logical_id.to_owned()));
        }
        if self.seen.len() == 1 {
            self.out.push_str("Resources:\n");
        }
        let mut s = Stream::map_at(1, &mut self.out);
        s.key(logical_id);
        s.map();
        s.entry("Type", kind);
        Ok(s)
    }

    /// The template so far, with `Resources: {}` if nothing was added.
    fn finish(mut self) -> String {
        if self.seen.is_empty() {
            self.out.push_str("Resources: {}\n");
        }
        self.out
    }
}

/// `Metadata.checkov.skip` for the findings a policy causes on purpose, each with its reason.
fn checkov_skips(policy: &ManagedPolicy, s: &mut Stream<'_>) {
    let mut reasons: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for waiver in policy.document.statements.iter().flat_map(|s| &s.waivers) {
        let list = reasons.entry(&waiver.check).or_default();
        if !list.contains(&waiver.reason.as_str()) {
            list.push(&waiver.reason);
        }
    }
    if reasons.is_empty() {
        return;
    }
    s.key("Metadata");
    s.map();
    s.key("checkov");
    s.map();
    s.key("skip");
    s.list();
    for (id, why) in reasons {
        s.map();
        s.entry("id", id);
        s.entry("comment", &why.join("; "));
        s.end();
    }
    s.end();
    s.end();
    s.end();
}

fn role_resources<'a>(
    model: &'a Model,
    ix: &Index<'a>,
    role: &'a Role,
    texts: &Texts<'_, '_, '_>,
    resources: &mut Resources,
) -> Result<(), EmitError> {
    let role_id = logical(&role.id, "Role");
    let mut s = resources.add(&role_id, "AWS::IAM::Role")?;
    s.key("Properties");
    s.map();
    s.entry("RoleName", &role.role_name);
    s.entry("Description", &role.description);
    s.key("AssumeRolePolicyDocument");
    policy::yaml(&role.trust, &mut s, |t, s| texts.write(t, s));
    if !role.managed_policy_arns.is_empty() {
        s.key("ManagedPolicyArns");
        s.list();
        for arn in &role.managed_policy_arns {
            texts.write(arn, &mut s);
        }
        s.end();
    }
    if let Some(boundary) = &role.permissions_boundary {
        s.key("PermissionsBoundary");
        texts.write(boundary, &mut s);
    }
    tags(&model.tags, &mut s);
    s.end();

    for (i, p) in ix.policies_of(&role.id).iter().enumerate() {
        let suffix = if i == 0 { "Policy".to_owned() } else { format!("Policy{}", i + 1) };
        let mut s = resources.add(&logical(&role.id, &suffix), "AWS::IAM::ManagedPolicy")?;
        checkov_skips(p, &mut s);
        s.key("Properties");
        s.map();
        s.entry("ManagedPolicyName", &p.policy_name);
        s.entry("Description", &p.description);
        s.key("PolicyDocument");
        policy::yaml(&p.document, &mut s, |t, s| texts.write(t, s));
        s.key("Roles");
        s.list();
        for r in &p.roles {
            reference(&logical(r, "Role"), &mut s);
        }
        s.end();
        s.end();
    }

    let cluster_name = model.cluster.eks_cluster_name.as_deref().unwrap_or_default();
    let arn = Text(vec![Part::RoleArn(role.id.clone())]);
    for entry in ix.access_entries_of(&role.id) {
        let mut s = resources.add(&logical(&role.id, "AccessEntry"), "AWS::EKS::AccessEntry")?;
        s.key("Properties");
        s.map();
        s.entry("ClusterName", cluster_name);
        s.key("PrincipalArn");
        texts.write(&arn, &mut s);
        s.entry("Type", entry.entry_type.as_str());
        if !entry.kubernetes_groups.is_empty() {
            s.key("KubernetesGroups");
            strings(&entry.kubernetes_groups, &mut s);
        }
        if !entry.access_policies.is_empty() {
            s.key("AccessPolicies");
            s.list();
            for p in &entry.access_policies {
                s.map();
                s.key("PolicyArn");
                texts.write(&p.policy_arn, &mut s);
                s.key("AccessScope");
                s.map();
                match &p.scope {
                    AccessScope::Cluster => s.entry("Type", "cluster"),
                    AccessScope::Namespace(ns) => {
                        s.entry("Type", "namespace");
                        s.key("Namespaces");
                        strings(ns, &mut s);
                    }
                }
                s.end();
                s.end();
            }
            s.end();
        }
        tags(&model.tags, &mut s);
        s.end();
    }

    for assoc in ix.pod_identity_of(&role.id) {
        let mut s = resources.add(&logical(&role.id, "PodIdentityAssociation"), "AWS::EKS::PodIdentityAssociation")?;
        s.key("Properties");
        s.map();
        s.entry("ClusterName", cluster_name);
        s.entry("Namespace", &assoc.namespace);
        s.entry("ServiceAccount", &assoc.service_account);
        s.key("RoleArn");
        texts.write(&arn, &mut s);
        tags(&model.tags, &mut s);
        s.end();
    }
    Ok(())
}

/// A list of strings as the value of `s`.
fn strings(items: &[String], s: &mut Stream<'_>) {
    s.list();
    for item in items {
        s.str(item);
    }
    s.end();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_render_as_plain_getatt_or_sub() {
        let names = BTreeMap::from([(RoleId("exec-compute".into()), "t-exec-compute".to_owned())]);
        let name_of = |id: &RoleId| names.get(id).map(String::as_str);
        let all = Texts { local: None, names: &name_of };
        assert_eq!(all.text(&Text::lit("*")), Node::Str("*".into()));
        let arn = Text(vec![Part::RoleArn(RoleId("exec-compute".into()))]);
        assert_eq!(all.text(&arn), Node::map().with("Fn::GetAtt", Node::strings(["ExecComputeRole", "Arn"])));
        let session = Text::pattern("arn:{P}:ssm:{R}:{A}:session/${aws:userid}-*");
        assert_eq!(
            all.text(&session),
            Node::map()
                .with("Fn::Sub", "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:session/${!aws:userid}-*")
        );
        // Literal with a policy variable needs no Fn::Sub and no escape.
        let literal = Text::pattern("arn:aws:ssm:us-east-1:111122223333:session/${aws:userid}-*");
        assert_eq!(all.text(&literal), Node::Str("arn:aws:ssm:us-east-1:111122223333:session/${aws:userid}-*".into()));
        // A role of another stack: the ARN its fixed name gives.
        let elsewhere = Texts { local: Some(BTreeSet::new()), names: &name_of };
        assert_eq!(
            elsewhere.text(&arn),
            Node::map().with("Fn::Sub", "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/t-exec-compute")
        );
    }
}
