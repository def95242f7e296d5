//! Reports: for people (`human`), programs (`json`), CI dashboards (`junit`) and GitHub
//! workflow annotations (`github`). A [`Writer`] streams outcomes as they come, so a
//! large capture does not have to be held in memory (JUnit, whose header carries the
//! counts, is the one format that buffers).
//!
//! The JSON report is a stable interface:
//!
//! ```json
//! {
//!   "version": 1,
//!   "outcomes": [
//!     {"input": "p.json", "targets": ["GET /v3/processes/{guid} → 200"],
//!      "verdict": "invalid", "problem": null,
//!      "violations": [{"part": "response", "pointer": "/instances", "found": "-1",
//!                      "expected": "a number >= 0",
//!                      "spec_location": "#/components/schemas/Process/properties/instances/minimum"}]}
//!   ],
//!   "summary": {"passed": 0, "failed": 1, "errors": 0},
//!   "cc_version": {"v3": "3.181.0", "v2": "2.172.0", "reason": "GET / in capture.har entry 1 (…)"},
//!   "coverage": {"responses_seen": 1, "responses_documented": 180, "operations_seen": 1,
//!                "operations_documented": 36, "never_seen": ["GET /v3/apps 200", "…"]}
//! }
//! ```
//!
//! `verdict` is `valid`, `invalid`, `error` or `outside` (captured traffic on a Cloud
//! Controller route the contract does not describe: counted per route in `outside`, and
//! in `summary` when there are any, never a failure); `problem` explains an input that is not
//! JSON (`invalid`) or could not be checked (`error`). `part` (`exchange`, `query`,
//! `request`, `response`) appears for captured traffic only; `coverage` with
//! `--coverage` only; `notes` (words about a capture as a whole, such as bodies it does
//! not hold, said once per capture) only when there are any; `cc_version` (the Cloud
//! Controller version the checks judged by, and why) for captures, and for payloads
//! checked with `--cc-version`. New keys may be added;
//! existing ones keep their meaning.

use std::io::{self, Write};

use serde::Serialize;

use super::outcome::{Outcome, Verdict};
use crate::traffic::coverage;

/// Counts of outcomes by verdict.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Valid inputs.
    pub passed: usize,
    /// Invalid inputs.
    pub failed: usize,
    /// Inputs that could not be checked.
    pub errors: usize,
    /// Exchanges on Cloud Controller routes the contract does not describe (in JSON only
    /// when there are any).
    #[serde(skip_serializing_if = "is_zero")]
    pub outside: usize,
}

fn is_zero(count: &usize) -> bool {
    *count == 0
}

impl Summary {
    fn count(&mut self, outcome: &Outcome) {
        match outcome.verdict {
            Verdict::Valid => self.passed += 1,
            Verdict::Invalid => self.failed += 1,
            Verdict::Error => self.errors += 1,
            Verdict::Outside => self.outside += 1,
        }
    }

    /// The closing line: `N passed, N failed` (and `, N errors` when there are any).
    pub fn line(&self) -> String {
        let mut line = format!("{} passed, {} failed", self.passed, self.failed);
        if self.errors > 0 {
            line.push_str(&format!(", {} errors", self.errors));
        }
        if self.outside > 0 {
            line.push_str(&format!(", {} outside the contract", self.outside));
        }
        line
    }
}

/// A report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Blocks per input, then a closing `N passed, N failed` line.
    Human,
    /// The stable JSON document described in the module documentation.
    Json,
    /// JUnit XML: one test case per input.
    Junit,
    /// GitHub Actions workflow commands: an `::error` per invalid input.
    Github,
}

/// Turns a spec pointer into `file:line:col`, when the spec's text is known.
pub type Locator = Box<dyn Fn(&str) -> Option<String> + Send>;

/// Writes a report as outcomes arrive.
pub struct Writer<W: Write> {
    format: Format,
    out: W,
    summary: Summary,
    buffered: Vec<Outcome>,
    locate: Option<Locator>,
    notes: Vec<String>,
    contract: Option<ContractVersion>,
    /// Outside-the-contract exchanges per Cloud Controller route.
    outside: std::collections::BTreeMap<String, usize>,
    /// Human format: passing outcomes counted by what they exercised, not listed.
    passes: Option<std::collections::BTreeMap<String, usize>>,
}

/// The Cloud Controller version a report's checks judged by, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContractVersion {
    /// The v3 API version.
    pub v3: String,
    /// The v2 API version.
    pub v2: String,
    /// Why this version: a flag, a captured response that states it, or the default.
    pub reason: String,
}

impl<W: Write> Writer<W> {
    /// Starts a report.
    pub fn new(format: Format, mut out: W) -> io::Result<Writer<W>> {
        if format == Format::Json {
            out.write_all(b"{\n  \"version\": 1,\n  \"outcomes\": [")?;
        }
        Ok(Writer {
            format,
            out,
            summary: Summary::default(),
            buffered: Vec::new(),
            locate: None,
            notes: Vec::new(),
            contract: None,
            outside: Default::default(),
            passes: None,
        })
    }

    /// Gives every violation's spec location its `file:line:col` as well.
    pub fn locate_with(mut self, locate: Locator) -> Writer<W> {
        self.locate = Some(locate);
        self
    }

    /// Adds a note about an input as a whole (e.g. which bodies a capture does not hold,
    /// and why); notes are written at the end, before the summary, and count as nothing.
    pub fn note(&mut self, text: &str) {
        self.notes.push(text.to_string());
    }

    /// Names the Cloud Controller version the checks judge by (before the first outcome):
    /// a first line for people, a `cc_version` object in JSON, a notice on GitHub.
    pub fn contract_version(&mut self, version: ContractVersion) -> io::Result<()> {
        let line = format!(
            "Cloud Controller API {} (v2 {}): {}",
            version.v3, version.v2, version.reason
        );
        match self.format {
            Format::Human => writeln!(self.out, "{line}")?,
            Format::Github => writeln!(self.out, "::notice title=Contract version::{line}")?,
            Format::Json | Format::Junit => {}
        }
        self.contract = Some(version);
        Ok(())
    }

    /// In the human format, counts passing outcomes per target (and, for captured
    /// exchanges, status) and prints that table at the end instead of a block for each:
    /// a capture of 50,000 good exchanges reports its failures and one line per operation.
    /// Other formats are unchanged.
    pub fn summarising_passes(mut self) -> Writer<W> {
        if self.format == Format::Human {
            self.passes = Some(std::collections::BTreeMap::new());
        }
        self
    }

    /// Adds one outcome.
    pub fn outcome(&mut self, outcome: &Outcome) -> io::Result<()> {
        let located;
        let outcome = match &self.locate {
            Some(locate) if !outcome.violations.is_empty() => {
                let mut copy = outcome.clone();
                for v in &mut copy.violations {
                    if !v.spec_location.is_empty() {
                        v.spec_position = locate(&v.spec_location);
                    }
                }
                located = copy;
                &located
            }
            _ => outcome,
        };
        let s = self.summary;
        let first = s.passed + s.failed + s.errors + s.outside == 0;
        self.summary.count(outcome);
        if outcome.verdict == Verdict::Outside {
            *self.outside.entry(outcome.targets.join("; ")).or_default() += 1;
            if self.passes.is_some() {
                // Counted per route in the closing table, like the passes.
                return Ok(());
            }
        }
        if let (Some(passes), Verdict::Valid) = (&mut self.passes, outcome.verdict) {
            *passes.entry(pass_key(outcome)).or_default() += 1;
            return Ok(());
        }
        match self.format {
            Format::Human => self.out.write_all(human_block(outcome).as_bytes()),
            Format::Json => {
                let text = serde_json::to_string_pretty(outcome).map_err(io::Error::other)?;
                let indented = text.replace('\n', "\n    ");
                write!(self.out, "{}\n    {indented}", if first { "" } else { "," })
            }
            Format::Junit => {
                self.buffered.push(outcome.clone());
                Ok(())
            }
            Format::Github => self.out.write_all(github_line(outcome).as_bytes()),
        }
    }

    /// Ends the report (with coverage, when asked for) and returns the counts.
    pub fn finish(mut self, coverage: Option<&coverage::Coverage>) -> io::Result<Summary> {
        let summary = self.summary;
        match self.format {
            Format::Human => {
                if let Some(passes) = self.passes.as_ref().filter(|p| !p.is_empty()) {
                    writeln!(self.out, "passed (--list-all lists each):")?;
                    for (key, count) in passes {
                        writeln!(self.out, "  {count:>8}  {key}")?;
                    }
                }
                for note in &self.notes {
                    writeln!(self.out, "note: {note}")?;
                }
                if let Some(coverage) = coverage {
                    if let Some(contract) = &self.contract {
                        writeln!(
                            self.out,
                            "Coverage of the contract at Cloud Controller API {} (v2 {}):",
                            contract.v3, contract.v2
                        )?;
                    }
                    self.out.write_all(coverage.table().as_bytes())?;
                } else if !self.outside.is_empty() {
                    let lines = coverage::outside_lines(&self.outside);
                    self.out.write_all(lines.as_bytes())?;
                }
                writeln!(self.out, "{}", summary.line())?;
            }
            Format::Json => {
                let counts = serde_json::to_string(&summary).map_err(io::Error::other)?;
                write!(self.out, "\n  ],\n  \"summary\": {counts}")?;
                if !self.notes.is_empty() {
                    let notes = serde_json::to_string(&self.notes).map_err(io::Error::other)?;
                    write!(self.out, ",\n  \"notes\": {notes}")?;
                }
                if let Some(contract) = &self.contract {
                    let text = serde_json::to_string(contract).map_err(io::Error::other)?;
                    write!(self.out, ",\n  \"cc_version\": {text}")?;
                }
                if !self.outside.is_empty() {
                    let counts = serde_json::to_string(&self.outside).map_err(io::Error::other)?;
                    write!(self.out, ",\n  \"outside\": {counts}")?;
                }
                if let Some(coverage) = coverage {
                    let text = serde_json::to_string_pretty(&coverage.summary())
                        .map_err(io::Error::other)?;
                    write!(
                        self.out,
                        ",\n  \"coverage\": {}",
                        text.replace('\n', "\n  ")
                    )?;
                }
                writeln!(self.out, "\n}}")?;
            }
            Format::Junit => {
                let text = junit(&self.buffered, summary, &self.notes);
                self.out.write_all(text.as_bytes())?;
            }
            Format::Github => {
                for note in &self.notes {
                    writeln!(
                        self.out,
                        "::warning title=Capture::{}",
                        escape_github(note, false)
                    )?;
                }
                for (route, count) in &self.outside {
                    writeln!(
                        self.out,
                        "::notice title=Outside the contract::{}",
                        escape_github(&format!("{route}: {count} exchanges on a Cloud Controller route the contract does not describe"), false)
                    )?;
                }
                if let Some(coverage) = coverage {
                    let s = coverage.summary();
                    writeln!(
                        self.out,
                        "::notice title=Contract coverage::{} of {} documented responses seen",
                        s.responses_seen, s.responses_documented
                    )?;
                }
                writeln!(self.out, "{}", summary.line())?;
            }
        }
        self.out.flush()?;
        Ok(summary)
    }
}

/// Renders a whole report at once.
pub fn render(
    format: Format,
    outcomes: &[Outcome],
    coverage: Option<&coverage::Coverage>,
) -> String {
    let mut bytes = Vec::new();
    let written = Writer::new(format, &mut bytes).and_then(|mut writer| {
        for outcome in outcomes {
            writer.outcome(outcome)?;
        }
        writer.finish(coverage)
    });
    // Writing to a Vec cannot fail; keep whatever was written if it somehow did.
    let _ = written;
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The human report of a set of outcomes.
pub fn human(outcomes: &[Outcome]) -> String {
    render(Format::Human, outcomes, None)
}

/// The JSON report of a set of outcomes.
pub fn json(outcomes: &[Outcome]) -> String {
    render(Format::Json, outcomes, None)
}

/// Counts outcomes by verdict.
pub fn summarize(outcomes: &[Outcome]) -> Summary {
    let mut summary = Summary::default();
    outcomes.iter().for_each(|o| summary.count(o));
    summary
}

/// What a passing outcome is counted under: its targets, and the status of a captured
/// exchange (its input ends `→ STATUS`).
fn pass_key(outcome: &Outcome) -> String {
    let targets = outcome.targets.join("; ");
    match outcome.input.rsplit_once(" → ") {
        Some((_, status)) => format!("{targets} → {status}"),
        None => targets,
    }
}

fn human_block(outcome: &Outcome) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let verdict = match outcome.verdict {
        Verdict::Valid => "ok",
        Verdict::Invalid => "INVALID",
        Verdict::Error => "ERROR",
        Verdict::Outside => "outside",
    };
    let _ = writeln!(
        out,
        "{verdict}: {} ({})",
        outcome.input,
        outcome.targets.join("; ")
    );
    if let Some(problem) = &outcome.problem {
        let _ = writeln!(out, "  {problem}");
    }
    for v in &outcome.violations {
        let pointer = if v.pointer.is_empty() {
            "(root)"
        } else {
            v.pointer.as_str()
        };
        let at = if v.part.is_empty() {
            pointer.to_string()
        } else {
            format!("{} {pointer}", v.part)
        };
        let _ = writeln!(out, "  {at}: expected {}", v.expected);
        let _ = writeln!(out, "      found: {}", v.found);
        match (&v.spec_position, v.spec_location.is_empty()) {
            (_, true) => {}
            (Some(position), false) => {
                let _ = writeln!(out, "      spec:  {} ({position})", v.spec_location);
            }
            (None, false) => {
                let _ = writeln!(out, "      spec:  {}", v.spec_location);
            }
        }
    }
    out
}

fn violation_lines(outcome: &Outcome) -> Vec<String> {
    let mut lines: Vec<String> = outcome.problem.iter().cloned().collect();
    for v in &outcome.violations {
        let pointer = if v.pointer.is_empty() {
            "(root)"
        } else {
            v.pointer.as_str()
        };
        let part = if v.part.is_empty() {
            String::new()
        } else {
            format!("{} ", v.part)
        };
        lines.push(format!(
            "{part}{pointer}: expected {}, found {} ({})",
            v.expected, v.found, v.spec_location
        ));
    }
    lines
}

/// Escapes text for XML content and attribute values (shared with `diff`'s JUnit report).
pub(crate) fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 does not allow are dropped.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

fn junit(outcomes: &[Outcome], summary: Summary, notes: &[String]) -> String {
    use std::fmt::Write as _;
    let total = summary.passed + summary.failed + summary.errors;
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let total = total + summary.outside;
    let mut counts = format!(
        "tests=\"{total}\" failures=\"{}\" errors=\"{}\"",
        summary.failed, summary.errors
    );
    if summary.outside > 0 {
        counts.push_str(&format!(" skipped=\"{}\"", summary.outside));
    }
    let _ = writeln!(out, "<testsuites name=\"capi-contract\" {counts}>");
    let _ = writeln!(out, "  <testsuite name=\"capi-contract\" {counts}>");
    for outcome in outcomes {
        let class = escape_xml(&outcome.targets.join("; "));
        let name = escape_xml(&outcome.input);
        let _ = write!(out, "    <testcase classname=\"{class}\" name=\"{name}\"");
        let lines = violation_lines(outcome);
        let element = match outcome.verdict {
            Verdict::Valid => {
                out.push_str("/>\n");
                continue;
            }
            Verdict::Invalid => "failure",
            Verdict::Error => "error",
            Verdict::Outside => {
                out.push_str(">\n      <skipped message=\"outside the contract: a Cloud Controller route it does not describe\"/>\n    </testcase>\n");
                continue;
            }
        };
        let message = match outcome.violations.len() {
            0 => outcome.problem.clone().unwrap_or_default(),
            1 => "1 contract violation".to_string(),
            n => format!("{n} contract violations"),
        };
        let _ = writeln!(
            out,
            ">\n      <{element} message=\"{}\" type=\"contract\">{}</{element}>\n    </testcase>",
            escape_xml(&message),
            escape_xml(&lines.join("\n"))
        );
    }
    if !notes.is_empty() {
        let _ = writeln!(
            out,
            "    <system-err>{}</system-err>",
            escape_xml(&notes.join("\n"))
        );
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// Escapes a GitHub workflow command's data (`%`, CR, LF) or property value (also `:` and `,`).
pub(crate) fn escape_github(text: &str, property: bool) -> String {
    let mut out = text
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    if property {
        out = out.replace(':', "%3A").replace(',', "%2C");
    }
    out
}

fn github_line(outcome: &Outcome) -> String {
    if matches!(outcome.verdict, Verdict::Valid | Verdict::Outside) {
        return String::new();
    }
    // `file.txt:17: …` sources point at a line of a trace.
    let source = outcome.input.split(": ").next().unwrap_or_default();
    let location = match source.rsplit_once(':') {
        Some((file, line)) if line.parse::<usize>().is_ok() => {
            format!("file={},line={line},", escape_github(file, true))
        }
        _ => match source.split_once(' ') {
            Some((file, _)) => format!("file={},", escape_github(file, true)),
            None if !source.is_empty() => format!("file={},", escape_github(source, true)),
            None => String::new(),
        },
    };
    let title = if outcome.verdict == Verdict::Error {
        "Could not check"
    } else {
        "Contract violation"
    };
    let message = std::iter::once(outcome.input.clone())
        .chain(violation_lines(outcome))
        .collect::<Vec<_>>()
        .join("\n");
    format!(
        "::error {location}title={}::{}\n",
        escape_github(title, true),
        escape_github(&message, false)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::Violation;

    fn invalid() -> Outcome {
        Outcome {
            input: "t.txt:17: GET /v3/apps → 200".into(),
            targets: vec!["GET /v3/apps".into()],
            verdict: Verdict::Invalid,
            problem: None,
            violations: vec![Violation {
                part: "response".into(),
                pointer: "/a".into(),
                found: "<1>".into(),
                expected: "type \"string\"".into(),
                spec_location: "#/x".into(),
                spec_position: None,
            }],
        }
    }

    #[test]
    fn github_annotations_point_at_trace_lines() {
        let line = github_line(&invalid());
        assert!(line.starts_with("::error file=t.txt,line=17,title=Contract violation::t.txt:17: GET /v3/apps → 200%0Aresponse /a"), "{line}");
    }

    #[test]
    fn junit_escapes_and_counts() {
        let text = render(Format::Junit, &[invalid()], None);
        assert!(
            text.contains(
                "<testsuites name=\"capi-contract\" tests=\"1\" failures=\"1\" errors=\"0\">"
            ),
            "{text}"
        );
        assert!(text.contains("found &lt;1&gt;"), "{text}");
    }
}
