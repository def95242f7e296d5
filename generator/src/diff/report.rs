//! `diff` reports, in the formats `validate` writes: for people (`human`), programs
//! (`json`), CI dashboards (`junit`) and GitHub workflow annotations (`github`).
//!
//! The JSON report is a stable interface:
//!
//! ```json
//! {
//!   "version": 1,
//!   "old": "old.json",
//!   "new": "new.json",
//!   "findings": [
//!     {"rule": "request-required-property-added", "class": "breaking-for-clients",
//!      "fails": true, "context": "PUT /config request body",
//!      "message": "PUT /config request body: required property `serial` is new.",
//!      "old": {"pointer": "/components/schemas/DnsConfigParams/properties", "line": 210, "column": 9},
//!      "new": {"pointer": "/components/schemas/DnsConfigParams/properties/serial", "line": 220, "column": 9}}
//!   ],
//!   "summary": {"breaking-for-clients": 1, "breaking-for-servers": 0,
//!               "generated-code-breaking": 0, "compatible": 0, "failing": 1}
//! }
//! ```
//!
//! `pointer` is an RFC 6901 JSON pointer into that document; `line` and `column` (1-based)
//! are `null` when the pointer cannot be placed in the text. `fails` says whether the
//! finding's class or rule was named in `--fail-on`. New keys may be added; existing ones
//! keep their meaning.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde::Serialize;

use super::rules::{self, Class};
use super::Finding;
use crate::source_map::SourceMap;
use crate::validate::report::{escape_github, escape_xml, Format};

/// One of the two documents as the report names it.
pub struct Document<'a> {
    /// How the report names it: a path, or `REV:path` for a git revision.
    pub name: &'a str,
    /// Its text's positions.
    pub map: &'a SourceMap,
}

impl Document<'_> {
    fn place(&self, pointer: &str) -> Place {
        let position = self.map.position(pointer);
        Place {
            pointer: pointer.to_string(),
            line: position.map(|p| p.line),
            column: position.map(|p| p.column),
        }
    }

    fn located(&self, place: &Place) -> String {
        match (place.line, place.column) {
            (Some(line), Some(column)) => format!("{}:{line}:{column}", self.name),
            _ => self.name.to_string(),
        }
    }

    /// The file part of the name (`HEAD~1:spec/capi.yaml` → `spec/capi.yaml`; a contract
    /// viewed at a version, `spec/capi.yaml@3.197.0` → `spec/capi.yaml`).
    fn file(&self) -> &str {
        let file = match self.name.split_once(':') {
            Some((_, path)) if !path.is_empty() => path,
            _ => self.name,
        };
        match file.rsplit_once('@') {
            Some((path, version))
                if !path.is_empty() && crate::versions::parse_version(version).is_ok() =>
            {
                path
            }
            _ => file,
        }
    }
}

/// Which findings fail the run: classes, and single rules named by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailOn {
    classes: BTreeSet<Class>,
    rules: BTreeSet<&'static str>,
}

impl Default for FailOn {
    /// Every breaking class: clients, servers and generated code.
    fn default() -> FailOn {
        FailOn {
            classes: [
                Class::BreakingForClients,
                Class::BreakingForServers,
                Class::GeneratedCodeBreaking,
            ]
            .into(),
            rules: BTreeSet::new(),
        }
    }
}

impl FailOn {
    /// Parses a comma-separated list of class names and rule ids, or `none`.
    pub fn parse(text: &str) -> Result<FailOn, String> {
        let mut fail = FailOn {
            classes: BTreeSet::new(),
            rules: BTreeSet::new(),
        };
        for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            if item == "none" {
                continue;
            }
            if let Some(class) = Class::parse(item) {
                fail.classes.insert(class);
            } else if let Some(rule) = rules::by_id(item) {
                fail.rules.insert(rule.id);
            } else {
                let classes: Vec<&str> = Class::ALL.iter().map(|c| c.as_str()).collect();
                return Err(format!(
                    "`{item}` is neither a class ({}) nor a rule id",
                    classes.join(", ")
                ));
            }
        }
        Ok(fail)
    }

    /// Whether this finding fails the run.
    pub fn fails(&self, finding: &Finding) -> bool {
        self.classes.contains(&finding.class()) || self.rules.contains(finding.rule.id)
    }
}

/// Counts of findings by class, and how many fail the run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Findings that break clients.
    #[serde(rename = "breaking-for-clients")]
    pub breaking_for_clients: usize,
    /// Findings that break servers.
    #[serde(rename = "breaking-for-servers")]
    pub breaking_for_servers: usize,
    /// Findings that break the generated Rust API.
    #[serde(rename = "generated-code-breaking")]
    pub generated_code_breaking: usize,
    /// Findings that break nobody.
    pub compatible: usize,
    /// Findings that fail the run.
    pub failing: usize,
}

impl Summary {
    /// Counts the findings.
    pub fn of(findings: &[Finding], fail_on: &FailOn) -> Summary {
        let mut summary = Summary::default();
        for finding in findings {
            match finding.class() {
                Class::BreakingForClients => summary.breaking_for_clients += 1,
                Class::BreakingForServers => summary.breaking_for_servers += 1,
                Class::GeneratedCodeBreaking => summary.generated_code_breaking += 1,
                Class::Compatible => summary.compatible += 1,
            }
            if fail_on.fails(finding) {
                summary.failing += 1;
            }
        }
        summary
    }

    /// The closing line of the human report.
    pub fn line(&self) -> String {
        format!(
            "{} breaking for clients, {} breaking for servers, {} generated-code-breaking, {} compatible; {} failing",
            self.breaking_for_clients,
            self.breaking_for_servers,
            self.generated_code_breaking,
            self.compatible,
            self.failing
        )
    }
}

#[derive(Serialize)]
struct Place {
    pointer: String,
    line: Option<usize>,
    column: Option<usize>,
}

#[derive(Serialize)]
struct JsonFinding<'f> {
    rule: &'static str,
    class: &'static str,
    fails: bool,
    context: &'f str,
    message: &'f str,
    old: Place,
    new: Place,
}

#[derive(Serialize)]
struct JsonReport<'f> {
    version: u32,
    old: &'f str,
    new: &'f str,
    findings: Vec<JsonFinding<'f>>,
    summary: Summary,
}

/// Writes the whole report in one format.
pub fn render(
    format: Format,
    findings: &[Finding],
    old: &Document<'_>,
    new: &Document<'_>,
    fail_on: &FailOn,
) -> String {
    let summary = Summary::of(findings, fail_on);
    match format {
        Format::Human => human(findings, old, new, fail_on, summary),
        Format::Json => {
            let report = JsonReport {
                version: 1,
                old: old.name,
                new: new.name,
                findings: findings
                    .iter()
                    .map(|f| JsonFinding {
                        rule: f.rule.id,
                        class: f.class().as_str(),
                        fails: fail_on.fails(f),
                        context: &f.context,
                        message: &f.message,
                        old: old.place(&f.old),
                        new: new.place(&f.new),
                    })
                    .collect(),
                summary,
            };
            let mut text = serde_json::to_string_pretty(&report).unwrap_or_default();
            text.push('\n');
            text
        }
        Format::Junit => junit(findings, old, new, fail_on, summary),
        Format::Github => github(findings, old, new, fail_on, summary),
    }
}

fn lines_of(finding: &Finding, old: &Document<'_>, new: &Document<'_>) -> [String; 2] {
    let (o, n) = (old.place(&finding.old), new.place(&finding.new));
    [
        format!("old: {}  #{}", old.located(&o), o.pointer),
        format!("new: {}  #{}", new.located(&n), n.pointer),
    ]
}

fn human(
    findings: &[Finding],
    old: &Document<'_>,
    new: &Document<'_>,
    fail_on: &FailOn,
    summary: Summary,
) -> String {
    let mut out = String::new();
    for finding in findings {
        let mark = if fail_on.fails(finding) {
            "FAIL"
        } else {
            "note"
        };
        let _ = writeln!(
            out,
            "{mark} {} [{}]\n  {}",
            finding.class(),
            finding.rule.id,
            finding.message
        );
        for line in lines_of(finding, old, new) {
            let _ = writeln!(out, "    {line}");
        }
    }
    if findings.is_empty() {
        let _ = writeln!(out, "no changes between {} and {}", old.name, new.name);
    }
    out.push_str(&summary.line());
    out.push('\n');
    out
}

fn junit(
    findings: &[Finding],
    old: &Document<'_>,
    new: &Document<'_>,
    fail_on: &FailOn,
    summary: Summary,
) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let counts = format!(
        "tests=\"{}\" failures=\"{}\" errors=\"0\"",
        findings.len(),
        summary.failing
    );
    let suite = escape_xml(&format!("capi-contract diff {} {}", old.name, new.name));
    let _ = writeln!(out, "<testsuites name=\"capi-contract diff\" {counts}>");
    let _ = writeln!(out, "  <testsuite name=\"{suite}\" {counts}>");
    for finding in findings {
        let _ = write!(
            out,
            "    <testcase classname=\"{}\" name=\"{}\"",
            escape_xml(finding.class().as_str()),
            escape_xml(&format!("{}: {}", finding.rule.id, finding.context))
        );
        if !fail_on.fails(finding) {
            out.push_str("/>\n");
            continue;
        }
        let body = std::iter::once(finding.message.clone())
            .chain(lines_of(finding, old, new))
            .collect::<Vec<_>>()
            .join("\n");
        let _ = writeln!(
            out,
            ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
            escape_xml(&finding.message),
            escape_xml(finding.rule.id),
            escape_xml(&body)
        );
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

fn github(
    findings: &[Finding],
    old: &Document<'_>,
    new: &Document<'_>,
    fail_on: &FailOn,
    summary: Summary,
) -> String {
    let mut out = String::new();
    for finding in findings {
        let command = if fail_on.fails(finding) {
            "error"
        } else {
            "notice"
        };
        let place = new.place(&finding.new);
        let mut location = format!("file={}", escape_github(new.file(), true));
        if let (Some(line), Some(column)) = (place.line, place.column) {
            let _ = write!(location, ",line={line},col={column}");
        }
        let title = format!("{} ({})", finding.rule.id, finding.class());
        let message = std::iter::once(finding.message.clone())
            .chain(lines_of(finding, old, new))
            .collect::<Vec<_>>()
            .join("\n");
        let _ = writeln!(
            out,
            "::{command} {location},title={}::{}",
            escape_github(&title, true),
            escape_github(&message, false)
        );
    }
    out.push_str(&summary.line());
    out.push('\n');
    out
}
