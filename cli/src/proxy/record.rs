//! The recorder: each finished exchange becomes a HAR entry, is read back from it with
//! `validate`'s own HAR reader and checked with `validate`'s own code, goes to the report,
//! and, when it is a finding, to standard error as one line. It runs on one thread, so
//! the HAR, the report and the entry numbers all follow the same order.

use std::io::{self, Write};
use std::sync::Arc;

use capi_generator::traffic::coverage::Coverage;
use capi_generator::traffic::{check_exchange, har as har_reader, redact, CheckOptions, Exchange};
use capi_generator::validate::outcome::{Outcome, Verdict};
use capi_generator::validate::report::{self, Summary};
use capi_generator::validate::Validator;
use capi_generator::versions::{Choice, Contracts};

use super::har::{entry, HarWriter, Record};
use crate::versions;

/// Where the recorder writes, and the version the session is judged at.
///
/// The version is decided as `validate` decides it for the proxy's HAR: `--cc-version`
/// when given, else the first `GET /` or `GET /v2/info` that states one within the
/// first [`versions::DETECT_WITHIN`] exchanges, else the contract's own. Until it is
/// decided, exchanges wait (at most that many, each with bodies of at most the cap) and
/// are checked in order once it is, so the report and the findings on standard error
/// are those of `validate` over the HAR. A client that starts with `GET /`, as `cf` and
/// the client libraries do, waits for nothing.
pub struct Recorder<'a, H: Write> {
    /// The contract at every version.
    pub contracts: Contracts,
    /// The version `--cc-version` names, if given.
    pub given: Option<Choice>,
    /// How exchanges are checked (as `validate` checks a capture).
    pub options: CheckOptions,
    /// The HAR log, if asked for.
    pub har: Option<HarWriter<H>>,
    /// What exchanges are called in reports: `<har file> entry N`, as `validate` names
    /// the entries of that file.
    pub name: String,
    /// The report's format.
    pub format: report::Format,
    /// Where the report goes, until the version is decided and the report starts.
    pub out: Option<Box<dyn Write + 'a>>,
    /// Exchanges recorded.
    pub count: usize,
    judged: Option<Judged<'a>>,
    waiting: Vec<Waiting>,
    readable: usize,
}

/// An exchange read back from its HAR entry, waiting for the version: its name, the
/// exchange (or why it cannot be read) and the proxy's comment on it.
type Waiting = (String, Result<Exchange, String>, Option<String>);

/// The session once its version is decided.
struct Judged<'a> {
    choice: Choice,
    validator: Arc<Validator>,
    report: report::Writer<Box<dyn Write + 'a>>,
    coverage: Coverage,
}

impl<'a, H: Write> Recorder<'a, H> {
    /// A recorder with nothing recorded yet.
    pub fn new(
        contracts: Contracts,
        given: Option<Choice>,
        options: CheckOptions,
        har: Option<HarWriter<H>>,
        name: String,
        format: report::Format,
        out: Box<dyn Write + 'a>,
    ) -> Self {
        Recorder {
            contracts,
            given,
            options,
            har,
            name,
            format,
            out: Some(out),
            count: 0,
            judged: None,
            waiting: Vec::new(),
            readable: 0,
        }
    }

    /// Records one exchange.
    pub fn record(&mut self, record: &Record, stderr: &mut dyn Write) -> io::Result<()> {
        self.count += 1;
        let entry = entry(record);
        if let Some(har) = &mut self.har {
            har.entry(&entry)?;
        }
        let source = format!("{} entry {}", self.name, self.count);
        let exchange = har_reader::exchange(&entry, source.clone());
        if self.judged.is_none() {
            let stated = match (&self.given, &exchange) {
                (Some(given), _) => Some(given.clone()),
                (None, Ok(exchange)) => {
                    self.readable += 1;
                    versions::stated_by(&self.contracts, exchange)
                }
                (None, Err(_)) => None,
            };
            if let (None, Some(comment)) = (record.status, &record.comment) {
                // No answer (the upstream refused): said now, not once the version is.
                writeln!(
                    stderr,
                    "capi-contract proxy: {source}: {} {}: {}",
                    record.method,
                    redact::url(&record.url),
                    redact::url(comment)
                )?;
            }
            self.waiting
                .push((source, exchange, record.comment.clone()));
            match stated {
                Some(choice) => self.judge(choice, stderr)?,
                None if self.readable >= versions::DETECT_WITHIN => {
                    let today = versions::today(&self.contracts);
                    self.judge(today, stderr)?;
                }
                None => {}
            }
            return Ok(());
        }
        self.check(&source, exchange, record.comment.as_deref(), stderr)
    }

    /// Decides the version, starts the report and checks the exchanges that waited.
    fn judge(&mut self, choice: Choice, stderr: &mut dyn Write) -> io::Result<()> {
        let validator = versions::validator(&self.contracts, &choice).map_err(io::Error::other)?;
        writeln!(
            stderr,
            "capi-contract proxy: judged at Cloud Controller API {} (v2 {}): {}",
            choice.at.v3, choice.at.v2, choice.reason
        )?;
        let out = self.out.take().expect("the report starts once");
        let mut report =
            report::Writer::new(self.format, out)?.locate_with(validator.source().locator());
        report.contract_version(versions::report_version(&choice))?;
        self.judged = Some(Judged {
            coverage: Coverage::new(validator.spec(), validator.operations()),
            choice,
            validator,
            report: report.summarising_passes(),
        });
        for (source, exchange, comment) in std::mem::take(&mut self.waiting) {
            self.check(&source, exchange, comment.as_deref(), stderr)?;
        }
        Ok(())
    }

    fn check(
        &mut self,
        source: &str,
        exchange: Result<Exchange, String>,
        comment: Option<&str>,
        stderr: &mut dyn Write,
    ) -> io::Result<()> {
        let judged = self.judged.as_mut().expect("judged before checking");
        let mut outcome = match exchange {
            Ok(exchange) => check_exchange(
                &judged.validator,
                &exchange,
                &self.options,
                &mut judged.coverage,
            ),
            Err(problem) => Outcome::error(source, Vec::new(), problem),
        };
        versions::explain(&self.contracts, &judged.choice, &mut outcome);
        judged.report.outcome(&outcome)?;
        if matches!(outcome.verdict, Verdict::Invalid | Verdict::Error) {
            writeln!(stderr, "{}", one_line(&outcome, comment))?;
        }
        Ok(())
    }

    /// Ends the session: checks what still waits (at the contract's own version, as no
    /// exchange stated one), ends the HAR and the report.
    pub fn finish(mut self, coverage: bool, stderr: &mut dyn Write) -> io::Result<Summary> {
        if self.judged.is_none() {
            let choice = self
                .given
                .clone()
                .unwrap_or_else(|| versions::today(&self.contracts));
            self.judge(choice, stderr)?;
        }
        if let Some(har) = self.har.take() {
            har.finish()?;
        }
        let judged = self.judged.take().expect("judged above");
        judged.report.finish(coverage.then_some(&judged.coverage))
    }
}

/// Which version exchanges will be judged at, for people, before any is.
pub fn judged_at(given: Option<&Choice>) -> String {
    match given {
        Some(choice) => format!(
            "exchanges are judged at Cloud Controller API {} (v2 {}): {}",
            choice.at.v3, choice.at.v2, choice.reason
        ),
        None => format!(
            "exchanges are judged at the version the first GET / or GET /v2/info states, else at the contract's own ({})",
            crate::contract_version()
        ),
    }
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
