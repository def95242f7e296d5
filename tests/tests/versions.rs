//! The contract at every Cloud Controller version: the spec's `x-cf-since` /
//! `x-cf-until` annotations match `spec/version-facts.tsv` both ways, the (version,
//! payload, verdict) cases of `tests/fixtures/versions/cases/` hold through the command
//! line, the legacy payloads are judged at their versions, a capture is judged at the
//! version its `GET /` states, and the in-memory Cloud Controller pretending to be an
//! older version passes the contract of that version.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use capi_generator::versions::{self, Subject};
use serde_json::{json, Value};
use support::xtask;

/// A scratch directory unique to this test process.
fn scratch(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("capi-versions-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn facts() -> Vec<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(support::root().join("spec/version-facts.tsv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    assert_eq!(
        header,
        ["pointer", "kind", "since", "until", "commit", "file", "note"]
    );
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let cells: Vec<&str> = line.split('\t').collect();
            assert_eq!(cells.len(), header.len(), "row {line:?}");
            header
                .iter()
                .zip(cells)
                .map(|(h, c)| (h.to_string(), c.to_string()))
                .collect()
        })
        .collect()
}

#[test]
fn every_annotation_has_a_fact_and_every_fact_an_annotation() {
    let spec = support::spec();
    let annotations = versions::annotations(&spec.raw).unwrap_or_else(|e| panic!("{e:#?}"));
    let written: BTreeMap<String, (String, String)> = annotations
        .iter()
        .map(|a| {
            let show = |v: &Option<versions::Version>| {
                v.as_ref().map(|v| v.to_string()).unwrap_or_default()
            };
            (format!("#{}", a.pointer), (show(&a.since), show(&a.until)))
        })
        .collect();
    assert_eq!(
        written.len(),
        annotations.len(),
        "one annotation per pointer"
    );
    let rows = facts();
    let mut recorded = BTreeMap::new();
    for row in &rows {
        assert!(
            !row["commit"].is_empty() && !row["file"].is_empty(),
            "evidence for {row:?}"
        );
        assert!(
            row["commit"].chars().all(|c| c.is_ascii_hexdigit()) && row["commit"].len() >= 10,
            "a cloud_controller_ng commit: {row:?}"
        );
        let previous = recorded.insert(
            row["pointer"].clone(),
            (row["since"].clone(), row["until"].clone()),
        );
        assert!(previous.is_none(), "one row per fact: {}", row["pointer"]);
    }
    let missing_rows: Vec<_> = written
        .keys()
        .filter(|k| !recorded.contains_key(*k))
        .collect();
    let missing_annotations: Vec<_> = recorded
        .keys()
        .filter(|k| !written.contains_key(*k))
        .collect();
    assert!(
        missing_rows.is_empty(),
        "annotations without a row: {missing_rows:#?}"
    );
    assert!(
        missing_annotations.is_empty(),
        "rows without an annotation: {missing_annotations:#?}"
    );
    for (pointer, dates) in &written {
        assert_eq!(
            &recorded[pointer], dates,
            "{pointer}: the row and the annotation disagree"
        );
    }
    // The checks the issue names, mined from the Cloud Controller's history.
    for (pointer, since) in [
        (
            "#/components/schemas/Process/properties/log_rate_limit_in_bytes_per_second",
            "3.124.0",
        ),
        (
            "#/components/schemas/Process/properties/readiness_health_check",
            "3.144.0",
        ),
        ("#/components/schemas/Process/properties/user", "3.197.0"),
        (
            "#/components/schemas/ProcessUpdate/properties/user",
            "3.197.0",
        ),
        (
            "#/components/schemas/V2AppEntity/properties/health_check_http_endpoint",
            "2.66.0",
        ),
    ] {
        assert_eq!(written[pointer].0, since, "{pointer}");
    }
    // Pre-GA keys are dated `until 3.0.0` and carry advice.
    let memory = annotations
        .iter()
        .find(|a| a.subject == Subject::RemovedKey("memory".into()))
        .expect("the pre-GA `memory` of PATCH /v3/processes/{guid}");
    assert_eq!(memory.until, Some(versions::Version::new(3, 0, 0)));
    assert!(memory
        .hint
        .as_deref()
        .unwrap_or_default()
        .contains("actions/scale"));
}

/// The rows of `spec/version-baseline.tsv`: v2 nodes the history cannot date.
fn baseline() -> Vec<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(support::root().join("spec/version-baseline.tsv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    assert_eq!(header, ["pointer", "commit", "file", "note"]);
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let cells: Vec<&str> = line.split('\t').collect();
            assert_eq!(cells.len(), header.len(), "row {line:?}");
            header
                .iter()
                .zip(cells)
                .map(|(h, c)| (h.to_string(), c.to_string()))
                .collect()
        })
        .collect()
}

/// Every v2 node a version fact can be about: the properties of the `V2…` schemas and
/// the `/v2` operations.
fn v2_nodes(raw: &Value) -> Vec<String> {
    let mut nodes = Vec::new();
    for (name, schema) in raw["components"]["schemas"].as_object().unwrap() {
        if !name.starts_with("V2") {
            continue;
        }
        for property in schema
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(|p| p.keys())
        {
            nodes.push(format!(
                "#/components/schemas/{name}/properties/{}",
                capi_generator::pointer::escape(property)
            ));
        }
    }
    for (path, item) in raw["paths"].as_object().unwrap() {
        if !path.starts_with("/v2/") {
            continue;
        }
        for method in item.as_object().unwrap().keys() {
            if capi_generator::spec::METHODS.contains(&method.as_str()) {
                nodes.push(format!(
                    "#{}",
                    capi_generator::pointer::push(
                        &capi_generator::pointer::push("/paths", path),
                        method
                    )
                ));
            }
        }
    }
    nodes
}

#[test]
fn every_v2_node_is_dated_or_predates_the_named_v2_versions() {
    // The Cloud Controller first named its v2 version in code at 353149689f (2014-03-10,
    // API_VERSION 2.1.0); what it had before cannot be dated from its history
    // (spec/VERSIONS.md). Every other v2 node carries its version.
    let spec = support::spec();
    let annotated: std::collections::BTreeSet<String> = versions::annotations(&spec.raw)
        .unwrap()
        .iter()
        .filter(|a| a.subject == Subject::Node)
        .map(|a| format!("#{}", a.pointer))
        .collect();
    let rows = baseline();
    let mut listed = std::collections::BTreeSet::new();
    for row in &rows {
        assert!(
            listed.insert(row["pointer"].clone()),
            "one row per node: {}",
            row["pointer"]
        );
        assert!(
            row["commit"].starts_with("353149689f"),
            "the reason is the one VERSIONS.md documents: {row:?}"
        );
        assert!(!row["file"].is_empty(), "evidence for {row:?}");
        assert!(
            !annotated.contains(&row["pointer"]),
            "{}: dated, so not a baseline node",
            row["pointer"]
        );
    }
    let nodes = v2_nodes(&spec.raw);
    let unaccounted: Vec<&String> = nodes
        .iter()
        .filter(|n| !annotated.contains(*n) && !listed.contains(*n))
        .collect();
    assert!(
        unaccounted.is_empty(),
        "v2 nodes neither dated nor in version-baseline.tsv: {unaccounted:#?}"
    );
    let stale: Vec<&String> = listed.iter().filter(|l| !nodes.contains(l)).collect();
    assert!(stale.is_empty(), "baseline rows for no v2 node: {stale:#?}");
}

#[test]
fn the_numbers_of_the_version_facts() {
    // Printed for the notes (`cargo test -p tests --test versions -- --nocapture`).
    let spec = support::spec();
    let annotations = versions::annotations(&spec.raw).unwrap();
    let all: Vec<versions::Version> = annotations
        .iter()
        .flat_map(|a| a.since.iter().chain(a.until.iter()).cloned())
        .collect();
    let v3: Vec<&versions::Version> = all.iter().filter(|v| v.major == 3).collect();
    let v2: Vec<&versions::Version> = all.iter().filter(|v| v.major == 2).collect();
    println!(
        "{} annotations; v3 {}..{}; v2 {}..{}",
        annotations.len(),
        v3.iter().min().unwrap(),
        v3.iter().max().unwrap(),
        v2.iter().min().unwrap(),
        v2.iter().max().unwrap()
    );
    let statuses = annotations
        .iter()
        .filter(|a| matches!(a.subject, Subject::Status(_)))
        .count();
    println!("{statuses} of them date documented statuses");
    let (required, younger, v2) = required_response_properties(&spec.raw);
    println!(
        "{younger} of {required} required response properties are younger than 3.0.0 \
         (v3 line); {v2} more are dated on the v2 line (after v2 2.0.0)"
    );
    assert!(younger > 0 && younger + v2 < required);
    assert!(statuses > 0);
}

/// Counts the properties response schemas require, those of them dated after 3.0.0 on
/// the v3 line, and those dated on the v2 line.
fn required_response_properties(raw: &Value) -> (usize, usize, usize) {
    let mut seen = std::collections::BTreeSet::new();
    let mut stack: Vec<String> = Vec::new();
    for (path, item) in raw["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let Some(responses) = operation.get("responses").and_then(Value::as_object) else {
                continue;
            };
            for status in responses.keys() {
                let at = format!(
                    "{}/responses/{}",
                    capi_generator::pointer::push(
                        &capi_generator::pointer::push("/paths", path),
                        method
                    ),
                    status
                );
                if let Some((at, _)) = capi_generator::pointer::resolve(raw, &at) {
                    if let Some(schema) = capi_generator::spec::json_body_schema(raw, &at) {
                        stack.push(schema);
                    }
                }
            }
        }
    }
    let (mut required, mut younger, mut v2) = (0, 0, 0);
    while let Some(at) = stack.pop() {
        let Some((at, node)) = capi_generator::pointer::resolve(raw, &at) else {
            continue;
        };
        if !seen.insert(at.clone()) {
            continue;
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            for i in 0..node.get(key).and_then(Value::as_array).map_or(0, Vec::len) {
                stack.push(format!("{at}/{key}/{i}"));
            }
        }
        if node.get("items").is_some() {
            stack.push(format!("{at}/items"));
        }
        if let Some(Value::Object(_)) = node.get("additionalProperties") {
            stack.push(format!("{at}/additionalProperties"));
        }
        let names: Vec<&str> = node
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if let Some(properties) = node.get("properties").and_then(Value::as_object) {
            for (name, property) in properties {
                let property_at =
                    format!("{at}/properties/{}", capi_generator::pointer::escape(name));
                if names.contains(&name.as_str()) {
                    required += 1;
                    let since = property
                        .get("x-cf-since")
                        .and_then(Value::as_str)
                        .or_else(|| {
                            capi_generator::pointer::resolve(raw, &property_at)
                                .and_then(|(_, n)| n.get("x-cf-since").and_then(Value::as_str))
                        });
                    match since {
                        Some(v) if v.starts_with("2.") => v2 += 1,
                        Some(_) => younger += 1,
                        None => {}
                    }
                }
                stack.push(property_at);
            }
        }
    }
    (required, younger, v2)
}

/// One (version, payload, expected verdict) case.
struct Case {
    name: String,
    case: Value,
}

fn cases() -> Vec<Case> {
    let dir = support::root().join("tests/fixtures/versions/cases");
    let mut cases: Vec<Case> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| Case {
            name: p.file_stem().unwrap().to_string_lossy().into_owned(),
            case: serde_json::from_slice(&std::fs::read(&p).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", p.display())),
        })
        .collect();
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    cases
}

/// The payload of a case: inline, or a file of `../shared/payloads` with edits.
fn payload_of(case: &Value) -> Value {
    let mut payload = match case.get("payload_file").and_then(Value::as_str) {
        Some(file) => support::payload(file),
        None => case["payload"].clone(),
    };
    for remove in case
        .get("remove")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let at = remove.as_str().unwrap();
        let (parent, key) = at.rsplit_once('/').unwrap();
        let removed = payload
            .pointer_mut(parent)
            .and_then(Value::as_object_mut)
            .and_then(|o| o.remove(key));
        assert!(removed.is_some(), "{at} is in the payload");
    }
    for (at, value) in case
        .get("set")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        *payload
            .pointer_mut(at)
            .unwrap_or_else(|| panic!("{at} is in the payload")) = value.clone();
    }
    payload
}

/// A HAR of one exchange.
fn har(entries: &[(&str, &str, Option<&Value>, u16, &Value)]) -> Vec<u8> {
    let entries: Vec<Value> = entries
        .iter()
        .map(|(method, url, request, status, response)| {
            let mut request_json = json!({"method": method, "url": format!("https://api.example.org{url}"), "headers": []});
            if let Some(body) = request {
                request_json["postData"] = json!({"mimeType": "application/json", "text": body.to_string()});
            }
            // A `null` payload is an answer without a body (a 204, a 202 with a job).
            let response_json = if response.is_null() {
                json!({"status": status, "headers": [], "content": {"mimeType": "", "text": ""}})
            } else {
                json!({"status": status, "headers": [{"name": "Content-Type", "value": "application/json"}],
                       "content": {"mimeType": "application/json", "text": response.to_string()}})
            };
            json!({"request": request_json, "response": response_json})
        })
        .collect();
    serde_json::to_vec(&json!({"log": {"version": "1.2", "entries": entries}})).unwrap()
}

#[test]
fn every_case_gets_its_verdict_at_its_version() {
    let cases = cases();
    assert!(cases.len() >= 20, "the cases are discovered");
    let rows = facts();
    let mut failures = Vec::new();
    for Case { name, case } in &cases {
        let fact = case["fact"].as_str().unwrap();
        assert!(
            rows.iter().any(|r| r["pointer"].ends_with(fact)),
            "{name}: its fact {fact} is in the facts table"
        );
        let version = case["version"].as_str().unwrap();
        let method = case["method"].as_str().unwrap();
        let path = case["path"].as_str().unwrap();
        let payload = payload_of(case);
        let expect = case["expect"].as_str().unwrap();
        let capture = case
            .get("capture")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let (code, out, err) = if capture {
            let url = path.replace("{guid}", "6a901b7c-9417-4dc1-8189-d3234aa0ab82");
            let status = case["status"].as_u64().unwrap() as u16;
            let file = scratch(
                &format!("{name}.har"),
                &har(&[(method, &url, None, status, &payload)]),
            );
            let mut args = vec!["validate", "--cc-version", version, "--format", "json"];
            if case.get("strict").and_then(Value::as_bool).unwrap_or(false) {
                args.push("--strict");
            }
            let file = file.display().to_string();
            args.push(&file);
            xtask(&args, b"")
        } else {
            let file = scratch(&format!("{name}.json"), payload.to_string().as_bytes());
            let file = file.display().to_string();
            let status = case.get("status").map(|s| s.to_string());
            let mut args = vec![
                "validate",
                "--cc-version",
                version,
                "--method",
                method,
                "--path",
                path,
                "--format",
                "json",
            ];
            match &status {
                Some(status) => args.extend(["--status", status.as_str()]),
                None => args.push("--request"),
            }
            args.push(&file);
            xtask(&args, b"")
        };
        let report: Value = match serde_json::from_str(&out) {
            Ok(report) => report,
            Err(e) => {
                failures.push(format!("{name}: not a JSON report ({e}): {out}{err}"));
                continue;
            }
        };
        let wanted = if expect == "valid" { 0 } else { 1 };
        if code != wanted {
            failures.push(format!(
                "{name}: exit {code}, expected {expect}:\n{out}{err}"
            ));
            continue;
        }
        assert_eq!(
            report["cc_version"]["v3"].as_str().map(|_| ()),
            Some(()),
            "{name}: the JSON report names the version"
        );
        let expected_texts: Vec<String> = report["outcomes"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|o| o["violations"].as_array().cloned().unwrap_or_default())
            .map(|v| v["expected"].as_str().unwrap_or_default().to_string())
            .collect();
        if expect == "drift"
            && !expected_texts
                .iter()
                .any(|t| t.contains("drift") || t.contains("introduced"))
        {
            failures.push(format!("{name}: expected drift, got {expected_texts:#?}"));
        }
        for message in case
            .get("messages")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let message = message.as_str().unwrap();
            if !expected_texts.iter().any(|t| t.contains(message)) {
                failures.push(format!(
                    "{name}: no violation says {message:?}: {expected_texts:#?}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn manifest_row(file: &str) -> Vec<String> {
    let text = std::fs::read_to_string(support::shared().join("payloads/MANIFEST.tsv")).unwrap();
    text.lines()
        .find(|l| l.starts_with(file))
        .unwrap_or_else(|| panic!("{file} is in the manifest"))
        .split('\t')
        .map(String::from)
        .collect()
}

fn check_legacy(file: &str, version: &str) -> (u8, String) {
    let row = manifest_row(file);
    let path = support::shared()
        .join("payloads")
        .join(file)
        .display()
        .to_string();
    let mut args = vec![
        "validate",
        "--cc-version",
        version,
        "--method",
        &row[2],
        "--path",
        &row[3],
    ];
    if row[4] == "request" {
        args.push("--request");
    } else {
        args.extend(["--status", &row[5]]);
    }
    args.push(&path);
    let (code, out, err) = xtask(&args, b"");
    (code, format!("{out}{err}"))
}

#[test]
fn legacy_payloads_are_judged_at_their_versions() {
    // The v2 "Updating an App" example of 2016-01-13: the Cloud Controller of that day
    // served v2 2.47.0 (config: lib/cloud_controller/constants.rb at 8c352267bf).
    let v2 = "apidocs-legacy/v2_app_update_response_2016.json";
    assert_eq!(
        manifest_row(v2)[6],
        "no",
        "invalid against today's contract"
    );
    let (code, out) = check_legacy(v2, "2.47.0");
    assert_eq!(code, 0, "valid at its v2 version: {out}");
    let (code, out) = check_legacy(v2, "3.228.0");
    assert_eq!(code, 1, "invalid today: {out}");
    // The pre-GA process rows: invalid at every version, saying why.
    for file in [
        "apidocs-legacy/v3_process_update_request_pre_ga_2015.json",
        "apidocs-legacy/v3_process_update_response_pre_ga_2015.json",
    ] {
        assert_eq!(manifest_row(file)[6], "no");
        for version in ["3.0.0", "3.100.0", "3.228.0"] {
            let (code, out) = check_legacy(file, version);
            assert_eq!(code, 1, "{file} at {version}: {out}");
            assert!(out.contains("pre-GA v3 API"), "{file} at {version}: {out}");
            if file.contains("request") {
                assert!(
                    out.contains("POST /v3/processes/{guid}/actions/scale"),
                    "{out}"
                );
            } else {
                // Each key the pre-GA answer lacked says when it came.
                for (key, note) in [("created_at", "2015-04-10"), ("health_check", "2016-03-24")] {
                    let line = out
                        .lines()
                        .find(|l| l.contains(&format!("required property \"{key}\": the pre-GA")))
                        .unwrap_or_else(|| {
                            panic!("{file} at {version}: no pre-GA line for {key}: {out}")
                        });
                    assert!(line.contains(note), "{line}");
                }
            }
        }
    }
}

fn root_document(v3: &str, v2: &str) -> Value {
    let link = |href: &str| json!({"href": format!("https://api.example.org{href}")});
    json!({"links": {
        "self": link(""),
        "cloud_controller_v2": {"href": "https://api.example.org/v2", "meta": {"version": v2}},
        "cloud_controller_v3": {"href": "https://api.example.org/v3", "meta": {"version": v3}},
        "network_policy_v0": link("/networking/v0/external"),
        "network_policy_v1": link("/networking/v1/external"),
        "login": link("/login"),
        "uaa": link("/uaa"),
        "credhub": null,
        "routing": link("/routing"),
        "logging": {"href": "wss://doppler.example.org:443"},
        "log_cache": link("/log-cache"),
        "log_stream": link("/log-stream"),
        "app_ssh": {"href": "ssh.example.org:2222", "meta": {"host_key_fingerprint": "x", "oauth_client": "ssh-proxy"}}
    }})
}

#[test]
fn a_capture_is_judged_at_the_version_its_root_states() {
    let root = root_document("3.150.0", "2.185.0");
    let mut process = support::payload("ccng-v3-docs/process_get.json");
    process.as_object_mut().unwrap().remove("user");
    let update = json!({"command": "rackup", "user": "root"});
    let path = "/v3/processes/6a901b7c-9417-4dc1-8189-d3234aa0ab82";
    let capture = har(&[
        ("GET", "/", None, 200, &root),
        ("GET", path, None, 200, &process),
    ]);
    let file = scratch("root-3150.har", &capture).display().to_string();
    let (code, out, err) = xtask(&["validate", &file], b"");
    assert_eq!(code, 0, "judged at 3.150.0 without a flag: {out}{err}");
    assert!(
        out.contains("3.150.0") && out.contains("GET /"),
        "the report says which version and why: {out}"
    );
    let (code, out, _) = xtask(&["validate", "--cc-version", "3.228.0", &file], b"");
    assert_eq!(code, 1, "today's contract requires `user`: {out}");
    assert!(out.contains("required property \"user\""), "{out}");
    assert!(out.contains("--cc-version 3.228.0"), "{out}");
    // A request with a key the stated version did not know.
    let with_patch = har(&[
        ("GET", "/", None, 200, &root),
        ("PATCH", path, Some(&update), 200, &process),
    ]);
    let file = scratch("root-3150-patch.har", &with_patch)
        .display()
        .to_string();
    let (code, out, _) = xtask(&["validate", "--format", "json", "--coverage", &file], b"");
    assert_eq!(code, 1, "{out}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["cc_version"]["v3"], "3.150.0");
    assert_eq!(report["cc_version"]["v2"], "2.185.0");
    assert!(
        out.contains("introduced in 3.197.0; this capture is from 3.150.0"),
        "{out}"
    );
    assert!(report["coverage"].is_object(), "{out}");
}

#[test]
fn the_in_memory_cloud_controller_pretends_to_be_older() {
    // 3.10.0: before jobs and asynchronous app deletes (204), before `user`,
    // `readiness_health_check` and the stats 503; 3.150.0: after those, before `user`.
    for version in ["3.10.0", "3.150.0"] {
        let contracts =
            std::sync::Arc::new(capi_contract::versions::contracts(support::spec()).unwrap());
        let at = capi_contract::versions::given(&contracts, version)
            .unwrap()
            .at;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let entries = runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let base = format!("http://{}", listener.local_addr().unwrap());
            let app = in_memory_cc::versions::pretend(
                in_memory_cc::router(&base, None),
                contracts.clone(),
                at.clone(),
            )
            .unwrap();
            tokio::spawn(async move { axum::serve(listener, app).await });
            exercise(&base, &contracts, &at).await
        });
        let file = scratch(
            &format!("in-memory-{version}.har"),
            &serde_json::to_vec(&json!({"log": {"version": "1.2", "entries": entries}})).unwrap(),
        );
        let file = file.display().to_string();
        let (code, out, err) = xtask(
            &["validate", "--cc-version", version, "--coverage", &file],
            b"",
        );
        assert_eq!(code, 0, "{version}: {out}{err}");
        assert!(out.contains(version), "{out}");
        // The same answers break today's contract (no `user`, no `readiness_health_check`).
        let (code, out, _) = xtask(&["validate", "--cc-version", "3.228.0", &file], b"");
        assert_eq!(code, 1, "{out}");
        assert!(out.contains("required property \"user\""), "{out}");
        if version == "3.10.0" {
            assert!(
                out.contains("no status 204: removed in 3.20.0"),
                "the app delete answered as before 3.20.0: {out}"
            );
        }
    }
}

/// Calls every operation the contract has at `at` and returns the exchanges as HAR
/// entries; fails when the in-memory Cloud Controller lacks one.
async fn exercise(
    base: &str,
    contracts: &capi_generator::versions::Contracts,
    at: &versions::At,
) -> Vec<Value> {
    let client = reqwest::Client::new();
    let mut entries = Vec::new();
    let send = |method: &str, path: String, body: Option<Value>| {
        let request = client
            .request(method.parse().unwrap(), format!("{base}{path}"))
            .bearer_auth("a-token");
        let request = match &body {
            Some(body) => request.json(body),
            None => request,
        };
        let method = method.to_string();
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let content_type = response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            let location = response
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .map(String::from);
            let text = response.text().await.unwrap();
            let mut request =
                json!({"method": method, "url": format!("{base}{path}"), "headers": []});
            if let Some(body) = body {
                request["postData"] =
                    json!({"mimeType": "application/json", "text": body.to_string()});
            }
            let mut response = json!({"status": status, "headers": [], "content": {"mimeType": content_type, "text": text}});
            if !content_type.is_empty() {
                response["headers"] = json!([{"name": "Content-Type", "value": content_type}]);
            }
            (
                json!({"request": request, "response": response}),
                status,
                text,
                location,
            )
        }
    };
    let (entry, _, apps, _) = send("GET", "/v3/apps".into(), None).await;
    entries.push(entry);
    let apps: Value = serde_json::from_str(&apps).unwrap();
    let app = apps["resources"][0]["guid"].as_str().unwrap().to_string();
    let (entry, _, processes, _) = send("GET", format!("/v3/apps/{app}/processes"), None).await;
    entries.push(entry);
    let processes: Value = serde_json::from_str(&processes).unwrap();
    let process = processes["resources"][0]["guid"]
        .as_str()
        .unwrap()
        .to_string();
    let kind = processes["resources"][0]["type"]
        .as_str()
        .unwrap()
        .to_string();
    // `relationships` came with 3.32.0; before, the space is in `links.space`.
    let space = apps["resources"][0]["relationships"]["space"]["data"]["guid"]
        .as_str()
        .or_else(|| {
            apps["resources"][0]["links"]["space"]["href"]
                .as_str()
                .and_then(|href| href.rsplit('/').next())
        })
        .unwrap_or_else(|| panic!("the space of {apps}"))
        .to_string();
    let droplet = "9d8e007c-ce52-4ea7-8a57-f2825d2c6b39";
    // Every operation at `at`, by operationId: the request that exercises it.
    let view = contracts.spec_at(at, Default::default()).unwrap();
    let mut called = std::collections::BTreeSet::new();
    let mut unknown = Vec::new();
    let mut created = String::new();
    let mut job = String::new();
    for operation in view.operations() {
        let id = operation.id.clone().unwrap_or_default();
        let path = operation
            .path
            .replace("/v3/apps/{guid}", &format!("/v3/apps/{app}"))
            .replace("/v2/apps/{guid}", &format!("/v2/apps/{app}"))
            .replace("/v3/processes/{guid}", &format!("/v3/processes/{process}"))
            .replace("{type}", &kind)
            .replace("{index}", "0")
            .replace("{name}", "ssh");
        let body = match id.as_str() {
            "update_process" | "update_app_process" => Some(json!({"command": "rackup"})),
            "scale_process" | "scale_app_process" => Some(json!({"instances": 1})),
            "create_app" => Some(
                json!({"name": "pretend", "relationships": {"space": {"data": {"guid": space}}}}),
            ),
            "update_app" => Some(json!({"name": "renamed"})),
            "update_app_environment_variables" => Some(json!({"var": {"A": "1"}})),
            "update_app_feature" => Some(json!({"enabled": true})),
            "set_app_current_droplet" => Some(json!({"data": {"guid": droplet}})),
            "v2_create_app" => Some(json!({"name": "v2-pretend", "space_guid": space})),
            "v2_update_app" => Some(json!({"instances": 1})),
            _ if operation.method == "GET"
                || operation.method == "DELETE"
                || operation.path.contains("/actions/") =>
            {
                None
            }
            _ => {
                unknown.push(id.clone());
                continue;
            }
        };
        if id == "delete_app" || id == "get_job" {
            continue; // after everything else: the app this run created, a job it started
        }
        let path = if path.contains("{guid}") {
            path.replace("{guid}", "6a901b7c-9417-4dc1-8189-d3234aa0ab82")
        } else {
            path
        };
        let (entry, status, text, location) = send(&operation.method, path, body).await;
        if let Some(location) = location.filter(|l| l.contains("/v3/jobs/")) {
            job = location.rsplit('/').next().unwrap_or_default().to_string();
        }
        assert!(status < 500 && status != 404, "{id}: {status} {text}");
        if id == "create_app" {
            created = serde_json::from_str::<Value>(&text).unwrap()["guid"]
                .as_str()
                .unwrap()
                .to_string();
        }
        entries.push(entry);
        called.insert(id);
    }
    assert!(
        unknown.is_empty(),
        "operations this test cannot call yet: {unknown:?}"
    );
    let has = |id: &str| {
        view.operations()
            .iter()
            .any(|o| o.id.as_deref() == Some(id))
    };
    if has("delete_app") {
        let (entry, status, _, location) =
            send("DELETE", format!("/v3/apps/{created}"), None).await;
        let asynchronous = at.has_reached(&versions::Version::new(3, 20, 0));
        assert_eq!(
            status,
            if asynchronous { 202 } else { 204 },
            "delete_app at {at}"
        );
        assert_eq!(
            location.is_some(),
            asynchronous,
            "a job only from 3.20.0 on"
        );
        if let Some(location) = location {
            job = location.rsplit('/').next().unwrap_or_default().to_string();
        }
        entries.push(entry);
        called.insert("delete_app".to_string());
    }
    if has("get_job") {
        assert!(!job.is_empty(), "a job to get");
        let (entry, status, text, _) = send("GET", format!("/v3/jobs/{job}"), None).await;
        assert_eq!(status, 200, "get_job: {text}");
        entries.push(entry);
        called.insert("get_job".to_string());
    }
    let every: std::collections::BTreeSet<String> = view
        .operations()
        .iter()
        .filter_map(|o| o.id.clone())
        .collect();
    assert_eq!(called, every, "every operation at {at} was called");
    // What 3.150.0 lacked answers 404, as an older Cloud Controller would.
    let (_, status, _, _) = send(
        "GET",
        format!("/v3/processes/{process}/process_instances"),
        None,
    )
    .await;
    assert_eq!(status, 404, "process_instances came with 3.211.0");
    let (_, _, root, _) = send("GET", "/".into(), None).await;
    let root: Value = serde_json::from_str(&root).unwrap_or(Value::Null);
    if root.pointer("/links/cloud_controller_v3").is_some() {
        assert_eq!(
            root["links"]["cloud_controller_v3"]["meta"]["version"],
            at.v3.to_string()
        );
    }
    let _ = Path::new(base);
    entries
}
