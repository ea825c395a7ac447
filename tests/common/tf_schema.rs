//! A check of Terraform JSON configuration (`*.tf.json`) against the attribute schema of the
//! hashicorp/aws provider, standing in for `terraform validate`, which cannot run here (the
//! provider cannot be downloaded).
//!
//! The JSON rules are Terraform's own ("JSON Configuration Syntax",
//! <https://developer.hashicorp.com/terraform/language/syntax/json>): the root object's properties
//! are top-level block types; a block with labels nests one object per label; a block body is
//! an object, or an array of objects where several blocks of that type are given; a property
//! named `//` in a block body is a comment; and every string in an expression is a template,
//! in which `${` opens an interpolation and `$${` writes a literal `${`.
//!
//! What the schema file does not hold, this file writes down, each table with its source:
//! attributes the provider computes (readable by references, never settable), deprecated
//! arguments and the Terraform built-in function names.
//!
//! [`check_tf_json`] returns one finding per problem, `<json path>: <message>`, and never stops
//! at the first.
//!
//! Not checked, because the schema file does not say: how many items a repeatable block may
//! have (no `min_items`/`max_items` in it; a required block must appear at least once), which
//! arguments conflict with each other, allowed values, provider configuration arguments and
//! module inputs (only their expressions are checked).

// Each test binary that declares `mod common;` uses a different part of the helpers.
#![allow(dead_code)]

use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// Where the schema lives, relative to the crate root (see `tests/data/README.md`).
pub const SCHEMA_FILE: &str = "tests/data/terraform-aws-schema-iam-eks.json";

/// The provider schema: argument names, types, nesting and required flags of every resource
/// type and data source type the file covers, kept apart by kind.
#[derive(Debug, Clone)]
pub struct Schema {
    /// `registry.terraform.io/hashicorp/aws`.
    pub provider: String,
    /// `6.66.0`.
    pub version: String,
    pub resources: BTreeMap<String, Body>,
    pub data_sources: BTreeMap<String, Body>,
}

/// The arguments and nested blocks of a resource, a data source or a nested block.
#[derive(Debug, Clone, Default)]
pub struct Body {
    pub fields: BTreeMap<String, Field>,
}

#[derive(Debug, Clone)]
pub enum Field {
    Attribute { required: bool, ty: AttrType },
    Block { required: bool, nesting: Nesting, body: Body },
}

impl Field {
    fn required(&self) -> bool {
        match self {
            Field::Attribute { required, .. } | Field::Block { required, .. } => *required,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Primitive {
    String,
    Number,
    Bool,
}

impl fmt::Display for Primitive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Primitive::String => "string",
            Primitive::Number => "number",
            Primitive::Bool => "bool",
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrType {
    Primitive(Primitive),
    List(Primitive),
    Set(Primitive),
    Map(Primitive),
}

/// How often a nested block may appear: `list` and `set` blocks repeat, a `single` block
/// (`timeouts`) appears at most once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nesting {
    List,
    Set,
    Single,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Resource,
    Data,
}

impl Kind {
    fn noun(self) -> &'static str {
        match self {
            Kind::Resource => "resource",
            Kind::Data => "data source",
        }
    }
}

/// Reads the schema from `tests/data/` (never from the shared folder).
///
/// A missing or malformed schema file stops the test that asked for it: nothing can be checked
/// without it.
#[allow(clippy::panic)]
pub fn load_schema() -> Schema {
    let path = format!("{}/{SCHEMA_FILE}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read the provider schema {path}: {e}"));
    let value: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("the provider schema {path} is not JSON: {e}"));
    Schema::from_json(&value).unwrap_or_else(|e| panic!("the provider schema {path}: {e}"))
}

impl Schema {
    /// Reads the shape described in `tests/data/README.md`; anything else is an error, so that a
    /// changed file is noticed instead of half-read.
    pub fn from_json(value: &Value) -> Result<Schema, String> {
        let root = value.as_object().ok_or("the root is not an object")?;
        for key in root.keys() {
            if !["data", "note", "provider", "resource", "source_package"].contains(&key.as_str()) {
                return Err(format!("unexpected top-level key `{key}`"));
            }
        }
        let provider = root.get("provider").ok_or("no `provider`")?;
        let text = |key: &str| {
            provider
                .get(key)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or(format!("`provider.{key}` is not a string"))
        };
        let types = |key: &str| -> Result<BTreeMap<String, Body>, String> {
            let map = root.get(key).and_then(Value::as_object).ok_or(format!("`{key}` is not an object"))?;
            map.iter().map(|(name, v)| Ok((name.clone(), parse_body(v, &format!("{key}.{name}"))?))).collect()
        };
        Ok(Schema {
            provider: text("name")?,
            version: text("version")?,
            resources: types("resource")?,
            data_sources: types("data")?,
        })
    }

    fn types(&self, kind: Kind) -> &BTreeMap<String, Body> {
        match kind {
            Kind::Resource => &self.resources,
            Kind::Data => &self.data_sources,
        }
    }
}

fn parse_body(value: &Value, path: &str) -> Result<Body, String> {
    let map = value.as_object().ok_or(format!("`{path}` is not an object"))?;
    let mut fields = BTreeMap::new();
    for (name, spec) in map {
        let at = format!("{path}.{name}");
        let spec = spec.as_object().ok_or(format!("`{at}` is not an object"))?;
        for key in spec.keys() {
            if !["block", "nested", "required", "storage", "type"].contains(&key.as_str()) {
                return Err(format!("`{at}` has an unexpected key `{key}`"));
            }
        }
        let flag = |key: &str| spec.get(key).and_then(Value::as_bool).ok_or(format!("`{at}.{key}` is not a boolean"));
        let word = |key: &str| spec.get(key).and_then(Value::as_str).ok_or(format!("`{at}.{key}` is not a string"));
        let required = flag("required")?;
        let (ty, storage) = (word("type")?, word("storage")?);
        let field = if flag("block")? {
            let nesting = match ty {
                "list" => Nesting::List,
                "set" => Nesting::Set,
                "struct" => Nesting::Single,
                other => return Err(format!("`{at}`: unknown block type `{other}`")),
            };
            let nested = spec.get("nested").ok_or(format!("`{at}` has no `nested`"))?;
            Field::Block { required, nesting, body: parse_body(nested, &at)? }
        } else {
            if spec.contains_key("nested") {
                return Err(format!("`{at}` is not a block but has `nested`"));
            }
            let element = |suffix: &str| -> Result<Primitive, String> {
                match storage.strip_suffix(suffix) {
                    Some("string") => Ok(Primitive::String),
                    Some("number") => Ok(Primitive::Number),
                    Some("boolean") => Ok(Primitive::Bool),
                    _ => Err(format!("`{at}`: storage `{storage}` does not fit type `{ty}`")),
                }
            };
            let ty = match ty {
                "simple" => AttrType::Primitive(element("")?),
                "list" => AttrType::List(element("List")?),
                "set" => AttrType::Set(element("List")?),
                "map" => AttrType::Map(element("Map")?),
                other => return Err(format!("`{at}`: unknown attribute type `{other}`")),
            };
            Field::Attribute { required, ty }
        };
        fields.insert(name.clone(), field);
    }
    Ok(Body { fields })
}

/// Attributes that the provider computes and exports, which the schema file leaves out (it
/// holds arguments only) but which a reference may read, and which a configuration must not
/// set. Each list is the "Attribute Reference" section of that type's page in the provider's
/// documentation (hashicorp/terraform-provider-aws, `website/docs/r/<name>.html.markdown` and
/// `website/docs/d/<name>.html.markdown`, name without the `aws_` prefix). Only the types that
/// hyperpod-iam writes are listed: a reference to an attribute of any other type that is not
/// an argument is reported, so that this table grows from the documentation, not by guess.
const COMPUTED: &[(Kind, &str, &[&str])] = &[
    // d/caller_identity: account_id, arn, id, user_id.
    (Kind::Data, "aws_caller_identity", &["account_id", "arn", "id", "user_id"]),
    // d/iam_policy_document: json.
    (Kind::Data, "aws_iam_policy_document", &["json"]),
    // d/partition: dns_suffix, id (deprecated), partition, reverse_dns_prefix.
    (Kind::Data, "aws_partition", &["dns_suffix", "id", "partition", "reverse_dns_prefix"]),
    // d/region: description, besides its arguments endpoint, name (deprecated) and region.
    (Kind::Data, "aws_region", &["description", "endpoint", "id", "name", "region"]),
    // r/eks_access_entry.
    (Kind::Resource, "aws_eks_access_entry", &["access_entry_arn", "created_at", "modified_at", "tags_all"]),
    // r/eks_access_policy_association.
    (Kind::Resource, "aws_eks_access_policy_association", &["associated_access_policy"]),
    // r/eks_pod_identity_association.
    (Kind::Resource, "aws_eks_pod_identity_association", &["association_arn", "association_id", "tags_all"]),
    // r/iam_policy.
    (Kind::Resource, "aws_iam_policy", &["arn", "id", "policy_id", "tags_all"]),
    // r/iam_role.
    (Kind::Resource, "aws_iam_role", &["arn", "create_date", "id", "name", "tags_all", "unique_id"]),
    // r/iam_role_policy.
    (Kind::Resource, "aws_iam_role_policy", &["id"]),
    // r/iam_role_policy_attachment: "This resource exports no additional attributes."
    (Kind::Resource, "aws_iam_role_policy_attachment", &[]),
    // r/iam_service_linked_role.
    (
        Kind::Resource,
        "aws_iam_service_linked_role",
        &["arn", "create_date", "id", "name", "path", "tags_all", "unique_id"],
    ),
];

/// Deprecated attributes of hashicorp/aws 6.x, which the schema file does not mark: setting or
/// reading one makes Terraform warn, and a generated file should give no warning.
/// - `aws_region.name`: d/region.html.markdown, "(Optional, **Deprecated**) ... Use `region`
///   instead".
/// - `aws_partition.id`: d/partition.html.markdown, "(**Deprecated**) ... Use `partition`
///   instead".
/// - `aws_iam_role.inline_policy` and `.managed_policy_arns`: `Deprecated:` in the provider's
///   `internal/service/iam/role.go` ("inline_policy is deprecated. Use the aws_iam_role_policy
///   resource instead...", from 5.68.0), and Terraform's warning for `managed_policy_arns`
///   ("managed_policy_arns is deprecated. Use the aws_iam_role_policy_attachment resource
///   instead..."); the advice below is theirs.
const DEPRECATED: &[(Kind, &str, &str, &str)] = &[
    (Kind::Data, "aws_partition", "id", "use `partition` instead"),
    (Kind::Data, "aws_region", "name", "use `region` instead"),
    (
        Kind::Resource,
        "aws_iam_role",
        "inline_policy",
        "use `aws_iam_role_policy` resources instead (with `aws_iam_role_policies_exclusive` for exclusive management)",
    ),
    (
        Kind::Resource,
        "aws_iam_role",
        "managed_policy_arns",
        "use `aws_iam_role_policy_attachment` resources instead (with `aws_iam_role_policy_attachments_exclusive` for exclusive management)",
    ),
];

/// Terraform's built-in functions (developer.hashicorp.com/terraform/language/functions), so
/// that a misspelt `jsonencod(` is caught. Provider functions (`provider::aws::arn_parse`) are
/// accepted by their `provider::` prefix.
#[rustfmt::skip]
const FUNCTIONS: &[&str] = &[
    "abs", "abspath", "alltrue", "anytrue", "base64decode", "base64encode", "base64gzip",
    "base64sha256", "base64sha512", "basename", "bcrypt", "can", "ceil", "chomp", "chunklist",
    "cidrhost", "cidrnetmask", "cidrsubnet", "cidrsubnets", "coalesce", "coalescelist", "compact",
    "concat", "contains", "csvdecode", "dirname", "distinct", "element", "endswith",
    "ephemeralasnull", "file", "filebase64", "filebase64sha256", "filebase64sha512", "fileexists",
    "filemd5", "fileset", "filesha1", "filesha256", "filesha512", "flatten", "floor", "format",
    "formatdate", "formatlist", "indent", "index", "issensitive", "join", "jsondecode",
    "jsonencode", "keys", "length", "log", "lookup", "lower", "matchkeys", "max", "md5", "merge",
    "min", "nonsensitive", "one", "parseint", "pathexpand", "plantimestamp", "pow", "range",
    "regex", "regexall", "replace", "reverse", "rsadecrypt", "sensitive", "setintersection",
    "setproduct", "setsubtract", "setunion", "sha1", "sha256", "sha512", "signum", "slice", "sort",
    "split", "startswith", "strcontains", "strrev", "substr", "sum", "templatefile",
    "templatestring", "textdecodebase64", "textencodebase64", "timeadd", "timecmp", "timestamp",
    "title", "tobool", "tolist", "tomap", "tonumber", "toset", "tostring", "transpose", "trim",
    "trimprefix", "trimspace", "trimsuffix", "try", "type", "upper", "urlencode", "uuid", "uuidv5",
    "values", "yamldecode", "yamlencode", "zipmap",
];

/// Names that may start a reference besides resource types (Terraform's named values).
const ROOTS: &[&str] = &["count", "data", "each", "local", "module", "path", "self", "terraform", "var"];

const TOP_LEVEL: &[&str] = &[
    "//",
    "check",
    "data",
    "import",
    "locals",
    "module",
    "moved",
    "output",
    "provider",
    "removed",
    "resource",
    "terraform",
    "variable",
];

/// Validates a Terraform JSON configuration against Terraform's JSON syntax and the provider
/// schema, and returns every finding as `<json path>: <message>`.
pub fn check_tf_json(doc: &Value, schema: &Schema) -> Vec<String> {
    let mut checker = Checker { schema, declared: Declared::collect(doc), findings: Vec::new() };
    checker.document(doc);
    checker.findings
}

/// Every named object the document declares, for checking references.
#[derive(Debug, Default)]
struct Declared {
    objects: BTreeSet<(Kind, String, String)>,
    variables: BTreeSet<String>,
    locals: BTreeSet<String>,
    modules: BTreeSet<String>,
    /// `aws.west` for a `provider.aws` block with `alias: west`.
    provider_aliases: BTreeSet<String>,
}

/// The object bodies of a block value, ignoring what is malformed (the checker reports it).
fn objects(value: &Value) -> Vec<&Map<String, Value>> {
    match value {
        Value::Object(map) => vec![map],
        Value::Array(items) => items.iter().filter_map(Value::as_object).collect(),
        _ => Vec::new(),
    }
}

/// The properties of a labelled block level: `{label: ...}`, or an array of such objects.
fn labels(value: &Value) -> Vec<(&String, &Value)> {
    objects(value).into_iter().flat_map(|map| map.iter()).collect()
}

impl Declared {
    fn collect(doc: &Value) -> Declared {
        let mut declared = Declared::default();
        let Some(root) = doc.as_object() else {
            return declared;
        };
        let mut add_objects = |kind: Kind, value: &Value| {
            for (ty, names) in labels(value) {
                for (name, _) in labels(names) {
                    declared.objects.insert((kind, ty.clone(), name.clone()));
                }
            }
        };
        if let Some(v) = root.get("resource") {
            add_objects(Kind::Resource, v);
        }
        if let Some(v) = root.get("data") {
            add_objects(Kind::Data, v);
        }
        // A check block's scoped data sources.
        if let Some(v) = root.get("check") {
            for (_, check) in labels(v) {
                for body in objects(check) {
                    if let Some(data) = body.get("data") {
                        add_objects(Kind::Data, data);
                    }
                }
            }
        }
        let names = |key: &str| -> BTreeSet<String> {
            root.get(key).map(|v| labels(v).into_iter().map(|(k, _)| k.clone()).collect()).unwrap_or_default()
        };
        declared.variables = names("variable");
        declared.locals = names("locals");
        declared.modules = names("module");
        if let Some(v) = root.get("provider") {
            for (provider, bodies) in labels(v) {
                for body in objects(bodies) {
                    if let Some(alias) = body.get("alias").and_then(Value::as_str) {
                        declared.provider_aliases.insert(format!("{provider}.{alias}"));
                    }
                }
            }
        }
        declared
    }
}

/// What a string is checked against besides the template syntax.
#[derive(Debug, Clone, Default)]
struct Ctx {
    /// Inside a `data.aws_iam_policy_document`, where `&{aws:userid}` is the provider's own
    /// spelling of an IAM policy variable.
    policy_document: bool,
    /// Names that may start a reference here besides the usual roots (a `dynamic` block's
    /// iterator).
    extra_roots: Vec<String>,
}

/// Which resource or data source a body belongs to, for deprecation and computed look-ups.
#[derive(Debug, Clone, Copy)]
struct Owner<'a> {
    kind: Kind,
    ty: &'a str,
}

/// A nested block type of a body: its name, nesting and own body.
#[derive(Debug, Clone, Copy)]
struct Nested<'a> {
    name: &'a str,
    nesting: Nesting,
    body: &'a Body,
}

/// One step of a reference: `.name`, or an index (`[0]`, `["k"]`, `[*]`, `.*`, `.0`).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Attr(String),
    Index,
}

struct Checker<'s> {
    schema: &'s Schema,
    declared: Declared,
    findings: Vec<String>,
}

/// `$.resource.aws_iam_role.x`, with `["..."]` for a key that is not a plain name.
fn child(path: &str, key: &str) -> String {
    let plain = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if plain { format!("{path}.{key}") } else { format!("{path}[{}]", Value::String(key.to_owned())) }
}

fn item(path: &str, index: usize) -> String {
    format!("{path}[{index}]")
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A Terraform identifier: a letter or underscore, then letters, digits, underscores, dashes.
fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// ` (did you mean `x`?)` when one candidate is close to `name`: a few edits away, or `name`
/// with a suffix added or dropped (`default_value` for `default`).
fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    let limit = (name.chars().count() / 3).clamp(1, 3);
    let affix = |c: &str| c.len() >= 3 && name.len() >= 3 && (name.starts_with(c) || c.starts_with(name));
    candidates
        .into_iter()
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, c)| *d <= limit || affix(c))
        .min()
        .map(|(_, c)| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb { prev } else { 1 + prev.min(cur).min(row[j]) };
            prev = cur;
        }
    }
    row[b.len()]
}

/// Index of the `}` closing an interpolation or directive whose body starts at `start`,
/// skipping nested braces and quoted strings (which may hold templates of their own).
fn find_close(b: &[u8], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut j = start;
    while j < b.len() {
        match b[j] {
            b'"' => j = skip_string(b, j)?,
            b'{' => depth += 1,
            b'}' if depth == 0 => return Some(j),
            b'}' => depth -= 1,
            _ => {}
        }
        j += 1;
    }
    None
}

/// Index of the `"` closing the quoted string that opens at `start`.
fn skip_string(b: &[u8], start: usize) -> Option<usize> {
    let mut k = start + 1;
    while k < b.len() {
        let rest = &b[k..];
        if rest.starts_with(b"$${") || rest.starts_with(b"%%{") {
            k += 3;
            continue;
        }
        if rest.starts_with(b"${") || rest.starts_with(b"%{") {
            k = find_close(b, k + 2)? + 1;
            continue;
        }
        match b[k] {
            b'\\' => k += 2,
            b'"' => return Some(k),
            _ => k += 1,
        }
    }
    None
}

/// `aws:userid` in `${aws:userid}`: a condition-key style name, `service:key`, which IAM
/// expands and Terraform must not see (`saml:sub`, `aws:PrincipalTag/team`,
/// `cognito-identity.amazonaws.com:sub`).
fn is_iam_policy_variable(expr: &str) -> bool {
    let Some((prefix, rest)) = expr.split_once(':') else {
        return false;
    };
    let mut chars = prefix.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_')
        && rest.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
}

/// The string is one interpolation and nothing else, so its value is the expression's value
/// (a list, a map, a number) rather than a string.
fn is_single_interpolation(s: &str) -> bool {
    let b = s.as_bytes();
    b.starts_with(b"${") && find_close(b, 2) == Some(b.len() - 1)
}

impl Checker<'_> {
    fn report(&mut self, path: &str, message: impl fmt::Display) {
        self.findings.push(format!("{path}: {message}"));
    }

    /// The bodies of a block: one object, or an array of objects.
    fn bodies<'v>(&mut self, value: &'v Value, path: &str) -> Vec<(String, &'v Map<String, Value>)> {
        match value {
            Value::Object(map) => vec![(path.to_owned(), map)],
            Value::Array(items) => {
                let mut out = Vec::new();
                for (i, entry) in items.iter().enumerate() {
                    match entry {
                        Value::Object(map) => out.push((item(path, i), map)),
                        other => self.report(
                            &item(path, i),
                            format!("a block body must be a JSON object, found {}", json_kind(other)),
                        ),
                    }
                }
                out
            }
            other => {
                self.report(
                    path,
                    format!("a block must be a JSON object or an array of JSON objects, found {}", json_kind(other)),
                );
                Vec::new()
            }
        }
    }

    /// The bodies of a block type with `count` labels, each with its labels.
    fn labelled<'v>(
        &mut self,
        value: &'v Value,
        path: &str,
        count: usize,
    ) -> Vec<(String, Vec<String>, &'v Map<String, Value>)> {
        let mut out = Vec::new();
        self.labelled_into(value, path, count, &mut Vec::new(), &mut out);
        out
    }

    /// [`Self::labelled`] for a block type whose labels must be unique (two `resource` blocks
    /// with the same type and name are an error, even when the JSON spells them apart).
    fn unique<'v>(
        &mut self,
        value: &'v Value,
        path: &str,
        count: usize,
        what: &str,
    ) -> Vec<(String, Vec<String>, &'v Map<String, Value>)> {
        let all = self.labelled(value, path, count);
        let mut seen = BTreeSet::new();
        for (p, names, _) in &all {
            if !seen.insert(names.clone()) {
                self.report(p, format!("duplicate {what} `{}`", names.join(".")));
            }
        }
        all
    }

    fn labelled_into<'v>(
        &mut self,
        value: &'v Value,
        path: &str,
        count: usize,
        prefix: &mut Vec<String>,
        out: &mut Vec<(String, Vec<String>, &'v Map<String, Value>)>,
    ) {
        if count == 0 {
            for (p, body) in self.bodies(value, path) {
                out.push((p, prefix.clone(), body));
            }
            return;
        }
        for (p, map) in self.bodies(value, path) {
            for (label, inner) in map {
                prefix.push(label.clone());
                self.labelled_into(inner, &child(&p, label), count - 1, prefix, out);
                prefix.pop();
            }
        }
    }

    fn document(&mut self, doc: &Value) {
        let Some(root) = doc.as_object() else {
            self.report("$", format!("a Terraform JSON configuration is a JSON object, found {}", json_kind(doc)));
            return;
        };
        for (key, value) in root {
            let path = child("$", key);
            match key.as_str() {
                "//" => {}
                "terraform" => {
                    for (p, body) in self.bodies(value, &path) {
                        self.terraform_block(body, &p);
                    }
                }
                "resource" => self.objects_of(Kind::Resource, value, &path),
                "data" => self.objects_of(Kind::Data, value, &path),
                "variable" => {
                    for (p, names, body) in self.unique(value, &path, 1, "variable") {
                        self.variable(&names[0], body, &p);
                    }
                }
                "output" => {
                    for (p, names, body) in self.unique(value, &path, 1, "output") {
                        self.output(&names[0], body, &p);
                    }
                }
                "locals" => {
                    for (p, body) in self.bodies(value, &path) {
                        for (name, v) in body {
                            if name == "//" {
                                continue;
                            }
                            let at = child(&p, name);
                            self.name(name, &at, "local value");
                            self.expression(v, &at, &Ctx::default());
                        }
                    }
                }
                "provider" => {
                    for (p, _, body) in self.labelled(value, &path, 1) {
                        self.provider_block(body, &p);
                    }
                }
                "module" => {
                    for (p, names, body) in self.unique(value, &path, 1, "module") {
                        self.module(&names[0], body, &p);
                    }
                }
                "moved" => {
                    for (p, body) in self.bodies(value, &path) {
                        self.moved(body, &p);
                    }
                }
                "import" => {
                    for (p, body) in self.bodies(value, &path) {
                        self.import(body, &p);
                    }
                }
                "removed" => {
                    for (p, body) in self.bodies(value, &path) {
                        self.removed(body, &p);
                    }
                }
                "check" => {
                    for (p, names, body) in self.unique(value, &path, 1, "check") {
                        self.check_block(&names[0], body, &p);
                    }
                }
                other => self.report(
                    &path,
                    format!("unknown top-level block type `{other}`{}", did_you_mean(other, TOP_LEVEL.iter().copied())),
                ),
            }
        }
    }

    fn name(&mut self, name: &str, path: &str, what: &str) {
        if !is_identifier(name) {
            self.report(
                path,
                format!(
                    "`{name}` is not a valid {what} name (a letter or underscore, then letters, digits, underscores or dashes)"
                ),
            );
        }
    }

    // ----- resources and data sources -------------------------------------------------------

    fn objects_of(&mut self, kind: Kind, value: &Value, path: &str) {
        for (p, names, body) in self.unique(value, path, 2, kind.noun()) {
            let (ty, name) = (&names[0], &names[1]);
            self.name(name, &p, kind.noun());
            self.object_body(kind, ty, body, &p);
        }
    }

    fn object_body(&mut self, kind: Kind, ty: &str, body: &Map<String, Value>, path: &str) {
        let schema = self.schema;
        let Some(spec) = schema.types(kind).get(ty) else {
            self.unknown_type(kind, ty, path);
            return;
        };
        let owner = Owner { kind, ty };
        let ctx =
            Ctx { policy_document: kind == Kind::Data && ty == "aws_iam_policy_document", extra_roots: Vec::new() };
        if body.contains_key("count") && body.contains_key("for_each") {
            self.report(path, "`count` and `for_each` cannot both be set");
        }
        let mut rest = Map::new();
        for (key, value) in body {
            let at = child(path, key);
            match key.as_str() {
                "count" | "for_each" => self.expression(value, &at, &ctx),
                "depends_on" => self.depends_on(value, &at),
                "provider" => self.provider_ref(value, &at),
                "lifecycle" => self.lifecycle(kind, spec, value, &at),
                "provisioner" | "connection" if kind == Kind::Resource => {
                    self.expression(value, &at, &ctx);
                }
                _ => {
                    rest.insert(key.clone(), value.clone());
                }
            }
        }
        self.fields(owner, spec, &rest, path, &ctx, true);
    }

    fn unknown_type(&mut self, kind: Kind, ty: &str, path: &str) {
        let other = match kind {
            Kind::Resource => Kind::Data,
            Kind::Data => Kind::Resource,
        };
        let message = if self.schema.types(other).contains_key(ty) {
            format!(
                "`{ty}` is a {} type, not a {} type: declare it under `{}`",
                other.noun(),
                kind.noun(),
                match other {
                    Kind::Resource => "resource",
                    Kind::Data => "data",
                }
            )
        } else {
            format!(
                "unknown {} type `{ty}` (not in the hashicorp/aws {} schema){}",
                kind.noun(),
                self.schema.version,
                did_you_mean(ty, self.schema.types(kind).keys().map(String::as_str))
            )
        };
        self.report(path, message);
    }

    /// The arguments and nested blocks of `body` against `spec`; `top` is the resource or data
    /// body itself (where deprecation and computed attributes are known).
    fn fields(&mut self, owner: Owner<'_>, spec: &Body, body: &Map<String, Value>, path: &str, ctx: &Ctx, top: bool) {
        let mut generated = BTreeSet::new();
        for (key, value) in body {
            let at = child(path, key);
            if key == "//" {
                continue;
            }
            if key == "dynamic" {
                generated = self.dynamic(owner, spec, value, &at, ctx);
                for name in generated.iter().filter(|_| top) {
                    if let Some(advice) = deprecation(owner, name) {
                        let at = child(&at, name);
                        self.report(&at, format!("`{name}` is deprecated: {advice}"));
                    }
                }
                continue;
            }
            match spec.fields.get(key) {
                Some(Field::Attribute { ty, .. }) => self.attribute(*ty, value, &at, ctx),
                Some(Field::Block { nesting, body, .. }) => {
                    let nested = Nested { name: key, nesting: *nesting, body };
                    self.block(owner, nested, value, &at, ctx);
                }
                None => self.unknown_field(owner, spec, key, &at, top),
            }
            if let Some(advice) = deprecation(owner, key).filter(|_| top) {
                self.report(&at, format!("`{key}` is deprecated: {advice}"));
            }
        }
        for (name, field) in &spec.fields {
            if !field.required() || generated.contains(name) {
                continue;
            }
            let present = match body.get(name) {
                None | Some(Value::Null) => false,
                Some(Value::Array(items)) => matches!(field, Field::Attribute { .. }) || !items.is_empty(),
                Some(_) => true,
            };
            if !present {
                let what = match field {
                    Field::Attribute { .. } => "argument",
                    Field::Block { .. } => "block",
                };
                self.report(path, format!("missing required {what} `{name}`"));
            }
        }
    }

    fn unknown_field(&mut self, owner: Owner<'_>, spec: &Body, key: &str, path: &str, top: bool) {
        if top && computed(owner.kind, owner.ty).is_some_and(|c| c.contains(&key)) {
            self.report(path, format!("`{key}` is computed by the provider and cannot be set"));
            return;
        }
        let place = if top { format!("{} `{}`", owner.kind.noun(), owner.ty) } else { "this block".to_owned() };
        self.report(
            path,
            format!(
                "unknown argument `{key}` for {place}{}",
                did_you_mean(key, spec.fields.keys().map(String::as_str))
            ),
        );
    }

    fn attribute(&mut self, ty: AttrType, value: &Value, path: &str, ctx: &Ctx) {
        match ty {
            AttrType::Primitive(primitive) => self.primitive(primitive, value, path, ctx),
            AttrType::List(element) | AttrType::Set(element) => match value {
                Value::Null => {}
                Value::Array(items) => {
                    for (i, v) in items.iter().enumerate() {
                        if v.is_null() {
                            self.report(&item(path, i), "a list or set element cannot be null");
                        } else {
                            self.primitive(element, v, &item(path, i), ctx);
                        }
                    }
                }
                Value::String(s) => self.whole_value_string(s, "a list", path, ctx),
                other => self.report(path, format!("expected a list of {element}s, found {}", json_kind(other))),
            },
            AttrType::Map(element) => match value {
                Value::Null => {}
                Value::Object(map) => {
                    for (k, v) in map {
                        let at = child(path, k);
                        self.template(k, &at, ctx);
                        self.primitive(element, v, &at, ctx);
                    }
                }
                Value::String(s) => self.whole_value_string(s, "a map", path, ctx),
                other => self.report(path, format!("expected a map of {element}s, found {}", json_kind(other))),
            },
        }
    }

    /// A string standing for a list or map: only a lone `${...}` keeps its value's type.
    fn whole_value_string(&mut self, s: &str, what: &str, path: &str, ctx: &Ctx) {
        self.template(s, path, ctx);
        if !is_single_interpolation(s) {
            self.report(
                path,
                format!(
                    "expected {what}, found the string `{s}` (a string stands for {what} only as a single `${{...}}` expression)"
                ),
            );
        }
    }

    fn primitive(&mut self, primitive: Primitive, value: &Value, path: &str, ctx: &Ctx) {
        match (primitive, value) {
            (_, Value::Null)
            | (Primitive::String, Value::Number(_) | Value::Bool(_))
            | (Primitive::Number, Value::Number(_))
            | (Primitive::Bool, Value::Bool(_)) => {}
            (_, Value::String(s)) => {
                self.template(s, path, ctx);
                let converts = match primitive {
                    Primitive::String => true,
                    Primitive::Number => s.trim().parse::<f64>().is_ok(),
                    Primitive::Bool => s == "true" || s == "false",
                };
                if !converts && !is_single_interpolation(s) {
                    self.report(path, format!("expected a {primitive}, found the string `{s}`"));
                }
            }
            (_, other) => {
                let hint = if primitive == Primitive::String && other.is_object() {
                    " (a policy is a JSON string: `${jsonencode(...)}` or a `data.aws_iam_policy_document`'s `json`)"
                } else {
                    ""
                };
                self.report(path, format!("expected a {primitive}, found {}{hint}", json_kind(other)));
            }
        }
    }

    fn block(&mut self, owner: Owner<'_>, nested: Nested<'_>, value: &Value, path: &str, ctx: &Ctx) {
        let Nested { name, nesting, body: spec } = nested;
        if value.is_null() {
            return;
        }
        let bodies = self.bodies(value, path);
        if nesting == Nesting::Single && bodies.len() > 1 {
            self.report(path, format!("`{name}` is a single block, found {} of them", bodies.len()));
        }
        for (p, body) in bodies {
            self.fields(owner, spec, body, &p, ctx, false);
        }
    }

    /// `"dynamic": {"<block>": {"for_each": ..., "iterator": ..., "content": {...}}}`; returns
    /// the names of the blocks it generates.
    fn dynamic(&mut self, owner: Owner<'_>, spec: &Body, value: &Value, path: &str, ctx: &Ctx) -> BTreeSet<String> {
        let mut generated = BTreeSet::new();
        for (p, names, body) in self.labelled(value, path, 1) {
            let name = &names[0];
            let Some(Field::Block { body: inner, .. }) = spec.fields.get(name) else {
                let what = if spec.fields.contains_key(name) {
                    "an argument, and `dynamic` generates blocks only"
                } else {
                    "not a nested block here"
                };
                self.report(&p, format!("`{name}` is {what}"));
                continue;
            };
            generated.insert(name.clone());
            let iterator = body.get("iterator").and_then(Value::as_str).unwrap_or(name).to_owned();
            let mut inner_ctx = ctx.clone();
            inner_ctx.extra_roots.push(iterator);
            for key in ["for_each", "content"] {
                if !body.contains_key(key) {
                    self.report(&p, format!("a `dynamic` block needs `{key}`"));
                }
            }
            for (key, v) in body {
                let at = child(&p, key);
                match key.as_str() {
                    "//" | "iterator" => {}
                    "for_each" | "labels" => self.expression(v, &at, ctx),
                    "content" => {
                        for (cp, content) in self.bodies(v, &at) {
                            self.fields(owner, inner, content, &cp, &inner_ctx, false);
                        }
                    }
                    other => self.report(&at, format!("unknown argument `{other}` in a `dynamic` block")),
                }
            }
        }
        generated
    }

    fn depends_on(&mut self, value: &Value, path: &str) {
        let Some(items) = value.as_array() else {
            self.report(path, format!("`depends_on` is an array of references, found {}", json_kind(value)));
            return;
        };
        for (i, entry) in items.iter().enumerate() {
            let at = item(path, i);
            match entry.as_str() {
                Some(address) => self.address(address, &at, Presence::MustExist),
                None => self.report(&at, format!("expected a reference string, found {}", json_kind(entry))),
            }
        }
    }

    /// An object address written as a bare reference (`aws_iam_role.x`, `data.aws_partition.p`,
    /// `module.m`), as in `depends_on`, `moved`, `import` and `removed`.
    fn address(&mut self, address: &str, path: &str, presence: Presence) {
        if address.contains("${") {
            self.report(path, format!("`{address}` must be a bare reference such as `aws_iam_role.x`, not a template"));
            return;
        }
        let (steps, end) = parse_traversal(address.as_bytes(), 0);
        let names: Vec<&str> = steps
            .iter()
            .filter_map(|s| match s {
                Step::Attr(a) => Some(a.as_str()),
                Step::Index => None,
            })
            .collect();
        let target = match names.as_slice() {
            ["module", name] => Some(("module", self.declared.modules.contains(*name))),
            ["data", ty, name] => Some(("data", self.object_exists(Kind::Data, ty, name))),
            [ty, name] if *ty != "data" && *ty != "module" => {
                Some(("resource", self.object_exists(Kind::Resource, ty, name)))
            }
            _ => None,
        };
        let Some((_, exists)) = target.filter(|_| end == address.len()) else {
            self.report(path, format!("`{address}` is not the address of a resource, data source or module"));
            return;
        };
        match presence {
            Presence::MustExist if !exists => {
                self.report(path, format!("`{address}` is not declared in this document"));
            }
            Presence::MustNotExist if exists => {
                self.report(path, format!("`{address}` is still declared in this document"));
            }
            _ => {}
        }
    }

    fn object_exists(&self, kind: Kind, ty: &str, name: &str) -> bool {
        self.declared.objects.contains(&(kind, ty.to_owned(), name.to_owned()))
    }

    fn provider_ref(&mut self, value: &Value, path: &str) {
        match value.as_str() {
            Some(reference) => match reference.split_once('.') {
                Some(_) if !self.declared.provider_aliases.contains(reference) => {
                    self.report(path, format!("no provider block declares the alias `{reference}`"))
                }
                _ if !is_identifier(reference.replace('.', "_").as_str()) => {
                    self.report(path, format!("`{reference}` is not a provider reference"));
                }
                _ => {}
            },
            None => {
                self.report(path, format!("`provider` is a reference such as `aws.west`, found {}", json_kind(value)))
            }
        }
    }

    fn lifecycle(&mut self, kind: Kind, spec: &Body, value: &Value, path: &str) {
        let allowed: &[&str] = match kind {
            Kind::Resource => &[
                "//",
                "action_trigger",
                "create_before_destroy",
                "ignore_changes",
                "postcondition",
                "precondition",
                "prevent_destroy",
                "replace_triggered_by",
            ],
            Kind::Data => &["//", "postcondition", "precondition"],
        };
        for (p, body) in self.bodies(value, path) {
            for (key, v) in body {
                let at = child(&p, key);
                match key.as_str() {
                    k if !allowed.contains(&k) => self.report(
                        &at,
                        format!(
                            "unknown `lifecycle` argument `{k}` for a {}{}",
                            kind.noun(),
                            did_you_mean(k, allowed.iter().copied())
                        ),
                    ),
                    "create_before_destroy" | "prevent_destroy" if !v.is_boolean() => {
                        self.report(&at, format!("expected a boolean, found {}", json_kind(v)));
                    }
                    "ignore_changes" => self.ignore_changes(spec, v, &at),
                    "replace_triggered_by" | "action_trigger" => {
                        self.expression(v, &at, &Ctx::default());
                    }
                    "precondition" | "postcondition" => self.conditions(v, &at),
                    _ => {}
                }
            }
        }
    }

    fn ignore_changes(&mut self, spec: &Body, value: &Value, path: &str) {
        match value {
            Value::String(s) if s == "all" => {}
            Value::Array(items) => {
                for (i, entry) in items.iter().enumerate() {
                    let at = item(path, i);
                    let first = entry.as_str().map(|s| s.split(['.', '[']).next().unwrap_or(s).to_owned());
                    match first {
                        Some(name) if spec.fields.contains_key(&name) => {}
                        Some(name) => self.report(
                            &at,
                            format!(
                                "`ignore_changes` names `{name}`, which is not an argument{}",
                                did_you_mean(&name, spec.fields.keys().map(String::as_str))
                            ),
                        ),
                        None => self.report(&at, format!("expected an argument name, found {}", json_kind(entry))),
                    }
                }
            }
            other => self.report(
                path,
                format!("`ignore_changes` is `all` or an array of argument names, found {}", json_kind(other)),
            ),
        }
    }

    /// `precondition`, `postcondition`, `validation` and `assert` blocks.
    fn conditions(&mut self, value: &Value, path: &str) {
        for (p, body) in self.bodies(value, path) {
            for key in ["condition", "error_message"] {
                if !body.contains_key(key) {
                    self.report(&p, format!("missing required argument `{key}`"));
                }
            }
            for (key, v) in body {
                let at = child(&p, key);
                match key.as_str() {
                    "//" => {}
                    "condition" | "error_message" => self.expression(v, &at, &Ctx::default()),
                    other => self.report(
                        &at,
                        format!("unknown argument `{other}` (a condition has `condition` and `error_message`)"),
                    ),
                }
            }
        }
    }

    // ----- other top-level blocks -------------------------------------------------------------

    fn terraform_block(&mut self, body: &Map<String, Value>, path: &str) {
        for (key, value) in body {
            let at = child(path, key);
            match key.as_str() {
                "//" | "backend" | "cloud" | "experiments" | "provider_meta" => {}
                "required_version" => {
                    if !value.is_string() {
                        self.report(&at, format!("expected a version constraint string, found {}", json_kind(value)));
                    }
                }
                "required_providers" => {
                    for (p, providers) in self.bodies(value, &at) {
                        for (name, requirement) in providers {
                            self.required_provider(name, requirement, &child(&p, name));
                        }
                    }
                }
                other => self.report(
                    &at,
                    format!(
                        "unknown argument `{other}` in the `terraform` block{}",
                        did_you_mean(
                            other,
                            [
                                "backend",
                                "cloud",
                                "experiments",
                                "provider_meta",
                                "required_providers",
                                "required_version"
                            ]
                        )
                    ),
                ),
            }
            if contains_template(value) {
                self.report(&at, "the `terraform` block takes constant values only, not `${...}`");
            }
        }
    }

    fn required_provider(&mut self, name: &str, requirement: &Value, path: &str) {
        if name == "//" {
            return;
        }
        let Some(body) = requirement.as_object() else {
            if !requirement.is_string() {
                self.report(
                    path,
                    format!(
                        "a provider requirement is an object with `source` and `version`, found {}",
                        json_kind(requirement)
                    ),
                );
            }
            return;
        };
        for (key, v) in body {
            let at = child(path, key);
            match key.as_str() {
                "source" | "version" if !v.is_string() => {
                    self.report(&at, format!("expected a string, found {}", json_kind(v)));
                }
                "source" | "version" | "configuration_aliases" | "//" => {}
                other => self.report(
                    &at,
                    format!("unknown argument `{other}` (a provider requirement has `source`, `version` and `configuration_aliases`)"),
                ),
            }
        }
        let source = body.get("source").and_then(Value::as_str);
        let expected = self.schema.provider.trim_start_matches("registry.terraform.io/");
        if name == "aws" && source.is_some_and(|s| s.trim_start_matches("registry.terraform.io/") != expected) {
            self.report(
                &child(path, "source"),
                format!("`aws` must come from `{expected}`, the provider this schema describes"),
            );
        }
    }

    fn variable(&mut self, name: &str, body: &Map<String, Value>, path: &str) {
        self.name(name, path, "variable");
        for (key, value) in body {
            let at = child(path, key);
            match key.as_str() {
                // `default` is a literal value: Terraform does not read it as a template.
                "//" | "default" => {}
                "type" => match value.as_str() {
                    Some(t) if is_type_expression(t) => {}
                    Some(t) => self.report(&at, format!("`{t}` is not a type expression")),
                    None => self.report(
                        &at,
                        format!("`type` is a string holding a type such as `string`, found {}", json_kind(value)),
                    ),
                },
                "description" if !value.is_string() => {
                    self.report(&at, format!("expected a string, found {}", json_kind(value)));
                }
                "sensitive" | "nullable" | "ephemeral" if !value.is_boolean() => {
                    self.report(&at, format!("expected a boolean, found {}", json_kind(value)));
                }
                "description" | "sensitive" | "nullable" | "ephemeral" => {}
                "validation" => self.conditions(value, &at),
                other => self.report(
                    &at,
                    format!(
                        "unknown argument `{other}` in a variable{}",
                        did_you_mean(
                            other,
                            ["default", "description", "ephemeral", "nullable", "sensitive", "type", "validation"]
                        )
                    ),
                ),
            }
        }
    }

    fn output(&mut self, name: &str, body: &Map<String, Value>, path: &str) {
        self.name(name, path, "output");
        if !body.contains_key("value") {
            self.report(path, "missing required argument `value`");
        }
        for (key, value) in body {
            let at = child(path, key);
            match key.as_str() {
                "//" => {}
                "value" => self.expression(value, &at, &Ctx::default()),
                "description" if !value.is_string() => {
                    self.report(&at, format!("expected a string, found {}", json_kind(value)));
                }
                "sensitive" | "ephemeral" if !value.is_boolean() => {
                    self.report(&at, format!("expected a boolean, found {}", json_kind(value)));
                }
                "description" | "sensitive" | "ephemeral" => {}
                "depends_on" => self.depends_on(value, &at),
                "precondition" => self.conditions(value, &at),
                other => self.report(
                    &at,
                    format!(
                        "unknown argument `{other}` in an output{}",
                        did_you_mean(
                            other,
                            ["depends_on", "description", "ephemeral", "precondition", "sensitive", "value"]
                        )
                    ),
                ),
            }
        }
    }

    /// A provider configuration: its arguments are not in the schema file, so only the
    /// expressions are checked.
    fn provider_block(&mut self, body: &Map<String, Value>, path: &str) {
        for (key, value) in body {
            let at = child(path, key);
            match key.as_str() {
                "//" => {}
                "alias" if !value.as_str().is_some_and(is_identifier) => {
                    self.report(&at, "`alias` must be a name");
                }
                _ => self.expression(value, &at, &Ctx::default()),
            }
        }
    }

    fn module(&mut self, name: &str, body: &Map<String, Value>, path: &str) {
        self.name(name, path, "module");
        match body.get("source") {
            Some(Value::String(s)) if !s.contains("${") => {}
            Some(_) => self.report(&child(path, "source"), "`source` must be a literal string"),
            None => self.report(path, "missing required argument `source`"),
        }
        for (key, value) in body {
            let at = child(path, key);
            match key.as_str() {
                "//" | "source" | "version" | "providers" => {}
                "depends_on" => self.depends_on(value, &at),
                _ => self.expression(value, &at, &Ctx::default()),
            }
        }
    }

    fn moved(&mut self, body: &Map<String, Value>, path: &str) {
        self.addresses(body, path, &[("from", Presence::MustNotExist), ("to", Presence::MustExist)], &[]);
    }

    fn import(&mut self, body: &Map<String, Value>, path: &str) {
        if !body.contains_key("id") && !body.contains_key("identity") {
            self.report(path, "an `import` block needs `id` or `identity`");
        }
        self.addresses(body, path, &[("to", Presence::MustExist)], &["for_each", "id", "identity", "provider"]);
    }

    fn removed(&mut self, body: &Map<String, Value>, path: &str) {
        self.addresses(body, path, &[("from", Presence::MustNotExist)], &["lifecycle", "provisioner"]);
    }

    /// A block whose required arguments are addresses; `other` lists its other arguments.
    fn addresses(&mut self, body: &Map<String, Value>, path: &str, required: &[(&str, Presence)], other: &[&str]) {
        for (key, presence) in required {
            match body.get(*key) {
                Some(Value::String(address)) => self.address(address, &child(path, key), *presence),
                Some(v) => {
                    self.report(&child(path, key), format!("expected an address string, found {}", json_kind(v)))
                }
                None => self.report(path, format!("missing required argument `{key}`")),
            }
        }
        for (key, value) in body {
            let at = child(path, key);
            if key == "//" || required.iter().any(|(k, _)| k == key) {
                continue;
            }
            if other.contains(&key.as_str()) {
                if key == "provider" {
                    self.provider_ref(value, &at);
                } else {
                    self.expression(value, &at, &Ctx::default());
                }
            } else {
                self.report(&at, format!("unknown argument `{key}`"));
            }
        }
    }

    fn check_block(&mut self, name: &str, body: &Map<String, Value>, path: &str) {
        self.name(name, path, "check");
        if !body.contains_key("assert") {
            self.report(path, "a `check` block needs at least one `assert`");
        }
        for (key, value) in body {
            let at = child(path, key);
            match key.as_str() {
                "//" => {}
                "assert" => self.conditions(value, &at),
                "data" => self.objects_of(Kind::Data, value, &at),
                other => self.report(&at, format!("unknown argument `{other}` in a `check` block")),
            }
        }
    }

    // ----- expressions, templates and references ----------------------------------------------

    /// Any JSON value in expression position: every string (object keys included) is a template.
    fn expression(&mut self, value: &Value, path: &str, ctx: &Ctx) {
        match value {
            Value::String(s) => self.template(s, path, ctx),
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    self.expression(v, &item(path, i), ctx);
                }
            }
            Value::Object(map) => {
                for (k, v) in map {
                    let at = child(path, k);
                    self.template(k, &at, ctx);
                    self.expression(v, &at, ctx);
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }

    /// A string template: `$${` and `%%{` are escapes, `${...}` an interpolation, `%{...}` a
    /// directive.
    fn template(&mut self, s: &str, path: &str, ctx: &Ctx) {
        let b = s.as_bytes();
        let mut i = 0;
        let mut ampersand_reported = false;
        // A `%{for x in ...}` directive names `x` for the rest of the template.
        let mut ctx = ctx.clone();
        while i < b.len() {
            let rest = &b[i..];
            if rest.starts_with(b"$${") || rest.starts_with(b"%%{") {
                i += 3;
                continue;
            }
            let interpolation = rest.starts_with(b"${");
            if interpolation || rest.starts_with(b"%{") {
                let Some(end) = find_close(b, i + 2) else {
                    self.report(
                        path,
                        format!(
                            "unterminated `{}` in `{s}` (a literal `${{` is written `$${{`)",
                            if interpolation { "${" } else { "%{" }
                        ),
                    );
                    return;
                };
                let inner = &s[i + 2..end];
                if interpolation {
                    self.interpolation(inner, s, path, &ctx);
                } else {
                    let names = self.directive(inner, s, path, &ctx);
                    ctx.extra_roots.extend(names);
                }
                i = end + 1;
                continue;
            }
            if rest.starts_with(b"&{") && !ctx.policy_document && !ampersand_reported {
                ampersand_reported = true;
                self.report(
                    path,
                    format!(
                        "`&{{...}}` in `{s}` is rewritten only inside a `data.aws_iam_policy_document`; here IAM would read it literally (write `$${{...}}`)"
                    ),
                );
            }
            i += 1;
        }
    }

    fn interpolation(&mut self, inner: &str, whole: &str, path: &str, ctx: &Ctx) {
        let expr = inner.trim_start_matches('~').trim_end_matches('~').trim();
        if expr.is_empty() {
            self.report(path, format!("empty interpolation in `{whole}`"));
            return;
        }
        if is_iam_policy_variable(expr) {
            let alternative = if ctx.policy_document {
                format!(" (or `&{{{expr}}}`, which aws_iam_policy_document turns into `${{{expr}}}`)")
            } else {
                String::new()
            };
            self.report(
                path,
                format!(
                    "unescaped IAM policy variable `${{{expr}}}` in `{whole}`: Terraform would read it as an interpolation; write `$${{{expr}}}`{alternative}"
                ),
            );
            return;
        }
        self.expression_start(expr, whole, path, ctx);
        self.references(expr, path, ctx);
    }

    /// Checks a `%{...}` directive; returns the names a `for` directive introduces.
    fn directive(&mut self, inner: &str, whole: &str, path: &str, ctx: &Ctx) -> Vec<String> {
        let body = inner.trim_start_matches('~').trim_end_matches('~').trim();
        let keyword: String = body.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
        if !["if", "else", "endif", "for", "endfor"].contains(&keyword.as_str()) {
            self.report(
                path,
                format!("`%{{{inner}}}` in `{whole}` is not a template directive (a literal `%{{` is written `%%{{`)"),
            );
            return Vec::new();
        }
        let rest = &body[keyword.len()..];
        let names = if keyword == "for" { for_names(rest) } else { Vec::new() };
        let mut inner_ctx = ctx.clone();
        inner_ctx.extra_roots.extend(names.iter().cloned());
        self.references(rest, path, &inner_ctx);
        names
    }

    /// The interpolation must begin the way a Terraform expression can: a named value or
    /// resource type and `.`, a function call, or a literal.
    fn expression_start(&mut self, expr: &str, whole: &str, path: &str, ctx: &Ctx) {
        let b = expr.as_bytes();
        if !is_ident_start(b[0]) {
            if !(b[0].is_ascii_digit() || b"\"[{(!-".contains(&b[0])) {
                self.report(path, format!("malformed interpolation `${{{expr}}}` in `{whole}`"));
            }
            return;
        }
        let len = b.iter().take_while(|c| is_ident_char(**c)).count();
        let ident = &expr[..len];
        let rest = expr[len..].trim_start();
        if rest.starts_with("::") && ident == "provider" {
            return;
        }
        match rest.as_bytes().first() {
            Some(b'(') => {
                if !FUNCTIONS.contains(&ident) {
                    self.report(
                        path,
                        format!(
                            "unknown function `{ident}` in `{whole}`{}",
                            did_you_mean(ident, FUNCTIONS.iter().copied())
                        ),
                    );
                }
            }
            Some(b'.' | b'[') if self.is_root(ident, ctx) => {}
            _ if ["true", "false", "null"].contains(&ident)
                || ctx.extra_roots.iter().any(|r| r == ident) => {}
            _ => self.report(
                path,
                format!(
                    "interpolation `${{{expr}}}` in `{whole}` does not start with a known root (`var.`, `local.`, `data.`, `module.`, a resource type, or a function call)"
                ),
            ),
        }
    }

    fn is_root(&self, ident: &str, ctx: &Ctx) -> bool {
        ROOTS.contains(&ident)
            || ctx.extra_roots.iter().any(|r| r == ident)
            || self.schema.resources.contains_key(ident)
            || ident.starts_with("aws_")
    }

    /// Every reference in an expression, including those in the templates of its quoted strings.
    fn references(&mut self, expr: &str, path: &str, ctx: &Ctx) {
        let b = expr.as_bytes();
        let mut i = 0;
        // A `for` expression (`[for r in ... : r.arn]`) names its iteration variables.
        let mut ctx = ctx.clone();
        while i < b.len() {
            let c = b[i];
            if c == b'"' {
                let Some(end) = skip_string(b, i) else {
                    self.report(path, format!("unterminated string in `{expr}`"));
                    return;
                };
                self.template(&expr[i + 1..end], path, &ctx);
                i = end + 1;
                continue;
            }
            let starts = is_ident_start(c) && (i == 0 || !(is_ident_char(b[i - 1]) || b[i - 1] == b'.'));
            if starts {
                let (steps, end) = parse_traversal(b, i);
                if steps == [Step::Attr("for".to_owned())] {
                    ctx.extra_roots.extend(for_names(&expr[end..]));
                }
                self.reference(&steps, path, &ctx);
                // Index expressions may hold references too.
                for (open, close) in index_spans(b, i, end) {
                    self.references(&expr[open + 1..close], path, &ctx);
                }
                i = end;
                continue;
            }
            if c.is_ascii_digit() {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'.') {
                    i += 1;
                }
                continue;
            }
            i += 1;
        }
    }

    fn reference(&mut self, steps: &[Step], path: &str, ctx: &Ctx) {
        let name = |i: usize| match steps.get(i) {
            Some(Step::Attr(a)) => Some(a.as_str()),
            _ => None,
        };
        let Some(root) = name(0) else {
            return;
        };
        if ctx.extra_roots.iter().any(|r| r == root) {
            return;
        }
        match root {
            "var" | "local" | "module" => {
                let Some(n) = name(1) else {
                    self.report(path, format!("incomplete reference `{root}`"));
                    return;
                };
                let (declared, what) = match root {
                    "var" => (self.declared.variables.contains(n), "variable"),
                    "local" => (self.declared.locals.contains(n), "local value"),
                    _ => (self.declared.modules.contains(n), "module"),
                };
                if !declared {
                    self.report(path, format!("reference to undeclared {what} `{root}.{n}`"));
                }
            }
            "data" => match (name(1), name(2)) {
                (Some(ty), Some(n)) => self.object_reference(Kind::Data, ty, n, &steps[3..], path),
                _ => self.report(path, "incomplete reference `data...`: expected `data.<type>.<name>`"),
            },
            ty if self.schema.resources.contains_key(ty) || ty.starts_with("aws_") => {
                if let Some(n) = name(1) {
                    self.object_reference(Kind::Resource, ty, n, &steps[2..], path);
                }
            }
            _ => {}
        }
    }

    fn object_reference(&mut self, kind: Kind, ty: &str, name: &str, rest: &[Step], path: &str) {
        let schema = self.schema;
        let address = match kind {
            Kind::Resource => format!("{ty}.{name}"),
            Kind::Data => format!("data.{ty}.{name}"),
        };
        let Some(spec) = schema.types(kind).get(ty) else {
            self.unknown_type(kind, ty, path);
            return;
        };
        if !self.object_exists(kind, ty, name) {
            self.report(
                path,
                format!("dangling reference `{address}`: no {} block `{ty}` `{name}` in this document", kind.noun()),
            );
        }
        let attribute = rest.iter().find_map(|s| match s {
            Step::Attr(a) => Some(a.as_str()),
            Step::Index => None,
        });
        let Some(attribute) = attribute else {
            return;
        };
        let owner = Owner { kind, ty };
        let exported = computed(kind, ty);
        let known = spec.fields.contains_key(attribute) || exported.is_some_and(|c| c.contains(&attribute));
        if !known {
            let message = match exported {
                Some(exported) => format!(
                    "`{address}.{attribute}`: `{ty}` has no attribute `{attribute}`{}",
                    did_you_mean(attribute, spec.fields.keys().map(String::as_str).chain(exported.iter().copied()))
                ),
                None => format!(
                    "`{address}.{attribute}`: `{attribute}` is not an argument of {noun} `{ty}`, and no computed attributes of it are recorded in COMPUTED (add them from the provider's documentation)",
                    noun = kind.noun()
                ),
            };
            self.report(path, message);
        }
        if let Some(advice) = deprecation(owner, attribute) {
            self.report(path, format!("`{address}.{attribute}` reads a deprecated attribute: {advice}"));
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Presence {
    MustExist,
    MustNotExist,
}

/// The iteration variables after a `for` keyword: `k, v in ...` gives `k` and `v`.
fn for_names(after_for: &str) -> Vec<String> {
    let Some((names, _)) = after_for.split_once(" in ") else {
        return Vec::new();
    };
    let names: Vec<String> = names.split(',').map(|n| n.trim().to_owned()).collect();
    if names.iter().all(|n| is_identifier(n)) { names } else { Vec::new() }
}

fn computed(kind: Kind, ty: &str) -> Option<&'static [&'static str]> {
    COMPUTED.iter().find(|(k, t, _)| *k == kind && *t == ty).map(|(_, _, names)| *names)
}

fn deprecation(owner: Owner<'_>, attribute: &str) -> Option<&'static str> {
    DEPRECATED
        .iter()
        .find(|(k, t, a, _)| *k == owner.kind && *t == owner.ty && *a == attribute)
        .map(|(_, _, _, advice)| *advice)
}

/// Reads `root.name[0].attr` from `start`; returns its steps and the index after it.
fn parse_traversal(b: &[u8], start: usize) -> (Vec<Step>, usize) {
    let ident = |from: usize| {
        let len = b[from..].iter().take_while(|c| is_ident_char(**c)).count();
        (String::from_utf8_lossy(&b[from..from + len]).into_owned(), from + len)
    };
    let (root, mut j) = ident(start);
    let mut steps = vec![Step::Attr(root)];
    loop {
        match (b.get(j), b.get(j + 1)) {
            (Some(b'.'), Some(c)) if is_ident_start(*c) => {
                let (name, next) = ident(j + 1);
                steps.push(Step::Attr(name));
                j = next;
            }
            (Some(b'.'), Some(b'*')) => {
                steps.push(Step::Index);
                j += 2;
            }
            (Some(b'.'), Some(c)) if c.is_ascii_digit() => {
                steps.push(Step::Index);
                j += 1 + b[j + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
            }
            (Some(b'['), _) => match matching_bracket(b, j) {
                Some(close) => {
                    steps.push(Step::Index);
                    j = close + 1;
                }
                None => return (steps, b.len()),
            },
            _ => return (steps, j),
        }
    }
}

fn matching_bracket(b: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut j = open;
    while j < b.len() {
        match b[j] {
            b'"' => j = skip_string(b, j)?,
            b'[' => depth += 1,
            b']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(j);
                }
            }
            _ => {}
        }
        j += 1;
    }
    None
}

/// The `[...]` spans of a traversal between `start` and `end`, outermost only.
fn index_spans(b: &[u8], start: usize, end: usize) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut j = start;
    while j < end {
        match b[j] {
            b'[' => match matching_bracket(b, j) {
                Some(close) => {
                    spans.push((j, close));
                    j = close + 1;
                }
                None => return spans,
            },
            _ => j += 1,
        }
    }
    spans
}

fn contains_template(value: &Value) -> bool {
    match value {
        Value::String(s) => {
            let b = s.as_bytes();
            (0..b.len()).any(|i| b[i..].starts_with(b"${") && (i == 0 || b[i - 1] != b'$'))
        }
        Value::Array(items) => items.iter().any(contains_template),
        Value::Object(map) => map.values().any(contains_template),
        _ => false,
    }
}

/// A variable's `type`: a primitive or `any`, or a constructor of them with balanced brackets.
fn is_type_expression(t: &str) -> bool {
    let t = t.trim();
    let head: String = t.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
    let primitive = ["any", "bool", "number", "string"].contains(&head.as_str());
    let constructor = ["list", "map", "object", "optional", "set", "tuple"].contains(&head.as_str());
    let mut depth = 0i32;
    for c in t.chars() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            _ => {}
        }
        if depth < 0 {
            return false;
        }
    }
    depth == 0 && ((primitive && head.len() == t.len()) || (constructor && t[head.len()..].starts_with('(')))
}
