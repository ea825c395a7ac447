//! Every diagnostic code, stable across releases, with its default severity and a summary (for
//! SARIF rules and documentation).

use super::Severity::{self, Error, Warning};

// The spec reader.
pub const SYNTAX: &str = "HP001";
pub const UNKNOWN_KEY: &str = "HP002";
pub const MISSING_KEY: &str = "HP003";
pub const WRONG_TYPE: &str = "HP004";
pub const INVALID_VALUE: &str = "HP005";
pub const DUPLICATE: &str = "HP006";
pub const NOT_FOR_ORCHESTRATOR: &str = "HP007";
pub const TOO_LONG: &str = "HP008";
pub const NAME_COLLISION: &str = "HP009";

// IAM.
pub const UNKNOWN_SERVICE: &str = "HP101";
pub const UNKNOWN_ACTION: &str = "HP102";
pub const WILDCARD_MATCHES_NOTHING: &str = "HP103";
pub const RESOURCE_TYPE_MISMATCH: &str = "HP104";
pub const MALFORMED_ARN: &str = "HP105";
pub const RESOURCE_STAR: &str = "HP106";
pub const PASS_ROLE_STAR: &str = "HP107";
pub const PASS_ROLE_UNCONDITIONED: &str = "HP108";
pub const ACTION_STAR: &str = "HP109";
pub const NOT_ACTION_ALLOW: &str = "HP110";
pub const NOT_RESOURCE_ALLOW: &str = "HP111";
pub const DUPLICATE_SID: &str = "HP112";
pub const CONSOLE_ACCESS: &str = "HP113";
pub const POD_ROLE_WITHOUT_AGENT: &str = "HP114";
pub const ACCOUNT_ROOT_TRUST: &str = "HP115";
pub const NODE_ACCESS: &str = "HP116";
pub const SERVICE_LINKED_ROLE: &str = "HP117";
pub const CUSTOM_VPC_ON_EKS: &str = "HP118";

// Limits.
pub const POLICY_TOO_LARGE: &str = "HP201";
pub const TOO_MANY_MANAGED_POLICIES: &str = "HP202";
pub const TRUST_POLICY_TOO_LARGE: &str = "HP203";
pub const ROLE_NAME_TOO_LONG: &str = "HP204";
// HP205 (a CloudFormation template over 500 resources) is retired: such a spec is split into
// stacks. The code is not reused.
pub const QUOTA_OVER_DEFAULT: &str = "HP206";
pub const QUOTA_OVER_MAXIMUM: &str = "HP207";

// Kubernetes.
pub const K8S_UNKNOWN_VERB: &str = "HP301";
pub const K8S_WILDCARD: &str = "HP302";
pub const K8S_NAMESPACED_IN_CLUSTER_ROLE: &str = "HP303";

/// `(code, default severity, summary)` of every code, in code order.
pub const ALL: &[(&str, Severity, &str)] = &[
    (SYNTAX, Error, "the spec is not valid YAML or JSON"),
    (UNKNOWN_KEY, Error, "a key the spec does not know"),
    (MISSING_KEY, Error, "a required key is missing"),
    (WRONG_TYPE, Error, "a value has the wrong type"),
    (INVALID_VALUE, Error, "a value is not valid here"),
    (DUPLICATE, Error, "a name, namespace or value is given twice"),
    (NOT_FOR_ORCHESTRATOR, Error, "a key that the spec's orchestrator does not take"),
    (TOO_LONG, Error, "a name is too long"),
    (NAME_COLLISION, Error, "two names would become one resource name"),
    (UNKNOWN_SERVICE, Error, "an unknown IAM service prefix"),
    (UNKNOWN_ACTION, Error, "an unknown IAM action: IAM accepts it and grants nothing"),
    (WILDCARD_MATCHES_NOTHING, Error, "a wildcard action that matches no action"),
    (RESOURCE_TYPE_MISMATCH, Warning, "a resource ARN whose type no action of the statement takes"),
    (MALFORMED_ARN, Error, "a resource that is not an ARN"),
    (RESOURCE_STAR, Warning, "`Resource: \"*\"` on an action that could be scoped to a resource"),
    (PASS_ROLE_STAR, Error, "`iam:PassRole` on `*`"),
    (PASS_ROLE_UNCONDITIONED, Warning, "`iam:PassRole` without `iam:PassedToService`"),
    (ACTION_STAR, Error, "`Action: \"*\"`"),
    (NOT_ACTION_ALLOW, Warning, "`NotAction` with `Allow`"),
    (NOT_RESOURCE_ALLOW, Warning, "`NotResource` with `Allow`"),
    (DUPLICATE_SID, Error, "a Sid used twice in one role's policy"),
    (CONSOLE_ACCESS, Warning, "`options.consoleAccess` gives admins AmazonSageMakerFullAccess"),
    (
        POD_ROLE_WITHOUT_AGENT,
        Warning,
        "a pod role whose Pod Identity agent may not assume it (`options.podIdentity` is off)",
    ),
    (ACCOUNT_ROOT_TRUST, Warning, "an account root or bare account id in `trustedPrincipals` trusts the whole account"),
    (NODE_ACCESS, Warning, "`options.nodeAccess` gives every scientist a root shell on nodes every team shares"),
    (SERVICE_LINKED_ROLE, Warning, "`options.serviceLinkedRole` fails where HyperPod already created the role"),
    (CUSTOM_VPC_ON_EKS, Warning, "`options.customVpc` changes nothing on eks"),
    (POLICY_TOO_LARGE, Error, "a managed policy over 6,144 characters that cannot be split"),
    (TOO_MANY_MANAGED_POLICIES, Error, "more than 10 managed policies on a role"),
    (TRUST_POLICY_TOO_LARGE, Error, "a trust policy over 2,048 characters"),
    (ROLE_NAME_TOO_LONG, Error, "a role name over 64 characters"),
    (QUOTA_OVER_DEFAULT, Warning, "more IAM roles or customer managed policies than an account holds by default"),
    (QUOTA_OVER_MAXIMUM, Error, "more IAM roles or customer managed policies than an account can hold"),
    (K8S_UNKNOWN_VERB, Error, "a verb Kubernetes does not know"),
    (K8S_WILDCARD, Error, "`*` in a Kubernetes RBAC rule"),
    (K8S_NAMESPACED_IN_CLUSTER_ROLE, Error, "a namespaced resource in a ClusterRole meant for one team"),
];
