//! `cargo xtask validate` as a user meets it: targets, inputs, reports and exit codes,
//! including the inputs that must not crash it.

mod support;

use std::path::PathBuf;

use support::xtask;

fn payload(relative: &str) -> String {
    support::shared()
        .join("payloads")
        .join(relative)
        .display()
        .to_string()
}

/// A scratch file unique to this test process.
fn scratch(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("capi-cli-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn a_valid_payload_passes() {
    let (code, out, _) = xtask(
        &[
            "validate",
            "--operation",
            "get_process",
            "--status",
            "200",
            &payload("ccng-v3-docs/process_get.json"),
        ],
        b"",
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.ends_with("1 passed, 0 failed\n"), "{out}");
}

#[test]
fn an_invalid_payload_reports_every_violation_with_where_and_why() {
    let bad =
        br#"{"resources": [{"type": "web", "index": -1, "state": "ASLEEP", "uptime": "long"}]}"#;
    let (code, out, _) = xtask(
        &[
            "validate",
            "--method",
            "GET",
            "--path",
            "/v3/processes/8dbad6ba-3a5c-4b3e-9a5c-5b2b9a1c7e2f/stats",
            "--status",
            "200",
            "-",
        ],
        bad,
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("GET /v3/processes/{guid}/stats → 200"),
        "{out}"
    );
    for expected in [
        "/resources/0/index: expected a number >= 0",
        "found: -1",
        "spec:  #/components/schemas/ProcessStatsInstance/properties/index/minimum",
        "/resources/0/state: expected one of",
        "/resources/0/uptime: expected type integer or null",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in:\n{out}");
    }
}

#[test]
fn json_reports_have_the_documented_shape() {
    let (code, out, _) = xtask(
        &[
            "validate",
            "--operation",
            "scale_process",
            "--request",
            "--format",
            "json",
            "-",
        ],
        br#"{"instances": -1, "colour": "red"}"#,
    );
    assert_eq!(code, 1);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["version"], 1);
    assert_eq!(
        report["summary"],
        serde_json::json!({"passed": 0, "failed": 1, "errors": 0})
    );
    let outcome = &report["outcomes"][0];
    assert_eq!(outcome["verdict"], "invalid");
    assert_eq!(outcome["input"], "-");
    let violations = outcome["violations"].as_array().unwrap();
    assert_eq!(violations.len(), 2, "{out}");
    for violation in violations {
        for key in ["pointer", "found", "expected", "spec_location"] {
            assert!(violation[key].is_string(), "{key} in {violation}");
        }
    }
    assert!(violations.iter().any(|v| v["pointer"] == "/colour"
        && v["spec_location"] == "#/components/schemas/ProcessScale/additionalProperties"));
}

#[test]
fn an_undocumented_status_is_a_finding() {
    let (code, out, _) = xtask(
        &[
            "validate",
            "--operation",
            "get_process",
            "--status",
            "418",
            &payload("ccng-v3-docs/process_get.json"),
        ],
        b"",
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("found: status 418"), "{out}");
    assert!(
        out.contains("a status documented for GET /v3/processes/{guid}: 200, 400, 401, 403, 404"),
        "{out}"
    );
}

#[test]
fn an_unknown_operation_suggests_the_nearest() {
    let (code, _, err) = xtask(
        &[
            "validate",
            "--operation",
            "get_proces",
            "--status",
            "200",
            "x.json",
        ],
        b"",
    );
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "error: unknown operation `get_proces` (did you mean `get_process`?)\n"
    );
}

#[test]
fn schemas_are_targets_too() {
    let (code, out, _) = xtask(
        &[
            "validate",
            "--schema",
            "ReadinessHealthCheck",
            &payload("ccng-v3-docs/fragment_readiness_health_check.json"),
        ],
        b"",
    );
    assert_eq!(code, 0, "{out}");
    let (code, _, err) = xtask(&["validate", "--schema", "HealtCheck", "-"], b"{}");
    assert_eq!(code, 2);
    assert!(err.contains("did you mean `HealthCheck`?"), "{err}");
}

#[test]
fn bad_inputs_get_clear_errors_and_do_not_stop_the_others() {
    let not_utf8 = scratch("latin1.json", b"{\"name\": \"caf\xe9\"}");
    let empty = scratch("empty.json", b"   \n");
    let deep = scratch("deep.json", &[b'['; 100_000]);
    let cnb = payload("ccng-v3-docs/fragment_lifecycle_cnb_INVALID_JSON.json.txt");
    let good = payload("ccng-v3-docs/fragment_lifecycle_buildpack.json");
    let args = [
        "validate",
        "--schema",
        "Lifecycle",
        &cnb,
        not_utf8.to_str().unwrap(),
        empty.to_str().unwrap(),
        deep.to_str().unwrap(),
        "/no/such/file.json",
        &good,
    ];
    let (code, out, _) = xtask(&args, b"");
    assert_eq!(code, 2, "a missing file is an IO error:\n{out}");
    for expected in [
        "invalid JSON at line 6, column 13: expected `,` or `]`",
        "not UTF-8: invalid byte sequence at byte offset 13",
        "empty payload: expected a JSON document",
        "nested more than 128 levels deep",
        "cannot read /no/such/file.json",
        "1 passed, 4 failed, 1 errors",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in:\n{out}");
    }
}

#[test]
fn a_manifest_names_the_target_of_each_file() {
    let manifest = support::shared().join("payloads/MANIFEST.tsv");
    let aliases = support::root().join("tests/fixtures/manifest-aliases.tsv");
    let (code, out, _) = xtask(
        &[
            "validate",
            "--manifest",
            manifest.to_str().unwrap(),
            "--aliases",
            aliases.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(
        code, 1,
        "the manifest holds invalid payloads on purpose:\n{out}"
    );
    let rows = std::fs::read_to_string(&manifest)
        .unwrap()
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .count();
    let invalid = std::fs::read_to_string(&manifest)
        .unwrap()
        .lines()
        .filter(|l| l.split('\t').nth(6).is_some_and(|v| v.starts_with("no")))
        .count();
    assert!(
        out.ends_with(&format!("{} passed, {invalid} failed\n", rows - invalid)),
        "{out}"
    );
}

#[test]
fn usage_errors_exit_2_and_help_teaches() {
    assert_eq!(xtask(&["validate", "--status", "200", "x.json"], b"").0, 2);
    assert_eq!(
        xtask(&["validate", "--operation", "get_process", "x.json"], b"").0,
        2
    );
    assert_eq!(xtask(&["validate", "--bogus"], b"").0, 2);
    let (code, out, _) = xtask(&["validate", "--help"], b"");
    assert_eq!(code, 0);
    assert!(
        out.contains("Examples:") && out.contains("--manifest"),
        "{out}"
    );
}

/// A 200 MB capture: slow in debug builds, so it runs when `CAPI_SLOW_TESTS` is set
/// (CI sets it).
#[test]
fn a_200_mb_payload_is_validated() {
    if std::env::var_os("CAPI_SLOW_TESTS").is_none() {
        return;
    }
    let one =
        std::fs::read_to_string(support::shared().join("payloads/ccng-v3-docs/process_get.json"))
            .unwrap();
    let one: serde_json::Value = serde_json::from_str(&one).unwrap();
    let one = serde_json::to_string(&one).unwrap();
    let count = 200 * 1024 * 1024 / (one.len() + 1);
    let mut text = String::with_capacity(200 * 1024 * 1024 + 1024);
    text.push_str(r#"{"pagination": {"total_results": 1, "total_pages": 1, "first": {"href": "a"}, "last": {"href": "a"}, "next": null, "previous": null}, "resources": ["#);
    for i in 0..count {
        if i > 0 {
            text.push(',');
        }
        text.push_str(&one);
    }
    text.push_str("]}");
    let big = scratch("big.json", text.as_bytes());
    drop(text);
    let (code, out, _) = xtask(
        &[
            "validate",
            "--operation",
            "list_processes",
            "--status",
            "200",
            big.to_str().unwrap(),
        ],
        b"",
    );
    std::fs::remove_file(&big).unwrap();
    assert_eq!(code, 0, "{}", &out[..out.len().min(2000)]);
}
