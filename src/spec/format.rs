//! The formats of spec values: names, regions, ARNs, IAM policy variables, condition operators
//! and keys. Pure functions, no diagnostics: the validator decides what to say.

use crate::catalog::catalog;

pub const PARTITIONS: [&str; 3] = ["aws", "aws-cn", "aws-us-gov"];
pub const RESERVED_NAMESPACES: [&str; 4] = ["default", "kube-system", "kube-public", "kube-node-lease"];
pub const ROLE_NAME_MAX: usize = 64;
/// A namespace is a DNS-1123 label.
pub const NAMESPACE_MAX: usize = 63;
pub const NAME_MAX: usize = 24;

/// `[a-z][a-z0-9-]*`, no double or trailing hyphen.
pub fn is_spec_name(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.contains("--")
        && !s.ends_with('-')
}

pub fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" }
}

/// `*`, or `service:Name` where the name may hold `*` and `?`.
pub fn is_action_pattern(s: &str) -> bool {
    if s == "*" {
        return true;
    }
    let Some((service, name)) = s.split_once(':') else { return false };
    // IAM reads action names without regard to case, the service prefix included (`S3:GetObject`).
    !service.is_empty()
        && service.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'*' || b == b'?')
}

pub fn is_account(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// `us-west-2`, `us-gov-west-1`, `cn-north-1`, `ap-southeast-7`.
pub fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[..parts.len() - 1].iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

pub fn partition_of_region(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

pub fn is_eks_cluster_name(s: &str) -> bool {
    (1..=100).contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub fn is_instance_group_name(s: &str) -> bool {
    (1..=63).contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.ends_with(|c: char| c.is_ascii_alphanumeric())
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Lowercase letters, digits and `-`, starting and ending with a letter or digit.
fn is_dns_part(p: &str) -> bool {
    p.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && p.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && p.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// A DNS-1123 label: a namespace.
pub fn is_dns_label(s: &str) -> bool {
    s.len() <= NAMESPACE_MAX && is_dns_part(s)
}

/// A DNS-1123 subdomain as Kubernetes checks most object names (`IsDNS1123Subdomain`): at most
/// 253 characters, dot-separated [`is_dns_part`]s. Unlike DNS, Kubernetes sets no limit of 63 on
/// one part.
pub fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_dns_part)
}

pub fn is_bucket_name(s: &str) -> bool {
    (3..=63).contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && s.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        && !s.contains("..")
        && !s.split('.').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

pub fn is_tag_char(c: char) -> bool {
    c.is_alphanumeric() || c == ' ' || "_.:/=+-@".contains(c)
}

/// IAM names and paths: `[\w+=,.@-]`.
pub fn is_iam_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c))
}

/// `arn:<partition>:iam::<account>:<rest>` → (partition, account, rest).
pub fn iam_arn(s: &str) -> Option<(&str, &str, &str)> {
    let rest = s.strip_prefix("arn:")?;
    let (partition, rest) = rest.split_once(':')?;
    let rest = rest.strip_prefix("iam::")?;
    let (account, rest) = rest.split_once(':')?;
    PARTITIONS.contains(&partition).then_some((partition, account, rest))
}

/// `name` or `path/to/name` with IAM characters.
pub fn is_iam_path_and_name(s: &str) -> bool {
    let s = s.strip_prefix('/').unwrap_or(s);
    !s.is_empty() && s.split('/').all(is_iam_name)
}

/// The partition of a trusted principal (empty for a bare account id), or `None` when it is not
/// one of the accepted forms.
pub fn principal_partition(s: &str) -> Option<&str> {
    if is_account(s) {
        return Some("");
    }
    let (partition, account, rest) = iam_arn(s)?;
    if !is_account(account) {
        return None;
    }
    let ok = rest == "root"
        || rest.strip_prefix("role/").is_some_and(is_iam_path_and_name)
        || rest.strip_prefix("user/").is_some_and(is_iam_path_and_name);
    ok.then_some(partition)
}

pub fn policy_arn_partition(s: &str) -> Option<&str> {
    let (partition, account, rest) = iam_arn(s)?;
    let ok =
        (account == "aws" || is_account(account)) && rest.strip_prefix("policy/").is_some_and(is_iam_path_and_name);
    ok.then_some(partition)
}

/// The CloudFormation pseudo parameters a spec may write in an IAM value.
pub const PSEUDO_PARAMETERS: [&str; 3] = ["AWS::Partition", "AWS::Region", "AWS::AccountId"];

/// What is wrong with the `${`, `&{` and `%{` of an IAM value, if anything: each `${` opens a
/// pseudo parameter or a policy variable by IAM's grammar ([`is_policy_variable`]), and `&{`
/// (which a Terraform policy document turns into `${`) does not occur.
pub fn braces_problem(value: &str) -> Option<String> {
    if value.contains("&{") {
        return Some(format!(
            "`{value}` holds `&{{`, which IAM does not know and a Terraform policy document would turn into `${{`"
        ));
    }
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            return Some(format!("`{value}` opens `${{` without closing it: a policy variable is `${{name}}`"));
        };
        let inner = &after[..end];
        if !PSEUDO_PARAMETERS.contains(&inner) && !is_policy_variable(inner) {
            return Some(format!(
                "`${{{inner}}}` is not an IAM policy variable: expected `${{name}}` or `${{name, 'default'}}`, \
                 a name such as `aws:username` or `aws:PrincipalTag/team`"
            ));
        }
        rest = &after[end + 1..];
    }
    None
}

pub use crate::model::text::{is_condition_key, is_policy_variable};

/// The condition operators of the IAM documentation (`IfExists` and the set prefixes apart).
pub const CONDITION_OPERATORS: [&str; 27] = [
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnNotEquals",
    "ArnLike",
    "ArnNotLike",
    "Null",
];

/// Whether `op` is a condition operator: one of [`CONDITION_OPERATORS`], optionally prefixed by
/// `ForAllValues:` or `ForAnyValue:` and suffixed by `IfExists` (except `Null`). Case matters.
pub fn is_condition_operator(op: &str) -> bool {
    let op = op.strip_prefix("ForAllValues:").or_else(|| op.strip_prefix("ForAnyValue:")).unwrap_or(op);
    match op.strip_suffix("IfExists") {
        Some(base) => base != "Null" && CONDITION_OPERATORS.contains(&base),
        None => CONDITION_OPERATORS.contains(&op),
    }
}

/// Every spelling [`is_condition_operator`] accepts, for did-you-mean.
pub fn condition_operator_spellings() -> Vec<String> {
    let mut all = Vec::new();
    for prefix in ["", "ForAllValues:", "ForAnyValue:"] {
        for op in CONDITION_OPERATORS {
            all.push(format!("{prefix}{op}"));
            if op != "Null" {
                all.push(format!("{prefix}{op}IfExists"));
            }
        }
    }
    all
}

/// The global condition keys (`aws:`) of the IAM documentation; those ending in `/` take a tag
/// key after it.
pub const GLOBAL_CONDITION_KEYS: [&str; 48] = [
    "aws:AssumedRoot",
    "aws:CalledVia",
    "aws:CalledViaFirst",
    "aws:CalledViaLast",
    "aws:ChatbotSourceArn",
    "aws:CurrentTime",
    "aws:EpochTime",
    "aws:FederatedProvider",
    "aws:Ec2InstanceSourcePrivateIPv4",
    "aws:Ec2InstanceSourceVpc",
    "aws:MultiFactorAuthAge",
    "aws:MultiFactorAuthPresent",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:PrincipalIsAWSService",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalServiceName",
    "aws:PrincipalServiceNamesList",
    "aws:PrincipalTag/",
    "aws:PrincipalType",
    "aws:RequestTag/",
    "aws:RequestedRegion",
    "aws:ResourceAccount",
    "aws:ResourceOrgID",
    "aws:ResourceOrgPaths",
    "aws:ResourceTag/",
    "aws:SecureTransport",
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceIdentity",
    "aws:SourceIp",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
    "aws:SourceVpc",
    "aws:SourceVpcArn",
    "aws:SourceVpce",
    "aws:TagKeys",
    "aws:TokenIssueTime",
    "aws:UserAgent",
    "aws:ViaAWSService",
    "aws:VpcSourceIp",
    "aws:VpceAccount",
    "aws:VpceOrgID",
    "aws:VpceOrgPaths",
    "aws:referer",
    "aws:userid",
    "aws:username",
];

/// What a condition key is, for the warning about an unknown one.
#[derive(Debug, PartialEq, Eq)]
pub enum KeyVerdict {
    Known,
    /// Not a key IAM knows, with the closest one when it is close.
    Unknown(Option<String>),
    /// A service key the catalog does not list: it keeps only the keys of resource types, so
    /// action keys (`iam:PassedToService`, `s3:prefix`) are taken on trust.
    Unlisted,
}

/// Looks `key` up among the global keys or the catalog's keys of its service, ignoring case as
/// IAM does.
pub fn condition_key(key: &str) -> KeyVerdict {
    let Some((service, _)) = key.split_once(':') else { return KeyVerdict::Unknown(None) };
    let (candidates, global): (Vec<String>, bool) = if service.eq_ignore_ascii_case("aws") {
        (GLOBAL_CONDITION_KEYS.iter().map(|k| (*k).to_owned()).collect(), true)
    } else if catalog().services().any(|s| s.eq_ignore_ascii_case(service)) {
        let keys = catalog().condition_keys(service);
        (keys.iter().map(|k| k.split("${").next().unwrap_or(k).to_owned()).collect(), false)
    } else {
        let suggestion = crate::suggest::closest(service, catalog().services().chain(["aws"]))
            .map(|s| format!("{s}:{}", &key[service.len() + 1..]));
        return KeyVerdict::Unknown(suggestion);
    };
    let lower = key.to_ascii_lowercase();
    let known = candidates.iter().any(|c| {
        let c = c.to_ascii_lowercase();
        if c.ends_with('/') { lower.starts_with(&c) && lower.len() > c.len() } else { lower == c }
    });
    if known {
        return KeyVerdict::Known;
    }
    let suggestion = crate::suggest::closest(key, candidates.iter().map(String::as_str)).map(str::to_owned);
    match (global, suggestion) {
        (true, suggestion) => KeyVerdict::Unknown(suggestion),
        (false, Some(s)) => KeyVerdict::Unknown(Some(s)),
        (false, None) => KeyVerdict::Unlisted,
    }
}
