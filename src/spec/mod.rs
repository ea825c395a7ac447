//! The spec file as the user writes it, and its conversion into the model.
//!
//! Reading goes by stage, one file each:
//!
//! - [`tree`]: the YAML (or JSON) as a tree of nodes with their locations, tags and source text;
//! - [`shape`]: every unknown key, missing key, wrong type, duplicate key and tag of the whole
//!   file, from the tree, in one run;
//! - [`schema`] and [`parse`]: the input schema (serde) and the translation of what its reader
//!   still reports into our words;
//! - [`validate`]: every constraint on the values, section by section, collected, then the
//!   conversion into the model's [`Config`];
//! - [`format`]: the formats of names, ARNs, policy variables and condition operators.
//!
//! Every error is reported with its line, column and field path, and nothing is built from a
//! spec with an error.

mod format;
mod from_tree;
mod parse;
mod schema;
mod shape;
mod tree;
mod validate;

use crate::check::ack::Acknowledgement;
use crate::check::{Code, Diagnostic, Diagnostics};
use crate::model::{self, Config};

pub use format::{is_dns_label, is_dns_subdomain};

/// A spec to read: its display name (for messages) and its text.
#[derive(Debug, Clone)]
pub struct Source {
    pub name: String,
    pub text: String,
}

/// The built-in example spec: an EKS deployment with one admin group and two scientist teams.
pub const EXAMPLE: &str = include_str!("../../examples/ml-research.yaml");
/// The display name of the built-in example in messages.
pub const EXAMPLE_NAME: &str = "<built-in example>";

impl Source {
    pub fn example() -> Source {
        Source { name: EXAMPLE_NAME.to_owned(), text: EXAMPLE.to_owned() }
    }
}

/// Where each field of a spec is: field path (`admins[0].extraStatements[1].Action[0]`) → line
/// and column. Diagnostics found after reading (the lint) use it to point at the spec.
pub use crate::check::lint::SourceMap;

/// A spec read and checked: its configuration, where each field is, and the warnings it
/// acknowledges.
#[derive(Debug)]
pub struct Read {
    pub config: Config,
    /// What the reader warns about (an unknown condition key).
    pub warnings: Diagnostics,
    pub locations: SourceMap,
    pub acknowledgements: Vec<Acknowledgement>,
}

/// A spec read into its model.
#[derive(Debug)]
pub struct Loaded {
    pub model: model::Model,
    pub warnings: Diagnostics,
    pub locations: SourceMap,
    pub acknowledgements: Vec<Acknowledgement>,
}

/// Reads and checks a spec. On failure every error found is returned, sorted by location.
pub fn read(source: &Source) -> Result<Read, Diagnostics> {
    if source.text.trim().is_empty() {
        let message = "the spec is empty; `hyperpod-iam init` prints a starter spec";
        return Err(Diagnostics { items: vec![Diagnostic::new(Code::MissingKey, "", message)] });
    }
    let (walk, file, tree) = parse::structure(source)?;
    // A large spec's tree is freed on another core while its values are checked.
    std::thread::scope(|threads| {
        match tree {
            Some(tree) if source.text.len() >= parse::PARALLEL_BYTES => drop(threads.spawn(move || drop(tree))),
            tree => drop(tree),
        }
        validated(walk, file.map_or_else(|| parse::parse(source), Ok), crate::par::SPREAD_FROM)
    })
}

/// The values of a spec whose structure passed ([`parse::structure`]) checked and converted,
/// the scientist teams in runs on every core from `parallel_teams` teams on.
fn validated(
    mut walk: shape::Walk,
    file: Result<schema::SpecFile, Diagnostic>,
    parallel_teams: usize,
) -> Result<Read, Diagnostics> {
    let file = match file {
        Ok(file) => file,
        // What the shape found already explains a file serde cannot read.
        Err(_) if walk.diags.has_errors() => {
            walk.diags.sort();
            return Err(walk.diags);
        }
        Err(d) => return Err(Diagnostics { items: vec![d] }),
    };
    let mut v = validate::Validator::new(walk);
    v.parallel_teams = parallel_teams;
    let config = v.convert(&file);
    let acknowledgements = v.acknowledgements(&file);
    v.diags.sort();
    if v.diags.has_errors() {
        return Err(v.diags);
    }
    Ok(Read { config, warnings: v.diags, locations: v.locations, acknowledgements })
}

/// Reads a spec and builds its model.
pub fn load(source: &Source) -> Result<model::Model, Diagnostics> {
    load_mapped(source).map(|(model, _)| model)
}

/// Reads a spec and builds its model, keeping where each field is.
pub fn load_mapped(source: &Source) -> Result<(model::Model, SourceMap), Diagnostics> {
    load_all(source).map(|l| (l.model, l.locations))
}

/// Reads a spec and builds its model, keeping where each field is and what it acknowledges.
pub fn load_all(source: &Source) -> Result<Loaded, Diagnostics> {
    read(source).map(|r| Loaded {
        model: model::build(&r.config),
        warnings: r.warnings,
        locations: r.locations,
        acknowledgements: r.acknowledgements,
    })
}

#[cfg(test)]
mod tests;
