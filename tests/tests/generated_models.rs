//! The checked-in generated models on the wire: the three states of a PATCH field, open
//! and closed enums, and timestamps kept as sent.

use cf_capi::models::{
    HealthCheckUpdate, MetadataUpdate, ProcessEmbedItem, ProcessInstanceState, ProcessOrderBy,
    ProcessStatsInstance, ProcessUpdate, V2AppUpdate,
};
use cf_capi::{DateTime, Tristate};
use serde_json::json;

fn wire<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap()
}

#[test]
fn patch_fields_have_three_states_on_the_wire() {
    let absent = ProcessUpdate::default();
    let reset = ProcessUpdate {
        command: Tristate::Null,
        ..Default::default()
    };
    let set = ProcessUpdate {
        command: Tristate::Value("rackup".into()),
        ..Default::default()
    };
    assert_eq!(wire(&absent), json!({}));
    assert_eq!(wire(&reset), json!({"command": null}));
    assert_eq!(wire(&set), json!({"command": "rackup"}));
    for (text, expected) in [
        (r#"{}"#, Tristate::Absent),
        (r#"{"command": null}"#, Tristate::Null),
        (
            r#"{"command": "rackup"}"#,
            Tristate::Value("rackup".to_string()),
        ),
    ] {
        assert_eq!(
            serde_json::from_str::<ProcessUpdate>(text).unwrap().command,
            expected,
            "{text}"
        );
    }
}

#[test]
fn nested_patch_fields_and_label_deletion() {
    let update = ProcessUpdate {
        health_check: Some(HealthCheckUpdate {
            data: Some(cf_capi::models::HealthCheckUpdateData {
                timeout: Tristate::Null,
                ..Default::default()
            }),
            ..Default::default()
        }),
        metadata: Some(MetadataUpdate {
            labels: Some(
                [
                    ("gone".to_string(), None),
                    ("team".to_string(), Some("a".to_string())),
                ]
                .into(),
            ),
            ..Default::default()
        }),
        ..Default::default()
    };
    assert_eq!(
        wire(&update),
        json!({"health_check": {"data": {"timeout": null}}, "metadata": {"labels": {"gone": null, "team": "a"}}})
    );
}

#[test]
fn request_bodies_that_ignore_unknown_keys_keep_them() {
    let body = json!({"name": "x", "detected_start_command": "ignored by the server"});
    let update: V2AppUpdate = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(
        update.additional_properties["detected_start_command"],
        json!("ignored by the server")
    );
    assert_eq!(wire(&update), body);
}

#[test]
fn response_enums_are_open_and_request_enums_closed() {
    let state: ProcessInstanceState = serde_json::from_value(json!("HIBERNATING")).unwrap();
    assert_eq!(state, ProcessInstanceState::Unknown("HIBERNATING".into()));
    assert_eq!(wire(&state), json!("HIBERNATING"));
    assert_eq!(
        serde_json::from_value::<ProcessInstanceState>(json!("DOWN")).unwrap(),
        ProcessInstanceState::Down
    );
    assert!(serde_json::from_value::<ProcessEmbedItem>(json!("everything")).is_err());
    assert_eq!(wire(&ProcessOrderBy::CreatedAtDesc), json!("-created_at"));
}

#[test]
fn timestamps_keep_the_text_the_server_sent() {
    for time in [
        "2016-03-23T21:34:04+00:00",
        "2016-03-23T23:17:30.476314154Z",
    ] {
        let item: ProcessStatsInstance = serde_json::from_value(
            json!({"type": "web", "index": 0, "state": "RUNNING", "usage": {"time": time}}),
        )
        .unwrap();
        assert_eq!(
            item.usage.as_ref().unwrap().time,
            Some(DateTime(time.to_string()))
        );
        assert_eq!(wire(&item)["usage"]["time"], json!(time));
    }
}
