//! Emitters: backends that render a checked model into the files of one format.
//!
//! An emitter is pure: it returns [`Artifact`]s, or hands them one at a time to a [`Sink`]
//! ([`Emitter::emit_to`], large files in pieces), and never writes, reads the environment or the
//! clock; only the command line writes, staging each file as it comes, and it writes all or
//! nothing.
//!
//! The [`Registry`] is open: the built-in emitters are added by one call, and anything else that
//! implements [`Emitter`] (a [`TemplateEmitter`] from a user's folder) by [`Registry::register`],
//! which refuses a name already taken.

mod cloudformation;
mod iam_json;
mod kubernetes;
pub mod node;
mod path;
pub mod policy;
pub mod template;
mod terraform;

use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use serde::Serialize;
use thiserror::Error;

use crate::model::{Index, Model};

pub use cloudformation::CloudFormation;
pub use iam_json::IamJson;
pub use kubernetes::{KubernetesRbac, RBAC_FILE};
pub use path::{ArtifactPathError, check_artifact_path};
pub use template::{LoadError, MODEL_VERSION, ModelDocument, TemplateContext, TemplateEmitter};
pub use terraform::Terraform;

/// One output file: a path relative to the output folder (always `/`-separated) and its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Artifact {
    pub path: String,
    pub contents: String,
}

/// Why an emitter could not render a model.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum EmitError {
    /// The model cannot be expressed in this format.
    #[error("{0}")]
    Unsupported(String),
    /// Two resources of the output would get one name.
    #[error("two resources would both be named `{0}`")]
    NameCollision(String),
    /// A serializer refused a value (a bug: every value we build is serializable).
    #[error("cannot serialize the output: {0}")]
    Serialize(String),
    /// A template failed while rendering (undefined value, out of fuel, a filter's error).
    #[error("{file}:{line}: {message}")]
    Template { file: String, line: usize, message: String },
}

/// A backend that renders a checked model into the files of one format.
pub trait Emitter: Send + Sync {
    /// Stable id: the `--format` value.
    fn name(&self) -> &str;
    /// One line for `hyperpod-iam emitters`.
    fn description(&self) -> &str;
    /// `Err(reason)` when this format does not apply to the model (a Slurm spec has no RBAC).
    fn applies(&self, model: &Model) -> Result<(), String> {
        let _ = model;
        Ok(())
    }
    /// Pure and deterministic: no I/O, clock, environment or randomness.
    fn emit(&self, model: &Model) -> Result<Vec<Artifact>, EmitError>;
    /// [`Emitter::applies`] within a render of several emitters, which share what is derived
    /// from the model once (a template emitter's context); the same answer.
    fn applies_in(&self, render: &Render<'_>) -> Result<(), String> {
        self.applies(render.model())
    }
    /// [`Emitter::emit`] within a render of several emitters; the same files.
    fn emit_in(&self, render: &Render<'_>) -> Result<Vec<Artifact>, EmitError> {
        self.emit(render.model())
    }
    /// [`Emitter::emit_in`], each file handed to `sink` as soon as it is made, so that a render
    /// never holds all its files in memory; the same files in the same order. An emitter of
    /// several files overrides it to make them one at a time.
    fn emit_to(&self, render: &Render<'_>, sink: &mut dyn Sink) -> Result<(), EmitError> {
        for artifact in self.emit_in(render)? {
            sink.file(&artifact.path, &artifact.contents);
        }
        Ok(())
    }
    /// The work of [`Emitter::emit_to`] divided into [`Parts`] that a render shares among its
    /// cores, when the model makes it worth it; `None` (the default): one piece of work.
    fn parts<'r>(&'r self, render: &'r Render<'_>) -> Result<Option<Box<dyn Parts + 'r>>, EmitError> {
        let _ = render;
        Ok(None)
    }
}

/// An emitter's work for one model, divided: each part makes its files on its own, on any
/// thread and in any order, and the files of all parts, taken part after part, are the files of
/// [`Emitter::emit_to`] in its order. A render queues the parts behind every emitter whose work
/// is one piece: small pieces of work last fill the cores while the large ones end.
pub trait Parts: Send + Sync {
    /// How many parts there are.
    fn count(&self) -> usize;
    /// Makes the files of part `part` (`0..count()`), each handed to `sink`.
    fn emit(&self, part: usize, sink: &mut dyn Sink) -> Result<(), EmitError>;
}

/// Makes every part of `parts` in order, into `sink`: what [`Emitter::emit_to`] does for an
/// emitter whose work is divided.
pub fn emit_parts(parts: &dyn Parts, sink: &mut dyn Sink) -> Result<(), EmitError> {
    (0..parts.count()).try_for_each(|part| parts.emit(part, sink))
}

/// Where [`Emitter::emit_to`] puts the files it makes, one at a time: the output folder's
/// staging, or a list in memory. A sink keeps its own failures (a full disk) for whoever reads
/// it afterwards.
pub trait Sink {
    /// One whole file: its path relative to the output folder, and its text.
    fn file(&mut self, path: &str, contents: &str);
    /// A file written in pieces by `write` (see [`Chunks`]), so that a large file need not be
    /// held whole; by default it is gathered and given to [`Sink::file`].
    fn stream(
        &mut self,
        path: &str,
        write: &mut dyn FnMut(&mut Chunks<'_>) -> Result<(), EmitError>,
    ) -> Result<(), EmitError> {
        self.file(path, &Chunks::whole(write)?);
        Ok(())
    }
}

/// The files that `write` hands to a sink, gathered: [`Emitter::emit`] of an emitter that
/// streams in [`Emitter::emit_to`].
pub fn gather(write: impl FnOnce(&mut dyn Sink) -> Result<(), EmitError>) -> Result<Vec<Artifact>, EmitError> {
    let mut files = Vec::new();
    write(&mut files)?;
    Ok(files)
}

impl Sink for Vec<Artifact> {
    fn file(&mut self, path: &str, contents: &str) {
        self.push(Artifact { path: path.to_owned(), contents: contents.to_owned() });
    }

    fn stream(
        &mut self,
        path: &str,
        write: &mut dyn FnMut(&mut Chunks<'_>) -> Result<(), EmitError>,
    ) -> Result<(), EmitError> {
        // Kept, not copied.
        self.push(Artifact { path: path.to_owned(), contents: Chunks::whole(write)? });
        Ok(())
    }
}

/// The text of a file being written in pieces: an emitter appends to [`Chunks::text`] (the YAML
/// and JSON writers of [`node`] write into a `String`) and calls [`Chunks::spill`] after each
/// whole piece (a resource, a document), which hands the text on to where it goes once it holds
/// [`Chunks::SIZE`] bytes, so that the buffer stays small and is reused.
pub struct Chunks<'s> {
    pub text: String,
    to: Option<&'s mut dyn FnMut(&str)>,
}

impl<'s> Chunks<'s> {
    /// How many bytes are gathered before they are handed on.
    pub const SIZE: usize = 64 * 1024;

    /// Text handed on to `to`, or, with `None`, gathered whole (see [`Chunks::finish`]).
    pub fn new(to: Option<&'s mut dyn FnMut(&str)>) -> Chunks<'s> {
        let capacity = if to.is_some() { 2 * Self::SIZE } else { 0 };
        Chunks { text: String::with_capacity(capacity), to }
    }

    /// The whole text `write` writes, gathered.
    pub fn whole(write: &mut dyn FnMut(&mut Chunks<'_>) -> Result<(), EmitError>) -> Result<String, EmitError> {
        let mut chunks = Chunks::new(None);
        write(&mut chunks)?;
        Ok(chunks.finish())
    }

    /// Hands the text on if it holds [`Chunks::SIZE`] bytes or more.
    pub fn spill(&mut self) {
        if self.text.len() >= Self::SIZE
            && let Some(to) = &mut self.to
        {
            to(&self.text);
            self.text.clear();
        }
    }

    /// Hands the rest on; returns the whole text when there is nowhere to hand it.
    pub fn finish(mut self) -> String {
        match &mut self.to {
            Some(to) => {
                to(&self.text);
                String::new()
            }
            None => self.text,
        }
    }
}

/// One model rendered by several emitters: the model, and what is derived from it once for all
/// of them, when the first one asks: its [`Index`] (CloudFormation, Terraform, the IAM JSON and
/// the lint look up each role's policies and entries in it), and the template context. The
/// template emitters share one context (the model
/// document as a minijinja value, and its look-ups) instead of building it for each `when`,
/// each emitter and each look-up function: at 5,000 teams, every format, building it once took
/// a render from about 3.0 s of CPU to 2.4 s (BENCHMARKS.md). A render is shared by the threads
/// that run its emitters side by side: the context is built by the first that asks, once.
pub struct Render<'m> {
    model: &'m Model,
    /// The model as the template context can share it; `None`: the context copies it.
    shared: Option<&'m Arc<Model>>,
    index: OnceLock<Index<'m>>,
    template: OnceLock<Result<TemplateContext, EmitError>>,
}

impl<'m> Render<'m> {
    pub fn new(model: &'m Model) -> Render<'m> {
        Render { model, shared: None, index: OnceLock::new(), template: OnceLock::new() }
    }

    /// A render whose template context shares the model instead of copying it (as large as the
    /// model at thousands of teams).
    pub fn shared(model: &'m Arc<Model>) -> Render<'m> {
        Render { model, shared: Some(model), index: OnceLock::new(), template: OnceLock::new() }
    }

    pub fn model(&self) -> &'m Model {
        self.model
    }

    /// The model's index, built on first use.
    pub fn index(&self) -> &Index<'m> {
        self.index.get_or_init(|| self.model.index())
    }

    /// The template emitters' context, built on first use.
    pub fn template_context(&self) -> Result<&TemplateContext, &EmitError> {
        self.template
            .get_or_init(|| TemplateContext::of(self.shared.map_or_else(|| Arc::new(self.model.clone()), Arc::clone)))
            .as_ref()
    }
}

/// Where a registered emitter comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Written in Rust, in `src/emit/`.
    BuiltIn,
    /// A template folder of `emitters/`, embedded at build time.
    BuiltInTemplate(String),
    /// A user's template folder (`--emitters`, `HYPERPOD_IAM_EMITTERS`).
    Folder(PathBuf),
    /// Registered by a program that uses this library.
    Library,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::BuiltIn => f.write_str("built-in"),
            Origin::BuiltInTemplate(folder) => write!(f, "built-in template, {folder}"),
            Origin::Folder(path) => write!(f, "{}", path.display()),
            Origin::Library => f.write_str("the program using the library"),
        }
    }
}

/// Why an emitter could not be registered.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum RegistryError {
    #[error("two emitters are named `{name}`: one from {first}, one from {second}")]
    Duplicate { name: String, first: Origin, second: Origin },
    #[error(transparent)]
    Load(#[from] LoadError),
}

/// The emitters, by name, in the order `--format all` runs them (the order they were
/// registered in); names are unique.
#[derive(Default)]
pub struct Registry {
    emitters: Vec<(Box<dyn Emitter>, Origin)>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Registry {
        Registry::default()
    }

    /// Every built-in emitter: the four Rust ones, then the template ones of `emitters/`.
    pub fn builtin() -> Registry {
        let mut registry = Registry::new();
        registry.register_builtins();
        registry
    }

    /// Adds an emitter; a name already taken is refused.
    pub fn register(&mut self, emitter: Box<dyn Emitter>, origin: Origin) -> Result<(), RegistryError> {
        if let Some((_, first)) = self.emitters.iter().find(|(e, _)| e.name() == emitter.name()) {
            return Err(RegistryError::Duplicate {
                name: emitter.name().to_owned(),
                first: first.clone(),
                second: origin,
            });
        }
        self.emitters.push((emitter, origin));
        Ok(())
    }

    /// Adds every built-in emitter that is not registered yet, and returns the names of those
    /// that were. A built-in template emitter that cannot be loaded (a test proves each one
    /// loads) is registered as one that explains why it does not apply.
    pub fn register_builtins(&mut self) -> Vec<String> {
        let rust: Vec<Box<dyn Emitter>> =
            vec![Box::new(CloudFormation), Box::new(Terraform), Box::new(KubernetesRbac), Box::new(IamJson)];
        let mut refused = Vec::new();
        for emitter in rust {
            if let Err(RegistryError::Duplicate { name, .. }) = self.register(emitter, Origin::BuiltIn) {
                refused.push(name);
            }
        }
        for (folder, loaded) in template::builtin_folders().zip(template::builtin()) {
            let origin = Origin::BuiltInTemplate(format!("emitters/{folder}"));
            let emitter: Box<dyn Emitter> = match loaded {
                Ok(emitter) => Box::new(emitter),
                Err(e) => Box::new(Broken { name: folder.to_owned(), error: e.to_string() }),
            };
            if let Err(RegistryError::Duplicate { name, .. }) = self.register(emitter, origin) {
                refused.push(name);
            }
        }
        refused
    }

    /// Loads the template emitters under a user's folder (see [`template::load_folder`]) and
    /// registers them.
    pub fn load_folder(&mut self, dir: &std::path::Path) -> Result<(), RegistryError> {
        for emitter in template::load_folder(dir)? {
            let origin = Origin::Folder(PathBuf::from(emitter.folder()));
            self.register(Box::new(emitter), origin)?;
        }
        Ok(())
    }

    pub fn get(&self, name: &str) -> Option<&dyn Emitter> {
        self.emitters.iter().find(|(e, _)| e.name() == name).map(|(e, _)| e.as_ref())
    }

    pub fn iter(&self) -> impl Iterator<Item = &dyn Emitter> {
        self.emitters.iter().map(|(e, _)| e.as_ref())
    }

    /// Every emitter with where it comes from.
    pub fn entries(&self) -> impl Iterator<Item = (&dyn Emitter, &Origin)> {
        self.emitters.iter().map(|(e, o)| (e.as_ref(), o))
    }

    /// The registered names, in order.
    pub fn names(&self) -> Vec<&str> {
        self.iter().map(|e| e.name()).collect()
    }
}

/// A built-in template emitter whose folder does not load: it never applies, and says why.
struct Broken {
    name: String,
    error: String,
}

impl Emitter for Broken {
    fn name(&self) -> &str {
        &self.name
    }

    fn description(&self) -> &str {
        &self.error
    }

    fn applies(&self, _: &Model) -> Result<(), String> {
        Err(format!("the built-in template emitter does not load: {}", self.error))
    }

    fn emit(&self, _: &Model) -> Result<Vec<Artifact>, EmitError> {
        Err(EmitError::Unsupported(self.error.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn register_refuses_a_taken_name_and_keeps_the_order_of_registration() {
        let mut registry = Registry::new();
        assert!(registry.names().is_empty());
        registry.register(Box::new(Terraform), Origin::Library).unwrap();
        let err = registry.register(Box::new(Terraform), Origin::Folder(PathBuf::from("mine"))).unwrap_err();
        assert_eq!(
            err.to_string(),
            "two emitters are named `terraform`: one from the program using the library, one from mine"
        );
        assert_eq!(registry.register_builtins(), ["terraform"], "the taken built-in is reported");
        assert_eq!(
            registry.names(),
            ["terraform", "cloudformation", "kubernetes", "iam-json", "access-report", "eksctl", "kustomize"]
        );
        let origins: Vec<String> = registry.entries().map(|(_, o)| o.to_string()).collect();
        assert_eq!(origins[0], "the program using the library");
        assert_eq!(origins[4], "built-in template, emitters/access-report");
    }

    #[test]
    fn chunks_hand_on_whole_pieces_once_full_and_the_rest_at_the_end() {
        let mut handed = Vec::new();
        let mut to = |text: &str| handed.push(text.len());
        let mut chunks = Chunks::new(Some(&mut to));
        chunks.text.push_str(&"x".repeat(Chunks::SIZE - 1));
        chunks.spill();
        chunks.text.push_str("yy");
        chunks.spill();
        chunks.text.push('z');
        chunks.spill();
        assert_eq!(chunks.finish(), "", "everything was handed on");
        assert_eq!(handed, [Chunks::SIZE + 1, 1]);
        let mut whole = Chunks::new(None);
        whole.text.push_str(&"x".repeat(Chunks::SIZE + 1));
        whole.spill();
        assert_eq!(whole.finish().len(), Chunks::SIZE + 1, "with nowhere to go, the text is kept whole");
    }

    #[test]
    fn a_built_in_that_does_not_load_explains_itself() {
        let broken = Broken { name: "x".into(), error: "emitters/x/emitter.yaml:1:1: bad".into() };
        let model = crate::spec::load(&crate::spec::Source::example()).unwrap();
        assert_eq!(
            broken.applies(&model),
            Err("the built-in template emitter does not load: emitters/x/emitter.yaml:1:1: bad".to_owned())
        );
        assert!(broken.emit(&model).is_err());
    }
}
