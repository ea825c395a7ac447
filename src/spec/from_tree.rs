//! The input schema read from our own tree ([`super::tree`]), so that the YAML is parsed once.
//!
//! serde-saphyr stays the reference: this reader takes only what it is sure to read as
//! serde-saphyr does (quoted scalars, plain scalars that can only be strings, `true` and
//! `false`, `~` and `null` for nothing, maps and lists, no alias and no tag) and gives up on
//! anything else, so that [`super::parse::parse`] reads the spec with serde-saphyr instead,
//! with its exact values and messages. A test reads every example and every invalid spec both
//! ways and compares the results.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};

use super::schema::SpecFile;
use super::tree::{Node, Value};

/// What serde-saphyr's `Spanned` asks for, and the key that marks its location map.
const SPANNED: &str = "__yaml_spanned";
const SPANNED_MARKER: &str = "__serde_saphyr_private_spanned";

/// More nodes or depth than this is left to serde-saphyr, whose budget refuses a spec past
/// 200,000 nodes or 64 levels with a message of its own.
const MAX_NODES: usize = 100_000;
const MAX_DEPTH: usize = 48;

/// The spec's schema, or `None` when serde-saphyr must read it.
pub fn read(root: &Node) -> Option<SpecFile> {
    if !within_budget(root) {
        return None;
    }
    SpecFile::deserialize(NodeDe(root)).ok()
}

fn within_budget(root: &Node) -> bool {
    let mut stack = vec![(root, 1usize)];
    let mut nodes = 0usize;
    while let Some((node, depth)) = stack.pop() {
        nodes += 1;
        if nodes > MAX_NODES || depth > MAX_DEPTH {
            return false;
        }
        match &node.value {
            Value::Map(entries) => {
                stack.extend(entries.iter().flat_map(|(k, v)| [(k, depth + 1), (v, depth + 1)]));
            }
            Value::List(items) => stack.extend(items.iter().map(|n| (n, depth + 1))),
            Value::Scalar { .. } | Value::Alias => {}
        }
    }
    true
}

/// Why this reader gave up; never shown, serde-saphyr reads the spec instead.
#[derive(Debug)]
pub struct GiveUp;

impl fmt::Display for GiveUp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("left to serde-saphyr")
    }
}

impl std::error::Error for GiveUp {}

impl de::Error for GiveUp {
    fn custom<T: fmt::Display>(_: T) -> Self {
        GiveUp
    }
}

/// A plain scalar that every YAML reader takes as a string: it starts with a letter and is no
/// word that a schema reads as nothing, a boolean or a number.
fn surely_string(text: &str) -> bool {
    const WORDS: [&str; 12] = ["null", "true", "false", "yes", "no", "on", "off", "y", "n", "nan", "inf", "infinity"];
    text.starts_with(|c: char| c.is_ascii_alphabetic()) && !WORDS.iter().any(|w| w.eq_ignore_ascii_case(text))
}

struct NodeDe<'a>(&'a Node);

impl<'a> NodeDe<'a> {
    /// The text of a scalar without a tag that is surely a string.
    fn string(&self) -> Result<&'a str, GiveUp> {
        match &self.0.value {
            Value::Scalar { text, plain } if self.0.tag.is_none() && (!plain || surely_string(text)) => Ok(text),
            _ => Err(GiveUp),
        }
    }
}

impl<'de, 'a> de::Deserializer<'de> for NodeDe<'a> {
    type Error = GiveUp;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        if self.0.tag.is_some() {
            return Err(GiveUp);
        }
        match &self.0.value {
            Value::Map(entries) => visitor.visit_map(Entries { entries: entries.iter(), value: None }),
            Value::List(items) => visitor.visit_seq(Items(items.iter())),
            Value::Scalar { .. } => visitor.visit_str(self.string()?),
            Value::Alias => Err(GiveUp),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        match &self.0.value {
            Value::Scalar { text, plain: true } if self.0.tag.is_none() && text == "true" => visitor.visit_bool(true),
            Value::Scalar { text, plain: true } if self.0.tag.is_none() && text == "false" => visitor.visit_bool(false),
            _ => Err(GiveUp),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        visitor.visit_str(self.string()?)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        visitor.visit_str(self.string()?)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        visitor.visit_str(self.string()?)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        match &self.0.value {
            Value::Scalar { text, plain: true }
                if self.0.tag.is_none() && matches!(text.as_str(), "" | "~" | "null") =>
            {
                visitor.visit_none()
            }
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, name: &'static str, visitor: V) -> Result<V::Value, GiveUp> {
        if name == SPANNED { visitor.visit_newtype_struct(SpannedDe(self.0)) } else { Err(GiveUp) }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        match &self.0.value {
            Value::List(items) if self.0.tag.is_none() => visitor.visit_seq(Items(items.iter())),
            _ => Err(GiveUp),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        match &self.0.value {
            Value::Map(entries) if self.0.tag.is_none() => {
                visitor.visit_map(Entries { entries: entries.iter(), value: None })
            }
            _ => Err(GiveUp),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, GiveUp> {
        self.deserialize_map(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        visitor.visit_unit()
    }

    fn deserialize_unit<V: Visitor<'de>>(self, _: V) -> Result<V::Value, GiveUp> {
        Err(GiveUp)
    }

    serde::forward_to_deserialize_any! {
        i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char bytes byte_buf unit_struct tuple tuple_struct enum
    }
}

/// The entries of a map, keys and values as nodes.
struct Entries<'a> {
    entries: std::slice::Iter<'a, (Node, Node)>,
    value: Option<&'a Node>,
}

impl<'de> MapAccess<'de> for Entries<'_> {
    type Error = GiveUp;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, GiveUp> {
        let Some((key, value)) = self.entries.next() else { return Ok(None) };
        self.value = Some(value);
        seed.deserialize(NodeDe(key)).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, GiveUp> {
        seed.deserialize(NodeDe(self.value.take().ok_or(GiveUp)?))
    }
}

struct Items<'a>(std::slice::Iter<'a, Node>);

impl<'de> SeqAccess<'de> for Items<'_> {
    type Error = GiveUp;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, GiveUp> {
        self.0.next().map(|node| seed.deserialize(NodeDe(node))).transpose()
    }
}

/// A node as serde-saphyr hands it to `Spanned`: a map of a marker, the value, and where it
/// is referenced and defined (the same place: there are no aliases here).
struct SpannedDe<'a>(&'a Node);

impl<'de> de::Deserializer<'de> for SpannedDe<'_> {
    type Error = GiveUp;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        visitor.visit_map(SpannedMap { node: self.0, state: 0 })
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

struct SpannedMap<'a> {
    node: &'a Node,
    state: u8,
}

impl<'de> MapAccess<'de> for SpannedMap<'_> {
    type Error = GiveUp;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, GiveUp> {
        let key = match self.state {
            0 => SPANNED_MARKER,
            1 => "value",
            2 => "referenced",
            3 => "defined",
            _ => return Ok(None),
        };
        self.state += 1;
        seed.deserialize(key.into_deserializer()).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, GiveUp> {
        match self.state {
            1 => seed.deserialize(true.into_deserializer()),
            2 => seed.deserialize(NodeDe(self.node)),
            3 | 4 => {
                let at = self.node.at.ok_or(GiveUp)?;
                let fields = [("line", at.line), ("column", at.column)];
                seed.deserialize(de::value::MapDeserializer::new(fields.into_iter()))
            }
            _ => Err(GiveUp),
        }
    }
}
