//! What each persona is granted, as data that reads like `permissions.md`.
//!
//! One row per statement: its Sid, when it applies, its actions, its resource and its condition.
//! `{P}`, `{R}` and `{A}` in a resource stand for partition, region and account; `${...}` is an
//! IAM policy variable that reaches IAM unexpanded. The AWS page this grew from ships three
//! actions that do not exist (`sagemaker:DescribeCluterNode`, `sagemaker:DeleteClusterNodes`,
//! `sagemaker:ListClusterSchedulerConfig`); the tables below use the real ones, and a test checks
//! every action against the IAM catalog.

/// When a row applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// Both orchestrators, every option.
    Always,
    /// EKS orchestration.
    Eks,
    /// EKS orchestration, or Slurm with `options.customVpc`.
    CustomVpcOrEks,
    /// EKS orchestration with `options.podIdentity`.
    EksPodIdentity,
}

/// The resource of a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Res {
    /// `*`: the action takes no resource type, or AWS needs it unscoped.
    Any,
    /// An ARN pattern.
    Arn(&'static str),
    /// The HyperPod cluster: `arn:P:sagemaker:R:A:cluster/<cluster.id>`, or `cluster/*` when the
    /// spec gives no id.
    Cluster,
    /// The EKS cluster: `arn:P:eks:R:A:cluster/<eksClusterName>`.
    EksCluster,
    /// The EKS cluster's access entries: `arn:P:eks:R:A:access-entry/<eksClusterName>/*`.
    EksAccessEntries,
    /// Every execution role this spec creates.
    ExecutionRoles,
    /// Each of the entry's `s3Buckets`: `arn:P:s3:::<bucket>`.
    Buckets,
    /// The objects of each of the entry's `s3Buckets`: `arn:P:s3:::<bucket>/*`.
    BucketObjects,
}

/// One statement of a persona's policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    pub sid: &'static str,
    pub when: When,
    pub actions: &'static [&'static str],
    pub resource: Res,
    /// `(operator, key, value)`.
    pub condition: Option<(&'static str, &'static str, &'static str)>,
    /// Scanner findings this row causes on purpose: `(check id, reason)`.
    pub waivers: &'static [(&'static str, &'static str)],
}

impl Grant {
    /// The same row, with findings that it causes on purpose.
    const fn waive(self, waivers: &'static [(&'static str, &'static str)]) -> Grant {
        Grant { waivers, ..self }
    }
}

const fn row(sid: &'static str, when: When, actions: &'static [&'static str], resource: Res) -> Grant {
    Grant { sid, when, actions, resource, condition: None, waivers: &[] }
}

const fn row_if(
    sid: &'static str,
    when: When,
    actions: &'static [&'static str],
    resource: Res,
    condition: (&'static str, &'static str, &'static str),
) -> Grant {
    Grant { sid, when, actions, resource, condition: Some(condition), waivers: &[] }
}

use Res::*;
use When::*;

/// checkov: "Ensure IAM policies does not allow write access without constraints".
const CKV_WRITE: &str = "CKV_AWS_111";
/// checkov: "Ensure IAM policies does not allow permissions management without constraints".
const CKV_PERMISSIONS: &str = "CKV_AWS_109";

const START_SESSION: &str = "HyperPod nodes are SSM targets named sagemaker-cluster:<id>_<group>-<instance>, \
     not addressable by an IAM ARN, so the AWS page grants ssm:StartSession on *";
const ENIS: &str = "HyperPod creates and deletes its nodes' network interfaces at run time, in subnets chosen \
     at cluster creation, so their ARNs are unknown here; the Describe actions take no resource";
const ENI_PERMISSIONS: &str = "ec2:CreateNetworkInterfacePermission and DeleteNetworkInterfacePermission act on \
     network interfaces HyperPod creates at run time, whose ARNs are unknown here";
const EKS_NODES: &str = "the VPC CNI on HyperPod EKS nodes assigns addresses to network interfaces created at \
     run time, and ecr:GetAuthorizationToken takes no resource";

/// Cluster admins (`admins[]`).
pub const ADMIN: &[Grant] = &[
    row("ListClusters", Always, &["sagemaker:ListClusters"], Any),
    // The cluster id does not exist before CreateCluster.
    row("CreateCluster", Always, &["sagemaker:CreateCluster"], Arn("arn:{P}:sagemaker:{R}:{A}:cluster/*")),
    row(
        "ManageCluster",
        Always,
        &[
            "sagemaker:DeleteCluster",
            "sagemaker:DescribeCluster",
            "sagemaker:DescribeClusterNode",
            "sagemaker:ListClusterNodes",
            "sagemaker:UpdateCluster",
            "sagemaker:UpdateClusterSoftware",
            "sagemaker:BatchDeleteClusterNodes",
        ],
        Cluster,
    ),
    row("AddClusterNodes", Eks, &["sagemaker:BatchAddClusterNodes"], Cluster),
    // Tag on create only: the page's "important" note.
    row_if(
        "TagClusterOnCreate",
        Always,
        &["sagemaker:AddTags"],
        Arn("arn:{P}:sagemaker:{R}:{A}:cluster/*"),
        ("StringEquals", "sagemaker:TaggingAction", "CreateCluster"),
    ),
    // CreateCluster passes the execution roles; the page's Slurm policy forgets this.
    row_if(
        "PassExecutionRoles",
        Always,
        &["iam:PassRole"],
        ExecutionRoles,
        ("StringEquals", "iam:PassedToService", "sagemaker.amazonaws.com"),
    ),
    row("ListTaskGovernance", Eks, &["sagemaker:ListComputeQuotas", "sagemaker:ListClusterSchedulerConfigs"], Any),
    row(
        "DeleteComputeQuotas",
        Eks,
        &["sagemaker:DeleteComputeQuota"],
        Arn("arn:{P}:sagemaker:{R}:{A}:compute-quota/*"),
    ),
    row(
        "DeleteClusterSchedulerConfigs",
        Eks,
        &["sagemaker:DeleteClusterSchedulerConfig"],
        Arn("arn:{P}:sagemaker:{R}:{A}:cluster-scheduler-config/*"),
    ),
    row("EksCluster", Eks, &["eks:DescribeCluster", "eks:CreateAccessEntry"], EksCluster),
    row(
        "EksAccessEntries",
        Eks,
        &["eks:DescribeAccessEntry", "eks:DeleteAccessEntry", "eks:AssociateAccessPolicy"],
        EksAccessEntries,
    ),
    row_if(
        "CreateHyperPodServiceLinkedRole",
        Eks,
        &["iam:CreateServiceLinkedRole"],
        Arn("arn:{P}:iam::{A}:role/aws-service-role/hyperpod.sagemaker.amazonaws.com/*"),
        ("StringEquals", "iam:AWSServiceName", "hyperpod.sagemaker.amazonaws.com"),
    ),
];

/// Data scientists (`scientists[]`). Never a sagemaker create, update or delete action, `iam:*`
/// or `eks:*AccessEntry*`.
pub const SCIENTIST: &[Grant] = &[
    // HyperPod SSM targets are not ARN-addressable here, as on the page.
    row("StartSession", Always, &["ssm:StartSession"], Any).waive(&[(CKV_WRITE, START_SESSION)]),
    // Only the caller's own sessions.
    row("TerminateOwnSessions", Always, &["ssm:TerminateSession"], Arn("arn:{P}:ssm:{R}:{A}:session/${aws:userid}-*")),
    row("DescribeCluster", Eks, &["sagemaker:DescribeCluster"], Cluster),
    row("ListClusters", Eks, &["sagemaker:ListClusters"], Any),
    row("DescribeEksCluster", Eks, &["eks:DescribeCluster"], EksCluster),
];

/// Execution roles (`executionRoles[]`), beside `AmazonSageMakerClusterInstanceRolePolicy`.
/// Without `options.customVpc` a Slurm execution role has no ec2 permission at all.
pub const EXECUTION: &[Grant] = &[
    row(
        "NetworkInterfaces",
        CustomVpcOrEks,
        &[
            "ec2:CreateNetworkInterface",
            "ec2:CreateNetworkInterfacePermission",
            "ec2:DeleteNetworkInterface",
            "ec2:DeleteNetworkInterfacePermission",
            "ec2:DescribeNetworkInterfaces",
            "ec2:DescribeVpcs",
            "ec2:DescribeDhcpOptions",
            "ec2:DescribeSubnets",
            "ec2:DescribeSecurityGroups",
            "ec2:DetachNetworkInterface",
        ],
        Any,
    )
    .waive(&[(CKV_PERMISSIONS, ENI_PERMISSIONS), (CKV_WRITE, ENIS)]),
    row("TagNetworkInterfaces", CustomVpcOrEks, &["ec2:CreateTags"], Arn("arn:{P}:ec2:*:*:network-interface/*")),
    row(
        "EksNodes",
        Eks,
        &[
            "ec2:AssignPrivateIpAddresses",
            "ec2:AttachNetworkInterface",
            "ec2:DescribeInstances",
            "ec2:DescribeInstanceTypes",
            "ec2:DescribeTags",
            "ec2:ModifyNetworkInterfaceAttribute",
            "ec2:UnassignPrivateIpAddresses",
            "ecr:BatchCheckLayerAvailability",
            "ecr:BatchGetImage",
            "ecr:GetAuthorizationToken",
            "ecr:GetDownloadUrlForLayer",
        ],
        Any,
    )
    .waive(&[(CKV_WRITE, EKS_NODES)]),
    row("PodIdentity", EksPodIdentity, &["eks-auth:AssumeRoleForPodIdentity"], EksCluster),
    row("ListBuckets", Always, &["s3:ListBucket"], Buckets),
    row("ReadObjects", Always, &["s3:GetObject"], BucketObjects),
];

/// Pod roles (`scientists[].podRole`, eks).
pub const POD: &[Grant] = &[
    row("ListBuckets", Always, &["s3:ListBucket"], Buckets),
    row("ReadWriteObjects", Always, &["s3:GetObject", "s3:PutObject"], BucketObjects),
];

/// AWS managed policies, by name (their ARN is `arn:P:iam::aws:policy/<name>`).
pub const EXECUTION_MANAGED_POLICY: &str = "AmazonSageMakerClusterInstanceRolePolicy";
/// Attached to admins with `options.consoleAccess` (broad: `check` warns).
pub const CONSOLE_MANAGED_POLICY: &str = "AmazonSageMakerFullAccess";
/// The EKS access policy of admins, at cluster scope.
pub const ADMIN_ACCESS_POLICY: &str = "AmazonEKSClusterAdminPolicy";

/// Trust principals.
pub const SAGEMAKER_SERVICE: &str = "sagemaker.amazonaws.com";
pub const POD_IDENTITY_SERVICE: &str = "pods.eks.amazonaws.com";
pub const HYPERPOD_SERVICE: &str = "hyperpod.sagemaker.amazonaws.com";
pub const SERVICE_LINKED_ROLE_NAME: &str = "AWSServiceRoleForSageMakerHyperPod";

/// The verbs the Kubernetes API authorizes on resources (`describe`, for one, is not one).
pub const KUBERNETES_VERBS: &[&str] =
    &["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"];

/// One Kubernetes RBAC rule: `(apiGroup, resources, verbs)`.
pub type Rule = (&'static str, &'static [&'static str], &'static [&'static str]);

/// The Role in each team's namespace. `describe` is no Kubernetes verb and `nodes` is
/// cluster-scoped, so both of the page's mistakes are left out.
pub const TEAM_ROLE_RULES: &[Rule] = &[
    ("", &["pods"], &["create", "get", "list", "watch", "delete"]),
    ("", &["pods/log"], &["get", "list"]),
    ("", &["pods/exec"], &["create", "get"]),
    (
        "kubeflow.org",
        &["pytorchjobs", "pytorchjobs/status"],
        &["get", "list", "watch", "create", "update", "patch", "delete"],
    ),
    ("batch", &["jobs"], &["get", "list", "watch", "create", "update", "patch", "delete"]),
    ("", &["configmaps"], &["create", "update", "get", "list", "delete"]),
    ("", &["secrets"], &["create", "get", "list", "delete"]),
    ("", &["serviceaccounts"], &["get", "list"]),
];

/// The ClusterRole for cluster-wide reads, bound to a group every scientist has.
pub const CLUSTER_READ_RULES: &[Rule] = &[("", &["pods", "nodes"], &["list"]), ("", &["namespaces"], &["get", "list"])];

/// Every persona table with its name, for tests and the catalog check.
pub const TABLES: &[(&str, &[Grant])] =
    &[("admin", ADMIN), ("scientist", SCIENTIST), ("execution", EXECUTION), ("pod", POD)];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_table_names_the_pages_bad_actions() {
        for (_, table) in TABLES {
            for grant in *table {
                for action in grant.actions {
                    assert!(
                        ![
                            "sagemaker:DescribeCluterNode",
                            "sagemaker:DeleteClusterNodes",
                            "sagemaker:ListClusterSchedulerConfig"
                        ]
                        .contains(action),
                        "{action}"
                    );
                }
            }
        }
    }

    #[test]
    fn sids_are_unique_and_alphanumeric_per_table() {
        for (name, table) in TABLES {
            let mut seen = std::collections::BTreeSet::new();
            for grant in *table {
                assert!(grant.sid.chars().all(|c| c.is_ascii_alphanumeric()), "{name}: {}", grant.sid);
                assert!(seen.insert(grant.sid), "{name}: duplicate sid {}", grant.sid);
            }
        }
    }

    #[test]
    fn scientists_get_no_write_iam_or_access_entry_action() {
        for grant in SCIENTIST {
            for action in grant.actions {
                let (service, name) = action.split_once(':').unwrap_or_default();
                assert!(service != "iam", "{action}");
                assert!(!name.contains("AccessEntry"), "{action}");
                if service == "sagemaker" {
                    for verb in ["Create", "Update", "Delete", "BatchAdd", "BatchDelete"] {
                        assert!(!name.starts_with(verb), "{action}");
                    }
                }
            }
        }
    }

    #[test]
    fn rbac_rules_have_no_wildcard_and_only_kubernetes_verbs() {
        for (group, resources, rule_verbs) in TEAM_ROLE_RULES.iter().chain(CLUSTER_READ_RULES) {
            assert!(!group.contains('*'));
            assert!(resources.iter().all(|r| !r.contains('*')));
            assert!(rule_verbs.iter().all(|v| KUBERNETES_VERBS.contains(v)), "{rule_verbs:?}");
        }
        assert!(TEAM_ROLE_RULES.iter().all(|(_, resources, _)| !resources.contains(&"nodes")));
    }
}
