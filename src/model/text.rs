//! Strings with deploy-time holes.
//!
//! Partition, region, account and the ARN of a role that the same output creates are not known
//! when the model is built unless the spec pins them. A [`Text`] keeps them as symbols; each
//! emitter renders them its own way (CloudFormation `Fn::Sub`, Terraform interpolation, literal
//! IAM JSON), with its own escaping of IAM policy variables such as `${aws:userid}`.

use std::collections::BTreeMap;

use serde::Serialize;

use super::RoleId;

/// One piece of a [`Text`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "camelCase")]
pub enum Part {
    /// Literal text; each target escapes it as it needs.
    Lit(String),
    /// The AWS partition (`aws`, `aws-cn`, `aws-us-gov`).
    Partition,
    /// The AWS region.
    Region,
    /// The AWS account id.
    Account,
    /// The ARN of a role that this same output creates.
    RoleArn(RoleId),
    /// An IAM policy variable such as `aws:userid`, written `${aws:userid}` in a policy and never
    /// expanded by us.
    PolicyVar(String),
}

/// A string with deploy-time holes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Default)]
#[serde(transparent)]
pub struct Text(pub Vec<Part>);

/// Values that resolve the symbols of a [`Text`] for one concrete deployment.
#[derive(Debug, Clone)]
pub struct Resolver<'a> {
    pub partition: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    /// The IAM role name of each role of this output.
    pub role_names: &'a BTreeMap<RoleId, String>,
}

impl Text {
    /// A text with no holes.
    pub fn lit(s: impl Into<String>) -> Self {
        Text(vec![Part::Lit(s.into())])
    }

    /// Appends a part, merging adjacent literals so that equal texts compare equal.
    pub fn push(&mut self, part: Part) {
        match (self.0.last_mut(), part) {
            (Some(Part::Lit(prev)), Part::Lit(next)) => prev.push_str(&next),
            (_, Part::Lit(next)) if next.is_empty() => {}
            (_, part) => self.0.push(part),
        }
    }

    /// Appends literal text.
    pub fn push_str(&mut self, s: &str) {
        self.push(Part::Lit(s.to_owned()));
    }

    /// The literal string when the text holds no deploy-time symbol (policy variables are
    /// written `${...}`, as IAM reads them).
    pub fn as_literal(&self) -> Option<String> {
        let mut out = String::new();
        for part in &self.0 {
            match part {
                Part::Lit(s) => out.push_str(s),
                Part::PolicyVar(v) => {
                    out.push_str("${");
                    out.push_str(v);
                    out.push('}');
                }
                Part::Partition | Part::Region | Part::Account | Part::RoleArn(_) => return None,
            }
        }
        Some(out)
    }

    /// The string IAM finally sees in one deployment.
    pub fn resolve(&self, r: &Resolver<'_>) -> Option<String> {
        let mut out = String::new();
        for part in &self.0 {
            match part {
                Part::Lit(s) => out.push_str(s),
                Part::Partition => out.push_str(r.partition),
                Part::Region => out.push_str(r.region),
                Part::Account => out.push_str(r.account),
                Part::RoleArn(id) => {
                    let name = r.role_names.get(id)?;
                    for piece in ["arn:", r.partition, ":iam::", r.account, ":role/", name] {
                        out.push_str(piece);
                    }
                }
                Part::PolicyVar(v) => {
                    out.push_str("${");
                    out.push_str(v);
                    out.push('}');
                }
            }
        }
        Some(out)
    }

    /// Parses a pattern of the permission tables: `{P}`, `{R}` and `{A}` stand for partition,
    /// region and account; `${var}` is an IAM policy variable; everything else is literal.
    /// The table patterns are fixed strings of this crate, so a malformed one is a bug that the
    /// unit tests catch; it is kept as literal text rather than panicking.
    pub fn pattern(pattern: &str) -> Text {
        let mut text = Text::default();
        let mut rest = pattern;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix("{P}") {
                text.push(Part::Partition);
                rest = after;
            } else if let Some(after) = rest.strip_prefix("{R}") {
                text.push(Part::Region);
                rest = after;
            } else if let Some(after) = rest.strip_prefix("{A}") {
                text.push(Part::Account);
                rest = after;
            } else if let Some(after) = rest.strip_prefix("${") {
                match after.find('}') {
                    Some(end) => {
                        text.push(Part::PolicyVar(after[..end].to_owned()));
                        rest = &after[end + 1..];
                    }
                    None => {
                        text.push_str(rest);
                        rest = "";
                    }
                }
            } else {
                let next = rest[1..].find(['{', '$']).map_or(rest.len(), |i| i + 1);
                text.push_str(&rest[..next]);
                rest = &rest[next..];
            }
        }
        text
    }
}

impl Text {
    /// Parses a string a user wrote in the spec: `${AWS::Partition}`, `${AWS::Region}` and
    /// `${AWS::AccountId}` (the CloudFormation pseudo parameters) stand for the deployment's
    /// values; a `${...}` that is an IAM policy variable by IAM's grammar
    /// ([`is_policy_variable`]) reaches IAM unexpanded; anything else is literal text, which
    /// every target escapes (the spec reader refuses it first).
    pub fn user(input: &str) -> Text {
        let mut text = Text::default();
        let mut rest = input;
        while let Some(start) = rest.find("${") {
            text.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                text.push_str(&rest[start..]);
                return text;
            };
            text.push(match &after[..end] {
                "AWS::Partition" => Part::Partition,
                "AWS::Region" => Part::Region,
                "AWS::AccountId" => Part::Account,
                var if is_policy_variable(var) => Part::PolicyVar(var.to_owned()),
                _ => {
                    text.push_str("${");
                    rest = after;
                    continue;
                }
            });
            rest = &after[end + 1..];
        }
        text.push_str(rest);
        text
    }
}

/// The inside of `${...}` by IAM's grammar: `*`, `?` or `$` (the escapes), or `name` or
/// `name, 'default'`, where the name is `service:Key` with an optional `/tag-key` and the
/// default holds no quote or brace.
pub fn is_policy_variable(inner: &str) -> bool {
    if matches!(inner, "*" | "?" | "$") {
        return true;
    }
    let (name, default) = match inner.split_once(',') {
        Some((name, default)) => (name, Some(default.trim_start())),
        None => (inner, None),
    };
    let default_ok = default.is_none_or(|d| {
        d.len() >= 2
            && d.starts_with('\'')
            && d.ends_with('\'')
            && !d[1..d.len() - 1].contains(['\'', '{', '}', '$', '&', '%'])
    });
    default_ok && is_condition_key(name)
}

/// `service:Key` or `service:Key/tag-key`, in the characters IAM allows in keys and tag keys.
pub fn is_condition_key(key: &str) -> bool {
    let Some((service, name)) = key.split_once(':') else { return false };
    !service.is_empty()
        && service.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "_.:/=+-@ ".contains(c))
        && !name.starts_with(' ')
        && !name.ends_with(' ')
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Text::lit(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pattern_parses_symbols_and_policy_variables() {
        let t = Text::pattern("arn:{P}:ssm:{R}:{A}:session/${aws:userid}-*");
        assert_eq!(
            t.0,
            vec![
                Part::Lit("arn:".into()),
                Part::Partition,
                Part::Lit(":ssm:".into()),
                Part::Region,
                Part::Lit(":".into()),
                Part::Account,
                Part::Lit(":session/".into()),
                Part::PolicyVar("aws:userid".into()),
                Part::Lit("-*".into()),
            ]
        );
        assert_eq!(t.as_literal(), None, "symbolic");
        assert_eq!(Text::pattern("*").as_literal().as_deref(), Some("*"));
    }

    #[test]
    fn user_text_knows_pseudo_parameters_and_policy_variables() {
        let t = Text::user("arn:${AWS::Partition}:s3:::b/${aws:username}/*");
        assert_eq!(
            t.0,
            vec![
                Part::Lit("arn:".into()),
                Part::Partition,
                Part::Lit(":s3:::b/".into()),
                Part::PolicyVar("aws:username".into()),
                Part::Lit("/*".into()),
            ]
        );
        assert_eq!(Text::user("x${unclosed").0, vec![Part::Lit("x${unclosed".into())]);
        // Not a policy variable: literal text, which every target escapes.
        let hostile = "arn:aws:s3:::d/${aws:username${file(\"/etc/hostname\")}/*";
        assert_eq!(Text::user(hostile).0, vec![Part::Lit(hostile.into())]);
        assert_eq!(Text::user("${aws:username, 'anon'}").0, vec![Part::PolicyVar("aws:username, 'anon'".into())]);
    }

    #[test]
    fn policy_variables_by_iams_grammar() {
        for ok in ["aws:username", "aws:PrincipalTag/team", "s3:prefix", "*", "$", "aws:userid, 'x-1'"] {
            assert!(is_policy_variable(ok), "{ok}");
        }
        for bad in ["", "username", "aws:x${y", "aws:x%{ if true }", "aws:a, x", "aws:a, '}'", "aws:a\u{1b}"] {
            assert!(!is_policy_variable(bad), "{bad}");
        }
    }

    #[test]
    fn resolve_fills_symbols_and_keeps_policy_variables() {
        let names = BTreeMap::from([(RoleId("exec-x".into()), "r-exec-x".to_owned())]);
        let r = Resolver { partition: "aws-cn", region: "cn-north-1", account: "111122223333", role_names: &names };
        let t = Text::pattern("arn:{P}:ssm:{R}:{A}:session/${aws:userid}-*");
        assert_eq!(t.resolve(&r).as_deref(), Some("arn:aws-cn:ssm:cn-north-1:111122223333:session/${aws:userid}-*"));
        let role = Text(vec![Part::RoleArn(RoleId("exec-x".into()))]);
        assert_eq!(role.resolve(&r).as_deref(), Some("arn:aws-cn:iam::111122223333:role/r-exec-x"));
    }
}
