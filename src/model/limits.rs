//! IAM size limits, and the deterministic split of a policy that would pass one. (Roles get no
//! inline policies, so the 10,240-character limit on a role's inline policies never applies.)
//!
//! Sizes are counted as IAM counts them, on the minified JSON of the document with every
//! deploy-time value at its longest (`aws-us-gov`, the longest region code, a 12-digit account),
//! so a document that fits here fits in every partition.

use super::{Actions, POLICY_VERSION, Resources, Statement, Text};
use super::{Part, Principal, names};

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

    fn texts_size(&self, list: &[Text]) -> usize {
        list_size(list.iter().map(|t| self.text_size(t)))
    }

    /// The size of one statement in a document: its minified JSON, white space not counted,
    /// counted without writing it.
    pub fn statement_size(&self, s: &Statement) -> usize {
        let mut entries: Vec<usize> = Vec::with_capacity(6);
        if let Some(sid) = &s.sid {
            entries.push(entry_size("Sid", string_size(sid)));
        }
        entries.push(entry_size("Effect", string_size(s.effect.as_str())));
        match &s.principal {
            Some(Principal::Service(v)) => entries.push(entry_size(
                "Principal",
                object_size([entry_size("Service", list_size(v.iter().map(|x| string_size(x))))]),
            )),
            Some(Principal::Aws(v)) => {
                entries.push(entry_size("Principal", object_size([entry_size("AWS", self.texts_size(v))])))
            }
            None => {}
        }
        let (key, actions) = match &s.actions {
            Actions::Action(a) => ("Action", a),
            Actions::NotAction(a) => ("NotAction", a),
        };
        entries.push(entry_size(key, list_size(actions.iter().map(|a| string_size(a)))));
        match &s.resources {
            Some(Resources::Resource(r)) => entries.push(entry_size("Resource", self.texts_size(r))),
            Some(Resources::NotResource(r)) => entries.push(entry_size("NotResource", self.texts_size(r))),
            None => {}
        }
        if !s.conditions.is_empty() {
            // Operators, and keys within one, are JSON object keys: a repeated one holds the
            // last value.
            let mut ops: Vec<(&str, Vec<(&str, usize)>)> = Vec::new();
            for c in &s.conditions {
                let size = self.texts_size(&c.values);
                let keys = match ops.iter_mut().position(|(op, _)| *op == c.operator) {
                    Some(i) => &mut ops[i].1,
                    None => {
                        let i = ops.len();
                        ops.push((&c.operator, Vec::new()));
                        &mut ops[i].1
                    }
                };
                match keys.iter_mut().find(|(k, _)| *k == c.key) {
                    Some((_, v)) => *v = size,
                    None => keys.push((&c.key, size)),
                }
            }
            let ops =
                ops.iter().map(|(op, keys)| entry_size(op, object_size(keys.iter().map(|(k, v)| entry_size(k, *v)))));
            entries.push(entry_size("Condition", object_size(ops)));
        }
        object_size(entries)
    }

    /// The size of a whole document.
    pub fn document_size(&self, statements: &[Statement]) -> usize {
        let empty = object_size([entry_size("Version", string_size(POLICY_VERSION)), entry_size("Statement", 2)]);
        let body: usize = statements.iter().map(|s| self.statement_size(s)).sum();
        empty + body + statements.len().saturating_sub(1)
    }

    /// Splits statements, in order, into as few documents under [`MANAGED_POLICY_MAX`] as a
    /// greedy packing gives (as AWS CDK does). A statement too large for any document is first
    /// cut into statements over fewer resources (or, with one resource, fewer actions), which
    /// grant the same; one that still cannot fit (a single huge ARN, a `NotResource` list) gets
    /// a document of its own, which the lint then reports.
    pub fn split(&self, statements: Vec<Statement>) -> Vec<Vec<Statement>> {
        let overhead = self.document_size(&[]);
        let mut chunks: Vec<Vec<Statement>> = Vec::new();
        let mut used = overhead;
        let fitted = statements.into_iter().flat_map(|s| self.cut(s, MANAGED_POLICY_MAX - overhead));
        for s in fitted {
            let size = self.statement_size(&s);
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
    /// after the first get the Sid with their number appended.
    fn cut(&self, s: Statement, room: usize) -> Vec<Statement> {
        if self.statement_size(&s) <= room {
            return vec![s];
        }
        let resources = match &s.resources {
            Some(Resources::Resource(r)) if r.len() > 1 => Some(r.clone()),
            _ => None,
        };
        let actions = match &s.actions {
            Actions::Action(a) if a.len() > 1 => Some(a.clone()),
            _ => None,
        };
        let pieces: Vec<Statement> = match (resources, actions) {
            (Some(list), _) => self.pack(
                list,
                room,
                |part| Statement { resources: Some(Resources::Resource(part)), ..s.clone() },
                |t| self.text_size(t),
            ),
            (None, Some(list)) => self.pack(
                list,
                room,
                |part| Statement { actions: Actions::Action(part), ..s.clone() },
                |a| string_size(a),
            ),
            (None, None) => return vec![s],
        };
        pieces
            .into_iter()
            .enumerate()
            .map(|(i, mut piece)| {
                if i > 0 {
                    piece.sid = piece.sid.map(|sid| format!("{sid}{}", i + 1));
                }
                piece
            })
            .collect()
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

/// `"key":value`.
fn entry_size(key: &str, value: usize) -> usize {
    string_size(key) + 1 + value
}

/// `{entry,entry}`.
fn object_size(entries: impl IntoIterator<Item = usize>) -> usize {
    list_size(entries)
}

/// `[item,item]`.
fn list_size(items: impl IntoIterator<Item = usize>) -> usize {
    let (count, sum) = items.into_iter().fold((0usize, 0usize), |(n, total), size| (n + 1, total + size));
    2 + sum + count.saturating_sub(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Effect;

    use serde_json::{Map, Value, json};

    /// The size as it was counted before: the statement built as a `serde_json::Value`, written
    /// out, and its characters but white space counted.
    fn written_size(sizer: &Sizer<'_>, s: &Statement) -> usize {
        let text = |t: &Text| {
            t.0.iter()
                .map(|part| match part {
                    Part::Lit(s) => s.clone(),
                    Part::Partition => LONGEST_PARTITION.to_owned(),
                    Part::Region => LONGEST_REGION.to_owned(),
                    Part::Account => ACCOUNT.to_owned(),
                    Part::RoleArn(id) => format!(
                        "arn:{LONGEST_PARTITION}:iam::{ACCOUNT}:role/{}",
                        names::role_name_of(sizer.spec_name, id)
                    ),
                    Part::PolicyVar(v) => format!("${{{v}}}"),
                })
                .collect::<String>()
        };
        let texts = |list: &[Text]| Value::Array(list.iter().map(|t| Value::String(text(t))).collect());
        let mut m = Map::new();
        if let Some(sid) = &s.sid {
            m.insert("Sid".into(), json!(sid));
        }
        m.insert("Effect".into(), json!(s.effect.as_str()));
        match &s.principal {
            Some(Principal::Service(v)) => m.insert("Principal".into(), json!({ "Service": v })),
            Some(Principal::Aws(v)) => m.insert("Principal".into(), json!({ "AWS": texts(v) })),
            None => None,
        };
        match &s.actions {
            Actions::Action(a) => m.insert("Action".into(), json!(a)),
            Actions::NotAction(a) => m.insert("NotAction".into(), json!(a)),
        };
        match &s.resources {
            Some(Resources::Resource(r)) => m.insert("Resource".into(), texts(r)),
            Some(Resources::NotResource(r)) => m.insert("NotResource".into(), texts(r)),
            None => None,
        };
        if !s.conditions.is_empty() {
            let mut ops = Map::new();
            for c in &s.conditions {
                let op = ops.entry(c.operator.clone()).or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(keys) = op {
                    keys.insert(c.key.clone(), texts(&c.values));
                }
            }
            m.insert("Condition".into(), Value::Object(ops));
        }
        Value::Object(m).to_string().chars().filter(|c| !c.is_whitespace()).count()
    }

    #[test]
    fn sizes_are_what_the_written_json_holds() {
        use crate::model::{Condition, RoleId};
        let sizer = Sizer { spec_name: "genai" };
        let mut s = statement(7);
        s.principal = Some(Principal::Aws(vec![
            Text(vec![Part::RoleArn(RoleId("exec-compute".into()))]),
            Text::pattern("arn:{P}:iam::111122223333:root"),
        ]));
        s.resources = Some(Resources::NotResource(vec![
            Text::pattern("arn:{P}:ssm:{R}:{A}:session/${aws:userid}-*"),
            Text::lit("a \"quoted\" value\twith\nwhite space\u{1}é\u{a0}"),
        ]));
        s.actions = Actions::NotAction(vec!["s3:Get*".into(), "ec2:Describe*".into()]);
        let cond = |op: &str, key: &str, v: &str| Condition {
            operator: op.into(),
            key: key.into(),
            values: vec![Text::lit(v)],
        };
        s.conditions = vec![
            cond("StringEquals", "aws:RequestedRegion", "us-east-1"),
            cond("StringLike", "s3:prefix", "home/*"),
            cond("StringEquals", "aws:PrincipalTag/team", "nlp"),
            cond("StringEquals", "aws:RequestedRegion", "eu-west-1"),
        ];
        assert_eq!(sizer.statement_size(&s), written_size(&sizer, &s));
        let service = Statement {
            sid: None,
            principal: Some(Principal::Service(vec!["pods.eks.amazonaws.com".into()])),
            conditions: Vec::new(),
            ..statement(1)
        };
        assert_eq!(sizer.statement_size(&service), written_size(&sizer, &service));
        let empty = json!({ "Version": POLICY_VERSION, "Statement": [] }).to_string().len();
        assert_eq!(sizer.document_size(&[]), empty);
        assert_eq!(
            sizer.document_size(&[s.clone(), service.clone()]),
            empty + written_size(&sizer, &s) + 1 + written_size(&sizer, &service)
        );
    }

    fn statement(n: usize) -> Statement {
        Statement {
            sid: Some(format!("S{n}")),
            effect: Effect::Allow,
            principal: None,
            actions: Actions::Action(vec!["s3:GetObject".into()]),
            resources: Some(Resources::Resource(vec![Text::pattern(&format!("arn:{{P}}:s3:::bucket-{n:04}/*"))])),
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
        let big = Statement { resources: Some(Resources::Resource(resources.clone())), ..statement(0) };
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

    #[test]
    fn small_documents_stay_whole_and_size_counts_the_longest_values() {
        let sizer = Sizer { spec_name: "x" };
        assert_eq!(sizer.split(vec![statement(1), statement(2)]).len(), 1);
        let minified = r#"{"Version":"2012-10-17","Statement":[{"Sid":"S1","Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws-us-gov:s3:::bucket-0001/*"]}]}"#;
        assert_eq!(sizer.document_size(&[statement(1)]), minified.len());
    }
}
