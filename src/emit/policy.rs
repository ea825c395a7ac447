//! IAM policy documents written straight into YAML or JSON, for every emitter that writes the
//! IAM JSON grammar: the one writer of [`crate::model::iam_json`], which the size computation
//! uses too.

use std::borrow::Cow;

use crate::model::iam_json::{self, Tree, Writer};
use crate::model::{PolicyDocument, Text};

use super::node::{Node, json, yaml};

impl<'a> Tree<'a> for Node<'a> {
    fn string(s: &'a str) -> Self {
        Node::Str(Cow::Borrowed(s))
    }

    fn list(items: Vec<Self>) -> Self {
        Node::List(items)
    }

    fn map(entries: Vec<(&'a str, Self)>) -> Self {
        Node::Map(entries.into_iter().map(|(key, value)| (Cow::Borrowed(key), value)).collect())
    }
}

/// `{"Version": ..., "Statement": [...]}` as a tree.
#[cfg(test)]
pub fn document<'a>(doc: &'a PolicyDocument, text: &dyn Fn(&'a Text) -> Node<'a>) -> Node<'a> {
    iam_json::document(doc, text)
}

/// A writer of one format, and how it writes a text.
struct To<'s, S, F> {
    stream: &'s mut S,
    text: F,
}

/// The calls of [`Writer`] that a stream of either format takes as they are.
macro_rules! stream_writer {
    ($stream:ty) => {
        impl<'a, 'o, F: FnMut(&'a Text, &mut $stream)> Writer<'a> for To<'_, $stream, F> {
            fn string(&mut self, s: &'a str) {
                self.stream.str(s);
            }

            fn text(&mut self, t: &'a Text) {
                (self.text)(t, self.stream);
            }

            fn key(&mut self, key: &'a str) {
                self.stream.key(key);
            }

            fn map(&mut self) {
                self.stream.map();
            }

            fn list(&mut self) {
                self.stream.list();
            }

            fn end(&mut self) {
                self.stream.end();
            }
        }
    };
}

stream_writer!(yaml::Stream<'o>);
stream_writer!(json::Stream<'o>);

/// The document as the value `s` takes next, each text as `text` writes it.
pub fn yaml<'a>(doc: &'a PolicyDocument, s: &mut yaml::Stream<'_>, text: impl FnMut(&'a Text, &mut yaml::Stream<'_>)) {
    iam_json::write_document(doc, &mut To { stream: s, text });
}

/// The document as the value `s` takes next, each text as `text` writes it.
pub fn json<'a>(doc: &'a PolicyDocument, s: &mut json::Stream<'_>, text: impl FnMut(&'a Text, &mut json::Stream<'_>)) {
    iam_json::write_document(doc, &mut To { stream: s, text });
}
