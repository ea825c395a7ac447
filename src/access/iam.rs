//! IAM policy evaluation, as AWS documents it for identity policies (and, with a principal, for a
//! role's trust policy): an explicit `Deny` wins, then an `Allow`, else the request is implicitly
//! denied.
//!
//! Three-valued: a statement whose condition names a key the request does not give, or whose
//! resource or condition uses a policy variable the request does not give, neither matches nor
//! fails; the answer is then "yes, if ..." (or "no" stays "no" when nothing else could allow).
//!
//! References: IAM User Guide, "Policy evaluation logic", "IAM JSON policy elements: Condition
//! operators" (the `...IfExists` suffix, `Null`, negated operators on a missing key),
//! "Single-valued vs. multivalued context keys" (`ForAnyValue:`, `ForAllValues:`) and "IAM policy
//! elements: Variables and tags" (`${*}`, `${?}`, `${$}`, defaults).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;

use super::pattern::{Pattern, Substituted, plain_matches, plain_matches_arn, substitute};
use crate::model::{Effect, Shared};

/// The request context: condition keys and their values. Keys compare without regard to case, as
/// IAM compares them.
///
/// A key is either given (one or more values), known to be absent ([`Context::absent`]), or not
/// given at all: then every condition on it is left open and the answer is conditional.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Context {
    values: BTreeMap<String, Option<Vec<String>>>,
}

/// What the context says about one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Given<'a> {
    Unset,
    Absent,
    Values(&'a [String]),
}

impl Context {
    pub fn new() -> Context {
        Context::default()
    }

    /// Gives `key` these values (a multivalued key has several).
    pub fn set(&mut self, key: &str, values: impl IntoIterator<Item = impl Into<String>>) {
        self.values.insert(key.to_ascii_lowercase(), Some(values.into_iter().map(Into::into).collect()));
    }

    /// Gives `key` one value.
    pub fn with(mut self, key: &str, value: impl Into<String>) -> Context {
        self.set(key, [value.into()]);
        self
    }

    /// Says that the request does not carry `key` at all.
    pub fn absent(mut self, key: &str) -> Context {
        self.values.insert(key.to_ascii_lowercase(), None);
        self
    }

    fn get(&self, key: &str) -> Given<'_> {
        // A handful of keys: a scan compares without allocating a lower-case copy.
        match self.values.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v) {
            None => Given::Unset,
            Some(None) => Given::Absent,
            Some(Some(values)) => Given::Values(values),
        }
    }

    /// The first value of a given key (what a policy variable stands for).
    pub(crate) fn single(&self, key: &str) -> Option<&str> {
        match self.get(key) {
            Given::Values(values) => values.first().map(String::as_str),
            _ => None,
        }
    }

    pub(crate) fn is_absent(&self, key: &str) -> bool {
        self.get(key) == Given::Absent
    }
}

/// Who makes a request, for trust policies (`Principal`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// An AWS service principal, `pods.eks.amazonaws.com`.
    Service(String),
    /// An IAM principal by ARN.
    Aws(String),
}

/// One IAM request: an action on a resource, with its context. A trust-policy question also
/// names the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub action: String,
    /// The resource ARN, or `*` for an action that takes none.
    pub resource: String,
    pub caller: Option<Caller>,
    pub context: Context,
}

impl Request {
    pub fn new(action: impl Into<String>, resource: impl Into<String>) -> Request {
        Request { action: action.into(), resource: resource.into(), caller: None, context: Context::default() }
    }

    pub fn with_context(mut self, context: Context) -> Request {
        self.context = context;
        self
    }

    pub fn by(mut self, caller: Caller) -> Request {
        self.caller = Some(caller);
        self
    }

    /// The request as the evaluation reads it, borrowed.
    pub(crate) fn view(&self) -> Ask<'_> {
        Ask { action: &self.action, resource: &self.resource, caller: self.caller.as_ref(), context: &self.context }
    }
}

/// A [`Request`] whose fields borrow: what the evaluation reads, made from a request line
/// without a `String` per field, many times per matrix.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ask<'a> {
    pub(crate) action: &'a str,
    pub(crate) resource: &'a str,
    pub(crate) caller: Option<&'a Caller>,
    pub(crate) context: &'a Context,
}

/// A list that is either named (`Action`, `Resource`) or excluded (`NotAction`, `NotResource`);
/// shared, so that the statements of a thousand teams that list the same actions hold one list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Items {
    Is(Shared<String>),
    Not(Shared<String>),
}

/// The `Principal` of a trust-policy statement.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Principals {
    /// `"Principal": "*"` or `{"AWS": "*"}`.
    pub anyone: bool,
    pub services: Vec<String>,
    /// Role, user or account ARNs, or bare account ids.
    pub aws: Vec<String>,
}

/// One condition: `operator` `key` `values`, as written (values may hold policy variables).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub operator: String,
    pub key: String,
    pub values: Vec<String>,
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} [{}]", self.operator, self.key, self.values.join(", "))
    }
}

/// One statement, with every value literal except IAM policy variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub sid: Option<String>,
    pub effect: Effect,
    /// Trust policies only.
    pub principal: Option<Principals>,
    pub actions: Items,
    /// `None` in trust policies.
    pub resources: Option<Items>,
    pub conditions: Vec<Condition>,
}

/// A policy document and where it comes from (`cloudformation.yaml ScientistNlpPolicy`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub source: String,
    pub statements: Vec<Statement>,
}

impl Policy {
    /// The label of statement `i`: source and Sid, or its position when it has none.
    pub fn label(&self, i: usize) -> String {
        match self.statements.get(i).and_then(|s| s.sid.as_deref()) {
            Some(sid) => format!("{} {sid}", self.source),
            None => format!("{} statement {}", self.source, i + 1),
        }
    }
}

/// Whether something holds: yes, no, or only if the listed requirements hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tri {
    Yes,
    No,
    If(Vec<String>),
}

impl Tri {
    fn from(b: bool) -> Tri {
        if b { Tri::Yes } else { Tri::No }
    }

    /// Both hold.
    pub(crate) fn and(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::No, _) | (_, Tri::No) => Tri::No,
            (Tri::Yes, t) | (t, Tri::Yes) => t,
            (Tri::If(mut a), Tri::If(b)) => {
                for r in b {
                    if !a.contains(&r) {
                        a.push(r);
                    }
                }
                Tri::If(a)
            }
        }
    }
}

/// How a set of policies decides one request; `L` says which statement decided (its label, or
/// where it is: [`At`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision<L = String> {
    /// Allowed by the labelled statement.
    Allowed(L),
    /// Allowed by the labelled statement if every requirement holds.
    AllowedIf(L, Vec<String>),
    /// Explicitly denied by the labelled statement.
    Denied(L),
    /// No statement allows it.
    ImplicitlyDenied,
}

impl<L: fmt::Display> fmt::Display for Decision<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Decision::Allowed(by) => write!(f, "allowed by {by}"),
            Decision::AllowedIf(by, reqs) => write!(f, "allowed by {by} if {}", reqs.join(" and ")),
            Decision::Denied(by) => write!(f, "explicitly denied by {by}"),
            Decision::ImplicitlyDenied => write!(f, "no statement allows it (implicit deny)"),
        }
    }
}

/// Where a deciding statement is: its label ([`Policy::label`]) is only written when shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct At<'p> {
    policy: &'p Policy,
    statement: usize,
}

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.policy.label(self.statement))
    }
}

/// Evaluates a request against policies that apply together (a role's identity policies, or one
/// trust policy): an explicit deny wins, then an allow, else an implicit deny. A deny that only
/// may apply turns an allow into a conditional one.
pub fn decide(policies: &[&Policy], request: &Request) -> Decision {
    match decide_at(policies, &request.view()) {
        Decision::Allowed(at) => Decision::Allowed(at.to_string()),
        Decision::AllowedIf(at, reqs) => Decision::AllowedIf(at.to_string(), reqs),
        Decision::Denied(at) => Decision::Denied(at.to_string()),
        Decision::ImplicitlyDenied => Decision::ImplicitlyDenied,
    }
}

/// [`decide`], naming the deciding statement by where it is: its label is not formatted
/// unless it is shown.
pub(crate) fn decide_at<'p>(policies: &[&'p Policy], request: &Ask<'_>) -> Decision<At<'p>> {
    decide_at_by(policies, request, |_, _, statement| actions_match(&statement.actions, request.action))
}

/// [`decide_at`], whether a statement's `Action` or `NotAction` takes the request's action
/// told by `takes(policy position, statement position, statement)`: a caller that asks many
/// questions remembers it ([`ActionLists`]).
pub(crate) fn decide_at_by<'p>(
    policies: &[&'p Policy],
    request: &Ask<'_>,
    mut takes: impl FnMut(usize, usize, &Statement) -> bool,
) -> Decision<At<'p>> {
    let mut allow: Option<(At<'p>, Tri)> = None;
    let mut maybe_denied: Vec<String> = Vec::new();
    for (p, &policy) in policies.iter().enumerate() {
        for (i, statement) in policy.statements.iter().enumerate() {
            let applies = if takes(p, i, statement) { applies_beyond_action(statement, request) } else { Tri::No };
            let at = At { policy, statement: i };
            match (statement.effect, applies) {
                (_, Tri::No) => {}
                (Effect::Deny, Tri::Yes) => return Decision::Denied(at),
                (Effect::Deny, Tri::If(reqs)) => {
                    maybe_denied.push(format!("not ({}: {})", policy.label(i), reqs.join(" and ")));
                }
                (Effect::Allow, Tri::Yes) => {
                    if !matches!(allow, Some((_, Tri::Yes))) {
                        allow = Some((at, Tri::Yes));
                    }
                }
                (Effect::Allow, Tri::If(reqs)) => {
                    let fewer = match &allow {
                        None => true,
                        Some((_, Tri::If(current))) => reqs.len() < current.len(),
                        Some(_) => false,
                    };
                    if fewer {
                        allow = Some((at, Tri::If(reqs)));
                    }
                }
            }
        }
    }
    match allow {
        None => Decision::ImplicitlyDenied,
        Some((by, tri)) => match tri.and(if maybe_denied.is_empty() { Tri::Yes } else { Tri::If(maybe_denied) }) {
            Tri::Yes => Decision::Allowed(by),
            Tri::If(reqs) => Decision::AllowedIf(by, reqs),
            Tri::No => Decision::ImplicitlyDenied,
        },
    }
}

/// The distinct `Action`/`NotAction` lists of many policies, numbered, and whether each takes
/// an action, found once per list and action for many questions: with a thousand teams, a
/// thousand policies have statements that list the same actions, and each question asks them
/// all. Whether a list takes an action depends on nothing but the list's text and the action's
/// ([`actions_match`]: the patterns have no policy variables, a role's own names are in its
/// resources), so the answer found for one statement holds for every statement with the same
/// list, whichever role's.
#[derive(Debug, Clone, Default)]
pub(crate) struct ActionLists<'a> {
    numbers: BTreeMap<(bool, &'a [String]), usize>,
    /// The same numbers by where each list is ([`list_at`]): the statements of a thousand teams
    /// share one list ([`Items`]), found without comparing its actions.
    at: BTreeMap<(bool, usize, usize), usize>,
    /// Numbered actions asked.
    actions: RefCell<BTreeMap<String, usize>>,
    /// By action, then list: whether the list takes the action, once found.
    takes: RefCell<Vec<Vec<Option<bool>>>>,
}

impl<'a> ActionLists<'a> {
    /// Numbers the action lists of these policies.
    pub(crate) fn of(policies: impl IntoIterator<Item = &'a Policy>) -> ActionLists<'a> {
        let mut numbers = BTreeMap::new();
        let mut at = BTreeMap::new();
        for statement in policies.into_iter().flat_map(|p| &p.statements) {
            at.entry(list_at(&statement.actions)).or_insert_with(|| {
                let next = numbers.len();
                *numbers.entry(list_key(&statement.actions)).or_insert(next)
            });
        }
        ActionLists { numbers, at, ..ActionLists::default() }
    }

    /// The number of each statement's list, by policy and statement (`None`: a list not
    /// numbered, matched every time).
    pub(crate) fn numbers_of(&self, policies: &[&Policy]) -> Vec<Vec<Option<usize>>> {
        policies
            .iter()
            .map(|p| {
                let number = |s: &Statement| {
                    (self.at.get(&list_at(&s.actions)).or_else(|| self.numbers.get(&list_key(&s.actions)))).copied()
                };
                p.statements.iter().map(number).collect()
            })
            .collect()
    }

    /// The number of an action, numbered when first asked.
    pub(crate) fn action(&self, action: &str) -> usize {
        let mut actions = self.actions.borrow_mut();
        if let Some(&n) = actions.get(action) {
            return n;
        }
        let n = actions.len();
        actions.insert(action.to_owned(), n);
        self.takes.borrow_mut().push(vec![None; self.numbers.len()]);
        n
    }

    /// Whether `statement`, whose list is `list`, takes `action` (named `name`), found once.
    pub(crate) fn takes(&self, action: usize, list: Option<usize>, statement: &Statement, name: &str) -> bool {
        let mut takes = self.takes.borrow_mut();
        let Some(known) = list.and_then(|l| takes.get_mut(action)?.get_mut(l)) else {
            return actions_match(&statement.actions, name);
        };
        *known.get_or_insert_with(|| actions_match(&statement.actions, name))
    }
}

/// Where a list is: whether it is a `NotAction`, its address and its length. Two lists at the
/// same place are the same list, while both are borrowed.
fn list_at(items: &Items) -> (bool, usize, usize) {
    let (not, list) = list_key(items);
    (not, list.as_ptr() as usize, list.len())
}

fn list_key(items: &Items) -> (bool, &[String]) {
    match items {
        Items::Is(list) => (false, list.as_slice()),
        Items::Not(list) => (true, list.as_slice()),
    }
}

/// Whether one statement whose `Action` or `NotAction` takes the request's action applies to
/// the request (its effect aside).
fn applies_beyond_action(s: &Statement, r: &Ask<'_>) -> Tri {
    let principal = match (&s.principal, r.caller) {
        (None, _) => Tri::Yes,
        (Some(p), Some(caller)) => Tri::from(principal_matches(p, caller)),
        (Some(_), None) => Tri::No,
    };
    let resource = match &s.resources {
        None => Tri::Yes,
        Some(items) => resources_match(items, r.resource, r.context),
    };
    s.conditions.iter().fold(principal.and(resource), |acc, c| match acc {
        Tri::No => Tri::No,
        acc => acc.and(condition_holds(c, r.context)),
    })
}

pub(crate) fn actions_match(items: &Items, action: &str) -> bool {
    let any = |list: &[String]| list.iter().any(|a| plain_matches(a, action, true));
    match items {
        Items::Is(list) => any(list),
        Items::Not(list) => !any(list),
    }
}

fn resources_match(items: &Items, resource: &str, context: &Context) -> Tri {
    let (list, negated) = match items {
        Items::Is(list) => (list, false),
        Items::Not(list) => (list, true),
    };
    let mut open = Vec::new();
    let mut any = false;
    for pattern in list {
        if !pattern.contains("${") {
            any |= plain_matches_arn(pattern, resource);
            continue;
        }
        match Pattern::with_variables(pattern, context) {
            Substituted::Done(p) => any |= p.matches_arn(resource),
            // A variable the request is known not to carry: the entry matches nothing; and a
            // `NotResource` with such an entry does not apply (the element cannot be resolved),
            // unless the entry's partition, service, region or account already show it is not
            // the resource (as iam-simulate reads it; tests/iam_simulate.rs).
            Substituted::Missing(var) if context.is_absent(&var) => {
                if negated && Pattern::widened(&arn_prefix(pattern), context).matches_arn(resource) {
                    return Tri::No;
                }
            }
            // Open only when some value of the missing variables could match.
            Substituted::Missing(var) if Pattern::widened(pattern, context).matches_arn(resource) => {
                open.push(format!("the request gives `{var}` (resource `{pattern}`)"))
            }
            Substituted::Missing(_) => {}
        }
    }
    match (any, negated) {
        (true, false) => Tri::Yes,
        (true, true) => Tri::No,
        _ if !open.is_empty() => Tri::If(open),
        (false, negated) => Tri::from(negated),
    }
}

/// An ARN pattern with its resource part read as `*`: what its partition, service, region and
/// account alone match.
fn arn_prefix(pattern: &str) -> String {
    let parts: Vec<&str> = pattern.splitn(6, ':').collect();
    match parts.as_slice() {
        [head @ .., _] if parts.len() == 6 => format!("{}:*", head.join(":")),
        _ => "*".to_owned(),
    }
}

fn principal_matches(p: &Principals, caller: &Caller) -> bool {
    match caller {
        Caller::Service(service) => p.anyone || p.services.iter().any(|s| s.eq_ignore_ascii_case(service)),
        Caller::Aws(arn) => {
            let account = arn.split(':').nth(4).unwrap_or_default();
            p.anyone
                || p.aws.iter().any(|a| {
                    a == arn || a == "*" || a == account || a.ends_with(":root") && a.split(':').nth(4) == Some(account)
                })
        }
    }
}

/// The base comparisons of the condition operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Compare {
    StringEquals,
    StringEqualsIgnoreCase,
    StringLike,
    ArnLike,
    Bool,
    NumericEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
}

/// `(comparison, negated)` of an operator name without its prefix and `IfExists` suffix.
fn operator(name: &str) -> Option<(Compare, bool)> {
    use Compare::*;
    Some(match name {
        "StringEquals" => (StringEquals, false),
        "StringNotEquals" => (StringEquals, true),
        "StringEqualsIgnoreCase" => (StringEqualsIgnoreCase, false),
        "StringNotEqualsIgnoreCase" => (StringEqualsIgnoreCase, true),
        "StringLike" => (StringLike, false),
        "StringNotLike" => (StringLike, true),
        // ArnEquals and ArnLike behave the same (IAM User Guide, "ARN condition operators").
        "ArnEquals" | "ArnLike" => (ArnLike, false),
        "ArnNotEquals" | "ArnNotLike" => (ArnLike, true),
        "Bool" => (Bool, false),
        "NumericEquals" => (NumericEquals, false),
        "NumericNotEquals" => (NumericEquals, true),
        "NumericLessThan" => (NumericLessThan, false),
        "NumericLessThanEquals" => (NumericLessThanEquals, false),
        "NumericGreaterThan" => (NumericGreaterThan, false),
        "NumericGreaterThanEquals" => (NumericGreaterThanEquals, false),
        _ => return None,
    })
}

/// Set operators of multivalued keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quantifier {
    Plain,
    AnyValue,
    AllValues,
}

/// Whether a condition holds in the context.
pub(crate) fn condition_holds(c: &Condition, context: &Context) -> Tri {
    let open = || Tri::If(vec![c.to_string()]);
    let (quantifier, name) = if let Some(rest) = c.operator.strip_prefix("ForAnyValue:") {
        (Quantifier::AnyValue, rest)
    } else if let Some(rest) = c.operator.strip_prefix("ForAllValues:") {
        (Quantifier::AllValues, rest)
    } else {
        (Quantifier::Plain, c.operator.as_str())
    };
    let given = context.get(&c.key);
    if name == "Null" {
        let wants_absent = c.values.iter().any(|v| v.eq_ignore_ascii_case("true"));
        return match given {
            Given::Unset => open(),
            Given::Absent => Tri::from(wants_absent),
            Given::Values(_) => Tri::from(!wants_absent),
        };
    }
    let (name, if_exists) = match name.strip_suffix("IfExists") {
        Some(base) => (base, true),
        None => (name, false),
    };
    let Some((compare, negated)) = operator(name) else {
        return Tri::If(vec![format!("{c} (operator not evaluated)")]);
    };
    let values = match given {
        Given::Unset => return open(),
        // A missing key: only `...IfExists`, `ForAllValues:` and negated operators hold.
        Given::Absent => return Tri::from(if_exists || negated || quantifier == Quantifier::AllValues),
        Given::Values(values) => values,
    };
    let mut open_vars = Vec::new();
    let mut satisfied = |v: &str| {
        let mut hit = false;
        for p in &c.values {
            match compare_one(compare, p, v, context) {
                Substituted::Done(b) => hit |= b,
                Substituted::Missing(var) => open_vars.push(var),
            }
        }
        hit != negated
    };
    let results: Vec<bool> = values.iter().map(|v| satisfied(v)).collect();
    let holds = match quantifier {
        Quantifier::AnyValue => results.iter().any(|b| *b),
        Quantifier::AllValues => results.iter().all(|b| *b),
        Quantifier::Plain if negated => results.iter().all(|b| *b),
        Quantifier::Plain => results.iter().any(|b| *b),
    };
    if !open_vars.is_empty() {
        open_vars.sort();
        open_vars.dedup();
        let vars = open_vars.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", ");
        return Tri::If(vec![format!("{c} (with {vars} from the request)")]);
    }
    Tri::from(holds)
}

/// One policy value against one context value.
fn compare_one(compare: Compare, policy: &str, value: &str, context: &Context) -> Substituted<bool> {
    let literal = |f: &dyn Fn(&str) -> bool| match substitute(policy, context) {
        Substituted::Done(p) => Substituted::Done(f(&p)),
        Substituted::Missing(var) => Substituted::Missing(var),
    };
    let numeric = |f: &dyn Fn(f64, f64) -> bool| {
        literal(&|p| matches!((p.trim().parse::<f64>(), value.trim().parse::<f64>()), (Ok(p), Ok(v)) if f(v, p)))
    };
    match compare {
        Compare::StringEquals => literal(&|p| p == value),
        Compare::StringEqualsIgnoreCase => literal(&|p| p.to_lowercase() == value.to_lowercase()),
        Compare::Bool => literal(&|p| p.eq_ignore_ascii_case(value)),
        Compare::StringLike => match Pattern::with_variables(policy, context) {
            Substituted::Done(p) => Substituted::Done(p.matches(value, false)),
            Substituted::Missing(var) => Substituted::Missing(var),
        },
        Compare::ArnLike => match Pattern::with_variables(policy, context) {
            Substituted::Done(p) => Substituted::Done(p.matches_arn(value)),
            Substituted::Missing(var) => Substituted::Missing(var),
        },
        Compare::NumericEquals => numeric(&|v, p| v == p),
        Compare::NumericLessThan => numeric(&|v, p| v < p),
        Compare::NumericLessThanEquals => numeric(&|v, p| v <= p),
        Compare::NumericGreaterThan => numeric(&|v, p| v > p),
        Compare::NumericGreaterThanEquals => numeric(&|v, p| v >= p),
    }
}
