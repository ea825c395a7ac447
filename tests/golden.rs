//! The golden harness: every example spec is rendered through every emitter that applies, and
//! every command case is run through the real binary; the results must equal `golden/<case>/`
//! byte for byte. All mismatches are reported together, each with a unified diff.
//!
//! `BLESS=1 cargo test --test golden` rewrites the expected files (refused under `CI`). Read every
//! changed line before committing it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use hyperpod_iam::app;
use hyperpod_iam::emit::{Registry, Render};
use hyperpod_iam::spec::{self, Source};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Files of a folder, recursively, relative path → contents.
fn read_tree(dir: &Path) -> BTreeMap<String, String> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        let Ok(entries) = fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                let rel = path.strip_prefix(base).unwrap().to_string_lossy().replace('\\', "/");
                out.insert(rel, fs::read_to_string(&path).unwrap_or_else(|e| format!("<unreadable: {e}>")));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// Compares one case; returns its mismatches as printable diffs, or rewrites it when blessing.
fn compare(case: &str, actual: &BTreeMap<String, String>, bless: bool) -> Vec<String> {
    let dir = root().join("golden").join(case);
    let expected = read_tree(&dir);
    if bless {
        if expected != *actual {
            let _ = fs::remove_dir_all(&dir);
            for (rel, contents) in actual {
                let path = dir.join(rel);
                fs::create_dir_all(path.parent().unwrap()).unwrap();
                fs::write(&path, contents).unwrap();
            }
            eprintln!("blessed golden/{case}");
        }
        return Vec::new();
    }
    let mut problems = Vec::new();
    let names: std::collections::BTreeSet<&String> = expected.keys().chain(actual.keys()).collect();
    for name in names {
        let label = format!("golden/{case}/{name}");
        match (expected.get(name), actual.get(name)) {
            (Some(e), Some(a)) if e == a => {}
            (Some(e), Some(a)) => {
                let diff = similar::TextDiff::from_lines(e, a)
                    .unified_diff()
                    .context_radius(3)
                    .header(&format!("{label} (expected)"), &format!("{label} (actual)"))
                    .to_string();
                problems.push(diff);
            }
            (Some(_), None) => problems.push(format!("{label}: expected, but not produced\n")),
            (None, Some(_)) => problems.push(format!("{label}: produced, but not expected\n")),
            (None, None) => {}
        }
    }
    problems
}

fn blessing() -> bool {
    let bless = std::env::var_os("BLESS").is_some_and(|v| v == "1");
    assert!(
        !(bless && std::env::var_os("CI").is_some()),
        "BLESS=1 is refused under CI: golden files change only on purpose"
    );
    bless
}

fn finish(problems: Vec<String>, cases: usize) {
    assert!(cases > 0, "no golden case found: a harness that checks nothing proves nothing");
    if !problems.is_empty() {
        for p in &problems {
            eprintln!("{p}");
        }
        panic!("{} golden mismatch(es); run `BLESS=1 cargo test --test golden` and read the diff", problems.len());
    }
}

/// Every example spec, sorted.
fn examples() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(root().join("examples"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml" | "json")))
        .collect();
    files.sort();
    files
}

/// Renders an example the way `render --format all --emitters examples/emitters` does, in
/// memory: every built-in emitter and the example plug-in.
pub fn render_example(path: &Path) -> BTreeMap<String, String> {
    let name = format!("examples/{}", path.file_name().unwrap().to_string_lossy());
    let source = Source { name, text: fs::read_to_string(path).unwrap() };
    let model = spec::load(&source).unwrap_or_else(|d| panic!("{}: {d}", source.name));
    let mut registry = Registry::builtin();
    registry.load_folder(&root().join("examples/emitters")).unwrap();
    let selection = app::select(&registry, &Render::new(&model), &["all"]).unwrap_or_else(|f| panic!("{:?}", f.lines));
    let artifacts =
        app::emit_all(&selection.emitters, &Render::new(&model)).unwrap_or_else(|f| panic!("{:?}", f.lines));
    artifacts.into_iter().map(|(_, a)| (a.path, a.contents)).collect()
}

#[test]
fn examples_render_as_golden() {
    let bless = blessing();
    let mut problems = Vec::new();
    let files = examples();
    for path in &files {
        let case = path.file_stem().unwrap().to_string_lossy().into_owned();
        problems.extend(compare(&case, &render_example(path), bless));
    }
    finish(problems, files.len());
}

/// Runs the binary from the crate root; returns stdout, stderr, exit code.
fn run(args: &[&str]) -> (String, String, i32) {
    let output = Command::new(env!("CARGO_BIN_EXE_hyperpod-iam"))
        .args(args)
        .current_dir(root())
        .env_remove("CI")
        .env_remove(app::EMITTERS_ENV)
        .output()
        .unwrap();
    (
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
        output.status.code().unwrap_or(-1),
    )
}

/// The command cases: name and arguments. Output that names a temporary folder is not one of them.
const COMMANDS: &[(&str, &[&str])] = &[
    ("cli-help", &["--help"]),
    ("cli-version", &["--version"]),
    ("cli-render-help", &["render", "--help"]),
    ("cli-check-help", &["check", "--help"]),
    ("cli-can-help", &["can", "--help"]),
    ("cli-emitters", &["emitters"]),
    ("cli-emitters-with-plugin", &["emitters", "--emitters", "examples/emitters"]),
    ("cli-model", &["model", "examples/eks-minimal.yaml"]),
    ("cli-model-help", &["model", "--help"]),
    (
        "cli-render-plugin-stdout",
        &[
            "render",
            "examples/eks-minimal.yaml",
            "--emitters",
            "examples/emitters",
            "--format",
            "permissions-csv",
            "--out",
            "-",
        ],
    ),
    ("cli-format-did-you-mean", &["render", "--format", "cloudformaton"]),
    ("cli-format-not-applicable", &["render", "examples/slurm-minimal.yaml", "--format", "eksctl", "--out", "-"]),
    ("cli-emitter-syntax-error", &["render", "--emitters", "tests/emitters/syntax-error", "--out", "-"]),
    (
        "cli-emitter-undefined",
        &["render", "--emitters", "tests/emitters/undefined", "--format", "undefined", "--out", "-"],
    ),
    ("cli-emitter-endless", &["render", "--emitters", "tests/emitters/endless", "--format", "endless", "--out", "-"]),
    ("cli-emitter-outside-out", &["render", "--emitters", "tests/emitters/outside-out", "--out", "-"]),
    ("cli-emitter-duplicate-name", &["render", "--emitters", "tests/emitters/duplicate-name", "--out", "-"]),
    ("cli-emitter-bad-manifest", &["render", "--emitters", "tests/emitters/bad-manifest", "--out", "-"]),
    ("cli-emitter-missing-folder", &["emitters", "--emitters", "no/such/folder"]),
    ("cli-init-eks", &["init"]),
    ("cli-init-slurm", &["init", "--orchestrator", "slurm"]),
    ("cli-check-example", &["check"]),
    ("cli-check-eks-full", &["check", "examples/eks-full.yaml"]),
    ("cli-render-stdout", &["render", "examples/eks-minimal.yaml", "--format", "cloudformation", "--out", "-"]),
    ("cli-render-iam-json-without-account", &["render", "--format", "iam-json", "--out", "-"]),
    ("cli-render-stdout-two-formats", &["render", "examples/slurm-govcloud.yaml", "--format", "all", "--out", "-"]),
    ("cli-render-missing-file", &["render", "no/such/spec.yaml"]),
    ("cli-check-special-file", &["check", "/dev/zero"]),
    ("cli-bad-format", &["render", "--format", "pdf"]),
    ("cli-check-json", &["check", "tests/lint/resources.yaml", "--format", "json"]),
    ("cli-check-sarif", &["check", "tests/lint/aws-page-errors.yaml", "--format", "sarif"]),
    ("cli-check-sarif-invalid-spec", &["check", "tests/invalid/unknown-key.yaml", "--format", "sarif"]),
    ("cli-check-deny-warnings", &["check", "examples/eks-full.yaml", "--deny-warnings"]),
    ("cli-render-refuses-lint-errors", &["render", "tests/lint/aws-page-errors.yaml", "--out", "-"]),
    (
        "cli-check-allow",
        &["check", "tests/lint/acknowledged.yaml", "--deny-warnings", "--allow", "HP106=log groups vary per job"],
    ),
    ("cli-check-allow-refuses-errors", &["check", "tests/lint/acknowledged.yaml", "--allow", "HP109=everything"]),
    ("cli-check-acknowledged-json", &["check", "tests/lint/acknowledged.yaml", "--format", "json"]),
    ("cli-check-acknowledged-sarif", &["check", "tests/lint/acknowledged.yaml", "--format", "sarif"]),
    ("cli-check-acknowledged-deny-warnings", &["check", "tests/lint/acknowledged.yaml", "--deny-warnings"]),
];

fn command_case(stdout: String, stderr: String, code: i32) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    if !stdout.is_empty() {
        files.insert("stdout.txt".to_owned(), stdout);
    }
    if !stderr.is_empty() {
        files.insert("stderr.txt".to_owned(), stderr);
    }
    files.insert("exit-code".to_owned(), format!("{code}\n"));
    files
}

#[test]
fn commands_print_as_golden() {
    let bless = blessing();
    let mut problems = Vec::new();
    for (case, args) in COMMANDS {
        let (stdout, stderr, code) = run(args);
        problems.extend(compare(case, &command_case(stdout, stderr, code), bless));
    }
    finish(problems, COMMANDS.len());
}

/// `can --matrix` of every example: each persona against the tasks of tasks.md, as a table; and
/// one example in each of the other formats.
#[test]
fn can_matrix_prints_as_golden() {
    let bless = blessing();
    let mut problems = Vec::new();
    let files = examples();
    let mut cases: Vec<(String, Vec<String>)> = files
        .iter()
        .map(|path| {
            let case = path.file_stem().unwrap().to_string_lossy().into_owned();
            let rel = format!("examples/{}", path.file_name().unwrap().to_string_lossy());
            (format!("can-matrix-{case}"), vec!["can".to_owned(), rel, "--matrix".to_owned()])
        })
        .collect();
    for format in ["json", "markdown"] {
        let args = ["can", "examples/ml-research.yaml", "--matrix", "--format", format];
        cases.push((format!("can-matrix-ml-research-{format}"), args.map(str::to_owned).to_vec()));
    }
    for (case, args) in &cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (stdout, stderr, code) = run(&args);
        assert!(code == 0 || code == 1, "{case}: exit {code}: {stderr}");
        problems.extend(compare(case, &command_case(stdout, stderr, code), bless));
    }
    finish(problems, cases.len());
}

/// Every spec under `tests/invalid/` must be refused: exit 3, one line per error, nothing written.
#[test]
fn invalid_specs_fail_as_golden() {
    let bless = blessing();
    let mut problems = Vec::new();
    let mut files: Vec<PathBuf> =
        fs::read_dir(root().join("tests/invalid")).unwrap().flatten().map(|e| e.path()).collect();
    files.sort();
    for path in &files {
        let case = path.file_stem().unwrap().to_string_lossy().into_owned();
        let rel = format!("tests/invalid/{}", path.file_name().unwrap().to_string_lossy());
        let out = std::env::temp_dir().join(format!("hyperpod-iam-invalid-{case}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&out);
        let (stdout, stderr, code) = run(&["render", &rel, "--out", out.to_str().unwrap()]);
        assert!(!out.exists(), "{rel}: a failed render created `{}`", out.display());
        assert_eq!(code, 3, "{rel}: exit code {code}, stderr:\n{stderr}");
        assert!(
            !stderr.is_empty() && stderr.lines().all(|l| l.starts_with(&rel)),
            "{rel}: every error line names the file:\n{stderr}"
        );
        problems.extend(compare(&format!("invalid-{case}"), &command_case(stdout, stderr, code), bless));
    }
    finish(problems, files.len());
}

/// Every spec under `tests/lint/` is read by `check`: its diagnostics and exit code are golden.
#[test]
fn lint_cases_report_as_golden() {
    let bless = blessing();
    let mut problems = Vec::new();
    let mut files: Vec<PathBuf> =
        fs::read_dir(root().join("tests/lint")).unwrap().flatten().map(|e| e.path()).collect();
    files.sort();
    for path in &files {
        let case = path.file_stem().unwrap().to_string_lossy().into_owned();
        let rel = format!("tests/lint/{}", path.file_name().unwrap().to_string_lossy());
        let (stdout, stderr, code) = run(&["check", &rel]);
        assert!(!stdout.is_empty(), "{rel}: a lint case must find something");
        problems.extend(compare(&format!("lint-{case}"), &command_case(stdout, stderr, code), bless));
    }
    finish(problems, files.len());
}
