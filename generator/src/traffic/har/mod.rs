//! HAR 1.2 captures (browser devtools, mitmproxy, Charles, proxies), read as a stream:
//! one entry at a time, so a capture of any size needs memory for one entry only. The
//! reader only finds where each entry is ([`entries`]); turning one into an exchange
//! ([`RawEntry::exchange`]) can happen on another thread.

mod entries;

use std::borrow::Cow;
use std::io::Read;

use jsonschema::json::{Array as _, JsonNumber as _, Node as _, Object as _};
use serde_json::Value;

use crate::validate::fast::{self, TapeNode};

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::{alphabet, Engine as _};

pub use entries::{entries, RawEntry};

use super::{split_url, Exchange};

/// Reads a HAR document from `reader`, handing each entry to `sink` as it is read: an
/// exchange, or why the entry cannot be one (one broken entry does not stop the rest).
/// `Err` says why the document itself could not be read to the end (e.g. it is
/// truncated); entries before that point have already been handed over.
pub fn read<R: Read>(
    reader: R,
    source: &str,
    sink: &mut dyn FnMut(Result<Exchange, String>),
) -> Result<usize, String> {
    entries(reader, &mut |entry| sink(entry.exchange(source)))
}

impl RawEntry {
    /// The exchange this entry records, named `{capture} entry {number}`; or why it is
    /// not one.
    pub fn exchange(&self, capture: &str) -> Result<Exchange, String> {
        let source = format!("{capture} entry {}", self.number);
        let read = |found: Result<Exchange, String>| found.map_err(|e| format!("{source}: {e}"));
        if let Some(found) = fast::with_tape(&self.bytes, |root| exchange_of(root, &source)) {
            return read(found);
        }
        // The tape refused it or might not read it as serde_json does: serde_json decides,
        // and says why when it is not JSON.
        let entry: Value = serde_json::from_slice(&self.bytes).map_err(|error| {
            let (line, column) = if error.line() <= 1 {
                (self.line, self.column + error.column().saturating_sub(1))
            } else {
                (self.line + error.line() - 1, error.column())
            };
            format!(
                "{source}: not JSON: {} at line {line} column {column}",
                entries::without_position(&error)
            )
        })?;
        read(exchange_of(&entry, &source))
    }
}

/// A value of a parsed entry: on the simd-json tape (most entries) or in serde_json's
/// `Value`; what an exchange is made of is read the same way from either.
trait Field<'a>: Sized + Clone {
    fn get(&self, key: &str) -> Option<Self>;
    fn text(&self) -> Option<Cow<'a, str>>;
    fn items(&self) -> Vec<Self>;
    fn unsigned(&self) -> Option<u64>;
    fn signed(&self) -> Option<i64>;
}

impl<'a> Field<'a> for TapeNode<'a> {
    fn get(&self, key: &str) -> Option<Self> {
        // The tape holds no object with a key twice, so the first match is the only one.
        self.as_object()?
            .members()
            .find(|(name, _)| *name == key)
            .map(|(_, value)| value)
    }
    fn text(&self) -> Option<Cow<'a, str>> {
        self.as_string()
    }
    fn items(&self) -> Vec<Self> {
        self.as_array()
            .map(|a| a.elements().collect())
            .unwrap_or_default()
    }
    fn unsigned(&self) -> Option<u64> {
        self.as_number()?.as_u64()
    }
    fn signed(&self) -> Option<i64> {
        self.as_number()?.as_i64()
    }
}

impl<'a> Field<'a> for &'a Value {
    fn get(&self, key: &str) -> Option<Self> {
        Value::get(self, key)
    }
    fn text(&self) -> Option<Cow<'a, str>> {
        self.as_str().map(Cow::Borrowed)
    }
    fn items(&self) -> Vec<Self> {
        self.as_array()
            .map(|a| a.iter().collect())
            .unwrap_or_default()
    }
    fn unsigned(&self) -> Option<u64> {
        self.as_u64()
    }
    fn signed(&self) -> Option<i64> {
        self.as_i64()
    }
}

fn text<'a>(node: &impl Field<'a>, key: &str) -> Option<Cow<'a, str>> {
    node.get(key)?.text()
}

/// A header's value; HTTP/2 captures name headers in lower case and add pseudo-headers
/// (`:authority`, `:status`), which are never asked for here.
fn header<'a>(node: &impl Field<'a>, name: &str) -> Option<Cow<'a, str>> {
    node.get("headers")?
        .items()
        .into_iter()
        .find(|h| text(h, "name").is_some_and(|n| n.eq_ignore_ascii_case(name)))
        .and_then(|h| text(&h, "value"))
}

/// Base64 as HAR exporters write it: padded or not, line-wrapped or not, in the standard
/// or the URL-safe alphabet; `None` for anything else.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true);
    const STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT);
    const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT);
    let compact: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    STANDARD
        .decode(&compact)
        .or_else(|_| URL_SAFE.decode(&compact))
        .ok()
}

/// A body as a HAR `postData` or `content` object holds it.
enum Body {
    None,
    Bytes(Vec<u8>),
    /// There was a body, but the capture does not hold it (or it cannot be decoded); why.
    Unavailable(String),
}

/// The bytes of a `postData` or `content` object's `text` (base64 when `encoding` says
/// so), or of `postData.params` when `text` is absent (as some exporters write forms).
fn stored<'a>(node: &impl Field<'a>) -> Result<Option<Vec<u8>>, String> {
    if let Some(content) = text(node, "text") {
        return match text(node, "encoding") {
            Some(encoding) if encoding.eq_ignore_ascii_case("base64") => decode_base64(&content)
                .map(Some)
                .ok_or_else(|| "a body marked base64 is not base64".to_string()),
            _ => Ok(Some(content.into_owned().into_bytes())),
        };
    }
    let Some(params) = node.get("params").map(|p| p.items()) else {
        return Ok(None);
    };
    if params.is_empty() {
        return Ok(None);
    }
    let form = params
        .iter()
        .map(|p| {
            format!(
                "{}={}",
                form_encode(&text(p, "name").unwrap_or_default()),
                form_encode(&text(p, "value").unwrap_or_default())
            )
        })
        .collect::<Vec<_>>()
        .join("&");
    Ok(Some(form.into_bytes()))
}

fn form_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                out.push(byte as char)
            }
            b' ' => out.push('+'),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

/// Why a HAR holds no text for a body that was there.
fn not_saved<'a>(node: &impl Field<'a>, field: &str) -> String {
    let mut why = format!(
        "not captured: the HAR entry has no `{field}` (the exporter did not save the body)"
    );
    if let Some(comment) = text(node, "comment").filter(|c| !c.trim().is_empty()) {
        why.push_str(&format!("; the exporter says: {:?}", comment.trim()));
    }
    why
}

/// Undoes a `Content-Encoding` the exporter left on the body (most exporters store the
/// decoded body; some store the bytes as they came, base64-encoded). Text is taken as
/// already decoded.
fn decoded(bytes: Vec<u8>, content_encoding: Option<&str>) -> Body {
    let gzip_magic = bytes.starts_with(&[0x1f, 0x8b]);
    if std::str::from_utf8(&bytes).is_ok() && !gzip_magic {
        return Body::Bytes(bytes);
    }
    let encoding = content_encoding
        .map(|e| e.trim().to_ascii_lowercase())
        .or_else(|| gzip_magic.then(|| "gzip".to_string()));
    let Some(encoding) = encoding else {
        return Body::Bytes(bytes);
    };
    let mut out = Vec::new();
    let result = match encoding.as_str() {
        "gzip" | "x-gzip" => {
            std::io::Read::read_to_end(&mut flate2::read::MultiGzDecoder::new(&bytes[..]), &mut out)
        }
        "deflate" => {
            // `deflate` is zlib-wrapped by the standard, raw by some servers.
            let zlib = std::io::Read::read_to_end(
                &mut flate2::read::ZlibDecoder::new(&bytes[..]),
                &mut out,
            );
            zlib.or_else(|_| {
                out.clear();
                std::io::Read::read_to_end(
                    &mut flate2::read::DeflateDecoder::new(&bytes[..]),
                    &mut out,
                )
            })
        }
        "br" => std::io::Read::read_to_end(
            &mut brotli_decompressor::Decompressor::new(&bytes[..], 1 << 12),
            &mut out,
        ),
        "identity" => return Body::Bytes(bytes),
        other => {
            return Body::Unavailable(format!(
                "stored compressed (Content-Encoding: {other}), which this tool does not decode"
            ))
        }
    };
    match result {
        Ok(_) => Body::Bytes(out),
        Err(error) => Body::Unavailable(format!(
            "stored compressed (Content-Encoding: {encoding}) and could not be decoded: {error}"
        )),
    }
}

/// Whether a response's sizes announce a body (HAR `content.size`, `bodySize`, or a
/// `Content-Length` header).
fn announced<'a, F: Field<'a>>(response: &F, content: Option<&F>) -> bool {
    let positive = |v: Option<F>| v.and_then(|v| v.signed()).is_some_and(|n| n > 0);
    positive(content.and_then(|c| c.get("size")))
        || positive(response.get("bodySize"))
        || header(response, "content-length")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .is_some_and(|n| n > 0)
}

fn split(body: Body) -> (Option<Vec<u8>>, Option<String>) {
    match body {
        Body::None => (None, None),
        Body::Bytes(bytes) if bytes.is_empty() => (None, None),
        Body::Bytes(bytes) => (Some(bytes), None),
        Body::Unavailable(why) => (None, Some(why)),
    }
}

/// Converts one HAR entry into an exchange named `source`.
pub fn exchange(entry: &Value, source: String) -> Result<Exchange, String> {
    exchange_of(entry, &source)
}

fn exchange_of<'a>(entry: impl Field<'a>, source: &str) -> Result<Exchange, String> {
    let request = entry.get("request").ok_or("no `request`")?;
    let method = text(&request, "method")
        .or_else(|| header(&request, ":method"))
        .ok_or("no `request.method`")?
        .to_ascii_uppercase();
    let url = text(&request, "url")
        .ok_or("no `request.url`")?
        .into_owned();
    let (_, query) = split_url(&url);
    let post = request.get("postData");
    let request_content_type = header(&request, "content-type")
        .or_else(|| post.as_ref().and_then(|p| text(p, "mimeType")))
        .filter(|m| !m.is_empty())
        .map(Cow::into_owned);
    let request_body = match post {
        None => Body::None,
        Some(post) => match stored(&post)? {
            Some(bytes) => decoded(bytes, header(&request, "content-encoding").as_deref()),
            None if text(&post, "comment").is_some() => {
                Body::Unavailable(not_saved(&post, "postData.text"))
            }
            None => Body::None,
        },
    };
    let (request_body, request_body_unavailable) = split(request_body);
    let response = entry.get("response");
    let status = response
        .as_ref()
        .and_then(|r| r.get("status"))
        .and_then(|s| s.unsigned())
        .filter(|s| (100..600).contains(s));
    let content = response.as_ref().and_then(|r| r.get("content"));
    let response_content_type = response
        .as_ref()
        .and_then(|r| header(r, "content-type"))
        .or_else(|| content.as_ref().and_then(|c| text(c, "mimeType")))
        .filter(|m| !m.is_empty() && *m != "x-unknown")
        .map(Cow::into_owned);
    let response_body = match (response, content) {
        (Some(response), Some(content)) if status.is_some() => match stored(&content)? {
            Some(bytes) => decoded(bytes, header(&response, "content-encoding").as_deref()),
            None if announced(&response, Some(&content)) || text(&content, "comment").is_some() => {
                Body::Unavailable(not_saved(&content, "content.text"))
            }
            None => Body::None,
        },
        _ => Body::None,
    };
    let (response_body, response_body_unavailable) = split(response_body);
    Ok(Exchange {
        source: source.to_string(),
        method,
        url,
        query,
        request_content_type,
        request_body,
        status: status.map(|s| s as u16),
        response_content_type,
        response_body,
        request_body_unavailable,
        response_body_unavailable,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn base64_bodies_decode_as_exporters_write_them() {
        assert_eq!(decode_base64("eyJhIjoxfQ==").unwrap(), br#"{"a":1}"#);
        assert_eq!(decode_base64("Zm9v\nYmFy").unwrap(), b"foobar");
        assert_eq!(decode_base64("Zg").unwrap(), b"f");
        assert_eq!(decode_base64("-_8=").unwrap(), [0xfb, 0xff]);
        assert!(decode_base64("not base64!").is_none());
    }

    fn collect(text: &str) -> (Vec<Result<Exchange, String>>, Result<usize, String>) {
        let mut found = Vec::new();
        let result = read(text.as_bytes(), "t.har", &mut |e| found.push(e));
        (found, result)
    }

    #[test]
    fn reads_entries_one_by_one() {
        let har = r#"{"log": {"version": "1.2", "creator": {}, "entries": [
            {"request": {"method": "get", "url": "https://api.example.org/v3/apps?per_page=2", "headers": []},
             "response": {"status": 200, "headers": [{"name": "Content-Type", "value": "application/json"}],
                          "content": {"mimeType": "application/json", "text": "eyJhIjoxfQ==", "encoding": "base64"}}},
            {"response": {"status": 200}},
            {"request": {"method": "PATCH", "url": "/v3/apps/x", "postData": {"mimeType": "application/json", "text": "{}"}},
             "response": {"status": 0}}
        ]}}"#;
        let (found, result) = collect(har);
        assert_eq!(result, Ok(3));
        let first = found[0].as_ref().unwrap();
        assert_eq!((first.method.as_str(), first.status), ("GET", Some(200)));
        assert_eq!(first.response_body.as_deref(), Some(&br#"{"a":1}"#[..]));
        assert_eq!(first.query, vec![("per_page".to_string(), "2".to_string())]);
        assert_eq!(
            found[1].as_ref().unwrap_err(),
            "t.har entry 2: no `request`"
        );
        let third = found[2].as_ref().unwrap();
        assert_eq!(
            (third.status, third.request_body.as_deref()),
            (None, Some(&b"{}"[..]))
        );
    }

    #[test]
    fn a_truncated_capture_keeps_what_came_before() {
        let (found, result) = collect(
            r#"{"log": {"entries": [{"request": {"method": "GET", "url": "/v3/apps"}}, {"request": {"met"#,
        );
        assert_eq!(found.len(), 1);
        assert!(result
            .unwrap_err()
            .starts_with("not a complete HAR document: EOF while parsing"));
        assert_eq!(
            collect(r#"{"other": 1}"#).1.unwrap_err(),
            "not a HAR document: no `log.entries`"
        );
    }

    #[test]
    fn an_entry_that_is_not_json_stops_nothing_else() {
        let (found, result) = collect(
            "{\"log\": {\"entries\": [\n  {\"request\": {\"method\": \"GET\" \"url\": \"/v3\"}},\n  {\"request\": {\"method\": \"GET\", \"url\": \"/v3\"}}]}}",
        );
        assert_eq!(result, Ok(2));
        assert_eq!(
            found[0].as_ref().unwrap_err(),
            "t.har entry 1: not JSON: expected `,` or `}` at line 2 column 32"
        );
        assert_eq!(found[1].as_ref().unwrap().url, "/v3");
    }

    fn response_with(content: Value, encoding: Option<&str>) -> Exchange {
        let mut headers = vec![json!({"name": "content-type", "value": "application/json"})];
        if let Some(encoding) = encoding {
            headers.push(json!({"name": "content-encoding", "value": encoding}));
        }
        let entry = json!({"request": {"method": "GET", "url": "/v3/apps"},
            "response": {"status": 200, "headers": headers, "content": content}});
        exchange(&entry, "e".into()).unwrap()
    }

    #[test]
    fn compressed_bodies_are_decoded() {
        for (encoding, stored) in [
            ("br", "CwOAeyJhIjoxfQM="),
            ("deflate", "eJyrVkpUsjKsBQAIKgIJ"),
            // Chrome keeps the header but stores the decoded text.
            ("gzip", "eyJhIjoxfQ=="),
        ] {
            let found = response_with(
                json!({"text": stored, "encoding": "base64"}),
                Some(encoding),
            );
            assert_eq!(
                found.response_body.as_deref(),
                Some(&br#"{"a":1}"#[..]),
                "{encoding}"
            );
        }
        let zstd = response_with(
            json!({"text": "KLUv/QBYOQAAeyJhIjoxfQ==", "encoding": "base64"}),
            Some("zstd"),
        );
        assert_eq!(zstd.response_body, None);
        assert_eq!(
            zstd.response_body_unavailable.as_deref(),
            Some("stored compressed (Content-Encoding: zstd), which this tool does not decode")
        );
        let corrupt = response_with(
            json!({"text": "H4sIAAAA", "encoding": "base64"}),
            Some("gzip"),
        );
        assert!(corrupt
            .response_body_unavailable
            .unwrap()
            .starts_with("stored compressed (Content-Encoding: gzip) and could not be decoded"));
    }

    #[test]
    fn bodies_not_saved_are_not_missing_bodies() {
        let kept_none = response_with(json!({"size": 120, "mimeType": "application/json"}), None);
        assert_eq!(kept_none.response_body, None);
        assert!(kept_none
            .response_body_unavailable
            .unwrap()
            .starts_with("not captured"));
        let empty = response_with(json!({"size": 0, "mimeType": "x-unknown"}), None);
        assert_eq!(
            (empty.response_body, empty.response_body_unavailable),
            (None, None)
        );
        let firefox = response_with(
            json!({"size": 0, "comment": "Response bodies are not included."}),
            None,
        );
        assert!(firefox
            .response_body_unavailable
            .unwrap()
            .ends_with("\"Response bodies are not included.\""));
        let form = exchange(
            &json!({"request": {"method": "POST", "url": "/oauth/token", "postData": {"mimeType": "application/x-www-form-urlencoded",
                "params": [{"name": "grant_type", "value": "password"}, {"name": "scope", "value": "a b/c"}]}}}),
            "e".into(),
        )
        .unwrap();
        assert_eq!(
            form.request_body.as_deref(),
            Some(&b"grant_type=password&scope=a+b%2Fc"[..])
        );
        assert_eq!(
            form.request_content_type.as_deref(),
            Some("application/x-www-form-urlencoded")
        );
    }
}
