//! The fuel limit of a template: how much work one file's template may do on a model.

use crate::model::{AccessScope, ObjectMeta, PolicyDocument, Principal, RbacRole, RoleBinding, Text};

use super::ModelDocument;

/// How much work one file's template may do, in minijinja's fuel (about one unit per
/// instruction): a base, and more per value of the model document ([`document_values`]), so that a spec of
/// thousands of teams renders and a template that loops for ever stops within a second. The
/// built-in templates use at most a tenth of it on every example (a test measures it).
///
/// The model's size is counted in values, not in bytes of its JSON: a template's work grows
/// with the items it walks (roles, statements, actions, parts of texts), not with the length of
/// their strings, and counting values takes a walk over the model's lists, where measuring the
/// JSON took serializing the whole document (a twentieth of a render at 1,000 teams). A value
/// stands for 22 to 32 bytes of the document's JSON on every example (a test checks it), so
/// `PER_VALUE` is the former 20 per byte times 25: the limit is what it was.
pub fn fuel_limit(values: usize) -> u64 {
    const BASE: u64 = 200_000;
    const PER_VALUE: u64 = 500;
    BASE.saturating_add(PER_VALUE.saturating_mul(values as u64))
}

/// The number of values of a model document a template can reach: every string, list item
/// and part of a text of its roles, policies, access entries, Pod Identity associations and
/// Kubernetes objects, each of those objects, and the access levels. The small fixed parts
/// (target, cluster, options, tags) count as one each.
pub fn document_values(document: &ModelDocument<'_>) -> usize {
    let model = document.model;
    let roles: usize = model
        .roles
        .iter()
        .map(|r| {
            6 + policy_document(&r.trust)
                + texts(&r.managed_policy_arns)
                + r.permissions_boundary.as_ref().map_or(1, text)
        })
        .sum();
    let policies: usize = model.policies.iter().map(|p| 4 + policy_document(&p.document) + p.roles.len()).sum();
    let entries: usize = model
        .access_entries
        .iter()
        .map(|e| {
            let policies: usize = e
                .access_policies
                .iter()
                .map(|p| {
                    let namespaces = match &p.scope {
                        AccessScope::Cluster => 0,
                        AccessScope::Namespace(ns) => ns.len(),
                    };
                    3 + text(&p.policy_arn) + namespaces
                })
                .sum();
            3 + e.kubernetes_groups.len() + policies
        })
        .sum();
    let associations = 4 * model.pod_identity_associations.len();
    let kubernetes = model.kubernetes.as_ref().map_or(1, |k| {
        let rbac_roles = |roles: &[RbacRole]| -> usize {
            roles
                .iter()
                .map(|r| {
                    let rules: usize = r
                        .rules
                        .iter()
                        .map(|rule| {
                            4 + rule.api_groups.len()
                                + rule.resources.len()
                                + rule.resource_names.len()
                                + rule.verbs.len()
                        })
                        .sum();
                    1 + meta(&r.meta) + rules
                })
                .sum()
        };
        let bindings = |bindings: &[RoleBinding]| -> usize {
            bindings.iter().map(|b| 5 + meta(&b.meta) + 4 * b.subjects.len()).sum()
        };
        let metas = k.namespaces.iter().map(|n| &n.meta).chain(k.service_accounts.iter().map(|s| &s.meta));
        7 + metas.map(|m| 1 + meta(m)).sum::<usize>()
            + k.hyperpod_namespaces.len()
            + rbac_roles(&k.cluster_roles)
            + rbac_roles(&k.roles)
            + bindings(&k.cluster_role_bindings)
            + bindings(&k.role_bindings)
    });
    let fixed = 8 + model.service_linked_role.as_ref().map_or(1, |_| 3);
    fixed + roles + policies + entries + associations + kubernetes + 2 * document.access_levels.len()
}

/// A text: its parts (at least one value, for an empty text).
fn text(t: &Text) -> usize {
    t.0.len().max(1)
}

fn texts(ts: &[Text]) -> usize {
    ts.iter().map(text).sum()
}

fn policy_document(d: &PolicyDocument) -> usize {
    d.statements
        .iter()
        .map(|s| {
            let principal = s.principal.as_ref().map_or(1, |p| match p {
                Principal::Service(v) => v.len(),
                Principal::Aws(v) => texts(v),
            });
            let resources = s.resources.as_ref().map_or(1, |r| texts(r.list()));
            let conditions: usize = s.conditions.iter().map(|c| 2 + texts(&c.values)).sum();
            6 + principal + s.actions.list().len() + resources + conditions + 2 * s.waivers.len()
        })
        .sum()
}

fn meta(m: &ObjectMeta) -> usize {
    3 + 2 * m.labels.len()
}
