//! Captured traffic: HAR files and cf CLI traces assembled from the real payloads in
//! `../shared/payloads` (some entries broken on purpose), every report format, coverage,
//! drift, and secrets that must never reach a report.

mod support;

use serde_json::{json, Value};
use support::xtask;

fn payload_text(relative: &str) -> String {
    std::fs::read_to_string(support::shared().join("payloads").join(relative)).unwrap()
}

fn entry(
    method: &str,
    url: &str,
    request: Option<&str>,
    status: u16,
    response: Option<&str>,
) -> Value {
    let mut entry = json!({
        "request": {"method": method, "url": url, "headers": [{"name": "Authorization", "value": "bearer eyJhbGciOiJSUzI1NiJ9.TOKEN-SECRET"}]},
        "response": {"status": status, "headers": [], "content": {"mimeType": "application/json", "size": 0}}
    });
    if let Some(body) = request {
        entry["request"]["postData"] = json!({"mimeType": "application/json", "text": body});
    }
    if let Some(body) = response {
        entry["response"]["content"]["text"] = json!(body);
    }
    entry
}

fn har(entries: Vec<Value>) -> Vec<u8> {
    serde_json::to_vec(&json!({"log": {"version": "1.2", "creator": {"name": "test", "version": "1"}, "entries": entries}})).unwrap()
}

const API: &str = "https://api.example.org";
const PROCESS: &str = "6a901b7c-9417-4dc1-8189-d3234aa0ab82";

/// Five good exchanges and five broken ones, from real payloads.
fn capture() -> Vec<u8> {
    let process = payload_text("ccng-v3-docs/process_get.json");
    let stats = payload_text("ccng-v3-docs/process_stats.json");
    let update = payload_text("ccng-v3-docs/process_update_request.json");
    let update_response = payload_text("ccng-v3-docs/process_update_response.json");
    let list = payload_text("ccng-v3-docs/processes_list.json");
    let not_found = payload_text("ccng-v3-docs/error_app_not_found.json");
    let mut broken_process: Value = serde_json::from_str(&process).unwrap();
    broken_process["instances"] = json!(-1);
    let mut encoded = entry(
        "GET",
        &format!("{API}/v3/processes/{PROCESS}/stats"),
        None,
        200,
        None,
    );
    encoded["response"]["content"]["text"] = json!(support::base64(stats.as_bytes()));
    encoded["response"]["content"]["encoding"] = json!("base64");
    let html = "<html><body>404 Not Found: Requested route does not exist.</body></html>";
    let mut html_404 = entry("GET", &format!("{API}/v3/apps/x"), None, 404, Some(html));
    html_404["response"]["content"]["mimeType"] = json!("text/html");
    har(vec![
        entry(
            "GET",
            &format!("{API}/v3/processes/{PROCESS}"),
            None,
            200,
            Some(&process),
        ),
        encoded,
        entry(
            "PATCH",
            &format!("{API}/v3/processes/{PROCESS}"),
            Some(&update),
            200,
            Some(&update_response),
        ),
        entry(
            "GET",
            &format!("{API}/v3/processes?per_page=2&order_by=-created_at&guids=a,b"),
            None,
            200,
            Some(&list),
        ),
        entry(
            "GET",
            &format!("{API}/v3/apps/x"),
            None,
            404,
            Some(&not_found),
        ),
        // Broken on purpose:
        entry(
            "GET",
            &format!("{API}/v3/processes/{PROCESS}"),
            None,
            200,
            Some(&broken_process.to_string()),
        ),
        entry(
            "GET",
            &format!("{API}/v3/processes?per_page=0&created_ats[gt]=2020-01-01"),
            None,
            200,
            Some(&list),
        ),
        entry(
            "GET",
            &format!("{API}/v3/processes/{PROCESS}"),
            None,
            418,
            Some("{}"),
        ),
        html_404,
        entry("DELETE", &format!("{API}/v3/spaces/x"), None, 202, None),
    ])
}

#[test]
fn a_har_capture_is_checked_exchange_by_exchange() {
    let (code, out, err) = xtask(&["validate", "-"], &capture());
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.ends_with("5 passed, 4 failed, 1 outside the contract\n"),
        "{out}"
    );
    // Passing exchanges are summarised per operation and status, not listed one by one.
    assert!(!out.contains("ok: "), "{out}");
    assert!(
        out.contains("passed (--list-all lists each):\n")
            && out.contains("         1  GET /v3/processes/{guid} → 200\n"),
        "{out}"
    );
    let (_, listed, _) = xtask(&["validate", "--list-all", "-"], &capture());
    assert_eq!(
        listed.matches("\nok: ").count() + usize::from(listed.starts_with("ok: ")),
        5,
        "{listed}"
    );
    assert!(!listed.contains("passed (--list-all"), "{listed}");
    for expected in [
        "INVALID: - entry 6: GET https://api.example.org/v3/processes/6a901b7c-9417-4dc1-8189-d3234aa0ab82 → 200 (GET /v3/processes/{guid})",
        "  response /instances: expected a number >= 0",
        "  query per_page: expected a number >= 1",
        "  query created_ats[gt]: expected text matching",
        "found: status 418",
        "  response (root): expected Content-Type application/json",
        "found: a body that is not JSON",
        // A Cloud Controller route the contract does not describe: counted, not a failure.
        "  DELETE /v3/spaces/{guid}  1",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in:\n{out}");
    }
    // Outside-the-contract exchanges are counted per route, and listed with --list-all.
    let outside = "outside: - entry 10: DELETE https://api.example.org/v3/spaces/x → 202 (DELETE /v3/spaces/{guid})";
    assert!(!out.contains(outside), "{out}");
    assert!(listed.contains(outside), "{listed}");
}

#[test]
fn report_formats_match_their_shapes() {
    let (_, json_out, _) = xtask(
        &["validate", "--format", "json", "--coverage", "-"],
        &capture(),
    );
    let report: Value = serde_json::from_str(&json_out).unwrap();
    assert_eq!(report["version"], 1);
    assert_eq!(
        report["summary"],
        json!({"passed": 5, "failed": 4, "errors": 0, "outside": 1})
    );
    let outcomes = report["outcomes"].as_array().unwrap();
    assert_eq!(outcomes.len(), 10);
    for outcome in outcomes {
        assert!(
            outcome["input"].is_string()
                && outcome["targets"].is_array()
                && outcome["violations"].is_array()
        );
        assert!(["valid", "invalid", "error", "outside"]
            .contains(&outcome["verdict"].as_str().unwrap()));
        for violation in outcome["violations"].as_array().unwrap() {
            assert!(["exchange", "query", "request", "response"]
                .contains(&violation["part"].as_str().unwrap()));
        }
    }
    let coverage = &report["coverage"];
    assert_eq!(coverage["operations_seen"], 5, "{coverage}");
    assert_eq!(coverage["responses_seen"], 5, "{coverage}");
    assert!(coverage["never_seen"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s == "POST /v3/apps 201"));

    let (_, junit, _) = xtask(&["validate", "--format", "junit", "-"], &capture());
    let document = roxmltree::Document::parse(&junit).unwrap_or_else(|e| panic!("{e}\n{junit}"));
    let suite = document
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .unwrap();
    assert_eq!(
        (
            suite.attribute("tests"),
            suite.attribute("failures"),
            suite.attribute("skipped")
        ),
        (Some("10"), Some("4"), Some("1"))
    );
    assert_eq!(
        document
            .descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .count(),
        10
    );
    assert_eq!(
        document
            .descendants()
            .filter(|n| n.has_tag_name("failure"))
            .count(),
        4
    );
    assert_eq!(
        document
            .descendants()
            .filter(|n| n.has_tag_name("skipped"))
            .count(),
        1
    );

    let (_, github, _) = xtask(&["validate", "--format", "github", "-"], &capture());
    let errors: Vec<&str> = github
        .lines()
        .filter(|l| l.starts_with("::error "))
        .collect();
    assert_eq!(errors.len(), 4, "{github}");
    assert!(
        github
            .contains("::notice title=Outside the contract::DELETE /v3/spaces/{guid}: 1 exchanges"),
        "{github}"
    );
    assert!(
        errors
            .iter()
            .all(|l| l.contains("title=Contract violation::") && !l.contains('\r')),
        "{github}"
    );
    assert!(github.ends_with("5 passed, 4 failed, 1 outside the contract\n"));
}

#[test]
fn a_cf_trace_is_checked_among_cli_output() {
    // As the cf CLI writes it (api/cloudcontroller/wrapper/request_logger.go): each body
    // directly after the last header; tests/fixtures/traces holds every other shape.
    let process = payload_text("ccng-v3-docs/process_get.json");
    let scale = payload_text("ccng-v3-docs/process_scale_request.json");
    let trace = format!(
        "Scaling app my-app in org o / space s as admin...\n\
REQUEST: [2026-11-20T10:00:00Z]\n\
POST /v3/processes/{PROCESS}/actions/scale HTTP/1.1\n\
Host: api.example.org\n\
Authorization: [PRIVATE DATA HIDDEN]\n\
Content-Type: application/json\n\
{scale}\n\
\n\
RESPONSE: [2026-11-20T10:00:01Z]\n\
HTTP/1.1 202 Accepted\n\
Content-Type: application/json; charset=utf-8\n\
X-Vcap-Request-Id: 0b2c\n\
{process}\n\
\n\
Instances starting...\n\
REQUEST: [2026-11-20T10:00:02Z]\n\
GET /v3/processes/{PROCESS}/stats?bogus=1 HTTP/1.1\n\
Host: api.example.org\n\
Authorization: [PRIVATE DATA HIDDEN]\n\
Content-Type: application/json\n\
[application/json Content Hidden]\n\
\n\
RESPONSE: [2026-11-20T10:00:03Z]\n\
HTTP/1.1 200 OK\n\
Content-Type: application/json\n\
{{\"resources\": [{{\"type\": \"web\", \"index\": 0, \"state\": \"ASLEEP\"}}]}}\n\
OK\n"
    );
    let (code, out, _) = xtask(&["validate", "--list-all", "-"], trace.as_bytes());
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("ok: -:2: POST https://api.example.org/v3/processes/6a901b7c-9417-4dc1-8189-d3234aa0ab82/actions/scale → 202"), "{out}");
    assert!(
        out.contains("/stats?bogus=1 → 200 (GET /v3/processes/{guid}/stats)"),
        "{out}"
    );
    assert!(
        out.contains("query bogus") && out.contains("response /resources/0/state"),
        "{out}"
    );
    assert!(out.ends_with("1 passed, 1 failed\n"), "{out}");
}

#[test]
fn broken_captures_are_reported_and_the_rest_still_checked() {
    let mut truncated = capture();
    truncated.truncate(truncated.len() / 2);
    let (code, out, _) = xtask(
        &["validate", "--list-all", "--input", "har", "-"],
        &truncated,
    );
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("ok: - entry 1:"), "{out}");
    assert!(
        out.contains("not a complete HAR document: EOF while parsing"),
        "{out}"
    );
    let (code, out, _) = xtask(&["validate", "-"], b"Getting apps...\nOK\n");
    assert_eq!(code, 2);
    assert!(out.contains("no REQUEST/RESPONSE blocks found"), "{out}");
    let (code, out, _) = xtask(&["validate", "/no/such/capture.har"], b"");
    assert_eq!(code, 2);
    assert!(out.contains("cannot read /no/such/capture.har"), "{out}");
}

#[test]
fn strict_mode_reports_fields_the_spec_does_not_declare() {
    let mut process: Value =
        serde_json::from_str(&payload_text("ccng-v3-docs/process_get.json")).unwrap();
    process["brand_new_field"] = json!(true);
    process["health_check"]["data"]["grace"] = json!(5);
    let body = process.to_string();
    let capture = har(vec![entry(
        "GET",
        &format!("{API}/v3/processes/{PROCESS}"),
        None,
        200,
        Some(&body),
    )]);
    assert_eq!(
        xtask(&["validate", "-"], &capture).0,
        0,
        "new fields are fine without --strict"
    );
    let (code, out, _) = xtask(&["validate", "--strict", "-"], &capture);
    assert_eq!(code, 1);
    assert!(
        out.contains("response /brand_new_field: expected no property \"brand_new_field\" (drift"),
        "{out}"
    );
    assert!(out.contains("response /health_check/data/grace"), "{out}");
}

#[test]
fn secrets_never_reach_a_report() {
    let secrets = [
        "TOKEN-SECRET",
        "COOKIE-SECRET",
        "QUERY-SECRET",
        "DOCKER-SECRET",
        "ENV-SECRET",
        "VCAP-SECRET",
        "SETCOOKIE-SECRET",
    ];
    let mut env = json!({"var": {"DB_PASSWORD": "ENV-SECRET", "COUNT": 1}, "links": {}});
    env["links"] = json!(7); // invalid, so the body is reported
    let create = json!({"name": "a", "relationships": {"space": {"data": {"guid": "s"}}}, "environment_variables": {"VCAP_X": "ENV-SECRET"}});
    let mut v2 =
        serde_json::from_str::<Value>(&payload_text("ccng-v2-docs/v2_app_update_response.json"))
            .unwrap();
    v2["entity"]["docker_credentials"] =
        json!({"username": "me", "password": "DOCKER-SECRET", "extra": 1});
    v2["entity"]["memory"] = json!("lots");
    let app_env = json!({"environment_variables": {"K": "ENV-SECRET"}, "staging_env_json": {}, "running_env_json": {},
        "system_env_json": {"VCAP_SERVICES": {"db": [{"credentials": {"password": "VCAP-SECRET"}}]}}, "application_env_json": 5});
    let mut entries = vec![
        entry(
            "GET",
            &format!("{API}/v3/apps/x/environment_variables?access_token=QUERY-SECRET"),
            None,
            200,
            Some(&env.to_string()),
        ),
        entry(
            "POST",
            &format!("{API}/v3/apps"),
            Some(&create.to_string()),
            201,
            Some("{}"),
        ),
        entry(
            "PUT",
            &format!("{API}/v2/apps/x"),
            Some(r#"{"docker_credentials": "DOCKER-SECRET"}"#),
            201,
            Some(&v2.to_string()),
        ),
        // A whole body of the wrong type is echoed whole: its secrets must be masked.
        entry(
            "GET",
            &format!("{API}/v3/apps/x/environment_variables"),
            None,
            200,
            Some(r#"[{"var": {"K": "ENV-SECRET"}}]"#),
        ),
        entry(
            "GET",
            &format!("{API}/v3/apps/x/env?token=QUERY-SECRET"),
            None,
            200,
            Some(&app_env.to_string()),
        ),
    ];
    for e in &mut entries {
        e["request"]["headers"] = json!([{"name": "Authorization", "value": "bearer TOKEN-SECRET"}, {"name": "Cookie", "value": "session=COOKIE-SECRET"}]);
        e["response"]["headers"] =
            json!([{"name": "Set-Cookie", "value": "session=SETCOOKIE-SECRET"}]);
    }
    let capture = har(entries);
    for format in ["human", "json", "junit", "github"] {
        let (code, out, err) = xtask(
            &[
                "validate",
                "--strict",
                "--coverage",
                "--format",
                format,
                "-",
            ],
            &capture,
        );
        assert_eq!(code, 1, "{format}: {out}");
        for secret in secrets {
            assert!(
                !out.contains(secret) && !err.contains(secret),
                "{secret} leaked in the {format} report:\n{out}{err}"
            );
        }
        assert!(
            out.contains("[REDACTED]"),
            "{format}: something was masked:\n{out}"
        );
    }
}
