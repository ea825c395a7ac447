//! The scripts behind BENCHMARKS.md's figures run as that file says: `benches/alternate.py`
//! times every build given, each run into an empty folder of its own, and stops at a run that
//! fails; `benches/run.sh` is valid bash. (Running `run.sh` whole builds a release binary and
//! takes minutes: it is run by hand, not here.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn alternate(args: &[&str]) -> Output {
    Command::new("python3").arg(root().join("benches/alternate.py")).args(args).output().unwrap()
}

#[test]
fn alternate_times_each_build_into_empty_folders() {
    let bin = env!("CARGO_BIN_EXE_hyperpod-iam");
    // The same build twice, as two builds: three rounds each, every run a render of the example.
    let out = alternate(&["3", bin, bin, "--", "render", "--out", "{out}"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "one line per build given: {stdout}");
    for line in lines {
        assert!(line.starts_with(&format!("{bin}: wall median ")), "{line}");
        for part in ["ms (quartiles ", " to ", "fastest ", "CPU median ", "peak ", " MB"] {
            assert!(line.contains(part), "{line}");
        }
    }

    // `{out}` names a folder that no run has seen: a "build" that fails when it exists, and
    // makes it, succeeds on every run.
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("alternate");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let fresh = dir.join("fresh.sh");
    std::fs::write(
        &fresh,
        "#!/bin/sh
[ ! -e \"$1\" ] && mkdir \"$1\"
",
    )
    .unwrap();
    std::fs::set_permissions(&fresh, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let fresh = fresh.to_str().unwrap();
    let runs = alternate(&["4", fresh, "--", "{out}"]);
    assert!(runs.status.success(), "{}", String::from_utf8_lossy(&runs.stderr));
    // A run that fails is not a timing: the script stops and says which build.
    let failed = alternate(&["1", bin, "--", "check", "/nonexistent/spec.yaml"]);
    assert!(!failed.status.success());
    assert!(String::from_utf8_lossy(&failed.stderr).contains(&format!("{bin}: exit status ")));
    // Without `--`, the usage.
    let usage = alternate(&["1", bin]);
    assert!(!usage.status.success());
    assert!(String::from_utf8_lossy(&usage.stderr).contains("benches/alternate.py RUNS BIN... -- ARGS"));
}

#[test]
fn run_sh_is_valid_bash() {
    let checked = Command::new("bash").arg("-n").arg(root().join("benches/run.sh")).output().unwrap();
    assert!(checked.status.success(), "{}", String::from_utf8_lossy(&checked.stderr));
}
