//! The `data "aws_iam_policy_document"` blocks: IAM policy documents statement by statement, for
//! scanners to read (see the module documentation of `terraform.rs`).

use super::super::node::json::Stream;
use super::{Config, Place, lit, lit_entry, no_ampersand_brace};
use crate::emit::EmitError;
use crate::model::{Actions, POLICY_VERSION, PolicyDocument, Principal, Resources, Statement};

impl Config<'_> {
    /// The body of a `data "aws_iam_policy_document"`.
    pub(super) fn document(&mut self, doc: &PolicyDocument, s: &mut Stream<'_>) -> Result<(), EmitError> {
        s.map();
        s.entry("version", POLICY_VERSION);
        s.key("statement");
        s.list();
        for statement in &doc.statements {
            self.statement(statement, s)?;
        }
        s.end();
        s.end();
        Ok(())
    }

    fn statement(&mut self, st: &Statement, s: &mut Stream<'_>) -> Result<(), EmitError> {
        let place = Place::PolicyDocument;
        let strings = |list: &[String], s: &mut Stream<'_>| -> Result<(), EmitError> {
            s.list();
            for a in list {
                // Most actions hold no `{` at all: one look decides.
                if a.contains('{') {
                    no_ampersand_brace(a)?;
                    lit(s, a);
                } else {
                    s.str(a);
                }
            }
            s.end();
            Ok(())
        };
        s.map();
        if let Some(sid) = &st.sid {
            lit_entry(s, "sid", sid);
        }
        s.entry("effect", st.effect.as_str());
        if let Some(p) = &st.principal {
            s.key("principals");
            s.list();
            s.map();
            match p {
                Principal::Service(services) => {
                    s.entry("type", "Service");
                    s.key("identifiers");
                    strings(services, s)?;
                }
                Principal::Aws(arns) => {
                    s.entry("type", "AWS");
                    s.key("identifiers");
                    self.texts(arns, place, s)?;
                }
            }
            s.end();
            s.end();
        }
        match &st.actions {
            Actions::Action(a) => {
                s.key("actions");
                strings(a, s)?;
            }
            Actions::NotAction(a) => {
                s.key("not_actions");
                strings(a, s)?;
            }
        }
        match &st.resources {
            Some(Resources::Resource(r)) => {
                s.key("resources");
                self.texts(r, place, s)?;
            }
            Some(Resources::NotResource(r)) => {
                s.key("not_resources");
                self.texts(r, place, s)?;
            }
            None => {}
        }
        if !st.conditions.is_empty() {
            s.key("condition");
            s.list();
            for c in &st.conditions {
                s.map();
                lit_entry(s, "test", &c.operator);
                lit_entry(s, "variable", &c.key);
                s.key("values");
                self.texts(&c.values, place, s)?;
                s.end();
            }
            s.end();
        }
        s.end();
        Ok(())
    }
}
