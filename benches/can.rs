//! `can --matrix` on a large spec: every persona of a 1,000-team spec (2,002 personas) against
//! the tasks of tasks.md. Target: under 100 ms for the matrix in a release build.
//!
//! `cargo bench --bench can`. Machines here are shared and noisy: the median of several runs is
//! printed; nothing is asserted. `matrix` is the deployment from the model, the personas, and
//! every check; the columns before it time those parts alone. `command` is the whole command
//! in-process (`can --matrix SPEC`, the spec read from a file, the table written to memory), and
//! `after load` is `command` less `spec+model`: what `can --matrix` adds to reading the spec,
//! the figure the target is about. `benches/run.sh can` times the whole process.

#![allow(clippy::expect_used, reason = "a benchmark: a broken input is a bug to stop on")]

use std::hint::black_box;

mod common;
use common::median;

use clap::Parser;
use hyperpod_iam::access::Deployment;
use hyperpod_iam::access::tasks::{self, Tasks};
use hyperpod_iam::app::{self, Console};
use hyperpod_iam::cli::Cli;
use hyperpod_iam::model;
use hyperpod_iam::spec::{self, Source};

fn teams(n: usize) -> Source {
    let mut text = String::from(
        "name: scale\norchestrator: eks\ncluster: { eksClusterName: scale-eks }\n\
         options: { podIdentity: true, taskGovernance: true }\n\
         admins:\n  - name: ops\n    trustedPrincipals: [\"111122223333\"]\nscientists:\n",
    );
    for i in 0..n {
        text.push_str(&format!(
            "  - name: team{i}\n    trustedPrincipals: [\"111122223333\"]\n    podRole: {{ serviceAccount: train, s3Buckets: [scale-team{i}-data] }}\n"
        ));
    }
    text.push_str("executionRoles:\n  - name: compute\n    s3Buckets: [scale-lifecycle]\n");
    Source { name: format!("{n}-teams.yaml"), text }
}

fn main() {
    let checks = Tasks::builtin().expect("embedded tasks");
    println!(
        "{:>6} {:>9} {:>8} {:>11} {:>11} {:>11} {:>11} {:>11} {:>10} {:>11} {:>11}",
        "teams",
        "personas",
        "checks",
        "load",
        "deployment",
        "personas",
        "checks",
        "matrix",
        "per check",
        "command",
        "after load"
    );
    let dir = std::env::temp_dir().join(format!("hyperpod-iam-bench-can-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary folder");
    for n in [10, 100, 1_000] {
        let source = teams(n);
        let config = spec::read(&source).expect("valid spec").config;
        let model = model::build(&config);
        let env = tasks::environment(&model);
        let personas = tasks::personas(&config, &model, &env);
        let count: usize = tasks::run(&checks, &Deployment::from_model(&model, &env), &personas, false)
            .expect("checks")
            .iter()
            .map(|r| r.checks.len())
            .sum();
        let runs = if n >= 1_000 { 5 } else { 11 };
        // What every command does first: read the spec, build the model, lint it.
        let load = median(runs, || {
            black_box(app::check_spec(&source));
        });
        let deployment = median(runs, || {
            black_box(Deployment::from_model(&model, &env));
        });
        let persona_time = median(runs, || {
            black_box(tasks::personas(&config, &model, &env));
        });
        let built = Deployment::from_model(&model, &env);
        let run_time = median(runs, || {
            black_box(tasks::run(&checks, &built, &personas, false).expect("checks"));
        });
        let matrix = median(runs, || {
            let deployment = Deployment::from_model(&model, &env);
            let personas = tasks::personas(&config, &model, &env);
            black_box(tasks::run(&checks, &deployment, &personas, false).expect("checks"));
        });
        let path = dir.join(&source.name);
        std::fs::write(&path, &source.text).expect("spec written");
        let args = ["hyperpod-iam", "can", "--matrix", path.to_str().expect("a UTF-8 path")];
        let command = median(runs, || {
            let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
            let exit = app::run(Cli::parse_from(args), &mut Console { stdout: &mut stdout, stderr: &mut stderr });
            black_box((exit, stdout));
        });
        println!(
            "{n:>6} {:>9} {count:>8} {load:>11.2?} {deployment:>11.2?} {persona_time:>11.2?} {run_time:>11.2?} \
             {matrix:>11.2?} {:>10.2?} {command:>11.2?} {:>11.2?}",
            personas.len(),
            matrix / count.max(1) as u32,
            command.saturating_sub(load)
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
