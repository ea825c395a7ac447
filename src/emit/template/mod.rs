//! Template emitters: a folder with a manifest (`emitter.yaml`) and minijinja templates that
//! receive the checked model ([`ModelDocument`]) as their context.
//!
//! ```yaml
//! name: permissions-csv              # the `--format` value: [a-z][a-z0-9-]*
//! description: permissions.csv: ...  # one line for `hyperpod-iam emitters`
//! orchestrators: [eks, slurm]        # optional; left out, every orchestrator
//! when:                              # optional: a minijinja expression over the model
//!   test: kubernetes is not none
//!   reason: the spec has no Kubernetes RBAC
//! files:
//!   - path: permissions.csv          # relative to `--out`; no `..`, no empty or absolute segment
//!     template: permissions.csv.j2   # a `.j2` file of this folder
//! ```
//!
//! Every `.j2` file of the folder is a template, so one can `{% import %}` another's macros.
//!
//! The built-in ones live in `emitters/` and are embedded at build time (`build.rs`); users add
//! their own folders with `--emitters DIR`. Everything that can be checked before rendering is
//! checked when the folder is loaded: the manifest, every template's syntax, every output path.
//! Rendering is strict (an undefined value is an error) and has a fuel limit, so a template can
//! neither print nothing where it meant something nor loop for ever; its errors name the
//! template file and line.

mod document;
mod filters;
mod fuel;
mod lines;
mod rows;
mod view;

use std::borrow::Cow;
use std::cell::RefCell;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use minijinja::value::Value;
use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::Deserialize;
use serde_saphyr::Spanned;
use thiserror::Error;

use crate::model::Model;

use super::{Artifact, Chunks, EmitError, Emitter, Render, Sink};

pub use document::{MODEL_VERSION, ModelDocument};
pub use fuel::{document_values, fuel_limit};

include!(concat!(env!("OUT_DIR"), "/builtin_emitters.rs"));

/// The manifest's file name in an emitter folder.
pub const MANIFEST: &str = "emitter.yaml";

/// What every template emitter renders a model with, built once per model: the model document
/// as a minijinja value (the templates' context), its size in values (for the fuel limit) and the
/// look-up functions' indexes. Converting the document is a large part of a template emitter's
/// cost at scale, so a [`Render`] builds this once for all of its emitters and their `when` tests.
#[derive(Debug, Clone)]
pub struct TemplateContext {
    document: Value,
    values: usize,
    lookups: filters::Lookups,
}

impl TemplateContext {
    /// The context of a document: its model is copied, for the views to own.
    pub fn new(document: &ModelDocument<'_>) -> Result<TemplateContext, EmitError> {
        TemplateContext::with(document, Arc::new(document.model.clone()))
    }

    /// The context of a model's document ([`ModelDocument::new`]), sharing the model.
    pub fn of(model: Arc<Model>) -> Result<TemplateContext, EmitError> {
        TemplateContext::with(&ModelDocument::new(&model), Arc::clone(&model))
    }

    /// `model` is `document.model`, shared.
    fn with(document: &ModelDocument<'_>, model: Arc<Model>) -> Result<TemplateContext, EmitError> {
        let values = document_values(document);
        let doc = view::Doc::new(document, model);
        let lookups = filters::Lookups::new(&doc);
        Ok(TemplateContext { document: Value::from_object(view::Root(doc)), values, lookups })
    }
}

/// Why an emitter folder could not be loaded. Each message starts with the file (and line) at
/// fault.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum LoadError {
    #[error("{path}: cannot read: {message}")]
    Read { path: String, message: String },
    #[error("{path}: no `{MANIFEST}` here, nor in a folder inside it")]
    NotAnEmitter { path: String },
    #[error("{file}:{line}:{column}: {message}")]
    Manifest { file: String, line: usize, column: usize, message: String },
    #[error("{file}:{line}: {message}")]
    Template { file: String, line: usize, message: String },
}

/// A manifest's `when`.
#[derive(Debug, Clone)]
struct When {
    test: String,
    reason: String,
    /// `folder/emitter.yaml:line:column` of the test.
    at: String,
}

/// One output file of a template emitter.
#[derive(Debug, Clone)]
struct Output {
    path: String,
    /// The template's name in the environment: its file name in the folder.
    template: String,
}

/// An emitter made of minijinja templates.
#[derive(Debug)]
pub struct TemplateEmitter {
    name: String,
    description: String,
    /// Empty: every orchestrator.
    orchestrators: Vec<String>,
    /// The `when` expression, the reason it gives when false, and where the manifest has it.
    when: Option<When>,
    outputs: Vec<Output>,
    /// The templates, compiled: when the folder loads for a user's folder (so that a syntax
    /// error stops the run before anything renders), on first use for a built-in one (a test
    /// compiles every one of them), so that a run pays only for the emitters it uses.
    env: OnceLock<Result<Environment<'static>, LoadError>>,
    /// The `.j2` files of the folder: `(file name, source)`.
    templates: Vec<(String, String)>,
    /// The folder, as shown in messages (`emitters/access-report`).
    folder: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestFile {
    name: Spanned<String>,
    description: String,
    #[serde(default)]
    orchestrators: Vec<Spanned<String>>,
    #[serde(default)]
    when: Option<WhenSpec>,
    files: Spanned<Vec<FileSpec>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WhenSpec {
    test: Spanned<String>,
    reason: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSpec {
    path: Spanned<String>,
    template: Spanned<String>,
}

/// Captures the bare message of a serde-saphyr error, without its location suffix or snippet.
struct Capture(RefCell<String>);

impl serde_saphyr::MessageFormatter for Capture {
    fn format_message<'a>(&self, err: &'a serde_saphyr::Error) -> Cow<'a, str> {
        let message = serde_saphyr::DefaultMessageFormatter.format_message(err);
        *self.0.borrow_mut() = message.to_string();
        message
    }
}

/// Whether a name may be an emitter's: `[a-z][a-z0-9-]*`, at most 40 characters, not `all`.
fn check_name(name: &str) -> Result<(), String> {
    let ok = name.len() <= 40
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !ok {
        return Err(format!("emitter name `{name}` must be [a-z][a-z0-9-]*, at most 40 characters"));
    }
    if name == "all" {
        return Err("`all` is not a name an emitter may take: `--format all` means every emitter".to_owned());
    }
    Ok(())
}

/// The message of a minijinja error without its `(in file:line)` suffix.
fn bare_message(e: &minijinja::Error) -> String {
    match e.detail() {
        Some(detail) => format!("{}: {detail}", e.kind()),
        None => e.kind().to_string(),
    }
}

/// When a folder's templates are compiled: when it loads (a user's folder) or on first use (a
/// built-in one, which a test compiles).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    Now,
    OnFirstUse,
}

/// The syntax every template is read with: a block tag alone on its line leaves no line
/// behind; a file's last newline stays.
fn syntax() -> Result<minijinja::syntax::SyntaxConfig, minijinja::Error> {
    minijinja::syntax::SyntaxConfig::builder().trim_blocks(true).lstrip_blocks(true).keep_trailing_newline(true).build()
}

/// The environment of a folder: strict, no auto-escaping, the filters, and every template.
fn compile(folder: &str, templates: &[(String, String)]) -> Result<Environment<'static>, LoadError> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| AutoEscape::None);
    let syntax =
        syntax().map_err(|e| LoadError::Template { file: folder.to_owned(), line: 1, message: bare_message(&e) })?;
    env.set_syntax(syntax);
    filters::register(&mut env);
    // Every `.j2` file of the folder is a template, so that one may import another's macros.
    for (name, source) in templates {
        env.add_template_owned(name.clone(), source.clone()).map_err(|e| LoadError::Template {
            file: format!("{folder}/{name}"),
            line: e.line().unwrap_or(1),
            message: bare_message(&e),
        })?;
    }
    Ok(env)
}

impl TemplateEmitter {
    /// Builds an emitter from a folder's files: `files` are `(file name, contents)`, `folder` is
    /// how messages name the folder.
    pub fn from_files(folder: &str, files: &[(&str, &str)]) -> Result<TemplateEmitter, LoadError> {
        TemplateEmitter::from_files_checked(folder, files, Check::Now)
    }

    fn from_files_checked(folder: &str, files: &[(&str, &str)], check: Check) -> Result<TemplateEmitter, LoadError> {
        let manifest_file = format!("{folder}/{MANIFEST}");
        let text = files
            .iter()
            .find(|(name, _)| *name == MANIFEST)
            .map(|(_, text)| *text)
            .ok_or_else(|| LoadError::NotAnEmitter { path: folder.to_owned() })?;
        let at = |line: usize, column: usize, message: String| LoadError::Manifest {
            file: manifest_file.clone(),
            line,
            column,
            message,
        };
        let spanned = |s: &Spanned<String>, message: String| {
            at(s.referenced.line() as usize, s.referenced.column() as usize, message)
        };

        let manifest: ManifestFile = serde_saphyr::from_str(text).map_err(|e| {
            let capture = Capture(RefCell::new(String::new()));
            let _ = e.render_with_options(serde_saphyr::render_options! { formatter: &capture });
            let (line, column) = e.location().map_or((1, 1), |l| (l.line() as usize, l.column() as usize));
            at(line, column, capture.0.into_inner())
        })?;
        check_name(&manifest.name.value).map_err(|m| spanned(&manifest.name, m))?;
        for o in &manifest.orchestrators {
            if !matches!(o.value.as_str(), "eks" | "slurm") {
                return Err(spanned(o, format!("unknown orchestrator `{}`; known: eks, slurm", o.value)));
            }
        }
        if manifest.files.value.is_empty() {
            let (line, column) =
                (manifest.files.referenced.line() as usize, manifest.files.referenced.column() as usize);
            return Err(at(line, column, "`files` is empty: an emitter writes at least one file".to_owned()));
        }

        let templates: Vec<(String, String)> =
            files.iter().filter(|(n, _)| n.ends_with(".j2")).map(|(n, t)| ((*n).to_owned(), (*t).to_owned())).collect();
        let env = match check {
            Check::Now => OnceLock::from(Ok(compile(folder, &templates)?)),
            Check::OnFirstUse => OnceLock::new(),
        };
        let mut outputs: Vec<Output> = Vec::new();
        for file in &manifest.files.value {
            super::check_artifact_path(&file.path.value).map_err(|e| spanned(&file.path, e.to_string()))?;
            if outputs.iter().any(|o| o.path == file.path.value) {
                return Err(spanned(&file.path, format!("two files are both written to `{}`", file.path.value)));
            }
            let name = &file.template.value;
            if !templates.iter().any(|(n, _)| n == name) {
                return Err(spanned(&file.template, format!("no template `{name}` in `{folder}`")));
            }
            outputs.push(Output { path: file.path.value.clone(), template: name.clone() });
        }

        let when = match manifest.when {
            None => None,
            Some(w) => {
                if let Some(Ok(env)) = env.get() {
                    env.compile_expression(&w.test.value).map_err(|e| spanned(&w.test, bare_message(&e)))?;
                }
                let at = format!("{manifest_file}:{}:{}", w.test.referenced.line(), w.test.referenced.column());
                Some(When { test: w.test.value, reason: w.reason, at })
            }
        };
        Ok(TemplateEmitter {
            name: manifest.name.value,
            description: manifest.description,
            orchestrators: manifest.orchestrators.into_iter().map(|o| o.value).collect(),
            when,
            outputs,
            env,
            templates,
            folder: folder.to_owned(),
        })
    }

    /// The environment with every template of the folder, compiled on first use.
    fn env(&self) -> Result<&Environment<'static>, &LoadError> {
        self.env.get_or_init(|| compile(&self.folder, &self.templates)).as_ref()
    }

    /// Loads the emitter folder `dir` (the one holding `emitter.yaml`).
    pub fn load(dir: &Path) -> Result<TemplateEmitter, LoadError> {
        let folder = dir.display().to_string();
        let read_err = |path: &Path, e: std::io::Error| LoadError::Read {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        let mut files: Vec<(String, String)> = Vec::new();
        let mut entries: Vec<PathBuf> =
            fs::read_dir(dir).map_err(|e| read_err(dir, e))?.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.sort();
        for path in entries.into_iter().filter(|p| p.is_file()) {
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else { continue };
            let text = fs::read_to_string(&path).map_err(|e| read_err(&path, e))?;
            files.push((name.to_owned(), text));
        }
        let borrowed: Vec<(&str, &str)> = files.iter().map(|(n, t)| (n.as_str(), t.as_str())).collect();
        TemplateEmitter::from_files(&folder, &borrowed)
    }

    /// The folder as messages name it.
    pub fn folder(&self) -> &str {
        &self.folder
    }

    fn template_error(&self, e: &minijinja::Error) -> EmitError {
        let file = e.name().map_or_else(|| self.folder.clone(), |name| format!("{}/{name}", self.folder));
        EmitError::Template { file, line: e.line().unwrap_or(1), message: bare_message(e) }
    }
}

/// Loads the emitters under `dir`: `dir` itself when it holds an `emitter.yaml`, else each folder
/// inside it that does, in name order.
pub fn load_folder(dir: &Path) -> Result<Vec<TemplateEmitter>, LoadError> {
    if dir.join(MANIFEST).is_file() {
        return Ok(vec![TemplateEmitter::load(dir)?]);
    }
    let mut folders: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| LoadError::Read { path: dir.display().to_string(), message: e.to_string() })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join(MANIFEST).is_file())
        .collect();
    folders.sort();
    if folders.is_empty() {
        return Err(LoadError::NotAnEmitter { path: dir.display().to_string() });
    }
    folders.iter().map(|f| TemplateEmitter::load(f)).collect()
}

/// The built-in template emitters, embedded from `emitters/`.
pub fn builtin() -> Vec<Result<TemplateEmitter, LoadError>> {
    BUILTIN
        .iter()
        .map(|(name, files)| TemplateEmitter::from_files_checked(&format!("emitters/{name}"), files, Check::OnFirstUse))
        .collect()
}

/// The names of the built-in template emitters' folders.
pub fn builtin_folders() -> impl Iterator<Item = &'static str> {
    BUILTIN.iter().map(|(name, _)| *name)
}

impl Emitter for TemplateEmitter {
    fn name(&self) -> &str {
        &self.name
    }

    fn description(&self) -> &str {
        &self.description
    }

    fn applies(&self, model: &Model) -> Result<(), String> {
        self.applies_in(&Render::new(model))
    }

    fn emit(&self, model: &Model) -> Result<Vec<Artifact>, EmitError> {
        self.emit_in(&Render::new(model))
    }

    fn applies_in(&self, render: &Render<'_>) -> Result<(), String> {
        let orchestrator = render.model().orchestrator.as_str();
        if !self.orchestrators.is_empty() && !self.orchestrators.iter().any(|o| o == orchestrator) {
            return Err(format!(
                "`{}` is for {}, and this spec is {orchestrator}",
                self.name,
                self.orchestrators.join(", ")
            ));
        }
        if let Some(when) = &self.when {
            let failed = |message: String| format!("{}: `when` cannot be evaluated: {message}", when.at);
            let context = render.template_context().map_err(|e| failed(e.to_string()))?;
            let env = self.env().map_err(|e| failed(e.to_string()))?;
            let expression = env.compile_expression(&when.test).map_err(|e| failed(bare_message(&e)))?;
            let holds = expression.eval(&context.document).map_err(|e| failed(bare_message(&e)))?;
            if holds.is_undefined() {
                return Err(format!("{}: `when` cannot be evaluated: undefined value: `{}`", when.at, when.test));
            }
            if !holds.is_true() {
                return Err(when.reason.clone());
            }
        }
        Ok(())
    }

    fn emit_in(&self, render: &Render<'_>) -> Result<Vec<Artifact>, EmitError> {
        let context = render.template_context().map_err(Clone::clone)?;
        Ok(self.render_context(context)?.into_iter().map(|(artifact, _)| artifact).collect())
    }

    /// Each file is rendered straight into the sink's pieces: a file of a large model (ACCESS.md
    /// is 16 MB at 5,000 teams) is never held whole, nor copied each time its text outgrows its
    /// buffer.
    fn emit_to(&self, render: &Render<'_>, sink: &mut dyn Sink) -> Result<(), EmitError> {
        let context = render.template_context().map_err(Clone::clone)?;
        let env = self.prepared(context)?;
        for output in &self.outputs {
            let template = env.get_template(&output.template).map_err(|e| self.template_error(&e))?;
            sink.stream(&output.path, &mut |chunks| {
                template
                    .render_captured_to(&context.document, Pieces(chunks))
                    .map(drop)
                    .map_err(|e| self.template_error(&e))
            })?;
        }
        Ok(())
    }
}

/// A template's output as it renders, appended to the pieces of a streamed file. minijinja
/// writes whole strings (each `write` is a `&str`'s bytes), so every piece is text.
struct Pieces<'c, 's>(&'c mut Chunks<'s>);

impl std::io::Write for Pieces<'_, '_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let text = std::str::from_utf8(bytes).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        self.0.text.push_str(text);
        self.0.spill();
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl TemplateEmitter {
    /// Renders a model document (for a program that fills [`ModelDocument::access_levels`]
    /// from a catalog of its own; [`Emitter::emit`] renders [`ModelDocument::new`]).
    pub fn render(&self, document: &ModelDocument<'_>) -> Result<Vec<Artifact>, EmitError> {
        Ok(self.render_measured(document)?.into_iter().map(|(artifact, _)| artifact).collect())
    }

    /// Renders a model document; each file with the fuel its template used.
    pub fn render_measured(&self, document: &ModelDocument<'_>) -> Result<Vec<(Artifact, u64)>, EmitError> {
        self.render_context(&TemplateContext::new(document)?)
    }

    /// The folder's environment for one context: its fuel limit and its look-up functions.
    fn prepared(&self, context: &TemplateContext) -> Result<Environment<'static>, EmitError> {
        let env = self.env().map_err(|e| match e {
            LoadError::Template { file, line, message } => {
                EmitError::Template { file: file.clone(), line: *line, message: message.clone() }
            }
            other => EmitError::Template { file: self.folder.clone(), line: 1, message: other.to_string() },
        })?;
        let mut env = env.clone();
        env.set_fuel(Some(fuel_limit(context.values)));
        filters::register_model(&mut env, &context.lookups);
        Ok(env)
    }

    /// Renders a prepared context; each file with the fuel its template used.
    pub fn render_context(&self, context: &TemplateContext) -> Result<Vec<(Artifact, u64)>, EmitError> {
        let env = self.prepared(context)?;
        let mut artifacts = Vec::with_capacity(self.outputs.len());
        for output in &self.outputs {
            let template = env.get_template(&output.template).map_err(|e| self.template_error(&e))?;
            let captured = template.render_captured(&context.document).map_err(|e| self.template_error(&e))?;
            let used = captured.state().fuel_levels().map_or(0, |(consumed, _)| consumed);
            artifacts.push((Artifact { path: output.path.clone(), contents: captured.into_output() }, used));
        }
        Ok(artifacts)
    }
}

#[cfg(test)]
mod tests;
