//! Properties over many generated specs, not only the examples: every valid spec renders output
//! that parses, the same spec gives the same bytes, nothing hard-codes a partition, policy
//! variables stay escaped, and no input makes the reader panic.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::path::PathBuf;

use hyperpod_iam::app;
use hyperpod_iam::check::Code;
use hyperpod_iam::cli::InitOrchestrator;
use hyperpod_iam::emit::{Artifact, Registry, Render};
use hyperpod_iam::spec::{self, Source};

fn render(source: &Source) -> Vec<(String, Artifact)> {
    let model = spec::load(source).unwrap_or_else(|d| panic!("{}\n{d}", source.text));
    let registry = Registry::builtin();
    let selection = app::select(&registry, &Render::new(&model), &["all"]).unwrap_or_else(|f| panic!("{:?}", f.lines));
    app::emit_all(&selection.emitters, &Render::new(&model)).unwrap_or_else(|f| panic!("{:?}", f.lines))
}

/// Every combination of orchestrator, options, pinned target and cluster id.
fn generated_specs() -> Vec<Source> {
    let mut specs = Vec::new();
    for eks in [true, false] {
        for bits in 0u8..16 {
            for pinned in [
                None,
                Some(("aws", "us-east-1")),
                Some(("aws-cn", "cn-north-1")),
                Some(("aws-us-gov", "us-gov-west-1")),
            ] {
                let flag = |i: u8| if bits & (1 << i) != 0 { "true" } else { "false" };
                let mut text = format!("name: gen-{bits}\norchestrator: {}\n", if eks { "eks" } else { "slurm" });
                if let Some((partition, region)) = pinned {
                    text.push_str(&format!("partition: {partition}\nregion: {region}\naccount: \"123456789012\"\n"));
                }
                text.push_str("cluster:\n");
                if bits & 1 != 0 {
                    text.push_str("  id: abcdef123456\n");
                }
                if eks {
                    text.push_str("  eksClusterName: gen-eks\n");
                }
                text.push_str(&format!(
                    "options:\n  customVpc: {}\n  podIdentity: {}\n  serviceLinkedRole: {}\n  consoleAccess: {}\n",
                    flag(0),
                    if eks { flag(1) } else { "false" },
                    flag(2),
                    flag(3)
                ));
                text.push_str(
                    "tags: { Team: gen }\nadmins:\n  - name: ops\n    trustedPrincipals: [\"123456789012\"]\n",
                );
                text.push_str("scientists:\n  - name: nlp\n    trustedPrincipals: [\"123456789012\"]\n");
                if eks {
                    text.push_str("    podRole: { serviceAccount: train, s3Buckets: [gen-data] }\n");
                }
                text.push_str("executionRoles:\n  - name: compute\n    s3Buckets: [gen-lifecycle]\n  - name: gpu\n");
                specs.push(Source { name: format!("gen-{eks}-{bits}-{pinned:?}.yaml"), text });
            }
        }
    }
    specs
}

#[test]
fn every_generated_spec_renders_parseable_deterministic_output() {
    let specs = generated_specs();
    assert_eq!(specs.len(), 128);
    for source in &specs {
        let first = render(source);
        assert_eq!(first, render(source), "{}: two renders differ", source.name);
        assert!(!first.is_empty());
        let pinned = source.text.contains("partition:");
        for (_, artifact) in &first {
            let what = format!("{}: {}", source.name, artifact.path);
            assert!(
                artifact.contents.ends_with('\n') && !artifact.contents.ends_with("\n\n"),
                "{what}: one trailing newline"
            );
            assert!(!artifact.contents.contains('\r'), "{what}: LF only");
            if artifact.path.ends_with(".json") {
                serde_json::from_str::<serde_json::Value>(&artifact.contents).unwrap_or_else(|e| panic!("{what}: {e}"));
            } else if artifact.path.ends_with(".yaml") {
                for doc in artifact.contents.split("\n---\n") {
                    serde_saphyr::from_str::<serde_json::Value>(doc).unwrap_or_else(|e| panic!("{what}: {e}"));
                }
            }
            if !pinned {
                for literal in ["arn:aws:", "arn:aws-cn:", "arn:aws-us-gov:", "us-east-1", "123456789012:role"] {
                    assert!(!artifact.contents.contains(literal), "{what}: hard-coded `{literal}`");
                }
            }
            if artifact.path == "cloudformation.yaml" {
                // Inside Fn::Sub a policy variable is escaped; outside it stays as IAM reads it.
                for line in artifact.contents.lines().filter(|l| l.contains("aws:userid")) {
                    let escaped = line.contains("${!aws:userid}");
                    let in_sub = line.contains("Fn::Sub");
                    assert!(escaped == in_sub, "{what}: `{line}`");
                }
            }
        }
    }
}

/// Generated output never trips a lint rule: the only findings on generated specs are the
/// warnings about the spec's own choices (console access, a pod role without the agent's grant,
/// an account root trusted, node access, the service-linked role, `customVpc` on eks).
#[test]
fn generated_output_never_trips_the_lint() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut sources = generated_specs();
    for entry in fs::read_dir(root.join("examples")).unwrap().flatten().filter(|e| e.path().is_file()) {
        let name = entry.file_name().to_string_lossy().into_owned();
        sources.push(Source { name, text: fs::read_to_string(entry.path()).unwrap() });
    }
    for source in &sources {
        let (model, diags) = app::check_spec(source);
        assert!(model.is_some(), "{}", source.name);
        for d in &diags.items {
            assert!(
                [
                    Code::ConsoleAccess,
                    Code::PodRoleWithoutAgent,
                    Code::RootPrincipal,
                    Code::NodeAccess,
                    Code::ServiceLinkedRole,
                    Code::CustomVpcOnEks
                ]
                .contains(&d.code),
                "{}: {}",
                source.name,
                d.render(&source.name)
            );
        }
    }
}

#[test]
fn a_spec_written_as_json_builds_the_same_model() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    for entry in fs::read_dir(root.join("examples")).unwrap().flatten().filter(|e| e.path().is_file()) {
        let path = entry.path();
        let text = fs::read_to_string(&path).unwrap();
        let value: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
        let yaml = spec::load(&Source { name: "a.yaml".into(), text: text.clone() }).unwrap();
        let json =
            spec::load(&Source { name: "a.json".into(), text: serde_json::to_string_pretty(&value).unwrap() }).unwrap();
        assert_eq!(yaml, json, "{}", path.display());
    }
}

#[test]
fn the_starter_specs_are_valid() {
    for orchestrator in [InitOrchestrator::Eks, InitOrchestrator::Slurm] {
        let text = app::starter_spec(orchestrator).unwrap();
        let model = spec::load(&Source { name: "init.yaml".into(), text }).unwrap_or_else(|d| panic!("{d}"));
        assert_eq!(model.orchestrator.as_str(), format!("{orchestrator:?}").to_lowercase());
    }
}

/// Truncations and line deletions of every example: the reader answers, it never panics, and a
/// refusal always names at least one error.
#[test]
fn damaged_specs_are_refused_without_panic() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut tried = 0;
    for entry in fs::read_dir(root.join("examples")).unwrap().flatten().filter(|e| e.path().is_file()) {
        let name = entry.file_name().to_string_lossy().into_owned();
        let text = fs::read_to_string(entry.path()).unwrap();
        let mut variants: Vec<String> =
            text.char_indices().map(|(i, _)| i).step_by(5).map(|i| text[..i].to_owned()).collect();
        let lines: Vec<&str> = text.lines().collect();
        for skip in 0..lines.len() {
            let kept: Vec<&str> = lines.iter().enumerate().filter(|(i, _)| *i != skip).map(|(_, l)| *l).collect();
            variants.push(kept.join("\n"));
        }
        for variant in variants {
            tried += 1;
            if let Err(diags) = spec::load(&Source { name: name.clone(), text: variant }) {
                assert!(diags.has_errors());
            }
        }
    }
    assert!(tried > 500);
}

/// Random edits of every example, from a fixed seed: whatever the reader accepts goes through the
/// lint and every emitter that applies; nothing panics, and a refusal always names an error.
#[test]
fn random_edits_never_panic_anywhere() {
    const PIECES: &[&str] = &[
        ":", "-", "[", "]", "{", "}", "\"", "'", "\n", " ", "&a", "*a", "!", "%", "\t", "é", "${", "0", "x", "---\n",
        "#", ",",
    ];
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |bound: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % bound as u64) as usize
    };
    let (mut accepted, mut refused) = (0, 0);
    for entry in fs::read_dir(root.join("examples")).unwrap().flatten().filter(|e| e.path().is_file()) {
        let name = entry.file_name().to_string_lossy().into_owned();
        let text = fs::read_to_string(entry.path()).unwrap();
        for _ in 0..300 {
            let mut edited = text.clone();
            for _ in 0..1 + next(3) {
                let boundaries: Vec<usize> = edited.char_indices().map(|(i, _)| i).collect();
                let at = boundaries[next(boundaries.len())];
                let end = boundaries.iter().copied().find(|&b| b > at).unwrap_or(edited.len());
                let piece = PIECES[next(PIECES.len())];
                match next(3) {
                    0 => edited.insert_str(at, piece),
                    1 => edited.replace_range(at..end, piece),
                    _ => edited.replace_range(at..end, ""),
                }
            }
            let source = Source { name: name.clone(), text: edited };
            match app::check_spec(&source) {
                (Some(model), diags) => {
                    accepted += 1;
                    if !diags.has_errors() {
                        let registry = Registry::builtin();
                        let selection = app::select(&registry, &Render::new(&model), &["all"])
                            .unwrap_or_else(|f| panic!("{:?}", f.lines));
                        app::emit_all(&selection.emitters, &Render::new(&model))
                            .unwrap_or_else(|f| panic!("{}: {:?}\n{}", name, f.lines, source.text));
                    }
                }
                (None, diags) => {
                    refused += 1;
                    assert!(diags.has_errors(), "{name}: refused without an error");
                }
            }
        }
    }
    assert!(accepted > 100 && refused > 100, "{accepted} accepted, {refused} refused");
}
