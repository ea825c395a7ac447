//! The real tools judge the golden files: cfn-lint, kubernetes-validate `--strict`, yamllint
//! and checkov, all pinned by `scripts/install-validators.sh` and all run offline.
//!
//! The golden files are found by walking `golden/` in sorted order:
//! `golden/<case>/cloudformation.yaml`, `main.tf.json`, `rbac.yaml` and `iam/<role>.json`.
//! Cases of invalid specs hold only `stderr.txt` and `exit-code`, which no validator reads.
//! A test that finds no file to check fails: a validator that validated nothing proves nothing.
//!
//! Each validator sits in a function that returns `Err(report)` on a finding, and the unit
//! checks at the end feed it fixtures that must pass and fixtures that must fail, so the
//! harness is shown able to fail.

// clippy.toml allows these in `#[test]` functions and `#[cfg(test)]` modules, but not in the
// helpers of an integration test crate, which is test code all the same: a panic is how a test
// fails, and the lints guard the library.
#![allow(clippy::panic, clippy::expect_used, reason = "test code: a panic is how a test fails")]

mod common;

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use common::tools::require_tool;
use serde_json::{Map, Value, json};

/// Cases whose spec pins the partition, so that a literal `arn:aws:` inside an `Fn::Sub`
/// (cfn-lint I3042) is intended there. Everywhere else the partition must stay symbolic
/// (`${AWS::Partition}`), or the template breaks in aws-cn and aws-us-gov.
const PINNED_PARTITION_CASES: &[&str] = &[];

/// Failed checkov checks accepted in Terraform JSON (`main.tf.json`) only: one line per check
/// id, with the reason the permissions need it.
///
/// checkov 3.3.30 ignores `"//"` skip comments in Terraform JSON, so the skips live here.
/// They are applied to the `terraform_json` results only, not through `--skip-check`: the
/// `CKV_AWS_*` ids are shared with CloudFormation, where each skip belongs in the resource's
/// `Metadata.checkov.skip` with its comment. An entry that no longer matches a failed check
/// fails the test, so the list cannot outlive its reason.
const CHECKOV_TERRAFORM_SKIPS: &[TfSkip] = &[
    TfSkip {
        check: "CKV_AWS_109",
        resources: "data.exec_*_policy",
        reason: "ec2:CreateNetworkInterfacePermission and DeleteNetworkInterfacePermission act on the network \
                 interfaces HyperPod creates at run time, whose ARNs are unknown beforehand",
    },
    TfSkip {
        check: "CKV_AWS_111",
        resources: "data.exec_*_policy",
        reason: "HyperPod creates, attaches and deletes its nodes' network interfaces at run time, in subnets \
                 chosen at cluster creation, so the ENI actions cannot name them",
    },
    TfSkip {
        check: "CKV_AWS_356",
        resources: "data.exec_*_policy",
        reason: "the same ENI actions, and the ECR image pulls of EKS nodes (ecr:GetAuthorizationToken takes no \
                 resource; the images' repositories belong to the user's workloads)",
    },
    TfSkip {
        check: "CKV_AWS_111",
        resources: "data.scientist_*_policy",
        reason: "ssm:StartSession on HyperPod nodes: their SSM targets are not addressable by an IAM ARN",
    },
    TfSkip { check: "CKV_AWS_356", resources: "data.scientist_*_policy", reason: "ssm:StartSession, as above" },
];

/// A checkov finding accepted in Terraform JSON: the check, the resources it may fail on (one
/// `*` stands for any text), and why the permissions need it.
#[derive(Debug, Clone, Copy)]
struct TfSkip {
    check: &'static str,
    resources: &'static str,
    reason: &'static str,
}

impl TfSkip {
    fn covers(&self, check: &str, resource: &str) -> bool {
        let (prefix, suffix) = self.resources.split_once('*').unwrap_or((self.resources, ""));
        self.check == check
            && resource.len() >= prefix.len() + suffix.len()
            && resource.starts_with(prefix)
            && resource.ends_with(suffix)
    }
}

/// The Kubernetes minor version `rbac.yaml` is validated against.
const KUBERNETES_VERSION: &str = "1.33";

/// yamllint's configuration, passed inline so no config file in the tree can change it.
///
/// - `truthy`: only `true` and `false`; an unquoted `yes`/`on` is a boolean to YAML 1.1 readers
///   (PyYAML, kubectl) and a string to the author.
/// - `document-start`: off; none of our files is a multi-document stream that needs `---`.
/// - `line-length`: off; CloudFormation ARNs, `Fn::Sub` strings and policy conditions run past
///   80 columns, and the only way to wrap them is to fold scalars, which makes the output harder
///   to read and to diff without making it any more correct.
///
/// `indentation` keeps the default `indent-sequences: true`: a block sequence is indented under
/// its key. serde-saphyr 2.2 writes `- ` flush with the key by default (`compact_list_indent`),
/// which fails here; emit with `compact_list_indent = false`, or relax this to `consistent`.
const YAMLLINT_CONFIG: &str = "{extends: default, rules: {\
    truthy: {allowed-values: ['true', 'false']}, \
    document-start: disable, \
    line-length: disable}}";

/// Longest message shown per finding: W3037 lists every action of the service.
const MAX_MESSAGE: usize = 300;

// ---------------------------------------------------------------------------------------------
// Finding the golden files
// ---------------------------------------------------------------------------------------------

/// What a golden file is, from its place in `golden/<case>/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    CloudFormation,
    Terraform,
    Rbac,
    IamJson,
}

/// The files under a golden directory, relative to it, in sorted order.
#[derive(Debug)]
struct Golden {
    dir: PathBuf,
    files: Vec<PathBuf>,
}

impl Golden {
    /// The crate's own `golden/`.
    fn of_crate() -> Golden {
        Golden::walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("golden"))
    }

    /// Every file under `dir`; none if `dir` does not exist.
    fn walk(dir: &Path) -> Golden {
        let mut files = Vec::new();
        walk_sorted(dir, Path::new(""), &mut files);
        Golden { dir: dir.to_path_buf(), files }
    }

    /// The files of one kind, as full paths.
    fn of_kind(&self, kind: Kind) -> Vec<PathBuf> {
        self.files.iter().filter(|rel| classify(rel) == Some(kind)).map(|rel| self.dir.join(rel)).collect()
    }

    /// The files checkov reads, relative to `dir`: CloudFormation, Terraform JSON and RBAC.
    fn checkov_inputs(&self) -> Vec<PathBuf> {
        self.files
            .iter()
            .filter(|rel| matches!(classify(rel), Some(Kind::CloudFormation | Kind::Terraform | Kind::Rbac)))
            .cloned()
            .collect()
    }

    /// Every YAML file, as full paths.
    fn yaml(&self) -> Vec<PathBuf> {
        self.files
            .iter()
            .filter(|rel| rel.extension().is_some_and(|e| e == "yaml" || e == "yml"))
            .map(|rel| self.dir.join(rel))
            .collect()
    }

    /// The case a full path under `dir` belongs to.
    fn case_of(&self, path: &Path) -> Option<String> {
        let rel = path.strip_prefix(&self.dir).ok()?;
        Some(rel.components().next()?.as_os_str().to_string_lossy().into_owned())
    }

    /// A path shown in reports: relative to the crate root when under it.
    fn show(path: &Path) -> String {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        path.strip_prefix(root).unwrap_or(path).display().to_string()
    }
}

/// Appends the files under `dir/rel` to `out`, entries sorted by name at every level.
fn walk_sorted(dir: &Path, rel: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir.join(rel)) else {
        return;
    };
    let mut names: Vec<_> = entries.filter_map(|e| e.ok()).collect();
    names.sort_by_key(|e| e.file_name());
    for entry in names {
        let child = rel.join(entry.file_name());
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            walk_sorted(dir, &child, out);
        } else {
            out.push(child);
        }
    }
}

/// The kind of a path relative to `golden/`, by the layout `<case>/<file>`.
fn classify(rel: &Path) -> Option<Kind> {
    let parts: Vec<_> = rel.iter().map(|p| p.to_string_lossy()).collect();
    match parts.as_slice() {
        [_, f] if f == "cloudformation.yaml" => Some(Kind::CloudFormation),
        [_, f] if f == "main.tf.json" => Some(Kind::Terraform),
        [_, f] if f == "rbac.yaml" => Some(Kind::Rbac),
        [_, d, f] if d == "iam" && f.ends_with(".json") => Some(Kind::IamJson),
        _ => None,
    }
}

/// Fails the test when there is nothing to validate.
fn require_files(files: Vec<PathBuf>, what: &str) -> Vec<PathBuf> {
    assert!(!files.is_empty(), "no {what} found under golden/: a validator test that validated nothing proves nothing");
    files
}

// ---------------------------------------------------------------------------------------------
// Running tools
// ---------------------------------------------------------------------------------------------

/// A finished tool run.
struct Run {
    command: String,
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn new(mut command: Command, label: &str) -> Result<Run, String> {
        let shown = format!("{command:?}");
        let started = Instant::now();
        let output = command.output().map_err(|e| format!("could not run {shown}: {e}"))?;
        eprintln!("{label}: {:.2?} for {shown}", started.elapsed());
        Ok(Run {
            command: shown,
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        })
    }

    /// A failure report: what was wrong, the command, and what the tool said.
    fn report(&self, problem: &str) -> String {
        format!(
            "{problem}\ncommand: {}\nexit code: {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.command,
            self.code,
            self.stdout.trim_end(),
            self.stderr.trim_end()
        )
    }
}

/// `text` cut to `MAX_MESSAGE` characters; an enumeration of every allowed value (W3037 lists
/// all the actions of a service) is left out.
fn shorten(text: &str) -> String {
    if let Some((value, _)) = text.split_once(" is not one of [")
        && text.len() > MAX_MESSAGE
    {
        return format!("{value} is not one of the allowed values");
    }
    match text.char_indices().nth(MAX_MESSAGE) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// A directory under cargo's per-target temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(label: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("validators-{}-{n}-{label}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("create a temp dir");
        TempDir(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    /// Writes `contents` to `rel` under this directory and returns the full path.
    fn write(&self, rel: &str, contents: &str) -> PathBuf {
        let path = self.0.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("create a fixture dir");
        }
        fs::write(&path, contents).expect("write a fixture");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

// ---------------------------------------------------------------------------------------------
// cfn-lint
// ---------------------------------------------------------------------------------------------

/// One cfn-lint finding.
struct CfnFinding {
    file: PathBuf,
    line: u64,
    column: u64,
    /// Where in the template: `["Resources", "Role", "Properties", ...]`.
    location: Vec<String>,
    rule: String,
    level: String,
    message: String,
}

/// Runs cfn-lint once over `templates` and judges its findings.
///
/// Fatal: every error and warning (warnings include W3037, an IAM action that does not exist),
/// and I3042, a partition hard-coded inside an `Fn::Sub`, unless the template is listed in
/// `partition_pinned`. Informational rules are switched on (`--include-checks I`) so that I3042
/// runs; the other infos are printed with a failure but do not fail the test by themselves.
/// `describe` names the source of a finding (the wrapped IAM JSON, for wrapper templates).
fn cfn_lint(
    tool: &Path,
    templates: &[PathBuf],
    partition_pinned: &[PathBuf],
    describe: &dyn Fn(&CfnFinding) -> String,
) -> Result<(), String> {
    let mut command = Command::new(tool);
    // `--` ends the list of `--include-checks`, which would otherwise swallow the file names.
    // cfn-lint expands each name as a glob, so a case name must not contain `*`, `?` or `[`.
    command.args(["--format", "json", "--include-checks", "I", "--"]);
    command.args(templates);
    let run = Run::new(command, "cfn-lint")?;

    // Exit code: a bitmask of 2 error, 4 warning, 8 info; anything else means cfn-lint broke.
    let code = run.code.unwrap_or(-1);
    if !(0..16).contains(&code) || code & 1 != 0 {
        return Err(run.report("cfn-lint did not finish"));
    }
    let findings =
        parse_cfn_lint(&run.stdout).map_err(|e| run.report(&format!("cfn-lint's JSON output does not parse: {e}")))?;

    let is_fatal = |f: &CfnFinding| match f.level.as_str() {
        "Error" | "Warning" => true,
        _ => f.rule == "I3042" && !partition_pinned.contains(&f.file),
    };
    let (fatal, infos): (Vec<_>, Vec<_>) = findings.iter().partition(|f| is_fatal(f));
    if fatal.is_empty() && code & (2 | 4) == 0 {
        return Ok(());
    }
    let mut report = format!("cfn-lint found {} problem(s) in {} template(s):\n", fatal.len(), templates.len());
    for f in &fatal {
        let _ = writeln!(report, "  {}", describe(f));
    }
    if !infos.is_empty() {
        let _ = writeln!(report, "and these informational findings, not fatal by themselves:");
        for f in &infos {
            let _ = writeln!(report, "  {}", describe(f));
        }
    }
    if fatal.is_empty() {
        report.push_str("cfn-lint's exit code reports an error or warning that was not parsed\n");
    }
    let _ = write!(report, "command: {}", run.command);
    Err(report)
}

fn parse_cfn_lint(stdout: &str) -> Result<Vec<CfnFinding>, String> {
    let value: Value = serde_json::from_str(stdout).map_err(|e| e.to_string())?;
    let items = value.as_array().ok_or("not an array")?;
    items
        .iter()
        .map(|item| {
            let text = |pointer: &str| item.pointer(pointer).and_then(Value::as_str);
            let number = |pointer: &str| item.pointer(pointer).and_then(Value::as_u64);
            Ok(CfnFinding {
                file: PathBuf::from(text("/Filename").unwrap_or("<no file>")),
                line: number("/Location/Start/LineNumber").unwrap_or(0),
                column: number("/Location/Start/ColumnNumber").unwrap_or(0),
                location: item
                    .pointer("/Location/Path")
                    .and_then(Value::as_array)
                    .map(|path| path.iter().map(|p| p.as_str().map_or_else(|| p.to_string(), str::to_string)).collect())
                    .unwrap_or_default(),
                rule: text("/Rule/Id").ok_or("a finding without /Rule/Id")?.to_string(),
                level: text("/Level").unwrap_or("Unknown").to_string(),
                message: text("/Message").unwrap_or("").to_string(),
            })
        })
        .collect()
}

/// `file:line:column: RULE level: message`, as a person reads it.
fn describe_cfn(f: &CfnFinding) -> String {
    format!(
        "{}:{}:{}: {} {}: {}",
        Golden::show(&f.file),
        f.line,
        f.column,
        f.rule,
        f.level.to_lowercase(),
        shorten(&f.message)
    )
}

// ---------------------------------------------------------------------------------------------
// IAM JSON, wrapped into templates for cfn-lint
// ---------------------------------------------------------------------------------------------

/// A one-file IAM JSON document rewritten as a CloudFormation template.
#[derive(Debug)]
struct Wrapped {
    template: Value,
    /// For each resource of the template, its logical id and the JSON pointer of the policy
    /// document it wraps.
    sources: Vec<(String, String)>,
}

/// Wraps every policy document in `doc` (an object with a `Statement` array) in a resource of
/// its own: a trust policy (a statement with `Principal` or `NotPrincipal`) as an
/// `AWS::IAM::Role`'s `AssumeRolePolicyDocument`, any other as an `AWS::IAM::ManagedPolicy`'s
/// `PolicyDocument`. It does not assume where in the file the documents sit.
fn wrap_iam_json(doc: &Value) -> Result<Wrapped, String> {
    let mut found = Vec::new();
    find_policy_documents(doc, String::new(), &mut found);
    if found.is_empty() {
        return Err("no policy document (an object with a `Statement` array) in it".to_string());
    }
    let mut resources = Map::new();
    let mut sources = Vec::new();
    for (n, (pointer, policy)) in found.into_iter().enumerate() {
        let trust = policy["Statement"].as_array().is_some_and(|statements| {
            statements.iter().any(|s| s.get("Principal").is_some() || s.get("NotPrincipal").is_some())
        });
        let (id, resource) = if trust {
            (
                format!("Trust{:02}", n + 1),
                json!({"Type": "AWS::IAM::Role",
                       "Properties": {"AssumeRolePolicyDocument": policy}}),
            )
        } else {
            (
                format!("Policy{:02}", n + 1),
                json!({"Type": "AWS::IAM::ManagedPolicy",
                       "Properties": {"PolicyDocument": policy}}),
            )
        };
        resources.insert(id.clone(), resource);
        sources.push((id, if pointer.is_empty() { "/".into() } else { pointer }));
    }
    Ok(Wrapped {
        template: json!({
            "AWSTemplateFormatVersion": "2010-09-09",
            "Description": "policies of an IAM JSON golden file, wrapped for cfn-lint",
            "Resources": resources,
        }),
        sources,
    })
}

/// Collects `(JSON pointer, object)` for every object with a `Statement` array, in document
/// order, without looking inside the ones found.
fn find_policy_documents(value: &Value, pointer: String, out: &mut Vec<(String, Value)>) {
    match value {
        Value::Object(map) if map.get("Statement").is_some_and(Value::is_array) => {
            out.push((pointer, value.clone()));
        }
        Value::Object(map) => {
            for (key, child) in map {
                let escaped = key.replace('~', "~0").replace('/', "~1");
                find_policy_documents(child, format!("{pointer}/{escaped}"), out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                find_policy_documents(child, format!("{pointer}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// Wraps each IAM JSON file into a template under `work` and lints them all in one cfn-lint run.
fn cfn_lint_iam(tool: &Path, iam_files: &[PathBuf], work: &Path) -> Result<(), String> {
    /// A wrapper template, the IAM JSON file it wraps, and where each resource came from.
    struct Wrapper {
        template: PathBuf,
        source: PathBuf,
        sources: Vec<(String, String)>,
    }
    let mut wrappers = Vec::new();
    let mut problems = Vec::new();
    for (n, file) in iam_files.iter().enumerate() {
        let parsed = fs::read_to_string(file)
            .map_err(|e| e.to_string())
            .and_then(|text| serde_json::from_str::<Value>(&text).map_err(|e| e.to_string()))
            .and_then(|doc| wrap_iam_json(&doc));
        let wrapped = match parsed {
            Ok(wrapped) => wrapped,
            Err(e) => {
                problems.push(format!("{}: {e}", Golden::show(file)));
                continue;
            }
        };
        let stem = file.file_stem().unwrap_or_default().to_string_lossy();
        let target = work.join(format!("{:03}-{stem}.json", n + 1));
        let text = serde_json::to_string_pretty(&wrapped.template).map_err(|e| e.to_string())?;
        fs::write(&target, text + "\n").map_err(|e| format!("{}: {e}", target.display()))?;
        wrappers.push(Wrapper { template: target, source: file.clone(), sources: wrapped.sources });
    }
    if !problems.is_empty() {
        return Err(format!("IAM JSON files cfn-lint cannot judge:\n  {}", problems.join("\n  ")));
    }
    let templates: Vec<PathBuf> = wrappers.iter().map(|w| w.template.clone()).collect();
    let describe = |f: &CfnFinding| {
        let Some(Wrapper { source, sources, .. }) = wrappers.iter().find(|w| w.template == f.file) else {
            return describe_cfn(f);
        };
        // ["Resources", id, "Properties", "PolicyDocument", "Statement", 0, ...]
        let pointer = match f.location.as_slice() {
            [r, id, _, _, rest @ ..] if r == "Resources" => {
                sources.iter().find(|(rid, _)| rid == id).map(|(_, base)| {
                    let base = base.trim_end_matches('/');
                    rest.iter().fold(base.to_string(), |p, key| format!("{p}/{key}"))
                })
            }
            _ => None,
        };
        format!(
            "{} at {}: {} {}: {}",
            Golden::show(source),
            pointer.as_deref().unwrap_or("?"),
            f.rule,
            f.level.to_lowercase(),
            shorten(&f.message),
        )
    };
    cfn_lint(tool, &templates, &[], &describe)
}

// ---------------------------------------------------------------------------------------------
// kubernetes-validate
// ---------------------------------------------------------------------------------------------

/// Runs `kubernetes-validate --strict -k 1.33` once over `files`.
///
/// The tool bundles its JSON schemas (1.25 to 1.37), so it needs no network. Its options must
/// come before the file names (they are an `argparse.REMAINDER`). It exits 0 on a resource
/// whose kind or apiVersion it has no schema for, printing only a `WARN`, so every line other
/// than `INFO ... passed` is a failure here, and every file must have a resource that passed
/// against 1.33 (an empty file validated nothing; an older schema would mean 1.33 is missing).
fn kubernetes_validate(tool: &Path, files: &[PathBuf]) -> Result<(), String> {
    let mut command = Command::new(tool);
    command.args(["--strict", "-k", KUBERNETES_VERSION]);
    command.args(files);
    let run = Run::new(command, "kubernetes-validate")?;

    let suffix = format!(" against version {KUBERNETES_VERSION}");
    let mut problems: Vec<String> = run
        .stdout
        .lines()
        .chain(run.stderr.lines())
        .filter(|line| !line.trim().is_empty())
        .filter(|line| !(line.starts_with("INFO ") && line.ends_with(&suffix)))
        .map(shorten)
        .collect();
    for file in files {
        let passed = format!("INFO {} passed for resource ", file.display());
        if !run.stdout.lines().any(|l| l.starts_with(&passed) && l.ends_with(&suffix)) {
            problems.push(format!("{}: no resource validated against {KUBERNETES_VERSION}", Golden::show(file)));
        }
    }
    if problems.is_empty() && run.code == Some(0) {
        return Ok(());
    }
    Err(run.report(&format!("kubernetes-validate rejected the RBAC:\n  {}", problems.join("\n  "))))
}

// ---------------------------------------------------------------------------------------------
// yamllint
// ---------------------------------------------------------------------------------------------

/// Runs `yamllint -s` once over `files`; with `-s` a warning fails too (exit 2).
fn yamllint(tool: &Path, files: &[PathBuf]) -> Result<(), String> {
    let mut command = Command::new(tool);
    command.args(["-s", "-f", "parsable", "-d", YAMLLINT_CONFIG, "--"]);
    command.args(files);
    let run = Run::new(command, "yamllint")?;
    if run.code == Some(0) && run.stdout.trim().is_empty() {
        return Ok(());
    }
    Err(run.report(&format!("yamllint found problems ({} file(s) checked)", files.len())))
}

// ---------------------------------------------------------------------------------------------
// checkov
// ---------------------------------------------------------------------------------------------

/// Runs checkov once over copies of `files` (paths relative to `from`, copied to `work` with
/// the same layout, so checkov sees nothing else) and judges the result.
///
/// `CKV_SKIP_PACKAGE_UPDATE_CHECK=true` and `--skip-download` keep it offline; without them it
/// tries to reach PyPI and Prisma Cloud and takes seconds longer. `-o json` without `--quiet`:
/// `--quiet` drops the passed checks and the names of files that failed to parse from the
/// JSON, and both are needed to prove every file was read.
fn checkov(tool: &Path, from: &Path, files: &[PathBuf], work: &Path, terraform_skips: &[TfSkip]) -> Result<(), String> {
    for rel in files {
        let target = work.join(rel);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        fs::copy(from.join(rel), &target).map_err(|e| format!("{}: {e}", rel.display()))?;
    }
    let mut command = Command::new(tool);
    command.current_dir(work);
    command.env("CKV_SKIP_PACKAGE_UPDATE_CHECK", "true");
    command.args(["-d", ".", "--framework", "cloudformation", "terraform_json", "kubernetes"]);
    command.args(["--skip-download", "--compact", "-o", "json"]);
    let run = Run::new(command, "checkov")?;

    // 0: every check passed; 1: some failed (judged below, after the Terraform skips).
    if !matches!(run.code, Some(0 | 1)) {
        return Err(run.report("checkov did not finish"));
    }
    let output: Value = serde_json::from_str(&run.stdout)
        .map_err(|e| run.report(&format!("checkov's JSON output does not parse: {e}")))?;
    judge_checkov(&output, files, terraform_skips).map_err(|problems| {
        format!(
            "checkov, on copies of files under {}:\n  {}\ncommand: {}",
            Golden::show(from),
            problems.join("\n  "),
            run.command,
        )
    })
}

/// The problems in checkov's JSON output `output` for a run over `files` (relative paths).
fn judge_checkov(output: &Value, files: &[PathBuf], terraform_skips: &[TfSkip]) -> Result<(), Vec<String>> {
    // One report per framework that found files: a list, a single object, or, when no
    // framework found anything, a bare summary without `check_type`.
    let reports: Vec<&Value> = match output {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    let mut problems = Vec::new();
    let mut examined = Vec::new();
    let mut skips_used = Vec::new();
    for report in reports.iter().filter(|r| r.get("check_type").is_some()) {
        let framework = report["check_type"].as_str().unwrap_or("?");
        let results = &report["results"];
        let list = |key: &str| results[key].as_array().cloned().unwrap_or_default();
        for check in list("passed_checks").iter().chain(&list("failed_checks")).chain(&list("skipped_checks")) {
            examined.push(checkov_file(check));
        }
        for check in list("failed_checks") {
            let id = check["check_id"].as_str().unwrap_or("?");
            let resource = check["resource"].as_str().unwrap_or("?");
            let skip = terraform_skips.iter().position(|s| framework == "terraform_json" && s.covers(id, resource));
            if let Some(i) = skip {
                skips_used.push(i);
                continue;
            }
            let lines = check["file_line_range"]
                .as_array()
                .map(|r| r.iter().map(Value::to_string).collect::<Vec<_>>().join("-"))
                .unwrap_or_default();
            problems.push(format!(
                "{id} failed for {} in {}:{lines}: {}",
                check["resource"].as_str().unwrap_or("?"),
                checkov_file(&check),
                check["check_name"].as_str().unwrap_or("")
            ));
        }
        for file in list("parsing_errors") {
            problems.push(format!("{framework}: could not parse {}", file.as_str().unwrap_or("?")));
        }
        let unnamed = report["summary"]["parsing_errors"].as_u64().unwrap_or(0);
        if unnamed > 0 && list("parsing_errors").is_empty() {
            problems.push(format!("{framework}: {unnamed} file(s) failed to parse"));
        }
    }
    for file in files {
        let shown = file.display().to_string();
        if !examined.contains(&shown) {
            problems.push(format!("{shown}: checkov ran no check on it"));
        }
    }
    for (i, skip) in terraform_skips.iter().enumerate() {
        if !skips_used.contains(&i) {
            problems.push(format!(
                "{} on {} is in CHECKOV_TERRAFORM_SKIPS ({}) but failed nowhere: remove it",
                skip.check, skip.resources, skip.reason
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        problems.sort();
        Err(problems)
    }
}

/// A checked file as a path relative to the scanned directory (checkov writes `/case/file`).
fn checkov_file(check: &Value) -> String {
    let path = check["file_path"].as_str().unwrap_or("?");
    path.trim_start_matches("./").trim_start_matches('/').to_string()
}

// ---------------------------------------------------------------------------------------------
// The golden files, judged
// ---------------------------------------------------------------------------------------------

#[test]
fn cfn_lint_golden_templates() {
    let golden = Golden::of_crate();
    let templates = require_files(golden.of_kind(Kind::CloudFormation), "cloudformation.yaml");
    let Some(tool) = require_tool("cfn-lint") else {
        return;
    };
    let pinned: Vec<PathBuf> = templates
        .iter()
        .filter(|t| golden.case_of(t).is_some_and(|case| PINNED_PARTITION_CASES.contains(&case.as_str())))
        .cloned()
        .collect();
    if let Err(report) = cfn_lint(&tool, &templates, &pinned, &describe_cfn) {
        panic!("{report}");
    }
}

#[test]
fn cfn_lint_iam_json() {
    let golden = Golden::of_crate();
    let files = require_files(golden.of_kind(Kind::IamJson), "iam/*.json");
    let Some(tool) = require_tool("cfn-lint") else {
        return;
    };
    let work = TempDir::new("iam-json");
    if let Err(report) = cfn_lint_iam(&tool, &files, work.path()) {
        panic!("{report}");
    }
}

#[test]
fn kubernetes_validate_golden_rbac() {
    let golden = Golden::of_crate();
    let files = require_files(golden.of_kind(Kind::Rbac), "rbac.yaml");
    let Some(tool) = require_tool("kubernetes-validate") else {
        return;
    };
    if let Err(report) = kubernetes_validate(&tool, &files) {
        panic!("{report}");
    }
}

#[test]
fn yamllint_golden_yaml() {
    let golden = Golden::of_crate();
    let files = require_files(golden.yaml(), "*.yaml");
    let Some(tool) = require_tool("yamllint") else {
        return;
    };
    if let Err(report) = yamllint(&tool, &files) {
        panic!("{report}");
    }
}

#[test]
fn checkov_golden() {
    let golden = Golden::of_crate();
    let files = require_files(golden.checkov_inputs(), "output file for checkov");
    let Some(tool) = require_tool("checkov") else {
        return;
    };
    let work = TempDir::new("checkov");
    if let Err(report) = checkov(&tool, &golden.dir, &files, work.path(), CHECKOV_TERRAFORM_SKIPS) {
        panic!("{report}");
    }
}

// ---------------------------------------------------------------------------------------------
// The harness itself, on fixtures: it finds the files, and every validator can fail
// ---------------------------------------------------------------------------------------------

mod harness {
    use super::*;

    const ROLE_TEMPLATE: &str = r#"AWSTemplateFormatVersion: "2010-09-09"
Resources:
  ExecutionRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal:
              Service: sagemaker.amazonaws.com
            Action: sts:AssumeRole
      Policies:
        - PolicyName: describe-nodes
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: sagemaker:DescribeClusterNode
                Resource: !Sub "arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:cluster/*"
"#;

    const ROLE_BINDING: &str = r#"apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: data-scientists
  namespace: team-a
subjects:
  - kind: Group
    name: data-scientists
    apiGroup: rbac.authorization.k8s.io
roleRef:
  kind: Role
  name: data-scientist
  apiGroup: rbac.authorization.k8s.io
"#;

    const ROLE: &str = r#"apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: data-scientist
  namespace: team-a
rules:
  - apiGroups: [""]
    resources: ["pods", "pods/log"]
    verbs: ["get", "list"]
"#;

    const NARROW_TERRAFORM: &str = r#"{
  "data": {
    "aws_iam_policy_document": {
      "describe_nodes": {
        "statement": [
          {
            "effect": "Allow",
            "actions": ["sagemaker:DescribeClusterNode"],
            "resources": ["arn:${data.aws_partition.current.partition}:sagemaker:*:*:cluster/*"]
          }
        ]
      }
    }
  },
  "resource": {
    "aws_iam_policy": {
      "describe_nodes": {
        "name": "describe-nodes",
        "policy": "${data.aws_iam_policy_document.describe_nodes.json}"
      }
    }
  }
}
"#;

    const WILDCARD_CLUSTER_ROLE: &str = r#"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: everything
rules:
  - apiGroups: [""]
    resources: ["pods"]
    verbs: ["*"]
"#;

    const IAM_JSON: &str = r#"{
  "RoleName": "hyperpod-execution",
  "AssumeRolePolicyDocument": {
    "Version": "2012-10-17",
    "Statement": [
      {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ]
  },
  "ManagedPolicyArns": ["arn:aws:iam::aws:policy/AmazonSageMakerClusterInstanceRolePolicy"],
  "Policies": [
    {
      "PolicyName": "nodes",
      "PolicyDocument": {
        "Version": "2012-10-17",
        "Statement": [
          {"Effect": "Allow", "Action": ["sagemaker:DescribeClusterNode"], "Resource": "arn:aws:sagemaker:us-east-1:111122223333:cluster/*"}
        ]
      }
    }
  ]
}
"#;

    fn expect_err(result: Result<(), String>, needles: &[&str]) {
        let report = match result {
            Ok(()) => panic!("the validator passed a fixture that must fail"),
            Err(report) => report,
        };
        for needle in needles {
            assert!(report.contains(needle), "`{needle}` missing from report:\n{report}");
        }
    }

    fn expect_ok(result: Result<(), String>) {
        if let Err(report) = result {
            panic!("the validator failed a fixture that must pass:\n{report}");
        }
    }

    #[test]
    fn discovery_walks_golden_in_sorted_order() {
        let dir = TempDir::new("discovery");
        for rel in [
            "b-case/rbac.yaml",
            "b-case/cloudformation.yaml",
            "a-case/iam/worker.json",
            "a-case/iam/execution.json",
            "a-case/main.tf.json",
            "a-case/cloudformation.yaml",
            "a-case/notes/extra.yaml",
            "invalid-spec/stderr.txt",
            "invalid-spec/exit-code",
        ] {
            dir.write(rel, "x: 1\n");
        }
        let golden = Golden::walk(dir.path());
        let rel = |paths: Vec<PathBuf>| -> Vec<String> {
            paths
                .iter()
                .map(|p| {
                    let p = p.strip_prefix(dir.path()).unwrap_or(p);
                    p.display().to_string()
                })
                .collect()
        };
        assert_eq!(
            rel(golden.of_kind(Kind::CloudFormation)),
            ["a-case/cloudformation.yaml", "b-case/cloudformation.yaml"]
        );
        assert_eq!(rel(golden.of_kind(Kind::IamJson)), ["a-case/iam/execution.json", "a-case/iam/worker.json"]);
        assert_eq!(rel(golden.of_kind(Kind::Terraform)), ["a-case/main.tf.json"]);
        assert_eq!(rel(golden.of_kind(Kind::Rbac)), ["b-case/rbac.yaml"]);
        assert_eq!(
            rel(golden.yaml()),
            ["a-case/cloudformation.yaml", "a-case/notes/extra.yaml", "b-case/cloudformation.yaml", "b-case/rbac.yaml"]
        );
        let checkov: Vec<String> = golden.checkov_inputs().iter().map(|p| p.display().to_string()).collect();
        assert_eq!(
            checkov,
            ["a-case/cloudformation.yaml", "a-case/main.tf.json", "b-case/cloudformation.yaml", "b-case/rbac.yaml"]
        );
        assert_eq!(golden.case_of(&dir.path().join("b-case/rbac.yaml")).as_deref(), Some("b-case"));
        assert!(Golden::walk(&dir.path().join("missing")).files.is_empty());
    }

    #[test]
    fn iam_json_wrapping_separates_trust_from_permissions() {
        let doc: Value = serde_json::from_str(IAM_JSON).expect("fixture parses");
        let wrapped = wrap_iam_json(&doc).expect("wraps");
        assert_eq!(
            wrapped.sources,
            [
                ("Trust01".to_string(), "/AssumeRolePolicyDocument".to_string()),
                ("Policy02".to_string(), "/Policies/0/PolicyDocument".to_string()),
            ]
        );
        let resources = &wrapped.template["Resources"];
        assert_eq!(resources["Trust01"]["Type"], "AWS::IAM::Role");
        assert_eq!(resources["Trust01"]["Properties"]["AssumeRolePolicyDocument"], doc["AssumeRolePolicyDocument"]);
        assert_eq!(resources["Policy02"]["Type"], "AWS::IAM::ManagedPolicy");
        assert_eq!(resources["Policy02"]["Properties"]["PolicyDocument"], doc["Policies"][0]["PolicyDocument"]);
        assert_eq!(resources.as_object().map(Map::len), Some(2));

        // A bare policy document is wrapped whole.
        let bare = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow"}]});
        let wrapped = wrap_iam_json(&bare).expect("wraps");
        assert_eq!(wrapped.sources, [("Policy01".to_string(), "/".to_string())]);

        // A file without any policy document is an error, not a silent pass.
        assert!(wrap_iam_json(&json!({"RoleName": "x", "Policies": []})).is_err());
    }

    #[test]
    fn cfn_lint_passes_a_role_and_fails_a_misspelled_action() {
        let Some(tool) = require_tool("cfn-lint") else {
            return;
        };
        let dir = TempDir::new("cfn-lint");
        let good = dir.write("good/cloudformation.yaml", ROLE_TEMPLATE);
        let typo =
            dir.write("typo/cloudformation.yaml", &ROLE_TEMPLATE.replace("DescribeClusterNode", "DescribeCluterNode"));
        let hard = dir.write("hard/cloudformation.yaml", &ROLE_TEMPLATE.replace("arn:${AWS::Partition}:", "arn:aws:"));
        expect_ok(cfn_lint(&tool, std::slice::from_ref(&good), &[], &describe_cfn));
        expect_err(
            cfn_lint(&tool, &[good.clone(), typo], &[], &describe_cfn),
            &["W3037", "describecluternode", "typo/cloudformation.yaml:19:"],
        );
        expect_err(cfn_lint(&tool, &[good, hard.clone()], &[], &describe_cfn), &["I3042", "hard/cloudformation.yaml"]);
        expect_ok(cfn_lint(&tool, std::slice::from_ref(&hard), std::slice::from_ref(&hard), &describe_cfn));
    }

    #[test]
    fn cfn_lint_iam_json_fails_a_misspelled_action() {
        let Some(tool) = require_tool("cfn-lint") else {
            return;
        };
        let dir = TempDir::new("cfn-lint-iam");
        let good = dir.write("good/iam/execution.json", IAM_JSON);
        let typo = dir.write("typo/iam/execution.json", &IAM_JSON.replace("DescribeClusterNode", "DescribeCluterNode"));
        let trust_typo = dir.write("trust/iam/execution.json", &IAM_JSON.replace("sts:AssumeRole", "sts:AssumeRol"));
        let work = dir.path().join("work");
        fs::create_dir_all(&work).expect("work dir");
        expect_ok(cfn_lint_iam(&tool, std::slice::from_ref(&good), &work));
        expect_err(
            cfn_lint_iam(&tool, &[good, typo, trust_typo], &work),
            &[
                "typo/iam/execution.json at /Policies/0/PolicyDocument/Statement/0/Action: \
                 W3037 warning: 'describecluternode' is not one of the allowed values",
                "trust/iam/execution.json at /AssumeRolePolicyDocument/Statement/0/Action: W3037",
            ],
        );
    }

    #[test]
    fn kubernetes_validate_fails_a_misspelled_key_and_an_unknown_kind() {
        let Some(tool) = require_tool("kubernetes-validate") else {
            return;
        };
        let dir = TempDir::new("kubernetes-validate");
        let good = dir.write("good/rbac.yaml", &format!("{ROLE}---\n{ROLE_BINDING}"));
        let typo = dir.write("typo/rbac.yaml", &ROLE_BINDING.replace("namespace:", "namespce:"));
        let kind = dir.write("kind/rbac.yaml", &ROLE_BINDING.replace("kind: RoleBinding", "kind: RoleBindng"));
        let empty = dir.write("empty/rbac.yaml", "---\n");
        expect_ok(kubernetes_validate(&tool, std::slice::from_ref(&good)));
        expect_err(kubernetes_validate(&tool, &[good.clone(), typo]), &["'namespce' was unexpected"]);
        expect_err(kubernetes_validate(&tool, &[good.clone(), kind]), &["Couldn't find schema for kind RoleBindng"]);
        expect_err(
            kubernetes_validate(&tool, &[good, empty]),
            &["empty/rbac.yaml", "no resource validated against 1.33"],
        );
    }

    #[test]
    fn yamllint_fails_an_unquoted_yes() {
        let Some(tool) = require_tool("yamllint") else {
            return;
        };
        let dir = TempDir::new("yamllint");
        let good = dir.write("good/rbac.yaml", ROLE);
        let long = dir.write("good/cloudformation.yaml", ROLE_TEMPLATE);
        let truthy = dir.write("bad/rbac.yaml", "metadata:\n  labels:\n    managed: yes\n");
        expect_ok(yamllint(&tool, &[good.clone(), long]));
        expect_err(yamllint(&tool, &[good, truthy]), &["bad/rbac.yaml:3:14", "(truthy)"]);
    }

    #[test]
    fn checkov_passes_narrow_rbac_and_fails_a_wildcard_cluster_role() {
        let Some(tool) = require_tool("checkov") else {
            return;
        };
        let dir = TempDir::new("checkov");
        dir.write("in/good/cloudformation.yaml", ROLE_TEMPLATE);
        dir.write("in/good/rbac.yaml", &format!("{ROLE}---\n{ROLE_BINDING}"));
        dir.write("in/good/main.tf.json", NARROW_TERRAFORM);
        dir.write("in/bad/rbac.yaml", WILDCARD_CLUSTER_ROLE);
        dir.write("in/bad/main.tf.json", "{\"resource\": {");
        let from = dir.path().join("in");
        let good = [
            PathBuf::from("good/cloudformation.yaml"),
            PathBuf::from("good/main.tf.json"),
            PathBuf::from("good/rbac.yaml"),
        ];
        let bad = [PathBuf::from("bad/main.tf.json"), PathBuf::from("bad/rbac.yaml")];
        let good_work = dir.path().join("good-work");
        expect_ok(checkov(&tool, &from, &good, &good_work, &[]));
        let bad_work = dir.path().join("bad-work");
        expect_err(
            checkov(&tool, &from, &bad, &bad_work, &[]),
            &[
                "CKV_K8S_49 failed for ClusterRole.default.everything in bad/rbac.yaml:1-8",
                "terraform_json: could not parse",
                "bad/main.tf.json: checkov ran no check on it",
            ],
        );
    }

    #[test]
    fn checkov_terraform_skips_apply_to_terraform_only_and_must_be_used() {
        let failed = |framework: &str, id: &str, file: &str| {
            json!({"check_type": framework, "results": {"failed_checks": [
                {"check_id": id, "resource": "r", "file_path": format!("/{file}"),
                 "file_line_range": [1, 2], "check_name": "n"}
            ]}, "summary": {"parsing_errors": 0}})
        };
        let output = json!([
            failed("terraform_json", "CKV_AWS_356", "a/main.tf.json"),
            failed("cloudformation", "CKV_AWS_356", "a/cloudformation.yaml"),
        ]);
        let files = [PathBuf::from("a/main.tf.json"), PathBuf::from("a/cloudformation.yaml")];
        let skip = [TfSkip { check: "CKV_AWS_356", resources: "r", reason: "ENI actions take no resource" }];
        let problems = judge_checkov(&output, &files, &skip).expect_err("CloudFormation fails");
        assert_eq!(problems, ["CKV_AWS_356 failed for r in a/cloudformation.yaml:1-2: n"]);
        let other = [TfSkip { check: "CKV_AWS_356", resources: "data.exec_*_policy", reason: "elsewhere" }];
        let problems = judge_checkov(&output, &files, &other).expect_err("another resource");
        assert!(problems.iter().any(|p| p.contains("a/main.tf.json")), "{problems:?}");
        let stale = [TfSkip { check: "CKV_AWS_999", resources: "*", reason: "stale" }];
        let problems = judge_checkov(&output, &files, &stale).expect_err("stale skip");
        assert!(problems.iter().any(|p| p.contains("CKV_AWS_999")), "{problems:?}");
        let nothing = json!({"passed": 0, "failed": 0, "parsing_errors": 0});
        let problems = judge_checkov(&nothing, &files, &[]).expect_err("nothing examined");
        assert_eq!(problems.len(), 2, "{problems:?}");
    }
}
