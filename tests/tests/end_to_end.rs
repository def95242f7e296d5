//! End to end over real TCP on 127.0.0.1: the generated client calls every operation
//! against the in-memory Cloud Controller (built on the generated server stub), and every
//! answer also passes the contract validator. Then the stub's refusals, on the wire.

mod support;

use std::io::{Read, Write};

use capi_generator::validate::{Exchange, OperationSelector, Resolution, TargetSpec, Validator};
use cf_capi::client::{Client, Error, Response};
use cf_capi::models as m;
use cf_capi::params::*;
use cf_capi::Tristate;
use serde_json::{json, Value};

/// Starts an in-memory Cloud Controller on a free port; returns its base URL. With
/// `CAPI_E2E_BASE_URL` set, uses the server there instead (`tests/real-proxy-har.sh`
/// points it at a proxy in front of a freshly started `in-memory-cc`).
async fn start() -> String {
    if let Ok(base) = std::env::var("CAPI_E2E_BASE_URL") {
        return base;
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = in_memory_cc::router(&base, None);
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

/// Checks an answer against the spec, by operation and status.
fn conforms<T: serde::Serialize>(validator: &Validator, operation: &str, response: &Response<T>) {
    let selector = OperationSelector::Id(operation.into());
    let resolution = validator
        .resolve(&TargetSpec::Operation(
            selector,
            Exchange::Response(response.status),
        ))
        .unwrap();
    let body = serde_json::to_value(&response.body).unwrap();
    match resolution {
        Resolution::Body(target) => {
            let violations = validator.validate(&target, &body).unwrap();
            assert!(
                violations.is_empty(),
                "{operation} {}: {violations:#?}\n{body:#}",
                response.status
            );
        }
        Resolution::NoBody { .. } => {
            assert_eq!(body, Value::Null, "{operation} answers without a body")
        }
        Resolution::Finding(finding) => panic!("{operation}: {finding:?}"),
    }
}

fn api_error<E: std::fmt::Debug, T: std::fmt::Debug>(result: Result<T, Error<E>>) -> (u16, E) {
    match result {
        Err(Error::Api { status, body, .. }) => (status, body),
        other => panic!("expected a documented error, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_calls_every_operation_and_every_answer_conforms() {
    let base = start().await;
    let validator = support::validator();
    let client = Client::new(&base).with_bearer_token("a-token");
    let mut called = std::collections::BTreeSet::new();
    macro_rules! call {
        ($op:ident ( $($arg:expr),* )) => {{
            let response = client.$op($($arg),*).await.unwrap_or_else(|e| panic!("{}: {e}", stringify!($op)));
            conforms(&validator, stringify!($op), &response);
            called.insert(stringify!($op));
            response
        }};
    }

    let apps = call!(list_apps(
        &ListAppsQuery::default().order_by(m::AppOrderBy::Name)
    ));
    let web_app = apps
        .body
        .resources
        .iter()
        .find(|a| a.name == "web-app")
        .unwrap()
        .guid
        .0
        .clone();
    let created = call!(create_app(&serde_json::from_value(json!({
        "name": "new-app", "relationships": {"space": {"data": {"guid": "2f35885d-0c9d-4423-83ad-fd05066f8576"}}},
        "environment_variables": {"A": "1"}, "metadata": {"labels": {"team": "a"}}
    })).unwrap()));
    assert_eq!(created.status, 201);
    let new_app = created.body.guid.0.clone();
    call!(get_app(&new_app, &GetAppQuery::default()));
    call!(update_app(
        &new_app,
        &serde_json::from_value(json!({"name": "renamed", "metadata": {"labels": {"team": null}}}))
            .unwrap()
    ));
    call!(set_app_current_droplet(
        &new_app,
        &serde_json::from_value(json!({"data": {"guid": "9d8e007c-ce52-4ea7-8a57-f2825d2c6b39"}}))
            .unwrap()
    ));
    call!(get_app_current_droplet_relationship(&new_app));
    call!(get_app_current_droplet(&new_app));
    call!(start_app(&new_app));
    call!(restart_app(&new_app));
    call!(stop_app(&new_app));
    call!(clear_app_buildpack_cache(&new_app));
    call!(get_app_env(&new_app));
    call!(get_app_environment_variables(&new_app));
    let vars = call!(update_app_environment_variables(
        &new_app,
        &serde_json::from_value(json!({"var": {"B": "2", "A": null}})).unwrap()
    ));
    assert_eq!(
        serde_json::to_value(&vars.body.var).unwrap(),
        json!({"B": "2"}),
        "null deletes, a value sets"
    );
    call!(get_app_permissions(&new_app));
    call!(get_app_ssh_enabled(&new_app));
    let features = call!(list_app_features(&new_app));
    assert_eq!(features.body.resources.len(), 4);
    call!(get_app_feature(&new_app, "revisions"));
    call!(update_app_feature(
        &new_app,
        "revisions",
        &m::AppFeatureUpdate { enabled: true }
    ));

    let processes = call!(list_processes(&ListProcessesQuery::default().per_page(1)));
    assert!(
        processes.body.pagination.next.is_some(),
        "one per page, so there is a next page"
    );
    assert!(processes
        .body
        .resources
        .iter()
        .all(|p| p.command.as_deref() == Some("[PRIVATE DATA HIDDEN IN LISTS]")));
    let app_processes = call!(list_app_processes(
        &web_app,
        &ListAppProcessesQuery::default()
    ));
    let web = app_processes
        .body
        .resources
        .iter()
        .find(|p| p.r#type == "web")
        .unwrap()
        .guid
        .0
        .clone();
    call!(get_process(
        &web,
        &GetProcessQuery::default().embed(vec![m::ProcessEmbedItem::ProcessInstances])
    ));
    call!(update_process(
        &web,
        &m::ProcessUpdate {
            command: Tristate::Value("rackup".into()),
            ..Default::default()
        }
    ));
    let scaled = call!(scale_process(
        &web,
        &serde_json::from_value(json!({"instances": 3, "memory_in_mb": 512})).unwrap()
    ));
    assert_eq!(
        (
            scaled.status,
            scaled.body.instances,
            scaled.body.memory_in_mb
        ),
        (202, 3, 512)
    );
    let stats = call!(get_process_stats(&web));
    assert_eq!(stats.body.resources.len(), 3, "one entry per instance");
    call!(list_process_instances(&web));
    call!(terminate_process_instance(&web, 2));
    call!(get_app_process(
        &web_app,
        "worker",
        &GetAppProcessQuery::default()
    ));
    call!(update_app_process(
        &web_app,
        "worker",
        &m::ProcessUpdate {
            user: Tristate::Value("vcap".into()),
            ..Default::default()
        }
    ));
    call!(scale_app_process(
        &web_app,
        "worker",
        &serde_json::from_value(json!({"instances": 1})).unwrap()
    ));
    call!(get_app_process_stats(&web_app, "worker"));
    call!(terminate_app_process_instance(&web_app, "worker", 0));

    let v2 =
        call!(v2_create_app(&V2CreateAppQuery::default(), &serde_json::from_value(json!({
        "name": "v2-app", "space_guid": "2f35885d-0c9d-4423-83ad-fd05066f8576", "instances": 2
    })).unwrap()));
    let v2_guid = v2.body.metadata.guid.0.clone();
    call!(v2_get_app(&v2_guid, &V2GetAppQuery::default()));
    let updated = call!(v2_update_app(
        &v2_guid,
        &V2UpdateAppQuery::default(),
        &serde_json::from_value(json!({
            "instances": 4, "memory": null, "detected_start_command": "ignored"
        }))
        .unwrap()
    ));
    assert_eq!(
        (
            updated.status,
            updated.body.entity.instances,
            updated.body.entity.memory
        ),
        (201, 4, 256)
    );
    let deleted = call!(delete_app(&new_app));
    let job = deleted.location.unwrap();
    let job = call!(get_job(job.rsplit('/').next().unwrap()));
    assert_eq!(job.body.operation, "app.delete");
    let root = call!(get_root());
    assert_eq!(
        root.body.links.cloud_controller_v3.href,
        format!("{base}/v3")
    );
    call!(get_v3_root());

    let every: Vec<&str> = cf_capi::operations::ALL.iter().map(|o| o.id).collect();
    let missed: Vec<&&str> = every.iter().filter(|id| !called.contains(**id)).collect();
    assert!(missed.is_empty(), "operations never called: {missed:?}");

    let (status, body) = api_error(client.terminate_process_instance(&web, 7).await);
    assert_eq!(
        (status, body.errors[0].detail.as_str()),
        (404, "Instance not found")
    );
    let (status, body) = api_error(client.get_app("no-such-app", &GetAppQuery::default()).await);
    assert_eq!(
        (status, body.errors[0].title.as_str()),
        (404, "CF-ResourceNotFound")
    );
    let (status, body) = api_error(
        client
            .v2_get_app("no-such-app", &V2GetAppQuery::default())
            .await,
    );
    assert_eq!((status, body.error_code.as_str()), (404, "CF-AppNotFound"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patch_fields_have_three_outcomes_on_the_server() {
    let base = start().await;
    let client = Client::new(&base).with_bearer_token("t");
    let apps = client
        .list_apps(&ListAppsQuery::default().names(vec!["web-app".to_string()]))
        .await
        .unwrap();
    let web_app = apps.body.resources[0].guid.0.clone();
    let process = client
        .get_app_process(&web_app, "web", &GetAppProcessQuery::default())
        .await
        .unwrap()
        .body;
    let detected = process.command.clone().unwrap();
    let guid = process.guid.0;
    let set = client
        .update_process(
            &guid,
            &m::ProcessUpdate {
                command: Tristate::Value("./run".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(set.body.command.as_deref(), Some("./run"), "a value sets");
    let absent = client
        .update_process(&guid, &m::ProcessUpdate::default())
        .await
        .unwrap();
    assert_eq!(
        absent.body.command.as_deref(),
        Some("./run"),
        "absent leaves it"
    );
    let reset = client
        .update_process(
            &guid,
            &m::ProcessUpdate {
                command: Tristate::Null,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        reset.body.command,
        Some(detected),
        "null reverts to the detected command"
    );
}

/// Sends raw HTTP/1.1 and returns the status and the body as JSON.
fn raw(base: &str, request: &str) -> (u16, Value) {
    let mut stream = std::net::TcpStream::connect(base.trim_start_matches("http://")).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let status = answer.split_whitespace().nth(1).unwrap().parse().unwrap();
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b)
        .unwrap_or_default();
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

fn request(method: &str, path: &str, token: bool, body: &str) -> String {
    let auth = if token {
        "Authorization: bearer t\r\n"
    } else {
        ""
    };
    format!("{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}", body.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stub_refuses_bad_requests_the_way_a_cloud_controller_does() {
    let base = start().await;
    let base2 = base.clone();
    let cases = tokio::task::spawn_blocking(move || {
        let title = |value: &Value| {
            value
                .pointer("/errors/0/title")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let detail = |value: &Value| {
            value
                .pointer("/errors/0/detail")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let mut seen = Vec::new();
        for (request, status, expected_title, detail_has) in [
            (
                request("GET", "/v3/apps", false, ""),
                401,
                "CF-NotAuthenticated",
                "Authentication error",
            ),
            (
                request("PATCH", "/v3/processes/x", true, "{\"command\": "),
                400,
                "CF-MessageParseError",
                "EOF while parsing",
            ),
            (
                request("PATCH", "/v3/processes/x", true, "{\"colour\": \"red\"}"),
                422,
                "CF-UnprocessableEntity",
                "unknown field `colour`",
            ),
            (
                request(
                    "POST",
                    "/v3/processes/x/actions/scale",
                    true,
                    "{\"instances\": \"many\"}",
                ),
                422,
                "CF-UnprocessableEntity",
                "invalid type: string \"many\"",
            ),
            (
                request("GET", "/v3/apps/x/processes?app_guids=a", true, ""),
                400,
                "CF-BadQueryParameter",
                "Unknown query parameter(s): 'app_guids'",
            ),
            (
                request("GET", "/v3/processes?per_page=lots", true, ""),
                400,
                "CF-BadQueryParameter",
                "per_page: 'lots' is not an integer",
            ),
            (
                request("GET", "/v3/processes?order_by=-type", true, ""),
                400,
                "CF-BadQueryParameter",
                "order_by: '-type' is not one of",
            ),
            (
                request(
                    "PATCH",
                    "/v3/apps/x",
                    true,
                    &format!("{{\"name\": \"{}\"}}", "x".repeat(2 << 20)),
                ),
                413,
                "CF-InvalidRequest",
                "larger than",
            ),
        ] {
            let (got, body) = raw(&base2, &request);
            seen.push(format!("{status} {expected_title}: got {got} {body}"));
            assert_eq!(got, status, "{body}");
            assert_eq!(title(&body), expected_title, "{body}");
            assert!(
                detail(&body).contains(detail_has),
                "{detail_has:?} not in {body}"
            );
        }
        // An unknown route or method is 404 CF-NotFound in the envelope; a refused token
        // is CF-InvalidAuthToken, not CF-NotAuthenticated; no body is `{}`.
        for (method, path) in [("GET", "/v3/no-such-thing"), ("DELETE", "/v3/processes")] {
            let (got, body) = raw(&base2, &request(method, path, true, ""));
            assert_eq!((got, title(&body)), (404, "CF-NotFound".to_string()), "{method} {path}");
            assert_eq!(body.pointer("/errors/0/code"), Some(&json!(10000)));
        }
        let wrong = "GET /v3/apps HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: bearer \r\n\r\n";
        let (got, body) = raw(&base2, wrong);
        assert_eq!((got, title(&body)), (401, "CF-InvalidAuthToken".to_string()));
        assert_eq!(body.pointer("/errors/0/code"), Some(&json!(1000)));
        let (_, list) = raw(&base2, &request("GET", "/v3/processes?types=web&per_page=1", true, ""));
        let web = list.pointer("/resources/0/guid").and_then(Value::as_str).unwrap().to_string();
        let path = format!("/v3/processes/{web}/actions/scale");
        let (got, body) = raw(&base2, &format!("POST {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: bearer t\r\nContent-Length: 0\r\n\r\n"));
        assert_eq!((got, body["guid"].as_str()), (202, Some(web.as_str())), "scale with no body is a no-op");
        let (got, body) = raw(&base2, &request("PUT", "/v2/apps/x", false, "{}"));
        assert_eq!(
            (got, body["error_code"].as_str()),
            (401, Some("CF-NotAuthenticated")),
            "v2 routes answer the v2 shape"
        );
        seen
    })
    .await
    .unwrap();
    assert_eq!(cases.len(), 8);
    let _ = base;
}
