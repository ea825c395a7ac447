//! IAM policy documents as nodes, for every emitter that writes the IAM JSON grammar: the one
//! writer of [`crate::model::iam_json`], which the size computation uses too.

use crate::model::iam_json::{self, Tree};
use crate::model::{PolicyDocument, Text};

use super::node::Node;

impl Tree for Node {
    fn string(s: &str) -> Self {
        Node::Str(s.to_owned())
    }

    fn list(items: Vec<Self>) -> Self {
        Node::List(items)
    }

    fn map(entries: Vec<(String, Self)>) -> Self {
        Node::Map(entries)
    }
}

/// `{"Version": ..., "Statement": [...]}`.
pub fn document(doc: &PolicyDocument, text: &dyn Fn(&Text) -> Node) -> Node {
    iam_json::document(doc, text)
}
