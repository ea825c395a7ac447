//! The model as a public, versioned document: what `hyperpod-iam model` prints and what every
//! template receives as its context.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::model::Model;

/// The version of the model document, `MAJOR.MINOR`. A new field raises the minor version (a
/// template that worked keeps working); a field removed, renamed or changed in meaning raises
/// the major version. The JSON Schema in `schema/model.schema.json` describes this version.
pub const MODEL_VERSION: &str = "1.1";

/// The checked model as templates and external programs see it: `modelVersion`, every field of
/// [`Model`] (camelCase), and `accessLevels`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelDocument<'m> {
    pub model_version: &'static str,
    #[serde(flatten)]
    pub model: &'m Model,
    /// The IAM access level (`List`, `Read`, `Write`, `Permissions management`, `Tagging`) of
    /// each action the model grants, for the actions whose level the IAM catalog knows. The
    /// embedded catalog (cfn-lint's) carries no levels, so today this is empty; templates group
    /// by level when it is not.
    pub access_levels: BTreeMap<String, String>,
}

impl<'m> ModelDocument<'m> {
    /// The document of a model, with the access levels the embedded catalog knows.
    pub fn new(model: &'m Model) -> ModelDocument<'m> {
        let catalog = crate::catalog::catalog();
        ModelDocument::with_access_levels(model, |action| catalog.access_level(action).map(|l| l.as_str().to_owned()))
    }

    /// The document with access levels from another source (`lookup` gives an action's level).
    pub fn with_access_levels(model: &'m Model, lookup: impl Fn(&str) -> Option<String>) -> ModelDocument<'m> {
        let mut access_levels = BTreeMap::new();
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        // The same action lists recur in every team's policy, shared (one list, many statements):
        // each list is read once, known by where it lies, and each action looked up once.
        let mut lists: BTreeSet<(usize, usize)> = BTreeSet::new();
        let documents = model.roles.iter().map(|r| &r.trust).chain(model.policies.iter().map(|p| &p.document));
        for statement in documents.flat_map(|d| &d.statements) {
            let list = statement.actions.list();
            if !lists.insert((list.as_ptr().addr(), list.len())) {
                continue;
            }
            for action in list {
                if seen.insert(action.as_str())
                    && let Some(level) = lookup(action)
                {
                    access_levels.insert(action.clone(), level);
                }
            }
        }
        ModelDocument { model_version: MODEL_VERSION, model, access_levels }
    }

    /// The document as pretty JSON, with a trailing newline.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        let mut text = serde_json::to_string_pretty(self)?;
        text.push('\n');
        Ok(text)
    }
}
