//! Every YAML file we write reads back as the same values in a YAML 1.1 reader (PyYAML, which
//! cfn-lint, checkov and kubectl-like tools use), where unquoted `2012-10-17` would be a date
//! and `yes` a boolean.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

const PYYAML_TO_JSON: &str = r#"
import json, sys, yaml
out = []
for path in sys.argv[1:]:
    with open(path) as f:
        out.append([d for d in yaml.safe_load_all(f) if d is not None])
print(json.dumps(out))
"#;

#[test]
fn pyyaml_reads_every_golden_yaml_as_we_do() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("golden"))
        .unwrap()
        .flatten()
        .flat_map(|case| std::fs::read_dir(case.path()).into_iter().flatten().flatten())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no golden YAML found");
    let Some(python) = common::tools::require_tool("python3") else { return };
    let output = Command::new(python).arg("-c").arg(PYYAML_TO_JSON).args(&files).output().unwrap();
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        if stderr.contains("No module named 'yaml'") {
            common::tools::skip_or_fail("PyYAML is not installed beside python3");
            return;
        }
        panic!("PyYAML failed: {stderr}");
    }
    let theirs: Vec<Vec<Value>> = serde_json::from_slice(&output.stdout).unwrap();
    for (path, docs) in files.iter().zip(theirs) {
        let text = std::fs::read_to_string(path).unwrap();
        let ours: Vec<Value> = text
            .split("\n---\n")
            .map(|d| d.strip_prefix("---\n").unwrap_or(d))
            .filter(|d| !d.trim().is_empty() && !d.lines().all(|l| l.starts_with('#') || l.trim().is_empty()))
            .map(|d| serde_saphyr::from_str(d).unwrap())
            .collect();
        assert_eq!(ours, docs, "{}: a YAML 1.1 reader sees other values", path.display());
    }
}
