//! Our validator against the checklist of what a naive spec gets wrong
//! (capi-reference.md §5, the cases in `support/checklist.rs`): each case is a real
//! payload from `../shared/payloads`, a change, and whether the Cloud Controller's
//! contract accepts the result.

mod support;

use capi_generator::validate::{Exchange, OperationSelector, Resolution, TargetSpec, Validator};
use support::checklist::{self, Case};

/// The violations our validator finds for a case (`target` is `operation_id STATUS` or
/// `operation_id request`).
fn verdict(validator: &Validator, case: &Case) -> Vec<String> {
    let (id, body) = case.target.split_once(' ').unwrap();
    let exchange = if body == "request" {
        Exchange::Request
    } else {
        Exchange::Response(body.parse().unwrap())
    };
    let Resolution::Body(target) = validator
        .resolve(&TargetSpec::Operation(
            OperationSelector::Id(id.into()),
            exchange,
        ))
        .unwrap()
    else {
        panic!("{id} {body} has no body")
    };
    let payload = case.payload();
    let violations: Vec<String> = validator
        .validate(&target, &payload)
        .unwrap()
        .into_iter()
        .map(|v| format!("{} {}", v.pointer, v.expected))
        .collect();
    // The fast path (a simd-json tape, no `Value`) must reach the same verdict.
    let bytes = serde_json::to_vec(&payload).unwrap();
    assert_eq!(
        validator.proves_valid(&target, &bytes, false),
        violations.is_empty(),
        "fast and full paths disagree on {}: {violations:?}",
        case.name()
    );
    violations
}

fn check(cases: Vec<Case>) {
    let validator = support::validator();
    let wrong: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            let violations = verdict(&validator, case);
            (violations.is_empty() != case.accepted).then(|| {
                format!(
                    "{}: expected accepted = {}, violations {violations:?}",
                    case.name(),
                    case.accepted
                )
            })
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn process_responses() {
    check(checklist::process_responses());
}

#[test]
fn process_stats() {
    check(checklist::process_stats());
}

#[test]
fn process_requests() {
    check(checklist::process_requests());
}

#[test]
fn apps() {
    check(checklist::apps());
}

#[test]
fn legacy_v2() {
    check(checklist::legacy_v2());
}
