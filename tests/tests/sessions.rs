//! Whole captured sessions (`tests/fixtures/sessions/<name>/capture.har`), each checked by
//! `validate` against what its `expected.json` says: how many exchanges pass, fail and are
//! outside the contract, which Cloud Controller routes those are, and which exchanges fail
//! with which nearest real route suggested. One folder is one case.

mod support;

use serde_json::Value;

#[test]
fn every_session_is_judged_as_expected() {
    let dir = support::root().join("tests/fixtures/sessions");
    let mut cases = 0;
    for folder in std::fs::read_dir(&dir).unwrap() {
        let folder = folder.unwrap().path();
        let capture = folder.join("capture.har");
        let expected: Value =
            serde_json::from_slice(&std::fs::read(folder.join("expected.json")).unwrap()).unwrap();
        cases += 1;
        let capture_arg = capture.to_str().unwrap();
        let (code, stdout, stderr) =
            support::xtask(&["validate", "--format", "json", capture_arg], b"");
        let report: Value =
            serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}{stderr}"));
        let name = folder.display();
        assert_eq!(report["summary"], expected["summary"], "{name}");
        assert_eq!(report["outside"], expected["outside"], "{name}");
        let failed: Vec<&Value> = report["outcomes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| o["verdict"] == "invalid")
            .collect();
        let failures = expected["failures"].as_array().unwrap();
        assert_eq!(failed.len(), failures.len(), "{name}: {stdout}");
        for (outcome, want) in failed.iter().zip(failures) {
            let entry = format!("{capture_arg} entry {}: ", want["entry"]);
            assert!(
                outcome["input"].as_str().unwrap().starts_with(&entry),
                "{outcome}"
            );
            let violation = &outcome["violations"][0];
            assert_eq!(violation["found"], want["found"], "{outcome}");
            let nearest = format!("nearest: {}", want["nearest"].as_str().unwrap());
            assert!(
                violation["expected"].as_str().unwrap().contains(&nearest),
                "{outcome}"
            );
        }
        let outside = expected["summary"]["outside"].as_u64().unwrap();
        let failed_count = expected["summary"]["failed"].as_u64().unwrap();
        assert_eq!(code, if failed_count > 0 { 1 } else { 0 }, "{name}");

        // `--outside fail`: the same exchanges, now failures.
        let (code, stdout, _) = support::xtask(
            &[
                "validate",
                "--format",
                "json",
                "--outside",
                "fail",
                capture_arg,
            ],
            b"",
        );
        let report: Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(
            report["summary"]["failed"].as_u64(),
            Some(failed_count + outside),
            "{name}"
        );
        assert_eq!(
            report["summary"]["outside"],
            Value::Null,
            "{name}: none outside"
        );
        assert_eq!(code, 1);
    }
    assert!(cases > 0, "no session fixtures in {}", dir.display());
}

/// The route table and the contract agree: every operation the contract documents is a
/// route of the Cloud Controller the table was read from, so nothing documented can be
/// judged "unknown".
#[test]
fn every_operation_of_the_contract_is_a_cloud_controller_route() {
    let routes = capi_contract::routes();
    assert!(
        routes.routes().len() > 600,
        "{} routes",
        routes.routes().len()
    );
    assert!(
        routes.provenance[0].contains("config/version 3.228.0"),
        "{:?}",
        routes.provenance
    );
    let validator = support::validator();
    for operation in validator.operations() {
        // A concrete path: each `{parameter}` becomes a value.
        let path: String = operation
            .path
            .split('/')
            .map(|s| if s.starts_with('{') { "x" } else { s })
            .collect::<Vec<_>>()
            .join("/");
        let path = if path.is_empty() {
            "/".to_string()
        } else {
            path
        };
        assert!(
            routes.find(&operation.method, &path).is_some(),
            "{} {} is in the contract but not a Cloud Controller route",
            operation.method,
            operation.path
        );
    }
}
