//! Wildcard patterns of the IAM policy language: `*` matches any run of characters (none
//! included), `?` exactly one. Policy variables are substituted before matching, and the escapes
//! `${*}`, `${?}` and `${$}` stand for a literal `*`, `?` and `$`.

use super::iam::Context;

/// One element of a parsed pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Char(char),
    Star,
    One,
}

/// A pattern after substitution: literal characters and wildcards.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Pattern(Vec<Tok>);

/// What substituting the policy variables of a string gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Substituted<T> {
    Done(T),
    /// A variable the request context does not give (its key, as written).
    Missing(String),
}

impl Pattern {
    /// A pattern with no policy variables (`Action`, or a literal value).
    pub(crate) fn plain(s: &str) -> Pattern {
        Pattern(s.chars().map(wild).collect())
    }

    /// A pattern whose `${key}` variables are filled from `context`; a variable's value is
    /// literal text, never a wildcard. `${key, 'default'}` falls back to the default.
    pub(crate) fn with_variables(s: &str, context: &Context) -> Substituted<Pattern> {
        let mut toks = Vec::new();
        match expand(s, context, None, &mut |piece| match piece {
            Piece::Raw(c) => toks.push(wild(c)),
            Piece::Literal(text) => toks.extend(text.chars().map(Tok::Char)),
        }) {
            Some(missing) => Substituted::Missing(missing),
            None => Substituted::Done(Pattern(toks)),
        }
    }

    /// The pattern with every variable the context does not give read as `*`: what the pattern
    /// could match whatever those variables turn out to be.
    pub(crate) fn widened(s: &str, context: &Context) -> Pattern {
        let mut toks = Vec::new();
        expand(s, context, Some('*'), &mut |piece| match piece {
            Piece::Raw(c) => toks.push(wild(c)),
            Piece::Literal(text) => toks.extend(text.chars().map(Tok::Char)),
        });
        Pattern(toks)
    }

    /// Whether the whole of `s` matches, comparing characters exactly or ignoring ASCII case.
    pub(crate) fn matches(&self, s: &str, ignore_case: bool) -> bool {
        let text: Vec<char> = s.chars().collect();
        glob(&self.0, &text, ignore_case)
    }

    /// ARN matching as `ArnLike` and `Resource` do it: each of the six colon-separated parts is
    /// matched on its own (the last keeps any further colons); a pattern that is not an ARN is
    /// matched against the whole string.
    pub(crate) fn matches_arn(&self, arn: &str) -> bool {
        let parts = split_arn(&self.0);
        if parts.len() != 6 {
            return self.matches(arn, false);
        }
        let values: Vec<&str> = arn.splitn(6, ':').collect();
        values.len() == 6 && parts.iter().zip(&values).all(|(p, v)| glob(p, &v.chars().collect::<Vec<_>>(), false))
    }
}

/// Whether the whole of `s` matches the pattern `p` (no policy variables), without building a
/// [`Pattern`]: what action names are matched with, many times per question.
pub(crate) fn plain_matches(p: &str, s: &str, ignore_case: bool) -> bool {
    let same = |a: &u8, b: &u8| if ignore_case { a.eq_ignore_ascii_case(b) } else { a == b };
    let (pb, sb) = (p.as_bytes(), s.as_bytes());
    // The literal text before the first wildcard, walked with `s`: most action names of a
    // statement are rejected by their first bytes, a pattern without wildcards matches only
    // itself, and `sagemaker:Describe*` needs no more than its prefix. Byte by byte is char by
    // char here: UTF-8 bytes of other characters are never ASCII, so comparing bytes without
    // regard to ASCII case compares the characters so.
    let mut i = 0;
    let first = loop {
        match (pb.get(i), sb.get(i)) {
            (None, next) => return next.is_none(),
            (Some(b'*' | b'?'), _) => break i,
            (Some(a), Some(b)) if same(a, b) => i += 1,
            _ => return false,
        }
    };
    let (Some(p_rest), Some(s_rest)) = (pb.get(first..), sb.get(first..)) else { return false };
    if p_rest == b"*" {
        return true;
    }
    // `?` is one character: bytes stand for characters only in ASCII text. (`*` on bytes is
    // `*` on characters: a literal after it starts with a byte that only starts a character.)
    if p_rest.contains(&b'?') && !(p.is_ascii() && s.is_ascii()) {
        return Pattern::plain(p).matches(s, ignore_case);
    }
    glob_by(p_rest, s_rest, |c| *c == b'*', |c, x| *c == b'?' || same(c, x))
}

/// [`Pattern::matches_arn`] of a pattern without policy variables, without building a
/// [`Pattern`].
pub(crate) fn plain_matches_arn(p: &str, arn: &str) -> bool {
    let Some(pattern_colons) = first_colons(p) else { return plain_matches(p, arn, false) };
    let Some(arn_colons) = first_colons(arn) else { return false };
    // Part by part, the sixth keeps any further colons.
    let ends = pattern_colons.into_iter().chain([p.len()]).zip(arn_colons.into_iter().chain([arn.len()]));
    let (mut p_start, mut arn_start) = (0, 0);
    for (p_end, arn_end) in ends {
        match (p.get(p_start..p_end), arn.get(arn_start..arn_end)) {
            (Some(part), Some(value)) if plain_matches(part, value, false) => {}
            _ => return false,
        }
        (p_start, arn_start) = (p_end + 1, arn_end + 1);
    }
    true
}

/// Where the first five colons of `s` are, if it has five: the parts of an ARN (only as far
/// as the fifth, however long the resource part).
fn first_colons(s: &str) -> Option<[usize; 5]> {
    let mut at = [0; 5];
    let mut found = 0;
    for (i, b) in s.bytes().enumerate() {
        if b == b':' {
            if let Some(slot) = at.get_mut(found) {
                *slot = i;
            }
            found += 1;
            if found == at.len() {
                return Some(at);
            }
        }
    }
    None
}

/// Substitutes the policy variables of a condition value: the result is literal text.
pub(crate) fn substitute(s: &str, context: &Context) -> Substituted<String> {
    let mut out = String::new();
    match expand(s, context, None, &mut |piece| match piece {
        Piece::Raw(c) => out.push(c),
        Piece::Literal(text) => out.push_str(&text),
    }) {
        Some(missing) => Substituted::Missing(missing),
        None => Substituted::Done(out),
    }
}

enum Piece {
    /// A character as written in the policy.
    Raw(char),
    /// Text from a variable or an escape: never a wildcard.
    Literal(String),
}

/// Walks `s`, handing each raw character or substituted text to `emit`; returns the first
/// variable the context does not give, or, with `unknown` set, emits that character for it and
/// goes on.
fn expand(s: &str, context: &Context, unknown: Option<char>, emit: &mut dyn FnMut(Piece)) -> Option<String> {
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        rest[..start].chars().for_each(|c| emit(Piece::Raw(c)));
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            emit(Piece::Raw('$'));
            emit(Piece::Raw('{'));
            after.chars().for_each(|c| emit(Piece::Raw(c)));
            return None;
        };
        let inner = &after[..end];
        match inner {
            "*" | "?" | "$" => emit(Piece::Literal(inner.to_owned())),
            _ => {
                let (key, default) = match inner.split_once(',') {
                    Some((key, default)) => {
                        let default = default.trim().trim_matches('\'');
                        (key.trim(), Some(default))
                    }
                    None => (inner.trim(), None),
                };
                match (context.single(key), default) {
                    (Some(value), _) => emit(Piece::Literal(value.to_owned())),
                    (None, Some(default)) if context.is_absent(key) => emit(Piece::Literal(default.to_owned())),
                    (None, _) => match unknown {
                        Some(c) => emit(Piece::Raw(c)),
                        None => return Some(key.to_owned()),
                    },
                }
            }
        }
        rest = &after[end + 1..];
    }
    rest.chars().for_each(|c| emit(Piece::Raw(c)));
    None
}

fn wild(c: char) -> Tok {
    match c {
        '*' => Tok::Star,
        '?' => Tok::One,
        c => Tok::Char(c),
    }
}

/// Splits a pattern at its first five literal colons.
fn split_arn(toks: &[Tok]) -> Vec<&[Tok]> {
    let mut parts = Vec::new();
    let mut start = 0;
    for (i, t) in toks.iter().enumerate() {
        if parts.len() < 5 && *t == Tok::Char(':') {
            parts.push(&toks[start..i]);
            start = i + 1;
        }
    }
    parts.push(&toks[start..]);
    parts
}

/// Linear-time wildcard matching with one backtrack point (the last `*`).
fn glob(p: &[Tok], s: &[char], ignore_case: bool) -> bool {
    let same = |a: char, b: char| if ignore_case { a.eq_ignore_ascii_case(&b) } else { a == b };
    glob_by(p, s, |t| *t == Tok::Star, |t, c| matches!(t, Tok::One) || matches!(t, Tok::Char(x) if same(*x, *c)))
}

/// The matcher of [`glob`] over any pattern and text elements: `star` says which pattern
/// element is a `*`, `one` whether a pattern element (not a `*`) matches one text element.
fn glob_by<P, S>(p: &[P], s: &[S], star: impl Fn(&P) -> bool, one: impl Fn(&P, &S) -> bool) -> bool {
    let (mut pi, mut si) = (0, 0);
    let mut back: Option<(usize, usize)> = None;
    while si < s.len() {
        match p.get(pi) {
            Some(t) if star(t) => {
                back = Some((pi, si));
                pi += 1;
            }
            Some(t) if one(t, &s[si]) => {
                pi += 1;
                si += 1;
            }
            _ => match back {
                Some((sp, ss)) => {
                    pi = sp + 1;
                    si = ss + 1;
                    back = Some((sp, ss + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(star)
}
