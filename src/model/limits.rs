//! IAM size limits, and the deterministic split of a policy that would pass one. (Roles get no
//! inline policies, so the 10,240-character limit on a role's inline policies never applies.)
//!
//! Sizes are counted as IAM counts them, on the minified JSON of the document as the emitters
//! write it (one writer, [`super::iam_json`]), with every deploy-time value at its longest
//! (`aws-us-gov`, the longest region code, a 12-digit account), so a document that fits here
//! fits in every partition.

use std::collections::BTreeSet;

use super::{Actions, PolicyDocument, Resources, Statement, Text};
use super::{Part, iam_json, names};

/// A managed policy document, white space not counted.
pub const MANAGED_POLICY_MAX: usize = 6_144;
/// A trust policy (the default quota).
pub const TRUST_POLICY_MAX: usize = 2_048;
/// Managed policies attached to one role (the default quota).
pub const MANAGED_POLICIES_PER_ROLE: usize = 10;
/// An IAM role name.
pub const ROLE_NAME_MAX: usize = 64;
/// Resources in one CloudFormation stack.
pub const CLOUDFORMATION_RESOURCES_MAX: usize = 500;

const LONGEST_PARTITION: &str = "aws-us-gov";
const LONGEST_REGION: &str = "ap-southeast-77";
const ACCOUNT: &str = "123456789012";

/// Sizes documents; knows the IAM name of every role of the model by its id.
pub struct Sizer<'a> {
    /// The spec's `name`, from which each role's IAM name follows ([`names::role_name_of`]).
    pub spec_name: &'a str,
}

impl Sizer<'_> {
    /// The JSON string a text becomes, every deploy-time value at its longest.
    fn text_size(&self, t: &Text) -> usize {
        let parts: usize =
            t.0.iter()
                .map(|part| match part {
                    Part::Lit(s) => chars_size(s),
                    Part::Partition => LONGEST_PARTITION.len(),
                    Part::Region => LONGEST_REGION.len(),
                    Part::Account => ACCOUNT.len(),
                    Part::RoleArn(id) => {
                        "arn::iam:::role/".len()
                            + LONGEST_PARTITION.len()
                            + ACCOUNT.len()
                            + chars_size(&names::role_name_of(self.spec_name, id))
                    }
                    Part::PolicyVar(v) => "${}".len() + chars_size(v),
                })
                .sum();
        2 + parts
    }

    /// The size of one statement in a document: its minified JSON, white space not counted,
    /// built by the one IAM JSON writer without writing it.
    pub fn statement_size(&self, s: &Statement) -> usize {
        let mut count = Count::new(self);
        iam_json::write_statement(s, &mut count);
        count.total
    }

    /// The size of a whole document.
    pub fn document_size(&self, statements: &[Statement]) -> usize {
        self.document_size_of(statements.iter().map(|s| self.statement_size(s)))
    }

    /// The size of a document whose statements have these sizes ([`Self::statement_size`]).
    pub fn document_size_of(&self, sizes: impl IntoIterator<Item = usize>) -> usize {
        let mut count = Count::new(self);
        iam_json::write_document(&PolicyDocument::default(), &mut count);
        let empty = count.total;
        let (count, body) = sizes.into_iter().fold((0usize, 0usize), |(n, sum), size| (n + 1, sum + size));
        empty + body + count.saturating_sub(1)
    }

    /// Splits statements, in order, into as few documents under [`MANAGED_POLICY_MAX`] as a
    /// greedy packing gives (as AWS CDK does). A statement too large for any document is first
    /// cut into statements over fewer resources (or, with one resource, fewer actions), which
    /// grant the same; one that still cannot fit (a single huge ARN, a `NotResource` list) gets
    /// a document of its own, which the lint then reports.
    pub fn split(&self, statements: Vec<Statement>) -> Vec<Vec<Statement>> {
        self.split_known(statements.into_iter().map(|s| (s, None)).collect())
    }

    /// [`Self::split`], given the size of each statement that is already known (as
    /// [`Self::statement_size`] measures it): the others are measured here, each once.
    pub fn split_known(&self, statements: Vec<(Statement, Option<usize>)>) -> Vec<Vec<Statement>> {
        let overhead = self.document_size(&[]);
        let room = MANAGED_POLICY_MAX - overhead;
        let sizes: Vec<usize> =
            statements.iter().map(|(s, known)| known.unwrap_or_else(|| self.statement_size(s))).collect();
        // The Sids that cut pieces must not take, needed only when a statement is too large on
        // its own.
        let mut sids: BTreeSet<String> = if sizes.iter().any(|&size| size > room) {
            statements.iter().filter_map(|(s, _)| s.sid.clone()).collect()
        } else {
            BTreeSet::new()
        };
        let mut fitted: Vec<(Statement, usize)> = Vec::with_capacity(statements.len());
        for ((s, _), size) in statements.into_iter().zip(sizes) {
            if size <= room {
                fitted.push((s, size));
                continue;
            }
            fitted.extend(self.cut(s, room, &mut sids).into_iter().map(|piece| {
                let size = self.statement_size(&piece);
                (piece, size)
            }));
        }
        let mut chunks: Vec<Vec<Statement>> = Vec::new();
        let mut used = overhead;
        for (s, size) in fitted {
            match chunks.last_mut() {
                Some(chunk) if used + 1 + size <= MANAGED_POLICY_MAX => {
                    chunk.push(s);
                    used += 1 + size;
                }
                _ => {
                    chunks.push(vec![s]);
                    used = overhead + size;
                }
            }
        }
        chunks
    }

    /// Cuts a statement larger than `room` into consecutive pieces that fit: over its resources
    /// first, else over its actions. Allow and Deny both mean the same split as whole. Pieces
    /// after the first get the Sid with a number appended, the first number whose Sid no other
    /// statement (in `sids`) has taken; each piece's room counts that number in, so a renamed
    /// piece still fits.
    fn cut(&self, s: Statement, room: usize, sids: &mut BTreeSet<String>) -> Vec<Statement> {
        if self.statement_size(&s) <= room {
            return vec![s];
        }
        let resources = match &s.resources {
            Some(Resources::Resource(r)) if r.len() > 1 => Some(r.to_vec()),
            _ => None,
        };
        let actions = match &s.actions {
            Actions::Action(a) if a.len() > 1 => Some(a.to_vec()),
            _ => None,
        };
        // The longest number a piece can get: one per piece, plus one per Sid it must skip.
        let items = resources.as_ref().map_or(0, Vec::len) + actions.as_ref().map_or(0, Vec::len);
        let suffix = if s.sid.is_some() { (items + sids.len() + 1).to_string().len() } else { 0 };
        let room = room.saturating_sub(suffix);
        let pieces: Vec<Statement> = match (resources, actions) {
            (Some(list), _) => self.pack(
                list,
                room,
                |part| Statement { resources: Some(Resources::Resource(part.into())), ..s.clone() },
                |t| self.text_size(t),
            ),
            (None, Some(list)) => self.pack(
                list,
                room,
                |part| Statement { actions: Actions::Action(part.into()), ..s.clone() },
                |a| string_size(a),
            ),
            (None, None) => return vec![s],
        };
        let mut n = 1;
        let mut renamed = Vec::with_capacity(pieces.len());
        for (i, mut piece) in pieces.into_iter().enumerate() {
            if let (true, Some(sid)) = (i > 0, &piece.sid) {
                let fresh = loop {
                    n += 1;
                    let candidate = format!("{sid}{n}");
                    if sids.insert(candidate.clone()) {
                        break candidate;
                    }
                };
                piece.sid = Some(fresh);
            }
            renamed.push(piece);
        }
        renamed
    }

    /// Packs the items of a list, in order, into as few statements (made by `make`) that fit
    /// `room` as a greedy packing gives. A statement's size grows by each item's JSON size
    /// (`size_of`) and a comma, so it is computed once for the empty list, not per candidate.
    fn pack<T>(
        &self,
        items: Vec<T>,
        room: usize,
        make: impl Fn(Vec<T>) -> Statement,
        size_of: impl Fn(&T) -> usize,
    ) -> Vec<Statement> {
        let empty = self.statement_size(&make(Vec::new()));
        let mut pieces: Vec<Vec<T>> = Vec::new();
        let mut used = 0;
        for item in items {
            let size = size_of(&item);
            match pieces.last_mut() {
                Some(last) if used + 1 + size <= room => {
                    last.push(item);
                    used += 1 + size;
                }
                _ => {
                    pieces.push(vec![item]);
                    used = empty + size;
                }
            }
        }
        pieces.into_iter().map(make).collect()
    }
}

/// The size IAM counts of what [`iam_json`] writes, counted as it is written: nothing is built.
/// Minified JSON: a string is its quotes and escaped characters, a list or map its brackets, its
/// items and a comma between two, a map entry its key, a colon and its value.
struct Count<'s, 'n> {
    sizer: &'s Sizer<'n>,
    total: usize,
    /// The items so far of each open list or map, innermost last.
    open: Vec<usize>,
    /// A map's key was just counted: its value needs no comma.
    after_key: bool,
}

impl<'s, 'n> Count<'s, 'n> {
    fn new(sizer: &'s Sizer<'n>) -> Self {
        Count { sizer, total: 0, open: Vec::new(), after_key: false }
    }

    /// One more item of the innermost list or map: a comma after the first.
    fn item(&mut self) {
        if std::mem::take(&mut self.after_key) {
            return;
        }
        if let Some(items) = self.open.last_mut() {
            self.total += usize::from(*items > 0);
            *items += 1;
        }
    }
}

impl<'a> iam_json::Writer<'a> for Count<'_, '_> {
    fn string(&mut self, s: &'a str) {
        self.item();
        self.total += string_size(s);
    }

    fn text(&mut self, t: &'a Text) {
        self.item();
        self.total += self.sizer.text_size(t);
    }

    fn key(&mut self, key: &'a str) {
        self.item();
        self.total += string_size(key) + 1;
        self.after_key = true;
    }

    fn map(&mut self) {
        self.item();
        self.total += 2;
        self.open.push(0);
    }

    fn list(&mut self) {
        self.map();
    }

    fn end(&mut self) {
        self.open.pop();
    }
}

/// Characters IAM counts for the content of a JSON string (without its quotes): as escaped in
/// JSON, white space not counted.
fn chars_size(s: &str) -> usize {
    s.chars()
        .map(|c| match c {
            '"' | '\\' | '\n' | '\r' | '\t' | '\u{8}' | '\u{c}' => 2,
            c if c < ' ' => 6,
            c if c.is_whitespace() => 0,
            _ => 1,
        })
        .sum()
}

/// A JSON string.
fn string_size(s: &str) -> usize {
    2 + chars_size(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Effect;
    use serde_json::Value;

    /// The document as a JSON reader sees it, to compare sizes with (the tests' only use).
    impl iam_json::Tree<'_> for Value {
        fn string(s: &str) -> Self {
            Value::String(s.to_owned())
        }

        fn list(items: Vec<Self>) -> Self {
            Value::Array(items)
        }

        /// Keys given twice keep the last value, as a JSON reader would.
        fn map(entries: Vec<(&str, Self)>) -> Self {
            Value::Object(entries.into_iter().map(|(key, value)| (key.to_owned(), value)).collect())
        }
    }

    /// A text with every deploy-time value at its longest, as the sizer counts it.
    fn longest(sizer: &Sizer<'_>, t: &Text) -> String {
        t.0.iter()
            .map(|part| match part {
                Part::Lit(s) => s.clone(),
                Part::Partition => LONGEST_PARTITION.to_owned(),
                Part::Region => LONGEST_REGION.to_owned(),
                Part::Account => ACCOUNT.to_owned(),
                Part::RoleArn(id) => {
                    format!("arn:{LONGEST_PARTITION}:iam::{ACCOUNT}:role/{}", names::role_name_of(sizer.spec_name, id))
                }
                Part::PolicyVar(v) => format!("${{{v}}}"),
            })
            .collect()
    }

    fn statement(n: usize) -> Statement {
        Statement {
            sid: Some(format!("S{n}")),
            effect: Effect::Allow,
            principal: None,
            actions: Actions::Action(vec!["s3:GetObject".into()].into()),
            resources: Some(Resources::Resource(
                vec![Text::pattern(&format!("arn:{{P}}:s3:::bucket-{n:04}/*"))].into(),
            )),
            conditions: Vec::new(),
            waivers: Vec::new(),
            origin: None,
        }
    }

    #[test]
    fn split_keeps_order_and_every_document_under_the_limit() {
        let sizer = Sizer { spec_name: "x" };
        let statements: Vec<Statement> = (0..300).map(statement).collect();
        assert!(sizer.document_size(&statements) > MANAGED_POLICY_MAX);
        let chunks = sizer.split(statements.clone());
        assert!(chunks.len() > 1);
        for chunk in &chunks {
            assert!(sizer.document_size(chunk) <= MANAGED_POLICY_MAX, "{}", sizer.document_size(chunk));
        }
        assert_eq!(chunks.concat(), statements);
        assert_eq!(sizer.split(statements.clone()), chunks, "deterministic");
    }

    #[test]
    fn a_statement_too_large_alone_is_cut_over_its_resources() {
        let sizer = Sizer { spec_name: "x" };
        let resources: Vec<Text> =
            (0..400).map(|n| Text::pattern(&format!("arn:{{P}}:s3:::bucket-{n:04}/*"))).collect();
        let big = Statement { resources: Some(Resources::Resource(resources.clone().into())), ..statement(0) };
        assert!(sizer.statement_size(&big) > MANAGED_POLICY_MAX);
        let chunks = sizer.split(vec![big]);
        assert!(chunks.len() > 1);
        let pieces: Vec<&Statement> = chunks.iter().flatten().collect();
        let rejoined: Vec<Text> =
            pieces.iter().flat_map(|s| s.resources.as_ref().map(|r| r.list().to_vec()).unwrap_or_default()).collect();
        assert_eq!(rejoined, resources, "every resource once, in order");
        assert_eq!(pieces[0].sid.as_deref(), Some("S0"));
        assert_eq!(pieces[1].sid.as_deref(), Some("S02"));
        let room = MANAGED_POLICY_MAX - sizer.document_size(&[]);
        for piece in &pieces {
            assert!(sizer.statement_size(piece) <= room, "{}", sizer.statement_size(piece));
        }
        // Greedy and exact: one more resource would not have fitted the first piece.
        let mut grown = pieces[0].clone();
        if let (Some(Resources::Resource(r)), Some(Resources::Resource(next))) =
            (&mut grown.resources, &pieces[1].resources)
        {
            r.push(next[0].clone());
        }
        assert!(sizer.statement_size(&grown) > room);
        for chunk in &chunks {
            assert!(sizer.document_size(chunk) <= MANAGED_POLICY_MAX);
        }
    }

    /// 600 S3 resources under a 15-character Sid (the issue's case), and a user's Sid that the
    /// second piece would take: every piece fits with its renamed Sid, and no Sid is used twice.
    #[test]
    fn renamed_pieces_fit_and_never_take_a_users_sid() {
        let sizer = Sizer { spec_name: "x" };
        let resources: Vec<Text> =
            (0..600).map(|n| Text::lit(format!("arn:aws:s3:::bucket-{n:04}/some/longer/prefix/*"))).collect();
        let big = Statement {
            sid: Some("ReadTrainingSet".into()),
            resources: Some(Resources::Resource(resources.into())),
            ..statement(0)
        };
        let user = Statement { sid: Some("ReadTrainingSet2".into()), ..statement(1) };
        let chunks = sizer.split(vec![big, user]);
        let mut seen = BTreeSet::new();
        for chunk in &chunks {
            assert!(sizer.document_size(chunk) <= MANAGED_POLICY_MAX, "{}", sizer.document_size(chunk));
            for s in chunk {
                assert!(seen.insert(s.sid.clone()), "{:?} twice", s.sid);
            }
        }
        assert!(seen.contains(&Some("ReadTrainingSet3".to_owned())), "{seen:?}");
    }

    /// The size of a document is the length of the document the one writer writes, conditions
    /// with one value (a scalar) and several (a list) included.
    #[test]
    fn document_size_is_the_written_documents_length() {
        use crate::model::{Condition, PolicyDocument};
        let mut conditioned = statement(2);
        conditioned.conditions = vec![
            Condition {
                operator: "StringEquals".into(),
                key: "aws:PrincipalTag/team".into(),
                values: vec![Text::lit("a")],
            },
            Condition {
                operator: "StringLike".into(),
                key: "s3:prefix".into(),
                values: vec![Text::lit("b"), Text::lit("c")],
            },
        ];
        let statements = vec![statement(1), conditioned];
        let doc = PolicyDocument { statements: statements.clone() };
        let sizer = Sizer { spec_name: "x" };
        let written = iam_json::document(&doc, &|t: &Text| Value::String(longest(&sizer, t))).to_string();
        assert!(written.contains(r#""aws:PrincipalTag/team":"a""#), "{written}");
        assert_eq!(sizer.document_size(&statements), written.len());
    }

    /// The counter agrees with the written JSON on every shape the writer has: principals,
    /// `NotAction`, `NotResource`, no `Sid`, empty lists, characters JSON escapes, and
    /// white space (which IAM does not count).
    #[test]
    fn the_counted_size_is_the_written_length_for_every_shape() {
        use crate::model::{Condition, Principal};
        let sizer = Sizer { spec_name: "x" };
        let mut trust = statement(3);
        trust.sid = None;
        trust.principal = Some(Principal::Aws(vec![Text::pattern("arn:{P}:iam::{A}:root"), Text::lit("q\"x")]));
        trust.resources = None;
        let mut service = statement(4);
        service.principal = Some(Principal::Service(vec!["sagemaker.amazonaws.com".into()]));
        service.actions = Actions::NotAction(vec!["iam:*".into(), "a\tb\nc d".into()].into());
        service.resources = Some(Resources::NotResource(Vec::new().into()));
        let mut escaped = statement(5);
        escaped.sid = Some("Tab\tQuote\"Ctl\u{1}".into());
        escaped.conditions =
            vec![Condition { operator: "Bool".into(), key: "aws:SecureTransport".into(), values: Vec::new() }];
        for statements in
            [vec![trust.clone()], vec![service.clone(), escaped.clone()], vec![trust, service, escaped], vec![]]
        {
            let doc = PolicyDocument { statements: statements.clone() };
            let written = iam_json::document(&doc, &|t: &Text| Value::String(longest(&sizer, t))).to_string();
            let counted = written.chars().filter(|c| !c.is_whitespace()).count();
            assert_eq!(sizer.document_size(&statements), counted, "{written}");
        }
    }

    #[test]
    fn small_documents_stay_whole_and_size_counts_the_longest_values() {
        let sizer = Sizer { spec_name: "x" };
        assert_eq!(sizer.split(vec![statement(1), statement(2)]).len(), 1);
        let minified = r#"{"Version":"2012-10-17","Statement":[{"Sid":"S1","Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws-us-gov:s3:::bucket-0001/*"]}]}"#;
        assert_eq!(sizer.document_size(&[statement(1)]), minified.len());
    }
}
