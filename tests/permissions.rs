//! Each role grants exactly what `permissions.md` lists for its persona, orchestrator and
//! options, and nothing else, checked on the model for every example.
//!
//! The expectation below is a second transcription of `permissions.md`, written independently of
//! `src/model/permissions.rs` and reading the example specs with a plain YAML parser, so a slip in
//! either one shows up as a difference.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::PathBuf;

use hyperpod_iam::model::{Actions, Effect, Model, Principal, Resolver, Resources, Text};
use hyperpod_iam::spec::{self, Source};
use serde_json::Value;

/// `(action, resource, condition)`; the condition as `operator key=value`, or empty.
type Grant = (String, String, String);

struct Env {
    p: String,
    r: String,
    a: String,
}

fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        _ => v.as_array().map(|a| a.iter().map(|s| s.as_str().unwrap().to_owned()).collect()).unwrap_or_default(),
    }
}

/// What an entry adds of its own: `managedPolicyArns` and `extraStatements`, as written, with the
/// pseudo parameters filled in.
fn extras(entry: &Value, spec: &Value, env: &Env) -> (BTreeSet<Grant>, BTreeSet<String>) {
    let fill = |s: &str| {
        s.replace("${AWS::Partition}", &env.p).replace("${AWS::Region}", &env.r).replace("${AWS::AccountId}", &env.a)
    };
    let mut grants = BTreeSet::new();
    for st in entry["extraStatements"].as_array().map(Vec::as_slice).unwrap_or_default() {
        let mut conditions = Vec::new();
        for (op, keys) in st["Condition"].as_object().into_iter().flatten() {
            for (key, values) in keys.as_object().unwrap() {
                conditions.push(format!("{op} {key}={}", strings(values).join(",")));
            }
        }
        for action in strings(&st["Action"]) {
            for resource in strings(&st["Resource"]) {
                grants.insert((action.clone(), fill(&resource), conditions.join("; ")));
            }
        }
    }
    let managed = strings(&entry["managedPolicyArns"])
        .into_iter()
        .map(|arn| match (spec.get("partition"), arn.strip_prefix("arn:aws:iam::aws:")) {
            (None, Some(rest)) => format!("arn:{}:iam::aws:{rest}", env.p),
            _ => arn,
        })
        .collect();
    (grants, managed)
}

fn add(set: &mut BTreeSet<Grant>, actions: &[&str], resource: &str, condition: &str) {
    for action in actions {
        set.insert(((*action).to_owned(), resource.to_owned(), condition.to_owned()));
    }
}

/// What permissions.md grants each role of a spec, by IAM role name.
fn expected(spec: &Value, env: &Env) -> BTreeMap<String, (BTreeSet<Grant>, BTreeSet<String>)> {
    let Env { p, r, a } = env;
    let name = spec["name"].as_str().unwrap();
    let eks = spec["orchestrator"] == "eks";
    let opt = |k: &str| spec["options"][k].as_bool().unwrap_or(false);
    let cluster = format!("arn:{p}:sagemaker:{r}:{a}:cluster/{}", spec["cluster"]["id"].as_str().unwrap_or("*"));
    let eks_name = spec["cluster"]["eksClusterName"].as_str().unwrap_or("");
    let eks_arn = format!("arn:{p}:eks:{r}:{a}:cluster/{eks_name}");
    let exec_names: Vec<String> = spec["executionRoles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| format!("{name}-exec-{}", e["name"].as_str().unwrap()))
        .collect();
    let mut out = BTreeMap::new();

    for admin in spec["admins"].as_array().unwrap() {
        let mut g = BTreeSet::new();
        let sm = |rest: &str| format!("arn:{p}:sagemaker:{r}:{a}:{rest}");
        add(&mut g, &["sagemaker:ListClusters"], "*", "");
        for resource in [sm("cluster/*"), sm("training-plan/*"), sm("reserved-capacity/*")] {
            add(&mut g, &["sagemaker:CreateCluster"], &resource, "");
        }
        for resource in [cluster.clone(), sm("training-plan/*"), sm("reserved-capacity/*")] {
            add(&mut g, &["sagemaker:UpdateCluster"], &resource, "");
        }
        add(
            &mut g,
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
            &cluster,
            "",
        );
        add(&mut g, &["sagemaker:AddTags"], &sm("cluster/*"), "StringEquals sagemaker:TaggingAction=CreateCluster");
        for exec in &exec_names {
            add(
                &mut g,
                &["iam:PassRole"],
                &format!("arn:{p}:iam::{a}:role/{exec}"),
                "StringEquals iam:PassedToService=sagemaker.amazonaws.com",
            );
        }
        if eks {
            add(&mut g, &["sagemaker:BatchAddClusterNodes"], &cluster, "");
            add(&mut g, &["sagemaker:ListComputeQuotas", "sagemaker:ListClusterSchedulerConfigs"], "*", "");
            add(&mut g, &["sagemaker:DeleteComputeQuota"], &sm("compute-quota/*"), "");
            add(&mut g, &["sagemaker:DeleteClusterSchedulerConfig"], &sm("cluster-scheduler-config/*"), "");
            add(
                &mut g,
                &["eks:DescribeCluster", "eks:CreateAccessEntry", "eks:ListAccessEntries", "eks:ListAddons"],
                &eks_arn,
                "",
            );
            add(
                &mut g,
                &[
                    "eks:DescribeAccessEntry",
                    "eks:DeleteAccessEntry",
                    "eks:AssociateAccessPolicy",
                    "eks:ListAssociatedAccessPolicies",
                ],
                &format!("arn:{p}:eks:{r}:{a}:access-entry/{eks_name}/*"),
                "",
            );
            add(&mut g, &["eks:DescribeAddon"], &format!("arn:{p}:eks:{r}:{a}:addon/{eks_name}/*"), "");
            add(
                &mut g,
                &["iam:CreateServiceLinkedRole"],
                &format!("arn:{p}:iam::{a}:role/aws-service-role/hyperpod.sagemaker.amazonaws.com/*"),
                "StringEquals iam:AWSServiceName=hyperpod.sagemaker.amazonaws.com",
            );
        }
        if eks && opt("taskGovernance") {
            for resource in [cluster.clone(), sm("compute-quota/*")] {
                add(&mut g, &["sagemaker:CreateComputeQuota"], &resource, "");
            }
            add(
                &mut g,
                &["sagemaker:UpdateComputeQuota", "sagemaker:DescribeComputeQuota"],
                &sm("compute-quota/*"),
                "",
            );
            for resource in [cluster.clone(), sm("cluster-scheduler-config/*")] {
                add(&mut g, &["sagemaker:CreateClusterSchedulerConfig"], &resource, "");
            }
            add(
                &mut g,
                &["sagemaker:UpdateClusterSchedulerConfig", "sagemaker:DescribeClusterSchedulerConfig"],
                &sm("cluster-scheduler-config/*"),
                "",
            );
            for resource in [sm("compute-quota/*"), sm("cluster-scheduler-config/*")] {
                add(
                    &mut g,
                    &["sagemaker:AddTags"],
                    &resource,
                    "StringEquals sagemaker:TaggingAction=CreateComputeQuota,CreateClusterSchedulerConfig",
                );
            }
            add(&mut g, &["eks:CreateAddon"], &eks_arn, "");
            add(
                &mut g,
                &["eks:UpdateAddon", "eks:DeleteAddon"],
                &format!("arn:{p}:eks:{r}:{a}:addon/{eks_name}/amazon-sagemaker-hyperpod-taskgovernance/*"),
                "",
            );
        }
        let (own, mut managed) = extras(admin, spec, env);
        g.extend(own);
        if opt("consoleAccess") {
            managed.insert(format!("arn:{p}:iam::aws:policy/AmazonSageMakerFullAccess"));
        }
        out.insert(format!("{name}-admin-{}", admin["name"].as_str().unwrap()), (g, managed));
    }

    for team in spec["scientists"].as_array().map(Vec::as_slice).unwrap_or_default() {
        let team_name = team["name"].as_str().unwrap();
        let role_name = format!("{name}-scientist-{team_name}");
        let mut g = BTreeSet::new();
        add(&mut g, &["sagemaker:ListClusters"], "*", "");
        add(
            &mut g,
            &["sagemaker:DescribeCluster", "sagemaker:ListClusterNodes", "sagemaker:DescribeClusterNode"],
            &cluster,
            "",
        );
        if !eks || opt("nodeAccess") {
            add(&mut g, &["ssm:StartSession"], "*", "");
            add(
                &mut g,
                &["ssm:TerminateSession", "ssm:ResumeSession"],
                &format!("arn:{p}:ssm:{r}:{a}:session/*"),
                "StringLike ssm:resourceTag/aws:ssmmessages:session-id=${aws:userid}",
            );
        }
        if eks {
            add(&mut g, &["eks:DescribeCluster", "eks:ListAddons"], &eks_arn, "");
            add(
                &mut g,
                &["eks:DescribeAccessEntry"],
                &format!("arn:{p}:eks:{r}:{a}:access-entry/{eks_name}/role/{a}/{role_name}/*"),
                "",
            );
            add(
                &mut g,
                &["eks:DescribeAddon"],
                &format!("arn:{p}:eks:{r}:{a}:addon/{eks_name}/amazon-sagemaker-hyperpod-observability/*"),
                "",
            );
        }
        let (own, managed) = extras(team, spec, env);
        g.extend(own);
        out.insert(format!("{name}-scientist-{team_name}"), (g, managed));
        if let (true, Some(pod)) = (eks, team.get("podRole")) {
            let mut g = BTreeSet::new();
            for bucket in strings(&pod["s3Buckets"]) {
                add(&mut g, &["s3:ListBucket"], &format!("arn:{p}:s3:::{bucket}"), "");
                add(&mut g, &["s3:GetObject", "s3:PutObject"], &format!("arn:{p}:s3:::{bucket}/*"), "");
            }
            let (own, managed) = extras(pod, spec, env);
            g.extend(own);
            out.insert(format!("{name}-pod-{team_name}"), (g, managed));
        }
    }

    for exec in spec["executionRoles"].as_array().unwrap() {
        let mut g = BTreeSet::new();
        if opt("customVpc") || eks {
            add(
                &mut g,
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
                "*",
                "",
            );
            add(&mut g, &["ec2:CreateTags"], &format!("arn:{p}:ec2:{r}:{a}:network-interface/*"), "");
        }
        if eks {
            add(
                &mut g,
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
                "*",
                "",
            );
            add(&mut g, &["cloudwatch:DescribeAlarms"], &format!("arn:{p}:cloudwatch:{r}:{a}:alarm:*"), "");
            if opt("podIdentity") {
                add(&mut g, &["eks-auth:AssumeRoleForPodIdentity"], &eks_arn, "");
            }
        }
        for bucket in strings(&exec["s3Buckets"]) {
            add(&mut g, &["s3:ListBucket"], &format!("arn:{p}:s3:::{bucket}"), "");
            add(&mut g, &["s3:GetObject"], &format!("arn:{p}:s3:::{bucket}/*"), "");
        }
        let (own, mut managed) = extras(exec, spec, env);
        g.extend(own);
        managed.insert(format!("arn:{p}:iam::aws:policy/AmazonSageMakerClusterInstanceRolePolicy"));
        out.insert(format!("{name}-exec-{}", exec["name"].as_str().unwrap()), (g, managed));
    }
    out
}

/// What the model grants each role, resolved for one deployment.
fn actual(model: &Model, env: &Env) -> BTreeMap<String, (BTreeSet<Grant>, BTreeSet<String>)> {
    let names = model.role_names();
    let resolver = Resolver { partition: &env.p, region: &env.r, account: &env.a, role_names: &names };
    let resolve = |t: &Text| t.resolve(&resolver).unwrap();
    let mut out = BTreeMap::new();
    for role in &model.roles {
        let mut grants = BTreeSet::new();
        for policy in model.index().policies_of(&role.id) {
            for s in &policy.document.statements {
                assert_eq!(s.effect, Effect::Allow, "{}: generated statements only allow", role.role_name);
                let Actions::Action(actions) = &s.actions else { panic!("{}: NotAction", role.role_name) };
                let Some(Resources::Resource(resources)) = &s.resources else {
                    panic!("{}: no Resource", role.role_name)
                };
                let condition = s
                    .conditions
                    .iter()
                    .map(|c| {
                        let values: Vec<String> = c.values.iter().map(resolve).collect();
                        format!("{} {}={}", c.operator, c.key, values.join(","))
                    })
                    .collect::<Vec<_>>()
                    .join("; ");
                for action in actions {
                    for resource in resources {
                        grants.insert((action.clone(), resolve(resource), condition.clone()));
                    }
                }
            }
        }
        let managed = role.managed_policy_arns.iter().map(resolve).collect();
        out.insert(role.role_name.clone(), (grants, managed));
    }
    out
}

fn examples() -> Vec<(String, Value, Model)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> =
        fs::read_dir(root.join("examples")).unwrap().flatten().map(|e| e.path()).filter(|p| p.is_file()).collect();
    files.sort();
    assert!(!files.is_empty());
    files
        .into_iter()
        .map(|path| {
            let text = fs::read_to_string(&path).unwrap();
            let value: Value = serde_saphyr::from_str(&text).unwrap();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let model = spec::load(&Source { name: name.clone(), text }).unwrap();
            (name, value, model)
        })
        .collect()
}

fn env_for(spec: &Value) -> Env {
    let get = |k: &str, default: &str| spec.get(k).and_then(Value::as_str).unwrap_or(default).to_owned();
    Env { p: get("partition", "aws-us-gov"), r: get("region", "us-gov-east-1"), a: get("account", "999988887777") }
}

#[test]
fn every_role_grants_exactly_what_permissions_md_lists() {
    let mut failures = Vec::new();
    for (name, spec, model) in examples() {
        let env = env_for(&spec);
        let want = expected(&spec, &env);
        let got = actual(&model, &env);
        let roles: BTreeSet<&String> = want.keys().chain(got.keys()).collect();
        for role in roles {
            match (want.get(role), got.get(role)) {
                (Some((wg, wm)), Some((gg, gm))) => {
                    for extra in gg.difference(wg) {
                        failures.push(format!("{name}: {role} grants {extra:?}, which permissions.md does not list"));
                    }
                    for missing in wg.difference(gg) {
                        failures.push(format!("{name}: {role} lacks {missing:?}"));
                    }
                    if wm != gm {
                        failures.push(format!("{name}: {role} managed policies {gm:?}, expected {wm:?}"));
                    }
                }
                (w, g) => {
                    failures.push(format!("{name}: role {role} expected: {}, generated: {}", w.is_some(), g.is_some()))
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn trust_boundary_access_entries_and_service_linked_role() {
    for (name, spec, model) in examples() {
        let env = env_for(&spec);
        let names = model.role_names();
        let resolver = Resolver { partition: &env.p, region: &env.r, account: &env.a, role_names: &names };
        let boundary = spec.get("permissionsBoundary").and_then(Value::as_str);
        for role in &model.roles {
            assert_eq!(role.permissions_boundary.as_ref().and_then(Text::as_literal).as_deref(), boundary, "{name}");
            let [trust] = role.trust.statements.as_slice() else { panic!("{name}: one trust statement") };
            let actions = trust.actions.list().to_vec();
            match (role.kind, &trust.principal) {
                (hyperpod_iam::model::RoleKind::Execution, Some(Principal::Service(s))) => {
                    assert_eq!(s, &["sagemaker.amazonaws.com"], "{name}");
                    assert_eq!(actions, ["sts:AssumeRole"], "{name}");
                }
                (hyperpod_iam::model::RoleKind::Pod, Some(Principal::Service(s))) => {
                    assert_eq!(s, &["pods.eks.amazonaws.com"], "{name}");
                    assert_eq!(actions, ["sts:AssumeRole", "sts:TagSession"], "{name}");
                    // Only its own cluster, namespace and service account (permissions.md, pod roles).
                    let team = spec["scientists"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .find(|t| t["name"].as_str() == Some(role.entry.as_str()))
                        .unwrap();
                    let namespace =
                        team["namespace"].as_str().map_or_else(|| format!("hyperpod-ns-{}", role.entry), str::to_owned);
                    let conditions: Vec<String> = trust
                        .conditions
                        .iter()
                        .map(|c| {
                            let values: Vec<String> = c.values.iter().map(|v| v.resolve(&resolver).unwrap()).collect();
                            format!("{} {}={}", c.operator, c.key, values.join(","))
                        })
                        .collect();
                    assert_eq!(
                        conditions,
                        [
                            format!(
                                "StringEquals aws:RequestTag/eks-cluster-name={}",
                                spec["cluster"]["eksClusterName"].as_str().unwrap()
                            ),
                            format!("StringEquals aws:RequestTag/kubernetes-namespace={namespace}"),
                            format!(
                                "StringEquals aws:RequestTag/kubernetes-service-account={}",
                                team["podRole"]["serviceAccount"].as_str().unwrap()
                            ),
                        ],
                        "{name}: {}",
                        role.role_name
                    );
                }
                (
                    hyperpod_iam::model::RoleKind::Admin | hyperpod_iam::model::RoleKind::Scientist,
                    Some(Principal::Aws(p)),
                ) => {
                    assert_eq!(actions, ["sts:AssumeRole"], "{name}");
                    for arn in p {
                        let arn = arn.resolve(&resolver).unwrap();
                        assert!(
                            arn.starts_with(&format!("arn:{}:iam::", env.p)) || arn.starts_with("arn:aws"),
                            "{name}: {arn}"
                        );
                    }
                }
                other => panic!("{name}: {}: unexpected trust {other:?}", role.role_name),
            }
        }
        let eks = spec["orchestrator"] == "eks";
        let admins = spec["admins"].as_array().unwrap().len();
        let teams = spec["scientists"].as_array().map_or(0, Vec::len);
        assert_eq!(
            model.access_entries.len(),
            if eks { admins + teams } else { 0 },
            "{name}: no entry for execution roles"
        );
        assert_eq!(
            model.service_linked_role.is_some(),
            spec["options"]["serviceLinkedRole"].as_bool().unwrap_or(false),
            "{name}"
        );
    }
}

/// Every action the tool itself generates, for every example, is one IAM knows.
#[test]
fn every_generated_action_is_in_the_catalog() {
    use hyperpod_iam::catalog::{ActionLookup, catalog};
    let mut checked = 0;
    for (name, _, model) in examples() {
        let statements = model
            .policies
            .iter()
            .flat_map(|p| &p.document.statements)
            .chain(model.roles.iter().flat_map(|r| &r.trust.statements));
        for s in statements {
            for action in s.actions.list() {
                checked += 1;
                assert!(
                    matches!(catalog().lookup(action), ActionLookup::Found(_)),
                    "{name}: `{action}` is not in the catalog"
                );
            }
        }
    }
    assert!(checked > 100, "{checked}");
}
