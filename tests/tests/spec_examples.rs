//! Every example in the spec satisfies the schema it illustrates.

mod support;

use capi_generator::validate::examples;

#[test]
fn every_example_in_the_spec_validates_against_its_schema() {
    let spec = support::spec();
    let validator = support::validator();
    let found = examples::collect(&spec.raw);
    assert!(found.len() >= 40, "only {} examples found", found.len());
    let mut failures = Vec::new();
    for example in &found {
        let violations = validator.validate(&example.target, &example.value).unwrap();
        if !violations.is_empty() {
            failures.push(format!(
                "#{} against {}: {violations:#?}",
                example.location, example.target.label
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_success_response_has_an_example() {
    let spec = support::spec();
    let found = examples::collect(&spec.raw);
    for operation in spec.operations() {
        let responses = spec
            .raw
            .pointer(&format!("{}/responses", operation.pointer))
            .unwrap()
            .as_object()
            .unwrap();
        for (status, response) in responses.iter().filter(|(s, _)| s.starts_with('2')) {
            if response.get("content").is_none() {
                continue;
            }
            let prefix = format!(
                "{}/responses/{status}",
                capi_generator::pointer::to_uri_fragment(&operation.pointer)
            );
            let has_example = found.iter().any(|e| {
                capi_generator::pointer::to_uri_fragment(&e.target.schema_pointer)
                    .starts_with(&prefix)
            });
            assert!(
                has_example,
                "{} {} → {status} has no example",
                operation.method, operation.path
            );
        }
    }
}
