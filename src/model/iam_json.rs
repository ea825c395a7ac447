//! The IAM JSON grammar of a policy document, written once: the size computation
//! ([`super::limits`]) and every emitter that writes IAM JSON (CloudFormation, plain IAM JSON)
//! write their documents here, so that what is sized is what is written. The grammar is told
//! value by value to a [`Writer`], which an emitter points straight at its output (no tree of
//! the document is built); [`document`] builds a [`Tree`] from the same calls,
//! for a caller that wants one. How a [`Text`] becomes a value is the caller's.

use super::{Actions, Condition, POLICY_VERSION, PolicyDocument, Principal, Resources, Statement, Text};

/// What the grammar writes, value by value: keys and strings are borrowed from the document
/// (or `'static`).
pub trait Writer<'a> {
    /// A string value.
    fn string(&mut self, s: &'a str);
    /// A text value, written as the caller writes texts.
    fn text(&mut self, t: &'a Text);
    /// A key of the innermost open map; its value comes next.
    fn key(&mut self, key: &'a str);
    /// Opens a map value, closed by [`Writer::end`].
    fn map(&mut self);
    /// Opens a list value, closed by [`Writer::end`].
    fn list(&mut self);
    /// Closes the innermost open map or list.
    fn end(&mut self);
}

/// `{"Version": ..., "Statement": [...]}`.
pub fn write_document<'a>(doc: &'a PolicyDocument, w: &mut impl Writer<'a>) {
    w.map();
    w.key("Version");
    w.string(POLICY_VERSION);
    w.key("Statement");
    w.list();
    for s in &doc.statements {
        write_statement(s, w);
    }
    w.end();
    w.end();
}

fn texts<'a>(list: &'a [Text], w: &mut impl Writer<'a>) {
    w.list();
    for t in list {
        w.text(t);
    }
    w.end();
}

fn strings<'a>(list: &'a [String], w: &mut impl Writer<'a>) {
    w.list();
    for s in list {
        w.string(s);
    }
    w.end();
}

/// One statement, keys in the order people write them.
pub fn write_statement<'a>(s: &'a Statement, w: &mut impl Writer<'a>) {
    w.map();
    if let Some(sid) = &s.sid {
        w.key("Sid");
        w.string(sid);
    }
    w.key("Effect");
    w.string(s.effect.as_str());
    if let Some(p) = &s.principal {
        w.key("Principal");
        w.map();
        match p {
            Principal::Service(services) => {
                w.key("Service");
                strings(services, w);
            }
            Principal::Aws(arns) => {
                w.key("AWS");
                texts(arns, w);
            }
        }
        w.end();
    }
    match &s.actions {
        Actions::Action(a) => {
            w.key("Action");
            strings(a, w);
        }
        Actions::NotAction(a) => {
            w.key("NotAction");
            strings(a, w);
        }
    }
    match &s.resources {
        Some(Resources::Resource(r)) => {
            w.key("Resource");
            texts(r, w);
        }
        Some(Resources::NotResource(r)) => {
            w.key("NotResource");
            texts(r, w);
        }
        None => {}
    }
    if !s.conditions.is_empty() {
        w.key("Condition");
        conditions(&s.conditions, w);
    }
    w.end();
}

/// `{"StringEquals": {"key": [values]}}`, operators and keys in first-seen order; a single value
/// is written as a scalar.
fn conditions<'a>(conditions: &'a [Condition], w: &mut impl Writer<'a>) {
    // A statement has a handful of conditions: the operators are found by looking back.
    w.map();
    for (i, c) in conditions.iter().enumerate() {
        if conditions[..i].iter().any(|seen| seen.operator == c.operator) {
            continue;
        }
        w.key(&c.operator);
        w.map();
        for same in conditions[i..].iter().filter(|same| same.operator == c.operator) {
            w.key(&same.key);
            match same.values.as_slice() {
                [one] => w.text(one),
                many => texts(many, w),
            }
        }
        w.end();
    }
    w.end();
}

/// A JSON-shaped tree whose maps keep the order they are built in. Keys and strings are
/// borrowed from the document (or `'static`), so a tree that borrows them allocates none.
pub trait Tree<'a>: Sized {
    fn string(s: &'a str) -> Self;
    fn list(items: Vec<Self>) -> Self;
    fn map(entries: Vec<(&'a str, Self)>) -> Self;
}

/// `{"Version": ..., "Statement": [...]}` as a tree.
pub fn document<'a, N: Tree<'a>>(doc: &'a PolicyDocument, text: &dyn Fn(&'a Text) -> N) -> N {
    let mut build = Build { text, open: Vec::new(), done: None };
    write_document(doc, &mut build);
    build.done.unwrap_or_else(|| N::map(Vec::new()))
}

/// A map or list being built: its entries, and a map's key waiting for its value.
enum Open<'a, N> {
    List(Vec<N>),
    Map(Vec<(&'a str, N)>, &'a str),
}

/// The [`Writer`] that builds a [`Tree`].
struct Build<'a, 't, N> {
    text: &'t dyn Fn(&'a Text) -> N,
    open: Vec<Open<'a, N>>,
    /// The whole tree, once its outermost value is closed.
    done: Option<N>,
}

impl<'a, N: Tree<'a>> Build<'a, '_, N> {
    fn put(&mut self, value: N) {
        match self.open.last_mut() {
            Some(Open::List(items)) => items.push(value),
            Some(Open::Map(entries, key)) => entries.push((key, value)),
            None => self.done = Some(value),
        }
    }
}

impl<'a, N: Tree<'a>> Writer<'a> for Build<'a, '_, N> {
    fn string(&mut self, s: &'a str) {
        self.put(N::string(s));
    }

    fn text(&mut self, t: &'a Text) {
        let value = (self.text)(t);
        self.put(value);
    }

    fn key(&mut self, key: &'a str) {
        if let Some(Open::Map(_, pending)) = self.open.last_mut() {
            *pending = key;
        }
    }

    fn map(&mut self) {
        self.open.push(Open::Map(Vec::new(), ""));
    }

    fn list(&mut self) {
        self.open.push(Open::List(Vec::new()));
    }

    fn end(&mut self) {
        let value = match self.open.pop() {
            Some(Open::List(items)) => N::list(items),
            Some(Open::Map(entries, _)) => N::map(entries),
            None => return,
        };
        self.put(value);
    }
}
