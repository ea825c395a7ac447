//! The one YAML writer: block style, a sequence indented under its key, strings on one line,
//! plain where a YAML 1.1 reader reads them back as the same string and double-quoted elsewhere
//! (the rules and the layout of serde-saphyr's `prefer_block_scalars: false,
//! compact_list_indent: false`, which this writer replaced for speed; the golden files hold its
//! output).

use super::{Node, indent};

/// A top-level node and a final newline.
pub(super) fn document(node: &Node<'_>, out: &mut String) {
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
fn list_item(item: &Node<'_>, level: usize, out: &mut String) {
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

/// Where the next value of a [`Stream`] goes: after `key:` or after `- `, at an indent level.
#[derive(Clone, Copy)]
enum At {
    Key(usize),
    Dash(usize),
}

/// A map or list a [`Stream`] has open.
struct Open {
    list: bool,
    /// The indent level of its entries.
    level: usize,
    /// No entry yet: its first one breaks the line (after a key) or stays on the dash's line.
    empty: bool,
    /// What it is the value of.
    at: At,
}

/// The YAML writer fed value by value, straight from the model, with no [`Node`] built first:
/// the same bytes as [`entry`] writes for the tree the same calls describe.
pub struct Stream<'o> {
    out: &'o mut String,
    open: Vec<Open>,
    at: At,
}

impl<'o> Stream<'o> {
    /// Entries of a map at `level` whose lines begin here (as [`entry`] at `level` writes them).
    pub fn map_at(level: usize, out: &'o mut String) -> Stream<'o> {
        let base = Open { list: false, level, empty: false, at: At::Key(level) };
        let mut open = Vec::with_capacity(8);
        open.push(base);
        Stream { out, open, at: At::Key(level) }
    }

    /// Before an entry of the innermost open collection: a line break or indent, as its layout
    /// wants; the level of the entry.
    fn before_entry(&mut self) -> (bool, usize) {
        let Some(top) = self.open.last_mut() else { return (false, 0) };
        let (list, level) = (top.list, top.level);
        if top.empty {
            top.empty = false;
            if let At::Key(_) = top.at {
                self.out.push('\n');
                indent(level, self.out);
            }
        } else {
            indent(level, self.out);
        }
        (list, level)
    }

    /// `key:` of the innermost open map; its value comes next.
    pub fn key(&mut self, key: &str) {
        let (_, level) = self.before_entry();
        key_scalar(key, self.out);
        self.out.push(':');
        self.at = At::Key(level);
    }

    /// Where a value goes: after the last key, or a new item of the innermost open list.
    fn value_at(&mut self) -> At {
        if self.open.last().is_some_and(|top| top.list) {
            let (_, level) = self.before_entry();
            self.out.push_str("- ");
            self.at = At::Dash(level);
        }
        self.at
    }

    /// A string value.
    pub fn str(&mut self, s: &str) {
        if let At::Key(_) = self.value_at() {
            self.out.push(' ');
        }
        if plain_value(s) {
            self.out.push_str(s)
        } else {
            quoted(s, self.out)
        }
        self.out.push('\n');
    }

    /// `key: value`, a string value.
    pub fn entry(&mut self, key: &str, value: &str) {
        self.key(key);
        self.str(value);
    }

    fn open(&mut self, list: bool) {
        let at = self.value_at();
        let (At::Key(level) | At::Dash(level)) = at;
        self.open.push(Open { list, level: level + 1, empty: true, at });
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
        if self.open.len() <= 1 {
            return;
        }
        if let Some(closed) = self.open.pop()
            && closed.empty
        {
            if let At::Key(_) = closed.at {
                self.out.push(' ');
            }
            self.out.push_str(if closed.list { "[]\n" } else { "{}\n" });
        }
    }

    /// A value given as a tree.
    pub fn node(&mut self, node: &Node<'_>) {
        match node {
            Node::Str(s) => self.str(s),
            Node::Map(entries) => {
                self.map();
                for (key, v) in entries {
                    self.key(key);
                    self.node(v);
                }
                self.end();
            }
            Node::List(items) => {
                self.list();
                for item in items {
                    self.node(item);
                }
                self.end();
            }
            scalar => {
                if let At::Key(_) = self.value_at() {
                    self.out.push(' ');
                }
                inline(scalar, self.out);
                self.out.push('\n');
            }
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
    word(s.as_bytes())
        || s.eq_ignore_ascii_case(".nan")
        || matches!(s, "<<" | "=")
        || (s.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | '_'))
            && (numeric(s) || timestamp(s)))
}

/// Null, a YAML 1.1 boolean or an infinity, in any case: the words a reader takes for
/// something else than the string.
fn word(s: &[u8]) -> bool {
    if s.len() > 5 {
        return false;
    }
    let mut lower = [0u8; 5];
    for (l, c) in lower.iter_mut().zip(s) {
        *l = c.to_ascii_lowercase();
    }
    matches!(
        &lower[..s.len()],
        b"" | b"~"
            | b"null"
            | b"true"
            | b"false"
            | b"yes"
            | b"no"
            | b"y"
            | b"n"
            | b"on"
            | b"off"
            | b"nan"
            | b"inf"
            | b"+inf"
            | b"-inf"
            | b".inf"
            | b"-.inf"
            | b"+.inf"
    )
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

/// [`QUIET`] without the two bytes that mean something next to another (`: `, ` #`): a string
/// that starts with a letter and holds only these means nothing to YAML but as a word.
const SAFE: [bool; 256] = without(QUIET, b" #");

/// [`SAFE`] without the bytes a flow collection reads as structure, nor `:`: for keys.
const SAFE_KEY: [bool; 256] = without(SAFE, b":,[]{}");

const fn without(mut table: [bool; 256], bytes: &[u8]) -> [bool; 256] {
    let mut i = 0;
    while i < bytes.len() {
        table[bytes[i] as usize] = false;
        i += 1;
    }
    table
}

/// The decision for most strings (names, ARNs, actions, verbs) at a glance: one that starts
/// with a letter and holds only bytes of `safe` is plain unless it is a [`word`]. `None`: look
/// closer.
fn at_a_glance(b: &[u8], safe: &[bool; 256]) -> Option<bool> {
    (b.first().is_some_and(u8::is_ascii_alphabetic)
        // Every byte looked up, with no branch per byte: most strings pass.
        && b.iter().fold(true, |all, &c| all & safe[usize::from(c)])
        && b.last() != Some(&b':'))
    .then(|| !word(b))
}

/// The decision for a string that starts with a letter and holds only [`QUIET`] bytes, with
/// `: ` and ` #` looked for (descriptions). `None`: look closer.
fn quiet(b: &[u8]) -> Option<bool> {
    if !b.first().is_some_and(u8::is_ascii_alphabetic) || matches!(b.last(), Some(b' ' | b':')) {
        return None;
    }
    let quiet = b.iter().fold(true, |all, &c| all & QUIET[usize::from(c)])
        && !b.windows(2).any(|pair| matches!(pair, b": " | b" #"));
    quiet.then(|| !word(b))
}

/// Whether a string value can be written plain: decided at a glance for most, by the rules for
/// the rest.
fn plain_value(s: &str) -> bool {
    let b = s.as_bytes();
    at_a_glance(b, &SAFE).or_else(|| quiet(b)).unwrap_or_else(|| plain_by_the_rules(s))
}

/// Whether a string value can be written plain, by every rule (what [`at_a_glance`] and
/// [`quiet`] shortcut).
fn plain_by_the_rules(s: &str) -> bool {
    let b = s.as_bytes();
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
    at_a_glance(s.as_bytes(), &SAFE_KEY).unwrap_or_else(|| plain_key_by_the_rules(s))
}

fn plain_key_by_the_rules(s: &str) -> bool {
    !s.bytes().any(|c| matches!(c, b':' | b',' | b'[' | b']' | b'{' | b'}')) && plain_value(s)
}

#[cfg(test)]
mod tests {
    use super::super::tests::TRICKY;
    use super::*;

    /// The corpus, and every string of up to three bytes from an alphabet of what YAML reads
    /// (after a letter, before one, alone), so that each shortcut meets its edges.
    fn strings() -> Vec<String> {
        const ALPHABET: &[&str] = &["a", "Z", "1", " ", ":", "#", "-", ".", ",", "{", "]", "'", "\t", "é", "~", "*"];
        let mut all: Vec<String> = TRICKY.iter().map(|s| (*s).to_owned()).collect();
        for a in ALPHABET {
            for b in ALPHABET {
                for c in ALPHABET {
                    let three = format!("{a}{b}{c}");
                    all.extend([format!("x{three}"), format!("{three}x"), format!("abcdef{three}"), three]);
                }
            }
        }
        all.extend(["Yes", "yES", "NULL", "Off", "inF", "nan", "no", "On", "offs", "nulls", "y1"].map(String::from));
        all
    }

    #[test]
    fn the_shortcuts_decide_as_the_rules_do() {
        let (mut glance, mut quiet_ones) = (0, 0);
        for s in strings() {
            let rules = plain_by_the_rules(&s);
            if let Some(plain) = at_a_glance(s.as_bytes(), &SAFE) {
                assert_eq!(plain, rules, "at a glance, value {s:?}");
                glance += 1;
            }
            if let Some(plain) = quiet(s.as_bytes()) {
                assert_eq!(plain, rules, "quiet, value {s:?}");
                quiet_ones += 1;
            }
            assert_eq!(plain_value(&s), rules, "value {s:?}");
            if let Some(plain) = at_a_glance(s.as_bytes(), &SAFE_KEY) {
                assert_eq!(plain, plain_key_by_the_rules(&s), "at a glance, key {s:?}");
            }
            assert_eq!(plain_key(&s), plain_key_by_the_rules(&s), "key {s:?}");
        }
        assert!(glance > 1000 && quiet_ones > glance, "{glance} {quiet_ones}");
    }

    #[test]
    fn the_words_are_yaml_1_1_s_in_any_case() {
        for w in ["", "~", "null", "NULL", "True", "fAlse", "YES", "no", "y", "N", "on", "OFF", "nan", "Inf", "-.INF"] {
            assert!(word(w.as_bytes()), "{w}");
        }
        for w in ["nul", "nulls", "yess", "o", "of", "infinity", "tru", "x"] {
            assert!(!word(w.as_bytes()), "{w}");
        }
    }
}
