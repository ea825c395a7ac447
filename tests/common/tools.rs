//! Finding the external validators (cfn-lint, kubernetes-validate, checkov, ...) that some tests
//! run. They live in a Python virtual environment, see `/.venv` in `.gitignore`.
//!
//! A test that needs a missing tool is skipped with a visible message, except under `CI`, where
//! it fails: a CI run must not pass by skipping its checks.

use std::env;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where `name` is: `$HYPERPOD_IAM_VENV/bin/<name>`, else `<crate root>/.venv/bin/<name>`, else
/// the first `<name>` on `PATH`; `None` if none of them is an executable file.
pub fn find_tool(name: &str) -> Option<PathBuf> {
    let mut candidates = Vec::new();
    if let Some(venv) = env::var_os("HYPERPOD_IAM_VENV") {
        candidates.push(PathBuf::from(venv).join("bin").join(name));
    }
    candidates.push(Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv").join("bin").join(name));
    if let Some(path) = env::var_os("PATH") {
        candidates.extend(env::split_paths(&path).map(|dir| dir.join(name)));
    }
    candidates.into_iter().find(|p| is_executable(p))
}

/// [`find_tool`], or, when the tool is missing: under `CI`, a failed test; elsewhere `None`
/// after a `skipped: <name> not found` line on stderr, so that the caller returns early.
pub fn require_tool_or_skip(name: &str) -> Option<PathBuf> {
    let found = find_tool(name);
    if found.is_none() {
        skip_or_fail(&format!("{name} not found"));
    }
    found
}

/// Reports why a test cannot run: fails it under `CI`, else prints `skipped: <why>` to stderr,
/// past the test harness's capture.
pub fn skip_or_fail(why: &str) {
    let hint = "set HYPERPOD_IAM_VENV to a virtual environment that has it, or install it into .venv";
    if env::var_os("CI").is_some() {
        panic!("{why} ({hint}); CI is set, so this test fails instead of skipping");
    }
    // Written to the stderr handle itself: the test harness captures `eprintln!` of passing
    // tests, and a skip must be seen.
    let _ = writeln!(std::io::stderr(), "skipped: {why} ({hint})");
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
