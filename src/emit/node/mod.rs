//! A small ordered document tree that every structured format is built from, so that key order
//! is ours (never a hash's or a crate feature's), and the one place where YAML and JSON are
//! written.

use std::borrow::Cow;

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use super::EmitError;

pub mod json;
pub mod yaml;

/// A JSON/YAML value whose maps keep insertion order. Strings are borrowed from the model where
/// they can be (keys are mostly `&'static str`), so building a node allocates little.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node<'a> {
    Bool(bool),
    Str(Cow<'a, str>),
    List(Vec<Node<'a>>),
    Map(Vec<(Cow<'a, str>, Node<'a>)>),
    /// JSON already written where this node sits (see [`json::entry`]), for a section written
    /// entry by entry as it is built. The YAML writer writes it as it is.
    Json(String),
}

impl<'a> Node<'a> {
    /// An empty map, to be filled with [`Node::with`].
    pub fn map() -> Node<'a> {
        Node::Map(Vec::new())
    }

    /// Adds a key (builder style). On a non-map it does nothing.
    pub fn with(mut self, key: impl Into<Cow<'a, str>>, value: impl Into<Node<'a>>) -> Node<'a> {
        self.insert(key, value);
        self
    }

    /// Adds a key when the value is present.
    pub fn with_opt(self, key: impl Into<Cow<'a, str>>, value: Option<impl Into<Node<'a>>>) -> Node<'a> {
        match value {
            Some(v) => self.with(key, v),
            None => self,
        }
    }

    /// Adds a key.
    pub fn insert(&mut self, key: impl Into<Cow<'a, str>>, value: impl Into<Node<'a>>) {
        if let Node::Map(entries) = self {
            entries.push((key.into(), value.into()));
        }
    }

    /// A list of strings.
    pub fn strings<I: IntoIterator<Item = S>, S: Into<Cow<'a, str>>>(items: I) -> Node<'a> {
        Node::List(items.into_iter().map(|s| Node::Str(s.into())).collect())
    }
}

impl Default for Node<'_> {
    /// An empty map.
    fn default() -> Self {
        Node::map()
    }
}

impl<'a> From<&'a str> for Node<'a> {
    fn from(s: &'a str) -> Node<'a> {
        Node::Str(Cow::Borrowed(s))
    }
}

impl<'a> From<String> for Node<'a> {
    fn from(s: String) -> Node<'a> {
        Node::Str(Cow::Owned(s))
    }
}

impl<'a> From<&'a String> for Node<'a> {
    fn from(s: &'a String) -> Node<'a> {
        Node::Str(Cow::Borrowed(s.as_str()))
    }
}

impl<'a> From<Cow<'a, str>> for Node<'a> {
    fn from(s: Cow<'a, str>) -> Node<'a> {
        Node::Str(s)
    }
}

impl<'a> From<bool> for Node<'a> {
    fn from(b: bool) -> Node<'a> {
        Node::Bool(b)
    }
}

impl<'a> From<Vec<Node<'a>>> for Node<'a> {
    fn from(v: Vec<Node<'a>>) -> Node<'a> {
        Node::List(v)
    }
}

impl Serialize for Node<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Node::Bool(b) => serializer.serialize_bool(*b),
            Node::Str(s) => serializer.serialize_str(s),
            Node::List(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Node::Map(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
            Node::Json(text) => serializer.serialize_str(text),
        }
    }
}

/// Pretty JSON, two-space indent, one trailing newline.
pub fn to_json(node: &Node<'_>) -> Result<String, EmitError> {
    let mut out = String::new();
    json::value(node, 0, &mut out);
    out.push('\n');
    Ok(out)
}

/// Block YAML that YAML 1.1 readers (PyYAML, kubectl) read back as the same strings: `2012-10-17`,
/// `yes`, `on` and the like are quoted (see [`yaml`]).
pub fn to_yaml(node: &Node<'_>) -> Result<String, EmitError> {
    let mut out = String::new();
    yaml::document(node, &mut out);
    Ok(out)
}

/// Several YAML documents separated by `---`.
pub fn to_yaml_documents(nodes: &[Node<'_>]) -> Result<String, EmitError> {
    let mut out = String::new();
    for node in nodes {
        yaml_document(node, &mut out);
    }
    Ok(out)
}

/// One YAML document of several: `---`, then the document (as [`to_yaml_documents`] writes each).
pub fn yaml_document(node: &Node<'_>, out: &mut String) {
    out.push_str("---\n");
    yaml::document(node, out);
}

/// Two spaces per level, for both writers.
fn indent(level: usize, out: &mut String) {
    for _ in 0..level {
        out.push_str("  ");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_key_order_and_quotes_yaml_1_1_traps() {
        let node = Node::map()
            .with("Version", "2012-10-17")
            .with("b", "yes")
            .with("a", Node::strings(["on", "=", "12:30", "${!aws:userid}"]));
        let yaml = to_yaml(&node).unwrap();
        assert!(yaml.starts_with("Version:"), "{yaml}");
        for trap in ["2012-10-17", "yes", "on", "=", "12:30"] {
            assert!(!yaml.contains(&format!(" {trap}\n")), "`{trap}` left unquoted:\n{yaml}");
        }
        let json = to_json(&node).unwrap();
        assert!(json.find("Version").unwrap() < json.find("\"b\"").unwrap());
    }

    /// Strings whose YAML or JSON form is not obvious.
    pub(super) const TRICKY: &[&str] = &[
        "",
        " ",
        "a",
        "y",
        "n",
        "Yes",
        "NO",
        "on",
        "Off",
        "true",
        "False",
        "null",
        "~",
        "nan",
        ".inf",
        "-.Inf",
        "0",
        "-1",
        "+12",
        "1_000",
        "0x1F",
        "0o17",
        "0b101",
        "1.5",
        ".5",
        "1e5",
        "12:30",
        "190:20:30.15",
        "2012-10-17",
        "2001-12-14t21:59:43.10-05:00",
        "<<",
        "=",
        "---",
        "...",
        "--- x",
        "- x",
        "-x",
        "? x",
        "?x",
        ":x",
        "x:",
        "a: b",
        "a:b",
        "a #b",
        "a#b",
        "#a",
        "&a",
        "*",
        "*a",
        "!a",
        "|",
        ">",
        "'a'",
        "\"a\"",
        "%a",
        "@a",
        "`a",
        "a,b",
        "[a]",
        "{a}",
        "a b",
        " a",
        "a ",
        "tab\there",
        "line\nbreak",
        "cr\rx",
        "nul\u{0}x",
        "bell\u{7}",
        "esc\u{1b}",
        "del\u{7f}",
        "c1\u{85}x",
        "bom\u{feff}",
        "ls\u{2028}",
        "é ü",
        "日本",
        "emoji 😀",
        "back\\slash",
        "${AWS::Partition}",
        "${!aws:userid}",
        "Fn::Sub",
        "arn:aws:iam::111122223333:role/x",
        "sagemaker:TaggingAction",
        "s3:*",
        "HyperPod creates; the Describe actions take no resource",
        "2010-09-09",
        "4711",
        "a=b",
        "=a",
    ];

    fn corpus() -> Node<'static> {
        let mut map = Node::map();
        for (i, s) in TRICKY.iter().enumerate() {
            map.insert(*s, *s);
            map.insert(format!("k{i}"), Node::strings([*s, "x"]));
        }
        map.insert("empty-list", Node::List(Vec::new()));
        map.insert("empty-map", Node::map());
        map.insert("bools", Node::List(vec![Node::Bool(true), Node::Bool(false)]));
        map.insert(
            "nested",
            Node::List(vec![
                Node::map().with("a", "b").with("c", Node::strings(["d"])).with("e", Node::map().with("f", "g")),
                Node::List(vec![Node::from("x"), Node::from("y")]),
                Node::map(),
            ]),
        );
        map
    }

    #[test]
    fn the_yaml_stream_writes_what_the_tree_writer_writes() {
        let Node::Map(entries) = corpus() else { panic!("not a map") };
        for level in [0, 1, 3] {
            let (mut tree, mut streamed) = (String::new(), String::new());
            let mut stream = yaml::Stream::map_at(level, &mut streamed);
            for (key, v) in &entries {
                yaml::entry(key, v, level, &mut tree);
                stream.key(key);
                stream.node(v);
            }
            assert_eq!(streamed, tree, "level {level}");
        }
        // Calls instead of a tree: nested lists and maps, each first entry on the dash's line.
        let node = Node::map().with(
            "a",
            Node::List(vec![
                Node::List(vec![Node::map().with("b", "c").with("d", Node::List(vec![])), Node::from("e")]),
                Node::map().with("f", Node::map()),
            ]),
        );
        let mut streamed = String::new();
        let mut s = yaml::Stream::map_at(0, &mut streamed);
        s.key("a");
        s.list();
        s.list();
        s.map();
        s.entry("b", "c");
        s.key("d");
        s.list();
        s.end();
        s.end();
        s.str("e");
        s.end();
        s.map();
        s.key("f");
        s.map();
        s.end();
        s.end();
        s.end();
        assert_eq!(streamed, to_yaml(&node).unwrap());
    }

    #[test]
    fn json_is_serde_json_pretty_byte_for_byte() {
        let node = corpus();
        let expected = serde_json::to_string_pretty(&node).unwrap() + "\n";
        assert_eq!(to_json(&node).unwrap(), expected);
        assert_eq!(to_json(&Node::from("a\u{1}\u{1f}\u{8}\u{c}")).unwrap(), "\"a\\u0001\\u001f\\b\\f\"\n");
    }

    #[test]
    fn yaml_reads_back_and_is_serde_saphyr_byte_for_byte() {
        let node = corpus();
        let ours = to_yaml(&node).unwrap();
        let options = serde_saphyr::ser_options! { prefer_block_scalars: false, compact_list_indent: false };
        let mut theirs = serde_saphyr::to_string_with_options(&node, options).unwrap();
        if !theirs.ends_with('\n') {
            theirs.push('\n');
        }
        for (line, (a, b)) in ours.lines().zip(theirs.lines()).enumerate() {
            assert_eq!(a, b, "line {}", line + 1);
        }
        assert_eq!(ours, theirs);
        let back: serde_json::Value = serde_saphyr::from_str(&ours).unwrap();
        assert_eq!(back, serde_json::to_value(&node).unwrap());
    }
}
