//! IAM policy documents as nodes, for every emitter that writes the IAM JSON grammar: the one
//! writer of [`crate::model::iam_json`], which the size computation uses too.

use std::borrow::Cow;

use crate::model::iam_json::{self, Tree};
use crate::model::{PolicyDocument, Text};

use super::node::Node;

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

/// `{"Version": ..., "Statement": [...]}`.
pub fn document<'a>(doc: &'a PolicyDocument, text: &dyn Fn(&'a Text) -> Node<'a>) -> Node<'a> {
    iam_json::document(doc, text)
}
