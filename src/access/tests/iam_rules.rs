//! IAM's evaluation rules: actions, resources, policy variables, conditions, deny, boundaries
//! and trust.

use serde_json::json;

use super::*;

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
    assert_eq!(bare(&d, "sagemaker:DescribeCluster", "*"), Verdict::Yes);
    assert_eq!(bare(&d, "eks:ListAccessEntries", "*"), Verdict::Yes);
    assert_eq!(bare(&d, "s3:GetObject", "*"), Verdict::Yes);
    assert_eq!(bare(&d, "s3:GetObjectAcl", "*"), Verdict::No, "`?` is exactly one character");
    assert_eq!(bare(&d, "eks:DescribeCluster", "*"), Verdict::No);
}

#[test]
fn not_action_allows_everything_but_the_listed_actions() {
    let d = role_with(vec![json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]})]);
    assert_eq!(bare(&d, "s3:GetObject", OBJECT), Verdict::Yes);
    assert_eq!(bare(&d, "iam:PassRole", "*"), Verdict::No);
    // NotAction with Deny: deny everything except the listed actions.
    let d = role_with(vec![
        allow(json!("*"), json!("*")),
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "NotAction": ["sts:*"], "Resource": "*"}]}),
    ]);
    assert_eq!(bare(&d, "sts:GetCallerIdentity", "*"), Verdict::Yes);
    assert_eq!(bare(&d, "s3:GetObject", OBJECT), Verdict::No);
}

#[test]
fn resources_match_case_sensitively_with_wildcards_per_arn_part() {
    let d = role_with(vec![allow(
        json!("s3:GetObject"),
        json!(["arn:aws:s3:::b/*", "arn:aws:ec2:*:*:network-interface/eni-???"]),
    )]);
    assert_eq!(bare(&d, "s3:GetObject", OBJECT), Verdict::Yes);
    assert_eq!(bare(&d, "s3:GetObject", "arn:aws:s3:::B/k"), Verdict::No, "case-sensitive");
    assert_eq!(bare(&d, "s3:GetObject", BUCKET), Verdict::No, "b/* does not match the bucket");
    assert_eq!(bare(&d, "s3:GetObject", "arn:aws:ec2:us-west-2:111122223333:network-interface/eni-abc"), Verdict::Yes);
    assert_eq!(bare(&d, "s3:GetObject", "arn:aws:ec2:us-west-2:111122223333:network-interface/eni-abcd"), Verdict::No);
    // Another account or region is another resource.
    let d = role_with(vec![allow(json!("eks:DescribeCluster"), json!("arn:aws:eks:*:111122223333:cluster/x"))]);
    assert_eq!(bare(&d, "eks:DescribeCluster", "arn:aws:eks:us-west-2:111122223333:cluster/x"), Verdict::Yes);
    assert_eq!(bare(&d, "eks:DescribeCluster", "arn:aws:eks:us-west-2:444455556666:cluster/x"), Verdict::No);
}

#[test]
fn not_resource_allows_every_other_resource() {
    let d = role_with(vec![json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::secret/*"}]})]);
    assert_eq!(bare(&d, "s3:GetObject", OBJECT), Verdict::Yes);
    assert_eq!(bare(&d, "s3:GetObject", "arn:aws:s3:::secret/k"), Verdict::No);
}

#[test]
fn policy_variables_come_from_the_request_context() {
    let d = role_with(vec![allow(json!("s3:GetObject"), json!("arn:aws:s3:::home/${aws:username}/*"))]);
    let alice = Context::new().with("aws:username", "alice");
    assert_eq!(verdict(&d, "s3:GetObject", "arn:aws:s3:::home/alice/notes", alice.clone()), Verdict::Yes);
    assert_eq!(verdict(&d, "s3:GetObject", "arn:aws:s3:::home/bob/notes", alice), Verdict::No);
    // Not given: the answer hangs on it.
    match bare(&d, "s3:GetObject", "arn:aws:s3:::home/alice/notes") {
        Verdict::If(reqs) => assert!(reqs[0].contains("aws:username"), "{reqs:?}"),
        other => panic!("{other:?}"),
    }
    // Not given, but no value could match: a plain no.
    assert_eq!(bare(&d, "s3:GetObject", "arn:aws:s3:::elsewhere/alice/notes"), Verdict::No);
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
    assert_eq!(bare(&d, "s3:GetObject", "arn:aws:s3:::b/*?$"), Verdict::Yes);
    assert_eq!(bare(&d, "s3:GetObject", "arn:aws:s3:::b/xy$"), Verdict::No);
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
    match bare(&d, "s3:GetObject", OBJECT) {
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
    assert_eq!(bare(&d, "s3:GetObject", OBJECT), Verdict::Yes, "in both");
    let a = ask(&d, Request::new("sagemaker:DeleteCluster", "*"));
    assert_eq!(a.verdict, Verdict::No, "allowed by the identity policy, outside the boundary");
    assert!(a.explanation[1].contains("implicit deny"), "{:?}", a.explanation);
    assert_eq!(bare(&d, "ec2:RunInstances", "*"), Verdict::No, "in neither");
    // The boundary alone grants nothing.
    d.known_policies.insert(boundary.to_owned(), policy(allow(json!("*"), json!("*"))));
    assert_eq!(bare(&d, "ec2:RunInstances", "*"), Verdict::No);
}

#[test]
fn managed_policies_attached_by_arn_are_unknown_never_guessed() {
    let managed = "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess";
    let mut d = role_with(vec![allow(json!("s3:GetObject"), json!("*"))]);
    d.roles.get_mut(ROLE).unwrap().managed_policy_arns.push(managed.to_owned());
    assert_eq!(bare(&d, "sagemaker:CreateCluster", "*"), Verdict::Unknown(vec![format!("managed policy {managed}")]));
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
        actions: Items::Is(vec!["sts:AssumeRole".into()].into()),
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

#[test]
fn a_decision_names_its_statement_only_when_shown_and_the_same_either_way() {
    let unnamed = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}]});
    let d = role_with(vec![allow(json!("s3:GetObject"), json!(OBJECT)), unnamed]);
    let Some(role) = d.roles.values().next() else { panic!("no role") };
    let policies: Vec<&Policy> = role.policies.iter().collect();
    for action in ["s3:GetObject", "s3:ListBucket", "s3:DeleteObject", "s3:PutObject"] {
        let request = Request::new(action, OBJECT);
        let at = iam::decide_at(&policies, &request.view());
        let labelled = iam::decide(&policies, &request);
        assert_eq!(at.to_string(), labelled.to_string(), "{action}");
    }
    let denied = iam::decide(&policies, &Request::new("s3:DeleteObject", OBJECT));
    assert_eq!(denied, Decision::Denied("test.json statement 2".into()));
}
