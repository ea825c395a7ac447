//! ACCESS.md's lines outside its tables, written in Rust: who may assume a role
//! (`trusted_by(role)`, `trust_lines(role)`) and the EKS chain of an access entry
//! (`access_entry_lines(entry)`). As with the table rows ([`super::rows`]), a template loop
//! costs thousands of instructions per line; the template calls these once per role or entry.

use minijinja::Error;

use crate::model::{AccessEntry, AccessScope, Principal, Role, RoleBinding, Statement};

use super::filters::{TextWriter, write_code};
use super::rows::write_conditions;

/// Who may assume a role, for the roles table's `assumed by` cell: each trust statement's
/// principals (`service `x`` for a service, the ARN as a code span for the others), `, `
/// between principals and `; ` between statements.
pub fn trusted_by(role: &Role, text: &TextWriter<'_>) -> Result<String, Error> {
    let mut out = String::new();
    let mut scratch = String::new();
    for (i, st) in role.trust.statements.iter().enumerate() {
        if i > 0 {
            out.push_str("; ");
        }
        each_principal(st, text, &mut scratch, |j, principal| {
            if j > 0 {
                out.push_str(", ");
            }
            out.push_str(principal);
        })?;
    }
    Ok(out)
}

/// The lines `- PRINCIPAL may call `ACTION`` (then ` when CONDITIONS` if the statement has
/// some) of a role's trust policy, one per statement, action and principal in this order, each
/// ending in a line break. A principal is written as in [`trusted_by`]; conditions as in the
/// policy tables.
pub fn trust_lines(role: &Role, text: &TextWriter<'_>) -> Result<String, Error> {
    let mut out = String::new();
    let mut scratch = String::new();
    let mut tail = String::new();
    for st in &role.trust.statements {
        for action in st.actions.list() {
            tail.clear();
            tail.push_str(" may call ");
            write_code(action, &mut tail);
            if !st.conditions.is_empty() {
                tail.push_str(" when ");
                write_conditions(&st.conditions, text, &mut tail)?;
            }
            tail.push('\n');
            each_principal(st, text, &mut scratch, |_, principal| {
                out.push_str("- ");
                out.push_str(principal);
                out.push_str(&tail);
            })?;
        }
    }
    Ok(out)
}

/// Calls `each` with the index and the written form of every principal of a statement: `service
/// `x`` for a service, the ARN (`text`, `spec` style) as a code span for the others; nothing for a
/// statement without a principal (a permission policy's).
fn each_principal(
    st: &Statement,
    text: &TextWriter<'_>,
    scratch: &mut String,
    mut each: impl FnMut(usize, &str),
) -> Result<(), Error> {
    let mut arn = String::new();
    match &st.principal {
        None => {}
        Some(Principal::Service(services)) => {
            for (i, service) in services.iter().enumerate() {
                scratch.clear();
                scratch.push_str("service ");
                write_code(service, scratch);
                each(i, scratch);
            }
        }
        Some(Principal::Aws(principals)) => {
            for (i, principal) in principals.iter().enumerate() {
                arn.clear();
                text.text(principal, &mut arn)?;
                scratch.clear();
                write_code(&arn, scratch);
                each(i, scratch);
            }
        }
    }
    Ok(())
}

/// The links from an access entry's IAM role (named `role_name`) to what it may do in the
/// cluster, one line each, each ending in a line break: one per EKS access policy
/// (`- `role` → access entry (TYPE) → EKS access policy `name` on the whole cluster` or `on
/// the namespaces `a`, `b``), then for each Kubernetes group one per binding that names it
/// (`bindings_of(group)`: `→ group `g` → RoleBinding `b` → KIND `name` in namespace `ns`` or `→
/// ClusterRoleBinding `b` → KIND `name`, cluster-wide`), or `→ group `g`, which no binding of
/// `rbac.yaml` names` when none does.
pub fn access_entry_lines<'m>(
    entry: &AccessEntry,
    role_name: &str,
    bindings_of: impl Fn(&str) -> Vec<&'m RoleBinding>,
) -> String {
    let mut head = String::from("- ");
    write_code(role_name, &mut head);
    head.push_str(" → access entry (");
    head.push_str(entry.entry_type.as_str());
    head.push_str(") → ");
    let mut out = String::new();
    for policy in &entry.access_policies {
        out.push_str(&head);
        out.push_str("EKS access policy ");
        write_code(&policy.name, &mut out);
        match &policy.scope {
            AccessScope::Cluster => out.push_str(" on the whole cluster"),
            AccessScope::Namespace(namespaces) => {
                out.push_str(" on the namespaces ");
                for (i, ns) in namespaces.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    write_code(ns, &mut out);
                }
            }
        }
        out.push('\n');
    }
    for group in &entry.kubernetes_groups {
        let bindings = bindings_of(group);
        if bindings.is_empty() {
            out.push_str(&head);
            out.push_str("group ");
            write_code(group, &mut out);
            out.push_str(", which no binding of `rbac.yaml` names\n");
        }
        for binding in bindings {
            out.push_str(&head);
            out.push_str("group ");
            write_code(group, &mut out);
            out.push_str(if binding.meta.namespace.is_some() {
                " → RoleBinding "
            } else {
                " → ClusterRoleBinding "
            });
            write_code(&binding.meta.name, &mut out);
            out.push_str(" → ");
            out.push_str(&binding.role_ref.kind);
            out.push(' ');
            write_code(&binding.role_ref.name, &mut out);
            match &binding.meta.namespace {
                Some(ns) => {
                    out.push_str(" in namespace ");
                    write_code(ns, &mut out);
                }
                None => out.push_str(", cluster-wide"),
            }
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::model::{
        AccessEntryType, AccessPolicy, Actions, Condition, Effect, ObjectMeta, Part, PolicyDocument, RoleId, RoleKind,
        RoleRef, Target, Text,
    };

    fn lit(s: &str) -> Text {
        Text(vec![Part::Lit(s.to_owned())])
    }

    fn trust(principal: Principal, actions: &[&str], conditions: Vec<Condition>) -> Statement {
        Statement {
            sid: None,
            effect: Effect::Allow,
            principal: Some(principal),
            actions: Actions::Action(actions.iter().map(|a| (*a).to_owned()).collect()),
            resources: None,
            conditions,
            waivers: Vec::new(),
            origin: None,
        }
    }

    /// A role trusted by two services, then by an account root and another role's ARN (with a
    /// `|`, a backtick and a line break in its name) under a condition.
    fn role() -> Role {
        let arn =
            Text(vec![Part::Lit("arn:".to_owned()), Part::Partition, Part::Lit(":iam::111122223333:root".to_owned())]);
        Role {
            id: RoleId("r".to_owned()),
            kind: RoleKind::Scientist,
            entry: "e".to_owned(),
            origin: "scientists[0]".to_owned(),
            role_name: "r".to_owned(),
            description: String::new(),
            trust: PolicyDocument {
                statements: vec![
                    trust(
                        Principal::Service(vec!["sagemaker.amazonaws.com".to_owned(), "é|`x`".to_owned()]),
                        &["sts:AssumeRole"],
                        vec![],
                    ),
                    trust(
                        Principal::Aws(vec![arn, Text(vec![Part::RoleArn(RoleId("o".to_owned()))])]),
                        &["sts:AssumeRole", "sts:TagSession"],
                        vec![Condition {
                            operator: "StringEquals".to_owned(),
                            key: "aws:PrincipalTag/`team`".to_owned(),
                            values: vec![lit("a\nb"), lit("")],
                        }],
                    ),
                ],
            },
            managed_policy_arns: Vec::new(),
            permissions_boundary: None,
        }
    }

    fn writer_names() -> (Target, BTreeMap<String, String>) {
        let target = Target { partition: None, region: None, account: Some("111122223333".to_owned()) };
        (target, BTreeMap::from([("o".to_owned(), "other|`x`\nü".to_owned())]))
    }

    #[test]
    fn trusted_by_joins_principals_and_statements() {
        let (target, names) = writer_names();
        let text = TextWriter::spec(&target, &names);
        assert_eq!(
            trusted_by(&role(), &text).unwrap(),
            "service `sagemaker.amazonaws.com`, service `` é\\|`x` ``; \
             `arn:${AWS::Partition}:iam::111122223333:root`, \
             ``arn:${AWS::Partition}:iam::111122223333:role/other\\|`x` ü``"
        );
        let none = Role { trust: PolicyDocument::default(), ..role() };
        assert_eq!(trusted_by(&none, &text).unwrap(), "");
    }

    #[test]
    fn trust_lines_write_one_line_per_action_and_principal_with_conditions() {
        let (target, names) = writer_names();
        let text = TextWriter::spec(&target, &names);
        let when = " when `` aws:PrincipalTag/`team` `` StringEquals `a b` or `\"\"`";
        let want = [
            "- service `sagemaker.amazonaws.com` may call `sts:AssumeRole`".to_owned(),
            "- service `` é\\|`x` `` may call `sts:AssumeRole`".to_owned(),
            format!("- `arn:${{AWS::Partition}}:iam::111122223333:root` may call `sts:AssumeRole`{when}"),
            format!(
                "- ``arn:${{AWS::Partition}}:iam::111122223333:role/other\\|`x` ü`` may call `sts:AssumeRole`{when}"
            ),
            format!("- `arn:${{AWS::Partition}}:iam::111122223333:root` may call `sts:TagSession`{when}"),
            format!(
                "- ``arn:${{AWS::Partition}}:iam::111122223333:role/other\\|`x` ü`` may call `sts:TagSession`{when}"
            ),
        ];
        let lines = trust_lines(&role(), &text).unwrap();
        assert_eq!(lines.lines().collect::<Vec<_>>(), want, "{lines}");
        assert!(lines.ends_with('\n'));
        // A role ARN of a role the model does not have is the `text` filter's error.
        let no_names = BTreeMap::new();
        let unknown = TextWriter::spec(&target, &no_names);
        assert!(trust_lines(&role(), &unknown).unwrap_err().to_string().contains("no role has id `o`"));
    }

    #[test]
    fn access_entry_lines_follow_policies_then_groups_to_their_bindings() {
        let meta = |name: &str, namespace: Option<&str>| ObjectMeta {
            name: name.to_owned(),
            namespace: namespace.map(str::to_owned),
            labels: BTreeMap::new(),
        };
        let binding = |name: &str, namespace: Option<&str>, kind: &str| RoleBinding {
            meta: meta(name, namespace),
            role_ref: RoleRef {
                api_group: "rbac.authorization.k8s.io".to_owned(),
                kind: kind.to_owned(),
                name: "c|r".to_owned(),
            },
            subjects: Vec::new(),
        };
        let bindings = [binding("b`1", Some("ns\n1"), "Role"), binding("crb", None, "ClusterRole")];
        let entry = AccessEntry {
            role: RoleId("r".to_owned()),
            entry_type: AccessEntryType::Standard,
            kubernetes_groups: vec!["g|1".to_owned(), "lonely".to_owned()],
            access_policies: vec![
                AccessPolicy {
                    name: "AmazonEKSViewPolicy".to_owned(),
                    policy_arn: lit("arn"),
                    scope: AccessScope::Namespace(vec!["a".to_owned(), "ü`".to_owned()]),
                },
                AccessPolicy { name: "Admin".to_owned(), policy_arn: lit("arn"), scope: AccessScope::Cluster },
            ],
        };
        let lines =
            access_entry_lines(
                &entry,
                "role`ç",
                |group| {
                    if group == "g|1" { bindings.iter().collect() } else { Vec::new() }
                },
            );
        let head = "- ``role`ç`` → access entry (STANDARD) → ";
        let want = [
            format!("{head}EKS access policy `AmazonEKSViewPolicy` on the namespaces `a`, `` ü` ``"),
            format!("{head}EKS access policy `Admin` on the whole cluster"),
            format!("{head}group `g\\|1` → RoleBinding ``b`1`` → Role `c\\|r` in namespace `ns 1`"),
            format!("{head}group `g\\|1` → ClusterRoleBinding `crb` → ClusterRole `c\\|r`, cluster-wide"),
            format!("{head}group `lonely`, which no binding of `rbac.yaml` names"),
        ];
        assert_eq!(lines.lines().collect::<Vec<_>>(), want, "{lines}");
        assert!(lines.ends_with('\n'));
        let bare = AccessEntry { kubernetes_groups: vec![], access_policies: vec![], ..entry };
        assert_eq!(access_entry_lines(&bare, "r", |_| Vec::new()), "");
    }
}
