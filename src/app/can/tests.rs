use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::*;
use crate::access::Answer;
use crate::access::tasks::{Check, Persona, PersonaRun};

fn run(kind: &'static str, entry: &str, checks: &[(Expect, &str, Verdict)]) -> PersonaRun {
    let persona = Persona {
        kind,
        entry: entry.to_owned(),
        role_name: format!("role-{entry}"),
        facts: BTreeSet::new(),
        vars: BTreeMap::new(),
    };
    let checks = checks
        .iter()
        .map(|(expect, label, verdict)| Check {
            expect: *expect,
            label: Arc::from(*label),
            kind: "aws",
            request: Arc::from("s3:GetObject *"),
            answer: Answer { verdict: verdict.clone(), explanation: Vec::new() },
        })
        .collect();
    PersonaRun { persona, checks }
}

/// The checks of `runs` as one run of [`tasks::run_into`] hands them to its sink: each
/// entry (kind, section and label here) numbered.
fn columns(runs: &[PersonaRun]) -> Columns {
    use tasks::Sink;
    let mut entries = BTreeMap::new();
    let mut sink = Columns::default();
    for run in runs {
        sink.persona(&run.persona, run.checks.len());
        for c in &run.checks {
            let next = entries.len();
            let entry = *entries.entry((run.persona.kind, c.expect, c.label.clone())).or_insert(next);
            let (expect, label, kind, request, answer) = (c.expect, &c.label, c.kind, &c.request, &c.answer);
            sink.check(Checked { expect, entry, label, kind, request, answer });
        }
    }
    sink.finish()
}

/// The JSON matrix written run by run is what serde_json writes of the whole matrix: with
/// strings to escape, a persona without checks, no persona at all, and runs split anywhere.
#[test]
fn the_json_matrix_is_written_as_serde_json_writes_it() {
    use tasks::Sink;
    let runs = [
        run("admin", "p1", &[(Expect::Can, "a \"q\" \\ é", Verdict::Yes), (Expect::Cannot, "b", Verdict::No)]),
        run("scientist", "p2", &[]),
        run("scientist", "p3", &[(Expect::Can, "c\td", Verdict::If(vec!["k".to_owned()]))]),
    ];
    let env = tasks::sample_environment();
    for personas in [0, 1, 2, 3] {
        let runs = &runs[..personas];
        let doc = JsonMatrix {
            spec: "s\"pec",
            partition: &env.partition,
            region: &env.region,
            account: &env.account,
            checks: runs.iter().map(|r| r.checks.len()).sum(),
            not_met: runs.iter().flat_map(|r| &r.checks).filter(|c| !c.met()).count(),
            personas: runs
                .iter()
                .map(|run| JsonPersona {
                    persona: run.persona.id(),
                    role: &run.persona.role_name,
                    checks: run
                        .checks
                        .iter()
                        .map(|c| JsonCheck {
                            expect: c.expect.word(),
                            task: &c.label,
                            kind: c.kind,
                            request: &c.request,
                            answer: c.answer.verdict.to_string(),
                            met: c.met(),
                        })
                        .collect(),
                })
                .collect(),
        };
        let expected = serde_json::to_string_pretty(&doc).unwrap() + "\n";
        let written = |runs: &[PersonaRun]| {
            let mut sink = JsonRun::default();
            for run in runs {
                sink.persona(&run.persona, run.checks.len());
                for (entry, c) in run.checks.iter().enumerate() {
                    let (expect, label, kind, request, answer) = (c.expect, &c.label, c.kind, &c.request, &c.answer);
                    sink.check(Checked { expect, entry, label, kind, request, answer });
                }
            }
            sink.finish()
        };
        for split in 0..=personas {
            let (one, two) = runs.split_at(split);
            let json = matrix_json(&env, "s\"pec", &[written(one), written(two)]);
            assert_eq!(String::from_utf8(json).unwrap(), expected, "{personas} personas, split at {split}");
        }
    }
}

/// Rows by section in order of first appearance; a cell shows the first unmet answer
/// (marked `!`), else what was expected, `unknown` when a must-not was answered so, `-`
/// when no check of the row applies; columns as wide as their widest cell.
#[test]
fn the_table_shows_each_row_and_persona_once() {
    let runs = [
        run(
            "admin",
            "p1",
            &[(Expect::Cannot, "x|y", Verdict::No), (Expect::Can, "a", Verdict::Yes), (Expect::Can, "b", Verdict::No)],
        ),
        run(
            "scientist",
            "p2",
            &[
                (Expect::Can, "b", Verdict::Yes),
                (Expect::NotGranted, "c", Verdict::Unknown(vec!["managed policy m".to_owned()])),
                (Expect::Can, "a", Verdict::Yes),
                (Expect::Can, "a", Verdict::If(vec!["k".to_owned()])),
                (Expect::Can, "a", Verdict::No),
            ],
        ),
    ];
    // Split after each persona, and not at all: the table is the same.
    for split in 0..=runs.len() {
        let (one, two) = runs.split_at(split);
        let table = Table::of(vec![columns(one), columns(two)]);
        assert_eq!(matrix_text("h", &table), matrix_text("h", &Table::of(vec![columns(&runs)])), "{split}");
    }
    let table = Table::of(vec![columns(&runs[..1]), columns(&runs[1..])]);
    let text = matrix_text("h", &table);
    let body: Vec<&str> = text.lines().skip(2).collect();
    assert_eq!(
        body,
        [
            "task  expect       admin/p1  scientist/p2",
            "a     can          yes       if!",
            "b     can          no!       yes",
            "x|y   cannot       no        -",
            "c     not granted  -         unknown",
            "",
            "8 checks of 2 personas, 3 not met (`!`); `-`: no check of the row applies; `unknown`: decided by \
             a managed policy or permissions boundary attached by ARN, whose document is not in the spec",
        ]
    );
    assert_eq!(text.lines().next(), Some("h"));
    let markdown = matrix_markdown("h", &table);
    assert_eq!(markdown.lines().next(), Some("**h**"));
    let body: Vec<&str> = markdown.lines().skip(2).take(6).collect();
    assert_eq!(
        body,
        [
            "| task | expect | admin/p1 | scientist/p2 |",
            "|---|---|---|---|",
            "| a | can | yes | if! |",
            "| b | can | no! | yes |",
            "| x\\|y | cannot | no | - |",
            "| c | not granted | - | unknown |",
        ]
    );
}
