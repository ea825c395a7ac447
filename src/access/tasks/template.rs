//! The request lines of the tasks data, read once into templates whose placeholders are
//! numbered, so that each persona's values are bound in without reading a line again.

use std::collections::BTreeMap;

use super::Persona;

/// A piece of a request line: as written, or a placeholder by its number in [`Names`] (and its
/// name, for errors).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Piece<'t> {
    Text(&'t str),
    Var(usize, &'t str),
}

/// A token of a request line (or a whole `object` line), read once into pieces: a persona's
/// values are bound into it ([`Template::fill_into`]) without reading it again. As
/// [`Persona::fill`] reads it: `{NAME}` is a placeholder; a `{` without a `}` after it is an
/// error, reported when a persona fills it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Template<'t> {
    pub(super) text: &'t str,
    pieces: Vec<Piece<'t>>,
    unclosed: bool,
}

impl<'t> Template<'t> {
    pub(super) fn read(text: &'t str, names: &mut Names<'t>) -> Template<'t> {
        let mut pieces = Vec::new();
        let mut rest = text;
        let mut unclosed = false;
        while let Some(start) = rest.find('{') {
            pieces.push(Piece::Text(&rest[..start]));
            let Some(end) = rest[start..].find('}').map(|e| start + e) else {
                unclosed = true;
                break;
            };
            let name = &rest[start + 1..end];
            pieces.push(Piece::Var(names.number(name), name));
            rest = &rest[end + 1..];
        }
        pieces.push(Piece::Text(rest));
        pieces.retain(|p| *p != Piece::Text(""));
        Template { text, pieces, unclosed }
    }

    /// The placeholders, by number, in order.
    pub(super) fn vars(&self) -> impl Iterator<Item = usize> + '_ {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Var(n, _) => Some(*n),
            Piece::Text(_) => None,
        })
    }

    /// Appends the text with `values` (by number) bound in; the errors of [`Persona::fill`].
    pub(super) fn fill_into(&self, out: &mut String, values: &[Option<&str>], kind: &str) -> Result<(), String> {
        if self.unclosed {
            return Err(format!("unclosed `{{` in `{}`", self.text));
        }
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Var(n, name) => {
                    out.push_str(values.get(*n).copied().flatten().ok_or_else(|| {
                        format!("placeholder `{{{name}}}` in `{}` is not defined for {kind}", self.text)
                    })?)
                }
            }
        }
        Ok(())
    }
}

/// One request line of an entry, read once: its tokens as templates.
pub(super) struct Line<'t> {
    /// `aws`, `k8s` or `assume`.
    pub(super) kind: &'static str,
    pub(super) tokens: Vec<Template<'t>>,
    /// The placeholders of the tokens, in order, by their number in [`Names`]: a persona whose
    /// values of these are those of the persona before gets the same filled line and question.
    pub(super) vars: Vec<usize>,
}

impl<'t> Line<'t> {
    /// A request line of `kind`, its tokens split at whitespace and read.
    pub(super) fn read(kind: &'static str, text: &'t str, names: &mut Names<'t>) -> Line<'t> {
        let tokens: Vec<Template<'t>> = text.split_whitespace().map(|t| Template::read(t, names)).collect();
        let vars = tokens.iter().flat_map(Template::vars).collect();
        Line { kind, tokens, vars }
    }

    /// Writes the line with `values` bound in into `line`, its tokens joined by one space, and
    /// where each token ends in it into `ends` (both emptied first: a caller reuses them).
    pub(super) fn fill(
        &self,
        line: &mut String,
        ends: &mut Vec<usize>,
        values: &[Option<&str>],
        kind: &str,
    ) -> Result<(), String> {
        line.clear();
        ends.clear();
        for (i, token) in self.tokens.iter().enumerate() {
            if i > 0 {
                line.push(' ');
            }
            token.fill_into(line, values, kind)?;
            ends.push(line.len());
        }
        Ok(())
    }
}

/// The placeholder names of every request line, numbered: a persona's values are looked up
/// once per persona ([`Names::values`]), not once per line.
#[derive(Default)]
pub(super) struct Names<'t>(BTreeMap<&'t str, usize>);

impl<'t> Names<'t> {
    pub(super) fn number(&mut self, name: &'t str) -> usize {
        let next = self.0.len();
        *self.0.entry(name).or_insert(next)
    }

    /// A persona's value of each name, by number.
    pub(super) fn values<'p>(&self, persona: &'p Persona) -> Vec<Option<&'p str>> {
        let mut values = vec![None; self.0.len()];
        for (name, &n) in &self.0 {
            values[n] = persona.vars.get(*name).map(String::as_str);
        }
        values
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// A template read once and filled gives what [`Persona::fill`] gives, errors included.
    #[test]
    fn a_template_fills_as_persona_fill_does() {
        let vars = BTreeMap::from([("NS", "team-a".to_owned()), ("ROLE", "r".to_owned()), ("A", "1".to_owned())]);
        let persona =
            Persona { kind: "scientist", entry: "a".into(), role_name: "r".into(), facts: BTreeSet::new(), vars };
        let mut names = Names::default();
        let lines = ["plain", "{NS}", "arn:{A}:role/{ROLE}-x", "{NS}{ROLE}", "a{MISSING}b", "open{NS", "{}", "x}{A}"];
        let templates: Vec<Template<'_>> = lines.iter().map(|l| Template::read(l, &mut names)).collect();
        let values = names.values(&persona);
        for (line, template) in lines.iter().zip(&templates) {
            let mut out = String::new();
            let filled = template.fill_into(&mut out, &values, persona.kind).map(|()| out);
            assert_eq!(filled, persona.fill(line), "{line}");
        }
    }
}
