use super::*;
use minijinja::context;
use minijinja::value::Serde;

fn render(template: &str, ctx: Value) -> Result<String, Error> {
    let mut env = Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    register(&mut env);
    register_text(&mut env, Arc::new(BTreeMap::from([("exec-x".to_owned(), "r-exec-x".to_owned())])));
    env.render_str(template, ctx)
}

#[test]
fn yaml_str_quotes_as_the_yaml_filter_does() {
    let mut cases: Vec<String> = (0u32..0x80).filter_map(char::from_u32).map(String::from).collect();
    cases.extend(
        [
            "",
            "yes",
            "NULL",
            "a b",
            "-a",
            "a\u{7f}b",
            "é",
            "ç|`x`",
            "\u{2028}\u{feff}😀",
            "a\"b\\c\r\n\t\u{8}\u{c}\u{1f}",
        ]
        .map(str::to_owned),
    );
    for s in cases {
        let mut out = String::new();
        write_yaml_str(&s, &mut out);
        assert_eq!(out, yaml(&Value::from(s.as_str())).unwrap_or_default(), "{s:?}");
        if !is_plain_yaml(&s) {
            assert_eq!(out, serde_json::to_string(&s).unwrap_or_default(), "{s:?}");
        }
    }
}

#[test]
fn yaml_quotes_what_a_yaml_1_1_reader_would_misread() {
    let cases = [
        ("nlp", "nlp"),
        ("app.kubernetes.io/part-of", "app.kubernetes.io/part-of"),
        ("yes", "\"yes\""),
        ("On", "\"On\""),
        ("2012-10-17", "\"2012-10-17\""),
        ("", "\"\""),
        ("a: b", "\"a: b\""),
        ("arn:aws:iam::1:role/x", "\"arn:aws:iam::1:role/x\""),
        ("${AWS_REGION}", "\"${AWS_REGION}\""),
        ("say \"hi\"\n", "\"say \\\"hi\\\"\\n\""),
    ];
    for (input, want) in cases {
        assert_eq!(render("{{ v|yaml }}", context! { v => input }).unwrap(), want, "{input:?}");
    }
    assert_eq!(render("{{ v|yaml }}", context! { v => vec!["a", "", "on"] }).unwrap(), "[a, \"\", \"on\"]");
    assert_eq!(render("{{ v|yaml }}", context! { v => 3 }).unwrap(), "3");
}

#[test]
fn markdown_code_and_csv_escape_their_syntax() {
    assert_eq!(render("{{ v|md }}", context! { v => "a|b *c* [d]\nx" }).unwrap(), "a\\|b \\*c\\* \\[d\\] x");
    assert_eq!(render("{{ v|code }}", context! { v => "s3:Get*" }).unwrap(), "`s3:Get*`");
    assert_eq!(render("{{ v|code }}", context! { v => "a`b|c" }).unwrap(), "``a`b\\|c``");
    assert_eq!(render("{{ v|csv }}", context! { v => "plain" }).unwrap(), "plain");
    assert_eq!(render("{{ v|csv }}", context! { v => "a,\"b\"" }).unwrap(), "\"a,\"\"b\"\"\"");
    assert_eq!(render("{{ v|csv }}", context! { v => "two\nlines" }).unwrap(), "\"two\nlines\"");
}

#[test]
fn code_writes_plain_values_as_they_are_and_fences_the_rest() {
    let cases = [
        ("s3:Get*", "`s3:Get*`"),
        ("ü/ß 😀", "`ü/ß 😀`"),
        ("${aws:userid}", "`${aws:userid}`"),
        ("a|b", "`a\\|b`"),
        ("two\r\nlines", "`two  lines`"),
        ("a`b", "``a`b``"),
        ("`a``", "``` `a`` ```"),
        ("", "`\"\"`"),
        (" \n", "`\"  \"`"),
    ];
    for (input, want) in cases {
        let mut out = String::from("x");
        write_code(input, &mut out);
        assert_eq!(out, format!("x{want}"), "{input:?}");
        assert_eq!(code(&Value::from(input)), want, "{input:?}");
    }
}

fn parts_value() -> Value {
    Value::from(Serde(serde_json::json!([
        {"kind": "lit", "value": "arn:"}, {"kind": "partition"}, {"kind": "lit", "value": ":ssm:"},
        {"kind": "region"}, {"kind": "lit", "value": ":"}, {"kind": "account"},
        {"kind": "lit", "value": ":session/"}, {"kind": "policyVar", "value": "aws:userid"},
        {"kind": "lit", "value": "-*"}
    ])))
}

#[test]
fn text_writes_symbols_for_each_target_and_pinned_values_literally() {
    let unpinned = serde_json::json!({"partition": null, "region": null, "account": null});
    let ctx = |target: serde_json::Value| context! { t => parts_value(), target => Value::from(Serde(target)) };
    let want = [
        ("spec", "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:session/${aws:userid}-*"),
        ("cloudformation", "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:session/${!aws:userid}-*"),
        (
            "terraform",
            "arn:${data.aws_partition.current.partition}:ssm:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:session/$${aws:userid}-*",
        ),
        ("env", "arn:${AWS_PARTITION}:ssm:${AWS_REGION}:${AWS_ACCOUNT_ID}:session/${aws:userid}-*"),
    ];
    for (style, expected) in want {
        let out = render(&format!("{{{{ t|text({style:?}) }}}}"), ctx(unpinned.clone())).unwrap();
        assert_eq!(out, expected, "{style}");
    }
    let err = render("{{ t|text('literal') }}", ctx(unpinned.clone())).unwrap_err();
    assert!(err.to_string().contains("does not pin `partition`"), "{err}");
    assert_eq!(render("{{ t is symbolic }}", ctx(unpinned)).unwrap(), "True");

    let pinned = serde_json::json!({"partition": "aws-cn", "region": "cn-north-1", "account": "111122223333"});
    let out = render("{{ t|text('literal') }}", ctx(pinned.clone())).unwrap();
    assert_eq!(out, "arn:aws-cn:ssm:cn-north-1:111122223333:session/${aws:userid}-*");
    assert_eq!(render("{{ t is symbolic }}", ctx(pinned)).unwrap(), "False");
}

#[test]
fn text_reads_parts_directly_and_leaves_what_is_not_a_part_to_the_deserializer() {
    let value = |v: serde_json::Value| Value::from(Serde(v));
    let parts = value(serde_json::json!([
        {"kind": "lit", "value": "a:"}, {"kind": "partition"}, {"kind": "region"}, {"kind": "account"},
        {"kind": "policyVar", "value": "aws:userid"}
    ]));
    let mut read = Vec::new();
    super::each_part(&parts, |part| {
        read.push(format!("{part:?}"));
        Ok(())
    })
    .unwrap();
    assert_eq!(read, ["Lit(\"a:\")", "Partition", "Region", "Account", "PolicyVar(\"aws:userid\")"]);
    for bad in [
        serde_json::json!([{"kind": "bogus"}]),
        serde_json::json!([{"kind": "lit"}]),
        serde_json::json!([{"kind": "lit", "value": 3}]),
        serde_json::json!(["lit"]),
    ] {
        let err = super::each_part(&value(bad.clone()), |_| Ok(())).unwrap_err().to_string();
        assert!(err.contains("`text` takes a text of the model (a list of parts): "), "{bad}: {err}");
    }
}

#[test]
fn text_names_a_role_arn_by_the_role_name_and_refuses_unknown_styles() {
    let target = serde_json::json!({"partition": "aws", "region": null, "account": null});
    let arn = serde_json::json!([{"kind": "roleArn", "value": "exec-x"}]);
    let ctx = context! { t => Value::from(Serde(arn)), target => Value::from(Serde(target)) };
    assert_eq!(render("{{ t|text }}", ctx.clone()).unwrap(), "arn:aws:iam::${AWS::AccountId}:role/r-exec-x");
    let err = render("{{ t|text('cfn') }}", ctx.clone()).unwrap_err();
    assert!(err.to_string().contains("unknown style `cfn`"), "{err}");
    let other = Value::from(Serde(serde_json::json!([{"kind": "roleArn", "value": "exec-y"}])));
    let err = render("{{ t|text }}", context! { t => other, ..ctx }).unwrap_err();
    assert!(err.to_string().contains("no role has id `exec-y`"), "{err}");
    assert_eq!(render("{{ 'a/b'|text('terraform') }}", context! {}).unwrap(), "a/b");
}

/// The sorting the README promises templates comes from minijinja's built-ins.
#[test]
fn sorting_filters_are_there() {
    let roles = serde_json::json!([{"roleName": "b"}, {"roleName": "a"}, {"roleName": "c"}]);
    let ctx =
        context! { roles => Value::from(Serde(roles)), m => Value::from(Serde(serde_json::json!({"z": 1, "a": 2}))) };
    let out = render(
        "{{ roles|sort(attribute='roleName')|map(attribute='roleName')|join(',') }} {{ [3, 1, 3]|unique|sort|join(',') }} {{ m|dictsort|map('first')|join(',') }}",
        ctx,
    )
    .unwrap();
    assert_eq!(out, "a,b,c 1,3 a,z");
}
