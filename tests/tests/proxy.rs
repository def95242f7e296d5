//! `capi-contract proxy` in front of the in-memory Cloud Controller, over TCP on
//! 127.0.0.1: a client sees the same answers through it as without it, its report is
//! what `validate` says of its own HAR, and a deliberately broken answer from the fake is
//! its only finding. Then a whole `cf push`-shaped capture: checked, outside the contract
//! and unknown exchanges, one typo'd route the only failure.

mod support;

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use cf_capi::client::Client;
use cf_capi::models as m;
use cf_capi::params::*;
use in_memory_cc::breakage::Breakage;
use serde_json::{json, Value};

/// A writer the proxy thread and the test share.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Buffer {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// The broken answer: every `GET /v3/processes/{guid}` says `instances: -1`.
fn breakage() -> Breakage {
    "GET /v3/processes/* /instances=-1".parse().unwrap()
}

/// Starts an in-memory Cloud Controller with the broken answer; returns its base URL.
async fn fake() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = breakage().layer(in_memory_cc::router(&base, None));
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

/// A running proxy: its address, its streams, and how to stop it.
struct Proxy {
    address: SocketAddr,
    stderr: Buffer,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<u8>>,
}

impl Proxy {
    fn start(args: &[&str]) -> Proxy {
        let argv: Vec<String> = std::iter::once("proxy")
            .chain(args.iter().copied())
            .map(str::to_string)
            .collect();
        let stderr = Buffer::default();
        let (ready, address) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let err = stderr.clone();
        let thread = std::thread::spawn(move || {
            let mut io = capi_contract::Io {
                stdin: Box::new(std::io::empty()),
                stdout: Box::new(std::io::sink()),
                stderr: Box::new(err),
                stderr_is_terminal: false,
            };
            let args =
                match capi_contract::parse::<capi_contract::proxy::Standalone, _, _>(argv, &mut io)
                {
                    Ok(parsed) => parsed.into_args(),
                    Err(code) => return code,
                };
            let result = capi_contract::proxy::run_until(
                args,
                &mut io,
                move |address| ready.send(address).unwrap(),
                async move {
                    let _ = stopped.await;
                    "stopped by the test"
                },
            );
            capi_contract::finish(result, &mut io)
        });
        let address = address.recv().expect("the proxy starts");
        Proxy {
            address,
            stderr,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    fn origin(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Stops the proxy; its exit code.
    fn stop(mut self) -> u8 {
        let _ = self.stop.take().unwrap().send(());
        self.thread.take().unwrap().join().unwrap()
    }
}

/// Drives the generated client through a session of contract operations; every answer
/// as `(operation, status, body)`, links spelled with `BASE` for the origin.
async fn session(base: &str, origins: &[&str]) -> Vec<(String, u16, String)> {
    let client = Client::new(base).with_bearer_token("a-token");
    let mut answers = Vec::new();
    macro_rules! call {
        ($op:ident ( $($arg:expr),* )) => {{
            let response = client.$op($($arg),*).await.unwrap_or_else(|e| panic!("{}: {e}", stringify!($op)));
            let mut body = serde_json::to_string(&response.body).unwrap();
            for origin in origins {
                body = body.replace(origin, "BASE");
            }
            answers.push((stringify!($op).to_string(), response.status, body));
            response
        }};
    }
    let apps = call!(list_apps(
        &ListAppsQuery::default().order_by(m::AppOrderBy::Name)
    ));
    let app = apps
        .body
        .resources
        .iter()
        .find(|a| a.name == "web-app")
        .unwrap()
        .guid
        .0
        .clone();
    call!(get_app(&app, &GetAppQuery::default()));
    call!(get_app_env(&app));
    call!(stop_app(&app));
    call!(start_app(&app));
    let processes = call!(list_processes(&ListProcessesQuery::default().per_page(1)));
    let process = processes.body.resources[0].guid.0.clone();
    // Every page, following `pagination.next.href` (rewritten to stay on the proxy).
    let mut pages = client
        .list_processes_pages(&ListProcessesQuery::default().per_page(1))
        .await;
    while let Some(page) = pages.next_page().await {
        let page = page.unwrap();
        let mut body = serde_json::to_string(&page.body).unwrap();
        for origin in origins {
            body = body.replace(origin, "BASE");
        }
        answers.push(("list_processes_pages".into(), page.status, body));
    }
    call!(get_process(&process, &GetProcessQuery::default()));
    call!(get_process_stats(&process));
    call!(list_app_processes(&app, &ListAppProcessesQuery::default()));
    call!(update_process(
        &process,
        &serde_json::from_value(json!({"command": "bundle exec rackup"})).unwrap()
    ));
    call!(scale_process(
        &process,
        &serde_json::from_value(json!({"instances": 2})).unwrap()
    ));
    call!(get_process(&process, &GetProcessQuery::default()));
    answers
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("capi-proxy-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_the_proxy_a_client_sees_the_same_answers_and_only_the_broken_one_is_a_finding() {
    let direct_base = fake().await;
    let direct = session(&direct_base, &[&direct_base]).await;

    let upstream = fake().await;
    let dir = scratch("session");
    let har = dir.join("session.har");
    let report = dir.join("report.json");
    let proxy = Proxy::start(&[
        "--upstream",
        &upstream,
        "--listen",
        "127.0.0.1:0",
        "--har",
        har.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let origin = proxy.origin();
    let through = session(&origin, &[&origin, &upstream]).await;
    let stderr = proxy.stderr.clone();
    let code = proxy.stop();

    assert_eq!(direct.len(), through.len());
    for (a, b) in direct.iter().zip(&through) {
        assert_eq!(a, b, "the same answer with and without the proxy");
    }
    let report_text = std::fs::read_to_string(&report).unwrap();
    let (validate_code, validate_text, _) = support::xtask(
        &["validate", "--format", "json", har.to_str().unwrap()],
        b"",
    );
    assert_eq!(
        report_text, validate_text,
        "the proxy's report is validate over its HAR"
    );
    assert_eq!((code, validate_code), (1, 1));

    let report: Value = serde_json::from_str(&report_text).unwrap();
    let outcomes = report["outcomes"].as_array().unwrap();
    // Every answer went through the proxy: the pages too (their links were rewritten).
    assert_eq!(outcomes.len(), through.len(), "{report_text}");
    let failed: Vec<&Value> = outcomes
        .iter()
        .filter(|o| o["verdict"] != "valid")
        .collect();
    let get_process_calls = direct.iter().filter(|(op, ..)| op == "get_process").count();
    assert_eq!(failed.len(), get_process_calls, "{report_text}");
    for outcome in &failed {
        assert_eq!(
            outcome["targets"],
            json!(["GET /v3/processes/{guid}"]),
            "{outcome}"
        );
        let pointers: Vec<&Value> = outcome["violations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| &v["pointer"])
            .collect();
        assert_eq!(pointers, vec![&json!("/instances")], "{outcome}");
    }
    // One line on standard error per finding, as it happened.
    let lines = stderr.text();
    assert_eq!(
        lines.lines().filter(|l| l.starts_with("INVALID ")).count(),
        failed.len(),
        "{lines}"
    );
    assert!(lines.contains("/instances"), "{lines}");
    assert_eq!(
        report["summary"]["passed"].as_u64().unwrap() as usize,
        outcomes.len() - failed.len()
    );
}

/// One HTTP/1.1 exchange over a fresh connection: the status and the body.
fn exchange(address: SocketAddr, method: &str, path: &str, body: &str) -> (u16, String) {
    use std::io::Read;
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: bearer t\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let status = answer[9..12].parse().unwrap();
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enforce_refuses_invalid_requests_with_the_cloud_controllers_envelope() {
    let upstream = fake().await;
    let proxy = Proxy::start(&[
        "--upstream",
        &upstream,
        "--listen",
        "127.0.0.1:0",
        "--enforce",
    ]);
    let address = proxy.address;
    let answers = tokio::task::spawn_blocking(move || {
        let list = exchange(address, "GET", "/v3/processes?per_page=1", "");
        let page: Value = serde_json::from_str(&list.1).unwrap();
        let guid = page["resources"][0]["guid"].as_str().unwrap().to_string();
        let path = format!("/v3/processes/{guid}");
        vec![
            exchange(address, "PATCH", &path, r#"{"command": 5}"#),
            exchange(address, "PATCH", &path, r#"{"command": "#),
            exchange(address, "GET", "/v3/processes?per_page=0", ""),
            exchange(address, "PATCH", &path, r#"{"command": "rackup"}"#),
            exchange(address, "GET", "/v3/proceses", ""),
        ]
    })
    .await
    .unwrap();
    let stderr = proxy.stderr.clone();
    assert_eq!(proxy.stop(), 1);
    let errors: Vec<(u16, Value)> = answers
        .iter()
        .map(|(status, body)| (*status, serde_json::from_str(body).unwrap_or(Value::Null)))
        .collect();
    assert_eq!(
        (errors[0].0, &errors[0].1["errors"][0]["title"]),
        (422, &json!("CF-UnprocessableEntity"))
    );
    assert_eq!(errors[0].1["errors"][0]["code"], 10008);
    assert_eq!(
        (errors[1].0, &errors[1].1["errors"][0]["title"]),
        (400, &json!("CF-MessageParseError"))
    );
    assert_eq!(
        (errors[2].0, &errors[2].1["errors"][0]["title"]),
        (400, &json!("CF-BadQueryParameter"))
    );
    // A valid request goes through; a route no Cloud Controller has is forwarded (the
    // upstream answers it) and reported.
    assert_eq!(answers[3].0, 200, "{:?}", answers[3]);
    assert_eq!(answers[4].0, 404);
    let lines = stderr.text();
    assert!(lines.contains("nearest: GET /v3/processes"), "{lines}");
}

/// Starts an in-memory Cloud Controller that answers as the one at `version` would
/// (`in-memory-cc --cc-version`); returns its base URL.
async fn fake_at(version: &str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app =
        in_memory_cc::versions::pretend_to_be(in_memory_cc::router(&base, None), version).unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

/// The contract's own version, as `--cc-version` spells it.
fn todays_version() -> String {
    let spec = cf_capi_spec();
    let contracts = capi_contract::versions::contracts(spec).unwrap();
    let today = capi_contract::versions::today(&contracts);
    format!("{},{}", today.at.v3, today.at.v2)
}

fn cf_capi_spec() -> capi_generator::Spec {
    capi_generator::Spec::from_text(
        capi_contract::EMBEDDED_SPEC_NAME,
        capi_contract::EMBEDDED_SPEC,
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_is_judged_at_the_version_its_root_document_states() {
    let today = todays_version();
    // (case, --cc-version, whether the client asks for `GET /` first, the version
    // judged at, why, whether the process answers (without `user`, which came in
    // 3.197.0) are findings).
    let cases = [
        ("root", None, true, "3.150.0", "GET / in ", false),
        (
            "given",
            Some(today.as_str()),
            true,
            today.split(',').next().unwrap(),
            "--cc-version ",
            true,
        ),
        (
            "no-root",
            None,
            false,
            today.split(',').next().unwrap(),
            "the contract's own version",
            true,
        ),
    ];
    for (case, given, root_first, judged, why, findings) in cases {
        let upstream = fake_at("3.150.0").await;
        let dir = scratch(&format!("version-{case}"));
        let har = dir.join("session.har");
        let report = dir.join("report.json");
        let mut args = vec![
            "--upstream",
            &upstream,
            "--listen",
            "127.0.0.1:0",
            "--har",
            har.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
            "--format",
            "json",
        ];
        if let Some(version) = given {
            args.extend(["--cc-version", version]);
        }
        let proxy = Proxy::start(&args);
        let address = proxy.address;
        let answers = tokio::task::spawn_blocking(move || {
            let mut answers = Vec::new();
            if root_first {
                answers.push(exchange(address, "GET", "/", ""));
            }
            let list = exchange(address, "GET", "/v3/processes?per_page=1", "");
            let page: Value = serde_json::from_str(&list.1).unwrap();
            let guid = page["resources"][0]["guid"].as_str().unwrap().to_string();
            answers.push(list);
            answers.push(exchange(
                address,
                "GET",
                &format!("/v3/processes/{guid}"),
                "",
            ));
            answers
        })
        .await
        .unwrap();
        for (status, body) in &answers {
            assert_eq!(*status, 200, "{case}: {body}");
            assert!(
                !body.contains("\"user\""),
                "{case}: the answers are 3.150.0's: {body}"
            );
        }
        let stderr = proxy.stderr.clone();
        let code = proxy.stop();

        let report_text = std::fs::read_to_string(&report).unwrap();
        let mut validate = vec!["validate", "--format", "json", har.to_str().unwrap()];
        if let Some(version) = given {
            validate.extend(["--cc-version", version]);
        }
        let (validate_code, validate_text, _) = support::xtask(&validate, b"");
        assert_eq!(
            report_text, validate_text,
            "{case}: the proxy's report is validate over its HAR"
        );
        assert_eq!(code, validate_code, "{case}");

        let report: Value = serde_json::from_str(&report_text).unwrap();
        let version = &report["cc_version"];
        assert_eq!(version["v3"], judged, "{case}: {report_text}");
        let reason = version["reason"].as_str().unwrap();
        assert!(reason.starts_with(why), "{case}: {reason}");
        let lines = stderr.text();
        assert!(
            lines.contains(&format!("judged at Cloud Controller API {judged}")),
            "{case}: {lines}"
        );

        let outcomes = report["outcomes"].as_array().unwrap();
        assert_eq!(outcomes.len(), answers.len(), "{case}: {report_text}");
        let failed: Vec<&Value> = outcomes
            .iter()
            .filter(|o| o["verdict"] != "valid")
            .collect();
        if findings {
            // Both process answers lack `user`; the root document is fine at any version.
            assert_eq!((code, failed.len()), (1, 2), "{case}: {report_text}");
            for outcome in failed {
                let target = outcome["targets"][0].as_str().unwrap();
                assert!(target.starts_with("GET /v3/processes"), "{case}: {outcome}");
                assert!(
                    outcome["violations"].to_string().contains("user"),
                    "{case}: {outcome}"
                );
            }
        } else {
            assert_eq!((code, failed.len()), (0, 0), "{case}: {report_text}");
        }
    }
}

/// A certificate authority made for the test, and a certificate it signed for 127.0.0.1.
struct Pki {
    ca_pem: String,
    leaf: rustls::pki_types::CertificateDer<'static>,
    leaf_key: rustls::pki_types::PrivateKeyDer<'static>,
}

fn pki() -> Pki {
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "capi-contract test CA");
    ca_params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::DigitalSignature,
    ];
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, rcgen::KeyPair::generate().unwrap())
        .unwrap();
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&leaf_key, &ca)
        .unwrap();
    Pki {
        ca_pem: ca.pem(),
        leaf: leaf.der().clone(),
        leaf_key: rustls::pki_types::PrivatePkcs8KeyDer::from(leaf_key.serialize_der()).into(),
    }
}

/// An upstream over TLS on 127.0.0.1: TLS with `pki`'s certificate in front of a plain
/// in-memory Cloud Controller. Its `https://` base URL.
async fn tls_fake(pki: &Pki) -> String {
    let plain = fake().await;
    let plain = plain.trim_start_matches("http://").to_string();
    let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![pki.leaf.clone()], pki.leaf_key.clone_key())
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("https://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (acceptor, plain) = (acceptor.clone(), plain.clone());
            tokio::spawn(async move {
                // A handshake the client gives up on just ends this connection.
                let Ok(mut tls) = acceptor.accept(stream).await else {
                    return;
                };
                let mut inner = tokio::net::TcpStream::connect(plain).await.unwrap();
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut inner).await;
            });
        }
    });
    base
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upstream_over_tls_is_verified_unless_insecure_or_trusted_by_cacert() {
    let (pki, other) = (pki(), pki());
    let dir = scratch("tls");
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, &pki.ca_pem).unwrap();
    let other_ca = dir.join("other-ca.pem");
    std::fs::write(&other_ca, &other.ca_pem).unwrap();
    // (case, extra flags, whether the proxy forwards).
    let cases = [
        ("system roots", vec![], false),
        (
            "another CA",
            vec!["--cacert", other_ca.to_str().unwrap()],
            false,
        ),
        ("insecure", vec!["--insecure"], true),
        ("cacert", vec!["--cacert", ca_file.to_str().unwrap()], true),
    ];
    for (case, flags, forwards) in cases {
        let upstream = tls_fake(&pki).await;
        let report = dir.join(format!("{}.json", case.replace(' ', "-")));
        let mut args = vec![
            "--upstream",
            &upstream,
            "--listen",
            "127.0.0.1:0",
            "--report",
            report.to_str().unwrap(),
            "--format",
            "json",
        ];
        args.extend(flags);
        let proxy = Proxy::start(&args);
        let address = proxy.address;
        let (status, body) = tokio::task::spawn_blocking(move || {
            exchange(address, "GET", "/v3/processes?per_page=1", "")
        })
        .await
        .unwrap();
        let stderr = proxy.stderr.clone();
        let code = proxy.stop();
        let report: Value =
            serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
        let lines = stderr.text();
        if forwards {
            assert_eq!(status, 200, "{case}: {body}");
            assert_eq!(code, 0, "{case}: {lines}");
            assert_eq!(
                report["outcomes"][0]["verdict"], "valid",
                "{case}: {report}"
            );
            assert_eq!(
                report["outcomes"][0]["targets"],
                json!(["GET /v3/processes"]),
                "{case}"
            );
        } else {
            // The client is told which upstream and why; so is the person running it.
            assert_eq!(status, 502, "{case}: {body}");
            for said in [&body, &lines] {
                assert!(
                    said.contains(&format!("upstream {upstream}")),
                    "{case}: {said}"
                );
                assert!(said.contains("certificate"), "{case}: {said}");
                assert!(said.contains("--insecure"), "{case}: {said}");
            }
            assert_ne!(code, 0, "{case}: {lines}");
        }
    }
}
