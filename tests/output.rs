//! `render` as an attacker and a careless user would try it: each test builds its trap in a
//! temporary folder, runs the real binary, and checks that nothing but our own files changed and
//! that the folder holds exactly one complete render.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use hyperpod_iam::output::{self, MANIFEST, NewFile, Request};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn command(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hyperpod-iam"));
    cmd.args(args).current_dir(dir).env_remove("HYPERPOD_IAM_TEST_HOOK").env_remove("HYPERPOD_IAM_TEST_LOCK_WAIT_MS");
    cmd
}

fn bin(dir: &Path, args: &[&str]) -> Output {
    command(dir, args).output().unwrap()
}

fn bin_env(dir: &Path, args: &[&str], key: &str, value: &str) -> Output {
    command(dir, args).env(key, value).output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hyperpod-iam-output-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// Every entry below a folder, links not followed: files with their bytes, links with their
/// target, folders as such.
fn tree(dir: &Path) -> BTreeMap<String, String> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        let mut entries: Vec<_> = fs::read_dir(dir).unwrap().flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let path = entry.path();
            let rel = path.strip_prefix(base).unwrap().to_string_lossy().into_owned();
            let kind = entry.file_type().unwrap();
            if kind.is_symlink() {
                out.insert(rel, format!("-> {}", fs::read_link(&path).unwrap().display()));
            } else if kind.is_dir() {
                out.insert(rel.clone(), "<dir>".to_owned());
                walk(base, &path, out);
            } else {
                out.insert(rel, String::from_utf8_lossy(&fs::read(&path).unwrap()).into_owned());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The files of a golden case, as `tree` shows them.
fn golden(case: &str) -> BTreeMap<String, String> {
    tree(&root().join("golden").join(case))
}

/// A folder's render without its manifest; asserts the manifest lists exactly those files, each
/// with its hash, for `spec`.
fn render_in(out: &Path, spec: &str) -> BTreeMap<String, String> {
    let mut files = tree(out);
    let manifest = files.remove(MANIFEST).expect("a manifest");
    files.retain(|_, v| v != "<dir>");
    let mut lines = manifest.lines();
    assert!(lines.next().unwrap().starts_with("# hyperpod-iam manifest 2"));
    assert_eq!(lines.next(), Some(format!("spec\t{spec}").as_str()));
    let listed: Vec<&str> = lines.map(|l| l.rsplit('\t').next().unwrap()).collect();
    let present: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(listed, present, "the manifest lists exactly the files present");
    files
}

/// The golden files of a case that a plain `render` writes: not the example plug-in's
/// (`examples/emitters/`), which the golden harness loads with `--emitters`.
fn golden_files(case: &str) -> BTreeMap<String, String> {
    let mut files = golden(case);
    files.retain(|path, v| v != "<dir>" && path != "permissions.csv");
    files
}

/// `gov.yaml`: the GovCloud example (Slurm, all three formats it takes); `gov2.yaml`: the same
/// with its team renamed, so every file changes, one IAM JSON goes and one comes.
fn gov_specs(dir: &Path) {
    let gov = fs::read_to_string(root().join("examples/slurm-govcloud.yaml")).unwrap();
    fs::write(dir.join("gov.yaml"), &gov).unwrap();
    fs::write(dir.join("gov2.yaml"), gov.replace("name: research", "name: science")).unwrap();
}

fn ok(out: &Output) {
    assert!(out.status.success(), "exit {:?}: {}", out.status.code(), stderr(out));
}

fn refused(out: &Output, needle: &str) {
    assert_eq!(out.status.code(), Some(1), "{}", stderr(out));
    assert!(stderr(out).contains(needle), "expected `{needle}` in:\n{}", stderr(out));
}

#[test]
fn a_symlinked_manifest_is_refused_and_its_target_untouched() {
    let dir = temp("manifest-link");
    fs::write(dir.join("victim.txt"), "precious\n").unwrap();
    fs::create_dir(dir.join("out")).unwrap();
    symlink("../victim.txt", dir.join("out").join(MANIFEST)).unwrap();
    let before = tree(&dir);
    for args in [&["render"][..], &["render", "--force"]] {
        refused(&bin(&dir, args), "`out/.hyperpod-iam-files` is a symbolic link");
        assert_eq!(tree(&dir), before, "nothing written, through the link or beside it");
    }
}

#[test]
fn a_symlinked_subfolder_is_never_written_or_deleted_through() {
    let dir = temp("iam-link");
    gov_specs(&dir);
    ok(&bin(&dir, &["render", "gov.yaml"]));
    // `iam` becomes a link to a folder of the user's, holding a file a forged manifest line lists
    // with its true hash.
    fs::create_dir(dir.join("elsewhere")).unwrap();
    fs::write(dir.join("elsewhere/gov-hpc-scientist-research.json"), "mine\n").unwrap();
    fs::remove_dir_all(dir.join("out/iam")).unwrap();
    symlink("../elsewhere", dir.join("out/iam")).unwrap();
    let manifest = fs::read_to_string(dir.join("out").join(MANIFEST)).unwrap();
    let forged = manifest.replace(
        &manifest.lines().find(|l| l.ends_with("iam/gov-hpc-scientist-research.json")).unwrap().to_owned(),
        &format!("file\tiam-json\t{}\tiam/gov-hpc-scientist-research.json", sha256("mine\n")),
    );
    fs::write(dir.join("out").join(MANIFEST), forged).unwrap();
    let before = tree(&dir);
    for spec in ["gov.yaml", "gov2.yaml"] {
        for force in [false, true] {
            let args: Vec<&str> = ["render", spec].into_iter().chain(force.then_some("--force")).collect();
            refused(&bin(&dir, &args), "`out/iam` is a symbolic link");
            assert_eq!(tree(&dir), before);
        }
    }
}

fn sha256(text: &str) -> String {
    // The test's own SHA-256 comes from the system's tool, not from the code under test.
    let mut child = Command::new("sha256sum").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    format!("sha256:{}", String::from_utf8(out.stdout).unwrap().split_whitespace().next().unwrap())
}

/// A folder that an older version rendered, its manifest version 1 with SHA-256 hashes, is taken
/// over as it is: its files are still ours by those hashes (to replace, to remove, or to refuse
/// when changed), and the next render writes version 2 with BLAKE3.
#[test]
fn a_version_1_manifest_with_sha256_is_honoured_and_rewritten() {
    let dir = temp("manifest-v1");
    gov_specs(&dir);
    ok(&bin(&dir, &["render", "gov.yaml"]));
    let out = dir.join("out");
    let manifest = fs::read_to_string(out.join(MANIFEST)).unwrap();
    assert!(manifest.starts_with("# hyperpod-iam manifest 2:"), "{manifest}");
    let version_1: String = manifest
        .lines()
        .map(|line| match line.split('\t').collect::<Vec<_>>().as_slice() {
            ["file", emitter, _, path] => {
                let content = fs::read_to_string(out.join(path)).unwrap();
                format!("file\t{emitter}\t{}\t{path}\n", sha256(&content))
            }
            _ => format!("{}\n", line.replace("manifest 2:", "manifest 1:")),
        })
        .collect();
    fs::write(out.join(MANIFEST), &version_1).unwrap();
    let stale = "iam/gov-hpc-scientist-research.json";

    // A file gov2 no longer makes, changed since: named, and nothing touched.
    let original = fs::read_to_string(out.join(stale)).unwrap();
    fs::write(out.join(stale), "edited\n").unwrap();
    let before = tree(&dir);
    refused(
        &bin(&dir, &["render", "gov2.yaml"]),
        &format!("`out/{stale}` is no longer generated, but it changed since"),
    );
    assert_eq!(tree(&dir), before);

    // As it was: replaced, removed or left by its SHA-256, and the manifest rewritten.
    fs::write(out.join(stale), original).unwrap();
    let run = bin(&dir, &["render", "gov2.yaml"]);
    ok(&run);
    let said = stderr(&run);
    assert!(said.contains(&format!("removed out/{stale}")), "{said}");
    assert!(said.contains("wrote out/cloudformation.yaml"), "{said}");
    assert!(said.contains("unchanged out/iam/gov-hpc-admin-ops.json"), "{said}");
    let manifest = fs::read_to_string(out.join(MANIFEST)).unwrap();
    assert!(manifest.starts_with("# hyperpod-iam manifest 2:"), "{manifest}");
    assert!(!manifest.contains("sha256:") && manifest.contains("\tblake3:"), "{manifest}");
    render_in(&out, "gov-hpc");
}

#[test]
fn out_itself_may_be_a_link_resolved_once() {
    let dir = temp("out-link");
    fs::create_dir(dir.join("real")).unwrap();
    symlink("real", dir.join("out")).unwrap();
    let out = bin(&dir, &["render"]);
    ok(&out);
    assert!(stderr(&out).contains("wrote out/cloudformation.yaml"), "messages show `--out` as given");
    assert_eq!(fs::read_link(dir.join("out")).unwrap(), Path::new("real"));
    assert_eq!(render_in(&dir.join("real"), "ml-research"), golden_files("ml-research"));
}

#[test]
fn planted_staging_names_are_neither_followed_nor_removed() {
    let dir = temp("planted");
    fs::create_dir_all(dir.join("victim")).unwrap();
    fs::write(dir.join("victim/keep.txt"), "keep\n").unwrap();
    fs::create_dir(dir.join("out")).unwrap();
    // A link with a staging name, one with the old pid-style name, and a real folder of that
    // name that is not ours (no OWNER file) and holds a file.
    symlink("../victim", dir.join("out/.hyperpod-iam-staging-0123456789abcdef")).unwrap();
    for pid in 1..64 {
        symlink("../victim", dir.join(format!("out/.hyperpod-iam-staging-{pid}"))).unwrap();
    }
    fs::create_dir(dir.join("out/.hyperpod-iam-staging-fedcba9876543210")).unwrap();
    fs::write(dir.join("out/.hyperpod-iam-staging-fedcba9876543210/x"), "x\n").unwrap();
    let mut before = tree(&dir);
    ok(&bin(&dir, &["render"]));
    let mut after = tree(&dir);
    after.retain(|k, _| !k.starts_with("out/") || k.starts_with("out/.hyperpod-iam-staging-"));
    before.retain(|k, _| !k.starts_with("out/") || k.starts_with("out/.hyperpod-iam-staging-"));
    assert_eq!(after, before, "the victim folder and every planted name are as they were");
    for entry in fs::read_dir(dir.join("out")).unwrap().flatten() {
        if entry.file_name().to_string_lossy().starts_with(".hyperpod-iam-staging-") {
            let _ = fs::remove_file(entry.path()).or_else(|_| fs::remove_dir_all(entry.path()));
        }
    }
    assert_eq!(render_in(&dir.join("out"), "ml-research"), golden_files("ml-research"));
}

#[test]
fn forged_or_damaged_manifests_never_delete_a_user_file() {
    let dir = temp("forged");
    gov_specs(&dir);
    ok(&bin(&dir, &["render", "gov.yaml"]));
    fs::write(dir.join("out/NOTES.md"), "my notes\n").unwrap();
    let manifest = fs::read_to_string(dir.join("out").join(MANIFEST)).unwrap();
    let stolen_hash = manifest.lines().nth(2).unwrap().split('\t').nth(2).unwrap().to_owned();

    // A line for NOTES.md with a hash that is not its content: refused, named, kept.
    fs::write(dir.join("out").join(MANIFEST), format!("{manifest}file\tiam-json\t{stolen_hash}\tNOTES.md\n")).unwrap();
    let before = tree(&dir);
    refused(&bin(&dir, &["render", "gov.yaml"]), "`out/NOTES.md` is no longer generated, but it changed since");
    assert_eq!(tree(&dir), before);
    // --force keeps it and stops tracking it.
    let out = bin(&dir, &["render", "gov.yaml", "--force"]);
    ok(&out);
    assert!(stderr(&out).contains("kept out/NOTES.md (no longer generated, but changed"), "{}", stderr(&out));
    assert_eq!(fs::read_to_string(dir.join("out/NOTES.md")).unwrap(), "my notes\n");
    assert!(!fs::read_to_string(dir.join("out").join(MANIFEST)).unwrap().contains("NOTES.md"));

    // Lines that leave the folder or name hidden files, old-style lines, an empty or cut-short
    // manifest: damaged, with the way out, and nothing touched.
    fs::create_dir_all(dir.join("out/.git")).unwrap();
    fs::write(dir.join("out/.git/config"), "[core]\n").unwrap();
    let manifest = fs::read_to_string(dir.join("out").join(MANIFEST)).unwrap();
    let damaged = [
        format!("{manifest}file\tiam-json\t{stolen_hash}\t.git/config\n"),
        format!("{manifest}file\tiam-json\t{stolen_hash}\t../gov.yaml\n"),
        "cloudformation\tNOTES.md\n".to_owned(),
        String::new(),
        manifest[..manifest.len() - 10].to_owned(),
    ];
    for text in damaged {
        fs::write(dir.join("out").join(MANIFEST), &text).unwrap();
        let before = tree(&dir);
        let out = bin(&dir, &["render", "gov.yaml"]);
        refused(&out, "`out/.hyperpod-iam-files` is damaged (line ");
        assert!(stderr(&out).contains("delete it, and render again with `--force`"), "{}", stderr(&out));
        assert_eq!(tree(&dir), before, "{text:?}");
    }
    // One too large to be ours is not read at all.
    let big = fs::File::create(dir.join("out").join(MANIFEST)).unwrap();
    big.set_len(output::MAX_MANIFEST_BYTES + 1).unwrap();
    let before = tree(&dir);
    let out = bin(&dir, &["render", "gov.yaml"]);
    refused(&out, "cannot read `out/.hyperpod-iam-files`: it is larger than");
    assert!(stderr(&out).contains("delete it, and render again with `--force`"), "{}", stderr(&out));
    assert_eq!(tree(&dir), before);
    // The documented way out works, and still keeps the user's files.
    fs::remove_file(dir.join("out").join(MANIFEST)).unwrap();
    ok(&bin(&dir, &["render", "gov.yaml", "--force"]));
    assert_eq!(fs::read_to_string(dir.join("out/.git/config")).unwrap(), "[core]\n");
    assert_eq!(fs::read_to_string(dir.join("out/NOTES.md")).unwrap(), "my notes\n");
}

#[test]
fn hand_written_files_in_the_way_stop_the_render_unless_forced() {
    let dir = temp("hand-written");
    fs::create_dir(dir.join("out")).unwrap();
    fs::write(dir.join("out/main.tf.json"), "{\"mine\": true}\n").unwrap();
    let before = tree(&dir);
    let out = bin(&dir, &["render"]);
    refused(&out, "`out/main.tf.json` was not written by hyperpod-iam");
    assert!(stderr(&out).contains("pass `--force` to overwrite it"));
    assert_eq!(tree(&dir), before, "not even the files that were free were written");

    ok(&bin(&dir, &["render", "--force"]));
    assert_eq!(render_in(&dir.join("out"), "ml-research"), golden_files("ml-research"));

    // A file we wrote and the user changed afterwards.
    fs::write(dir.join("out/rbac.yaml"), "edited\n").unwrap();
    let before = tree(&dir);
    refused(&bin(&dir, &["render"]), "`out/rbac.yaml` changed since hyperpod-iam wrote it");
    assert_eq!(tree(&dir), before);

    // A spec named like an output file, rendered into its own folder.
    let dir = temp("spec-in-the-way");
    fs::copy(root().join("examples/eks-minimal.yaml"), dir.join("cloudformation.yaml")).unwrap();
    let before = tree(&dir);
    refused(&bin(&dir, &["render", "cloudformation.yaml", "--out", "."]), "`./cloudformation.yaml` was not written");
    assert_eq!(tree(&dir), before);
}

#[test]
fn a_file_or_folder_in_the_way_of_a_later_write_changes_nothing() {
    let dir = temp("in-the-way");
    gov_specs(&dir);
    ok(&bin(&dir, &["render", "gov.yaml"]));
    let old = render_in(&dir.join("out"), "gov-hpc");
    fs::remove_dir_all(dir.join("out/iam")).unwrap();
    fs::write(dir.join("out/iam"), "a file where the folder goes\n").unwrap();
    let before = tree(&dir);
    for force in [&[][..], &["--force"]] {
        let args: Vec<&str> = ["render", "gov2.yaml"].iter().chain(force).copied().collect();
        refused(&bin(&dir, &args), "`out/iam` is a file where this render needs a folder");
        assert_eq!(tree(&dir), before);
    }
    assert!(old.contains_key("cloudformation.yaml"));

    let dir = temp("folder-in-the-way");
    fs::create_dir_all(dir.join("out/rbac.yaml")).unwrap();
    fs::write(dir.join("out/rbac.yaml/inside"), "x\n").unwrap();
    let before = tree(&dir);
    for args in [&["render"][..], &["render", "--force"]] {
        refused(&bin(&dir, args), "`out/rbac.yaml` is a folder where this render writes a file");
        assert_eq!(tree(&dir), before);
    }
}

/// Each file's inode and modification time, below `out`.
fn stamps(out: &Path) -> BTreeMap<String, (u64, std::time::SystemTime)> {
    let mut stamps = BTreeMap::new();
    for (rel, kind) in tree(out) {
        if kind != "<dir>" {
            let meta = fs::symlink_metadata(out.join(&rel)).unwrap();
            stamps.insert(rel, (std::os::unix::fs::MetadataExt::ino(&meta), meta.modified().unwrap()));
        }
    }
    stamps
}

/// A render that would write what is already there writes nothing (files keep their inode and
/// modification time, and tools that watch them see no change); one after a change of the spec
/// replaces only the files that change.
#[test]
fn a_render_leaves_the_files_that_would_not_change_untouched() {
    let dir = temp("unchanged");
    gov_specs(&dir);
    ok(&bin(&dir, &["render", "gov.yaml"]));
    let first = stamps(&dir.join("out"));
    std::thread::sleep(Duration::from_millis(20));

    let out = bin(&dir, &["render", "gov.yaml"]);
    ok(&out);
    assert_eq!(stamps(&dir.join("out")), first, "not a file written, the manifest included");
    let said = stderr(&out);
    let said: Vec<&str> = said.lines().filter(|l| l.contains(" out/")).collect();
    assert_eq!(said.len(), first.len() - 1, "every file but the manifest: {said:?}");
    assert!(said.iter().all(|l| l.starts_with("unchanged out/")), "{said:?}");
    assert!(said.contains(&"unchanged out/cloudformation.yaml (already holds these bytes)"), "{said:?}");

    let out = bin(&dir, &["render", "gov2.yaml"]);
    ok(&out);
    let second = stamps(&dir.join("out"));
    for (path, stamp) in &first {
        let kept = second.get(path) == Some(stamp);
        let unchanged = stderr(&out).contains(&format!("unchanged out/{path} "));
        assert_eq!(kept, unchanged, "{path}: {}", stderr(&out));
    }
    assert!(stderr(&out).contains("unchanged out/iam/gov-hpc-admin-ops.json"), "{}", stderr(&out));
    assert!(stderr(&out).contains("wrote out/cloudformation.yaml"), "{}", stderr(&out));
    assert_ne!(second[MANIFEST], first[MANIFEST]);
    render_in(&dir.join("out"), "gov-hpc");
}

/// Runs `gov2.yaml` over a render of `gov.yaml` with `hook` before each step of the switch in
/// turn, until a run gets past the last step; returns the number of steps.
fn each_step(name: &str, first: &[&str], mut at_step: impl FnMut(&Path, usize) -> bool) -> usize {
    let dir = temp(name);
    gov_specs(&dir);
    for step in 1..200 {
        let _ = fs::remove_dir_all(dir.join("out"));
        ok(&bin(&dir, first));
        fs::write(dir.join("out/NOTES.md"), "mine\n").unwrap();
        if !at_step(&dir, step) {
            return step - 1;
        }
    }
    panic!("the switch never finished");
}

#[test]
fn a_failure_at_any_step_of_the_switch_restores_the_previous_output() {
    for first in [&["render", "gov.yaml"][..], &["render", "gov.yaml", "--format", "cloudformation"]] {
        let steps = each_step("fail-step", first, |dir, step| {
            let before = tree(dir);
            let out =
                bin_env(dir, &["render", "gov2.yaml"], "HYPERPOD_IAM_TEST_HOOK", &format!("fail-before-step:{step}"));
            if out.status.success() {
                assert_eq!(fs::read_to_string(dir.join("out/NOTES.md")).unwrap(), "mine\n");
                fs::remove_file(dir.join("out/NOTES.md")).unwrap();
                let files = render_in(&dir.join("out"), "gov-hpc");
                let want = ["cloudformation.yaml", "iam/gov-hpc-admin-ops.json", "iam/gov-hpc-exec-nodes.json"];
                assert!(want.iter().all(|f| files.contains_key(*f)), "{:?}", files.keys());
                assert!(files.contains_key("iam/gov-hpc-scientist-science.json"));
                // cloudformation.yaml, main.tf.json, ACCESS.md and the three IAM JSON files.
                assert_eq!(files.len(), 6, "{:?}", files.keys());
                return false;
            }
            refused(&out, "test hook: failed before step");
            assert!(stderr(&out).contains("the previous output was restored"), "{}", stderr(&out));
            assert_eq!(tree(dir), before, "step {step}: exactly the previous output, no staging folder");
            true
        });
        assert!(steps >= 5, "{first:?}: only {steps} steps");
    }
}

/// Starts a render paused before `step` and kills it there (SIGKILL); `None` when it finished.
fn kill_at(dir: &Path, args: &[&str], step: usize) -> Option<()> {
    let mut child = command(dir, args)
        .env("HYPERPOD_IAM_TEST_HOOK", format!("pause-before-step:{step}"))
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let reader = BufReader::new(child.stderr.take().unwrap());
    for line in reader.lines() {
        if line.unwrap().contains("test hook: paused before step") {
            child.kill().unwrap();
            child.wait().unwrap();
            return Some(());
        }
    }
    assert!(child.wait().unwrap().success());
    None
}

#[test]
fn a_run_killed_at_any_step_is_undone_by_the_next_run() {
    for first in [&["render", "gov.yaml"][..], &["render", "gov.yaml", "--format", "cloudformation"]] {
        let steps = each_step("killed", first, |dir, step| {
            let before = tree(dir);
            if kill_at(dir, &["render", "gov2.yaml"], step).is_none() {
                return false;
            }
            let staging: Vec<String> =
                tree(&dir.join("out")).into_keys().filter(|k| k.starts_with(".hyperpod-iam-staging-")).collect();
            assert!(!staging.is_empty(), "step {step}: a killed run leaves its staging folder");
            // The next run undoes it first: one that then fails at its first step shows the
            // folder exactly as before the killed run.
            let out = bin_env(dir, &["render", "gov2.yaml"], "HYPERPOD_IAM_TEST_HOOK", "fail-before-step:1");
            refused(&out, "the previous output was restored");
            assert_eq!(tree(dir), before, "step {step}");
            // And one that goes through says what it undid, and leaves one whole render.
            kill_at(dir, &["render", "gov2.yaml"], step).unwrap();
            let out = bin(dir, &["render", "gov2.yaml"]);
            ok(&out);
            assert!(
                stderr(&out).contains("note: undid a render interrupted while switching files"),
                "{}",
                stderr(&out)
            );
            assert_eq!(fs::read_to_string(dir.join("out/NOTES.md")).unwrap(), "mine\n");
            fs::remove_file(dir.join("out/NOTES.md")).unwrap();
            let files = render_in(&dir.join("out"), "gov-hpc");
            assert!(files.contains_key("iam/gov-hpc-scientist-science.json"));
            assert!(!files.contains_key("iam/gov-hpc-scientist-research.json"));
            true
        });
        assert!(steps >= 5, "{first:?}: only {steps} steps");
    }
}

#[test]
fn an_interrupted_render_whose_files_changed_since_is_not_undone_blindly() {
    let dir = temp("killed-then-edited");
    gov_specs(&dir);
    ok(&bin(&dir, &["render", "gov.yaml"]));
    let old_cfn = fs::read_to_string(dir.join("out/cloudformation.yaml")).unwrap();
    // The four files that change or go moved aside (steps 1-4; the admin and execution roles'
    // IAM JSON stay as they are), then, in path order, `ACCESS.md` (step 5) and
    // `cloudformation.yaml` (step 6) moved in.
    kill_at(&dir, &["render", "gov2.yaml"], 7).unwrap();
    assert_ne!(fs::read_to_string(dir.join("out/cloudformation.yaml")).unwrap(), old_cfn, "the new one is in");
    fs::write(dir.join("out/cloudformation.yaml"), "edited by hand after the kill\n").unwrap();
    let before = tree(&dir);
    let out = bin(&dir, &["render", "gov2.yaml", "--force"]);
    refused(&out, "cannot undo an interrupted render: `out/cloudformation.yaml` changed since");
    assert!(stderr(&out).contains("that render's files are in `out/.hyperpod-iam-staging-"), "{}", stderr(&out));
    assert_eq!(tree(&dir), before, "the edit, the staging folder and its backup are all kept");
    let backup: Vec<&String> =
        before.iter().filter(|(k, v)| k.contains("/backup/") && *v != "<dir>").map(|(k, _)| k).collect();
    assert_eq!(backup.len(), 4, "the previous files wait in backup/: {backup:?}");
}

#[test]
fn a_staging_folder_of_a_run_killed_while_staging_is_removed() {
    let dir = temp("killed-staging");
    fs::create_dir_all(dir.join("out/.hyperpod-iam-staging-00000000000000aa/new")).unwrap();
    fs::write(dir.join("out/.hyperpod-iam-staging-00000000000000aa/OWNER"), "hyperpod-iam staging 1\n").unwrap();
    fs::write(dir.join("out/.hyperpod-iam-staging-00000000000000aa/new/main.tf.json"), "half").unwrap();
    // A run killed between creating its folder and marking it: empty, so removed too.
    fs::create_dir_all(dir.join("out/.hyperpod-iam-staging-00000000000000bb")).unwrap();
    let out = bin(&dir, &["render"]);
    ok(&out);
    assert!(stderr(&out).contains("before it changed anything"), "{}", stderr(&out));
    assert_eq!(render_in(&dir.join("out"), "ml-research"), golden_files("ml-research"));
}

#[test]
fn concurrent_renders_of_two_specs_leave_exactly_one() {
    let dir = temp("concurrent");
    gov_specs(&dir);
    fs::copy(root().join("examples/ml-research.yaml"), dir.join("ml.yaml")).unwrap();
    for force in [true, false] {
        let _ = fs::remove_dir_all(dir.join("out"));
        let children: Vec<_> = (0..8)
            .map(|i| {
                let spec = if i % 2 == 0 { "gov.yaml" } else { "ml.yaml" };
                let args: Vec<&str> = ["render", spec].into_iter().chain(force.then_some("--force")).collect();
                (spec, command(&dir, &args).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap())
            })
            .collect();
        let mut successes = 0;
        for (spec, child) in children {
            let out = child.wait_with_output().unwrap();
            if out.status.success() {
                successes += 1;
            } else {
                assert!(!force, "{spec}: {}", stderr(&out));
                refused(&out, "holds output rendered from spec");
            }
        }
        assert!(successes >= 1);
        let manifest = fs::read_to_string(dir.join("out").join(MANIFEST)).unwrap();
        let (spec, case) = if manifest.contains("spec\tgov-hpc\n") {
            ("gov-hpc", "slurm-govcloud")
        } else {
            ("ml-research", "ml-research")
        };
        assert_eq!(render_in(&dir.join("out"), spec), golden_files(case), "force: {force}");
    }
}

#[test]
fn a_second_render_waits_a_bounded_time_for_the_lock() {
    let dir = temp("lock");
    fs::create_dir(dir.join("out")).unwrap();
    let held = fs::File::open(dir.join("out")).unwrap();
    held.lock().unwrap();
    let start = Instant::now();
    let out = bin_env(&dir, &["render"], "HYPERPOD_IAM_TEST_LOCK_WAIT_MS", "300");
    refused(&out, "another hyperpod-iam is rendering into `out`");
    assert!(start.elapsed() >= Duration::from_millis(300));
    assert_eq!(tree(&dir.join("out")), BTreeMap::new());
    held.unlock().unwrap();
    ok(&bin_env(&dir, &["render"], "HYPERPOD_IAM_TEST_LOCK_WAIT_MS", "300"));
}

#[test]
fn the_built_in_example_never_silently_replaces_another_specs_output() {
    let dir = temp("example-over-real");
    gov_specs(&dir);
    ok(&bin(&dir, &["render", "gov.yaml"]));
    let before = tree(&dir);
    let out = bin(&dir, &["render"]);
    assert!(stderr(&out).starts_with("note: no spec given: rendering the built-in example `ml-research`"));
    refused(&out, "`out` holds output rendered from spec `gov-hpc`, not `ml-research`");
    assert_eq!(tree(&dir), before);
    // Forced, the other spec's output is replaced whole: its IAM JSON goes too.
    let out = bin(&dir, &["render", "--force"]);
    ok(&out);
    assert!(stderr(&out).contains("removed out/iam/gov-hpc-admin-ops.json (no longer generated)"));
    assert_eq!(render_in(&dir.join("out"), "ml-research"), golden_files("ml-research"));
}

#[test]
fn input_is_bounded_and_special_files_are_refused() {
    let dir = temp("input");
    let start = Instant::now();
    let out = bin(&dir, &["check", "/dev/zero"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("`/dev/zero` is a special file"), "{}", stderr(&out));

    assert!(Command::new("mkfifo").arg(dir.join("fifo")).status().unwrap().success());
    let mut child = command(&dir, &["render", "fifo"]).stderr(Stdio::piped()).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("a FIFO with no writer hung the render");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("`fifo` is a special file (FIFO, socket or device), not a spec file"));

    let big = fs::File::create(dir.join("big.yaml")).unwrap();
    big.set_len(hyperpod_iam::input::MAX_SPEC_BYTES + 1).unwrap();
    let out = bin(&dir, &["render", "big.yaml"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("`big.yaml` is larger than the 16 MiB a spec may have"), "{}", stderr(&out));

    // Standard input without end stops at the limit too.
    let out = command(&dir, &["check", "-"]).stdin(fs::File::open("/dev/zero").unwrap()).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("`<stdin>` is larger than"), "{}", stderr(&out));
    assert!(start.elapsed() < Duration::from_secs(60));
    assert!(!dir.join("out").exists());
}

#[test]
fn a_dash_reads_the_spec_from_stdin() {
    let dir = temp("stdin");
    let spec = fs::read(root().join("examples/slurm-govcloud.yaml")).unwrap();
    let mut child = command(&dir, &["render", "-", "--format", "cloudformation", "--out", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&spec).unwrap();
    let out = child.wait_with_output().unwrap();
    ok(&out);
    assert_eq!(String::from_utf8(out.stdout).unwrap(), golden("slurm-govcloud")["cloudformation.yaml"]);

    let out = command(&dir, &["check", "-"])
        .stdin(Stdio::from(fs::File::open(root().join("tests/invalid/unknown-key.yaml")).unwrap()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).starts_with("<stdin>:"), "{}", stderr(&out));
}

/// Unmounts and removes a tmpfs when dropped.
struct Mount(PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
        let _ = fs::remove_dir(&self.0);
    }
}

#[test]
fn a_full_disk_leaves_the_previous_output() {
    let dir = temp("full-disk");
    gov_specs(&dir);
    let disk = dir.join("disk");
    fs::create_dir(&disk).unwrap();
    let mounted = Command::new("mount").args(["-t", "tmpfs", "-o", "size=512k", "tmpfs"]).arg(&disk).output();
    if !mounted.as_ref().is_ok_and(|o| o.status.success()) {
        eprintln!("SKIPPED a_full_disk_leaves_the_previous_output: cannot mount a small tmpfs here ({mounted:?})");
        return;
    }
    let _mount = Mount(disk.clone());
    let out = disk.join("out");
    let out_arg = out.to_str().unwrap();
    ok(&bin(&dir, &["render", "gov.yaml", "--out", out_arg]));
    let before = tree(&disk);
    // Fill the disk, leaving less room than a render takes.
    let mut filler = fs::File::create(disk.join("filler")).unwrap();
    let chunk = vec![0u8; 4096];
    while filler.write_all(&chunk).and_then(|()| filler.sync_all()).is_ok() {}
    drop(filler);
    let mut before_full = tree(&disk);
    let result = bin(&dir, &["render", "gov2.yaml", "--out", out_arg]);
    assert_eq!(result.status.code(), Some(1), "{}", stderr(&result));
    assert!(stderr(&result).contains("No space left on device"), "{}", stderr(&result));
    let mut after = tree(&disk);
    before_full.remove("filler");
    after.remove("filler");
    assert_eq!(after, before_full, "the previous output, whole, and no staging folder");
    assert_eq!(after, before);
    // With room again, the render goes through.
    fs::remove_file(disk.join("filler")).unwrap();
    ok(&bin(&dir, &["render", "gov2.yaml", "--out", out_arg]));
    assert!(render_in(&out, "gov-hpc").contains_key("iam/gov-hpc-scientist-science.json"));
}

/// Makes a folder immutable (even for root) while alive; `None` where the file system refuses.
struct Immutable(PathBuf);

impl Immutable {
    fn set(path: &Path) -> Option<Immutable> {
        let ok = Command::new("chattr").arg("+i").arg(path).output().is_ok_and(|o| o.status.success());
        ok.then(|| Immutable(path.to_path_buf()))
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = Command::new("chattr").arg("-i").arg(&self.0).status();
    }
}

#[test]
fn a_read_only_subfolder_fails_the_switch_and_restores_everything() {
    let dir = temp("read-only");
    gov_specs(&dir);
    ok(&bin(&dir, &["render", "gov.yaml"]));
    let before = tree(&dir);
    // As root, mode bits do not stop a write: the immutable attribute does.
    let readonly = || -> Option<Immutable> {
        fs::set_permissions(dir.join("out/iam"), std::os::unix::fs::PermissionsExt::from_mode(0o555)).unwrap();
        Immutable::set(&dir.join("out/iam"))
    };
    let Some(guard) = readonly() else {
        eprintln!("SKIPPED a_read_only_subfolder_fails_the_switch_and_restores_everything: chattr +i is refused here");
        return;
    };
    let out = bin(&dir, &["render", "gov2.yaml"]);
    refused(&out, "the previous output was restored");
    assert!(stderr(&out).contains("out/iam/"), "names the file: {}", stderr(&out));
    drop(guard);
    fs::set_permissions(dir.join("out/iam"), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    assert_eq!(tree(&dir), before);
}

#[test]
fn artifact_paths_are_checked_before_anything_is_written() {
    let dir = temp("bad-paths");
    let out = dir.join("out");
    let write = |paths: &[&str]| {
        let files = paths.iter().map(|path| NewFile { emitter: "plug-in", path, contents: b"x" }).collect();
        output::write(&Request { out: &out, spec: "s", files, scope: vec!["plug-in"], force: true })
    };
    for bad in
        [&["../escape.json"][..], &["/etc/passwd"], &[".git/config"], &["a//b"], &["iam", "iam/x.json"], &["a", "a"]]
    {
        let errors = write(bad).unwrap_err();
        assert!(!errors.is_empty(), "{bad:?}");
        assert!(!out.exists(), "{bad:?}: nothing written, not even the folder");
    }
    let errors = write(&["../escape.json"]).unwrap_err();
    assert_eq!(
        errors[0].to_string(),
        "emitter `plug-in` returned a path that cannot be written: `../escape.json` has a `.` or `..` segment; an artifact path never leaves or names its folder"
    );
    let files = vec![NewFile { emitter: "a\tb", path: "x", contents: b"x" }];
    let errors =
        output::write(&Request { out: &out, spec: "s\n", files, scope: Vec::new(), force: false }).unwrap_err();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(!out.exists());
    assert!(write(&["ok/x.json"]).is_ok());
    assert!(!dir.join("escape.json").exists());
}
