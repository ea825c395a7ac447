//! The IAM JSON grammar of a policy document, written once: the size computation
//! ([`super::limits`]) and every emitter that writes IAM JSON (CloudFormation, plain IAM JSON)
//! build their documents here, so that what is sized is what is written. The tree type and how
//! a [`Text`] becomes a value are the caller's ([`Tree`], `text`).

use super::{Actions, Condition, POLICY_VERSION, PolicyDocument, Principal, Resources, Statement, Text};

/// A JSON-shaped tree whose maps keep the order they are built in. Keys and strings are
/// borrowed from the document (or `'static`), so a tree that borrows them allocates none.
pub trait Tree<'a>: Sized {
    fn string(s: &'a str) -> Self;
    fn list(items: Vec<Self>) -> Self;
    fn map(entries: Vec<(&'a str, Self)>) -> Self;
}

/// `{"Version": ..., "Statement": [...]}`.
pub fn document<'a, N: Tree<'a>>(doc: &'a PolicyDocument, text: &dyn Fn(&'a Text) -> N) -> N {
    let statements = doc.statements.iter().map(|s| statement(s, text)).collect();
    N::map(vec![("Version", N::string(POLICY_VERSION)), ("Statement", N::list(statements))])
}

fn texts<'a, N: Tree<'a>>(list: &'a [Text], text: &dyn Fn(&'a Text) -> N) -> N {
    N::list(list.iter().map(text).collect())
}

fn strings<'a, N: Tree<'a>>(list: &'a [String]) -> N {
    N::list(list.iter().map(|s| N::string(s)).collect())
}

/// One statement, keys in the order people write them.
pub fn statement<'a, N: Tree<'a>>(s: &'a Statement, text: &dyn Fn(&'a Text) -> N) -> N {
    let mut entries = Vec::new();
    if let Some(sid) = &s.sid {
        entries.push(("Sid", N::string(sid)));
    }
    entries.push(("Effect", N::string(s.effect.as_str())));
    if let Some(p) = &s.principal {
        let principal = match p {
            Principal::Service(services) => ("Service", strings(services)),
            Principal::Aws(arns) => ("AWS", texts(arns, text)),
        };
        entries.push(("Principal", N::map(vec![principal])));
    }
    entries.push(match &s.actions {
        Actions::Action(a) => ("Action", strings(a)),
        Actions::NotAction(a) => ("NotAction", strings(a)),
    });
    match &s.resources {
        Some(Resources::Resource(r)) => entries.push(("Resource", texts(r, text))),
        Some(Resources::NotResource(r)) => entries.push(("NotResource", texts(r, text))),
        None => {}
    }
    if !s.conditions.is_empty() {
        entries.push(("Condition", conditions(&s.conditions, text)));
    }
    N::map(entries)
}

/// `{"StringEquals": {"key": [values]}}`, operators and keys in first-seen order; a single value
/// is written as a scalar.
fn conditions<'a, N: Tree<'a>>(conditions: &'a [Condition], text: &dyn Fn(&'a Text) -> N) -> N {
    let mut by_operator: Vec<(&str, Vec<&Condition>)> = Vec::new();
    for c in conditions {
        match by_operator.iter_mut().find(|(op, _)| *op == c.operator) {
            Some((_, list)) => list.push(c),
            None => by_operator.push((&c.operator, vec![c])),
        }
    }
    let operators = by_operator
        .into_iter()
        .map(|(op, list)| {
            let keys = list
                .into_iter()
                .map(|c| {
                    let value = match c.values.as_slice() {
                        [one] => text(one),
                        many => texts(many, text),
                    };
                    (c.key.as_str(), value)
                })
                .collect();
            (op, N::map(keys))
        })
        .collect();
    N::map(operators)
}
