//! The filters and tests every template gets, beside minijinja's built-ins (`sort`, `unique`,
//! `dictsort`, `join`, `map`, `selectattr`, ...).
//!
//! Escaping is explicit, one filter per output grammar, because one template folder can write
//! Markdown, YAML and CSV side by side: `yaml`, `json`, `md`, `code`, `csv`. Symbolic values
//! (partition, region, account, a role's ARN) are rendered by `text`, for a target or literally.
//!
//! Look-ups by id (`role`, `policies_of`, `bindings_of`) are functions built for each model from
//! an index, so that a template that walks every role stays linear in the size of the model.

use std::collections::BTreeMap;
use std::sync::Arc;

use minijinja::value::{Value, ValueKind};
use minijinja::{Environment, Error, ErrorKind, State};
use serde::Deserialize;

use crate::model::Model;

/// Role id → IAM role name.
type RoleNames = Arc<BTreeMap<String, String>>;

/// Adds the filters and tests to an environment; `text` knows no role until [`register_model`].
pub fn register(env: &mut Environment<'_>) {
    env.add_filter("yaml", yaml);
    env.add_filter("json", json);
    env.add_filter("md", md);
    env.add_filter("code", code);
    env.add_filter("csv", csv);
    env.add_test("symbolic", symbolic);
    register_text(env, RoleNames::default());
}

fn register_text(env: &mut Environment<'_>, names: RoleNames) {
    env.add_filter("text", move |state: &State<'_, '_>, value: &Value, style: Option<&str>| {
        text(state, &names, value, style)
    });
}

/// The look-ups by id of one model: `text`'s role names, `role(id)`, `policies_of(role_id)`
/// and `bindings_of(group)`. Built once per model and shared by every template emitter (cloning
/// is a few reference counts); the values are the ones of the model document, not copies.
#[derive(Debug, Clone, Default)]
pub struct Lookups {
    names: RoleNames,
    roles: Arc<BTreeMap<String, Value>>,
    policies: Arc<BTreeMap<String, Vec<Value>>>,
    bindings: Arc<BTreeMap<String, Vec<Value>>>,
}

impl Lookups {
    /// The look-ups of `model`, whose model document is `document` (a minijinja value).
    pub fn new(model: &Model, document: &Value) -> Result<Lookups, Error> {
        let items = |value: &Value, field: &str| -> Result<Vec<Value>, Error> {
            Ok(value.get_attr(field)?.try_iter()?.collect())
        };
        let names: BTreeMap<String, String> =
            model.roles.iter().map(|r| (r.id.0.clone(), r.role_name.clone())).collect();
        let roles: BTreeMap<String, Value> =
            model.roles.iter().map(|r| r.id.0.clone()).zip(items(document, "roles")?).collect();

        let mut policies: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for (policy, value) in model.policies.iter().zip(items(document, "policies")?) {
            for role in &policy.roles {
                policies.entry(role.0.clone()).or_default().push(value.clone());
            }
        }

        let mut bindings: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        if let Some(k) = &model.kubernetes {
            let kubernetes = document.get_attr("kubernetes")?;
            let values =
                items(&kubernetes, "roleBindings")?.into_iter().chain(items(&kubernetes, "clusterRoleBindings")?);
            for (binding, value) in k.role_bindings.iter().chain(&k.cluster_role_bindings).zip(values) {
                for subject in binding.subjects.iter().filter(|s| s.kind == "Group") {
                    bindings.entry(subject.name.clone()).or_default().push(value.clone());
                }
            }
        }
        Ok(Lookups {
            names: Arc::new(names),
            roles: Arc::new(roles),
            policies: Arc::new(policies),
            bindings: Arc::new(bindings),
        })
    }
}

/// Adds what needs the model itself: `text` with the model's role names, and the look-ups
/// `role(id)`, `policies_of(role_id)` (the customer managed policies attached to a role) and
/// `bindings_of(group)` (the RoleBindings and ClusterRoleBindings that name a Kubernetes group).
pub fn register_model(env: &mut Environment<'_>, lookups: &Lookups) {
    register_text(env, Arc::clone(&lookups.names));

    let roles = Arc::clone(&lookups.roles);
    env.add_function("role", move |id: &str| -> Result<Value, Error> {
        roles.get(id).cloned().ok_or_else(|| invalid(format!("`role`: no role has id `{id}`")))
    });
    let policies = Arc::clone(&lookups.policies);
    env.add_function("policies_of", move |id: &str| -> Value {
        Value::from(policies.get(id).cloned().unwrap_or_default())
    });
    let bindings = Arc::clone(&lookups.bindings);
    env.add_function("bindings_of", move |group: &str| -> Value {
        Value::from(bindings.get(group).cloned().unwrap_or_default())
    });
}

fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidOperation, message.into())
}

/// A YAML scalar or flow collection that YAML 1.1 and 1.2 readers read back as the same value:
/// a string stays plain only when no reader could take it for anything else, else it is
/// double-quoted (JSON's string syntax is valid YAML).
/// Sequences and maps are written in flow style (`[a, "b c"]`, `{k: v}`), each item so quoted.
fn yaml(value: &Value) -> Result<String, Error> {
    match value.kind() {
        ValueKind::String => match value.as_str() {
            Some(s) if is_plain_yaml(s) => Ok(s.to_owned()),
            _ => json(value),
        },
        ValueKind::Seq | ValueKind::Iterable => {
            let items: Vec<String> = value.try_iter()?.map(|v| yaml(&v)).collect::<Result<_, _>>()?;
            Ok(format!("[{}]", items.join(", ")))
        }
        ValueKind::Map => {
            let mut items = Vec::new();
            for key in value.try_iter()? {
                items.push(format!("{}: {}", yaml(&key)?, yaml(&value.get_item(&key)?)?));
            }
            Ok(format!("{{{}}}", items.join(", ")))
        }
        _ => json(value),
    }
}

/// Whether a string may be written as a plain YAML scalar: it starts with a letter, holds only
/// letters, digits and `-._/`, and is none of the words YAML 1.1 reads as a boolean or null.
fn is_plain_yaml(s: &str) -> bool {
    const WORDS: &[&str] = &["y", "n", "yes", "no", "on", "off", "true", "false", "null"];
    s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '/'))
        && !WORDS.contains(&s.to_ascii_lowercase().as_str())
}

/// Compact JSON. Map keys keep the model's order, which is fixed.
fn json(value: &Value) -> Result<String, Error> {
    serde_json::to_string(value).map_err(|e| invalid(format!("cannot write JSON: {e}")))
}

/// Markdown inline text: every character Markdown could read as syntax is backslash-escaped, and
/// a line break becomes a space, so a value stays on its line and in its table cell.
fn md(value: &Value) -> String {
    let s = value.to_string();
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '~' | '!' | '&' => {
                out.push('\\');
                out.push(c);
            }
            '\r' | '\n' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// A Markdown code span: fenced with more backticks than the value holds, `|` escaped so the
/// span can sit in a table cell, line breaks as spaces.
fn code(value: &Value) -> String {
    let s = value.to_string().replace(['\r', '\n'], " ").replace('|', "\\|");
    if s.trim().is_empty() {
        // An empty span is not a code span in Markdown: show the quotes.
        return format!("`\"{s}\"`");
    }
    let mut longest = 0;
    let mut run = 0;
    for c in s.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') { " " } else { "" };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// One CSV field (RFC 4180): quoted when it holds a comma, a quote, a line break or leading or
/// trailing space, with quotes doubled.
fn csv(value: &Value) -> String {
    let s = value.to_string();
    if s.contains([',', '"', '\r', '\n']) || s.starts_with(' ') || s.ends_with(' ') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// One part of a model `Text`, as the model document writes it.
#[derive(Debug, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "camelCase")]
enum Part {
    Lit(String),
    Partition,
    Region,
    Account,
    RoleArn(String),
    PolicyVar(String),
}

/// A `Text` of the model document (a list of parts) or a plain string, as parts.
fn parts(value: &Value) -> Result<Vec<Part>, Error> {
    if let Some(s) = value.as_str() {
        return Ok(vec![Part::Lit(s.to_owned())]);
    }
    if value.kind() != ValueKind::Seq {
        return Err(invalid(format!("`text` takes a text of the model or a string, not {}", value.kind())));
    }
    // Read straight from the value: `text` runs for every ARN of every statement, and going
    // through serde's deserializer cost more than the rest of the access report. Anything this
    // does not know goes to the deserializer, for its message.
    if let Some(parts) = value.try_iter().ok().and_then(|items| items.map(|item| part(&item)).collect()) {
        return Ok(parts);
    }
    Vec::<Part>::deserialize(value.clone())
        .map_err(|e| invalid(format!("`text` takes a text of the model (a list of parts): {e}")))
}

/// One part as the model document writes it (`{kind, value}`), or `None` if it is not one.
fn part(item: &Value) -> Option<Part> {
    let kind = item.get_attr("kind").ok()?;
    let value = || item.get_attr("value").ok().and_then(|v| v.as_str().map(str::to_owned));
    Some(match kind.as_str()? {
        "lit" => Part::Lit(value()?),
        "partition" => Part::Partition,
        "region" => Part::Region,
        "account" => Part::Account,
        "roleArn" => Part::RoleArn(value()?),
        "policyVar" => Part::PolicyVar(value()?),
        _ => return None,
    })
}

/// How `text` writes the symbolic values that the spec does not pin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    /// As the spec writes them: `${AWS::Partition}`, `${AWS::Region}`, `${AWS::AccountId}`.
    Spec,
    /// A CloudFormation `Fn::Sub` string: as `Spec`, with policy variables as `${!aws:userid}`.
    Cloudformation,
    /// A Terraform string: `${data.aws_partition.current.partition}` and so on, policy variables
    /// as `$${aws:userid}`.
    Terraform,
    /// Environment variables for `envsubst`: `${AWS_PARTITION}`, `${AWS_REGION}`,
    /// `${AWS_ACCOUNT_ID}`.
    Env,
    /// Literal only: a value the spec does not pin is an error.
    Literal,
}

impl Style {
    const NAMES: &'static str = "`spec`, `cloudformation`, `terraform`, `env`, `literal`";

    fn parse(name: &str) -> Option<Style> {
        Some(match name {
            "spec" => Style::Spec,
            "cloudformation" => Style::Cloudformation,
            "terraform" => Style::Terraform,
            "env" => Style::Env,
            "literal" => Style::Literal,
            _ => return None,
        })
    }

    /// How a deploy-time value is written: partition, region, account in this order.
    fn symbol(self, which: usize) -> Option<&'static str> {
        let table: [&str; 3] = match self {
            Style::Spec | Style::Cloudformation => ["${AWS::Partition}", "${AWS::Region}", "${AWS::AccountId}"],
            Style::Terraform => [
                "${data.aws_partition.current.partition}",
                "${data.aws_region.current.region}",
                "${data.aws_caller_identity.current.account_id}",
            ],
            Style::Env => ["${AWS_PARTITION}", "${AWS_REGION}", "${AWS_ACCOUNT_ID}"],
            Style::Literal => return None,
        };
        table.get(which).copied()
    }

    fn literal(self, s: &str, out: &mut String) {
        match self {
            Style::Terraform => out.push_str(&s.replace("${", "$${").replace("%{", "%%{")),
            _ => out.push_str(s),
        }
    }

    fn policy_var(self, var: &str, out: &mut String) {
        let open = match self {
            Style::Cloudformation => "${!",
            Style::Terraform => "$${",
            _ => "${",
        };
        out.push_str(open);
        out.push_str(var);
        out.push('}');
    }
}

/// The value the spec pins for `target.<field>`, if any.
fn pinned(state: &State<'_, '_>, field: &str) -> Option<String> {
    let target = state.lookup("target")?;
    let value = target.get_attr(field).ok()?;
    value.as_str().map(str::to_owned)
}

/// `value|text(style)`: a text of the model with its deploy-time values in a target's syntax
/// (`spec`, the default; `cloudformation`; `terraform`; `env`) or `literal`ly; values the spec
/// pins are always written literally.
fn text(state: &State<'_, '_>, names: &RoleNames, value: &Value, style: Option<&str>) -> Result<String, Error> {
    let style = match style {
        None => Style::Spec,
        Some(name) => Style::parse(name)
            .ok_or_else(|| invalid(format!("`text`: unknown style `{name}`; known styles: {}", Style::NAMES)))?,
    };
    let mut out = String::new();
    let symbol = |which: usize, field: &str, out: &mut String| -> Result<(), Error> {
        if let Some(value) = pinned(state, field) {
            style.literal(&value, out);
        } else {
            let written = style.symbol(which).ok_or_else(|| {
                invalid(format!("`text(\"literal\")`: the spec does not pin `{field}`, so the value is not literal"))
            })?;
            out.push_str(written);
        }
        Ok(())
    };
    for part in parts(value)? {
        match part {
            Part::Lit(s) => style.literal(&s, &mut out),
            Part::Partition => symbol(0, "partition", &mut out)?,
            Part::Region => symbol(1, "region", &mut out)?,
            Part::Account => symbol(2, "account", &mut out)?,
            Part::RoleArn(id) => {
                out.push_str("arn:");
                symbol(0, "partition", &mut out)?;
                out.push_str(":iam::");
                symbol(2, "account", &mut out)?;
                out.push_str(":role/");
                let name = names.get(&id).ok_or_else(|| invalid(format!("`text`: no role has id `{id}`")))?;
                style.literal(name, &mut out);
            }
            Part::PolicyVar(var) => style.policy_var(&var, &mut out),
        }
    }
    Ok(out)
}

/// `value is symbolic`: a text of the model holds a deploy-time value that the spec does not pin.
fn symbolic(state: &State<'_, '_>, value: &Value) -> Result<bool, Error> {
    for part in parts(value)? {
        let field = match part {
            Part::Partition => "partition",
            Part::Region => "region",
            Part::Account => "account",
            Part::RoleArn(_) => {
                if pinned(state, "partition").is_none() || pinned(state, "account").is_none() {
                    return Ok(true);
                }
                continue;
            }
            Part::Lit(_) | Part::PolicyVar(_) => continue,
        };
        if pinned(state, field).is_none() {
            return Ok(true);
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
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
        assert!(matches!(
            super::parts(&parts).unwrap().as_slice(),
            [Part::Lit(l), Part::Partition, Part::Region, Part::Account, Part::PolicyVar(v)] if l == "a:" && v == "aws:userid"
        ));
        for bad in [
            serde_json::json!([{"kind": "bogus"}]),
            serde_json::json!([{"kind": "lit"}]),
            serde_json::json!([{"kind": "lit", "value": 3}]),
            serde_json::json!(["lit"]),
        ] {
            let err = super::parts(&value(bad.clone())).unwrap_err().to_string();
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
        let ctx = context! { roles => Value::from(Serde(roles)), m => Value::from(Serde(serde_json::json!({"z": 1, "a": 2}))) };
        let out = render(
            "{{ roles|sort(attribute='roleName')|map(attribute='roleName')|join(',') }} {{ [3, 1, 3]|unique|sort|join(',') }} {{ m|dictsort|map('first')|join(',') }}",
            ctx,
        )
        .unwrap();
        assert_eq!(out, "a,b,c 1,3 a,z");
    }
}
