use super::*;
use crate::model::{ObjectMeta, PolicyRule, RbacRole};
use crate::spec::{self, Source};

fn model(text: &str) -> (Model, SourceMap) {
    spec::load_mapped(&Source { name: "t.yaml".into(), text: text.into() }).expect("valid spec")
}

fn codes_of(diags: &Diagnostics) -> Vec<Code> {
    diags.items.iter().map(|d| d.code).collect()
}

const EKS: &str = "name: t\norchestrator: eks\ncluster: {eksClusterName: e}\noptions: {podIdentity: true}\n\
    admins: [{name: a, trustedPrincipals: [\"arn:aws:iam::111122223333:role/Ops\"]}]\n\
    scientists: [{name: nlp, trustedPrincipals: [\"arn:aws:iam::111122223333:role/Nlp\"]}]\n\
    executionRoles: [{name: c}]\n";

#[test]
fn generated_rbac_is_clean_and_each_kubernetes_rule_fires() {
    let (mut m, map) = model(EKS);
    assert!(lint(&m, &map).is_empty(), "{}", lint(&m, &map));
    let k = m.kubernetes.as_mut().expect("eks");
    k.roles[0].rules[0].verbs.push("describe".into());
    k.roles[0].rules[1].resources.push("*".into());
    let mut labels = k.roles[0].meta.labels.clone();
    labels.insert("hyperpod-iam/team".into(), "nlp".into());
    k.cluster_roles.push(RbacRole {
        meta: ObjectMeta { name: "t-nlp-wide".into(), namespace: None, labels },
        rules: vec![PolicyRule {
            api_groups: vec![String::new()],
            resources: vec!["secrets".into()],
            resource_names: Vec::new(),
            verbs: vec!["get".into()],
        }]
        .into(),
    });
    let diags = lint(&m, &map);
    assert_eq!(codes_of(&diags), [Code::K8sUnknownVerb, Code::K8sWildcard, Code::K8sNamespacedInClusterRole]);
    assert_eq!(diags.items[0].suggestion, None, "`describe` is close to no verb");
    assert_eq!(diags.items[2].path, "kubernetes.clusterRoles[1].rules[0]");
}

/// Equal statements are linted once when clean, but a finding is reported in every role
/// that has it.
#[test]
fn an_equal_statement_is_reported_in_every_role() {
    let (mut m, map) = model(EKS);
    let Some(first) = m.policies.first().and_then(|p| p.document.statements.first()).cloned() else {
        panic!("a generated statement")
    };
    let bad = Statement {
        sid: Some("Bad".into()),
        actions: Actions::Action(vec!["s3:GetObjekt".into()].into()),
        ..first.clone()
    };
    for policy in &mut m.policies {
        policy.document.statements.push(bad.clone());
        policy.document.statements.push(Statement { sid: Some("Again".into()), ..first.clone() });
    }
    let diags = lint(&m, &map);
    assert_eq!(codes_of(&diags), vec![Code::UnknownAction; m.policies.len()], "{diags}");
    assert!(m.policies.len() > 1);
}

/// Statements that share a clean list of actions have it looked up once, and their
/// resources are still checked one by one.
#[test]
fn a_shared_list_of_actions_still_has_each_resource_checked() {
    let (mut m, map) = model(EKS);
    let Some(first) = m.policies.first().and_then(|p| p.document.statements.first()).cloned() else {
        panic!("a generated statement")
    };
    let actions = Actions::Action(vec!["s3:GetObject".into()].into());
    for (i, policy) in m.policies.iter_mut().enumerate() {
        let arn = if i % 2 == 0 { format!("arn:aws:s3:::b{i}/*") } else { format!("arn:aws:sqs:us-east-1:1:q{i}") };
        policy.document.statements.push(Statement {
            sid: Some("Shared".into()),
            actions: actions.clone(),
            resources: Some(Resources::Resource(vec![Text::lit(arn)].into())),
            ..first.clone()
        });
    }
    let diags = lint(&m, &map);
    assert!(m.policies.len() > 2);
    assert_eq!(codes_of(&diags), vec![Code::ResourceTypeMismatch; m.policies.len() / 2], "{diags}");
}

#[test]
fn a_long_role_name_and_no_stack_limit() {
    let (mut m, map) = model(EKS);
    m.roles[0].role_name = "r".repeat(65);
    assert_eq!(codes_of(&lint(&m, &map)), [Code::RoleNameTooLong]);

    let mut text = String::from(
        "name: big\norchestrator: eks\ncluster: {eksClusterName: e}\n\
         admins: [{name: a, trustedPrincipals: [\"arn:aws:iam::111122223333:role/Ops\"]}]\n\
         executionRoles: [{name: c}]\nscientists:\n",
    );
    for i in 0..170 {
        text.push_str(&format!("  - {{name: t{i}, trustedPrincipals: [\"arn:aws:iam::111122223333:role/T\"]}}\n"));
    }
    let (m, map) = model(&text);
    // 515 resources: the CloudFormation emitter splits them over stacks, so no finding.
    let diags = lint(&m, &map);
    assert!(diags.is_empty(), "{diags}");
}

#[test]
fn account_root_trust_and_costly_options_warn_at_their_field() {
    let text = "name: t\norchestrator: eks\ncluster: {eksClusterName: e}\n\
        options: {customVpc: true, nodeAccess: true, serviceLinkedRole: true}\n\
        admins: [{name: a, trustedPrincipals: [\"arn:aws:iam::111122223333:role/Ops\", \"444455556666\"]}]\n\
        scientists: [{name: nlp, trustedPrincipals: [\"arn:aws:iam::111122223333:root\"]}]\n\
        executionRoles: [{name: c}]\n";
    let (m, map) = model(text);
    let diags = lint(&m, &map);
    let found: Vec<(Code, &str)> = diags.items.iter().map(|d| (d.code, d.path.as_str())).collect();
    assert_eq!(
        found,
        [
            (Code::RootPrincipal, "admins[0].trustedPrincipals[1]"),
            (Code::RootPrincipal, "scientists[0].trustedPrincipals[0]"),
            (Code::NodeAccess, "options.nodeAccess"),
            (Code::ServiceLinkedRole, "options.serviceLinkedRole"),
            (Code::CustomVpcOnEks, "options.customVpc"),
        ],
        "{diags}"
    );
    assert!(diags.items.iter().all(|d| d.location.is_some()), "{diags}");
    assert!(diags.items[0].message.contains("account 444455556666"), "{diags}");

    // On Slurm, Session Manager is the way in and a custom VPC is a real choice: no warning.
    let slurm = "name: s\norchestrator: slurm\noptions: {customVpc: true}\n\
        admins: [{name: a, trustedPrincipals: [\"arn:aws:iam::111122223333:role/Ops\"]}]\n\
        scientists: [{name: r, trustedPrincipals: [\"arn:aws:iam::111122223333:role/R\"]}]\n\
        executionRoles: [{name: c}]\n";
    let (m, map) = model(slurm);
    assert!(lint(&m, &map).is_empty(), "{}", lint(&m, &map));
}

/// A model large enough to be linted on every core, in blocks of roles, gets the findings one
/// linter finds in one pass, in the same order: those of every block's policies, then the rest.
#[test]
fn linted_in_blocks_finds_what_one_pass_finds() {
    let mut text = String::from(
        "name: big\norchestrator: eks\ncluster: {eksClusterName: e}\noptions: {podIdentity: true}\n\
         admins: [{name: a, trustedPrincipals: [\"111122223333\"]}]\n\
         executionRoles: [{name: c}]\nscientists:\n",
    );
    for i in 0..600 {
        text.push_str(&format!("  - name: t{i}\n    trustedPrincipals: [\"arn:aws:iam::111122223333:role/T{i}\"]\n"));
        // Findings in the first, a middle and the last block, and a statement equal to an
        // earlier one with a finding.
        if [3, 300, 301, 599].contains(&i) {
            text.push_str("    extraStatements: [{Effect: Allow, Action: [\"s3:GetObjekt\"], Resource: \"*\"}]\n");
        }
    }
    let (m, map) = model(&text);
    assert!(m.roles.len() > 2 * POLICY_BLOCK);
    let names = m.role_names();
    let mut one = Linter { map: &map, diags: Diagnostics::default(), resolver: resolver(&m, &names), known: None };
    let ix = m.index();
    one.policies(&m.name, &m.roles, &ix);
    one.rest(&m, &ix);
    let diags = lint(&m, &map);
    assert_eq!(diags, one.diags);
    let paths: Vec<&str> =
        diags.items.iter().filter(|d| d.code == Code::UnknownAction).map(|d| d.path.as_str()).collect();
    assert_eq!(paths, [3, 300, 301, 599].map(|i| format!("scientists[{i}].extraStatements[0].Action[0]")), "{diags}");
    assert!(diags.items.iter().any(|d| d.code == Code::RootPrincipal));
}
