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
    /// EKS orchestration with `options.taskGovernance`.
    EksTaskGovernance,
    /// Slurm, or EKS with `options.nodeAccess`: scientists open Session Manager shells on nodes.
    NodeAccess,
}

/// One resource of a row.
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
    /// The access entry of the role itself:
    /// `arn:P:eks:R:A:access-entry/<eksClusterName>/role/A/<role name>/*`.
    OwnAccessEntry,
    /// The EKS cluster's add-ons whose name starts with the given text:
    /// `arn:P:eks:R:A:addon/<eksClusterName>/<name>*`.
    EksAddon(&'static str),
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
    pub resources: &'static [Res],
    /// `(operator, key, values)`; a value may hold an IAM policy variable (`${aws:userid}`).
    pub condition: Option<(&'static str, &'static str, &'static [&'static str])>,
    /// Scanner findings this row causes on purpose: `(check id, reason)`.
    pub waivers: &'static [(&'static str, &'static str)],
}

impl Grant {
    /// The same row, with findings that it causes on purpose.
    const fn waive(self, waivers: &'static [(&'static str, &'static str)]) -> Grant {
        Grant { waivers, ..self }
    }

    /// The same row, with a condition.
    const fn when(self, operator: &'static str, key: &'static str, values: &'static [&'static str]) -> Grant {
        Grant { condition: Some((operator, key, values)), ..self }
    }
}

const fn row(sid: &'static str, when: When, actions: &'static [&'static str], resources: &'static [Res]) -> Grant {
    Grant { sid, when, actions, resources, condition: None, waivers: &[] }
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

const ANY_CLUSTER: Res = Arn("arn:{P}:sagemaker:{R}:{A}:cluster/*");
/// A cluster on a training plan is also authorized against the plan and its capacity.
const TRAINING_PLANS: Res = Arn("arn:{P}:sagemaker:{R}:{A}:training-plan/*");
const RESERVED_CAPACITY: Res = Arn("arn:{P}:sagemaker:{R}:{A}:reserved-capacity/*");
const COMPUTE_QUOTAS: Res = Arn("arn:{P}:sagemaker:{R}:{A}:compute-quota/*");
const SCHEDULER_CONFIGS: Res = Arn("arn:{P}:sagemaker:{R}:{A}:cluster-scheduler-config/*");

/// The EKS add-on of HyperPod task governance.
pub const TASK_GOVERNANCE_ADDON: &str = "amazon-sagemaker-hyperpod-taskgovernance";
/// The EKS add-on of HyperPod observability, which `hyp get-monitoring` reads.
pub const OBSERVABILITY_ADDON: &str = "amazon-sagemaker-hyperpod-observability";

/// Cluster admins (`admins[]`).
pub const ADMIN: &[Grant] = &[
    row("ListClusters", Always, &["sagemaker:ListClusters"], &[Any]),
    // The cluster id does not exist before CreateCluster.
    row("CreateCluster", Always, &["sagemaker:CreateCluster"], &[ANY_CLUSTER, TRAINING_PLANS, RESERVED_CAPACITY]),
    row("UpdateCluster", Always, &["sagemaker:UpdateCluster"], &[Cluster, TRAINING_PLANS, RESERVED_CAPACITY]),
    row(
        "ManageCluster",
        Always,
        &[
            "sagemaker:DeleteCluster",
            "sagemaker:DescribeCluster",
            "sagemaker:DescribeClusterNode",
            "sagemaker:ListClusterNodes",
            "sagemaker:UpdateClusterSoftware",
            "sagemaker:BatchDeleteClusterNodes",
            "sagemaker:BatchRebootClusterNodes",
            "sagemaker:BatchReplaceClusterNodes",
            "sagemaker:ListClusterEvents",
            "sagemaker:DescribeClusterEvent",
        ],
        &[Cluster],
    ),
    // Tag on create only: the page's "important" note.
    row("TagClusterOnCreate", Always, &["sagemaker:AddTags"], &[ANY_CLUSTER]).when(
        "StringEquals",
        "sagemaker:TaggingAction",
        &["CreateCluster"],
    ),
    // CreateCluster passes the execution roles; the page's Slurm policy forgets this.
    row("PassExecutionRoles", Always, &["iam:PassRole"], &[ExecutionRoles]).when(
        "StringEquals",
        "iam:PassedToService",
        &["sagemaker.amazonaws.com"],
    ),
    row("AddClusterNodes", Eks, &["sagemaker:BatchAddClusterNodes"], &[Cluster]),
    row("ListTaskGovernance", Eks, &["sagemaker:ListComputeQuotas", "sagemaker:ListClusterSchedulerConfigs"], &[Any]),
    row("DeleteComputeQuotas", Eks, &["sagemaker:DeleteComputeQuota"], &[COMPUTE_QUOTAS]),
    row("DeleteClusterSchedulerConfigs", Eks, &["sagemaker:DeleteClusterSchedulerConfig"], &[SCHEDULER_CONFIGS]),
    row(
        "EksCluster",
        Eks,
        &["eks:DescribeCluster", "eks:CreateAccessEntry", "eks:ListAccessEntries", "eks:ListAddons"],
        &[EksCluster],
    ),
    row(
        "EksAccessEntries",
        Eks,
        &[
            "eks:DescribeAccessEntry",
            "eks:DeleteAccessEntry",
            "eks:AssociateAccessPolicy",
            "eks:ListAssociatedAccessPolicies",
        ],
        &[EksAccessEntries],
    ),
    row("EksAddons", Eks, &["eks:DescribeAddon"], &[EksAddon("")]),
    row(
        "CreateHyperPodServiceLinkedRole",
        Eks,
        &["iam:CreateServiceLinkedRole"],
        &[Arn("arn:{P}:iam::{A}:role/aws-service-role/hyperpod.sagemaker.amazonaws.com/*")],
    )
    .when("StringEquals", "iam:AWSServiceName", &["hyperpod.sagemaker.amazonaws.com"]),
    // HyperPod task governance: compute quotas and a cluster scheduler policy, enforced by Kueue.
    row("CreateComputeQuotas", EksTaskGovernance, &["sagemaker:CreateComputeQuota"], &[Cluster, COMPUTE_QUOTAS]),
    row(
        "ManageComputeQuotas",
        EksTaskGovernance,
        &["sagemaker:UpdateComputeQuota", "sagemaker:DescribeComputeQuota"],
        &[COMPUTE_QUOTAS],
    ),
    row(
        "CreateClusterSchedulerConfigs",
        EksTaskGovernance,
        &["sagemaker:CreateClusterSchedulerConfig"],
        &[Cluster, SCHEDULER_CONFIGS],
    ),
    row(
        "ManageClusterSchedulerConfigs",
        EksTaskGovernance,
        &["sagemaker:UpdateClusterSchedulerConfig", "sagemaker:DescribeClusterSchedulerConfig"],
        &[SCHEDULER_CONFIGS],
    ),
    row("TagTaskGovernanceOnCreate", EksTaskGovernance, &["sagemaker:AddTags"], &[COMPUTE_QUOTAS, SCHEDULER_CONFIGS])
        .when("StringEquals", "sagemaker:TaggingAction", &["CreateComputeQuota", "CreateClusterSchedulerConfig"]),
    row("CreateTaskGovernanceAddon", EksTaskGovernance, &["eks:CreateAddon"], &[EksCluster]),
    row(
        "ManageTaskGovernanceAddon",
        EksTaskGovernance,
        &["eks:UpdateAddon", "eks:DeleteAddon"],
        &[EksAddon(TASK_GOVERNANCE_ADDON)],
    ),
];

/// Data scientists (`scientists[]`). Never a sagemaker create, update, delete or batch action,
/// any `iam:` action, or an eks action other than the Describe and List ones below.
pub const SCIENTIST: &[Grant] = &[
    row("ListClusters", Always, &["sagemaker:ListClusters"], &[Any]),
    // The Session Manager target of a node needs its id: `sagemaker-cluster:<id>_<group>-<instance>`.
    row(
        "DescribeCluster",
        Always,
        &["sagemaker:DescribeCluster", "sagemaker:ListClusterNodes", "sagemaker:DescribeClusterNode"],
        &[Cluster],
    ),
    // HyperPod SSM targets are not ARN-addressable, as on the page.
    row("StartSession", NodeAccess, &["ssm:StartSession"], &[Any]).waive(&[(CKV_WRITE, START_SESSION)]),
    // Only the caller's own sessions: a session id starts with the session name, not with
    // `${aws:userid}` (`ROLEID:name` for a role), so a resource pattern cannot say "own"; the
    // session-id tag that Session Manager sets can.
    row(
        "ManageOwnSessions",
        NodeAccess,
        &["ssm:TerminateSession", "ssm:ResumeSession"],
        &[Arn("arn:{P}:ssm:{R}:{A}:session/*")],
    )
    .when("StringLike", "ssm:resourceTag/aws:ssmmessages:session-id", &["${aws:userid}"]),
    row("DescribeEksCluster", Eks, &["eks:DescribeCluster", "eks:ListAddons"], &[EksCluster]),
    // `hyp set-cluster-context` reads the caller's own access entry and stops without it.
    row("DescribeOwnAccessEntry", Eks, &["eks:DescribeAccessEntry"], &[OwnAccessEntry]),
    // `hyp get-monitoring` reads the observability add-on.
    row("DescribeObservabilityAddon", Eks, &["eks:DescribeAddon"], &[EksAddon(OBSERVABILITY_ADDON)]),
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
        &[Any],
    )
    .waive(&[(CKV_PERMISSIONS, ENI_PERMISSIONS), (CKV_WRITE, ENIS)]),
    row("TagNetworkInterfaces", CustomVpcOrEks, &["ec2:CreateTags"], &[Arn("arn:{P}:ec2:{R}:{A}:network-interface/*")]),
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
        &[Any],
    )
    .waive(&[(CKV_WRITE, EKS_NODES)]),
    // AWS's own EKS execution-role templates grant it.
    row("DescribeAlarms", Eks, &["cloudwatch:DescribeAlarms"], &[Arn("arn:{P}:cloudwatch:{R}:{A}:alarm:*")]),
    row("PodIdentity", EksPodIdentity, &["eks-auth:AssumeRoleForPodIdentity"], &[EksCluster]),
    row("ListBuckets", Always, &["s3:ListBucket"], &[Buckets]),
    row("ReadObjects", Always, &["s3:GetObject"], &[BucketObjects]),
];

/// Pod roles (`scientists[].podRole`, eks).
pub const POD: &[Grant] = &[
    row("ListBuckets", Always, &["s3:ListBucket"], &[Buckets]),
    row("ReadWriteObjects", Always, &["s3:GetObject", "s3:PutObject"], &[BucketObjects]),
];

/// The session tags EKS Pod Identity sets, on which a pod role's trust is conditioned: without
/// them, any association anyone creates in the account could hand the role to any pod.
pub const POD_IDENTITY_CLUSTER_TAG: &str = "aws:RequestTag/eks-cluster-name";
pub const POD_IDENTITY_NAMESPACE_TAG: &str = "aws:RequestTag/kubernetes-namespace";
pub const POD_IDENTITY_SERVICE_ACCOUNT_TAG: &str = "aws:RequestTag/kubernetes-service-account";

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

/// One Kubernetes RBAC rule of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// `Always` or `EksTaskGovernance`.
    pub when: When,
    pub api_group: &'static str,
    pub resources: &'static [&'static str],
    /// Empty: every object of these resources.
    pub resource_names: &'static [&'static str],
    pub verbs: &'static [&'static str],
}

const fn rule(api_group: &'static str, resources: &'static [&'static str], verbs: &'static [&'static str]) -> Rule {
    Rule { when: Always, api_group, resources, resource_names: &[], verbs }
}

impl Rule {
    const fn only(self, when: When) -> Rule {
        Rule { when, ..self }
    }

    const fn named(self, resource_names: &'static [&'static str]) -> Rule {
        Rule { resource_names, ..self }
    }
}

const READ_WRITE: &[&str] = &["get", "list", "watch", "create", "update", "patch", "delete"];
const KUEUE: &str = "kueue.x-k8s.io";
/// The CRD of HyperPod's training operator, which `hyp create` looks up before submitting a job.
pub const HYPERPOD_PYTORCH_JOB_CRD: &str = "hyperpodpytorchjobs.sagemaker.amazonaws.com";

/// The Role in each team's namespace. `describe` is no Kubernetes verb and `nodes` is
/// cluster-scoped, so both of the page's mistakes are left out.
pub const TEAM_ROLE_RULES: &[Rule] = &[
    rule("", &["pods"], &["create", "get", "list", "watch", "delete"]),
    rule("", &["pods/log"], &["get", "list"]),
    // `get` for WebSocket exec, `create` for SPDY and for API servers from 1.35 on.
    rule("", &["pods/exec"], &["create", "get"]),
    // `kubectl describe` lists them.
    rule("", &["events"], &["get", "list", "watch"]),
    // Every `hyp … hyp-pytorch-job` command.
    rule("sagemaker.amazonaws.com", &["hyperpodpytorchjobs", "hyperpodpytorchjobs/status"], READ_WRITE),
    rule("kubeflow.org", &["pytorchjobs", "pytorchjobs/status"], READ_WRITE),
    rule("batch", &["jobs"], READ_WRITE),
    rule("", &["configmaps"], &["create", "update", "get", "list", "delete"]),
    // Helm (the older `hyperpod start-job`) updates its release secret.
    rule("", &["secrets"], &["create", "update", "get", "list", "delete"]),
    rule("", &["serviceaccounts"], &["get", "list"]),
    // `hyperpod patch-job suspend|unsuspend`; `kubectl get localqueues`.
    rule(KUEUE, &["workloads"], &["get", "list", "watch", "patch"]).only(EksTaskGovernance),
    rule(KUEUE, &["localqueues"], &["get", "list", "watch"]).only(EksTaskGovernance),
];

/// The ClusterRole for cluster-wide reads, bound to a group every scientist has.
pub const CLUSTER_READ_RULES: &[Rule] = &[
    rule("", &["pods", "nodes"], &["list"]),
    rule("", &["namespaces"], &["get", "list"]),
    rule("apiextensions.k8s.io", &["customresourcedefinitions"], &["get"]).named(&[HYPERPOD_PYTORCH_JOB_CRD]),
    rule(KUEUE, &["clusterqueues", "resourceflavors", "workloadpriorityclasses"], &["get", "list", "watch"])
        .only(EksTaskGovernance),
];

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
                if service == "eks" {
                    assert!(name.starts_with("Describe") || name.starts_with("List"), "{action}");
                }
                if service == "sagemaker" {
                    for verb in ["Create", "Update", "Delete", "Batch", "AddTags"] {
                        assert!(!name.starts_with(verb), "{action}");
                    }
                }
            }
        }
    }

    #[test]
    fn rbac_rules_have_no_wildcard_and_only_kubernetes_verbs() {
        for rule in TEAM_ROLE_RULES.iter().chain(CLUSTER_READ_RULES) {
            assert!(!rule.api_group.contains('*'));
            assert!(rule.resources.iter().chain(rule.resource_names).all(|r| !r.contains('*')));
            assert!(rule.verbs.iter().all(|v| KUBERNETES_VERBS.contains(v)), "{rule:?}");
            assert!(matches!(rule.when, Always | EksTaskGovernance), "{rule:?}");
        }
        assert!(TEAM_ROLE_RULES.iter().all(|rule| !rule.resources.contains(&"nodes")));
    }
}
