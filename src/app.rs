//! What each command does. Output goes to the writers it is given, so tests can capture it; only
//! `render` touches the file system, and it writes all or nothing.

use std::collections::BTreeSet;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::check::{Diagnostic, Diagnostics, codes, lint, report};
use crate::cli::{CheckArgs, Cli, Command, Format, InitArgs, InitOrchestrator, RenderArgs, ReportFormat};
use crate::emit::{Artifact, Emitter, Registry};
use crate::model::Model;
use crate::spec::{self, Source};

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

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
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

/// A command's failure: what to print and how to exit.
#[derive(Debug)]
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

/// Runs one command. A broken stdout pipe ends quietly.
pub fn run(cli: Cli, console: &mut Console<'_>) -> Exit {
    let result = match cli.command {
        Command::Render(args) => render(&args, console),
        Command::Check(args) => check(&args, console),
        Command::Init(args) => init(&args, console),
        Command::Emitters => emitters(console),
    };
    match result {
        Ok(()) => Exit::Ok,
        Err(failure) => {
            for line in &failure.lines {
                let _ = writeln!(console.stderr, "{line}");
            }
            failure.exit
        }
    }
}

fn io_failure(what: &str, e: &io::Error) -> Failure {
    if e.kind() == io::ErrorKind::BrokenPipe {
        return Failure { exit: Exit::Ok, lines: Vec::new() };
    }
    Failure::new(Exit::Runtime, format!("error: {what}: {e}"))
}

/// Reads the spec named on the command line, or the built-in example.
fn source(path: Option<&Path>) -> Result<Source, Failure> {
    match path {
        None => Ok(Source::example()),
        Some(path) => {
            let name = path.display().to_string();
            let bytes = fs::read(path).map_err(|e| io_failure(&format!("cannot read `{name}`"), &e))?;
            let text = String::from_utf8(bytes).map_err(|_| {
                let d = Diagnostic::error(codes::SYNTAX, "", "the spec is not UTF-8 text");
                Failure::new(Exit::Invalid, d.render(&name))
            })?;
            Ok(Source { name, text })
        }
    }
}

/// Reads the spec and lints its model: every finding, and the model when the spec could be read.
pub fn check_spec(source: &Source) -> (Option<Model>, Diagnostics) {
    match spec::load_mapped(source) {
        Ok((model, map)) => {
            let mut diags = lint::lint(&model, &map);
            diags.sort();
            (Some(model), diags)
        }
        Err(diags) => (None, diags),
    }
}

/// The model of a spec that reads and lints without error; warnings go to stderr.
fn load(source: &Source, console: &mut Console<'_>) -> Result<Model, Failure> {
    let (model, diags) = check_spec(source);
    let lines: Vec<String> = diags.items.iter().map(|d| d.render(&source.name)).collect();
    match model {
        Some(model) if !diags.has_errors() => {
            for line in lines {
                let _ = writeln!(console.stderr, "{line}");
            }
            Ok(model)
        }
        _ => Err(Failure { exit: Exit::Invalid, lines }),
    }
}

/// What a `--format` list selects.
pub struct Selection<'r> {
    /// The emitters to run, in registry order.
    pub emitters: Vec<&'r dyn Emitter>,
    /// The emitters `all` left out because they do not apply to the spec, with the reason.
    pub skipped: Vec<(&'static str, String)>,
}

/// The emitters a `--format` list selects, and the ones `all` skipped with the reason.
pub fn select<'r>(registry: &'r Registry, model: &Model, formats: &[Format]) -> Result<Selection<'r>, Failure> {
    let mut selection = Selection { emitters: Vec::new(), skipped: Vec::new() };
    if formats.contains(&Format::All) || formats.is_empty() {
        for emitter in registry.iter() {
            match emitter.applies(model) {
                Ok(()) => selection.emitters.push(emitter),
                Err(reason) => selection.skipped.push((emitter.name(), reason)),
            }
        }
        return Ok(selection);
    }
    let names: Vec<&str> = formats.iter().filter_map(|f| f.emitter()).collect();
    for name in &names {
        if registry.get(name).is_none() {
            return Err(Failure::new(Exit::Usage, format!("error: format `{name}` is not available in this build")));
        }
    }
    for emitter in registry.iter().filter(|e| names.contains(&e.name())) {
        if let Err(reason) = emitter.applies(model) {
            return Err(Failure::new(Exit::Usage, format!("error: cannot render `{}`: {reason}", emitter.name())));
        }
        selection.emitters.push(emitter);
    }
    Ok(selection)
}

/// Renders a model through the selected emitters, all in memory: each file with the emitter that
/// made it.
pub fn emit_all(emitters: &[&dyn Emitter], model: &Model) -> Result<Vec<(&'static str, Artifact)>, Failure> {
    let mut artifacts = Vec::new();
    for emitter in emitters {
        let files =
            emitter.emit(model).map_err(|e| Failure::new(Exit::Runtime, format!("error: {}: {e}", emitter.name())))?;
        artifacts.extend(files.into_iter().map(|file| (emitter.name(), file)));
    }
    Ok(artifacts)
}

fn render(args: &RenderArgs, console: &mut Console<'_>) -> Result<(), Failure> {
    let source = source(args.spec.as_deref())?;
    let model = load(&source, console)?;
    let registry = Registry::builtin();
    let selection = select(&registry, &model, &args.formats)?;
    let artifacts = emit_all(&selection.emitters, &model)?;
    let notes: Vec<String> = selection.skipped.iter().map(|(name, why)| format!("skipped {name}: {why}")).collect();

    if args.out.as_os_str() == "-" {
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
        for note in notes {
            let _ = writeln!(console.stderr, "{note}");
        }
        return Ok(());
    }

    // The formats this run speaks for: the ones it renders, and the ones `all` found do not apply.
    let scope: Vec<&str> =
        selection.emitters.iter().map(|e| e.name()).chain(selection.skipped.iter().map(|(n, _)| *n)).collect();
    let removed = write_all(&args.out, &artifacts, &scope)?;
    for (_, artifact) in &artifacts {
        let _ = writeln!(console.stderr, "wrote {}", args.out.join(&artifact.path).display());
    }
    for path in removed {
        let _ = writeln!(console.stderr, "removed {} (no longer generated)", args.out.join(path).display());
    }
    for note in notes {
        let _ = writeln!(console.stderr, "{note}");
    }
    Ok(())
}

/// The file in an output folder that lists what hyperpod-iam wrote there, one `emitter<TAB>path`
/// a line, so that a later run can remove what it no longer generates, and nothing else.
pub const MANIFEST: &str = ".hyperpod-iam-files";

fn read_manifest(out: &Path) -> Vec<(String, String)> {
    fs::read_to_string(out.join(MANIFEST))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(e, p)| (e.to_owned(), p.to_owned()))
        // Never follow a path out of the folder, whatever the file says.
        .filter(|(_, p)| !p.starts_with('/') && !p.split('/').any(|c| c == ".." || c.is_empty()))
        .collect()
}

/// Writes every artifact or none: all files are first written into a staging folder inside the
/// output folder, then moved into place; a failure while staging leaves the output as it was.
/// Then removes what an earlier run wrote for a format in `scope` that this run no longer makes
/// (a role renamed away, `rbac.yaml` of a spec turned Slurm), and returns those paths.
fn write_all(out: &Path, artifacts: &[(&str, Artifact)], scope: &[&str]) -> Result<Vec<String>, Failure> {
    let fail = |what: String, e: io::Error| io_failure(&what, &e);
    fs::create_dir_all(out).map_err(|e| fail(format!("cannot create `{}`", out.display()), e))?;
    let staging = out.join(format!(".hyperpod-iam-staging-{}", std::process::id()));
    let staged = (|| -> Result<Vec<(PathBuf, PathBuf)>, Failure> {
        let mut moves = Vec::new();
        for (_, artifact) in artifacts {
            let relative = Path::new(&artifact.path);
            let from = staging.join(relative);
            if let Some(parent) = from.parent() {
                fs::create_dir_all(parent).map_err(|e| fail(format!("cannot create `{}`", parent.display()), e))?;
            }
            fs::write(&from, &artifact.contents).map_err(|e| fail(format!("cannot write `{}`", from.display()), e))?;
            moves.push((from, out.join(relative)));
        }
        Ok(moves)
    })();
    let result = staged.and_then(|moves| {
        for (from, to) in moves {
            if let Some(parent) = to.parent() {
                fs::create_dir_all(parent).map_err(|e| fail(format!("cannot create `{}`", parent.display()), e))?;
            }
            fs::rename(&from, &to).map_err(|e| fail(format!("cannot write `{}`", to.display()), e))?;
        }
        Ok(())
    });
    let _ = fs::remove_dir_all(&staging);
    result?;

    let written: BTreeSet<&str> = artifacts.iter().map(|(_, a)| a.path.as_str()).collect();
    let mut manifest: BTreeSet<(String, String)> = BTreeSet::new();
    let mut removed = Vec::new();
    for (emitter, path) in read_manifest(out) {
        if written.contains(path.as_str()) {
            continue;
        }
        if scope.contains(&emitter.as_str()) {
            match fs::remove_file(out.join(&path)) {
                Ok(()) => removed.push(path),
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(fail(format!("cannot remove `{}`", out.join(&path).display()), e)),
            }
        } else {
            manifest.insert((emitter, path));
        }
    }
    manifest.extend(artifacts.iter().map(|(e, a)| ((*e).to_owned(), a.path.clone())));
    let text: String = manifest.iter().map(|(e, p)| format!("{e}\t{p}\n")).collect();
    fs::write(out.join(MANIFEST), text)
        .map_err(|e| fail(format!("cannot write `{}`", out.join(MANIFEST).display()), e))?;
    Ok(removed)
}

fn check(args: &CheckArgs, console: &mut Console<'_>) -> Result<(), Failure> {
    let source = source(args.spec.as_deref())?;
    let (model, diags) = check_spec(&source);
    let out = match args.format {
        ReportFormat::Text => report::text(&diags, &source.name),
        ReportFormat::Json => report::json(&diags, &source.name),
        ReportFormat::Sarif => report::sarif(&diags, &source.name),
    };
    console.stdout.write_all(out.as_bytes()).map_err(|e| io_failure("cannot write to stdout", &e))?;
    let (errors, warnings) = report::summary(&diags);
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let summary = match (&model, errors + warnings) {
        (Some(model), 0) => format!(
            "{}: no problems found ({}, {}, IAM catalog {})",
            source.name,
            plural(model.roles.len(), "role"),
            plural(model.policies.len(), "policy document"),
            crate::catalog::catalog().version()
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

fn emitters(console: &mut Console<'_>) -> Result<(), Failure> {
    for emitter in Registry::builtin().iter() {
        writeln!(console.stdout, "{:<16}{}", emitter.name(), emitter.description())
            .map_err(|e| io_failure("cannot write to stdout", &e))?;
    }
    Ok(())
}
