//! Template emitters as users meet them: plug-in folders through `--emitters` and the
//! environment, broken plug-ins that write nothing, and the built-in ones judged by the tools and
//! schemas their users rely on (eksctl's ClusterConfig schema, `kubectl kustomize`, the model's
//! own JSON Schema).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::tools::require_tool;
use hyperpod_iam::app::EMITTERS_ENV;
use hyperpod_iam::emit::ModelDocument;
use hyperpod_iam::spec::{self, Source};
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bin(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hyperpod-iam"));
    command.args(args).current_dir(dir).env_remove(EMITTERS_ENV);
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().unwrap()
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hyperpod-iam-templates-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The golden cases that have a file at `rel` (`eksctl-access.yaml`, `kustomize`), sorted.
fn golden_with(rel: &str) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = fs::read_dir(root().join("golden"))
        .unwrap()
        .flatten()
        .map(|e| e.path().join(rel))
        .filter(|p| p.exists())
        .collect();
    found.sort();
    assert!(!found.is_empty(), "no golden case has `{rel}`: a test that checks nothing proves nothing");
    found
}

/// Every folder under `tests/emitters/` is a broken plug-in: rendering with it fails with an
/// error that names a file (and a line, but for a clash of names), creates no output folder, and
/// leaves an existing one as it was.
#[test]
fn a_broken_plugin_writes_nothing() {
    let mut cases: Vec<PathBuf> =
        fs::read_dir(root().join("tests/emitters")).unwrap().flatten().map(|e| e.path()).collect();
    cases.sort();
    assert!(cases.len() >= 5);
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let dir = temp(&format!("broken-{name}"));
        let plugin = case.to_str().unwrap();

        let out = bin(&dir, &["render", "--emitters", plugin, "--out", "fresh"], &[]);
        assert!(!out.status.success(), "{name}: rendered");
        assert!(!dir.join("fresh").exists(), "{name}: a failed render created its output folder");
        let message = stderr(&out);
        // The note that the built-in example is rendered, then the error.
        let message = message.lines().filter(|l| !l.starts_with("note: ")).collect::<Vec<_>>().join("\n");
        assert!(message.starts_with("error: ") && message.contains("tests/emitters/"), "{name}: {message}");
        if name != "duplicate-name" {
            let at_line = message.split(&format!("tests/emitters/{name}/")).nth(1).unwrap();
            let (file, rest) = at_line.split_once(':').unwrap();
            assert!(rest.starts_with(|c: char| c.is_ascii_digit()), "{name}: `{file}` without a line: {message}");
        }

        fs::create_dir_all(dir.join("kept")).unwrap();
        fs::write(dir.join("kept/ACCESS.md"), "previous\n").unwrap();
        let out = bin(&dir, &["render", "--emitters", plugin, "--out", "kept"], &[]);
        assert!(!out.status.success(), "{name}: rendered");
        assert_eq!(fs::read_to_string(dir.join("kept/ACCESS.md")).unwrap(), "previous\n", "{name}");
        assert_eq!(fs::read_dir(dir.join("kept")).unwrap().count(), 1, "{name}: wrote into an existing folder");
    }
}

/// `HYPERPOD_IAM_EMITTERS` loads folders as `--emitters` does, before it; the same emitter from
/// both is a clash of names.
#[test]
fn the_environment_variable_adds_plugin_folders() {
    let dir = root();
    let out = bin(&dir, &["emitters"], &[(EMITTERS_ENV, "examples/emitters")]);
    assert!(out.status.success(), "{}", stderr(&out));
    let listing = String::from_utf8(out.stdout).unwrap();
    let line = listing.lines().find(|l| l.starts_with("permissions-csv ")).expect("the plug-in is listed");
    assert!(line.ends_with("[examples/emitters/permissions-csv]"), "{line}");
    assert!(listing.lines().next().unwrap().starts_with("cloudformation "), "built-ins first:\n{listing}");

    let out = bin(&dir, &["emitters", "--emitters", "examples/emitters"], &[(EMITTERS_ENV, "examples/emitters")]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: two emitters are named `permissions-csv`: one from examples/emitters/permissions-csv, one from examples/emitters/permissions-csv\n"
    );
}

/// A plug-in's files are written with the rest and recorded in the output manifest; a later run
/// without the plug-in does not speak for its files and leaves them.
#[test]
fn plugin_files_are_written_and_recorded() {
    let dir = temp("plugin-render");
    let plugins = root().join("examples/emitters");
    let out = bin(&dir, &["render", "--emitters", plugins.to_str().unwrap()], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let csv = fs::read_to_string(dir.join("out/permissions.csv")).unwrap();
    assert_eq!(csv, fs::read_to_string(root().join("golden/ml-research/permissions.csv")).unwrap());
    let access = fs::read_to_string(dir.join("out/ACCESS.md")).unwrap();
    assert_eq!(access, fs::read_to_string(root().join("golden/ml-research/ACCESS.md")).unwrap());
    let manifest = fs::read_to_string(dir.join("out").join(hyperpod_iam::app::MANIFEST)).unwrap();
    // `file<TAB>emitter<TAB>blake3:<hash><TAB>path` (src/output/manifest.rs).
    let recorded = |emitter: &str, path: &str| {
        manifest.lines().any(|l| {
            let fields: Vec<&str> = l.split('\t').collect();
            fields.len() == 4 && fields[0] == "file" && fields[1] == emitter && fields[3] == path
        })
    };
    assert!(recorded("permissions-csv", "permissions.csv"), "{manifest}");
    assert!(recorded("kustomize", "kustomize/kustomization.yaml"), "{manifest}");

    let out = bin(&dir, &["render"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("removed"), "{}", stderr(&out));
    assert_eq!(fs::read_to_string(dir.join("out/permissions.csv")).unwrap(), csv);
}

/// Runs the validators' Python with a script; returns its stdout, or `None` when skipped.
fn python(script: &str, args: &[&Path]) -> Option<String> {
    let python = require_tool("python")?;
    let out = Command::new(python).arg("-c").arg(script).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "python failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).unwrap())
}

/// Validates documents against a JSON Schema: argv[1] the schema, then the files (YAML or JSON).
/// Prints one line per problem: file, the path in the document, the message.
const VALIDATE: &str = r#"
import json, sys, yaml, jsonschema
schema = json.load(open(sys.argv[1]))
validator = jsonschema.validators.validator_for(schema)(schema)
for path in sys.argv[2:]:
    with open(path) as f:
        doc = json.load(f) if path.endswith(".json") else yaml.safe_load(f)
    for e in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in e.absolute_path) or "(top)"
        print(f"{path}: {where}: {e.message}")
"#;

fn schema_problems(schema: &Path, files: &[PathBuf]) -> Option<String> {
    let mut args: Vec<&Path> = vec![schema];
    args.extend(files.iter().map(PathBuf::as_path));
    python(VALIDATE, &args)
}

/// Every golden `eksctl-access.yaml` is a valid eksctl `ClusterConfig`, as written (with its
/// `${AWS_*}` placeholders) and once they are filled in; every ARN in it is then an ARN of the
/// right service.
#[test]
fn eksctl_output_follows_eksctl_schema() {
    let files = golden_with("eksctl-access.yaml");
    let work = temp("eksctl");
    let mut filled = Vec::new();
    for (i, file) in files.iter().enumerate() {
        let text = fs::read_to_string(file).unwrap();
        let text = text
            .replace("${AWS_PARTITION}", "aws")
            .replace("${AWS_REGION}", "us-west-2")
            .replace("${AWS_ACCOUNT_ID}", "123456789012");
        assert!(!text.contains("${"), "{}: a placeholder envsubst would not fill", file.display());
        for line in text.lines() {
            if let Some((key, value)) = line.trim_start_matches([' ', '-']).split_once(": ")
                && key.ends_with("ARN")
            {
                let arn = value.trim_matches('"');
                let ok = match key {
                    "policyARN" => arn.contains(":eks::aws:cluster-access-policy/"),
                    _ => arn.contains(":iam::") && arn.contains(":role/"),
                };
                assert!(ok && arn.starts_with("arn:aws"), "{}: `{key}: {arn}`", file.display());
            }
        }
        let path = work.join(format!("filled-{i}.yaml"));
        fs::write(&path, text).unwrap();
        filled.push(path);
    }
    let schema = root().join("tests/data/eksctl-clusterconfig.schema.json");
    let Some(raw) = schema_problems(&schema, &files) else { return };
    let Some(after) = schema_problems(&schema, &filled) else { return };
    assert!(raw.is_empty() && after.is_empty(), "eksctl's schema refuses:\n{raw}{after}");
}

/// The kustomization builds with the real tool (`kubectl kustomize`), and what it builds is
/// exactly the objects of the same case's `rbac.yaml`.
#[test]
fn kustomize_builds_the_objects_of_rbac_yaml() {
    let Some(kubectl) = require_tool("kubectl") else { return };
    let objects = |text: &str| -> Vec<String> {
        let mut docs: Vec<String> = text
            .split("\n---\n")
            .map(|d| serde_saphyr::from_str::<Value>(d).unwrap())
            .filter(|v| !v.is_null())
            .map(|v| serde_json::to_string(&v).unwrap())
            .collect();
        docs.sort();
        docs
    };
    for folder in golden_with("kustomize") {
        let out = Command::new(&kubectl).arg("kustomize").arg(&folder).output().unwrap();
        assert!(out.status.success(), "kubectl kustomize {}: {}", folder.display(), stderr(&out));
        let built = objects(&String::from_utf8(out.stdout).unwrap());
        let rbac = fs::read_to_string(folder.parent().unwrap().join("rbac.yaml")).unwrap();
        let expected = objects(&rbac);
        assert!(!built.is_empty());
        assert_eq!(built, expected, "{}: kustomize builds other objects than rbac.yaml", folder.display());
    }
}

/// The model document of every example follows `schema/model.schema.json`. The schema is
/// closed: a field added to the model, or one that changes shape, is reported here by its path,
/// until the schema and `MODEL_VERSION` are updated with it.
#[test]
fn model_documents_follow_the_schema() {
    let work = temp("model-schema");
    let mut files = Vec::new();
    let mut examples: Vec<PathBuf> =
        fs::read_dir(root().join("examples")).unwrap().flatten().map(|e| e.path()).filter(|p| p.is_file()).collect();
    examples.sort();
    for path in examples {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let model = spec::load(&Source { name: name.clone(), text: fs::read_to_string(&path).unwrap() }).unwrap();
        let file = work.join(format!("{name}.model.json"));
        fs::write(&file, ModelDocument::new(&model).to_json().unwrap()).unwrap();
        files.push(file);
    }
    let schema: Value =
        serde_json::from_str(&fs::read_to_string(root().join("schema/model.schema.json")).unwrap()).unwrap();
    assert_eq!(schema["properties"]["modelVersion"]["const"], hyperpod_iam::emit::MODEL_VERSION);
    let Some(problems) = schema_problems(&root().join("schema/model.schema.json"), &files) else { return };
    assert!(problems.is_empty(), "the model no longer matches schema/model.schema.json:\n{problems}");
}

/// The example plug-in's CSV: one header, then rows of five fields (RFC 4180), each role of the
/// model with a permission policy present.
#[test]
fn the_plugin_csv_is_well_formed() {
    let mut cases = BTreeMap::new();
    for csv in golden_with("permissions.csv") {
        let text = fs::read_to_string(&csv).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("role,effect,action,resource,condition"));
        let mut rows = 0;
        for line in lines {
            let mut fields = 0;
            let mut quoted = false;
            for c in line.chars() {
                match c {
                    '"' => quoted = !quoted,
                    ',' if !quoted => fields += 1,
                    _ => {}
                }
            }
            assert!(!quoted && fields == 4, "{}: `{line}`", csv.display());
            rows += 1;
        }
        cases.insert(csv.display().to_string(), rows);
    }
    assert!(cases.values().all(|&rows| rows > 0), "{cases:?}");
}
