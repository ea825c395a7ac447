//! Kubernetes RBAC evaluation, as the RBAC authorizer does it
//! (`k8s.io/kubernetes/plugin/pkg/auth/authorizer/rbac`): a request is allowed when some rule of
//! a role bound to the user or one of its groups allows it. ClusterRoleBindings apply in every
//! namespace and to cluster-scoped resources; RoleBindings only in their own namespace (and may
//! refer to a ClusterRole, whose rules then apply in that namespace only). RBAC has no deny.

use std::collections::BTreeMap;
use std::fmt;

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
    pub rules: Vec<Rule>,
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
        let (verb, target, name) = match words {
            [verb, target] => (*verb, *target, None),
            [verb, target, name] => (*verb, *target, Some(*name)),
            _ => return Err("expected VERB RESOURCE[.GROUP][/SUBRESOURCE|/NAME] [NAME]".to_owned()),
        };
        if target.starts_with('/') {
            return Ok(KubeRequest { verb: verb.to_owned(), path: Some(target.to_owned()), ..Default::default() });
        }
        let (typed, after) = match target.split_once('/') {
            Some((typed, after)) => (typed, Some(after)),
            None => (target, None),
        };
        let (resource, group) = typed.split_once('.').unwrap_or((typed, ""));
        if resource.is_empty() {
            return Err(format!("`{target}` names no resource"));
        }
        let mut request = KubeRequest::new(verb, group, resource);
        match after {
            Some(sub) if SUBRESOURCES.contains(&sub) => request.subresource = Some(sub.to_owned()),
            Some("") => return Err(format!("`{target}`: nothing after `/`")),
            Some(object) => match name {
                Some(other) => return Err(format!("`{target}` names the object `{object}`, and `{other}` another")),
                None => request.name = Some(object.to_owned()),
            },
            None => {}
        }
        if let Some(name) = name {
            request.name = Some(name.to_owned());
        }
        if let Some(ns) = namespace {
            request.namespace = Some(ns.to_owned());
        }
        Ok(request)
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
        if let Some(name) = &self.name
            && self.api_group.is_empty()
            && self.resource == "namespaces"
            && self.subresource.is_none()
        {
            return Some(name);
        }
        self.namespace.as_deref()
    }
}

impl fmt::Display for KubeRequest {
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

/// The bindings and roles of an [`Rbac`] by namespace and name, built once for many questions.
#[derive(Debug, Clone, Default)]
pub struct RbacIndex {
    /// ClusterRoleBindings, in object order.
    cluster: Vec<usize>,
    /// RoleBindings by namespace, in object order.
    by_namespace: BTreeMap<String, Vec<usize>>,
    /// ClusterRoles by name: the first of each.
    cluster_roles: BTreeMap<String, usize>,
    /// Roles by namespace and name: the first of each.
    roles: BTreeMap<String, BTreeMap<String, usize>>,
    /// The role each binding refers to, by binding position: `None` when there is no such role.
    role_of: Vec<Option<usize>>,
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
        for (i, binding) in self.bindings.iter().enumerate() {
            match &binding.namespace {
                None => index.cluster.push(i),
                Some(ns) => index.by_namespace.entry(ns.clone()).or_default().push(i),
            }
        }
        for (i, role) in self.roles.iter().enumerate() {
            let by_name = match &role.namespace {
                None => &mut index.cluster_roles,
                Some(ns) => index.roles.entry(ns.clone()).or_default(),
            };
            by_name.entry(role.name.clone()).or_insert(i);
        }
        index.role_of = self.bindings.iter().map(|binding| index.role_of(binding)).collect();
        index
    }

    /// The ClusterRoleBindings that name `user`, in object order, each with the position of its
    /// first subject that is the user: the only ones that can grant it anything. Made once per
    /// user for many questions ([`Rbac::authorize_among`]): with a thousand teams, a binding
    /// may have a thousand subjects.
    pub(crate) fn cluster_bindings_of(&self, index: &RbacIndex, user: &User) -> Vec<Bound> {
        index.cluster.iter().filter_map(|&i| self.bound(i, user)).collect()
    }

    /// Binding `i` and the position of its first subject that is `user`, if it names the user.
    fn bound(&self, i: usize, user: &User) -> Option<Bound> {
        Some((i, self.bindings.get(i)?.subjects.iter().position(|s| subject_matches(s, user))?))
    }

    /// Where the first binding and rule that allow the request are, in object order, with the
    /// index of this same `Rbac` and the user's ClusterRoleBindings already found
    /// ([`Rbac::cluster_bindings_of`]); [`Rbac::grant`] describes them.
    pub(crate) fn authorize_among(
        &self,
        index: &RbacIndex,
        cluster: &[Bound],
        user: &User,
        request: &KubeRequest,
    ) -> Option<GrantAt> {
        let namespace = request.effective_namespace();
        let local: &[usize] = namespace.and_then(|ns| index.by_namespace.get(ns)).map_or(&[], Vec::as_slice);
        let local = local.iter().filter_map(|&i| self.bound(i, user));
        // Both lists in object order, merged: the first grant in object order wins.
        let (mut a, mut b) = (cluster.iter().copied().peekable(), local.peekable());
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
            if let Some(rule) = role.rules.iter().position(|rule| rule_allows(rule, request)) {
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
    if !has(&rule.verbs, &request.verb) {
        return false;
    }
    if let Some(path) = &request.path {
        return rule
            .non_resource_urls
            .iter()
            .any(|u| u == "*" || u == path || u.strip_suffix('*').is_some_and(|p| path.starts_with(p)));
    }
    if !has(&rule.api_groups, &request.api_group) {
        return false;
    }
    // `resource/subresource`, compared without joining them.
    let combined = |r: &str| match &request.subresource {
        Some(sub) => r.strip_prefix(request.resource.as_str()).and_then(|r| r.strip_prefix('/')) == Some(sub.as_str()),
        None => r == request.resource,
    };
    let resource_ok = rule.resources.iter().any(|r| {
        r == "*"
            || combined(r)
            || request.subresource.as_ref().is_some_and(|sub| r.strip_prefix("*/") == Some(sub.as_str()))
    });
    if !resource_ok {
        return false;
    }
    rule.resource_names.is_empty() || request.name.as_ref().is_some_and(|n| rule.resource_names.contains(n))
}
