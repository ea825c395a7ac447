//! The filters and tests every template gets, beside minijinja's built-ins (`sort`, `unique`,
//! `dictsort`, `join`, `map`, `selectattr`, ...).
//!
//! Escaping is explicit, one filter per output grammar, because one template folder can write
//! Markdown, YAML and CSV side by side: `yaml`, `json`, `md`, `code`, `csv`. Symbolic values
//! (partition, region, account, a role's ARN) are rendered by `text`, for a target or literally.
//!
//! Look-ups by id (`role`, `policies_of`, `bindings_of`) are functions built for each model from
//! an index, so that a template that walks every role stays linear in the size of the model.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use minijinja::value::{Value, ValueKind};
use minijinja::{Environment, Error, ErrorKind, State};
use serde::Deserialize;

use crate::model::{AccessEntry, ManagedPolicy, Part as ModelPart, Role, RoleBinding};

use super::view::{self, Doc, Expose, Node, TextView};
use super::{lines, rows};

/// Role id → IAM role name.
type RoleNames = Arc<BTreeMap<String, String>>;

/// Adds the filters and tests to an environment; `text` knows no role until [`register_model`].
pub fn register(env: &mut Environment<'_>) {
    env.add_filter("yaml", yaml);
    env.add_filter("json", json);
    env.add_filter("md", md);
    env.add_filter("code", code);
    env.add_filter("csv", csv);
    env.add_test("symbolic", symbolic);
    register_text(env, RoleNames::default());
}

fn register_text(env: &mut Environment<'_>, names: RoleNames) {
    env.add_filter("text", move |state: &State<'_, '_>, value: &Value, style: Option<&str>| {
        text(state, &names, value, style)
    });
}

/// The look-ups by id of one model: `text`'s role names, `role(id)`, `policies_of(role_id)`
/// and `bindings_of(group)`. Built once per model and shared by every template emitter (cloning
/// is a few reference counts); they give views of the model (see [`view`]), not copies.
#[derive(Debug, Clone)]
pub struct Lookups {
    doc: Arc<Doc>,
    names: RoleNames,
    /// Role id → index in `roles`.
    roles: Arc<BTreeMap<String, usize>>,
    /// Role id → indexes in `policies`.
    policies: Arc<BTreeMap<String, Vec<usize>>>,
    /// Group → the bindings that name it: `(false, i)` is `roleBindings[i]`, `(true, i)`
    /// `clusterRoleBindings[i]`.
    bindings: Arc<BTreeMap<String, Vec<(bool, usize)>>>,
}

impl Lookups {
    /// The look-ups of the model that `doc` holds.
    pub fn new(doc: &Arc<Doc>) -> Lookups {
        let model = doc.model();
        let names: BTreeMap<String, String> =
            model.roles.iter().map(|r| (r.id.0.clone(), r.role_name.clone())).collect();
        let roles: BTreeMap<String, usize> = model.roles.iter().enumerate().map(|(i, r)| (r.id.0.clone(), i)).collect();

        let mut policies: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, policy) in model.policies.iter().enumerate() {
            for role in &policy.roles {
                policies.entry(role.0.clone()).or_default().push(i);
            }
        }

        let mut bindings: BTreeMap<String, Vec<(bool, usize)>> = BTreeMap::new();
        if let Some(k) = &model.kubernetes {
            let namespaced = k.role_bindings.iter().enumerate().map(|(i, b)| ((false, i), b));
            let cluster = k.cluster_role_bindings.iter().enumerate().map(|(i, b)| ((true, i), b));
            for (at, binding) in namespaced.chain(cluster) {
                for subject in binding.subjects.iter().filter(|s| s.kind == "Group") {
                    bindings.entry(subject.name.clone()).or_default().push(at);
                }
            }
        }
        Lookups {
            doc: Arc::clone(doc),
            names: Arc::new(names),
            roles: Arc::new(roles),
            policies: Arc::new(policies),
            bindings: Arc::new(bindings),
        }
    }
}

impl Lookups {
    /// The RoleBindings and ClusterRoleBindings whose subjects name a Kubernetes group, in the
    /// order `bindings_of(group)` gives them.
    fn bindings_of(&self, group: &str) -> Vec<&RoleBinding> {
        let found = self.bindings.get(group).map_or(&[][..], Vec::as_slice);
        let Some(k) = &self.doc.model().kubernetes else { return Vec::new() };
        found
            .iter()
            .filter_map(|&(cluster, i)| if cluster { k.cluster_role_bindings.get(i) } else { k.role_bindings.get(i) })
            .collect()
    }
}

/// Adds what needs the model itself: `text` with the model's role names, and the look-ups
/// `role(id)`, `policies_of(role_id)` (the customer managed policies attached to a role) and
/// `bindings_of(group)` (the RoleBindings and ClusterRoleBindings that name a Kubernetes group).
pub fn register_model(env: &mut Environment<'_>, lookups: &Lookups) {
    register_text(env, Arc::clone(&lookups.names));

    let (doc, roles) = (Arc::clone(&lookups.doc), Arc::clone(&lookups.roles));
    env.add_function("role", move |id: &str| -> Result<Value, Error> {
        let i = *roles.get(id).ok_or_else(|| no_role(id))?;
        Ok(Role::expose(Node::at(&doc, move |m| m.roles.get(i))))
    });
    let (doc, policies) = (Arc::clone(&lookups.doc), Arc::clone(&lookups.policies));
    env.add_function("policies_of", move |id: &str| -> Value {
        let found = policies.get(id).map_or(&[][..], Vec::as_slice);
        found.iter().map(|&i| ManagedPolicy::expose(Node::at(&doc, move |m| m.policies.get(i)))).collect()
    });
    let (doc, bindings) = (Arc::clone(&lookups.doc), Arc::clone(&lookups.bindings));
    env.add_function("bindings_of", move |group: &str| -> Value {
        let found = bindings.get(group).map_or(&[][..], Vec::as_slice);
        found
            .iter()
            .map(|&(cluster, i)| {
                RoleBinding::expose(Node::at(&doc, move |m| {
                    let k = m.kubernetes.as_ref()?;
                    if cluster { k.cluster_role_bindings.get(i) } else { k.role_bindings.get(i) }
                }))
            })
            .collect()
    });
    let (doc, names) = (Arc::clone(&lookups.doc), Arc::clone(&lookups.names));
    env.add_function("policy_rows", move |policy: &Value, by_level: bool| -> Result<String, Error> {
        let found = shown(policy, "policy_rows", "a policy (an item of `policies`)")?;
        let text = TextWriter::spec(&doc.model().target, &names);
        rows::policy_rows(found, by_level.then(|| doc.access_levels()), &text)
    });
    add_written(env, lookups, "trusted_by", ROLE, Style::Spec, lines::trusted_by);
    add_written(env, lookups, "trust_lines", ROLE, Style::Spec, lines::trust_lines);
    let found = lookups.clone();
    env.add_function("access_entry_lines", move |entry: &Value| -> Result<String, Error> {
        let entry: &AccessEntry = shown(entry, "access_entry_lines", ACCESS_ENTRY)?;
        let name = found.names.get(&entry.role.0).ok_or_else(|| no_role(&entry.role.0))?;
        Ok(lines::access_entry_lines(entry, name, |group| found.bindings_of(group)))
    });
    add_written(env, lookups, "eksctl_access_entry", ACCESS_ENTRY, Style::Env, rows::eksctl_access_entry);
    let takes = "a Pod Identity association (an item of `podIdentityAssociations`)";
    add_written(env, lookups, "eksctl_pod_identity", takes, Style::Env, rows::eksctl_pod_identity);
    env.add_function("role_ref_yaml", |binding: &Value| -> Result<String, Error> {
        Ok(rows::role_ref_yaml(shown(binding, "role_ref_yaml", BINDING)?))
    });
    env.add_function("rule_rows", |kind: &str, role: &Value| -> Result<String, Error> {
        Ok(rows::rule_rows(kind, shown(role, "rule_rows", RBAC_ROLE)?))
    });
    env.add_function("metadata_yaml", |meta: &Value| -> Result<String, Error> {
        Ok(rows::metadata_yaml(shown(meta, "metadata_yaml", "a Kubernetes object's `meta`")?))
    });
    env.add_function("subjects_yaml", |binding: &Value| -> Result<String, Error> {
        Ok(rows::subjects_yaml(shown(binding, "subjects_yaml", BINDING)?))
    });
    env.add_function("rules_yaml", |role: &Value| -> Result<String, Error> {
        Ok(rows::rules_yaml(shown(role, "rules_yaml", RBAC_ROLE)?))
    });
}

/// Adds the function `name(object)`, which writes a part of the model (a `T`) with its texts in
/// a `style`, for the model's target.
fn add_written<T: view::Fields>(
    env: &mut Environment<'_>,
    lookups: &Lookups,
    name: &'static str,
    takes: &'static str,
    style: Style,
    write: fn(&T, &TextWriter<'_>) -> Result<String, Error>,
) {
    let (doc, names) = (Arc::clone(&lookups.doc), Arc::clone(&lookups.names));
    env.add_function(name, move |value: &Value| -> Result<String, Error> {
        write(shown(value, name, takes)?, &TextWriter::new(style, &doc.model().target, &names))
    });
}

/// What the functions written in Rust take, as their errors say it.
const ROLE: &str = "a role (an item of `roles`)";
const ACCESS_ENTRY: &str = "an access entry (an item of `accessEntries`)";
const RBAC_ROLE: &str = "a Role or ClusterRole (an item of `kubernetes.roles`)";
const BINDING: &str = "a RoleBinding or ClusterRoleBinding (an item of `kubernetes.roleBindings`)";

/// The part of the model the argument of `function` shows, or the error that says what
/// `function` `takes`.
fn shown<'v, T: view::Fields>(value: &'v Value, function: &str, takes: &str) -> Result<&'v T, Error> {
    view::shown(value).ok_or_else(|| invalid(format!("`{function}` takes {takes}")))
}

/// The error of a look-up by a role id that no role has.
fn no_role(id: &str) -> Error {
    invalid(format!("`role`: no role has id `{id}`"))
}

fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidOperation, message.into())
}

/// A YAML scalar or flow collection that YAML 1.1 and 1.2 readers read back as the same value:
/// a string stays plain only when no reader could take it for anything else, else it is
/// double-quoted (JSON's string syntax is valid YAML).
/// Sequences and maps are written in flow style (`[a, "b c"]`, `{k: v}`), each item so quoted.
fn yaml(value: &Value) -> Result<String, Error> {
    let mut out = String::new();
    write_yaml(value, &mut out)?;
    Ok(out)
}

/// [`yaml`], appended to `out`: one buffer for a whole flow collection.
fn write_yaml(value: &Value, out: &mut String) -> Result<(), Error> {
    match value.kind() {
        ValueKind::String => match value.as_str() {
            Some(s) => write_yaml_str(s, out),
            None => write_json(value, out)?,
        },
        ValueKind::Seq | ValueKind::Iterable => {
            out.push('[');
            for (i, item) in value.try_iter()?.enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_yaml(&item, out)?;
            }
            out.push(']');
        }
        ValueKind::Map => {
            out.push('{');
            for (i, key) in value.try_iter()?.enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_yaml(&key, out)?;
                out.push_str(": ");
                write_yaml(&value.get_item(&key)?, out)?;
            }
            out.push('}');
        }
        _ => write_json(value, out)?,
    }
    Ok(())
}

/// A string as [`yaml`] writes it, appended to `out`: plain when [`is_plain_yaml`], else as a
/// JSON string.
pub(super) fn write_yaml_str(s: &str, out: &mut String) {
    if is_plain_yaml(s) {
        out.push_str(s);
    } else {
        out.push('"');
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\u{8}' => out.push_str("\\b"),
                '\u{c}' => out.push_str("\\f"),
                c if c < ' ' => {
                    let _ = write!(out, "\\u{:04x}", u32::from(c));
                }
                c => out.push(c),
            }
        }
        out.push('"');
    }
}

/// Whether a string may be written as a plain YAML scalar: it starts with a letter, holds only
/// letters, digits and `-._/`, and is none of the words YAML 1.1 reads as a boolean or null.
fn is_plain_yaml(s: &str) -> bool {
    const WORDS: &[&str] = &["y", "n", "yes", "no", "on", "off", "true", "false", "null"];
    s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'/'))
        && !WORDS.iter().any(|w| w.eq_ignore_ascii_case(s))
}

/// Compact JSON. Map keys keep the model's order, which is fixed.
fn json(value: &Value) -> Result<String, Error> {
    serde_json::to_string(value).map_err(|e| invalid(format!("cannot write JSON: {e}")))
}

/// [`json`], appended to `out`.
fn write_json(value: &Value, out: &mut String) -> Result<(), Error> {
    out.push_str(&json(value)?);
    Ok(())
}

/// The string a text filter reads: a string value as it is, anything else as it prints.
fn as_text(value: &Value) -> Cow<'_, str> {
    match value.as_str() {
        Some(s) => Cow::Borrowed(s),
        None => Cow::Owned(value.to_string()),
    }
}

/// Markdown inline text: every character Markdown could read as syntax is backslash-escaped, and
/// a line break becomes a space, so a value stays on its line and in its table cell.
fn md(value: &Value) -> String {
    let s = as_text(value);
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '~' | '!' | '&' => {
                out.push('\\');
                out.push(c);
            }
            '\r' | '\n' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// A Markdown code span: fenced with more backticks than the value holds, `|` escaped so the
/// span can sit in a table cell, line breaks as spaces.
fn code(value: &Value) -> String {
    let s = as_text(value);
    let mut out = String::with_capacity(s.len() + 4);
    write_code(&s, &mut out);
    out
}

/// [`code`], appended to `out`: the Rust helpers that write whole table rows use it.
pub(super) fn write_code(s: &str, out: &mut String) {
    if s.trim().is_empty() {
        // An empty span is not a code span in Markdown: show the quotes.
        out.push_str("`\"");
        out.extend(s.chars().map(|c| if matches!(c, '\r' | '\n') { ' ' } else { c }));
        out.push_str("\"`");
        return;
    }
    // Most values (action names, ARNs) hold no backtick, `|` or line break: written as they are.
    // Scanned without an early exit, which the compiler turns into wide compares.
    let plain = !s.bytes().fold(false, |found, c| found | matches!(c, b'`' | b'|' | b'\r' | b'\n'));
    if plain {
        out.reserve(s.len() + 2);
        out.push('`');
        out.push_str(s);
        out.push('`');
        return;
    }
    let mut longest = 0;
    let mut run = 0;
    for c in s.bytes() {
        run = if c == b'`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let pad = if s.starts_with('`') || s.ends_with('`') { " " } else { "" };
    let fence = |out: &mut String| (0..=longest).for_each(|_| out.push('`'));
    fence(out);
    out.push_str(pad);
    for c in s.chars() {
        match c {
            '\r' | '\n' => out.push(' '),
            '|' => out.push_str("\\|"),
            _ => out.push(c),
        }
    }
    out.push_str(pad);
    fence(out);
}

/// One CSV field (RFC 4180): quoted when it holds a comma, a quote, a line break or leading or
/// trailing space, with quotes doubled.
fn csv(value: &Value) -> String {
    let s = as_text(value);
    if s.contains([',', '"', '\r', '\n']) || s.starts_with(' ') || s.ends_with(' ') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.into_owned()
    }
}

/// One part of a model `Text`, as the model document writes it: read by serde only to say what
/// is wrong with a value that is not a list of parts.
#[derive(Debug, Deserialize)]
#[expect(dead_code, reason = "only the deserializer's error is used")]
#[serde(tag = "kind", content = "value", rename_all = "camelCase")]
enum Part {
    Lit(String),
    Partition,
    Region,
    Account,
    RoleArn(String),
    PolicyVar(String),
}

/// One part of a `Text` as [`each_part`] reads it, borrowed from the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PartRef<'a> {
    Lit(&'a str),
    Partition,
    Region,
    Account,
    RoleArn(&'a str),
    PolicyVar(&'a str),
}

impl<'a> PartRef<'a> {
    fn of(part: &'a ModelPart) -> PartRef<'a> {
        match part {
            ModelPart::Lit(s) => PartRef::Lit(s),
            ModelPart::Partition => PartRef::Partition,
            ModelPart::Region => PartRef::Region,
            ModelPart::Account => PartRef::Account,
            ModelPart::RoleArn(id) => PartRef::RoleArn(&id.0),
            ModelPart::PolicyVar(var) => PartRef::PolicyVar(var),
        }
    }
}

/// Calls `each` with every part of a `Text` of the model document (a list of parts) or of a plain
/// string (one literal part), in order.
///
/// Reads straight from the value, borrowing its strings: `text` runs for every ARN of every
/// statement, and going through serde's deserializer (or copying each part) cost more than the
/// rest of the access report. A value that is not a list of parts goes to the deserializer, for
/// its message.
fn each_part(value: &Value, mut each: impl FnMut(PartRef<'_>) -> Result<(), Error>) -> Result<(), Error> {
    if let Some(s) = value.as_str() {
        return each(PartRef::Lit(s));
    }
    if let Some(text) = value.downcast_object_ref::<TextView>().and_then(TextView::text) {
        for part in &text.0 {
            each(PartRef::of(part))?;
        }
        return Ok(());
    }
    if value.kind() != ValueKind::Seq {
        return Err(invalid(format!("`text` takes a text of the model or a string, not {}", value.kind())));
    }
    for item in value.try_iter()? {
        let kind = item.get_attr("kind").unwrap_or_default();
        let text = item.get_attr("value").unwrap_or_default();
        let part = match (kind.as_str(), text.as_str()) {
            (Some("lit"), Some(s)) => PartRef::Lit(s),
            (Some("partition"), _) => PartRef::Partition,
            (Some("region"), _) => PartRef::Region,
            (Some("account"), _) => PartRef::Account,
            (Some("roleArn"), Some(id)) => PartRef::RoleArn(id),
            (Some("policyVar"), Some(var)) => PartRef::PolicyVar(var),
            _ => return Err(not_parts(value)),
        };
        each(part)?;
    }
    Ok(())
}

/// The deserializer's message for a value that is not a list of parts.
fn not_parts(value: &Value) -> Error {
    let message = match Vec::<Part>::deserialize(value.clone()) {
        Err(e) => e.to_string(),
        Ok(_) => "an item is not a part".to_owned(),
    };
    invalid(format!("`text` takes a text of the model (a list of parts): {message}"))
}

/// How `text` writes the symbolic values that the spec does not pin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    /// As the spec writes them: `${AWS::Partition}`, `${AWS::Region}`, `${AWS::AccountId}`.
    Spec,
    /// A CloudFormation `Fn::Sub` string: as `Spec`, with policy variables as `${!aws:userid}`.
    Cloudformation,
    /// A Terraform string: `${data.aws_partition.current.partition}` and so on, policy variables
    /// as `$${aws:userid}`.
    Terraform,
    /// Environment variables for `envsubst`: `${AWS_PARTITION}`, `${AWS_REGION}`,
    /// `${AWS_ACCOUNT_ID}`.
    Env,
    /// Literal only: a value the spec does not pin is an error.
    Literal,
}

impl Style {
    const NAMES: &'static str = "`spec`, `cloudformation`, `terraform`, `env`, `literal`";

    fn parse(name: &str) -> Option<Style> {
        Some(match name {
            "spec" => Style::Spec,
            "cloudformation" => Style::Cloudformation,
            "terraform" => Style::Terraform,
            "env" => Style::Env,
            "literal" => Style::Literal,
            _ => return None,
        })
    }

    /// How a deploy-time value is written: partition, region, account in this order.
    fn symbol(self, which: usize) -> Option<&'static str> {
        let table: [&str; 3] = match self {
            Style::Spec | Style::Cloudformation => ["${AWS::Partition}", "${AWS::Region}", "${AWS::AccountId}"],
            Style::Terraform => [
                "${data.aws_partition.current.partition}",
                "${data.aws_region.current.region}",
                "${data.aws_caller_identity.current.account_id}",
            ],
            Style::Env => ["${AWS_PARTITION}", "${AWS_REGION}", "${AWS_ACCOUNT_ID}"],
            Style::Literal => return None,
        };
        table.get(which).copied()
    }

    fn literal(self, s: &str, out: &mut String) {
        match self {
            Style::Terraform => out.push_str(&s.replace("${", "$${").replace("%{", "%%{")),
            _ => out.push_str(s),
        }
    }

    fn policy_var(self, var: &str, out: &mut String) {
        let open = match self {
            Style::Cloudformation => "${!",
            Style::Terraform => "$${",
            _ => "${",
        };
        out.push_str(open);
        out.push_str(var);
        out.push('}');
    }
}

/// The values the spec pins (`target.partition`, `.region`, `.account`), read from the
/// context once per call.
struct Pins(Option<Value>);

impl Pins {
    fn of(state: &State<'_, '_>) -> Pins {
        Pins(state.lookup("target"))
    }

    /// The value the spec pins for `target.<field>`, if any.
    fn get(&self, field: &str) -> Option<Value> {
        let value = self.0.as_ref()?.get_attr(field).ok()?;
        value.as_str().is_some().then_some(value)
    }
}

/// `value|text(style)`: a text of the model with its deploy-time values in a target's syntax
/// (`spec`, the default; `cloudformation`; `terraform`; `env`) or `literal`ly; values the spec
/// pins are always written literally.
fn text(state: &State<'_, '_>, names: &RoleNames, value: &Value, style: Option<&str>) -> Result<String, Error> {
    let style = match style {
        None => Style::Spec,
        Some(name) => Style::parse(name)
            .ok_or_else(|| invalid(format!("`text`: unknown style `{name}`; known styles: {}", Style::NAMES)))?,
    };
    let pins = Pins::of(state);
    let pinned = ["partition", "region", "account"].map(|field| pins.get(field));
    let writer = TextWriter { style, pins: pinned.each_ref().map(|v| v.as_ref().and_then(Value::as_str)), names };
    let mut out = String::new();
    each_part(value, |part| writer.part(part, &mut out))?;
    Ok(out)
}

/// What writing a text takes: the style, the values the spec pins (partition, region, account)
/// and the role names.
pub(super) struct TextWriter<'a> {
    style: Style,
    pins: [Option<&'a str>; 3],
    names: &'a BTreeMap<String, String>,
}

impl<'a> TextWriter<'a> {
    /// A style, for the pins of a model's target.
    fn new(style: Style, target: &'a crate::model::Target, names: &'a BTreeMap<String, String>) -> TextWriter<'a> {
        let pins = [target.partition.as_deref(), target.region.as_deref(), target.account.as_deref()];
        TextWriter { style, pins, names }
    }

    /// `text`'s default style (`spec`), for the pins of a model's target.
    pub(super) fn spec(target: &'a crate::model::Target, names: &'a BTreeMap<String, String>) -> TextWriter<'a> {
        TextWriter::new(Style::Spec, target, names)
    }

    /// `text("env")`'s style, for the pins of a model's target.
    #[cfg(test)]
    pub(super) fn env(target: &'a crate::model::Target, names: &'a BTreeMap<String, String>) -> TextWriter<'a> {
        TextWriter::new(Style::Env, target, names)
    }

    /// The ARN of the role with id `id`, appended to `out`.
    pub(super) fn role_arn(&self, id: &str, out: &mut String) -> Result<(), Error> {
        self.part(PartRef::RoleArn(id), out)
    }

    /// A text of the model, appended to `out`.
    pub(super) fn text(&self, text: &crate::model::Text, out: &mut String) -> Result<(), Error> {
        for part in &text.0 {
            self.part(PartRef::of(part), out)?;
        }
        Ok(())
    }

    /// Partition, region or account (`which` 0, 1, 2): pinned, literally, else as the style writes it.
    fn symbol(&self, which: usize, out: &mut String) -> Result<(), Error> {
        const FIELDS: [&str; 3] = ["partition", "region", "account"];
        if let Some(value) = self.pins.get(which).copied().flatten() {
            self.style.literal(value, out);
        } else {
            let field = FIELDS.get(which).copied().unwrap_or_default();
            let written = self.style.symbol(which).ok_or_else(|| {
                invalid(format!("`text(\"literal\")`: the spec does not pin `{field}`, so the value is not literal"))
            })?;
            out.push_str(written);
        }
        Ok(())
    }

    fn part(&self, part: PartRef<'_>, out: &mut String) -> Result<(), Error> {
        match part {
            PartRef::Lit(s) => self.style.literal(s, out),
            PartRef::Partition => self.symbol(0, out)?,
            PartRef::Region => self.symbol(1, out)?,
            PartRef::Account => self.symbol(2, out)?,
            PartRef::RoleArn(id) => {
                out.push_str("arn:");
                self.symbol(0, out)?;
                out.push_str(":iam::");
                self.symbol(2, out)?;
                out.push_str(":role/");
                let name = self.names.get(id).ok_or_else(|| invalid(format!("`text`: no role has id `{id}`")))?;
                self.style.literal(name, out);
            }
            PartRef::PolicyVar(var) => self.style.policy_var(var, out),
        }
        Ok(())
    }
}

/// `value is symbolic`: a text of the model holds a deploy-time value that the spec does not pin.
fn symbolic(state: &State<'_, '_>, value: &Value) -> Result<bool, Error> {
    let pins = Pins::of(state);
    let mut found = false;
    each_part(value, |part| {
        let unpinned = |field: &str| pins.get(field).is_none();
        found = found
            || match part {
                PartRef::Partition => unpinned("partition"),
                PartRef::Region => unpinned("region"),
                PartRef::Account => unpinned("account"),
                PartRef::RoleArn(_) => unpinned("partition") || unpinned("account"),
                PartRef::Lit(_) | PartRef::PolicyVar(_) => false,
            };
        Ok(())
    })?;
    Ok(found)
}

#[cfg(test)]
mod tests;
