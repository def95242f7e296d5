//! The generated client against a canned HTTP server on 127.0.0.1: the requests it sends
//! (path, query encoding, token, JSON body) and the typed results it returns for
//! successes, documented errors, undocumented answers, warnings, jobs and pages.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use cf_capi::client::{Client, Error};
use cf_capi::models::{ProcessOrderBy, ProcessUpdate};
use cf_capi::params::{ListAppsQuery, ListProcessesQuery};
use cf_capi::Tristate;

/// One canned answer: status line, extra headers, body.
type Answer = (&'static str, Vec<(&'static str, String)>, String);

/// What the server saw: request line, headers and body of each request.
type Seen = Arc<Mutex<Vec<(String, Vec<String>, String)>>>;

/// Serves the answers in order, one per connection, and records each request as its
/// request line, headers and body.
fn serve(answers: impl FnOnce(&str) -> Vec<Answer>) -> (String, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let answers = answers(&address);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    std::thread::spawn(move || {
        for (status, headers, body) in answers {
            let Ok((stream, _)) = listener.accept() else {
                return;
            };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap();
            let mut lines = Vec::new();
            let mut length = 0;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                let line = line.trim_end().to_string();
                if line.is_empty() {
                    break;
                }
                if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap();
                }
                lines.push(line);
            }
            let mut request_body = vec![0; length];
            reader.read_exact(&mut request_body).unwrap();
            record.lock().unwrap().push((
                request_line.trim_end().to_string(),
                lines,
                String::from_utf8(request_body).unwrap(),
            ));
            let mut stream = stream;
            let mut head = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            for (name, value) in headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            stream
                .write_all(format!("{head}\r\n{body}").as_bytes())
                .unwrap();
        }
    });
    (address, seen)
}

fn payload(relative: &str) -> String {
    std::fs::read_to_string(support::shared().join("payloads").join(relative)).unwrap()
}

fn json(body: String) -> Answer {
    (
        "200 OK",
        vec![("Content-Type", "application/json".to_string())],
        body,
    )
}

#[tokio::test]
async fn queries_are_serialised_as_the_cloud_controller_reads_them() {
    let (base, seen) = serve(|_| vec![json(payload("ccng-v3-docs/processes_list.json"))]);
    let client = Client::new(base).with_bearer_token("s3cr3t-token");
    let query = ListProcessesQuery::default()
        .guids(vec!["a".to_string(), "b,c".to_string()])
        .per_page(5)
        .order_by(ProcessOrderBy::CreatedAtDesc)
        .created_ats_gt("2020-01-01T00:00:00Z");
    let page = client.list_processes(&query).await.unwrap();
    assert_eq!(page.status, 200);
    assert_eq!(page.body.resources.len(), 2);
    let seen = seen.lock().unwrap();
    let (line, headers, _) = &seen[0];
    assert_eq!(
        line,
        "GET /v3/processes?guids=a,b%252Cc&per_page=5&order_by=-created_at&created_ats[gt]=2020-01-01T00%3A00%3A00Z HTTP/1.1"
    );
    assert!(
        headers
            .iter()
            .any(|h| h.eq_ignore_ascii_case("authorization: bearer s3cr3t-token")),
        "{headers:?}"
    );
    assert!(
        !format!("{client:?}").contains("s3cr3t"),
        "the token stays out of Debug"
    );
}

#[tokio::test]
async fn a_patch_sends_null_to_reset_and_gets_the_typed_process() {
    let (base, seen) = serve(|_| vec![json(payload("ccng-v3-docs/process_update_response.json"))]);
    let update = ProcessUpdate {
        command: Tristate::Null,
        ..Default::default()
    };
    let process = Client::new(base)
        .update_process("6a901b7c", &update)
        .await
        .unwrap();
    assert_eq!(process.body.instances, 5);
    let seen = seen.lock().unwrap();
    assert_eq!(seen[0].0, "PATCH /v3/processes/6a901b7c HTTP/1.1");
    assert_eq!(seen[0].2, r#"{"command":null}"#);
}

#[tokio::test]
async fn errors_are_typed_and_surprises_keep_the_raw_body() {
    let html = "<html>502 Bad Gateway</html>".to_string();
    let (base, _) = serve(|_| {
        vec![
            (
                "404 Not Found",
                vec![],
                payload("ccng-v3-docs/error_app_not_found.json"),
            ),
            (
                "502 Bad Gateway",
                vec![("Content-Type", "text/html".into())],
                html.clone(),
            ),
            ("200 OK", vec![], "{not json".into()),
        ]
    });
    let client = Client::new(base).with_bearer_token("s3cr3t-token");
    match client.get_app("x", &Default::default()).await.unwrap_err() {
        Error::Api { status, body, .. } => {
            assert_eq!(status, 404);
            assert_eq!(body.errors[0].title, "CF-ResourceNotFound");
        }
        other => panic!("{other:?}"),
    }
    match client
        .get_process("x", &Default::default())
        .await
        .unwrap_err()
    {
        Error::Unexpected { status, body, .. } => assert_eq!((status, body), (502, html)),
        other => panic!("{other:?}"),
    }
    let error = client
        .get_process("x", &Default::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Unexpected { status: 200, reason, .. } if reason.starts_with("the body does not parse"))
    );
    assert!(!format!("{error:?} {error}").contains("s3cr3t"));
}

#[tokio::test]
async fn jobs_warnings_and_pages() {
    let list: serde_json::Value =
        serde_json::from_str(&payload("ccng-v3-docs/apps_list.json")).unwrap();
    let (base, seen) = serve(|base| {
        let mut first = list.clone();
        first["resources"][1]["relationships"]["current_droplet"] =
            serde_json::json!({"data": {"guid": null}});
        first["pagination"]["next"] =
            serde_json::json!({"href": format!("{base}/v3/apps?page=2&per_page=2")});
        let mut second = first.clone();
        second["pagination"]["next"] = serde_json::Value::Null;
        vec![
            (
                "202 Accepted",
                vec![("Location", "https://api.example.org/v3/jobs/j1".into())],
                String::new(),
            ),
            (
                "200 OK",
                vec![(
                    "X-Cf-Warnings",
                    "Stats%20server%20temporarily%20unavailable.".into(),
                )],
                payload("ccng-v3-docs/process_stats.json"),
            ),
            json(first.to_string()),
            json(second.to_string()),
        ]
    });
    let client = Client::new(base);
    let job = client.delete_app("a1").await.unwrap();
    assert_eq!(
        (job.status, job.location.as_deref()),
        (202, Some("https://api.example.org/v3/jobs/j1"))
    );
    let stats = client.get_process_stats("p1").await.unwrap();
    assert_eq!(
        stats.warnings,
        vec!["Stats server temporarily unavailable.".to_string()]
    );
    let mut pages = client
        .list_apps_pages(&ListAppsQuery::default().per_page(2))
        .await;
    let mut count = 0;
    while let Some(page) = pages.next_page().await {
        assert_eq!(
            page.unwrap_or_else(|e| panic!("{e}")).body.resources.len(),
            2
        );
        count += 1;
    }
    assert_eq!(count, 2, "two pages, then the null next link ends it");
    let seen = seen.lock().unwrap();
    assert_eq!(seen[0].0, "DELETE /v3/apps/a1 HTTP/1.1");
    assert_eq!(seen[2].0, "GET /v3/apps?per_page=2 HTTP/1.1");
    assert_eq!(seen[3].0, "GET /v3/apps?page=2&per_page=2 HTTP/1.1");
}
