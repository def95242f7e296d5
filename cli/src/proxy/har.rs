//! The HAR 1.2 log of everything the proxy saw, written entry by entry as exchanges end
//! (so it is complete up to the last exchange even if the proxy is killed), and the entry
//! each exchange is checked from — the same reader `validate` uses, so re-checking the
//! HAR later gives the same verdicts.

use std::io::{self, Write};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use serde_json::{json, Value};

use super::body::Captured;

/// Header values never written to the HAR (a HAR is meant to be kept and shared).
const SECRET_HEADERS: [&str; 4] = [
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
];

/// One finished exchange, as the proxy saw it.
#[derive(Debug, Clone)]
pub struct Record {
    /// When the request arrived.
    pub started: SystemTime,
    /// From the request's arrival to the response's end.
    pub time: Duration,
    /// Upper-case method.
    pub method: String,
    /// The URL the request went to (upstream), query included.
    pub url: String,
    /// `HTTP/1.1` and so on.
    pub http_version: String,
    /// The request's headers, as the client sent them.
    pub request_headers: Vec<(String, String)>,
    /// What the client sent.
    pub request_body: Captured,
    /// The status the client got; `None` when no response came.
    pub status: Option<u16>,
    /// The response's headers as the upstream sent them.
    pub response_headers: Vec<(String, String)>,
    /// The response body as the upstream sent it (before any link was rewritten).
    pub response_body: Captured,
    /// Why the exchange is unusual: refused by `--enforce`, upstream unreachable, a body
    /// over the cap.
    pub comment: Option<String>,
}

/// Writes a HAR log: the header first, an entry at a time, the end on [`HarWriter::finish`].
pub struct HarWriter<W: Write> {
    out: W,
    entries: usize,
}

impl<W: Write> HarWriter<W> {
    /// Starts the log.
    pub fn new(mut out: W) -> io::Result<HarWriter<W>> {
        let creator = json!({"name": "capi-contract proxy", "version": env!("CARGO_PKG_VERSION")});
        write!(
            out,
            "{{\"log\": {{\"version\": \"1.2\", \"creator\": {creator}, \"entries\": ["
        )?;
        out.flush()?;
        Ok(HarWriter { out, entries: 0 })
    }

    /// Adds an entry (flushed, so the file is useful while the proxy runs).
    pub fn entry(&mut self, entry: &Value) -> io::Result<()> {
        let separator = if self.entries == 0 { "\n" } else { ",\n" };
        self.entries += 1;
        write!(self.out, "{separator}{entry}")?;
        self.out.flush()
    }

    /// Closes the log.
    pub fn finish(mut self) -> io::Result<()> {
        write!(self.out, "\n]}}}}\n")?;
        self.out.flush()
    }
}

fn header_list(headers: &[(String, String)]) -> Value {
    Value::Array(
        headers
            .iter()
            .map(|(name, value)| {
                let value = if SECRET_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
                    capi_generator::traffic::redact::MASK
                } else {
                    value.as_str()
                };
                json!({"name": name, "value": value})
            })
            .collect(),
    )
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// A body as HAR text: UTF-8 as it is, anything else base64. Bodies cut at the cap are
/// left out (the size says how large they were): a partial body would be checked as a
/// broken one.
fn content(body: &Captured, mime: &str) -> Value {
    let mut node = json!({"size": body.size, "mimeType": mime});
    if body.truncated() || body.bytes.is_empty() {
        return node;
    }
    match std::str::from_utf8(&body.bytes) {
        Ok(text) => node["text"] = Value::from(text),
        Err(_) => {
            node["text"] =
                Value::from(base64::engine::general_purpose::STANDARD.encode(&body.bytes));
            node["encoding"] = Value::from("base64");
        }
    }
    node
}

/// The HAR entry of a record.
pub fn entry(record: &Record) -> Value {
    let (_, query) = capi_generator::traffic::split_url(&record.url);
    let request_mime = header(&record.request_headers, "content-type").unwrap_or_default();
    let mut request = json!({
        "method": record.method,
        "url": record.url,
        "httpVersion": record.http_version,
        "cookies": [],
        "headers": header_list(&record.request_headers),
        "queryString": query.iter().map(|(n, v)| json!({"name": n, "value": v})).collect::<Vec<_>>(),
        "headersSize": -1,
        "bodySize": record.request_body.size,
    });
    if record.request_body.size > 0 {
        request["postData"] = content(&record.request_body, request_mime);
    }
    let response_mime = header(&record.response_headers, "content-type").unwrap_or_default();
    let status = record.status.unwrap_or(0);
    let response = json!({
        "status": status,
        "statusText": http_reason(status),
        "httpVersion": record.http_version,
        "cookies": [],
        "headers": header_list(&record.response_headers),
        "content": content(&record.response_body, response_mime),
        "redirectURL": header(&record.response_headers, "location").unwrap_or_default(),
        "headersSize": -1,
        "bodySize": record.response_body.size,
    });
    let millis = record.time.as_secs_f64() * 1000.0;
    let mut entry = json!({
        "startedDateTime": rfc3339(record.started),
        "time": millis,
        "request": request,
        "response": response,
        "cache": {},
        "timings": {"send": 0, "wait": millis, "receive": 0},
    });
    if let Some(comment) = &record.comment {
        entry["comment"] = Value::from(comment.as_str());
    }
    entry
}

fn http_reason(status: u16) -> &'static str {
    http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("")
}

/// `2026-12-01T14:05:09.123Z`.
fn rfc3339(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let seconds = since.as_secs();
    let (days, rest) = ((seconds / 86_400) as i64, seconds % 86_400);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rest / 3600,
        rest / 60 % 60,
        rest % 60,
        since.subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_rfc3339() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let t = UNIX_EPOCH + Duration::from_millis(1_796_137_509_123);
        assert_eq!(rfc3339(t), "2026-12-01T15:05:09.123Z");
    }

    #[test]
    fn entries_mask_secrets_and_read_back_as_the_same_exchange() {
        let record = Record {
            started: UNIX_EPOCH,
            time: Duration::from_millis(3),
            method: "PATCH".into(),
            url: "https://api.example.com/v3/apps/a?x=1".into(),
            http_version: "HTTP/1.1".into(),
            request_headers: vec![
                ("authorization".into(), "bearer secret".into()),
                ("content-type".into(), "application/json".into()),
            ],
            request_body: Captured::whole(b"{\"name\":\"n\"}".to_vec()),
            status: Some(200),
            response_headers: vec![("content-type".into(), "application/json".into())],
            response_body: Captured::whole(vec![0xff, 0x00]),
            comment: None,
        };
        let entry = entry(&record);
        assert!(!entry.to_string().contains("secret"));
        let exchange =
            capi_generator::traffic::har::exchange(&entry, "p.har entry 1".into()).unwrap();
        assert_eq!(exchange.method, "PATCH");
        assert_eq!(
            exchange.request_body.as_deref(),
            Some(&b"{\"name\":\"n\"}"[..])
        );
        assert_eq!(exchange.response_body.as_deref(), Some(&[0xff, 0x00][..]));
        assert_eq!(exchange.query, vec![("x".to_string(), "1".to_string())]);
    }
}
