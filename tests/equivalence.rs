//! CloudFormation, Terraform and plain IAM JSON grant the same: for every golden case, each role
//! (by name) has the same trust policy, managed policy ARNs, permissions boundary and
//! `(effect, action, resource, condition)` grants in every format, and CloudFormation and
//! Terraform create the same access entries, Pod Identity associations and service-linked roles.
//!
//! The golden files are parsed back and resolved for one concrete deployment: the values the
//! spec pins, else `aws-us-gov` / `us-gov-west-1` / `123456789012` (not `aws`, so that a
//! partition written in literally where it should not be shows up). The normalizer is
//! `tests/common/grants.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::grants::{self, Env};
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One golden case, parsed.
struct Case {
    name: String,
    env: Env,
    cloudformation: Value,
    terraform: Value,
    /// `iam/*.json`, sorted by file name; empty when the spec pins no target.
    iam: Vec<(String, Value)>,
}

/// The deployment to resolve a case for: what its spec pins, else a non-`aws` default.
fn env_of(case: &str) -> Env {
    let spec = ["yaml", "yml", "json"]
        .iter()
        .map(|ext| root().join("examples").join(format!("{case}.{ext}")))
        .find(|p| p.exists())
        .unwrap_or_else(|| panic!("golden case `{case}` has no spec under examples/"));
    let spec: Value = serde_saphyr::from_str(&fs::read_to_string(&spec).unwrap()).unwrap();
    let pinned = |key: &str, default: &str| spec.get(key).and_then(Value::as_str).unwrap_or(default).to_owned();
    Env {
        partition: pinned("partition", "aws-us-gov"),
        region: pinned("region", "us-gov-west-1"),
        account: pinned("account", "123456789012"),
    }
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every golden case with a CloudFormation template, sorted.
fn cases() -> Vec<Case> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(root().join("golden"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("cloudformation.yaml").exists() || p.join("cloudformation").is_dir())
        .collect();
    dirs.sort();
    dirs.iter()
        .map(|dir| {
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            // One template, or the stacks of `cloudformation/` read as one.
            let cloudformation = grants::cfn_output(dir).unwrap();
            let terraform = read_json(&dir.join("main.tf.json"));
            let mut iam: Vec<(String, Value)> = fs::read_dir(dir.join("iam"))
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| (e.file_name().to_string_lossy().into_owned(), read_json(&e.path())))
                .collect();
            iam.sort_by(|a, b| a.0.cmp(&b.0));
            Case { env: env_of(&name), name, cloudformation, terraform, iam }
        })
        .collect()
}

/// Every difference between the formats of one case, one line each.
fn differences(case: &Case) -> Vec<String> {
    let cfn = grants::cfn_roles(&case.cloudformation, &case.env);
    let tf = grants::tf_roles(&case.terraform, &case.env);
    assert!(!cfn.is_empty(), "{}: no role found: a comparison of nothing proves nothing", case.name);
    assert!(cfn.values().any(|r| !r.grants.is_empty()), "{}: no grant found", case.name);
    assert!(cfn.values().all(|r| !r.trust.is_empty()), "{}: a role without trust", case.name);
    let mut out = grants::diff_roles(("cloudformation", &cfn), ("terraform", &tf));
    if !case.iam.is_empty() {
        let mut iam = std::collections::BTreeMap::new();
        for (file, value) in &case.iam {
            let (name, role) = grants::iam_json_role(value, file);
            assert_eq!(*file, format!("{name}.json"), "{}: iam/{file} holds role `{name}`", case.name);
            iam.insert(name, role);
        }
        out.extend(grants::diff_roles(("cloudformation", &cfn), ("iam-json", &iam)));
    }
    let cfn_access = grants::cfn_access(&case.cloudformation, &case.env);
    let tf_access = grants::tf_access(&case.terraform, &case.env);
    out.extend(grants::diff_access(("cloudformation", &cfn_access), ("terraform", &tf_access)));
    out.into_iter().map(|line| format!("golden/{}: {line}", case.name)).collect()
}

#[test]
fn every_format_grants_the_same() {
    let cases = cases();
    assert!(cases.len() >= 7, "expected every example as a golden case, found {}", cases.len());
    let problems: Vec<String> = cases.iter().flat_map(differences).collect();
    assert!(problems.is_empty(), "the formats grant differently:\n{}", problems.join("\n"));
}

#[test]
fn terraform_declares_exactly_the_data_sources_it_uses() {
    for case in cases() {
        let text = case.terraform.to_string();
        for (kind, reference) in [
            ("aws_partition", "${data.aws_partition.current.partition}"),
            ("aws_region", "${data.aws_region.current.region}"),
            ("aws_caller_identity", "${data.aws_caller_identity.current.account_id}"),
        ] {
            let declared = case.terraform["data"].get(kind).is_some();
            let used = text.contains(reference);
            assert_eq!(declared, used, "golden/{}: data.{kind} declared: {declared}, used: {used}", case.name);
            // Where the spec pins all three (the only cases with IAM JSON), nothing is looked up.
            let pinned = !case.iam.is_empty();
            assert!(!(pinned && used), "golden/{}: a pinned spec looks up {kind}", case.name);
        }
    }
}

/// The comparison must be able to fail: each mutation of one output is reported, naming what
/// changed.
#[test]
fn a_difference_is_reported() {
    let cases = cases();
    let case = cases.iter().find(|c| c.name == "eks-full").expect("golden/eks-full");
    assert!(differences(case).is_empty());
    let mutated = |f: &dyn Fn(&mut Case)| {
        let mut copy = Case {
            name: case.name.clone(),
            env: case.env.clone(),
            cloudformation: case.cloudformation.clone(),
            terraform: case.terraform.clone(),
            iam: case.iam.clone(),
        };
        f(&mut copy);
        catch(std::panic::AssertUnwindSafe(|| differences(&copy).join("\n")))
    };

    // Drop one action from a CloudFormation policy.
    let report = mutated(&|c| {
        let actions = c.cloudformation["Resources"]["AdminPlatformPolicy"]["Properties"]["PolicyDocument"]["Statement"]
            [3]["Action"]
            .as_array_mut()
            .unwrap();
        assert_eq!(actions.pop(), Some(Value::from("sagemaker:DescribeClusterEvent")));
    });
    assert!(
        report.contains("role `genai-admin-platform` grant: only in terraform: Allow sagemaker:DescribeClusterEvent"),
        "{report}"
    );

    // Change a resource in Terraform.
    let report = mutated(&|c| {
        let resources =
            &mut c.terraform["data"]["aws_iam_policy_document"]["pod_nlp_policy"]["statement"][0]["resources"];
        resources[0] = Value::from("arn:${data.aws_partition.current.partition}:s3:::someone-elses-bucket");
    });
    assert!(
        report.contains("only in terraform: Allow s3:ListBucket on arn:aws-us-gov:s3:::someone-elses-bucket"),
        "{report}"
    );
    assert!(
        report.contains("only in cloudformation: Allow s3:ListBucket on arn:aws-us-gov:s3:::genai-nlp-datasets"),
        "{report}"
    );

    // A policy variable that Terraform would expand.
    let report = mutated(&|c| {
        let statement = &mut c.terraform["data"]["aws_iam_policy_document"]["scientist_nlp_policy"]["statement"][3];
        let values = &mut statement["condition"][0]["values"];
        assert_eq!(values[0], Value::from("&{aws:userid}"));
        values[0] = Value::from("${aws:userid}");
    });
    assert!(report.contains("reference `${aws:userid}` is not understood"), "{report}");
}

/// A panic inside `differences` (an unknown reference) must reach the test as a report, not
/// abort it.
fn catch(f: impl FnOnce() -> String + std::panic::UnwindSafe) -> String {
    std::panic::catch_unwind(f).unwrap_or_else(|e| {
        e.downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default()
    })
}

#[test]
fn differences_in_access_and_managed_policies_are_reported() {
    let cases = cases();
    let case = cases.iter().find(|c| c.name == "eks-full").expect("golden/eks-full");
    let mut cfn = case.cloudformation.clone();
    cfn["Resources"]["ScientistNlpAccessEntry"]["Properties"]["KubernetesGroups"][1] = Value::from("system:masters");
    cfn["Resources"]["ExecGpuRole"]["Properties"]["ManagedPolicyArns"].as_array_mut().unwrap().pop();
    let mut tf = case.terraform.clone();
    tf["resource"]["aws_eks_pod_identity_association"]["pod_nlp"]["service_account"] = Value::from("default");
    let copy =
        Case { name: case.name.clone(), env: case.env.clone(), cloudformation: cfn, terraform: tf, iam: Vec::new() };
    let report = catch(std::panic::AssertUnwindSafe(|| differences(&copy).join("\n")));
    for expected in [
        "group: only in cloudformation: system:masters",
        "group: only in terraform: genai-scientists",
        "role `genai-exec-gpu` managed policy: only in terraform: arn:aws:iam::111122223333:policy/GpuNodeExtras",
        "pod identity: only in terraform: team-nlp/default on genai-eks",
        "pod identity: only in cloudformation: team-nlp/training on genai-eks",
    ] {
        assert!(report.contains(expected), "`{expected}` missing from:\n{report}");
    }
}

#[test]
fn a_difference_in_iam_json_is_reported() {
    let cases = cases();
    let case = cases.iter().find(|c| c.name == "slurm-govcloud").expect("golden/slurm-govcloud");
    assert!(!case.iam.is_empty() && differences(case).is_empty());
    let mut iam = case.iam.clone();
    let (_, exec) = iam.iter_mut().find(|(file, _)| file == "gov-hpc-exec-nodes.json").expect("exec role file");
    exec["Policies"][0]["PolicyDocument"]["Statement"][1]["Resource"] = Value::from("arn:aws-us-gov:ec2:*:*:*");
    let copy = Case {
        name: case.name.clone(),
        env: case.env.clone(),
        cloudformation: case.cloudformation.clone(),
        terraform: case.terraform.clone(),
        iam,
    };
    let report = differences(&copy).join("\n");
    assert!(
        report.contains(
            "role `gov-hpc-exec-nodes` grant: only in iam-json: Allow ec2:CreateTags on arn:aws-us-gov:ec2:*:*:*"
        ),
        "{report}"
    );
}
