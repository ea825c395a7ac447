//! The chain from IAM to Kubernetes, read from the files a user deploys, for every eks golden
//! case: an IAM role's EKS access entry names Kubernetes groups; `rbac.yaml` binds those groups to
//! roles in namespaces. Followed end to end, each scientist role must reach exactly its own team
//! namespace plus the cluster-wide reads, never another team's namespace; admin entries carry
//! `AmazonEKSClusterAdminPolicy` at cluster scope and no groups; execution roles, pod roles and
//! the service-linked role have no entry; each Pod Identity association sits in its team's
//! namespace with its service account.
//!
//! The expectation comes from the example spec and the naming rules of SPEC.md, not from the
//! model, so a slip in the model, in an emitter or in the RBAC shows up here. Each output format
//! that carries access entries is one leg (CloudFormation, Terraform): a function that reads its
//! file into [`EksFacts`], all checked the same way and required to agree with each other.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::PathBuf;

use serde_json::Value;

mod common;

/// The access policy every admin entry carries, at cluster scope.
const ADMIN_POLICY: &str = "AmazonEKSClusterAdminPolicy";
/// Verbs that only read.
const READ_VERBS: &[&str] = &["get", "list", "watch"];
const SERVICE_LINKED_ROLE: &str = "AWSServiceRoleForSageMakerHyperPod";

/// What one output format says about one EKS access entry.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct AccessEntryFacts {
    /// The IAM role name of the principal, followed through the format's own reference.
    role_name: String,
    cluster_name: String,
    /// `STANDARD` when the format leaves it out (the EKS default).
    entry_type: String,
    kubernetes_groups: BTreeSet<String>,
    /// `(policy name, scope)`; scope is `cluster` or `namespace:<a>,<b>`.
    access_policies: BTreeSet<(String, String)>,
}

/// What one output format says about one Pod Identity association.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct PodIdentityFacts {
    role_name: String,
    cluster_name: String,
    namespace: String,
    service_account: String,
}

/// Everything one format says about EKS access, sorted so that formats compare equal.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct EksFacts {
    access_entries: Vec<AccessEntryFacts>,
    pod_identity: Vec<PodIdentityFacts>,
}

impl EksFacts {
    fn sorted(mut self) -> EksFacts {
        self.access_entries.sort();
        self.pod_identity.sort();
        self
    }
}

/// One leg: the file it reads and how.
type Leg = (&'static str, fn(&str) -> Result<EksFacts, String>);

/// Every format that carries access entries and Pod Identity associations.
const LEGS: &[Leg] = &[("cloudformation.yaml", cloudformation_facts), ("main.tf.json", terraform_facts)];

// ---------------------------------------------------------------------------------------------
// The legs, read with the equivalence test's readers of CloudFormation and Terraform

/// Any deployment will do: the chain compares role names, not ARNs.
fn env() -> common::grants::Env {
    common::grants::Env { partition: "aws".into(), region: "us-east-1".into(), account: "123456789012".into() }
}

/// The role name at the end of a role ARN.
fn role_name_of(arn: &str) -> Result<String, String> {
    arn.split_once(":role/")
        .map(|(_, rest)| rest.rsplit('/').next().unwrap_or(rest).to_owned())
        .ok_or(format!("`{arn}` is not a role ARN"))
}

fn cloudformation_facts(text: &str) -> Result<EksFacts, String> {
    let template: Value = serde_saphyr::from_str(text).map_err(|e| e.to_string())?;
    facts(common::grants::cfn_access(&template, &env()))
}

fn terraform_facts(text: &str) -> Result<EksFacts, String> {
    let config: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    facts(common::grants::tf_access(&config, &env()))
}

/// What a reader found, as the chain compares it.
fn facts(access: common::grants::Access) -> Result<EksFacts, String> {
    let mut facts = EksFacts::default();
    for (principal, entry) in access.entries {
        facts.access_entries.push(AccessEntryFacts {
            role_name: role_name_of(&principal)?,
            cluster_name: entry.cluster,
            entry_type: entry.entry_type,
            kubernetes_groups: entry.kubernetes_groups,
            access_policies: entry
                .access_policies
                .into_iter()
                .map(|p| {
                    let name = p
                        .policy_arn
                        .rsplit_once("cluster-access-policy/")
                        .map_or(p.policy_arn.clone(), |(_, n)| n.to_owned());
                    let scope = match p.scope.as_str() {
                        "namespace" => format!("namespace:{}", p.namespaces.into_iter().collect::<Vec<_>>().join(",")),
                        other => other.to_owned(),
                    };
                    (name, scope)
                })
                .collect(),
        });
    }
    for association in access.pod_identities {
        facts.pod_identity.push(PodIdentityFacts {
            role_name: role_name_of(&association.role_arn)?,
            cluster_name: association.cluster,
            namespace: association.namespace,
            service_account: association.service_account,
        });
    }
    Ok(facts.sorted())
}

// ---------------------------------------------------------------------------------------------
// The Kubernetes side

/// Where each group reaches through `rbac.yaml`.
#[derive(Debug, Default)]
struct Reach {
    /// Group → the namespaces where a RoleBinding grants it something.
    namespaces: BTreeMap<String, BTreeSet<String>>,
    /// Group → the ClusterRoles a ClusterRoleBinding grants it.
    cluster_roles: BTreeMap<String, BTreeSet<String>>,
    /// ClusterRole → its verbs.
    cluster_role_verbs: BTreeMap<String, BTreeSet<String>>,
}

fn str_at<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or_default()
}

fn rbac_documents(text: &str) -> Vec<Value> {
    serde_saphyr::from_multiple::<Value>(text).unwrap()
}

fn reach(docs: &[Value]) -> Reach {
    let mut reach = Reach::default();
    for doc in docs {
        let groups = doc["subjects"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|s| s["kind"] == "Group")
            .map(|s| str_at(s, "/name").to_owned());
        match str_at(doc, "/kind") {
            "RoleBinding" => {
                for g in groups {
                    reach.namespaces.entry(g).or_default().insert(str_at(doc, "/metadata/namespace").to_owned());
                }
            }
            "ClusterRoleBinding" => {
                for g in groups {
                    reach.cluster_roles.entry(g).or_default().insert(str_at(doc, "/roleRef/name").to_owned());
                }
            }
            "ClusterRole" => {
                let verbs = doc["rules"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .flat_map(|r| r["verbs"].as_array().into_iter().flatten())
                    .filter_map(Value::as_str)
                    .map(str::to_owned);
                reach.cluster_role_verbs.entry(str_at(doc, "/metadata/name").to_owned()).or_default().extend(verbs);
            }
            _ => {}
        }
    }
    reach
}

// ---------------------------------------------------------------------------------------------
// The chain

/// A scientist team as the spec declares it, with SPEC.md's defaults applied.
struct Team {
    name: String,
    role_name: String,
    namespace: String,
    pod: Option<(String, String)>,
}

fn teams(spec: &Value) -> Vec<Team> {
    let name = spec["name"].as_str().unwrap();
    spec["scientists"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| {
            let team = t["name"].as_str().unwrap().to_owned();
            Team {
                role_name: format!("{name}-scientist-{team}"),
                namespace: t["namespace"].as_str().map_or_else(|| format!("hyperpod-ns-{team}"), str::to_owned),
                pod: t["podRole"]["serviceAccount"].as_str().map(|sa| (format!("{name}-pod-{team}"), sa.to_owned())),
                name: team,
            }
        })
        .collect()
}

fn entry_names(spec: &Value, list: &str, word: &str) -> Vec<String> {
    let name = spec["name"].as_str().unwrap();
    spec[list]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| format!("{name}-{word}-{}", e["name"].as_str().unwrap()))
        .collect()
}

/// Every broken link of the chain, one line each.
fn chain_problems(spec: &Value, facts: &EksFacts, rbac: Option<&Reach>) -> Vec<String> {
    let mut problems = Vec::new();
    let cluster = spec["cluster"]["eksClusterName"].as_str().unwrap();
    let teams = teams(spec);
    let admins = entry_names(spec, "admins", "admin");
    let executions = entry_names(spec, "executionRoles", "exec");

    let mut entries: BTreeMap<&str, &AccessEntryFacts> = BTreeMap::new();
    for e in &facts.access_entries {
        if entries.insert(&e.role_name, e).is_some() {
            problems.push(format!("{}: two access entries", e.role_name));
        }
        if e.cluster_name != cluster {
            problems.push(format!("{}: access entry on cluster `{}`, not `{cluster}`", e.role_name, e.cluster_name));
        }
        if e.entry_type != "STANDARD" {
            problems.push(format!("{}: access entry of type {}, not STANDARD", e.role_name, e.entry_type));
        }
    }

    for admin in &admins {
        let Some(e) = entries.get(admin.as_str()) else {
            problems.push(format!("{admin}: admin without an access entry"));
            continue;
        };
        if !e.kubernetes_groups.is_empty() {
            problems.push(format!("{admin}: admin entry has Kubernetes groups {:?}", e.kubernetes_groups));
        }
        let expected = BTreeSet::from([(ADMIN_POLICY.to_owned(), "cluster".to_owned())]);
        if e.access_policies != expected {
            problems.push(format!("{admin}: admin entry has access policies {:?}", e.access_policies));
        }
    }

    for team in &teams {
        let who = &team.role_name;
        let Some(e) = entries.get(who.as_str()) else {
            problems.push(format!("{who}: scientist without an access entry"));
            continue;
        };
        if !e.access_policies.is_empty() {
            problems.push(format!("{who}: scientist entry has access policies {:?}", e.access_policies));
        }
        let Some(rbac) = rbac else {
            problems.push(format!("{who}: no rbac.yaml binds its groups {:?}", e.kubernetes_groups));
            continue;
        };
        let mut namespaces = BTreeSet::new();
        let mut cluster_roles = BTreeSet::new();
        for g in &e.kubernetes_groups {
            let ns = rbac.namespaces.get(g);
            let cr = rbac.cluster_roles.get(g);
            if ns.is_none() && cr.is_none() {
                problems.push(format!("{who}: group `{g}` of its access entry is bound by nothing in rbac.yaml"));
            }
            namespaces.extend(ns.into_iter().flatten().cloned());
            cluster_roles.extend(cr.into_iter().flatten().cloned());
        }
        if !namespaces.contains(&team.namespace) {
            problems.push(format!("{who}: its groups reach no binding in its namespace `{}`", team.namespace));
        }
        for other in teams.iter().filter(|o| o.name != team.name && namespaces.contains(&o.namespace)) {
            problems.push(format!("{who}: its groups reach namespace `{}` of team `{}`", other.namespace, other.name));
        }
        for ns in namespaces.iter().filter(|ns| **ns != team.namespace && !teams.iter().any(|t| &&t.namespace == ns)) {
            problems.push(format!("{who}: its groups reach namespace `{ns}`, no team's"));
        }
        if cluster_roles.is_empty() {
            problems.push(format!("{who}: its groups have no cluster-wide reads"));
        }
        for role in &cluster_roles {
            let verbs = rbac.cluster_role_verbs.get(role).cloned().unwrap_or_default();
            if verbs.is_empty() || verbs.iter().any(|v| !READ_VERBS.contains(&v.as_str())) {
                problems.push(format!("{who}: cluster-wide ClusterRole `{role}` is not read-only: {verbs:?}"));
            }
        }
        // Exactly the groups rbac.yaml binds for this team: in its namespace, and cluster-wide.
        let bound: BTreeSet<&String> = rbac
            .namespaces
            .iter()
            .filter(|(_, ns)| ns.contains(&team.namespace))
            .map(|(g, _)| g)
            .chain(rbac.cluster_roles.keys())
            .collect();
        let groups: BTreeSet<&String> = e.kubernetes_groups.iter().collect();
        if groups != bound {
            problems.push(format!("{who}: entry groups {groups:?}, but rbac.yaml binds {bound:?} for the team"));
        }
    }

    let people: BTreeSet<&str> = admins.iter().chain(teams.iter().map(|t| &t.role_name)).map(String::as_str).collect();
    for name in entries.keys().filter(|n| !people.contains(**n)) {
        let what = if executions.iter().any(|e| e == name) {
            "an execution role (HyperPod creates its entry itself)"
        } else if teams.iter().any(|t| t.pod.as_ref().is_some_and(|(r, _)| r == name)) {
            "a pod role (it gets Pod Identity, not an entry)"
        } else if *name == SERVICE_LINKED_ROLE {
            "the service-linked role"
        } else {
            "no admin or scientist of the spec"
        };
        problems.push(format!("{name}: has an access entry, but is {what}"));
    }

    let pod_roles: BTreeMap<&str, (&Team, &str)> =
        teams.iter().filter_map(|t| t.pod.as_ref().map(|(role, sa)| (role.as_str(), (t, sa.as_str())))).collect();
    let mut associated = BTreeSet::new();
    for a in &facts.pod_identity {
        let Some((team, sa)) = pod_roles.get(a.role_name.as_str()) else {
            problems.push(format!("{}: Pod Identity association for no team's pod role", a.role_name));
            continue;
        };
        if !associated.insert(a.role_name.as_str()) {
            problems.push(format!("{}: two Pod Identity associations", a.role_name));
        }
        if a.namespace != team.namespace {
            problems.push(format!(
                "{}: Pod Identity in namespace `{}`, but team `{}` lives in `{}`",
                a.role_name, a.namespace, team.name, team.namespace
            ));
        }
        if a.service_account != *sa {
            problems
                .push(format!("{}: Pod Identity for service account `{}`, not `{sa}`", a.role_name, a.service_account));
        }
        if a.cluster_name != cluster {
            problems.push(format!("{}: Pod Identity on cluster `{}`, not `{cluster}`", a.role_name, a.cluster_name));
        }
    }
    for role in pod_roles.keys().filter(|r| !associated.contains(*r)) {
        problems.push(format!("{role}: pod role without a Pod Identity association"));
    }
    problems
}

// ---------------------------------------------------------------------------------------------
// The golden cases

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every eks example, `(case, spec)`, sorted.
fn eks_cases() -> Vec<(String, Value)> {
    let mut cases: Vec<(String, Value)> = fs::read_dir(root().join("examples"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .map(|p| {
            let spec: Value = serde_saphyr::from_str(&fs::read_to_string(&p).unwrap()).unwrap();
            (p.file_stem().unwrap().to_string_lossy().into_owned(), spec)
        })
        .filter(|(_, spec)| spec["orchestrator"] == "eks")
        .collect();
    cases.sort_by(|a, b| a.0.cmp(&b.0));
    cases
}

/// One golden case's RBAC reach, when it has an `rbac.yaml`.
fn golden_reach(case: &str) -> Option<Reach> {
    let path = root().join("golden").join(case).join("rbac.yaml");
    path.is_file().then(|| reach(&rbac_documents(&fs::read_to_string(path).unwrap())))
}

fn golden_facts(case: &str, (file, extract): &Leg) -> Result<EksFacts, String> {
    let path = root().join("golden").join(case).join(file);
    let text = fs::read_to_string(&path).map_err(|e| format!("golden/{case}/{file}: {e}"))?;
    extract(&text).map_err(|e| format!("golden/{case}/{file}: {e}"))
}

#[test]
fn every_eks_golden_case_chains_iam_to_kubernetes() {
    let cases = eks_cases();
    assert!(!cases.is_empty(), "no eks example: a chain of nothing proves nothing");
    let mut problems = Vec::new();
    let (mut scientists, mut associations) = (0, 0);
    for (case, spec) in &cases {
        let rbac = golden_reach(case);
        let mut legs: Vec<(&str, EksFacts)> = Vec::new();
        for leg in LEGS {
            match golden_facts(case, leg) {
                Ok(facts) => {
                    let found = chain_problems(spec, &facts, rbac.as_ref());
                    problems.extend(found.into_iter().map(|p| format!("golden/{case}/{}: {p}", leg.0)));
                    legs.push((leg.0, facts));
                }
                Err(e) => problems.push(e),
            }
        }
        for pair in legs.windows(2) {
            if pair[0].1 != pair[1].1 {
                problems.push(format!(
                    "golden/{case}: {} and {} disagree:\n{:#?}\n{:#?}",
                    pair[0].0, pair[1].0, pair[0].1, pair[1].1
                ));
            }
        }
        if let Some((_, facts)) = legs.first() {
            scientists += facts.access_entries.iter().filter(|e| !e.kubernetes_groups.is_empty()).count();
            associations += facts.pod_identity.len();
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The goldens exercise every link: scientist groups and Pod Identity, not only admins.
    assert!(scientists > 0 && associations > 0, "{scientists} scientist entries, {associations} associations");
}

mod detects {
    use super::*;

    /// ml-research, read from its golden files: nlp in `nlp` with a pod role, vision in
    /// `hyperpod-ns-vision`.
    fn ml_research() -> (Value, EksFacts, Vec<Value>) {
        let (_, spec) = eks_cases().into_iter().find(|(c, _)| c == "ml-research").unwrap();
        let facts = golden_facts("ml-research", &LEGS[0]).unwrap();
        let docs = rbac_documents(&fs::read_to_string(root().join("golden/ml-research/rbac.yaml")).unwrap());
        (spec, facts, docs)
    }

    fn assert_has(problems: &[String], expected: &str) {
        assert!(problems.iter().any(|p| p == expected), "`{expected}` missing from:\n{}", problems.join("\n"));
    }

    #[test]
    fn the_terraform_leg_reads_the_same_facts_and_catches_a_wrong_group() {
        let (spec, cfn, docs) = ml_research();
        let text = fs::read_to_string(root().join("golden/ml-research/main.tf.json")).unwrap();
        assert_eq!(terraform_facts(&text).unwrap(), cfn);
        let mut config: Value = serde_json::from_str(&text).unwrap();
        let entries = config["resource"]["aws_eks_access_entry"].as_object_mut().unwrap();
        let nlp = entries.values_mut().find(|e| e["kubernetes_groups"][0] == "ml-research-scientist-nlp").unwrap();
        nlp["kubernetes_groups"][0] = Value::from("ml-research-scientist-vision");
        let facts = terraform_facts(&config.to_string()).unwrap();
        let problems = chain_problems(&spec, &facts, Some(&reach(&docs)));
        assert_has(
            &problems,
            "ml-research-scientist-nlp: its groups reach namespace `hyperpod-ns-vision` of team `vision`",
        );
    }

    #[test]
    fn nothing_on_the_golden_itself() {
        let (spec, facts, docs) = ml_research();
        assert_eq!(chain_problems(&spec, &facts, Some(&reach(&docs))), Vec::<String>::new());
    }

    #[test]
    fn a_rolebinding_that_binds_another_teams_group() {
        let (spec, facts, mut docs) = ml_research();
        let binding =
            docs.iter_mut().find(|d| d["kind"] == "RoleBinding" && d["metadata"]["namespace"] == "nlp").unwrap();
        binding["subjects"][0]["name"] = Value::from("ml-research-scientist-vision");
        let problems = chain_problems(&spec, &facts, Some(&reach(&docs)));
        assert_has(&problems, "ml-research-scientist-vision: its groups reach namespace `nlp` of team `nlp`");
        assert_has(
            &problems,
            "ml-research-scientist-nlp: group `ml-research-scientist-nlp` of its access entry is bound by nothing in rbac.yaml",
        );
        assert_has(&problems, "ml-research-scientist-nlp: its groups reach no binding in its namespace `nlp`");
    }

    #[test]
    fn an_entry_group_that_the_rbac_does_not_bind_for_the_team() {
        let (spec, mut facts, docs) = ml_research();
        let nlp = facts.access_entries.iter_mut().find(|e| e.role_name == "ml-research-scientist-nlp").unwrap();
        nlp.kubernetes_groups.insert("ml-research-scientist-vision".into());
        let problems = chain_problems(&spec, &facts, Some(&reach(&docs)));
        assert_has(
            &problems,
            "ml-research-scientist-nlp: its groups reach namespace `hyperpod-ns-vision` of team `vision`",
        );
    }

    #[test]
    fn a_cluster_binding_that_grants_more_than_reads() {
        let (spec, facts, mut docs) = ml_research();
        let role = docs.iter_mut().find(|d| d["kind"] == "ClusterRole").unwrap();
        role["rules"][0]["verbs"] = serde_json::json!(["list", "delete"]);
        let problems = chain_problems(&spec, &facts, Some(&reach(&docs)));
        assert_has(
            &problems,
            "ml-research-scientist-nlp: cluster-wide ClusterRole `ml-research-scientist-cluster-read` is not read-only: {\"delete\", \"get\", \"list\"}",
        );
    }

    #[test]
    fn admin_groups_missing_policy_and_entries_for_execution_and_pod_roles() {
        let (spec, mut facts, docs) = ml_research();
        let admin = facts.access_entries.iter_mut().find(|e| e.role_name == "ml-research-admin-platform").unwrap();
        admin.kubernetes_groups.insert("ml-research-scientists".into());
        admin.access_policies.clear();
        let mut exec = facts.access_entries[0].clone();
        exec.role_name = "ml-research-exec-compute".into();
        let mut pod = exec.clone();
        pod.role_name = "ml-research-pod-nlp".into();
        facts.access_entries.extend([exec, pod]);
        let problems = chain_problems(&spec, &facts, Some(&reach(&docs)));
        assert_has(
            &problems,
            "ml-research-admin-platform: admin entry has Kubernetes groups {\"ml-research-scientists\"}",
        );
        assert_has(&problems, "ml-research-admin-platform: admin entry has access policies {}");
        assert_has(
            &problems,
            "ml-research-exec-compute: has an access entry, but is an execution role (HyperPod creates its entry itself)",
        );
        assert_has(
            &problems,
            "ml-research-pod-nlp: has an access entry, but is a pod role (it gets Pod Identity, not an entry)",
        );
    }

    #[test]
    fn a_pod_identity_association_in_another_namespace() {
        let (spec, mut facts, docs) = ml_research();
        facts.pod_identity[0].namespace = "hyperpod-ns-vision".into();
        let problems = chain_problems(&spec, &facts, Some(&reach(&docs)));
        assert_has(
            &problems,
            "ml-research-pod-nlp: Pod Identity in namespace `hyperpod-ns-vision`, but team `nlp` lives in `nlp`",
        );
    }

    #[test]
    fn a_missing_rbac_yaml() {
        let (spec, facts, _) = ml_research();
        let problems = chain_problems(&spec, &facts, None);
        assert_eq!(problems.len(), 2, "{problems:#?}");
    }

    const TEMPLATE: &str = r#"
Resources:
  NlpRole: { Type: AWS::IAM::Role, Properties: { RoleName: x-scientist-nlp } }
  Entry:
    Type: AWS::EKS::AccessEntry
    Properties:
      ClusterName: c
      PrincipalArn: { "Fn::GetAtt": [NlpRole, Arn] }
      KubernetesGroups: [g]
"#;

    #[test]
    fn the_cloudformation_leg_follows_getatt_to_the_role_name() {
        let facts = cloudformation_facts(TEMPLATE).unwrap();
        assert_eq!(facts.access_entries[0].role_name, "x-scientist-nlp");
        assert_eq!(facts.access_entries[0].entry_type, "STANDARD");
    }

    #[test]
    #[should_panic(expected = "`OtherRole` is not an AWS::IAM::Role")]
    fn the_cloudformation_leg_refuses_a_dangling_getatt() {
        let _ = cloudformation_facts(&TEMPLATE.replace("[NlpRole, Arn]", "[OtherRole, Arn]"));
    }
}
