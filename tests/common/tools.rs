//! Finding the external validators that judge the golden files.
//!
//! `scripts/install-validators.sh` puts them in `.venv` (cfn-lint, kubernetes-validate,
//! yamllint) and `.venv-checkov` (checkov, kept apart because it pins an old boto3), or in the
//! directories named by `HYPERPOD_IAM_VENV` and `HYPERPOD_IAM_CHECKOV_VENV`.
#![allow(dead_code, reason = "each test binary uses its own subset of these helpers")]

use std::env;
use std::path::{Path, PathBuf};

/// The crate root, where the default venvs live.
fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A directory named by an environment variable, if it is set and not empty.
fn env_dir(var: &str) -> Option<PathBuf> {
    env::var_os(var).filter(|v| !v.is_empty()).map(PathBuf::from)
}

/// The `bin` directories searched before `PATH`, most specific first.
///
/// checkov looks in its own venvs first: the main venv could hold an unpinned checkov that
/// would otherwise shadow the pinned one.
fn venv_bins(name: &str) -> Vec<PathBuf> {
    let mut venvs = Vec::new();
    if name == "checkov" {
        venvs.extend(env_dir("HYPERPOD_IAM_CHECKOV_VENV"));
        venvs.push(root().join(".venv-checkov"));
    }
    venvs.extend(env_dir("HYPERPOD_IAM_VENV"));
    venvs.push(root().join(".venv"));
    venvs.into_iter().map(|v| v.join("bin")).collect()
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

/// The path of the validator `name`: in `$HYPERPOD_IAM_VENV/bin`, `<root>/.venv/bin` (and for
/// checkov first `$HYPERPOD_IAM_CHECKOV_VENV/bin`, `<root>/.venv-checkov/bin`), then on `PATH`.
pub fn find_tool(name: &str) -> Option<PathBuf> {
    let path = env::var_os("PATH").unwrap_or_default();
    venv_bins(name)
        .into_iter()
        .chain(env::split_paths(&path))
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

/// Whether this is a CI run: `CI` set to anything but empty, `0` or `false`.
fn in_ci() -> bool {
    env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false"))
}

/// Reports why a test cannot run: fails it under CI, else prints `skipped: <why>` on the stderr
/// handle itself (past the test harness's capture of passing tests, so a skip is seen).
#[allow(clippy::panic, reason = "test code: a panic is how a test fails")]
pub fn skip_or_fail(why: &str) {
    if in_ci() {
        panic!("{why}; CI is set, so this test fails instead of skipping (run scripts/install-validators.sh)");
    }
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "skipped: {why}; run scripts/install-validators.sh");
}

/// The path of the validator `name`, or `None` after a visible note that the test is skipped.
///
/// Under CI a missing validator is a failure, never a skip: a test that silently validated
/// nothing would pass.
pub fn require_tool(name: &str) -> Option<PathBuf> {
    let found = find_tool(name);
    if found.is_none() {
        let looked: Vec<String> = venv_bins(name).iter().map(|d| d.display().to_string()).collect();
        skip_or_fail(&format!("{name} not found (looked in {} and on PATH)", looked.join(", ")));
    }
    found
}
