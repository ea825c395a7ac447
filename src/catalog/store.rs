//! Reading the embedded data file: its header and index eagerly, each service line lazily, and
//! of a service line each action's entry only when the action is looked up.
//!
//! The layout is described in the header of `data/catalog.txt` and produced by
//! `scripts/gen-catalog.py`. Strings are borrowed from the embedded text, never copied.

use serde::Deserialize;
use std::sync::OnceLock;

use super::layout;

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
    #[error("catalog line of service `{prefix}` does not start with its list of actions")]
    Layout { prefix: &'static str },
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
#[derive(Debug, Default)]
pub(crate) struct Service<'a> {
    /// Sorted by lower-case name.
    pub actions: Vec<Entry<'a>>,
    pub resource_types: Vec<ResourceTypeData<'a>>,
    pub condition_keys: Vec<&'a str>,
}

/// An action's name and its entry on the line, decoded into an [`Action`] on first use: a
/// look-up decodes the actions it finds, not the hundreds of others of the service.
#[derive(Debug)]
pub(crate) struct Entry<'a> {
    pub name: &'a str,
    json: &'a str,
    decoded: OnceLock<Option<Action<'a>>>,
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

/// A resource type: name, ARN format, indices into [`Service::condition_keys`]; and the ARN
/// format read for matching, on first use.
#[derive(Debug, Deserialize)]
pub(crate) struct ResourceTypeData<'a>(
    pub &'a str,
    pub &'a str,
    pub Vec<u16>,
    #[serde(skip)] pub OnceLock<super::arn::Format>,
);

impl Service<'static> {
    /// Parses a service's line, `<prefix>TAB<json>LF`, but for the entries of its actions,
    /// which are only delimited (see [`Entry`]).
    fn parse(prefix: &'static str, line: &'static str, table: Option<(&[u8], usize)>) -> Result<Self, DataError> {
        let json = line
            .strip_prefix(prefix)
            .and_then(|l| l.strip_prefix('\t'))
            .and_then(|l| l.strip_suffix('\n'))
            .ok_or(DataError::Misplaced { prefix })?;
        let layout = || DataError::Layout { prefix };
        // The entries as `build.rs` found them, or found here for a catalog it did not see.
        let found = table.and_then(|(table, n)| layout::from_table(table, n, json));
        let (entries, mut rest) = found.or_else(|| layout::entries(json)).ok_or_else(layout)?;
        let actions = entries.into_iter().map(|(name, json)| Entry { name, json, decoded: OnceLock::new() }).collect();
        // Then `,"r":[...]` and `,"k":[...]`, in either order, and the closing brace.
        let (mut resource_types, mut condition_keys) = (None, None);
        while rest != "}" {
            let field = rest.strip_prefix(',').ok_or_else(layout)?;
            if let Some(value) = field.strip_prefix(r#""r":"#) {
                let (list, after) = value_at(prefix, value)?;
                resource_types = Some(list);
                rest = after;
            } else if let Some(value) = field.strip_prefix(r#""k":"#) {
                let (list, after) = value_at(prefix, value)?;
                condition_keys = Some(list);
                rest = after;
            } else {
                return Err(layout());
            }
        }
        let (Some(resource_types), Some(condition_keys)) = (resource_types, condition_keys) else {
            return Err(layout());
        };
        let service = Service { actions, resource_types, condition_keys };
        let keys = service.condition_keys.len();
        for ResourceTypeData(_, _, type_keys, _) in &service.resource_types {
            if let Some(k) = type_keys.iter().find(|&&i| usize::from(i) >= keys) {
                return Err(DataError::Index { prefix, index: (*k).into() });
            }
        }
        Ok(service)
    }

    /// Decodes an action's entry and checks its indices into the service's lists.
    fn decode(&self, prefix: &'static str, json: &'static str) -> Result<Action<'static>, DataError> {
        let action: Action<'static> =
            serde_json::from_str(json).map_err(|source| DataError::Line { prefix, source })?;
        let bad = |index: u16| DataError::Index { prefix, index: index.into() };
        let (types, keys) = (self.resource_types.len(), self.condition_keys.len());
        let key_out_of_range = |list: &[u16]| list.iter().copied().find(|&i| usize::from(i) >= keys);
        let Action(_, _, refs, action_keys, _) = &action;
        for ResourceRef(i, _, ref_keys) in refs {
            if usize::from(*i) >= types {
                return Err(bad(*i));
            }
            if let Some(k) = key_out_of_range(ref_keys) {
                return Err(bad(k));
            }
        }
        if let Some(k) = key_out_of_range(action_keys) {
            return Err(bad(k));
        }
        Ok(action)
    }

    /// The action of an entry of this service, decoded on first use; `None` for an entry that
    /// does not decode (which the tests rule out for the embedded data), read as unknown.
    pub fn action<'s>(&'s self, prefix: &'static str, entry: &'s Entry<'static>) -> Option<&'s Action<'static>> {
        entry.decoded.get_or_init(|| self.decode(prefix, entry.json).ok()).as_ref()
    }
}

/// The JSON value that starts `text`, and the text after it.
fn value_at<T: Deserialize<'static>>(prefix: &'static str, text: &'static str) -> Result<(T, &'static str), DataError> {
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<T>();
    let value = match stream.next() {
        Some(value) => value.map_err(|source| DataError::Line { prefix, source })?,
        None => return Err(DataError::Layout { prefix }),
    };
    let after = text.get(stream.byte_offset()..).ok_or(DataError::Layout { prefix })?;
    Ok((value, after))
}

/// A service's place in the data: found by the index, parsed on first use.
#[derive(Debug)]
pub(crate) struct Slot {
    pub prefix: &'static str,
    /// The whole data, and where in it the service's line is.
    text: &'static str,
    line: std::ops::Range<usize>,
    /// The table of entries `build.rs` wrote ([`layout::from_table`]) and this service's
    /// number in it, for the embedded catalog.
    table: Option<(&'static [u8], usize)>,
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
        self.parsed.get_or_init(|| Service::parse(self.prefix, self.line(), self.table).unwrap_or_default())
    }

    /// The whole line parsed, every action's entry decoded: the first error, if any.
    #[cfg(test)]
    pub fn try_parse(&self) -> Result<Service<'static>, DataError> {
        let service = Service::parse(self.prefix, self.line(), self.table)?;
        for entry in &service.actions {
            service.decode(self.prefix, entry.json)?;
        }
        Ok(service)
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
pub(crate) fn read_index(text: &'static str, table: Option<&'static [u8]>) -> Result<Index, DataError> {
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
    for (n, (prefix, len)) in entries.into_iter().enumerate() {
        let table = table.map(|t| (t, n));
        slots.push(Slot { prefix, text, line: at..at + len, table, parsed: OnceLock::new() });
        at += len;
    }
    if at != text.len() {
        return Err(header("the index does not add up to the data".into()));
    }
    Ok(Index { version, date, slots })
}

#[cfg(test)]
mod tests {
    use super::layout::entries;

    /// The table `build.rs` wrote is the table of the embedded data, and gives every service
    /// the entries a walk of its line finds.
    #[test]
    fn the_build_table_gives_the_entries_a_walk_finds() {
        use super::super::{DATA, LAYOUT};
        use super::layout::{from_table, table};
        let index = super::read_index(DATA, Some(LAYOUT)).expect("index");
        let lines: Vec<&str> = index
            .slots
            .iter()
            .map(|slot| {
                let line = slot.line().strip_prefix(slot.prefix).and_then(|l| l.strip_prefix('\t'));
                line.and_then(|l| l.strip_suffix('\n')).expect("a service line")
            })
            .collect();
        assert_eq!(table(&lines).as_deref(), Some(LAYOUT));
        for (n, json) in lines.iter().enumerate() {
            assert_eq!(from_table(LAYOUT, n, json), entries(json), "{n}");
        }
        assert_eq!(from_table(LAYOUT, lines.len(), lines[0]), None);
        assert_eq!(from_table(&[], 0, lines[0]), None);
    }

    /// Brackets and escaped quotes inside strings do not end an entry or the list.
    #[test]
    fn entries_are_delimited_outside_strings() {
        let line = r#"{"a":[["A","R",[],[],["x]\"[y\\"]],["B","W",[[0,1,[]]],[],[]]],"r":[],"k":[]}"#;
        let (found, rest) = entries(line).expect("laid out");
        let names: Vec<&str> = found.iter().map(|(name, _)| *name).collect();
        assert_eq!(names, ["A", "B"]);
        assert_eq!(found[0].1, r#"["A","R",[],[],["x]\"[y\\"]]"#);
        assert_eq!(rest, r#","r":[],"k":[]}"#);
        assert!(entries(r#"{"a":[[1]]}"#).is_none(), "an entry must start with its name");
        assert!(entries(r#"{"a":[["A"]"#).is_none(), "an unclosed list");
        assert!(entries(r#"{"r":[],"a":[]}"#).is_none(), "the actions come first");
    }
}
