//! IAM account quotas: how many roles and customer managed policies one deployment of the spec
//! creates, against what an AWS account holds.
//!
//! The numbers are those of the IAM User Guide, "IAM and AWS STS quotas", table "Default quotas
//! for IAM entities" (`reference_iam-quotas`): roles in an AWS account 1,000 by default, 5,000 at
//! most by a quota increase ("maximum autoapproval"); customer managed policies in an AWS
//! account 1,500 and 5,000. Both are account-wide and raised through Service Quotas in
//! us-east-1 (quota codes `L-FE177D64` and `L-E95E4862`).
//!
//! The count is what this spec creates: the account's other roles and policies count too, so
//! the warning is a floor, not a forecast. A service-linked role counts against the role quota
//! like any other role.

use crate::model::Model;

use super::{Code, Diagnostic};

/// One account-wide IAM quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    /// What is counted, plural: `IAM roles`.
    pub what: &'static str,
    /// The value an account starts with.
    pub default: usize,
    /// The most a quota increase raises it to.
    pub max: usize,
    /// The Service Quotas code of the quota.
    pub code: &'static str,
}

/// IAM roles in an AWS account.
pub const ROLES: Quota = Quota { what: "IAM roles", default: 1_000, max: 5_000, code: "L-FE177D64" };

/// Customer managed policies in an AWS account.
pub const CUSTOMER_MANAGED_POLICIES: Quota =
    Quota { what: "customer managed policies", default: 1_500, max: 5_000, code: "L-E95E4862" };

/// The quota findings of a model: a warning (HP206) past a default quota, an error (HP207) past
/// the most a quota increase gives. Diagnostics are about the whole spec, so they have no path.
pub fn check(model: &Model) -> Vec<Diagnostic> {
    let roles = model.roles.len() + usize::from(model.service_linked_role.is_some());
    [(ROLES, roles), (CUSTOMER_MANAGED_POLICIES, model.policies.len())]
        .into_iter()
        .filter_map(|(quota, count)| finding(quota, count))
        .collect()
}

/// The finding for `count` of what `quota` counts, if any.
fn finding(quota: Quota, count: usize) -> Option<Diagnostic> {
    let Quota { what, default, max, code } = quota;
    if count > max {
        Some(Diagnostic::new(
            Code::QuotaOverMaximum,
            "",
            format!(
                "the spec creates {} {what}; an AWS account holds at most {} even with a quota increase: split the teams over several accounts",
                thousands(count),
                thousands(max)
            ),
        ))
    } else if count > default {
        Some(Diagnostic::new(
            Code::QuotaOverDefault,
            "",
            format!(
                "the spec creates {} {what}; an AWS account holds {} by default, with those it has already: raise the quota (up to {}) before deploying, `aws service-quotas request-service-quota-increase --region us-east-1 --service-code iam --quota-code {code} --desired-value N`",
                thousands(count),
                thousands(default),
                thousands(max)
            ),
        ))
    } else {
        None
    }
}

/// `15005` → `15,005`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Severity;

    #[test]
    fn under_at_and_past_each_quota() {
        assert_eq!(finding(ROLES, 1_000), None);
        let warning = finding(ROLES, 1_001).expect("a warning");
        assert_eq!((warning.severity, warning.code), (Severity::Warning, Code::QuotaOverDefault));
        assert!(warning.message.contains("1,001 IAM roles") && warning.message.contains("L-FE177D64"), "{warning:?}");
        assert!(finding(ROLES, 5_000).is_some_and(|d| d.severity == Severity::Warning));
        let error = finding(ROLES, 5_001).expect("an error");
        assert_eq!((error.severity, error.code), (Severity::Error, Code::QuotaOverMaximum));
        assert!(error.message.contains("at most 5,000"), "{error:?}");

        assert_eq!(finding(CUSTOMER_MANAGED_POLICIES, 1_500), None);
        let warning = finding(CUSTOMER_MANAGED_POLICIES, 1_501).expect("a warning");
        assert!(warning.message.contains("1,501 customer managed policies") && warning.message.contains("L-E95E4862"));
    }

    /// A spec with `teams` scientist teams, each with a pod role when `pods`.
    fn spec(teams: usize, pods: bool) -> Model {
        let mut text = String::from(
            "name: big\norchestrator: eks\ncluster: {eksClusterName: e}\noptions: {podIdentity: true}\n\
             admins: [{name: a, trustedPrincipals: [\"111122223333\"]}]\nexecutionRoles: [{name: c}]\nscientists:\n",
        );
        for i in 0..teams {
            let pod = if pods { format!(", namespace: t{i}, podRole: {{serviceAccount: s}}") } else { String::new() };
            text.push_str(&format!("  - {{name: t{i}, trustedPrincipals: [\"111122223333\"]{pod}}}\n"));
        }
        let source = crate::spec::Source { name: "t.yaml".into(), text };
        crate::spec::load_mapped(&source).expect("valid spec").0
    }

    #[test]
    fn counts_what_a_spec_creates() {
        let small = spec(10, false);
        assert!(check(&small).is_empty());
        // 999 teams, an admin and an execution role: 1,001 roles and as many policies.
        let model = spec(999, false);
        assert_eq!(model.roles.len(), 1_001);
        let found = check(&model);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].message.contains("1,001 IAM roles"), "{found:?}");
        // Through the lint, as `check` runs it.
        let lint = crate::check::lint::lint(&model, &Default::default());
        assert!(lint.items.iter().any(|d| d.code == Code::QuotaOverDefault), "{lint}");
        // 2,600 teams with pod roles (without buckets, so without a policy): 5,202 roles, past
        // the maximum, and 2,602 policies, past the default.
        let model = spec(2_600, true);
        let found = check(&model);
        let codes: Vec<_> = found.iter().map(|d| (d.code, d.message.split(';').next().unwrap_or_default())).collect();
        assert_eq!(
            codes,
            [
                (Code::QuotaOverMaximum, "the spec creates 5,202 IAM roles"),
                (Code::QuotaOverDefault, "the spec creates 2,602 customer managed policies"),
            ]
        );
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(15_005), "15,005");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
