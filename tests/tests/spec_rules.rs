//! The checklist of what a naive spec gets wrong (capi-reference.md §5), as cases: a
//! real payload from `../shared/payloads`, a change, and whether the Cloud Controller's
//! contract accepts the result. Each case is one line.

mod support;

use capi_generator::validate::{Exchange, OperationSelector, Resolution, TargetSpec, Validator};
use serde_json::{json, Value};

/// Marks a member to remove instead of set.
fn absent() -> Value {
    json!({"$absent": true})
}

fn apply(mut payload: Value, changes: &[(&str, Value)]) -> Value {
    for (pointer, value) in changes {
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        let target = payload
            .pointer_mut(parent)
            .unwrap_or_else(|| panic!("no {parent}"));
        match target {
            Value::Object(map) if *value == absent() => {
                map.remove(key);
            }
            Value::Object(map) => {
                map.insert(key.to_string(), value.clone());
            }
            Value::Array(items) => items[key.parse::<usize>().unwrap()] = value.clone(),
            _ => panic!("{parent} is not a container"),
        }
    }
    payload
}

/// `target` is `operation_id STATUS` or `operation_id request`.
fn verdict(
    validator: &Validator,
    file: &str,
    target: &str,
    changes: &[(&str, Value)],
) -> Vec<String> {
    let (id, body) = target.split_once(' ').unwrap();
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
    let payload = apply(support::payload(file), changes);
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
        "fast and full paths disagree on {file} {changes:?}: {violations:?}"
    );
    violations
}

macro_rules! cases {
    ($($accepted:literal $file:literal $target:literal [$($pointer:literal => $value:expr),*];)*) => {{
        let validator = support::validator();
        let mut wrong = Vec::new();
        $(
            let violations = verdict(&validator, $file, $target, &[$(($pointer, $value)),*]);
            if violations.is_empty() != $accepted {
                wrong.push(format!("{} {} {:?}: expected accepted = {}, violations {:?}", $file, $target, { let changed: &[&str] = &[$($pointer),*]; changed }, $accepted, violations));
            }
        )*
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }};
}

#[test]
fn process_responses() {
    cases! {
        true  "ccng-v3-docs/process_get.json" "get_process 200" [];
        false "ccng-v3-docs/process_get.json" "get_process 200" ["/memory_in_mb" => json!(0)];
        false "ccng-v3-docs/process_get.json" "get_process 200" ["/memory_in_mb" => Value::Null];
        false "ccng-v3-docs/process_get.json" "get_process 200" ["/user" => absent()];
        true  "ccng-v3-docs/process_get.json" "get_process 200" ["/command" => Value::Null];
        true  "ccng-v3-docs/process_get.json" "get_process 200" ["/command" => json!("[PRIVATE DATA HIDDEN IN LISTS]")];
        false "ccng-v3-docs/process_get.json" "get_process 200" ["/guid" => json!("not-a-guid")];
        false "ccng-v3-docs/process_get.json" "get_process 200" ["/created_at" => json!("2016-03-23T18:48:22.123Z")];
        true  "ccng-v3-docs/process_get.json" "get_process 200" ["/relationships/revision" => Value::Null];
        false "ccng-v3-docs/process_get.json" "get_process 200" ["/relationships/revision" => json!({"data": null})];
        true  "ccng-v3-docs/process_get.json" "get_process 200" ["/health_check/type" => json!("none")];
        false "ccng-v3-docs/process_get.json" "get_process 200" ["/readiness_health_check/type" => json!("none")];
        false "ccng-v3-docs/process_get.json" "get_process 200" ["/readiness_health_check/data/timeout" => json!(5)];
        true  "ccng-v3-docs/process_get.json" "get_process 200" ["/log_rate_limit_in_bytes_per_second" => json!(-1)];
        false "ccng-v3-docs/process_get.json" "get_process 200" ["/log_rate_limit_in_bytes_per_second" => json!(-2)];
        false "ccng-v3-docs/process_get.json" "get_process 200" ["/instances" => json!(2147483648i64)];
        true  "ccng-v3-docs/process_get.json" "get_process 200" ["/brand_new_field" => json!(1)];
        false "ccng-v3-docs/process_get.json" "get_process 200" ["/metadata/labels" => json!({"env": null})];
        false "ccng-v3-docs/process_get.json" "get_process 200" ["/metadata/labels" => json!({"example/env": "x"})];
        true  "ccng-v3-docs/process_get.json" "get_process 200" ["/metadata/labels" => json!({"example.com/env": "prod-1"})];
        true  "ccng-v3-docs/process_get.json" "get_process 200" ["/process_instances" => json!([{"index": 0, "state": "DOWN", "since": null}])];
        false "ccng-v3-docs/process_instances.json" "list_process_instances 200" ["/resources/0/state" => json!("SLEEPING")];
        true  "ccng-v3-docs/process_instances.json" "list_process_instances 200" ["/resources/2/since" => Value::Null];
    }
}

#[test]
fn process_stats() {
    cases! {
        true  "ccng-v3-docs/process_stats.json" "get_process_stats 200" ["/resources/0/state" => json!("UNKNOWN")];
        true  "ccng-v3-docs/process_stats.json" "get_process_stats 200" ["/resources/0/state" => json!("STOPPING")];
        false "ccng-v3-docs/process_stats.json" "get_process_stats 200" ["/resources/0/state" => json!("ASLEEP")];
        true  "ccng-v3-docs/process_stats.json" "get_process_stats 200" ["/resources/0/usage" => json!({})];
        true  "ccng-v3-docs/process_stats.json" "get_process_stats 200" ["/resources/0/instance_ports/0/external" => json!(0)];
        true  "ccng-v3-docs/process_stats.json" "get_process_stats 200" ["/resources/0/instance_ports/0/external_tls_proxy_port" => Value::Null];
        true  "ccng-v3-docs/process_stats.json" "get_process_stats 200" ["/resources/1" => json!({"type": "web", "index": 1, "state": "DOWN", "routable": null, "uptime": null, "isolation_segment": null, "details": null})];
        false "ccng-v3-docs/process_stats.json" "get_process_stats 200" ["/resources/0/index" => absent()];
        false "ccng-v3-docs/process_stats.json" "get_process_stats 200" ["/resources/0/usage/time" => json!("yesterday")];
        false "ccng-v3-docs/process_stats.json" "get_process_stats 200" ["/resources/0/fds_quota" => Value::Null];
    }
}

#[test]
fn process_requests() {
    cases! {
        true  "ccng-v3-docs/process_update_request.json" "update_process request" ["/command" => Value::Null];
        false "ccng-v3-docs/process_update_request.json" "update_process request" ["/command" => json!("")];
        false "ccng-v3-docs/process_update_request.json" "update_process request" ["/instances" => json!(2)];
        true  "ccng-v3-docs/process_update_request.json" "update_process request" ["/user" => Value::Null];
        true  "ccng-v3-docs/process_update_request.json" "update_process request" ["/metadata/labels" => json!({"gone": null})];
        false "ccng-v3-docs/process_update_request.json" "update_process request" ["/metadata/labels" => json!({"cloudfoundry.org/x": "y"})];
        false "ccng-v3-docs/process_update_request.json" "update_process request" ["/metadata/labels" => json!({"key": "-bad-"})];
        false "ccng-v3-docs/process_update_request.json" "update_process request" ["/metadata/annotations" => json!({"note": "x".repeat(5001)})];
        false "ccng-v3-docs/process_update_request.json" "update_process request" ["/metadata/owner" => json!("me")];
        false "ccng-v3-docs/process_update_request.json" "update_process request" ["/health_check" => json!({"type": "none"})];
        true  "ccng-v3-docs/process_update_request.json" "update_process request" ["/health_check" => json!({"type": "http", "data": {"endpoint": "/health", "timeout": null}})];
        false "ccng-v3-docs/process_update_request.json" "update_process request" ["/health_check" => json!({"type": "http", "data": {"endpoint": "health"}})];
        false "ccng-v3-docs/process_update_request.json" "update_process request" ["/health_check" => json!({"data": {"timeout": 0}})];
        false "ccng-v3-docs/process_update_request.json" "update_process request" ["/readiness_health_check" => json!({"data": {"timeout": 5}})];
        true  "ccng-v3-docs/process_scale_request.json" "scale_process request" ["/instances" => Value::Null];
        false "ccng-v3-docs/process_scale_request.json" "scale_process request" ["/memory_in_mb" => json!(0)];
        false "ccng-v3-docs/process_scale_request.json" "scale_process request" ["/instances" => json!(-1)];
        false "ccng-v3-docs/process_scale_request.json" "scale_process request" ["/type" => json!("web")];
    }
}

#[test]
fn apps() {
    cases! {
        true  "ccng-v3-docs/app_get.json" "get_app 200" ["/relationships/current_droplet/data/guid" => Value::Null];
        false "ccng-v3-docs/app_get.json" "get_app 200" ["/relationships/current_droplet" => json!({"data": null})];
        false "ccng-v3-docs/app_get.json" "get_app 200" ["/state" => json!("RUNNING")];
        true  "ccng-v3-docs/app_get.json" "get_app 200" ["/lifecycle/data/stack" => Value::Null];
        true  "ccng-v3-docs/app_get.json" "get_app 200" ["/lifecycle" => json!({"type": "docker", "data": {}})];
        true  "ccng-v3-docs/app_get.json" "get_app 200" ["/lifecycle" => json!({"type": "cnb", "data": {"buildpacks": ["docker://x"], "stack": "s", "credentials": "***"}})];
        true  "ccng-v3-docs/app_update_request.json" "update_app request" ["/lifecycle/data/buildpacks" => Value::Null];
        false "ccng-v3-docs/app_update_request.json" "update_app request" ["/environment_variables" => json!({"A": "b"})];
        false "ccng-v3-docs/app_update_request.json" "update_app request" ["/lifecycle/data" => absent()];
        true  "ccng-v3-docs/app_create_request.json" "create_app request" ["/environment_variables" => json!({"PORTS": 1, "DEBUG": true})];
        false "ccng-v3-docs/app_create_request.json" "create_app request" ["/environment_variables" => json!({"VCAP_SERVICES": "x"})];
        false "ccng-v3-docs/app_create_request.json" "create_app request" ["/environment_variables" => json!({"PORT": "8080"})];
        false "ccng-v3-docs/app_create_request.json" "create_app request" ["/name" => absent()];
        true  "ccng-v3-docs/app_create_request.json" "create_app request" ["/relationships/space/data/guid" => json!("[space_guid]")];
        false "ccng-v3-docs/app_create_request.json" "create_app request" ["/relationships/space/data/guid" => json!("")];
        false "ccng-v3-docs/app_environment_variables_update_request.json" "update_app_environment_variables request" ["/var/COUNT" => json!(1)];
        true  "ccng-v3-docs/app_environment_variables.json" "get_app_environment_variables 200" ["/var/COUNT" => json!(1)];
        true  "ccng-v3-docs/app_env.json" "get_app_env 200" ["/system_env_json" => json!({"redacted_message": "[PRIVATE DATA HIDDEN]"})];
        false "ccng-v3-docs/app_current_droplet_set_request.json" "set_app_current_droplet request" ["/data" => Value::Null];
        false "ccng-v3-docs/app_feature_update_request.json" "update_app_feature request" ["/enabled" => absent()];
        true  "ccng-v3-docs/apps_list.json" "list_apps 200" ["/resources/1/relationships/current_droplet" => json!({"data": {"guid": null}})];
        false "ccng-v3-docs/fragment_pagination_people.json" "list_apps 200" ["/pagination/total_pages" => json!(0)];
    }
}

#[test]
fn legacy_v2() {
    cases! {
        true  "ccng-v2-docs/v2_app_update_request.json" "v2_update_app request" ["/detected_start_command" => json!("ignored")];
        true  "ccng-v2-docs/v2_app_update_request.json" "v2_update_app request" ["/memory" => Value::Null];
        false "ccng-v2-docs/v2_app_update_request.json" "v2_update_app request" ["/instances" => json!("two")];
        false "ccng-v2-docs/v2_app_update_request.json" "v2_update_app request" ["/state" => json!("RUNNING")];
        true  "ccng-v2-docs/v2_app_update_response.json" "v2_update_app 201" ["/entity/log_rate_limit" => json!(-1)];
        false "ccng-v2-docs/v2_app_update_response.json" "v2_update_app 201" ["/entity/memory" => absent()];
        true  "ccng-v2-docs/v2_error_app_not_found.json" "v2_update_app 404" [];
        false "ccng-v3-docs/error_app_not_found.json" "v2_update_app 404" [];
        true  "ccng-v3-docs/error_app_not_found.json" "get_app 404" ["/errors/0/title" => json!("UnknownError")];
        false "ccng-v3-docs/error_app_not_found.json" "get_app 404" ["/errors" => json!([])];
    }
}
