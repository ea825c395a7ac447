//! The tasks of `tasks.md` as checks per persona: what each admin, scientist, execution role and
//! pod role must be able to do, must not do, and is deliberately not granted.
//!
//! The data is `tasks.yaml` beside this file (its header says how to read it), embedded in the
//! binary: `hyperpod-iam can --matrix` answers every check for a spec, and `tests/tasks.rs` runs
//! the same checks against every golden case. [`personas`] finds the personas of a spec and the
//! values of the placeholders its checks use; [`run`] asks the engine every check of every
//! persona.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

use serde::Deserialize;

use super::iam::{Caller, Context, Request};
use super::kube::KubeAsk;
use super::{Answer, Deployment, Environment, Question, Verdict};
use crate::model::{Config, Model, Orchestrator, RoleKind};

mod run;
mod template;

pub use run::{Checked, Sink, run, run_into};

/// The checks, as embedded in this build.
pub const TASKS_YAML: &str = include_str!("tasks.yaml");

/// The persona kinds, in the order the checks and the matrix list them.
pub const PERSONA_KINDS: &[&str] = &["admin", "scientist", "exec", "pod"];

/// The facts a `when` may name.
pub const FACTS: &[&str] =
    &["eks", "slurm", "taskGovernance", "nodeAccess", "podIdentity", "customVpc", "buckets", "execRoles"];

/// What is wrong with the checks data, or with one check of it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TasksError {
    #[error("tasks.yaml: {0}")]
    Syntax(String),
    #[error("tasks.yaml: {at}: {message}")]
    Check { at: String, message: String },
}

/// The whole file: checks per persona kind.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tasks {
    pub personas: BTreeMap<String, Sections>,
}

/// The checks of one persona kind.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sections {
    #[serde(default)]
    pub can: Vec<Entry>,
    #[serde(default)]
    pub cannot: Vec<Entry>,
    #[serde(default)]
    pub not_granted: Vec<Entry>,
}

/// One entry: a task (or a must-not) and its requests.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub task: Option<String>,
    pub what: Option<String>,
    pub when: Option<String>,
    pub note: Option<String>,
    pub reason: Option<String>,
    #[serde(default)]
    pub aws: Vec<String>,
    #[serde(default)]
    pub k8s: Vec<String>,
    #[serde(default)]
    pub assume: Vec<String>,
    #[serde(default)]
    pub object: Vec<String>,
}

impl Entry {
    /// The task id, or what a must-not is about.
    pub fn label(&self) -> String {
        match (&self.task, &self.what) {
            (Some(task), _) => task.clone(),
            (None, Some(what)) => what.clone(),
            (None, None) => "?".to_owned(),
        }
    }
}

/// Which section an entry is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Expect {
    Can,
    Cannot,
    NotGranted,
}

impl Expect {
    pub fn word(self) -> &'static str {
        match self {
            Expect::Can => "can",
            Expect::Cannot => "cannot",
            Expect::NotGranted => "not granted",
        }
    }

    /// A must needs a plain yes. A must-not passes on no, and on "unknown" (the deciding
    /// document is an AWS or customer managed policy attached by ARN, whose contents the
    /// engine does not have): it is not a grant of this tool.
    pub fn met(self, verdict: &Verdict) -> bool {
        match self {
            Expect::Can => *verdict == Verdict::Yes,
            Expect::Cannot | Expect::NotGranted => matches!(verdict, Verdict::No | Verdict::Unknown(_)),
        }
    }
}

impl Tasks {
    /// The checks embedded in this build.
    pub fn builtin() -> Result<Tasks, TasksError> {
        Tasks::parse(TASKS_YAML)
    }

    /// Reads checks data and checks its `when` conditions name known facts.
    pub fn parse(text: &str) -> Result<Tasks, TasksError> {
        let tasks: Tasks = serde_saphyr::from_str(text).map_err(|e| TasksError::Syntax(e.to_string()))?;
        for (kind, sections) in &tasks.personas {
            for (expect, entry) in sections.entries() {
                let at = || format!("{kind}.{} {}", expect.word(), entry.label());
                if let Some(when) = &entry.when {
                    for name in when.split(['&', '|']).map(|t| t.trim().trim_start_matches('!').trim()) {
                        if !FACTS.contains(&name) {
                            return Err(TasksError::Check {
                                at: at(),
                                message: format!("unknown fact `{name}` in `when: {when}`"),
                            });
                        }
                    }
                }
            }
        }
        Ok(tasks)
    }
}

impl Sections {
    /// Every entry with its section, in file order per section.
    pub fn entries(&self) -> impl Iterator<Item = (Expect, &Entry)> {
        let tag = |expect: Expect| move |e| (expect, e);
        self.can
            .iter()
            .map(tag(Expect::Can))
            .chain(self.cannot.iter().map(tag(Expect::Cannot)))
            .chain(self.not_granted.iter().map(tag(Expect::NotGranted)))
    }
}

/// `a & b|c & !d`: every `&` term holds; a term holds when one of its `|` alternatives does.
pub fn holds(when: Option<&str>, facts: &BTreeSet<&str>) -> bool {
    when_holds(&parse_when(when), facts)
}

fn when_holds(when: &When<'_>, facts: &BTreeSet<&str>) -> bool {
    when.iter().all(|term| term.iter().any(|(negated, fact)| facts.contains(fact) != *negated))
}

/// One role of the spec that the checks are about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Persona {
    /// `admin`, `scientist`, `exec` or `pod`.
    pub kind: &'static str,
    /// The spec entry's name.
    pub entry: String,
    pub role_name: String,
    pub facts: BTreeSet<&'static str>,
    /// The placeholders of the checks and their values for this persona.
    pub vars: BTreeMap<&'static str, String>,
}

impl Persona {
    /// `kind/entry`, as `--as` names it.
    pub fn id(&self) -> String {
        format!("{}/{}", self.kind, self.entry)
    }

    /// A request line with its `{PLACEHOLDER}`s filled in.
    pub fn fill(&self, s: &str) -> Result<String, String> {
        // Room for the values, most of them short: growing the string costs more than the room.
        let mut out = String::with_capacity(s.len() + 64);
        let mut rest = s;
        while let Some(start) = rest.find('{') {
            out.push_str(&rest[..start]);
            let end = rest[start..].find('}').map(|e| start + e).ok_or_else(|| format!("unclosed `{{` in `{s}`"))?;
            let name = &rest[start + 1..end];
            let value = self
                .vars
                .get(name)
                .ok_or_else(|| format!("placeholder `{{{name}}}` in `{s}` is not defined for {}", self.kind))?;
            out.push_str(value);
            rest = &rest[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// The cluster id the checks use when the spec leaves it to deploy time.
pub const SAMPLE_CLUSTER_ID: &str = "abcdef012345";

/// What partition, region and account resolve to when the spec leaves them to deploy time.
pub fn sample_environment() -> Environment {
    Environment { partition: "aws".to_owned(), region: "us-west-2".to_owned(), account: "111122223333".to_owned() }
}

/// The environment the checks of a spec run in: the spec's own partition, region and account,
/// else those of [`sample_environment`].
pub fn environment(model: &Model) -> Environment {
    let sample = sample_environment();
    Environment {
        partition: model.target.partition.clone().unwrap_or(sample.partition),
        region: model.target.region.clone().unwrap_or(sample.region),
        account: model.target.account.clone().unwrap_or(sample.account),
    }
}

/// Where a Principal entry of the spec lets a caller in: a role or user ARN as itself, an account
/// (bare id or root) as some role of that account.
fn trusted_caller(principal: &str, partition: &str) -> String {
    if principal.chars().all(|c| c.is_ascii_digit()) {
        return format!("arn:{partition}:iam::{principal}:role/AnyoneInTheAccount");
    }
    match principal.strip_suffix(":root") {
        Some(prefix) => format!("{prefix}:role/AnyoneInTheAccount"),
        None => principal.to_owned(),
    }
}

/// The personas of a spec, in spec order: admins, then each scientist and its pod role, then
/// execution roles. An entry the model made no role for is left out (the model always makes one).
pub fn personas(config: &Config, model: &Model, env: &Environment) -> Vec<Persona> {
    let eks = model.orchestrator == Orchestrator::Eks;
    let mut common: BTreeSet<&'static str> = BTreeSet::new();
    common.insert(if eks { "eks" } else { "slurm" });
    let o = &config.options;
    for (on, name) in [
        (o.task_governance, "taskGovernance"),
        (o.node_access, "nodeAccess"),
        (o.pod_identity, "podIdentity"),
        (o.custom_vpc, "customVpc"),
    ] {
        if on {
            common.insert(name);
        }
    }
    if !config.execution_roles.is_empty() {
        common.insert("execRoles");
    }
    let mut base: BTreeMap<&'static str, String> = BTreeMap::new();
    base.insert("P", env.partition.clone());
    base.insert("R", env.region.clone());
    base.insert("A", env.account.clone());
    base.insert("CLUSTER_ID", config.cluster_id.clone().unwrap_or_else(|| SAMPLE_CLUSTER_ID.to_owned()));
    if let Some(eks_name) = &config.eks_cluster_name {
        base.insert("EKS", eks_name.clone());
    }
    base.insert("UUID", "0123abcd-4567-89ef-0123-456789abcdef".to_owned());
    base.insert("USERID", "AROAEXAMPLEUSERID0001:alice".to_owned());
    base.insert("SESSION", "alice-0123456789abcdef0".to_owned());
    base.insert("OTHER_USERID", "AROAEXAMPLEUSERID0002:bob".to_owned());
    base.insert("OTHER_SESSION", "bob-0123456789abcdef0".to_owned());
    let by_entry: BTreeMap<(&str, &str), &str> =
        model.roles.iter().map(|r| ((r.kind.word(), r.entry.as_str()), r.role_name.as_str())).collect();
    let role_name = |kind: RoleKind, entry: &str| by_entry.get(&(kind.word(), entry)).map(|n| (*n).to_owned());
    if let Some(arn) =
        config.execution_roles.first().and_then(|e| role_name(RoleKind::Execution, &e.name)).map(|n| env.role_arn(&n))
    {
        base.insert("EXEC_ARN", arn);
    }
    let teams: Vec<(String, String)> = config
        .scientists
        .iter()
        .map(|s| (s.name.clone(), s.namespace.clone().unwrap_or_else(|| format!("hyperpod-ns-{}", s.name))))
        .collect();
    let other_ns = |own: &str| {
        teams.iter().map(|(_, ns)| ns.clone()).find(|ns| ns != own).unwrap_or_else(|| "another-team".to_owned())
    };
    // Another role: another team's scientist role, else an admin's, else a made-up name.
    let other_role = |own: &str| {
        let by_kind = |kind: RoleKind| model.roles.iter().find(|r| r.kind == kind && r.role_name != own);
        by_kind(RoleKind::Scientist)
            .or_else(|| by_kind(RoleKind::Admin))
            .map(|r| r.role_name.clone())
            .unwrap_or_else(|| "someone-else".to_owned())
    };
    let mut out = Vec::new();
    let mut persona = |kind: &'static str,
                       entry: &str,
                       role: Option<String>,
                       facts: BTreeSet<&'static str>,
                       extra: Vec<(&'static str, String)>| {
        let Some(role) = role else { return };
        let mut vars = base.clone();
        vars.insert("ROLE", role.clone());
        vars.insert("OTHER_ROLE", other_role(&role));
        vars.extend(extra);
        let ns = vars.get("NS").cloned().unwrap_or_default();
        vars.insert("OTHER_NS", other_ns(&ns));
        out.push(Persona { kind, entry: entry.to_owned(), role_name: role, facts, vars });
    };
    let first_team = teams.first().cloned().unwrap_or_else(|| ("team-a".to_owned(), "hyperpod-ns-team-a".to_owned()));
    for admin in &config.admins {
        let role = role_name(RoleKind::Admin, &admin.name);
        let trusted = trusted_caller(admin.trusted_principals.first().map_or("", String::as_str), &env.partition);
        let extra = vec![("TEAM", first_team.0.clone()), ("NS", first_team.1.clone()), ("TRUSTED", trusted)];
        persona("admin", &admin.name, role, common.clone(), extra);
    }
    for (scientist, (team, ns)) in config.scientists.iter().zip(&teams) {
        let role = role_name(RoleKind::Scientist, &scientist.name);
        let trusted = trusted_caller(scientist.trusted_principals.first().map_or("", String::as_str), &env.partition);
        let extra = vec![("TEAM", team.clone()), ("NS", ns.clone()), ("TRUSTED", trusted)];
        persona("scientist", &scientist.name, role, common.clone(), extra);
        if let Some(pod) = &scientist.pod_role {
            let role = role_name(RoleKind::Pod, &scientist.name);
            let mut facts = common.clone();
            let mut extra = vec![("TEAM", team.clone()), ("NS", ns.clone()), ("SA", pod.service_account.clone())];
            if let Some(bucket) = pod.s3_buckets.first() {
                facts.insert("buckets");
                extra.push(("BUCKET", bucket.clone()));
            }
            persona("pod", &scientist.name, role, facts, extra);
        }
    }
    for exec in &config.execution_roles {
        let role = role_name(RoleKind::Execution, &exec.name);
        let mut facts = common.clone();
        let mut extra = Vec::new();
        if let Some(bucket) = exec.s3_buckets.first() {
            facts.insert("buckets");
            extra.push(("BUCKET", bucket.clone()));
        }
        persona("exec", &exec.name, role, facts, extra);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Requests

/// `KEY=VALUE` gives a condition key; `!KEY` says the request does not carry it.
pub fn context_of(tokens: &[&str]) -> Result<Context, String> {
    let mut context = Context::new();
    for token in tokens {
        context = match token.strip_prefix('!') {
            Some(key) => context.absent(key),
            None => {
                let (key, value) =
                    token.split_once('=').ok_or_else(|| format!("context `{token}` is neither KEY=VALUE nor !KEY"))?;
                context.with(key, value)
            }
        };
    }
    Ok(context)
}

/// `ACTION RESOURCE [KEY=VALUE]... [!KEY]...`, split at whitespace: the question a matrix
/// check stands for, asked afresh in the tests.
#[cfg(test)]
pub(super) fn aws_tokens(role: &str, tokens: &[&str]) -> Result<Question, String> {
    let line = || tokens.join(" ");
    let [action, resource, context @ ..] = tokens else {
        return Err(format!("aws request `{}`: ACTION RESOURCE [context]", line()));
    };
    let request = Request::new(*action, *resource).with_context(context_of(context)?);
    Ok(Question::Iam { role: role.to_owned(), request })
}

/// `CALLER ACTION [KEY=VALUE]...`, CALLER `service:NAME` or `aws:ARN`, split at whitespace.
pub(super) fn assume_tokens(role: &str, tokens: &[&str]) -> Result<Question, String> {
    let line = || tokens.join(" ");
    let [caller, action, context @ ..] = tokens else {
        return Err(format!("assume `{}`: CALLER ACTION [context]", line()));
    };
    let caller = if let Some(service) = caller.strip_prefix("service:") {
        Caller::Service(service.to_owned())
    } else if let Some(arn) = caller.strip_prefix("aws:") {
        Caller::Aws(arn.to_owned())
    } else {
        return Err(format!("assume `{}`: the caller is service:NAME or aws:ARN", line()));
    };
    let request = Request::new(*action, "*").by(caller).with_context(context_of(context)?);
    Ok(Question::Assume { role: role.to_owned(), request })
}

/// `VERB RESOURCE[.GROUP][/SUBRESOURCE] [NAME] [-n NAMESPACE]` (see
/// [`KubeRequest::parse`](super::KubeRequest::parse)), split at whitespace: the question a
/// matrix check stands for, asked afresh in the tests.
#[cfg(test)]
pub(super) fn k8s_tokens(role: &str, tokens: &[&str]) -> Result<Question, String> {
    let request = k8s_ask(&tokens.join(" "), tokens.iter().copied())?.to_owned();
    Ok(Question::Kube { role: role.to_owned(), request })
}

/// [`k8s_tokens`], borrowing from the tokens: no `String` per field. `line` is the tokens
/// joined by a space, for errors.
fn k8s_ask<'a>(line: &str, tokens: impl Iterator<Item = &'a str>) -> Result<KubeAsk<'a>, String> {
    // A request has two or three words besides `-n NAMESPACE`: a fourth is kept only so that
    // the parse refuses the line.
    let mut words = [""; 4];
    let mut count = 0;
    let mut namespace = None;
    let mut rest = tokens;
    while let Some(token) = rest.next() {
        if token == "-n" {
            namespace = Some(rest.next().ok_or_else(|| format!("`{line}`: -n without a namespace"))?);
        } else {
            if let Some(word) = words.get_mut(count) {
                *word = token;
            }
            count += 1;
        }
    }
    let words = words.get(..count).unwrap_or(&words);
    KubeAsk::parse(words, namespace).map_err(|e| format!("k8s request `{line}`: {e}"))
}

/// An `object` line, `KIND NAMESPACE/NAME`: whether the deployment creates it.
pub fn object_exists(deployment: &Deployment, persona: &Persona, line: &str) -> Answer {
    Objects::of(deployment).exists(deployment, persona, line, true)
}

/// The objects an `object` line may name, found once per run: the service accounts of
/// `rbac.yaml` and the Pod Identity associations, as sets.
struct Objects<'d> {
    service_accounts: BTreeSet<(&'d str, &'d str)>,
    /// Namespace, service account, role ARN and cluster.
    pod_identities: BTreeSet<(&'d str, &'d str, &'d str, &'d str)>,
}

impl<'d> Objects<'d> {
    fn of(deployment: &'d Deployment) -> Objects<'d> {
        let service_accounts = deployment
            .rbac
            .iter()
            .flat_map(|rbac| rbac.service_accounts.iter().map(|(n, s)| (n.as_str(), s.as_str())))
            .collect();
        let pod_identities = deployment
            .pod_identities
            .iter()
            .map(|p| (p.namespace.as_str(), p.service_account.as_str(), p.role_arn.as_str(), p.cluster.as_str()))
            .collect();
        Objects { service_accounts, pod_identities }
    }

    /// Whether the object of `line` exists; `explain`: with the sentence that says so (else the
    /// explanation is empty, and nothing formatted).
    fn exists(&self, deployment: &Deployment, persona: &Persona, line: &str, explain: bool) -> Answer {
        let verdict = |ok: bool, why: &dyn Fn() -> String| {
            Answer::new(if ok { Verdict::Yes } else { Verdict::No }, if explain { vec![why()] } else { Vec::new() })
        };
        let parsed = line.split_once(' ').and_then(|(kind, target)| Some((kind, target.split_once('/')?)));
        let Some((kind, (ns, name))) = parsed else {
            return verdict(false, &|| format!("object `{line}`: KIND NS/NAME"));
        };
        match kind {
            "ServiceAccount" => match &deployment.rbac {
                None => verdict(false, &|| "no rbac.yaml".to_owned()),
                Some(rbac) => {
                    let found = self.service_accounts.contains(&(ns, name));
                    let says = if found { "creates" } else { "creates no" };
                    verdict(found, &|| format!("{} {says} ServiceAccount {ns}/{name}", rbac.source))
                }
            },
            "PodIdentityAssociation" => {
                let arn = deployment.roles.get(&persona.role_name).map_or("", |r| r.arn.as_str());
                let eks = persona.vars.get("EKS").map_or("", String::as_str);
                let found = self.pod_identities.contains(&(ns, name, arn, eks));
                let says = if found { "a" } else { "no" };
                verdict(found, &|| format!("{says} Pod Identity association binds {ns}/{name} on {eks} to {arn}"))
            }
            other => verdict(false, &|| format!("object kind `{other}` is not known")),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Running the checks

/// One request of one entry, asked for one persona.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub expect: Expect,
    /// The entry's label: its task id or what a must-not is about (shared by the checks of the
    /// entry).
    pub label: Arc<str>,
    /// `aws`, `k8s`, `assume` or `object`.
    pub kind: &'static str,
    /// The request line with its placeholders filled in (shared by the personas that fill it
    /// the same).
    pub request: Arc<str>,
    pub answer: Answer,
}

impl Check {
    pub fn met(&self) -> bool {
        self.expect.met(&self.answer.verdict)
    }
}

/// Every check that applies to one persona, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonaRun {
    pub persona: Persona,
    pub checks: Vec<Check>,
}

impl fmt::Display for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

/// A `when`, read once: every term holds when one of its `(negated, fact)` alternatives does.
type When<'t> = Vec<Vec<(bool, &'t str)>>;

fn parse_when(when: Option<&str>) -> When<'_> {
    when.map_or_else(Vec::new, |w| {
        w.split('&')
            .map(|term| {
                term.split('|')
                    .map(|alt| match alt.trim().strip_prefix('!') {
                        Some(name) => (true, name.trim()),
                        None => (false, alt.trim()),
                    })
                    .collect()
            })
            .collect()
    })
}
