//! Diagnostics for people (one line each), for machines (JSON) and for code hosts (SARIF 2.1.0).

use serde::Serialize;

use super::{Diagnostic, Diagnostics, Severity, codes};

/// Counts of a run.
pub fn summary(diags: &Diagnostics) -> (usize, usize) {
    let errors = diags.items.iter().filter(|d| d.severity == Severity::Error).count();
    (errors, diags.items.len() - errors)
}

/// `file:line:col: severity[CODE]: path: message`, one line each.
pub fn text(diags: &Diagnostics, file: &str) -> String {
    diags.items.iter().map(|d| d.render(file) + "\n").collect()
}

#[derive(Serialize)]
struct JsonReport<'a> {
    file: &'a str,
    catalog: &'a str,
    errors: usize,
    warnings: usize,
    diagnostics: Vec<JsonDiagnostic<'a>>,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    severity: Severity,
    code: &'a str,
    path: &'a str,
    line: Option<u32>,
    column: Option<u32>,
    message: &'a str,
    suggestion: Option<&'a str>,
}

/// One JSON document with every diagnostic.
pub fn json(diags: &Diagnostics, file: &str) -> String {
    let (errors, warnings) = summary(diags);
    let report = JsonReport {
        file,
        catalog: crate::catalog::catalog().version(),
        errors,
        warnings,
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
    rule_id: &'a str,
    level: &'static str,
    message: SarifText,
    locations: Vec<SarifLocation<'a>>,
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
    let mut text = if d.path.is_empty() { d.message.clone() } else { format!("{}: {}", d.path, d.message) };
    if let Some(s) = &d.suggestion {
        text.push_str(&format!(" (did you mean `{s}`?)"));
    }
    text
}

/// A SARIF 2.1.0 log with one run, every rule of [`codes::ALL`] and one result per diagnostic.
pub fn sarif(diags: &Diagnostics, file: &str) -> String {
    let rules = codes::ALL
        .iter()
        .map(|(id, severity, summary)| SarifRule {
            id,
            short_description: SarifText { text: (*summary).to_owned() },
            default_configuration: SarifConfiguration { level: level(*severity) },
        })
        .collect();
    let results = diags
        .items
        .iter()
        .map(|d| SarifResult {
            rule_id: d.code,
            level: level(d.severity),
            message: SarifText { text: message(d) },
            locations: vec![SarifLocation {
                physical_location: SarifPhysical {
                    artifact_location: SarifArtifact { uri: file },
                    region: d.location.map(|l| SarifRegion { start_line: l.line, start_column: l.column }),
                },
            }],
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
