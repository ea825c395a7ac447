//! IAM policy documents as nodes, shared by every emitter that writes the IAM JSON grammar.
//! How a [`Text`] becomes a value is the emitter's own business, passed in as `text`.

use crate::model::{Actions, Condition, POLICY_VERSION, PolicyDocument, Principal, Resources, Statement, Text};

use super::node::Node;

/// `{"Version": ..., "Statement": [...]}`.
pub fn document<'a>(doc: &'a PolicyDocument, text: &dyn Fn(&'a Text) -> Node<'a>) -> Node<'a> {
    Node::map()
        .with("Version", POLICY_VERSION)
        .with("Statement", Node::List(doc.statements.iter().map(|s| statement(s, text)).collect()))
}

fn texts<'a>(list: &'a [Text], text: &dyn Fn(&'a Text) -> Node<'a>) -> Node<'a> {
    Node::List(list.iter().map(text).collect())
}

/// One statement, keys in the order people write them.
pub fn statement<'a>(s: &'a Statement, text: &dyn Fn(&'a Text) -> Node<'a>) -> Node<'a> {
    let mut node = Node::map().with_opt("Sid", s.sid.as_deref()).with("Effect", s.effect.as_str());
    if let Some(p) = &s.principal {
        node.insert(
            "Principal",
            match p {
                Principal::Service(services) => Node::map().with("Service", Node::strings(services)),
                Principal::Aws(arns) => Node::map().with("AWS", texts(arns, text)),
            },
        );
    }
    match &s.actions {
        Actions::Action(a) => node.insert("Action", Node::strings(a)),
        Actions::NotAction(a) => node.insert("NotAction", Node::strings(a)),
    }
    match &s.resources {
        Some(Resources::Resource(r)) => node.insert("Resource", texts(r, text)),
        Some(Resources::NotResource(r)) => node.insert("NotResource", texts(r, text)),
        None => {}
    }
    if !s.conditions.is_empty() {
        node.insert("Condition", conditions(&s.conditions, text));
    }
    node
}

/// `{"StringEquals": {"key": [values]}}`, operators and keys in first-seen order.
fn conditions<'a>(conditions: &'a [Condition], text: &dyn Fn(&'a Text) -> Node<'a>) -> Node<'a> {
    let mut by_operator: Vec<(&str, Vec<&Condition>)> = Vec::new();
    for c in conditions {
        match by_operator.iter_mut().find(|(op, _)| *op == c.operator) {
            Some((_, list)) => list.push(c),
            None => by_operator.push((&c.operator, vec![c])),
        }
    }
    let mut node = Node::map();
    for (op, list) in by_operator {
        let mut inner = Node::map();
        for c in list {
            let value = match c.values.as_slice() {
                [one] => text(one),
                many => texts(many, text),
            };
            inner.insert(c.key.as_str(), value);
        }
        node.insert(op, inner);
    }
    node
}
