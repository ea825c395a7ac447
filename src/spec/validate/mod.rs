//! Validation and conversion, section by section: every constraint is checked and every error
//! collected (none stops the others), and the model's [`Config`] is built alongside. A config
//! built from a spec with an error is thrown away by the caller.
//!
//! - this file: the top-level keys (name, orchestrator, target, cluster, options, tags) and the
//!   acknowledgements;
//! - [`roles`]: admins, scientists, execution roles, their names and principals;
//! - [`statements`]: `managedPolicyArns` and `extraStatements`.

mod roles;
mod statements;

use std::collections::BTreeMap;

use serde_saphyr::Spanned;

use crate::check::ack::Acknowledgement;
use crate::check::{Code, Diagnostic, Diagnostics, Location, Severity, did_you_mean};
use crate::model::{self, Config, Orchestrator, Target};

use super::SourceMap;
use super::format::{
    NAME_MAX, PARTITIONS, article, is_account, is_eks_cluster_name, is_region, is_spec_name, partition_of_region,
};
use super::parse::at;
use super::schema::{S, SpecFile};

/// The findings and the locations of one reading.
pub struct Validator {
    pub diags: Diagnostics,
    pub locations: SourceMap,
    /// The source text of each unquoted IAM value, by location (see [`super::shape::Walk::raw`]).
    raw: BTreeMap<Location, String>,
    /// Where each key of a free-form map is (see [`super::shape::Walk::keys`]).
    keys: BTreeMap<String, Location>,
    /// From this many scientist teams on, they are checked in runs on every core.
    pub parallel_teams: usize,
}

/// What the sections after the top level need to know of it.
struct Context<'f> {
    spec_name: &'f str,
    eks: bool,
    slurm: bool,
    partition: Option<&'f str>,
}

impl Validator {
    /// Starts from what the shape found: its errors (unknown keys, duplicates, tags) are reported
    /// with the values' own.
    pub fn new(walk: super::shape::Walk) -> Self {
        Validator {
            diags: walk.diags,
            locations: SourceMap::new(),
            raw: walk.raw,
            keys: walk.keys,
            parallel_teams: crate::par::SPREAD_FROM,
        }
    }

    fn error(&mut self, code: Code, path: impl Into<String>, location: Option<Location>, message: impl Into<String>) {
        self.diags.push(Diagnostic::new(code, path, message).at(location));
    }

    fn locate(&mut self, path: &str, location: Option<Location>) {
        if let Some(location) = location {
            self.locations.insert(path.to_owned(), location);
        }
    }

    /// The index of `s` among `choices`, or an error naming them with a did-you-mean.
    fn choice(&mut self, path: &str, s: &S, what: &str, choices: &[&str]) -> Option<usize> {
        let found = choices.iter().position(|c| *c == s.value);
        if found.is_none() {
            let listed = match choices {
                [init @ .., last] => format!("`{}` or `{last}`", init.join("`, `")),
                [] => String::new(),
            };
            let message = format!("`{}` is not {} {what}; expected {listed}", s.value, article(what));
            let d = Diagnostic::new(Code::InvalidValue, path, message)
                .at(at(s))
                .suggest(did_you_mean(&s.value, choices.iter().copied()));
            self.diags.push(d);
        }
        found
    }

    fn invalid(&mut self, path: impl Into<String>, s: &S, expected: &str) {
        self.error(Code::InvalidValue, path, at(s), format!("`{}` is not valid: {expected}", s.value));
    }

    pub fn convert(&mut self, f: &SpecFile) -> Config {
        let name = self.spec_name(&f.name);
        let orchestrators = [Orchestrator::Eks, Orchestrator::Slurm];
        let words = orchestrators.map(Orchestrator::as_str);
        let orchestrator =
            self.choice("orchestrator", &f.orchestrator, "orchestrator", &words).map(|i| orchestrators[i]);
        let target = self.target(f);
        let cx = Context {
            spec_name: &f.name.value,
            eks: orchestrator == Some(Orchestrator::Eks),
            slurm: orchestrator == Some(Orchestrator::Slurm),
            partition: target.partition.as_deref(),
        };
        let (cluster_id, eks_cluster_name) = self.cluster(f, &cx);
        let options = self.options(&f.options, &cx);
        let permissions_boundary = f.permissions_boundary.as_ref().map(|pb| {
            self.policy_arn("permissionsBoundary", pb, cx.partition);
            pb.value.clone()
        });
        let tags = self.tags(&f.tags);
        let (admins, scientists, execution_roles) = self.roles(f, &cx);
        Config {
            name,
            orchestrator,
            cluster_id,
            eks_cluster_name,
            options,
            permissions_boundary,
            tags,
            admins,
            scientists,
            execution_roles,
            target,
        }
    }

    fn spec_name(&mut self, name: &S) -> String {
        if !is_spec_name(&name.value) {
            self.invalid(
                "name",
                name,
                "expected a lowercase letter, then lowercase letters, digits and single hyphens, not ending in a hyphen",
            );
        } else if name.value.len() > NAME_MAX {
            let message = format!("`{}` is {} characters; at most {NAME_MAX}", name.value, name.value.len());
            self.error(Code::TooLong, "name", at(name), message);
        }
        name.value.clone()
    }

    fn target(&mut self, f: &SpecFile) -> Target {
        let partition = f
            .partition
            .as_ref()
            .and_then(|p| self.choice("partition", p, "partition", &PARTITIONS).map(|i| PARTITIONS[i].to_owned()));
        let region = f.region.as_ref().and_then(|r| {
            if !is_region(&r.value) {
                self.invalid("region", r, "expected a region such as `us-west-2`");
                return None;
            }
            let expected = partition_of_region(&r.value);
            if let Some(p) = &partition
                && p != expected
            {
                let message = format!("region `{}` is in partition `{expected}`, but the spec says `{p}`", r.value);
                self.error(Code::InvalidValue, "region", at(r), message);
            }
            Some(r.value.clone())
        });
        let account = f.account.as_ref().and_then(|a| {
            if is_account(&a.value) {
                Some(a.value.clone())
            } else {
                self.invalid("account", a, "expected 12 digits, written as a string (`\"012345678901\"`)");
                None
            }
        });
        Target { partition, region, account }
    }

    /// `cluster.id` and `cluster.eksClusterName` (the latter only for eks).
    fn cluster(&mut self, f: &SpecFile, cx: &Context<'_>) -> (Option<String>, Option<String>) {
        let cluster = f.cluster.as_ref().map(|c| &c.value);
        let cluster_id = cluster.and_then(|c| c.id.as_ref()).map(|id| {
            if !(id.value.len() == 12 && id.value.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())) {
                self.invalid(
                    "cluster.id",
                    id,
                    "expected the 12 lowercase letters or digits at the end of the HyperPod cluster ARN",
                );
            }
            id.value.clone()
        });
        let eks_cluster_name = cluster.and_then(|c| c.eks_cluster_name.as_ref());
        let path = "cluster.eksClusterName";
        match (eks_cluster_name, cx.eks, cx.slurm) {
            (Some(n), _, true) => self.error(
                Code::NotForOrchestrator,
                path,
                at(n),
                "`eksClusterName` is for eks; a slurm cluster has no EKS cluster",
            ),
            (None, true, _) => self.error(
                Code::MissingKey,
                path,
                f.cluster.as_ref().map_or(at(&f.orchestrator), at),
                "missing required key `eksClusterName`: an eks spec names its EKS cluster",
            ),
            (Some(n), _, _) if !is_eks_cluster_name(&n.value) => self.invalid(
                path,
                n,
                "expected 1 to 100 letters, digits, hyphens and underscores, starting with a letter or digit",
            ),
            _ => {}
        }
        (cluster_id, if cx.eks { eks_cluster_name.map(|n| n.value.clone()) } else { None })
    }

    fn options(&mut self, o: &super::schema::OptionsSpec, cx: &Context<'_>) -> model::Options {
        let all = [
            ("customVpc", &o.custom_vpc),
            ("podIdentity", &o.pod_identity),
            ("taskGovernance", &o.task_governance),
            ("nodeAccess", &o.node_access),
            ("serviceLinkedRole", &o.service_linked_role),
            ("consoleAccess", &o.console_access),
        ];
        for (key, value) in all {
            let Some(v) = value else { continue };
            let path = format!("options.{key}");
            self.locate(&path, at(v));
            let eks_only = matches!(key, "podIdentity" | "taskGovernance" | "nodeAccess");
            if eks_only && cx.slurm && v.value {
                self.error(Code::NotForOrchestrator, &path, at(v), format!("`{key}` is for eks"));
            }
        }
        let on = |v: &Option<Spanned<bool>>| v.as_ref().is_some_and(|v| v.value);
        model::Options {
            custom_vpc: on(&o.custom_vpc),
            pod_identity: on(&o.pod_identity),
            task_governance: on(&o.task_governance),
            node_access: on(&o.node_access),
            service_linked_role: on(&o.service_linked_role),
            console_access: on(&o.console_access),
        }
    }

    fn tags(&mut self, tags: &BTreeMap<String, S>) -> BTreeMap<String, String> {
        if tags.len() > 50 {
            self.error(Code::TooLong, "tags", None, format!("{} tags; IAM allows at most 50 on a role", tags.len()));
        }
        for (key, value) in tags {
            let path = format!("tags.{key}");
            let key_at = self.keys.get(&path).copied().or(at(value));
            if key.is_empty() || key.chars().count() > 128 || !key.chars().all(super::format::is_tag_char) {
                let message =
                    format!("tag key `{key}` is not valid: expected 1 to 128 letters, digits, spaces and `_.:/=+-@`");
                self.error(Code::InvalidValue, path, key_at, message);
            } else if key.to_ascii_lowercase().starts_with("aws:") {
                let message = format!("tag key `{key}` uses the reserved prefix `aws:`");
                self.error(Code::InvalidValue, path, key_at, message);
            } else if value.value.chars().count() > 256 || !value.value.chars().all(super::format::is_tag_char) {
                self.invalid(path, value, "expected at most 256 letters, digits, spaces and `_.:/=+-@`");
            }
        }
        tags.iter().map(|(k, v)| (k.clone(), v.value.clone())).collect()
    }

    /// The `acknowledge` section: each entry names a warning code, a reason, and optionally the
    /// path it covers. An error cannot be acknowledged.
    pub fn acknowledgements(&mut self, f: &SpecFile) -> Vec<Acknowledgement> {
        let mut out = Vec::new();
        for (i, entry) in f.acknowledge.iter().enumerate() {
            let path = format!("acknowledge[{i}]");
            let e = &entry.value;
            let code = match Code::parse(&e.code.value) {
                Some(code) if code.severity() == Severity::Warning => Some(code),
                Some(code) => {
                    let message = format!("`{code}` is an error; only warnings can be acknowledged");
                    self.error(Code::InvalidValue, format!("{path}.code"), at(&e.code), message);
                    None
                }
                None => {
                    let ids = Code::ALL.iter().filter(|c| c.severity() == Severity::Warning).map(|c| c.id());
                    let d = Diagnostic::new(
                        Code::InvalidValue,
                        format!("{path}.code"),
                        format!("`{}` is not a warning code of hyperpod-iam", e.code.value),
                    )
                    .at(at(&e.code))
                    .suggest(did_you_mean(&e.code.value, ids));
                    self.diags.push(d);
                    None
                }
            };
            if e.reason.value.trim().is_empty() {
                let message = "an acknowledgement needs a reason: say why the warning is accepted";
                self.error(Code::MissingKey, format!("{path}.reason"), at(&e.reason), message);
            }
            if let Some(p) = &e.path {
                self.acknowledged_path(&format!("{path}.path"), p);
            }
            if let Some(code) = code {
                let reason = e.reason.value.trim().to_owned();
                let path = e.path.as_ref().map(|p| p.value.clone());
                out.push(Acknowledgement { code, reason, path, in_spec: true });
            }
        }
        out
    }

    /// An acknowledgement's `path` names a field of this spec (or an entry holding fields).
    fn acknowledged_path(&mut self, field: &str, p: &S) {
        let covers = |located: &String| {
            located.strip_prefix(p.value.as_str()).is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
        };
        if self.locations.keys().any(covers) {
            return;
        }
        let message = format!("`{}` is not a path of this spec, such as `admins[0].extraStatements[1]`", p.value);
        let suggestion = did_you_mean(&p.value, self.locations.keys().map(String::as_str));
        self.diags.push(Diagnostic::new(Code::InvalidValue, field, message).at(at(p)).suggest(suggestion));
    }
}
