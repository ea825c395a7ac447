//! Kubernetes RBAC evaluation, as the RBAC authorizer does it
//! (`k8s.io/kubernetes/plugin/pkg/auth/authorizer/rbac`): a request is allowed when some rule of
//! a role bound to the user or one of its groups allows it. ClusterRoleBindings apply in every
//! namespace and to cluster-scoped resources; RoleBindings only in their own namespace (and may
//! refer to a ClusterRole, whose rules then apply in that namespace only). RBAC has no deny.

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

impl Rbac {
    /// The first binding and rule that allow the request, in object order.
    pub fn authorize(&self, user: &User, request: &KubeRequest) -> Option<Grant> {
        let namespace = request.effective_namespace();
        for binding in &self.bindings {
            if let Some(ns) = &binding.namespace
                && Some(ns.as_str()) != namespace
            {
                continue;
            }
            let Some(subject) = binding.subjects.iter().find(|s| subject_matches(s, user)) else { continue };
            let role_namespace = match binding.role_kind.as_str() {
                "Role" => match &binding.namespace {
                    Some(ns) => Some(ns.as_str()),
                    None => continue,
                },
                "ClusterRole" => None,
                _ => continue,
            };
            let Some(role) =
                self.roles.iter().find(|r| r.name == binding.role_name && r.namespace.as_deref() == role_namespace)
            else {
                continue;
            };
            if let Some(rule) = role.rules.iter().find(|rule| rule_allows(rule, request)) {
                return Some(Grant {
                    binding: describe("RoleBinding", "ClusterRoleBinding", binding.namespace.as_deref(), &binding.name),
                    subject: match subject {
                        Subject::User(n) => format!("User {n}"),
                        Subject::Group(n) => format!("Group {n}"),
                        Subject::ServiceAccount { namespace, name } => format!("ServiceAccount {namespace}/{name}"),
                    },
                    role: describe("Role", "ClusterRole", role.namespace.as_deref(), &role.name),
                    rule: rule.to_string(),
                });
            }
        }
        None
    }
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
        Subject::ServiceAccount { namespace, name } => user.name == format!("system:serviceaccount:{namespace}:{name}"),
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
    let combined = match &request.subresource {
        Some(sub) => format!("{}/{sub}", request.resource),
        None => request.resource.clone(),
    };
    let resource_ok = rule.resources.iter().any(|r| {
        r == "*"
            || *r == combined
            || request.subresource.as_ref().is_some_and(|sub| r.strip_prefix("*/") == Some(sub.as_str()))
    });
    if !resource_ok {
        return false;
    }
    rule.resource_names.is_empty() || request.name.as_ref().is_some_and(|n| rule.resource_names.contains(n))
}
