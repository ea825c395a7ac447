//! Diagnostics: what the spec reader and the lint find, collected, never fail-fast.

pub mod ack;
pub mod codes;
pub mod lint;
pub mod quotas;
pub mod report;

use std::fmt;

use serde::Serialize;

pub use codes::Code;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A line and column in the spec file, both 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Location {
    pub line: u32,
    pub column: u32,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable code (`HP002`).
    pub code: Code,
    /// Path of the field (`scientists[1].namespace`); empty for the whole spec.
    pub path: String,
    pub location: Option<Location>,
    /// Lowercase, one line, no trailing period; user input in backticks.
    pub message: String,
    /// A close, valid alternative, when there is one.
    pub suggestion: Option<String>,
    /// Why a warning is accepted, when the spec or the command line acknowledges it.
    pub acknowledged: Option<ack::Acknowledged>,
}

impl Diagnostic {
    /// A finding with its code's severity.
    pub fn new(code: Code, path: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: code.severity(),
            code,
            path: path.into(),
            location: None,
            message: message.into(),
            suggestion: None,
            acknowledged: None,
        }
    }

    pub fn at(mut self, location: Option<Location>) -> Self {
        self.location = location;
        self
    }

    pub fn suggest(mut self, suggestion: Option<impl Into<String>>) -> Self {
        self.suggestion = suggestion.map(Into::into);
        self
    }

    /// `path: message (did you mean `x`?)`: the finding without file, location or code.
    pub fn text(&self) -> String {
        let mut out = String::new();
        if !self.path.is_empty() {
            out.push_str(&self.path);
            out.push_str(": ");
        }
        out.push_str(&self.message);
        if let Some(s) = &self.suggestion {
            out.push_str(&format!(" (did you mean `{s}`?)"));
        }
        if let Some(a) = &self.acknowledged {
            out.push_str(&format!(" (acknowledged: {})", a.reason));
        }
        out
    }

    /// `file:line:col: error[HP002]: path: message (did you mean `x`?)`, one line, with control
    /// and bidirectional characters escaped so that no spec value can forge a line on a terminal.
    pub fn render(&self, file: &str) -> String {
        use std::fmt::Write as _;
        let text = self.text();
        let mut out = String::with_capacity(file.len() + text.len() + 40);
        out.push_str(file);
        if let Some(loc) = self.location {
            let _ = write!(out, ":{}:{}", loc.line, loc.column);
        }
        let label = if self.acknowledged.is_some() { "acknowledged" } else { self.severity.as_str() };
        let _ = write!(out, ": {label}[{}]: ", self.code);
        out.push_str(&text);
        // Most lines are printable ASCII, with nothing to escape: they are kept as built.
        if out.bytes().all(|b| (b' '..=b'~').contains(&b)) { out } else { escape_controls(&out) }
    }
}

/// Control characters (ESC, CR, NUL, ...), bidirectional overrides and invisible marks written as
/// `\u{..}`, so that text output shows what the spec holds and nothing a terminal would act on.
pub fn escape_controls(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if is_unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// A character that a terminal acts on or that hides or reorders text: controls, bidirectional
/// marks, embeddings, overrides and isolates, zero-width characters and the byte-order mark.
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{061c}' | '\u{feff}')
}

/// Every finding of one run, errors and warnings together, in the order found.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Diagnostics {
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Sorts by location (unlocated last), keeping the order of equal locations.
    pub fn sort(&mut self) {
        self.items.sort_by_key(|d| (d.location.is_none(), d.location));
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.items {
            writeln!(f, "{}", d.render(""))?;
        }
        Ok(())
    }
}

/// The closest candidate, when it is close enough to be a likely typo ([`crate::suggest::closest`]).
pub fn did_you_mean<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    crate::suggest::closest(input, candidates).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_one_line() {
        let d = Diagnostic::new(Code::UnknownKey, "scientists[0].namespce", "unknown key `namespce`")
            .at(Some(Location { line: 4, column: 5 }))
            .suggest(Some("namespace"));
        assert_eq!(
            d.render("spec.yaml"),
            "spec.yaml:4:5: error[HP002]: scientists[0].namespce: unknown key `namespce` (did you mean `namespace`?)"
        );
    }

    #[test]
    fn control_and_bidi_characters_are_escaped() {
        let d = Diagnostic::new(Code::InvalidValue, "name", "`a\u{1b}[2J\rb\u{202e}c\u{200b}`");
        assert_eq!(d.render("s.yaml"), "s.yaml: error[HP005]: name: `a\\u{1b}[2J\\u{d}b\\u{202e}c\\u{200b}`");
    }
}
