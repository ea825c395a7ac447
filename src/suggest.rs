//! Did you mean: the one fuzzy match of the crate, for keys, choices, verbs, services, actions
//! and condition keys alike.

/// The candidate closest to `input`, ignoring ASCII case, when it is close enough to be a likely
/// typo: an optimal-string-alignment distance (`strsim`) of at most a third of the input's
/// length, at least one. A candidate that differs only in case is suggested; `input` itself is
/// not. Ties go to a candidate that contains the input (a missing prefix or suffix, as in
/// `DeleteClusterNodes` for `BatchDeleteClusterNodes`), then to the first in order.
pub fn closest<'c>(input: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let limit = (input.chars().count() / 3).max(1);
    let lower = input.to_ascii_lowercase();
    candidates
        .into_iter()
        .filter(|c| *c != input)
        .filter_map(|c| {
            let other = c.to_ascii_lowercase();
            let d = strsim::osa_distance(&lower, &other);
            (d <= limit).then_some(((d, !other.contains(&lower)), c))
        })
        .min_by_key(|&(key, _)| key)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_case_and_swaps_are_close_unrelated_names_are_not() {
        assert_eq!(closest("namespce", ["name", "namespace", "podRole"]), Some("namespace"));
        assert_eq!(closest("ekss", ["eks", "slurm"]), Some("eks"));
        assert_eq!(closest("EKS", ["eks", "slurm"]), Some("eks"));
        assert_eq!(closest("eks", ["eks", "slurm"]), None);
        assert_eq!(closest("kubernetes", ["eks", "slurm"]), None);
        assert_eq!(closest("DescribeCluterNode", ["describeclusternode"]), Some("describeclusternode"));
        assert_eq!(closest("stringequals", ["StringEquals", "StringLike"]), Some("StringEquals"));
    }

    #[test]
    fn ties_prefer_a_containing_name() {
        let names = ["deletecluster", "batchdeleteclusternodes"];
        assert_eq!(closest("DeleteClusterNodes", names), Some("batchdeleteclusternodes"));
        assert_eq!(closest("zzz", names), None);
    }
}
