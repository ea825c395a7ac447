//! From text to the input schema: the YAML tree and its shape first, every structural error at
//! once; then serde, whose rare remaining complaints are translated into our words.

use std::borrow::Cow;
use std::cell::RefCell;

use serde_saphyr::Spanned;

use crate::check::{Code, Diagnostic, Diagnostics, Location, did_you_mean};

use super::schema::SpecFile;
use super::{Source, from_tree, shape, tree};

/// A 1-based line and column, `None` for the parser's "unknown" (line 0).
pub fn loc(line: impl TryInto<u32>, column: impl TryInto<u32>) -> Option<Location> {
    let line = line.try_into().ok().filter(|&l| l > 0)?;
    Some(Location { line, column: column.try_into().unwrap_or(u32::MAX) })
}

/// Where a value of the input schema is.
pub fn at<T>(s: &Spanned<T>) -> Option<Location> {
    loc(s.referenced.line(), s.referenced.column())
}

/// The structural errors of the whole file (syntax, unknown and missing keys, wrong types,
/// duplicate keys, tags) when one of them keeps serde from reading it; else what the walk
/// learnt, its errors included, and the input schema when it could be read from the same tree
/// ([`from_tree`]: a spec without structural findings, aliases or tags, almost every spec),
/// and the tree (the caller frees it where it costs least).
pub fn structure(source: &Source) -> Result<(shape::Walk, Option<SpecFile>, Option<tree::Node>), Diagnostics> {
    let one = |d: Diagnostic| Diagnostics { items: vec![d] };
    if source.name.ends_with(".json")
        && let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(&source.text)
    {
        let message = e.to_string();
        let message = message.split(" at line ").next().unwrap_or(&message).to_owned();
        return Err(one(
            Diagnostic::new(Code::Syntax, "", format!("invalid JSON: {message}")).at(loc(e.line(), e.column()))
        ));
    }
    let root = match tree::parse(&source.text) {
        Ok(Some(root)) => root,
        Ok(None) => return Ok((shape::Walk::default(), None, None)),
        Err((message, at)) => return Err(one(Diagnostic::new(Code::Syntax, "", message).at(at))),
    };
    // The tree drops core-schema tags (`!!str ~` is the text `~`), so a spec with any `!` is
    // left to serde-saphyr.
    let from_tree = !source.text.contains('!');
    // A large spec is read into the schema on another core while its shape is checked (both
    // only read the tree); what was read is kept only if the shape has no finding, as when
    // it was read after.
    let (mut walk, file) = if from_tree && source.text.len() >= PARALLEL_BYTES {
        std::thread::scope(|threads| {
            let file = threads.spawn(|| from_tree::read(&root));
            let walk = shape::check(&root);
            (walk, file.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
        })
    } else {
        let walk = shape::check(&root);
        let file = if from_tree && walk.diags.is_empty() { from_tree::read(&root) } else { None };
        (walk, file)
    };
    // Unknown keys, duplicate keys and tags leave a spec serde can still read (the keys ignored,
    // the first of two kept, the tag dropped), so its values are checked in the same run; a
    // wrong type or a missing key does not.
    let blocking = |d: &Diagnostic| matches!(d.code, Code::WrongType | Code::MissingKey | Code::Syntax);
    if walk.diags.items.iter().any(blocking) {
        walk.diags.sort();
        return Err(walk.diags);
    }
    let file = if walk.diags.is_empty() { file } else { None };
    Ok((walk, file, Some(root)))
}

/// From this size on (about 300 scientist teams), [`structure`] reads the schema on another
/// core while it checks the shape; below, a thread costs more than it saves.
pub const PARALLEL_BYTES: usize = 16 * 1024;

/// Captures the bare message of a serde-saphyr error, without its location suffix or snippet.
struct Capture(RefCell<String>);

impl serde_saphyr::MessageFormatter for Capture {
    fn format_message<'a>(&self, err: &'a serde_saphyr::Error) -> Cow<'a, str> {
        let message = serde_saphyr::DefaultMessageFormatter.format_message(err);
        *self.0.borrow_mut() = message.to_string();
        message
    }
}

/// Reads the spec into the input schema. After [`structure`] passes, what is left to fail here
/// is rare (a value out of a number's range, the reader's size budget), so the spec is read
/// without tracking the field path, and read again, tracking it, only to report a failure.
pub fn parse(source: &Source) -> Result<SpecFile, Diagnostic> {
    let options = || {
        serde_saphyr::options! {
            budget: serde_saphyr::budget! { max_nodes: 200_000, max_depth: 64, },
            duplicate_keys: serde_saphyr::DuplicateKeyPolicy::FirstWins,
        }
    };
    let fast = serde_saphyr::with_deserializer_from_str_with_options(&source.text, options(), |de| {
        <SpecFile as serde::Deserialize>::deserialize(de)
    });
    match fast {
        Ok(file) => Ok(file),
        Err(_) => parse_tracked(source, options()),
    }
}

/// [`parse`], tracking the path of the field being read, for its error.
fn parse_tracked(source: &Source, options: serde_saphyr::Options) -> Result<SpecFile, Diagnostic> {
    let path = RefCell::new(String::new());
    let result = serde_saphyr::with_deserializer_from_str_with_options(&source.text, options, |de| {
        serde_path_to_error::deserialize::<_, SpecFile>(de).map_err(|e| {
            *path.borrow_mut() = e.path().to_string();
            e.into_inner()
        })
    });
    result.map_err(|e| {
        let capture = Capture(RefCell::new(String::new()));
        let _ = e.render_with_options(serde_saphyr::render_options! { formatter: &capture });
        let raw = capture.0.into_inner();
        // `value` is the inner field of `Spanned`, and `?` a map key serde could not name.
        let path = path.into_inner().replace(".value[", "[").replace(".value.", ".").replace(".?", "");
        let path = path.strip_suffix(".value").unwrap_or(&path);
        let path = if path == "." { String::new() } else { path.to_owned() };
        let location = e.location().and_then(|l| loc(l.line(), l.column()));
        translate(&raw, path).at(location)
    })
}

/// Turns a parser message into ours: lowercase, one line, with a did-you-mean for unknown keys,
/// and no parser internals.
fn translate(raw: &str, path: String) -> Diagnostic {
    if let Some(rest) = raw.strip_prefix("unknown field `") {
        let (key, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let candidates: Vec<&str> = expected
            .trim_start_matches(", expected one of ")
            .trim_start_matches(", expected ")
            .split(", ")
            .map(|c| c.trim_matches('`'))
            .filter(|c| !c.is_empty())
            .collect();
        let known = if candidates.is_empty() {
            String::from("this place takes no keys")
        } else {
            format!("known keys here: {}", candidates.join(", "))
        };
        return Diagnostic::new(Code::UnknownKey, path, format!("unknown key `{key}`; {known}"))
            .suggest(did_you_mean(key, candidates.iter().copied()));
    }
    if let Some(rest) = raw.strip_prefix("missing field `") {
        let key = rest.trim_end_matches('`');
        let path = if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") };
        return Diagnostic::new(Code::MissingKey, path, format!("missing required key `{key}`"));
    }
    let lower = raw.to_lowercase();
    if lower.contains("budget") {
        return Diagnostic::new(Code::TooLong, path, "the spec is too large or too deeply nested to read");
    }
    let code =
        if lower.starts_with("invalid type") || lower.starts_with("expected") || lower.contains("cannot deserialize") {
            Code::WrongType
        } else {
            Code::Syntax
        };
    let message = lower.replace("mapping", "map");
    let message = message.split(';').next().unwrap_or(&message).trim().trim_end_matches('.');
    Diagnostic::new(code, path, message.to_owned())
}
