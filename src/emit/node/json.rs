//! The one JSON writer: the layout of `serde_json::to_string_pretty`, written straight into a
//! string.

use super::{Node, indent};

/// A JSON string literal, escaped as serde_json escapes it.
fn string(s: &str, out: &mut String) {
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
