//! `hyperpod-iam can` through the real binary: hand-worked cases of IAM's evaluation rules
//! (`tests/can/rules.yaml`, each statement one rule), the promises of permissions.md asked as a
//! reviewer would ask them, the Kubernetes forms of `kubectl auth can-i`, and the exit codes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `hyperpod-iam can ARGS...`; returns the first stdout line, all of stdout, and the exit code.
fn can(args: &[&str]) -> (String, String, i32) {
    let output =
        Command::new(env!("CARGO_BIN_EXE_hyperpod-iam")).arg("can").args(args).current_dir(root()).output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let first = stdout.lines().next().unwrap_or_default().to_owned();
    (first, stdout, output.status.code().unwrap_or(-1))
}

const RULES: &str = "tests/can/rules.yaml";
const SM: &str = "arn:aws:sagemaker:us-west-2:111122223333";

/// `(question words, expected first line, expected exit code)` for `--as scientist/lab` of
/// rules.yaml, each worked by hand from the IAM User Guide's evaluation logic.
#[test]
fn iam_rules_as_documented() {
    let model = format!("{SM}:model/m1");
    let secret = format!("{SM}:model/secret-a");
    let secret_long = format!("{SM}:model/secret-ab");
    let other_account = "arn:aws:sagemaker:eu-west-1:444455556666:model/m1".to_owned();
    let cases: Vec<(Vec<&str>, &str, i32)> = vec![
        // A wildcard action (`sagemaker:Describe*`) on a wildcard resource (`model/*`).
        (vec!["sagemaker:DescribeModel", &model], "yes", 0),
        (vec!["sagemaker:DescribeModelPackage", &secret], "yes", 0),
        // An explicit deny beats the allow; `?` is exactly one character.
        (vec!["sagemaker:DescribeModel", &secret], "no", 1),
        (vec!["sagemaker:DescribeModel", &secret_long], "yes", 0),
        // Action case is ignored, as IAM ignores it.
        (vec!["SageMaker:describemodel", &secret], "no", 1),
        // Deploy-time partition, region and account are the deployment's own: the ARN's.
        (vec!["sagemaker:DescribeModel", &other_account], "yes", 0),
        // NotAction: every action but the listed ones, on the named resource only.
        (vec!["s3:GetObject", "arn:aws:s3:::scratch-bucket/a"], "yes", 0),
        (vec!["s3:DeleteObject", "arn:aws:s3:::scratch-bucket/a"], "no", 1),
        (vec!["s3:PutBucketPolicy", "arn:aws:s3:::scratch-bucket/a"], "no", 1),
        (vec!["s3:PutObject", "arn:aws:s3:::other-bucket/a"], "no", 1),
        // NotResource: every resource but the listed ones.
        (vec!["s3:GetObject", "arn:aws:s3:::public-data/a"], "yes", 0),
        (vec!["s3:GetObject", "arn:aws:s3:::private-data/a"], "no", 1),
        // A condition the request does not give: yes, if.
        (vec!["s3:PutObject", "arn:aws:s3:::uploads-bucket/a"], "yes, if StringEquals s3:x-amz-acl [private]", 1),
        (vec!["s3:PutObject", "arn:aws:s3:::uploads-bucket/a", "--assume-conditions"], "yes, if", 0),
        (vec!["s3:PutObject", "arn:aws:s3:::uploads-bucket/a", "--context", "s3:x-amz-acl=private"], "yes", 0),
        (vec!["s3:PutObject", "arn:aws:s3:::uploads-bucket/a", "--context", "s3:x-amz-acl=public-read"], "no", 1),
        // IfExists: a missing key passes; a present one must match.
        (vec!["s3:ListBucket", "arn:aws:s3:::home-bucket", "--context", "!s3:prefix"], "yes", 0),
        (vec!["s3:ListBucket", "arn:aws:s3:::home-bucket", "--context", "s3:prefix=home/alice"], "yes", 0),
        (vec!["s3:ListBucket", "arn:aws:s3:::home-bucket", "--context", "s3:prefix=etc/"], "no", 1),
        // Numeric operators compare numbers.
        (
            vec!["ec2:CreateVolume", "arn:aws:ec2:us-west-2:111122223333:volume/v", "--context", "ec2:VolumeSize=50"],
            "yes",
            0,
        ),
        (
            vec!["ec2:CreateVolume", "arn:aws:ec2:us-west-2:111122223333:volume/v", "--context", "ec2:VolumeSize=100"],
            "yes",
            0,
        ),
        (
            vec!["ec2:CreateVolume", "arn:aws:ec2:us-west-2:111122223333:volume/v", "--context", "ec2:VolumeSize=101"],
            "no",
            1,
        ),
        // Without a resource: any resource the action takes, less what a deny takes back.
        (
            vec!["sagemaker:DescribeModel"],
            "yes, if the resource is any model but `arn:aws:sagemaker:us-west-2:111122223333:model/secret-?`",
            1,
        ),
        (vec!["sagemaker:DeleteCluster"], "no", 1),
        (
            vec!["s3:GetObject"],
            "yes, if the resource is any accesspointobject or any object but `arn:aws:s3:::private-*/*`",
            1,
        ),
        // Nothing allows it.
        (vec!["iam:PassRole", "arn:aws:iam::111122223333:role/x"], "no", 1),
    ];
    let mut failures = Vec::new();
    for (words, expected, code) in &cases {
        let mut args = vec![RULES, "--as", "scientist/lab"];
        args.extend(words);
        let (first, stdout, exit) = can(&args);
        if !first.starts_with(expected) || exit != *code || (*expected == "yes" && first != "yes") {
            failures.push(format!(
                "can {}: expected `{expected}` (exit {code}), got exit {exit}:\n{stdout}",
                words.join(" ")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn managed_policies_and_boundaries_are_unknown_never_guessed() {
    // Nothing of the tool's allows it, and the AWS managed policy's document is not in the model.
    let (first, stdout, code) = can(&[
        RULES,
        "--as",
        "admin/ops",
        "ec2:DeleteVolume",
        "arn:aws:ec2:us-west-2:111122223333:volume/v",
        "--explain",
    ]);
    assert_eq!(first, "unknown: managed policy arn:aws:iam::aws:policy/ReadOnlyAccess", "{stdout}");
    assert_eq!(code, 1);
    assert!(stdout.contains("not evaluated, could allow it"), "{stdout}");
    // An explicit deny is a no whatever the managed policy says... and the tool's own allow
    // meets a permissions boundary whose document is not known: unknown.
    let arn = "arn:aws-us-gov:sagemaker:us-gov-west-1:123456789012:cluster/q1w2e3r4t5y6";
    let (first, stdout, code) =
        can(&["examples/slurm-govcloud.yaml", "--as", "admin/ops", "sagemaker:DescribeCluster", arn, "--explain"]);
    assert_eq!(first, "unknown: permissions boundary arn:aws-us-gov:iam::123456789012:policy/Boundary", "{stdout}");
    assert_eq!(code, 1);
    assert!(stdout.contains("allowed by cloudformation.yaml"), "the tool's own grant is named:\n{stdout}");
}

#[test]
fn pinned_partition_region_and_account_do_not_match_others() {
    let ask = |arn: &str| can(&["examples/eks-china.json", "--as", "admin/platform", "sagemaker:DescribeCluster", arn]);
    let own = "arn:aws-cn:sagemaker:cn-north-1:210987654321:cluster/abcdef012345";
    assert_eq!(ask(own).0, "yes", "{}", ask(own).1);
    for other in [
        "arn:aws-cn:sagemaker:cn-north-1:111122223333:cluster/abcdef012345",
        "arn:aws-cn:sagemaker:cn-northwest-1:210987654321:cluster/abcdef012345",
        "arn:aws:sagemaker:cn-north-1:210987654321:cluster/abcdef012345",
    ] {
        let (first, stdout, code) = ask(other);
        assert_eq!((first.as_str(), code), ("no", 1), "{other}:\n{stdout}");
    }
}

/// permissions.md: admins do every admin task; scientists connect, describe and run jobs in
/// their own namespace but cannot create, update or delete clusters or nodes, pass roles, or
/// reach another team's namespace; execution roles cannot do admin work. On the built-in example
/// (no spec: EKS, admin `platform`, teams `nlp` (namespace `nlp`) and `vision`).
#[test]
fn the_promises_of_permissions_md() {
    let cluster = format!("{SM}:cluster/abcdef012345");
    let eks = "arn:aws:eks:us-west-2:111122223333:cluster/ml-eks";
    let exec = "arn:aws:iam::111122223333:role/ml-research-exec-compute";
    let yes: Vec<Vec<&str>> = vec![
        vec!["--as", "admin/platform", "sagemaker:CreateCluster"],
        vec!["--as", "admin/platform", "sagemaker:UpdateCluster", &cluster],
        vec!["--as", "admin/platform", "sagemaker:DeleteCluster", &cluster],
        vec!["--as", "admin/platform", "sagemaker:BatchDeleteClusterNodes", &cluster],
        vec![
            "--as",
            "admin/platform",
            "iam:PassRole",
            exec,
            "--context",
            "iam:PassedToService=sagemaker.amazonaws.com",
        ],
        vec!["--as", "admin/platform", "create", "clusterroles.rbac.authorization.k8s.io"],
        vec!["--as", "admin/platform", "delete", "pods", "-n", "vision"],
        vec!["--as", "scientist/nlp", "eks:DescribeCluster", eks],
        vec!["--as", "scientist/nlp", "sagemaker:DescribeCluster", &cluster],
        vec!["--as", "scientist/nlp", "create", "hyperpodpytorchjobs.sagemaker.amazonaws.com", "-n", "nlp"],
        vec!["--as", "scientist/nlp", "get", "pods/log", "-n", "nlp"],
        vec!["--as", "scientist/nlp", "list", "nodes"],
        vec![
            "--as",
            "scientist/nlp",
            "get",
            "customresourcedefinitions.apiextensions.k8s.io/hyperpodpytorchjobs.sagemaker.amazonaws.com",
        ],
    ];
    let no: Vec<Vec<&str>> = vec![
        vec!["--as", "scientist/nlp", "sagemaker:CreateCluster"],
        vec!["--as", "scientist/nlp", "sagemaker:UpdateCluster", &cluster],
        vec!["--as", "scientist/nlp", "sagemaker:DeleteCluster", &cluster],
        vec!["--as", "scientist/nlp", "sagemaker:BatchDeleteClusterNodes", &cluster],
        vec!["--as", "scientist/nlp", "sagemaker:BatchRebootClusterNodes"],
        vec!["--as", "scientist/nlp", "iam:PassRole", exec, "--context", "iam:PassedToService=sagemaker.amazonaws.com"],
        vec!["--as", "scientist/nlp", "iam:PassRole"],
        vec![
            "--as",
            "scientist/nlp",
            "create",
            "hyperpodpytorchjobs.sagemaker.amazonaws.com",
            "-n",
            "hyperpod-ns-vision",
        ],
        vec!["--as", "scientist/nlp", "get", "pods/log", "-n", "hyperpod-ns-vision"],
        vec!["--as", "scientist/nlp", "delete", "nodes"],
        vec![
            "--as",
            "scientist/nlp",
            "delete",
            "customresourcedefinitions.apiextensions.k8s.io/hyperpodpytorchjobs.sagemaker.amazonaws.com",
        ],
        vec!["--as", "scientist/vision", "get", "pods/log", "-n", "nlp"],
        vec!["--as", "scientist/vision", "create", "hyperpodpytorchjobs.sagemaker.amazonaws.com", "-n", "nlp"],
        vec!["--as", "exec/compute", "sagemaker:DeleteCluster", &cluster],
        vec!["--as", "exec/compute", "sagemaker:CreateCluster"],
        vec!["--as", "exec/compute", "iam:PassRole", exec],
        vec!["--as", "exec/compute", "eks:CreateAccessEntry", eks],
        vec!["--as", "exec/compute", "list", "pods", "-n", "nlp"],
    ];
    let mut failures = Vec::new();
    for (words, expect_yes) in yes.iter().map(|w| (w, true)).chain(no.iter().map(|w| (w, false))) {
        let (first, stdout, code) = can(words);
        let ok = if expect_yes {
            first == "yes" && code == 0
        } else {
            first != "yes" && !first.starts_with("yes, if") && code == 1
        };
        if !ok {
            failures.push(format!(
                "can {}: expected {}, got exit {code}:\n{stdout}",
                words.join(" "),
                if expect_yes { "yes" } else { "no" }
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_example_without_unknown_documents_meets_every_check_of_the_matrix() {
    let mut checked = 0;
    for case in ["ml-research", "eks-minimal", "eks-task-governance", "eks-china", "slurm-minimal", "slurm-custom-vpc"]
    {
        let (_, stdout, code) = can(&[
            &format!("examples/{case}.yaml").replace("eks-china.yaml", "eks-china.json"),
            "--matrix",
            "--format",
            "json",
        ]);
        let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(doc["not_met"], 0, "{case}: {stdout}");
        assert_eq!(code, 0, "{case}");
        let kinds: Vec<&str> =
            doc["personas"].as_array().unwrap().iter().map(|p| p["persona"].as_str().unwrap()).collect();
        assert!(kinds.iter().any(|k| k.starts_with("admin/")), "{case}: {kinds:?}");
        checked += 1;
    }
    assert_eq!(checked, 6);
}

#[test]
fn explain_names_the_file_the_statement_and_the_kubernetes_chain() {
    let (first, stdout, _) =
        can(&["--as", "scientist/nlp", "sagemaker:DescribeCluster", &format!("{SM}:cluster/x"), "--explain"]);
    assert_eq!(first, "yes");
    assert!(stdout.contains("allowed by cloudformation.yaml ScientistNlpPolicy"), "{stdout}");
    let (first, stdout, _) = can(&["--as", "scientist/nlp", "get", "pods/log", "x", "-n", "nlp", "--explain"]);
    assert_eq!(first, "yes");
    for part in [
        "access entry cloudformation.yaml ScientistNlpAccessEntry",
        "groups [",
        "RoleBinding nlp/",
        "whose rule",
        "pods/log",
    ] {
        assert!(stdout.contains(part), "no `{part}` in:\n{stdout}");
    }
    let (first, stdout, _) = can(&["--as", "admin/platform", "delete", "nodes", "--explain"]);
    assert_eq!(first, "yes");
    assert!(stdout.contains("AmazonEKSClusterAdminPolicy allows every request"), "{stdout}");
    let (first, stdout, _) = can(&["--as", "scientist/nlp", "sagemaker:DeleteCluster", "--explain"]);
    assert_eq!(first, "no");
    assert!(stdout.contains("nothing allows it"), "{stdout}");
}

#[test]
fn exit_codes() {
    // Usage: no persona, an unknown persona, an unknown action (with a suggestion), bad words.
    for (args, needle) in [
        (vec!["sagemaker:DeleteCluster"], "--as"),
        (vec!["--as", "scientist/nobody", "sagemaker:DeleteCluster"], "scientist/nlp"),
        (vec!["--as", "boss/x", "sagemaker:DeleteCluster"], "admin/NAME"),
        (vec!["--as", "scientist/nlp", "sagemaker:DeleteClustr"], "did you mean `sagemaker:DeleteCluster`"),
        (vec!["--as", "scientist/nlp"], "no question"),
        (vec!["--as", "scientist/nlp", "iam:PassRole", "-n", "nlp"], "-n"),
        (vec!["--matrix", "--as", "scientist/nlp"], "cannot be used"),
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_hyperpod-iam"))
            .arg("can")
            .args(&args)
            .current_dir(root())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: no `{needle}` in {stderr}");
    }
    // A spec error is 3; a missing file is 4 (I/O), never 1, which means no.
    assert_eq!(can(&["tests/invalid/unknown-key.yaml", "--as", "admin/x", "s3:GetObject"]).2, 3);
    assert_eq!(can(&["no/such/spec.yaml", "--as", "admin/x", "s3:GetObject"]).2, 4);
}

#[test]
fn the_spec_may_come_from_stdin() {
    use std::io::Write as _;
    let mut child = Command::new(env!("CARGO_BIN_EXE_hyperpod-iam"))
        .args(["can", "-", "--as", "scientist/lab", "s3:DeleteObject", "arn:aws:s3:::scratch-bucket/a"])
        .current_dir(root())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(std::fs::read(root().join(RULES)).unwrap().as_slice()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout), "no\n");
    assert_eq!(output.status.code(), Some(1));
}
