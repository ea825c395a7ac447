//! The spec as a YAML tree: every node with its line, column, tag and, for a scalar, the exact
//! text the user wrote and whether it was quoted. Serde stops at the first problem; this tree
//! lets [`super::shape`] find every structural mistake of the file in one pass, and lets the
//! reader keep an IAM value's source text where YAML would have changed it.

use granit_parser::{Event, Parser, ScalarStyle, Span};

use crate::check::Location;

/// One node of the tree.
#[derive(Debug, Clone)]
pub struct Node {
    pub value: Value,
    pub at: Option<Location>,
    /// A tag the user wrote (`!Sub`), unless it is a core-schema one (`!!str`).
    pub tag: Option<String>,
}

/// What a node holds.
#[derive(Debug, Clone)]
pub enum Value {
    /// Keys in the order written.
    Map(Vec<(Node, Node)>),
    List(Vec<Node>),
    Scalar {
        text: String,
        plain: bool,
    },
    /// `*name`: the reader does not follow aliases here; serde resolves them later.
    Alias,
}

impl Node {
    /// The text of a scalar node.
    pub fn scalar(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// What kind of value this is, in words a user knows, for "found ..." in messages.
    pub fn kind(&self) -> &'static str {
        match &self.value {
            Value::Map(_) => "a map",
            Value::List(_) => "a list",
            Value::Alias => "an alias",
            Value::Scalar { text, plain } => {
                if !plain {
                    "a string"
                } else if is_null(text) {
                    "nothing"
                } else if is_bool(text) {
                    "a boolean"
                } else if text.parse::<f64>().is_ok() {
                    "a number"
                } else {
                    "a string"
                }
            }
        }
    }

    /// A plain scalar that YAML reads as nothing (`~`, `null`, or no text at all).
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar { text, plain: true } if is_null(text))
    }
}

fn is_null(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

fn is_bool(text: &str) -> bool {
    matches!(text.to_ascii_lowercase().as_str(), "true" | "false" | "yes" | "no" | "on" | "off")
}

/// The YAML document of `text` as a tree (`None` when empty), or what is wrong and where.
pub fn parse(text: &str) -> Result<Option<Node>, (String, Option<Location>)> {
    let mut builder = Builder { stack: Vec::new(), root: None };
    let mut done = false;
    for event in Parser::new_from_str(text) {
        let (event, span) =
            event.map_err(|e| (syntax_message(&e.info()), location(e.marker().line(), e.marker().col())))?;
        match event {
            Event::StreamEnd => break,
            Event::DocumentStart(..) if done => {
                let message = "the spec holds more than one YAML document (`---`); keep one".to_owned();
                return Err((message, location(span.start.line(), span.start.col())));
            }
            event => done |= builder.event(event, span),
        }
    }
    Ok(builder.root)
}

/// A parser's message, lowercase and without its trailing period.
fn syntax_message(raw: &str) -> String {
    let mut message = raw.trim().trim_end_matches('.').to_owned();
    if let Some(first) = message.get(..1) {
        message = first.to_lowercase() + message.get(1..).unwrap_or_default();
    }
    format!("invalid YAML: {message}")
}

/// A parser marker as a location: lines are 1-based there, columns 0-based.
fn location(line: usize, column: usize) -> Option<Location> {
    let line = u32::try_from(line).ok().filter(|&l| l > 0)?;
    let column = u32::try_from(column).ok()?.checked_add(1)?;
    Some(Location { line, column })
}

/// Collections under construction, innermost last.
struct Builder {
    stack: Vec<Open>,
    root: Option<Node>,
}

struct Open {
    node: Node,
    /// A map's key, waiting for its value.
    key: Option<Node>,
}

impl Builder {
    /// Takes one event; `true` once the first document is complete.
    fn event(&mut self, event: Event<'_>, span: Span) -> bool {
        let at = location(span.start.line(), span.start.col());
        let tag = |t: Option<std::borrow::Cow<'_, granit_parser::Tag>>| {
            t.filter(|t| t.core_suffix().is_none()).map(|t| t.to_string())
        };
        match event {
            Event::Scalar(text, style, _, t) => {
                let plain = style == ScalarStyle::Plain;
                self.add(Node { value: Value::Scalar { text: text.into_owned(), plain }, at, tag: tag(t) });
            }
            Event::Alias(_) | Event::UnresolvedAlias(_) => self.add(Node { value: Value::Alias, at, tag: None }),
            Event::SequenceStart(_, _, t) => {
                self.stack.push(Open { node: Node { value: Value::List(Vec::new()), at, tag: tag(t) }, key: None })
            }
            Event::MappingStart(_, _, t) => {
                self.stack.push(Open { node: Node { value: Value::Map(Vec::new()), at, tag: tag(t) }, key: None })
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(open) = self.stack.pop() {
                    self.add(open.node);
                }
            }
            Event::DocumentEnd => return self.root.is_some(),
            _ => {}
        }
        false
    }

    fn add(&mut self, node: Node) {
        let Some(open) = self.stack.last_mut() else {
            self.root.get_or_insert(node);
            return;
        };
        match &mut open.node.value {
            Value::List(items) => items.push(node),
            Value::Map(entries) => match open.key.take() {
                Some(key) => entries.push((key, node)),
                None => open.key = Some(node),
            },
            Value::Scalar { .. } | Value::Alias => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_keep_location_text_style_and_tags() {
        let root = parse("a: 0x1F\nb: [\"on\", !Sub x]\n").unwrap().unwrap();
        let Value::Map(entries) = &root.value else { panic!("{root:?}") };
        assert_eq!(entries[0].0.scalar(), Some("a"));
        assert!(matches!(&entries[0].1.value, Value::Scalar { text, plain: true } if text == "0x1F"));
        assert_eq!(entries[0].1.at, Some(Location { line: 1, column: 4 }));
        let Value::List(items) = &entries[1].1.value else { panic!() };
        assert!(matches!(&items[0].value, Value::Scalar { plain: false, .. }));
        assert_eq!(items[1].tag.as_deref(), Some("!Sub"));
        assert_eq!(items[1].at, Some(Location { line: 2, column: 16 }));
        assert!(parse("a: [").is_err());
        let (message, at) = parse("a: 1\n---\nb: 2\n").unwrap_err();
        assert_eq!(
            (message.as_str(), at),
            ("the spec holds more than one YAML document (`---`); keep one", Some(Location { line: 2, column: 1 }))
        );
        assert!(parse("a: 1\n...\n").is_ok());
        assert!(parse("").unwrap().is_none());
    }
}
