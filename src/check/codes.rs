//! Every diagnostic code, stable across releases: one enum that owns each code's id, default
//! severity, summary (SARIF rules, the README table) and help (what to do about it).
//!
//! Numbers are never reused. HP205 (a CloudFormation template over 500 resources) is retired:
//! such a spec is now split into stacks.

use std::fmt;

use serde::{Serialize, Serializer};

use super::Severity::{self, Error, Warning};

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident = $id:literal, $severity:ident, $summary:literal, $help:literal; )*) => {
        /// A diagnostic code.
        #[non_exhaustive]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $( $(#[$doc])* $variant, )*
        }

        impl Code {
            /// Every code, in code order.
            pub const ALL: &[Code] = &[$( Code::$variant, )*];

            /// The stable id, such as `HP002`.
            pub fn id(self) -> &'static str {
                match self { $( Code::$variant => $id, )* }
            }

            /// The default severity.
            pub fn severity(self) -> Severity {
                match self { $( Code::$variant => $severity, )* }
            }

            /// What the code finds, in a few words.
            pub fn summary(self) -> &'static str {
                match self { $( Code::$variant => $summary, )* }
            }

            /// What to do about it.
            pub fn help(self) -> &'static str {
                match self { $( Code::$variant => $help, )* }
            }
        }
    };
}

codes! {
    // The spec reader.
    Syntax = "HP001", Error, "the spec is not valid YAML or JSON",
        "fix the syntax at the location given";
    UnknownKey = "HP002", Error, "a key the spec does not know",
        "remove the key or correct its spelling";
    MissingKey = "HP003", Error, "a required key is missing",
        "add the key; `hyperpod-iam init` prints a starter spec";
    WrongType = "HP004", Error, "a value has the wrong type",
        "write the value in the shape the message names";
    InvalidValue = "HP005", Error, "a value is not valid here",
        "write a value of the form the message names";
    Duplicate = "HP006", Error, "a name, namespace or value is given twice",
        "remove or rename one of them";
    NotForOrchestrator = "HP007", Error, "a key that the spec's orchestrator does not take",
        "remove the key, or change `orchestrator`";
    TooLong = "HP008", Error, "a name is too long",
        "shorten the name";
    NameCollision = "HP009", Error, "two names would become one resource name",
        "rename one of them";
    UnknownTag = "HP010", Error, "a YAML tag (`!Sub`, `!Ref`) the spec does not take",
        "remove the tag: `${AWS::Partition}`, `${AWS::Region}` and `${AWS::AccountId}` work in every format";
    PolicyVariable = "HP011", Error, "`${` or `&{` that is not an IAM policy variable",
        "write a policy variable as `${aws:username}` or `${aws:username, 'default'}`, or remove the braces";

    // IAM.
    UnknownService = "HP101", Error, "an unknown IAM service prefix",
        "correct the service prefix";
    UnknownAction = "HP102", Error, "an unknown IAM action: IAM accepts it and grants nothing",
        "correct the action name";
    WildcardMatchesNothing = "HP103", Error, "a wildcard action that matches no action",
        "correct the pattern";
    ResourceTypeMismatch = "HP104", Warning, "a resource ARN whose type no action of the statement takes",
        "name a resource the actions take, or move the actions to their own statement";
    MalformedArn = "HP105", Error, "a resource that is not an ARN",
        "write `*` or a full ARN";
    ResourceStar = "HP106", Warning, "`Resource: \"*\"` on an action that could be scoped to a resource",
        "name the resources";
    PassRoleStar = "HP107", Error, "`iam:PassRole` on `*`",
        "name the roles that may be passed";
    PassRoleUnconditioned = "HP108", Warning, "`iam:PassRole` without `iam:PassedToService`",
        "add a `StringEquals` condition on `iam:PassedToService`";
    ActionStar = "HP109", Error, "`Action: \"*\"`",
        "name the actions";
    NotActionAllow = "HP110", Warning, "`NotAction` with `Allow`",
        "list the actions instead";
    NotResourceAllow = "HP111", Warning, "`NotResource` with `Allow`",
        "list the resources instead";
    DuplicateSid = "HP112", Error, "a Sid used twice in one role's policy",
        "give each statement its own Sid";
    ConsoleAccess = "HP113", Warning, "`options.consoleAccess` gives admins AmazonSageMakerFullAccess",
        "acknowledge it if the admins need the console";
    PodRoleWithoutAgent = "HP114", Warning,
        "a pod role whose Pod Identity agent may not assume it (`options.podIdentity` is off)",
        "set `options.podIdentity: true`";
    RootPrincipal = "HP115", Warning, "an account root ARN or a bare account id in `trustedPrincipals`",
        "name the roles or users that may assume the role";
    NodeAccess = "HP116", Warning, "`options.nodeAccess` gives scientists root shells on the nodes",
        "acknowledge it if the scientists need shells on the nodes";
    ServiceLinkedRole = "HP117", Warning,
        "`options.serviceLinkedRole` fails to deploy where the role already exists",
        "acknowledge it if the account has no such role yet";
    CustomVpcOnEks = "HP118", Warning, "`options.customVpc` on eks, which always has the network permissions",
        "remove the option";
    UnknownConditionOperator = "HP119", Error, "a condition operator IAM does not know",
        "use an operator of the IAM documentation, such as `StringEquals`";
    UnknownConditionKey = "HP120", Warning, "a condition key IAM does not know: the condition never matches",
        "correct the key";

    // Limits.
    PolicyTooLarge = "HP201", Error, "a managed policy over 6,144 characters that cannot be split",
        "cut the statement into smaller ones";
    TooManyManagedPolicies = "HP202", Error, "more than 10 managed policies on a role",
        "attach fewer managed policies, or fewer and shorter statements";
    TrustPolicyTooLarge = "HP203", Error, "a trust policy over 2,048 characters",
        "trust fewer principals";
    RoleNameTooLong = "HP204", Error, "a role name over 64 characters",
        "shorten the spec's or the entry's name";
    QuotaOverDefault = "HP206", Warning, "more IAM roles or customer managed policies than an account holds by default",
        "raise the IAM quota through Service Quotas before deploying";
    QuotaOverMaximum = "HP207", Error, "more IAM roles or customer managed policies than an account can hold",
        "split the teams over several accounts";

    // Kubernetes.
    K8sUnknownVerb = "HP301", Error, "a verb Kubernetes does not know",
        "correct the verb";
    K8sWildcard = "HP302", Error, "`*` in a Kubernetes RBAC rule",
        "name the verbs, resources and API groups";
    K8sNamespacedInClusterRole = "HP303", Error, "a namespaced resource in a ClusterRole meant for one team",
        "use a Role in the team's namespace";
}

/// Numbers no code may take again: retired codes.
pub const RESERVED: &[&str] = &["HP205"];

impl Code {
    /// The code with this id (`HP113`), ignoring case.
    pub fn parse(id: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.id().eq_ignore_ascii_case(id))
    }
}

/// The README's table of codes, one row per code, as [`Code::ALL`] says it.
pub fn readme_table() -> String {
    let mut table = String::from("| code | severity | finding |\n|---|---|---|\n");
    for code in Code::ALL {
        table.push_str(&format!("| {code} | {} | {} |\n", code.severity().as_str(), code.summary()));
    }
    table
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_sorted_and_never_reserved() {
        let ids: Vec<&str> = Code::ALL.iter().map(|c| c.id()).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(ids, sorted);
        for id in RESERVED {
            assert_eq!(Code::parse(id), None);
        }
        assert_eq!(Code::parse("hp113"), Some(Code::ConsoleAccess));
    }

    /// The README lists every code as the enum does; a new code fails here until it is listed.
    #[test]
    fn the_readme_table_is_the_enum() {
        let readme = include_str!("../../README.md");
        let table = readme_table();
        assert!(readme.contains(&table), "README.md's code table should read:\n{table}");
    }

    #[test]
    fn summaries_and_help_are_one_lowercase_line() {
        for c in Code::ALL {
            for text in [c.summary(), c.help()] {
                assert!(!text.is_empty() && !text.contains('\n') && !text.ends_with('.'), "{c}: {text}");
            }
        }
    }
}
