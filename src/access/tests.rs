//! Hand-worked cases of IAM's documented evaluation rules and of the RBAC authorizer, "no"
//! answers included. Each IAM case cites the rule of the IAM User Guide it works through.

use std::collections::BTreeMap;

use serde_json::json;

use super::*;

const ROLE: &str = "r";

fn policy(doc: serde_json::Value) -> Policy {
    read::read_policy("test.json", &doc).unwrap()
}

/// A deployment with one role `r` that has these identity policies.
fn role_with(docs: Vec<serde_json::Value>) -> Deployment {
    let mut d = Deployment::default();
    d.roles.insert(
        ROLE.to_owned(),
        RoleAccess {
            name: ROLE.to_owned(),
            arn: "arn:aws:iam::111122223333:role/r".to_owned(),
            trust: Policy { source: "trust".to_owned(), statements: Vec::new() },
            policies: docs.into_iter().map(policy).collect(),
            managed_policy_arns: Vec::new(),
            permissions_boundary: None,
        },
    );
    d
}

fn ask(d: &Deployment, request: Request) -> Answer {
    d.ask(&Question::Iam { role: ROLE.to_owned(), request }).unwrap()
}

fn verdict(d: &Deployment, action: &str, resource: &str, context: Context) -> Verdict {
    ask(d, Request::new(action, resource).with_context(context)).verdict
}

fn allow(action: serde_json::Value, resource: serde_json::Value) -> serde_json::Value {
    json!({"Version": "2012-10-17", "Statement": [{"Sid": "A", "Effect": "Allow", "Action": action, "Resource": resource}]})
}

const BUCKET: &str = "arn:aws:s3:::b";
const OBJECT: &str = "arn:aws:s3:::b/k";

#[test]
fn nothing_allows_is_an_implicit_no() {
    let d = role_with(vec![allow(json!("s3:GetObject"), json!(OBJECT))]);
    let a = ask(&d, Request::new("s3:PutObject", OBJECT));
    assert_eq!(a.verdict, Verdict::No);
    assert!(a.explanation[0].contains("implicit deny"), "{:?}", a.explanation);
}

#[test]
fn an_explicit_deny_beats_any_allow_in_any_policy() {
    let d = role_with(vec![
        allow(json!("s3:*"), json!("*")),
        json!({"Version": "2012-10-17", "Statement": [{"Sid": "NoDelete", "Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}]}),
    ]);
    let a = ask(&d, Request::new("s3:DeleteObject", OBJECT));
    assert_eq!(a.verdict, Verdict::No);
    assert!(a.explanation[0].contains("explicitly denied by test.json NoDelete"), "{:?}", a.explanation);
    let a = ask(&d, Request::new("s3:GetObject", OBJECT));
    assert_eq!(a.verdict, Verdict::Yes);
    assert!(a.explanation[0].contains("allowed by test.json A"), "{:?}", a.explanation);
}

#[test]
fn action_names_ignore_case_and_take_wildcards() {
    let d = role_with(vec![allow(json!(["SageMaker:describecluster", "eks:List*", "s3:Get?bject"]), json!("*"))]);
    assert_eq!(verdict(&d, "sagemaker:DescribeCluster", "*", Context::new()), Verdict::Yes);
    assert_eq!(verdict(&d, "eks:ListAccessEntries", "*", Context::new()), Verdict::Yes);
    assert_eq!(verdict(&d, "s3:GetObject", "*", Context::new()), Verdict::Yes);
    assert_eq!(verdict(&d, "s3:GetObjectAcl", "*", Context::new()), Verdict::No, "`?` is exactly one character");
    assert_eq!(verdict(&d, "eks:DescribeCluster", "*", Context::new()), Verdict::No);
}

#[test]
fn not_action_allows_everything_but_the_listed_actions() {
    let d = role_with(vec![json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]})]);
    assert_eq!(verdict(&d, "s3:GetObject", OBJECT, Context::new()), Verdict::Yes);
    assert_eq!(verdict(&d, "iam:PassRole", "*", Context::new()), Verdict::No);
    // NotAction with Deny: deny everything except the listed actions.
    let d = role_with(vec![
        allow(json!("*"), json!("*")),
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "NotAction": ["sts:*"], "Resource": "*"}]}),
    ]);
    assert_eq!(verdict(&d, "sts:GetCallerIdentity", "*", Context::new()), Verdict::Yes);
    assert_eq!(verdict(&d, "s3:GetObject", OBJECT, Context::new()), Verdict::No);
}

#[test]
fn resources_match_case_sensitively_with_wildcards_per_arn_part() {
    let d = role_with(vec![allow(
        json!("s3:GetObject"),
        json!(["arn:aws:s3:::b/*", "arn:aws:ec2:*:*:network-interface/eni-???"]),
    )]);
    assert_eq!(verdict(&d, "s3:GetObject", OBJECT, Context::new()), Verdict::Yes);
    assert_eq!(verdict(&d, "s3:GetObject", "arn:aws:s3:::B/k", Context::new()), Verdict::No, "case-sensitive");
    assert_eq!(verdict(&d, "s3:GetObject", BUCKET, Context::new()), Verdict::No, "b/* does not match the bucket");
    assert_eq!(
        verdict(&d, "s3:GetObject", "arn:aws:ec2:us-west-2:111122223333:network-interface/eni-abc", Context::new()),
        Verdict::Yes
    );
    assert_eq!(
        verdict(&d, "s3:GetObject", "arn:aws:ec2:us-west-2:111122223333:network-interface/eni-abcd", Context::new()),
        Verdict::No
    );
    // Another account or region is another resource.
    let d = role_with(vec![allow(json!("eks:DescribeCluster"), json!("arn:aws:eks:*:111122223333:cluster/x"))]);
    assert_eq!(
        verdict(&d, "eks:DescribeCluster", "arn:aws:eks:us-west-2:111122223333:cluster/x", Context::new()),
        Verdict::Yes
    );
    assert_eq!(
        verdict(&d, "eks:DescribeCluster", "arn:aws:eks:us-west-2:444455556666:cluster/x", Context::new()),
        Verdict::No
    );
}

#[test]
fn not_resource_allows_every_other_resource() {
    let d = role_with(vec![json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::secret/*"}]})]);
    assert_eq!(verdict(&d, "s3:GetObject", OBJECT, Context::new()), Verdict::Yes);
    assert_eq!(verdict(&d, "s3:GetObject", "arn:aws:s3:::secret/k", Context::new()), Verdict::No);
}

#[test]
fn policy_variables_come_from_the_request_context() {
    let d = role_with(vec![allow(json!("s3:GetObject"), json!("arn:aws:s3:::home/${aws:username}/*"))]);
    let alice = Context::new().with("aws:username", "alice");
    assert_eq!(verdict(&d, "s3:GetObject", "arn:aws:s3:::home/alice/notes", alice.clone()), Verdict::Yes);
    assert_eq!(verdict(&d, "s3:GetObject", "arn:aws:s3:::home/bob/notes", alice), Verdict::No);
    // Not given: the answer hangs on it.
    match verdict(&d, "s3:GetObject", "arn:aws:s3:::home/alice/notes", Context::new()) {
        Verdict::If(reqs) => assert!(reqs[0].contains("aws:username"), "{reqs:?}"),
        other => panic!("{other:?}"),
    }
    // Not given, but no value could match: a plain no.
    assert_eq!(verdict(&d, "s3:GetObject", "arn:aws:s3:::elsewhere/alice/notes", Context::new()), Verdict::No);
    // A variable's value is literal text: a `*` in it is no wildcard.
    let star = Context::new().with("aws:username", "*");
    assert_eq!(verdict(&d, "s3:GetObject", "arn:aws:s3:::home/alice/notes", star), Verdict::No);
}

/// Found by comparing with iam-simulate (tests/iam_simulate.rs): a variable the request is known
/// not to carry resolves to nothing.
#[test]
fn a_variable_known_absent_matches_nothing_and_leaves_not_resource_unresolved() {
    let key = "aws:PrincipalTag/team";
    let absent = || Context::new().absent(key);
    let d = role_with(vec![allow(json!("s3:GetObject"), json!("arn:aws:s3:::${aws:PrincipalTag/team}/*"))]);
    assert_eq!(verdict(&d, "s3:GetObject", OBJECT, absent()), Verdict::No, "a Resource entry matches nothing");
    let not = |effect: &str| {
        role_with(vec![json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Sid": "N", "Effect": effect, "Action": "*", "NotResource": ["arn:aws:s3:::${aws:PrincipalTag/team}/*"]}]})])
    };
    // The Deny's NotResource cannot be resolved for an S3 object: the Deny does not apply.
    assert_eq!(verdict(&not("Deny"), "s3:GetObject", OBJECT, absent()), Verdict::Yes);
    // An entry of another service is not the resource whatever the variable: the Deny applies.
    let cluster = "arn:aws:sagemaker:us-west-2:111122223333:cluster/c";
    assert_eq!(verdict(&not("Deny"), "sagemaker:DescribeCluster", cluster, absent()), Verdict::No);
}

#[test]
fn escapes_stand_for_literal_wildcard_characters() {
    let d = role_with(vec![allow(json!("s3:GetObject"), json!("arn:aws:s3:::b/${*}${?}${$}"))]);
    assert_eq!(verdict(&d, "s3:GetObject", "arn:aws:s3:::b/*?$", Context::new()), Verdict::Yes);
    assert_eq!(verdict(&d, "s3:GetObject", "arn:aws:s3:::b/xy$", Context::new()), Verdict::No);
}

#[test]
fn a_default_applies_when_the_key_is_absent() {
    let d = role_with(vec![allow(json!("s3:GetObject"), json!("arn:aws:s3:::b/${aws:PrincipalTag/team, 'none'}/*"))]);
    let absent = Context::new().absent("aws:PrincipalTag/team");
    assert_eq!(verdict(&d, "s3:GetObject", "arn:aws:s3:::b/none/k", absent), Verdict::Yes);
}

fn conditional(op: &str, key: &str, values: serde_json::Value) -> Deployment {
    role_with(vec![json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "C", "Effect": "Allow", "Action": "iam:PassRole", "Resource": "*", "Condition": {op: {key: values}}}]})])
}

fn pass(d: &Deployment, context: Context) -> Verdict {
    verdict(d, "iam:PassRole", "arn:aws:iam::111122223333:role/x", context)
}

#[test]
fn string_operators() {
    let key = "iam:PassedToService";
    let d = conditional("StringEquals", key, json!(["sagemaker.amazonaws.com", "eks.amazonaws.com"]));
    assert_eq!(pass(&d, Context::new().with(key, "eks.amazonaws.com")), Verdict::Yes, "values are ORed");
    assert_eq!(pass(&d, Context::new().with(key, "ec2.amazonaws.com")), Verdict::No);
    assert_eq!(pass(&d, Context::new().with(key, "SageMaker.amazonaws.com")), Verdict::No, "case-sensitive");
    assert_eq!(pass(&d, Context::new().absent(key)), Verdict::No, "a missing key does not match");
    match pass(&d, Context::new()) {
        Verdict::If(reqs) => {
            assert_eq!(reqs, ["StringEquals iam:PassedToService [sagemaker.amazonaws.com, eks.amazonaws.com]"])
        }
        other => panic!("{other:?}"),
    }
    let d = conditional("StringEqualsIgnoreCase", key, json!("sagemaker.amazonaws.com"));
    assert_eq!(pass(&d, Context::new().with(key, "SageMaker.AmazonAWS.com")), Verdict::Yes);
    let d = conditional("StringNotEquals", key, json!("ec2.amazonaws.com"));
    assert_eq!(pass(&d, Context::new().with(key, "sagemaker.amazonaws.com")), Verdict::Yes);
    assert_eq!(pass(&d, Context::new().with(key, "ec2.amazonaws.com")), Verdict::No);
    assert_eq!(pass(&d, Context::new().absent(key)), Verdict::Yes, "a negated operator holds on a missing key");
    let d = conditional("StringLike", key, json!("*.amazonaws.com"));
    assert_eq!(pass(&d, Context::new().with(key, "sagemaker.amazonaws.com")), Verdict::Yes);
    assert_eq!(pass(&d, Context::new().with(key, "amazonaws.com")), Verdict::No);
    let d = conditional("StringNotLike", key, json!("ec2.*"));
    assert_eq!(pass(&d, Context::new().with(key, "ec2.amazonaws.com")), Verdict::No);
    assert_eq!(pass(&d, Context::new().with(key, "sagemaker.amazonaws.com")), Verdict::Yes);
}

#[test]
fn condition_values_take_policy_variables() {
    // The session-id condition of permissions.md version 2 for ssm:TerminateSession.
    let key = "ssm:resourceTag/aws:ssmmessages:session-id";
    let d = conditional("StringLike", key, json!("${aws:userid}"));
    let own = Context::new().with("aws:userid", "AROAEXAMPLE:alice").with(key, "AROAEXAMPLE:alice");
    assert_eq!(pass(&d, own), Verdict::Yes);
    let other = Context::new().with("aws:userid", "AROAEXAMPLE:alice").with(key, "AROAOTHER:bob");
    assert_eq!(pass(&d, other), Verdict::No);
    match pass(&d, Context::new().with(key, "AROAOTHER:bob")) {
        Verdict::If(reqs) => assert!(reqs[0].contains("`aws:userid`"), "{reqs:?}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn arn_bool_null_and_numeric_operators() {
    let key = "aws:SourceArn";
    let d = conditional("ArnLike", key, json!("arn:aws:sagemaker:*:111122223333:cluster/*"));
    assert_eq!(
        pass(&d, Context::new().with(key, "arn:aws:sagemaker:us-west-2:111122223333:cluster/abc")),
        Verdict::Yes
    );
    assert_eq!(pass(&d, Context::new().with(key, "arn:aws:sagemaker:us-west-2:444455556666:cluster/abc")), Verdict::No);
    let d = conditional("ArnNotEquals", key, json!("arn:aws:sagemaker:us-west-2:111122223333:cluster/abc"));
    assert_eq!(pass(&d, Context::new().with(key, "arn:aws:sagemaker:us-west-2:111122223333:cluster/abc")), Verdict::No);
    assert_eq!(
        pass(&d, Context::new().with(key, "arn:aws:sagemaker:us-west-2:111122223333:cluster/xyz")),
        Verdict::Yes
    );
    let d = conditional("ArnNotLike", key, json!("arn:aws:sagemaker:*:*:cluster/*"));
    assert_eq!(pass(&d, Context::new().with(key, "arn:aws:sagemaker:us-west-2:111122223333:cluster/x")), Verdict::No);

    let d = conditional("Bool", "aws:SecureTransport", json!(true));
    assert_eq!(pass(&d, Context::new().with("aws:SecureTransport", "true")), Verdict::Yes);
    assert_eq!(pass(&d, Context::new().with("aws:SecureTransport", "false")), Verdict::No);

    let d = conditional("Null", "aws:TokenIssueTime", json!("true"));
    assert_eq!(pass(&d, Context::new().absent("aws:TokenIssueTime")), Verdict::Yes);
    assert_eq!(pass(&d, Context::new().with("aws:TokenIssueTime", "2026-01-01T00:00:00Z")), Verdict::No);
    assert!(matches!(pass(&d, Context::new()), Verdict::If(_)));

    let d = conditional("NumericLessThanEquals", "aws:MultiFactorAuthAge", json!("3600"));
    assert_eq!(pass(&d, Context::new().with("aws:MultiFactorAuthAge", "60")), Verdict::Yes);
    assert_eq!(pass(&d, Context::new().with("aws:MultiFactorAuthAge", "7200")), Verdict::No);
    assert_eq!(pass(&d, Context::new().with("aws:MultiFactorAuthAge", "soon")), Verdict::No);
    let d = conditional("NumericGreaterThan", "s3:max-keys", json!(10));
    assert_eq!(pass(&d, Context::new().with("s3:max-keys", "11")), Verdict::Yes);
    let d = conditional("NumericNotEquals", "s3:max-keys", json!(10));
    assert_eq!(pass(&d, Context::new().with("s3:max-keys", "10")), Verdict::No);
}

#[test]
fn if_exists_holds_on_a_missing_key_and_checks_a_present_one() {
    let key = "iam:PassedToService";
    let d = conditional("StringEqualsIfExists", key, json!("sagemaker.amazonaws.com"));
    assert_eq!(pass(&d, Context::new().absent(key)), Verdict::Yes);
    assert_eq!(pass(&d, Context::new().with(key, "sagemaker.amazonaws.com")), Verdict::Yes);
    assert_eq!(pass(&d, Context::new().with(key, "ec2.amazonaws.com")), Verdict::No);
    assert!(matches!(pass(&d, Context::new()), Verdict::If(_)), "not given is neither present nor absent");
}

#[test]
fn set_operators_on_multivalued_keys() {
    let key = "aws:TagKeys";
    let all = conditional("ForAllValues:StringEquals", key, json!(["team", "owner"]));
    let any = conditional("ForAnyValue:StringEquals", key, json!(["team"]));
    let mut both = Context::new();
    both.set(key, ["team", "owner"]);
    let mut extra = Context::new();
    extra.set(key, ["team", "cost"]);
    assert_eq!(pass(&all, both.clone()), Verdict::Yes);
    assert_eq!(pass(&all, extra.clone()), Verdict::No, "every value must be listed");
    assert_eq!(pass(&all, Context::new().absent(key)), Verdict::Yes, "ForAllValues holds on a missing key");
    assert_eq!(pass(&any, extra), Verdict::Yes);
    let mut none = Context::new();
    none.set(key, ["cost"]);
    assert_eq!(pass(&any, none), Verdict::No);
    assert_eq!(pass(&any, Context::new().absent(key)), Verdict::No);
}

#[test]
fn several_keys_and_operators_are_anded() {
    let d = role_with(vec![
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sagemaker:AddTags",
        "Resource": "*", "Condition": {
            "StringEquals": {"sagemaker:TaggingAction": "CreateCluster", "aws:RequestedRegion": "us-west-2"},
            "Bool": {"aws:SecureTransport": "true"}}}]}),
    ]);
    let full = Context::new()
        .with("sagemaker:TaggingAction", "CreateCluster")
        .with("aws:RequestedRegion", "us-west-2")
        .with("aws:SecureTransport", "true");
    assert_eq!(verdict(&d, "sagemaker:AddTags", "*", full.clone()), Verdict::Yes);
    let wrong = full.clone().with("aws:RequestedRegion", "eu-west-1");
    assert_eq!(verdict(&d, "sagemaker:AddTags", "*", wrong), Verdict::No);
    let partial = Context::new().with("sagemaker:TaggingAction", "CreateCluster");
    match verdict(&d, "sagemaker:AddTags", "*", partial) {
        Verdict::If(reqs) => assert_eq!(reqs.len(), 2, "{reqs:?}"),
        other => panic!("{other:?}"),
    }
    // A condition that fails settles it even when another is open.
    let failed = Context::new().with("sagemaker:TaggingAction", "UpdateCluster");
    assert_eq!(verdict(&d, "sagemaker:AddTags", "*", failed), Verdict::No);
}

#[test]
fn a_deny_that_may_apply_makes_an_allow_conditional() {
    let d = role_with(vec![
        allow(json!("s3:GetObject"), json!("*")),
        json!({"Version": "2012-10-17", "Statement": [{"Sid": "TlsOnly", "Effect": "Deny", "Action": "*", "Resource": "*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}),
    ]);
    match verdict(&d, "s3:GetObject", OBJECT, Context::new()) {
        Verdict::If(reqs) => assert!(reqs[0].starts_with("not (test.json TlsOnly"), "{reqs:?}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(verdict(&d, "s3:GetObject", OBJECT, Context::new().with("aws:SecureTransport", "false")), Verdict::No);
    assert_eq!(verdict(&d, "s3:GetObject", OBJECT, Context::new().with("aws:SecureTransport", "true")), Verdict::Yes);
}

#[test]
fn a_permissions_boundary_is_intersected() {
    let boundary = "arn:aws:iam::111122223333:policy/Boundary";
    let mut d = role_with(vec![allow(json!(["s3:*", "sagemaker:*"]), json!("*"))]);
    d.roles.get_mut(ROLE).unwrap().permissions_boundary = Some(boundary.to_owned());
    // Contents unknown: never guessed.
    let a = ask(&d, Request::new("s3:GetObject", OBJECT));
    assert_eq!(a.verdict, Verdict::Unknown(vec![format!("permissions boundary {boundary}")]));
    d.known_policies.insert(boundary.to_owned(), policy(allow(json!("s3:*"), json!("*"))));
    assert_eq!(verdict(&d, "s3:GetObject", OBJECT, Context::new()), Verdict::Yes, "in both");
    let a = ask(&d, Request::new("sagemaker:DeleteCluster", "*"));
    assert_eq!(a.verdict, Verdict::No, "allowed by the identity policy, outside the boundary");
    assert!(a.explanation[1].contains("implicit deny"), "{:?}", a.explanation);
    assert_eq!(verdict(&d, "ec2:RunInstances", "*", Context::new()), Verdict::No, "in neither");
    // The boundary alone grants nothing.
    d.known_policies.insert(boundary.to_owned(), policy(allow(json!("*"), json!("*"))));
    assert_eq!(verdict(&d, "ec2:RunInstances", "*", Context::new()), Verdict::No);
}

#[test]
fn managed_policies_attached_by_arn_are_unknown_never_guessed() {
    let managed = "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess";
    let mut d = role_with(vec![allow(json!("s3:GetObject"), json!("*"))]);
    d.roles.get_mut(ROLE).unwrap().managed_policy_arns.push(managed.to_owned());
    assert_eq!(
        verdict(&d, "sagemaker:CreateCluster", "*", Context::new()),
        Verdict::Unknown(vec![format!("managed policy {managed}")])
    );
    let a = ask(&d, Request::new("s3:GetObject", OBJECT));
    assert_eq!(a.verdict, Verdict::Yes);
    assert!(a.explanation[1].contains(managed), "the answer says what it did not read: {:?}", a.explanation);
}

#[test]
fn trust_policies_match_the_caller_and_session_tags() {
    let mut d = role_with(vec![]);
    d.roles.get_mut(ROLE).unwrap().trust = policy(json!({"Version": "2012-10-17", "Statement": [{"Sid": "Pods",
        "Effect": "Allow", "Principal": {"Service": "pods.eks.amazonaws.com"}, "Action": ["sts:AssumeRole", "sts:TagSession"],
        "Condition": {"StringEquals": {"aws:RequestTag/kubernetes-namespace": "nlp"}}}]}));
    let assume = |caller: Caller, ns: &str| {
        let request = Request::new("sts:AssumeRole", "*")
            .by(caller)
            .with_context(Context::new().with("aws:RequestTag/kubernetes-namespace", ns));
        d.ask(&Question::Assume { role: ROLE.to_owned(), request }).unwrap().verdict
    };
    assert_eq!(assume(Caller::Service("pods.eks.amazonaws.com".into()), "nlp"), Verdict::Yes);
    assert_eq!(assume(Caller::Service("pods.eks.amazonaws.com".into()), "vision"), Verdict::No);
    assert_eq!(assume(Caller::Service("ec2.amazonaws.com".into()), "nlp"), Verdict::No);
    assert_eq!(assume(Caller::Aws("arn:aws:iam::111122223333:role/x".into()), "nlp"), Verdict::No);
}

#[test]
fn an_account_principal_trusts_every_principal_of_that_account() {
    let p = Principals { aws: vec!["111122223333".into()], ..Principals::default() };
    let s = Statement {
        sid: None,
        effect: crate::model::Effect::Allow,
        principal: Some(p),
        actions: Items::Is(vec!["sts:AssumeRole".into()]),
        resources: None,
        conditions: Vec::new(),
    };
    let trust = Policy { source: "t".into(), statements: vec![s] };
    let by = |arn: &str| iam::decide(&[&trust], &Request::new("sts:AssumeRole", "*").by(Caller::Aws(arn.into())));
    assert!(matches!(by("arn:aws:iam::111122223333:role/Anyone"), Decision::Allowed(_)));
    assert_eq!(by("arn:aws:iam::444455556666:role/Anyone"), Decision::ImplicitlyDenied);
}

#[test]
fn an_unknown_role_is_an_error() {
    let d = Deployment::default();
    let q = Question::Iam { role: "nobody".into(), request: Request::new("s3:GetObject", "*") };
    assert_eq!(d.ask(&q), Err(AskError::UnknownRole("nobody".into())));
}

// ---------------------------------------------------------------------------------------------
// Kubernetes

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

// ---------------------------------------------------------------------------------------------
// Readers

fn env() -> Environment {
    Environment { partition: "aws".into(), region: "us-west-2".into(), account: "111122223333".into() }
}

const TEMPLATE: &str = r#"
Resources:
  Team:
    Type: AWS::IAM::Role
    Properties:
      RoleName: team
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {AWS: [arn:aws:iam::111122223333:role/People]}
            Action: sts:AssumeRole
      PermissionsBoundary: {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/B"}
  TeamPolicy:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Sid: Terminate
            Effect: Allow
            Action: ssm:TerminateSession
            Resource: {"Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:session/${!aws:userid}-*"}
          - Sid: Pass
            Effect: Allow
            Action: iam:PassRole
            Resource: {"Fn::GetAtt": [Team, Arn]}
          - Sid: Joined
            Effect: Allow
            Action: s3:GetObject
            Resource: {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::", {"Ref": Team}, "/*"]]}
      Roles: [{Ref: Team}]
  Entry:
    Type: AWS::EKS::AccessEntry
    Properties:
      ClusterName: eks
      PrincipalArn: {"Fn::GetAtt": [Team, Arn]}
      KubernetesGroups: [g]
"#;

#[test]
fn the_cloudformation_reader_resolves_intrinsics_for_the_environment() {
    let d = read::read_cloudformation("cloudformation.yaml", TEMPLATE, &env()).unwrap();
    let team = &d.roles["team"];
    assert_eq!(team.arn, "arn:aws:iam::111122223333:role/team");
    assert_eq!(team.permissions_boundary.as_deref(), Some("arn:aws:iam::111122223333:policy/B"));
    let statements = &team.policies[0].statements;
    assert_eq!(
        statements[0].resources,
        Some(Items::Is(vec!["arn:aws:ssm:us-west-2:111122223333:session/${aws:userid}-*".into()]))
    );
    assert_eq!(statements[1].resources, Some(Items::Is(vec![team.arn.clone()])));
    assert_eq!(statements[2].resources, Some(Items::Is(vec!["arn:aws:s3:::team/*".into()])));
    assert_eq!(d.access_entries[&team.arn].kubernetes_groups, ["g"]);
    assert_eq!(team.policies[0].label(0), "cloudformation.yaml TeamPolicy Terminate");
}

#[test]
fn the_cloudformation_reader_refuses_what_it_does_not_understand() {
    let bad = TEMPLATE.replace(
        "{\"Fn::GetAtt\": [Team, Arn]}\n          - Sid: Joined",
        "{\"Fn::ImportValue\": x}\n          - Sid: Joined",
    );
    let err = read::read_cloudformation("cloudformation.yaml", &bad, &env()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cloudformation.yaml: Resources.TeamPolicy.Properties.PolicyDocument.Statement[1].Resource: \
         intrinsic function `Fn::ImportValue` is not understood"
    );
    let bad = TEMPLATE.replace("Roles: [{Ref: Team}]", "Roles: [elsewhere]");
    let err = read::read_cloudformation("cloudformation.yaml", &bad, &env()).unwrap_err();
    assert!(err.to_string().contains("role `elsewhere` is not created here"), "{err}");
    let err = read::read_cloudformation("cloudformation.yaml", "Resources: [\n", &env()).unwrap_err();
    assert!(err.at.starts_with("line "), "{err:?}");
}

#[test]
fn the_model_and_its_rendered_template_give_the_same_answers() {
    use crate::emit::Registry;
    let source = crate::spec::Source::example();
    let model = crate::spec::load(&source).unwrap();
    let from_model = Deployment::from_model(&model, &env());
    let registry = Registry::builtin();
    let mut files = BTreeMap::new();
    for name in ["cloudformation", "kubernetes"] {
        let emitter = registry.get(name).unwrap();
        for artifact in emitter.emit(&model).unwrap() {
            files.insert(artifact.path.clone(), artifact.contents.clone());
        }
    }
    let from_files = read::deployment(
        ("cloudformation.yaml", &files["cloudformation.yaml"]),
        Some(("rbac.yaml", &files["rbac.yaml"])),
        &env(),
    )
    .unwrap();
    assert_eq!(from_model.roles.keys().collect::<Vec<_>>(), from_files.roles.keys().collect::<Vec<_>>());
    let scientist = from_model.roles.keys().find(|k| k.contains("scientist")).unwrap().clone();
    let questions = [
        Question::Iam { role: scientist.clone(), request: Request::new("sagemaker:ListClusters", "*") },
        Question::Iam { role: scientist.clone(), request: Request::new("sagemaker:DeleteCluster", "*") },
        Question::Kube { role: scientist.clone(), request: KubeRequest::new("list", "", "nodes") },
    ];
    for q in &questions {
        assert_eq!(from_model.ask(q).unwrap().verdict, from_files.ask(q).unwrap().verdict, "{q:?}");
    }
}

#[test]
fn short_form_tags_read_as_their_long_form() {
    let template = r#"
Resources:
  Team:
    Type: AWS::IAM::Role
    Properties:
      RoleName: !Sub "${AWS::Region}-team"
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Service: !Ref AWS::URLSuffix}
            Action: sts:AssumeRole
  TeamPolicy:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: iam:PassRole
            Resource:
              - !GetAtt Team.Arn
              - !Join ["", ["arn:", !Ref "AWS::Partition", ":s3:::b"]]
              - !Sub
                - "arn:${AWS::Partition}:s3:::${Bucket}/*"
                - Bucket: !Ref Team
            Condition:
              Bool: {"aws:SecureTransport": true}
      Roles: [!Ref Team]
"#;
    let d = read::read_cloudformation("t.yaml", template, &env()).unwrap();
    let team = &d.roles["us-west-2-team"];
    assert_eq!(
        team.policies[0].statements[0].resources,
        Some(Items::Is(vec![
            "arn:aws:iam::111122223333:role/us-west-2-team".into(),
            "arn:aws:s3:::b".into(),
            "arn:aws:s3:::us-west-2-team/*".into(),
        ]))
    );
    assert_eq!(team.trust.statements[0].principal.as_ref().unwrap().services, ["amazonaws.com"]);
    assert_eq!(team.policies[0].statements[0].conditions[0].values, ["true"]);
}

#[test]
fn the_fast_action_matcher_agrees_with_the_pattern_matcher() {
    use super::pattern::{Pattern, plain_matches, plain_matches_arn};
    let patterns =
        ["*", "s3:*", "s3:Get*", "s3:?etObject", "s3:*Object", "*:*", "s3:G*t*", "S3:GETOBJECT", "s3:", "", "é*"];
    let names = ["s3:GetObject", "s3:PutObject", "s3:getobject", "s3:", "", "sagemaker:GetObject", "é3"];
    for p in patterns {
        for n in names {
            for ignore_case in [true, false] {
                assert_eq!(
                    plain_matches(p, n, ignore_case),
                    Pattern::plain(p).matches(n, ignore_case),
                    "{p} {n} {ignore_case}"
                );
            }
        }
    }
    let arns =
        ["arn:aws:s3:::b/k", "arn:aws:s3:::b/k:v", "arn:aws:sagemaker:us-west-2:1:cluster/c", "b/k", "*", "arn:aws:s3"];
    let arn_patterns =
        ["*", "arn:aws:s3:::b/*", "arn:*:s3:::*", "arn:aws:s3:::b/k:*", "arn:aws:*:*:*:cluster/*", "b/*", "arn:aws:s3"];
    for p in arn_patterns {
        for a in arns {
            assert_eq!(plain_matches_arn(p, a), Pattern::plain(p).matches_arn(a), "{p} {a}");
        }
    }
}

/// `tasks::run` fills a request line and reads it into a question once for personas that give
/// its placeholders the same values, and finds each user's ClusterRoleBindings once: each
/// persona must get what it gets run alone, and each check the answer of its own question
/// asked afresh of its persona's role.
#[test]
fn the_matrix_answers_each_check_as_its_own_question() {
    let mut text = String::from(
        "name: scale\norchestrator: eks\ncluster: { eksClusterName: scale-eks }\n\
         options: { podIdentity: true, taskGovernance: true, nodeAccess: true }\n\
         admins:\n  - name: ops\n    trustedPrincipals: [\"111122223333\"]\nscientists:\n",
    );
    for (i, extra) in
        ["", "    namespace: shared-ns\n", "", "    podRole: { serviceAccount: job }\n"].iter().enumerate()
    {
        text.push_str(&format!("  - name: team{i}\n    trustedPrincipals: [\"111122223333\"]\n{extra}"));
        if !extra.contains("podRole") {
            text.push_str(&format!("    podRole: {{ serviceAccount: train, s3Buckets: [scale-team{i}-data] }}\n"));
        }
    }
    text.push_str("executionRoles:\n  - name: compute\n    s3Buckets: [scale-lifecycle]\n  - name: other\n");
    let source = crate::spec::Source { name: "teams.yaml".to_owned(), text };
    let config = crate::spec::read(&source).unwrap().config;
    let model = crate::model::build(&config);
    let env = tasks::environment(&model);
    let deployment = Deployment::from_model(&model, &env);
    let personas = tasks::personas(&config, &model, &env);
    let checks = tasks::Tasks::builtin().unwrap();
    let runs = tasks::run(&checks, &deployment, &personas, true).unwrap();
    // Each persona run on its own: no line filled for another persona.
    for (run, persona) in runs.iter().zip(&personas) {
        let alone = tasks::run(&checks, &deployment, std::slice::from_ref(persona), true).unwrap();
        assert_eq!(alone.as_slice(), std::slice::from_ref(run), "{}", persona.id());
    }
    let mut asked = 0;
    for run in &runs {
        let role = &run.persona.role_name;
        for check in &run.checks {
            let question = match check.kind {
                "aws" => tasks::aws_question(role, &check.request),
                "k8s" => tasks::k8s_question(role, &check.request),
                "assume" => tasks::assume_question(role, &check.request),
                _ => continue,
            };
            let fresh = deployment.ask(&question.unwrap()).unwrap();
            assert_eq!(check.answer, fresh, "{} {} {}", run.persona.id(), check.label, check.request);
            asked += 1;
        }
    }
    assert!(runs.len() >= 10 && asked > 500, "{} personas, {asked} questions", runs.len());
}
