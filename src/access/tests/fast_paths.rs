//! The fast paths of a task run: the plain matchers and the matrix's shared questions, each
//! against the slow way it stands in for.

use super::*;

#[test]
fn the_fast_action_matcher_agrees_with_the_pattern_matcher() {
    use super::pattern::{Pattern, plain_matches, plain_matches_arn};
    let patterns = [
        "*",
        "s3:*",
        "s3:Get*",
        "s3:?etObject",
        "s3:*Object",
        "*:*",
        "s3:G*t*",
        "S3:GETOBJECT",
        "s3:GetObject",
        "s3:GetObjec",
        "s3:GetObjectt",
        "s3:",
        "",
        "é*",
        "é3",
        "s3:Get*Object",
        "s3:GetObject*",
        "s3:GetObject?",
        "s3:GetObject??",
        "*Object",
        "?3:*",
        "s3:G?t*",
        "S3:get*",
        "s3:GetObject*t",
        "s3:*:*",
        "s3:**",
        "?3",
        "é?",
        "*é*",
        "?é?",
    ];
    let names = [
        "s3:GetObject",
        "s3:PutObject",
        "s3:getobject",
        "s3:",
        "",
        "sagemaker:GetObject",
        "é3",
        "s3",
        "s3:GetObjectX",
        "xéy",
        "éé",
    ];
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
    let arns = [
        "arn:aws:s3:::b/k",
        "arn:aws:s3:::b/k:v",
        "arn:aws:sagemaker:us-west-2:1:cluster/c",
        "b/k",
        "*",
        "arn:aws:s3",
        "arn:aws:s3:::",
        "arn:aws:s3:::b/k:v:w",
        "arn:aws:s3::::",
    ];
    let arn_patterns = [
        "*",
        "arn:aws:s3:::b/*",
        "arn:*:s3:::*",
        "arn:aws:s3:::b/k:*",
        "arn:aws:s3:::b/k:v",
        "arn:aws:s3:::b/k",
        "arn:aws:s3::",
        "arn:aws:*:*:*:cluster/*",
        "b/*",
        "b/k",
        "arn:aws:s3",
        "arn:aws:s3:::b/k:v:w",
        "arn:aws:s3:::b/*:v",
        "arn:aws:s3:::",
        "arn:aws:s3::::",
    ];
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
            let tokens: Vec<&str> = check.request.split_whitespace().collect();
            let question = match check.kind {
                "aws" => tasks::aws_tokens(role, &tokens),
                "k8s" => tasks::k8s_tokens(role, &tokens),
                "assume" => tasks::assume_tokens(role, &tokens),
                _ => continue,
            };
            let fresh = deployment.ask(&question.unwrap()).unwrap();
            assert_eq!(check.answer, fresh, "{} {} {}", run.persona.id(), check.label, check.request);
            asked += 1;
        }
    }
    assert!(runs.len() >= 10 && asked > 500, "{} personas, {asked} questions", runs.len());
    // A sink is handed the checks `run` keeps, persona by persona in order, whatever the runs;
    // an entry's number is the same for every persona that asks it and names no other entry.
    /// Each persona, then each of its checks with its entry's number.
    struct Seen(Vec<(String, Option<(usize, tasks::Check)>)>);
    impl tasks::Sink for Seen {
        type Out = Vec<(String, Option<(usize, tasks::Check)>)>;
        fn persona(&mut self, persona: &tasks::Persona, _: usize) {
            self.0.push((persona.id(), None));
        }
        fn check(&mut self, c: tasks::Checked<'_>) {
            let id = self.0.last().map(|(id, _)| id.clone()).unwrap_or_default();
            let (label, request, answer) = (c.label.clone(), c.request.clone(), c.answer.clone());
            self.0.push((id, Some((c.entry, tasks::Check { expect: c.expect, label, kind: c.kind, request, answer }))));
        }
        fn finish(self) -> Self::Out {
            self.0
        }
    }
    let seen: Vec<_> = tasks::run_into(&checks, &deployment, &personas, true, |_| Seen(Vec::new())).unwrap().concat();
    let kept = runs.iter().flat_map(|run| {
        std::iter::once((run.persona.id(), None)).chain(run.checks.iter().map(move |c| (run.persona.id(), Some(c))))
    });
    assert_eq!(seen.len(), kept.clone().count());
    let mut entries: std::collections::BTreeMap<usize, (&str, tasks::Expect, &str)> = Default::default();
    for ((id, seen), (kept_id, kept)) in seen.iter().zip(kept) {
        assert_eq!(id, &kept_id);
        assert_eq!(seen.as_ref().map(|(_, check)| check), kept, "{id}");
        let Some((entry, check)) = seen else { continue };
        let kind = id.split('/').next().unwrap();
        let named = *entries.entry(*entry).or_insert((kind, check.expect, &check.label));
        assert_eq!(named, (kind, check.expect, &*check.label), "{id}: entry {entry}");
    }
}

/// Whether a statement's actions take an action, remembered by its list ([`iam::ActionLists`]),
/// is what matching it afresh says: for the same list in several policies (shared, and equal
/// but apart), lists that differ only in case or in being a `NotAction`, a policy whose lists
/// were not numbered, and actions asked again, in either case.
#[test]
fn remembered_action_lists_answer_as_matching_afresh() {
    let lists: [&[&str]; 6] =
        [&["s3:GetObject"], &["s3:getobject"], &["s3:*", "ec2:Describe*"], &[], &["*"], &["s3:GetObject", "x:Y"]];
    let statement = |list: &[&str], not: bool| {
        let list: Vec<String> = list.iter().map(|a| (*a).to_owned()).collect();
        Statement {
            sid: None,
            effect: crate::model::Effect::Allow,
            principal: None,
            actions: if not { Items::Not(list.into()) } else { Items::Is(list.into()) },
            resources: None,
            conditions: Vec::new(),
        }
    };
    let mut policies: Vec<Policy> = (0..3)
        .map(|p| Policy {
            source: format!("policy {p}"),
            statements: lists.iter().flat_map(|l| [statement(l, false), statement(l, true)]).collect(),
        })
        .collect();
    // The second policy shares the first one's lists, as the deployment of a model does; the
    // third has lists of its own, equal to theirs. Only the first two policies are numbered: the
    // last one's list of its own is not, and is matched every time.
    policies[1].statements = policies[0].statements.clone();
    policies[2].statements.push(statement(&["s3:Get*"], false));
    let remembered = iam::ActionLists::of(policies.iter().take(2));
    let all: Vec<&Policy> = policies.iter().collect();
    let numbers = remembered.numbers_of(&all);
    assert_eq!(numbers[0], numbers[1]);
    assert_eq!(numbers[0], numbers[2][..12]);
    let mut asked = 0;
    for action in ["s3:GetObject", "S3:GETOBJECT", "ec2:DescribeInstances", "iam:PassRole", "s3:GetObject", "", "x:Y"] {
        let n = remembered.action(action);
        for (p, policy) in policies.iter().enumerate() {
            for (i, s) in policy.statements.iter().enumerate() {
                let list = numbers[p][i];
                assert_eq!(list.is_none(), p == 2 && i == 12, "policy {p} statement {i}");
                let fresh = iam::actions_match(&s.actions, action);
                assert_eq!(remembered.takes(n, list, s, action), fresh, "{action} policy {p} statement {i}");
                asked += 1;
            }
        }
    }
    assert_eq!(asked, 7 * (3 * 12 + 1));
}

/// The deployment of a model holds the lists the model shares as shared lists too: every team's
/// Role the same rules, every team's policy statement the same action list; and it is equal to
/// a deployment that holds copies.
#[test]
fn the_deployment_shares_what_the_model_shares() {
    let mut text = String::from(
        "name: scale\norchestrator: eks\ncluster: { eksClusterName: scale-eks }\n\
         admins:\n  - name: ops\n    trustedPrincipals: [\"111122223333\"]\nscientists:\n",
    );
    for i in 0..3 {
        text.push_str(&format!("  - name: team{i}\n    trustedPrincipals: [\"111122223333\"]\n"));
    }
    text.push_str("executionRoles:\n  - name: compute\n    s3Buckets: [scale-lifecycle]\n");
    let source = crate::spec::Source { name: "teams.yaml".to_owned(), text };
    let model = crate::model::build(&crate::spec::read(&source).unwrap().config);
    let env = tasks::environment(&model);
    let deployment = Deployment::from_model(&model, &env);
    let rbac = deployment.rbac.as_ref().unwrap();
    let team_roles: Vec<&RbacRole> = rbac.roles.iter().filter(|r| r.namespace.is_some()).collect();
    assert!(team_roles.len() >= 3);
    for role in &team_roles {
        assert!(std::ptr::eq(role.rules.as_ptr(), team_roles[0].rules.as_ptr()), "{}", role.name);
    }
    let policies: Vec<&Policy> = model
        .roles
        .iter()
        .filter(|r| r.entry.starts_with("team"))
        .map(|r| &deployment.roles[&r.role_name].policies[0])
        .collect();
    assert_eq!(policies.len(), 3);
    let actions = |items: &Items| match items {
        Items::Is(list) | Items::Not(list) => list.as_ptr(),
    };
    for policy in &policies {
        for (s, first) in policy.statements.iter().zip(&policies[0].statements) {
            assert!(std::ptr::eq(actions(&s.actions), actions(&first.actions)), "{}", policy.source);
        }
    }
    let copy = |items: &Items| match items {
        Items::Is(list) => Items::Is(list.to_vec().into()),
        Items::Not(list) => Items::Not(list.to_vec().into()),
    };
    let mut copied = deployment.clone();
    for role in copied.roles.values_mut() {
        for s in role.policies.iter_mut().flat_map(|p| &mut p.statements) {
            s.actions = copy(&s.actions);
            s.resources = s.resources.as_ref().map(copy);
        }
    }
    for role in copied.rbac.iter_mut().flat_map(|r| &mut r.roles) {
        role.rules = role.rules.to_vec().into();
    }
    assert_eq!(copied, deployment);
    assert!(!std::ptr::eq(copied.rbac.as_ref().unwrap().roles[0].rules.as_ptr(), rbac.roles[0].rules.as_ptr()));
}
