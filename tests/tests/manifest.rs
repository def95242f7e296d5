//! Every row of `../shared/payloads/MANIFEST.tsv` is a case: `yes` rows validate with
//! no violation, `no` rows fail, and their violations point at a field the row's notes
//! name (or, for a document that is not JSON, the problem says so). Rows are read at test
//! time, so a new row is a new case.

mod support;

use capi_generator::validate::manifest;
use capi_generator::validate::outcome::{Outcome, Verdict};

fn outcomes() -> (Vec<manifest::Row>, Vec<Outcome>) {
    let dir = support::shared().join("payloads");
    let rows =
        manifest::parse(&std::fs::read_to_string(dir.join("MANIFEST.tsv")).unwrap()).unwrap();
    let aliases = manifest::parse_aliases(
        &std::fs::read_to_string(support::root().join("tests/fixtures/manifest-aliases.tsv"))
            .unwrap(),
    )
    .unwrap();
    let mut validator = support::validator();
    let mut read = |file: &str| std::fs::read(dir.join(file)).map_err(|e| e.to_string());
    let outcomes = manifest::check_rows(&mut validator, &rows, &aliases, "MANIFEST.tsv", &mut read);
    (rows, outcomes)
}

/// Whether some violation is about a field the notes mention, by the last segment of
/// its pointer, or, for a payload that does not parse, the notes speak of JSON.
fn points_where_the_notes_say(outcome: &Outcome, notes: &str) -> bool {
    let notes = notes.to_lowercase();
    let about_field = outcome.violations.iter().any(|v| {
        let last = v.pointer.rsplit('/').next().unwrap_or_default();
        !last.is_empty() && notes.contains(&last.to_lowercase())
    });
    let about_json = outcome
        .problem
        .as_deref()
        .is_some_and(|p| p.contains("JSON"))
        && notes.contains("json");
    about_field || about_json
}

#[test]
fn every_manifest_row_gets_the_verdict_its_label_gives() {
    let (rows, outcomes) = outcomes();
    assert!(rows.len() >= 60, "the manifest has {} rows", rows.len());
    let mut failures = Vec::new();
    for (row, outcome) in rows.iter().zip(&outcomes) {
        let report = capi_generator::validate::report::human(std::slice::from_ref(outcome));
        match (row.expected_valid, outcome.verdict) {
            (Some(true), Verdict::Valid) => {}
            (Some(false), Verdict::Invalid) if points_where_the_notes_say(outcome, &row.notes) => {}
            (Some(false), Verdict::Invalid) => failures.push(format!(
                "line {}: fails, but not where the notes say ({}):\n{report}",
                row.line, row.notes
            )),
            (expected, _) => failures.push(format!(
                "line {}: expected valid = {expected:?}:\n{report}",
                row.line
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows disagree with their labels:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
}
