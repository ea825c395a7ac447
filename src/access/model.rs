//! From the in-memory model to the engine's input, for one concrete deployment: what `can`
//! answers from before anything is rendered.

use std::collections::BTreeMap;

use super::iam::{Condition, Items, Policy, Principals, Statement};
use super::kube::{Binding, Rbac, RbacRole, Rule, Subject};
use super::{AccessEntry, AccessPolicy, AccessScope, Deployment, Environment, PodIdentity, RoleAccess};
use crate::model::{self, Model, Resolver, Shared, Text};

/// Each list the model shares, converted once and shared in turn: found by the address of the
/// list (every holder of one [`Shared`] holds the same list, so it converts the same). The model
/// is borrowed while the memo lives, so no address is reused for another list.
struct Once<T>(BTreeMap<usize, Shared<T>>);

impl<T: Clone> Once<T> {
    fn new() -> Self {
        Once(BTreeMap::new())
    }

    fn of<S>(&mut self, list: &Shared<S>, convert: impl FnOnce(&[S]) -> Vec<T>) -> Shared<T> {
        let address = std::ptr::from_ref::<Vec<S>>(list) as usize;
        self.0.entry(address).or_insert_with(|| convert(list).into()).clone()
    }
}

impl Deployment {
    /// The deployment of `model` in `env`; the spec's own partition, region and account win over
    /// `env` where it pins them. Texts that name a role the model does not create resolve to
    /// nothing and are left out (the model never holds one: its builder makes both).
    pub fn from_model(model: &Model, env: &Environment) -> Deployment {
        let env = Environment {
            partition: model.target.partition.clone().unwrap_or_else(|| env.partition.clone()),
            region: model.target.region.clone().unwrap_or_else(|| env.region.clone()),
            account: model.target.account.clone().unwrap_or_else(|| env.account.clone()),
        };
        let names = model.role_names();
        let resolver =
            Resolver { partition: &env.partition, region: &env.region, account: &env.account, role_names: &names };
        let text = |t: &Text| t.resolve(&resolver);
        let texts = |list: &[Text]| list.iter().filter_map(text).collect::<Vec<_>>();
        let index = model.index();
        let mut resources = Once::new();
        let mut out = Deployment::default();
        for role in &model.roles {
            let arn = env.role_arn(&role.role_name);
            let policies = index
                .policies_of(&role.id)
                .iter()
                .map(|p| policy(&p.document, format!("policy {}", p.policy_name), &texts, &mut resources))
                .collect();
            out.roles.insert(
                role.role_name.clone(),
                RoleAccess {
                    name: role.role_name.clone(),
                    arn: arn.clone(),
                    trust: policy(&role.trust, format!("role {} trust policy", role.role_name), &texts, &mut resources),
                    policies,
                    managed_policy_arns: texts(&role.managed_policy_arns),
                    permissions_boundary: role.permissions_boundary.as_ref().and_then(text),
                },
            );
            for entry in index.access_entries_of(&role.id) {
                let access_policies = entry
                    .access_policies
                    .iter()
                    .filter_map(|p| {
                        Some(AccessPolicy {
                            policy_arn: text(&p.policy_arn)?,
                            scope: match &p.scope {
                                model::AccessScope::Cluster => AccessScope::Cluster,
                                model::AccessScope::Namespace(list) => AccessScope::Namespaces(list.clone()),
                            },
                        })
                    })
                    .collect();
                out.access_entries.insert(
                    arn.clone(),
                    AccessEntry {
                        source: format!("of {} in the model", role.role_name),
                        cluster: model.cluster.eks_cluster_name.clone().unwrap_or_default(),
                        principal_arn: arn.clone(),
                        kubernetes_groups: entry.kubernetes_groups.clone(),
                        access_policies,
                    },
                );
            }
            for assoc in index.pod_identity_of(&role.id) {
                out.pod_identities.push(PodIdentity {
                    cluster: model.cluster.eks_cluster_name.clone().unwrap_or_default(),
                    namespace: assoc.namespace.clone(),
                    service_account: assoc.service_account.clone(),
                    role_arn: arn.clone(),
                });
            }
        }
        out.rbac = model.kubernetes.as_ref().map(rbac);
        out
    }
}

/// `resources`: the resource lists the model shares, resolved once.
fn policy(
    doc: &model::PolicyDocument,
    source: String,
    texts: &dyn Fn(&[Text]) -> Vec<String>,
    resources: &mut Once<String>,
) -> Policy {
    let statements = doc
        .statements
        .iter()
        .map(|s| Statement {
            sid: s.sid.clone(),
            effect: s.effect,
            principal: s.principal.as_ref().map(|p| match p {
                model::Principal::Service(list) => Principals { services: list.clone(), ..Principals::default() },
                model::Principal::Aws(list) => {
                    let aws = texts(list);
                    Principals { anyone: aws.iter().any(|a| a == "*"), aws, ..Principals::default() }
                }
            }),
            actions: match &s.actions {
                model::Actions::Action(list) => Items::Is(list.clone()),
                model::Actions::NotAction(list) => Items::Not(list.clone()),
            },
            resources: s.resources.as_ref().map(|r| match r {
                model::Resources::Resource(list) => Items::Is(resources.of(list, texts)),
                model::Resources::NotResource(list) => Items::Not(resources.of(list, texts)),
            }),
            conditions: s
                .conditions
                .iter()
                .map(|c| Condition { operator: c.operator.clone(), key: c.key.clone(), values: texts(&c.values) })
                .collect(),
        })
        .collect();
    Policy { source, statements }
}

fn rbac(k: &model::Kubernetes) -> Rbac {
    // Every team's Role shares its rules in the model: converted once.
    let mut rules = Once::new();
    let role = |r: &model::RbacRole| RbacRole {
        name: r.meta.name.clone(),
        namespace: r.meta.namespace.clone(),
        rules: rules.of(&r.rules, |list| {
            list.iter()
                .map(|rule| {
                    // Destructured so that a field added to the model's rule fails to compile here
                    // until the engine reads it too.
                    let model::PolicyRule { api_groups, resources, resource_names, verbs } = rule;
                    Rule {
                        api_groups: api_groups.clone(),
                        resources: resources.clone(),
                        resource_names: resource_names.clone(),
                        verbs: verbs.clone(),
                        ..Rule::default()
                    }
                })
                .collect()
        }),
    };
    let binding = |b: &model::RoleBinding| Binding {
        name: b.meta.name.clone(),
        namespace: b.meta.namespace.clone(),
        role_kind: b.role_ref.kind.clone(),
        role_name: b.role_ref.name.clone(),
        subjects: b
            .subjects
            .iter()
            .filter_map(|s| match s.kind.as_str() {
                "Group" => Some(Subject::Group(s.name.clone())),
                "User" => Some(Subject::User(s.name.clone())),
                _ => None,
            })
            .collect(),
    };
    // Destructured, as the rules are: a kind of object added to the model must be read here too.
    let model::Kubernetes {
        namespaces,
        hyperpod_namespaces: _,
        service_accounts,
        cluster_roles,
        cluster_role_bindings,
        roles,
        role_bindings,
    } = k;
    Rbac {
        roles: cluster_roles.iter().chain(roles).map(role).collect(),
        bindings: cluster_role_bindings.iter().chain(role_bindings).map(binding).collect(),
        namespaces: namespaces.iter().map(|n| n.meta.name.clone()).collect(),
        service_accounts: service_accounts
            .iter()
            .map(|sa| (sa.meta.namespace.clone().unwrap_or_default(), sa.meta.name.clone()))
            .collect(),
        source: "the model's RBAC".to_owned(),
    }
}
