//! CloudFormation past one stack: a spec whose one template would pass 500 resources, 200
//! outputs or 1,000,000 bytes gets a `cloudformation/` folder of stacks. Each stack must be
//! within every limit and deployable on its own (no reference to a resource it does not define),
//! the stacks read as one must grant what Terraform grants, teams must stay in their stack when
//! others change, and `deploy.sh` must deploy every stack, core first.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::process::Command;

use common::grants::{self, Env};
use hyperpod_iam::emit::{Artifact, CloudFormation, Emitter, Render, Terraform};
use hyperpod_iam::model::Model;
use hyperpod_iam::spec::{self, Source};
use serde_json::{Map, Value};

/// A spec of `teams` scientist teams (with a pod role and a bucket when `pods`), one admin group
/// and one execution role.
fn spec_text(teams: usize, pods: bool) -> String {
    let mut text = String::from(
        "name: big\norchestrator: eks\ncluster: {eksClusterName: big-eks}\noptions: {podIdentity: true, serviceLinkedRole: true}\n\
         admins: [{name: ops, trustedPrincipals: [\"111122223333\"]}]\n\
         executionRoles: [{name: compute, s3Buckets: [big-lifecycle]}]\nscientists:\n",
    );
    for i in 0..teams {
        let pod = if pods {
            format!(", podRole: {{serviceAccount: train, s3Buckets: [big-team{i}]}}")
        } else {
            String::new()
        };
        text.push_str(&format!("  - {{name: team{i}, trustedPrincipals: [\"111122223333\"]{pod}}}\n"));
    }
    text
}

fn model(text: &str) -> Model {
    spec::load(&Source { name: "big.yaml".into(), text: text.into() }).unwrap_or_else(|d| panic!("{d}"))
}

fn emit(model: &Model) -> Vec<Artifact> {
    CloudFormation.emit(model).unwrap()
}

fn yaml(artifact: &Artifact) -> Value {
    serde_saphyr::from_str(&artifact.contents).unwrap_or_else(|e| panic!("{}: {e}", artifact.path))
}

fn templates(artifacts: &[Artifact]) -> Vec<(String, Value)> {
    artifacts.iter().filter(|a| a.path.ends_with(".yaml")).map(|a| (a.path.clone(), yaml(a))).collect()
}

/// Every logical id a template refers to with `Ref`, `Fn::GetAtt` or `${X.Arn}` in `Fn::Sub`.
fn references(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("Ref", Value::String(id)) => {
                        out.insert(id.clone());
                    }
                    ("Fn::GetAtt", Value::Array(parts)) => {
                        out.insert(parts[0].as_str().unwrap().to_owned());
                    }
                    ("Fn::Sub", Value::String(s)) => {
                        for piece in s.split("${").skip(1) {
                            let name = piece.split('}').next().unwrap();
                            if !name.starts_with("AWS::") && !name.starts_with('!') {
                                out.insert(name.split('.').next().unwrap().to_owned());
                            }
                        }
                    }
                    _ => references(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| references(v, out)),
        _ => {}
    }
}

/// Checks one template against CloudFormation's limits and for dangling references.
fn within_limits(path: &str, contents: &str, template: &Value) {
    let resources = template["Resources"].as_object().unwrap();
    let outputs = template.get("Outputs").and_then(Value::as_object).map_or(0, Map::len);
    assert!(resources.len() <= 500, "{path}: {} resources", resources.len());
    assert!(outputs <= 200, "{path}: {outputs} outputs");
    assert!(contents.len() <= 1_000_000, "{path}: {} bytes", contents.len());
    let mut refs = BTreeSet::new();
    references(template, &mut refs);
    let dangling: Vec<&String> = refs.iter().filter(|r| !resources.contains_key(*r)).collect();
    assert!(dangling.is_empty(), "{path}: refers to {dangling:?}, which it does not define");
}

const ENV: fn() -> Env =
    || Env { partition: "aws-us-gov".into(), region: "us-gov-west-1".into(), account: "123456789012".into() };

#[test]
fn a_small_spec_keeps_one_template() {
    let artifacts = emit(&model(&spec_text(40, true)));
    let paths: Vec<&str> = artifacts.iter().map(|a| a.path.as_str()).collect();
    assert_eq!(paths, ["cloudformation.yaml"]);
}

/// Past one stack, a render shares the stacks among its cores: each stack, and `deploy.sh`, is a
/// part of its own, and the parts, made in any order, are the files of one emit in part order.
/// A spec that one template may hold is one piece of work.
#[test]
fn the_stacks_are_parts_that_make_the_same_files_in_any_order() {
    let small = model(&spec_text(40, true));
    assert!(CloudFormation.parts(&Render::new(&small)).unwrap().is_none());
    let m = model(&spec_text(260, true));
    let render = Render::new(&m);
    let parts = CloudFormation.parts(&render).unwrap().expect("a spec past one stack is divided");
    let whole = emit(&m);
    assert_eq!(parts.count(), whole.len());
    assert!(parts.count() > 3, "{}", parts.count());
    let mut made: Vec<(usize, Vec<Artifact>)> = (0..parts.count())
        .rev()
        .map(|part| {
            let mut files = Vec::new();
            parts.emit(part, &mut files).unwrap();
            (part, files)
        })
        .collect();
    made.sort_by_key(|(part, _)| *part);
    assert_eq!(made.into_iter().flat_map(|(_, files)| files).collect::<Vec<_>>(), whole);
}

/// `render` into a folder runs the stacks as parts on every core, the two cores taking them in
/// turn and ending them in whatever order: the files are those of one emit, and what it says it
/// wrote comes in the order of one emit's files, on every run.
#[test]
fn a_render_of_stacks_on_every_core_writes_the_files_of_one_emit_in_order() {
    let text = spec_text(600, true);
    let m = model(&text);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("split-render");
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("big.yaml"), &text).unwrap();
    for run in 0..5 {
        let out = dir.join(format!("out-{run}"));
        let done = Command::new(env!("CARGO_BIN_EXE_hyperpod-iam"))
            .args(["render", "big.yaml", "--format", "cloudformation", "--out"])
            .arg(&out)
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
        let wrote: Vec<String> = String::from_utf8_lossy(&done.stderr)
            .lines()
            .filter_map(|l| l.strip_prefix("wrote "))
            .map(|l| l.replace(&out.display().to_string(), "OUT"))
            .collect();
        let paths: Vec<String> = emit(&m)
            .into_iter()
            .map(|a| {
                assert_eq!(fs::read_to_string(out.join(&a.path)).unwrap(), a.contents, "{}", a.path);
                format!("OUT/{}", a.path)
            })
            .collect();
        assert_eq!(wrote, paths, "run {run}");
    }
}

/// 99 teams with pod roles fit 500 resources but not 200 outputs: one template would be refused.
#[test]
fn outputs_alone_split_a_template() {
    let m = model(&spec_text(99, true));
    let artifacts = emit(&m);
    let paths: Vec<&str> = artifacts.iter().map(|a| a.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "cloudformation/core.yaml",
            "cloudformation/teams-001.yaml",
            "cloudformation/teams-002.yaml",
            "cloudformation/deploy.sh"
        ]
    );
}

#[test]
fn a_large_spec_splits_into_stacks_that_read_as_one() {
    let m = model(&spec_text(400, true));
    let artifacts = emit(&m);
    let templates = templates(&artifacts);
    assert_eq!(templates.len(), 1 + 8, "core and 400 / 50 team stacks");
    for ((path, t), a) in templates.iter().zip(&artifacts) {
        within_limits(path, &a.contents, t);
    }
    let core = &templates[0].1["Resources"];
    assert!(core.get("HyperPodServiceLinkedRole").is_some() && core.get("AdminOpsRole").is_some());
    assert!(core.get("ExecComputeRole").is_some() && core.get("ScientistTeam0Role").is_none());
    // The admins' PassRole names the execution role of the same stack by GetAtt.
    assert!(templates[0].1.to_string().contains(r#"{"Fn::GetAtt":["ExecComputeRole","Arn"]}"#));
    let first = &templates[1].1["Resources"];
    for id in ["ScientistTeam0Role", "PodTeam0Role", "ScientistTeam49AccessEntry", "PodTeam49PodIdentityAssociation"] {
        assert!(first.get(id).is_some(), "teams-001 lacks {id}");
    }
    assert!(first.get("ScientistTeam50Role").is_none());

    // Read as one, the stacks grant exactly what Terraform grants.
    let one = grants::cfn_as_one(&templates);
    let terraform: Value = serde_json::from_str(&Terraform.emit(&m).unwrap()[0].contents).unwrap();
    let env = ENV();
    let cfn = grants::cfn_roles(&one, &env);
    assert_eq!(cfn.len(), m.roles.len());
    let mut problems = grants::diff_roles(("cloudformation", &cfn), ("terraform", &grants::tf_roles(&terraform, &env)));
    problems.extend(grants::diff_access(
        ("cloudformation", &grants::cfn_access(&one, &env)),
        ("terraform", &grants::tf_access(&terraform, &env)),
    ));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A role of another stack is named by the ARN its fixed name gives, which resolves to the
/// same ARN as a `Fn::GetAtt` would.
#[test]
fn a_reference_across_stacks_is_the_named_arn() {
    // 120 execution roles fill more than one core stack: admins' PassRole then names some of
    // them across stacks.
    let mut text = spec_text(1, false);
    let execs: Vec<String> = (0..120).map(|i| format!("{{name: c{i}}}")).collect();
    text = text.replace(
        "executionRoles: [{name: compute, s3Buckets: [big-lifecycle]}]",
        &format!("executionRoles: [{}]", execs.join(", ")),
    );
    let m = model(&text);
    let artifacts = emit(&m);
    let templates = templates(&artifacts);
    let stems: Vec<&str> = templates.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(stems, ["cloudformation/core.yaml", "cloudformation/core-2.yaml", "cloudformation/teams-001.yaml"]);
    for ((path, t), a) in templates.iter().zip(&artifacts) {
        within_limits(path, &a.contents, t);
    }
    let core = templates[0].1.to_string();
    assert!(core.contains(r#"arn:${AWS::Partition}:iam::${AWS::AccountId}:role/big-exec-c119"#), "{core}");
    let one = grants::cfn_as_one(&templates);
    let env = ENV();
    let admin = &grants::cfn_roles(&one, &env)["big-admin-ops"];
    let pass: BTreeSet<String> =
        admin.grants.iter().filter(|g| g.to_string().contains("iam:PassRole")).map(|g| g.to_string()).collect();
    assert_eq!(pass.len(), 120, "{pass:?}");
    assert!(pass.iter().any(|g| g.contains(&env.role_arn("big-exec-c119"))), "{pass:?}");
}

/// Editing a team changes its own stack only; adding a team at the end changes the last stack
/// only: no role ever moves to another stack, which CloudFormation could not do in place.
#[test]
fn teams_stay_in_their_stack() {
    let base = emit(&model(&spec_text(120, true)));
    let edited_text = spec_text(120, true).replace("[big-team7]", "[big-team7, big-extra]");
    let edited = emit(&model(&edited_text));
    let changed: Vec<&str> =
        base.iter().zip(&edited).filter(|(a, b)| a.contents != b.contents).map(|(a, _)| a.path.as_str()).collect();
    assert_eq!(changed, ["cloudformation/teams-001.yaml"]);

    let grown = emit(&model(&spec_text(121, true)));
    assert_eq!(grown.len(), base.len());
    let changed: Vec<&str> =
        base.iter().zip(&grown).filter(|(a, b)| a.contents != b.contents).map(|(a, _)| a.path.as_str()).collect();
    assert_eq!(changed, ["cloudformation/teams-003.yaml"]);
}

/// The quota-sized spec: 4,998 teams, an admin group and an execution role make 5,000 roles, the
/// most an account holds; every stack is within every limit.
#[test]
fn five_thousand_roles_deploy_in_stacks_within_every_limit() {
    let m = model(&spec_text(4_998, false));
    assert_eq!(m.roles.len(), 5_000);
    let artifacts = emit(&m);
    let templates = templates(&artifacts);
    assert_eq!(templates.len(), 1 + 100);
    for ((path, t), a) in templates.iter().zip(&artifacts) {
        within_limits(path, &a.contents, t);
    }
}

#[cfg(unix)]
#[test]
fn deploy_script_deploys_core_first_then_every_team_stack() {
    let artifacts = emit(&model(&spec_text(130, true)));
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("split-deploy");
    let _ = fs::remove_dir_all(&dir);
    for a in &artifacts {
        let path = dir.join("out").join(&a.path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, &a.contents).unwrap();
    }
    // A fake `aws` that logs its arguments, one call per line.
    let bin = dir.join("bin");
    fs::create_dir_all(&bin).unwrap();
    let log = dir.join("calls.log");
    fs::write(bin.join("aws"), format!("#!/bin/sh\necho \"$*\" >> '{}'\n", log.display())).unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(bin.join("aws"), fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let status = Command::new("sh")
        .arg(dir.join("out/cloudformation/deploy.sh"))
        .args(["my-bucket", "--region", "us-west-2"])
        .env("PATH", path)
        .status()
        .unwrap();
    assert!(status.success());
    let calls = fs::read_to_string(&log).unwrap();
    let calls: Vec<&str> = calls.lines().collect();
    assert_eq!(calls.len(), 4, "{calls:?}");
    assert!(calls[0].contains("--stack-name big-iam-core "), "core goes first: {calls:?}");
    let stacks: BTreeSet<&str> =
        calls.iter().map(|c| c.split("--stack-name ").nth(1).unwrap().split(' ').next().unwrap()).collect();
    assert_eq!(stacks, BTreeSet::from(["big-iam-core", "big-iam-teams-001", "big-iam-teams-002", "big-iam-teams-003"]));
    for call in &calls {
        assert!(call.starts_with("cloudformation deploy --template-file "), "{call}");
        for part in ["--capabilities CAPABILITY_NAMED_IAM", "--s3-bucket my-bucket", "--region us-west-2"] {
            assert!(call.contains(part), "{call}: no `{part}`");
        }
    }
    // Without a bucket it refuses, deploying nothing.
    let out = Command::new("sh").arg(dir.join("out/cloudformation/deploy.sh")).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("usage"));
}

/// cfn-lint accepts the core stack and a team stack of a split spec (every team stack has the
/// same shape), warnings included.
#[test]
fn cfn_lint_accepts_the_split_stacks() {
    let Some(cfn_lint) = common::tools::require_tool("cfn-lint") else {
        return;
    };
    let artifacts = emit(&model(&spec_text(60, true)));
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("split-cfn-lint");
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    let mut files = Vec::new();
    for a in artifacts.iter().filter(|a| a.path.ends_with(".yaml")) {
        let path = dir.join(a.path.replace('/', "-"));
        fs::write(&path, &a.contents).unwrap();
        files.push(path);
    }
    assert_eq!(files.len(), 3);
    let out = Command::new(cfn_lint).arg("--").args(&files).output().unwrap();
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}
