//! Hand-worked cases of IAM's documented evaluation rules and of the RBAC authorizer, "no"
//! answers included, by concern: IAM evaluation (`iam_rules`), the Kubernetes authorizer
//! (`rbac`), the readers of rendered files (`readers`) and the fast paths of a task run
//! (`fast_paths`). Each IAM case cites the rule of the IAM User Guide it works through.

use serde_json::json;

use super::*;

mod fast_paths;
mod iam_rules;
mod rbac;
mod readers;

const ROLE: &str = "r";

fn policy(doc: serde_json::Value) -> Policy {
    read::read_policy("test.json", &doc).unwrap()
}

/// A deployment with one role `r` that has these identity policies.
fn role_with(docs: Vec<serde_json::Value>) -> Deployment {
    let mut d = Deployment::default();
    d.roles.insert(
        ROLE.to_owned(),
        RoleAccess {
            name: ROLE.to_owned(),
            arn: "arn:aws:iam::111122223333:role/r".to_owned(),
            trust: Policy { source: "trust".to_owned(), statements: Vec::new() },
            policies: docs.into_iter().map(policy).collect(),
            managed_policy_arns: Vec::new(),
            permissions_boundary: None,
        },
    );
    d
}

fn ask(d: &Deployment, request: Request) -> Answer {
    d.ask(&Question::Iam { role: ROLE.to_owned(), request }).unwrap()
}

fn verdict(d: &Deployment, action: &str, resource: &str, context: Context) -> Verdict {
    ask(d, Request::new(action, resource).with_context(context)).verdict
}

/// The verdict of a request with no condition keys.
fn bare(d: &Deployment, action: &str, resource: &str) -> Verdict {
    verdict(d, action, resource, Context::new())
}

fn allow(action: serde_json::Value, resource: serde_json::Value) -> serde_json::Value {
    json!({"Version": "2012-10-17", "Statement": [{"Sid": "A", "Effect": "Allow", "Action": action, "Resource": resource}]})
}

const BUCKET: &str = "arn:aws:s3:::b";
const OBJECT: &str = "arn:aws:s3:::b/k";
