//! The recorder: each finished exchange becomes a HAR entry, is read back from it with
//! `validate`'s own HAR reader and checked with `validate`'s own code, goes to the report,
//! and, when it is a finding, to standard error as one line. It runs on one thread, so
//! the HAR, the report and the entry numbers all follow the same order.

use std::io::{self, Write};

use capi_generator::traffic::coverage::Coverage;
use capi_generator::traffic::{check_exchange, har as har_reader, redact, CheckOptions};
use capi_generator::validate::outcome::{Outcome, Verdict};
use capi_generator::validate::report;
use capi_generator::validate::Validator;
use serde_json::Value;

use super::har::{entry, HarWriter, Record};

/// Where the recorder writes.
pub struct Recorder<'a, H: Write, R: Write> {
    /// The contract.
    pub validator: &'a Validator,
    /// How exchanges are checked (as `validate` checks a capture).
    pub options: CheckOptions,
    /// The HAR log, if asked for.
    pub har: Option<HarWriter<H>>,
    /// What exchanges are called in reports: `<har file> entry N`, as `validate` names
    /// the entries of that file.
    pub name: String,
    /// The report.
    pub report: report::Writer<R>,
    /// Documented responses seen, and routes outside the contract.
    pub coverage: Coverage,
    /// Exchanges recorded.
    pub count: usize,
    /// The Cloud Controller API version the root document reported, once one passed.
    pub upstream_version: Option<String>,
}

impl<H: Write, R: Write> Recorder<'_, H, R> {
    /// Records one exchange.
    pub fn record(&mut self, record: &Record, stderr: &mut dyn Write) -> io::Result<()> {
        self.count += 1;
        let entry = entry(record);
        if let Some(har) = &mut self.har {
            har.entry(&entry)?;
        }
        self.note_version(record, stderr)?;
        let source = format!("{} entry {}", self.name, self.count);
        let outcome = match har_reader::exchange(&entry, source.clone()) {
            Ok(exchange) => {
                check_exchange(self.validator, &exchange, &self.options, &mut self.coverage)
            }
            Err(problem) => Outcome::error(&source, Vec::new(), problem),
        };
        self.report.outcome(&outcome)?;
        if matches!(outcome.verdict, Verdict::Invalid | Verdict::Error) {
            writeln!(stderr, "{}", one_line(&outcome, record.comment.as_deref()))?;
        }
        Ok(())
    }

    /// The root document names the Cloud Controller's API version.
    fn note_version(&mut self, record: &Record, stderr: &mut dyn Write) -> io::Result<()> {
        let (path, _) = capi_generator::traffic::split_url(&record.url);
        if record.status != Some(200) || !matches!(path.as_str(), "/" | "/v3") {
            return Ok(());
        }
        let Ok(root) = serde_json::from_slice::<Value>(&record.response_body.bytes) else {
            return Ok(());
        };
        let version = root
            .pointer("/links/cloud_controller_v3/meta/version")
            .or_else(|| root.pointer("/version"))
            .and_then(Value::as_str);
        if let Some(version) = version {
            if self.upstream_version.as_deref() != Some(version) {
                self.upstream_version = Some(version.to_string());
                writeln!(
                    stderr,
                    "capi-contract proxy: the Cloud Controller reports API version {version}; {}",
                    judged_at()
                )?;
            }
        }
        Ok(())
    }
}

/// Which version exchanges are judged at, for people.
pub fn judged_at() -> String {
    format!(
        "exchanges are judged at the contract's version {} (version-aware judging is not built yet)",
        crate::contract_version()
    )
}

/// A finding as one line: the exchange, then its first violation (and how many more).
fn one_line(outcome: &Outcome, comment: Option<&str>) -> String {
    let verdict = match outcome.verdict {
        Verdict::Error => "ERROR",
        _ => "INVALID",
    };
    let mut line = format!("{verdict} {}", outcome.input);
    if let Some(problem) = &outcome.problem {
        line.push_str(&format!(": {problem}"));
    }
    if let Some(first) = outcome.violations.first() {
        let pointer = if first.pointer.is_empty() {
            "(root)"
        } else {
            &first.pointer
        };
        line.push_str(&format!(
            ": {} {pointer}: expected {}, found {}",
            first.part, first.expected, first.found
        ));
        if !first.spec_location.is_empty() {
            line.push_str(&format!(" ({})", first.spec_location));
        }
        if outcome.violations.len() > 1 {
            line.push_str(&format!(" (+{} more)", outcome.violations.len() - 1));
        }
    }
    if let Some(comment) = comment {
        line.push_str(&format!(" [{}]", redact::url(comment)));
    }
    line.replace(['\n', '\r'], " ")
}
