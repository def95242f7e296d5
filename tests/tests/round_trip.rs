//! Every `yes` body in `../shared/payloads/MANIFEST.tsv` deserialises into its generated
//! type and serialises back to the same JSON: nothing lost, nothing added. Rows are read
//! at test time, so a new row is a new case.

mod support;

use capi_generator::pointer;
use capi_generator::validate::manifest;
use capi_generator::validate::target::match_operation;
use capi_generator::validate::Resolution;
use serde_json::Value;

#[test]
fn every_valid_payload_survives_its_generated_type() {
    let dir = support::shared().join("payloads");
    let rows =
        manifest::parse(&std::fs::read_to_string(dir.join("MANIFEST.tsv")).unwrap()).unwrap();
    let aliases_text =
        std::fs::read_to_string(support::root().join("tests/fixtures/manifest-aliases.tsv"))
            .unwrap();
    let aliases = manifest::parse_aliases(&aliases_text).unwrap();
    let spec = support::spec();
    let mut validator = support::validator();
    let mut failures = Vec::new();
    let (mut checked, mut untyped) = (0, Vec::new());
    for row in rows
        .iter()
        .filter(|r| r.expected_valid == Some(true) && r.file != "-")
    {
        let body: Value =
            serde_json::from_slice(&std::fs::read(dir.join(&row.file)).unwrap()).unwrap();
        let (resolutions, _) = manifest::resolve(row, &mut validator, &aliases).unwrap();
        let mut results = Vec::new();
        for resolution in &resolutions {
            let Resolution::Body(target) = resolution else {
                continue;
            };
            // Targets outside the spec (inline aliases) have no generated type.
            let Some((at, _)) = pointer::resolve(&spec.raw, &target.schema_pointer) else {
                continue;
            };
            if let Some(component) = at.strip_prefix("/components/schemas/") {
                results.push((
                    format!("schema {component}"),
                    cf_capi::models::reserialize_schema(&pointer::unescape(component), &body),
                ));
            }
        }
        // Whole bodies of an operation also go through the per-operation dispatch.
        let whole_body =
            row.path_template.starts_with('/') && !row.path_template.contains(['#', '|', '?']);
        if whole_body {
            let operation =
                match_operation(validator.operations(), &row.method, &row.path_template).unwrap();
            let id = operation.id.clone().unwrap();
            let status = (row.direction != "request").then(|| row.status.unwrap().to_string());
            results.push((
                format!("operation {id} {status:?}"),
                cf_capi::operations::reserialize(&id, status.as_deref(), &body),
            ));
        }
        let results: Vec<(String, Result<Value, serde_json::Error>)> = results
            .into_iter()
            .filter_map(|(what, r)| r.map(|r| (what, r)))
            .collect();
        if results.is_empty() {
            untyped.push(format!("{} ({})", row.file, row.path_template));
            continue;
        }
        checked += 1;
        let survives =
            |r: &Result<Value, serde_json::Error>| matches!(r, Ok(back) if *back == body);
        let ok = if row.method == "*" {
            results.iter().any(|(_, r)| survives(r))
        } else {
            results.iter().all(|(_, r)| survives(r))
        };
        if !ok {
            for (what, result) in &results {
                match result {
                    Ok(back) if *back == body => {}
                    Ok(back) => {
                        failures.push(format!("{} via {what}: changed to\n{back:#}", row.file))
                    }
                    Err(error) => failures.push(format!("{} via {what}: {error}", row.file)),
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(checked >= 45, "only {checked} payloads were round-tripped");
    // Only the inline aliases (manifest-aliases.tsv) have no generated type: a bare
    // metadata fragment, and the docs' list of a fictional resource, whose `pagination`
    // every real list payload round-trips through `Pagination`.
    assert_eq!(
        untyped,
        vec![
            "ccng-v3-docs/fragment_pagination_people.json ((generic list /v3/people))".to_string(),
            "ccng-v3-docs/fragment_metadata_final.json ((metadata fragment))".to_string()
        ]
    );
}
