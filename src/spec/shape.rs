//! The shape of a spec, checked on the YAML tree before serde reads it: every unknown key,
//! missing key, value of the wrong type, duplicate key and YAML tag of the whole file, each at
//! its own line and column, in one run. Serde stops at the first of these; once the shape is
//! right, it reads the file into the input schema ([`super::schema`]) without complaint.
//!
//! The tables below name the same keys as the schema's structs, which a test checks against
//! serde's own field lists.

use std::collections::BTreeMap;
use std::fmt;

use crate::check::{Code, Diagnostic, Diagnostics, Location, did_you_mean};

use super::tree::{Node, Value};

/// What a value must look like.
#[derive(Debug, Clone, Copy)]
pub enum Shape {
    /// A scalar, read as its text.
    Str,
    /// `true` or `false`.
    Bool,
    /// An IAM value: a scalar or a list of scalars, each kept as written.
    Strings,
    List(&'static Shape),
    /// Known keys.
    Map(&'static [Field]),
    /// Any keys, each with a value of this shape.
    Dict(&'static Shape),
}

/// A key of a [`Shape::Map`].
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub key: &'static str,
    pub shape: Shape,
    pub required: bool,
    /// Whether `key:` with no value means the key is left out (an `Option` of the schema).
    pub nullable: bool,
}

const fn req(key: &'static str, shape: Shape) -> Field {
    Field { key, shape, required: true, nullable: false }
}

/// An optional key that may also be written with no value.
const fn opt(key: &'static str, shape: Shape) -> Field {
    Field { key, shape, required: false, nullable: true }
}

/// An optional key with a default (an empty list or map): given, it needs a value.
const fn def(key: &'static str, shape: Shape) -> Field {
    Field { key, shape, required: false, nullable: false }
}

const STRS: Shape = Shape::List(&Shape::Str);

const STATEMENT: &[Field] = &[
    opt("Sid", Shape::Str),
    req("Effect", Shape::Str),
    opt("Action", Shape::Strings),
    opt("NotAction", Shape::Strings),
    opt("Resource", Shape::Strings),
    opt("NotResource", Shape::Strings),
    def("Condition", Shape::Dict(&Shape::Dict(&Shape::Strings))),
];

const MANAGED: Field = def("managedPolicyArns", STRS);
const EXTRA: Field = def("extraStatements", Shape::List(&Shape::Map(STATEMENT)));

const ADMIN: &[Field] = &[req("name", Shape::Str), req("trustedPrincipals", STRS), MANAGED, EXTRA];

const POD_ROLE: &[Field] = &[req("serviceAccount", Shape::Str), def("s3Buckets", STRS), MANAGED, EXTRA];

const SCIENTIST: &[Field] = &[
    req("name", Shape::Str),
    req("trustedPrincipals", STRS),
    opt("namespace", Shape::Str),
    opt("podRole", Shape::Map(POD_ROLE)),
    MANAGED,
    EXTRA,
];

const EXECUTION: &[Field] =
    &[req("name", Shape::Str), def("instanceGroups", STRS), def("s3Buckets", STRS), MANAGED, EXTRA];

const OPTIONS: &[Field] = &[
    opt("customVpc", Shape::Bool),
    opt("podIdentity", Shape::Bool),
    opt("taskGovernance", Shape::Bool),
    opt("nodeAccess", Shape::Bool),
    opt("serviceLinkedRole", Shape::Bool),
    opt("consoleAccess", Shape::Bool),
];

const CLUSTER: &[Field] = &[opt("id", Shape::Str), opt("eksClusterName", Shape::Str)];

const ACKNOWLEDGEMENT: &[Field] = &[req("code", Shape::Str), req("reason", Shape::Str), opt("path", Shape::Str)];

/// The whole spec file.
pub const SPEC: &[Field] = &[
    req("name", Shape::Str),
    req("orchestrator", Shape::Str),
    opt("partition", Shape::Str),
    opt("region", Shape::Str),
    opt("account", Shape::Str),
    opt("cluster", Shape::Map(CLUSTER)),
    def("options", Shape::Map(OPTIONS)),
    opt("permissionsBoundary", Shape::Str),
    def("tags", Shape::Dict(&Shape::Str)),
    req("admins", Shape::List(&Shape::Map(ADMIN))),
    def("scientists", Shape::List(&Shape::Map(SCIENTIST))),
    req("executionRoles", Shape::List(&Shape::Map(EXECUTION))),
    def("acknowledge", Shape::List(&Shape::Map(ACKNOWLEDGEMENT))),
];

/// What the walk found: every structural error, the source text of each unquoted scalar of an
/// IAM value by location (so that `0x1F` stays `0x1F` and `on` stays `on`), and where each key
/// of a free-form map (tags, condition operators and keys) is written.
#[derive(Default)]
pub struct Walk {
    pub diags: Diagnostics,
    pub raw: BTreeMap<Location, String>,
    pub keys: BTreeMap<String, Location>,
}

/// Checks the tree against [`SPEC`].
pub fn check(root: &Node) -> Walk {
    let mut walk = Walk::default();
    walk.node(root, Shape::Map(SPEC), &Path::Root);
    walk
}

/// Where a node is: the field path of messages (`scientists[3].name`), written out only when a
/// message or the key map needs it (most nodes of a spec have neither).
#[derive(Clone, Copy)]
enum Path<'p> {
    Root,
    Key(&'p Path<'p>, &'p str),
    Index(&'p Path<'p>, usize),
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root => Ok(()),
            Path::Key(Path::Root, key) => f.write_str(key),
            Path::Key(parent, key) => write!(f, "{parent}.{key}"),
            Path::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

/// How a shape is described in "expected ..., found ...".
fn expected(shape: Shape) -> &'static str {
    match shape {
        Shape::Str => "a string",
        Shape::Bool => "`true` or `false`",
        Shape::Strings => "a string or a list of strings",
        Shape::List(_) => "a list, like `[a, b]`",
        Shape::Map(_) | Shape::Dict(_) => "a map, like `{ key: value }`",
    }
}

impl Walk {
    fn error(&mut self, code: Code, path: &Path<'_>, at: Option<Location>, message: String) {
        self.diags.push(Diagnostic::new(code, path.to_string(), message).at(at));
    }

    fn wrong_type(&mut self, node: &Node, shape: Shape, path: &Path<'_>) {
        let message = format!("expected {}, found {}", expected(shape), node.kind());
        self.error(Code::WrongType, path, node.at, message);
    }

    fn node(&mut self, node: &Node, shape: Shape, path: &Path<'_>) {
        if let Some(tag) = &node.tag {
            let message = format!(
                "unknown tag `{tag}`: the spec takes plain values (`${{AWS::Region}}` and the like work without a tag)"
            );
            self.error(Code::UnknownTag, path, node.at, message);
        }
        match (&node.value, shape) {
            (Value::Alias, _) => {}
            (Value::Scalar { .. }, Shape::Str) if !node.is_null() => {}
            (Value::Scalar { text, plain: true }, Shape::Bool) if is_bool(text) => {}
            (Value::Scalar { text, .. }, Shape::Bool) if !node.is_null() => {
                let message = format!("expected `true` or `false`, found `{text}`");
                self.error(Code::WrongType, path, node.at, message);
            }
            (Value::Scalar { text, plain }, Shape::Strings) if !node.is_null() => self.iam_value(node, text, *plain),
            (Value::List(items), Shape::Strings) => {
                for (i, item) in items.iter().enumerate() {
                    let path = Path::Index(path, i);
                    match &item.value {
                        Value::Scalar { text, plain } if !item.is_null() => self.iam_value(item, text, *plain),
                        Value::Alias => {}
                        _ => self.wrong_type(item, Shape::Str, &path),
                    }
                }
            }
            (Value::List(items), Shape::List(inner)) => {
                for (i, item) in items.iter().enumerate() {
                    self.node(item, *inner, &Path::Index(path, i));
                }
            }
            (Value::Map(entries), Shape::Map(fields)) => self.map(node, entries, fields, path),
            (Value::Map(entries), Shape::Dict(inner)) => {
                for (key, value, at) in self.keys(entries, path) {
                    let path = Path::Key(path, key);
                    if let Some(at) = at {
                        self.keys.insert(path.to_string(), at);
                    }
                    self.node(value, *inner, &path);
                }
            }
            _ => self.wrong_type(node, shape, path),
        }
    }

    fn iam_value(&mut self, node: &Node, text: &str, plain: bool) {
        if let (true, Some(at)) = (plain, node.at) {
            self.raw.insert(at, text.to_owned());
        }
    }

    /// The keys of a map with their values, each key once: a key that is not a string, or one
    /// given twice, is reported and left out.
    fn keys<'n>(&mut self, entries: &'n [(Node, Node)], path: &Path<'_>) -> Vec<(&'n str, &'n Node, Option<Location>)> {
        let mut seen: BTreeMap<&str, Option<Location>> = BTreeMap::new();
        let mut keys = Vec::new();
        for (key, value) in entries {
            let Some(name) = key.scalar().filter(|_| !key.is_null()) else {
                self.error(Code::WrongType, path, key.at, format!("expected a key name, found {}", key.kind()));
                continue;
            };
            if let Some(first) = seen.insert(name, key.at) {
                let line = first.map(|l| format!(" on line {}", l.line)).unwrap_or_default();
                let message = format!("key `{name}` is given twice in this map (first{line})");
                self.error(Code::Duplicate, &Path::Key(path, name), key.at, message);
                continue;
            }
            keys.push((name, value, key.at));
        }
        keys
    }

    fn map(&mut self, node: &Node, entries: &[(Node, Node)], fields: &[Field], path: &Path<'_>) {
        let keys = self.keys(entries, path);
        // A misspelt required key is reported once, as unknown with its did-you-mean.
        let mut suggested = Vec::new();
        for (key, value, at) in &keys {
            match fields.iter().find(|f| f.key == *key) {
                Some(field) if field.nullable && value.is_null() => {}
                Some(field) => self.node(value, field.shape, &Path::Key(path, key)),
                None => {
                    let names: Vec<&str> = fields.iter().map(|f| f.key).collect();
                    let message = format!("unknown key `{key}`; known keys here: {}", names.join(", "));
                    let suggestion = did_you_mean(key, names);
                    suggested.extend(suggestion.clone());
                    let d = Diagnostic::new(Code::UnknownKey, Path::Key(path, key).to_string(), message)
                        .at(*at)
                        .suggest(suggestion);
                    self.diags.push(d);
                }
            }
        }
        for field in fields.iter().filter(|f| f.required && !suggested.iter().any(|s| s == f.key)) {
            if !keys.iter().any(|(k, _, _)| *k == field.key) {
                let message = format!("missing required key `{}`", field.key);
                self.error(Code::MissingKey, &Path::Key(path, field.key), node.at, message);
            }
        }
    }
}

fn is_bool(text: &str) -> bool {
    matches!(text.to_ascii_lowercase().as_str(), "true" | "false")
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use serde::de::{DeserializeOwned, Visitor};

    use super::*;
    use crate::spec::schema;
    use crate::spec::tree;

    /// A path is written as the messages have always named fields.
    #[test]
    fn paths_are_written_as_field_paths() {
        let root = Path::Root;
        let list = Path::Key(&root, "scientists");
        let team = Path::Index(&list, 3);
        let name = Path::Key(&team, "name");
        let first = Path::Index(&Path::Key(&name, "x"), 0);
        assert_eq!(
            (root.to_string(), list.to_string(), team.to_string()),
            ("".into(), "scientists".into(), "scientists[3]".into())
        );
        assert_eq!(
            (name.to_string(), first.to_string()),
            ("scientists[3].name".into(), "scientists[3].name.x[0]".into())
        );
        assert_eq!(Path::Index(&root, 1).to_string(), "[1]");
    }

    /// Serde's own list of a struct's fields: a deserializer that records what
    /// `deserialize_struct` is asked for, then stops.
    struct Probe<'a>(&'a RefCell<Vec<&'static str>>);

    #[derive(Debug)]
    struct Stop;

    impl std::fmt::Display for Stop {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("stop")
        }
    }

    impl std::error::Error for Stop {}

    impl serde::de::Error for Stop {
        fn custom<T: std::fmt::Display>(_: T) -> Self {
            Stop
        }
    }

    impl<'de> serde::Deserializer<'de> for Probe<'_> {
        type Error = Stop;

        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
            Err(Stop)
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Stop> {
            self.0.borrow_mut().extend(fields);
            Err(Stop)
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
            unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
        }
    }

    fn serde_fields<T: DeserializeOwned>() -> Vec<&'static str> {
        let fields = RefCell::new(Vec::new());
        assert!(T::deserialize(Probe(&fields)).is_err());
        fields.into_inner()
    }

    /// The shape decides which keys are unknown, so its tables must name exactly the fields the
    /// schema reads: a key only the schema has would be refused, one only the shape has ignored.
    #[test]
    fn the_tables_are_the_schema() {
        let keys = |fields: &[Field]| fields.iter().map(|f| f.key).collect::<Vec<_>>();
        assert_eq!(keys(SPEC), serde_fields::<schema::SpecFile>());
        assert_eq!(keys(CLUSTER), serde_fields::<schema::ClusterSpec>());
        assert_eq!(keys(OPTIONS), serde_fields::<schema::OptionsSpec>());
        assert_eq!(keys(ADMIN), serde_fields::<schema::AdminSpec>());
        assert_eq!(keys(SCIENTIST), serde_fields::<schema::ScientistSpec>());
        assert_eq!(keys(POD_ROLE), serde_fields::<schema::PodRoleSpec>());
        assert_eq!(keys(EXECUTION), serde_fields::<schema::ExecutionSpec>());
        assert_eq!(keys(STATEMENT), serde_fields::<schema::StatementSpec>());
        assert_eq!(keys(ACKNOWLEDGEMENT), serde_fields::<schema::AcknowledgementSpec>());
    }

    fn messages(text: &str) -> Vec<String> {
        let root = tree::parse(text).unwrap().unwrap();
        check(&root).diags.items.iter().map(|d| d.render("s")).collect()
    }

    #[test]
    fn every_structural_error_of_the_file_at_once() {
        let text = "name: a\norchestrator: eks\nadmins:\n  - name: x\n    trustedPrincipals: p\n    extra: 1\n\
                    executionRoles: {name: c}\ncluster: {id: !Ref x}\noptions: {podIdentity: \"yes\"}\nname: b\n";
        assert_eq!(
            messages(text),
            [
                "s:10:1: error[HP006]: name: key `name` is given twice in this map (first on line 1)",
                "s:5:24: error[HP004]: admins[0].trustedPrincipals: expected a list, like `[a, b]`, found a string",
                "s:6:5: error[HP002]: admins[0].extra: unknown key `extra`; known keys here: name, trustedPrincipals, managedPolicyArns, extraStatements",
                "s:7:17: error[HP004]: executionRoles: expected a list, like `[a, b]`, found a map",
                "s:8:20: error[HP010]: cluster.id: unknown tag `!Ref`: the spec takes plain values (`${AWS::Region}` and the like work without a tag)",
                "s:9:24: error[HP004]: options.podIdentity: expected `true` or `false`, found `yes`",
            ]
        );
        assert_eq!(
            messages("name: a\n"),
            [
                "s:1:1: error[HP003]: orchestrator: missing required key `orchestrator`",
                "s:1:1: error[HP003]: admins: missing required key `admins`",
                "s:1:1: error[HP003]: executionRoles: missing required key `executionRoles`",
            ]
        );
    }

    #[test]
    fn iam_values_keep_their_source_text() {
        let text = "a: [0x1F, \"on\", 1_000]\n";
        let root = tree::parse(text).unwrap().unwrap();
        let mut walk = Walk::default();
        if let Value::Map(entries) = &root.value {
            walk.node(&entries[0].1, Shape::Strings, &Path::Key(&Path::Root, "a"));
        }
        assert!(walk.diags.is_empty());
        let raw: Vec<&str> = walk.raw.values().map(String::as_str).collect();
        assert_eq!(raw, ["0x1F", "1_000"]);
    }
}
