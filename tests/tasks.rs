//! The tasks as tests (issue 8): every persona of every golden case can do each of its tasks in
//! `tests/data/tasks.md` and none of the things it must not, judged by the access-evaluation
//! engine (`hyperpod_iam::access`) on the rendered `cloudformation.yaml` and `rbac.yaml`.
//!
//! The checks are data, `tests/data/tasks.yaml` (its header says how to read it). Each golden
//! case is read with its spec from `examples/<case>` (for the personas, options and names), in
//! the spec's own partition, region and account, else `aws`, `us-west-2`, `111122223333`. Every
//! failure is reported at once, naming case, persona, task, request and the engine's answer.
//!
//! `tests/data/tasks-v2/` is a hand-made output of permissions.md version 2 for one spec: the
//! proof that the checks pass on correct output, and, mutated, that they fail on wrong output.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use hyperpod_iam::access::{
    Caller, Context, Deployment, Environment, Items, KubeRequest, Policy, Question, Request, Statement, Verdict, read,
};
use hyperpod_iam::model::{self, Config, Effect, Orchestrator, RoleKind};
use hyperpod_iam::spec::{self, Source};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

// ---------------------------------------------------------------------------------------------
// tasks.yaml

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TasksFile {
    personas: BTreeMap<String, PersonaChecks>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PersonaChecks {
    #[serde(default)]
    can: Vec<Entry>,
    #[serde(default)]
    cannot: Vec<Entry>,
    #[serde(default)]
    not_granted: Vec<Entry>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    task: Option<String>,
    what: Option<String>,
    when: Option<String>,
    note: Option<String>,
    reason: Option<String>,
    #[serde(default)]
    aws: Vec<String>,
    #[serde(default)]
    k8s: Vec<String>,
    #[serde(default)]
    assume: Vec<String>,
    #[serde(default)]
    object: Vec<String>,
}

impl Entry {
    fn label(&self) -> String {
        match (&self.task, &self.what) {
            (Some(task), _) => task.clone(),
            (None, Some(what)) => what.clone(),
            (None, None) => "?".to_owned(),
        }
    }
}

fn tasks() -> TasksFile {
    let text = fs::read_to_string(root().join("tests/data/tasks.yaml")).unwrap();
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("tests/data/tasks.yaml: {e}"))
}

const PERSONAS: &[&str] = &["admin", "scientist", "exec", "pod"];
const FACTS: &[&str] =
    &["eks", "slurm", "taskGovernance", "nodeAccess", "podIdentity", "customVpc", "buckets", "execRoles"];

/// `a & b|c & !d`: every `&` term holds; a term holds when one of its `|` alternatives does.
fn holds(when: Option<&str>, facts: &BTreeSet<&str>) -> bool {
    let Some(when) = when else { return true };
    when.split('&').all(|term| {
        term.split('|').any(|alt| {
            let alt = alt.trim();
            let (negated, name) = match alt.strip_prefix('!') {
                Some(name) => (true, name.trim()),
                None => (false, alt),
            };
            assert!(FACTS.contains(&name), "tests/data/tasks.yaml: unknown fact `{name}` in `when: {when}`");
            facts.contains(name) != negated
        })
    })
}

// ---------------------------------------------------------------------------------------------
// Personas of one case

/// One role of the spec that the checks are about.
#[derive(Debug)]
struct Persona {
    kind: &'static str,
    entry: String,
    role_name: String,
    facts: BTreeSet<&'static str>,
    vars: BTreeMap<&'static str, String>,
}

impl Persona {
    fn fill(&self, s: &str) -> String {
        let mut out = String::new();
        let mut rest = s;
        while let Some(start) = rest.find('{') {
            out.push_str(&rest[..start]);
            let end = rest[start..].find('}').map(|e| start + e).unwrap_or_else(|| panic!("unclosed `{{` in `{s}`"));
            let name = &rest[start + 1..end];
            let value = self.vars.get(name).unwrap_or_else(|| {
                panic!("tests/data/tasks.yaml: placeholder `{{{name}}}` in `{s}` is not defined for {}", self.kind)
            });
            out.push_str(value);
            rest = &rest[end + 1..];
        }
        out.push_str(rest);
        out
    }
}

const SAMPLE_CLUSTER_ID: &str = "abcdef012345";

/// Where a Principal entry of the spec lets a caller in: a role or user ARN as itself, an account
/// (bare id or root) as some role of that account.
fn trusted_caller(principal: &str, partition: &str) -> String {
    if principal.chars().all(|c| c.is_ascii_digit()) {
        return format!("arn:{partition}:iam::{principal}:role/AnyoneInTheAccount");
    }
    match principal.strip_suffix(":root") {
        Some(prefix) => format!("{prefix}:role/AnyoneInTheAccount"),
        None => principal.to_owned(),
    }
}

fn personas(config: &Config, model: &model::Model, env: &Environment) -> Vec<Persona> {
    let eks = model.orchestrator == Orchestrator::Eks;
    let mut common: BTreeSet<&'static str> = BTreeSet::new();
    common.insert(if eks { "eks" } else { "slurm" });
    let o = &config.options;
    for (on, name) in [
        (o.task_governance, "taskGovernance"),
        (o.node_access, "nodeAccess"),
        (o.pod_identity, "podIdentity"),
        (o.custom_vpc, "customVpc"),
    ] {
        if on {
            common.insert(name);
        }
    }
    if !config.execution_roles.is_empty() {
        common.insert("execRoles");
    }
    let mut base: BTreeMap<&'static str, String> = BTreeMap::new();
    base.insert("P", env.partition.clone());
    base.insert("R", env.region.clone());
    base.insert("A", env.account.clone());
    base.insert("CLUSTER_ID", config.cluster_id.clone().unwrap_or_else(|| SAMPLE_CLUSTER_ID.to_owned()));
    if let Some(eks_name) = &config.eks_cluster_name {
        base.insert("EKS", eks_name.clone());
    }
    base.insert("UUID", "0123abcd-4567-89ef-0123-456789abcdef".to_owned());
    base.insert("USERID", "AROAEXAMPLEUSERID0001:alice".to_owned());
    base.insert("SESSION", "alice-0123456789abcdef0".to_owned());
    base.insert("OTHER_USERID", "AROAEXAMPLEUSERID0002:bob".to_owned());
    base.insert("OTHER_SESSION", "bob-0123456789abcdef0".to_owned());
    let role_name = |kind: RoleKind, entry: &str| {
        model
            .roles
            .iter()
            .find(|r| r.kind == kind && r.entry == entry)
            .map(|r| r.role_name.clone())
            .unwrap_or_else(|| panic!("{}: no {} role for `{entry}`", model.name, kind.word()))
    };
    if let Some(exec) = config.execution_roles.first() {
        base.insert("EXEC_ARN", env.role_arn(&role_name(RoleKind::Execution, &exec.name)));
    }
    let teams: Vec<(String, String)> = config
        .scientists
        .iter()
        .map(|s| (s.name.clone(), s.namespace.clone().unwrap_or_else(|| format!("hyperpod-ns-{}", s.name))))
        .collect();
    let other_ns = |own: &str| {
        teams.iter().map(|(_, ns)| ns.clone()).find(|ns| ns != own).unwrap_or_else(|| "another-team".to_owned())
    };
    // Another role: another team's scientist role, else an admin's, else a made-up name.
    let other_role = |own: &str| {
        let by_kind = |kind: RoleKind| model.roles.iter().find(|r| r.kind == kind && r.role_name != own);
        by_kind(RoleKind::Scientist)
            .or_else(|| by_kind(RoleKind::Admin))
            .map(|r| r.role_name.clone())
            .unwrap_or_else(|| "someone-else".to_owned())
    };
    let mut out = Vec::new();
    let mut persona = |kind: &'static str,
                       entry: &str,
                       role: String,
                       facts: BTreeSet<&'static str>,
                       extra: Vec<(&'static str, String)>| {
        let mut vars = base.clone();
        vars.insert("ROLE", role.clone());
        vars.insert("OTHER_ROLE", other_role(&role));
        for (k, v) in extra {
            vars.insert(k, v);
        }
        let ns = vars.get("NS").cloned().unwrap_or_default();
        vars.insert("OTHER_NS", other_ns(&ns));
        out.push(Persona { kind, entry: entry.to_owned(), role_name: role, facts, vars });
    };
    let first_team = teams.first().cloned().unwrap_or_else(|| ("team-a".to_owned(), "hyperpod-ns-team-a".to_owned()));
    for admin in &config.admins {
        let role = role_name(RoleKind::Admin, &admin.name);
        let trusted = trusted_caller(admin.trusted_principals.first().map_or("", String::as_str), &env.partition);
        let extra = vec![("TEAM", first_team.0.clone()), ("NS", first_team.1.clone()), ("TRUSTED", trusted)];
        persona("admin", &admin.name, role, common.clone(), extra);
    }
    for (scientist, (team, ns)) in config.scientists.iter().zip(&teams) {
        let role = role_name(RoleKind::Scientist, &scientist.name);
        let trusted = trusted_caller(scientist.trusted_principals.first().map_or("", String::as_str), &env.partition);
        let extra = vec![("TEAM", team.clone()), ("NS", ns.clone()), ("TRUSTED", trusted)];
        persona("scientist", &scientist.name, role, common.clone(), extra);
        if let Some(pod) = &scientist.pod_role {
            let role = role_name(RoleKind::Pod, &scientist.name);
            let mut facts = common.clone();
            let mut extra = vec![("TEAM", team.clone()), ("NS", ns.clone()), ("SA", pod.service_account.clone())];
            if let Some(bucket) = pod.s3_buckets.first() {
                facts.insert("buckets");
                extra.push(("BUCKET", bucket.clone()));
            }
            persona("pod", &scientist.name, role, facts, extra);
        }
    }
    for exec in &config.execution_roles {
        let role = role_name(RoleKind::Execution, &exec.name);
        let mut facts = common.clone();
        let mut extra = Vec::new();
        if let Some(bucket) = exec.s3_buckets.first() {
            facts.insert("buckets");
            extra.push(("BUCKET", bucket.clone()));
        }
        persona("exec", &exec.name, role, facts, extra);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Requests

fn context_of(tokens: &[&str]) -> Context {
    let mut context = Context::new();
    for token in tokens {
        context = match token.strip_prefix('!') {
            Some(key) => context.absent(key),
            None => {
                let (key, value) =
                    token.split_once('=').unwrap_or_else(|| panic!("context `{token}` is neither KEY=VALUE nor !KEY"));
                context.with(key, value)
            }
        };
    }
    context
}

fn aws_question(role: &str, line: &str) -> Question {
    let tokens: Vec<&str> = line.split_whitespace().collect();
    assert!(tokens.len() >= 2, "aws request `{line}`: ACTION RESOURCE [context]");
    let request = Request::new(tokens[0], tokens[1]).with_context(context_of(&tokens[2..]));
    Question::Iam { role: role.to_owned(), request }
}

fn assume_question(role: &str, line: &str) -> Question {
    let tokens: Vec<&str> = line.split_whitespace().collect();
    assert!(tokens.len() >= 2, "assume `{line}`: CALLER ACTION [context]");
    let caller = if let Some(service) = tokens[0].strip_prefix("service:") {
        Caller::Service(service.to_owned())
    } else if let Some(arn) = tokens[0].strip_prefix("aws:") {
        Caller::Aws(arn.to_owned())
    } else {
        panic!("assume `{line}`: the caller is service:NAME or aws:ARN")
    };
    let request = Request::new(tokens[1], "*").by(caller).with_context(context_of(&tokens[2..]));
    Question::Assume { role: role.to_owned(), request }
}

/// `VERB RESOURCE[.GROUP][/SUB] [NAME] [-n NS]`.
fn k8s_question(role: &str, line: &str) -> Question {
    let tokens: Vec<&str> = line.split_whitespace().collect();
    assert!(tokens.len() >= 2, "k8s request `{line}`: VERB RESOURCE [NAME] [-n NAMESPACE]");
    let (resource_group, sub) = match tokens[1].split_once('/') {
        Some((rg, sub)) => (rg, Some(sub)),
        None => (tokens[1], None),
    };
    let (resource, group) = resource_group.split_once('.').unwrap_or((resource_group, ""));
    let resource = match sub {
        Some(sub) => format!("{resource}/{sub}"),
        None => resource.to_owned(),
    };
    let mut request = KubeRequest::new(tokens[0], group, &resource);
    let mut rest = tokens[2..].iter();
    while let Some(token) = rest.next() {
        if *token == "-n" {
            request = request.in_namespace(*rest.next().unwrap_or_else(|| panic!("`{line}`: -n without a namespace")));
        } else {
            assert!(request.name.is_none(), "`{line}`: two names");
            request = request.named(*token);
        }
    }
    Question::Kube { role: role.to_owned(), request }
}

// ---------------------------------------------------------------------------------------------
// Running the checks

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Can,
    Cannot,
    NotGranted,
}

impl Expect {
    fn word(self) -> &'static str {
        match self {
            Expect::Can => "can",
            Expect::Cannot => "cannot",
            Expect::NotGranted => "not granted",
        }
    }

    /// A must needs a plain yes. A must-not passes on no, and on "unknown" (the deciding
    /// document is an AWS or customer managed policy attached by ARN, whose contents the
    /// engine does not have): it is not a grant of this tool.
    fn met(self, verdict: &Verdict) -> bool {
        match self {
            Expect::Can => *verdict == Verdict::Yes,
            Expect::Cannot | Expect::NotGranted => matches!(verdict, Verdict::No | Verdict::Unknown(_)),
        }
    }
}

struct Outcome {
    checks: usize,
    failures: Vec<String>,
}

fn object_exists(deployment: &Deployment, persona: &Persona, line: &str) -> Result<(), String> {
    let (kind, target) = line.split_once(' ').ok_or_else(|| format!("object `{line}`: KIND NS/NAME"))?;
    let (ns, name) = target.split_once('/').ok_or_else(|| format!("object `{line}`: KIND NS/NAME"))?;
    match kind {
        "ServiceAccount" => {
            let Some(rbac) = &deployment.rbac else { return Err("no rbac.yaml".to_owned()) };
            if rbac.service_accounts.iter().any(|(n, s)| n == ns && s == name) {
                Ok(())
            } else {
                Err(format!("{} creates no ServiceAccount {ns}/{name}", rbac.source))
            }
        }
        "PodIdentityAssociation" => {
            let arn = &deployment.roles[&persona.role_name].arn;
            let eks = persona.vars.get("EKS").map_or("", String::as_str);
            if deployment
                .pod_identities
                .iter()
                .any(|p| p.namespace == ns && p.service_account == name && &p.role_arn == arn && p.cluster == eks)
            {
                Ok(())
            } else {
                Err(format!("no Pod Identity association binds {ns}/{name} on {eks} to {arn}"))
            }
        }
        other => Err(format!("object kind `{other}` is not known to the test")),
    }
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
            actions: Items::Is(vec!["*".to_owned()]),
            resources: Some(Items::Is(vec!["*".to_owned()])),
            conditions: Vec::new(),
        };
        let policy = Policy { source: "tests/tasks.rs".to_owned(), statements: vec![allow_all] };
        deployment.known_policies.insert(arn, policy);
    }
}

fn run(case: &str, config: &Config, model: &model::Model, deployment: &Deployment, env: &Environment) -> Outcome {
    let mut deployment = deployment.clone();
    assume_boundaries_allow(&mut deployment);
    let deployment = &deployment;
    let file = tasks();
    let mut outcome = Outcome { checks: 0, failures: Vec::new() };
    for persona in personas(config, model, env) {
        let checks = file.personas.get(persona.kind).unwrap_or_else(|| panic!("tasks.yaml: no `{}`", persona.kind));
        let who = format!("{case}: {}/{} ({})", persona.kind, persona.entry, persona.role_name);
        let groups =
            [(Expect::Can, &checks.can), (Expect::Cannot, &checks.cannot), (Expect::NotGranted, &checks.not_granted)];
        for (expect, entries) in groups {
            for entry in entries.iter().filter(|e| holds(e.when.as_deref(), &persona.facts)) {
                let label = entry.label();
                let questions = entry
                    .aws
                    .iter()
                    .map(|l| (l, aws_question as fn(&str, &str) -> Question))
                    .chain(entry.k8s.iter().map(|l| (l, k8s_question as fn(&str, &str) -> Question)))
                    .chain(entry.assume.iter().map(|l| (l, assume_question as fn(&str, &str) -> Question)));
                for (line, make) in questions {
                    let line = persona.fill(line);
                    outcome.checks += 1;
                    let answer =
                        deployment.ask(&make(&persona.role_name, &line)).unwrap_or_else(|e| panic!("{who}: {e}"));
                    if !expect.met(&answer.verdict) {
                        outcome.failures.push(format!(
                            "{who}: {label}: {} `{line}`: {}\n      {}",
                            expect.word(),
                            answer.verdict,
                            answer.explanation.join("\n      ")
                        ));
                    }
                }
                for line in &entry.object {
                    let line = persona.fill(line);
                    outcome.checks += 1;
                    if let Err(why) = object_exists(deployment, &persona, &line) {
                        outcome.failures.push(format!("{who}: {label}: {} `{line}`: missing: {why}", expect.word()));
                    }
                }
            }
        }
    }
    outcome
}

/// The spec behind a golden case, parsed into configuration and model.
fn load_spec(path: &Path, name: &str) -> (Config, model::Model) {
    let source = Source { name: name.to_owned(), text: fs::read_to_string(path).unwrap() };
    let (config, _) = spec::read(&source).unwrap_or_else(|d| panic!("{name}: {d}"));
    let model = model::build(&config);
    (config, model)
}

fn environment(model: &model::Model) -> Environment {
    Environment {
        partition: model.target.partition.clone().unwrap_or_else(|| "aws".to_owned()),
        region: model.target.region.clone().unwrap_or_else(|| "us-west-2".to_owned()),
        account: model.target.account.clone().unwrap_or_else(|| "111122223333".to_owned()),
    }
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
    assert_eq!(personas, PERSONAS.iter().copied().collect(), "one section per persona");
    let all_facts: BTreeSet<&str> = FACTS.iter().copied().collect();
    for (persona, checks) in &file.personas {
        for (expect, entries) in
            [("can", &checks.can), ("cannot", &checks.cannot), ("not_granted", &checks.not_granted)]
        {
            for entry in entries {
                let at = format!("tasks.yaml {persona}.{expect} {}", entry.label());
                holds(entry.when.as_deref(), &all_facts);
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
