//! Checking one input against its targets, producing an [`Outcome`] for the reports.

use serde::Serialize;

use super::payload;
use super::target::Resolution;
use super::violation::Violation;
use super::Validator;

/// The verdict on one input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// It satisfies every target.
    Valid,
    /// It breaks the contract, or is not JSON at all.
    Invalid,
    /// It could not be checked (unreadable file, spec schema that does not compile).
    Error,
    /// Captured traffic on a Cloud Controller route the contract does not describe: not
    /// checked, counted, never a failure (unless asked: `--outside fail`).
    Outside,
}

/// The result of checking one input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// The input's name: a file path, `-` for standard input, or a manifest row.
    pub input: String,
    /// What it was checked against.
    pub targets: Vec<String>,
    /// The verdict.
    pub verdict: Verdict,
    /// Why the input could not be read as JSON or checked at all, if so.
    pub problem: Option<String>,
    /// Every violation found.
    pub violations: Vec<Violation>,
}

impl Outcome {
    /// An input that could not be checked.
    pub fn error(input: &str, targets: Vec<String>, problem: String) -> Outcome {
        Outcome {
            input: input.to_string(),
            targets,
            verdict: Verdict::Error,
            problem: Some(problem),
            violations: Vec::new(),
        }
    }
}

/// How a payload must relate to several targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// It must satisfy every target (alternatives that must all hold).
    All,
    /// It must satisfy at least one (a body that could belong to any of several operations).
    Any,
}

/// Checks one payload (`None` when the exchange has no body) against the resolutions.
/// With [`Match::Any`], the reported violations are those of the closest target.
pub fn check_with(
    validator: &Validator,
    input: &str,
    resolutions: &[Resolution],
    payload: Option<&[u8]>,
    matching: Match,
) -> Outcome {
    if matching == Match::All || resolutions.len() < 2 {
        return check(validator, input, resolutions, payload);
    }
    let mut outcomes: Vec<Outcome> = resolutions
        .iter()
        .map(|r| check(validator, input, std::slice::from_ref(r), payload))
        .collect();
    outcomes.sort_by_key(|o| (o.verdict != Verdict::Valid, o.violations.len()));
    let mut best = outcomes.swap_remove(0);
    best.targets = resolutions.iter().map(label).collect();
    best
}

/// Checks one payload (`None` when the exchange has no body) against every resolution;
/// it is valid only if it satisfies them all.
pub fn check(
    validator: &Validator,
    input: &str,
    resolutions: &[Resolution],
    payload: Option<&[u8]>,
) -> Outcome {
    let targets = resolutions.iter().map(label).collect();
    let mut outcome = Outcome {
        input: input.to_string(),
        targets,
        verdict: Verdict::Valid,
        problem: None,
        violations: Vec::new(),
    };
    // Most payloads are valid: the fast path proves it without building a `Value`.
    if let Some(bytes) = payload {
        let proven = !resolutions.is_empty()
            && resolutions.iter().all(|r| {
                matches!(r, Resolution::Body(target) if validator.proves_valid(target, bytes, false))
            });
        if proven {
            return outcome;
        }
    }
    let value = match payload.map(payload::parse) {
        None => None,
        Some(Ok(value)) => Some(value),
        Some(Err(error)) => {
            outcome.verdict = Verdict::Invalid;
            outcome.problem = Some(error.to_string());
            return outcome;
        }
    };
    for resolution in resolutions {
        match (resolution, &value) {
            (Resolution::Finding(finding), _) => outcome.violations.push(finding.clone()),
            (Resolution::Body(target), Some(value)) => match validator.validate(target, value) {
                Ok(found) => outcome.violations.extend(found),
                Err(error) => {
                    outcome.verdict = Verdict::Error;
                    outcome.problem = Some(error.to_string());
                    return outcome;
                }
            },
            (Resolution::Body(target), None) => outcome.violations.push(Violation {
                part: String::new(),
                pointer: String::new(),
                found: "no body".into(),
                expected: format!("a JSON body ({})", target.label),
                spec_location: format!("#{}", target.schema_pointer),
                spec_position: None,
            }),
            (Resolution::NoBody { .. }, None) => {}
            (Resolution::NoBody { label }, Some(_)) => outcome.violations.push(Violation {
                part: String::new(),
                pointer: String::new(),
                found: "a JSON body".into(),
                expected: format!("no body ({label} documents none)"),
                spec_location: String::new(),
                spec_position: None,
            }),
        }
    }
    if !outcome.violations.is_empty() {
        outcome.verdict = Verdict::Invalid;
    }
    outcome
}

fn label(resolution: &Resolution) -> String {
    match resolution {
        Resolution::Body(target) => target.label.clone(),
        Resolution::NoBody { label } => label.clone(),
        Resolution::Finding(finding) => finding.found.clone(),
    }
}

/// The process exit code for a set of outcomes: 2 if any could not be checked, else 1
/// if any is invalid, else 0.
pub fn exit_code(outcomes: &[Outcome]) -> i32 {
    if outcomes.iter().any(|o| o.verdict == Verdict::Error) {
        2
    } else if outcomes.iter().any(|o| o.verdict == Verdict::Invalid) {
        1
    } else {
        0
    }
}
