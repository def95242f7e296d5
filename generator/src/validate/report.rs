//! Rendering outcomes for people (`human`) and for programs (`json`).
//!
//! The JSON report is a stable interface:
//!
//! ```json
//! {
//!   "version": 1,
//!   "outcomes": [
//!     {"input": "p.json", "targets": ["GET /v3/processes/{guid} → 200"],
//!      "verdict": "invalid", "problem": null,
//!      "violations": [{"pointer": "/instances", "found": "-1",
//!                      "expected": "a number >= 0",
//!                      "spec_location": "#/components/schemas/Process/properties/instances/minimum"}]}
//!   ],
//!   "summary": {"passed": 0, "failed": 1, "errors": 0}
//! }
//! ```
//!
//! `verdict` is `valid`, `invalid` or `error`; `problem` explains an input that is not
//! JSON (`invalid`) or could not be checked (`error`). New keys may be added; existing
//! ones keep their meaning.

use std::fmt::Write;

use serde::Serialize;

use super::outcome::{Outcome, Verdict};

/// Counts of outcomes by verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Valid inputs.
    pub passed: usize,
    /// Invalid inputs.
    pub failed: usize,
    /// Inputs that could not be checked.
    pub errors: usize,
}

/// Counts outcomes by verdict.
pub fn summarize(outcomes: &[Outcome]) -> Summary {
    let count = |v| outcomes.iter().filter(|o| o.verdict == v).count();
    Summary {
        passed: count(Verdict::Valid),
        failed: count(Verdict::Invalid),
        errors: count(Verdict::Error),
    }
}

/// The human report: one block per input, then a closing `N passed, N failed` line.
pub fn human(outcomes: &[Outcome]) -> String {
    let mut out = String::new();
    for outcome in outcomes {
        let verdict = match outcome.verdict {
            Verdict::Valid => "ok",
            Verdict::Invalid => "INVALID",
            Verdict::Error => "ERROR",
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
            if !v.spec_location.is_empty() {
                let _ = writeln!(out, "      spec:  {}", v.spec_location);
            }
        }
    }
    let summary = summarize(outcomes);
    let _ = write!(out, "{} passed, {} failed", summary.passed, summary.failed);
    if summary.errors > 0 {
        let _ = write!(out, ", {} errors", summary.errors);
    }
    out.push('\n');
    out
}

/// The JSON report (see the module documentation for its shape).
pub fn json(outcomes: &[Outcome]) -> String {
    #[derive(Serialize)]
    struct Report<'a> {
        version: u32,
        outcomes: &'a [Outcome],
        summary: Summary,
    }
    let report = Report {
        version: 1,
        outcomes,
        summary: summarize(outcomes),
    };
    let mut text =
        serde_json::to_string_pretty(&report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}
