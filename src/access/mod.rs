//! "Can this role do that?", answered offline across IAM, EKS access entries and Kubernetes RBAC.
//!
//! The engine reads a [`Deployment`]: the roles of one output with their policies, the EKS access
//! entries and Pod Identity associations, and the RBAC objects of `rbac.yaml`. It is built from
//! the rendered files ([`read`]) or from the model ([`Deployment::from_model`]). A [`Question`]
//! goes in; an [`Answer`] comes out: a [`Verdict`] (yes, no, yes-if, unknown) and the chain that
//! decided it, each step naming the statement (file, logical id, Sid), access entry, binding or
//! rule.
//!
//! Pure: no I/O. IAM follows the identity-policy evaluation logic AWS documents ([`iam`]),
//! Kubernetes the RBAC authorizer ([`kube`]). Not modelled: resource-based policies other than a
//! role's trust policy, SCPs and RCPs, session policies, and the built-in ClusterRoles every
//! cluster has (`system:basic-user`, `system:public-info-viewer`, ...).

mod any;
pub mod iam;
pub mod kube;
mod model;
mod pattern;
pub mod read;
pub mod tasks;
#[cfg(test)]
mod tests;
mod yaml;

use std::collections::BTreeMap;
use std::fmt;

pub use any::ANY_NAME;
pub use iam::{Caller, Condition, Context, Decision, Items, Policy, Principals, Request, Statement};
pub use kube::{Binding, KubeRequest, Rbac, RbacRole, Rule, Subject, User};
pub use read::ReadError;

/// The EKS cluster access policy that allows everything.
pub const CLUSTER_ADMIN_POLICY: &str = "AmazonEKSClusterAdminPolicy";

/// One concrete deployment: what partition, region and account resolve to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Environment {
    pub partition: String,
    pub region: String,
    pub account: String,
}

impl Environment {
    /// The ARN of a role named `name` (path `/`).
    pub fn role_arn(&self, name: &str) -> String {
        format!("arn:{}:iam::{}:role/{name}", self.partition, self.account)
    }
}

/// Everything one IAM role ends up with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleAccess {
    pub name: String,
    pub arn: String,
    pub trust: Policy,
    /// Identity policies whose documents are known (those the output creates).
    pub policies: Vec<Policy>,
    /// Managed policies attached by ARN.
    pub managed_policy_arns: Vec<String>,
    pub permissions_boundary: Option<String>,
}

/// Where an EKS access policy applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccessScope {
    Cluster,
    Namespaces(Vec<String>),
}

/// An EKS access policy associated with an access entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessPolicy {
    pub policy_arn: String,
    pub scope: AccessScope,
}

/// An EKS access entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessEntry {
    /// Where it comes from (`cloudformation.yaml ScientistNlpAccessEntry`).
    pub source: String,
    pub cluster: String,
    pub principal_arn: String,
    pub kubernetes_groups: Vec<String>,
    pub access_policies: Vec<AccessPolicy>,
}

/// An EKS Pod Identity association.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodIdentity {
    pub cluster: String,
    pub namespace: String,
    pub service_account: String,
    pub role_arn: String,
}

/// What the engine reasons over.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Deployment {
    /// Roles by IAM role name.
    pub roles: BTreeMap<String, RoleAccess>,
    /// Access entries by principal ARN.
    pub access_entries: BTreeMap<String, AccessEntry>,
    pub pod_identities: Vec<PodIdentity>,
    /// `None` when the output has no `rbac.yaml`.
    pub rbac: Option<Rbac>,
    /// Documents of policies attached by ARN, when the caller knows them (a permissions
    /// boundary, a customer managed policy): by ARN. Any other attached policy is "unknown".
    pub known_policies: BTreeMap<String, Policy>,
}

/// A question about one role of the deployment (by IAM role name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Question {
    /// May the role make this AWS request?
    Iam { role: String, request: Request },
    /// Does the role's trust policy let `request.caller` do `request.action` (`sts:AssumeRole`)?
    Assume { role: String, request: Request },
    /// May the role, through its access entry, make this Kubernetes request?
    Kube { role: String, request: KubeRequest },
}

/// The answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Yes,
    No,
    /// Yes, if every listed requirement holds (a condition key or policy variable the request did
    /// not give).
    If(Vec<String>),
    /// The documents that decide are not known (a managed policy or boundary attached by ARN).
    Unknown(Vec<String>),
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Yes => write!(f, "yes"),
            Verdict::No => write!(f, "no"),
            Verdict::If(reqs) => write!(f, "yes, if {}", reqs.join(" and ")),
            Verdict::Unknown(why) => write!(f, "unknown: {}", why.join("; ")),
        }
    }
}

/// A verdict and the chain that decided it, one step a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub verdict: Verdict,
    pub explanation: Vec<String>,
}

impl Answer {
    fn new(verdict: Verdict, explanation: Vec<String>) -> Answer {
        Answer { verdict, explanation }
    }
}

/// Why a question cannot be asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AskError {
    #[error("no role `{0}` in this output")]
    UnknownRole(String),
    #[error("`{action}` is not an IAM action this build knows{}", suggestion.as_ref().map(|s| format!("; did you mean `{s}`?")).unwrap_or_default())]
    UnknownAction { action: String, suggestion: Option<String> },
}

/// A deployment ready for many questions (`can --matrix`, the tasks): its RBAC indexed and its
/// Kubernetes users made once.
#[derive(Debug, Clone)]
pub struct Prepared<'a> {
    deployment: &'a Deployment,
    /// The index of the deployment's `rbac.yaml`, if it has one.
    rbac: Option<kube::RbacIndex>,
    /// Each role's access entry, the Kubernetes user its sessions are and the bindings that
    /// name that user, by role name.
    users: BTreeMap<&'a str, RoleUser<'a>>,
    /// The action lists of every policy, and which actions each takes once asked.
    actions: iam::ActionLists<'a>,
    explain: bool,
}

/// A role's access entry, the Kubernetes user its sessions are, and the bindings that name that
/// user.
type RoleUser<'a> = (&'a AccessEntry, User, kube::UserBindings<'a>);

/// One role of a [`Prepared`] deployment, with what every question about it needs looked up
/// once ([`Prepared::of_role`]).
pub(crate) struct RoleQuestions<'p> {
    prepared: &'p Prepared<'p>,
    role: &'p RoleAccess,
    /// Its identity policies, the known documents of its managed ones after them.
    policies: Vec<&'p Policy>,
    /// Its managed policies whose documents are not known, as an answer names them.
    unknown: Vec<String>,
    /// The number of each statement's action list in [`Prepared::actions`], by policy.
    lists: Vec<Vec<Option<usize>>>,
    user: Option<&'p RoleUser<'p>>,
}

impl RoleQuestions<'_> {
    /// Answers a question about this role (the question's own role name is not read).
    pub(crate) fn ask(&self, question: &Question) -> Answer {
        match question {
            Question::Iam { request, .. } => self.ask_iam(&request.view()),
            Question::Assume { request, .. } => self.ask_assume(&request.view()),
            Question::Kube { request, .. } => self.ask_kube(&request.view()),
        }
    }

    /// May this role make this AWS request?
    pub(crate) fn ask_iam(&self, request: &iam::Ask<'_>) -> Answer {
        let p = self.prepared;
        let action = p.actions.action(request.action);
        let takes = |policy: usize, i: usize, statement: &Statement| {
            let list = self.lists.get(policy).and_then(|l| l.get(i)).copied().flatten();
            p.actions.takes(action, list, statement, request.action)
        };
        p.deployment.ask_iam(self.role, (&self.policies, takes), &self.unknown, request, p.steps())
    }

    /// Does this role's trust policy let the request's caller in?
    pub(crate) fn ask_assume(&self, request: &iam::Ask<'_>) -> Answer {
        let p = self.prepared;
        p.deployment.ask_assume(self.role, request, p.steps())
    }

    /// May this role, through its access entry, make this Kubernetes request?
    pub(crate) fn ask_kube(&self, request: &kube::KubeAsk<'_>) -> Answer {
        let p = self.prepared;
        p.ask_kube(self.role, self.user, request, p.steps())
    }
}

/// The explanation of an answer as it is built: nothing is formatted when it is not wanted.
struct Steps {
    on: bool,
    lines: Vec<String>,
}

impl Steps {
    fn push(&mut self, line: impl FnOnce() -> String) {
        if self.on {
            self.lines.push(line());
        }
    }
}

impl Prepared<'_> {
    /// Answers one question.
    pub fn ask(&self, question: &Question) -> Result<Answer, AskError> {
        let (Question::Iam { role, .. } | Question::Assume { role, .. } | Question::Kube { role, .. }) = question;
        Ok(self.ask_role(self.deployment.role(role)?, question))
    }

    /// Answers a question about `role`, already looked up (the question's own role name is not
    /// read again).
    pub(crate) fn ask_role(&self, role: &RoleAccess, question: &Question) -> Answer {
        self.of_role(role).ask(question)
    }

    /// `role`, already looked up, ready for many questions: what each would look up about the
    /// role (its policies, its access entry and Kubernetes user) is found once.
    pub(crate) fn of_role<'p>(&'p self, role: &'p RoleAccess) -> RoleQuestions<'p> {
        let (policies, unknown) = self.deployment.policies_of(role);
        let lists = self.actions.numbers_of(&policies);
        RoleQuestions { prepared: self, role, policies, unknown, lists, user: self.users.get(role.name.as_str()) }
    }

    /// Answers without explanations (every [`Answer::explanation`] empty): faster, for many
    /// questions whose verdicts are all that is shown.
    pub fn without_explanations(mut self) -> Self {
        self.explain = false;
        self
    }

    fn steps(&self) -> Steps {
        Steps { on: self.explain, lines: Vec::new() }
    }

    fn ask_kube(
        &self,
        role: &RoleAccess,
        user: Option<&RoleUser<'_>>,
        request: &kube::KubeAsk<'_>,
        mut steps: Steps,
    ) -> Answer {
        let d = self.deployment;
        let Some((entry, _, bindings)) = user else {
            steps.push(|| format!("{}: no EKS access entry, so no Kubernetes identity", role.arn));
            return Answer::new(Verdict::No, steps.lines);
        };
        steps.push(|| {
            format!(
                "{}: access entry {} on {}, groups [{}]",
                role.name,
                entry.source,
                entry.cluster,
                entry.kubernetes_groups.join(", ")
            )
        });
        let namespace = request.effective_namespace();
        let mut unknown = Vec::new();
        for policy in &entry.access_policies {
            let applies = match &policy.scope {
                AccessScope::Cluster => true,
                AccessScope::Namespaces(list) => namespace.is_some_and(|ns| list.iter().any(|n| n == ns)),
            };
            if !applies {
                continue;
            }
            if policy.policy_arn.rsplit('/').next() == Some(CLUSTER_ADMIN_POLICY) {
                steps.push(|| format!("access policy {} allows every request", policy.policy_arn));
                return Answer::new(Verdict::Yes, steps.lines);
            }
            unknown.push(format!("access policy {}", policy.policy_arn));
        }
        let otherwise = |unknown: Vec<String>| if unknown.is_empty() { Verdict::No } else { Verdict::Unknown(unknown) };
        let (Some(rbac), Some(index)) = (&d.rbac, &self.rbac) else {
            steps.push(|| "no rbac.yaml: nothing binds its groups".to_owned());
            return Answer::new(otherwise(unknown), steps.lines);
        };
        match rbac.authorize_among(index, bindings, request) {
            Some(at) => {
                steps.push(|| format!("{request}: {}: {}", rbac.source, rbac.grant(&at)));
                Answer::new(Verdict::Yes, steps.lines)
            }
            None => {
                steps.push(|| format!("{request}: no binding in {} allows it", rbac.source));
                Answer::new(otherwise(unknown), steps.lines)
            }
        }
    }
}

/// The Kubernetes user an IAM role's session is: `arn:...:sts::ACCOUNT:assumed-role/NAME/{{SessionName}}`
/// in the groups of its access entry, and `system:authenticated`.
fn user_of(entry: &AccessEntry) -> User {
    User {
        name: format!(
            "{}/{{{{SessionName}}}}",
            entry.principal_arn.replace(":iam::", ":sts::").replace(":role/", ":assumed-role/")
        ),
        groups: entry.kubernetes_groups.iter().cloned().chain(["system:authenticated".to_owned()]).collect(),
    }
}

impl Deployment {
    /// Answers one question. Only a Kubernetes question needs the deployment prepared: an IAM
    /// or trust question is not made to index rbac.yaml and find every role's bindings.
    pub fn ask(&self, question: &Question) -> Result<Answer, AskError> {
        let steps = || Steps { on: true, lines: Vec::new() };
        match question {
            Question::Iam { role, request } => {
                let role = self.role(role)?;
                let (policies, unknown) = self.policies_of(role);
                let takes = |_: usize, _: usize, s: &Statement| iam::actions_match(&s.actions, &request.action);
                Ok(self.ask_iam(role, (&policies, takes), &unknown, &request.view(), steps()))
            }
            Question::Assume { role, request } => Ok(self.ask_assume(self.role(role)?, &request.view(), steps())),
            Question::Kube { .. } => self.prepare().ask(question),
        }
    }

    /// The deployment ready for many questions.
    pub fn prepare(&self) -> Prepared<'_> {
        let rbac = self.rbac.as_ref().map(|r| (r, r.index()));
        let user = |entry| {
            let user = user_of(entry);
            let bindings = rbac.as_ref().map(|(r, index)| r.bindings_of(index, &user)).unwrap_or_default();
            (entry, user, bindings)
        };
        let users = self
            .roles
            .values()
            .filter_map(|role| Some((role.name.as_str(), self.access_entries.get(&role.arn).map(user)?)))
            .collect();
        let actions =
            iam::ActionLists::of(self.roles.values().flat_map(|r| &r.policies).chain(self.known_policies.values()));
        Prepared { deployment: self, rbac: rbac.map(|(_, index)| index), users, actions, explain: true }
    }

    fn role(&self, name: &str) -> Result<&RoleAccess, AskError> {
        self.roles.get(name).ok_or_else(|| AskError::UnknownRole(name.to_owned()))
    }

    /// The policies an IAM question about `role` is decided by: its own, then the known
    /// documents of its managed policies; and the managed policies whose documents are not known.
    fn policies_of<'d>(&'d self, role: &'d RoleAccess) -> (Vec<&'d Policy>, Vec<String>) {
        let mut policies: Vec<&Policy> = role.policies.iter().collect();
        let mut unknown = Vec::new();
        for arn in &role.managed_policy_arns {
            match self.known_policies.get(arn) {
                Some(doc) => policies.push(doc),
                None => unknown.push(format!("managed policy {arn}")),
            }
        }
        (policies, unknown)
    }

    /// `takes`: whether a statement's actions take the request's action, by policy and
    /// statement position (see [`iam::decide_at_by`]).
    fn ask_iam(
        &self,
        role: &RoleAccess,
        (policies, takes): (&[&Policy], impl FnMut(usize, usize, &Statement) -> bool),
        unknown: &[String],
        request: &iam::Ask<'_>,
        mut steps: Steps,
    ) -> Answer {
        let decision = iam::decide_at_by(policies, request, takes);
        steps.push(|| format!("{} {} on {}: {decision}", role.name, request.action, request.resource));
        let mut verdict = match &decision {
            Decision::Allowed(_) => Verdict::Yes,
            Decision::AllowedIf(_, reqs) => Verdict::If(reqs.clone()),
            Decision::Denied(_) => return Answer::new(Verdict::No, steps.lines),
            Decision::ImplicitlyDenied if unknown.is_empty() => return Answer::new(Verdict::No, steps.lines),
            Decision::ImplicitlyDenied => {
                steps.push(|| format!("not evaluated, could allow it: {}", unknown.join(", ")));
                return Answer::new(Verdict::Unknown(unknown.to_vec()), steps.lines);
            }
        };
        if !unknown.is_empty() {
            steps.push(|| format!("not evaluated (an explicit Deny in them would win): {}", unknown.join(", ")));
        }
        if let Some(boundary) = &role.permissions_boundary {
            match self.known_policies.get(boundary) {
                None => {
                    steps.push(|| format!("permissions boundary {boundary}: contents not known"));
                    verdict = Verdict::Unknown(vec![format!("permissions boundary {boundary}")]);
                }
                Some(doc) => {
                    let limit = iam::decide_at(&[doc], request);
                    steps.push(|| format!("permissions boundary {boundary}: {limit}"));
                    verdict = match (verdict, limit) {
                        (v, Decision::Allowed(_)) => v,
                        (Verdict::Yes, Decision::AllowedIf(_, reqs)) => Verdict::If(reqs),
                        (Verdict::If(mut a), Decision::AllowedIf(_, b)) => {
                            a.extend(b);
                            Verdict::If(a)
                        }
                        (v @ Verdict::Unknown(_), _) => v,
                        _ => Verdict::No,
                    };
                }
            }
        }
        Answer::new(verdict, steps.lines)
    }

    fn ask_assume(&self, role: &RoleAccess, request: &iam::Ask<'_>, mut steps: Steps) -> Answer {
        let decision = iam::decide_at(&[&role.trust], request);
        steps.push(|| {
            let who = match request.caller {
                Some(Caller::Service(s)) => format!("service {s}"),
                Some(Caller::Aws(arn)) => arn.clone(),
                None => "an unnamed caller".to_owned(),
            };
            format!("trust policy of {}: {who} {}: {decision}", role.name, request.action)
        });
        let verdict = match decision {
            Decision::Allowed(_) => Verdict::Yes,
            Decision::AllowedIf(_, reqs) => Verdict::If(reqs),
            Decision::Denied(_) | Decision::ImplicitlyDenied => Verdict::No,
        };
        Answer::new(verdict, steps.lines)
    }
}
