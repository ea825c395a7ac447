//! The binary as a user runs it: the built-in example, all-or-nothing writes, determinism.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hyperpod-iam")).args(args).current_dir(dir).output().unwrap()
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hyperpod-iam-cli-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn golden(case: &str, file: &str) -> String {
    fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("golden").join(case).join(file)).unwrap()
}

#[test]
fn render_with_no_argument_writes_the_example_into_out() {
    let dir = temp("default");
    let first = bin(&dir, &["render"]);
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let written = fs::read_to_string(dir.join("out/cloudformation.yaml")).unwrap();
    assert_eq!(written, golden("ml-research", "cloudformation.yaml"));
    let stderr = String::from_utf8(first.stderr).unwrap();
    assert!(stderr.contains("wrote out/cloudformation.yaml"), "{stderr}");
    assert!(stderr.contains("skipped iam-json"), "{stderr}");

    // Twice: the same bytes, and no staging folder left behind.
    assert!(bin(&dir, &["render"]).status.success());
    assert_eq!(fs::read_to_string(dir.join("out/cloudformation.yaml")).unwrap(), written);
    let hidden: Vec<String> = fs::read_dir(dir.join("out"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert_eq!(hidden, [hyperpod_iam::app::MANIFEST], "only the manifest, no staging folder");
}

#[test]
fn stdout_gives_the_same_bytes_as_the_file() {
    let dir = temp("stdout");
    let spec = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/slurm-govcloud.yaml");
    let spec = spec.to_str().unwrap();
    let out = bin(&dir, &["render", spec, "--format", "cloudformation", "--out", "-"]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap(), golden("slurm-govcloud", "cloudformation.yaml"));
    assert!(!dir.join("out").exists(), "--out - writes no folder");
}

#[test]
fn a_failed_render_leaves_an_existing_output_folder_untouched() {
    let dir = temp("untouched");
    fs::create_dir_all(dir.join("out")).unwrap();
    fs::write(dir.join("out/cloudformation.yaml"), "previous\n").unwrap();
    fs::write(dir.join("bad.yaml"), "name: x\norchestrator: eks\n").unwrap();
    let out = bin(&dir, &["render", "bad.yaml"]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(fs::read_to_string(dir.join("out/cloudformation.yaml")).unwrap(), "previous\n");
    assert_eq!(fs::read_dir(dir.join("out")).unwrap().count(), 1);
}

#[test]
fn an_unwritable_output_is_a_runtime_error() {
    let dir = temp("unwritable");
    fs::write(dir.join("out"), "a file where the folder should be\n").unwrap();
    let out = bin(&dir, &["render"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.lines().any(|l| l.starts_with("error: cannot create `out`")), "{stderr}");
}

#[test]
fn selected_formats_only() {
    let dir = temp("select");
    let spec = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/slurm-govcloud.yaml");
    let out = bin(&dir, &["render", spec.to_str().unwrap(), "--format", "iam-json", "--out", "o"]);
    assert!(out.status.success());
    assert!(!dir.join("o/cloudformation.yaml").exists());
    assert_eq!(
        fs::read_to_string(dir.join("o/iam/gov-hpc-admin-ops.json")).unwrap(),
        golden("slurm-govcloud", "iam/gov-hpc-admin-ops.json")
    );
}

/// A file an earlier run wrote and this one no longer generates is removed, and said so; a file
/// hyperpod-iam did not write, or of a format this run does not render, is left alone.
#[test]
fn files_no_longer_generated_are_removed_and_nothing_else() {
    let dir = temp("stale");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let gov = fs::read_to_string(root.join("examples/slurm-govcloud.yaml")).unwrap();
    fs::write(dir.join("spec.yaml"), &gov).unwrap();
    assert!(bin(&dir, &["render", "spec.yaml"]).status.success());
    assert!(dir.join("out/iam/gov-hpc-scientist-research.json").exists());
    fs::write(dir.join("out/notes.txt"), "mine\n").unwrap();

    // The team is renamed: its old IAM JSON goes, the rest stays.
    fs::write(dir.join("spec.yaml"), gov.replace("name: research", "name: science")).unwrap();
    let out = bin(&dir, &["render", "spec.yaml", "--format", "iam-json"]);
    assert!(out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("removed out/iam/gov-hpc-scientist-research.json (no longer generated)"), "{stderr}");
    assert!(!dir.join("out/iam/gov-hpc-scientist-research.json").exists());
    assert!(dir.join("out/iam/gov-hpc-scientist-science.json").exists());
    assert!(dir.join("out/cloudformation.yaml").exists(), "a format this run did not render stays");
    assert!(dir.join("out/notes.txt").exists(), "a file hyperpod-iam did not write stays");

    // Without partition, region and account, `all` skips iam-json: its files are stale now.
    let unpinned: String = gov
        .lines()
        .filter(|l| !l.starts_with("partition:") && !l.starts_with("region:") && !l.starts_with("account:"))
        .map(|l| format!("{}\n", l.replace("aws-us-gov", "aws")))
        .collect();
    fs::write(dir.join("spec.yaml"), unpinned).unwrap();
    let out = bin(&dir, &["render", "spec.yaml"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!dir.join("out/iam/gov-hpc-scientist-science.json").exists());
    assert!(dir.join("out/notes.txt").exists());
}
