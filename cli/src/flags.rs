//! Value types of flags that several commands share (`--input`, `--format`).

use capi_generator::validate::report;
use clap::ValueEnum;

/// What an input file holds.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Input {
    /// A HAR 1.2 capture.
    Har,
    /// A cf CLI trace.
    Trace,
    /// A JSON payload (needs a target).
    Payload,
}

/// What an exchange on a Cloud Controller route the contract does not describe is.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Outside {
    /// Counted in the report, never a failure.
    Count,
    /// A failure, like an exchange on no route at all.
    Fail,
}

/// A report format.
#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    /// One block per input, then `N passed, N failed`.
    Human,
    /// A machine-readable report (documented in README.md).
    Json,
    /// JUnit XML, one test case per exchange or payload.
    Junit,
    /// GitHub Actions annotations.
    Github,
}

impl From<Format> for report::Format {
    fn from(format: Format) -> Self {
        match format {
            Format::Human => report::Format::Human,
            Format::Json => report::Format::Json,
            Format::Junit => report::Format::Junit,
            Format::Github => report::Format::Github,
        }
    }
}
