//! Readers of the rendered outputs into a [`Deployment`]: the generated `cloudformation.yaml`
//! resolved for one [`Environment`], and `rbac.yaml`.
//!
//! Library code rather than test code: `can` answers from the model, but a reviewer also wants
//! the question asked of the files actually deployed (edited by hand, or rendered by another
//! version), and the tasks test must judge exactly what users deploy. A construct that could
//! change what is granted and is not understood (an unknown intrinsic function, `NotPrincipal`,
//! an IAM resource type the reader does not know) is an error naming the file and field path,
//! never skipped.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::iam::{Condition, Items, Policy, Principals, Statement};
use super::kube::{Binding, Rbac, RbacRole, Rule, Subject};
use super::{AccessEntry, AccessPolicy, AccessScope, Deployment, Environment, PodIdentity, RoleAccess};
use crate::model::Effect;

/// A rendered file the reader cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {at}: {message}")]
pub struct ReadError {
    pub file: String,
    /// Where in the file: a field path (`Resources.AdminPolicy.Properties.PolicyDocument`), or
    /// `line L column C` for a syntax error.
    pub at: String,
    pub message: String,
}

type Result<T> = std::result::Result<T, ReadError>;

/// Reads a generated CloudFormation template (YAML or JSON) and, when given, `rbac.yaml`.
pub fn deployment(
    cloudformation: (&str, &str),
    rbac_yaml: Option<(&str, &str)>,
    env: &Environment,
) -> Result<Deployment> {
    let (file, text) = cloudformation;
    let mut deployment = read_cloudformation(file, text, env)?;
    if let Some((file, text)) = rbac_yaml {
        deployment.rbac = Some(read_rbac(file, text)?);
    }
    Ok(deployment)
}

fn yaml_error(file: &str, e: &serde_saphyr::Error) -> ReadError {
    ReadError {
        file: file.to_owned(),
        at: e.location().map_or_else(|| "syntax".to_owned(), |l| format!("line {} column {}", l.line(), l.column())),
        message: e.to_string().lines().next().unwrap_or("not YAML").to_owned(),
    }
}

fn parse_yaml(file: &str, text: &str) -> Result<Value> {
    super::yaml::document(text).map_err(|e| yaml_error(file, &e))
}

/// The resources of a CloudFormation template (parsed into JSON values), with intrinsic functions
/// resolved for one environment: `Ref` (pseudo parameters, a role's name, a managed policy's ARN),
/// `Fn::GetAtt` (a role's `Arn`), `Fn::Sub` (with or without a variable map; `${!x}` is a literal
/// `${x}`) and `Fn::Join`. The CloudFormation readers of the test suite use it too.
#[derive(Debug, Clone)]
pub struct Template<'a> {
    file: &'a str,
    resources: &'a Map<String, Value>,
    env: Environment,
}

static NO_RESOURCES: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);

impl<'a> Template<'a> {
    /// The template's `Resources`, read for `env`; `file` names it in errors.
    pub fn new(file: &'a str, template: &'a Value, env: &Environment) -> Result<Template<'a>> {
        let resources = template.get("Resources").and_then(Value::as_object).ok_or_else(|| ReadError {
            file: file.to_owned(),
            at: "Resources".to_owned(),
            message: "no map".to_owned(),
        })?;
        Ok(Template { file, resources, env: env.clone() })
    }

    /// The resources by logical id.
    pub fn resources(&self) -> &'a Map<String, Value> {
        self.resources
    }

    fn err(&self, at: &str, message: impl Into<String>) -> ReadError {
        ReadError { file: self.file.to_owned(), at: at.to_owned(), message: message.into() }
    }

    fn kind(&self, logical: &str) -> Option<&'a str> {
        self.resources.get(logical).and_then(|r| r.get("Type")).and_then(Value::as_str)
    }

    fn props(&self, logical: &str) -> Result<&'a Value> {
        self.resources
            .get(logical)
            .and_then(|r| r.get("Properties"))
            .ok_or_else(|| self.err(&format!("Resources.{logical}"), "no `Properties`"))
    }

    fn field(&self, v: &'a Value, key: &str, at: &str) -> Result<&'a Value> {
        v.get(key).ok_or_else(|| self.err(at, format!("no `{key}`")))
    }

    /// The role name and ARN of an `AWS::IAM::Role`.
    pub fn role_arn(&self, logical: &str, at: &str) -> Result<(String, String)> {
        if self.kind(logical) != Some("AWS::IAM::Role") {
            return Err(self.err(at, format!("`{logical}` is not an AWS::IAM::Role of this template")));
        }
        let props = self.props(logical)?;
        let here = format!("Resources.{logical}.Properties");
        let name = self.string(self.field(props, "RoleName", &here)?, &format!("{here}.RoleName"))?;
        let path = match props.get("Path") {
            Some(p) => self.string(p, &format!("{here}.Path"))?,
            None => "/".to_owned(),
        };
        let arn = format!("arn:{}:iam::{}:role{path}{name}", self.env.partition, self.env.account);
        Ok((name, arn))
    }

    /// `Ref`: a pseudo parameter, a role (its name) or a managed policy (its ARN).
    fn reference(&self, name: &str, at: &str) -> Result<String> {
        Ok(match name {
            "AWS::Partition" => self.env.partition.clone(),
            "AWS::Region" => self.env.region.clone(),
            "AWS::AccountId" => self.env.account.clone(),
            "AWS::URLSuffix" if self.env.partition == "aws-cn" => "amazonaws.com.cn".to_owned(),
            "AWS::URLSuffix" => "amazonaws.com".to_owned(),
            logical => match self.kind(logical) {
                Some("AWS::IAM::Role") => self.role_arn(logical, at)?.0,
                Some("AWS::IAM::ManagedPolicy") => {
                    let props = self.props(logical)?;
                    let here = format!("Resources.{logical}.Properties.ManagedPolicyName");
                    let policy = self.string(self.field(props, "ManagedPolicyName", &here)?, &here)?;
                    format!("arn:{}:iam::{}:policy/{policy}", self.env.partition, self.env.account)
                }
                _ => return Err(self.err(at, format!("`Ref` to `{logical}` is not understood"))),
            },
        })
    }

    fn get_att(&self, logical: &str, attribute: &str, at: &str) -> Result<String> {
        match attribute {
            "Arn" => Ok(self.role_arn(logical, at)?.1),
            other => Err(self.err(at, format!("`Fn::GetAtt` of `{logical}.{other}` is not understood"))),
        }
    }

    /// `Fn::Sub`: `${AWS::Partition}`, `${X.Arn}`, `${X}`, `${Var}` from the variable map, and
    /// `${!x}` for a literal `${x}` (an IAM policy variable).
    fn sub(&self, s: &str, vars: &BTreeMap<String, String>, at: &str) -> Result<String> {
        let mut out = String::new();
        let mut rest = s;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            if let Some(literal) = after.strip_prefix('!') {
                out.push_str("${");
                rest = literal;
                continue;
            }
            let end = after.find('}').ok_or_else(|| self.err(at, format!("unterminated `${{` in `{s}`")))?;
            let name = &after[..end];
            if let Some(value) = vars.get(name) {
                out.push_str(value);
            } else {
                match name.split_once('.') {
                    Some((logical, attribute)) if !name.starts_with("AWS::") => {
                        out.push_str(&self.get_att(logical, attribute, at)?)
                    }
                    _ => out.push_str(&self.reference(name, at)?),
                }
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// A scalar: a plain value, or an intrinsic function resolved for the environment.
    pub fn string(&self, v: &Value, at: &str) -> Result<String> {
        match v {
            Value::String(s) => Ok(s.clone()),
            Value::Bool(b) => Ok(b.to_string()),
            Value::Number(n) => Ok(n.to_string()),
            Value::Object(o) if o.len() == 1 => {
                let Some((function, arg)) = o.iter().next() else { return Err(self.err(at, "empty object")) };
                match (function.as_str(), arg) {
                    ("Fn::Sub", Value::String(s)) => self.sub(s, &BTreeMap::new(), at),
                    ("Fn::Sub", Value::Array(pair)) if pair.len() == 2 => {
                        let template = pair[0].as_str().ok_or_else(|| self.err(at, "`Fn::Sub` template"))?;
                        let mut vars = BTreeMap::new();
                        for (k, v) in pair[1].as_object().ok_or_else(|| self.err(at, "`Fn::Sub` variables"))? {
                            vars.insert(k.clone(), self.string(v, at)?);
                        }
                        self.sub(template, &vars, at)
                    }
                    ("Ref", Value::String(name)) => self.reference(name, at),
                    ("Fn::GetAtt", Value::Array(pair)) if pair.len() == 2 => {
                        match (pair[0].as_str(), pair[1].as_str()) {
                            (Some(logical), Some(attribute)) => self.get_att(logical, attribute, at),
                            _ => Err(self.err(at, "`Fn::GetAtt` takes two strings")),
                        }
                    }
                    ("Fn::GetAtt", Value::String(dotted)) => match dotted.split_once('.') {
                        Some((logical, attribute)) => self.get_att(logical, attribute, at),
                        None => Err(self.err(at, format!("`Fn::GetAtt` of `{dotted}`"))),
                    },
                    ("Fn::Join", Value::Array(pair)) if pair.len() == 2 => {
                        let separator = pair[0].as_str().ok_or_else(|| self.err(at, "`Fn::Join` separator"))?;
                        let parts = self.list(Some(&pair[1]), at)?;
                        Ok(parts.join(separator))
                    }
                    _ => Err(self.err(at, format!("intrinsic function `{function}` is not understood"))),
                }
            }
            other => Err(self.err(at, format!("expected a string, found {other}"))),
        }
    }

    /// A string or a list of strings (each possibly an intrinsic function).
    pub fn list(&self, v: Option<&Value>, at: &str) -> Result<Vec<String>> {
        match v {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => {
                items.iter().enumerate().map(|(i, item)| self.string(item, &format!("{at}[{i}]"))).collect()
            }
            Some(one) => Ok(vec![self.string(one, at)?]),
        }
    }

    /// A document with every intrinsic function resolved: plain JSON (an IAM policy document).
    pub fn resolve(&self, v: &Value, at: &str) -> Result<Value> {
        Ok(match v {
            Value::Object(o) if o.len() == 1 && o.keys().all(|k| k == "Ref" || k.starts_with("Fn::")) => {
                Value::String(self.string(v, at)?)
            }
            Value::Object(o) => {
                let mut out = Map::new();
                for (k, v) in o {
                    out.insert(k.clone(), self.resolve(v, &format!("{at}.{k}"))?);
                }
                Value::Object(out)
            }
            Value::Array(items) => Value::Array(
                items.iter().enumerate().map(|(i, v)| self.resolve(v, &format!("{at}[{i}]"))).collect::<Result<_>>()?,
            ),
            other => other.clone(),
        })
    }

    fn policy(&self, doc: &Value, source: String, at: &str) -> Result<Policy> {
        let statements = match doc.get("Statement") {
            Some(Value::Array(items)) => items.iter().collect(),
            Some(one @ Value::Object(_)) => vec![one],
            _ => return Err(self.err(at, "no `Statement` list")),
        };
        let mut out = Vec::new();
        for (i, s) in statements.into_iter().enumerate() {
            out.push(self.statement(s, &format!("{at}.Statement[{i}]"))?);
        }
        Ok(Policy { source, statements: out })
    }

    fn items(&self, s: &Value, is: &str, not: &str, at: &str) -> Result<Option<Items>> {
        match (s.get(is), s.get(not)) {
            (Some(_), Some(_)) => Err(self.err(at, format!("both `{is}` and `{not}`"))),
            (Some(v), None) => Ok(Some(Items::Is(self.list(Some(v), &format!("{at}.{is}"))?.into()))),
            (None, Some(v)) => Ok(Some(Items::Not(self.list(Some(v), &format!("{at}.{not}"))?.into()))),
            (None, None) => Ok(None),
        }
    }

    fn statement(&self, s: &Value, at: &str) -> Result<Statement> {
        let effect = match s.get("Effect").and_then(Value::as_str) {
            Some("Allow") => Effect::Allow,
            Some("Deny") => Effect::Deny,
            _ => return Err(self.err(at, "`Effect` is neither `Allow` nor `Deny`")),
        };
        if s.get("NotPrincipal").is_some() {
            return Err(self.err(at, "`NotPrincipal` is not supported"));
        }
        let principal = match s.get("Principal") {
            None => None,
            Some(Value::String(star)) if star == "*" => Some(Principals { anyone: true, ..Principals::default() }),
            Some(Value::Object(by_type)) => {
                let mut p = Principals::default();
                for (kind, ids) in by_type {
                    let ids = self.list(Some(ids), &format!("{at}.Principal.{kind}"))?;
                    match kind.as_str() {
                        "AWS" if ids.iter().any(|i| i == "*") => p.anyone = true,
                        "AWS" => p.aws.extend(ids),
                        "Service" => p.services.extend(ids),
                        // Federated and CanonicalUser principals match no caller the engine asks about.
                        _ => {}
                    }
                }
                Some(p)
            }
            Some(_) => return Err(self.err(&format!("{at}.Principal"), "not understood")),
        };
        let actions =
            self.items(s, "Action", "NotAction", at)?.ok_or_else(|| self.err(at, "no `Action` or `NotAction`"))?;
        let resources = self.items(s, "Resource", "NotResource", at)?;
        let mut conditions = Vec::new();
        if let Some(block) = s.get("Condition") {
            let operators = block.as_object().ok_or_else(|| self.err(at, "`Condition` is not a map"))?;
            for (operator, keys) in operators {
                let here = format!("{at}.Condition.{operator}");
                let keys = keys.as_object().ok_or_else(|| self.err(&here, "not a map"))?;
                for (key, values) in keys {
                    let values = self.list(Some(values), &format!("{here}.{key}"))?;
                    conditions.push(Condition { operator: operator.clone(), key: key.clone(), values });
                }
            }
        }
        Ok(Statement {
            sid: s.get("Sid").and_then(Value::as_str).map(str::to_owned),
            effect,
            principal,
            actions,
            resources,
            conditions,
        })
    }
}

/// Reads one plain IAM JSON policy document (no intrinsic functions), e.g. an `iam/*.json`
/// document or a permissions boundary the caller knows.
pub fn read_policy(source: &str, doc: &Value) -> Result<Policy> {
    let env = Environment { partition: String::new(), region: String::new(), account: String::new() };
    let plain = Template { file: source, resources: &NO_RESOURCES, env };
    plain.policy(doc, source.to_owned(), "PolicyDocument")
}

/// IAM resource types that carry no grant of their own, or that the reader reads.
const IAM_TYPES: &[&str] = &[
    "AWS::IAM::Role",
    "AWS::IAM::ManagedPolicy",
    "AWS::IAM::Policy",
    "AWS::IAM::RolePolicy",
    "AWS::IAM::ServiceLinkedRole",
    "AWS::IAM::InstanceProfile",
];

/// Reads the IAM roles, access entries and Pod Identity associations of a CloudFormation
/// template.
pub fn read_cloudformation(file: &str, text: &str, env: &Environment) -> Result<Deployment> {
    let template = parse_yaml(file, text)?;
    let cfn = Template::new(file, &template, env)?;
    let resources = cfn.resources();
    let mut out = Deployment::default();
    for logical in resources.keys() {
        let here = format!("Resources.{logical}");
        let kind = cfn.kind(logical).ok_or_else(|| cfn.err(&here, "no `Type`"))?;
        if kind.starts_with("AWS::IAM::") && !IAM_TYPES.contains(&kind) {
            return Err(cfn.err(&here, format!("IAM resource type `{kind}` is not understood")));
        }
        let props = || cfn.props(logical);
        let here = format!("{here}.Properties");
        match kind {
            "AWS::IAM::Role" => {
                let (name, arn) = cfn.role_arn(logical, &here)?;
                let p = props()?;
                let trust_at = format!("{here}.AssumeRolePolicyDocument");
                let trust = cfn.policy(
                    cfn.field(p, "AssumeRolePolicyDocument", &here)?,
                    format!("{file} {logical} trust policy"),
                    &trust_at,
                )?;
                let mut policies = Vec::new();
                for (i, inline) in p.get("Policies").and_then(Value::as_array).into_iter().flatten().enumerate() {
                    let at = format!("{here}.Policies[{i}]");
                    let policy_name = cfn.string(cfn.field(inline, "PolicyName", &at)?, &at)?;
                    let doc = cfn.field(inline, "PolicyDocument", &at)?;
                    policies.push(cfn.policy(
                        doc,
                        format!("{file} {logical} {policy_name}"),
                        &format!("{at}.PolicyDocument"),
                    )?);
                }
                let role = RoleAccess {
                    name: name.clone(),
                    arn,
                    trust,
                    policies,
                    managed_policy_arns: cfn.list(p.get("ManagedPolicyArns"), &format!("{here}.ManagedPolicyArns"))?,
                    permissions_boundary: p
                        .get("PermissionsBoundary")
                        .map(|b| cfn.string(b, &format!("{here}.PermissionsBoundary")))
                        .transpose()?,
                };
                if out.roles.insert(name.clone(), role).is_some() {
                    return Err(cfn.err(&here, format!("a second role named `{name}`")));
                }
            }
            "AWS::EKS::AccessEntry" => {
                let p = props()?;
                let principal_arn =
                    cfn.string(cfn.field(p, "PrincipalArn", &here)?, &format!("{here}.PrincipalArn"))?;
                let mut access_policies = Vec::new();
                for (i, policy) in p.get("AccessPolicies").and_then(Value::as_array).into_iter().flatten().enumerate() {
                    let at = format!("{here}.AccessPolicies[{i}]");
                    let scope = cfn.field(policy, "AccessScope", &at)?;
                    let kind = cfn.string(cfn.field(scope, "Type", &at)?, &at)?;
                    access_policies.push(AccessPolicy {
                        policy_arn: cfn.string(cfn.field(policy, "PolicyArn", &at)?, &at)?,
                        scope: match kind.as_str() {
                            "cluster" => AccessScope::Cluster,
                            "namespace" => AccessScope::Namespaces(cfn.list(scope.get("Namespaces"), &at)?),
                            other => return Err(cfn.err(&at, format!("access scope `{other}`"))),
                        },
                    });
                }
                let entry = AccessEntry {
                    source: format!("{file} {logical}"),
                    cluster: cfn.string(cfn.field(p, "ClusterName", &here)?, &here)?,
                    principal_arn: principal_arn.clone(),
                    kubernetes_groups: cfn.list(p.get("KubernetesGroups"), &format!("{here}.KubernetesGroups"))?,
                    access_policies,
                };
                if out.access_entries.insert(principal_arn.clone(), entry).is_some() {
                    return Err(cfn.err(&here, format!("a second access entry for `{principal_arn}`")));
                }
            }
            "AWS::EKS::PodIdentityAssociation" => {
                let p = props()?;
                let field = |key: &str| cfn.string(cfn.field(p, key, &here)?, &format!("{here}.{key}"));
                out.pod_identities.push(PodIdentity {
                    cluster: field("ClusterName")?,
                    namespace: field("Namespace")?,
                    service_account: field("ServiceAccount")?,
                    role_arn: field("RoleArn")?,
                });
            }
            _ => {}
        }
    }
    // Policies attach to roles by name, so every role is read first.
    for (logical, _) in resources {
        let kind = cfn.kind(logical).unwrap_or_default();
        if !matches!(kind, "AWS::IAM::ManagedPolicy" | "AWS::IAM::Policy" | "AWS::IAM::RolePolicy") {
            continue;
        }
        let here = format!("Resources.{logical}.Properties");
        let p = cfn.props(logical)?;
        if p.get("Users").is_some() || p.get("Groups").is_some() {
            continue;
        }
        let policy = cfn.policy(
            cfn.field(p, "PolicyDocument", &here)?,
            format!("{file} {logical}"),
            &format!("{here}.PolicyDocument"),
        )?;
        let roles = if kind == "AWS::IAM::RolePolicy" {
            vec![cfn.string(cfn.field(p, "RoleName", &here)?, &format!("{here}.RoleName"))?]
        } else {
            cfn.list(p.get("Roles"), &format!("{here}.Roles"))?
        };
        for role in roles {
            let target = out
                .roles
                .get_mut(&role)
                .ok_or_else(|| cfn.err(&format!("{here}.Roles"), format!("role `{role}` is not created here")))?;
            target.policies.push(policy.clone());
        }
    }
    Ok(out)
}

/// Reads the RBAC objects, Namespaces and ServiceAccounts of a Kubernetes manifest (one or more
/// YAML documents). Other kinds are ignored: they grant nothing.
pub fn read_rbac(file: &str, text: &str) -> Result<Rbac> {
    let docs = super::yaml::documents(text).map_err(|e| yaml_error(file, &e))?;
    let err = |at: String, message: String| ReadError { file: file.to_owned(), at, message };
    let mut rbac = Rbac { source: file.to_owned(), ..Rbac::default() };
    for (d, doc) in docs.iter().enumerate() {
        if doc.is_null() {
            continue;
        }
        let at = format!("document {}", d + 1);
        let kind = doc.get("kind").and_then(Value::as_str).unwrap_or_default();
        let meta = doc.get("metadata");
        let name = meta.and_then(|m| m.get("name")).and_then(Value::as_str).unwrap_or_default().to_owned();
        let namespace = meta.and_then(|m| m.get("namespace")).and_then(Value::as_str).map(str::to_owned);
        let strings = |v: Option<&Value>, field: &str| -> Result<Vec<String>> {
            match v {
                None | Some(Value::Null) => Ok(Vec::new()),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|i| {
                        i.as_str()
                            .map(str::to_owned)
                            .ok_or_else(|| err(format!("{at}.{field}"), "not a string".to_owned()))
                    })
                    .collect(),
                Some(_) => Err(err(format!("{at}.{field}"), "not a list".to_owned())),
            }
        };
        match kind {
            "Role" | "ClusterRole" => {
                if doc.get("aggregationRule").is_some() {
                    return Err(err(at, "an aggregated ClusterRole is not supported".to_owned()));
                }
                let mut rules = Vec::new();
                for (i, r) in doc.get("rules").and_then(Value::as_array).into_iter().flatten().enumerate() {
                    let f = |k: &str| strings(r.get(k), &format!("rules[{i}].{k}"));
                    rules.push(Rule {
                        api_groups: f("apiGroups")?,
                        resources: f("resources")?,
                        resource_names: f("resourceNames")?,
                        verbs: f("verbs")?,
                        non_resource_urls: f("nonResourceURLs")?,
                    });
                }
                let namespace = if kind == "Role" {
                    Some(namespace.ok_or_else(|| err(at.clone(), format!("Role `{name}` has no namespace")))?)
                } else {
                    None
                };
                rbac.roles.push(RbacRole { name, namespace, rules: rules.into() });
            }
            "RoleBinding" | "ClusterRoleBinding" => {
                let role_ref = doc.get("roleRef").ok_or_else(|| err(at.clone(), "no `roleRef`".to_owned()))?;
                let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
                let mut subjects = Vec::new();
                for s in doc.get("subjects").and_then(Value::as_array).into_iter().flatten() {
                    subjects.push(match text(s, "kind").as_str() {
                        "User" => Subject::User(text(s, "name")),
                        "Group" => Subject::Group(text(s, "name")),
                        "ServiceAccount" => Subject::ServiceAccount {
                            namespace: s
                                .get("namespace")
                                .and_then(Value::as_str)
                                .or(namespace.as_deref())
                                .unwrap_or_default()
                                .to_owned(),
                            name: text(s, "name"),
                        },
                        other => return Err(err(at, format!("subject kind `{other}`"))),
                    });
                }
                let namespace = if kind == "RoleBinding" {
                    Some(namespace.ok_or_else(|| err(at.clone(), format!("RoleBinding `{name}` has no namespace")))?)
                } else {
                    None
                };
                rbac.bindings.push(Binding {
                    name,
                    namespace,
                    role_kind: text(role_ref, "kind"),
                    role_name: text(role_ref, "name"),
                    subjects,
                });
            }
            "Namespace" => rbac.namespaces.push(name),
            "ServiceAccount" => rbac.service_accounts.push((namespace.unwrap_or_else(|| "default".to_owned()), name)),
            _ => {}
        }
    }
    Ok(rbac)
}
