//! `hyperpod-iam can`: one question of one persona, or `--matrix`, every persona against the
//! tasks of tasks.md, answered from the model by the access engine ([`crate::access`]).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde::Serialize;

use super::{Console, Exit, Failure, accept, invalid, io_failure, lint_read, load, source};
use crate::access::tasks::{self, Checked, Expect, Tasks};
use crate::access::{Deployment, Environment, KubeRequest, Question, Request, Verdict, read};
use crate::catalog::{self, ActionLookup};
use crate::cli::{CanArgs, MatrixFormat};
use crate::emit::Registry;
use crate::model::{self, Model, RoleKind};
use crate::par;
use crate::spec::{self, Source};

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
        return matrix(args.format, &source, console);
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

/// From this many personas on, `can --matrix` spreads its work over the cores: below, starting
/// a thread costs more than it gains (the built-in example has five).
const SPREAD_FROM: usize = 32;

/// What the checks of `can --matrix` are asked of, made from the model while the spec is linted.
struct Asked {
    env: Environment,
    deployment: Deployment,
    personas: Vec<tasks::Persona>,
    /// The table's first line.
    heading: String,
}

/// The spec read, modelled and linted (exit 3 on an error, warnings to stderr), and what the
/// checks are asked of, made while the lint runs; the checks data is read meanwhile too.
fn load_asked(source: &Source, console: &mut Console<'_>) -> Result<(Tasks, Asked, spec::Read, Model), Failure> {
    let (tasks, loaded) = par::both(true, Tasks::builtin, || -> Result<_, Failure> {
        let read = spec::read(source).map_err(|diags| invalid(source, &diags))?;
        let model = model::build(&read.config);
        let spread = model.roles.len() >= SPREAD_FROM;
        let env = tasks::environment(&model);
        // The deployment on one core; the lint, then the personas, on the other.
        let (deployment, (diags, personas)) = par::both(
            spread,
            || Deployment::from_model(&model, &env),
            || (lint_read(&model, &model.index(), &read, &[]), tasks::personas(&read.config, &model, &env)),
        );
        accept(source, &diags, console)?;
        Ok((Asked { heading: heading(&model, &env), env, deployment, personas }, read, model))
    });
    let (asked, read, model) = loaded?;
    let tasks = tasks.map_err(|e| Failure::new(Exit::Io, format!("error: internal: {e}")))?;
    Ok((tasks, asked, read, model))
}

/// `can --matrix`: every persona against the tasks, as a table (text or Markdown) or JSON.
fn matrix(format: MatrixFormat, source: &Source, console: &mut Console<'_>) -> Result<(), Failure> {
    let (tasks, asked, read, model) = load_asked(source, console)?;
    let Asked { env, deployment, personas, heading } = asked;
    let spread = personas.len() >= SPREAD_FROM;
    let spec = model.name.clone();
    // What the checks do not read is freed on another core while they run, or left to the exit.
    let how = super::release_model(spread);
    let ask = Ask { tasks: &tasks, deployment, personas, spread, how };
    let free = move || par::release_here((read, model), how);
    let met = match format {
        MatrixFormat::Json => ask.then(free, JsonRun::default, |runs| {
            write(console, matrix_json(&env, &spec, &runs))?;
            Ok(runs.iter().all(|r| r.unmet == 0))
        }),
        format => ask.then(free, Columns::default, |columns| {
            let table = Table::of(columns);
            let text = match format {
                MatrixFormat::Markdown => matrix_markdown(&heading, &table),
                _ => matrix_text(&heading, &table),
            };
            write(console, &text)?;
            Ok(table.unmet == 0)
        }),
    }?;
    if met { Ok(()) } else { Err(Failure { exit: Exit::No, lines: Vec::new() }) }
}

/// The checks of `can --matrix`, to ask of the deployment for each persona.
struct Ask<'t> {
    tasks: &'t Tasks,
    deployment: Deployment,
    personas: Vec<tasks::Persona>,
    /// Whether the work is spread over the cores.
    spread: bool,
    /// How the deployment and personas are released once the checks are asked.
    how: par::Release,
}

impl Ask<'_> {
    /// Asks every check, each run of personas into its own sink (`sink`), while `free` frees
    /// what the checks do not read on another core; then `out` makes and writes the output from
    /// the runs' parts (and says whether every check is met) while the deployment and personas,
    /// which the output does not read, are freed.
    fn then<K: tasks::Sink>(
        self,
        free: impl FnOnce() + Send,
        sink: impl Fn() -> K + Sync,
        out: impl FnOnce(Vec<K::Out>) -> Result<bool, Failure>,
    ) -> Result<bool, Failure> {
        let Ask { tasks, deployment, personas, spread, how } = self;
        let ((), runs) = par::both(spread, free, || tasks::run_into(tasks, &deployment, &personas, false, |_| sink()));
        let runs = runs.map_err(|e| Failure::new(Exit::Io, format!("error: internal: {e}")))?;
        let ((), met) = par::both(spread, move || par::release_here((deployment, personas), how), || out(runs));
        met
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

fn write(console: &mut Console<'_>, text: impl AsRef<[u8]>) -> Result<(), Failure> {
    console.stdout.write_all(text.as_ref()).map_err(|e| {
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

/// What a cell shows, by its code: `-` when no check of the row applies, then each answer,
/// then each answer marked `!` when it does not meet what the row expects.
const CELLS: [&str; 9] = ["-", "yes", "no", "if", "unknown", "yes!", "no!", "if!", "unknown!"];

/// The code of an answer's word in [`CELLS`]; marked not met: 4 more.
fn word(verdict: &Verdict) -> u8 {
    match verdict {
        Verdict::Yes => 1,
        Verdict::No => 2,
        Verdict::If(_) => 3,
        Verdict::Unknown(_) => 4,
    }
}

/// The checks of one persona for one row, taken one at a time: the first unmet answer, else
/// what was expected (a must-not answered "unknown" somewhere shows so).
#[derive(Clone, Copy, Default)]
struct Tally {
    any: bool,
    unmet: Option<u8>,
    unknown: bool,
}

impl Tally {
    fn add(&mut self, check: &Checked<'_>) {
        self.any = true;
        let verdict = &check.answer.verdict;
        if self.unmet.is_none() && !check.met() {
            self.unmet = Some(word(verdict));
        }
        self.unknown |= matches!(verdict, Verdict::Unknown(_));
    }

    /// The cell's code in [`CELLS`].
    fn cell(self, expect: Expect) -> u8 {
        match (self.any, self.unmet) {
            (false, _) => 0,
            (true, Some(word)) => word + 4,
            (true, None) if expect == Expect::Can => 1,
            (true, None) if self.unknown => 4,
            (true, None) => 2,
        }
    }
}

/// One run's share of the matrix, its personas' columns, made on the run's own core as the
/// checks are answered ([`tasks::run_into`]): the checks are not kept, and the table is made
/// from the columns of every run ([`Table::of`]).
#[derive(Default)]
struct Columns {
    /// The personas' `kind/entry`, the column headings.
    ids: Vec<String>,
    /// The rows the run's checks fall in, in order of first appearance: section and label.
    rows: Vec<(Expect, Arc<str>)>,
    /// By persona, the code of its cell in each row ([`CELLS`]; a row seen after the persona
    /// is not there: `-`).
    cells: Vec<Vec<u8>>,
    checks: usize,
    unmet: usize,
    /// While the run goes: the row of each entry (by number) seen, the rows by section and
    /// label (entries of several kinds share a row), and the last persona's tallies by row.
    of_entry: Vec<Option<usize>>,
    by_label: BTreeMap<(Expect, Arc<str>), usize>,
    tallies: Vec<Tally>,
}

impl Columns {
    /// The last persona's tallies into its cells.
    fn close(&mut self) {
        if self.ids.len() > self.cells.len() {
            let rows = &self.rows;
            self.cells.push(self.tallies.iter().zip(rows).map(|(t, (expect, _))| t.cell(*expect)).collect());
            self.tallies.clear();
        }
    }
}

impl tasks::Sink for Columns {
    type Out = Columns;

    fn persona(&mut self, persona: &tasks::Persona, _: usize) {
        self.close();
        self.ids.push(persona.id());
    }

    fn check(&mut self, check: Checked<'_>) {
        if self.of_entry.len() <= check.entry {
            self.of_entry.resize(check.entry + 1, None);
        }
        let row = match self.of_entry.get(check.entry).copied().flatten() {
            Some(row) => row,
            None => {
                let (rows, key) = (&mut self.rows, (check.expect, Arc::clone(check.label)));
                let row = *self.by_label.entry(key.clone()).or_insert_with(|| {
                    rows.push(key);
                    rows.len() - 1
                });
                if let Some(slot) = self.of_entry.get_mut(check.entry) {
                    *slot = Some(row);
                }
                row
            }
        };
        if self.tallies.len() <= row {
            self.tallies.resize(row + 1, Tally::default());
        }
        if let Some(tally) = self.tallies.get_mut(row) {
            tally.add(&check);
        }
        self.checks += 1;
        self.unmet += usize::from(!check.met());
    }

    fn finish(mut self) -> Columns {
        self.close();
        Columns { of_entry: Vec::new(), by_label: BTreeMap::new(), tallies: Vec::new(), ..self }
    }
}

/// The matrix: a row per (section, label) in order of first appearance, persona by persona,
/// then by section; a cell per row and persona.
struct Table {
    /// The personas' `kind/entry`, the column headings after `task` and `expect`.
    ids: Vec<String>,
    rows: Vec<(Expect, Arc<str>)>,
    /// Row by row, the code of each persona's cell ([`CELLS`]).
    cells: Vec<u8>,
    checks: usize,
    unmet: usize,
}

impl Table {
    /// The table of the runs' columns, in the order of the runs.
    fn of(runs: Vec<Columns>) -> Table {
        // Each run's rows numbered in order of first appearance over the runs in order: the
        // order of first appearance over all personas.
        let mut numbers: BTreeMap<(Expect, Arc<str>), usize> = BTreeMap::new();
        let mut keys: Vec<(Expect, Arc<str>)> = Vec::new();
        let numbered: Vec<Vec<usize>> = runs
            .iter()
            .map(|run| {
                let numbered = run.rows.iter().map(|key| {
                    *numbers.entry(key.clone()).or_insert_with(|| {
                        keys.push(key.clone());
                        keys.len() - 1
                    })
                });
                numbered.collect()
            })
            .collect();
        // Rows by section, in order of first appearance within each (a stable sort).
        let mut order: Vec<usize> = (0..keys.len()).collect();
        order.sort_by_key(|&n| keys[n].0);
        let mut row_of = vec![0; keys.len()];
        for (row, &n) in order.iter().enumerate() {
            row_of[n] = row;
        }
        let personas: usize = runs.iter().map(|run| run.ids.len()).sum();
        let mut cells = vec![0; keys.len() * personas];
        let mut first = 0;
        for (run, numbers) in runs.iter().zip(&numbered) {
            for (p, column) in run.cells.iter().enumerate() {
                for (code, n) in column.iter().zip(numbers) {
                    if let Some(cell) = cells.get_mut(row_of[*n] * personas + first + p) {
                        *cell = *code;
                    }
                }
            }
            first += run.cells.len();
        }
        let (checks, unmet) = (runs.iter().map(|r| r.checks).sum(), runs.iter().map(|r| r.unmet).sum());
        let rows = order.iter().map(|&n| keys[n].clone()).collect();
        let ids = runs.into_iter().flat_map(|run| run.ids).collect();
        Table { ids, rows, cells, checks, unmet }
    }

    /// Every line, heading first, as its cells.
    fn lines(&self) -> impl Iterator<Item = impl Iterator<Item = &str>> {
        let heading = ["task", "expect"].into_iter().chain(self.ids.iter().map(String::as_str));
        let personas = self.ids.len();
        let body = self.rows.iter().enumerate().map(move |(r, (expect, label))| {
            let codes = self.cells.get(r * personas..(r + 1) * personas).unwrap_or_default();
            let cells = codes.iter().map(|c| CELLS.get(usize::from(*c)).copied().unwrap_or_default());
            [&**label, expect.word()].into_iter().chain(cells)
        });
        std::iter::once(Either::Heading(heading)).chain(body.map(Either::Row))
    }

    fn footer(&self) -> String {
        footer(self.checks, self.unmet, self.ids.len())
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

fn footer(checks: usize, unmet: usize, personas: usize) -> String {
    format!(
        "{checks} checks of {personas} personas, {unmet} not met (`!`); `-`: no check of the row applies; `unknown`: \
         decided by a managed policy or permissions boundary attached by ARN, whose document is not in the spec"
    )
}

/// The table in aligned columns, two spaces apart, no trailing blanks: the column widths in one
/// pass over the cells, then every line written straight into the output.
fn matrix_text(heading: &str, table: &Table) -> String {
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
    let mut out = format!("{heading}\n\n");
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
    out.push_str(&format!("\n{}\n", table.footer()));
    out
}

fn matrix_markdown(heading: &str, table: &Table) -> String {
    let mut out = format!("**{heading}**\n\n");
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
    out.push_str(&format!("\n{}\n", table.footer()));
    out
}

/// One run's personas as the JSON matrix writes them, written as their checks are answered
/// ([`tasks::run_into`]): byte for byte what `serde_json::to_string_pretty` writes of each
/// persona in the `personas` list ([`JsonMatrix`]), the personas apart by `,` and a line break.
#[derive(Default)]
struct JsonRun {
    text: Vec<u8>,
    /// The checks written of the persona whose list is open, if one is.
    open: Option<usize>,
    checks: usize,
    unmet: usize,
}

/// Writes `value` as a JSON string.
fn json_string(out: &mut Vec<u8>, value: &str) {
    // Writing a string into memory cannot fail; were it to, the string is left out.
    let _ = serde_json::to_writer(&mut *out, value);
}

impl JsonRun {
    fn close(&mut self) {
        match self.open.take() {
            Some(0) => self.text.extend_from_slice(b"]\n    }"),
            Some(_) => self.text.extend_from_slice(b"\n      ]\n    }"),
            None => {}
        }
    }
}

impl tasks::Sink for JsonRun {
    type Out = JsonRun;

    fn persona(&mut self, persona: &tasks::Persona, _: usize) {
        if self.open.is_some() {
            self.close();
            self.text.extend_from_slice(b",\n");
        }
        let out = &mut self.text;
        out.extend_from_slice(b"    {\n      \"persona\": ");
        json_string(out, &persona.id());
        out.extend_from_slice(b",\n      \"role\": ");
        json_string(out, &persona.role_name);
        out.extend_from_slice(b",\n      \"checks\": [");
        self.open = Some(0);
    }

    fn check(&mut self, c: Checked<'_>) {
        let Some(written) = self.open.as_mut() else { return };
        let out = &mut self.text;
        if *written > 0 {
            out.push(b',');
        }
        *written += 1;
        out.extend_from_slice(b"\n        {\n          \"expect\": ");
        json_string(out, c.expect.word());
        out.extend_from_slice(b",\n          \"task\": ");
        json_string(out, c.label);
        out.extend_from_slice(b",\n          \"kind\": ");
        json_string(out, c.kind);
        out.extend_from_slice(b",\n          \"request\": ");
        json_string(out, c.request);
        out.extend_from_slice(b",\n          \"answer\": ");
        json_string(out, &c.answer.verdict.to_string());
        let met = c.met();
        out.extend_from_slice(if met {
            b",\n          \"met\": true\n        }"
        } else {
            b",\n          \"met\": false\n        }"
        });
        self.checks += 1;
        self.unmet += usize::from(!met);
    }

    fn finish(mut self) -> JsonRun {
        self.close();
        self
    }
}

/// The matrix as JSON, from the runs' personas in order: what `serde_json::to_string_pretty`
/// writes of a [`JsonMatrix`], and a line break.
fn matrix_json(env: &Environment, spec: &str, runs: &[JsonRun]) -> Vec<u8> {
    let (checks, not_met) = (runs.iter().map(|r| r.checks).sum(), runs.iter().map(|r| r.unmet).sum());
    let head = JsonMatrix {
        spec,
        partition: &env.partition,
        region: &env.region,
        account: &env.account,
        checks,
        not_met,
        personas: Vec::new(),
    };
    let mut out = serde_json::to_vec_pretty(&head).unwrap_or_default();
    let personas: Vec<&[u8]> = runs.iter().map(|r| r.text.as_slice()).filter(|t| !t.is_empty()).collect();
    // The head ends `"personas": []` and `}`: the list goes between the brackets.
    if !personas.is_empty() && out.ends_with(b"[]\n}") {
        out.truncate(out.len() - 3);
        out.extend_from_slice(b"\n");
        for (i, text) in personas.iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(b",\n");
            }
            out.extend_from_slice(text);
        }
        out.extend_from_slice(b"\n  ]\n}");
    }
    out.push(b'\n');
    out
}

/// The JSON matrix's fields, in order (its personas are written by [`JsonRun`]).
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

#[cfg(test)]
mod tests;
