//! The forwarding service: every request goes upstream with its headers and body as the
//! client sent them (only hop-by-hop headers, which belong to one connection, are not
//! passed on, and `Host` names the upstream), and every response comes back the same way,
//! streamed. The one change is [`super::rewrite`]'s, which keeps the client on the proxy.
//! A finding never changes a response; `--enforce` answers a request that breaks the
//! contract with the Cloud Controller's own error envelope instead of forwarding it.

use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime};

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Request, Response, StatusCode, Uri};
use http_body_util::{BodyExt, Full};
use hyper::body::{Body, Incoming};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use serde_json::json;
use tokio::sync::mpsc;

use super::body::{BoxError, Captured, Prefixed, ProxyBody, Tee};
use super::har::Record;
use super::rewrite::Rewriter;
use capi_generator::traffic::{check, Exchange};
use capi_generator::validate::Validator;

/// The upstream client: HTTP/1.1 over plain TCP or rustls.
pub type UpstreamClient = Client<hyper_rustls::HttpsConnector<HttpConnector>, ProxyBody>;

/// What every connection shares.
pub struct Shared {
    /// The upstream client (a connection pool).
    pub client: UpstreamClient,
    /// The upstream's origin, e.g. `https://api.example.com`, and its path prefix.
    pub upstream: Uri,
    /// Link rewriting.
    pub rewriter: Rewriter,
    /// Bytes of each body kept for the check.
    pub cap: usize,
    /// Refuse invalid requests: the validator and check options to judge them with.
    pub enforce: Option<(Arc<Validator>, check::CheckOptions)>,
    /// Finished exchanges, for the recorder.
    pub records: mpsc::Sender<Record>,
    /// Exchanges whose bodies are still passing: their records are yet to come, and a
    /// stop waits for them (a while) so that nothing the client saw is left out.
    pub unrecorded: std::sync::atomic::AtomicUsize,
    /// Other hosts the root document linked to (with `--rewrite-login-links`): the only
    /// ones `/_upstream/<host>/…` forwards to.
    pub other_hosts: Mutex<HashSet<String>>,
}

/// Headers that describe one connection, not the message (RFC 9110 §7.6.1).
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
];

fn strip_hop_by_hop(headers: &mut HeaderMap) {
    let listed: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    for name in listed {
        headers.remove(name);
    }
    for name in HOP_BY_HOP {
        headers.remove(name);
    }
    headers.remove(header::UPGRADE);
}

fn pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

fn version_text(version: http::Version) -> &'static str {
    match version {
        http::Version::HTTP_09 => "HTTP/0.9",
        http::Version::HTTP_10 => "HTTP/1.0",
        http::Version::HTTP_2 => "HTTP/2",
        http::Version::HTTP_3 => "HTTP/3",
        _ => "HTTP/1.1",
    }
}

fn boxed<B>(body: B) -> ProxyBody
where
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    body.map_err(Into::into).boxed_unsync()
}

fn full(bytes: impl Into<Bytes>) -> ProxyBody {
    boxed(Full::new(bytes.into()))
}

/// Handles one request.
pub async fn handle(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<ProxyBody>, std::convert::Infallible> {
    let started = SystemTime::now();
    let clock = Instant::now();
    let (mut parts, incoming) = request.into_parts();
    let path_and_query = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_string();
    let target = match Rewriter::other_host_target(&path_and_query) {
        Some(url) => {
            let allowed = url
                .parse::<Uri>()
                .ok()
                .and_then(|u| u.authority().map(|a| a.to_string()))
                .is_some_and(|host| shared.other_hosts.lock().is_ok_and(|h| h.contains(&host)));
            if !allowed {
                return Ok(plain(StatusCode::FORBIDDEN, "capi-contract proxy: only hosts the root document links to are forwarded under /_upstream/\n"));
            }
            url
        }
        None => format!(
            "{}{}",
            shared.upstream.to_string().trim_end_matches('/'),
            path_and_query
        ),
    };
    let Ok(uri) = target.parse::<Uri>() else {
        return Ok(plain(
            StatusCode::BAD_REQUEST,
            "capi-contract proxy: not a URL\n",
        ));
    };
    let method = parts.method.as_str().to_string();
    let http_version = version_text(parts.version).to_string();
    let request_headers = pairs(&parts.headers);
    let to_cc = Rewriter::other_host_target(&path_and_query).is_none();

    // With --enforce the request is read (up to the cap) and judged before it goes on.
    let (request_body, request_kept): (ProxyBody, RequestKept) = match &shared.enforce {
        Some((validator, options)) if to_cc => {
            let (prefix, rest) = read_up_to(incoming, shared.cap).await;
            if let Some(rest) = rest {
                // Over the cap: not judged, forwarded as it is.
                let (tee, kept) = Tee::new(Prefixed::new(prefix, rest), shared.cap);
                (boxed(tee), RequestKept::Later(kept))
            } else {
                let exchange = Exchange {
                    source: String::new(),
                    method: method.clone(),
                    url: target.clone(),
                    query: capi_generator::traffic::split_url(&target).1,
                    request_content_type: parts
                        .headers
                        .get(header::CONTENT_TYPE)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string),
                    request_body: Some(prefix.to_vec()).filter(|b| !b.is_empty()),
                    ..Exchange::default()
                };
                if let Some(refusal) = check::refusal(validator, &exchange, options) {
                    let body = json!({"errors": [{"detail": refusal.detail, "title": refusal.title, "code": refusal.code}]}).to_string();
                    let status = StatusCode::from_u16(refusal.status)
                        .unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
                    let headers = vec![(
                        "content-type".to_string(),
                        "application/json; charset=utf-8".to_string(),
                    )];
                    let record = Record {
                        started,
                        time: clock.elapsed(),
                        method,
                        url: target,
                        http_version,
                        request_headers,
                        request_body: Captured::whole(prefix.to_vec()),
                        status: Some(status.as_u16()),
                        response_headers: headers,
                        response_body: Captured::whole(body.clone().into_bytes()),
                        comment: Some(
                            "refused by capi-contract proxy --enforce; not forwarded".into(),
                        ),
                    };
                    let _ = shared.records.send(record).await;
                    let mut response = Response::new(full(body));
                    *response.status_mut() = status;
                    response.headers_mut().insert(
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("application/json; charset=utf-8"),
                    );
                    return Ok(response);
                }
                (
                    full(prefix.clone()),
                    RequestKept::Whole(Captured::whole(prefix.to_vec())),
                )
            }
        }
        _ => {
            let (tee, kept) = Tee::new(incoming, shared.cap);
            (boxed(tee), RequestKept::Later(kept))
        }
    };

    strip_hop_by_hop(&mut parts.headers);
    if let Some(authority) = uri.authority() {
        if let Ok(host) = HeaderValue::from_str(authority.as_str()) {
            parts.headers.insert(header::HOST, host);
        }
    }
    parts.uri = uri;
    // The client speaks HTTP/1.1 to the upstream whatever the caller spoke.
    parts.version = http::Version::HTTP_11;
    let upstream = shared
        .client
        .request(Request::from_parts(parts, request_body))
        .await;

    let response = match upstream {
        Ok(response) => response,
        Err(error) => {
            let why = upstream_error(&shared.rewriter.upstream, &error);
            let request_body = request_kept.get().await;
            let record = Record {
                started,
                time: clock.elapsed(),
                method,
                url: target,
                http_version,
                request_headers,
                request_body,
                status: None,
                response_headers: Vec::new(),
                response_body: Captured::default(),
                comment: Some(why.clone()),
            };
            let _ = shared.records.send(record).await;
            return Ok(plain(
                StatusCode::BAD_GATEWAY,
                &format!("capi-contract proxy: {why}\n"),
            ));
        }
    };
    let (mut parts, incoming) = response.into_parts();
    let status = parts.status.as_u16();
    let response_headers = pairs(&parts.headers);
    strip_hop_by_hop(&mut parts.headers);
    if let Some(location) = parts
        .headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
    {
        if let Some(new) = shared.rewriter.link(location) {
            if let Ok(value) = HeaderValue::from_str(&new) {
                parts.headers.insert(header::LOCATION, value);
            }
        }
    }
    let json = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(capi_generator::traffic::is_json);
    let may_link = to_cc && json && method != "HEAD";
    let (body, response_kept): (ProxyBody, oneshot_or_now::Kept) = if may_link {
        let (prefix, rest) = read_up_to(incoming, shared.cap).await;
        match rest {
            None => {
                let original = prefix.to_vec();
                let sent = match shared.rewriter.body(&original) {
                    Some(rewritten) => {
                        learn_other_hosts(&shared, &original);
                        parts
                            .headers
                            .insert(header::CONTENT_LENGTH, HeaderValue::from(rewritten.len()));
                        Bytes::from(rewritten)
                    }
                    None => prefix,
                };
                (
                    full(sent),
                    oneshot_or_now::Kept::Now(Captured::whole(original)),
                )
            }
            Some(rest) => {
                let (tee, kept) = Tee::new(Prefixed::new(prefix, rest), shared.cap);
                (boxed(tee), oneshot_or_now::Kept::Later(kept))
            }
        }
    } else {
        let (tee, kept) = Tee::new(incoming, shared.cap);
        (boxed(tee), oneshot_or_now::Kept::Later(kept))
    };

    // The exchange is recorded when both bodies have passed.
    let records = shared.records.clone();
    shared.unrecorded.fetch_add(1, Ordering::SeqCst);
    let done = Arc::clone(&shared);
    tokio::spawn(async move {
        let request_body = request_kept.get().await;
        let response_body = response_kept.get().await;
        let mut comment = None;
        if request_body.truncated() || response_body.truncated() {
            comment = Some("a body over the proxy's cap was forwarded whole but not kept".into());
        } else if !response_body.complete {
            comment = Some("the response was cut off (the client or upstream hung up)".into());
        }
        let record = Record {
            started,
            time: clock.elapsed(),
            method,
            url: target,
            http_version,
            request_headers,
            request_body,
            status: Some(status),
            response_headers,
            response_body,
            comment,
        };
        let _ = records.send(record).await;
        done.unrecorded.fetch_sub(1, Ordering::SeqCst);
    });
    Ok(Response::from_parts(parts, body))
}

/// The request body's capture: known already (read whole for `--enforce`) or to come.
enum RequestKept {
    Whole(Captured),
    Later(tokio::sync::oneshot::Receiver<Captured>),
}

impl RequestKept {
    async fn get(self) -> Captured {
        match self {
            RequestKept::Whole(c) => c,
            RequestKept::Later(rx) => rx.await.unwrap_or_default(),
        }
    }
}

mod oneshot_or_now {
    //! A response body's capture: known now (read whole to rewrite links) or to come.
    use super::Captured;
    pub enum Kept {
        Now(Captured),
        Later(tokio::sync::oneshot::Receiver<Captured>),
    }
    impl Kept {
        pub async fn get(self) -> Captured {
            match self {
                Kept::Now(c) => c,
                Kept::Later(rx) => rx.await.unwrap_or_default(),
            }
        }
    }
}

/// Reads a body up to `cap` bytes: all of it (`None` rest), or the bytes read and the
/// unread rest.
async fn read_up_to(mut body: Incoming, cap: usize) -> (Bytes, Option<Incoming>) {
    let mut buffer = bytes::BytesMut::new();
    loop {
        if body.is_end_stream() {
            return (buffer.freeze(), None);
        }
        match body.frame().await {
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    buffer.extend_from_slice(&data);
                    if buffer.len() > cap {
                        return (buffer.freeze(), Some(body));
                    }
                }
            }
            // An error or the end: what was read is all there is.
            Some(Err(_)) | None => return (buffer.freeze(), None),
        }
    }
}

fn learn_other_hosts(shared: &Shared, root: &[u8]) {
    if !shared.rewriter.other_hosts {
        return;
    }
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(root) else {
        return;
    };
    let Some(links) = value.get("links").and_then(|l| l.as_object()) else {
        return;
    };
    let Ok(mut hosts) = shared.other_hosts.lock() else {
        return;
    };
    for link in links.values() {
        if let Some(authority) = link
            .get("href")
            .and_then(|h| h.as_str())
            .and_then(|h| h.parse::<Uri>().ok())
            .and_then(|u| u.authority().map(|a| a.to_string()))
        {
            hosts.insert(authority);
        }
    }
}

fn plain(status: StatusCode, text: &str) -> Response<ProxyBody> {
    let mut response = Response::new(full(text.to_string()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// Why the upstream gave no answer, for the client and standard error: which upstream,
/// the whole chain of causes, and what to do about a certificate it refused.
fn upstream_error(upstream: &str, error: &dyn std::error::Error) -> String {
    let chain = error_chain(error);
    let hint = if chain.contains("certificate") {
        " (its certificate is not trusted: --cacert FILE trusts a platform's own CA, --insecure skips verification)"
    } else {
        ""
    };
    format!("upstream {upstream} did not answer: {chain}{hint}")
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
