//! A small ordered document tree that every structured format is built from, so that key order
//! is ours (never a hash's or a crate feature's), and the one place where YAML and JSON are
//! written.

use std::collections::BTreeMap;

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use super::EmitError;

/// A JSON/YAML value whose maps keep insertion order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Bool(bool),
    Str(String),
    List(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl Node {
    /// An empty map, to be filled with [`Node::with`].
    pub fn map() -> Node {
        Node::Map(Vec::new())
    }

    /// Adds a key (builder style). On a non-map it does nothing.
    pub fn with(mut self, key: impl Into<String>, value: impl Into<Node>) -> Node {
        self.insert(key, value);
        self
    }

    /// Adds a key when the value is present.
    pub fn with_opt(self, key: impl Into<String>, value: Option<impl Into<Node>>) -> Node {
        match value {
            Some(v) => self.with(key, v),
            None => self,
        }
    }

    /// Adds a key.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<Node>) {
        if let Node::Map(entries) = self {
            entries.push((key.into(), value.into()));
        }
    }

    /// A list of strings.
    pub fn strings<I: IntoIterator<Item = S>, S: Into<String>>(items: I) -> Node {
        Node::List(items.into_iter().map(|s| Node::Str(s.into())).collect())
    }
}

impl Default for Node {
    /// An empty map.
    fn default() -> Self {
        Node::map()
    }
}

impl From<&str> for Node {
    fn from(s: &str) -> Node {
        Node::Str(s.to_owned())
    }
}

impl From<String> for Node {
    fn from(s: String) -> Node {
        Node::Str(s)
    }
}

impl From<&String> for Node {
    fn from(s: &String) -> Node {
        Node::Str(s.clone())
    }
}

impl From<bool> for Node {
    fn from(b: bool) -> Node {
        Node::Bool(b)
    }
}

impl From<Vec<Node>> for Node {
    fn from(v: Vec<Node>) -> Node {
        Node::List(v)
    }
}

impl Serialize for Node {
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
        }
    }
}

/// Tags as IAM and CloudFormation write them, `[{Key, Value}]` in key order; `None` for none.
pub fn key_value_tags(tags: &BTreeMap<String, String>) -> Option<Node> {
    (!tags.is_empty())
        .then(|| Node::List(tags.iter().map(|(k, v)| Node::map().with("Key", k).with("Value", v)).collect()))
}

/// Pretty JSON, two-space indent, one trailing newline.
pub fn to_json(node: &Node) -> Result<String, EmitError> {
    let mut out = serde_json::to_string_pretty(node).map_err(|e| EmitError::Serialize(e.to_string()))?;
    out.push('\n');
    Ok(out)
}

/// Block YAML that YAML 1.1 readers (PyYAML, kubectl) read back as the same strings: serde-saphyr
/// quotes `2012-10-17`, `yes`, `on` and the like.
pub fn to_yaml(node: &Node) -> Result<String, EmitError> {
    // Long strings stay on one line: a folded `>-` block is valid YAML but hard to read and to
    // grep in a template. A block sequence is indented under its key, as yamllint's default
    // `indentation` rule wants; serde-saphyr's default puts the `- ` at the key's column.
    let options = serde_saphyr::ser_options! { prefer_block_scalars: false, compact_list_indent: false };
    let mut out =
        serde_saphyr::to_string_with_options(node, options).map_err(|e| EmitError::Serialize(e.to_string()))?;
    if !out.ends_with('\n') {
        out.push('\n');
    }
    Ok(out)
}

/// Several YAML documents separated by `---`.
pub fn to_yaml_documents(nodes: &[Node]) -> Result<String, EmitError> {
    let mut out = String::new();
    for node in nodes {
        out.push_str("---\n");
        out.push_str(&to_yaml(node)?);
    }
    Ok(out)
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
}
