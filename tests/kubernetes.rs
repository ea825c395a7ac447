//! What kubernetes-validate does not check, on every golden `rbac.yaml`.
//!
//! kubernetes-validate `--strict` knows the schema of each object, one object at a time. It
//! passes a `roleRef` without `apiGroup` (the API server rejects it), any verb string (`describe`
//! is inert), a `*`, a cluster-scoped resource in a namespaced Role (it has no effect there), a
//! binding to a role the file never defines, and a namespace nobody creates. This test reads each
//! file's documents and checks those, plus the order that makes `kubectl apply -f` succeed in one
//! pass: a Namespace before the objects in it, a role before the bindings that name it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const RBAC_GROUP: &str = "rbac.authorization.k8s.io";
const RBAC_API_VERSION: &str = "rbac.authorization.k8s.io/v1";

/// The verbs the API server checks for resource requests. The special verbs (`use`, `bind`,
/// `escalate`, `impersonate`, `approve`, `sign`) are left out on purpose: we generate none, and
/// each of them widens what a subject can do beyond its rules.
const VERBS: &[&str] = &["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"];

/// Cluster-scoped resources of the built-in API groups (and Kueue's, which HyperPod task
/// governance installs), `(apiGroup, resource)`. In a namespaced Role they grant nothing.
const CLUSTER_SCOPED: &[(&str, &str)] = &[
    ("", "nodes"),
    ("", "namespaces"),
    ("", "persistentvolumes"),
    ("", "componentstatuses"),
    ("rbac.authorization.k8s.io", "clusterroles"),
    ("rbac.authorization.k8s.io", "clusterrolebindings"),
    ("storage.k8s.io", "storageclasses"),
    ("storage.k8s.io", "csidrivers"),
    ("storage.k8s.io", "csinodes"),
    ("storage.k8s.io", "volumeattachments"),
    ("apiextensions.k8s.io", "customresourcedefinitions"),
    ("apiregistration.k8s.io", "apiservices"),
    ("admissionregistration.k8s.io", "mutatingwebhookconfigurations"),
    ("admissionregistration.k8s.io", "validatingwebhookconfigurations"),
    ("admissionregistration.k8s.io", "validatingadmissionpolicies"),
    ("admissionregistration.k8s.io", "validatingadmissionpolicybindings"),
    ("certificates.k8s.io", "certificatesigningrequests"),
    ("scheduling.k8s.io", "priorityclasses"),
    ("node.k8s.io", "runtimeclasses"),
    ("networking.k8s.io", "ingressclasses"),
    ("flowcontrol.apiserver.k8s.io", "flowschemas"),
    ("flowcontrol.apiserver.k8s.io", "prioritylevelconfigurations"),
    ("authentication.k8s.io", "tokenreviews"),
    ("authorization.k8s.io", "subjectaccessreviews"),
    ("authorization.k8s.io", "selfsubjectaccessreviews"),
    ("authorization.k8s.io", "selfsubjectrulesreviews"),
    ("kueue.x-k8s.io", "clusterqueues"),
    ("kueue.x-k8s.io", "resourceflavors"),
    ("kueue.x-k8s.io", "workloadpriorityclasses"),
];

/// The header line by which an `rbac.yaml` says that it uses a namespace without creating it:
/// with task governance HyperPod creates each team's `hyperpod-ns-*` namespace itself.
const CREATED_BY_HYPERPOD: (&str, &str) = ("# Namespace ", " is not created here: HyperPod task governance creates it");

/// The namespaces a file's header says HyperPod creates; only `hyperpod-ns-*` ones may be.
fn namespaces_created_elsewhere(text: &str) -> Vec<&str> {
    let (before, after) = CREATED_BY_HYPERPOD;
    text.lines()
        .take_while(|line| line.starts_with('#'))
        .filter_map(|line| line.strip_prefix(before)?.split_once(after).map(|(ns, _)| ns))
        .filter(|ns| ns.starts_with("hyperpod-ns-"))
        .collect()
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `golden/<case>/rbac.yaml`, sorted.
fn golden_rbac_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(root().join("golden"))
        .unwrap()
        .flatten()
        .map(|e| e.path().join("rbac.yaml"))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// The documents of a multi-document YAML file, empty ones (a lone comment) left out.
fn documents(text: &str) -> Result<Vec<Value>, String> {
    serde_saphyr::from_multiple::<Value>(text).map_err(|e| e.to_string())
}

fn str_at<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

/// `kind/namespace/name` or `kind/name`, for messages.
fn id(doc: &Value) -> String {
    let kind = str_at(doc, "/kind").unwrap_or("?");
    let name = str_at(doc, "/metadata/name").unwrap_or("?");
    match str_at(doc, "/metadata/namespace") {
        Some(ns) => format!("{kind}/{ns}/{name}"),
        None => format!("{kind}/{name}"),
    }
}

fn strings(v: Option<&Value>) -> Vec<&str> {
    v.and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default()
}

/// Every problem of one file's documents, one line each; empty when it is sound.
fn check(docs: &[Value], created_elsewhere: &[&str]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen_namespaces: BTreeSet<&str> = BTreeSet::new();
    // (kind, namespace, name) of the roles defined so far, in file order.
    let mut seen_roles: BTreeSet<(&str, Option<&str>, &str)> = BTreeSet::new();
    let mut seen_objects = BTreeSet::new();
    let all_roles: BTreeSet<(&str, Option<&str>, &str)> = docs
        .iter()
        .filter_map(|d| {
            let kind = str_at(d, "/kind")?;
            matches!(kind, "Role" | "ClusterRole")
                .then(|| (kind, str_at(d, "/metadata/namespace"), str_at(d, "/metadata/name").unwrap_or_default()))
        })
        .collect();
    let all_namespaces: BTreeSet<&str> = docs
        .iter()
        .filter(|d| str_at(d, "/kind") == Some("Namespace"))
        .filter_map(|d| str_at(d, "/metadata/name"))
        .collect();

    for doc in docs {
        let who = id(doc);
        let mut problem = |message: String| problems.push(format!("{who}: {message}"));
        let kind = str_at(doc, "/kind").unwrap_or_default();
        let namespace = str_at(doc, "/metadata/namespace");
        if str_at(doc, "/metadata/name").is_none_or(str::is_empty) {
            problem("no `metadata.name`".into());
        }
        if !seen_objects.insert(who.clone()) {
            problem("defined twice".into());
        }
        let (api_version, namespaced) = match kind {
            "Namespace" => ("v1", false),
            "ServiceAccount" => ("v1", true),
            "Role" | "RoleBinding" => (RBAC_API_VERSION, true),
            "ClusterRole" | "ClusterRoleBinding" => (RBAC_API_VERSION, false),
            other => {
                problem(format!("unexpected kind `{other}`"));
                continue;
            }
        };
        if str_at(doc, "/apiVersion") != Some(api_version) {
            problem(format!("`apiVersion` is not `{api_version}`"));
        }
        match (namespaced, namespace) {
            (true, None) => problem("a namespaced object without `metadata.namespace`".into()),
            (false, Some(ns)) => problem(format!("a cluster-scoped object with `metadata.namespace: {ns}`")),
            (true, Some(ns)) if !seen_namespaces.contains(ns) => {
                if all_namespaces.contains(ns) {
                    problem(format!("comes before the Namespace `{ns}` it lives in"));
                } else if !created_elsewhere.contains(&ns) {
                    problem(format!("namespace `{ns}` has no Namespace document in this file"));
                }
            }
            _ => {}
        }

        match kind {
            "Namespace" => {
                seen_namespaces.insert(str_at(doc, "/metadata/name").unwrap_or_default());
            }
            "Role" | "ClusterRole" => {
                seen_roles.insert((kind, namespace, str_at(doc, "/metadata/name").unwrap_or_default()));
                let rules = doc.get("rules").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
                if rules.is_empty() {
                    problem("no rules".into());
                }
                for (i, rule) in rules.iter().enumerate() {
                    for problem_text in check_rule(kind, rule) {
                        problem(format!("rules[{i}]: {problem_text}"));
                    }
                }
            }
            "RoleBinding" | "ClusterRoleBinding" => {
                for problem_text in check_binding(kind, namespace, doc, &seen_roles, &all_roles) {
                    problem(problem_text);
                }
            }
            _ => {}
        }
    }
    problems
}

fn check_rule(kind: &str, rule: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let mut wildcard = |field: &str, values: &[&str]| {
        for v in values.iter().filter(|v| v.contains('*')) {
            problems.push(format!("`{v}` in `{field}`: no wildcard"));
        }
    };
    let groups = strings(rule.get("apiGroups"));
    let resources = strings(rule.get("resources"));
    let verbs = strings(rule.get("verbs"));
    wildcard("apiGroups", &groups);
    wildcard("resources", &resources);
    wildcard("verbs", &verbs);
    wildcard("resourceNames", &strings(rule.get("resourceNames")));
    wildcard("nonResourceURLs", &strings(rule.get("nonResourceURLs")));
    if rule.get("nonResourceURLs").is_some() {
        problems.push("`nonResourceURLs`: we grant none".into());
    }
    for (field, values) in [("apiGroups", &groups), ("resources", &resources), ("verbs", &verbs)] {
        if values.is_empty() {
            problems.push(format!("`{field}` is missing or empty"));
        }
    }
    for verb in &verbs {
        if !VERBS.contains(verb) && !verb.contains('*') {
            problems.push(format!("`{verb}` is not a Kubernetes verb"));
        }
    }
    if kind == "Role" {
        for resource in &resources {
            let base = resource.split('/').next().unwrap_or_default();
            if let Some(group) = groups.iter().find(|g| CLUSTER_SCOPED.contains(&(**g, base))) {
                let group = if group.is_empty() { "core" } else { group };
                problems.push(format!("`{resource}` ({group}) is cluster-scoped: a namespaced Role cannot grant it"));
            }
        }
    }
    problems
}

fn check_binding(
    kind: &str,
    namespace: Option<&str>,
    doc: &Value,
    defined_before: &BTreeSet<(&str, Option<&str>, &str)>,
    defined: &BTreeSet<(&str, Option<&str>, &str)>,
) -> Vec<String> {
    let mut problems = Vec::new();
    let ref_group = str_at(doc, "/roleRef/apiGroup");
    let ref_kind = str_at(doc, "/roleRef/kind");
    let ref_name = str_at(doc, "/roleRef/name");
    if ref_group != Some(RBAC_GROUP) {
        problems.push(format!("`roleRef.apiGroup` is {ref_group:?}, not `{RBAC_GROUP}`"));
    }
    match (ref_kind, ref_name) {
        (None, _) => problems.push("`roleRef.kind` is missing".into()),
        (_, None) => problems.push("`roleRef.name` is missing".into()),
        (Some(ref_kind), Some(ref_name)) => {
            let allowed: &[&str] = if kind == "RoleBinding" { &["Role", "ClusterRole"] } else { &["ClusterRole"] };
            if !allowed.contains(&ref_kind) {
                problems.push(format!("a {kind} cannot refer to a {ref_kind}"));
            }
            // A Role is looked up in the binding's own namespace; a ClusterRole cluster-wide.
            let key = (ref_kind, if ref_kind == "Role" { namespace } else { None }, ref_name);
            if !defined.contains(&key) {
                let place = key.1.map(|ns| format!(" in namespace `{ns}`")).unwrap_or_default();
                problems
                    .push(format!("`roleRef` names {ref_kind} `{ref_name}`{place}, which this file does not define"));
            } else if !defined_before.contains(&key) {
                problems.push(format!("comes before the {ref_kind} `{ref_name}` it refers to"));
            }
        }
    }
    let subjects = doc.get("subjects").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    if subjects.is_empty() {
        problems.push("no subjects".into());
    }
    for (i, s) in subjects.iter().enumerate() {
        let name = str_at(s, "/name").unwrap_or_default();
        match str_at(s, "/kind") {
            Some("Group" | "User") => {
                if str_at(s, "/apiGroup") != Some(RBAC_GROUP) {
                    problems.push(format!("subjects[{i}]: `apiGroup` is not `{RBAC_GROUP}`"));
                }
                if name.starts_with("system:") {
                    problems.push(format!("subjects[{i}]: `{name}` is a Kubernetes system name"));
                }
            }
            other => problems.push(format!("subjects[{i}]: kind {other:?}: we bind only groups and users")),
        }
        if name.is_empty() {
            problems.push(format!("subjects[{i}]: no name"));
        }
    }
    problems
}

#[test]
fn every_golden_rbac_yaml_is_sound() {
    let files = golden_rbac_files();
    assert!(!files.is_empty(), "no golden/*/rbac.yaml found: a check of nothing proves nothing");
    let mut problems = Vec::new();
    for file in &files {
        let label = file.strip_prefix(root()).unwrap().display().to_string();
        let text = fs::read_to_string(file).unwrap();
        let docs = documents(&text).unwrap_or_else(|e| panic!("{label}: {e}"));
        assert!(docs.len() >= 5, "{label}: {} documents", docs.len());
        problems
            .extend(check(&docs, &namespaces_created_elsewhere(&text)).into_iter().map(|p| format!("{label}: {p}")));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every eks example with scientist teams has a golden `rbac.yaml`, and no other one does.
#[test]
fn rbac_yaml_exists_exactly_for_eks_specs_with_teams() {
    let mut cases = 0;
    for entry in fs::read_dir(root().join("examples")).unwrap().flatten().filter(|e| e.path().is_file()) {
        let path = entry.path();
        let spec: Value = serde_saphyr::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        let case = path.file_stem().unwrap().to_string_lossy().into_owned();
        let teams = spec["scientists"].as_array().is_some_and(|t| !t.is_empty());
        let expected = spec["orchestrator"] == "eks" && teams;
        let exists = root().join("golden").join(&case).join("rbac.yaml").is_file();
        assert_eq!(exists, expected, "golden/{case}/rbac.yaml");
        cases += 1;
    }
    assert!(cases > 0);
}

fn bin(dir: &Path, args: &[&str]) -> (String, Option<i32>) {
    let out = Command::new(env!("CARGO_BIN_EXE_hyperpod-iam")).args(args).current_dir(dir).output().unwrap();
    (String::from_utf8(out.stderr).unwrap(), out.status.code())
}

#[test]
fn a_slurm_render_says_it_skips_kubernetes_and_writes_no_rbac_yaml() {
    let dir = std::env::temp_dir().join(format!("hyperpod-iam-k8s-slurm-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    let spec = root().join("examples/slurm-minimal.yaml");
    let spec = spec.to_str().unwrap();

    let (stderr, code) = bin(&dir, &["render", spec, "--out", "out"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("skipped kubernetes: a slurm spec has no Kubernetes RBAC\n"), "{stderr}");
    assert!(dir.join("out/cloudformation.yaml").is_file());
    assert!(!dir.join("out/rbac.yaml").exists());

    // Asked for by name, it is a usage error that says why.
    let (stderr, code) = bin(&dir, &["render", spec, "--format", "kubernetes", "--out", "k"]);
    assert_eq!(code, Some(2));
    assert_eq!(stderr, "error: cannot render `kubernetes`: a slurm spec has no Kubernetes RBAC\n");
    assert!(!dir.join("k").exists());
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn an_eks_render_writes_rbac_yaml_equal_to_the_golden() {
    let dir = std::env::temp_dir().join(format!("hyperpod-iam-k8s-eks-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    let (stderr, code) = bin(&dir, &["render", "--format", "kubernetes", "--out", "out"]);
    assert_eq!(code, Some(0), "{stderr}");
    let note = "note: no spec given: rendering the built-in example `ml-research`; give a spec file (or `-` for stdin) to render yours";
    assert_eq!(stderr, format!("{note}\nwrote out/rbac.yaml\n"));
    let written = fs::read_to_string(dir.join("out/rbac.yaml")).unwrap();
    assert_eq!(written, fs::read_to_string(root().join("golden/ml-research/rbac.yaml")).unwrap());
    let _ = fs::remove_dir_all(&dir);
}

mod checker {
    use super::*;

    const GOOD: &str = r#"# a comment line, as our header
---
apiVersion: v1
kind: Namespace
metadata: { name: team }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: r, namespace: team }
rules:
  - { apiGroups: [""], resources: [pods, pods/log], verbs: [get, list] }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: r, namespace: team }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: r }
subjects: [{ apiGroup: rbac.authorization.k8s.io, kind: Group, name: g }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: c }
rules:
  - { apiGroups: [""], resources: [nodes], verbs: [list] }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: c }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: c }
subjects: [{ apiGroup: rbac.authorization.k8s.io, kind: Group, name: g }]
"#;

    fn problems(text: &str) -> Vec<String> {
        check(&documents(text).unwrap(), &namespaces_created_elsewhere(text))
    }

    fn assert_flags(text: &str, expected: &[&str]) {
        let found = problems(text);
        for e in expected {
            assert!(found.iter().any(|p| p.contains(e)), "`{e}` not flagged; found:\n{}", found.join("\n"));
        }
    }

    #[test]
    fn a_sound_file_passes() {
        assert_eq!(problems(GOOD), Vec::<String>::new());
    }

    #[test]
    fn flags_the_documented_mistakes() {
        // The AWS page's Role and binding, with a wildcard added and the apiGroup dropped.
        let bad = r#"---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: r, namespace: kubeflow }
rules:
  - { apiGroups: [""], resources: [nodes], verbs: [get, list] }
  - { apiGroups: [kubeflow.org], resources: [pytorchjobs], verbs: [get, describe] }
  - { apiGroups: ["*"], resources: [configmaps], verbs: [get] }
  - { apiGroups: [""], resources: [secrets], verbs: ["*"] }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: r, namespace: kubeflow }
roleRef: { kind: Role, name: r }
subjects: [{ apiGroup: rbac.authorization.k8s.io, kind: Group, name: g }]
"#;
        assert_flags(
            bad,
            &[
                "Role/kubeflow/r: namespace `kubeflow` has no Namespace document in this file",
                "Role/kubeflow/r: rules[0]: `nodes` (core) is cluster-scoped: a namespaced Role cannot grant it",
                "Role/kubeflow/r: rules[1]: `describe` is not a Kubernetes verb",
                "Role/kubeflow/r: rules[2]: `*` in `apiGroups`: no wildcard",
                "Role/kubeflow/r: rules[3]: `*` in `verbs`: no wildcard",
                "RoleBinding/kubeflow/r: `roleRef.apiGroup` is None, not `rbac.authorization.k8s.io`",
            ],
        );
        assert_eq!(problems(bad).len(), 7, "{:#?}", problems(bad));
    }

    #[test]
    fn flags_dangling_and_misordered_references() {
        // The binding names a Role of another namespace, and comes before the Namespace.
        let moved = GOOD.replace(
            "roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: r }",
            "roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: other }",
        );
        assert_flags(&moved, &["`roleRef` names Role `other` in namespace `team`, which this file does not define"]);
        // Role and binding swapped: the binding comes first.
        let docs: Vec<&str> = GOOD.split("---\n").collect();
        let swapped = [docs[0], docs[1], docs[3], docs[2], docs[4], docs[5]].join("---\n");
        assert_flags(&swapped, &["RoleBinding/team/r: comes before the Role `r` it refers to"]);
        // Namespace last.
        let late = [docs[0], docs[2], docs[3], docs[4], docs[5], docs[1]].join("---\n");
        assert_flags(&late, &["Role/team/r: comes before the Namespace `team` it lives in"]);
        // A ClusterRoleBinding cannot use a Role; a system: group is refused.
        let crb = GOOD
            .replace("kind: ClusterRole, name: c }", "kind: Role, name: r }")
            .replace("kind: Group, name: g }]\n", "kind: Group, name: \"system:masters\" }]\n");
        assert_flags(
            &crb,
            &["a ClusterRoleBinding cannot refer to a Role", "`system:masters` is a Kubernetes system name"],
        );
    }

    #[test]
    fn flags_a_namespaced_object_without_namespace_and_unknown_kinds() {
        let text = GOOD
            .replace("metadata: { name: r, namespace: team }\nrules", "metadata: { name: r }\nrules")
            .replace("kind: Namespace", "kind: ConfigMap");
        assert_flags(
            &text,
            &["Role/r: a namespaced object without `metadata.namespace`", "unexpected kind `ConfigMap`"],
        );
    }
}
