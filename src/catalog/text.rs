//! Case-insensitive comparison, IAM action wildcards and edit distance, on ASCII names.

use std::cmp::Ordering;

/// Orders `a` and `b` as their ASCII lower-case forms would be ordered.
pub(crate) fn cmp_ignore_case(a: &str, b: &str) -> Ordering {
    a.bytes().map(|c| c.to_ascii_lowercase()).cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

/// Whether `name` matches `pattern`, where `*` stands for any run of characters and `?` for one,
/// ignoring ASCII case (as IAM does for action names).
pub(crate) fn glob_matches(pattern: &str, name: &str) -> bool {
    let (p, n) = (pattern.as_bytes(), name.as_bytes());
    let (mut pi, mut ni) = (0, 0);
    // Where the last `*` was, and how much of `name` it has swallowed so far.
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        match p.get(pi) {
            Some(b'*') => {
                star = Some((pi, ni));
                pi += 1;
            }
            Some(&c) if c == b'?' || c.eq_ignore_ascii_case(&n[ni]) => {
                pi += 1;
                ni += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    star = Some((sp, sn + 1));
                    pi = sp + 1;
                    ni = sn + 1;
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// Optimal-string-alignment distance (insertions, deletions, substitutions and swaps of two
/// neighbours each cost 1) between the ASCII lower-case forms of `a` and `b`, or `None` when it
/// exceeds `limit`.
pub(crate) fn distance(a: &str, b: &str, limit: usize) -> Option<usize> {
    let a: Vec<u8> = a.bytes().map(|c| c.to_ascii_lowercase()).collect();
    let b: Vec<u8> = b.bytes().map(|c| c.to_ascii_lowercase()).collect();
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
    // Rows i - 2, i - 1 and i of the distance table.
    let mut before = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(before[j - 2] + 1);
            }
            cur[j] = d;
            row_min = row_min.min(d);
        }
        if row_min > limit {
            return None;
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    Some(prev[b.len()]).filter(|&d| d <= limit)
}

/// The largest distance at which a name still counts as a misspelling of another: a third of
/// its length, at least one.
pub(crate) fn suggestion_limit(name: &str) -> usize {
    (name.len() / 3).max(1)
}

/// The candidate closest to `name` within [`suggestion_limit`]. Ties go to a candidate that
/// contains `name` (a missing prefix or suffix, as in `DeleteClusterNodes` for
/// `BatchDeleteClusterNodes`), then to the first in order.
pub(crate) fn closest<'c>(name: &str, candidates: impl Iterator<Item = &'c str>) -> Option<&'c str> {
    let limit = suggestion_limit(name);
    let lower = name.to_ascii_lowercase();
    candidates
        .filter_map(|c| {
            let d = distance(name, c, limit)?;
            let contains = c.to_ascii_lowercase().contains(&lower);
            Some(((d, !contains), c))
        })
        .min_by_key(|&(key, _)| key)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob() {
        assert!(glob_matches("describe*", "DescribeCluster"));
        assert!(glob_matches("*", ""));
        assert!(glob_matches("d?scribe*node", "describeclusternode"));
        assert!(glob_matches("*cluster*", "listclusternodes"));
        assert!(!glob_matches("describe*", "listclusters"));
        assert!(!glob_matches("describe", "describecluster"));
        assert!(!glob_matches("describe?", "describe"));
        assert!(glob_matches("a*b*c", "aXbYbZc"));
        assert!(!glob_matches("a*b*c", "aXbYbZ"));
    }

    #[test]
    fn edit_distance() {
        assert_eq!(distance("DescribeCluterNode", "describeclusternode", 5), Some(1));
        assert_eq!(distance("abcd", "abdc", 5), Some(1));
        assert_eq!(distance("", "abc", 5), Some(3));
        assert_eq!(distance("kitten", "sitting", 5), Some(3));
        assert_eq!(distance("kitten", "sitting", 2), None);
        assert_eq!(distance("a", "abcdefgh", 3), None);
    }

    #[test]
    fn closest_prefers_a_containing_name_on_ties() {
        let names = ["deletecluster", "batchdeleteclusternodes"];
        assert_eq!(closest("DeleteClusterNodes", names.into_iter()), Some("batchdeleteclusternodes"));
        assert_eq!(closest("zzz", names.into_iter()), None);
    }
}
