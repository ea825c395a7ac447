//! The spec file as the user writes it, and its conversion into the model.
//!
//! Reading has two stages. First the YAML (or JSON) is parsed into the input schema below
//! (serde, unknown keys refused); a syntax error, an unknown key or a wrong type stops there with
//! one diagnostic. Then every constraint is checked and every error is reported together, each
//! with its line, column and field path, before anything is built.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::check::{Diagnostic, Diagnostics, Location, codes, did_you_mean};
use crate::model::{
    self, Actions, Condition, Config, Effect, Orchestrator, Resources, RoleKind, Statement, Target, Text, names,
};

/// A spec to read: its display name (for messages) and its text.
#[derive(Debug, Clone)]
pub struct Source {
    pub name: String,
    pub text: String,
}

/// The built-in example spec: an EKS deployment with one admin group and two scientist teams.
pub const EXAMPLE: &str = include_str!("../examples/ml-research.yaml");
/// The display name of the built-in example in messages.
pub const EXAMPLE_NAME: &str = "<built-in example>";

impl Source {
    pub fn example() -> Source {
        Source { name: EXAMPLE_NAME.to_owned(), text: EXAMPLE.to_owned() }
    }
}

// ---------------------------------------------------------------------------------------------
// The input schema.

type S = Spanned<String>;

// Every role entry repeats `managedPolicyArns` and `extraStatements` rather than flattening a
// shared struct: `#[serde(flatten)]` cannot be combined with `deny_unknown_fields`, and it
// buffers values so that `Spanned` loses its line and column.

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SpecFile {
    name: S,
    orchestrator: S,
    partition: Option<S>,
    region: Option<S>,
    account: Option<S>,
    cluster: Option<Spanned<ClusterSpec>>,
    #[serde(default)]
    options: OptionsSpec,
    permissions_boundary: Option<S>,
    #[serde(default)]
    tags: BTreeMap<String, S>,
    admins: Spanned<Vec<AdminSpec>>,
    #[serde(default)]
    scientists: Vec<ScientistSpec>,
    execution_roles: Spanned<Vec<ExecutionSpec>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ClusterSpec {
    id: Option<S>,
    eks_cluster_name: Option<S>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct OptionsSpec {
    custom_vpc: Option<Spanned<bool>>,
    pod_identity: Option<Spanned<bool>>,
    task_governance: Option<Spanned<bool>>,
    node_access: Option<Spanned<bool>>,
    service_linked_role: Option<Spanned<bool>>,
    console_access: Option<Spanned<bool>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct AdminSpec {
    name: S,
    trusted_principals: Spanned<Vec<S>>,
    #[serde(default)]
    managed_policy_arns: Vec<S>,
    #[serde(default)]
    extra_statements: Vec<Spanned<StatementSpec>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ScientistSpec {
    name: S,
    trusted_principals: Spanned<Vec<S>>,
    namespace: Option<S>,
    pod_role: Option<Spanned<PodRoleSpec>>,
    #[serde(default)]
    managed_policy_arns: Vec<S>,
    #[serde(default)]
    extra_statements: Vec<Spanned<StatementSpec>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PodRoleSpec {
    service_account: S,
    #[serde(default)]
    s3_buckets: Vec<S>,
    #[serde(default)]
    managed_policy_arns: Vec<S>,
    #[serde(default)]
    extra_statements: Vec<Spanned<StatementSpec>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ExecutionSpec {
    name: S,
    #[serde(default)]
    instance_groups: Vec<S>,
    #[serde(default)]
    s3_buckets: Vec<S>,
    #[serde(default)]
    managed_policy_arns: Vec<S>,
    #[serde(default)]
    extra_statements: Vec<Spanned<StatementSpec>>,
}

/// An IAM statement as users write it in policies, in YAML or JSON.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StatementSpec {
    #[serde(rename = "Sid")]
    sid: Option<S>,
    #[serde(rename = "Effect")]
    effect: S,
    #[serde(rename = "Action")]
    action: Option<Spanned<Strings>>,
    #[serde(rename = "NotAction")]
    not_action: Option<Spanned<Strings>>,
    #[serde(rename = "Resource")]
    resource: Option<Spanned<Strings>>,
    #[serde(rename = "NotResource")]
    not_resource: Option<Spanned<Strings>>,
    #[serde(rename = "Condition", default)]
    condition: BTreeMap<String, BTreeMap<String, Spanned<Strings>>>,
}

/// A string or a list of strings, as IAM takes them; scalars of other types (`true`, `3600`) are
/// read as their text, as IAM does.
#[derive(Debug)]
struct Strings(Vec<(String, Option<Location>)>);

impl<'de> Deserialize<'de> for Strings {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Strings;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string or a list of strings")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Strings, E> {
                Ok(Strings(vec![(v.to_owned(), None)]))
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Strings, E> {
                Ok(Strings(vec![(v.to_string(), None)]))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Strings, E> {
                Ok(Strings(vec![(v.to_string(), None)]))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Strings, E> {
                Ok(Strings(vec![(v.to_string(), None)]))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Strings, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<S>()? {
                    items.push((item.value.clone(), at(&item)));
                }
                Ok(Strings(items))
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// Each string with its own location, or the list's when it was a scalar.
fn items(list: &Spanned<Strings>) -> Vec<(&str, Option<Location>)> {
    let whole = at(list);
    list.value.0.iter().map(|(s, loc)| (s.as_str(), loc.or(whole))).collect()
}

// ---------------------------------------------------------------------------------------------
// Parsing.

/// Where each field of a spec is: field path (`admins[0].extraStatements[1].Action[0]`) → line
/// and column. Diagnostics found after reading (the lint) use it to point at the spec.
pub use crate::check::lint::SourceMap;

/// Reads and checks a spec. On failure every error found is returned, sorted by location.
pub fn read(source: &Source) -> Result<(Config, SourceMap), Diagnostics> {
    let file = parse(source).map_err(|d| Diagnostics { items: vec![d] })?;
    let mut v = Validator::default();
    let config = v.convert(&file);
    if v.diags.has_errors() {
        v.diags.sort();
        return Err(v.diags);
    }
    Ok((config, v.locations))
}

/// Reads a spec and builds its model.
pub fn load(source: &Source) -> Result<model::Model, Diagnostics> {
    load_mapped(source).map(|(model, _)| model)
}

/// Reads a spec and builds its model, keeping where each field is.
pub fn load_mapped(source: &Source) -> Result<(model::Model, SourceMap), Diagnostics> {
    read(source).map(|(config, locations)| (model::build(&config), locations))
}

fn loc(line: u32, column: u32) -> Option<Location> {
    (line > 0).then_some(Location { line, column })
}

fn at<T>(s: &Spanned<T>) -> Option<Location> {
    loc(s.referenced.line() as u32, s.referenced.column() as u32)
}

/// Captures the bare message of a serde-saphyr error, without its location suffix or snippet.
struct Capture(RefCell<String>);

impl serde_saphyr::MessageFormatter for Capture {
    fn format_message<'a>(&self, err: &'a serde_saphyr::Error) -> Cow<'a, str> {
        let message = serde_saphyr::DefaultMessageFormatter.format_message(err);
        *self.0.borrow_mut() = message.to_string();
        message
    }
}

fn parse(source: &Source) -> Result<SpecFile, Diagnostic> {
    if source.name.ends_with(".json")
        && let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(&source.text)
    {
        let message = e.to_string();
        let message = message.split(" at line ").next().unwrap_or(&message).to_owned();
        return Err(Diagnostic::error(codes::SYNTAX, "", format!("invalid JSON: {message}"))
            .at(loc(e.line() as u32, e.column() as u32)));
    }
    if source.text.trim().is_empty() {
        return Err(Diagnostic::error(
            codes::MISSING_KEY,
            "",
            "the spec is empty; `hyperpod-iam init` prints a starter spec",
        ));
    }
    let path = RefCell::new(String::new());
    let options = serde_saphyr::options! { budget: serde_saphyr::budget! { max_nodes: 200_000, max_depth: 64, } };
    let result = serde_saphyr::with_deserializer_from_str_with_options(&source.text, options, |de| {
        serde_path_to_error::deserialize::<_, SpecFile>(de).map_err(|e| {
            *path.borrow_mut() = e.path().to_string();
            e.into_inner()
        })
    });
    result.map_err(|e| {
        let capture = Capture(RefCell::new(String::new()));
        let _ = e.render_with_options(serde_saphyr::render_options! { formatter: &capture });
        let raw = capture.0.into_inner();
        // `value` is the inner field of `Spanned`, not a key of the spec.
        let path = path.into_inner().replace(".value[", "[").replace(".value.", ".");
        let path = path.strip_suffix(".value").unwrap_or(&path);
        let path = if path == "." { String::new() } else { path.to_owned() };
        let location = e.location().and_then(|l| loc(l.line() as u32, l.column() as u32));
        translate(&raw, path).at(location)
    })
}

/// Turns a parser message into ours: lowercase, one line, with a did-you-mean for unknown keys.
fn translate(raw: &str, path: String) -> Diagnostic {
    if let Some(rest) = raw.strip_prefix("unknown field `") {
        let (key, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let candidates: Vec<&str> = expected
            .trim_start_matches(", expected one of ")
            .trim_start_matches(", expected ")
            .split(", ")
            .map(|c| c.trim_matches('`'))
            .filter(|c| !c.is_empty())
            .collect();
        let known = if candidates.is_empty() {
            String::from("this place takes no keys")
        } else {
            format!("known keys here: {}", candidates.join(", "))
        };
        return Diagnostic::error(codes::UNKNOWN_KEY, path, format!("unknown key `{key}`; {known}"))
            .suggest(did_you_mean(key, candidates.iter().copied()));
    }
    if let Some(rest) = raw.strip_prefix("missing field `") {
        let key = rest.trim_end_matches('`');
        let path = if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") };
        return Diagnostic::error(codes::MISSING_KEY, path, format!("missing required key `{key}`"));
    }
    let wrong_type =
        [("expected string scalar", "expected a string"), ("invalid boolean", "expected `true` or `false`")];
    for (theirs, ours) in wrong_type {
        if raw.starts_with(theirs) {
            return Diagnostic::error(codes::WRONG_TYPE, path, ours);
        }
    }
    let lower = raw.to_lowercase();
    let code = if lower.starts_with("invalid type") || lower.starts_with("expected") {
        codes::WRONG_TYPE
    } else {
        codes::SYNTAX
    };
    let message = lower.replace("mapping", "map").replace(", set duplicatekeypolicy in options if acceptable", "");
    Diagnostic::error(code, path, message.trim_end_matches('.').to_owned())
}

// ---------------------------------------------------------------------------------------------
// Validation and conversion.

#[derive(Default)]
struct Validator {
    diags: Diagnostics,
    locations: SourceMap,
}

const PARTITIONS: [&str; 3] = ["aws", "aws-cn", "aws-us-gov"];
const RESERVED_NAMESPACES: [&str; 4] = ["default", "kube-system", "kube-public", "kube-node-lease"];
const ROLE_NAME_MAX: usize = 64;
/// A namespace is a DNS-1123 label.
const NAMESPACE_MAX: usize = 63;
const NAME_MAX: usize = 24;

impl Validator {
    fn error(
        &mut self,
        code: &'static str,
        path: impl Into<String>,
        location: Option<Location>,
        message: impl Into<String>,
    ) {
        self.diags.push(Diagnostic::error(code, path, message).at(location));
    }

    fn locate(&mut self, path: &str, location: Option<Location>) {
        if let Some(location) = location {
            self.locations.insert(path.to_owned(), location);
        }
    }

    /// `managedPolicyArns` and `extraStatements` of one role.
    fn extras(
        &mut self,
        path: &str,
        arns: &[S],
        statements: &[Spanned<StatementSpec>],
        partition: Option<&str>,
    ) -> model::Extras {
        let managed_policy_arns = arns
            .iter()
            .enumerate()
            .map(|(j, arn)| {
                let field = format!("{path}.managedPolicyArns[{j}]");
                self.locate(&field, at(arn));
                self.policy_arn(&field, arn, partition);
                arn.value.clone()
            })
            .collect();
        let mut sids = BTreeMap::new();
        let statements = statements
            .iter()
            .enumerate()
            .map(|(i, st)| self.statement(&format!("{path}.extraStatements[{i}]"), st, &mut sids))
            .collect();
        model::Extras { managed_policy_arns, statements }
    }

    fn statement(&mut self, path: &str, st: &Spanned<StatementSpec>, sids: &mut BTreeMap<String, String>) -> Statement {
        self.locate(path, at(st));
        let spec = &st.value;
        if let Some(sid) = &spec.sid {
            let field = format!("{path}.Sid");
            self.locate(&field, at(sid));
            if !sid.value.bytes().all(|b| b.is_ascii_alphanumeric()) {
                self.invalid(&field, sid, "a Sid holds only letters and digits");
            } else if let Some(other) = sids.insert(sid.value.clone(), path.to_owned()) {
                self.error(codes::DUPLICATE, field, at(sid), format!("Sid `{}` is already used by {other}", sid.value));
            }
        }
        let effect = match self.choice(&format!("{path}.Effect"), &spec.effect, "effect", &["Allow", "Deny"]) {
            Some(1) => Effect::Deny,
            _ => Effect::Allow,
        };
        let actions = match self.either(path, st, "Action", (&spec.action, &spec.not_action), "") {
            Some((false, list)) => Actions::Action(self.actions(&format!("{path}.Action"), list)),
            Some((true, list)) => Actions::NotAction(self.actions(&format!("{path}.NotAction"), list)),
            None => Actions::Action(Vec::new()),
        };
        let hint = ": a role's policy names what it grants";
        let resources = match self.either(path, st, "Resource", (&spec.resource, &spec.not_resource), hint) {
            Some((false, list)) => Resources::Resource(self.resources(&format!("{path}.Resource"), list)),
            Some((true, list)) => Resources::NotResource(self.resources(&format!("{path}.NotResource"), list)),
            None => Resources::Resource(Vec::new()),
        };
        let mut conditions = Vec::new();
        for (operator, keys) in &spec.condition {
            for (key, values) in keys {
                let field = format!("{path}.Condition.{operator}.{key}");
                self.locate(&field, at(values));
                if values.value.0.is_empty() {
                    self.error(codes::MISSING_KEY, &field, at(values), "a condition needs at least one value");
                }
                conditions.push(Condition {
                    operator: operator.clone(),
                    key: key.clone(),
                    values: values.value.0.iter().map(|(v, _)| Text::user(v)).collect(),
                });
            }
        }
        Statement {
            sid: spec.sid.as_ref().map(|s| s.value.clone()),
            effect,
            principal: None,
            actions,
            resources: Some(resources),
            conditions,
            waivers: Vec::new(),
            origin: Some(path.to_owned()),
        }
    }

    /// `Key` or `NotKey`, exactly one of them: whether it is the `Not` form, and its list.
    fn either<'s>(
        &mut self,
        path: &str,
        st: &Spanned<StatementSpec>,
        key: &str,
        (plain, not): (&'s Option<Spanned<Strings>>, &'s Option<Spanned<Strings>>),
        hint: &str,
    ) -> Option<(bool, &'s Spanned<Strings>)> {
        match (plain, not) {
            (Some(list), None) => Some((false, list)),
            (None, Some(list)) => Some((true, list)),
            (Some(_), Some(_)) => {
                self.error(
                    codes::INVALID_VALUE,
                    path,
                    at(st),
                    format!("a statement takes `{key}` or `Not{key}`, not both"),
                );
                None
            }
            (None, None) => {
                self.error(
                    codes::MISSING_KEY,
                    path,
                    at(st),
                    format!("missing required key `{key}` (or `Not{key}`){hint}"),
                );
                None
            }
        }
    }

    fn actions(&mut self, path: &str, list: &Spanned<Strings>) -> Vec<String> {
        let expected = "expected `service:Action` (`*` and `?` may stand in the name)";
        self.strings(path, list, ("action", expected), is_action_pattern, str::to_owned)
    }

    fn resources(&mut self, path: &str, list: &Spanned<Strings>) -> Vec<Text> {
        let expected = "expected `*` or an ARN (`arn:${AWS::Partition}:s3:::bucket/*`)";
        self.strings(path, list, ("resource", expected), |r| r == "*" || r.starts_with("arn:"), Text::user)
    }

    /// The items of an `Action` or `Resource` list, each located, checked and converted.
    fn strings<T>(
        &mut self,
        path: &str,
        list: &Spanned<Strings>,
        (what, expected): (&str, &str),
        valid: fn(&str) -> bool,
        convert: fn(&str) -> T,
    ) -> Vec<T> {
        let all = items(list);
        if all.is_empty() {
            self.error(codes::MISSING_KEY, path, at(list), format!("at least one {what} is required"));
        }
        all.iter()
            .enumerate()
            .map(|(j, (value, location))| {
                let field = format!("{path}[{j}]");
                self.locate(&field, *location);
                if !valid(value) {
                    self.error(
                        codes::INVALID_VALUE,
                        field,
                        *location,
                        format!("`{value}` is not {} {what}: {expected}", article(what)),
                    );
                }
                convert(value)
            })
            .collect()
    }

    /// The index of `s` among `choices`, or an error naming them with a did-you-mean.
    fn choice(&mut self, path: &str, s: &S, what: &str, choices: &[&str]) -> Option<usize> {
        let found = choices.iter().position(|c| *c == s.value);
        if found.is_none() {
            let listed = match choices {
                [init @ .., last] => format!("`{}` or `{last}`", init.join("`, `")),
                [] => String::new(),
            };
            let d = Diagnostic::error(
                codes::INVALID_VALUE,
                path,
                format!("`{}` is not {} {what}; expected {listed}", s.value, article(what)),
            )
            .at(at(s))
            .suggest(did_you_mean(&s.value, choices.iter().copied()));
            self.diags.push(d);
        }
        found
    }

    fn invalid(&mut self, path: impl Into<String>, s: &S, expected: &str) {
        self.error(codes::INVALID_VALUE, path, at(s), format!("`{}` is not valid: {expected}", s.value));
    }

    fn convert(&mut self, f: &SpecFile) -> Config {
        let name = f.name.value.clone();
        if !is_spec_name(&name) {
            self.invalid(
                "name",
                &f.name,
                "expected a lowercase letter, then lowercase letters, digits and single hyphens, not ending in a hyphen",
            );
        } else if name.len() > NAME_MAX {
            self.error(
                codes::TOO_LONG,
                "name",
                at(&f.name),
                format!("`{name}` is {} characters; at most {NAME_MAX}", name.len()),
            );
        }

        let orchestrators = [Orchestrator::Eks, Orchestrator::Slurm];
        let words = orchestrators.map(Orchestrator::as_str);
        let orchestrator =
            self.choice("orchestrator", &f.orchestrator, "orchestrator", &words).map(|i| orchestrators[i]);
        let eks = orchestrator == Some(Orchestrator::Eks);
        let slurm = orchestrator == Some(Orchestrator::Slurm);

        let target = self.target(f);
        let partition = target.partition.clone();

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
        match (eks_cluster_name, eks, slurm) {
            (Some(n), _, true) => self.error(
                codes::NOT_FOR_ORCHESTRATOR,
                "cluster.eksClusterName",
                at(n),
                "`eksClusterName` is for eks; a slurm cluster has no EKS cluster",
            ),
            (None, true, _) => self.error(
                codes::MISSING_KEY,
                "cluster.eksClusterName",
                f.cluster.as_ref().map_or(at(&f.orchestrator), at),
                "missing required key `eksClusterName`: an eks spec names its EKS cluster",
            ),
            (Some(n), _, _) if !is_eks_cluster_name(&n.value) => self.invalid(
                "cluster.eksClusterName",
                n,
                "expected 1 to 100 letters, digits, hyphens and underscores, starting with a letter or digit",
            ),
            _ => {}
        }

        let o = &f.options;
        for (key, value) in
            [("podIdentity", &o.pod_identity), ("taskGovernance", &o.task_governance), ("nodeAccess", &o.node_access)]
        {
            if let (Some(v), true) = (value, slurm)
                && v.value
            {
                self.error(codes::NOT_FOR_ORCHESTRATOR, format!("options.{key}"), at(v), format!("`{key}` is for eks"));
            }
        }
        let all = [
            ("customVpc", &o.custom_vpc),
            ("podIdentity", &o.pod_identity),
            ("taskGovernance", &o.task_governance),
            ("nodeAccess", &o.node_access),
            ("serviceLinkedRole", &o.service_linked_role),
            ("consoleAccess", &o.console_access),
        ];
        for (key, value) in all {
            if let Some(v) = value {
                self.locate(&format!("options.{key}"), at(v));
            }
        }
        let on = |v: &Option<Spanned<bool>>| v.as_ref().is_some_and(|v| v.value);
        let options = model::Options {
            custom_vpc: on(&o.custom_vpc),
            pod_identity: on(&o.pod_identity),
            task_governance: on(&o.task_governance),
            node_access: on(&o.node_access),
            service_linked_role: on(&o.service_linked_role),
            console_access: on(&o.console_access),
        };

        let permissions_boundary = f.permissions_boundary.as_ref().map(|pb| {
            self.policy_arn("permissionsBoundary", pb, partition.as_deref());
            pb.value.clone()
        });

        let tags = self.tags(&f.tags);

        if f.admins.value.is_empty() {
            self.error(codes::MISSING_KEY, "admins", at(&f.admins), "at least one admin is required");
        }
        if f.execution_roles.value.is_empty() {
            self.error(
                codes::MISSING_KEY,
                "executionRoles",
                at(&f.execution_roles),
                "at least one execution role is required",
            );
        }

        let mut entries = EntryNames::default();
        let admins = f
            .admins
            .value
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let path = format!("admins[{i}]");
                self.entry_name(&mut entries, &name, RoleKind::Admin, &path, &a.name);
                model::AdminConfig {
                    name: a.name.value.clone(),
                    trusted_principals: self.principals(&path, &a.trusted_principals, partition.as_deref()),
                    extras: self.extras(&path, &a.managed_policy_arns, &a.extra_statements, partition.as_deref()),
                }
            })
            .collect();

        let mut namespaces: BTreeMap<String, String> = BTreeMap::new();
        let scientists = f
            .scientists
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let path = format!("scientists[{i}]");
                self.entry_name(&mut entries, &name, RoleKind::Scientist, &path, &s.name);
                let trusted_principals = self.principals(&path, &s.trusted_principals, partition.as_deref());
                if slurm {
                    if let Some(ns) = &s.namespace {
                        self.error(
                            codes::NOT_FOR_ORCHESTRATOR,
                            format!("{path}.namespace"),
                            at(ns),
                            "`namespace` is for eks",
                        );
                    }
                    if let Some(p) = &s.pod_role {
                        self.error(
                            codes::NOT_FOR_ORCHESTRATOR,
                            format!("{path}.podRole"),
                            at(p),
                            "`podRole` is for eks (Pod Identity)",
                        );
                    }
                }
                let namespace = eks.then(|| self.namespace(&path, s, &mut namespaces));
                let pod_role = s.pod_role.as_ref().filter(|_| eks).map(|p| {
                    let pp = format!("{path}.podRole");
                    // The pod role takes the team's name, checked above; its role name
                    // (`<name>-pod-<x>`) is shorter than the team's (`<name>-scientist-<x>`).
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
                        extras: self.extras(
                            &pp,
                            &p.value.managed_policy_arns,
                            &p.value.extra_statements,
                            partition.as_deref(),
                        ),
                    }
                });
                let extras = self.extras(&path, &s.managed_policy_arns, &s.extra_statements, partition.as_deref());
                model::ScientistConfig { name: s.name.value.clone(), trusted_principals, namespace, pod_role, extras }
            })
            .collect();

        let execution_roles = f
            .execution_roles
            .value
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let path = format!("executionRoles[{i}]");
                self.entry_name(&mut entries, &name, RoleKind::Execution, &path, &e.name);
                let mut groups = BTreeSet::new();
                for (j, g) in e.instance_groups.iter().enumerate() {
                    let gp = format!("{path}.instanceGroups[{j}]");
                    if !is_instance_group_name(&g.value) {
                        self.invalid(
                            &gp,
                            g,
                            "expected 1 to 63 letters, digits and hyphens, starting and ending with a letter or digit",
                        );
                    } else if !groups.insert(g.value.clone()) {
                        self.error(
                            codes::DUPLICATE,
                            gp,
                            at(g),
                            format!("instance group `{}` is listed twice", g.value),
                        );
                    }
                }
                model::ExecutionConfig {
                    name: e.name.value.clone(),
                    instance_groups: e.instance_groups.iter().map(|g| g.value.clone()).collect(),
                    s3_buckets: self.buckets(&path, &e.s3_buckets),
                    extras: self.extras(&path, &e.managed_policy_arns, &e.extra_statements, partition.as_deref()),
                }
            })
            .collect();

        Config {
            name,
            orchestrator,
            target,
            cluster_id,
            eks_cluster_name: if eks { eks_cluster_name.map(|n| n.value.clone()) } else { None },
            options,
            permissions_boundary,
            tags,
            admins,
            scientists,
            execution_roles,
        }
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
                self.error(
                    codes::INVALID_VALUE,
                    "region",
                    at(r),
                    format!("region `{}` is in partition `{expected}`, but the spec says `{p}`", r.value),
                );
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

    fn entry_name(&mut self, entries: &mut EntryNames, spec: &str, kind: RoleKind, path: &str, name: &S) {
        self.locate(path, at(name));
        let field = format!("{path}.name");
        let value = &name.value;
        if !is_spec_name(value) {
            self.invalid(
                field,
                name,
                "expected a lowercase letter, then lowercase letters, digits and single hyphens, not ending in a hyphen",
            );
            return;
        }
        let role_name = names::role_name(spec, kind, value);
        if role_name.len() > ROLE_NAME_MAX {
            self.error(
                codes::TOO_LONG,
                field.clone(),
                at(name),
                format!(
                    "role name `{role_name}` is {} characters; IAM allows at most {ROLE_NAME_MAX}",
                    role_name.len()
                ),
            );
        }
        let seen = entries.names.entry(kind.word()).or_default();
        if let Some(first) = seen.get(value) {
            self.error(codes::DUPLICATE, field, at(name), format!("`{value}` is already the name of {first}"));
            return;
        }
        let pascal = names::pascal(value);
        let logical = entries.logical.entry(kind.word()).or_default();
        if let Some(other) = logical.get(&pascal) {
            self.error(
                codes::NAME_COLLISION,
                field.clone(),
                at(name),
                format!("`{value}` and `{other}` would both become the resource name `{pascal}`; rename one"),
            );
        }
        logical.insert(pascal, value.clone());
        seen.insert(value.clone(), path.to_owned());
    }

    fn namespace(&mut self, path: &str, s: &ScientistSpec, seen: &mut BTreeMap<String, String>) -> String {
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
                        codes::TOO_LONG,
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
                codes::INVALID_VALUE,
                field,
                location,
                format!("`{value}` is not a valid namespace: expected lowercase letters, digits and `-`, at most 63, starting and ending with a letter or digit"),
            );
        } else if RESERVED_NAMESPACES.contains(&value.as_str()) {
            self.error(
                codes::INVALID_VALUE,
                field,
                location,
                format!("`{value}` is a reserved namespace; give the team its own"),
            );
        } else if value.starts_with("kube-") {
            self.error(
                codes::INVALID_VALUE,
                field,
                location,
                format!("`{value}` starts with `kube-`, which Kubernetes reserves for its system namespaces"),
            );
        } else if let Some(other) = seen.get(&value) {
            self.error(
                codes::DUPLICATE,
                field,
                location,
                format!("namespace `{value}` is already the namespace of {other}"),
            );
        } else {
            seen.insert(value.clone(), path.to_owned());
        }
        value
    }

    fn principals(&mut self, path: &str, list: &Spanned<Vec<S>>, partition: Option<&str>) -> Vec<String> {
        let field = format!("{path}.trustedPrincipals");
        if list.value.is_empty() {
            self.error(codes::MISSING_KEY, field.clone(), at(list), "at least one trusted principal is required");
        }
        let mut seen = BTreeSet::new();
        for (i, p) in list.value.iter().enumerate() {
            let fp = format!("{field}[{i}]");
            self.locate(&fp, at(p));
            match principal_partition(&p.value) {
                Some(arn_partition) => {
                    self.partition_matches(&fp, p, arn_partition, partition);
                    if !seen.insert(p.value.clone()) {
                        self.error(codes::DUPLICATE, fp, at(p), format!("`{}` is listed twice", p.value));
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

    fn partition_matches(&mut self, path: &str, s: &S, arn_partition: &str, partition: Option<&str>) {
        if let (Some(p), false) = (partition, arn_partition.is_empty())
            && p != arn_partition
        {
            self.error(
                codes::INVALID_VALUE,
                path,
                at(s),
                format!("`{}` is in partition `{arn_partition}`, but the spec says `{p}`", s.value),
            );
        }
    }

    fn policy_arn(&mut self, path: &str, s: &S, partition: Option<&str>) {
        match policy_arn_partition(&s.value) {
            Some(p) => self.partition_matches(path, s, p, partition),
            None => self.invalid(path, s, "expected a managed policy ARN (`arn:aws:iam::111122223333:policy/Name`)"),
        }
    }

    fn buckets(&mut self, path: &str, list: &[S]) -> Vec<String> {
        let mut seen = BTreeSet::new();
        for (i, b) in list.iter().enumerate() {
            let bp = format!("{path}.s3Buckets[{i}]");
            if !is_bucket_name(&b.value) {
                self.invalid(bp, b, "expected an S3 bucket name: 3 to 63 lowercase letters, digits, `.` and `-`");
            } else if !seen.insert(b.value.clone()) {
                self.error(codes::DUPLICATE, bp, at(b), format!("bucket `{}` is listed twice", b.value));
            }
        }
        list.iter().map(|b| b.value.clone()).collect()
    }

    fn tags(&mut self, tags: &BTreeMap<String, S>) -> BTreeMap<String, String> {
        if tags.len() > 50 {
            self.error(codes::TOO_LONG, "tags", None, format!("{} tags; IAM allows at most 50 on a role", tags.len()));
        }
        for (key, value) in tags {
            let path = format!("tags.{key}");
            if key.is_empty() || key.chars().count() > 128 || !key.chars().all(is_tag_char) {
                self.error(
                    codes::INVALID_VALUE,
                    path,
                    at(value),
                    format!("tag key `{key}` is not valid: expected 1 to 128 letters, digits, spaces and `_.:/=+-@`"),
                );
            } else if key.to_ascii_lowercase().starts_with("aws:") {
                self.error(
                    codes::INVALID_VALUE,
                    path,
                    at(value),
                    format!("tag key `{key}` uses the reserved prefix `aws:`"),
                );
            } else if value.value.chars().count() > 256 || !value.value.chars().all(is_tag_char) {
                self.invalid(path, value, "expected at most 256 letters, digits, spaces and `_.:/=+-@`");
            }
        }
        tags.iter().map(|(k, v)| (k.clone(), v.value.clone())).collect()
    }
}

/// Entry names seen so far, per kind: for duplicates and logical-id collisions.
#[derive(Default)]
struct EntryNames {
    names: BTreeMap<&'static str, BTreeMap<String, String>>,
    logical: BTreeMap<&'static str, BTreeMap<String, String>>,
}

// ---------------------------------------------------------------------------------------------
// Formats.

/// `[a-z][a-z0-9-]*`, no double or trailing hyphen.
fn is_spec_name(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.contains("--")
        && !s.ends_with('-')
}

fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" }
}

/// `*`, or `service:Name` where the name may hold `*` and `?`.
fn is_action_pattern(s: &str) -> bool {
    if s == "*" {
        return true;
    }
    let Some((service, name)) = s.split_once(':') else { return false };
    !service.is_empty()
        && service.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'*' || b == b'?')
}

fn is_account(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// `us-west-2`, `us-gov-west-1`, `cn-north-1`, `ap-southeast-7`.
fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[..parts.len() - 1].iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

fn partition_of_region(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

fn is_eks_cluster_name(s: &str) -> bool {
    (1..=100).contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn is_instance_group_name(s: &str) -> bool {
    (1..=63).contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.ends_with(|c: char| c.is_ascii_alphanumeric())
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Lowercase letters, digits and `-`, starting and ending with a letter or digit.
fn is_dns_part(p: &str) -> bool {
    p.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && p.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && p.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// A DNS-1123 label: a namespace.
pub fn is_dns_label(s: &str) -> bool {
    s.len() <= NAMESPACE_MAX && is_dns_part(s)
}

/// A DNS-1123 subdomain as Kubernetes checks most object names (`IsDNS1123Subdomain`): at most
/// 253 characters, dot-separated [`is_dns_part`]s. Unlike DNS, Kubernetes sets no limit of 63 on
/// one part.
pub fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_dns_part)
}

fn is_bucket_name(s: &str) -> bool {
    (3..=63).contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && s.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        && !s.contains("..")
        && !s.split('.').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

fn is_tag_char(c: char) -> bool {
    c.is_alphanumeric() || c == ' ' || "_.:/=+-@".contains(c)
}

/// IAM names and paths: `[\w+=,.@-]`.
fn is_iam_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c))
}

/// `arn:<partition>:iam::<account>:<rest>` → (partition, account, rest).
fn iam_arn(s: &str) -> Option<(&str, &str, &str)> {
    let rest = s.strip_prefix("arn:")?;
    let (partition, rest) = rest.split_once(':')?;
    let rest = rest.strip_prefix("iam::")?;
    let (account, rest) = rest.split_once(':')?;
    PARTITIONS.contains(&partition).then_some((partition, account, rest))
}

/// `name` or `path/to/name` with IAM characters.
fn is_iam_path_and_name(s: &str) -> bool {
    let s = s.strip_prefix('/').unwrap_or(s);
    !s.is_empty() && s.split('/').all(is_iam_name)
}

/// The partition of a trusted principal (empty for a bare account id), or `None` when it is not
/// one of the accepted forms.
fn principal_partition(s: &str) -> Option<&str> {
    if is_account(s) {
        return Some("");
    }
    let (partition, account, rest) = iam_arn(s)?;
    if !is_account(account) {
        return None;
    }
    let ok = rest == "root"
        || rest.strip_prefix("role/").is_some_and(is_iam_path_and_name)
        || rest.strip_prefix("user/").is_some_and(is_iam_path_and_name);
    ok.then_some(partition)
}

fn policy_arn_partition(s: &str) -> Option<&str> {
    let (partition, account, rest) = iam_arn(s)?;
    let ok =
        (account == "aws" || is_account(account)) && rest.strip_prefix("policy/").is_some_and(is_iam_path_and_name);
    ok.then_some(partition)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str) -> Result<model::Model, Diagnostics> {
        load(&Source { name: "t.yaml".into(), text: text.into() })
    }

    /// A Kubernetes label value: at most 63 characters, alphanumerics with `-`, `_` and `.` inside.
    fn is_label_value(s: &str) -> bool {
        s.len() <= 63
            && (s.is_empty()
                || (s.starts_with(|c: char| c.is_ascii_alphanumeric())
                    && s.ends_with(|c: char| c.is_ascii_alphanumeric())
                    && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))))
    }

    /// Every Kubernetes name, label and group the model makes is valid at the limits the reader
    /// enforces (`name` at most 24 characters, each role name at most 64), so they need no check
    /// of their own: names are DNS-1123 subdomains, label values fit the label grammar, and no
    /// group can start with `system:` (every one starts with the spec name, a lowercase letter).
    #[test]
    fn kubernetes_names_labels_and_groups_are_valid_at_the_limits() {
        for name_len in 1..=NAME_MAX {
            let name = "a".repeat(name_len);
            let longest = ROLE_NAME_MAX - names::role_name(&name, RoleKind::Scientist, "").len();
            let spec = |team: &str| {
                format!(
                    "name: {name}\norchestrator: eks\ncluster: {{ eksClusterName: e }}\n\
                     admins: [{{ name: o, trustedPrincipals: ['111122223333'] }}]\n\
                     scientists:\n  - {{ name: {team}, trustedPrincipals: ['111122223333'], namespace: ns,\
                     podRole: {{ serviceAccount: sa }} }}\n  - {{ name: b, trustedPrincipals: ['111122223333'] }}\n\
                     executionRoles: [{{ name: w }}]\n"
                )
            };
            let team = "t".repeat(longest);
            let model = load_text(&spec(&team)).unwrap_or_else(|d| panic!("{name}/{team}: {d}"));
            let k = model.kubernetes.as_ref().unwrap();
            let metas = k.namespaces.iter().map(|n| &n.meta).chain(
                k.roles
                    .iter()
                    .chain(&k.cluster_roles)
                    .map(|r| &r.meta)
                    .chain(k.role_bindings.iter().chain(&k.cluster_role_bindings).map(|b| &b.meta)),
            );
            let mut seen = 0;
            for meta in metas {
                seen += 1;
                assert!(is_dns_subdomain(&meta.name), "{}", meta.name);
                assert!(meta.namespace.as_deref().is_none_or(is_dns_label), "{:?}", meta.namespace);
                for value in meta.labels.values() {
                    assert!(is_label_value(value), "label value `{value}`");
                }
            }
            assert_eq!(seen, 8);
            let groups = model.access_entries.iter().flat_map(|e| &e.kubernetes_groups);
            let subjects = k.role_bindings.iter().chain(&k.cluster_role_bindings).flat_map(|b| &b.subjects);
            for group in groups.chain(subjects.map(|s| &s.name)) {
                assert!(!group.starts_with("system:") && group.starts_with(name.as_str()), "{group}");
            }
            // One character more is refused by the role-name limit, so the bound above holds.
            let err = load_text(&spec(&format!("{team}t"))).unwrap_err();
            assert!(err.items.iter().any(|d| d.code == codes::TOO_LONG), "{err}");
        }
    }

    #[test]
    fn namespaces_refused_reserved_prefix_duplicate_and_too_long_default() {
        let spec = |teams: &str| {
            format!(
                "name: a\norchestrator: eks\ncluster: {{ eksClusterName: e }}\n\
                 admins: [{{ name: o, trustedPrincipals: ['111122223333'] }}]\nscientists:\n{teams}\
                 executionRoles: [{{ name: w }}]\n"
            )
        };
        let team = |name: &str, ns: Option<&str>| match ns {
            Some(ns) => format!("  - {{ name: {name}, trustedPrincipals: ['111122223333'], namespace: {ns} }}\n"),
            None => format!("  - {{ name: {name}, trustedPrincipals: ['111122223333'] }}\n"),
        };
        let messages = |teams: &str| -> Vec<String> {
            load_text(&spec(teams)).unwrap_err().items.iter().map(|d| format!("{}: {}", d.path, d.message)).collect()
        };
        for reserved in RESERVED_NAMESPACES {
            assert_eq!(
                messages(&team("x", Some(reserved))),
                [format!("scientists[0].namespace: `{reserved}` is a reserved namespace; give the team its own")]
            );
        }
        assert_eq!(
            messages(&team("x", Some("kube-jobs"))),
            [
                "scientists[0].namespace: `kube-jobs` starts with `kube-`, which Kubernetes reserves for its system namespaces"
            ]
        );
        assert_eq!(
            messages(&(team("x", Some("hyperpod-ns-y")) + &team("y", None))),
            ["scientists[1].namespace: namespace `hyperpod-ns-y` is already the namespace of scientists[0]"]
        );
        // A one-letter spec name leaves room for a 52-letter team, whose default namespace is 64.
        let long = "l".repeat(52);
        assert_eq!(
            messages(&team(&long, None)),
            [format!(
                "scientists[0].namespace: the default namespace `hyperpod-ns-{long}` is 64 characters; \
                 Kubernetes allows at most 63: set `namespace`"
            )]
        );
        assert!(load_text(&spec(&team(&long, Some("long")))).is_ok());
        // A bad team name is reported once, not again through its default namespace.
        assert_eq!(messages(&team("Bad", None)).len(), 1);
    }

    #[test]
    fn formats() {
        assert!(is_spec_name("ml-research"));
        assert!(!is_spec_name("ml--research") && !is_spec_name("ml-") && !is_spec_name("1ml") && !is_spec_name("Ml"));
        assert!(is_region("us-west-2") && is_region("us-gov-west-1") && is_region("cn-north-1"));
        assert!(!is_region("uswest2") && !is_region("us-west"));
        assert_eq!(partition_of_region("us-gov-east-1"), "aws-us-gov");
        assert!(is_dns_label("hyperpod-ns-nlp") && !is_dns_label("-a") && !is_dns_label("A"));
        assert!(!is_dns_label(&"a".repeat(64)) && is_dns_subdomain(&"a".repeat(64)));
        assert!(is_dns_subdomain("train.jobs-1") && !is_dns_subdomain("") && !is_dns_subdomain("a..b"));
        assert!(!is_dns_subdomain("-a") && !is_dns_subdomain("a.-b") && !is_dns_subdomain("Bad_SA"));
        assert!(is_dns_subdomain(&"a".repeat(253)) && !is_dns_subdomain(&"a".repeat(254)));
        assert!(is_bucket_name("ml-research-lifecycle") && !is_bucket_name("192.168.1.1") && !is_bucket_name("ab"));
        assert_eq!(principal_partition("111122223333"), Some(""));
        assert_eq!(principal_partition("arn:aws:iam::111122223333:role/team/Nlp"), Some("aws"));
        assert_eq!(principal_partition("arn:aws-cn:iam::111122223333:root"), Some("aws-cn"));
        assert_eq!(principal_partition("arn:aws:iam::1111:root"), None);
        assert_eq!(principal_partition("arn:aws:sts::111122223333:assumed-role/x/y"), None);
        assert_eq!(policy_arn_partition("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"), Some("aws"));
        assert_eq!(policy_arn_partition("arn:aws:iam::aws:role/x"), None);
    }
}
