//! Kubernetes RBAC evaluation, as the RBAC authorizer does it
//! (`k8s.io/kubernetes/plugin/pkg/auth/authorizer/rbac`): a request is allowed when some rule of
//! a role bound to the user or one of its groups allows it. ClusterRoleBindings apply in every
//! namespace and to cluster-scoped resources; RoleBindings only in their own namespace (and may
//! refer to a ClusterRole, whose rules then apply in that namespace only). RBAC has no deny.

use std::collections::BTreeMap;
use std::fmt;

use crate::model::Shared;

/// One RBAC rule.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rule {
    pub api_groups: Vec<String>,
    pub resources: Vec<String>,
    /// Empty: every object.
    pub resource_names: Vec<String>,
    pub verbs: Vec<String>,
    pub non_resource_urls: Vec<String>,
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.non_resource_urls.is_empty() {
            return write!(
                f,
                "nonResourceURLs [{}] verbs [{}]",
                self.non_resource_urls.join(", "),
                self.verbs.join(", ")
            );
        }
        let groups: Vec<String> = self.api_groups.iter().map(|g| format!("{g:?}")).collect();
        write!(f, "apiGroups [{}] resources [{}]", groups.join(", "), self.resources.join(", "))?;
        if !self.resource_names.is_empty() {
            write!(f, " resourceNames [{}]", self.resource_names.join(", "))?;
        }
        write!(f, " verbs [{}]", self.verbs.join(", "))
    }
}

/// A Role (`namespace` set) or ClusterRole.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RbacRole {
    pub name: String,
    pub namespace: Option<String>,
    /// Shared, as the model shares them: every team's Role has the same rules.
    pub rules: Shared<Rule>,
}

/// Who a binding names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    User(String),
    Group(String),
    ServiceAccount { namespace: String, name: String },
}

/// A RoleBinding (`namespace` set) or ClusterRoleBinding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub name: String,
    pub namespace: Option<String>,
    /// `Role` or `ClusterRole`.
    pub role_kind: String,
    pub role_name: String,
    pub subjects: Vec<Subject>,
}

/// The RBAC objects of a cluster, and what else `rbac.yaml` creates.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rbac {
    pub roles: Vec<RbacRole>,
    pub bindings: Vec<Binding>,
    pub namespaces: Vec<String>,
    /// `(namespace, name)` of each ServiceAccount.
    pub service_accounts: Vec<(String, String)>,
    /// Where the objects come from (`rbac.yaml`).
    pub source: String,
}

/// The authenticated user: a name and its groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub groups: Vec<String>,
}

/// The subresources `KubeRequest::parse` reads after a `/`; anything else there is an object's
/// name. The subresources of the built-in resources the checks and users ask about.
pub const SUBRESOURCES: &[&str] = &[
    "approval",
    "attach",
    "binding",
    "ephemeralcontainers",
    "eviction",
    "exec",
    "finalize",
    "log",
    "portforward",
    "proxy",
    "resize",
    "scale",
    "status",
    "token",
];

/// One Kubernetes API request, as the authorizer sees it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KubeRequest {
    pub verb: String,
    /// `""` for the core group.
    pub api_group: String,
    pub resource: String,
    pub subresource: Option<String>,
    /// The object's name, when the request names one.
    pub name: Option<String>,
    /// `None` for a cluster-scoped resource or a request across all namespaces.
    pub namespace: Option<String>,
    /// A non-resource request (`/version`): set instead of the resource fields.
    pub path: Option<String>,
}

impl KubeRequest {
    /// A request for a resource: `resource` is `pods`, or `pods/log` for a subresource.
    pub fn new(verb: &str, api_group: &str, resource: &str) -> KubeRequest {
        let (resource, subresource) = match resource.split_once('/') {
            Some((r, s)) => (r.to_owned(), Some(s.to_owned())),
            None => (resource.to_owned(), None),
        };
        KubeRequest {
            verb: verb.to_owned(),
            api_group: api_group.to_owned(),
            resource,
            subresource,
            ..Default::default()
        }
    }

    /// A request as `kubectl auth can-i` writes it: `[VERB, TARGET]` or `[VERB, TARGET, NAME]`,
    /// with the namespace of `-n`. TARGET is `RESOURCE[.GROUP]`, then optionally `/SUBRESOURCE`
    /// (one of [`SUBRESOURCES`]: `pods/log`) or `/NAME` (one object:
    /// `customresourcedefinitions.apiextensions.k8s.io/NAME`), or a non-resource URL (`/healthz`).
    pub fn parse(words: &[&str], namespace: Option<&str>) -> Result<KubeRequest, String> {
        KubeAsk::parse(words, namespace).map(|r| r.to_owned())
    }

    /// The request as the authorizer reads it, borrowed.
    pub(crate) fn view(&self) -> KubeAsk<'_> {
        KubeAsk {
            verb: &self.verb,
            api_group: &self.api_group,
            resource: &self.resource,
            subresource: self.subresource.as_deref(),
            name: self.name.as_deref(),
            namespace: self.namespace.as_deref(),
            path: self.path.as_deref(),
        }
    }

    pub fn named(mut self, name: impl Into<String>) -> KubeRequest {
        self.name = Some(name.into());
        self
    }

    pub fn in_namespace(mut self, namespace: impl Into<String>) -> KubeRequest {
        self.namespace = Some(namespace.into());
        self
    }

    /// The namespace the authorizer uses: a request for one Namespace object is authorized in
    /// that namespace (the apiserver's request-info resolver sets it to the object's name).
    pub fn effective_namespace(&self) -> Option<&str> {
        self.view().effective_namespace()
    }
}

/// A [`KubeRequest`] whose fields borrow: what the authorizer reads, made from a request line
/// without a `String` per field ([`KubeAsk::parse`]), many times per matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct KubeAsk<'a> {
    pub(crate) verb: &'a str,
    pub(crate) api_group: &'a str,
    pub(crate) resource: &'a str,
    pub(crate) subresource: Option<&'a str>,
    pub(crate) name: Option<&'a str>,
    pub(crate) namespace: Option<&'a str>,
    pub(crate) path: Option<&'a str>,
}

impl<'a> KubeAsk<'a> {
    /// [`KubeRequest::parse`], borrowing from the words.
    pub(crate) fn parse(words: &[&'a str], namespace: Option<&'a str>) -> Result<KubeAsk<'a>, String> {
        let (verb, target, name) = match words {
            [verb, target] => (*verb, *target, None),
            [verb, target, name] => (*verb, *target, Some(*name)),
            _ => return Err("expected VERB RESOURCE[.GROUP][/SUBRESOURCE|/NAME] [NAME]".to_owned()),
        };
        if target.starts_with('/') {
            return Ok(KubeAsk { verb, path: Some(target), ..KubeAsk::default() });
        }
        let (typed, after) = match target.split_once('/') {
            Some((typed, after)) => (typed, Some(after)),
            None => (target, None),
        };
        let (resource, api_group) = typed.split_once('.').unwrap_or((typed, ""));
        if resource.is_empty() {
            return Err(format!("`{target}` names no resource"));
        }
        let mut request = KubeAsk { verb, api_group, resource, ..KubeAsk::default() };
        match after {
            Some(sub) if SUBRESOURCES.contains(&sub) => request.subresource = Some(sub),
            Some("") => return Err(format!("`{target}`: nothing after `/`")),
            Some(object) => match name {
                Some(other) => return Err(format!("`{target}` names the object `{object}`, and `{other}` another")),
                None => request.name = Some(object),
            },
            None => {}
        }
        if name.is_some() {
            request.name = name;
        }
        request.namespace = namespace;
        Ok(request)
    }

    pub(crate) fn to_owned(self) -> KubeRequest {
        KubeRequest {
            verb: self.verb.to_owned(),
            api_group: self.api_group.to_owned(),
            resource: self.resource.to_owned(),
            subresource: self.subresource.map(str::to_owned),
            name: self.name.map(str::to_owned),
            namespace: self.namespace.map(str::to_owned),
            path: self.path.map(str::to_owned),
        }
    }

    /// See [`KubeRequest::effective_namespace`].
    pub(crate) fn effective_namespace(&self) -> Option<&'a str> {
        if let Some(name) = self.name
            && self.api_group.is_empty()
            && self.resource == "namespaces"
            && self.subresource.is_none()
        {
            return Some(name);
        }
        self.namespace
    }
}

impl fmt::Display for KubeRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.view().fmt(f)
    }
}

impl fmt::Display for KubeAsk<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(path) = &self.path {
            return write!(f, "{} {path}", self.verb);
        }
        write!(f, "{} {}", self.verb, self.resource)?;
        if !self.api_group.is_empty() {
            write!(f, ".{}", self.api_group)?;
        }
        if let Some(sub) = &self.subresource {
            write!(f, "/{sub}")?;
        }
        if let Some(name) = &self.name {
            write!(f, " {name}")?;
        }
        match &self.namespace {
            Some(ns) => write!(f, " -n {ns}"),
            None => Ok(()),
        }
    }
}

/// The binding and rule that allowed a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// `RoleBinding nlp/x` or `ClusterRoleBinding x`.
    pub binding: String,
    /// The subject that matched (`Group ml-research-scientists`).
    pub subject: String,
    /// `Role nlp/x` or `ClusterRole x`.
    pub role: String,
    pub rule: String,
}

impl fmt::Display for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} binds {} to {}, whose rule {} allows it", self.binding, self.subject, self.role, self.rule)
    }
}

/// A binding that names a user: its position and that of its first subject that is the user.
pub(crate) type Bound = (usize, usize);

/// The roles of an [`Rbac`] by namespace and name and its bindings by subject, built once for
/// many questions.
#[derive(Debug, Clone, Default)]
pub struct RbacIndex {
    /// ClusterRoles by name: the first of each.
    cluster_roles: BTreeMap<String, usize>,
    /// Roles by namespace and name: the first of each.
    roles: BTreeMap<String, BTreeMap<String, usize>>,
    /// The role each binding refers to, by binding position: `None` when there is no such role.
    role_of: Vec<Option<usize>>,
    /// The bindings that name each user and each group, in object order (once per binding).
    naming_user: BTreeMap<String, Vec<usize>>,
    naming_group: BTreeMap<String, Vec<usize>>,
    /// The bindings that name some service account.
    naming_service_account: Vec<usize>,
}

/// The bindings that name one user, found once for many questions ([`Rbac::bindings_of`]).
#[derive(Debug, Clone, Default)]
pub(crate) struct UserBindings<'r> {
    /// Its ClusterRoleBindings, in object order.
    cluster: Vec<Bound>,
    /// Its RoleBindings by namespace, in object order.
    by_namespace: BTreeMap<&'r str, Vec<Bound>>,
}

impl RbacIndex {
    /// The position of the role `binding` refers to: a Role of its own namespace, or a
    /// ClusterRole.
    fn role_of(&self, binding: &Binding) -> Option<usize> {
        let by_name = match binding.role_kind.as_str() {
            "Role" => self.roles.get(binding.namespace.as_ref()?)?,
            "ClusterRole" => &self.cluster_roles,
            _ => return None,
        };
        by_name.get(&binding.role_name).copied()
    }
}

impl Rbac {
    /// Indexes the bindings and roles (see [`Rbac::authorize_among`]).
    pub fn index(&self) -> RbacIndex {
        let mut index = RbacIndex::default();
        for (i, role) in self.roles.iter().enumerate() {
            let by_name = match &role.namespace {
                None => &mut index.cluster_roles,
                Some(ns) => index.roles.entry(ns.clone()).or_default(),
            };
            by_name.entry(role.name.clone()).or_insert(i);
        }
        index.role_of = self.bindings.iter().map(|binding| index.role_of(binding)).collect();
        for (i, binding) in self.bindings.iter().enumerate() {
            let mut service_account = false;
            for subject in &binding.subjects {
                let list = match subject {
                    Subject::User(name) => index.naming_user.entry(name.clone()).or_default(),
                    Subject::Group(name) => index.naming_group.entry(name.clone()).or_default(),
                    Subject::ServiceAccount { .. } => {
                        service_account = true;
                        continue;
                    }
                };
                if list.last() != Some(&i) {
                    list.push(i);
                }
            }
            if service_account {
                index.naming_service_account.push(i);
            }
        }
        index
    }

    /// The bindings that name `user`, each with the position of its first subject that is the
    /// user: the only ones that can grant it anything. Made once per user for many questions
    /// ([`Rbac::authorize_among`]): with a thousand teams there are a thousand RoleBindings,
    /// and a ClusterRoleBinding may have a thousand subjects. Found through the index by
    /// subject, so finding every user's is not quadratic in teams.
    pub(crate) fn bindings_of<'r>(&'r self, index: &RbacIndex, user: &User) -> UserBindings<'r> {
        let mut candidates: Vec<usize> = index.naming_user.get(&user.name).cloned().unwrap_or_default();
        for group in &user.groups {
            candidates.extend(index.naming_group.get(group).into_iter().flatten());
        }
        candidates.extend(&index.naming_service_account);
        candidates.sort_unstable();
        candidates.dedup();
        let mut out = UserBindings::default();
        for bound in candidates.into_iter().filter_map(|i| self.bound(i, user)) {
            match self.bindings.get(bound.0).and_then(|b| b.namespace.as_deref()) {
                None => out.cluster.push(bound),
                Some(ns) => out.by_namespace.entry(ns).or_default().push(bound),
            }
        }
        out
    }

    /// Binding `i` and the position of its first subject that is `user`, if it names the user.
    fn bound(&self, i: usize, user: &User) -> Option<Bound> {
        Some((i, self.bindings.get(i)?.subjects.iter().position(|s| subject_matches(s, user))?))
    }

    /// Where the first binding and rule that allow the request are, in object order, with the
    /// index of this same `Rbac` and the bindings that name the user already found
    /// ([`Rbac::bindings_of`]); [`Rbac::grant`] describes them.
    pub(crate) fn authorize_among(
        &self,
        index: &RbacIndex,
        bindings: &UserBindings<'_>,
        request: &KubeAsk<'_>,
    ) -> Option<GrantAt> {
        let namespace = request.effective_namespace();
        let local: &[Bound] = namespace.and_then(|ns| bindings.by_namespace.get(ns)).map_or(&[], Vec::as_slice);
        // Both lists in object order, merged: the first grant in object order wins.
        let (mut a, mut b) = (bindings.cluster.iter().copied().peekable(), local.iter().copied().peekable());
        let order = std::iter::from_fn(|| match (a.peek(), b.peek()) {
            (Some(x), Some(y)) if x.0 < y.0 => a.next(),
            (Some(_), Some(_)) | (None, Some(_)) => b.next(),
            (Some(_), None) => a.next(),
            (None, None) => None,
        });
        for (i, subject) in order {
            let Some((role_at, role)) =
                index.role_of.get(i).copied().flatten().and_then(|r| Some((r, self.roles.get(r)?)))
            else {
                continue;
            };
            if let Some(rule) = role.rules.iter().position(|rule| allows(rule, request)) {
                return Some(GrantAt { binding: i, subject, role: role_at, rule });
            }
        }
        None
    }

    /// The binding, subject, role and rule a [`GrantAt`] points to, described. Positions out of
    /// range (a `GrantAt` of another `Rbac`) describe as empty.
    pub fn grant(&self, at: &GrantAt) -> Grant {
        let binding = self.bindings.get(at.binding);
        let role = self.roles.get(at.role);
        Grant {
            binding: binding.map_or_else(String::new, |b| {
                describe("RoleBinding", "ClusterRoleBinding", b.namespace.as_deref(), &b.name)
            }),
            subject: match binding.and_then(|b| b.subjects.get(at.subject)) {
                Some(Subject::User(n)) => format!("User {n}"),
                Some(Subject::Group(n)) => format!("Group {n}"),
                Some(Subject::ServiceAccount { namespace, name }) => format!("ServiceAccount {namespace}/{name}"),
                None => String::new(),
            },
            role: role.map_or_else(String::new, |r| describe("Role", "ClusterRole", r.namespace.as_deref(), &r.name)),
            rule: role.and_then(|r| r.rules.get(at.rule)).map_or_else(String::new, Rule::to_string),
        }
    }
}

/// Where a grant is: positions of the binding, its subject, the role and its rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GrantAt {
    pub binding: usize,
    pub subject: usize,
    pub role: usize,
    pub rule: usize,
}

fn describe(namespaced: &str, cluster: &str, namespace: Option<&str>, name: &str) -> String {
    match namespace {
        Some(ns) => format!("{namespaced} {ns}/{name}"),
        None => format!("{cluster} {name}"),
    }
}

fn subject_matches(subject: &Subject, user: &User) -> bool {
    match subject {
        Subject::User(name) => *name == user.name,
        Subject::Group(name) => user.groups.contains(name),
        Subject::ServiceAccount { namespace, name } => user
            .name
            .strip_prefix("system:serviceaccount:")
            .and_then(|rest| rest.split_once(':'))
            .is_some_and(|(ns, n)| ns == namespace && n == name),
    }
}

fn has(list: &[String], item: &str) -> bool {
    list.iter().any(|x| x == "*" || x == item)
}

/// One rule against one request (`RuleAllows` of the RBAC authorizer).
pub fn rule_allows(rule: &Rule, request: &KubeRequest) -> bool {
    allows(rule, &request.view())
}

/// [`rule_allows`] of a borrowed request.
fn allows(rule: &Rule, request: &KubeAsk<'_>) -> bool {
    if !has(&rule.verbs, request.verb) {
        return false;
    }
    if let Some(path) = request.path {
        return rule
            .non_resource_urls
            .iter()
            .any(|u| u == "*" || u == path || u.strip_suffix('*').is_some_and(|p| path.starts_with(p)));
    }
    if !has(&rule.api_groups, request.api_group) {
        return false;
    }
    // `resource/subresource`, compared without joining them.
    let combined = |r: &str| match request.subresource {
        Some(sub) => r.strip_prefix(request.resource).and_then(|r| r.strip_prefix('/')) == Some(sub),
        None => r == request.resource,
    };
    let resource_ok = rule
        .resources
        .iter()
        .any(|r| r == "*" || combined(r) || request.subresource.is_some_and(|sub| r.strip_prefix("*/") == Some(sub)));
    if !resource_ok {
        return false;
    }
    rule.resource_names.is_empty() || request.name.is_some_and(|n| rule.resource_names.iter().any(|x| x == n))
}
