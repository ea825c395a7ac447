//! What each command does. Output goes to the writers it is given, so tests can capture it; only
//! `render` touches the file system, through [`crate::output`], and it writes all or nothing.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::check::ack::{self, Acknowledgement};
use crate::check::did_you_mean;
use crate::check::{Code, Diagnostic, Diagnostics, lint, report};
use crate::cli::{
    CheckArgs, Cli, Command, EmitterDirs, InitArgs, InitOrchestrator, ModelArgs, RenderArgs, ReportFormat,
};
use crate::emit::{Artifact, Chunks, EmitError, Emitter, ModelDocument, Parts, Registry, Render, Sink};
use crate::input::{self, InputError};
use crate::model::{self, Config, Index, Model};
use crate::output;
use crate::par::Release;
use crate::spec::{self, Source};

mod can;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub use crate::output::MANIFEST;

/// `--version`: the tool's version and the IAM catalog it checks actions against, with the day
/// that catalog was last updated.
pub fn long_version() -> &'static str {
    static LONG: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let catalog = crate::catalog::catalog();
    LONG.get_or_init(|| format!("{VERSION}\nIAM catalog: {} ({})", catalog.version(), catalog.date()))
}

/// The process exit code, as SPEC.md fixes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Ok = 0,
    /// A runtime or I/O error.
    Runtime = 1,
    /// A usage error.
    Usage = 2,
    /// The spec is invalid, or `check` found an error.
    Invalid = 3,
    /// `can`: an I/O error (1 is "no" there).
    Io = 4,
    /// `can`: the answer is no (exit 1, as `kubectl auth can-i` exits).
    No = 5,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(match e {
            Exit::No => 1,
            other => other as u8,
        })
    }
}

/// A command's failure: what to print and how to exit.
#[derive(Debug, Clone)]
pub struct Failure {
    pub exit: Exit,
    /// Lines for stderr.
    pub lines: Vec<String>,
}

impl Failure {
    fn new(exit: Exit, line: impl Into<String>) -> Failure {
        Failure { exit, lines: vec![line.into()] }
    }
}

/// The writers a command prints to.
pub struct Console<'a> {
    pub stdout: &'a mut dyn Write,
    pub stderr: &'a mut dyn Write,
}

/// Set by [`run_then_exit`]: the process exits when the command ends.
static EXITS_AFTER: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// [`run`] in a process that exits as soon as the command ends, as the binary does: the model
/// and what was made from it are then left to the exit instead of freed (tests and benches that
/// run commands in-process call [`run`], which frees everything).
pub fn run_then_exit(cli: Cli, console: &mut Console<'_>) -> Exit {
    EXITS_AFTER.store(true, std::sync::atomic::Ordering::Relaxed);
    run(cli, console)
}

/// How to release the model (or what holds it) once a command is done with it: `large` is a
/// model worth a thread to free.
fn release_model(large: bool) -> Release {
    if EXITS_AFTER.load(std::sync::atomic::Ordering::Relaxed) {
        Release::AtExit
    } else if large {
        Release::Beside
    } else {
        Release::Here
    }
}

/// Runs one command. A broken stdout pipe ends quietly.
pub fn run(cli: Cli, console: &mut Console<'_>) -> Exit {
    let result = match cli.command {
        Command::Render(args) => render(&args, console),
        Command::Check(args) => check(&args, console),
        Command::Init(args) => init(&args, console),
        Command::Emitters(args) => emitters(&args.emitters, console),
        Command::Model(args) => model(&args, console),
        Command::Can(args) => can::can(&args, console),
    };
    match result {
        Ok(()) => Exit::Ok,
        Err(failure) => {
            write_lines(console.stderr, &failure.lines);
            failure.exit
        }
    }
}

/// Writes each line, with its newline, in one call: stderr is unbuffered, and a spec of 5,000
/// teams can have as many warnings (`writeln!` for each was 10,000 system calls).
fn write_lines<L: std::fmt::Display>(to: &mut dyn Write, lines: impl IntoIterator<Item = L>) {
    use std::fmt::Write as _;
    let mut text = String::new();
    for line in lines {
        let _ = writeln!(text, "{line}");
    }
    let _ = to.write_all(text.as_bytes());
}

fn io_failure(what: &str, e: &io::Error) -> Failure {
    if e.kind() == io::ErrorKind::BrokenPipe {
        return Failure { exit: Exit::Ok, lines: Vec::new() };
    }
    Failure::new(Exit::Runtime, format!("error: {what}: {e}"))
}

/// Reads the spec named on the command line (`-` for stdin), or the built-in example.
fn source(path: Option<&Path>) -> Result<Source, Failure> {
    let Some(path) = path else { return Ok(Source::example()) };
    let (name, bytes) = input::read_spec(path).map_err(|e| match e {
        InputError::Io { .. } => Failure::new(Exit::Runtime, format!("error: {e}")),
        InputError::NotAFile { .. } => Failure::new(Exit::Usage, format!("error: {e}")),
        InputError::TooLarge { .. } => Failure::new(Exit::Invalid, format!("error: {e}")),
    })?;
    let text = String::from_utf8(bytes).map_err(|_| {
        let d = Diagnostic::new(Code::Syntax, "", "the spec is not UTF-8 text");
        Failure::new(Exit::Invalid, d.render(&name))
    })?;
    Ok(Source { name, text })
}

/// Reads the spec and lints its model: every finding, and the model when the spec could be read.
/// Warnings that the spec acknowledges are marked so.
pub fn check_spec(source: &Source) -> (Option<Model>, Diagnostics) {
    check_spec_allowing(source, &[])
}

/// [`check_spec`], with acknowledgements from the command line besides the spec's own.
pub fn check_spec_allowing(source: &Source, allow: &[Acknowledgement]) -> (Option<Model>, Diagnostics) {
    let (read, diags) = read_and_check(source, allow);
    (read.map(|(_, model)| model), diags)
}

/// [`check_spec_allowing`], keeping the spec as read beside its model (`can --matrix` needs
/// both, and reading the spec twice cost as much as answering the matrix).
fn read_and_check(source: &Source, allow: &[Acknowledgement]) -> (Option<(Config, Model)>, Diagnostics) {
    match spec::read(source) {
        Ok(read) => {
            let model = model::build(&read.config);
            let diags = lint_read(&model, &model.index(), &read, allow);
            (Some((read.config, model)), diags)
        }
        Err(diags) => (None, diags),
    }
}

/// What the reader found in a spec and what the lint finds in its model, in order, with the
/// acknowledged warnings marked.
fn lint_read(model: &Model, ix: &Index<'_>, read: &spec::Read, allow: &[Acknowledgement]) -> Diagnostics {
    let mut diags = read.warnings.clone();
    diags.items.extend(lint::lint_indexed(model, ix, &read.locations).items);
    diags.sort();
    ack::apply(&mut diags, &read.acknowledgements);
    ack::apply(&mut diags, allow);
    diags
}

/// The model of a spec that reads and lints without error; warnings go to stderr.
fn load(source: &Source, console: &mut Console<'_>) -> Result<Model, Failure> {
    load_read(source, console).map(|(_, model)| model)
}

/// [`load`], with the spec as read beside its model.
fn load_read(source: &Source, console: &mut Console<'_>) -> Result<(Config, Model), Failure> {
    let (read, diags) = read_and_check(source, &[]);
    let read = read.ok_or_else(|| invalid(source, &diags))?;
    accept(source, &diags, console)?;
    Ok(read)
}

/// The failure of a spec with these findings (exit 3, each finding a line).
fn invalid(source: &Source, diags: &Diagnostics) -> Failure {
    Failure { exit: Exit::Invalid, lines: diags.items.iter().map(|d| d.render(&source.name)).collect() }
}

/// A spec whose findings hold no error goes on, its warnings on stderr; else it fails.
fn accept(source: &Source, diags: &Diagnostics, console: &mut Console<'_>) -> Result<(), Failure> {
    if diags.has_errors() {
        return Err(invalid(source, diags));
    }
    write_lines(console.stderr, diags.items.iter().map(|d| d.render(&source.name)));
    Ok(())
}

/// The environment variable that names folders of template emitters to load (a path list,
/// `:`-separated on Unix), before those of `--emitters`.
pub const EMITTERS_ENV: &str = "HYPERPOD_IAM_EMITTERS";

/// The built-in emitters, then the template emitters of `HYPERPOD_IAM_EMITTERS`, then those of
/// `--emitters`. A folder that does not load, or a name taken twice, is a usage error.
pub fn registry(dirs: &EmitterDirs) -> Result<Registry, Failure> {
    let mut registry = Registry::builtin();
    let from_env: Vec<PathBuf> = std::env::var_os(EMITTERS_ENV)
        .map(|v| std::env::split_paths(&v).filter(|p| !p.as_os_str().is_empty()).collect())
        .unwrap_or_default();
    for dir in from_env.iter().chain(&dirs.dirs) {
        registry.load_folder(dir).map_err(|e| Failure::new(Exit::Usage, format!("error: {e}")))?;
    }
    Ok(registry)
}

/// What a `--format` list selects.
pub struct Selection<'r> {
    /// The emitters to run, in registry order.
    pub emitters: Vec<&'r dyn Emitter>,
    /// The emitters `all` left out because they do not apply to the spec, with the reason.
    pub skipped: Vec<(String, String)>,
}

/// The emitters a `--format` list selects, and the ones `all` skipped with the reason. A name the
/// registry does not know is a usage error that lists the known ones.
pub fn select<'r>(
    registry: &'r Registry,
    render: &Render<'_>,
    formats: &[impl AsRef<str>],
) -> Result<Selection<'r>, Failure> {
    let names: Vec<&str> = formats.iter().map(AsRef::as_ref).collect();
    for name in names.iter().filter(|n| **n != "all") {
        if registry.get(name).is_none() {
            let known = registry.names();
            let mut line = format!("error: unknown format `{name}`; known formats: {}, all", known.join(", "));
            if let Some(close) = did_you_mean(name, known.iter().copied().chain(["all"])) {
                line.push_str(&format!(" (did you mean `{close}`?)"));
            }
            return Err(Failure::new(Exit::Usage, line));
        }
    }
    let mut selection = Selection { emitters: Vec::new(), skipped: Vec::new() };
    if names.contains(&"all") || names.is_empty() {
        for emitter in registry.iter() {
            match emitter.applies_in(render) {
                Ok(()) => selection.emitters.push(emitter),
                Err(reason) => selection.skipped.push((emitter.name().to_owned(), reason)),
            }
        }
        return Ok(selection);
    }
    for emitter in registry.iter().filter(|e| names.contains(&e.name())) {
        if let Err(reason) = emitter.applies_in(render) {
            return Err(Failure::new(Exit::Usage, format!("error: cannot render `{}`: {reason}", emitter.name())));
        }
        selection.emitters.push(emitter);
    }
    Ok(selection)
}

/// Renders a model through the selected emitters, all in memory: each file with the emitter that
/// made it. One [`Render`] for [`select`] and this, so that what the emitters share is built once.
/// (`render` into a folder stages each file as it is made instead.)
pub fn emit_all(emitters: &[&dyn Emitter], render: &Render<'_>) -> Result<Vec<(String, Artifact)>, Failure> {
    let mut artifacts = Vec::new();
    for emitter in emitters {
        let mut files = Vec::new();
        emitter
            .emit_to(render, &mut files)
            .map_err(|e| Failure::new(Exit::Runtime, format!("error: {}: {e}", emitter.name())))?;
        artifacts.extend(files.into_iter().map(|file| (emitter.name().to_owned(), file)));
    }
    Ok(artifacts)
}

fn render(args: &RenderArgs, console: &mut Console<'_>) -> Result<(), Failure> {
    let source = source(args.spec.as_deref())?;
    // The emitters load (their manifests parsed, user folders read) on another core while the
    // spec is read and its model built. A usage error is reported only once the spec is known
    // to be valid, as when the spec was linted first.
    let (read, registry) = std::thread::scope(|threads| {
        let registry = threads.spawn(|| registry(&args.emitters));
        let read = spec::read(&source).map(|read| {
            // Shared with the template context, which reads the model instead of copying it.
            let model = Arc::new(model::build(&read.config));
            (read, model)
        });
        (read, registry.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
    });
    let (read, model) = read.map_err(|diags| invalid(&source, &diags))?;
    let shared = Render::shared(&model);
    // The lint runs on its own core while the emitters are chosen (a `when` test builds the
    // template context): neither waits for the other, and the lint's verdict still comes first.
    // The model's index the lint builds is the render's, which the emitters then read.
    let (diags, selection) = std::thread::scope(|threads| {
        let lint = threads.spawn(|| lint_read(&model, shared.index(), &read, &[]));
        let selection = registry.as_ref().map(|registry| select(registry, &shared, &args.formats));
        (lint.join().unwrap_or_else(|p| std::panic::resume_unwind(p)), selection)
    });
    accept(&source, &diags, console)?;
    if args.spec.is_none() {
        let _ = writeln!(
            console.stderr,
            "note: no spec given: rendering the built-in example `{}`; give a spec file (or `-` for stdin) to render yours",
            model.name
        );
    }
    let selection = selection.map_err(Failure::clone)??;
    let notes: Vec<String> = selection.skipped.iter().map(|(name, why)| format!("skipped {name}: {why}")).collect();

    if args.out.as_os_str() == "-" {
        let artifacts = emit_all(&selection.emitters, &shared)?;
        let [(_, artifact)] = artifacts.as_slice() else {
            return Err(Failure::new(
                Exit::Usage,
                format!(
                    "error: `--out -` writes one file, but this selection makes {}; pick one format with `--format`",
                    artifacts.len()
                ),
            ));
        };
        console.stdout.write_all(artifact.contents.as_bytes()).map_err(|e| io_failure("cannot write to stdout", &e))?;
        write_lines(console.stderr, notes);
        return Ok(());
    }

    // The formats this run speaks for: the ones it renders, and the ones `all` found do not apply.
    let scope: Vec<&str> =
        selection.emitters.iter().map(|e| e.name()).chain(selection.skipped.iter().map(|(n, _)| n.as_str())).collect();
    let refused = |errors: Vec<output::Error>| Failure {
        exit: Exit::Runtime,
        lines: errors.iter().map(|e| format!("error: {e}")).collect(),
    };
    // Each file is staged as soon as it is made and dropped: the render is never all in memory.
    // The emitters run side by side, each core taking the next; the writer puts what they stage
    // in order.
    let writer = Mutex::new(output::Writer::open(&args.out, &model.name, args.force).map_err(refused)?);
    // An emitter whose work is divided queues its parts behind every other emitter: small pieces
    // of work, last, fill both cores while the large ones end.
    let jobs =
        selection.emitters.iter().enumerate().map(|(index, &emitter)| Job { index, emitter, part: None }).collect();
    let threads = if model.roles.len() >= crate::par::SPREAD_FROM { usize::MAX } else { selection.emitters.len() };
    crate::par::queue(jobs, threads, |Job { index, emitter, part }| {
        let number = part.as_ref().map_or(0, |(_, number)| *number);
        let failed = |e| ((index, number), Failure::new(Exit::Runtime, format!("error: {}: {e}", emitter.name())));
        let mut staged = Staged { writer: &writer, emitter: emitter.name(), index, part: number, files: 0 };
        let made = match part {
            Some((parts, number)) => parts.emit(number, &mut staged),
            None => match emitter.parts(&shared).map_err(failed)? {
                Some(parts) => {
                    let parts: Arc<dyn Parts + '_> = parts.into();
                    let part = |number| Job { index, emitter, part: Some((Arc::clone(&parts), number)) };
                    return Ok((0..parts.count()).map(part).collect());
                }
                None => emitter.emit_to(&shared, &mut staged),
            },
        };
        made.map(|()| Vec::new()).map_err(failed)
    })
    .map_err(|(_, failure)| failure)?;
    let writer = writer.into_inner().unwrap_or_else(PoisonError::into_inner);
    // Neither the model nor what the emitters shared (the template context, as large as the
    // model) is needed to switch: a large model is freed on another core while the switch waits
    // for the disk, or left to the exit; the context borrows the model, so it goes first, here.
    let how = release_model(model.roles.len() >= crate::par::SPREAD_FROM);
    crate::par::release_here(shared, how);
    let outcome = std::thread::scope(|threads| {
        crate::par::release(threads, model, how);
        writer.commit(&scope)
    })
    .map_err(refused)?;
    let shown = |path: &str| args.out.join(path).display().to_string();
    let mut lines = outcome.recovered.iter().map(|note| format!("note: {note}")).collect::<Vec<_>>();
    lines.extend(outcome.written.iter().map(|path| format!("wrote {}", shown(path))));
    lines.extend(outcome.unchanged.iter().map(|path| format!("unchanged {} (already holds these bytes)", shown(path))));
    lines.extend(outcome.removed.iter().map(|path| format!("removed {} (no longer generated)", shown(path))));
    lines.extend(outcome.released.iter().map(|path| {
        format!("kept {} (no longer generated, but changed since it was written; no longer tracked)", shown(path))
    }));
    lines.extend(notes);
    write_lines(console.stderr, lines);
    Ok(())
}

/// A piece of a render's work: an emitter (the `index`th of the render), or one part of one
/// whose work is divided.
struct Job<'r> {
    index: usize,
    emitter: &'r dyn Emitter,
    /// The parts of the emitter's work and the number of this one; `None`: the emitter, whose
    /// work is divided into parts or done whole.
    part: Option<(Arc<dyn Parts + 'r>, usize)>,
}

/// The files of one emitter (the `index`th of the render), or of one part of its work, staged
/// into the output folder as they come; the writer is shared with the other threads, and held
/// only to begin and end a file, not while its bytes are written.
struct Staged<'w> {
    writer: &'w Mutex<output::Writer>,
    emitter: &'w str,
    index: usize,
    part: usize,
    /// Files begun so far.
    files: usize,
}

impl Staged<'_> {
    fn writer(&self) -> MutexGuard<'_, output::Writer> {
        self.writer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn begin(&mut self, path: &str) -> output::NewFileWriter {
        let place = output::Place { emitter: self.index, part: self.part, file: self.files };
        self.files += 1;
        self.writer().create_at(place, self.emitter, path)
    }
}

impl Sink for Staged<'_> {
    fn file(&mut self, path: &str, contents: &str) {
        let mut file = self.begin(path);
        file.write(contents.as_bytes());
        file.end();
        self.writer().close(file);
    }

    fn stream(
        &mut self,
        path: &str,
        write: &mut dyn FnMut(&mut Chunks<'_>) -> Result<(), EmitError>,
    ) -> Result<(), EmitError> {
        let mut file = self.begin(path);
        let mut to = |text: &str| file.write(text.as_bytes());
        let mut chunks = Chunks::new(Some(&mut to));
        write(&mut chunks)?;
        chunks.finish();
        file.end();
        self.writer().close(file);
        Ok(())
    }
}

fn check(args: &CheckArgs, console: &mut Console<'_>) -> Result<(), Failure> {
    let source = source(args.spec.as_deref())?;
    let (model, diags) = check_spec_allowing(&source, &args.allow);
    // The summary needs only the model's counts: a large model is freed on another core while
    // the report is written, or left to the exit.
    let counts = model.as_ref().map(|m| (m.roles.len(), m.policies.len()));
    let how = release_model(counts.is_some_and(|(roles, _)| roles >= crate::par::SPREAD_FROM));
    std::thread::scope(|threads| {
        crate::par::release(threads, model, how);
        report_check(args, &source, &diags, counts, console)
    })
}

/// `check`'s report and summary line, with the model's roles and policies when it was built.
fn report_check(
    args: &CheckArgs,
    source: &Source,
    diags: &Diagnostics,
    counts: Option<(usize, usize)>,
    console: &mut Console<'_>,
) -> Result<(), Failure> {
    let out = match args.format {
        ReportFormat::Text => report::text(diags, &source.name),
        ReportFormat::Json => report::json(diags, &source.name),
        ReportFormat::Sarif => report::sarif(diags, &source.name),
    };
    console.stdout.write_all(out.as_bytes()).map_err(|e| io_failure("cannot write to stdout", &e))?;
    let (errors, warnings, acknowledged) = report::summary(diags);
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let summary = match (counts, errors + warnings) {
        (Some(_), 0) if acknowledged > 0 => {
            format!("{}: no problems found ({} acknowledged)", source.name, plural(acknowledged, "warning"))
        }
        (Some((roles, policies)), 0) => format!(
            "{}: no problems found ({}, {}, IAM catalog {})",
            source.name,
            plural(roles, "role"),
            plural(policies, "policy document"),
            crate::catalog::catalog().version()
        ),
        _ if acknowledged > 0 => format!(
            "{}: {}, {} ({} acknowledged)",
            source.name,
            plural(errors, "error"),
            plural(warnings, "warning"),
            acknowledged
        ),
        _ => format!("{}: {}, {}", source.name, plural(errors, "error"), plural(warnings, "warning")),
    };
    let _ = writeln!(console.stderr, "{summary}");
    if errors > 0 || (args.deny_warnings && warnings > 0) {
        return Err(Failure { exit: Exit::Invalid, lines: Vec::new() });
    }
    Ok(())
}

const INIT_TEMPLATE: &str = include_str!("templates/init.yaml.j2");

/// The commented starter spec for an orchestrator.
pub fn starter_spec(orchestrator: InitOrchestrator) -> Result<String, minijinja::Error> {
    let mut env = minijinja::Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.add_template("init", INIT_TEMPLATE)?;
    let eks = orchestrator == InitOrchestrator::Eks;
    let mut text = env.get_template("init")?.render(minijinja::context! { eks => eks })?;
    text.push('\n');
    Ok(text)
}

fn init(args: &InitArgs, console: &mut Console<'_>) -> Result<(), Failure> {
    let text = starter_spec(args.orchestrator)
        .map_err(|e| Failure::new(Exit::Runtime, format!("error: cannot render the starter spec: {e}")))?;
    console.stdout.write_all(text.as_bytes()).map_err(|e| io_failure("cannot write to stdout", &e))
}

fn emitters(dirs: &EmitterDirs, console: &mut Console<'_>) -> Result<(), Failure> {
    let registry = registry(dirs)?;
    for (emitter, origin) in registry.entries() {
        writeln!(console.stdout, "{:<16}{} [{origin}]", emitter.name(), emitter.description())
            .map_err(|e| io_failure("cannot write to stdout", &e))?;
    }
    Ok(())
}

/// `model`: the checked model as the JSON document templates receive.
fn model(args: &ModelArgs, console: &mut Console<'_>) -> Result<(), Failure> {
    let source = source(args.spec.as_deref())?;
    let model = load(&source, console)?;
    let json = ModelDocument::new(&model)
        .to_json()
        .map_err(|e| Failure::new(Exit::Runtime, format!("error: cannot write the model as JSON: {e}")))?;
    console.stdout.write_all(json.as_bytes()).map_err(|e| io_failure("cannot write to stdout", &e))
}
