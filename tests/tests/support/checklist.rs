//! The checklist of what a naive spec gets wrong (capi-reference.md §5), as cases: a
//! real payload from `../shared/payloads`, a change, and whether the Cloud Controller's
//! contract accepts the result. Each case is one line. `spec_rules` holds our validator
//! to them, `differential` a strict third-party one.

use serde_json::{json, Value};

/// One checklist case.
pub struct Case {
    /// Whether the contract accepts the changed payload.
    pub accepted: bool,
    /// The payload, relative to `../shared/payloads`.
    pub file: &'static str,
    /// `operation_id STATUS` or `operation_id request`.
    pub target: &'static str,
    /// Members to set (pointer → value; [`absent`] removes the member).
    pub changes: Vec<(&'static str, Value)>,
}

impl Case {
    /// A name for reports: file, target and the changes.
    pub fn name(&self) -> String {
        let changed: Vec<String> = self
            .changes
            .iter()
            .map(|(pointer, value)| format!("{pointer} => {value}"))
            .collect();
        format!("{} {} [{}]", self.file, self.target, changed.join(", "))
    }

    /// The payload with the changes applied.
    pub fn payload(&self) -> Value {
        apply(super::payload(self.file), &self.changes)
    }
}

/// Marks a member to remove instead of set.
pub fn absent() -> Value {
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

macro_rules! cases {
    ($($accepted:literal $file:literal $target:literal [$($pointer:literal => $value:expr),*];)*) => {
        vec![$(Case { accepted: $accepted, file: $file, target: $target, changes: vec![$(($pointer, $value)),*] }),*]
    };
}

/// Every case, in the order of the groups below.
pub fn all() -> Vec<Case> {
    [
        process_responses(),
        process_stats(),
        process_requests(),
        apps(),
        legacy_v2(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The `process_responses` group.
pub fn process_responses() -> Vec<Case> {
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

/// The `process_stats` group.
pub fn process_stats() -> Vec<Case> {
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

/// The `process_requests` group.
pub fn process_requests() -> Vec<Case> {
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

/// The `apps` group.
pub fn apps() -> Vec<Case> {
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

/// The `legacy_v2` group.
pub fn legacy_v2() -> Vec<Case> {
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
