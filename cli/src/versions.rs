//! `--cc-version` and version detection: which Cloud Controller version a check judges
//! by — the flag, else the version a capture's root endpoint (`GET /`, `GET /v2/info`)
//! states, else today's — and why.

use std::io::Read;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{anyhow, Context as _};
use capi_generator::traffic::{har, split_url, trace, Exchange};
use capi_generator::validate::outcome::Outcome;
use capi_generator::versions::{self, Choice, Contracts, Lines, Version};
use capi_generator::Spec;

/// Which v2 version each v3 version shipped with: `spec/version-lines.tsv`.
pub const EMBEDDED_LINES: &str = include_str!("../../spec/version-lines.tsv");

/// How many exchanges at the start of each capture are searched for a stated version.
pub const DETECT_WITHIN: usize = 50;

/// The contracts of every version of `spec`.
pub fn contracts(spec: Spec) -> anyhow::Result<Contracts> {
    let lines = Lines::parse(EMBEDDED_LINES).map_err(|e| anyhow!("spec/version-lines.tsv: {e}"))?;
    Ok(Contracts::new(spec, lines))
}

/// The versions `--cc-version` names (`3.181.0`, `2.150.0`, or both as `3.181.0,2.172.0`).
pub fn given(contracts: &Contracts, text: &str) -> anyhow::Result<Choice> {
    let parsed: Vec<Version> = text
        .split(',')
        .map(|part| versions::parse_version(part).map_err(|e| anyhow!("--cc-version: {e}")))
        .collect::<anyhow::Result<_>>()?;
    let stated: Vec<(Version, String)> = parsed.into_iter().map(|v| (v, String::new())).collect();
    let at = contracts.complete_stated(&stated).ok_or_else(|| {
        anyhow!("--cc-version {text}: a Cloud Controller API version is 2.x.y (v2) or 3.x.y (v3)")
    })?;
    Ok(Choice {
        at,
        reason: format!("--cc-version {text}"),
    })
}

/// Today's versions: the contract's own.
pub fn today(contracts: &Contracts) -> Choice {
    Choice {
        at: contracts.today().clone(),
        reason: "the contract's own version (no --cc-version, and no GET / or GET /v2/info in the captures)".into(),
    }
}

/// The versions the first exchanges of the captures state, if any does: the first
/// `GET /` (both lines) or `GET /v2/info` (v2) with a JSON answer, within the first
/// [`DETECT_WITHIN`] exchanges of each file.
pub fn detect(
    contracts: &Contracts,
    files: &[PathBuf],
    stdin: Option<&[u8]>,
) -> anyhow::Result<Option<Choice>> {
    for file in files {
        let name = file.display().to_string();
        let reader: Box<dyn Read> = if file.as_os_str() == "-" {
            Box::new(stdin.unwrap_or_default())
        } else {
            match std::fs::File::open(file) {
                Ok(handle) => Box::new(handle),
                // The check itself reports unreadable files.
                Err(_) => continue,
            }
        };
        if let Some(choice) = detect_in(contracts, reader, &name)? {
            return Ok(Some(choice));
        }
    }
    Ok(None)
}

fn detect_in(
    contracts: &Contracts,
    mut reader: Box<dyn Read + '_>,
    name: &str,
) -> anyhow::Result<Option<Choice>> {
    let mut first = [0u8; 1];
    let mut head = Vec::new();
    // The kind of capture, as the check decides it: HAR when it starts with `{`.
    let is_har = loop {
        if reader.read(&mut first).context("cannot read a capture")? == 0 {
            return Ok(None);
        }
        head.push(first[0]);
        if !first[0].is_ascii_whitespace() && !matches!(first[0], 0xEF | 0xBB | 0xBF) {
            break first[0] == b'{';
        }
    };
    let reader = std::io::Cursor::new(head).chain(reader);
    let mut found = None;
    let mut seen = 0usize;
    let mut look = |exchange: &Exchange| {
        seen += 1;
        if found.is_none() {
            found = stated_by(contracts, exchange);
        }
        found.is_some() || seen >= DETECT_WITHIN
    };
    if is_har {
        let stop = AtomicBool::new(false);
        let stoppable = Stoppable {
            inner: reader,
            stop: &stop,
        };
        // Reading ends early (a "truncated" document) once the version is found.
        let _ = har::read(stoppable, name, &mut |item| {
            if let Ok(exchange) = item {
                if look(&exchange) {
                    stop.store(true, Ordering::Relaxed);
                }
            }
        });
    } else {
        let mut text = String::new();
        let mut reader = reader;
        if reader.read_to_string(&mut text).is_err() {
            return Ok(None);
        }
        for exchange in trace::parse(&text, name).into_iter().flatten() {
            if look(&exchange) {
                break;
            }
        }
    }
    Ok(found)
}

/// The versions one exchange states (a `GET /` or `GET /v2/info` with a JSON answer),
/// and where: the choice detection makes when it meets this exchange.
pub fn stated_by(contracts: &Contracts, exchange: &Exchange) -> Option<Choice> {
    let body = exchange.response_body.as_deref()?;
    let (path, _) = split_url(&exchange.url);
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let stated = versions::stated(&exchange.method, &path, &value);
    let at = contracts.complete_stated(&stated)?;
    let pointers: Vec<&str> = stated.iter().map(|(_, p)| p.as_str()).collect();
    Some(Choice {
        at,
        reason: format!(
            "{} {} in {} ({})",
            exchange.method,
            if path.is_empty() { "/" } else { &path },
            exchange.source,
            pointers.join(", ")
        ),
    })
}

struct Stoppable<'a, R> {
    inner: R,
    stop: &'a AtomicBool,
}

impl<R: Read> Read for Stoppable<'_, R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        if self.stop.load(Ordering::Relaxed) {
            return Ok(0);
        }
        self.inner.read(buffer)
    }
}

/// Explains every violation of an outcome by the contract's history at the chosen
/// version (see `capi_generator::versions::explain`).
pub fn explain(contracts: &Contracts, choice: &Choice, outcome: &mut Outcome) {
    for violation in &mut outcome.violations {
        contracts.explain(&choice.at, violation);
    }
    // A route the contract documents, but only from a later version on, is not "outside
    // the contract" at this version: the Cloud Controller judged at did not have it.
    if outcome.verdict == capi_generator::validate::outcome::Verdict::Outside {
        let Some(route) = outcome.targets.first().cloned() else {
            return;
        };
        let expected = "a path documented in the spec".to_string();
        let mut violation = capi_generator::validate::Violation {
            part: "exchange".into(),
            pointer: String::new(),
            found: route,
            expected: expected.clone(),
            spec_location: "#/paths".into(),
            spec_position: None,
        };
        contracts.explain(&choice.at, &mut violation);
        if violation.expected != expected {
            outcome.verdict = capi_generator::validate::outcome::Verdict::Invalid;
            outcome.targets.clear();
            outcome.violations.push(violation);
        }
    }
}

/// The validator of the chosen version (today's is the spec as written).
pub fn validator(
    contracts: &Contracts,
    choice: &Choice,
) -> anyhow::Result<std::sync::Arc<capi_generator::validate::Validator>> {
    if &choice.at == contracts.today() {
        return Ok(std::sync::Arc::new(
            capi_generator::validate::Validator::new(contracts.spec()),
        ));
    }
    contracts
        .validator(&choice.at)
        .map_err(|e| anyhow!("the contract at {}: {e}", choice.at))
}

/// A validator of the chosen version that the caller owns (manifests add schemas to it).
pub fn owned_validator(
    contracts: &Contracts,
    choice: &Choice,
) -> anyhow::Result<capi_generator::validate::Validator> {
    if &choice.at == contracts.today() {
        return Ok(capi_generator::validate::Validator::new(contracts.spec()));
    }
    let spec = contracts
        .spec_at(&choice.at, versions::ViewOptions::default())
        .map_err(|e| anyhow!("the contract at {}: {e}", choice.at))?;
    Ok(capi_generator::validate::Validator::new(&spec))
}

/// The chosen version as the report names it.
pub fn report_version(choice: &Choice) -> capi_generator::validate::report::ContractVersion {
    capi_generator::validate::report::ContractVersion {
        v3: choice.at.v3.to_string(),
        v2: choice.at.v2.to_string(),
        reason: choice.reason.clone(),
    }
}

/// The spec code is generated from: an annotated contract as of `--cc-version` (today's
/// without it), with "Since CC API …" in the descriptions of what came after 3.0.0; a
/// document without annotations as it is.
pub fn for_codegen(spec: Spec, cc_version: Option<&str>) -> anyhow::Result<Spec> {
    let annotated = versions::annotations(&spec.raw).is_ok_and(|a| !a.is_empty());
    if !annotated && cc_version.is_none() {
        return Ok(spec);
    }
    let contracts = contracts(spec)?;
    let at = match cc_version {
        Some(text) => given(&contracts, text)?.at,
        None => contracts.today().clone(),
    };
    contracts
        .spec_at(&at, versions::ViewOptions { describe: true })
        .map_err(|e| anyhow!("the contract at {at}: {e}"))
}
