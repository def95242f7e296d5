//! The fuzz targets: each takes arbitrary bytes and must end with a verdict or a clear
//! error — a panic (or a broken invariant, asserted here) is a finding. The same functions
//! run under the stable driver ([`crate::driver`]) and under libFuzzer (`fuzz/`).

use std::sync::{Arc, OnceLock};

use capi_generator::traffic::coverage::Coverage;
use capi_generator::traffic::routes::RouteTable;
use capi_generator::traffic::{check_exchange, har, trace, CheckOptions, Exchange};
use capi_generator::validate::{
    payload, Direction, Exchange as Body, OperationSelector, Resolution, TargetSpec, Validator,
};
use capi_generator::Spec;

/// Placeholder in a request target for the guid of the fake's seeded `web-app`.
pub const SEEDED_APP: &str = "00000000-seed-0000-0000-web000000app";

/// A named target.
#[derive(Clone, Copy)]
pub struct Target {
    /// Its name (fixture folder, env var value, libFuzzer binary).
    pub name: &'static str,
    /// The function.
    pub run: fn(&[u8]),
    /// Whether its inputs carry a header line the mutator mostly leaves alone.
    pub framed: bool,
    /// Its seed corpus.
    pub seeds: fn() -> Vec<Vec<u8>>,
}

/// Every target.
pub const ALL: &[Target] = &[
    Target {
        name: "spec",
        run: spec,
        framed: false,
        seeds: crate::seeds::specs,
    },
    Target {
        name: "har",
        run: har,
        framed: false,
        seeds: crate::seeds::hars,
    },
    Target {
        name: "trace",
        run: trace,
        framed: false,
        seeds: crate::seeds::traces,
    },
    Target {
        name: "payload",
        run: payload,
        framed: true,
        seeds: crate::seeds::payloads,
    },
    Target {
        name: "request",
        run: request,
        framed: true,
        seeds: crate::seeds::requests,
    },
];

/// The contract's validator, built once.
fn validator() -> &'static Validator {
    static VALIDATOR: OnceLock<Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let spec = Spec::from_text(
            capi_contract::EMBEDDED_SPEC_NAME,
            capi_contract::EMBEDDED_SPEC,
        )
        .expect("the contract loads");
        Validator::new(&spec)
    })
}

fn options() -> &'static CheckOptions {
    static OPTIONS: OnceLock<CheckOptions> = OnceLock::new();
    OPTIONS.get_or_init(|| CheckOptions {
        strict: true,
        routes: Some(Arc::new(
            RouteTable::parse(capi_contract::EMBEDDED_ROUTES).expect("the route table parses"),
        )),
        ..CheckOptions::default()
    })
}

/// The spec loader and checker: any document loads or gets diagnostics, which render. A
/// document that loads goes on to what every command does next: the validator's
/// conversion and, when small (generation is the slow stage), code generation.
pub fn spec(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    match Spec::from_text("fuzz.yaml", &text) {
        Ok(spec) => {
            for warning in &spec.warnings {
                let _ = warning.to_string();
            }
            let _ = spec.operations();
            let _ = Validator::new(&spec);
            if text.len() < 32 << 10 {
                let _ = capi_generator::codegen::generate_single_file(
                    &spec,
                    "fuzz.yaml",
                    capi_generator::codegen::Parts::ALL,
                );
            }
        }
        Err(diagnostics) => {
            let _ = diagnostics.to_string();
        }
    }
}

fn check_all(exchanges: impl IntoIterator<Item = Result<Exchange, String>>) {
    let validator = validator();
    let mut coverage = Coverage::new(validator.spec(), validator.operations());
    for exchange in exchanges.into_iter().flatten() {
        let _ = check_exchange(validator, &exchange, options(), &mut coverage);
    }
    let _ = coverage.table();
}

/// The HAR reader, then the exchange check on every entry it yields.
pub fn har(bytes: &[u8]) {
    let mut exchanges = Vec::new();
    let _ = har::read(bytes, "fuzz.har", &mut |item| exchanges.push(item));
    check_all(exchanges);
}

/// The cf trace reader, then the exchange check on every exchange it yields.
pub fn trace(bytes: &[u8]) {
    let text = trace::decode(bytes);
    check_all(trace::parse(&text, "fuzz.txt"));
}

/// The payload validator, on `METHOD PATH DIRECTION STATUS\n` + a payload: the fast path
/// and the full path, plain and strict. Invariant: whatever the fast path proves valid,
/// the full path finds no violation in.
pub fn payload(bytes: &[u8]) {
    let (head, body) = match bytes.iter().position(|&b| b == b'\n') {
        Some(at) => (&bytes[..at], &bytes[at + 1..]),
        None => return,
    };
    let head = String::from_utf8_lossy(head);
    let mut parts = head.split(' ');
    let (Some(method), Some(path), Some(direction), status) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return;
    };
    let exchange = match (direction, status.and_then(|s| s.parse().ok())) {
        ("request", _) => Body::Request,
        (_, Some(status)) => Body::Response(status),
        _ => return,
    };
    let selector = OperationSelector::MethodPath {
        method: method.into(),
        path: path.into(),
    };
    let validator = validator();
    let mut resolved = vec![validator.resolve(&TargetSpec::Operation(selector, exchange))];
    // And the body as a bare component, when the header names one instead.
    resolved.push(validator.resolve(&TargetSpec::Schema(path.into(), Direction::Response)));
    let parsed = payload::parse(body);
    for resolution in resolved.into_iter().flatten() {
        let Resolution::Body(target) = resolution else {
            continue;
        };
        for strict in [false, true] {
            let proven = validator.proves_valid(&target, body, strict);
            let full = match &parsed {
                Ok(value) if strict => validator.validate_strict(&target, value),
                Ok(value) => validator.validate(&target, value),
                Err(error) => {
                    let _ = error.to_string();
                    assert!(
                        !proven,
                        "the fast path proves valid what is not JSON: {error}"
                    );
                    continue;
                }
            };
            if let Ok(violations) = full {
                assert!(
                    !proven || violations.is_empty(),
                    "the fast path proves valid what the full path refuses (strict {strict}): {violations:?}"
                );
            }
        }
    }
}

struct Server {
    runtime: tokio::runtime::Runtime,
    router: axum::Router,
    app: String,
}

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a runtime");
        let mut config = in_memory_cc::Config::new("http://127.0.0.1:1");
        config.read_timeout = std::time::Duration::from_millis(200);
        let router = in_memory_cc::router_with(&config);
        let listing = runtime.block_on(send(
            &router,
            "GET",
            "/v3/apps?names=web-app",
            &[("Authorization", "bearer fuzz")],
            Vec::new(),
        ));
        let app = listing
            .and_then(|(_, body)| serde_json::from_slice::<serde_json::Value>(&body).ok())
            .and_then(|v| v["resources"][0]["guid"].as_str().map(str::to_string))
            .unwrap_or_default();
        Server {
            runtime,
            router,
            app,
        }
    })
}

async fn send(
    router: &axum::Router,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> Option<(u16, Vec<u8>)> {
    use tower::ServiceExt;
    let mut request = axum::http::Request::builder().method(method).uri(target);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    // What the client library refuses to build, no server ever receives.
    let request = request.body(axum::body::Body::from(body)).ok()?;
    let response = router.clone().oneshot(request).await.ok()?;
    let status = response.status().as_u16();
    let body = axum::body::to_bytes(response.into_body(), 64 << 20)
        .await
        .expect("the answer's body reads");
    Some((status, body.to_vec()))
}

/// The generated server stub's request path (in the in-memory Cloud Controller's router,
/// in process): `METHOD TARGET\tName: value\t…\n` + a body. Invariant: every request gets
/// an answer below 500, and a refusal carries the Cloud Controller's error envelope.
pub fn request(bytes: &[u8]) {
    let (head, body) = match bytes.iter().position(|&b| b == b'\n') {
        Some(at) => (&bytes[..at], &bytes[at + 1..]),
        None => (bytes, &[][..]),
    };
    let head = String::from_utf8_lossy(head);
    let mut fields = head.split('\t');
    let Some((method, target)) = fields.next().and_then(|l| l.split_once(' ')) else {
        return;
    };
    let headers: Vec<(&str, &str)> = fields
        .filter_map(|h| h.split_once(':'))
        .map(|(n, v)| (n.trim(), v.trim()))
        .collect();
    let server = server();
    let target = target.replace(SEEDED_APP, &server.app);
    let answer = server.runtime.block_on(send(
        &server.router,
        method,
        &target,
        &headers,
        body.to_vec(),
    ));
    let Some((status, body)) = answer else {
        return;
    };
    assert!(
        status < 500,
        "{method} {target} answered {status}: {}",
        String::from_utf8_lossy(&body)
    );
    if status >= 400 {
        // v3's `{"errors": [{"title", …}]}`, or v2's `{"error_code", …}`.
        let envelope: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        assert!(
            envelope["errors"][0]["title"].is_string() || envelope["error_code"].is_string(),
            "{method} {target} answered {status} without the error envelope: {}",
            String::from_utf8_lossy(&body)
        );
    }
}
