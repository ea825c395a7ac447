//! Admins, scientists and execution roles: their names, principals, namespaces, pod roles,
//! buckets and instance groups.

use std::collections::{BTreeMap, BTreeSet};

use serde_saphyr::Spanned;

use crate::check::{Code, Diagnostics};
use crate::model::{self, RoleKind, names};

use super::super::format::{
    NAMESPACE_MAX, RESERVED_NAMESPACES, ROLE_NAME_MAX, is_bucket_name, is_dns_label, is_dns_subdomain,
    is_instance_group_name, is_spec_name, policy_arn_partition, principal_partition,
};
use super::super::parse::at;
use super::super::schema::{S, ScientistSpec, SpecFile};
use super::{Context, SourceMap, Validator};

/// Entry names seen so far, per kind: for duplicates (name → the path of its entry) and
/// logical-id collisions (logical id → name). The names are the spec's own.
#[derive(Default)]
pub(super) struct EntryNames<'f> {
    names: BTreeMap<&'static str, BTreeMap<&'f str, String>>,
    logical: BTreeMap<&'static str, BTreeMap<String, &'f str>>,
}

type Roles = (Vec<model::AdminConfig>, Vec<model::ScientistConfig>, Vec<model::ExecutionConfig>);

impl Validator {
    /// Every role entry of the spec.
    pub(super) fn roles(&mut self, f: &SpecFile, cx: &Context<'_>) -> Roles {
        if f.admins.value.is_empty() {
            self.error(Code::MissingKey, "admins", at(&f.admins), "at least one admin is required");
        }
        if f.execution_roles.value.is_empty() {
            let message = "at least one execution role is required";
            self.error(Code::MissingKey, "executionRoles", at(&f.execution_roles), message);
        }
        let mut entries = EntryNames::default();
        let admins = f
            .admins
            .value
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let path = format!("admins[{i}]");
                self.entry_name(&mut entries, cx.spec_name, RoleKind::Admin, &path, &a.name);
                model::AdminConfig {
                    name: a.name.value.clone(),
                    trusted_principals: self.principals(&path, &a.trusted_principals, cx.partition),
                    extras: self.extras(&path, &a.managed_policy_arns, &a.extra_statements, cx.partition),
                }
            })
            .collect();
        let mut namespaces = BTreeMap::new();
        let in_runs = if f.scientists.len() >= self.parallel_teams { self.scientists_in_runs(f, cx) } else { None };
        let scientists = in_runs.unwrap_or_else(|| {
            f.scientists
                .iter()
                .enumerate()
                .map(|(i, s)| self.scientist(i, s, cx, &mut entries, &mut namespaces))
                .collect()
        });
        let execution_roles = f
            .execution_roles
            .value
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let path = format!("executionRoles[{i}]");
                self.entry_name(&mut entries, cx.spec_name, RoleKind::Execution, &path, &e.name);
                self.instance_groups(&path, &e.instance_groups);
                model::ExecutionConfig {
                    name: e.name.value.clone(),
                    instance_groups: e.instance_groups.iter().map(|g| g.value.clone()).collect(),
                    s3_buckets: self.buckets(&path, &e.s3_buckets),
                    extras: self.extras(&path, &e.managed_policy_arns, &e.extra_statements, cx.partition),
                }
            })
            .collect();
        (admins, scientists, execution_roles)
    }

    /// The scientist teams checked and converted in runs of neighbours, one per core, when no
    /// team has a finding and no two teams share a name, a resource name or a namespace (a
    /// large spec without a mistake); else `None`, and the teams are checked one after the
    /// other, so that every finding is reported as that loop reports it. The names, resource
    /// names and namespaces of the scientists are checked against each other only (those of
    /// admins and execution roles are of other kinds).
    fn scientists_in_runs(&mut self, f: &SpecFile, cx: &Context<'_>) -> Option<Vec<model::ScientistConfig>> {
        let runs = crate::par::map_runs_at(&f.scientists, |start, run| {
            let mut v = Validator {
                diags: Diagnostics::default(),
                locations: SourceMap::new(),
                raw: self.raw.clone(),
                keys: self.keys.clone(),
                parallel_teams: self.parallel_teams,
            };
            let (mut entries, mut namespaces) = (EntryNames::default(), BTreeMap::new());
            let teams: Vec<_> = run
                .iter()
                .enumerate()
                .map(|(i, s)| v.scientist(start + i, s, cx, &mut entries, &mut namespaces))
                .collect();
            let clean = v.diags.is_empty();
            clean.then_some((teams, v.locations, entries, namespaces))
        });
        let mut runs = runs.into_iter().collect::<Option<Vec<_>>>()?;
        // Each run's names are distinct; the runs' together are when no key is lost in the union.
        let (mut names, mut logical, mut namespaces) = (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
        let mut count = [0; 3];
        for (_, _, entries, spaces) in &mut runs {
            let kind = RoleKind::Scientist.word();
            let mut run_names = entries.names.remove(kind).unwrap_or_default();
            let mut run_logical = entries.logical.remove(kind).unwrap_or_default();
            count = [count[0] + run_names.len(), count[1] + run_logical.len(), count[2] + spaces.len()];
            // Merged as sorted lists (linear), not key by key.
            names.append(&mut run_names);
            logical.append(&mut run_logical);
            namespaces.append(spaces);
        }
        if count != [names.len(), logical.len(), namespaces.len()] {
            return None;
        }
        let mut teams = Vec::with_capacity(f.scientists.len());
        for (run, mut locations, _, _) in runs {
            teams.extend(run);
            self.locations.append(&mut locations);
        }
        Some(teams)
    }

    fn scientist<'f>(
        &mut self,
        i: usize,
        s: &'f ScientistSpec,
        cx: &Context<'_>,
        entries: &mut EntryNames<'f>,
        namespaces: &mut BTreeMap<String, String>,
    ) -> model::ScientistConfig {
        let path = format!("scientists[{i}]");
        self.entry_name(entries, cx.spec_name, RoleKind::Scientist, &path, &s.name);
        let trusted_principals = self.principals(&path, &s.trusted_principals, cx.partition);
        if cx.slurm {
            if let Some(ns) = &s.namespace {
                self.error(Code::NotForOrchestrator, format!("{path}.namespace"), at(ns), "`namespace` is for eks");
            }
            if let Some(p) = &s.pod_role {
                let message = "`podRole` is for eks (Pod Identity)";
                self.error(Code::NotForOrchestrator, format!("{path}.podRole"), at(p), message);
            }
        }
        let namespace = cx.eks.then(|| self.namespace(&path, s, namespaces));
        let pod_role = s.pod_role.as_ref().filter(|_| cx.eks).map(|p| self.pod_role(&path, p, cx));
        let extras = self.extras(&path, &s.managed_policy_arns, &s.extra_statements, cx.partition);
        model::ScientistConfig { name: s.name.value.clone(), trusted_principals, namespace, pod_role, extras }
    }

    fn pod_role(
        &mut self,
        path: &str,
        p: &Spanned<super::super::schema::PodRoleSpec>,
        cx: &Context<'_>,
    ) -> model::PodRoleConfig {
        let pp = format!("{path}.podRole");
        // The pod role takes the team's name, checked above; its role name (`<name>-pod-<x>`) is
        // shorter than the team's (`<name>-scientist-<x>`).
        self.locate(&pp, at(p));
        let sa = &p.value.service_account;
        if !is_dns_subdomain(&sa.value) {
            self.invalid(
                format!("{pp}.serviceAccount"),
                sa,
                "expected a Kubernetes name: lowercase letters, digits, `-` and `.`, at most 253",
            );
        }
        model::PodRoleConfig {
            service_account: sa.value.clone(),
            s3_buckets: self.buckets(&pp, &p.value.s3_buckets),
            extras: self.extras(&pp, &p.value.managed_policy_arns, &p.value.extra_statements, cx.partition),
        }
    }

    fn instance_groups(&mut self, path: &str, list: &[S]) {
        let mut groups = BTreeSet::new();
        for (j, g) in list.iter().enumerate() {
            let gp = format!("{path}.instanceGroups[{j}]");
            if !is_instance_group_name(&g.value) {
                self.invalid(
                    &gp,
                    g,
                    "expected 1 to 63 letters, digits and hyphens, starting and ending with a letter or digit",
                );
            } else if !groups.insert(g.value.clone()) {
                self.error(Code::Duplicate, gp, at(g), format!("instance group `{}` is listed twice", g.value));
            }
        }
    }
    fn entry_name<'f>(&mut self, entries: &mut EntryNames<'f>, spec: &str, kind: RoleKind, path: &str, name: &'f S) {
        self.locate(path, at(name));
        // Written only for a finding.
        let field = || [path, ".name"].concat();
        let value = name.value.as_str();
        if !is_spec_name(value) {
            self.invalid(
                field(),
                name,
                "expected a lowercase letter, then lowercase letters, digits and single hyphens, not ending in a hyphen",
            );
            return;
        }
        let length = names::role_name_len(spec, kind, value);
        if length > ROLE_NAME_MAX {
            let role_name = names::role_name(spec, kind, value);
            let message = format!("role name `{role_name}` is {length} characters; IAM allows at most {ROLE_NAME_MAX}");
            self.error(Code::TooLong, field(), at(name), message);
        }
        let seen = entries.names.entry(kind.word()).or_default();
        if let Some(first) = seen.get(value) {
            self.error(Code::Duplicate, field(), at(name), format!("`{value}` is already the name of {first}"));
            return;
        }
        let pascal = names::pascal(value);
        let logical = entries.logical.entry(kind.word()).or_default();
        if let Some(other) = logical.get(&pascal) {
            self.error(
                Code::NameCollision,
                field(),
                at(name),
                format!("`{value}` and `{other}` would both become the resource name `{pascal}`; rename one"),
            );
        }
        logical.insert(pascal, value);
        seen.insert(value, path.to_owned());
    }

    pub(super) fn namespace(&mut self, path: &str, s: &ScientistSpec, seen: &mut BTreeMap<String, String>) -> String {
        let field = format!("{path}.namespace");
        let (value, location) = match &s.namespace {
            Some(ns) => (ns.value.clone(), at(ns)),
            None => {
                let value = names::default_namespace(&s.name.value);
                if !is_spec_name(&s.name.value) {
                    // The name's own error says it; a second one about its default would repeat it.
                    return value;
                }
                if value.len() > NAMESPACE_MAX {
                    // Only a one-letter spec `name` leaves room for a team name this long.
                    self.error(
                        Code::TooLong,
                        field,
                        at(&s.name),
                        format!(
                            "the default namespace `{value}` is {} characters; Kubernetes allows at most \
                             {NAMESPACE_MAX}: set `namespace`",
                            value.len()
                        ),
                    );
                    return value;
                }
                (value, at(&s.name))
            }
        };
        if !is_dns_label(&value) {
            self.error(
                Code::InvalidValue,
                field,
                location,
                format!("`{value}` is not a valid namespace: expected lowercase letters, digits and `-`, at most 63, starting and ending with a letter or digit"),
            );
        } else if RESERVED_NAMESPACES.contains(&value.as_str()) {
            self.error(
                Code::InvalidValue,
                field,
                location,
                format!("`{value}` is a reserved namespace; give the team its own"),
            );
        } else if value.starts_with("kube-") {
            self.error(
                Code::InvalidValue,
                field,
                location,
                format!("`{value}` starts with `kube-`, which Kubernetes reserves for its system namespaces"),
            );
        } else if let Some(other) = seen.get(&value) {
            self.error(
                Code::Duplicate,
                field,
                location,
                format!("namespace `{value}` is already the namespace of {other}"),
            );
        } else {
            seen.insert(value.clone(), path.to_owned());
        }
        value
    }

    pub(super) fn principals(&mut self, path: &str, list: &Spanned<Vec<S>>, partition: Option<&str>) -> Vec<String> {
        let field = format!("{path}.trustedPrincipals");
        if list.value.is_empty() {
            self.error(Code::MissingKey, field.clone(), at(list), "at least one trusted principal is required");
        }
        let mut seen = BTreeSet::new();
        for (i, p) in list.value.iter().enumerate() {
            let fp = format!("{field}[{i}]");
            self.locate(&fp, at(p));
            match principal_partition(&p.value) {
                Some(arn_partition) => {
                    self.partition_matches(&fp, p, arn_partition, partition);
                    if !seen.insert(p.value.clone()) {
                        self.error(Code::Duplicate, fp, at(p), format!("`{}` is listed twice", p.value));
                    }
                }
                None => self.invalid(
                    fp,
                    p,
                    "expected an IAM role or user ARN, an account root ARN (`arn:aws:iam::111122223333:root`) or a 12-digit account id",
                ),
            }
        }
        list.value.iter().map(|p| p.value.clone()).collect()
    }

    pub(super) fn partition_matches(&mut self, path: &str, s: &S, arn_partition: &str, partition: Option<&str>) {
        if let (Some(p), false) = (partition, arn_partition.is_empty())
            && p != arn_partition
        {
            self.error(
                Code::InvalidValue,
                path,
                at(s),
                format!("`{}` is in partition `{arn_partition}`, but the spec says `{p}`", s.value),
            );
        }
    }

    pub(super) fn policy_arn(&mut self, path: &str, s: &S, partition: Option<&str>) {
        match policy_arn_partition(&s.value) {
            Some(p) => self.partition_matches(path, s, p, partition),
            None => self.invalid(path, s, "expected a managed policy ARN (`arn:aws:iam::111122223333:policy/Name`)"),
        }
    }

    pub(super) fn buckets(&mut self, path: &str, list: &[S]) -> Vec<String> {
        let mut seen = BTreeSet::new();
        for (i, b) in list.iter().enumerate() {
            let bp = format!("{path}.s3Buckets[{i}]");
            if !is_bucket_name(&b.value) {
                self.invalid(bp, b, "expected an S3 bucket name: 3 to 63 lowercase letters, digits, `.` and `-`");
            } else if !seen.insert(b.value.clone()) {
                self.error(Code::Duplicate, bp, at(b), format!("bucket `{}` is listed twice", b.value));
            }
        }
        list.iter().map(|b| b.value.clone()).collect()
    }
}
