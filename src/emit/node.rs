//! A small ordered document tree that every structured format is built from, so that key order
//! is ours (never a hash's or a crate feature's), and the one place where YAML and JSON are
//! written.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use super::EmitError;

/// A JSON/YAML value whose maps keep insertion order. Strings are borrowed from the model where
/// they can be (keys are mostly `&'static str`), so building a node allocates little.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node<'a> {
    Bool(bool),
    Str(Cow<'a, str>),
    List(Vec<Node<'a>>),
    Map(Vec<(Cow<'a, str>, Node<'a>)>),
    /// JSON already written where this node sits (see [`json::entry`]), for a section written
    /// entry by entry as it is built. The YAML writer writes it as it is.
    Json(String),
}

impl<'a> Node<'a> {
    /// An empty map, to be filled with [`Node::with`].
    pub fn map() -> Node<'a> {
        Node::Map(Vec::new())
    }

    /// Adds a key (builder style). On a non-map it does nothing.
    pub fn with(mut self, key: impl Into<Cow<'a, str>>, value: impl Into<Node<'a>>) -> Node<'a> {
        self.insert(key, value);
        self
    }

    /// Adds a key when the value is present.
    pub fn with_opt(self, key: impl Into<Cow<'a, str>>, value: Option<impl Into<Node<'a>>>) -> Node<'a> {
        match value {
            Some(v) => self.with(key, v),
            None => self,
        }
    }

    /// Adds a key.
    pub fn insert(&mut self, key: impl Into<Cow<'a, str>>, value: impl Into<Node<'a>>) {
        if let Node::Map(entries) = self {
            entries.push((key.into(), value.into()));
        }
    }

    /// A list of strings.
    pub fn strings<I: IntoIterator<Item = S>, S: Into<Cow<'a, str>>>(items: I) -> Node<'a> {
        Node::List(items.into_iter().map(|s| Node::Str(s.into())).collect())
    }
}

impl Default for Node<'_> {
    /// An empty map.
    fn default() -> Self {
        Node::map()
    }
}

impl<'a> From<&'a str> for Node<'a> {
    fn from(s: &'a str) -> Node<'a> {
        Node::Str(Cow::Borrowed(s))
    }
}

impl<'a> From<String> for Node<'a> {
    fn from(s: String) -> Node<'a> {
        Node::Str(Cow::Owned(s))
    }
}

impl<'a> From<&'a String> for Node<'a> {
    fn from(s: &'a String) -> Node<'a> {
        Node::Str(Cow::Borrowed(s.as_str()))
    }
}

impl<'a> From<Cow<'a, str>> for Node<'a> {
    fn from(s: Cow<'a, str>) -> Node<'a> {
        Node::Str(s)
    }
}

impl<'a> From<bool> for Node<'a> {
    fn from(b: bool) -> Node<'a> {
        Node::Bool(b)
    }
}

impl<'a> From<Vec<Node<'a>>> for Node<'a> {
    fn from(v: Vec<Node<'a>>) -> Node<'a> {
        Node::List(v)
    }
}

impl Serialize for Node<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Node::Bool(b) => serializer.serialize_bool(*b),
            Node::Str(s) => serializer.serialize_str(s),
            Node::List(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Node::Map(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
            Node::Json(text) => serializer.serialize_str(text),
        }
    }
}

/// Tags as IAM and CloudFormation write them, `[{Key, Value}]` in key order; `None` for none.
pub fn key_value_tags(tags: &BTreeMap<String, String>) -> Option<Node<'_>> {
    (!tags.is_empty())
        .then(|| Node::List(tags.iter().map(|(k, v)| Node::map().with("Key", k).with("Value", v)).collect()))
}

/// Pretty JSON, two-space indent, one trailing newline.
pub fn to_json(node: &Node<'_>) -> Result<String, EmitError> {
    let mut out = String::new();
    json::value(node, 0, &mut out);
    out.push('\n');
    Ok(out)
}

/// Block YAML that YAML 1.1 readers (PyYAML, kubectl) read back as the same strings: `2012-10-17`,
/// `yes`, `on` and the like are quoted (see [`yaml`]).
pub fn to_yaml(node: &Node<'_>) -> Result<String, EmitError> {
    let mut out = String::new();
    yaml::document(node, &mut out);
    Ok(out)
}

/// Several YAML documents separated by `---`.
pub fn to_yaml_documents(nodes: &[Node<'_>]) -> Result<String, EmitError> {
    let mut out = String::new();
    for node in nodes {
        out.push_str("---\n");
        yaml::document(node, &mut out);
    }
    Ok(out)
}

/// The one JSON writer: the layout of `serde_json::to_string_pretty`, written straight into a
/// string.
pub mod json {
    use super::Node;

    fn indent(level: usize, out: &mut String) {
        for _ in 0..level {
            out.push_str("  ");
        }
    }

    /// A JSON string literal, escaped as serde_json escapes it.
    pub fn string(s: &str, out: &mut String) {
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
    pub fn value(node: &Node<'_>, level: usize, out: &mut String) {
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
        indent(level, out);
        string(key, out);
        out.push_str(": ");
        value(v, level, out);
    }
}

/// The one YAML writer: block style, a sequence indented under its key, strings on one line,
/// plain where a YAML 1.1 reader reads them back as the same string and double-quoted elsewhere
/// (the rules and the layout of serde-saphyr's `prefer_block_scalars: false,
/// compact_list_indent: false`, which this writer replaced for speed; the golden files hold its
/// output).
pub mod yaml {
    use super::Node;

    fn indent(level: usize, out: &mut String) {
        for _ in 0..level {
            out.push_str("  ");
        }
    }

    /// A top-level node and a final newline.
    pub fn document(node: &Node<'_>, out: &mut String) {
        match node {
            Node::Map(entries) if !entries.is_empty() => {
                for (key, v) in entries {
                    entry(key, v, 0, out);
                }
            }
            Node::List(items) if !items.is_empty() => {
                for item in items {
                    list_item(item, 0, out);
                }
            }
            scalar => {
                inline(scalar, out);
                out.push('\n');
            }
        }
    }

    /// `key: value` at `level`, ending with a newline; a non-empty map or list goes on the
    /// following lines, one level deeper.
    pub fn entry(key: &str, v: &Node<'_>, level: usize, out: &mut String) {
        indent(level, out);
        key_scalar(key, out);
        out.push(':');
        rest(v, level, out);
    }

    /// What follows `key:` or `- ` of a map entry at `level`.
    fn rest(v: &Node<'_>, level: usize, out: &mut String) {
        match v {
            Node::Map(entries) if !entries.is_empty() => {
                out.push('\n');
                for (key, v) in entries {
                    entry(key, v, level + 1, out);
                }
            }
            Node::List(items) if !items.is_empty() => {
                out.push('\n');
                for item in items {
                    list_item(item, level + 1, out);
                }
            }
            scalar => {
                out.push(' ');
                inline(scalar, out);
                out.push('\n');
            }
        }
    }

    /// `- item` at `level`: a map's first entry on the dash's line, the others under it.
    pub fn list_item(item: &Node<'_>, level: usize, out: &mut String) {
        indent(level, out);
        out.push_str("- ");
        match item {
            Node::Map(entries) if !entries.is_empty() => {
                for (i, (key, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        indent(level + 1, out);
                    }
                    key_scalar(key, out);
                    out.push(':');
                    rest(v, level + 1, out);
                }
            }
            Node::List(items) if !items.is_empty() => {
                for (i, nested) in items.iter().enumerate() {
                    if i == 0 {
                        // `- - x`: the nested list starts on the dash's line.
                        let mut line = String::new();
                        list_item(nested, level + 1, &mut line);
                        out.push_str(line.trim_start());
                    } else {
                        list_item(nested, level + 1, out);
                    }
                }
            }
            scalar => {
                inline(scalar, out);
                out.push('\n');
            }
        }
    }

    /// A scalar, or an empty collection (`[]`, `{}`), on the current line.
    fn inline(node: &Node<'_>, out: &mut String) {
        match node {
            Node::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Node::Str(s) if plain_value(s) => out.push_str(s),
            Node::Str(s) => quoted(s, out),
            Node::List(_) => out.push_str("[]"),
            Node::Map(_) => out.push_str("{}"),
            Node::Json(text) => out.push_str(text),
        }
    }

    fn key_scalar(key: &str, out: &mut String) {
        if plain_key(key) { out.push_str(key) } else { quoted(key, out) }
    }

    fn needs_escape(c: char) -> bool {
        c.is_control() || matches!(c, '\u{FEFF}' | '\u{2028}' | '\u{2029}' | '\u{FFFE}' | '\u{FFFF}')
    }

    /// A double-quoted scalar with YAML's escapes.
    fn quoted(s: &str, out: &mut String) {
        out.push('"');
        for c in s.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '"' => out.push_str("\\\""),
                '\0' => out.push_str("\\0"),
                '\u{7}' => out.push_str("\\a"),
                '\u{8}' => out.push_str("\\b"),
                '\t' => out.push_str("\\t"),
                '\n' => out.push_str("\\n"),
                '\u{b}' => out.push_str("\\v"),
                '\u{c}' => out.push_str("\\f"),
                '\r' => out.push_str("\\r"),
                '\u{1b}' => out.push_str("\\e"),
                '\u{FEFF}' => out.push_str("\\uFEFF"),
                '\u{85}' => out.push_str("\\N"),
                '\u{2028}' => out.push_str("\\L"),
                '\u{2029}' => out.push_str("\\P"),
                c if u32::from(c) <= 0xFF && c.is_control() => out.push_str(&format!("\\x{:02X}", u32::from(c))),
                c if needs_escape(c) => out.push_str(&format!("\\u{:04X}", u32::from(c))),
                c => out.push(c),
            }
        }
        out.push('"');
    }

    /// Whether a reader would take the plain scalar `s` for something other than the string:
    /// null, a YAML 1.1 boolean (`y`, `on`, ...), a number (decimal, octal, hex, binary,
    /// base 60, with `_`), a date, or a merge key.
    fn ambiguous(s: &str) -> bool {
        const WORDS: [&str; 18] = [
            "", "~", "null", "true", "false", "yes", "no", "y", "n", "on", "off", "nan", "inf", "+inf", "-inf", ".inf",
            "-.inf", "+.inf",
        ];
        (s.len() <= 5 && WORDS.iter().any(|w| s.eq_ignore_ascii_case(w)))
            || s.eq_ignore_ascii_case(".nan")
            || matches!(s, "<<" | "=")
            || (s.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | '_'))
                && (numeric(s) || timestamp(s)))
    }

    fn digits(s: &str, radix: u32, underscores: bool) -> bool {
        !s.is_empty() && s.chars().all(|c| c.is_digit(radix) || (underscores && c == '_'))
    }

    /// Number syntax of YAML 1.1 and 1.2, generously (a string that merely looks numeric is
    /// quoted, which costs nothing).
    fn numeric(s: &str) -> bool {
        if !s.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | '_')) {
            return false;
        }
        let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
        if let Some(rest) = unsigned.strip_prefix("0x").or_else(|| unsigned.strip_prefix("0X")) {
            return digits(rest, 16, true);
        }
        if let Some(rest) = ["0b", "0B", "0o", "0O"].iter().find_map(|p| unsigned.strip_prefix(p)) {
            let rest = rest.strip_prefix(['+', '-']).unwrap_or(rest);
            return digits(rest, 8, true);
        }
        // Base 60 (`1:30`, `190:20:30.15`).
        if unsigned.contains(':') {
            let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
            let mut parts = whole.split(':');
            let first = parts.next().unwrap_or_default();
            return digits(first, 10, true)
                && parts.all(|p| (1..=2).contains(&p.len()) && digits(p, 10, false))
                && (fraction.is_empty() || digits(fraction, 10, true));
        }
        let mantissa = match unsigned.split_once(['e', 'E']) {
            Some((m, e)) => {
                if !digits(e.strip_prefix(['+', '-']).unwrap_or(e), 10, true) {
                    return false;
                }
                m
            }
            None => unsigned,
        };
        match mantissa.split_once('.') {
            Some((whole, fraction)) => {
                (whole.is_empty() || digits(whole, 10, true))
                    && fraction.chars().all(|c| c.is_ascii_digit() || c == '.' || c == '_')
                    && !(whole.is_empty() && fraction.is_empty())
            }
            None => digits(mantissa, 10, true),
        }
    }

    /// `2012-10-17`, `2001-12-14t21:59:43.10-05:00` and the like.
    fn timestamp(s: &str) -> bool {
        let b = s.as_bytes();
        let run = |from: usize| b[from.min(b.len())..].iter().take_while(|c| c.is_ascii_digit()).count();
        let year = run(0);
        if year != 4 || b.get(4) != Some(&b'-') {
            return false;
        }
        let month = run(5);
        if !(1..=2).contains(&month) || b.get(5 + month) != Some(&b'-') {
            return false;
        }
        let day = run(6 + month);
        (1..=2).contains(&day)
    }

    fn starts_document_marker(s: &str) -> bool {
        s.strip_prefix("---")
            .or_else(|| s.strip_prefix("..."))
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(|c: char| c.is_ascii_whitespace()))
    }

    fn comment_start(s: &str) -> bool {
        s.match_indices('#').any(|(i, _)| s[..i].chars().next_back().is_some_and(char::is_whitespace))
    }

    /// The bytes that mean nothing to YAML inside a plain scalar that starts with a letter
    /// (`#` only after a space, `: ` only together).
    const QUIET: [bool; 256] = {
        let mut table = [false; 256];
        let mut c = 0;
        while c < 256 {
            let b = c as u8;
            table[c] = b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'-' | b'_'
                        | b'.'
                        | b'/'
                        | b':'
                        | b'*'
                        | b'$'
                        | b'{'
                        | b'}'
                        | b'('
                        | b')'
                        | b'@'
                        | b'='
                        | b'+'
                        | b','
                        | b' '
                        | b'#'
                );
            c += 1;
        }
        table
    };

    /// Whether a string value can be written plain.
    fn plain_value(s: &str) -> bool {
        let b = s.as_bytes();
        // Most values (names, ARNs, actions, descriptions) start with a letter and hold only
        // characters that mean nothing to YAML there: one pass over the bytes decides them.
        if b.first().is_some_and(u8::is_ascii_alphabetic) && !matches!(b.last(), Some(b' ' | b':')) {
            let mut prev = 0;
            let quiet = b.iter().all(|&c| {
                let ok = QUIET[usize::from(c)] && !(prev == b':' && c == b' ') && !(prev == b' ' && c == b'#');
                prev = c;
                ok
            });
            if quiet {
                return b.len() > 5 || !ambiguous(s);
            }
        }
        if ambiguous(s) || starts_document_marker(s) {
            return false;
        }
        if b.first().is_some_and(u8::is_ascii_whitespace) || b.last().is_some_and(u8::is_ascii_whitespace) {
            return false;
        }
        match b {
            [b'-' | b'?', second, ..] if second.is_ascii_whitespace() => return false,
            [b'-' | b'?']
            | [
                b',' | b':' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\'' | b'"' | b'%'
                | b'@' | b'`',
                ..,
            ] => return false,
            _ => {}
        }
        if s.contains(": ") || s.trim().ends_with(':') {
            return false;
        }
        !s.chars().any(needs_escape) && !comment_start(s)
    }

    /// Whether a map key can be written plain: as a value, and without `:` or the characters a
    /// flow collection would read as structure.
    fn plain_key(s: &str) -> bool {
        !s.bytes().any(|c| matches!(c, b':' | b',' | b'[' | b']' | b'{' | b'}')) && plain_value(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_key_order_and_quotes_yaml_1_1_traps() {
        let node = Node::map()
            .with("Version", "2012-10-17")
            .with("b", "yes")
            .with("a", Node::strings(["on", "=", "12:30", "${!aws:userid}"]));
        let yaml = to_yaml(&node).unwrap();
        assert!(yaml.starts_with("Version:"), "{yaml}");
        for trap in ["2012-10-17", "yes", "on", "=", "12:30"] {
            assert!(!yaml.contains(&format!(" {trap}\n")), "`{trap}` left unquoted:\n{yaml}");
        }
        let json = to_json(&node).unwrap();
        assert!(json.find("Version").unwrap() < json.find("\"b\"").unwrap());
    }

    /// Strings whose YAML or JSON form is not obvious.
    const TRICKY: &[&str] = &[
        "",
        " ",
        "a",
        "y",
        "n",
        "Yes",
        "NO",
        "on",
        "Off",
        "true",
        "False",
        "null",
        "~",
        "nan",
        ".inf",
        "-.Inf",
        "0",
        "-1",
        "+12",
        "1_000",
        "0x1F",
        "0o17",
        "0b101",
        "1.5",
        ".5",
        "1e5",
        "12:30",
        "190:20:30.15",
        "2012-10-17",
        "2001-12-14t21:59:43.10-05:00",
        "<<",
        "=",
        "---",
        "...",
        "--- x",
        "- x",
        "-x",
        "? x",
        "?x",
        ":x",
        "x:",
        "a: b",
        "a:b",
        "a #b",
        "a#b",
        "#a",
        "&a",
        "*",
        "*a",
        "!a",
        "|",
        ">",
        "'a'",
        "\"a\"",
        "%a",
        "@a",
        "`a",
        "a,b",
        "[a]",
        "{a}",
        "a b",
        " a",
        "a ",
        "tab\there",
        "line\nbreak",
        "cr\rx",
        "nul\u{0}x",
        "bell\u{7}",
        "esc\u{1b}",
        "del\u{7f}",
        "c1\u{85}x",
        "bom\u{feff}",
        "ls\u{2028}",
        "é ü",
        "日本",
        "emoji 😀",
        "back\\slash",
        "${AWS::Partition}",
        "${!aws:userid}",
        "Fn::Sub",
        "arn:aws:iam::111122223333:role/x",
        "sagemaker:TaggingAction",
        "s3:*",
        "HyperPod creates; the Describe actions take no resource",
        "2010-09-09",
        "4711",
        "a=b",
        "=a",
    ];

    fn corpus() -> Node<'static> {
        let mut map = Node::map();
        for (i, s) in TRICKY.iter().enumerate() {
            map.insert(*s, *s);
            map.insert(format!("k{i}"), Node::strings([*s, "x"]));
        }
        map.insert("empty-list", Node::List(Vec::new()));
        map.insert("empty-map", Node::map());
        map.insert("bools", Node::List(vec![Node::Bool(true), Node::Bool(false)]));
        map.insert(
            "nested",
            Node::List(vec![
                Node::map().with("a", "b").with("c", Node::strings(["d"])).with("e", Node::map().with("f", "g")),
                Node::List(vec![Node::from("x"), Node::from("y")]),
                Node::map(),
            ]),
        );
        map
    }

    #[test]
    fn json_is_serde_json_pretty_byte_for_byte() {
        let node = corpus();
        let expected = serde_json::to_string_pretty(&node).unwrap() + "\n";
        assert_eq!(to_json(&node).unwrap(), expected);
        assert_eq!(to_json(&Node::from("a\u{1}\u{1f}\u{8}\u{c}")).unwrap(), "\"a\\u0001\\u001f\\b\\f\"\n");
    }

    #[test]
    fn yaml_reads_back_and_is_serde_saphyr_byte_for_byte() {
        let node = corpus();
        let ours = to_yaml(&node).unwrap();
        let options = serde_saphyr::ser_options! { prefer_block_scalars: false, compact_list_indent: false };
        let mut theirs = serde_saphyr::to_string_with_options(&node, options).unwrap();
        if !theirs.ends_with('\n') {
            theirs.push('\n');
        }
        for (line, (a, b)) in ours.lines().zip(theirs.lines()).enumerate() {
            assert_eq!(a, b, "line {}", line + 1);
        }
        assert_eq!(ours, theirs);
        let back: serde_json::Value = serde_saphyr::from_str(&ours).unwrap();
        assert_eq!(back, serde_json::to_value(&node).unwrap());
    }
}
