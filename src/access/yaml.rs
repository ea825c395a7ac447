//! YAML into JSON values, CloudFormation's short-form tags included.
//!
//! A plain YAML read drops tags: `!Sub 'arn:${AWS::Partition}:...'` would come back as the bare
//! string and `!GetAtt Role.Arn` as `Role.Arn`, silently wrong. Here every node's tag is captured
//! (`serde_saphyr::Tagged`) and the CloudFormation ones become the long form: `!Ref x` is
//! `{"Ref": x}`, `!GetAtt A.B` is `{"Fn::GetAtt": [A, B]}`, `!Condition x` is
//! `{"Condition": x}`, and any other `!Name` is `{"Fn::Name": ...}`. Standard YAML tags (`!!str`)
//! are read as YAML reads them.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use serde_saphyr::Tagged;

/// One YAML node with the tags of its children applied.
struct Node(Value);

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Node, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML node")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
        Ok(Node(Value::Bool(v)))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
        Ok(Node(Value::Number(v.into())))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
        Ok(Node(Value::Number(v.into())))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
        Ok(Node(Number::from_f64(v).map_or(Value::Null, Value::Number)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Node, E> {
        Ok(Node(Value::String(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<Node, E> {
        Ok(Node(Value::String(v)))
    }

    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node(Value::Null))
    }

    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node(Value::Null))
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        Node::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Tagged<Node>>()? {
            items.push(apply(item));
        }
        Ok(Node(Value::Array(items)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value::<Tagged<Node>>()?;
            out.insert(key, apply(value));
        }
        Ok(Node(Value::Object(out)))
    }
}

/// A node with its own tag turned into the long form.
fn apply(Tagged(Node(value), tag): Tagged<Node>) -> Value {
    let Some(name) = tag.as_deref().and_then(|t| t.strip_prefix('!')) else { return value };
    let (function, value) = match (name, value) {
        ("Ref", v) => ("Ref".to_owned(), v),
        ("Condition", v) => ("Condition".to_owned(), v),
        ("GetAtt", Value::String(dotted)) => {
            let parts = match dotted.split_once('.') {
                Some((logical, attribute)) => {
                    vec![Value::String(logical.to_owned()), Value::String(attribute.to_owned())]
                }
                None => vec![Value::String(dotted)],
            };
            ("Fn::GetAtt".to_owned(), Value::Array(parts))
        }
        (other, v) => (format!("Fn::{other}"), v),
    };
    let mut long = Map::new();
    long.insert(function, value);
    Value::Object(long)
}

/// Every document of a YAML text, as JSON values with CloudFormation tags in long form.
pub(crate) fn documents(text: &str) -> Result<Vec<Value>, serde_saphyr::Error> {
    Ok(serde_saphyr::from_multiple::<Tagged<Node>>(text)?.into_iter().map(apply).collect())
}

/// The one document of a YAML text.
pub(crate) fn document(text: &str) -> Result<Value, serde_saphyr::Error> {
    serde_saphyr::from_str::<Tagged<Node>>(text).map(apply)
}
