//! The engine (`hyperpod_iam::access::iam`) against an independent IAM policy evaluator,
//! `@cloud-copilot/iam-simulate` (npm, AGPL-3.0-or-later, pinned by
//! `tests/iam-simulate/package-lock.json` and installed by `scripts/install-validators.sh` into
//! `tests/iam-simulate/node_modules`). It runs as a separate `node` process on test input only
//! and never ships in, or links with, the binary.
//!
//! Thousands of (policies, request) pairs are generated from a fixed seed, in the subset both
//! engines support: identity policies of one account; `Action`/`NotAction`,
//! `Resource`/`NotResource` with `*` and `?` wildcards (and a policy variable); the string,
//! numeric, boolean, ARN and `Null` condition operators, with and without `IfExists`, on
//! single-valued global keys; every key the policies name either given or absent (the engine's
//! third answer, "yes, if", is for keys a request leaves open, which the simulator cannot
//! express). Every disagreement is reported with its pair.
//!
//! Without `node` or the installed package the test is skipped with a visible message, and
//! fails under `CI`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::{Map, Value, json};

use common::tools::{find_tool, skip_or_fail};
use hyperpod_iam::access::iam::decide;
use hyperpod_iam::access::{Context, Decision, Request, read};

const SEED: u64 = 0x5eed_1a11_c0de_2026;
const PAIRS: usize = 3000;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// xorshift64*: deterministic, good enough to pick from small lists.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const ACCOUNT: &str = "111122223333";

/// `(action, resources it takes)`: resources of the action's own types, as the simulator
/// checks them.
fn actions() -> Vec<(&'static str, Vec<String>)> {
    let objects: Vec<String> = ["data", "data-2", "dxta", "logs", "private-x"]
        .iter()
        .flat_map(|b| ["a.txt", "team/x", "home/alice/f"].map(|k| format!("arn:aws:s3:::{b}/{k}")))
        .collect();
    let buckets: Vec<String> =
        ["data", "data-2", "logs", "private-x"].iter().map(|b| format!("arn:aws:s3:::{b}")).collect();
    let clusters: Vec<String> = ["abc123", "xyz789"]
        .iter()
        .flat_map(|c| ["us-west-2", "eu-west-1"].map(|r| format!("arn:aws:sagemaker:{r}:{ACCOUNT}:cluster/{c}")))
        .collect();
    let eks: Vec<String> =
        ["ml-eks", "other"].iter().map(|c| format!("arn:aws:eks:us-west-2:{ACCOUNT}:cluster/{c}")).collect();
    vec![
        ("s3:GetObject", objects.clone()),
        ("s3:PutObject", objects.clone()),
        ("s3:DeleteObject", objects),
        ("s3:ListBucket", buckets),
        ("sagemaker:DescribeCluster", clusters.clone()),
        ("sagemaker:DeleteCluster", clusters.clone()),
        ("sagemaker:UpdateCluster", clusters),
        ("eks:DescribeCluster", eks),
    ]
}

const ACTION_PATTERNS: &[&str] = &[
    "s3:*",
    "s3:Get*",
    "s3:*Object",
    "s3:?etObject",
    "S3:getobject",
    "sagemaker:*Cluster",
    "sagemaker:Describe*",
    "eks:Describe*",
    "*",
];

const RESOURCE_PATTERNS: &[&str] = &[
    "*",
    "arn:aws:s3:::data*",
    "arn:aws:s3:::data/*",
    "arn:aws:s3:::*/home/*",
    "arn:aws:s3:::d?ta/*",
    "arn:aws:s3:::${aws:PrincipalTag/team}/*",
    "arn:aws:sagemaker:us-west-2:111122223333:cluster/*",
    "arn:aws:sagemaker:*:*:cluster/abc*",
    "arn:aws:sagemaker:*:111122223333:*",
    "arn:aws:eks:us-west-2:111122223333:cluster/ml-*",
];

/// Single-valued global condition keys, their kind and the values requests and policies use.
const KEYS: &[(&str, &str, &[&str])] = &[
    ("aws:PrincipalTag/team", "string", &["data", "logs", "Data", "ml"]),
    ("aws:RequestedRegion", "string", &["us-west-2", "eu-west-1"]),
    ("aws:SecureTransport", "bool", &["true", "false"]),
    ("aws:MultiFactorAuthAge", "numeric", &["5", "3600", "100000"]),
    (
        "aws:SourceArn",
        "arn",
        &[
            "arn:aws:sagemaker:us-west-2:111122223333:cluster/abc123",
            "arn:aws:eks:us-west-2:111122223333:cluster/ml-eks",
        ],
    ),
];

fn operators(kind: &str) -> &'static [&'static str] {
    match kind {
        "string" => &[
            "StringEquals",
            "StringNotEquals",
            "StringEqualsIgnoreCase",
            "StringNotEqualsIgnoreCase",
            "StringLike",
            "StringNotLike",
        ],
        "bool" => &["Bool"],
        "numeric" => &[
            "NumericEquals",
            "NumericNotEquals",
            "NumericLessThan",
            "NumericLessThanEquals",
            "NumericGreaterThan",
            "NumericGreaterThanEquals",
        ],
        _ => &["ArnLike", "ArnNotLike", "ArnEquals", "ArnNotEquals"],
    }
}

fn one_or_many(rng: &mut Rng, items: Vec<String>) -> Value {
    if items.len() == 1 && rng.chance(50) { json!(items[0]) } else { json!(items) }
}

fn statement(rng: &mut Rng, i: usize, all: &[(&str, Vec<String>)]) -> Value {
    let mut s = Map::new();
    s.insert("Sid".into(), json!(format!("S{i}")));
    s.insert("Effect".into(), json!(if rng.chance(30) { "Deny" } else { "Allow" }));
    let n = 1 + rng.below(2);
    let acts: Vec<String> = (0..n)
        .map(|_| if rng.chance(50) { rng.pick(all).0.to_owned() } else { (*rng.pick(ACTION_PATTERNS)).to_owned() })
        .collect();
    let key = if rng.chance(20) { "NotAction" } else { "Action" };
    s.insert(key.into(), one_or_many(rng, acts));
    let n = 1 + rng.below(2);
    let res: Vec<String> = (0..n)
        .map(|_| {
            if rng.chance(40) {
                let (_, resources) = rng.pick(all);
                rng.pick(resources).clone()
            } else {
                (*rng.pick(RESOURCE_PATTERNS)).to_owned()
            }
        })
        .collect();
    let key = if rng.chance(20) { "NotResource" } else { "Resource" };
    s.insert(key.into(), one_or_many(rng, res));
    if rng.chance(60) {
        let mut block: Map<String, Value> = Map::new();
        for _ in 0..1 + rng.below(2) {
            let (key, kind, values) = rng.pick(KEYS);
            let (operator, value) = if rng.chance(12) {
                ("Null".to_owned(), json!(if rng.chance(50) { "true" } else { "false" }))
            } else {
                let mut op = (*rng.pick(operators(kind))).to_owned();
                if rng.chance(30) {
                    op.push_str("IfExists");
                }
                let mut vals: Vec<String> = (0..1 + rng.below(2)).map(|_| (*rng.pick(values)).to_owned()).collect();
                if op.contains("Like") && rng.chance(50) {
                    vals.push(if *kind == "arn" {
                        "arn:aws:sagemaker:*:*:cluster/*".to_owned()
                    } else {
                        "d*".to_owned()
                    });
                }
                (op, one_or_many(rng, vals))
            };
            let entry = block.entry(operator).or_insert_with(|| json!({}));
            entry.as_object_mut().unwrap().insert((*key).to_owned(), value);
        }
        s.insert("Condition".into(), Value::Object(block));
    }
    Value::Object(s)
}

/// One pair: the policies, and the request with every key given or absent.
fn pair(rng: &mut Rng, all: &[(&str, Vec<String>)]) -> Value {
    let policies: Vec<Value> = (0..1 + rng.below(3))
        .map(|_| {
            let statements: Vec<Value> = (0..1 + rng.below(3)).map(|i| statement(rng, i, all)).collect();
            json!({"Version": "2012-10-17", "Statement": statements})
        })
        .collect();
    let (action, resources) = rng.pick(all);
    let resource = rng.pick(resources).clone();
    let mut context = Map::new();
    for (key, _, values) in KEYS {
        if rng.chance(75) {
            context.insert((*key).to_owned(), json!(rng.pick(values)));
        }
    }
    json!({"policies": policies, "action": action, "resource": resource, "context": context})
}

fn ours(case: &Value) -> String {
    let policies: Vec<_> = case["policies"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, doc)| read::read_policy(&format!("policy{i}"), doc).unwrap())
        .collect();
    let mut context = Context::new();
    for (key, _, _) in KEYS {
        context = match case["context"].get(*key).and_then(Value::as_str) {
            Some(value) => context.with(key, value),
            None => context.absent(key),
        };
    }
    let request =
        Request::new(case["action"].as_str().unwrap(), case["resource"].as_str().unwrap()).with_context(context);
    let refs: Vec<_> = policies.iter().collect();
    match decide(&refs, &request) {
        Decision::Allowed(_) => "Allowed".to_owned(),
        Decision::Denied(_) => "ExplicitlyDenied".to_owned(),
        Decision::ImplicitlyDenied => "ImplicitlyDenied".to_owned(),
        Decision::AllowedIf(by, reqs) => format!("allowed by {by} if {}", reqs.join(" and ")),
    }
}

#[test]
fn the_engine_agrees_with_iam_simulate() {
    let dir = root().join("tests/iam-simulate");
    let Some(node) = find_tool("node") else {
        skip_or_fail("`node` is not on PATH, so the engine is not compared with iam-simulate");
        return;
    };
    if !dir.join("node_modules/@cloud-copilot/iam-simulate/package.json").is_file() {
        skip_or_fail("@cloud-copilot/iam-simulate is not installed in tests/iam-simulate/node_modules");
        return;
    }
    let all = actions();
    let mut rng = Rng(SEED);
    let cases: Vec<Value> = (0..PAIRS).map(|_| pair(&mut rng, &all)).collect();
    let input: String = cases.iter().map(|c| format!("{c}\n")).collect();
    let mut child = Command::new(node)
        .arg("judge.mjs")
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "judge.mjs failed:\n{}", String::from_utf8_lossy(&output.stderr));
    let theirs: Vec<String> = String::from_utf8(output.stdout).unwrap().lines().map(str::to_owned).collect();
    assert_eq!(theirs.len(), cases.len(), "one answer per pair");
    let mut refused = Vec::new();
    let mut disagreements = Vec::new();
    let mut tally = std::collections::BTreeMap::new();
    for (case, their) in cases.iter().zip(&theirs) {
        if their.starts_with("error") {
            refused.push(format!("{their}\n  {case}"));
            continue;
        }
        let our = ours(case);
        *tally.entry(their.clone()).or_insert(0) += 1;
        if our != *their {
            disagreements.push(format!("iam-simulate: {their}, engine: {our}\n  {case}"));
        }
    }
    eprintln!(
        "iam-simulate: {} pairs compared, {} refused by it; its answers: {tally:?}",
        cases.len() - refused.len(),
        refused.len()
    );
    assert!(
        refused.len() * 20 < cases.len(),
        "iam-simulate refused {} of {} pairs, the generator leaves the common subset:\n{}",
        refused.len(),
        cases.len(),
        refused.iter().take(5).cloned().collect::<Vec<_>>().join("\n")
    );
    // Both answers occur often enough for the comparison to mean something.
    for answer in ["Allowed", "ExplicitlyDenied", "ImplicitlyDenied"] {
        assert!(tally.get(answer).copied().unwrap_or(0) * 20 > cases.len(), "too few `{answer}`: {tally:?}");
    }
    assert!(
        disagreements.is_empty(),
        "{} of {} pairs disagree; the first ones:\n{}",
        disagreements.len(),
        cases.len(),
        disagreements.iter().take(10).cloned().collect::<Vec<_>>().join("\n")
    );
}
