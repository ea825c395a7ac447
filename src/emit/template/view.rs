//! The model document as the templates see it: minijinja objects that read the Rust model when a
//! template asks for a field, instead of a minijinja value tree copied from the whole model.
//!
//! A template sees the same thing either way (the same keys in the same order, `none` where the
//! JSON has `null`, no key where the JSON has none, lists and maps where it has arrays and
//! objects): what [`ModelDocument`](super::ModelDocument) serializes to. But a copy of the model as
//! a value tree took more memory than the model and the whole output together at 5,000 teams, and
//! building and freeing it was a tenth of a render's time. A view is a shared handle on the model
//! and the way to one part of it: asking for a field of a role reads the role's `String`, asking
//! for its trust policy gives another view. The parts that are small and read all the time
//! (`target`, `cluster`, `options`, `tags`, `accessLevels`, ...) are converted once.
//!
//! Small leaves (a Pod Identity association's access scope, a waiver, one part of a text, a
//! label map) are converted when asked for, through serde, so they stay exactly what the JSON
//! writes.

use std::fmt;
use std::sync::Arc;

use minijinja::value::{Enumerator, Object, ObjectRepr, Serde, Value};

use crate::model::{
    AccessEntry, AccessPolicy, Actions, Condition, Kubernetes, ManagedPolicy, Model, Namespace, ObjectMeta,
    PodIdentityAssociation, PolicyDocument, PolicyRule, Principal, RbacRole, Resources, Role, RoleBinding, RoleId,
    RoleRef, ServiceAccount, Statement, Subject, Text,
};

use super::ModelDocument;

/// What every view reads: the model, and the document's values that are not views.
#[derive(Debug)]
pub struct Doc {
    model: Arc<Model>,
    /// `(key, value)` in the document's order; `None` for the keys that are views of the model.
    small: Vec<(&'static str, Option<Value>)>,
    /// The document's `accessLevels`, for `policy_rows`.
    access_levels: std::collections::BTreeMap<String, String>,
}

/// The document's keys, in the order it serializes them (`modelVersion`, the model's fields,
/// `accessLevels`).
const DOCUMENT_KEYS: &[&str] = &[
    "modelVersion",
    "name",
    "orchestrator",
    "target",
    "cluster",
    "options",
    "tags",
    "roles",
    "policies",
    "serviceLinkedRole",
    "accessEntries",
    "podIdentityAssociations",
    "kubernetes",
    "accessLevels",
];

impl Doc {
    /// The views' shared state for a document: its model, shared (a view must own what it
    /// reads; `model` is `document.model`), the small values converted.
    pub fn new(document: &ModelDocument<'_>, model: Arc<Model>) -> Arc<Doc> {
        let m = &*model;
        let small = DOCUMENT_KEYS
            .iter()
            .map(|&key| {
                let value = match key {
                    "modelVersion" => Some(Value::from(document.model_version)),
                    "name" => Some(Value::from(m.name.as_str())),
                    "orchestrator" => Some(Value::from(m.orchestrator.as_str())),
                    "target" => Some(Value::from(Serde(&m.target))),
                    "cluster" => Some(Value::from(Serde(&m.cluster))),
                    "options" => Some(Value::from(Serde(&m.options))),
                    "tags" => Some(Value::from(Serde(&m.tags))),
                    "serviceLinkedRole" => Some(Value::from(Serde(&m.service_linked_role))),
                    "accessLevels" => Some(Value::from(Serde(&document.access_levels))),
                    _ => None,
                };
                (key, value)
            })
            .collect();
        Arc::new(Doc { model, small, access_levels: document.access_levels.clone() })
    }

    pub fn model(&self) -> &Model {
        &self.model
    }

    pub fn access_levels(&self) -> &std::collections::BTreeMap<String, String> {
        &self.access_levels
    }
}

/// The document itself: the templates' context.
#[derive(Debug)]
pub struct Root(pub Arc<Doc>);

impl Object for Root {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.get_value_by_str(key.as_str()?)
    }

    fn get_value_by_str(self: &Arc<Self>, key: &str) -> Option<Value> {
        let (_, small) = self.0.small.iter().find(|(k, _)| *k == key)?;
        if let Some(value) = small {
            return Some(value.clone());
        }
        let root: Node<Model> = Node::at(&self.0, |m| Some(m));
        Some(match key {
            "roles" => root.child(|m| Some(&m.roles)),
            "policies" => root.child(|m| Some(&m.policies)),
            "accessEntries" => root.child(|m| Some(&m.access_entries)),
            "podIdentityAssociations" => root.child(|m| Some(&m.pod_identity_associations)),
            "kubernetes" => root.child(|m| Some(&m.kubernetes)),
            _ => return None,
        })
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Str(DOCUMENT_KEYS)
    }
}

/// `Debug` for a view: its name only (what it reads is the model's, which `Debug`s itself).
macro_rules! name_only_debug {
    ($($ty:ident),*) => {$(
        impl<T> fmt::Debug for $ty<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(stringify!($ty))
            }
        }
    )*};
}

name_only_debug!(Node, MapView, SeqView);

/// How a view finds its part of the model.
type Get<T> = Arc<dyn for<'a> Fn(&'a Model) -> Option<&'a T> + Send + Sync>;

fn getter<T, F>(f: F) -> Get<T>
where
    F: for<'a> Fn(&'a Model) -> Option<&'a T> + Send + Sync + 'static,
{
    Arc::new(f)
}

/// A view of one part of the model.
pub struct Node<T: 'static> {
    doc: Arc<Doc>,
    get: Get<T>,
}

impl<T: 'static> Node<T> {
    /// The view of `model.roles[index]` and the like, for the look-up functions.
    pub fn at(doc: &Arc<Doc>, f: impl for<'a> Fn(&'a Model) -> Option<&'a T> + Send + Sync + 'static) -> Node<T> {
        Node { doc: Arc::clone(doc), get: getter(f) }
    }

    fn read(&self) -> Option<&T> {
        (self.get)(&self.doc.model)
    }

    /// The value of a part of this one.
    fn child<U: Expose>(&self, f: impl for<'a> Fn(&'a T) -> Option<&'a U> + Send + Sync + 'static) -> Value {
        let parent = Arc::clone(&self.get);
        U::expose(Node { doc: Arc::clone(&self.doc), get: getter(move |m| parent(m).and_then(&f)) })
    }
}

/// A part of the model as a template value.
pub trait Expose: Sized + Send + Sync + 'static {
    fn expose(node: Node<Self>) -> Value;
}

/// A struct of the model, seen as a map.
pub trait Fields: Sized + Send + Sync + 'static {
    /// The keys, in the order serde writes them (some may be left out, as serde leaves them out).
    fn keys(&self) -> &'static [&'static str];
    fn field(node: &Node<Self>, this: &Self, key: &str) -> Option<Value>;
}

/// [`Fields`] as a minijinja map.
struct MapView<T: 'static>(Node<T>);

impl<T: Fields> Object for MapView<T> {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.get_value_by_str(key.as_str()?)
    }

    fn get_value_by_str(self: &Arc<Self>, key: &str) -> Option<Value> {
        let this = self.0.read()?;
        if !this.keys().contains(&key) {
            return None;
        }
        T::field(&self.0, this, key)
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        self.0.read().map_or(Enumerator::Empty, |this| Enumerator::Str(this.keys()))
    }
}

/// The part of the model a value shows, if it is a view of a `T` (an item of `policies`,
/// `roles`, `accessEntries`, `kubernetes.roles`, a `meta`, ...): what the functions written in
/// Rust read.
pub fn shown<T: Fields>(value: &Value) -> Option<&T> {
    value.downcast_object_ref::<MapView<T>>()?.0.read()
}

/// A list of the model, seen as a sequence.
struct SeqView<T: 'static>(Node<Vec<T>>);

impl<T: Expose> Object for SeqView<T> {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let index = key.as_usize()?;
        let len = self.0.read()?.len();
        (index < len).then(|| self.0.child(move |items: &Vec<T>| items.get(index)))
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Seq(self.0.read().map_or(0, Vec::len))
    }
}

impl<T: Expose> Expose for Vec<T> {
    fn expose(node: Node<Self>) -> Value {
        Value::from_object(SeqView(node))
    }
}

impl<T: Expose> Expose for Option<T> {
    fn expose(node: Node<Self>) -> Value {
        match node.read() {
            Some(Some(_)) => node.child(Option::as_ref),
            _ => Value::from(()),
        }
    }
}

impl Expose for String {
    fn expose(node: Node<Self>) -> Value {
        node.read().map_or(Value::from(()), |s| Value::from(s.as_str()))
    }
}

impl Expose for RoleId {
    fn expose(node: Node<Self>) -> Value {
        node.read().map_or(Value::from(()), |id| Value::from(id.0.as_str()))
    }
}

/// A text of the model: the list of its parts, each a map (`{kind, value}`) as serde writes it.
/// `text` and `is symbolic` read the parts straight from the model ([`TextView::text`]).
#[derive(Debug)]
pub struct TextView(Node<Text>);

impl TextView {
    /// The model's text this value shows.
    pub fn text(&self) -> Option<&Text> {
        self.0.read()
    }
}

impl Object for TextView {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let part = self.text()?.0.get(key.as_usize()?)?;
        Some(Value::from(Serde(part)))
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Seq(self.text().map_or(0, |t| t.0.len()))
    }
}

impl Expose for Text {
    fn expose(node: Node<Self>) -> Value {
        Value::from_object(TextView(node))
    }
}

/// Types whose values are small enough to convert through serde when a template asks.
macro_rules! expose_serialized {
    ($($ty:ty),*) => {$(
        impl Expose for $ty {
            fn expose(node: Node<Self>) -> Value {
                node.read().map_or(Value::from(()), |v| Value::from(Serde(v)))
            }
        }
    )*};
}

expose_serialized!(crate::model::AccessScope, crate::model::Waiver, std::collections::BTreeMap<String, String>);

/// Types seen as maps, by their [`Fields`].
macro_rules! expose_fields {
    ($($ty:ty),*) => {$(
        impl Expose for $ty {
            fn expose(node: Node<Self>) -> Value {
                Value::from_object(MapView(node))
            }
        }
    )*};
}

expose_fields!(
    Role,
    ManagedPolicy,
    PolicyDocument,
    Statement,
    Actions,
    Resources,
    Principal,
    Condition,
    AccessEntry,
    AccessPolicy,
    PodIdentityAssociation,
    Kubernetes,
    Namespace,
    ServiceAccount,
    RbacRole,
    ObjectMeta,
    PolicyRule,
    RoleBinding,
    RoleRef,
    Subject
);

fn str(s: &str) -> Option<Value> {
    Some(Value::from(s))
}

impl Fields for Role {
    fn keys(&self) -> &'static [&'static str] {
        &[
            "id",
            "kind",
            "entry",
            "origin",
            "roleName",
            "description",
            "trust",
            "managedPolicyArns",
            "permissionsBoundary",
        ]
    }

    fn field(node: &Node<Self>, this: &Self, key: &str) -> Option<Value> {
        match key {
            "id" => str(&this.id.0),
            "kind" => Some(Value::from(Serde(this.kind))),
            "entry" => str(&this.entry),
            "origin" => str(&this.origin),
            "roleName" => str(&this.role_name),
            "description" => str(&this.description),
            "trust" => Some(node.child(|r| Some(&r.trust))),
            "managedPolicyArns" => Some(node.child(|r| Some(&r.managed_policy_arns))),
            "permissionsBoundary" => Some(node.child(|r| Some(&r.permissions_boundary))),
            _ => None,
        }
    }
}

impl Fields for ManagedPolicy {
    fn keys(&self) -> &'static [&'static str] {
        &["id", "policyName", "description", "document", "roles"]
    }

    fn field(node: &Node<Self>, this: &Self, key: &str) -> Option<Value> {
        match key {
            "id" => str(&this.id),
            "policyName" => str(&this.policy_name),
            "description" => str(&this.description),
            "document" => Some(node.child(|p| Some(&p.document))),
            "roles" => Some(node.child(|p| Some(&p.roles))),
            _ => None,
        }
    }
}

impl Fields for PolicyDocument {
    fn keys(&self) -> &'static [&'static str] {
        &["statements"]
    }

    fn field(node: &Node<Self>, _: &Self, key: &str) -> Option<Value> {
        (key == "statements").then(|| node.child(|d| Some(&d.statements)))
    }
}

impl Fields for Statement {
    fn keys(&self) -> &'static [&'static str] {
        // `waivers` and `origin` are left out when empty, as serde leaves them out.
        match (self.waivers.is_empty(), self.origin.is_none()) {
            (true, true) => &["sid", "effect", "principal", "actions", "resources", "conditions"],
            (false, true) => &["sid", "effect", "principal", "actions", "resources", "conditions", "waivers"],
            (true, false) => &["sid", "effect", "principal", "actions", "resources", "conditions", "origin"],
            (false, false) => {
                &["sid", "effect", "principal", "actions", "resources", "conditions", "waivers", "origin"]
            }
        }
    }

    fn field(node: &Node<Self>, this: &Self, key: &str) -> Option<Value> {
        match key {
            "sid" => Some(node.child(|s| Some(&s.sid))),
            "effect" => str(this.effect.as_str()),
            "principal" => Some(node.child(|s| Some(&s.principal))),
            "actions" => Some(node.child(|s| Some(&s.actions))),
            "resources" => Some(node.child(|s| Some(&s.resources))),
            "conditions" => Some(node.child(|s| Some(&s.conditions))),
            "waivers" => Some(node.child(|s| Some(&s.waivers))),
            "origin" => Some(node.child(|s| Some(&s.origin))),
            _ => None,
        }
    }
}

impl Fields for Actions {
    fn keys(&self) -> &'static [&'static str] {
        &["kind", "values"]
    }

    fn field(node: &Node<Self>, this: &Self, key: &str) -> Option<Value> {
        match (key, this) {
            ("kind", Actions::Action(_)) => str("action"),
            ("kind", Actions::NotAction(_)) => str("notAction"),
            ("values", _) => Some(node.child(|a| {
                Some(match a {
                    Actions::Action(v) | Actions::NotAction(v) => &**v,
                })
            })),
            _ => None,
        }
    }
}

impl Fields for Resources {
    fn keys(&self) -> &'static [&'static str] {
        &["kind", "values"]
    }

    fn field(node: &Node<Self>, this: &Self, key: &str) -> Option<Value> {
        match (key, this) {
            ("kind", Resources::Resource(_)) => str("resource"),
            ("kind", Resources::NotResource(_)) => str("notResource"),
            ("values", _) => Some(node.child(|r| {
                Some(match r {
                    Resources::Resource(v) | Resources::NotResource(v) => &**v,
                })
            })),
            _ => None,
        }
    }
}

impl Fields for Principal {
    fn keys(&self) -> &'static [&'static str] {
        match self {
            Principal::Service(_) => &["service"],
            Principal::Aws(_) => &["aws"],
        }
    }

    fn field(node: &Node<Self>, _: &Self, key: &str) -> Option<Value> {
        match key {
            "service" => Some(node.child(|p| match p {
                Principal::Service(v) => Some(v),
                Principal::Aws(_) => None,
            })),
            "aws" => Some(node.child(|p| match p {
                Principal::Aws(v) => Some(v),
                Principal::Service(_) => None,
            })),
            _ => None,
        }
    }
}

impl Fields for Condition {
    fn keys(&self) -> &'static [&'static str] {
        &["operator", "key", "values"]
    }

    fn field(node: &Node<Self>, this: &Self, key: &str) -> Option<Value> {
        match key {
            "operator" => str(&this.operator),
            "key" => str(&this.key),
            "values" => Some(node.child(|c| Some(&c.values))),
            _ => None,
        }
    }
}

impl Fields for AccessEntry {
    fn keys(&self) -> &'static [&'static str] {
        &["role", "type", "kubernetesGroups", "accessPolicies"]
    }

    fn field(node: &Node<Self>, this: &Self, key: &str) -> Option<Value> {
        match key {
            "role" => str(&this.role.0),
            "type" => str(this.entry_type.as_str()),
            "kubernetesGroups" => Some(node.child(|e| Some(&e.kubernetes_groups))),
            "accessPolicies" => Some(node.child(|e| Some(&e.access_policies))),
            _ => None,
        }
    }
}

impl Fields for AccessPolicy {
    fn keys(&self) -> &'static [&'static str] {
        &["name", "policyArn", "scope"]
    }

    fn field(node: &Node<Self>, this: &Self, key: &str) -> Option<Value> {
        match key {
            "name" => str(&this.name),
            "policyArn" => Some(node.child(|p| Some(&p.policy_arn))),
            "scope" => Some(node.child(|p| Some(&p.scope))),
            _ => None,
        }
    }
}

impl Fields for PodIdentityAssociation {
    fn keys(&self) -> &'static [&'static str] {
        &["role", "namespace", "serviceAccount"]
    }

    fn field(_: &Node<Self>, this: &Self, key: &str) -> Option<Value> {
        match key {
            "role" => str(&this.role.0),
            "namespace" => str(&this.namespace),
            "serviceAccount" => str(&this.service_account),
            _ => None,
        }
    }
}

impl Fields for Kubernetes {
    fn keys(&self) -> &'static [&'static str] {
        &[
            "namespaces",
            "hyperpodNamespaces",
            "serviceAccounts",
            "clusterRoles",
            "clusterRoleBindings",
            "roles",
            "roleBindings",
        ]
    }

    fn field(node: &Node<Self>, _: &Self, key: &str) -> Option<Value> {
        Some(match key {
            "namespaces" => node.child(|k| Some(&k.namespaces)),
            "hyperpodNamespaces" => node.child(|k| Some(&k.hyperpod_namespaces)),
            "serviceAccounts" => node.child(|k| Some(&k.service_accounts)),
            "clusterRoles" => node.child(|k| Some(&k.cluster_roles)),
            "clusterRoleBindings" => node.child(|k| Some(&k.cluster_role_bindings)),
            "roles" => node.child(|k| Some(&k.roles)),
            "roleBindings" => node.child(|k| Some(&k.role_bindings)),
            _ => return None,
        })
    }
}

/// Objects that are only their metadata (a Namespace, a ServiceAccount).
macro_rules! meta_only {
    ($($ty:ty),*) => {$(
        impl Fields for $ty {
            fn keys(&self) -> &'static [&'static str] {
                &["meta"]
            }

            fn field(node: &Node<Self>, _: &Self, key: &str) -> Option<Value> {
                (key == "meta").then(|| node.child(|n| Some(&n.meta)))
            }
        }
    )*};
}

meta_only!(Namespace, ServiceAccount);

impl Fields for RbacRole {
    fn keys(&self) -> &'static [&'static str] {
        &["meta", "rules"]
    }

    fn field(node: &Node<Self>, _: &Self, key: &str) -> Option<Value> {
        match key {
            "meta" => Some(node.child(|r| Some(&r.meta))),
            "rules" => Some(node.child(|r| Some(&*r.rules))),
            _ => None,
        }
    }
}

impl Fields for ObjectMeta {
    fn keys(&self) -> &'static [&'static str] {
        &["name", "namespace", "labels"]
    }

    fn field(node: &Node<Self>, this: &Self, key: &str) -> Option<Value> {
        match key {
            "name" => str(&this.name),
            "namespace" => Some(this.namespace.as_deref().map_or(Value::from(()), Value::from)),
            "labels" => Some(node.child(|m| Some(&m.labels))),
            _ => None,
        }
    }
}

impl Fields for PolicyRule {
    fn keys(&self) -> &'static [&'static str] {
        &["apiGroups", "resources", "resourceNames", "verbs"]
    }

    fn field(node: &Node<Self>, _: &Self, key: &str) -> Option<Value> {
        Some(match key {
            "apiGroups" => node.child(|r| Some(&r.api_groups)),
            "resources" => node.child(|r| Some(&r.resources)),
            "resourceNames" => node.child(|r| Some(&r.resource_names)),
            "verbs" => node.child(|r| Some(&r.verbs)),
            _ => return None,
        })
    }
}

impl Fields for RoleBinding {
    fn keys(&self) -> &'static [&'static str] {
        &["meta", "roleRef", "subjects"]
    }

    fn field(node: &Node<Self>, _: &Self, key: &str) -> Option<Value> {
        Some(match key {
            "meta" => node.child(|b| Some(&b.meta)),
            "roleRef" => node.child(|b| Some(&b.role_ref)),
            "subjects" => node.child(|b| Some(&b.subjects)),
            _ => return None,
        })
    }
}

/// A RoleRef and a Subject: `apiGroup`, `kind`, `name`.
macro_rules! group_kind_name {
    ($($ty:ty),*) => {$(
        impl Fields for $ty {
            fn keys(&self) -> &'static [&'static str] {
                &["apiGroup", "kind", "name"]
            }

            fn field(_: &Node<Self>, this: &Self, key: &str) -> Option<Value> {
                match key {
                    "apiGroup" => str(&this.api_group),
                    "kind" => str(&this.kind),
                    "name" => str(&this.name),
                    _ => None,
                }
            }
        }
    )*};
}

group_kind_name!(RoleRef, Subject);
