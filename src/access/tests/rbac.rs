//! The RBAC authorizer and EKS access policies.

use super::*;

const RBAC: &str = r#"
apiVersion: v1
kind: Namespace
metadata: {name: nlp}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: team, namespace: nlp}
rules:
  - apiGroups: [""]
    resources: [pods, pods/log]
    verbs: [get, list]
  - apiGroups: [sagemaker.amazonaws.com]
    resources: [hyperpodpytorchjobs]
    verbs: [create]
  - apiGroups: [""]
    resources: [namespaces]
    verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: team, namespace: nlp}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: team}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: Group, name: nlp-group}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reads}
rules:
  - apiGroups: [""]
    resources: [nodes]
    verbs: [list]
  - apiGroups: [apiextensions.k8s.io]
    resources: [customresourcedefinitions]
    resourceNames: [hyperpodpytorchjobs.sagemaker.amazonaws.com]
    verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: reads}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: reads}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: Group, name: everyone}]
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: training, namespace: nlp}
"#;

fn kube_deployment(policies: Vec<AccessPolicy>, groups: &[&str]) -> Deployment {
    let mut d = role_with(vec![]);
    let arn = d.roles[ROLE].arn.clone();
    d.access_entries.insert(
        arn.clone(),
        AccessEntry {
            source: "test entry".into(),
            cluster: "eks".into(),
            principal_arn: arn,
            kubernetes_groups: groups.iter().map(|g| g.to_string()).collect(),
            access_policies: policies,
        },
    );
    d.rbac = Some(read::read_rbac("rbac.yaml", RBAC).unwrap());
    d
}

fn can(d: &Deployment, request: KubeRequest) -> Verdict {
    d.ask(&Question::Kube { role: ROLE.into(), request }).unwrap().verdict
}

#[test]
fn rbac_reader_reads_every_kind_it_needs() {
    let rbac = read::read_rbac("rbac.yaml", RBAC).unwrap();
    assert_eq!(rbac.roles.len(), 2);
    assert_eq!(rbac.bindings.len(), 2);
    assert_eq!(rbac.namespaces, ["nlp"]);
    assert_eq!(rbac.service_accounts, [("nlp".to_owned(), "training".to_owned())]);
    let err = read::read_rbac("bad.yaml", "kind: Role\nmetadata: {name: x}\n").unwrap_err();
    assert_eq!(err.to_string(), "bad.yaml: document 1: Role `x` has no namespace");
}

#[test]
fn role_bindings_apply_in_their_namespace_only() {
    let d = kube_deployment(vec![], &["nlp-group", "everyone"]);
    let job = KubeRequest::new("create", "sagemaker.amazonaws.com", "hyperpodpytorchjobs");
    assert_eq!(can(&d, job.clone().in_namespace("nlp")), Verdict::Yes);
    assert_eq!(can(&d, job.clone().in_namespace("vision")), Verdict::No);
    assert_eq!(can(&d, job.clone()), Verdict::No, "a Role grants nothing cluster-wide");
    assert_eq!(
        can(&d, KubeRequest::new("delete", "sagemaker.amazonaws.com", "hyperpodpytorchjobs").in_namespace("nlp")),
        Verdict::No
    );
    assert_eq!(
        can(&d, KubeRequest::new("create", "", "hyperpodpytorchjobs").in_namespace("nlp")),
        Verdict::No,
        "api group"
    );
}

#[test]
fn subresources_are_their_own_resources() {
    let d = kube_deployment(vec![], &["nlp-group"]);
    assert_eq!(can(&d, KubeRequest::new("get", "", "pods/log").in_namespace("nlp")), Verdict::Yes);
    assert_eq!(can(&d, KubeRequest::new("get", "", "pods/exec").in_namespace("nlp")), Verdict::No);
}

#[test]
fn getting_a_namespace_is_authorized_in_that_namespace() {
    let d = kube_deployment(vec![], &["nlp-group"]);
    assert_eq!(can(&d, KubeRequest::new("get", "", "namespaces").named("nlp")), Verdict::Yes);
    assert_eq!(can(&d, KubeRequest::new("get", "", "namespaces").named("vision")), Verdict::No);
    assert_eq!(can(&d, KubeRequest::new("list", "", "namespaces")), Verdict::No);
}

#[test]
fn cluster_role_bindings_apply_everywhere_and_resource_names_restrict() {
    let d = kube_deployment(vec![], &["everyone"]);
    assert_eq!(can(&d, KubeRequest::new("list", "", "nodes")), Verdict::Yes);
    assert_eq!(can(&d, KubeRequest::new("patch", "", "nodes").named("n1")), Verdict::No);
    let crd = KubeRequest::new("get", "apiextensions.k8s.io", "customresourcedefinitions");
    assert_eq!(can(&d, crd.clone().named("hyperpodpytorchjobs.sagemaker.amazonaws.com")), Verdict::Yes);
    assert_eq!(can(&d, crd.clone().named("workloads.kueue.x-k8s.io")), Verdict::No);
    assert_eq!(can(&d, KubeRequest::new("list", "apiextensions.k8s.io", "customresourcedefinitions")), Verdict::No);
    let a = d
        .ask(&Question::Kube { role: ROLE.into(), request: crd.named("hyperpodpytorchjobs.sagemaker.amazonaws.com") })
        .unwrap();
    assert!(a.explanation[0].contains("groups [everyone]"), "{:?}", a.explanation);
    assert!(
        a.explanation[1].contains("ClusterRoleBinding reads binds Group everyone to ClusterRole reads"),
        "{:?}",
        a.explanation
    );
}

#[test]
fn the_cluster_admin_access_policy_allows_everything_and_no_entry_allows_nothing() {
    let admin = AccessPolicy {
        policy_arn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy".into(),
        scope: AccessScope::Cluster,
    };
    let d = kube_deployment(vec![admin], &[]);
    assert_eq!(can(&d, KubeRequest::new("patch", "", "nodes").named("n1")), Verdict::Yes);
    let scoped = AccessPolicy {
        policy_arn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy".into(),
        scope: AccessScope::Namespaces(vec!["nlp".into()]),
    };
    let d = kube_deployment(vec![scoped], &[]);
    assert_eq!(can(&d, KubeRequest::new("delete", "", "pods").in_namespace("nlp")), Verdict::Yes);
    assert_eq!(can(&d, KubeRequest::new("delete", "", "pods").in_namespace("vision")), Verdict::No);
    let view = AccessPolicy {
        policy_arn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy".into(),
        scope: AccessScope::Cluster,
    };
    let d = kube_deployment(vec![view], &[]);
    assert!(matches!(can(&d, KubeRequest::new("list", "", "pods").in_namespace("nlp")), Verdict::Unknown(_)));
    let mut d = kube_deployment(vec![], &["nlp-group"]);
    d.access_entries.clear();
    assert_eq!(can(&d, KubeRequest::new("get", "", "pods").in_namespace("nlp")), Verdict::No);
}

/// The bindings found for a user through the index by subject ([`Rbac::bindings_of`]) give
/// every request the grant that scanning every binding in object order gives: users, groups
/// and service accounts, a binding that names the user twice, a RoleBinding to a ClusterRole,
/// bindings to roles that do not exist, in many namespaces.
#[test]
fn bindings_found_by_subject_grant_as_a_scan_of_every_binding() {
    let rule = |resource: &str, verb: &str| Rule {
        api_groups: vec![String::new()],
        resources: vec![resource.to_owned()],
        verbs: vec![verb.to_owned()],
        ..Rule::default()
    };
    let role = |name: &str, namespace: Option<&str>, rules: Vec<Rule>| RbacRole {
        name: name.to_owned(),
        namespace: namespace.map(str::to_owned),
        rules: rules.into(),
    };
    let binding = |name: &str, namespace: Option<&str>, kind: &str, role: &str, subjects: Vec<Subject>| Binding {
        name: name.to_owned(),
        namespace: namespace.map(str::to_owned),
        role_kind: kind.to_owned(),
        role_name: role.to_owned(),
        subjects,
    };
    let (user, group) = (|n: &str| Subject::User(n.to_owned()), |n: &str| Subject::Group(n.to_owned()));
    let sa = |ns: &str, n: &str| Subject::ServiceAccount { namespace: ns.to_owned(), name: n.to_owned() };
    let rbac = Rbac {
        roles: vec![
            role("pods", Some("a"), vec![rule("pods", "get"), rule("pods", "list")]),
            role("pods", Some("b"), vec![rule("pods", "get")]),
            role("nodes", None, vec![rule("nodes", "list"), rule("pods", "delete")]),
            role("logs", None, vec![rule("pods/log", "get")]),
        ],
        bindings: vec![
            binding("n", None, "ClusterRole", "nodes", vec![group("g1"), user("alice"), group("g2")]),
            binding("p", Some("a"), "Role", "pods", vec![user("bob"), group("g1"), group("g1")]),
            binding("p", Some("b"), "Role", "pods", vec![group("g2")]),
            binding("l", Some("b"), "ClusterRole", "logs", vec![sa("b", "job"), user("alice")]),
            binding("gone", Some("a"), "Role", "missing", vec![group("g2")]),
            binding("l2", None, "ClusterRole", "logs", vec![user("system:serviceaccount:a:train")]),
            binding("p2", Some("a"), "Role", "pods", vec![group("g2"), user("alice")]),
        ],
        ..Rbac::default()
    };
    let index = rbac.index();
    let users = [
        User { name: "alice".into(), groups: vec![] },
        User { name: "bob".into(), groups: vec!["g2".into()] },
        User { name: "carol".into(), groups: vec!["g1".into(), "g2".into()] },
        User { name: "system:serviceaccount:b:job".into(), groups: vec![] },
        User { name: "system:serviceaccount:a:train".into(), groups: vec!["g1".into()] },
        User { name: "nobody".into(), groups: vec!["g3".into()] },
    ];
    let lines = ["get pods", "list pods", "delete pods", "list nodes", "get pods/log", "get namespaces"];
    let mut granted = 0;
    for user in &users {
        let bindings = rbac.bindings_of(&index, user);
        for line in lines {
            for ns in [None, Some("a"), Some("b"), Some("c")] {
                let words: Vec<&str> = line.split(' ').collect();
                let request = KubeRequest::parse(&words, ns).unwrap();
                // Every binding in object order: a ClusterRoleBinding anywhere, a RoleBinding in
                // its own namespace; its first subject that is the user; the first rule.
                let scan = rbac.bindings.iter().enumerate().find_map(|(i, b)| {
                    if b.namespace.is_some() && b.namespace.as_deref() != request.effective_namespace() {
                        return None;
                    }
                    let subject = b.subjects.iter().position(|s| match s {
                        Subject::User(n) => *n == user.name,
                        Subject::Group(g) => user.groups.contains(g),
                        Subject::ServiceAccount { namespace, name } => {
                            user.name == format!("system:serviceaccount:{namespace}:{name}")
                        }
                    })?;
                    let (r, role) = rbac.roles.iter().enumerate().find(|(_, r)| {
                        r.name == b.role_name
                            && match b.role_kind.as_str() {
                                "Role" => r.namespace == b.namespace,
                                _ => r.namespace.is_none(),
                            }
                    })?;
                    let rule = role.rules.iter().position(|rule| kube::rule_allows(rule, &request))?;
                    Some(kube::GrantAt { binding: i, subject, role: r, rule })
                });
                let found = rbac.authorize_among(&index, &bindings, &request.view());
                assert_eq!(found, scan, "{} {line} in {ns:?}", user.name);
                granted += usize::from(found.is_some());
            }
        }
    }
    assert!(granted > 20, "{granted} grants");
}
