use std::collections::BTreeMap;

use super::*;
use crate::spec::{self, Source};

fn examples() -> Vec<(String, Model)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut paths: Vec<PathBuf> =
        fs::read_dir(dir).unwrap().flatten().map(|e| e.path()).filter(|p| p.is_file()).collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let source = Source { name: name.clone(), text: fs::read_to_string(&path).unwrap() };
            (name, spec::load(&source).unwrap_or_else(|d| panic!("{d}")))
        })
        .collect()
}

fn load(files: &[(&str, &str)]) -> Result<TemplateEmitter, LoadError> {
    TemplateEmitter::from_files("plug", files)
}

const TEMPLATE: (&str, &str) = ("t.j2", "{{ name }}\n");

#[test]
fn every_builtin_template_emitter_loads() {
    let loaded = builtin();
    assert_eq!(loaded.len(), 3, "emitters/ holds the three built-in template emitters");
    for (folder, emitter) in builtin_folders().zip(loaded) {
        let emitter = emitter.unwrap_or_else(|e| panic!("emitters/{folder}: {e}"));
        assert_eq!(emitter.name(), folder, "a built-in emitter is named as its folder");
        // Built-in templates compile on first use: compile them here, and their `when`.
        assert!(emitter.env.get().is_none(), "emitters/{folder} compiles on first use");
        let env = emitter.env().unwrap_or_else(|e| panic!("emitters/{folder}: {e}"));
        if let Some(when) = &emitter.when {
            env.compile_expression(&when.test).unwrap_or_else(|e| panic!("emitters/{folder}: {e}"));
        }
    }
}

/// Measured: the most fuel a built-in template (or the example plug-in) uses on an example, and
/// how far it stays under the limit. Printed with `--nocapture`.
#[test]
fn templates_use_a_small_part_of_their_fuel() {
    let mut emitters: Vec<TemplateEmitter> = builtin().into_iter().map(Result::unwrap).collect();
    emitters.extend(load_folder(&Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/emitters")).unwrap());
    for (name, model) in examples() {
        let document = ModelDocument::new(&model);
        let limit = fuel_limit(document_values(&document));
        for emitter in &emitters {
            if emitter.applies(&model).is_err() {
                continue;
            }
            for (artifact, used) in emitter.render_measured(&document).unwrap() {
                println!("{name}: {}: {used} of {limit}", artifact.path);
                assert!(used > 0, "fuel is counted");
                assert!(used * 10 < limit, "{name}: {} uses {used} of {limit}", artifact.path);
            }
        }
    }
}

/// The fuel limit counts the model document's values, where it counted its JSON bytes: on
/// every example a value stands for 22 to 32 bytes of the JSON (15 to 50 allowed), so the limit
/// stays within a factor of two of what it was.
#[test]
fn document_values_follow_the_json_size() {
    for (name, model) in examples() {
        let document = ModelDocument::new(&model);
        let (values, bytes) = (document_values(&document), serde_json::to_string(&document).unwrap().len());
        println!("{name}: {values} values, {bytes} bytes, {} bytes per value", bytes / values);
        assert!((15 * values..=50 * values).contains(&bytes), "{name}: {values} values, {bytes} bytes");
    }
}

/// A render of several emitters builds the template context once, and every template emitter
/// answers `applies` and renders in it as it does alone.
#[test]
fn a_render_shares_one_template_context_and_changes_no_output() {
    let emitters: Vec<TemplateEmitter> = builtin().into_iter().map(Result::unwrap).collect();
    for (name, model) in examples() {
        let render = Render::new(&model);
        let first: *const TemplateContext = render.template_context().unwrap();
        for emitter in &emitters {
            assert_eq!(emitter.applies_in(&render), emitter.applies(&model), "{name}: {}", emitter.name());
            if emitter.applies(&model).is_ok() {
                assert_eq!(
                    emitter.emit_in(&render).unwrap(),
                    emitter.emit(&model).unwrap(),
                    "{name}: {}",
                    emitter.name()
                );
            }
        }
        assert!(std::ptr::eq(first, render.template_context().unwrap()), "{name}: built once");
    }
}

/// A render over a shared model lends it to the template context instead of copying it, and
/// renders the same files.
#[test]
fn a_shared_render_lends_the_model_to_the_template_context() {
    let emitters: Vec<TemplateEmitter> = builtin().into_iter().map(Result::unwrap).collect();
    for (name, model) in examples() {
        let model = std::sync::Arc::new(model);
        let render = Render::shared(&model);
        render.template_context().unwrap();
        assert!(std::sync::Arc::strong_count(&model) > 1, "{name}: the context holds the model itself");
        for emitter in emitters.iter().filter(|e| e.applies(&model).is_ok()) {
            assert_eq!(emitter.emit_in(&render).unwrap(), emitter.emit(&model).unwrap(), "{name}: {}", emitter.name());
        }
        drop(render);
        assert_eq!(std::sync::Arc::strong_count(&model), 1, "{name}: and gives it back");
    }
}

/// A sink that keeps every piece handed on, to show that a file was streamed, not gathered.
#[derive(Default)]
struct Pieces {
    files: Vec<(String, Vec<String>)>,
}

impl Sink for Pieces {
    fn file(&mut self, path: &str, contents: &str) {
        self.files.push((path.to_owned(), vec![contents.to_owned()]));
    }

    fn stream(
        &mut self,
        path: &str,
        write: &mut dyn FnMut(&mut Chunks<'_>) -> Result<(), EmitError>,
    ) -> Result<(), EmitError> {
        let mut pieces = Vec::new();
        let mut to = |text: &str| pieces.push(text.to_owned());
        let mut chunks = Chunks::new(Some(&mut to));
        write(&mut chunks)?;
        chunks.finish();
        self.files.push((path.to_owned(), pieces));
        Ok(())
    }
}

/// `emit_to` renders each file straight into the sink's pieces: the files, put back together,
/// are the ones `emit` gathers, a file larger than a piece is handed on in several, and text
/// outside ASCII stays whole.
#[test]
fn template_files_stream_in_pieces_that_make_the_gathered_files() {
    let manifest = (
        "emitter.yaml",
        "name: x\ndescription: d\nfiles:\n  - {path: big.txt, template: big.j2}\n  - {path: small.txt, template: t.j2}\n",
    );
    let big = ("big.j2", "{% for i in range(9000) %}{{ name }} é→€ {{ i }}\n{% endfor %}");
    let emitter = load(&[manifest, big, TEMPLATE]).unwrap();
    let (_, model) = examples().remove(0);
    let gathered = emitter.emit(&model).unwrap();
    let mut streamed = Pieces::default();
    emitter.emit_to(&Render::new(&model), &mut streamed).unwrap();
    let joined: Vec<Artifact> = streamed
        .files
        .iter()
        .map(|(path, pieces)| Artifact { path: path.clone(), contents: pieces.concat() })
        .collect();
    assert_eq!(joined, gathered);
    let (_, pieces) = &streamed.files[0];
    assert!(gathered[0].contents.len() > 2 * Chunks::SIZE, "the test file spans several pieces");
    assert!(pieces.len() > 2, "handed on in pieces as it renders: {}", pieces.len());
    assert!(pieces.iter().all(|p| p.len() < 2 * Chunks::SIZE), "no piece holds the whole file");

    // A failing template stops the stream with its file and line.
    let failing = load(&[manifest, ("big.j2", "{{ name }}\n{{ nope }}\n"), TEMPLATE]).unwrap();
    let err = failing.emit_to(&Render::new(&model), &mut Pieces::default()).unwrap_err().to_string();
    assert!(err.starts_with("plug/big.j2:2: undefined value"), "{err}");
}

/// Template output paths pass the writer's own check (`emit::check_artifact_path`) when the
/// folder loads, so a bad one is refused before anything renders.
#[test]
fn output_paths_stay_inside_the_output_folder() {
    for ok in ["ACCESS.md", "kustomize/kustomization.yaml", "a/b/c.txt"] {
        assert_eq!(crate::emit::check_artifact_path(ok), Ok(()), "{ok}");
    }
    for bad in ["", "/etc/passwd", "../x", "a/../../x", "a//b", "a/", "./a", "a/.", ".hidden", "a\\b", "a\nb"] {
        assert!(crate::emit::check_artifact_path(bad).is_err(), "{bad:?} must be refused");
    }
}

#[test]
fn a_manifest_is_checked_when_the_folder_loads_with_file_and_line() {
    let manifest = |text: &'static str| load(&[("emitter.yaml", text), TEMPLATE]).unwrap_err().to_string();
    let cases = [
        (
            "name: x\ndescription: d\nfiles:\n  - path: /etc/x\n    template: t.j2\n",
            "plug/emitter.yaml:4:11: `/etc/x` is absolute; an artifact path is relative to the output folder",
        ),
        (
            "name: All\ndescription: d\nfiles:\n  - {path: a, template: t.j2}\n",
            "plug/emitter.yaml:1:7: emitter name `All`",
        ),
        (
            "name: all\ndescription: d\nfiles:\n  - {path: a, template: t.j2}\n",
            "plug/emitter.yaml:1:7: `all` is not a name",
        ),
        (
            "name: x\ndescription: d\norchestrators: [k8s]\nfiles:\n  - {path: a, template: t.j2}\n",
            "plug/emitter.yaml:3:17: unknown orchestrator `k8s`",
        ),
        ("name: x\ndescription: d\nfiles: []\n", "plug/emitter.yaml:3:8: `files` is empty"),
        (
            "name: x\ndescription: d\nfiles:\n  - {path: a, template: nope.j2}\n",
            "plug/emitter.yaml:4:25: no template `nope.j2` in `plug`",
        ),
        (
            "name: x\ndescription: d\nfiles:\n  - {path: a, template: t.j2}\n  - {path: a, template: t.j2}\n",
            "plug/emitter.yaml:5:12: two files are both written to `a`",
        ),
        (
            "name: x\ndescription: d\nwhen: {test: 'roles |', reason: r}\nfiles:\n  - {path: a, template: t.j2}\n",
            "plug/emitter.yaml:3:14: syntax error",
        ),
        ("name: x\nfiles:\n  - {path: a, template: t.j2}\n", "plug/emitter.yaml:"),
    ];
    for (text, want) in cases {
        let got = manifest(text);
        assert!(got.starts_with(want), "{text}\ngot:  {got}\nwant: {want}");
    }
    let err = load(&[("t.j2", "x")]).unwrap_err();
    assert_eq!(err, LoadError::NotAnEmitter { path: "plug".into() });
}

#[test]
fn a_template_error_names_the_file_and_line() {
    let manifest = ("emitter.yaml", "name: x\ndescription: d\nfiles:\n  - {path: a, template: t.j2}\n");
    let err = load(&[manifest, ("t.j2", "line one\n{% if %}\n")]).unwrap_err();
    assert!(err.to_string().starts_with("plug/t.j2:2: syntax error"), "{err}");

    let emitter = load(&[manifest, ("t.j2", "{{ name }}\n{{ nope }}\n")]).unwrap();
    let (_, model) = examples().remove(0);
    let err = emitter.emit(&model).unwrap_err().to_string();
    assert!(err.starts_with("plug/t.j2:2: undefined value"), "{err}");
}

#[test]
fn when_and_orchestrators_decide_where_an_emitter_applies() {
    let models: BTreeMap<String, Model> = examples().into_iter().collect();
    let eks = &models["ml-research.yaml"];
    let slurm = &models["slurm-minimal.yaml"];
    let only_eks = load(&[
        ("emitter.yaml", "name: x\ndescription: d\norchestrators: [eks]\nfiles:\n  - {path: a, template: t.j2}\n"),
        TEMPLATE,
    ])
    .unwrap();
    assert_eq!(only_eks.applies(eks), Ok(()));
    assert_eq!(only_eks.applies(slurm), Err("`x` is for eks, and this spec is slurm".to_owned()));
    let when = load(&[
        (
            "emitter.yaml",
            "name: x\ndescription: d\nwhen: {test: 'kubernetes is not none', reason: no rbac}\nfiles:\n  - {path: a, template: t.j2}\n",
        ),
        TEMPLATE,
    ])
    .unwrap();
    assert_eq!(when.applies(eks), Ok(()));
    assert_eq!(when.applies(slurm), Err("no rbac".to_owned()));
    let strict = load(&[
        (
            "emitter.yaml",
            "name: x\ndescription: d\nwhen:\n  test: kubernetes.nope\n  reason: r\nfiles:\n  - {path: a, template: t.j2}\n",
        ),
        TEMPLATE,
    ])
    .unwrap();
    let err = strict.applies(eks).unwrap_err();
    assert!(err.starts_with("plug/emitter.yaml:4:9: `when` cannot be evaluated: undefined value"), "{err}");
}

/// The catalog has no access levels yet (issue 13 brings them): a document that has them groups
/// the report's tables by level, and one without has a single table per policy.
#[test]
fn the_access_report_groups_by_access_level_when_the_document_has_levels() {
    let report = builtin().into_iter().map(Result::unwrap).find(|e| e.name() == "access-report").unwrap();
    let models: BTreeMap<String, Model> = examples().into_iter().collect();
    let model = &models["ml-research.yaml"];

    let plain = report.render(&ModelDocument::with_access_levels(model, |_| None)).unwrap().remove(0).contents;
    assert!(plain.contains("| effect | action | resource | condition |"));
    assert!(!plain.contains("access level"));

    let level = |action: &str| match action {
        "ssm:StartSession" | "ssm:TerminateSession" => Some("Write".to_owned()),
        a if a.contains(":Describe") => Some("Read".to_owned()),
        a if a.contains(":List") => Some("List".to_owned()),
        _ => None,
    };
    let grouped = report.render(&ModelDocument::with_access_levels(model, level)).unwrap().remove(0).contents;
    assert!(grouped.contains("| access level | effect | action | resource | condition |"));
    let section = grouped.split("## `ml-research-scientist-nlp`").nth(1).unwrap().split("\n## ").next().unwrap();
    let rows: Vec<&str> = section
        .lines()
        .filter(|l| {
            l.starts_with("| List") || l.starts_with("| Read") || l.starts_with("| Write") || l.starts_with("| unknown")
        })
        .collect();
    let levels: Vec<&str> = rows.iter().map(|r| r.split(" | ").next().unwrap().trim_start_matches("| ")).collect();
    // In statement order List and Read interleave (ListClusters, DescribeCluster, ListClusterNodes, ...).
    assert_eq!(
        levels,
        ["List", "List", "List", "Read", "Read", "Read", "Read", "Read"],
        "grouped in level order:\n{}",
        rows.join("\n")
    );
    assert!(rows[0].contains("`sagemaker:ListClusters`"), "{}", rows[0]);
}

/// Deny, NotAction, NotResource and odd characters reach the report and the CSV said as they are
/// and escaped for each format.
#[test]
fn deny_not_action_and_not_resource_are_said_and_escaped() {
    let text = r#"
name: odd
orchestrator: slurm
admins:
  - name: ops
    trustedPrincipals: ["111122223333"]
    extraStatements:
      - Sid: NoDeletes
        Effect: Deny
        NotAction: ["s3:Get*"]
        NotResource: "arn:${AWS::Partition}:s3:::odd|bucket,1/*"
        Condition:
          StringLike: { "aws:PrincipalTag/team": ["a,b", "c"] }
executionRoles:
  - name: nodes
"#;
    let model = spec::load(&Source { name: "odd.yaml".into(), text: text.into() }).unwrap_or_else(|d| panic!("{d}"));
    let report = builtin().into_iter().map(Result::unwrap).find(|e| e.name() == "access-report").unwrap();
    let md = report.emit(&model).unwrap().remove(0).contents;
    // A NotAction has no one access level: grouped as `unknown`.
    let row = md.lines().find(|l| l.starts_with("| unknown | Deny |")).unwrap_or_else(|| panic!("{md}"));
    assert_eq!(
        row,
        "| unknown | Deny | every action except `s3:Get*` | everything except `arn:${AWS::Partition}:s3:::odd\\|bucket,1/*` | `aws:PrincipalTag/team` StringLike `a,b` or `c` |"
    );
    let plugin = load_folder(&Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/emitters")).unwrap().remove(0);
    let csv = plugin.emit(&model).unwrap().remove(0).contents;
    let row = csv.lines().find(|l| l.contains(",Deny,")).unwrap_or_else(|| panic!("{csv}"));
    assert_eq!(
        row,
        "odd-admin-ops,Deny,NOT s3:Get*,\"NOT arn:${AWS::Partition}:s3:::odd|bucket,1/*\",\"aws:PrincipalTag/team StringLike a,b or c\""
    );
}

/// The templates' context reads the model through views (`view`), not a copy of it as a value
/// tree: what a template can see must be exactly the model document, key for key, in the same
/// order, with `none` where the JSON has `null` and no key where the JSON leaves one out.
#[test]
fn the_views_show_exactly_the_model_document() {
    for (name, model) in examples() {
        let document = ModelDocument::new(&model);
        let context = TemplateContext::new(&document).unwrap();
        let through_views = serde_json::to_string(&context.document).unwrap();
        assert_eq!(through_views, serde_json::to_string(&document).unwrap(), "{name}");
    }
}

/// What templates ask of a view beyond reading it: truthiness, length, `is defined` on a key
/// that serde leaves out, indexing, iterating a map's keys, and a look-up function's result.
#[test]
fn views_answer_tests_lengths_and_lookups_as_values_do() {
    let models: BTreeMap<String, Model> = examples().into_iter().collect();
    let model = &models["ml-research.yaml"];
    let document = ModelDocument::new(model);
    let context = TemplateContext::new(&document).unwrap();
    let tree = Value::from(minijinja::value::Serde(&document));
    let template = "{{ roles|length }} {{ roles[0].roleName }} {{ roles[-1].kind }} \
        {{ roles[0].trust.statements[0].waivers is defined }} {{ roles[0].permissionsBoundary is none }} \
        {{ roles[0]|list|join(',') }} {{ kubernetes.roles[0].rules[0].verbs|join('/') }} \
        {{ 'x' if policies[0].document.statements[0].resources else 'y' }} {{ accessEntries|map(attribute='role')|join(',') }} \
        {{ roles|selectattr('kind', 'equalto', 'scientist')|map(attribute='entry')|join(',') }} \
        {{ roles[0].trust.statements[0].principal.service is defined }} {{ target.partition is none }}";
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    let through_views = env.render_str(template, &context.document).unwrap();
    assert_eq!(through_views, env.render_str(template, &tree).unwrap());

    filters::register_model(&mut env, &context.lookups);
    let lookups = "{{ role('admin-platform').roleName }} {{ policies_of('scientist-nlp')|map(attribute='policyName')|join(',') }} \
        {{ bindings_of('ml-research-scientist-nlp')|map(attribute='meta.name')|join(',') }}";
    assert_eq!(
        env.render_str(lookups, &context.document).unwrap(),
        "ml-research-admin-platform ml-research-scientist-nlp-policy ml-research-scientist-nlp"
    );
}

/// The access levels are those of every action of every statement (trust and permission
/// policies), each action looked up once, though shared lists are read only once.
#[test]
fn access_levels_cover_every_action_once() {
    for (name, model) in examples() {
        let asked = std::cell::RefCell::new(Vec::new());
        let document = ModelDocument::with_access_levels(&model, |action| {
            asked.borrow_mut().push(action.to_owned());
            Some(format!("level of {action}"))
        });
        let documents = model.roles.iter().map(|r| &r.trust).chain(model.policies.iter().map(|p| &p.document));
        let every: std::collections::BTreeSet<&String> =
            documents.flat_map(|d| &d.statements).flat_map(|s| s.actions.list()).collect();
        let want: BTreeMap<String, String> = every.iter().map(|a| ((*a).clone(), format!("level of {a}"))).collect();
        assert_eq!(document.access_levels, want, "{name}");
        assert_eq!(asked.borrow().len(), want.len(), "{name}: each action looked up once");
    }
}
