//! The `hyperpod-iam` binary: parse arguments, run, map the result to an exit code.

use std::io;
use std::process::ExitCode;

use clap::Parser;
use hyperpod_iam::app::{self, Console};
use hyperpod_iam::cli::Cli;

/// mimalloc rather than the C library's allocator: a render allocates many small, short-lived
/// strings and values on both cores, and allocating and freeing were 15 to 20 % of its CPU time
/// with glibc's, spread over every phase. mimalloc took the 4,998-team render from 379 to 330 ms
/// (CPU 659 to 568 ms) at the same peak memory (BENCHMARKS.md). Only the binary sets it: a
/// program using the library keeps its own allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { app::Exit::Usage } else { app::Exit::Ok };
            let _ = e.print();
            return code.into();
        }
    };
    let stdout = io::stdout();
    let stderr = io::stderr();
    let mut out = stdout.lock();
    let mut err = stderr.lock();
    app::run_then_exit(cli, &mut Console { stdout: &mut out, stderr: &mut err }).into()
}
