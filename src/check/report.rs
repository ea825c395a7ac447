//! Diagnostics for people (one line each), for machines (JSON) and for code hosts (SARIF 2.1.0).

use serde::Serialize;

use super::{Code, Diagnostic, Diagnostics, Severity};

/// Counts of a run: errors, open warnings, acknowledged warnings.
pub fn summary(diags: &Diagnostics) -> (usize, usize, usize) {
    let errors = diags.items.iter().filter(|d| d.severity == Severity::Error).count();
    let acknowledged = diags.items.iter().filter(|d| d.acknowledged.is_some()).count();
    (errors, diags.items.len() - errors - acknowledged, acknowledged)
}

/// `file:line:col: severity[CODE]: path: message`, one line each, control characters escaped.
pub fn text(diags: &Diagnostics, file: &str) -> String {
    diags.items.iter().map(|d| d.render(file) + "\n").collect()
}

#[derive(Serialize)]
struct JsonReport<'a> {
    file: &'a str,
    catalog: &'a str,
    errors: usize,
    warnings: usize,
    acknowledged: usize,
    diagnostics: Vec<JsonDiagnostic<'a>>,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    severity: Severity,
    code: Code,
    path: &'a str,
    line: Option<u32>,
    column: Option<u32>,
    message: &'a str,
    suggestion: Option<&'a str>,
    /// Why the warning is accepted, when it is acknowledged.
    acknowledged: Option<&'a str>,
}

/// One JSON document with every diagnostic.
pub fn json(diags: &Diagnostics, file: &str) -> String {
    let (errors, warnings, acknowledged) = summary(diags);
    let report = JsonReport {
        file,
        catalog: crate::catalog::catalog().version(),
        errors,
        warnings,
        acknowledged,
        diagnostics: diags
            .items
            .iter()
            .map(|d| JsonDiagnostic {
                severity: d.severity,
                code: d.code,
                path: &d.path,
                line: d.location.map(|l| l.line),
                column: d.location.map(|l| l.column),
                message: &d.message,
                suggestion: d.suggestion.as_deref(),
                acknowledged: d.acknowledged.as_ref().map(|a| a.reason.as_str()),
            })
            .collect(),
    };
    serde_json::to_string_pretty(&report).unwrap_or_default() + "\n"
}

#[derive(Serialize)]
struct Sarif<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [SarifRun<'a>; 1],
}

#[derive(Serialize)]
struct SarifRun<'a> {
    tool: SarifTool,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct SarifTool {
    driver: SarifDriver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifDriver {
    name: &'static str,
    version: &'static str,
    rules: Vec<SarifRule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifRule {
    id: &'static str,
    short_description: SarifText,
    help: SarifText,
    default_configuration: SarifConfiguration,
}

#[derive(Serialize)]
struct SarifConfiguration {
    level: &'static str,
}

#[derive(Serialize)]
struct SarifText {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'static str,
    level: &'static str,
    message: SarifText,
    locations: Vec<SarifLocation<'a>>,
    /// An acknowledged warning: SARIF's own way to say a result is accepted, with the reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<SarifSuppression<'a>>,
}

#[derive(Serialize)]
struct SarifSuppression<'a> {
    kind: &'static str,
    justification: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation<'a> {
    physical_location: SarifPhysical<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifPhysical<'a> {
    artifact_location: SarifArtifact<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<SarifRegion>,
}

#[derive(Serialize)]
struct SarifArtifact<'a> {
    uri: &'a str,
}

/// A file name as a relative URI reference (RFC 3986): every byte outside the unreserved
/// characters and `/` percent-encoded, `\\` read as `/`.
pub fn uri(file: &str) -> String {
    let mut out = String::with_capacity(file.len());
    for b in file.replace('\\', "/").bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifRegion {
    start_line: u32,
    start_column: u32,
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn message(d: &Diagnostic) -> String {
    Diagnostic { acknowledged: None, ..d.clone() }.text()
}

/// A SARIF 2.1.0 log with one run, every rule of [`Code::ALL`] and one result per diagnostic.
pub fn sarif(diags: &Diagnostics, file: &str) -> String {
    let rules = Code::ALL
        .iter()
        .map(|code| SarifRule {
            id: code.id(),
            short_description: SarifText { text: code.summary().to_owned() },
            help: SarifText { text: code.help().to_owned() },
            default_configuration: SarifConfiguration { level: level(code.severity()) },
        })
        .collect();
    let uri = uri(file);
    let results = diags
        .items
        .iter()
        .map(|d| SarifResult {
            rule_id: d.code.id(),
            level: level(d.severity),
            message: SarifText { text: message(d) },
            locations: vec![SarifLocation {
                physical_location: SarifPhysical {
                    artifact_location: SarifArtifact { uri: &uri },
                    region: d.location.map(|l| SarifRegion { start_line: l.line, start_column: l.column }),
                },
            }],
            suppressions: d
                .acknowledged
                .as_ref()
                .map(|a| SarifSuppression {
                    kind: if a.in_spec { "inSource" } else { "external" },
                    justification: &a.reason,
                })
                .into_iter()
                .collect(),
        })
        .collect();
    let log = Sarif {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [SarifRun {
            tool: SarifTool { driver: SarifDriver { name: "hyperpod-iam", version: env!("CARGO_PKG_VERSION"), rules } },
            results,
        }],
    };
    serde_json::to_string_pretty(&log).unwrap_or_default() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sarif_uris_are_percent_encoded() {
        assert_eq!(uri("specs/ml research#1.yaml"), "specs/ml%20research%231.yaml");
        assert_eq!(uri("a\\b\u{1b}é.yaml"), "a/b%1B%C3%A9.yaml");
    }
}
