//! The readers of rendered files: CloudFormation (intrinsics and short-form tags) and RBAC,
//! checked against the model they were rendered from.

use std::collections::BTreeMap;

use super::*;

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
        Some(Items::Is(vec!["arn:aws:ssm:us-west-2:111122223333:session/${aws:userid}-*".into()].into()))
    );
    assert_eq!(statements[1].resources, Some(Items::Is(vec![team.arn.clone()].into())));
    assert_eq!(statements[2].resources, Some(Items::Is(vec!["arn:aws:s3:::team/*".into()].into())));
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
        Some(Items::Is(
            vec![
                "arn:aws:iam::111122223333:role/us-west-2-team".into(),
                "arn:aws:s3:::b".into(),
                "arn:aws:s3:::us-west-2-team/*".into(),
            ]
            .into()
        ))
    );
    assert_eq!(team.trust.statements[0].principal.as_ref().unwrap().services, ["amazonaws.com"]);
    assert_eq!(team.policies[0].statements[0].conditions[0].values, ["true"]);
}
