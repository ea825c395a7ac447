//! From a checked configuration to the model.

use std::collections::BTreeMap;

use super::limits::Sizer;
use super::names;
use super::permissions::{self, Grant, Res, When};
use super::*;

mod config;

pub use config::{AdminConfig, Config, ExecutionConfig, Extras, Options, PodRoleConfig, ScientistConfig};

/// Builds the model. The configuration is already checked, so this cannot fail.
///
/// Each entry's pieces (roles, policies, access entry, RBAC, Pod Identity) are a function of the
/// entry and of what the spec shares (the prepared tables), appended in spec order; so a large
/// spec's teams are built in runs of neighbours, one per core, and appended run after run, and
/// the model is the same, name for name and in the same order, as one loop would build.
pub fn build(config: &Config) -> Model {
    build_in_runs_from(config, crate::par::SPREAD_FROM)
}

/// [`build`], in runs on every core from `parallel_teams` scientist teams on.
fn build_in_runs_from(config: &Config, parallel_teams: usize) -> Model {
    let b = Builder::new(config);
    let orchestrator = b.orchestrator;
    let exec_ids: Vec<RoleId> =
        config.execution_roles.iter().map(|e| names::role_id(RoleKind::Execution, &e.name)).collect();
    let eks = orchestrator == Orchestrator::Eks;
    // Each table is resolved against the spec once, not once per entry.
    let tables = Tables {
        admin: b.prepare(permissions::ADMIN),
        scientist: b.prepare(permissions::SCIENTIST),
        pod: b.prepare(permissions::POD),
        execution: b.prepare(permissions::EXECUTION),
        // Every team's Role holds the same rules.
        team_rules: b.rules(permissions::TEAM_ROLE_RULES),
    };

    let mut pieces = Pieces::default();
    for (i, admin) in config.admins.iter().enumerate() {
        b.admin(&mut pieces, (i, admin), &tables.admin, &exec_ids);
    }
    let teams = |start: usize, run: &[ScientistConfig]| {
        let mut pieces = Pieces::default();
        for (i, team) in run.iter().enumerate() {
            b.scientist(&mut pieces, (start + i, team), &tables);
        }
        pieces
    };
    if config.scientists.len() >= parallel_teams {
        for run in crate::par::map_runs_at(&config.scientists, teams) {
            pieces.append(run);
        }
    } else {
        pieces.append(teams(0, &config.scientists));
    }
    if eks && !config.scientists.is_empty() {
        b.cluster_rbac(&mut pieces.kubernetes);
    }
    for (i, exec) in config.execution_roles.iter().enumerate() {
        b.execution(&mut pieces, (i, exec), &tables.execution);
    }

    Model {
        name: config.name.clone(),
        orchestrator,
        target: config.target.clone(),
        cluster: Cluster { id: config.cluster_id.clone(), eks_cluster_name: config.eks_cluster_name.clone() },
        options: config.options,
        tags: config.tags.clone(),
        roles: pieces.roles,
        policies: pieces.policies,
        service_linked_role: config.options.service_linked_role.then(|| ServiceLinkedRole {
            aws_service_name: permissions::HYPERPOD_SERVICE.to_owned(),
            role_name: permissions::SERVICE_LINKED_ROLE_NAME.to_owned(),
            description: "Service-linked role of SageMaker HyperPod".to_owned(),
        }),
        access_entries: pieces.access_entries,
        pod_identity_associations: pieces.pod_identity_associations,
        kubernetes: eks.then_some(pieces.kubernetes),
    }
}

/// The persona tables of one spec, prepared once ([`Builder::prepare`]) and read by every entry.
struct Tables {
    admin: Vec<Row>,
    scientist: Vec<Row>,
    pod: Vec<Row>,
    execution: Vec<Row>,
    team_rules: Shared<PolicyRule>,
}

/// What some entries of a spec add to the model, each list in spec order.
#[derive(Default)]
struct Pieces {
    roles: Vec<Role>,
    policies: Vec<ManagedPolicy>,
    access_entries: Vec<AccessEntry>,
    pod_identity_associations: Vec<PodIdentityAssociation>,
    kubernetes: Kubernetes,
}

impl Pieces {
    /// Appends what the entries after these add.
    fn append(&mut self, mut next: Pieces) {
        self.roles.append(&mut next.roles);
        self.policies.append(&mut next.policies);
        self.access_entries.append(&mut next.access_entries);
        self.pod_identity_associations.append(&mut next.pod_identity_associations);
        let (k, next) = (&mut self.kubernetes, &mut next.kubernetes);
        k.namespaces.append(&mut next.namespaces);
        k.hyperpod_namespaces.append(&mut next.hyperpod_namespaces);
        k.service_accounts.append(&mut next.service_accounts);
        k.cluster_roles.append(&mut next.cluster_roles);
        k.cluster_role_bindings.append(&mut next.cluster_role_bindings);
        k.roles.append(&mut next.roles);
        k.role_bindings.append(&mut next.role_bindings);
    }
}

struct Builder<'a> {
    config: &'a Config,
    orchestrator: Orchestrator,
    /// The start of the ARNs that differ per entry, pinned once: `arn:P:iam::` (an account
    /// root), `arn:P:s3:::` (a bucket) and `arn:P:eks:R:A:access-entry/<eksClusterName>/role/A`
    /// (a role's own access entry). Appending literal text to a pinned text is pinning the whole.
    iam_prefix: Text,
    s3_prefix: Text,
    own_access_entry_prefix: Text,
}

impl<'a> Builder<'a> {
    fn new(config: &'a Config) -> Self {
        let mut b = Builder {
            config,
            orchestrator: config.orchestrator.unwrap_or(Orchestrator::Slurm),
            iam_prefix: Text::default(),
            s3_prefix: Text::default(),
            own_access_entry_prefix: Text::default(),
        };
        b.iam_prefix = b.arn("arn:{P}:iam::");
        b.s3_prefix = b.arn("arn:{P}:s3:::");
        b.own_access_entry_prefix = b.eks_arn("access-entry", [Part::Lit("/role/".to_owned()), Part::Account]);
        b
    }

    /// An admin's role and, on eks, its access entry.
    fn admin(&self, out: &mut Pieces, (i, admin): (usize, &AdminConfig), table: &[Row], exec_ids: &[RoleId]) {
        let config = self.config;
        let mut managed = Vec::new();
        if config.options.console_access {
            managed.push(self.aws_managed(permissions::CONSOLE_MANAGED_POLICY));
        }
        let statements = self.grants(table, &Scope { exec_ids, ..Scope::default() });
        let id = self.add_role(
            out,
            RoleKind::Admin,
            (&admin.name, format!("admins[{i}]")),
            ["HyperPod cluster admin ", &admin.name, " of ", &config.name].concat(),
            self.trust_accounts(&admin.trusted_principals),
            managed,
            statements,
            &admin.extras,
        );
        if self.orchestrator == Orchestrator::Eks {
            out.access_entries.push(AccessEntry {
                role: id,
                entry_type: AccessEntryType::Standard,
                kubernetes_groups: Vec::new(),
                access_policies: vec![AccessPolicy {
                    name: permissions::ADMIN_ACCESS_POLICY.to_owned(),
                    policy_arn: self
                        .arn(&format!("arn:{{P}}:eks::aws:cluster-access-policy/{}", permissions::ADMIN_ACCESS_POLICY)),
                    scope: AccessScope::Cluster,
                }],
            });
        }
    }

    /// A scientist team's role and, on eks, its access entry, RBAC and pod role.
    fn scientist(&self, out: &mut Pieces, (i, team): (usize, &ScientistConfig), tables: &Tables) {
        let config = self.config;
        let role_name = names::role_name_of(&config.name, &names::role_id(RoleKind::Scientist, &team.name));
        let statements = self.grants(&tables.scientist, &Scope { role_name: &role_name, ..Scope::default() });
        let id = self.add_role(
            out,
            RoleKind::Scientist,
            (&team.name, format!("scientists[{i}]")),
            ["HyperPod data scientist team ", &team.name, " of ", &config.name].concat(),
            self.trust_accounts(&team.trusted_principals),
            Vec::new(),
            statements,
            &team.extras,
        );
        let (true, Some(namespace)) = (self.orchestrator == Orchestrator::Eks, &team.namespace) else { return };
        let group = names::team_group(&config.name, &team.name);
        out.access_entries.push(AccessEntry {
            role: id,
            entry_type: AccessEntryType::Standard,
            kubernetes_groups: vec![group.clone(), names::scientists_group(&config.name)],
            access_policies: Vec::new(),
        });
        self.team_rbac(&mut out.kubernetes, (&team.name, namespace, &group), &tables.team_rules);
        let Some(pod) = &team.pod_role else { return };
        out.kubernetes.service_accounts.push(ServiceAccount {
            meta: ObjectMeta {
                name: pod.service_account.clone(),
                namespace: Some(namespace.clone()),
                labels: self.labels(Some(&team.name)),
            },
        });
        let statements = self.grants(&tables.pod, &Scope { buckets: &pod.s3_buckets, ..Scope::default() });
        let pod_id = self.add_role(
            out,
            RoleKind::Pod,
            (&team.name, format!("scientists[{i}].podRole")),
            format!(
                "Pods of team {} of {} (service account {}/{})",
                team.name, config.name, namespace, pod.service_account
            ),
            self.pod_trust(namespace, &pod.service_account),
            Vec::new(),
            statements,
            &pod.extras,
        );
        out.pod_identity_associations.push(PodIdentityAssociation {
            role: pod_id,
            namespace: namespace.clone(),
            service_account: pod.service_account.clone(),
        });
    }

    /// An execution role.
    fn execution(&self, out: &mut Pieces, (i, exec): (usize, &ExecutionConfig), table: &[Row]) {
        let statements = self.grants(table, &Scope { buckets: &exec.s3_buckets, ..Scope::default() });
        let groups = if exec.instance_groups.is_empty() {
            String::new()
        } else {
            format!(" (instance groups {})", exec.instance_groups.join(", "))
        };
        self.add_role(
            out,
            RoleKind::Execution,
            (&exec.name, format!("executionRoles[{i}]")),
            format!("HyperPod execution role {} of {}{groups}", exec.name, self.config.name),
            trust_service(&[permissions::SAGEMAKER_SERVICE], &["sts:AssumeRole"]),
            vec![self.aws_managed(permissions::EXECUTION_MANAGED_POLICY)],
            statements,
            &exec.extras,
        );
    }

    /// A table pattern with the spec's pinned values filled in.
    fn arn(&self, pattern: &str) -> Text {
        self.config.target.pin(&Text::pattern(pattern))
    }

    fn aws_managed(&self, name: &str) -> Text {
        self.arn(&format!("arn:{{P}}:iam::aws:policy/{name}"))
    }

    /// A user-given ARN: literal, except that an AWS managed policy written for the `aws`
    /// partition follows the deployment's partition when the spec pins none.
    fn user_arn(&self, arn: &str) -> Text {
        match arn.strip_prefix("arn:aws:iam::aws:") {
            Some(rest) if self.config.target.partition.is_none() => {
                let mut text = Text::lit("arn:");
                text.push(Part::Partition);
                text.push_str(":iam::aws:");
                text.push_str(rest);
                text
            }
            _ => Text::lit(arn),
        }
    }

    fn applies(&self, when: When) -> bool {
        let eks = self.orchestrator == Orchestrator::Eks;
        let options = &self.config.options;
        match when {
            When::Always => true,
            When::Eks => eks,
            When::CustomVpcOrEks => eks || options.custom_vpc,
            When::EksPodIdentity => eks && options.pod_identity,
            When::EksTaskGovernance => eks && options.task_governance,
            When::NodeAccess => !eks || options.node_access,
        }
    }

    /// `arn:P:eks:R:A:<kind>/<eksClusterName>` and then `tail`, the spec's pinned values filled in.
    fn eks_arn(&self, kind: &str, tail: impl IntoIterator<Item = Part>) -> Text {
        let mut t = Text::pattern(&format!("arn:{{P}}:eks:{{R}}:{{A}}:{kind}/"));
        t.push_str(self.config.eks_cluster_name.as_deref().unwrap_or("*"));
        for part in tail {
            t.push(part);
        }
        self.config.target.pin(&t)
    }

    fn resources(&self, res: Res, scope: &Scope<'_>) -> Vec<Text> {
        match res {
            Res::Any => vec![Text::lit("*")],
            Res::Arn(pattern) => vec![self.arn(pattern)],
            Res::Cluster => {
                let id = self.config.cluster_id.as_deref().unwrap_or("*");
                let mut t = self.arn("arn:{P}:sagemaker:{R}:{A}:cluster/");
                t.push_str(id);
                vec![t]
            }
            Res::EksCluster => vec![self.eks_arn("cluster", [])],
            Res::EksAccessEntries => vec![self.eks_arn("access-entry", [Part::Lit("/*".to_owned())])],
            Res::OwnAccessEntry => {
                let mut t = self.own_access_entry_prefix.clone();
                t.push_str(&["/", scope.role_name, "/*"].concat());
                vec![t]
            }
            Res::EksAddon(name) => {
                let tail = if name.is_empty() { "/*".to_owned() } else { format!("/{name}/*") };
                vec![self.eks_arn("addon", [Part::Lit(tail)])]
            }
            Res::ExecutionRoles => scope.exec_ids.iter().map(|id| Text(vec![Part::RoleArn(id.clone())])).collect(),
            Res::Buckets | Res::BucketObjects => scope
                .buckets
                .iter()
                .map(|bucket| {
                    let mut t = self.s3_prefix.clone();
                    t.push_str(bucket);
                    if res == Res::BucketObjects {
                        t.push_str("/*");
                    }
                    t
                })
                .collect(),
        }
    }

    /// The rows of a persona table that apply to this spec, each with what does not depend on
    /// the entry already built: the statement without its resources, every resource that is
    /// the same for all entries, and the statement's size when all of them are.
    fn prepare(&self, table: &'static [Grant]) -> Vec<Row> {
        let no_scope = Scope::default();
        let sizer = Sizer { spec_name: &self.config.name };
        table
            .iter()
            .filter(|g| self.applies(g.when))
            .map(|g| {
                let resources: Vec<Result<Vec<Text>, Res>> = g
                    .resources
                    .iter()
                    .map(|r| if r.depends_on_entry() { Err(*r) } else { Ok(self.resources(*r, &no_scope)) })
                    .collect();
                let mut row = Row { statement: self.statement(g), resources, fixed: None, size: None };
                if let Some(fixed) = row.resources.iter().map(|r| r.as_ref().ok()).collect::<Option<Vec<_>>>() {
                    let fixed: Shared<Text> = fixed.into_iter().flatten().cloned().collect();
                    let whole =
                        Statement { resources: Some(Resources::Resource(fixed.clone())), ..row.statement.clone() };
                    row.size = Some(sizer.statement_size(&whole));
                    row.fixed = Some(fixed);
                }
                row
            })
            .collect()
    }

    /// The statement of a table row, without its resources.
    fn statement(&self, g: &Grant) -> Statement {
        Statement {
            sid: Some(g.sid.to_owned()),
            effect: Effect::Allow,
            principal: None,
            actions: Actions::Action(g.actions.iter().map(|a| (*a).to_owned()).collect()),
            resources: None,
            conditions: g
                .condition
                .iter()
                .map(|(op, key, values)| Condition {
                    operator: (*op).to_owned(),
                    key: (*key).to_owned(),
                    values: values.iter().map(|v| Text::pattern(v)).collect(),
                })
                .collect(),
            waivers: g
                .waivers
                .iter()
                .map(|(check, reason)| Waiver { check: (*check).to_owned(), reason: (*reason).to_owned() })
                .collect(),
            origin: None,
        }
    }

    /// The statements of a prepared persona table for one entry. A row whose resource list
    /// comes out empty (no buckets) is left out.
    fn grants(&self, table: &[Row], scope: &Scope<'_>) -> Vec<(Statement, Option<usize>)> {
        table
            .iter()
            .filter_map(|row| {
                if let Some(fixed) = &row.fixed {
                    let resources = (!fixed.is_empty()).then(|| Resources::Resource(fixed.clone()));
                    return resources.map(|r| (Statement { resources: Some(r), ..row.statement.clone() }, row.size));
                }
                let mut resources: Vec<Text> = Vec::new();
                for r in &row.resources {
                    match r {
                        Ok(fixed) => resources.extend(fixed.iter().cloned()),
                        Err(res) => resources.extend(self.resources(*res, scope)),
                    }
                }
                if resources.is_empty() {
                    return None;
                }
                Some((
                    Statement { resources: Some(Resources::Resource(resources.into())), ..row.statement.clone() },
                    row.size,
                ))
            })
            .collect()
    }

    /// Trust for people: each entry is a role, user or account-root ARN, or an account id.
    fn trust_accounts(&self, principals: &[String]) -> PolicyDocument {
        let arns = principals
            .iter()
            .map(|p| {
                if p.len() == 12 && p.bytes().all(|b| b.is_ascii_digit()) {
                    let mut t = self.iam_prefix.clone();
                    t.push_str(p);
                    t.push_str(":root");
                    t
                } else {
                    Text::lit(p.as_str())
                }
            })
            .collect();
        trust("TrustedPrincipals", Principal::Aws(arns), &["sts:AssumeRole"])
    }

    /// Trust for a pod role: EKS Pod Identity, only for its cluster, namespace and service account.
    fn pod_trust(&self, namespace: &str, service_account: &str) -> PolicyDocument {
        let mut doc = trust_service(&[permissions::POD_IDENTITY_SERVICE], &["sts:AssumeRole", "sts:TagSession"]);
        let eks_name = self.config.eks_cluster_name.as_deref().unwrap_or_default();
        for statement in &mut doc.statements {
            statement.conditions = [
                (permissions::POD_IDENTITY_CLUSTER_TAG, eks_name),
                (permissions::POD_IDENTITY_NAMESPACE_TAG, namespace),
                (permissions::POD_IDENTITY_SERVICE_ACCOUNT_TAG, service_account),
            ]
            .into_iter()
            .map(|(key, value)| Condition {
                operator: "StringEquals".to_owned(),
                key: key.to_owned(),
                values: vec![Text::lit(value)],
            })
            .collect();
        }
        doc
    }

    #[allow(clippy::too_many_arguments)]
    fn add_role(
        &self,
        out: &mut Pieces,
        kind: RoleKind,
        (entry, origin): (&str, String),
        description: String,
        trust: PolicyDocument,
        mut managed: Vec<Text>,
        mut statements: Vec<(Statement, Option<usize>)>,
        extras: &Extras,
    ) -> RoleId {
        let id = names::role_id(kind, entry);
        let role_name = names::role_name_of(&self.config.name, &id);
        managed.extend(extras.managed_policy_arns.iter().map(|arn| self.user_arn(arn)));
        statements.extend(extras.statements.iter().map(|s| (self.pin_statement(s), None)));
        // One customer managed policy per role, split when it would pass IAM's size limit.
        let chunks = Sizer { spec_name: &self.config.name }.split_known(statements);
        let count = chunks.len();
        for (i, statements) in chunks.into_iter().enumerate() {
            let suffix = if i == 0 { String::new() } else { format!("-{}", i + 1) };
            let part = if count == 1 { String::new() } else { format!(" ({} of {count})", i + 1) };
            out.policies.push(ManagedPolicy {
                id: [id.0.as_str(), &suffix].concat(),
                policy_name: [role_name.as_str(), "-policy", &suffix].concat(),
                description: ["Permissions of ", &role_name, &part].concat(),
                document: PolicyDocument { statements },
                roles: vec![id.clone()],
            });
        }
        out.roles.push(Role {
            id: id.clone(),
            kind,
            entry: entry.to_owned(),
            origin,
            role_name,
            description,
            trust,
            managed_policy_arns: managed,
            permissions_boundary: self.config.permissions_boundary.as_deref().map(Text::lit),
        });
        id
    }

    fn pin_statement(&self, s: &Statement) -> Statement {
        let pin = |list: &[Text]| list.iter().map(|t| self.config.target.pin(t)).collect::<Vec<_>>();
        Statement {
            resources: s.resources.as_ref().map(|r| match r {
                Resources::Resource(v) => Resources::Resource(pin(v).into()),
                Resources::NotResource(v) => Resources::NotResource(pin(v).into()),
            }),
            conditions: s.conditions.iter().map(|c| Condition { values: pin(&c.values), ..c.clone() }).collect(),
            ..s.clone()
        }
    }

    fn labels(&self, team: Option<&str>) -> BTreeMap<String, String> {
        let mut labels = BTreeMap::from([
            ("app.kubernetes.io/managed-by".to_owned(), "hyperpod-iam".to_owned()),
            ("app.kubernetes.io/part-of".to_owned(), self.config.name.clone()),
        ]);
        if let Some(team) = team {
            labels.insert("hyperpod-iam/team".to_owned(), team.to_owned());
        }
        labels
    }

    fn team_rbac(&self, k: &mut Kubernetes, (team, namespace, group): (&str, &str, &str), rules: &Shared<PolicyRule>) {
        let name = names::team_group(&self.config.name, team);
        let meta = |ns: Option<&str>| ObjectMeta {
            name: name.clone(),
            namespace: ns.map(str::to_owned),
            labels: self.labels(Some(team)),
        };
        if self.config.options.task_governance && namespace.starts_with(names::HYPERPOD_NAMESPACE_PREFIX) {
            k.hyperpod_namespaces.push(namespace.to_owned());
        } else {
            k.namespaces.push(Namespace {
                meta: ObjectMeta { name: namespace.to_owned(), namespace: None, labels: self.labels(Some(team)) },
            });
        }
        k.roles.push(RbacRole { meta: meta(Some(namespace)), rules: rules.clone() });
        k.role_bindings.push(RoleBinding {
            meta: meta(Some(namespace)),
            role_ref: role_ref("Role", &name),
            subjects: vec![group_subject(group)],
        });
    }

    /// The rows of an RBAC table that apply to this spec.
    fn rules(&self, table: &[permissions::Rule]) -> Shared<PolicyRule> {
        table
            .iter()
            .filter(|rule| self.applies(rule.when))
            .map(|rule| PolicyRule {
                api_groups: vec![rule.api_group.to_owned()],
                resources: strings(rule.resources),
                resource_names: strings(rule.resource_names),
                verbs: strings(rule.verbs),
            })
            .collect()
    }

    fn cluster_rbac(&self, k: &mut Kubernetes) {
        let name = names::cluster_read_role(&self.config.name);
        let meta = ObjectMeta { name: name.clone(), namespace: None, labels: self.labels(None) };
        k.cluster_roles.push(RbacRole { meta: meta.clone(), rules: self.rules(permissions::CLUSTER_READ_RULES) });
        k.cluster_role_bindings.push(RoleBinding {
            meta,
            role_ref: role_ref("ClusterRole", &name),
            subjects: vec![group_subject(&names::scientists_group(&self.config.name))],
        });
    }
}

/// A row of a persona table, prepared for one spec ([`Builder::prepare`]).
struct Row {
    /// Without resources.
    statement: Statement,
    /// Each resource of the row: built already, or to build for each entry.
    resources: Vec<Result<Vec<Text>, Res>>,
    /// All of them, when none depends on the entry: every entry's statement shares the list.
    fixed: Option<Shared<Text>>,
    /// The statement's size ([`Sizer::statement_size`]) when no resource depends on the entry.
    size: Option<usize>,
}

impl Res {
    /// Whether the resource differs from one entry of a persona to another.
    fn depends_on_entry(self) -> bool {
        matches!(self, Res::OwnAccessEntry | Res::ExecutionRoles | Res::Buckets | Res::BucketObjects)
    }
}

const RBAC_API_GROUP: &str = "rbac.authorization.k8s.io";

/// What a persona table's rows are resolved against, beside the spec itself.
#[derive(Default)]
struct Scope<'a> {
    /// The entry's `s3Buckets`.
    buckets: &'a [String],
    /// Every execution role of the spec (admins pass them).
    exec_ids: &'a [RoleId],
    /// The IAM name of the role being built (its own access entry).
    role_name: &'a str,
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

fn role_ref(kind: &str, name: &str) -> RoleRef {
    RoleRef { api_group: RBAC_API_GROUP.to_owned(), kind: kind.to_owned(), name: name.to_owned() }
}

fn group_subject(name: &str) -> Subject {
    Subject { api_group: RBAC_API_GROUP.to_owned(), kind: "Group".to_owned(), name: name.to_owned() }
}

/// Trust for AWS services.
fn trust_service(services: &[&str], actions: &[&str]) -> PolicyDocument {
    let principal = Principal::Service(services.iter().map(|s| (*s).to_owned()).collect());
    trust("TrustedService", principal, actions)
}

/// A trust policy of one statement.
fn trust(sid: &str, principal: Principal, actions: &[&str]) -> PolicyDocument {
    PolicyDocument {
        statements: vec![Statement {
            sid: Some(sid.to_owned()),
            effect: Effect::Allow,
            principal: Some(principal),
            actions: Actions::Action(actions.iter().map(|a| (*a).to_owned()).collect()),
            resources: None,
            conditions: Vec::new(),
            waivers: Vec::new(),
            origin: None,
        }],
    }
}

#[cfg(test)]
mod tests;
