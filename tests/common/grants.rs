//! What an output grants, normalized so that CloudFormation, Terraform and plain IAM JSON can be
//! compared with one another.
//!
//! Each output is parsed back ([`serde_json::Value`]; CloudFormation YAML through `serde-saphyr`),
//! its deploy-time symbols are resolved for one concrete [`Env`], and every policy document is
//! brought back to IAM JSON and exploded into sets:
//!
//! - [`Grant`]: one `(effect, action, resource, conditions)` per action × resource of every
//!   customer policy a role gets (documents this output creates; AWS managed policies are counted
//!   by ARN instead, in [`RoleGrants::managed_policy_arns`]);
//! - [`Trust`]: one `(effect, principal, action, conditions)` per principal × action of a trust
//!   policy;
//! - conditions as sorted `(operator, key, sorted values)`.
//!
//! Sids, statement order, the grouping of actions and resources into statements, and whether a
//! single value is written as a string or a one-element list do not matter; anything that IAM
//! would grant differently does.
//!
//! Entry points, keyed by IAM role name:
//!
//! - [`cfn_roles`] and [`cfn_access`] read a CloudFormation template; [`cfn_output`] reads
//!   either `cloudformation.yaml` or the stacks of `cloudformation/` as one template;
//! - [`tf_roles`] and [`tf_access`] read a Terraform JSON configuration (`main.tf.json`);
//! - [`iam_json_role`] reads one `iam/<role-name>.json` file;
//! - [`policy_grants`] and [`trust_grants`] normalize one IAM JSON policy document;
//! - [`diff_roles`] and [`diff_access`] describe the differences, one readable line each.
//!
//! Anything the normalizer does not understand (an unknown resource type, intrinsic function or
//! Terraform reference) panics with its location instead of being skipped: a construct it
//! ignored could hide a grant.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use hyperpod_iam::access::Environment;
use hyperpod_iam::access::read::Template;
use serde_json::{Map, Value};

/// One concrete deployment: the values that deploy-time symbols resolve to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Env {
    pub partition: String,
    pub region: String,
    pub account: String,
}

impl Env {
    /// The ARN of a role named `name` (path `/`) in this deployment.
    pub fn role_arn(&self, name: &str) -> String {
        format!("arn:{}:iam::{}:role/{name}", self.partition, self.account)
    }
}

/// An action or resource, or its negation (`NotAction`, `NotResource`, `NotPrincipal`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Item {
    Is(String),
    Not(String),
}

impl fmt::Display for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Item::Is(s) => write!(f, "{s}"),
            Item::Not(s) => write!(f, "not {s}"),
        }
    }
}

/// One condition: `operator key [values]`, values sorted.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cond {
    pub operator: String,
    pub key: String,
    pub values: Vec<String>,
}

fn show_conditions(f: &mut fmt::Formatter<'_>, conditions: &[Cond]) -> fmt::Result {
    for c in conditions {
        write!(f, " if {} {} [{}]", c.operator, c.key, c.values.join(", "))?;
    }
    Ok(())
}

/// One permission: `effect` `action` on `resource`, under all of `conditions` (sorted).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Grant {
    pub effect: String,
    pub action: Item,
    pub resource: Item,
    pub conditions: Vec<Cond>,
}

impl fmt::Display for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} on {}", self.effect, self.action, self.resource)?;
        show_conditions(f, &self.conditions)
    }
}

/// One trust relationship: `principal` (`AWS arn:...`, `Service sagemaker.amazonaws.com`, `*`)
/// may `action` (`sts:AssumeRole`) under all of `conditions`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Trust {
    pub effect: String,
    pub principal: Item,
    pub action: Item,
    pub conditions: Vec<Cond>,
}

impl fmt::Display for Trust {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} to {}", self.effect, self.principal, self.action)?;
        show_conditions(f, &self.conditions)
    }
}

/// Everything one IAM role ends up with.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RoleGrants {
    /// Its trust policy.
    pub trust: BTreeSet<Trust>,
    /// Managed policies attached by ARN (AWS managed, or existing customer policies).
    pub managed_policy_arns: BTreeSet<String>,
    /// Every grant of the policies this output creates and attaches to the role.
    pub grants: BTreeSet<Grant>,
    pub permissions_boundary: Option<String>,
}

/// An EKS access policy association, as part of its [`AccessEntry`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct AccessPolicy {
    pub policy_arn: String,
    /// `cluster` or `namespace`.
    pub scope: String,
    pub namespaces: BTreeSet<String>,
}

impl fmt::Display for AccessPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at {} scope", self.policy_arn, self.scope)?;
        if !self.namespaces.is_empty() {
            write!(f, " ({})", self.namespaces.iter().cloned().collect::<Vec<_>>().join(", "))?;
        }
        Ok(())
    }
}

/// An EKS access entry of one principal.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AccessEntry {
    pub cluster: String,
    /// `STANDARD` when the output leaves it out (the default of both AWS and Terraform).
    pub entry_type: String,
    pub kubernetes_groups: BTreeSet<String>,
    pub access_policies: BTreeSet<AccessPolicy>,
}

/// An EKS Pod Identity association.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PodIdentity {
    pub cluster: String,
    pub namespace: String,
    pub service_account: String,
    pub role_arn: String,
}

impl fmt::Display for PodIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{} on {} assumes {}", self.namespace, self.service_account, self.cluster, self.role_arn)
    }
}

/// What an output grants outside IAM policies.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Access {
    /// Access entries by principal ARN.
    pub entries: BTreeMap<String, AccessEntry>,
    pub pod_identities: BTreeSet<PodIdentity>,
    /// The AWS service name of each service-linked role created.
    pub service_linked_roles: BTreeSet<String>,
}

// ---------------------------------------------------------------------------------------------
// IAM JSON

/// A string or a list of strings, as IAM allows for most elements.
fn strings(v: &Value, at: &str) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => {
            items.iter().map(|i| i.as_str().unwrap_or_else(|| panic!("{at}: {i} is not a string")).to_owned()).collect()
        }
        other => panic!("{at}: expected a string or a list of strings, found {other}"),
    }
}

/// An object's single-value or list elements, e.g. `Action` or `NotAction`.
fn items(stmt: &Map<String, Value>, is: &str, not: &str, at: &str) -> Option<Vec<Item>> {
    match (stmt.get(is), stmt.get(not)) {
        (Some(_), Some(_)) => panic!("{at}: both `{is}` and `{not}`"),
        (Some(v), None) => Some(strings(v, at).into_iter().map(Item::Is).collect()),
        (None, Some(v)) => Some(strings(v, at).into_iter().map(Item::Not).collect()),
        (None, None) => None,
    }
}

fn conditions(stmt: &Map<String, Value>, at: &str) -> Vec<Cond> {
    let Some(condition) = stmt.get("Condition") else { return Vec::new() };
    let operators = condition.as_object().unwrap_or_else(|| panic!("{at}: `Condition` is not an object"));
    let mut out = Vec::new();
    for (operator, keys) in operators {
        let keys = keys.as_object().unwrap_or_else(|| panic!("{at}: `Condition.{operator}` is not an object"));
        for (key, values) in keys {
            let mut values = strings(values, at);
            values.sort();
            values.dedup();
            out.push(Cond { operator: operator.clone(), key: key.clone(), values });
        }
    }
    out.sort();
    out
}

fn statements<'a>(doc: &'a Value, at: &str) -> Vec<&'a Map<String, Value>> {
    assert_eq!(doc.get("Version").and_then(Value::as_str), Some("2012-10-17"), "{at}: policy version");
    let list = match doc.get("Statement") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        other => panic!("{at}: `Statement` is {other:?}"),
    };
    list.into_iter().map(|s| s.as_object().unwrap_or_else(|| panic!("{at}: a statement is not an object"))).collect()
}

fn effect(stmt: &Map<String, Value>, at: &str) -> String {
    let effect =
        stmt.get("Effect").and_then(Value::as_str).unwrap_or_else(|| panic!("{at}: statement without `Effect`"));
    assert!(effect == "Allow" || effect == "Deny", "{at}: effect `{effect}`");
    effect.to_owned()
}

/// The grants of a permission policy (IAM JSON, all values literal).
pub fn policy_grants(doc: &Value, at: &str) -> BTreeSet<Grant> {
    let mut out = BTreeSet::new();
    for stmt in statements(doc, at) {
        assert!(
            !stmt.contains_key("Principal") && !stmt.contains_key("NotPrincipal"),
            "{at}: principal in a permission policy"
        );
        let effect = effect(stmt, at);
        let actions =
            items(stmt, "Action", "NotAction", at).unwrap_or_else(|| panic!("{at}: statement without action"));
        let resources =
            items(stmt, "Resource", "NotResource", at).unwrap_or_else(|| panic!("{at}: statement without resource"));
        let conditions = conditions(stmt, at);
        for action in &actions {
            for resource in &resources {
                out.insert(Grant {
                    effect: effect.clone(),
                    action: action.clone(),
                    resource: resource.clone(),
                    conditions: conditions.clone(),
                });
            }
        }
    }
    out
}

fn principals(v: &Value, negated: bool, at: &str) -> Vec<Item> {
    let wrap = |s: String| if negated { Item::Not(s) } else { Item::Is(s) };
    match v {
        Value::String(s) if s == "*" => vec![wrap("*".to_owned())],
        Value::Object(by_type) => by_type
            .iter()
            .flat_map(|(kind, ids)| strings(ids, at).into_iter().map(move |id| format!("{kind} {id}")))
            .map(wrap)
            .collect(),
        other => panic!("{at}: principal {other}"),
    }
}

/// The trust relationships of a trust policy (IAM JSON, all values literal).
pub fn trust_grants(doc: &Value, at: &str) -> BTreeSet<Trust> {
    let mut out = BTreeSet::new();
    for stmt in statements(doc, at) {
        assert!(
            !stmt.contains_key("Resource") && !stmt.contains_key("NotResource"),
            "{at}: resource in a trust policy"
        );
        let effect = effect(stmt, at);
        let principals = match (stmt.get("Principal"), stmt.get("NotPrincipal")) {
            (Some(p), None) => principals(p, false, at),
            (None, Some(p)) => principals(p, true, at),
            _ => panic!("{at}: a trust statement needs exactly one of `Principal`, `NotPrincipal`"),
        };
        let actions =
            items(stmt, "Action", "NotAction", at).unwrap_or_else(|| panic!("{at}: statement without action"));
        let conditions = conditions(stmt, at);
        for principal in &principals {
            for action in &actions {
                out.insert(Trust {
                    effect: effect.clone(),
                    principal: principal.clone(),
                    action: action.clone(),
                    conditions: conditions.clone(),
                });
            }
        }
    }
    out
}

fn required<'a>(v: &'a Value, key: &str, at: &str) -> &'a Value {
    v.get(key).unwrap_or_else(|| panic!("{at}: no `{key}`"))
}

/// One `iam/<role-name>.json` file: the role name and what it grants. Every value is literal.
pub fn iam_json_role(file: &Value, at: &str) -> (String, RoleGrants) {
    let name = required(file, "RoleName", at).as_str().unwrap_or_else(|| panic!("{at}: `RoleName`")).to_owned();
    let mut role = RoleGrants {
        trust: trust_grants(required(file, "AssumeRolePolicyDocument", at), &format!("{at} trust")),
        managed_policy_arns: file
            .get("ManagedPolicyArns")
            .map(|v| strings(v, at))
            .unwrap_or_default()
            .into_iter()
            .collect(),
        grants: BTreeSet::new(),
        permissions_boundary: file
            .get("PermissionsBoundary")
            .map(|v| v.as_str().unwrap_or_else(|| panic!("{at}: boundary")).to_owned()),
    };
    for policy in file.get("Policies").and_then(Value::as_array).into_iter().flatten() {
        let doc = required(policy, "PolicyDocument", at);
        role.grants.extend(policy_grants(doc, &format!("{at} {}", policy.get("PolicyName").unwrap_or(&Value::Null))));
    }
    (name, role)
}

// ---------------------------------------------------------------------------------------------
// CloudFormation

/// A template read through the library's CloudFormation reader
/// ([`hyperpod_iam::access::read::Template`]), which resolves the intrinsic functions; its errors
/// become panics here.
struct Cfn<'a> {
    resources: &'a Map<String, Value>,
    template: Template<'a>,
}

impl<'a> Cfn<'a> {
    fn new(template: &'a Value, env: &Env) -> Self {
        let env =
            Environment { partition: env.partition.clone(), region: env.region.clone(), account: env.account.clone() };
        let template = Template::new("cloudformation", template, &env).unwrap_or_else(|e| panic!("{e}"));
        Cfn { resources: template.resources(), template }
    }

    fn typed(&self, kind: &str) -> impl Iterator<Item = (&'a String, &'a Value)> + '_ {
        let kind = kind.to_owned();
        self.resources.iter().filter(move |(_, r)| r.get("Type").and_then(Value::as_str) == Some(kind.as_str()))
    }

    fn role_name(&self, logical: &str) -> String {
        self.template.role_arn(logical, logical).unwrap_or_else(|e| panic!("{e}")).0
    }

    /// A scalar value: a plain string, or an intrinsic function resolved for the environment.
    fn string(&self, v: &Value, at: &str) -> String {
        self.template.string(v, at).unwrap_or_else(|e| panic!("{e}"))
    }

    /// A policy document with every intrinsic function resolved: plain IAM JSON.
    fn resolve(&self, v: &Value, at: &str) -> Value {
        self.template.resolve(v, at).unwrap_or_else(|e| panic!("{e}"))
    }

    fn list(&self, v: Option<&Value>, at: &str) -> Vec<String> {
        if let Some(other @ (Value::String(_) | Value::Object(_))) = v {
            panic!("{at}: expected a list, found {other}");
        }
        self.template.list(v, at).unwrap_or_else(|e| panic!("{e}"))
    }
}

const CFN_TYPES: &[&str] = &[
    "AWS::IAM::Role",
    "AWS::IAM::ManagedPolicy",
    "AWS::IAM::ServiceLinkedRole",
    "AWS::EKS::AccessEntry",
    "AWS::EKS::PodIdentityAssociation",
];

/// The CloudFormation of an output folder as one template: `cloudformation.yaml`, or every
/// `cloudformation/*.yaml` stack with their resources and outputs put together (a logical id in
/// two stacks panics). `None` when the folder has neither.
pub fn cfn_output(dir: &std::path::Path) -> Option<Value> {
    let read = |path: &std::path::Path| -> Value {
        let text = std::fs::read_to_string(path).unwrap();
        serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    };
    let single = dir.join("cloudformation.yaml");
    if single.exists() {
        return Some(read(&single));
    }
    let mut stacks: Vec<std::path::PathBuf> = std::fs::read_dir(dir.join("cloudformation"))
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    stacks.sort();
    let templates: Vec<(String, Value)> = stacks.iter().map(|p| (p.display().to_string(), read(p))).collect();
    Some(cfn_as_one(&templates))
}

/// Templates of several stacks as one: every resource and output of every stack.
pub fn cfn_as_one(templates: &[(String, Value)]) -> Value {
    let mut resources = Map::new();
    let mut outputs = Map::new();
    for (at, t) in templates {
        let own = t.get("Resources").and_then(Value::as_object).unwrap_or_else(|| panic!("{at}: no Resources"));
        for (id, r) in own {
            assert!(resources.insert(id.clone(), r.clone()).is_none(), "{at}: `{id}` is in two stacks");
        }
        for (id, o) in t.get("Outputs").and_then(Value::as_object).into_iter().flatten() {
            assert!(outputs.insert(id.clone(), o.clone()).is_none(), "{at}: output `{id}` is in two stacks");
        }
    }
    serde_json::json!({"Resources": resources, "Outputs": outputs})
}

/// What each role of a CloudFormation template (parsed into JSON values) grants, by role name.
pub fn cfn_roles(template: &Value, env: &Env) -> BTreeMap<String, RoleGrants> {
    let cfn = Cfn::new(template, env);
    for (logical, resource) in cfn.resources {
        let kind = resource.get("Type").and_then(Value::as_str).unwrap_or_default();
        assert!(
            CFN_TYPES.contains(&kind),
            "cloudformation: `{logical}` has type `{kind}`, which the normalizer does not know"
        );
    }
    let mut roles = BTreeMap::new();
    for (logical, resource) in cfn.typed("AWS::IAM::Role") {
        let props = required(resource, "Properties", logical);
        let name = cfn.role_name(logical);
        let mut role = RoleGrants {
            trust: trust_grants(&cfn.resolve(required(props, "AssumeRolePolicyDocument", logical), logical), logical),
            managed_policy_arns: cfn.list(props.get("ManagedPolicyArns"), logical).into_iter().collect(),
            grants: BTreeSet::new(),
            permissions_boundary: props.get("PermissionsBoundary").map(|b| cfn.string(b, logical)),
        };
        for policy in props.get("Policies").and_then(Value::as_array).into_iter().flatten() {
            role.grants
                .extend(policy_grants(&cfn.resolve(required(policy, "PolicyDocument", logical), logical), logical));
        }
        assert!(roles.insert(name.clone(), role).is_none(), "cloudformation: two roles named `{name}`");
    }
    for (logical, resource) in cfn.typed("AWS::IAM::ManagedPolicy") {
        let props = required(resource, "Properties", logical);
        assert!(props.get("Users").is_none() && props.get("Groups").is_none(), "{logical}: users or groups");
        let grants = policy_grants(&cfn.resolve(required(props, "PolicyDocument", logical), logical), logical);
        for role in cfn.list(props.get("Roles"), logical) {
            roles
                .get_mut(&role)
                .unwrap_or_else(|| panic!("{logical}: attached to unknown role `{role}`"))
                .grants
                .extend(grants.clone());
        }
    }
    roles
}

/// The access entries, Pod Identity associations and service-linked roles of a CloudFormation
/// template.
pub fn cfn_access(template: &Value, env: &Env) -> Access {
    let cfn = Cfn::new(template, env);
    let mut access = Access::default();
    for (logical, resource) in cfn.typed("AWS::EKS::AccessEntry") {
        let props = required(resource, "Properties", logical);
        let principal = cfn.string(required(props, "PrincipalArn", logical), logical);
        let mut entry = AccessEntry {
            cluster: cfn.string(required(props, "ClusterName", logical), logical),
            entry_type: props.get("Type").map_or_else(|| "STANDARD".to_owned(), |t| cfn.string(t, logical)),
            kubernetes_groups: cfn.list(props.get("KubernetesGroups"), logical).into_iter().collect(),
            access_policies: BTreeSet::new(),
        };
        for policy in props.get("AccessPolicies").and_then(Value::as_array).into_iter().flatten() {
            let scope = required(policy, "AccessScope", logical);
            entry.access_policies.insert(AccessPolicy {
                policy_arn: cfn.string(required(policy, "PolicyArn", logical), logical),
                scope: cfn.string(required(scope, "Type", logical), logical),
                namespaces: cfn.list(scope.get("Namespaces"), logical).into_iter().collect(),
            });
        }
        assert!(access.entries.insert(principal.clone(), entry).is_none(), "two access entries for `{principal}`");
    }
    for (logical, resource) in cfn.typed("AWS::EKS::PodIdentityAssociation") {
        let props = required(resource, "Properties", logical);
        let field = |key: &str| cfn.string(required(props, key, logical), logical);
        access.pod_identities.insert(PodIdentity {
            cluster: field("ClusterName"),
            namespace: field("Namespace"),
            service_account: field("ServiceAccount"),
            role_arn: field("RoleArn"),
        });
    }
    for (logical, resource) in cfn.typed("AWS::IAM::ServiceLinkedRole") {
        let props = required(resource, "Properties", logical);
        access.service_linked_roles.insert(cfn.string(required(props, "AWSServiceName", logical), logical));
    }
    access
}

// ---------------------------------------------------------------------------------------------
// Terraform JSON

struct Tf<'a> {
    config: &'a Value,
    env: &'a Env,
}

const TF_RESOURCES: &[&str] = &[
    "aws_iam_role",
    "aws_iam_policy",
    "aws_iam_role_policy_attachment",
    "aws_eks_access_entry",
    "aws_eks_access_policy_association",
    "aws_eks_pod_identity_association",
    "aws_iam_service_linked_role",
];

impl<'a> Tf<'a> {
    fn new(config: &'a Value, env: &'a Env) -> Self {
        for kind in config.get("resource").and_then(Value::as_object).into_iter().flat_map(|r| r.keys()) {
            assert!(
                TF_RESOURCES.contains(&kind.as_str()),
                "terraform: resource type `{kind}` is not known to the normalizer"
            );
        }
        Tf { config, env }
    }

    /// The blocks of one type (`resource` or `data`), by name.
    fn blocks(&self, kind: &str, kind_type: &str) -> Vec<(&'a String, &'a Value)> {
        self.config
            .get(kind)
            .and_then(|k| k.get(kind_type))
            .and_then(Value::as_object)
            .map(|o| o.iter().collect())
            .unwrap_or_default()
    }

    fn block(&self, kind: &str, kind_type: &str, name: &str) -> &'a Value {
        self.config
            .get(kind)
            .and_then(|k| k.get(kind_type))
            .and_then(|t| t.get(name))
            .unwrap_or_else(|| panic!("terraform: no {kind} `{kind_type}.{name}`"))
    }

    fn role_name(&self, address: &str) -> String {
        self.string(required(self.block("resource", "aws_iam_role", address), "name", address), address)
    }

    /// The value of one reference inside `${...}`.
    fn reference(&self, expr: &str, at: &str) -> String {
        if let Some(quoted) = expr.strip_prefix('"').and_then(|e| e.strip_suffix('"')) {
            assert!(!quoted.contains(['"', '\\', '$', '%']) || quoted == "$" || quoted == "%", "{at}: string `{expr}`");
            return quoted.to_owned();
        }
        let parts: Vec<&str> = expr.split('.').collect();
        match parts.as_slice() {
            ["data", "aws_partition", "current", "partition"] => {
                self.block("data", "aws_partition", "current");
                self.env.partition.clone()
            }
            ["data", "aws_region", "current", "region"] => {
                self.block("data", "aws_region", "current");
                self.env.region.clone()
            }
            ["data", "aws_caller_identity", "current", "account_id"] => {
                self.block("data", "aws_caller_identity", "current");
                self.env.account.clone()
            }
            ["aws_iam_role", role, "arn"] => self.env.role_arn(&self.role_name(role)),
            ["aws_iam_role", role, "name"] => self.role_name(role),
            ["aws_eks_access_entry", entry, "principal_arn"] => {
                let block = self.block("resource", "aws_eks_access_entry", entry);
                self.string(required(block, "principal_arn", entry), entry)
            }
            _ => panic!("{at}: reference `${{{expr}}}` is not understood"),
        }
    }

    /// A Terraform string template, evaluated: `$${` → `${`, `%%{` → `%{`, `${ref}` → its value.
    fn string(&self, v: &Value, at: &str) -> String {
        let s = v.as_str().unwrap_or_else(|| panic!("{at}: expected a string, found {v}"));
        let mut out = String::new();
        let mut rest = s;
        while let Some(c) = rest.chars().next() {
            if let Some(after) = rest.strip_prefix("$${") {
                out.push_str("${");
                rest = after;
            } else if let Some(after) = rest.strip_prefix("%%{") {
                out.push_str("%{");
                rest = after;
            } else if let Some(after) = rest.strip_prefix("${") {
                let end = after.find('}').unwrap_or_else(|| panic!("{at}: unterminated `${{` in `{s}`"));
                out.push_str(&self.reference(&after[..end], at));
                rest = &after[end + 1..];
            } else if rest.starts_with("%{") {
                panic!("{at}: template directive in `{s}`");
            } else {
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
        out
    }

    fn list(&self, v: Option<&Value>, at: &str) -> Vec<String> {
        match v {
            None => Vec::new(),
            Some(Value::Array(items)) => items.iter().map(|i| self.string(i, at)).collect(),
            Some(other) => panic!("{at}: expected a list, found {other}"),
        }
    }

    /// Nested blocks: an object (one block) or a list of objects.
    fn nested(v: Option<&Value>) -> Vec<&Value> {
        match v {
            None => Vec::new(),
            Some(Value::Array(items)) => items.iter().collect(),
            Some(one) => vec![one],
        }
    }

    /// A string inside an `aws_iam_policy_document`: the template, then the data source's own
    /// `&{` → `${`.
    fn doc_string(&self, v: &Value, at: &str) -> Value {
        Value::String(self.string(v, at).replace("&{", "${"))
    }

    fn doc_list(&self, v: &Value, at: &str) -> Value {
        let items = v.as_array().unwrap_or_else(|| panic!("{at}: expected a list, found {v}"));
        Value::Array(items.iter().map(|i| self.doc_string(i, at)).collect())
    }

    /// `${data.aws_iam_policy_document.X.json}`, back to IAM JSON.
    fn document(&self, v: &Value, at: &str) -> Value {
        let s = v.as_str().unwrap_or_else(|| panic!("{at}: policy {v}"));
        let name = s
            .strip_prefix("${data.aws_iam_policy_document.")
            .and_then(|r| r.strip_suffix(".json}"))
            .unwrap_or_else(|| panic!("{at}: policy `{s}` is not an aws_iam_policy_document reference"));
        let data = self.block("data", "aws_iam_policy_document", name);
        let at = format!("data.aws_iam_policy_document.{name}");
        for key in data.as_object().into_iter().flat_map(|o| o.keys()) {
            assert!(key == "version" || key == "statement", "{at}: `{key}` is not understood");
        }
        let mut statements = Vec::new();
        for stmt in Self::nested(data.get("statement")) {
            let mut out = Map::new();
            for (key, value) in stmt.as_object().unwrap_or_else(|| panic!("{at}: statement")) {
                let iam_key = match key.as_str() {
                    "sid" => "Sid",
                    "effect" => "Effect",
                    "actions" => "Action",
                    "not_actions" => "NotAction",
                    "resources" => "Resource",
                    "not_resources" => "NotResource",
                    "principals" | "not_principals" | "condition" => continue,
                    other => panic!("{at}: statement key `{other}` is not understood"),
                };
                let converted = if value.is_array() { self.doc_list(value, &at) } else { self.doc_string(value, &at) };
                out.insert(iam_key.to_owned(), converted);
            }
            out.entry("Effect").or_insert_with(|| Value::String("Allow".to_owned()));
            for (key, iam_key) in [("principals", "Principal"), ("not_principals", "NotPrincipal")] {
                let blocks = Self::nested(stmt.get(key));
                if blocks.is_empty() {
                    continue;
                }
                let mut by_type = Map::new();
                for p in blocks {
                    let kind = self.string(required(p, "type", &at), &at);
                    let ids = by_type.entry(kind).or_insert_with(|| Value::Array(Vec::new()));
                    if let (Value::Array(ids), Value::Array(new)) =
                        (ids, self.doc_list(required(p, "identifiers", &at), &at))
                    {
                        ids.extend(new);
                    }
                }
                out.insert(iam_key.to_owned(), Value::Object(by_type));
            }
            let conditions = Self::nested(stmt.get("condition"));
            if !conditions.is_empty() {
                let mut by_operator = Map::new();
                for c in conditions {
                    let operator = self.string(required(c, "test", &at), &at);
                    let key = self.string(required(c, "variable", &at), &at);
                    let keys = by_operator.entry(operator).or_insert_with(|| Value::Object(Map::new()));
                    let values = self.doc_list(required(c, "values", &at), &at);
                    let previous = keys.as_object_mut().unwrap().insert(key.clone(), values);
                    assert!(previous.is_none(), "{at}: condition on `{key}` given twice");
                }
                out.insert("Condition".to_owned(), Value::Object(by_operator));
            }
            statements.push(Value::Object(out));
        }
        let version = data.get("version").map_or_else(|| "2012-10-17".to_owned(), |v| self.string(v, &at));
        serde_json::json!({ "Version": version, "Statement": statements })
    }
}

/// What each role of a Terraform JSON configuration grants, by role name.
pub fn tf_roles(config: &Value, env: &Env) -> BTreeMap<String, RoleGrants> {
    let tf = Tf::new(config, env);
    let mut roles = BTreeMap::new();
    for (address, block) in tf.blocks("resource", "aws_iam_role") {
        let at = format!("aws_iam_role.{address}");
        for key in ["inline_policy", "managed_policy_arns"] {
            assert!(block.get(key).is_none(), "{at}: `{key}` is not understood by the normalizer");
        }
        let name = tf.role_name(address);
        let role = RoleGrants {
            trust: trust_grants(&tf.document(required(block, "assume_role_policy", &at), &at), &at),
            managed_policy_arns: BTreeSet::new(),
            grants: BTreeSet::new(),
            permissions_boundary: block.get("permissions_boundary").map(|b| tf.string(b, &at)),
        };
        assert!(roles.insert(name.clone(), role).is_none(), "terraform: two roles named `{name}`");
    }
    for (address, block) in tf.blocks("resource", "aws_iam_role_policy_attachment") {
        let at = format!("aws_iam_role_policy_attachment.{address}");
        let role_name = tf.string(required(block, "role", &at), &at);
        let role = roles.get_mut(&role_name).unwrap_or_else(|| panic!("{at}: unknown role `{role_name}`"));
        let policy_arn = required(block, "policy_arn", &at);
        let customer =
            policy_arn.as_str().and_then(|s| s.strip_prefix("${aws_iam_policy.")).and_then(|s| s.strip_suffix(".arn}"));
        match customer {
            Some(policy) => {
                let block = tf.block("resource", "aws_iam_policy", policy);
                let at = format!("aws_iam_policy.{policy}");
                role.grants.extend(policy_grants(&tf.document(required(block, "policy", &at), &at), &at));
            }
            None => {
                role.managed_policy_arns.insert(tf.string(policy_arn, &at));
            }
        }
    }
    roles
}

/// The access entries, Pod Identity associations and service-linked roles of a Terraform JSON
/// configuration.
pub fn tf_access(config: &Value, env: &Env) -> Access {
    let tf = Tf::new(config, env);
    let mut access = Access::default();
    for (address, block) in tf.blocks("resource", "aws_eks_access_entry") {
        let at = format!("aws_eks_access_entry.{address}");
        let principal = tf.string(required(block, "principal_arn", &at), &at);
        let entry = AccessEntry {
            cluster: tf.string(required(block, "cluster_name", &at), &at),
            entry_type: block.get("type").map_or_else(|| "STANDARD".to_owned(), |t| tf.string(t, &at)),
            kubernetes_groups: tf.list(block.get("kubernetes_groups"), &at).into_iter().collect(),
            access_policies: BTreeSet::new(),
        };
        assert!(access.entries.insert(principal.clone(), entry).is_none(), "two access entries for `{principal}`");
    }
    for (address, block) in tf.blocks("resource", "aws_eks_access_policy_association") {
        let at = format!("aws_eks_access_policy_association.{address}");
        let principal = tf.string(required(block, "principal_arn", &at), &at);
        let cluster = tf.string(required(block, "cluster_name", &at), &at);
        let scopes = Tf::nested(block.get("access_scope"));
        let [scope] = scopes.as_slice() else { panic!("{at}: expected one access_scope block") };
        let entry =
            access.entries.get_mut(&principal).unwrap_or_else(|| panic!("{at}: no access entry for `{principal}`"));
        assert_eq!(entry.cluster, cluster, "{at}: cluster of the association and of its entry");
        entry.access_policies.insert(AccessPolicy {
            policy_arn: tf.string(required(block, "policy_arn", &at), &at),
            scope: tf.string(required(scope, "type", &at), &at),
            namespaces: tf.list(scope.get("namespaces"), &at).into_iter().collect(),
        });
    }
    for (address, block) in tf.blocks("resource", "aws_eks_pod_identity_association") {
        let at = format!("aws_eks_pod_identity_association.{address}");
        let field = |key: &str| tf.string(required(block, key, &at), &at);
        access.pod_identities.insert(PodIdentity {
            cluster: field("cluster_name"),
            namespace: field("namespace"),
            service_account: field("service_account"),
            role_arn: field("role_arn"),
        });
    }
    for (address, block) in tf.blocks("resource", "aws_iam_service_linked_role") {
        let at = format!("aws_iam_service_linked_role.{address}");
        access.service_linked_roles.insert(tf.string(required(block, "aws_service_name", &at), &at));
    }
    access
}

// ---------------------------------------------------------------------------------------------
// Differences

/// One line per element that only one side has: `<what>: only in <side>: <element>`.
pub fn diff_sets<T: Ord + fmt::Display>(
    what: &str,
    left: (&str, &BTreeSet<T>),
    right: (&str, &BTreeSet<T>),
) -> Vec<String> {
    let mut out = Vec::new();
    for item in left.1.difference(right.1) {
        out.push(format!("{what}: only in {}: {item}", left.0));
    }
    for item in right.1.difference(left.1) {
        out.push(format!("{what}: only in {}: {item}", right.0));
    }
    out
}

/// Every difference between the roles of two outputs, one readable line each; empty when they
/// grant the same.
pub fn diff_roles(
    left: (&str, &BTreeMap<String, RoleGrants>),
    right: (&str, &BTreeMap<String, RoleGrants>),
) -> Vec<String> {
    let mut out = Vec::new();
    let names: BTreeSet<&String> = left.1.keys().chain(right.1.keys()).collect();
    for name in names {
        match (left.1.get(name), right.1.get(name)) {
            (Some(l), Some(r)) => {
                let what = |part: &str| format!("role `{name}` {part}");
                out.extend(diff_sets(&what("trust"), (left.0, &l.trust), (right.0, &r.trust)));
                out.extend(diff_sets(
                    &what("managed policy"),
                    (left.0, &l.managed_policy_arns),
                    (right.0, &r.managed_policy_arns),
                ));
                out.extend(diff_sets(&what("grant"), (left.0, &l.grants), (right.0, &r.grants)));
                if l.permissions_boundary != r.permissions_boundary {
                    out.push(format!(
                        "{}: {} has {:?}, {} has {:?}",
                        what("permissions boundary"),
                        left.0,
                        l.permissions_boundary,
                        right.0,
                        r.permissions_boundary
                    ));
                }
            }
            (Some(_), None) => out.push(format!("role `{name}`: only in {}", left.0)),
            (None, Some(_)) => out.push(format!("role `{name}`: only in {}", right.0)),
            (None, None) => {}
        }
    }
    out
}

/// Every difference between the access entries, Pod Identity associations and service-linked
/// roles of two outputs.
pub fn diff_access(left: (&str, &Access), right: (&str, &Access)) -> Vec<String> {
    let mut out = Vec::new();
    let principals: BTreeSet<&String> = left.1.entries.keys().chain(right.1.entries.keys()).collect();
    for principal in principals {
        match (left.1.entries.get(principal), right.1.entries.get(principal)) {
            (Some(l), Some(r)) => {
                let what = |part: &str| format!("access entry of `{principal}` {part}");
                for (part, a, b) in [("cluster", &l.cluster, &r.cluster), ("type", &l.entry_type, &r.entry_type)] {
                    if a != b {
                        out.push(format!("{}: {} has `{a}`, {} has `{b}`", what(part), left.0, right.0));
                    }
                }
                out.extend(diff_sets(&what("group"), (left.0, &l.kubernetes_groups), (right.0, &r.kubernetes_groups)));
                out.extend(diff_sets(
                    &what("access policy"),
                    (left.0, &l.access_policies),
                    (right.0, &r.access_policies),
                ));
            }
            (Some(_), None) => out.push(format!("access entry of `{principal}`: only in {}", left.0)),
            (None, Some(_)) => out.push(format!("access entry of `{principal}`: only in {}", right.0)),
            (None, None) => {}
        }
    }
    out.extend(diff_sets("pod identity", (left.0, &left.1.pod_identities), (right.0, &right.1.pod_identities)));
    out.extend(diff_sets(
        "service-linked role",
        (left.0, &left.1.service_linked_roles),
        (right.0, &right.1.service_linked_roles),
    ));
    out
}
