//! Pretending to be an older Cloud Controller (`--cc-version V`): a layer over the
//! router that answers 404 for operations V did not have yet, removes from JSON answers
//! the fields V did not send (by the contract's version facts), and reports V in the
//! root document (`links.cloud_controller_v3.meta.version` and `…_v2…`). A success
//! status V did not document yet is answered with the one V documented (an app delete
//! before 3.20.0: 204 without a body instead of 202 with a job).
//!
//! It post-processes what the controller renders, so the controller itself knows
//! nothing about versions.

use std::sync::Arc;

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use capi_generator::validate::{Exchange, OperationSelector, Resolution, TargetSpec, Validator};
use capi_generator::versions::{self, At, Contracts};
use serde_json::{json, Value};

/// The largest answer the layer rewrites.
const LIMIT: usize = 64 << 20;

/// What the layer needs: the contract of today and of the pretended version.
struct Pretender {
    contracts: Arc<Contracts>,
    today: Validator,
    then: Arc<Validator>,
    at: At,
}

/// Wraps `router` so that it answers as the Cloud Controller at `at` would.
pub fn pretend(
    router: axum::Router,
    contracts: Arc<Contracts>,
    at: At,
) -> Result<axum::Router, String> {
    let then = contracts.validator(&at)?;
    let today = Validator::new(contracts.spec());
    let pretender = Arc::new(Pretender {
        contracts,
        today,
        then,
        at,
    });
    Ok(router.layer(axum::middleware::from_fn(
        move |request: Request, next: Next| {
            let pretender = Arc::clone(&pretender);
            async move { pretender.answer(request, next).await }
        },
    )))
}

impl Pretender {
    async fn answer(&self, request: Request, next: Next) -> Response {
        let method = request.method().as_str().to_string();
        let path = request.uri().path().to_string();
        if self.absent(&method, &path) {
            return not_found();
        }
        let response = self.restatus(&method, &path, next.run(request).await);
        let is_json = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("json"));
        if !is_json {
            return response;
        }
        let status = response.status().as_u16();
        let (mut parts, body) = response.into_parts();
        let Ok(bytes) = to_bytes(body, LIMIT).await else {
            return Response::from_parts(parts, Body::empty());
        };
        let Ok(mut value) = serde_json::from_slice::<Value>(&bytes) else {
            return Response::from_parts(parts, Body::from(bytes));
        };
        self.rewrite(&method, &path, status, &mut value);
        let text = value.to_string();
        parts.headers.remove(header::CONTENT_LENGTH);
        if let Ok(length) = HeaderValue::from_str(&text.len().to_string()) {
            parts.headers.insert(header::CONTENT_LENGTH, length);
        }
        Response::from_parts(parts, Body::from(text))
    }

    /// Whether the operation exists today but not yet at the pretended version.
    fn absent(&self, method: &str, path: &str) -> bool {
        let spec = TargetSpec::Operation(
            OperationSelector::MethodPath {
                method: method.to_string(),
                path: path.to_string(),
            },
            Exchange::Request,
        );
        let known_today = !matches!(
            self.today.resolve(&spec),
            Ok(Resolution::Finding(_)) | Err(_)
        );
        let known_then = !matches!(
            self.then.resolve(&spec),
            Ok(Resolution::Finding(_)) | Err(_)
        );
        known_today && !known_then
    }

    /// A success status today's contract documents and V's does not becomes the one
    /// success status V documented for the operation; a 204 loses its body and headers.
    fn restatus(&self, method: &str, path: &str, mut response: Response) -> Response {
        let status = response.status().as_u16();
        if !(200..300).contains(&status) {
            return response;
        }
        let spec = TargetSpec::Operation(
            OperationSelector::MethodPath {
                method: method.to_string(),
                path: path.to_string(),
            },
            Exchange::Response(status),
        );
        let Ok(Resolution::Finding(finding)) = self.then.resolve(&spec) else {
            return response;
        };
        let responses = finding.spec_location.trim_start_matches('#');
        let Some(documented) = self
            .then
            .spec()
            .pointer(responses)
            .and_then(Value::as_object)
        else {
            return response;
        };
        let successes: Vec<u16> = documented
            .keys()
            .filter_map(|k| k.parse::<u16>().ok())
            .filter(|s| (200..300).contains(s))
            .collect();
        let [then] = successes[..] else {
            return response;
        };
        let Ok(code) = StatusCode::from_u16(then) else {
            return response;
        };
        *response.status_mut() = code;
        if code == StatusCode::NO_CONTENT {
            let (mut parts, _) = response.into_parts();
            for name in [
                header::LOCATION,
                header::CONTENT_TYPE,
                header::CONTENT_LENGTH,
            ] {
                parts.headers.remove(name);
            }
            return Response::from_parts(parts, Body::empty());
        }
        response
    }

    fn rewrite(&self, method: &str, path: &str, status: u16, value: &mut Value) {
        let spec = TargetSpec::Operation(
            OperationSelector::MethodPath {
                method: method.to_string(),
                path: path.to_string(),
            },
            Exchange::Response(status),
        );
        if let Ok(Resolution::Body(target)) = self.today.resolve(&spec) {
            versions::strip(
                &self.contracts.spec().raw,
                &target.schema_pointer,
                &self.at,
                value,
            );
        }
        if method == "GET" && path.trim_end_matches('/').is_empty() {
            for (line, version) in [("v3", &self.at.v3), ("v2", &self.at.v2)] {
                let at = format!("/links/cloud_controller_{line}/meta");
                if let Some(Value::Object(meta)) = value.pointer_mut(&at) {
                    meta.insert("version".into(), Value::String(version.to_string()));
                }
            }
        }
    }
}

fn not_found() -> Response {
    let body =
        json!({"errors": [{"code": 10000, "title": "CF-NotFound", "detail": "Unknown request"}]});
    let mut response = Response::new(Body::from(body.to_string()));
    *response.status_mut() = StatusCode::NOT_FOUND;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// Wraps `router` to answer as the Cloud Controller at `version` (either line; see
/// `capi_contract::versions::given`), judged by the embedded contract.
pub fn pretend_to_be(router: axum::Router, version: &str) -> Result<axum::Router, String> {
    let spec = capi_generator::Spec::from_text(
        capi_contract::EMBEDDED_SPEC_NAME,
        capi_contract::EMBEDDED_SPEC,
    )
    .map_err(|e| e.to_string())?;
    let contracts = capi_contract::versions::contracts(spec).map_err(|e| e.to_string())?;
    let choice = capi_contract::versions::given(&contracts, version).map_err(|e| e.to_string())?;
    pretend(router, Arc::new(contracts), choice.at)
}
