//! A list that many parts of one model hold at once.
//!
//! Most of a large model repeats itself: every team of a persona gets the same RBAC rules and
//! the same actions in its statements. Building those lists once per spec and handing each
//! team a reference makes a team cost a reference count instead of dozens of allocations, and
//! makes the model cheap to drop. Readers see a plain `Vec` (through `Deref`); a writer that
//! changes one copy (a test) gets its own copy first, so no other holder sees the change.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use serde::{Serialize, Serializer};

/// A list shared by reference count; it reads, compares and serializes as the list it holds.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Shared<T>(Arc<Vec<T>>);

impl<T> Shared<T> {
    pub fn new(items: Vec<T>) -> Self {
        Shared(Arc::new(items))
    }
}

impl<T> Default for Shared<T> {
    fn default() -> Self {
        Shared::new(Vec::new())
    }
}

impl<T> Deref for Shared<T> {
    type Target = Vec<T>;

    fn deref(&self) -> &Vec<T> {
        &self.0
    }
}

/// Copy on write: a change is never seen by the other holders of the list.
impl<T: Clone> DerefMut for Shared<T> {
    fn deref_mut(&mut self) -> &mut Vec<T> {
        Arc::make_mut(&mut self.0)
    }
}

impl<T> From<Vec<T>> for Shared<T> {
    fn from(items: Vec<T>) -> Self {
        Shared::new(items)
    }
}

impl<T> FromIterator<T> for Shared<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Shared::new(iter.into_iter().collect())
    }
}

impl<'a, T> IntoIterator for &'a Shared<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<T: PartialEq> PartialEq<Vec<T>> for Shared<T> {
    fn eq(&self, other: &Vec<T>) -> bool {
        *self.0 == *other
    }
}

impl<T: fmt::Debug> fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<T: Serialize> Serialize for Shared<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_until_one_changes() {
        let a: Shared<String> = vec!["x".to_owned(), "y".to_owned()].into();
        let mut b = a.clone();
        assert!(Arc::ptr_eq(&a.0, &b.0));
        b.push("z".to_owned());
        assert!(!Arc::ptr_eq(&a.0, &b.0));
        assert_eq!(a, vec!["x".to_owned(), "y".to_owned()]);
        assert_eq!(b.len(), 3);
        assert_eq!((&a).into_iter().count(), 2);
    }

    #[test]
    fn reads_and_serializes_as_its_list() {
        let a: Shared<&str> = ["p", "q"].into_iter().collect();
        assert_eq!(serde_json::to_string(&a).ok().as_deref(), Some(r#"["p","q"]"#));
        assert_eq!(format!("{a:?}"), r#"["p", "q"]"#);
        assert_eq!(Shared::<u8>::default().len(), 0);
    }
}
