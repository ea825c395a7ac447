//! The `hyperpod-iam` binary: parse arguments, run, map the result to an exit code.

use std::io;
use std::process::ExitCode;

use clap::Parser;
use hyperpod_iam::app::{self, Console};
use hyperpod_iam::cli::Cli;

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
