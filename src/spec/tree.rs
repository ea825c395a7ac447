//! The spec as a YAML tree: every node with its line, column, tag and, for a scalar, the exact
//! text the user wrote and whether it was quoted. Serde stops at the first problem; this tree
//! lets [`super::shape`] find every structural mistake of the file in one pass, and lets the
//! reader keep an IAM value's source text where YAML would have changed it.

use granit_parser::{Event, Parser, ScalarStyle, Span};

use crate::check::Location;

/// One node of the tree.
#[derive(Debug, Clone)]
pub struct Node {
    pub value: Value,
    pub at: Option<Location>,
    /// A tag the user wrote (`!Sub`), unless it is a core-schema one (`!!str`).
    pub tag: Option<String>,
}

/// What a node holds.
#[derive(Debug, Clone)]
pub enum Value {
    /// Keys in the order written.
    Map(Vec<(Node, Node)>),
    List(Vec<Node>),
    Scalar {
        text: String,
        plain: bool,
    },
    /// `*name`: the reader does not follow aliases here; serde resolves them later.
    Alias,
}

impl Node {
    /// The text of a scalar node.
    pub fn scalar(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// What kind of value this is, in words a user knows, for "found ..." in messages.
    pub fn kind(&self) -> &'static str {
        match &self.value {
            Value::Map(_) => "a map",
            Value::List(_) => "a list",
            Value::Alias => "an alias",
            Value::Scalar { text, plain } => {
                if !plain {
                    "a string"
                } else if is_null(text) {
                    "nothing"
                } else if is_bool(text) {
                    "a boolean"
                } else if text.parse::<f64>().is_ok() {
                    "a number"
                } else {
                    "a string"
                }
            }
        }
    }

    /// A plain scalar that YAML reads as nothing (`~`, `null`, or no text at all).
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar { text, plain: true } if is_null(text))
    }
}

fn is_null(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

fn is_bool(text: &str) -> bool {
    matches!(text.to_ascii_lowercase().as_str(), "true" | "false" | "yes" | "no" | "on" | "off")
}

/// The YAML document of `text` as a tree (`None` when empty), or what is wrong and where. A large
/// spec is read in pieces on every core when it can be (see [`in_pieces`]): the same tree.
pub fn parse(text: &str) -> Result<Option<Node>, (String, Option<Location>)> {
    let pieces = crate::par::threads(usize::MAX);
    if text.len() >= PIECES_FROM
        && pieces > 1
        && let Some(root) = in_pieces(text, pieces)
    {
        return Ok(Some(root));
    }
    parse_piece(text, 0)
}

/// From this size on (about 1,000 scientist teams), [`parse`] tries to read the spec in pieces;
/// below, a thread costs more than it saves.
const PIECES_FROM: usize = 48 * 1024;

/// The tree of `text` read in `pieces` pieces side by side, when it can be read so; `None`
/// otherwise, and then the caller reads it whole (which also finds any error).
///
/// A spec with many teams is mostly one top-level block list (`scientists:`), whose items start
/// on lines of the same indentation. The text is cut at some of those lines into the part
/// before and the first items, runs of further items, and what follows the list; each piece is
/// read as a document of its own, its lines counted from where it starts, and the trees are put
/// back together. A cut line begins an item of the list in the whole text, so no node spans a
/// cut: a quoted string, flow collection or block scalar left open before a cut makes its piece
/// fail to read (and the text is read whole), and one that reads means what it means in the
/// whole text. Texts with a line that could change how the rest reads (a document marker or a
/// directive) are never cut.
fn in_pieces(text: &str, pieces: usize) -> Option<Node> {
    let (cuts, end) = cuts(text, pieces)?;
    // Each piece: its text, and how many lines of the whole come before it.
    let bounds: Vec<usize> = std::iter::once(0).chain(cuts).chain([end, text.len()]).collect();
    let mut lines = 0;
    let mut spans = Vec::new();
    for w in bounds.windows(2) {
        let piece = text.get(w[0]..w[1])?;
        spans.push((piece, u32::try_from(lines).ok()?));
        lines += piece.bytes().filter(|&b| b == b'\n').count();
    }
    // Each piece's tree (`None` for a piece with no node), or `None` if it does not read.
    let read: Vec<Option<Option<Node>>> = crate::par::map(&spans, |&(piece, offset)| parse_piece(piece, offset).ok());
    let mut read = read.into_iter();
    let mut root = read.next()???;
    let tail = read.next_back()??;
    let Value::Map(entries) = &mut root.value else { return None };
    let Value::List(items) = &mut entries.last_mut()?.1.value else { return None };
    for run in read {
        let Value::List(more) = run??.value else { return None };
        items.extend(more);
    }
    match tail.map(|t| t.value) {
        None => {}
        Some(Value::Map(more)) => entries.extend(more),
        Some(_) => return None,
    }
    Some(root)
}

/// Where [`in_pieces`] cuts `text`: the starts of the runs of items after the first run of the
/// longest top-level block list, and the end of that list; `None` when there is no list worth
/// cutting or the text has a line that makes cutting unsafe.
fn cuts(text: &str, pieces: usize) -> Option<(Vec<usize>, usize)> {
    // The list with the most items so far (the starts of its items, its end), and the one being
    // read (its indentation, the starts of its items).
    let mut best: Option<(Vec<usize>, usize)> = None;
    let mut open: Option<(usize, Vec<usize>)> = None;
    // The last top-level line was `key:`, its value on the lines below.
    let mut key_ended = false;
    let mut at = 0;
    let close = |open: &mut Option<(usize, Vec<usize>)>, end: usize, best: &mut Option<(Vec<usize>, usize)>| {
        if let Some((_, items)) = open.take()
            && items.len() > best.as_ref().map_or(0, |(b, _)| b.len())
        {
            *best = Some((items, end));
        }
    };
    for line in text.split_inclusive('\n') {
        let start = at;
        at += line.len();
        let body = line.trim_end_matches(['\n', '\r']);
        if body.starts_with("---") || body.starts_with("...") || body.starts_with('%') {
            return None;
        }
        let content = body.trim_start_matches(' ');
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let indent = body.len() - content.len();
        let item = content == "-" || content.starts_with("- ");
        if indent == 0 {
            close(&mut open, start, &mut best);
            // `key:` alone on its line (a comment aside): its value is on the lines below.
            let key = content.split(" #").next().unwrap_or_default().trim_end();
            key_ended = key.strip_suffix(':').is_some_and(|k| {
                !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            });
            continue;
        }
        if key_ended {
            key_ended = false;
            if item {
                open = Some((indent, vec![start]));
            }
            continue;
        }
        if let Some((list_indent, items)) = &mut open
            && indent <= *list_indent
        {
            if indent < *list_indent || !item {
                // Less indented than the items, or not an item at their indentation: not a
                // list whose items can be read apart.
                open = None;
                continue;
            }
            items.push(start);
        }
    }
    close(&mut open, text.len(), &mut best);
    let (items, end) = best?;
    if items.len() < 2 * pieces {
        return None;
    }
    let first = *items.first()?;
    let size = (end - first) / pieces;
    let mut cuts = Vec::with_capacity(pieces);
    for &item in items.iter().skip(1) {
        if item >= first + size * (cuts.len() + 1) && cuts.len() + 1 < pieces {
            cuts.push(item);
        }
    }
    (!cuts.is_empty()).then_some((cuts, end))
}

/// One YAML document as a tree, its lines counted from `offset` + 1.
fn parse_piece(text: &str, offset: u32) -> Result<Option<Node>, (String, Option<Location>)> {
    let mut builder = Builder { stack: Vec::new(), root: None, offset };
    let mut done = false;
    for event in Parser::new_from_str(text) {
        let (event, span) =
            event.map_err(|e| (syntax_message(&e.info()), location(e.marker().line(), e.marker().col())))?;
        match event {
            Event::StreamEnd => break,
            Event::DocumentStart(..) if done => {
                let message = "the spec holds more than one YAML document (`---`); keep one".to_owned();
                return Err((message, location(span.start.line(), span.start.col())));
            }
            event => done |= builder.event(event, span),
        }
    }
    Ok(builder.root)
}

/// A parser's message, lowercase and without its trailing period.
fn syntax_message(raw: &str) -> String {
    let mut message = raw.trim().trim_end_matches('.').to_owned();
    if let Some(first) = message.get(..1) {
        message = first.to_lowercase() + message.get(1..).unwrap_or_default();
    }
    format!("invalid YAML: {message}")
}

/// A parser marker as a location: lines are 1-based there, columns 0-based.
fn location(line: usize, column: usize) -> Option<Location> {
    let line = u32::try_from(line).ok().filter(|&l| l > 0)?;
    let column = u32::try_from(column).ok()?.checked_add(1)?;
    Some(Location { line, column })
}

/// Collections under construction, innermost last.
struct Builder {
    stack: Vec<Open>,
    root: Option<Node>,
    /// Lines of the whole text before the piece being read.
    offset: u32,
}

struct Open {
    node: Node,
    /// A map's key, waiting for its value.
    key: Option<Node>,
}

impl Builder {
    /// Takes one event; `true` once the first document is complete.
    fn event(&mut self, event: Event<'_>, span: Span) -> bool {
        let at = location(span.start.line(), span.start.col())
            .map(|l| Location { line: l.line.saturating_add(self.offset), ..l });
        let tag = |t: Option<std::borrow::Cow<'_, granit_parser::Tag>>| {
            t.filter(|t| t.core_suffix().is_none()).map(|t| t.to_string())
        };
        match event {
            Event::Scalar(text, style, _, t) => {
                let plain = style == ScalarStyle::Plain;
                self.add(Node { value: Value::Scalar { text: text.into_owned(), plain }, at, tag: tag(t) });
            }
            Event::Alias(_) | Event::UnresolvedAlias(_) => self.add(Node { value: Value::Alias, at, tag: None }),
            Event::SequenceStart(_, _, t) => {
                self.stack.push(Open { node: Node { value: Value::List(Vec::new()), at, tag: tag(t) }, key: None })
            }
            Event::MappingStart(_, _, t) => {
                self.stack.push(Open { node: Node { value: Value::Map(Vec::new()), at, tag: tag(t) }, key: None })
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(open) = self.stack.pop() {
                    self.add(open.node);
                }
            }
            Event::DocumentEnd => return self.root.is_some(),
            _ => {}
        }
        false
    }

    fn add(&mut self, node: Node) {
        let Some(open) = self.stack.last_mut() else {
            self.root.get_or_insert(node);
            return;
        };
        match &mut open.node.value {
            Value::List(items) => items.push(node),
            Value::Map(entries) => match open.key.take() {
                Some(key) => entries.push((key, node)),
                None => open.key = Some(node),
            },
            Value::Scalar { .. } | Value::Alias => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_keep_location_text_style_and_tags() {
        let root = parse("a: 0x1F\nb: [\"on\", !Sub x]\n").unwrap().unwrap();
        let Value::Map(entries) = &root.value else { panic!("{root:?}") };
        assert_eq!(entries[0].0.scalar(), Some("a"));
        assert!(matches!(&entries[0].1.value, Value::Scalar { text, plain: true } if text == "0x1F"));
        assert_eq!(entries[0].1.at, Some(Location { line: 1, column: 4 }));
        let Value::List(items) = &entries[1].1.value else { panic!() };
        assert!(matches!(&items[0].value, Value::Scalar { plain: false, .. }));
        assert_eq!(items[1].tag.as_deref(), Some("!Sub"));
        assert_eq!(items[1].at, Some(Location { line: 2, column: 16 }));
        assert!(parse("a: [").is_err());
        let (message, at) = parse("a: 1\n---\nb: 2\n").unwrap_err();
        assert_eq!(
            (message.as_str(), at),
            ("the spec holds more than one YAML document (`---`); keep one", Some(Location { line: 2, column: 1 }))
        );
        assert!(parse("a: 1\n...\n").is_ok());
        assert!(parse("").unwrap().is_none());
    }

    /// Equal texts, or a panic that shows where they first differ.
    fn same(got: &str, want: &str, n: usize) {
        if let Some(at) =
            got.bytes().zip(want.bytes()).position(|(a, b)| a != b).or((got.len() != want.len()).then_some(0))
        {
            let window =
                |s: &str| s.get(at.saturating_sub(150)..(at + 150).min(s.len())).unwrap_or_default().to_owned();
            panic!("text {n} differs at {at}:\n got  …{}…\n want …{}…", window(got), window(want));
        }
    }

    /// A spec of `teams` teams, each written by `team`, with `before` and `after` the list.
    fn spec(before: &str, teams: usize, team: impl Fn(usize) -> String, after: &str) -> String {
        let mut text = format!("name: x\n{before}scientists:\n");
        for i in 0..teams {
            text.push_str(&team(i));
        }
        text.push_str(after);
        text
    }

    /// Read in pieces, a text gives the very tree (values, locations, tags) it gives read whole,
    /// or is read whole; here, every text that should be cut is.
    #[test]
    fn a_text_read_in_pieces_is_the_text_read_whole() {
        let plain = |i: usize| format!("  - name: team{i}\n    trustedPrincipals: [\"111122223333\"]\n");
        let tricky = |i: usize| match i % 9 {
            0 => format!("  - name: team{i} # a comment\n\n    description: |+\n      kept\n\n"),
            1 => format!("  # between items\n  - name: &a{i} team{i}\n    tags: {{k: v}}\n"),
            2 => format!("  - name: team{i}\n    description: \"two\n      lines\"\n"),
            3 => format!("  - name: team{i}\n    list: [a,\n      b]\n"),
            4 => format!("  -\n    name: team{i}\n    extra: !Sub x\n"),
            5 => format!("  - name: team{i}\r\n    description: >-\n      folded\n      text\n"),
            6 => format!("  - name: team{i}\n    description: a plain\n      scalar\n      - continued\n"),
            7 => format!("  - - nested\n    - list{i}\n"),
            _ => format!("  - {{name: team{i}, x: 'single\n     quoted'}}\n"),
        };
        let texts = [
            spec("", 400, plain, ""),
            spec(
                "admins: []\n",
                400,
                plain,
                "executionRoles:\n  - name: compute\n# a comment\nmore:\n- at the margin\n",
            ),
            spec("", 300, tricky, "options: {podIdentity: true}\n"),
            // Aliases: a piece whose alias names an anchor of another piece does not read alone.
            spec("", 300, |i| format!("  - name: {}team{i}\n", if i % 2 == 0 { "&a" } else { "*a" }), ""),
            spec("", 300, |i| if i == 150 { "  - name: \"open\n".to_owned() } else { plain(i) }, ""),
            spec("", 300, plain, "\n---\nb: 2\n"),
            spec("", 300, |i| format!("- name: team{i}\n"), ""),
            spec("", 300, |i| format!("{}- name: team{i}\n", if i == 150 { " " } else { "  " }), ""),
            spec("", 300, |i| format!("  - name: team{i}\n  {}\n", if i == 150 { "x" } else { "" }), ""),
        ];
        for (n, text) in texts.iter().enumerate() {
            let whole = parse_piece(text, 0);
            for pieces in [2, 3, 7] {
                match in_pieces(text, pieces) {
                    Some(root) => {
                        let whole =
                            whole.as_ref().ok().and_then(Option::as_ref).expect("what reads in pieces reads whole");
                        same(&format!("{root:?}"), &format!("{whole:?}"), n);
                    }
                    None => assert!(n >= 3, "text {n} should be read in {pieces} pieces"),
                }
            }
            assert_eq!(format!("{:?}", parse(text)), format!("{whole:?}"), "{n}");
        }
        // A string left open across a cut, a second document, a list at the margin: read whole.
        for (n, text) in texts.iter().enumerate().skip(4) {
            assert!(in_pieces(text, 2).is_none(), "text {n}");
        }
    }
}
