//! Diagnostics: what the spec reader and the lint find, collected, never fail-fast.

pub mod codes;
pub mod lint;
pub mod quotas;
pub mod report;

use std::fmt;

use serde::Serialize;

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
    pub code: &'static str,
    /// Path of the field (`scientists[1].namespace`); empty for the whole spec.
    pub path: String,
    pub location: Option<Location>,
    /// Lowercase, one line, no trailing period; user input in backticks.
    pub message: String,
    /// A close, valid alternative, when there is one.
    pub suggestion: Option<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, path: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            path: path.into(),
            location: None,
            message: message.into(),
            suggestion: None,
        }
    }

    pub fn warning(code: &'static str, path: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(code, path, message) }
    }

    pub fn at(mut self, location: Option<Location>) -> Self {
        self.location = location;
        self
    }

    pub fn suggest(mut self, suggestion: Option<String>) -> Self {
        self.suggestion = suggestion;
        self
    }

    /// `file:line:col: error[HP002]: path: message (did you mean `x`?)`, one line.
    pub fn render(&self, file: &str) -> String {
        let mut out = String::from(file);
        if let Some(loc) = self.location {
            out.push_str(&format!(":{}:{}", loc.line, loc.column));
        }
        out.push_str(&format!(": {}[{}]: ", self.severity.as_str(), self.code));
        if !self.path.is_empty() {
            out.push_str(&self.path);
            out.push_str(": ");
        }
        out.push_str(&self.message);
        if let Some(s) = &self.suggestion {
            out.push_str(&format!(" (did you mean `{s}`?)"));
        }
        out
    }
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

/// The closest candidate by edit distance, when it is close enough to be a likely typo.
pub fn did_you_mean<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let input_lower = input.to_ascii_lowercase();
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        let d = edit_distance(&input_lower, &candidate.to_ascii_lowercase());
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, candidate));
        }
    }
    let (distance, candidate) = best?;
    let limit = (input.chars().count().max(candidate.chars().count()) / 3).max(1);
    (distance <= limit && distance > 0 || (distance == 0 && input != candidate)).then(|| candidate.to_owned())
}

/// Levenshtein distance over characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        assert_eq!(did_you_mean("namespce", ["name", "namespace", "podRole"]).as_deref(), Some("namespace"));
        assert_eq!(did_you_mean("ekss", ["eks", "slurm"]).as_deref(), Some("eks"));
        assert_eq!(did_you_mean("EKS", ["eks", "slurm"]).as_deref(), Some("eks"));
        assert_eq!(did_you_mean("kubernetes", ["eks", "slurm"]), None);
    }

    #[test]
    fn render_one_line() {
        let d = Diagnostic::error("HP002", "scientists[0].namespce", "unknown key `namespce`")
            .at(Some(Location { line: 4, column: 5 }))
            .suggest(Some("namespace".into()));
        assert_eq!(
            d.render("spec.yaml"),
            "spec.yaml:4:5: error[HP002]: scientists[0].namespce: unknown key `namespce` (did you mean `namespace`?)"
        );
    }
}
