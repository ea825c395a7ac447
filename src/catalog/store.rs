//! Reading the embedded data file: its header and index eagerly, each service line lazily.
//!
//! The layout is described in the header of `data/catalog.txt` and produced by
//! `scripts/gen-catalog.py`. Strings are borrowed from the embedded text, never copied.

use serde::Deserialize;
use std::sync::OnceLock;

/// What went wrong reading the embedded catalog. The module's tests read all of it, so none of
/// these is expected at run time.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DataError {
    #[error("catalog header: {0}")]
    Header(String),
    #[error("catalog line of service `{prefix}`: {source}")]
    Line {
        prefix: &'static str,
        #[source]
        source: serde_json::Error,
    },
    #[error("catalog line of service `{prefix}` is not where the index says")]
    Misplaced { prefix: &'static str },
    #[error("catalog line of service `{prefix}`: index {index} out of range")]
    Index { prefix: &'static str, index: usize },
}

/// How much an action can do, as the Service Authorization Reference classes it.
///
/// The order is from least to most: a report can sort by it or keep the largest of a set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
pub enum AccessLevel {
    /// Lists resources (`s3:ListBucket`).
    #[serde(rename = "L")]
    List,
    /// Reads a resource or its metadata (`s3:GetObject`).
    #[serde(rename = "R")]
    Read,
    /// Creates, changes or deletes (`s3:PutObject`).
    #[serde(rename = "W")]
    Write,
    /// Tags or untags; a write that changes only tags (`iam:TagRole`).
    #[serde(rename = "T")]
    Tagging,
    /// Changes who may do what (`iam:PutRolePolicy`, `s3:PutBucketPolicy`).
    #[serde(rename = "P")]
    PermissionsManagement,
}

impl AccessLevel {
    /// The reference's name, such as `Permissions management`.
    pub fn as_str(self) -> &'static str {
        match self {
            AccessLevel::List => "List",
            AccessLevel::Read => "Read",
            AccessLevel::Write => "Write",
            AccessLevel::Tagging => "Tagging",
            AccessLevel::PermissionsManagement => "Permissions management",
        }
    }
}

impl std::fmt::Display for AccessLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One service, as stored on its line.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Service<'a> {
    /// Sorted by lower-case name.
    #[serde(borrow, rename = "a")]
    pub actions: Vec<Action<'a>>,
    #[serde(borrow, rename = "r")]
    pub resource_types: Vec<ResourceTypeData<'a>>,
    #[serde(borrow, rename = "k")]
    pub condition_keys: Vec<&'a str>,
}

/// An action: name, access level, resource types, indices into [`Service::condition_keys`] of
/// the action's own condition keys, dependent actions.
#[derive(Debug, Deserialize)]
pub(crate) struct Action<'a>(
    pub &'a str,
    pub AccessLevel,
    pub Vec<ResourceRef>,
    pub Vec<u16>,
    #[serde(borrow)] pub Vec<&'a str>,
);

/// One of an action's resource types: index into [`Service::resource_types`], whether the
/// action requires it (0 or 1), indices into [`Service::condition_keys`] of the keys that apply
/// to the action on this type.
#[derive(Debug, Deserialize)]
pub(crate) struct ResourceRef(pub u16, pub u8, pub Vec<u16>);

/// A resource type: name, ARN format, indices into [`Service::condition_keys`].
#[derive(Debug, Deserialize)]
pub(crate) struct ResourceTypeData<'a>(pub &'a str, pub &'a str, pub Vec<u16>);

impl Service<'static> {
    /// Parses a service's line, `<prefix>TAB<json>LF`.
    fn parse(prefix: &'static str, line: &'static str) -> Result<Self, DataError> {
        let json = line
            .strip_prefix(prefix)
            .and_then(|l| l.strip_prefix('\t'))
            .and_then(|l| l.strip_suffix('\n'))
            .ok_or(DataError::Misplaced { prefix })?;
        let service: Self = serde_json::from_str(json).map_err(|source| DataError::Line { prefix, source })?;
        let bad = |index: usize| DataError::Index { prefix, index };
        let (types, keys) = (service.resource_types.len(), service.condition_keys.len());
        let key_out_of_range = |list: &[u16]| list.iter().copied().find(|&i| usize::from(i) >= keys);
        for Action(_, _, refs, action_keys, _) in &service.actions {
            for ResourceRef(i, _, ref_keys) in refs {
                if usize::from(*i) >= types {
                    return Err(bad((*i).into()));
                }
                if let Some(k) = key_out_of_range(ref_keys) {
                    return Err(bad(k.into()));
                }
            }
            if let Some(k) = key_out_of_range(action_keys) {
                return Err(bad(k.into()));
            }
        }
        for ResourceTypeData(_, _, type_keys) in &service.resource_types {
            if let Some(k) = key_out_of_range(type_keys) {
                return Err(bad(k.into()));
            }
        }
        Ok(service)
    }
}

/// A service's place in the data: found by the index, parsed on first use.
#[derive(Debug)]
pub(crate) struct Slot {
    pub prefix: &'static str,
    /// The whole data, and where in it the service's line is.
    text: &'static str,
    line: std::ops::Range<usize>,
    parsed: OnceLock<Service<'static>>,
}

impl Slot {
    /// The line, or an empty string if the index points elsewhere than at character boundaries.
    fn line(&self) -> &'static str {
        self.text.get(self.line.clone()).unwrap_or_default()
    }

    /// The parsed service. A line that does not parse (which the tests rule out for the embedded
    /// data) reads as a service without actions, so its actions are reported unknown.
    pub fn service(&self) -> &Service<'static> {
        self.parsed.get_or_init(|| Service::parse(self.prefix, self.line()).unwrap_or_default())
    }

    #[cfg(test)]
    pub fn try_parse(&self) -> Result<Service<'static>, DataError> {
        Service::parse(self.prefix, self.line())
    }
}

/// The header's version and date, and the index of service lines, sorted by prefix.
#[derive(Debug)]
pub(crate) struct Index {
    pub version: &'static str,
    /// When the source was last updated, `YYYY-MM-DD`.
    pub date: &'static str,
    pub slots: Vec<Slot>,
}

/// Reads the header and divides the body into one [`Slot`] per service. It reads nothing of the
/// body, not even a character boundary (each line is checked when parsed), so that the memory
/// pages of services never looked up are never touched: touching them all costs more than
/// reading the index.
pub(crate) fn read_index(text: &'static str) -> Result<Index, DataError> {
    let header = |msg: String| DataError::Header(msg);
    let mut version = None;
    let mut date = None;
    let mut entries: Vec<(&'static str, usize)> = Vec::new();
    let mut body_start = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        offset += line.len();
        let line = line.trim_end_matches('\n');
        if line.starts_with('#') {
            continue;
        } else if let Some(v) = line.strip_prefix("version ") {
            version = Some(v);
        } else if let Some(d) = line.strip_prefix("date ") {
            date = Some(d);
        } else if let Some(rest) = line.strip_prefix("service ") {
            let (prefix, len) = rest.split_once(' ').ok_or_else(|| header(format!("bad index line `{line}`")))?;
            let len = len.parse::<usize>().map_err(|_| header(format!("bad length in `{line}`")))?;
            entries.push((prefix, len));
        } else if line == "end" {
            body_start = Some(offset);
            break;
        } else {
            return Err(header(format!("unexpected line `{line}`")));
        }
    }
    let version = version.ok_or_else(|| header("no version line".into()))?;
    let date = date.ok_or_else(|| header("no date line".into()))?;
    let mut at = body_start.ok_or_else(|| header("no `end` line".into()))?;
    if !entries.windows(2).all(|w| w[0].0 < w[1].0) {
        return Err(header("services not sorted by prefix".into()));
    }
    let mut slots = Vec::with_capacity(entries.len());
    for (prefix, len) in entries {
        slots.push(Slot { prefix, text, line: at..at + len, parsed: OnceLock::new() });
        at += len;
    }
    if at != text.len() {
        return Err(header("the index does not add up to the data".into()));
    }
    Ok(Index { version, date, slots })
}
