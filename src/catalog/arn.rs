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
fn pieces(s: &str) -> Vec<Result<&str, &str>> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        let Some(len) = rest[start + 2..].find('}') else {
            break;
        };
        if start > 0 {
            out.push(Ok(&rest[..start]));
        }
        out.push(Err(&rest[start + 2..start + 2 + len]));
        rest = &rest[start + 3 + len..];
    }
    if !rest.is_empty() {
        out.push(Ok(rest));
    }
    out
}

fn arn_steps(arn: &str) -> Vec<Step> {
    let pieces = pieces(arn);
    // Literal colons: those of the pieces' text, not of policy variables.
    let colons = pieces.iter().map(|p| p.map_or(0, |t| t.matches(':').count())).sum::<usize>();
    let mut seen = 0;
    let mut steps = Vec::new();
    for piece in pieces {
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
    let pieces = pieces(format);
    let mut steps = Vec::new();
    let mut at = 0;
    for (i, piece) in pieces.iter().enumerate() {
        match *piece {
            Ok(text) => {
                steps.extend(text.chars().map(|c| match c {
                    '*' => many(Class::Any),
                    c => one(Class::Char(c)),
                }));
                at += text.len();
            }
            Err(name) => {
                let last = i + 1 == pieces.len();
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

/// Whether some string matches both step sequences: a search over pairs of positions.
fn overlap(a: &[Step], b: &[Step]) -> bool {
    let width = b.len() + 1;
    let mut seen = vec![false; (a.len() + 1) * width];
    let mut todo = vec![(0, 0)];
    while let Some((i, j)) = todo.pop() {
        let cell = &mut seen[i * width + j];
        if *cell {
            continue;
        }
        *cell = true;
        let (x, y) = (a.get(i), b.get(j));
        match (x, y) {
            (None, None) => return true,
            (Some(x), Some(y)) if x.class.meets(y.class) => {
                let next = (if x.many { i } else { i + 1 }, if y.many { j } else { j + 1 });
                if next != (i, j) {
                    todo.push(next);
                }
            }
            _ => {}
        }
        if x.is_some_and(|s| s.many) {
            todo.push((i + 1, j));
        }
        if y.is_some_and(|s| s.many) {
            todo.push((i, j + 1));
        }
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
    overlap(&arn_steps(arn), &format_steps(format))
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
