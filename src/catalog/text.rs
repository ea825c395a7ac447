//! Case-insensitive comparison and IAM action wildcards, on ASCII names.

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

/// The candidate closest to `name`, by the crate's one did-you-mean ([`crate::suggest::closest`]).
pub(crate) fn closest<'c>(name: &str, candidates: impl Iterator<Item = &'c str>) -> Option<&'c str> {
    crate::suggest::closest(name, candidates)
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
    fn closest_prefers_a_containing_name_on_ties() {
        let names = ["deletecluster", "batchdeleteclusternodes"];
        assert_eq!(closest("DeleteClusterNodes", names.into_iter()), Some("batchdeleteclusternodes"));
        assert_eq!(closest("zzz", names.into_iter()), None);
    }
}
