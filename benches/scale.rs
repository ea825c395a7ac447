//! How `check` and `render` scale: the largest example, then specs of 10 to 3,000 teams.
//!
//! `cargo bench --bench scale`. Machines here are shared and noisy, so read the ratios within one
//! run (time per team as the spec grows), not the absolute numbers. Nothing is asserted.

#![allow(clippy::expect_used, reason = "a benchmark: a broken input is a bug to stop on")]

use std::hint::black_box;

mod common;
use common::median;

use hyperpod_iam::app;
use hyperpod_iam::emit::{Chunks, EmitError, Registry, Render, Sink};
use hyperpod_iam::spec::Source;

fn check(source: &Source) {
    let (model, diags) = app::check_spec(source);
    black_box((model, diags));
}

fn render(source: &Source) {
    let (model, _) = app::check_spec(source);
    let model = model.expect("valid spec");
    let registry = Registry::builtin();
    let selection = app::select(&registry, &Render::new(&model), &["all"]).expect("emitters");
    black_box(app::emit_all(&selection.emitters, &Render::new(&model)).expect("render"));
}

/// Counts the bytes it is given and keeps none: an emitter's own work as `render` into a folder
/// drives it (file by file, large files in pieces), without the file system.
struct Count(usize);

impl Sink for Count {
    fn file(&mut self, _: &str, contents: &str) {
        self.0 += contents.len();
    }

    fn stream(
        &mut self,
        _: &str,
        write: &mut dyn FnMut(&mut Chunks<'_>) -> Result<(), EmitError>,
    ) -> Result<(), EmitError> {
        let mut bytes = 0;
        let mut to = |text: &str| bytes += text.len();
        let mut chunks = Chunks::new(Some(&mut to));
        write(&mut chunks)?;
        chunks.finish();
        self.0 += bytes;
        Ok(())
    }
}

fn teams(n: usize) -> Source {
    let mut text = String::from(
        "name: scale\norchestrator: eks\ncluster: { eksClusterName: scale-eks }\noptions: { podIdentity: true }\n\
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
    let largest = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/examples"))
        .expect("examples")
        .flatten()
        .filter(|e| e.path().is_file())
        .max_by_key(|e| e.metadata().map(|m| m.len()).unwrap_or(0))
        .expect("an example");
    let source = Source {
        name: largest.file_name().to_string_lossy().into_owned(),
        text: std::fs::read_to_string(largest.path()).expect("readable"),
    };
    println!(
        "largest example {}: check {:?}, check + render all {:?}",
        source.name,
        median(51, || check(&source)),
        median(51, || render(&source))
    );

    println!("{:>6} {:>12} {:>14} {:>12} {:>14}", "teams", "check", "check/team", "render", "render/team");
    for n in [10, 100, 1_000, 3_000] {
        let source = teams(n);
        let runs = if n >= 1_000 { 5 } else { 21 };
        let c = median(runs, || check(&source));
        let r = median(runs, || render(&source));
        println!("{n:>6} {c:>12.2?} {:>14.2?} {r:>12.2?} {:>14.2?}", c / n as u32, r / n as u32);
    }

    // Each emitter alone, per team, on the largest generated spec and on a tenth of it, streaming
    // as `render` into a folder does (an emitter that does not apply costs nothing).
    let registry = Registry::builtin();
    for n in [300, 3_000] {
        let (model, _) = app::check_spec(&teams(n));
        let model = model.expect("valid spec");
        let per_emitter: Vec<String> = registry
            .iter()
            .map(|e| {
                let streamed = || {
                    let mut count = Count(0);
                    let bytes = e.emit_to(&Render::new(&model), &mut count).map(|()| count.0);
                    drop(black_box(bytes));
                };
                format!("{} {:.2?}", e.name(), median(5, streamed) / n as u32)
            })
            .collect();
        println!("{n:>6} teams, per team: {}", per_emitter.join(", "));
    }
}
