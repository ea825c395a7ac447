//! `hyperpod-iam can`: one question of one persona, or `--matrix`, every persona against the
//! tasks of tasks.md, answered from the model by the access engine ([`crate::access`]).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde::Serialize;

use super::{Console, Exit, Failure, io_failure, load, load_read, source};
use crate::access::tasks::{self, Check, Expect, PersonaRun, Tasks};
use crate::access::{Deployment, Environment, KubeRequest, Question, Request, Verdict, read};
use crate::catalog::{self, ActionLookup};
use crate::cli::{CanArgs, MatrixFormat};
use crate::emit::Registry;
use crate::model::{Model, RoleKind};

pub(super) fn can(args: &CanArgs, console: &mut Console<'_>) -> Result<(), Failure> {
    // The first word is the spec when it could not be an action or a verb (`-`: stdin).
    let (spec_path, words) = match args.words.split_first() {
        Some((first, rest)) if first.contains(['.', '/']) || first == "-" => (Some(Path::new(first.as_str())), rest),
        _ => (None, args.words.as_slice()),
    };
    // 1 means "no" here: an I/O error is 4.
    let source = source(spec_path).map_err(|f| match f.exit {
        Exit::Runtime => Failure { exit: Exit::Io, ..f },
        _ => f,
    })?;
    if args.matrix {
        if !words.is_empty() {
            return Err(usage(format!("`--matrix` takes no question, found `{}`", words.join(" "))));
        }
        let (config, model) = load_read(&source, console)?;
        let env = tasks::environment(&model);
        let deployment = Deployment::from_model(&model, &env);
        let personas = tasks::personas(&config, &model, &env);
        let checks = Tasks::builtin()
            .and_then(|t| tasks::run(&t, &deployment, &personas, false))
            .map_err(|e| Failure::new(Exit::Io, format!("error: internal: {e}")))?;
        let text = std::thread::scope(|scope| {
            // The table needs neither: they are freed on another core meanwhile (at 1,000 teams,
            // freeing the deployment alone was 6 % of the run).
            scope.spawn(move || drop((deployment, personas)));
            match args.format {
                MatrixFormat::Text => matrix_text(&model, &env, &checks),
                MatrixFormat::Markdown => matrix_markdown(&model, &env, &checks),
                MatrixFormat::Json => matrix_json(&model, &env, &checks),
            }
        });
        write(console, &text)?;
        let met = checks.iter().flat_map(|r| &r.checks).all(Check::met);
        return if met { Ok(()) } else { Err(Failure { exit: Exit::No, lines: Vec::new() }) };
    }
    let model = load(&source, console)?;
    let Some(persona) = &args.persona else { return Err(usage("`--as KIND/NAME` says who asks")) };
    let role = role_of(&model, persona)?;
    let (answer, env) = match words {
        [] => return Err(usage("no question: give an IAM action, or a Kubernetes verb and resource")),
        [action, rest @ ..] if action.contains(':') => {
            if args.namespace.is_some() {
                return Err(usage("`-n` is for Kubernetes requests; an IAM request names its resource by ARN"));
            }
            let action = known_action(action)?;
            let resource = match rest {
                [] => None,
                [resource] => Some(resource.as_str()),
                _ => return Err(usage(format!("an IAM question is ACTION [RESOURCE], found `{}`", words.join(" ")))),
            };
            let tokens: Vec<&str> = args.context.iter().map(String::as_str).collect();
            let context = tasks::context_of(&tokens).map_err(usage)?;
            let env = Environment::for_question(&model, resource, &tasks::sample_environment());
            let deployment = rendered(&model, &env)?;
            let answer = match resource {
                Some(resource) => {
                    let request = Request::new(&action, resource).with_context(context);
                    deployment.ask(&Question::Iam { role: role.clone(), request })
                }
                None => deployment.ask_any_resource(&role, &action, &context, &env),
            };
            (answer.map_err(|e| usage(e.to_string()))?, env)
        }
        _ => {
            if !args.context.is_empty() {
                return Err(usage("`--context` is for IAM requests"));
            }
            let words: Vec<&str> = words.iter().map(String::as_str).collect();
            let request = KubeRequest::parse(&words, args.namespace.as_deref()).map_err(usage)?;
            let env = tasks::environment(&model);
            let deployment = rendered(&model, &env)?;
            let answer =
                deployment.ask(&Question::Kube { role: role.clone(), request }).map_err(|e| usage(e.to_string()))?;
            (answer, env)
        }
    };
    let mut text = format!("{}\n", answer.verdict);
    if args.explain {
        text.push_str(&format!("  as {persona}: role {} ({})\n", role, env.role_arn(&role)));
        text.push_str(&format!("  {}\n", where_deployed(&model, &env)));
        for line in &answer.explanation {
            text.push_str(&format!("  {line}\n"));
        }
    }
    write(console, &text)?;
    match answer.verdict {
        Verdict::Yes => Ok(()),
        Verdict::If(_) if args.assume_conditions => Ok(()),
        _ => Err(Failure { exit: Exit::No, lines: Vec::new() }),
    }
}

/// The deployment as its rendered files say, read for `env`: CloudFormation (every spec) and
/// `rbac.yaml` (EKS), rendered in memory. The answer's explanation then names what a reviewer
/// reads: the file, the logical id, the Sid. (`--matrix` answers from the model directly, which
/// `tests/tasks.rs` proves answers every check as the files do.)
fn rendered(model: &Model, env: &Environment) -> Result<Deployment, Failure> {
    let registry = Registry::builtin();
    let internal = |e: String| Failure::new(Exit::Io, format!("error: internal: {e}"));
    let file = |name: &str| -> Result<Option<String>, Failure> {
        let Some(emitter) = registry.get(name) else { return Ok(None) };
        if emitter.applies(model).is_err() {
            return Ok(None);
        }
        let artifacts = emitter.emit(model).map_err(|e| internal(format!("{name}: {e}")))?;
        Ok(artifacts.into_iter().next().map(|a| a.contents))
    };
    let Some(cfn) = file("cloudformation")? else { return Ok(Deployment::from_model(model, env)) };
    let rbac = file("kubernetes")?;
    read::deployment(("cloudformation.yaml", &cfn), rbac.as_deref().map(|r| ("rbac.yaml", r)), env)
        .map_err(|e| internal(e.to_string()))
}

fn usage(message: impl Into<String>) -> Failure {
    Failure::new(Exit::Usage, format!("error: {}", message.into()))
}

fn write(console: &mut Console<'_>, text: &str) -> Result<(), Failure> {
    console.stdout.write_all(text.as_bytes()).map_err(|e| {
        let f = io_failure("cannot write to stdout", &e);
        if f.exit == Exit::Runtime { Failure { exit: Exit::Io, ..f } } else { f }
    })
}

/// The IAM role name of `--as KIND/NAME`.
fn role_of(model: &Model, persona: &str) -> Result<String, Failure> {
    let kinds = [RoleKind::Admin, RoleKind::Scientist, RoleKind::Execution, RoleKind::Pod];
    let known = || model.roles.iter().map(|r| format!("{}/{}", r.kind.word(), r.entry)).collect::<Vec<_>>().join(", ");
    let (kind, name) = persona
        .split_once('/')
        .and_then(|(k, n)| Some((kinds.into_iter().find(|kind| kind.word() == k)?, n)))
        .ok_or_else(|| {
            usage(format!("`--as {persona}`: expected admin/NAME, scientist/NAME, exec/NAME or pod/NAME"))
        })?;
    model
        .roles
        .iter()
        .find(|r| r.kind == kind && r.entry == name)
        .map(|r| r.role_name.clone())
        .ok_or_else(|| usage(format!("`--as {persona}`: the spec has no such persona; it has {}", known())))
}

/// The action in its catalog spelling; an action the catalog does not know is refused (a typo
/// would otherwise be a quiet "no").
fn known_action(action: &str) -> Result<String, Failure> {
    match catalog::catalog().lookup(action) {
        ActionLookup::Found(info) => Ok(info.full_name()),
        _ => {
            let hint = catalog::catalog().suggest(action).map(|s| format!("; did you mean `{s}`?")).unwrap_or_default();
            Err(usage(format!("`{action}` is not an IAM action this build knows{hint}")))
        }
    }
}

/// Which of partition, region and account the spec pins, and which are the deployment's own.
fn where_deployed(model: &Model, env: &Environment) -> String {
    let t = &model.target;
    let part = |name: &str, pinned: &Option<String>, value: &str| match pinned {
        Some(_) => format!("{name} {value} (the spec's)"),
        None => format!("{name} {value} (deploy-time)"),
    };
    format!(
        "in {}, {}, {}",
        part("partition", &t.partition, &env.partition),
        part("region", &t.region, &env.region),
        part("account", &t.account, &env.account)
    )
}

// ---------------------------------------------------------------------------------------------
// The matrix

/// One cell of the matrix: the checks of one persona for one row.
#[derive(Clone, Copy)]
struct Cell {
    /// `yes`, `no`, `if` or `unknown`.
    word: &'static str,
    met: bool,
}

impl Cell {
    /// What the table shows: the word, marked `!` when not met; `-` when no check applies.
    fn text(cell: Option<Cell>) -> &'static str {
        match cell {
            None => "-",
            Some(Cell { word, met: true }) => word,
            Some(Cell { word, met: false }) => match word {
                "yes" => "yes!",
                "no" => "no!",
                "if" => "if!",
                _ => "unknown!",
            },
        }
    }
}

fn word(verdict: &Verdict) -> &'static str {
    match verdict {
        Verdict::Yes => "yes",
        Verdict::No => "no",
        Verdict::If(_) => "if",
        Verdict::Unknown(_) => "unknown",
    }
}

/// The checks of one persona for one row, taken one at a time: the first unmet answer, else
/// what was expected (a must-not answered "unknown" somewhere shows so).
#[derive(Clone, Copy, Default)]
struct Tally {
    any: bool,
    unmet: Option<&'static str>,
    unknown: bool,
}

impl Tally {
    fn add(&mut self, check: &Check) {
        self.any = true;
        if self.unmet.is_none() && !check.met() {
            self.unmet = Some(word(&check.answer.verdict));
        }
        self.unknown |= matches!(check.answer.verdict, Verdict::Unknown(_));
    }

    fn cell(self, expect: Expect) -> Option<Cell> {
        if !self.any {
            return None;
        }
        if let Some(word) = self.unmet {
            return Some(Cell { word, met: false });
        }
        let word = match expect {
            Expect::Can => "yes",
            _ if self.unknown => "unknown",
            _ => "no",
        };
        Some(Cell { word, met: true })
    }
}

/// The matrix, made in one pass over the checks: a row per (section, label) in order of first
/// appearance, persona by persona, then by section; a cell per row and persona.
struct Table<'r> {
    /// The personas' `kind/entry`, the column headings after `task` and `expect`.
    ids: Vec<String>,
    rows: Vec<(Expect, &'r str)>,
    /// Row by row, a cell per persona.
    cells: Vec<Option<Cell>>,
}

impl<'r> Table<'r> {
    fn new(runs: &'r [PersonaRun]) -> Table<'r> {
        // Each check's row, numbered in order of first appearance. A check whose label is the
        // very label (the same shared string) and section of the check at its place in the
        // last run of its persona kind has that check's row: no look-up by text.
        let mut numbers: BTreeMap<(Expect, &str), usize> = BTreeMap::new();
        let mut keys: Vec<(Expect, &str)> = Vec::new();
        let mut of_check: Vec<usize> = Vec::with_capacity(runs.iter().map(|r| r.checks.len()).sum());
        let mut last_of_kind: BTreeMap<&str, (&[Check], usize)> = BTreeMap::new();
        for run in runs {
            let start = of_check.len();
            let last = last_of_kind.insert(run.persona.kind, (&run.checks, start));
            for (i, check) in run.checks.iter().enumerate() {
                let same = last.and_then(|(checks, at)| {
                    let before = checks.get(i)?;
                    let same = before.expect == check.expect && Arc::ptr_eq(&before.label, &check.label);
                    same.then(|| of_check.get(at + i).copied()).flatten()
                });
                let number = same.unwrap_or_else(|| {
                    let key = (check.expect, &*check.label);
                    *numbers.entry(key).or_insert_with(|| {
                        keys.push(key);
                        keys.len() - 1
                    })
                });
                of_check.push(number);
            }
        }
        // Rows by section, in order of first appearance within each (a stable sort).
        let mut order: Vec<usize> = (0..keys.len()).collect();
        order.sort_by_key(|&n| keys[n].0);
        let mut row_of = vec![0; keys.len()];
        for (row, &n) in order.iter().enumerate() {
            row_of[n] = row;
        }
        let personas = runs.len();
        let mut tallies = vec![Tally::default(); keys.len() * personas];
        let mut numbered = of_check.iter();
        for (p, run) in runs.iter().enumerate() {
            for (check, n) in run.checks.iter().zip(numbered.by_ref()) {
                tallies[row_of[*n] * personas + p].add(check);
            }
        }
        let rows: Vec<(Expect, &str)> = order.iter().map(|&n| keys[n]).collect();
        let cells = tallies
            .chunks(personas.max(1))
            .zip(&rows)
            .flat_map(|(tallies, (expect, _))| tallies.iter().map(|t| t.cell(*expect)))
            .collect();
        Table { ids: runs.iter().map(|r| r.persona.id()).collect(), rows, cells }
    }

    /// Every line, heading first, as its cells.
    fn lines(&self) -> impl Iterator<Item = impl Iterator<Item = &str>> {
        let heading = ["task", "expect"].into_iter().chain(self.ids.iter().map(String::as_str));
        let personas = self.ids.len();
        let body = self.rows.iter().enumerate().map(move |(r, (expect, label))| {
            let cells = self.cells[r * personas..(r + 1) * personas].iter().map(|c| Cell::text(*c));
            [*label, expect.word()].into_iter().chain(cells)
        });
        std::iter::once(Either::Heading(heading)).chain(body.map(Either::Row))
    }
}

/// The heading line or a row, as one type of iterator.
enum Either<H, R> {
    Heading(H),
    Row(R),
}

impl<'a, H: Iterator<Item = &'a str>, R: Iterator<Item = &'a str>> Iterator for Either<H, R> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        match self {
            Either::Heading(h) => h.next(),
            Either::Row(r) => r.next(),
        }
    }
}

fn heading(model: &Model, env: &Environment) -> String {
    format!("{}: {}", model.name, where_deployed(model, env))
}

fn summary(runs: &[PersonaRun]) -> (usize, usize) {
    let checks = runs.iter().map(|r| r.checks.len()).sum();
    let unmet = runs.iter().flat_map(|r| &r.checks).filter(|c| !c.met()).count();
    (checks, unmet)
}

fn footer(runs: &[PersonaRun]) -> String {
    let (checks, unmet) = summary(runs);
    format!(
        "{checks} checks of {} personas, {unmet} not met (`!`); `-`: no check of the row applies; `unknown`: \
         decided by a managed policy or permissions boundary attached by ARN, whose document is not in the spec",
        runs.len()
    )
}

/// The table in aligned columns, two spaces apart, no trailing blanks: the column widths in one
/// pass over the cells, then every line written straight into the output.
fn matrix_text(model: &Model, env: &Environment, runs: &[PersonaRun]) -> String {
    let table = Table::new(runs);
    let mut widths: Vec<usize> = Vec::new();
    for line in table.lines() {
        for (i, cell) in line.enumerate() {
            let n = cell.chars().count();
            match widths.get_mut(i) {
                Some(w) => *w = (*w).max(n),
                None => widths.push(n),
            }
        }
    }
    let mut out = format!("{}\n\n", heading(model, env));
    for line in table.lines() {
        let start = out.len();
        for (i, (cell, width)) in line.zip(&widths).enumerate() {
            if i > 0 {
                out.push_str("  ");
            }
            out.push_str(cell);
            // Padded from a run of spaces, not a character at a time.
            const SPACES: &str = "                                ";
            let mut pad = width.saturating_sub(cell.chars().count());
            while pad > 0 {
                let n = pad.min(SPACES.len());
                out.push_str(SPACES.get(..n).unwrap_or_default());
                pad -= n;
            }
        }
        let kept = out[start..].trim_end().len();
        out.truncate(start + kept);
        out.push('\n');
    }
    out.push_str(&format!("\n{}\n", footer(runs)));
    out
}

fn matrix_markdown(model: &Model, env: &Environment, runs: &[PersonaRun]) -> String {
    let table = Table::new(runs);
    let mut out = format!("**{}**\n\n", heading(model, env));
    for (n, line) in table.lines().enumerate() {
        out.push('|');
        for cell in line {
            out.push(' ');
            for piece in cell.split_inclusive('|') {
                match piece.strip_suffix('|') {
                    Some(before) => {
                        out.push_str(before);
                        out.push_str("\\|");
                    }
                    None => out.push_str(piece),
                }
            }
            out.push_str(" |");
        }
        out.push('\n');
        if n == 0 {
            out.push('|');
            out.push_str(&"---|".repeat(table.ids.len() + 2));
            out.push('\n');
        }
    }
    out.push_str(&format!("\n{}\n", footer(runs)));
    out
}

#[derive(Serialize)]
struct JsonMatrix<'a> {
    spec: &'a str,
    partition: &'a str,
    region: &'a str,
    account: &'a str,
    checks: usize,
    not_met: usize,
    personas: Vec<JsonPersona<'a>>,
}

#[derive(Serialize)]
struct JsonPersona<'a> {
    persona: String,
    role: &'a str,
    checks: Vec<JsonCheck<'a>>,
}

#[derive(Serialize)]
struct JsonCheck<'a> {
    expect: &'static str,
    task: &'a str,
    kind: &'static str,
    request: &'a str,
    answer: String,
    met: bool,
}

fn matrix_json(model: &Model, env: &Environment, runs: &[PersonaRun]) -> String {
    let (checks, not_met) = summary(runs);
    let doc = JsonMatrix {
        spec: &model.name,
        partition: &env.partition,
        region: &env.region,
        account: &env.account,
        checks,
        not_met,
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
    // Serializing these plain structs cannot fail; were it to, the output says so.
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::sync::Arc;

    use super::*;
    use crate::access::Answer;
    use crate::access::tasks::Persona;

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

    /// Rows by section in order of first appearance; a cell shows the first unmet answer
    /// (marked `!`), else what was expected, `unknown` when a must-not was answered so, `-`
    /// when no check of the row applies; columns as wide as their widest cell.
    #[test]
    fn the_table_shows_each_row_and_persona_once() {
        let runs = [
            run(
                "admin",
                "p1",
                &[
                    (Expect::Cannot, "x|y", Verdict::No),
                    (Expect::Can, "a", Verdict::Yes),
                    (Expect::Can, "b", Verdict::No),
                ],
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
        let source = crate::spec::Source::example();
        let model = crate::model::build(&crate::spec::read(&source).unwrap().config);
        let env = tasks::environment(&model);
        let text = matrix_text(&model, &env, &runs);
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
        let markdown = matrix_markdown(&model, &env, &runs);
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
}
