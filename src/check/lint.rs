//! The lint: what IAM and Kubernetes would accept but that grants nothing, too much, or cannot
//! deploy. It runs on the model, generated statements and the user's `extraStatements` alike;
//! generated output never trips a rule (a test proves it), so every finding is about the spec.

use std::collections::{BTreeMap, BTreeSet};

use crate::catalog::{ActionInfo, ActionLookup, catalog};
use crate::model::limits::{self, Sizer};
use crate::model::permissions::KUBERNETES_VERBS;
use crate::model::{
    Actions, Effect, Index, Model, Orchestrator, Principal, Resolver, Resources, Role, RoleId, RoleKind, Statement,
    Text,
};

use super::{Code, Diagnostic, Diagnostics, Location};

/// Where each spec field is: path → location (from the spec reader).
pub type SourceMap = BTreeMap<String, Location>;

/// Lints a model. Diagnostics name spec paths; `map` gives their locations.
pub fn lint(model: &Model, map: &SourceMap) -> Diagnostics {
    lint_indexed(model, &model.index(), map)
}

/// [`lint`] with the model's index already built (a render shares one with its emitters).
pub fn lint_indexed(model: &Model, ix: &Index<'_>, map: &SourceMap) -> Diagnostics {
    let names = model.role_names();
    let resolver = resolver(model, &names);
    let linter = || Linter { map, diags: Diagnostics::default(), resolver: resolver.clone(), known: None };
    let rest = || {
        let mut l = linter();
        l.rest(model, ix);
        l.diags
    };
    let policies = |roles: &[Role]| {
        let mut l = linter();
        l.policies(&model.name, roles, ix);
        l.diags
    };
    if model.roles.len() < crate::par::SPREAD_FROM {
        let mut diags = policies(&model.roles);
        diags.items.extend(rest().items);
        return diags;
    }
    // The policies in blocks of neighbouring roles and the rest, on every core, each thread
    // taking the next part: each part reports into its own list, and the policies' findings
    // come first, block after block, as when one linter did all in this order. (A block starts
    // with empty memos, which only remember statements without a finding: the same findings.)
    let parts: Vec<Option<&[Role]>> = std::iter::once(None).chain(model.roles.chunks(POLICY_BLOCK).map(Some)).collect();
    let mut found = crate::par::map(&parts, |part| part.map_or_else(rest, policies));
    let rest = found.remove(0);
    let mut diags = Diagnostics::default();
    for part in found {
        diags.items.extend(part.items);
    }
    diags.items.extend(rest.items);
    diags
}

/// What the lint resolves a model's values with: the spec's pinned values, else examples.
fn resolver<'a>(model: &'a Model, names: &'a BTreeMap<RoleId, String>) -> Resolver<'a> {
    let (partition, region, account) = model.target.literal().unwrap_or(("aws", "us-east-1", "123456789012"));
    Resolver {
        partition: model.target.partition.as_deref().unwrap_or(partition),
        region: model.target.region.as_deref().unwrap_or(region),
        account: model.target.account.as_deref().unwrap_or(account),
        role_names: names,
    }
}

/// How many neighbouring roles' policies one thread lints at a time.
const POLICY_BLOCK: usize = 256;

struct Linter<'a> {
    map: &'a SourceMap,
    diags: Diagnostics,
    resolver: Resolver<'a>,
    /// The last list of actions (with the statement's effect) checked without a finding, and
    /// what the catalog knows of them: the statements of one persona row share their list.
    known: Option<(Actions, bool, Vec<ActionInfo<'static>>)>,
}

/// The statement-relative path of one of its values, such as `Action[2]`.
fn item(key: &str, i: usize) -> String {
    format!("{key}[{i}]")
}

impl Linter<'_> {
    /// Reports at `path`, located at the nearest ancestor the spec reader knows.
    fn report(&mut self, d: Diagnostic) {
        let mut probe = d.path.as_str();
        let location = loop {
            if let Some(l) = self.map.get(probe) {
                break Some(*l);
            }
            match probe.rfind(['.', '[']) {
                Some(i) => probe = &probe[..i],
                None => break None,
            }
        };
        self.diags.push(d.at(location));
    }

    fn resolve(&self, t: &Text) -> String {
        t.resolve(&self.resolver).unwrap_or_else(|| t.as_literal().unwrap_or_default())
    }

    /// Everything but the policies.
    fn rest(&mut self, model: &Model, ix: &Index<'_>) {
        self.roles(model, ix);
        self.pod_identity(model, ix);
        self.trust(model);
        self.options(model);
        self.kubernetes(model);
        for d in super::quotas::check(model) {
            self.report(d);
        }
    }

    /// The policies of `roles` (neighbours in the model).
    fn policies(&mut self, spec_name: &str, roles: &[Role], ix: &Index<'_>) {
        let sizer = Sizer { spec_name };
        // The last statement of each Sid linted without a finding: the lint of a statement
        // depends on nothing but the statement, so an equal one has no finding either. Most
        // generated statements are the same for every team of a persona.
        let mut clean: BTreeMap<Option<&str>, &Statement> = BTreeMap::new();
        // Likewise the last statement of each Sid measured, with its size.
        let mut measured: BTreeMap<Option<&str>, (&Statement, usize)> = BTreeMap::new();
        for role in roles {
            // Sid → the origin of the statement that used it first (`None`: a generated one).
            let mut sids: BTreeMap<&str, Option<&str>> = BTreeMap::new();
            for policy in ix.policies_of(&role.id) {
                let size = sizer.document_size_of(policy.document.statements.iter().map(|s| {
                    let key = s.sid.as_deref();
                    match measured.get(&key) {
                        Some((seen, size)) if *seen == s => *size,
                        _ => {
                            let size = sizer.statement_size(s);
                            measured.insert(key, (s, size));
                            size
                        }
                    }
                }));
                if size > limits::MANAGED_POLICY_MAX {
                    // Only a statement too large on its own makes a split part pass the limit.
                    let largest = policy.document.statements.iter().max_by_key(|s| sizer.statement_size(s));
                    self.report(Diagnostic::new(
                        Code::PolicyTooLarge,
                        largest.and_then(|s| s.origin.clone()).unwrap_or_else(|| role.origin.clone()),
                        format!(
                            "policy `{}` is {size} characters and holds a single statement that cannot be split; IAM allows {} per managed policy",
                            policy.policy_name,
                            limits::MANAGED_POLICY_MAX
                        ),
                    ));
                }
                for s in &policy.document.statements {
                    // Generated statements are reported at their role.
                    let path = s.origin.as_deref().unwrap_or(&role.origin);
                    if let Some(sid) = &s.sid {
                        if let Some(first) = sids.get(sid.as_str()) {
                            let first = match first {
                                Some(origin) => format!("`{origin}`"),
                                None => "a statement hyperpod-iam generates".to_owned(),
                            };
                            self.report(Diagnostic::new(
                                Code::DuplicateSid,
                                format!("{path}.Sid"),
                                format!("Sid `{sid}` is already used in this role's policy by {first}"),
                            ));
                        } else {
                            sids.insert(sid, s.origin.as_deref());
                        }
                    }
                    let key = s.sid.as_deref();
                    if clean.get(&key).is_some_and(|seen| *seen == s) {
                        continue;
                    }
                    let before = self.diags.items.len();
                    self.statement(s, path);
                    if self.diags.items.len() == before {
                        clean.insert(key, s);
                    }
                }
            }
        }
    }

    fn statement(&mut self, s: &Statement, path: &str) {
        let allow = s.effect == Effect::Allow;
        let (key, actions) = match &s.actions {
            Actions::Action(a) => ("Action", a),
            Actions::NotAction(a) => {
                if allow {
                    self.report(Diagnostic::new(
                        Code::NotActionAllow,
                        format!("{path}.NotAction"),
                        "`NotAction` with `Allow` grants every action not listed, including ones AWS adds later; list the actions instead",
                    ));
                }
                ("NotAction", a)
            }
        };
        let known = match self.known.take() {
            Some((seen, was_allowed, known)) if was_allowed == allow && seen == s.actions => {
                self.known = Some((seen, allow, known.clone()));
                known
            }
            _ => {
                let before = self.diags.items.len();
                let known = self.actions(path, key, actions, allow);
                if self.diags.items.len() == before {
                    self.known = Some((s.actions.clone(), allow, known.clone()));
                }
                known
            }
        };
        let Some(resources) = &s.resources else { return };
        let (rkey, list) = match resources {
            Resources::Resource(r) => ("Resource", r),
            Resources::NotResource(r) => {
                if allow {
                    self.report(Diagnostic::new(
                        Code::NotResourceAllow,
                        format!("{path}.NotResource"),
                        "`NotResource` with `Allow` grants on every resource not listed, in every service of the statement; list the resources instead",
                    ));
                }
                ("NotResource", r)
            }
        };
        let resolved: Vec<String> = list.iter().map(|t| self.resolve(t)).collect();
        if key != "Action" {
            return;
        }
        self.pass_role(s, path, rkey, &resolved, &known);
        if rkey != "Resource" {
            return;
        }
        self.resources(s, path, &resolved, &known);
    }

    /// The known actions of the statement, wildcards expanded, looked up once for the resource
    /// checks; each unknown one reported.
    fn actions(&mut self, path: &str, key: &str, actions: &[String], allow: bool) -> Vec<ActionInfo<'static>> {
        let mut known: Vec<ActionInfo<'static>> = Vec::new();
        for (i, action) in actions.iter().enumerate() {
            // Formatted only for a finding.
            let at = || format!("{path}.{}", item(key, i));
            let prefix = action.split(':').next().unwrap_or_default();
            let unknown_service = |suggestion: Option<&str>| {
                Diagnostic::new(Code::UnknownService, at(), format!("`{prefix}` is not a service prefix IAM knows"))
                    .suggest(suggestion.map(|s| action.replacen(prefix, s, 1)))
            };
            if action == "*" {
                if allow && key == "Action" {
                    self.report(Diagnostic::new(
                        Code::ActionStar,
                        at(),
                        "`Action: \"*\"` grants every action of every service; name the actions",
                    ));
                }
            } else if action.contains(['*', '?']) {
                let matches: Vec<ActionInfo<'static>> =
                    catalog().expand(action).iter().filter_map(|a| found(a)).collect();
                if !matches.is_empty() {
                    known.extend(matches);
                } else if let ActionLookup::UnknownService { suggestion } = catalog().lookup(&format!("{prefix}:x")) {
                    self.report(unknown_service(suggestion));
                } else {
                    self.report(Diagnostic::new(
                        Code::WildcardMatchesNothing,
                        at(),
                        format!("`{action}` matches no action"),
                    ));
                }
            } else {
                match catalog().lookup(action) {
                    ActionLookup::Found(info) => known.push(info),
                    ActionLookup::UnknownService { suggestion } => self.report(unknown_service(suggestion)),
                    ActionLookup::UnknownAction { suggestion } => self.report(
                        Diagnostic::new(
                            Code::UnknownAction,
                            at(),
                            format!("`{action}` is not an action of `{prefix}`; IAM accepts it and grants nothing"),
                        )
                        .suggest(suggestion.map(|s| s.full_name())),
                    ),
                }
            }
        }
        known
    }

    /// Each `Resource` of an Allow statement against the statement's known actions.
    fn resources(&mut self, s: &Statement, path: &str, resolved: &[String], known: &[ActionInfo<'static>]) {
        let (allow, rkey) = (s.effect == Effect::Allow, "Resource");
        for (i, arn) in resolved.iter().enumerate() {
            let at = || format!("{path}.{}", item(rkey, i));
            if arn == "*" {
                // Grants that are unscoped on purpose carry their reason as a waiver.
                if !allow || !s.waivers.is_empty() {
                    continue;
                }
                let scopable: Vec<String> = known
                    .iter()
                    // iam:PassRole on `*` has a rule of its own.
                    .filter(|a| !is_pass_role(a) && a.resource_types().next().is_some())
                    .map(ActionInfo::full_name)
                    .collect();
                if !scopable.is_empty() {
                    self.report(Diagnostic::new(
                        Code::ResourceStar,
                        at(),
                        format!(
                            "`Resource: \"*\"` grants {} on every resource, but {} a resource ARN; scope it",
                            list_words(&scopable),
                            if scopable.len() == 1 { "it takes" } else { "they take" }
                        ),
                    ));
                }
                continue;
            }
            if !is_arn(arn) {
                self.report(Diagnostic::new(
                    Code::MalformedArn,
                    at(),
                    format!("`{arn}` is not an ARN: expected `arn:partition:service:region:account:resource`"),
                ));
                continue;
            }
            if known.is_empty() {
                continue;
            }
            if !known.iter().any(|a| a.takes_arn(arn)) {
                let types: Vec<String> = known
                    .iter()
                    .take(4)
                    .map(|a| {
                        let t: Vec<&str> = a.resource_types().map(|t| t.name()).collect();
                        match t.as_slice() {
                            [] => format!("{} takes only `*`", a.full_name()),
                            _ => format!("{} takes {}", a.full_name(), t.join(", ")),
                        }
                    })
                    .collect();
                self.report(Diagnostic::new(
                    Code::ResourceTypeMismatch,
                    at(),
                    format!(
                        "no action of the statement takes `{arn}`, so it grants nothing there ({})",
                        types.join("; ")
                    ),
                ));
            }
        }
    }

    fn pass_role(
        &mut self,
        s: &Statement,
        path: &str,
        rkey: &str,
        resources: &[String],
        known: &[ActionInfo<'static>],
    ) {
        if s.effect != Effect::Allow || !known.iter().any(is_pass_role) {
            return;
        }
        if rkey == "NotResource" || resources.iter().any(|r| r == "*") {
            self.report(Diagnostic::new(
                Code::PassRoleStar,
                format!("{path}.{rkey}"),
                "`iam:PassRole` on `*` lets the role hand any role, an admin's too, to any service; name the roles",
            ));
        } else if !s.conditions.iter().any(|c| c.key.eq_ignore_ascii_case("iam:PassedToService")) {
            self.report(Diagnostic::new(
                Code::PassRoleUnconditioned,
                path.to_owned(),
                "`iam:PassRole` without an `iam:PassedToService` condition passes the roles to any service",
            ));
        }
    }

    fn roles(&mut self, model: &Model, ix: &Index<'_>) {
        let sizer = Sizer { spec_name: &model.name };
        for role in &model.roles {
            let managed = role.managed_policy_arns.len() + ix.policies_of(&role.id).len();
            if managed > limits::MANAGED_POLICIES_PER_ROLE {
                self.report(Diagnostic::new(
                    Code::TooManyManagedPolicies,
                    role.origin.clone(),
                    format!(
                        "role `{}` would have {managed} managed policies; IAM allows {} per role by default",
                        role.role_name,
                        limits::MANAGED_POLICIES_PER_ROLE
                    ),
                ));
            }
            let trust = sizer.document_size(&role.trust.statements);
            if trust > limits::TRUST_POLICY_MAX {
                self.report(Diagnostic::new(
                    Code::TrustPolicyTooLarge,
                    format!("{}.trustedPrincipals", role.origin),
                    format!(
                        "the trust policy of `{}` is {trust} characters; IAM allows {} by default",
                        role.role_name,
                        limits::TRUST_POLICY_MAX
                    ),
                ));
            }
            if role.role_name.len() > limits::ROLE_NAME_MAX {
                self.report(Diagnostic::new(
                    Code::RoleNameTooLong,
                    format!("{}.name", role.origin),
                    format!("role name `{}` is longer than {}", role.role_name, limits::ROLE_NAME_MAX),
                ));
            }
        }
        self.managed_twice(model);
        let console: Vec<&str> = model
            .roles
            .iter()
            .filter(|r| r.kind == RoleKind::Admin && r.managed_policy_arns.iter().any(is_full_access))
            .map(|r| r.role_name.as_str())
            .collect();
        if !console.is_empty() {
            self.report(Diagnostic::new(
                Code::ConsoleAccess,
                "options.consoleAccess",
                format!(
                    "{} AmazonSageMakerFullAccess: every SageMaker action on every resource",
                    match console.as_slice() {
                        [one] => format!("`{one}` gets"),
                        many => format!("`{}` get", many.join("`, `")),
                    }
                ),
            ));
        }
    }

    /// A managed policy attached twice to one role: IAM attaches it once, and CloudFormation
    /// and Terraform refuse the second attachment.
    fn managed_twice(&mut self, model: &Model) {
        for role in &model.roles {
            let mut seen = BTreeSet::new();
            for arn in &role.managed_policy_arns {
                let resolved = self.resolve(arn);
                // Every IAM name is case-insensitive, a policy's too.
                if !seen.insert(resolved.to_ascii_lowercase()) {
                    let console = is_full_access(arn) && role.kind == RoleKind::Admin;
                    let why = if console { ", and `options.consoleAccess` attaches it already" } else { "" };
                    self.report(Diagnostic::new(
                        Code::Duplicate,
                        format!("{}.managedPolicyArns", role.origin),
                        format!("`{resolved}` is attached to `{}` twice{why}; list it once", role.role_name),
                    ));
                }
            }
        }
    }

    /// The Pod Identity agent on HyperPod nodes runs as the execution role: without
    /// `eks-auth:AssumeRoleForPodIdentity` there, no pod gets its role's credentials.
    fn pod_identity(&mut self, model: &Model, ix: &Index<'_>) {
        if model.pod_identity_associations.is_empty() {
            return;
        }
        let agent_allowed = model.roles.iter().filter(|r| r.kind == RoleKind::Execution).all(|r| {
            ix.policies_of(&r.id).iter().flat_map(|p| &p.document.statements).any(|s| {
                s.effect == Effect::Allow
                    && matches!(&s.actions, Actions::Action(a) if a.iter().any(|a| a.eq_ignore_ascii_case("eks-auth:AssumeRoleForPodIdentity")))
            })
        });
        if agent_allowed {
            return;
        }
        for assoc in &model.pod_identity_associations {
            let origin = ix.role(&assoc.role).map(|r| r.origin.clone()).unwrap_or_default();
            self.report(Diagnostic::new(
                Code::PodRoleWithoutAgent,
                origin,
                format!(
                    "pods of `{}/{}` get no credentials: the Pod Identity agent runs as the execution roles, which may not call eks-auth:AssumeRoleForPodIdentity; set `options.podIdentity: true`",
                    assoc.namespace, assoc.service_account
                ),
            ));
        }
    }

    fn kubernetes(&mut self, model: &Model) {
        const NAMESPACED: [&str; 14] = [
            "pods",
            "pods/log",
            "pods/exec",
            "events",
            "configmaps",
            "secrets",
            "serviceaccounts",
            "jobs",
            "services",
            "pytorchjobs",
            "hyperpodpytorchjobs",
            "workloads",
            "localqueues",
            "deployments",
        ];
        let Some(k) = &model.kubernetes else { return };
        let roles = k.roles.iter().map(|r| ("roles", r)).chain(k.cluster_roles.iter().map(|r| ("clusterRoles", r)));
        for (i, (kind, role)) in roles.enumerate() {
            let index = if kind == "roles" { i } else { i - k.roles.len() };
            for (j, rule) in role.rules.iter().enumerate() {
                // Formatted only for a finding.
                let at = || format!("kubernetes.{kind}[{index}].rules[{j}]");
                for verb in &rule.verbs {
                    if verb != "*" && !KUBERNETES_VERBS.contains(&verb.as_str()) {
                        self.report(
                            Diagnostic::new(Code::K8sUnknownVerb, at(), format!("`{verb}` is not a Kubernetes verb"))
                                .suggest(super::did_you_mean(verb, KUBERNETES_VERBS.iter().copied())),
                        );
                    }
                }
                let star = rule.verbs.iter().chain(&rule.resources).chain(&rule.api_groups).any(|v| v.contains('*'));
                if star {
                    self.report(Diagnostic::new(
                        Code::K8sWildcard,
                        at(),
                        format!("`*` in a rule of `{}` grants what Kubernetes adds later; name verbs, resources and API groups", role.meta.name),
                    ));
                }
                let team = role.meta.labels.contains_key("hyperpod-iam/team");
                if kind == "clusterRoles" && team && rule.resources.iter().any(|r| NAMESPACED.contains(&r.as_str())) {
                    self.report(Diagnostic::new(
                        Code::K8sNamespacedInClusterRole,
                        at(),
                        format!("ClusterRole `{}` is meant for one team but grants namespaced resources in every namespace; use a Role in the team's namespace", role.meta.name),
                    ));
                }
            }
        }
    }

    /// An account root (or a bare account id, which means the same) trusts every principal of
    /// that account that is allowed `sts:AssumeRole`.
    fn trust(&mut self, model: &Model) {
        for role in &model.roles {
            let principals = role.trust.statements.iter().filter_map(|s| match &s.principal {
                Some(Principal::Aws(arns)) => Some(arns),
                _ => None,
            });
            for (i, arn) in principals.flatten().enumerate() {
                let Some(arn) = arn.resolve(&self.resolver) else { continue };
                let Some(account) = arn.strip_suffix(":root").and_then(|a| a.rsplit(':').next()) else { continue };
                self.report(Diagnostic::new(
                    Code::RootPrincipal,
                    format!("{}.trustedPrincipals[{i}]", role.origin),
                    format!(
                        "`{}` may be assumed by every principal of account {account} that is allowed sts:AssumeRole; name the roles or users that should assume it",
                        role.role_name
                    ),
                ));
            }
        }
    }

    /// Options that do what they say, but whose cost a user should know.
    fn options(&mut self, model: &Model) {
        let eks = model.orchestrator == Orchestrator::Eks;
        if eks && model.options.node_access {
            self.report(Diagnostic::new(
                Code::NodeAccess,
                "options.nodeAccess",
                "every scientist may open a Session Manager shell on any node: a node shell is root on a node that runs every team's pods, so team isolation no longer holds",
            ));
        }
        if model.service_linked_role.is_some() {
            self.report(Diagnostic::new(
                Code::ServiceLinkedRole,
                "options.serviceLinkedRole",
                "creating AWSServiceRoleForSageMakerHyperPod fails where it exists, and HyperPod creates it on the account's first CreateCluster; keep this only for an account that has never had a HyperPod cluster",
            ));
        }
        if eks && model.options.custom_vpc {
            self.report(Diagnostic::new(
                Code::CustomVpcOnEks,
                "options.customVpc",
                "`customVpc` changes nothing on eks: eks execution roles always get the network-interface permissions; remove it",
            ));
        }
    }
}

fn found(action: &str) -> Option<ActionInfo<'static>> {
    match catalog().lookup(action) {
        ActionLookup::Found(info) => Some(info),
        _ => None,
    }
}

fn is_pass_role(action: &ActionInfo<'_>) -> bool {
    action.prefix() == "iam" && action.name().eq_ignore_ascii_case("PassRole")
}

fn is_full_access(arn: &Text) -> bool {
    matches!(arn.0.last(), Some(crate::model::Part::Lit(s)) if s.ends_with(":policy/AmazonSageMakerFullAccess"))
}

/// `a`, `a and b`, `a, b and 3 more`.
fn list_words(items: &[String]) -> String {
    match items {
        [one] => format!("`{one}`"),
        [a, b] => format!("`{a}` and `{b}`"),
        [a, b, rest @ ..] => format!("`{a}`, `{b}` and {} more", rest.len()),
        [] => String::new(),
    }
}

/// `arn:partition:service:region:account:resource`, the first four fields without white space.
fn is_arn(s: &str) -> bool {
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && !parts[1].is_empty()
        && !parts[2].is_empty()
        && !parts[5].is_empty()
        && parts[..5].iter().all(|p| !p.contains(char::is_whitespace))
}

#[cfg(test)]
mod tests;
