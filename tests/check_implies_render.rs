//! `check` is the promise to a user's CI: if it passes, `render` works. A property over generated
//! specs, hostile strings included (the ones found breaking that promise), with shrinking:
//! whenever `check` reports no error, every emitter that applies succeeds, its output parses
//! back, and no spec text reaches Terraform as an expression of its own.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hyperpod_iam::app;
use hyperpod_iam::emit::{Registry, Render};
use hyperpod_iam::spec::Source;
use proptest::prelude::*;

/// Values for `Resource` items: good ARNs, policy variables by IAM's grammar, and the strings
/// that reached Terraform as expressions or changed in silence.
const RESOURCES: &[&str] = &[
    "\"*\"",
    "\"arn:${AWS::Partition}:s3:::data/*\"",
    "\"arn:aws:s3:::data/${aws:username}/*\"",
    "\"arn:aws:s3:::data/${aws:PrincipalTag/team, 'none'}/*\"",
    "'arn:aws:s3:::data/${aws:username${file(\"/etc/hostname\")}/*'",
    "\"arn:aws:s3:::data/&{aws:username}/*\"",
    "\"arn:aws:s3:::data/%{ if true }x%{ endif }/*\"",
    "\"arn:aws:s3:::data/$${aws:username}\"",
    "\"arn:aws:s3:::data/${aws:username\"",
    "\"arn:aws:s3:::data/$\"",
    "\"arn:aws:s3:::data/\\e[2Jx\"",
    "not-an-arn",
    "0x1F",
];

const ACTIONS: &[&str] =
    &["s3:GetObject", "S3:GetObject", "s3:List*", "sagemaker:DescribeCluterNode", "iam:PassRole", "\"*\"", "on"];

const OPERATORS: &[&str] = &[
    "StringEquals",
    "StringLikeIfExists",
    "ForAnyValue:StringEquals",
    "ForAllValues:StringNotEqualsIfExists",
    "NumericLessThan",
    "Bool",
    "Null",
    "stringequals",
    "\"StringEquals\\u200B\"",
    "\"\"",
    "NullIfExists",
];

const KEYS: &[&str] = &["aws:PrincipalTag/team", "aws:SourceIpp", "s3:prefix", "iam:PassedToService", "x"];

const VALUES: &[&str] = &[
    "0x1F",
    "0o17",
    "1_000",
    "+12",
    "on",
    "False",
    "1.5",
    "3600",
    "\"${aws:username}\"",
    "'${aws:x%{ if true }y}'",
    "\"&{aws:userid}\"",
    "\"%{ for x in y }\"",
    "!Sub x",
    "~",
];

const MANAGED: &[&str] = &[
    "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess",
    "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
    "arn:aws:iam::111122223333:policy/team/Extra",
    "arn:aws:iam::111122223333:policy/Team-Extra",
    "arn:aws:iam::111122223333:policy/Team_Extra",
];

fn pick(pool: &'static [&'static str]) -> impl Strategy<Value = &'static str> {
    prop::sample::select(pool)
}

/// One extra statement, as YAML lines under `extraStatements:`.
fn statement() -> impl Strategy<Value = String> {
    (
        prop::option::of("[A-Za-z0-9]{1,16}"),
        prop::collection::vec(pick(ACTIONS), 1..3),
        prop::collection::vec(pick(RESOURCES), 1..3),
        0usize..700,
        prop::option::of((pick(OPERATORS), pick(KEYS), pick(VALUES))),
    )
        .prop_map(|(sid, actions, resources, buckets, condition)| {
            let mut s = String::new();
            if let Some(sid) = sid {
                s.push_str(&format!("      - Sid: {sid}\n        Effect: Allow\n"));
            } else {
                s.push_str("      - Effect: Allow\n");
            }
            s.push_str(&format!("        Action: [{}]\n        Resource:\n", actions.join(", ")));
            for r in resources {
                s.push_str(&format!("          - {r}\n"));
            }
            // Sometimes enough resources to split the policy.
            if buckets > 500 {
                for n in 0..buckets {
                    s.push_str(&format!("          - \"arn:aws:s3:::bucket-{n:04}/some/longer/prefix/*\"\n"));
                }
            }
            if let Some((op, key, value)) = condition {
                s.push_str(&format!("        Condition:\n          {op}:\n            {key}: {value}\n"));
            }
            s
        })
}

fn spec() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec(pick(MANAGED), 0..4),
        prop::collection::vec(statement(), 0..3),
        prop::option::of(pick(&["HP113", "HP106", "HP109", "HP13"])),
    )
        .prop_map(|(eks, pinned, console, managed, statements, ack)| {
            let mut s = format!("name: prop\norchestrator: {}\n", if eks { "eks" } else { "slurm" });
            if pinned {
                s.push_str("partition: aws\nregion: us-east-1\naccount: \"111122223333\"\n");
            }
            if eks {
                s.push_str("cluster: { eksClusterName: prop-eks }\noptions: { podIdentity: true }\n");
            }
            if console {
                s.push_str(if eks { "" } else { "options: { consoleAccess: true }\n" });
            }
            if let Some(code) = ack {
                s.push_str(&format!("acknowledge: [{{code: {code}, reason: generated}}]\n"));
            }
            s.push_str("admins:\n  - name: ops\n    trustedPrincipals: [\"111122223333\"]\n");
            if !managed.is_empty() {
                s.push_str(&format!("    managedPolicyArns: [{}]\n", managed.join(", ")));
            }
            if !statements.is_empty() {
                s.push_str("    extraStatements:\n");
                for st in &statements {
                    s.push_str(st);
                }
            }
            s.push_str("scientists:\n  - name: nlp\n    trustedPrincipals: [\"111122223333\"]\n");
            if eks {
                s.push_str("    podRole: { serviceAccount: train }\n");
            }
            s.push_str("executionRoles:\n  - name: compute\n");
            s
        })
}

/// Every `${` that Terraform would evaluate is one the emitter wrote: a data source, a resource
/// attribute or the `tags` variable. A `$${` is an escape, and `%{` is always escaped.
fn terraform_expressions_are_ours(contents: &str) {
    // `${"$"}` is a literal `$` before an interpolation, its quotes escaped in JSON.
    const OURS: &[&str] = &["data.", "aws_", "var.tags", "\\\"$\\\"}"];
    let bytes = contents.as_bytes();
    for (i, _) in contents.match_indices("${") {
        let escaped = {
            let dollars = bytes[..i].iter().rev().take_while(|&&b| b == b'$').count();
            dollars % 2 == 1
        };
        if !escaped {
            let after = &contents[i + 2..];
            assert!(
                OURS.iter().any(|p| after.starts_with(p)),
                "an expression from the spec: `{}`",
                &after[..40.min(after.len())]
            );
        }
    }
    for (i, _) in contents.match_indices("%{") {
        let percents = bytes[..i].iter().rev().take_while(|&&b| b == b'%').count();
        assert!(percents % 2 == 1, "an unescaped template directive");
    }
}

fn seed() -> proptest::test_runner::RngSeed {
    use proptest::test_runner::RngSeed;
    if std::env::var_os("HYPERPOD_PROPTEST_RANDOM").is_some() { RngSeed::Random } else { RngSeed::Fixed(0x4850_0010) }
}

proptest! {
    // A fixed seed, so that CI is reproducible; `HYPERPOD_PROPTEST_RANDOM=1 PROPTEST_CASES=5000`
    // explores further.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(256),
        failure_persistence: None,
        rng_seed: seed(),
        ..ProptestConfig::default()
    })]

    #[test]
    fn check_clean_implies_every_emitter_succeeds(text in spec()) {
        let source = Source { name: "prop.yaml".into(), text };
        let (model, diags) = app::check_spec(&source);
        let Some(model) = model else {
            prop_assert!(diags.has_errors(), "refused without an error");
            return Ok(());
        };
        if diags.has_errors() {
            return Ok(());
        }
        let registry = Registry::builtin();
        // One render for both, as `render` does, so the shared template context is built once.
        let render = Render::new(&model);
        let selection = app::select(&registry, &render, &["all"])
            .map_err(|f| TestCaseError::fail(format!("select: {:?}\n{}", f.lines, source.text)))?;
        let artifacts = app::emit_all(&selection.emitters, &render)
            .map_err(|f| TestCaseError::fail(format!("check passed, render failed: {:?}\n{}", f.lines, source.text)))?;
        for (_, artifact) in &artifacts {
            if artifact.path.ends_with(".json") {
                serde_json::from_str::<serde_json::Value>(&artifact.contents)
                    .map_err(|e| TestCaseError::fail(format!("{}: {e}", artifact.path)))?;
            } else if artifact.path.ends_with(".yaml") {
                for doc in artifact.contents.split("\n---\n") {
                    serde_saphyr::from_str::<serde_json::Value>(doc)
                        .map_err(|e| TestCaseError::fail(format!("{}: {e}", artifact.path)))?;
                }
            }
            if artifact.path == "main.tf.json" {
                terraform_expressions_are_ours(&artifact.contents);
            }
        }
    }
}

/// The generator reaches both sides: specs that check refuses and specs it passes.
#[test]
fn the_generator_makes_both_clean_and_refused_specs() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut clean, mut refused) = (0, 0);
    for _ in 0..200 {
        let text = spec().new_tree(&mut runner).unwrap().current();
        match app::check_spec(&Source { name: "prop.yaml".into(), text }) {
            (Some(_), d) if !d.has_errors() => clean += 1,
            _ => refused += 1,
        }
    }
    assert!(clean > 20 && refused > 20, "clean {clean}, refused {refused}");
}
