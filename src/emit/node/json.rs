//! The one JSON writer: the layout of `serde_json::to_string_pretty`, written straight into a
//! string.

use super::{Node, indent};

/// A JSON string literal, escaped as serde_json escapes it.
pub fn string(s: &str, out: &mut String) {
    if plain(s) {
        out.push('"');
        out.push_str(s);
        out.push('"');
    } else {
        escaped(s, out);
    }
}

/// Whether `s` holds nothing JSON escapes (most strings): looked at whole, with no branch per
/// byte.
fn plain(s: &str) -> bool {
    !s.bytes().fold(false, |escape, b| escape | (b < 0x20) | (b == b'"') | (b == b'\\'))
}

/// [`string`], byte by byte.
fn escaped(s: &str, out: &mut String) {
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// `node` as pretty JSON whose first line is already indented to `level`.
pub(super) fn value(node: &Node<'_>, level: usize, out: &mut String) {
    match node {
        Node::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Node::Str(s) => string(s, out),
        Node::Json(text) => out.push_str(text),
        Node::List(items) if items.is_empty() => out.push_str("[]"),
        Node::Map(entries) if entries.is_empty() => out.push_str("{}"),
        Node::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                indent(level + 1, out);
                value(item, level + 1, out);
            }
            out.push('\n');
            indent(level, out);
            out.push(']');
        }
        Node::Map(entries) => {
            out.push('{');
            for (i, (key, v)) in entries.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                entry(key, v, level + 1, out);
            }
            out.push('\n');
            indent(level, out);
            out.push('}');
        }
    }
}

/// `"key": value` at `level`, without the separator.
pub fn entry(key: &str, v: &Node<'_>, level: usize, out: &mut String) {
    key_of(key, level, out);
    value(v, level, out);
}

/// `"key": ` at `level`: an entry whose value the caller writes, piece by piece.
pub fn key_of(key: &str, level: usize, out: &mut String) {
    indent(level, out);
    string(key, out);
    out.push_str(": ");
}

/// The line break and indent before the closing brace or bracket of a value at `level`.
pub fn close(level: usize, brace: char, out: &mut String) {
    out.push('\n');
    indent(level, out);
    out.push(brace);
}

/// The JSON writer fed value by value, straight from the model, with no [`Node`] built first:
/// the same bytes as [`value`] writes for the tree the same calls describe.
pub struct Stream<'o> {
    out: &'o mut String,
    /// The indent level of the value being written (its closing brace's).
    base: usize,
    /// The maps and lists open: whether each is a list, and whether it has no entry yet.
    open: Vec<(bool, bool)>,
}

impl<'o> Stream<'o> {
    /// One value whose first line is already indented to `level` (as [`value`] at `level`).
    pub fn at(level: usize, out: &'o mut String) -> Stream<'o> {
        Stream { out, base: level, open: Vec::with_capacity(8) }
    }

    /// The line break and indent before an entry of the innermost open collection.
    fn before_entry(&mut self) {
        let level = self.base + self.open.len();
        if let Some((_, empty)) = self.open.last_mut() {
            self.out.push_str(if *empty { "\n" } else { ",\n" });
            *empty = false;
            indent(level, self.out);
        }
    }

    /// Before a value: a new item if the innermost open collection is a list.
    fn before_value(&mut self) {
        if self.open.last().is_some_and(|(list, _)| *list) {
            self.before_entry();
        }
    }

    /// `"key": ` of the innermost open map; its value comes next.
    pub fn key(&mut self, key: &str) {
        self.before_entry();
        string(key, self.out);
        self.out.push_str(": ");
    }

    /// A string value.
    pub fn str(&mut self, s: &str) {
        self.before_value();
        string(s, self.out);
    }

    /// `"key": "value"`.
    pub fn entry(&mut self, key: &str, value: &str) {
        self.key(key);
        string(value, self.out);
    }

    /// A value given as a tree.
    pub fn node(&mut self, node: &Node<'_>) {
        self.before_value();
        value(node, self.base + self.open.len(), self.out);
    }

    fn open(&mut self, list: bool) {
        self.before_value();
        self.out.push(if list { '[' } else { '{' });
        self.open.push((list, true));
    }

    /// Opens a map value, closed by [`Stream::end`].
    pub fn map(&mut self) {
        self.open(false);
    }

    /// Opens a list value, closed by [`Stream::end`].
    pub fn list(&mut self) {
        self.open(true);
    }

    /// Closes the innermost open map or list (`{}` or `[]` if it got no entry).
    pub fn end(&mut self) {
        if let Some((list, empty)) = self.open.pop() {
            if !empty {
                self.out.push('\n');
                indent(self.base + self.open.len(), self.out);
            }
            self.out.push(if list { ']' } else { '}' });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::TRICKY;
    use super::*;

    #[test]
    fn a_string_written_whole_is_what_the_escaper_writes() {
        let mut whole = 0;
        for s in TRICKY.iter().copied().chain(["\u{1f}", "\u{20}", "a\"", "\\", "~\u{7f}", "é\u{80}"]) {
            let (mut fast, mut slow) = (String::new(), String::new());
            string(s, &mut fast);
            escaped(s, &mut slow);
            assert_eq!(fast, slow, "{s:?}");
            whole += usize::from(plain(s));
            assert_eq!(plain(s), !s.chars().any(|c| c < ' ' || c == '"' || c == '\\'), "{s:?}");
        }
        assert!(whole > 50, "most of the corpus takes the fast path");
    }
}
