//! The tasks as tests (issue 8): every persona of every golden case can do each of its tasks in
//! `tests/data/tasks.md` and none of the things it must not, judged by the access-evaluation
//! engine (`hyperpod_iam::access`) on the rendered `cloudformation.yaml` and `rbac.yaml`.
//!
//! The checks are data, `src/access/tasks.yaml` (its header says how to read it), read through
//! the library's `access::tasks`, the same copy `hyperpod-iam can --matrix` embeds. Each golden
//! case is read with its spec from `examples/<case>` (for the personas, options and names), in
//! the spec's own partition, region and account, else `aws`, `us-west-2`, `111122223333`. Every
//! failure is reported at once, naming case, persona, task, request and the engine's answer.
//!
//! `tests/data/tasks-v2/` is a hand-made output of permissions.md version 2 for one spec: the
//! proof that the checks pass on correct output, and, mutated, that they fail on wrong output.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use hyperpod_iam::access::tasks::{self, FACTS, PERSONA_KINDS, Tasks};
use hyperpod_iam::access::{Deployment, Environment, Items, Policy, Statement, read};
use hyperpod_iam::model::{self, Config, Effect, Orchestrator};
use hyperpod_iam::spec::{self, Source};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn tasks() -> Tasks {
    Tasks::builtin().unwrap_or_else(|e| panic!("{e}"))
}

struct Outcome {
    checks: usize,
    failures: Vec<String>,
}

/// The permissions boundaries a spec names are existing policies whose contents are the user's:
/// the checks take them to allow what the tasks need (recorded in every answer's explanation),
/// so that what is judged is what this tool grants.
fn assume_boundaries_allow(deployment: &mut Deployment) {
    let boundaries: BTreeSet<String> =
        deployment.roles.values().filter_map(|r| r.permissions_boundary.clone()).collect();
    for arn in boundaries {
        let allow_all = Statement {
            sid: Some("AssumedToAllowTheTasks".to_owned()),
            effect: Effect::Allow,
            principal: None,
            actions: Items::Is(vec!["*".to_owned()].into()),
            resources: Some(Items::Is(vec!["*".to_owned()].into())),
            conditions: Vec::new(),
        };
        let policy = Policy { source: "tests/tasks.rs".to_owned(), statements: vec![allow_all] };
        deployment.known_policies.insert(arn, policy);
    }
}

fn run(case: &str, config: &Config, model: &model::Model, deployment: &Deployment, env: &Environment) -> Outcome {
    let mut deployment = deployment.clone();
    assume_boundaries_allow(&mut deployment);
    let personas = tasks::personas(config, model, env);
    let runs = tasks::run(&tasks(), &deployment, &personas, true).unwrap_or_else(|e| panic!("{case}: {e}"));
    let mut outcome = Outcome { checks: 0, failures: Vec::new() };
    for run in runs {
        let persona = &run.persona;
        let who = format!("{case}: {}/{} ({})", persona.kind, persona.entry, persona.role_name);
        for check in &run.checks {
            outcome.checks += 1;
            if !check.met() {
                outcome.failures.push(format!(
                    "{who}: {}: {} `{}`: {}\n      {}",
                    check.label,
                    check.expect.word(),
                    check.request,
                    check.answer.verdict,
                    check.answer.explanation.join("\n      ")
                ));
            }
        }
    }
    outcome
}

/// The spec behind a golden case, parsed into configuration and model.
fn load_spec(path: &Path, name: &str) -> (Config, model::Model) {
    let source = Source { name: name.to_owned(), text: fs::read_to_string(path).unwrap() };
    let config = spec::read(&source).unwrap_or_else(|d| panic!("{name}: {d}")).config;
    let model = model::build(&config);
    (config, model)
}

fn environment(model: &model::Model) -> Environment {
    tasks::environment(model)
}

/// The CloudFormation of an output folder as one template: `cloudformation.yaml`, or the stacks
/// of `cloudformation/` put together (as JSON, which is YAML too), with the name to report.
fn cloudformation_of(dir: &Path, label: &str) -> (String, String) {
    if dir.join("cloudformation.yaml").is_file() {
        return (format!("{label}/cloudformation.yaml"), fs::read_to_string(dir.join("cloudformation.yaml")).unwrap());
    }
    let mut stacks: Vec<PathBuf> =
        fs::read_dir(dir.join("cloudformation")).unwrap().flatten().map(|e| e.path()).collect();
    stacks.retain(|p| p.extension().is_some_and(|x| x == "yaml"));
    stacks.sort();
    let mut resources = serde_json::Map::new();
    let mut outputs = serde_json::Map::new();
    for path in &stacks {
        let t: serde_json::Value = serde_saphyr::from_str(&fs::read_to_string(path).unwrap()).unwrap();
        for (id, r) in t["Resources"].as_object().unwrap() {
            assert!(resources.insert(id.clone(), r.clone()).is_none(), "{}: `{id}` is in two stacks", path.display());
        }
        outputs.extend(t.get("Outputs").and_then(|o| o.as_object()).cloned().unwrap_or_default());
    }
    let one = serde_json::json!({"Resources": resources, "Outputs": outputs});
    (format!("{label}/cloudformation/"), serde_json::to_string_pretty(&one).unwrap())
}

/// Reads an output folder (`cloudformation.yaml` or `cloudformation/`, and `rbac.yaml` when
/// present).
fn read_output(dir: &Path, label: &str, env: &Environment) -> Deployment {
    let (cfn_name, cfn) = cloudformation_of(dir, label);
    let rbac = fs::read_to_string(dir.join("rbac.yaml")).ok();
    let rbac_name = format!("{label}/rbac.yaml");
    read::deployment((&cfn_name, &cfn), rbac.as_deref().map(|t| (rbac_name.as_str(), t)), env)
        .unwrap_or_else(|e| panic!("{e}"))
}

fn report(outcome: &Outcome, what: &str) {
    if !outcome.failures.is_empty() {
        for f in &outcome.failures {
            eprintln!("{f}");
        }
        panic!("{} of {} task checks failed on {what}", outcome.failures.len(), outcome.checks);
    }
}

/// Every example spec, sorted; each is a golden case of the same name (`tests/golden.rs`).
fn examples() -> Vec<PathBuf> {
    let mut specs: Vec<PathBuf> = fs::read_dir(root().join("examples"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml" | "json")))
        .collect();
    specs.sort();
    specs
}

#[test]
fn every_golden_case_does_its_tasks_and_nothing_it_must_not() {
    let specs = examples();
    let mut total = Outcome { checks: 0, failures: Vec::new() };
    let mut cases = 0;
    for path in &specs {
        let case = path.file_stem().unwrap().to_string_lossy().into_owned();
        let dir = root().join("golden").join(&case);
        if !dir.join("cloudformation.yaml").is_file() && !dir.join("cloudformation").is_dir() {
            continue;
        }
        let (config, model) = load_spec(path, &format!("examples/{}", path.file_name().unwrap().to_string_lossy()));
        if model.orchestrator == Orchestrator::Eks && !model.kubernetes.as_ref().is_none_or(|k| k.is_empty()) {
            assert!(dir.join("rbac.yaml").is_file(), "golden/{case}: an eks case with teams has no rbac.yaml");
        }
        let env = environment(&model);
        let deployment = read_output(&dir, &format!("golden/{case}"), &env);
        let outcome = run(&case, &config, &model, &deployment, &env);
        assert!(outcome.checks > 0, "golden/{case}: no check applied");
        total.checks += outcome.checks;
        total.failures.extend(outcome.failures);
        cases += 1;
    }
    assert!(cases >= 5, "only {cases} golden cases with a cloudformation.yaml");
    report(&total, &format!("{cases} golden cases"));
}

/// `case: persona: task: expectation `request``, and the first word of the answer: what a failure
/// says without the explanation, whose labels name the file or the model.
fn failure_keys(failures: &[String]) -> BTreeSet<String> {
    failures
        .iter()
        .map(|f| {
            let first = f.lines().next().unwrap_or_default();
            match first.rsplit_once("`: ") {
                Some((head, verdict)) => {
                    format!("{head}`: {}", verdict.split([' ', ',', ':']).next().unwrap_or_default())
                }
                None => first.to_owned(),
            }
        })
        .collect()
}

/// `can` answers from the model (`Deployment::from_model`): it must answer every check as the
/// rendered files do.
#[test]
fn the_model_answers_every_check_as_its_rendered_files_do() {
    let mut compared = 0;
    for path in examples() {
        let case = path.file_stem().unwrap().to_string_lossy().into_owned();
        let dir = root().join("golden").join(&case);
        if !dir.join("cloudformation.yaml").is_file() && !dir.join("cloudformation").is_dir() {
            continue;
        }
        let (config, model) = load_spec(&path, &case);
        let env = environment(&model);
        let from_files = run(&case, &config, &model, &read_output(&dir, &format!("golden/{case}"), &env), &env);
        let from_model = run(&case, &config, &model, &Deployment::from_model(&model, &env), &env);
        assert_eq!(from_files.checks, from_model.checks, "{case}");
        let (files, model) = (failure_keys(&from_files.failures), failure_keys(&from_model.failures));
        let only_files: Vec<_> = files.difference(&model).collect();
        let only_model: Vec<_> = model.difference(&files).collect();
        assert!(
            only_files.is_empty() && only_model.is_empty(),
            "{case}: answers differ\nonly from the files:\n{only_files:#?}\nonly from the model:\n{only_model:#?}"
        );
        compared += 1;
    }
    assert!(compared >= 5, "only {compared} cases compared");
}

// ---------------------------------------------------------------------------------------------
// The hand-made version-2 output

/// The hand-made outputs: EKS with every option of version 2, and Slurm pinned to GovCloud.
const FIXTURES: &[(&str, usize)] = &[("tasks-v2", 300), ("tasks-v2-slurm", 60)];

fn fixture(name: &str) -> (Config, model::Model, Environment, PathBuf) {
    let dir = root().join("tests/data").join(name);
    let (config, model) = load_spec(&dir.join("spec.yaml"), &format!("tests/data/{name}/spec.yaml"));
    let env = environment(&model);
    (config, model, env, dir)
}

#[test]
fn a_hand_made_version_2_output_passes_every_check() {
    for (name, at_least) in FIXTURES {
        let (config, model, env, dir) = fixture(name);
        let deployment = read_output(&dir, name, &env);
        let outcome = run(name, &config, &model, &deployment, &env);
        assert!(outcome.checks > *at_least, "only {} checks ran on {name}", outcome.checks);
        report(&outcome, name);
    }
}

/// A fixture with one grant taken away or widened: the named check must fail, with an
/// explanation.
fn failures_after(name: &str, edit: &dyn Fn(&mut Deployment)) -> Vec<String> {
    let (config, model, env, dir) = fixture(name);
    let mut deployment = read_output(&dir, name, &env);
    edit(&mut deployment);
    run(name, &config, &model, &deployment, &env).failures
}

fn assert_fails(failures: &[String], expected: &[&str]) {
    for e in expected {
        assert!(
            failures.iter().any(|f| f.contains(e)),
            "no failure contains `{e}`; failures:\n{}",
            failures.join("\n")
        );
    }
}

#[test]
fn the_checks_fail_without_the_scientists_access_entry_grant() {
    let failures = failures_after("tasks-v2", &|d| {
        for role in d.roles.values_mut() {
            for policy in &mut role.policies {
                policy.statements.retain(|s| s.sid.as_deref() != Some("DescribeOwnAccessEntry"));
            }
        }
    });
    assert_fails(
        &failures,
        &[
            "scientist/nlp (v2demo-scientist-nlp): A2: can `eks:DescribeAccessEntry",
            "no statement allows it (implicit deny)",
        ],
    );
}

#[test]
fn the_checks_fail_without_the_hyperpodpytorchjobs_rule_or_the_service_account() {
    let failures = failures_after("tasks-v2", &|d| {
        let rbac = d.rbac.as_mut().unwrap();
        for role in &mut rbac.roles {
            role.rules.retain(|r| !r.resources.iter().any(|x| x == "hyperpodpytorchjobs"));
        }
        rbac.service_accounts.clear();
    });
    assert_fails(
        &failures,
        &[
            "A3: can `create hyperpodpytorchjobs.sagemaker.amazonaws.com -n nlp`",
            "no binding in tasks-v2/rbac.yaml allows it",
            "pod/nlp (v2demo-pod-nlp): permissions.md: can `ServiceAccount nlp/training`",
        ],
    );
}

#[test]
fn the_checks_fail_when_a_pod_role_trusts_any_association() {
    let failures = failures_after("tasks-v2", &|d| {
        for role in d.roles.values_mut() {
            for s in &mut role.trust.statements {
                s.conditions.clear();
            }
        }
    });
    assert_fails(
        &failures,
        &["pod/nlp (v2demo-pod-nlp): assumed from another namespace: cannot `service:pods.eks.amazonaws.com"],
    );
}

#[test]
fn the_checks_fail_when_a_binding_reaches_another_team() {
    let failures = failures_after("tasks-v2", &|d| {
        let rbac = d.rbac.as_mut().unwrap();
        for b in &mut rbac.bindings {
            if b.namespace.as_deref() == Some("hyperpod-ns-vision") {
                b.subjects.push(hyperpod_iam::access::Subject::Group("v2demo-scientist-nlp".to_owned()));
            }
        }
    });
    assert_fails(
        &failures,
        &[
            "scientist/nlp (v2demo-scientist-nlp): another team's namespace: cannot `create hyperpodpytorchjobs.sagemaker.amazonaws.com -n hyperpod-ns-vision`: yes",
        ],
    );
}

#[test]
fn the_checks_fail_when_sessions_are_anyones() {
    let failures = failures_after("tasks-v2-slurm", &|d| {
        for role in d.roles.values_mut() {
            for policy in &mut role.policies {
                for s in &mut policy.statements {
                    if s.sid.as_deref() == Some("OwnSessions") {
                        s.conditions.clear();
                    }
                }
            }
        }
    });
    assert_fails(
        &failures,
        &[
            "scientist/research (v2gov-scientist-research): someone else's Session Manager session: cannot `ssm:TerminateSession",
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// The data itself

#[test]
fn tasks_yaml_is_well_formed_and_cites_real_tasks() {
    let file = tasks();
    let tasks_md = fs::read_to_string(root().join("tests/data/tasks.md")).unwrap();
    assert!(
        tasks_md.starts_with("<!-- Copied verbatim from ../shared/reference/tasks.md"),
        "tasks.md says where it is from"
    );
    let personas: BTreeSet<&str> = file.personas.keys().map(String::as_str).collect();
    assert_eq!(personas, PERSONA_KINDS.iter().copied().collect(), "one section per persona");
    for (persona, checks) in &file.personas {
        for (expect, entries) in
            [("can", &checks.can), ("cannot", &checks.cannot), ("not_granted", &checks.not_granted)]
        {
            for entry in entries {
                let at = format!("tasks.yaml {persona}.{expect} {}", entry.label());
                let requests = entry.aws.len() + entry.k8s.len() + entry.assume.len() + entry.object.len();
                assert!(requests > 0, "{at}: no request");
                match expect {
                    "cannot" => assert!(entry.what.is_some() && entry.task.is_none(), "{at}: a must-not says `what`"),
                    _ => assert!(entry.task.is_some() && entry.what.is_none(), "{at}: a task entry says `task`"),
                }
                assert_eq!(entry.reason.is_some(), expect == "not_granted", "{at}: a reason is for not_granted only");
                if entry.task.as_deref() == Some("permissions.md") {
                    assert!(entry.note.is_some(), "{at}: a grant from permissions.md says why in `note`");
                } else if let Some(task) = &entry.task {
                    let cited = [format!("| {task} "), format!("| **{task} ")];
                    assert!(cited.iter().any(|c| tasks_md.contains(c.as_str())), "{at}: no task `{task}` in tasks.md");
                }
            }
        }
    }
}

#[test]
fn every_task_of_tasks_md_for_a_persona_is_accounted_for() {
    // Tasks without any AWS call or Kubernetes request of their own (A2b reads the kubeconfig),
    // or that are facts rather than tasks (D3).
    const NO_REQUESTS: &[&str] = &["A2b", "D3"];
    let file = tasks();
    let cited: BTreeSet<String> = file
        .personas
        .values()
        .flat_map(|c| c.can.iter().chain(&c.not_granted))
        .filter_map(|e| e.task.clone())
        .collect();
    let tasks_md = fs::read_to_string(root().join("tests/data/tasks.md")).unwrap();
    let mut missing = Vec::new();
    for line in tasks_md.lines() {
        let Some(rest) = line.strip_prefix("| ") else { continue };
        let id: String = rest.trim_start_matches("**").chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
        let is_task = id.len() >= 2
            && id.starts_with(['A', 'B', 'C', 'D', 'E'])
            && id[1..].starts_with(|c: char| c.is_ascii_digit());
        if is_task && !cited.contains(&id) && !NO_REQUESTS.contains(&id.as_str()) {
            missing.push(id);
        }
    }
    assert!(missing.is_empty(), "tasks of tasks.md that tasks.yaml neither checks nor records: {missing:?}");
}

#[test]
fn checks_data_with_an_unknown_fact_is_refused() {
    let text = "personas:\n  admin:\n    can:\n      - task: E1\n        when: eks & gpu\n        aws: [\"sagemaker:ListClusters *\"]\n";
    let err = Tasks::parse(text).unwrap_err().to_string();
    assert!(err.contains("unknown fact `gpu`"), "{err}");
    assert!(Tasks::parse(&text.replace("gpu", FACTS[0])).is_ok());
}

/// Many teams, pod roles without buckets: every check runs (no placeholder is left undefined),
/// each persona is answered as when asked alone, and a plain spec meets every check.
#[test]
fn many_teams_and_pod_roles_without_buckets() {
    let mut text = String::from(
        "name: many\norchestrator: eks\ncluster: { eksClusterName: many-eks }\noptions: { podIdentity: true }\n\
         admins:\n  - name: ops\n    trustedPrincipals: [\"111122223333\"]\nscientists:\n",
    );
    for i in 0..150 {
        text.push_str(&format!(
            "  - name: team{i}\n    trustedPrincipals: [\"111122223333\"]\n    podRole: {{ serviceAccount: train }}\n"
        ));
    }
    text.push_str("executionRoles:\n  - name: compute\n");
    let config = spec::read(&Source { name: "many.yaml".to_owned(), text }).unwrap_or_else(|d| panic!("{d}")).config;
    let model = model::build(&config);
    let env = environment(&model);
    let deployment = Deployment::from_model(&model, &env);
    let personas = tasks::personas(&config, &model, &env);
    assert!(personas.len() > 300, "{}", personas.len());
    let together = tasks::run(&tasks(), &deployment, &personas, false).unwrap();
    let alone: Vec<_> = personas
        .iter()
        .flat_map(|p| tasks::run(&tasks(), &deployment, std::slice::from_ref(p), false).unwrap())
        .collect();
    assert_eq!(together, alone);
    assert!(together.iter().flat_map(|r| &r.checks).all(|c| c.met()), "every check of a plain spec is met");
}

/// A spec past one stack renders `cloudformation/`: read as one, its stacks let every persona do
/// its tasks as one template would.
#[test]
fn a_split_output_does_its_tasks_read_as_one() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("tasks-split");
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    let mut text = String::from(
        "name: big\norchestrator: eks\ncluster: {eksClusterName: big-eks}\noptions: {podIdentity: true}\n\
         admins: [{name: ops, trustedPrincipals: [\"arn:aws:iam::111122223333:role/Ops\"]}]\n\
         executionRoles: [{name: compute, s3Buckets: [big-lifecycle]}]\nscientists:\n",
    );
    for i in 0..60 {
        text.push_str(&format!(
            "  - {{name: team{i}, trustedPrincipals: [\"arn:aws:iam::111122223333:role/T{i}\"], podRole: {{serviceAccount: train, s3Buckets: [big-team{i}]}}}}\n"
        ));
    }
    let spec_path = dir.join("big.yaml");
    fs::write(&spec_path, &text).unwrap();
    let (config, model) = load_spec(&spec_path, "big.yaml");
    let registry = hyperpod_iam::emit::Registry::builtin();
    for name in ["cloudformation", "kubernetes"] {
        for artifact in registry.get(name).unwrap().emit(&model).unwrap() {
            let path = dir.join("out").join(&artifact.path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, artifact.contents).unwrap();
        }
    }
    let out = dir.join("out");
    assert!(!out.join("cloudformation.yaml").exists() && out.join("cloudformation/teams-002.yaml").is_file());
    let env = environment(&model);
    let outcome = run("split", &config, &model, &read_output(&out, "split", &env), &env);
    assert!(outcome.checks > 100, "{} checks", outcome.checks);
    report(&outcome, "a split output");
}
