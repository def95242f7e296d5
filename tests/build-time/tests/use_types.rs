//! The types generated at build time work like the checked-in ones.

use build_time::capi::{models, Process, ProcessUpdate, Tristate};
use serde_json::json;

#[test]
fn reads_a_real_process_and_writes_a_patch() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/payloads/ccng-v3-docs/process_get.json"
    );
    let process: Process = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(process.r#type, "web");
    assert_eq!(process.instances, 5);
    assert_eq!(process.health_check.r#type, models::HealthCheckType::Port);
    let patch = ProcessUpdate {
        command: Tristate::Null,
        user: Tristate::Value("vcap".into()),
        ..Default::default()
    };
    assert_eq!(
        serde_json::to_value(&patch).unwrap(),
        json!({"command": null, "user": "vcap"})
    );
}
