use super::*;

#[test]
fn literals_are_escaped_as_templates() {
    assert_eq!(template("a${b}%{c}", false), "a$${b}%%{c}");
    assert_eq!(template("$${x}", false), "$$${x}");
    // A trailing `$` before an interpolation must not form the escape `$${`.
    assert_eq!(template("cost$", true), "cost${\"$\"}");
    assert_eq!(template("cost$", false), "cost$");
}

fn render(t: &Text, place: Place) -> (String, bool, bool, bool) {
    let model = crate::model::build(&crate::model::Config::default());
    let index = model.index();
    let mut config = Config::new(&model, &index);
    let out = config.text(t, place).unwrap();
    (out, config.partition, config.region, config.account)
}

#[test]
fn symbols_become_interpolations_and_policy_variables_stay_unexpanded() {
    let session = Text::pattern("arn:{P}:ssm:{R}:{A}:session/${aws:userid}-*");
    let (doc, p, r, a) = render(&session, Place::PolicyDocument);
    assert_eq!(
        doc,
        "arn:${data.aws_partition.current.partition}:ssm:${data.aws_region.current.region}:\
         ${data.aws_caller_identity.current.account_id}:session/&{aws:userid}-*"
    );
    assert!(p && r && a);
    let (arg, ..) = render(&session, Place::Argument);
    assert!(arg.ends_with(":session/$${aws:userid}-*"), "{arg}");
    let (literal, p, r, a) = render(&Text::lit("arn:aws:s3:::b/${x}"), Place::Argument);
    assert_eq!(literal, "arn:aws:s3:::b/$${x}");
    assert!(!p && !r && !a);
}

#[test]
fn a_literal_ampersand_brace_is_refused_in_policy_documents() {
    let model = crate::model::build(&crate::model::Config::default());
    let index = model.index();
    let mut config = Config::new(&model, &index);
    assert!(matches!(config.text(&Text::lit("a&{b}"), Place::PolicyDocument), Err(EmitError::Unsupported(_))));
    assert_eq!(config.text(&Text::lit("a&{b}"), Place::Argument).unwrap(), "a&{b}");
}

#[test]
fn readable_names() {
    assert_eq!(words("AmazonEKSClusterAdminPolicy"), "amazon_eks_cluster_admin_policy");
    assert_eq!(words("AWSServiceRoleForX"), "aws_service_role_for_x");
    let aws = Text::pattern("arn:{P}:iam::aws:policy/AmazonSageMakerFullAccess");
    assert_eq!(managed_suffix(&aws), "amazon_sage_maker_full_access");
    let own = Text::lit("arn:aws:iam::111122223333:policy/team/GpuNodeExtras");
    assert_eq!(managed_suffix(&own), "111122223333_team_gpu_node_extras");
}

/// A block body `{}`.
fn empty(s: &mut Stream<'_>) -> Result<(), EmitError> {
    s.map();
    s.end();
    Ok(())
}

#[test]
fn a_name_given_twice_is_refused() {
    let mut out = Chunks::new(None);
    let mut blocks = Section::new("resource");
    blocks.add(&mut out, "aws_iam_role", "a", empty).unwrap();
    assert_eq!(
        blocks.add(&mut out, "aws_iam_role", "a", empty),
        Err(EmitError::NameCollision("aws_iam_role.a".to_owned()))
    );
}

#[test]
fn a_section_is_written_as_its_entries_come_and_left_out_when_empty() {
    let mut out = Chunks::new(None);
    Section::new("data").finish(&mut out);
    assert_eq!(out.text, "", "an empty section is left out");
    let mut section = Section::new("resource");
    section.add(&mut out, "aws_iam_role", "a", empty).unwrap();
    section.add(&mut out, "aws_iam_role", "b", empty).unwrap();
    section.add(&mut out, "aws_iam_policy", "c", empty).unwrap();
    assert_eq!(
        section.add(&mut out, "aws_iam_role", "d", empty),
        Err(EmitError::Serialize("the `aws_iam_role` blocks are not made one after another".to_owned())),
        "a type's blocks are written together or not at all"
    );
    section.finish(&mut out);
    let expected = ",\n  \"resource\": {\n    \"aws_iam_role\": {\n      \"a\": {},\n      \"b\": {}\n    },\n    \"aws_iam_policy\": {\n      \"c\": {}\n    }\n  }";
    assert_eq!(out.text, expected);
}

#[test]
fn the_data_sources_declared_are_the_ones_the_texts_use() {
    let mut seen = [false; 3];
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/examples")).unwrap() {
        let path = entry.unwrap().path();
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        let source = crate::spec::Source { name: path.display().to_string(), text };
        let Ok(model) = crate::spec::load(&source) else { continue };
        let index = model.index();
        let mut config = Config::new(&model, &index);
        config.write(&mut Chunks::new(None)).unwrap();
        let used = symbols(&model);
        assert_eq!([config.partition, config.region, config.account], used, "{}", path.display());
        seen = [seen[0] | used[0], seen[1] | used[1], seen[2] | used[2]];
    }
    assert!(seen.contains(&true), "some example uses a deploy-time value");
}
