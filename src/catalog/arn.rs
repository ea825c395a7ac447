//! Matching a policy's resource ARN against a resource type's ARN format; the rules are in
//! the documentation of [`arn_matches_format`].

/// A set of characters one step of a pattern may consume.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Char(char),
    /// Any character.
    Any,
    /// Any character but `:`.
    NotColon,
    /// Any character but `:` and `/`.
    NotColonOrSlash,
}

impl Class {
    fn admits(self, c: char) -> bool {
        match self {
            Class::Char(x) => x == c,
            Class::Any => true,
            Class::NotColon => c != ':',
            Class::NotColonOrSlash => c != ':' && c != '/',
        }
    }

    /// Whether some character is in both classes.
    fn meets(self, other: Class) -> bool {
        match (self, other) {
            (Class::Char(c), o) | (o, Class::Char(c)) => o.admits(c),
            // Each excludes finitely many characters.
            _ => true,
        }
    }
}

/// One step: a single character of a class, or any number (zero included) of them.
#[derive(Debug, Clone, Copy)]
struct Step {
    class: Class,
    many: bool,
}

const fn one(class: Class) -> Step {
    Step { class, many: false }
}

const fn many(class: Class) -> Step {
    Step { class, many: true }
}

/// Splits `s` at each `${...}`: literal text, and the names of the placeholders.
fn pieces(s: &str) -> impl Iterator<Item = Result<&str, &str>> {
    let mut rest = s;
    // A placeholder found after literal text, given out on the next call.
    let mut pending: Option<&str> = None;
    std::iter::from_fn(move || {
        if let Some(name) = pending.take() {
            return Some(Err(name));
        }
        if rest.is_empty() {
            return None;
        }
        let placeholder = open_brace(rest).and_then(|start| Some((start, rest[start + 2..].find('}')?)));
        let Some((start, len)) = placeholder else {
            return Some(Ok(std::mem::take(&mut rest)));
        };
        let text = &rest[..start];
        let name = &rest[start + 2..start + 2 + len];
        rest = &rest[start + 3 + len..];
        if text.is_empty() {
            Some(Err(name))
        } else {
            pending = Some(name);
            Some(Ok(text))
        }
    })
}

/// Where the first `${` of `s` is: a byte search for `$`, cheaper than a substring search on
/// the short texts of ARNs.
fn open_brace(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut from = 0;
    while let Some(i) = bytes.get(from..)?.iter().position(|&b| b == b'$') {
        let at = from + i;
        if bytes.get(at + 1) == Some(&b'{') {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

fn arn_steps(arn: &str) -> Vec<Step> {
    // Literal colons: those of the pieces' text, not of policy variables.
    let colons = pieces(arn).map(|p| p.map_or(0, |t| t.matches(':').count())).sum::<usize>();
    let mut seen = 0;
    let mut steps = Vec::with_capacity(arn.len());
    for piece in pieces(arn) {
        match piece {
            Err(escaped @ ("*" | "?" | "$")) => steps.extend(escaped.chars().map(|c| one(Class::Char(c)))),
            Err(_variable) => steps.push(many(field_class(seen, colons))),
            Ok(text) => {
                for c in text.chars() {
                    steps.push(match c {
                        '*' => many(field_class(seen, colons)),
                        '?' => one(field_class(seen, colons)),
                        c => one(Class::Char(c)),
                    });
                    seen += usize::from(c == ':');
                }
            }
        }
    }
    steps
}

/// What a wildcard may stand for after `seen` of the ARN's `colons`: within one of the first
/// five fields, when a later `:` closes it, anything but `:`; elsewhere anything.
fn field_class(seen: usize, colons: usize) -> Class {
    if seen < 5 && seen < colons { Class::NotColon } else { Class::Any }
}

fn format_steps(format: &str) -> Vec<Step> {
    // The resource part starts after the fifth `:` (placeholders hold no `:`).
    let resource_start = format.match_indices(':').nth(4).map(|(i, _)| i + 1);
    let mut pieces = pieces(format).peekable();
    let mut steps = Vec::with_capacity(format.len());
    let mut at = 0;
    while let Some(piece) = pieces.next() {
        match piece {
            Ok(text) => {
                steps.extend(text.chars().map(|c| match c {
                    '*' => many(Class::Any),
                    c => one(Class::Char(c)),
                }));
                at += text.len();
            }
            Err(name) => {
                let last = pieces.peek().is_none();
                let whole_resource = Some(at) == resource_start;
                let class = match (last, whole_resource) {
                    (true, true) => Class::NotColonOrSlash,
                    (true, false) => Class::Any,
                    (false, _) => Class::NotColon,
                };
                steps.extend([one(class), many(class)]);
                at += name.len() + 3;
            }
        }
    }
    steps
}

// Whether some string matches both step sequences `a` (the ARN's) and `b` (the format's):
// whether `(a.len(), b.len())` can be reached from `(0, 0)` over pairs of positions `(i, j)`. A
// step of either side that meets the other's consumes a character on both (moving past each
// side's step unless it is a run); a run may also be left without consuming. Every move keeps or
// raises both positions, and a move that keeps `i` raises `j`, so the pairs are found row by row
// (one `i` each), and a row left to right: in the bits of a `u128` when `b` has fewer than 128
// steps ([`overlap_bits_with`]), else in a `Vec<bool>` ([`overlap_rows`]).

/// An ARN format read once: its steps and, when it has fewer than 128, which of them admit
/// each character class ([`Bits`]), so that matching many ARNs against it costs one pass over
/// each ARN.
#[derive(Debug)]
pub(crate) struct Format {
    steps: Vec<Step>,
    bits: Option<Bits>,
}

impl Format {
    pub fn new(format: &str) -> Format {
        let steps = format_steps(format);
        let bits = (steps.len() < 128).then(|| Bits::new(&steps));
        Format { steps, bits }
    }

    /// [`arn_matches_format`] for this format.
    pub fn matches(&self, arn: &str) -> bool {
        let a = arn_steps(arn);
        match &self.bits {
            Some(bits) => overlap_bits_with(&a, &self.steps, bits),
            None => overlap_rows(&a, &self.steps),
        }
    }
}

/// Which steps of a sequence shorter than 128 are runs, and which admit each ASCII character
/// and each wildcard class, one bit per step.
#[derive(Debug)]
struct Bits {
    runs: u128,
    any: u128,
    not_colon: u128,
    not_colon_or_slash: u128,
    ascii: Box<[u128; 128]>,
}

impl Bits {
    fn new(b: &[Step]) -> Bits {
        let mut bits = Bits { runs: 0, any: 0, not_colon: 0, not_colon_or_slash: 0, ascii: Box::new([0; 128]) };
        for (j, step) in b.iter().enumerate() {
            let bit = 1u128 << j;
            if step.many {
                bits.runs |= bit;
            }
            match step.class {
                Class::Char(c) if c.is_ascii() => bits.ascii[c as usize] |= bit,
                Class::Char(_) => {}
                Class::Any => bits.any |= bit,
                Class::NotColon => bits.not_colon |= bit,
                Class::NotColonOrSlash => bits.not_colon_or_slash |= bit,
            }
        }
        bits
    }
}

/// The overlap of `a` and `b` with a row held in the bits of a `u128`, `b` being shorter than 128 steps: the
/// moves of a row are a few operations on the whole row, so the cost is one pass over `b` to
/// know which of its steps meet which characters, and a few operations per step of `a`.
#[cfg(test)]
fn overlap_bits(a: &[Step], b: &[Step]) -> bool {
    overlap_bits_with(a, b, &Bits::new(b))
}

/// [`overlap_bits`] with the bits of `b` known.
fn overlap_bits_with(a: &[Step], b: &[Step], bits: &Bits) -> bool {
    let Bits { runs, any, not_colon, not_colon_or_slash, ascii } = bits;
    let (runs, any, not_colon, not_colon_or_slash) = (*runs, *any, *not_colon, *not_colon_or_slash);
    let literal = |c: char| -> u128 {
        if c.is_ascii() {
            return ascii[c as usize];
        }
        let same = b.iter().enumerate().filter(|(_, s)| s.class == Class::Char(c));
        same.fold(0, |mask, (j, _)| mask | (1u128 << j))
    };
    let all = (1u128 << b.len()) - 1;
    let (colons, slashes) = (ascii[usize::from(b':')], ascii[usize::from(b'/')]);
    // The steps of `b` that meet a step of class `x` (see [`Class::meets`]).
    let meets = |x: Class| -> u128 {
        match x {
            Class::Char(c) => {
                let mut mask = literal(c) | any;
                if c != ':' {
                    mask |= not_colon;
                    if c != '/' {
                        mask |= not_colon_or_slash;
                    }
                }
                mask
            }
            Class::Any => all,
            Class::NotColon => all & !colons,
            Class::NotColonOrSlash => all & !colons & !slashes,
        }
    };
    // Raises the row by the moves that keep `i`: from `j` in `along` to `j + 1`, repeatedly.
    // In one addition: a reached bit inside a run of `along` carries through the rest of the
    // run and stops on the bit after it, and the bits the carry changed are the ones reached.
    // Bits stay below 128 (`b` is shorter), so the addition never overflows.
    let close = |row: u128, along: u128| row | (((row & along).wrapping_add(along)) ^ along);
    let mut row = 1u128;
    for x in a {
        let hits = meets(x.class);
        row = if x.many {
            // Consuming within the run keeps `i`; leaving it keeps `j`.
            close(row, runs | (hits & !runs))
        } else {
            let hit = close(row, runs) & hits;
            ((hit & !runs) << 1) | (hit & runs)
        };
        if row == 0 {
            return false;
        }
    }
    close(row, runs) & (1u128 << b.len()) != 0
}

/// The overlap of `a` and `b` for a `b` of any length, each row a `Vec<bool>` scanned over the span between its
/// first and last reachable pair.
fn overlap_rows(a: &[Step], b: &[Step]) -> bool {
    let width = b.len() + 1;
    let mut row = vec![false; width];
    let mut next = vec![false; width];
    row[0] = true;
    let (mut lo, mut hi) = (0, 0);
    for i in 0..=a.len() {
        let x = a.get(i);
        // The span of the next row, empty while nothing reaches it.
        let (mut next_lo, mut next_hi) = (width, 0);
        let mut reach = |j: usize, next: &mut [bool]| {
            next[j] = true;
            next_lo = next_lo.min(j);
            next_hi = next_hi.max(j);
        };
        let mut j = lo;
        while j <= hi {
            if row[j] {
                let y = b.get(j);
                if x.is_none() && y.is_none() {
                    return true;
                }
                if let (Some(x), Some(y)) = (x, y)
                    && x.class.meets(y.class)
                {
                    let step_j = j + usize::from(!y.many);
                    if x.many {
                        if step_j != j {
                            row[step_j] = true;
                            hi = hi.max(step_j);
                        }
                    } else {
                        reach(step_j, &mut next);
                    }
                }
                if x.is_some_and(|s| s.many) {
                    reach(j, &mut next);
                }
                if y.is_some_and(|s| s.many) {
                    row[j + 1] = true;
                    hi = hi.max(j + 1);
                }
            }
            j += 1;
        }
        if next_lo > next_hi {
            return false;
        }
        row[lo..=hi].fill(false);
        std::mem::swap(&mut row, &mut next);
        (lo, hi) = (next_lo, next_hi);
    }
    false
}

/// Whether the resource `arn` of a policy (which may hold `*`, `?` and policy variables) can
/// name a resource of the type whose ARN format is `format`. The rules read the ARN as its
/// writer means it and the format generously, so as to serve a lint.
///
/// Both sides are read as patterns over characters, and they match when some concrete ARN fits
/// both. The ARN side, as written in a policy:
///
/// - `*` stands for any run of characters and `?` for one character; a policy variable such as
///   `${aws:username}` stands for any run of characters, while `${*}`, `${?}` and `${$}` stand
///   for a literal `*`, `?` and `$`;
/// - in the five fields before the resource part (`arn:partition:service:region:account:`),
///   none of these reaches past a `:`: `arn:aws:sagemaker:*:*:endpoint/*` names endpoints in any
///   region, not clusters. (IAM lets a `*` that ends a field run on past colons; we read it as
///   its writer almost surely meant it.) In the resource part, and in an ARN of fewer than six
///   fields such as `*`, they may hold `:` and `/`;
/// - anything else is literal, compared case-sensitively.
///
/// The format side, as the catalog gives it (`arn:${Partition}:s3:::${BucketName}/${ObjectName}`):
///
/// - a placeholder `${Name}` stands for one or more characters other than `:`. The last one of
///   the format may contain anything (role names with paths, object keys, log groups, qualified
///   Lambda functions), except when it makes up the whole resource part, as `${TopicName}` in an
///   SNS topic ARN or `${BucketName}` in an S3 bucket ARN, where it may contain neither `:` nor `/`;
/// - a `*` (as in `arn:${Partition}:dms:${Region}:${Account}:cert:*`) stands for any run of
///   characters;
/// - anything else is literal.
///
/// ```
/// use hyperpod_iam::catalog::arn_matches_format;
/// let object = "arn:${Partition}:s3:::${BucketName}/${ObjectName}";
/// assert!(arn_matches_format("arn:aws:s3:::bucket/logs/*", object));
/// assert!(!arn_matches_format("arn:aws:s3:::bucket", object));
/// ```
pub fn arn_matches_format(arn: &str, format: &str) -> bool {
    Format::new(format).matches(arn)
}

#[cfg(test)]
mod tests {
    use super::arn_matches_format as m;

    const BUCKET: &str = "arn:${Partition}:s3:::${BucketName}";
    const OBJECT: &str = "arn:${Partition}:s3:::${BucketName}/${ObjectName}";
    const ROLE: &str = "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}";
    const TOPIC: &str = "arn:${Partition}:sns:${Region}:${Account}:${TopicName}";
    const CLUSTER: &str = "arn:${Partition}:sagemaker:${Region}:${Account}:cluster/${ClusterId}";

    #[test]
    fn full_formats() {
        assert!(m("arn:aws:s3:::bucket", BUCKET));
        assert!(!m("arn:aws:s3:::bucket/key", BUCKET));
        assert!(m("arn:aws:s3:::bucket/a/b/c.txt", OBJECT));
        assert!(!m("arn:aws:s3:::bucket", OBJECT));
        assert!(!m("arn:aws:s3:::bucket/", OBJECT));
        assert!(m("arn:aws:iam::123456789012:role/service-role/x", ROLE));
        assert!(!m("arn:aws:iam::123456789012:user/x", ROLE));
        assert!(m("arn:aws:sns:us-east-1:123456789012:alerts", TOPIC));
        assert!(!m("arn:aws:sns:us-east-1:123456789012:a/b", TOPIC));
        // Placeholders before the resource part hold no `:` and are not empty.
        assert!(!m("arn:aws:iam::1:2:role/x", ROLE));
        assert!(!m("arn:aws:sns::123456789012:alerts", TOPIC));
    }

    #[test]
    fn wildcards_and_variables_in_the_arn() {
        assert!(m("*", OBJECT));
        assert!(m("arn:*:s3:::bucket/*", OBJECT));
        assert!(m("arn:aws:s3:::bucket*", OBJECT));
        assert!(m("arn:aws:s3:::bucket*", BUCKET));
        assert!(!m("arn:aws:s3:::bucket/*", BUCKET));
        assert!(m("arn:aws:s3:::b?cket", BUCKET));
        assert!(m("arn:aws:s3:::bucket/home/${aws:username}/*", OBJECT));
        assert!(m("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/x", ROLE));
        assert!(m("arn:aws:sagemaker:*:*:cluster/*", CLUSTER));
        assert!(!m("arn:aws:sagemaker:*:*:endpoint/*", CLUSTER));
        assert!(!m("arn:aws:sagemaker:us-*:1*:endpoint/*", CLUSTER));
        assert!(m("arn:aws:sagemaker:*", CLUSTER));
        assert!(m("arn:*", CLUSTER));
        assert!(m(
            "arn:aws:logs:*:*:log-group:/aws/x:*",
            "arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}"
        ));
        // `${*}` is a literal star, which a bucket name cannot hold but the format allows.
        assert!(m("arn:aws:s3:::a${*}b", BUCKET));
        assert!(!m("arn:aws:s3:::a${*}b", "arn:${Partition}:s3:::ab"));
    }

    #[test]
    fn pieces_split_text_and_placeholders() {
        let all = |s| super::pieces(s).collect::<Vec<_>>();
        assert_eq!(all("a${B}c${D}"), [Ok("a"), Err("B"), Ok("c"), Err("D")]);
        assert_eq!(all("${A}${B}"), [Err("A"), Err("B")]);
        assert_eq!(all("a$b${C}$"), [Ok("a$b"), Err("C"), Ok("$")]);
        assert_eq!(all("a${B"), [Ok("a${B")]);
        assert_eq!(all(""), Vec::<Result<&str, &str>>::new());
    }

    #[test]
    fn runs_on_both_sides() {
        // Both sides hold runs, met in every order.
        assert!(m("arn:aws:logs:*:*:log-group:*", "arn:${Partition}:logs:${Region}:${Account}:log-group:*:x"));
        assert!(m("arn:aws:s3:::*/x", OBJECT));
        assert!(!m("arn:aws:s3:::*/x", BUCKET));
        assert!(m("arn:aws:s3:::a*b*c", BUCKET));
        assert!(!m("arn:aws:s3:::*:", BUCKET));
    }

    #[test]
    fn the_row_search_and_the_bit_search_agree() {
        use super::{Class, Step, overlap_bits, overlap_rows};
        let classes =
            [Class::Char('a'), Class::Char(':'), Class::Char('/'), Class::Any, Class::NotColon, Class::NotColonOrSlash];
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            usize::try_from(seed % 1024).unwrap_or(0) % n
        };
        for _ in 0..20_000 {
            let (la, lb) = (next(7), next(7));
            let mut steps = |len: usize| -> Vec<Step> {
                (0..len).map(|_| Step { class: classes[next(classes.len())], many: next(3) == 0 }).collect()
            };
            let (a, b) = (steps(la), steps(lb));
            assert_eq!(overlap_bits(&a, &b), overlap_rows(&a, &b), "{a:?} {b:?}");
        }
    }

    /// A format read once answers for every ARN as a format read for each.
    #[test]
    fn a_format_read_once_matches_as_one_read_each_time() {
        let arns =
            ["arn:aws:s3:::b", "arn:aws:s3:::b/k", "*", "arn:aws:s3:::b*", "arn:aws:sns:*:1:t", "arn:aws:s3:::a${*}b"];
        for format in [BUCKET, OBJECT, ROLE, TOPIC, CLUSTER] {
            let once = super::Format::new(format);
            let long = format!("{format}{}", "x".repeat(130));
            let long_once = super::Format::new(&long);
            for arn in arns {
                assert_eq!(once.matches(arn), m(arn, format), "{arn} {format}");
                assert_eq!(long_once.matches(arn), m(arn, &long), "{arn} {long}");
            }
        }
        assert!(super::Format::new(&format!("{OBJECT}{}", "/x".repeat(70))).matches("arn:aws:s3:::b/*"));
    }

    #[test]
    fn stars_and_fixed_formats() {
        assert!(m("arn:aws:sagemaker:us-west-2:123456789012:cluster/abc", CLUSTER));
        assert!(!m("arn:aws:sagemaker:us-west-2:123456789012:endpoint/abc", CLUSTER));
        assert!(!m("arn:aws:eks:us-west-2:123456789012:cluster/abc", CLUSTER));
        assert!(!m("arn:aws:sagemaker:us-west-2:123456789012:cluster/", CLUSTER));
        assert!(m("arn:aws:dms:us-east-1:1:cert:ABC", "arn:${Partition}:dms:${Region}:${Account}:cert:*"));
        assert!(m("arn:aws:account::123456789012:account", "arn:${Partition}:account::${Account}:account"));
        assert!(!m("arn:aws:account::123456789012:account/x", "arn:${Partition}:account::${Account}:account"));
    }
}
