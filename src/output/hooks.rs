//! Test-only hooks, read from environment variables that name themselves as such, so that the
//! tests can fail or stop a real binary in the middle of a switch. No user sets them by accident;
//! README lists them under "for tests only".
//!
//! - `HYPERPOD_IAM_TEST_HOOK=fail-before-step:N`: step N of the switch fails with an I/O error.
//! - `HYPERPOD_IAM_TEST_HOOK=pause-before-step:N`: before step N, prints
//!   `hyperpod-iam: test hook: paused before step N` on stderr and sleeps, to be killed.
//! - `HYPERPOD_IAM_TEST_LOCK_WAIT_MS=M`: wait M ms for the folder's lock instead of [`LOCK_WAIT`].

use std::io::{self, Write};
use std::time::Duration;

pub const HOOK_VAR: &str = "HYPERPOD_IAM_TEST_HOOK";
pub const LOCK_WAIT_VAR: &str = "HYPERPOD_IAM_TEST_LOCK_WAIT_MS";

/// How long a render waits for another one in the same folder.
pub const LOCK_WAIT: Duration = Duration::from_secs(10);

/// Runs the hook, if any, before step `n` (1-based) of the switch.
pub fn before_step(n: usize) -> io::Result<()> {
    let Ok(hook) = std::env::var(HOOK_VAR) else { return Ok(()) };
    let at = |prefix: &str| hook.strip_prefix(prefix).and_then(|s| s.parse::<usize>().ok()) == Some(n);
    if at("fail-before-step:") {
        return Err(io::Error::other(format!("test hook: failed before step {n}")));
    }
    if at("pause-before-step:") {
        let _ = writeln!(io::stderr(), "hyperpod-iam: test hook: paused before step {n}");
        std::thread::sleep(Duration::from_secs(600));
    }
    Ok(())
}

pub fn lock_wait() -> Duration {
    std::env::var(LOCK_WAIT_VAR).ok().and_then(|v| v.parse().ok()).map_or(LOCK_WAIT, Duration::from_millis)
}
