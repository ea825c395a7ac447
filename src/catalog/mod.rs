//! The IAM action catalog: which actions exist, which resource types each takes, and the ARN
//! formats and condition keys of those resource types.
//!
//! # Where the data comes from
//!
//! `data/catalog.txt` is generated from `cfnlint/data/AdditionalSpecs/Policies.json` in the
//! PyPI wheel of cfn-lint 1.58.0 (MIT-0), which cfn-lint builds from the AWS Service
//! Authorization Reference. To refresh it, change the pinned version and hash in the script and
//! run
//!
//! ```text
//! python3 scripts/gen-catalog.py
//! ```
//!
//! then commit the data with the code. The header of the data file names its source; that name
//! is [`Catalog::version`].
//!
//! What Policies.json does not keep, this catalog does not have: whether a resource type is
//! required by an action, condition keys of actions themselves (such as `iam:PassedToService`),
//! global condition keys, and ARN formats past the first placeholder of their resource part
//! (see [`arn_matches_format`]). Action names are lower-case there; the generator recovers a
//! proper-case spelling where it can (see [`Spelling`]).
//!
//! # Cost
//!
//! The data (about 1 MB) is embedded. The first use reads only its index; each service's line is
//! parsed the first time one of its actions is looked up, and kept.

mod arn;
mod store;
mod text;

use std::sync::OnceLock;

pub use arn::arn_matches_format;
pub use store::Spelling;
use store::{Index, Service, Slot};

const DATA: &str = include_str!("data/catalog.txt");

/// The catalog embedded in this build.
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| Catalog {
        // The tests read the whole embedded file; were it unreadable anyway, the catalog would
        // be empty and report every action unknown rather than panic.
        index: store::read_index(DATA)
            .unwrap_or_else(|_| Index { version: "unreadable embedded catalog", slots: Vec::new() }),
    })
}

/// The IAM actions, resource types and condition keys known to this build.
#[derive(Debug)]
pub struct Catalog {
    index: Index,
}

/// The answer of [`Catalog::lookup`].
#[derive(Debug, Clone, Copy)]
pub enum ActionLookup<'a> {
    /// The action exists.
    Found(ActionInfo<'a>),
    /// No service has this prefix (or the name has no `:`); `suggestion` is the closest service
    /// prefix, if one is close.
    UnknownService { suggestion: Option<&'a str> },
    /// The service exists but has no such action; `suggestion` is the closest action of that
    /// service, as `prefix:Action`, if one is close.
    UnknownAction { suggestion: Option<ActionInfo<'a>> },
}

/// An action of the catalog.
#[derive(Debug, Clone, Copy)]
pub struct ActionInfo<'a> {
    prefix: &'a str,
    service: &'a Service<'static>,
    action: &'a store::Action<'static>,
}

/// A resource type of a service, as one of an action's resource types.
#[derive(Debug, Clone, Copy)]
pub struct ResourceType<'a> {
    service: &'a Service<'static>,
    data: &'a store::ResourceTypeData<'static>,
}

impl Catalog {
    /// Where the data comes from, e.g. `cfn-lint 1.58.0 Policies.json`.
    pub fn version(&self) -> &'static str {
        self.index.version
    }

    /// The service prefixes, sorted.
    pub fn services(&self) -> impl Iterator<Item = &str> {
        self.index.slots.iter().map(|s| s.prefix)
    }

    fn slot(&self, prefix: &str) -> Option<&Slot> {
        let i = self.index.slots.binary_search_by(|s| text::cmp_ignore_case(s.prefix, prefix)).ok()?;
        self.index.slots.get(i)
    }

    fn action_in<'a>(&'a self, slot: &'a Slot, name: &str) -> Option<ActionInfo<'a>> {
        let service = slot.service();
        let i = service.actions.binary_search_by(|a| text::cmp_ignore_case(a.0, name)).ok()?;
        Some(ActionInfo { prefix: slot.prefix, service, action: service.actions.get(i)? })
    }

    fn closest_action_in<'a>(&'a self, slot: &'a Slot, name: &str) -> Option<ActionInfo<'a>> {
        let best = text::closest(name, slot.service().actions.iter().map(|a| a.0))?;
        self.action_in(slot, best)
    }

    fn closest_service(&self, prefix: &str) -> Option<&Slot> {
        let best = text::closest(prefix, self.services())?;
        self.slot(best)
    }

    /// The condition keys the catalog lists for a service's resource types (such as
    /// `sagemaker:ResourceTag/${TagKey}`), sorted; empty for an unknown service. Keys of actions
    /// themselves are not among them (see the module documentation).
    pub fn condition_keys(&self, prefix: &str) -> &[&'static str] {
        self.slot(prefix).map_or(&[], |slot| slot.service().condition_keys.as_slice())
    }

    /// Looks up an action written `prefix:Action`, ignoring case in both parts, as IAM does.
    /// Wildcards are not expanded here (see [`Catalog::expand`]): `s3:Get*` is an unknown
    /// action, with no suggestion.
    pub fn lookup(&self, action: &str) -> ActionLookup<'_> {
        let Some((prefix, name)) = action.split_once(':') else {
            return ActionLookup::UnknownService { suggestion: None };
        };
        let Some(slot) = self.slot(prefix) else {
            let suggestion = self.closest_service(prefix).map(|s| s.prefix);
            return ActionLookup::UnknownService { suggestion };
        };
        if let Some(info) = self.action_in(slot, name) {
            return ActionLookup::Found(info);
        }
        let suggestion = if name.contains(['*', '?']) { None } else { self.closest_action_in(slot, name) };
        ActionLookup::UnknownAction { suggestion }
    }

    /// Did you mean: for an action that does not exist, the closest one that does, as
    /// `prefix:Action` in its best-known spelling. The action part is compared by edit distance
    /// within the service; an unknown prefix is first replaced by the closest service prefix.
    /// `None` when the action exists, or when nothing is close.
    pub fn suggest(&self, action: &str) -> Option<String> {
        let info = match self.lookup(action) {
            ActionLookup::Found(_) => None,
            ActionLookup::UnknownAction { suggestion } => suggestion,
            ActionLookup::UnknownService { suggestion } => {
                let (_, name) = action.split_once(':')?;
                let slot = self.slot(suggestion?)?;
                self.action_in(slot, name).or_else(|| self.closest_action_in(slot, name))
            }
        };
        info.map(|i| i.full_name())
    }

    /// The actions an IAM action pattern such as `sagemaker:Describe*` or `s3:Get?bject` grants,
    /// as `prefix:Action` in their best-known spelling, sorted. `*` stands for any run of
    /// characters and `?` for one, case is ignored, and the prefix must name one service
    /// exactly. Empty when nothing matches, when the service is unknown, and for a pattern
    /// without `:` (such as `*`).
    pub fn expand(&self, pattern: &str) -> Vec<String> {
        let Some((prefix, name)) = pattern.split_once(':') else {
            return Vec::new();
        };
        let Some(slot) = self.slot(prefix) else {
            return Vec::new();
        };
        slot.service()
            .actions
            .iter()
            .filter(|a| text::glob_matches(name, a.0))
            .map(|a| format!("{}:{}", slot.prefix, a.0))
            .collect()
    }

    /// Which of `action`'s resource types a policy resource `arn` can name (see
    /// [`arn_matches_format`]), or `None` if the action is unknown. An empty list means the
    /// action takes no resource of the ARN's type; an action without resource types takes
    /// only `*`.
    pub fn resource_types_for_arn(&self, action: &str, arn: &str) -> Option<Vec<ResourceType<'_>>> {
        match self.lookup(action) {
            ActionLookup::Found(info) => Some(info.resource_types_for_arn(arn)),
            _ => None,
        }
    }
}

impl<'a> ActionInfo<'a> {
    /// The service prefix, such as `sagemaker`.
    pub fn prefix(&self) -> &'a str {
        self.prefix
    }

    /// The action name without prefix, in its best-known spelling, such as `DescribeClusterNode`.
    pub fn name(&self) -> &'static str {
        self.action.0
    }

    /// `prefix:Action`, such as `sagemaker:DescribeClusterNode`.
    pub fn full_name(&self) -> String {
        format!("{}:{}", self.prefix, self.action.0)
    }

    /// How [`ActionInfo::name`] came to be spelled as it is.
    pub fn spelling(&self) -> Spelling {
        self.action.1
    }

    /// The resource types the action can be granted on, sorted by name; none when it can only
    /// be granted on `*`. Policies.json does not say which of them are required.
    pub fn resource_types(&self) -> impl Iterator<Item = ResourceType<'a>> + use<'a> {
        let service = self.service;
        self.action
            .2
            .iter()
            .filter_map(move |&i| Some(ResourceType { service, data: service.resource_types.get(usize::from(i))? }))
    }

    /// The resource types of this action whose ARN format `arn` matches.
    pub fn resource_types_for_arn(&self, arn: &str) -> Vec<ResourceType<'a>> {
        self.resource_types().filter(|t| t.matches_arn(arn)).collect()
    }
}

impl<'a> ResourceType<'a> {
    /// The name, lower-case as in Policies.json, such as `cluster`.
    pub fn name(&self) -> &'static str {
        self.data.0
    }

    /// The ARN formats, such as `arn:${Partition}:sagemaker:${Region}:${Account}:cluster/.*`.
    pub fn arn_formats(&self) -> &'a [&'static str] {
        &self.data.1
    }

    /// The condition keys that apply to a resource of this type, sorted.
    pub fn condition_keys(&self) -> impl Iterator<Item = &'static str> + use<'a> {
        let keys = &self.service.condition_keys;
        self.data.2.iter().filter_map(move |&i| keys.get(usize::from(i)).copied())
    }

    /// Whether a policy resource `arn` matches one of [`ResourceType::arn_formats`], with the
    /// formats that Policies.json cuts short restored first (see [`full_format`]).
    pub fn matches_arn(&self, arn: &str) -> bool {
        self.data.1.iter().any(|f| arn_matches_format(arn, full_format(self.name(), f)))
    }
}

/// Policies.json cuts every ARN format at its first placeholder (`arn:${Partition}:s3:::.*`), so
/// types whose formats differ only after it cannot be told apart: an S3 bucket ARN would pass
/// for an object. For those, the full format of the Service Authorization Reference.
fn full_format(resource_type: &str, format: &'static str) -> &'static str {
    match (format, resource_type) {
        ("arn:${Partition}:s3:::.*", "bucket") => "arn:${Partition}:s3:::${BucketName}",
        ("arn:${Partition}:s3:::.*", "object") => "arn:${Partition}:s3:::${BucketName}/${ObjectName}",
        _ => format,
    }
}

#[cfg(test)]
mod tests;
