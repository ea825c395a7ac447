//! The top-level sections of `main.tf.json`, written as their blocks come.

use std::collections::BTreeSet;

use super::super::node::json::{self, Stream};
use super::super::{Chunks, EmitError};

/// A top-level entry of the configuration (`data`, `resource`, `output`) written as its entries
/// come, straight into the file: its key is written with its first entry (an empty section is
/// left out), and `resource` and `data` blocks are grouped by type, refusing an address given
/// twice. A type's blocks are made one after another, so each type is written whole before the
/// next starts; no tree of the configuration is held.
pub(super) struct Section {
    key: &'static str,
    /// Whether the key and its first entry are written.
    open: bool,
    /// The type whose blocks are being written, and the ones written before it.
    kind: Option<String>,
    done: BTreeSet<String>,
    /// The names of the blocks of `kind` (those of a type written before cannot come again).
    seen: BTreeSet<String>,
}

impl Section {
    /// The depth of a block's name in the configuration.
    const DEPTH: usize = 3;

    pub(super) fn new(key: &'static str) -> Section {
        Section { key, open: false, kind: None, done: BTreeSet::new(), seen: BTreeSet::new() }
    }

    /// Starts an entry of the section (the section itself first, if needed).
    pub(super) fn next_entry(&mut self, out: &mut String) {
        out.push_str(",\n");
        if !self.open {
            json::key_of(self.key, 1, out);
            out.push_str("{\n");
            self.open = true;
        }
    }

    /// An entry that is not a block: `"current": {}` of a data source, an output; `body`
    /// writes its value.
    pub(super) fn entry(&mut self, out: &mut Chunks<'_>, name: &str, body: impl FnOnce(&mut Stream<'_>)) {
        self.next_entry(&mut out.text);
        json::key_of(name, Self::DEPTH - 1, &mut out.text);
        body(&mut Stream::at(Self::DEPTH - 1, &mut out.text));
        out.spill();
    }

    /// Block `name` of type `kind`, whose body `body` writes.
    pub(super) fn add(
        &mut self,
        out: &mut Chunks<'_>,
        kind: &str,
        name: &str,
        body: impl FnOnce(&mut Stream<'_>) -> Result<(), EmitError>,
    ) -> Result<(), EmitError> {
        let text = &mut out.text;
        if self.kind.as_deref() == Some(kind) {
            text.push_str(",\n");
        } else {
            if self.done.contains(kind) {
                return Err(EmitError::Serialize(format!("the `{kind}` blocks are not made one after another")));
            }
            if let Some(done) = self.kind.take() {
                json::close(Self::DEPTH - 1, '}', text);
                self.done.insert(done);
                self.seen.clear();
            }
            self.next_entry(text);
            json::key_of(kind, Self::DEPTH - 1, text);
            text.push_str("{\n");
            self.kind = Some(kind.to_owned());
        }
        json::key_of(name, Self::DEPTH, text);
        // A text the body cannot write is reported before a name given twice, as ever.
        body(&mut Stream::at(Self::DEPTH, text))?;
        if !self.seen.insert(name.to_owned()) {
            return Err(EmitError::NameCollision(format!("{kind}.{name}")));
        }
        out.spill();
        Ok(())
    }

    /// `name`, or `name_2`, `name_3`, ... when another block of the kind has it: for names made
    /// from user text (a managed policy's path and name), where `A-B` and `A_B` read alike.
    pub(super) fn free_name(&self, kind: &str, name: &str) -> String {
        let mut candidate = name.to_owned();
        let mut n = 1;
        while self.kind.as_deref() == Some(kind) && self.seen.contains(&candidate) {
            n += 1;
            candidate = format!("{name}_{n}");
        }
        candidate
    }

    /// Closes the open type and the section, if any.
    pub(super) fn finish(self, out: &mut Chunks<'_>) {
        if self.kind.is_some() {
            json::close(Self::DEPTH - 1, '}', &mut out.text);
        }
        if self.open {
            json::close(1, '}', &mut out.text);
        }
    }
}
