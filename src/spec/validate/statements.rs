//! `managedPolicyArns` and `extraStatements`: IAM statements as users write them, each value
//! checked by IAM's grammar (actions, ARNs, policy variables, condition operators and keys) so
//! that what passes here renders in every format.

use std::collections::BTreeMap;

use serde_saphyr::Spanned;

use crate::check::{Code, Diagnostic, Location};
use crate::model::{self, Actions, Condition, Effect, Resources, Shared, Statement, Text};

use super::super::format::{
    KeyVerdict, article, braces_problem, condition_key, condition_operator_spellings, is_action_pattern,
    is_condition_key, is_condition_operator,
};
use super::super::parse::at;
use super::super::schema::{S, StatementSpec, Strings};
use super::Validator;

/// A statement's `Action`/`NotAction` or `Resource`/`NotResource`: whether it is the `Not` form,
/// and its list.
type Either<'s> = Option<(bool, &'s Spanned<Strings>)>;

impl Validator {
    /// `managedPolicyArns` and `extraStatements` of one role.
    pub(super) fn extras(
        &mut self,
        path: &str,
        arns: &[S],
        statements: &[Spanned<StatementSpec>],
        partition: Option<&str>,
    ) -> model::Extras {
        let managed_policy_arns = arns
            .iter()
            .enumerate()
            .map(|(j, arn)| {
                let field = format!("{path}.managedPolicyArns[{j}]");
                self.locate(&field, at(arn));
                self.policy_arn(&field, arn, partition);
                arn.value.clone()
            })
            .collect();
        let mut sids = BTreeMap::new();
        let statements = statements
            .iter()
            .enumerate()
            .map(|(i, st)| self.statement(&format!("{path}.extraStatements[{i}]"), st, &mut sids))
            .collect();
        model::Extras { managed_policy_arns, statements }
    }

    fn statement(&mut self, path: &str, st: &Spanned<StatementSpec>, sids: &mut BTreeMap<String, String>) -> Statement {
        self.locate(path, at(st));
        let spec = &st.value;
        if let Some(sid) = &spec.sid {
            let field = format!("{path}.Sid");
            self.locate(&field, at(sid));
            if !sid.value.bytes().all(|b| b.is_ascii_alphanumeric()) {
                self.invalid(&field, sid, "a Sid holds only letters and digits");
            } else if let Some(other) = sids.insert(sid.value.clone(), path.to_owned()) {
                let message = format!("Sid `{}` is already used by {other}", sid.value);
                self.error(Code::Duplicate, field, at(sid), message);
            }
        }
        let effect = match self.choice(&format!("{path}.Effect"), &spec.effect, "effect", &["Allow", "Deny"]) {
            Some(1) => Effect::Deny,
            _ => Effect::Allow,
        };
        let actions = match self.either(path, st, "Action", (&spec.action, &spec.not_action), "") {
            Some((false, list)) => Actions::Action(self.actions(&format!("{path}.Action"), list).into()),
            Some((true, list)) => Actions::NotAction(self.actions(&format!("{path}.NotAction"), list).into()),
            None => Actions::Action(Shared::default()),
        };
        let hint = ": a role's policy names what it grants";
        let resources = match self.either(path, st, "Resource", (&spec.resource, &spec.not_resource), hint) {
            Some((false, list)) => Resources::Resource(self.resources(&format!("{path}.Resource"), list).into()),
            Some((true, list)) => Resources::NotResource(self.resources(&format!("{path}.NotResource"), list).into()),
            None => Resources::Resource(Shared::default()),
        };
        Statement {
            sid: spec.sid.as_ref().map(|s| s.value.clone()),
            effect,
            principal: None,
            actions,
            resources: Some(resources),
            conditions: self.conditions(path, st),
            waivers: Vec::new(),
            origin: Some(path.to_owned()),
        }
    }

    /// `Key` or `NotKey`, exactly one of them.
    fn either<'s>(
        &mut self,
        path: &str,
        st: &Spanned<StatementSpec>,
        key: &str,
        (plain, not): (&'s Option<Spanned<Strings>>, &'s Option<Spanned<Strings>>),
        hint: &str,
    ) -> Either<'s> {
        match (plain, not) {
            (Some(list), None) => Some((false, list)),
            (None, Some(list)) => Some((true, list)),
            (Some(_), Some(_)) => {
                let message = format!("a statement takes `{key}` or `Not{key}`, not both");
                self.error(Code::InvalidValue, path, at(st), message);
                None
            }
            (None, None) => {
                let message = format!("missing required key `{key}` (or `Not{key}`){hint}");
                self.error(Code::MissingKey, path, at(st), message);
                None
            }
        }
    }

    fn actions(&mut self, path: &str, list: &Spanned<Strings>) -> Vec<String> {
        let expected = "expected `service:Action` (`*` and `?` may stand in the name)";
        self.strings(path, list, ("action", expected), is_action_pattern, str::to_owned)
    }

    fn resources(&mut self, path: &str, list: &Spanned<Strings>) -> Vec<Text> {
        let expected = "expected `*` or an ARN (`arn:${AWS::Partition}:s3:::bucket/*`)";
        let valid = |r: &str| r == "*" || r.starts_with("arn:");
        let values = self.strings(path, list, ("resource", expected), valid, str::to_owned);
        self.texts(path, list, &values)
    }

    /// Each item of an IAM value list with its location, its source text restored where YAML
    /// would have read it as a number or a boolean.
    fn items(&self, list: &Spanned<Strings>) -> Vec<(String, Option<Location>)> {
        let whole = at(list);
        list.value
            .0
            .iter()
            .map(|(s, loc)| {
                let location = loc.or(whole);
                let text = location.and_then(|l| self.raw.get(&l)).unwrap_or(s);
                (text.clone(), location)
            })
            .collect()
    }

    /// The items of an `Action` or `Resource` list, each located, checked and converted.
    fn strings<T>(
        &mut self,
        path: &str,
        list: &Spanned<Strings>,
        (what, expected): (&str, &str),
        valid: fn(&str) -> bool,
        convert: fn(&str) -> T,
    ) -> Vec<T> {
        let all = self.items(list);
        if all.is_empty() {
            self.error(Code::MissingKey, path, at(list), format!("at least one {what} is required"));
        }
        all.iter()
            .enumerate()
            .map(|(j, (value, location))| {
                let field = format!("{path}[{j}]");
                self.locate(&field, *location);
                if !valid(value) {
                    let message = format!("`{value}` is not {} {what}: {expected}", article(what));
                    self.error(Code::InvalidValue, field, *location, message);
                }
                convert(value)
            })
            .collect()
    }

    /// IAM values as texts, each `${` checked first: no spec text may reach a target as an
    /// expression of its own.
    fn texts(&mut self, path: &str, list: &Spanned<Strings>, values: &[String]) -> Vec<Text> {
        let locations: Vec<Option<Location>> = self.items(list).into_iter().map(|(_, l)| l).collect();
        values
            .iter()
            .enumerate()
            .map(|(j, value)| {
                if let Some(problem) = braces_problem(value) {
                    let at = locations.get(j).copied().flatten();
                    self.error(Code::PolicyVariable, format!("{path}[{j}]"), at, problem);
                }
                Text::user(value)
            })
            .collect()
    }

    fn conditions(&mut self, path: &str, st: &Spanned<StatementSpec>) -> Vec<Condition> {
        let mut conditions = Vec::new();
        for (operator, keys) in &st.value.condition {
            let field = format!("{path}.Condition.{operator}");
            let at_operator = self.keys.get(&field).copied().or_else(|| keys.values().next().and_then(at));
            self.condition_operator(&field, operator, at_operator);
            for (key, values) in keys {
                let field = format!("{path}.Condition.{operator}.{key}");
                self.locate(&field, at(values));
                let at_key = self.keys.get(&field).copied().or(at(values));
                self.condition_key(&field, key, at_key);
                let all: Vec<String> = self.items(values).into_iter().map(|(v, _)| v).collect();
                if all.is_empty() {
                    self.error(Code::MissingKey, &field, at(values), "a condition needs at least one value");
                }
                let values = self.texts(&field, values, &all);
                conditions.push(Condition { operator: operator.clone(), key: key.clone(), values });
            }
        }
        conditions
    }

    fn condition_operator(&mut self, path: &str, operator: &str, location: Option<Location>) {
        if is_condition_operator(operator) {
            return;
        }
        let spellings = condition_operator_spellings();
        let base = operator.rsplit(':').next().unwrap_or(operator);
        let message = if base == "NullIfExists" {
            format!("`{operator}` is not a condition operator: `Null` itself says whether the key exists")
        } else {
            format!("`{operator}` is not a condition operator IAM knows")
        };
        let suggestion = match operator.strip_suffix("IfExists") {
            Some(null) if base == "NullIfExists" => Some(null),
            _ => crate::suggest::closest(operator, spellings.iter().map(String::as_str)),
        };
        let d = Diagnostic::new(Code::UnknownConditionOperator, path, message).at(location).suggest(suggestion);
        self.diags.push(d);
    }

    fn condition_key(&mut self, path: &str, key: &str, location: Option<Location>) {
        if !is_condition_key(key) {
            let message =
                format!("`{key}` is not a condition key: expected `service:Key`, such as `aws:PrincipalTag/team`");
            self.error(Code::InvalidValue, path, location, message);
            return;
        }
        if let KeyVerdict::Unknown(suggestion) = condition_key(key) {
            let message = format!("`{key}` is not a condition key IAM knows, so the condition never matches");
            self.diags.push(Diagnostic::new(Code::UnknownConditionKey, path, message).at(location).suggest(suggestion));
        }
    }
}
