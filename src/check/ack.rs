//! Acknowledged warnings: a team accepts a warning once, with a reason, in the spec
//! (`acknowledge: [{code: HP113, reason: "...", path: admins[0]}]`) or on the command line
//! (`check --allow HP113=reason`). An acknowledged warning is still reported, marked as such,
//! and no longer fails `--deny-warnings`; an error can never be acknowledged.

use serde::Serialize;

use super::{Code, Diagnostics, Severity};

/// One acknowledgement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Acknowledgement {
    pub code: Code,
    /// Why the warning is accepted; never empty.
    pub reason: String,
    /// The spec path it covers (that field and everything under it); `None` for the whole spec.
    pub path: Option<String>,
    /// Written in the spec (`acknowledge:`), not given on the command line.
    pub in_spec: bool,
}

/// How a warning was acknowledged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Acknowledged {
    pub reason: String,
    /// In the spec itself (SARIF's `inSource`), else on the command line (`external`).
    pub in_spec: bool,
}

impl Acknowledgement {
    /// `HP113=the admins use the console`, as `--allow` takes it.
    pub fn parse_allow(arg: &str) -> Result<Acknowledgement, String> {
        let (id, reason) = arg
            .split_once('=')
            .ok_or_else(|| format!("`{arg}`: expected `CODE=reason`, such as `HP113=the admins use the console`"))?;
        let code = Code::parse(id.trim()).ok_or_else(|| format!("`{id}` is not a code of hyperpod-iam"))?;
        if code.severity() != Severity::Warning {
            return Err(format!("`{code}` is an error; only warnings can be acknowledged"));
        }
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(format!("`{arg}`: say why the warning is accepted after `=`"));
        }
        Ok(Acknowledgement { code, reason: reason.to_owned(), path: None, in_spec: false })
    }

    fn covers(&self, code: Code, path: &str) -> bool {
        self.code == code
            && self.path.as_deref().is_none_or(|p| {
                path.strip_prefix(p).is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
            })
    }
}

/// Marks every warning that an acknowledgement covers with its reason. Errors stay as they are.
pub fn apply(diags: &mut Diagnostics, acknowledgements: &[Acknowledgement]) {
    for d in diags.items.iter_mut().filter(|d| d.severity == Severity::Warning && d.acknowledged.is_none()) {
        if let Some(a) = acknowledgements.iter().find(|a| a.covers(d.code, &d.path)) {
            d.acknowledged = Some(Acknowledged { reason: a.reason.clone(), in_spec: a.in_spec });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Diagnostic;

    #[test]
    fn acknowledgements_cover_their_code_and_path_and_never_an_error() {
        let mut diags = Diagnostics {
            items: vec![
                Diagnostic::new(Code::ConsoleAccess, "options.consoleAccess", "w"),
                Diagnostic::new(Code::ResourceStar, "admins[0].extraStatements[0].Resource[0]", "w"),
                Diagnostic::new(Code::ResourceStar, "admins[1].extraStatements[0].Resource[0]", "w"),
                Diagnostic::new(Code::ResourceStar, "admins[10].extraStatements[0].Resource[0]", "w"),
                Diagnostic::new(Code::ActionStar, "admins[0].extraStatements[0].Action[0]", "e"),
            ],
        };
        let scoped = Acknowledgement {
            code: Code::ResourceStar,
            reason: "r".into(),
            path: Some("admins[1]".into()),
            in_spec: true,
        };
        let all = Acknowledgement::parse_allow("hp113 = console needed").unwrap();
        apply(&mut diags, &[scoped, all]);
        let marked: Vec<bool> = diags.items.iter().map(|d| d.acknowledged.is_some()).collect();
        assert_eq!(marked, [true, false, true, false, false]);
        assert_eq!(diags.items[0].acknowledged, Some(Acknowledged { reason: "console needed".into(), in_spec: false }));
        let (_, open_warnings, _) = crate::check::report::summary(&diags);
        assert!(diags.has_errors() && open_warnings > 0);
        assert_eq!(
            Acknowledgement::parse_allow("HP109=x").unwrap_err(),
            "`HP109` is an error; only warnings can be acknowledged"
        );
        assert!(Acknowledgement::parse_allow("HP113=").is_err() && Acknowledgement::parse_allow("HP113").is_err());
        assert!(Acknowledgement::parse_allow("HP999=x").is_err());
    }
}
