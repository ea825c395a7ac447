//! Table rows and YAML blocks written in Rust for the templates: `policy_rows(policy, by_level)`,
//! `rule_rows(kind, role)`, kustomize's `metadata_yaml`, `rules_yaml`, `role_ref_yaml` and
//! `subjects_yaml`, eksctl's `eksctl_access_entry` and `eksctl_pod_identity`. A minijinja loop
//! costs thousands of instructions per row (each filter call, attribute and concatenation is a
//! call through the engine), which made ACCESS.md most of a render at thousands of teams; the
//! templates keep the document's shape and call these once per policy, role or object.

use std::collections::BTreeMap;

use minijinja::Error;

use crate::model::{
    AccessEntry, AccessScope, Actions, Condition, ManagedPolicy, ObjectMeta, PodIdentityAssociation, RbacRole,
    Resources, RoleBinding, Statement,
};

use super::filters::{TextWriter, write_code, write_yaml_str};

/// The access levels in the order ACCESS.md lists them; any other level (and an action whose
/// level is not known, written `unknown`) comes after them.
const LEVELS: [&str; 5] = ["List", "Read", "Write", "Permissions management", "Tagging"];

/// The rows of a policy's table, one per action and resource:
/// `| effect | action | resource | condition |` in the statements' order, or with `by_level`
/// `| access level | effect | action | resource | condition |`, grouped by level in [`LEVELS`]'
/// order (statement order within a level).
pub fn policy_rows(
    policy: &ManagedPolicy,
    levels: Option<&BTreeMap<String, String>>,
    text: &TextWriter<'_>,
) -> Result<String, Error> {
    // One text per level, then the rest: the rows of each action are appended to their level's.
    let mut tables: [String; LEVELS.len() + 1] = Default::default();
    // The buffers of a statement's cells, reused for every statement.
    let mut cells = Cells::default();
    // What a row holds after its action (` | resource | condition |`), one per resource of a
    // statement, and what it holds up to it: each row is then two copies.
    let mut tails: Vec<String> = Vec::new();
    let mut head = String::new();
    for st in &policy.document.statements {
        cells.fill(st, text)?;
        let except = if matches!(st.actions, Actions::NotAction(_)) { "every action except " } else { "" };
        let nowhere = if matches!(st.resources, Some(Resources::NotResource(_))) { "everything except " } else { "" };
        tails.resize_with(cells.ends.len(), String::new);
        for (tail, resource) in tails.iter_mut().zip(cells.resources()) {
            tail.clear();
            for piece in [" | ", nowhere, resource, " | ", &cells.conditions, " |\n"] {
                tail.push_str(piece);
            }
        }
        for action in st.actions.list() {
            let (out, level) = match levels {
                None => (tables.last_mut(), None),
                Some(levels) => {
                    let level = levels.get(action).map_or("unknown", String::as_str);
                    let at = LEVELS.iter().position(|l| *l == level).unwrap_or(LEVELS.len());
                    (tables.get_mut(at), Some(level))
                }
            };
            let Some(out) = out else { continue };
            head.clear();
            head.push_str("| ");
            if let Some(level) = level {
                head.push_str(level);
                head.push_str(" | ");
            }
            head.push_str(st.effect.as_str());
            head.push_str(" | ");
            head.push_str(except);
            write_code(action, &mut head);
            for tail in &tails {
                out.push_str(&head);
                out.push_str(tail);
            }
        }
    }
    Ok(tables.concat())
}

/// A statement's cells: its resources as code spans (`(none)` for a statement that names none),
/// one after another in one text, and its conditions (`key operator value or value; ...`,
/// `none` without any). Filled again for each statement, in the same buffers.
#[derive(Default)]
struct Cells {
    /// The resources' code spans, each ending where `ends` says.
    spans: String,
    ends: Vec<usize>,
    conditions: String,
    /// One resource's text, before it is written as a code span.
    scratch: String,
}

impl Cells {
    fn fill(&mut self, st: &Statement, text: &TextWriter<'_>) -> Result<(), Error> {
        self.spans.clear();
        self.ends.clear();
        match &st.resources {
            None => {
                self.spans.push_str("`(none)`");
                self.ends.push(self.spans.len());
            }
            Some(r) => {
                for resource in r.list() {
                    self.scratch.clear();
                    text.text(resource, &mut self.scratch)?;
                    write_code(&self.scratch, &mut self.spans);
                    self.ends.push(self.spans.len());
                }
            }
        }
        self.conditions.clear();
        write_conditions(&st.conditions, text, &mut self.conditions)?;
        if st.conditions.is_empty() {
            self.conditions.push_str("none");
        }
        Ok(())
    }

    /// The resources' code spans, in order.
    fn resources(&self) -> impl Iterator<Item = &str> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts.zip(&self.ends).map(|(start, &end)| self.spans.get(start..end).unwrap_or_default())
    }
}

/// A statement's conditions as ACCESS.md writes them, appended to `out`:
/// `` `key` operator `value` or `value`; ... `` (nothing for no condition), each key and value a
/// code span, values written as `text` writes them (`spec` style).
pub(super) fn write_conditions(conditions: &[Condition], text: &TextWriter<'_>, out: &mut String) -> Result<(), Error> {
    let mut scratch = String::new();
    for (i, c) in conditions.iter().enumerate() {
        if i > 0 {
            out.push_str("; ");
        }
        write_code(&c.key, out);
        out.push(' ');
        out.push_str(&c.operator);
        out.push(' ');
        for (j, value) in c.values.iter().enumerate() {
            if j > 0 {
                out.push_str(" or ");
            }
            scratch.clear();
            text.text(value, &mut scratch)?;
            write_code(&scratch, out);
        }
    }
    Ok(())
}

/// The rows of a Role (`kind` `Role`) or ClusterRole's rules for ACCESS.md's Kubernetes table:
/// `| kind | name | where | API group | resources | verbs |`, where is `namespace `ns`` for a
/// Role and `cluster-wide` for anything else; the core API group (`""`) is written `core`.
pub fn rule_rows(kind: &str, role: &RbacRole) -> String {
    let mut head = format!("| {kind} | ");
    write_code(&role.meta.name, &mut head);
    if kind == "Role" {
        head.push_str(" | namespace ");
        write_code(role.meta.namespace.as_deref().unwrap_or("none"), &mut head);
        head.push_str(" | ");
    } else {
        head.push_str(" | cluster-wide | ");
    }
    // Each function sizes its text for what it usually writes, so that it seldom grows.
    let mut out = String::with_capacity(role.rules.len() * (head.len() + 64));
    for rule in &role.rules {
        out.push_str(&head);
        for (i, group) in rule.api_groups.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            if group.is_empty() { out.push_str("core") } else { write_code(group, &mut out) }
        }
        out.push_str(" | ");
        write_code_list(&rule.resources, &mut out);
        out.push_str(" | ");
        write_code_list(&rule.verbs, &mut out);
        out.push_str(" |\n");
    }
    out
}

/// `items` joined by `, ` as one code span, as [`write_code`] writes it.
fn write_code_list(items: &[String], out: &mut String) {
    // Names of resources and verbs seldom hold what a code span must escape: then the span is
    // written without joining them first.
    let blank = match items {
        [] => true,
        [one] => one.trim().is_empty(),
        _ => false,
    };
    let plain = items.iter().all(|s| !s.bytes().any(|c| matches!(c, b'`' | b'|' | b'\r' | b'\n')));
    if plain && !blank {
        out.push('`');
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(item);
        }
        out.push('`');
    } else {
        write_code(&items.join(", "), out);
    }
}

/// A Role or ClusterRole's rules as the items of a block sequence in YAML, as kustomize's
/// `roles.j2` writes them under `rules:`, each line ending in a line break:
/// `  - apiGroups: [...]`, `    resources: [...]`, `    resourceNames: [...]` (only when there
/// are some) and `    verbs: [...]`, every list in flow style with each item quoted as the
/// `yaml` filter quotes it.
pub fn rules_yaml(role: &RbacRole) -> String {
    let mut out = String::with_capacity(role.rules.len() * 128);
    for rule in &role.rules {
        yaml_list("  - apiGroups: ", &rule.api_groups, &mut out);
        yaml_list("    resources: ", &rule.resources, &mut out);
        if !rule.resource_names.is_empty() {
            yaml_list("    resourceNames: ", &rule.resource_names, &mut out);
        }
        yaml_list("    verbs: ", &rule.verbs, &mut out);
    }
    out
}

/// A RoleBinding or ClusterRoleBinding's subjects as the items of a block sequence in YAML, as
/// kustomize's `bindings.j2` writes them under `subjects:`, each line ending in a line break:
/// `  - apiGroup: ...`, `    kind: ...`, `    name: ...`, each quoted as the `yaml` filter quotes it.
pub fn subjects_yaml(binding: &RoleBinding) -> String {
    let mut out = String::with_capacity(binding.subjects.len() * 96);
    for subject in &binding.subjects {
        for (key, value) in
            [("  - apiGroup: ", &subject.api_group), ("    kind: ", &subject.kind), ("    name: ", &subject.name)]
        {
            out.push_str(key);
            write_yaml_str(value, &mut out);
            out.push('\n');
        }
    }
    out
}

/// A Kubernetes object's `metadata:` block in YAML, each line ending in a line break: `name`,
/// `namespace` when there is one, and `labels` when there are some, in key order; every
/// scalar quoted as the `yaml` filter quotes it.
pub fn metadata_yaml(meta: &ObjectMeta) -> String {
    let mut out = String::with_capacity(96 + meta.labels.len() * 64);
    out.push_str("metadata:\n  name: ");
    write_yaml_str(&meta.name, &mut out);
    out.push('\n');
    if let Some(namespace) = &meta.namespace {
        out.push_str("  namespace: ");
        write_yaml_str(namespace, &mut out);
        out.push('\n');
    }
    if !meta.labels.is_empty() {
        out.push_str("  labels:\n");
        for (key, value) in &meta.labels {
            out.push_str("    ");
            write_yaml_str(key, &mut out);
            out.push_str(": ");
            write_yaml_str(value, &mut out);
            out.push('\n');
        }
    }
    out
}

/// A RoleBinding or ClusterRoleBinding's `roleRef:` block in YAML, each line ending in a line
/// break: `roleRef:`, `  apiGroup: ...`, `  kind: ...`, `  name: ...`, each quoted as the `yaml`
/// filter quotes it.
pub fn role_ref_yaml(binding: &RoleBinding) -> String {
    let r = &binding.role_ref;
    let mut out = String::with_capacity(128);
    out.push_str("roleRef:\n");
    for (key, value) in [("  apiGroup: ", &r.api_group), ("  kind: ", &r.kind), ("  name: ", &r.name)] {
        out.push_str(key);
        write_yaml_str(value, &mut out);
        out.push('\n');
    }
    out
}

/// An EKS access entry as an item of eksctl's `accessConfig.accessEntries` (its schema's field
/// names), indented as it sits there (the item's `-` at column 5), each line ending in a line
/// break: `principalARN` (the role's ARN as `text("env")` writes it), `type`,
/// `kubernetesGroups` (only when there are some), `accessPolicies` (only when there are some:
/// `policyARN`, `accessScope.type`, and `accessScope.namespaces` for a namespace scope); every
/// scalar quoted as the `yaml` filter quotes it.
pub fn eksctl_access_entry(entry: &AccessEntry, env: &TextWriter<'_>) -> Result<String, Error> {
    let mut out = String::with_capacity(256);
    let mut arn = String::new();
    out.push_str("    - principalARN: ");
    env.role_arn(&entry.role.0, &mut arn)?;
    write_yaml_str(&arn, &mut out);
    out.push_str("\n      type: ");
    write_yaml_str(entry.entry_type.as_str(), &mut out);
    out.push('\n');
    if !entry.kubernetes_groups.is_empty() {
        out.push_str("      kubernetesGroups:\n");
        yaml_items("        - ", &entry.kubernetes_groups, &mut out);
    }
    if !entry.access_policies.is_empty() {
        out.push_str("      accessPolicies:\n");
        for policy in &entry.access_policies {
            out.push_str("        - policyARN: ");
            arn.clear();
            env.text(&policy.policy_arn, &mut arn)?;
            write_yaml_str(&arn, &mut out);
            out.push_str("\n          accessScope:\n            type: ");
            match &policy.scope {
                AccessScope::Cluster => {
                    write_yaml_str("cluster", &mut out);
                    out.push('\n');
                }
                AccessScope::Namespace(namespaces) => {
                    write_yaml_str("namespace", &mut out);
                    out.push_str("\n            namespaces:\n");
                    yaml_items("              - ", namespaces, &mut out);
                }
            }
        }
    }
    Ok(out)
}

/// A Pod Identity association as an item of eksctl's `iam.podIdentityAssociations`, indented
/// as it sits there (the item's `-` at column 5), each line ending in a line break:
/// `namespace`, `serviceAccountName` and `roleARN` (the role's ARN as `text("env")` writes it),
/// each quoted as the `yaml` filter quotes it.
pub fn eksctl_pod_identity(assoc: &PodIdentityAssociation, env: &TextWriter<'_>) -> Result<String, Error> {
    let mut arn = String::new();
    env.role_arn(&assoc.role.0, &mut arn)?;
    let mut out = String::new();
    for (key, value) in [
        ("    - namespace: ", &assoc.namespace),
        ("      serviceAccountName: ", &assoc.service_account),
        ("      roleARN: ", &arn),
    ] {
        out.push_str(key);
        write_yaml_str(value, &mut out);
        out.push('\n');
    }
    Ok(out)
}

/// Each of `items` on its own line after `prefix` (a block sequence's `- `, indented), quoted as
/// the `yaml` filter quotes it.
fn yaml_items(prefix: &str, items: &[String], out: &mut String) {
    for item in items {
        out.push_str(prefix);
        write_yaml_str(item, out);
        out.push('\n');
    }
}

/// `key` then `items` as a YAML flow sequence, then a line break.
fn yaml_list(key: &str, items: &[String], out: &mut String) {
    out.push_str(key);
    out.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_yaml_str(item, out);
    }
    out.push_str("]\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Effect, ObjectMeta, Part, PolicyDocument, PolicyRule, RoleId, Target, Text};

    fn lit(s: &str) -> Text {
        Text(vec![Part::Lit(s.to_owned())])
    }

    fn statement(
        effect: Effect,
        actions: Actions,
        resources: Option<Resources>,
        conditions: Vec<Condition>,
    ) -> Statement {
        Statement {
            sid: None,
            effect,
            principal: None,
            actions,
            resources,
            conditions,
            waivers: Vec::new(),
            origin: None,
        }
    }

    fn policy(statements: Vec<Statement>) -> ManagedPolicy {
        ManagedPolicy {
            id: "p".to_owned(),
            policy_name: "p".to_owned(),
            description: String::new(),
            document: PolicyDocument { statements },
            roles: Vec::new(),
        }
    }

    /// `|`, backticks, line breaks, non-ASCII, an empty value, Deny, NotAction, NotResource,
    /// symbolic parts and role ARNs: each cell escaped as `code` escapes it.
    fn tricky() -> ManagedPolicy {
        let arn = Text(vec![
            Part::Lit("arn:".to_owned()),
            Part::Partition,
            Part::Lit(":s3:::b|`x`\nÿ/".to_owned()),
            Part::PolicyVar("aws:userid".to_owned()),
        ]);
        policy(vec![
            statement(
                Effect::Allow,
                Actions::Action(vec!["s3:Get*".to_owned(), "iam:PassRole".to_owned()].into()),
                Some(Resources::Resource(vec![arn, Text(vec![Part::RoleArn(RoleId("r".to_owned()))])].into())),
                vec![
                    Condition {
                        operator: "StringEquals".to_owned(),
                        key: "aws:Tag/é|`".to_owned(),
                        values: vec![lit("a\r\nb"), lit(" ")],
                    },
                    Condition { operator: "Bool".to_owned(), key: "aws:SecureTransport".to_owned(), values: vec![] },
                ],
            ),
            statement(
                Effect::Deny,
                Actions::NotAction(vec!["`iam:*".to_owned()].into()),
                Some(Resources::NotResource(vec![lit("*")].into())),
                vec![],
            ),
            statement(Effect::Allow, Actions::Action(vec!["sts:AssumeRole".to_owned()].into()), None, vec![]),
            statement(
                Effect::Allow,
                Actions::Action(vec!["s3:List".to_owned()].into()),
                Some(Resources::Resource(vec![].into())),
                vec![],
            ),
        ])
    }

    #[test]
    fn policy_rows_escape_every_cell_as_code_does() {
        let target = Target { partition: None, region: None, account: Some("111122223333".to_owned()) };
        let names = BTreeMap::from([("r".to_owned(), "role-ü".to_owned())]);
        let text = TextWriter::spec(&target, &names);
        let conditions = "`` aws:Tag/é\\|` `` StringEquals `a  b` or `\" \"`; `aws:SecureTransport` Bool ";
        let want = [
            format!(
                "| Allow | `s3:Get*` | ``arn:${{AWS::Partition}}:s3:::b\\|`x` ÿ/${{aws:userid}}`` | {conditions} |"
            ),
            format!("| Allow | `s3:Get*` | `arn:${{AWS::Partition}}:iam::111122223333:role/role-ü` | {conditions} |"),
            format!(
                "| Allow | `iam:PassRole` | ``arn:${{AWS::Partition}}:s3:::b\\|`x` ÿ/${{aws:userid}}`` | {conditions} |"
            ),
            format!(
                "| Allow | `iam:PassRole` | `arn:${{AWS::Partition}}:iam::111122223333:role/role-ü` | {conditions} |"
            ),
            "| Deny | every action except `` `iam:* `` | everything except `*` | none |".to_owned(),
            "| Allow | `sts:AssumeRole` | `(none)` | none |".to_owned(),
        ];
        let plain = policy_rows(&tricky(), None, &text).unwrap();
        assert_eq!(plain.lines().collect::<Vec<_>>(), want, "{plain}");
        assert!(plain.ends_with(" |\n"));
    }

    #[test]
    fn policy_rows_group_by_level_in_the_report_order() {
        let target = Target { partition: Some("aws".to_owned()), region: None, account: None };
        let names = BTreeMap::from([("r".to_owned(), "r".to_owned())]);
        let text = TextWriter::spec(&target, &names);
        let levels = BTreeMap::from([
            ("s3:Get*".to_owned(), "Read".to_owned()),
            ("iam:PassRole".to_owned(), "Permissions management".to_owned()),
            ("sts:AssumeRole".to_owned(), "Odd".to_owned()),
            ("s3:List".to_owned(), "List".to_owned()),
        ]);
        let rows = policy_rows(&tricky(), Some(&levels), &text).unwrap();
        let firsts: Vec<&str> = rows.lines().map(|l| l.split(" | ").next().unwrap_or_default()).collect();
        // `s3:List` names an empty resource list: no row. An unknown level goes last, as it is.
        assert_eq!(
            firsts,
            ["| Read", "| Read", "| Permissions management", "| Permissions management", "| unknown", "| Odd"]
        );
        assert!(rows.contains("| Read | Allow | `s3:Get*` | ``arn:aws:s3:::b\\|`x` ÿ/${aws:userid}`` |"), "{rows}");
    }

    #[test]
    fn rule_rows_write_core_groups_and_join_lists_in_one_span() {
        let rule = |groups: &[&str], resources: &[&str]| PolicyRule {
            api_groups: groups.iter().map(|s| (*s).to_owned()).collect(),
            resources: resources.iter().map(|s| (*s).to_owned()).collect(),
            resource_names: Vec::new(),
            verbs: vec!["get".to_owned(), "li|st".to_owned()],
        };
        let meta = |namespace: Option<&str>| ObjectMeta {
            name: "ç`r".to_owned(),
            namespace: namespace.map(str::to_owned),
            labels: BTreeMap::new(),
        };
        let role =
            RbacRole { meta: meta(Some("ns\n1")), rules: vec![rule(&["", "apps"], &["pods", "pods/log"])].into() };
        assert_eq!(
            rule_rows("Role", &role),
            "| Role | ``ç`r`` | namespace `ns 1` | core, `apps` | `pods, pods/log` | `get, li\\|st` |\n"
        );
        let cluster = RbacRole { meta: meta(None), rules: vec![rule(&[""], &["nodes"]), rule(&["x"], &[""])].into() };
        assert_eq!(
            rule_rows("ClusterRole", &cluster),
            "| ClusterRole | ``ç`r`` | cluster-wide | core | `nodes` | `get, li\\|st` |\n\
             | ClusterRole | ``ç`r`` | cluster-wide | `x` | `\"\"` | `get, li\\|st` |\n"
        );
        assert_eq!(rule_rows("Role", &RbacRole { meta: meta(None), rules: vec![].into() }), "");
    }

    #[test]
    fn rules_yaml_writes_each_rule_as_a_block_item_with_lists_quoted_as_the_yaml_filter_does() {
        let strings = |items: &[&str]| items.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let role = RbacRole {
            meta: ObjectMeta { name: "r".to_owned(), namespace: None, labels: BTreeMap::new() },
            rules: vec![
                PolicyRule {
                    api_groups: strings(&["", "apps"]),
                    resources: strings(&["pods", "pods/log", "*"]),
                    resource_names: strings(&["yes", "a\"b\\c\nd\te\u{1}", "ç|`x`"]),
                    verbs: strings(&["get", "On"]),
                },
                PolicyRule { api_groups: vec![], resources: strings(&["x"]), resource_names: vec![], verbs: vec![] },
            ]
            .into(),
        };
        assert_eq!(
            rules_yaml(&role),
            "  - apiGroups: [\"\", apps]\n    resources: [pods, pods/log, \"*\"]\n    \
             resourceNames: [\"yes\", \"a\\\"b\\\\c\\nd\\te\\u0001\", \"ç|`x`\"]\n    verbs: [get, \"On\"]\n  \
             - apiGroups: []\n    resources: [x]\n    verbs: []\n"
        );
        assert_eq!(rules_yaml(&RbacRole { meta: role.meta.clone(), rules: vec![].into() }), "");
    }

    #[test]
    fn metadata_yaml_writes_namespace_and_labels_only_when_there_are_some() {
        let labels = BTreeMap::from([
            ("app.kubernetes.io/name".to_owned(), "yes".to_owned()),
            ("é: x".to_owned(), "a\"\n".to_owned()),
        ]);
        let meta = ObjectMeta { name: "ç`r".to_owned(), namespace: Some("ns-1".to_owned()), labels };
        assert_eq!(
            metadata_yaml(&meta),
            "metadata:\n  name: \"ç`r\"\n  namespace: ns-1\n  labels:\n    app.kubernetes.io/name: \"yes\"\n    \"é: x\": \"a\\\"\\n\"\n"
        );
        let bare = ObjectMeta { name: "r".to_owned(), namespace: None, labels: BTreeMap::new() };
        assert_eq!(metadata_yaml(&bare), "metadata:\n  name: r\n");
    }

    #[test]
    fn subjects_yaml_writes_each_subject_as_a_block_item() {
        use crate::model::{RoleRef, Subject};
        let subject = |name: &str| Subject {
            api_group: "rbac.authorization.k8s.io".to_owned(),
            kind: "Group".to_owned(),
            name: name.to_owned(),
        };
        let binding = RoleBinding {
            meta: ObjectMeta { name: "b".to_owned(), namespace: None, labels: BTreeMap::new() },
            role_ref: RoleRef { api_group: String::new(), kind: "Role".to_owned(), name: "r".to_owned() },
            subjects: vec![subject("team-a:ml"), subject("no")],
        };
        assert_eq!(
            subjects_yaml(&binding),
            "  - apiGroup: rbac.authorization.k8s.io\n    kind: Group\n    name: \"team-a:ml\"\n  \
             - apiGroup: rbac.authorization.k8s.io\n    kind: Group\n    name: \"no\"\n"
        );
        assert_eq!(subjects_yaml(&RoleBinding { subjects: vec![], ..binding }), "");
    }

    #[test]
    fn role_ref_yaml_quotes_each_field_as_the_yaml_filter_does() {
        use crate::model::RoleRef;
        let binding = RoleBinding {
            meta: ObjectMeta { name: "b".to_owned(), namespace: None, labels: BTreeMap::new() },
            role_ref: RoleRef {
                api_group: String::new(),
                kind: "Role".to_owned(),
                name: "yes: `x`|\"ü\"\n".to_owned(),
            },
            subjects: vec![],
        };
        assert_eq!(
            role_ref_yaml(&binding),
            "roleRef:\n  apiGroup: \"\"\n  kind: Role\n  name: \"yes: `x`|\\\"ü\\\"\\n\"\n"
        );
    }

    fn env_writer_names() -> (Target, BTreeMap<String, String>) {
        let target = Target { partition: None, region: Some("eu-west-1".to_owned()), account: None };
        (target, BTreeMap::from([("r".to_owned(), "r\"ü|`".to_owned())]))
    }

    #[test]
    fn eksctl_access_entry_writes_eksctls_fields_with_env_variables() {
        use crate::model::{AccessEntryType, AccessPolicy};
        let (target, names) = env_writer_names();
        let env = TextWriter::env(&target, &names);
        let policy_arn = Text(vec![Part::Lit("arn:".to_owned()), Part::Partition, Part::Lit(":eks::aws:p".to_owned())]);
        let entry = AccessEntry {
            role: RoleId("r".to_owned()),
            entry_type: AccessEntryType::Standard,
            kubernetes_groups: vec!["team".to_owned(), "on".to_owned(), "a: b".to_owned()],
            access_policies: vec![
                AccessPolicy { name: "p".to_owned(), policy_arn: policy_arn.clone(), scope: AccessScope::Cluster },
                AccessPolicy {
                    name: "p".to_owned(),
                    policy_arn: policy_arn.clone(),
                    scope: AccessScope::Namespace(vec!["ns-1".to_owned(), "2012-10-17".to_owned()]),
                },
                AccessPolicy { name: "p".to_owned(), policy_arn, scope: AccessScope::Namespace(vec![]) },
            ],
        };
        assert_eq!(
            eksctl_access_entry(&entry, &env).unwrap(),
            "    - principalARN: \"arn:${AWS_PARTITION}:iam::${AWS_ACCOUNT_ID}:role/r\\\"ü|`\"\n      \
             type: STANDARD\n      kubernetesGroups:\n        - team\n        - \"on\"\n        - \"a: b\"\n      \
             accessPolicies:\n        - policyARN: \"arn:${AWS_PARTITION}:eks::aws:p\"\n          accessScope:\n            \
             type: cluster\n        - policyARN: \"arn:${AWS_PARTITION}:eks::aws:p\"\n          accessScope:\n            \
             type: namespace\n            namespaces:\n              - ns-1\n              - \"2012-10-17\"\n        \
             - policyARN: \"arn:${AWS_PARTITION}:eks::aws:p\"\n          accessScope:\n            type: namespace\n            \
             namespaces:\n"
        );
        let bare = AccessEntry { kubernetes_groups: vec![], access_policies: vec![], ..entry };
        assert_eq!(
            eksctl_access_entry(&bare, &env).unwrap(),
            "    - principalARN: \"arn:${AWS_PARTITION}:iam::${AWS_ACCOUNT_ID}:role/r\\\"ü|`\"\n      type: STANDARD\n"
        );
        let unknown = AccessEntry { role: RoleId("x".to_owned()), ..bare };
        assert!(eksctl_access_entry(&unknown, &env).is_err());
    }

    #[test]
    fn eksctl_pod_identity_writes_the_association_with_env_variables() {
        let (target, names) = env_writer_names();
        let env = TextWriter::env(&target, &names);
        let assoc = PodIdentityAssociation {
            role: RoleId("r".to_owned()),
            namespace: "no".to_owned(),
            service_account: "sa\tx".to_owned(),
        };
        assert_eq!(
            eksctl_pod_identity(&assoc, &env).unwrap(),
            "    - namespace: \"no\"\n      serviceAccountName: \"sa\\tx\"\n      \
             roleARN: \"arn:${AWS_PARTITION}:iam::${AWS_ACCOUNT_ID}:role/r\\\"ü|`\"\n"
        );
    }

    #[test]
    fn write_code_list_writes_what_write_code_writes_of_the_joined_list() {
        let lists: [&[&str]; 7] =
            [&[], &["get"], &["get", "list"], &["", "x"], &[" ", ""], &["a`", "b|c"], &["ü\n", "pods/log"]];
        for list in lists {
            let items: Vec<String> = list.iter().map(|s| (*s).to_owned()).collect();
            let (mut listed, mut joined) = (String::new(), String::new());
            write_code_list(&items, &mut listed);
            write_code(&items.join(", "), &mut joined);
            assert_eq!(listed, joined, "{list:?}");
        }
    }
}
