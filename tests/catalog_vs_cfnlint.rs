//! The catalog must say what cfn-lint's W3037 says: an action is unknown to one exactly when it
//! is unknown to the other, except for the actions that `src/catalog/data/cfn-lint-differences.txt`
//! lists, where the two catalogs differ (the generator compares them), and where the verdicts must
//! differ that way. Each action goes into its own `AWS::IAM::ManagedPolicy`, so that a W3037
//! finding points at one action.

// Test code: clippy's allow-*-in-tests covers `#[test]` functions, not their helpers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use hyperpod_iam::catalog::{ActionLookup, catalog};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::process::Command;

/// Misspellings of actions hyperpod-iam grants, and other edge cases; the actions it grants
/// come from its permission tables.
const CHOSEN: &[&str] = &[
    "sts:AssumeRole",
    "sts:TagSession",
    // Unknown.
    "sagemaker:DescribeCluterNode",
    "sagemaker:ListClusterSchedulerConfig",
    "sagemaker:DeleteClusterNodes",
    "sagemakr:ListClusters",
    "ListClusters",
    // Case is ignored by both.
    "SageMaker:listclusters",
    "S3:GETOBJECT",
];

/// Patterns: compared with whether [`Catalog::expand`] finds anything.
const PATTERNS: &[&str] = &[
    "sagemaker:Describe*",
    "sagemaker:*",
    "sagemaker:*ClusterNode?",
    "s3:Get?bject",
    "sagemaker:Nope*",
    "s3:Get?",
    "sagemakr:*",
];

/// The pinned cfn-lint version the differences were computed against, and each action that only
/// one catalog knows (lower case) with `true` when it is the embedded catalog.
fn differences() -> (String, BTreeMap<String, bool>) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/catalog/data/cfn-lint-differences.txt");
    let text = fs::read_to_string(path).unwrap();
    let mut version = None;
    let mut actions = BTreeMap::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        if let Some(v) = line.strip_prefix("cfn-lint ") {
            version = Some(format!("cfn-lint {v}"));
        } else if let Some(a) = line.strip_prefix("+ ") {
            actions.insert(a.to_string(), true);
        } else if let Some(a) = line.strip_prefix("- ") {
            actions.insert(a.to_string(), false);
        } else {
            panic!("{path}: unexpected line `{line}`");
        }
    }
    (version.unwrap(), actions)
}

/// cfn-lint's verdict on each action: `true` when W3037 flags it.
fn cfn_lint_flags(cfn_lint: &std::path::Path, actions: &[String]) -> Vec<bool> {
    let resources: serde_json::Map<String, Value> = actions
        .iter()
        .enumerate()
        .map(|(i, action)| {
            let policy = json!({
                "Type": "AWS::IAM::ManagedPolicy",
                "Properties": {"PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}],
                }},
            });
            (format!("P{i}"), policy)
        })
        .collect();
    let template = json!({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources});
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("catalog_vs_cfnlint");
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join("actions.json");
    fs::write(&path, serde_json::to_string_pretty(&template).unwrap()).unwrap();

    let out = Command::new(cfn_lint).args(["--format", "json", "--"]).arg(&path).output().unwrap();
    // Exit status is a bit mask: 2 error, 4 warning, 8 info; 1 means cfn-lint itself failed.
    let code = out.status.code().unwrap();
    assert_eq!(code & 1, 0, "cfn-lint failed: {}", String::from_utf8_lossy(&out.stderr));
    let findings: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let flagged: BTreeSet<usize> = findings
        .iter()
        .filter(|f| f["Rule"]["Id"] == "W3037")
        .map(|f| {
            let id = f["Location"]["Path"][1].as_str().unwrap();
            id.strip_prefix('P').unwrap().parse().unwrap()
        })
        .collect();
    (0..actions.len()).map(|i| flagged.contains(&i)).collect()
}

#[test]
fn catalog_agrees_with_cfn_lint_w3037() {
    let Some(cfn_lint) = common::tools::require_tool("cfn-lint") else {
        return;
    };
    let version = Command::new(&cfn_lint).arg("--version").output().unwrap();
    let version = String::from_utf8_lossy(&version.stdout).trim().to_string();
    let (compared, known_to_one) = differences();
    if version != compared {
        common::tools::skip_or_fail(&format!(
            "{} is `{version}`, the catalog was compared with `{compared}`",
            cfn_lint.display()
        ));
        return;
    }

    // The granted and chosen actions, every service once (its first action), and a misspelling
    // in every tenth.
    let c = catalog();
    let granted = hyperpod_iam::model::permissions::TABLES.iter().flat_map(|(_, table)| table.iter());
    let mut actions: Vec<String> = granted
        .flat_map(|grant| grant.actions.iter().map(|a| a.to_string()))
        .chain(CHOSEN.iter().map(|a| a.to_string()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    for (i, prefix) in c.services().enumerate() {
        if let Some(first) = c.expand(&format!("{prefix}:*")).into_iter().next() {
            if i % 10 == 0 {
                actions.push(format!("{first}x"));
                actions.push(first[..first.len() - 1].to_string());
            }
            actions.push(first);
        }
    }
    // Where the catalogs differ: every action only one of them knows.
    actions.extend(known_to_one.keys().cloned());
    let singles = actions.len();
    actions.extend(PATTERNS.iter().map(|p| p.to_string()));

    let flagged = cfn_lint_flags(&cfn_lint, &actions);
    assert!(
        flagged.iter().any(|&f| f) && !flagged.iter().all(|&f| f),
        "cfn-lint should flag some actions and pass others: {flagged:?}"
    );
    let mut unexpected = Vec::new();
    for (i, (action, cfn_lint_unknown)) in actions.iter().zip(flagged).enumerate() {
        let ours_unknown =
            if i < singles { !matches!(c.lookup(action), ActionLookup::Found(_)) } else { c.expand(action).is_empty() };
        // An action only the catalog knows is unknown to cfn-lint, and the other way round.
        let expected = match known_to_one.get(&action.to_ascii_lowercase()) {
            Some(&ours_only) if i < singles => ours_only,
            _ => ours_unknown,
        };
        if ours_unknown == cfn_lint_unknown && known_to_one.contains_key(&action.to_ascii_lowercase()) {
            unexpected
                .push(format!("{action}: listed as known to one catalog only, but both say {}", verdict(ours_unknown)));
        } else if cfn_lint_unknown != expected {
            unexpected.push(format!(
                "{action}: cfn-lint {}, catalog {}",
                verdict(cfn_lint_unknown),
                verdict(ours_unknown)
            ));
        }
    }
    assert!(known_to_one.len() > 10, "the differences file lists {} actions", known_to_one.len());
    assert!(unexpected.is_empty(), "{}", unexpected.join("\n"));
}

fn verdict(unknown: bool) -> &'static str {
    if unknown { "unknown" } else { "known" }
}
