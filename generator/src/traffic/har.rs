//! HAR 1.2 captures (browser devtools, mitmproxy, Charles, proxies), read as a stream:
//! one entry at a time, so a capture of any size needs memory for one entry only.

use std::io::Read;

use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::{alphabet, Engine as _};

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
    let mut deserializer =
        serde_json::Deserializer::from_reader(std::io::BufReader::with_capacity(1 << 16, reader));
    let mut count = 0;
    let found_entries = Root {
        source,
        sink,
        count: &mut count,
    }
    .deserialize(&mut deserializer)
    .map_err(|e| format!("not a complete HAR document: {e}"))?;
    deserializer
        .end()
        .map_err(|e| format!("not a complete HAR document: {e}"))?;
    if !found_entries {
        return Err("not a HAR document: no `log.entries`".into());
    }
    Ok(count)
}

struct Root<'a, 'b> {
    source: &'a str,
    sink: &'b mut dyn FnMut(Result<Exchange, String>),
    count: &'b mut usize,
}

impl<'de> DeserializeSeed<'de> for Root<'_, '_> {
    type Value = bool;
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Root<'_, '_> {
    type Value = bool;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a HAR object with `log`")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let mut found = false;
        while let Some(key) = map.next_key::<String>()? {
            if key == "log" {
                found |= map.next_value_seed(Log {
                    source: self.source,
                    sink: &mut *self.sink,
                    count: &mut *self.count,
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

struct Log<'a, 'b> {
    source: &'a str,
    sink: &'b mut dyn FnMut(Result<Exchange, String>),
    count: &'b mut usize,
}

impl<'de> DeserializeSeed<'de> for Log<'_, '_> {
    type Value = bool;
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Log<'_, '_> {
    type Value = bool;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a HAR `log` object with `entries`")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let mut found = false;
        while let Some(key) = map.next_key::<String>()? {
            if key == "entries" {
                map.next_value_seed(Entries {
                    source: self.source,
                    sink: &mut *self.sink,
                    count: &mut *self.count,
                })?;
                found = true;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

struct Entries<'a, 'b> {
    source: &'a str,
    sink: &'b mut dyn FnMut(Result<Exchange, String>),
    count: &'b mut usize,
}

impl<'de> DeserializeSeed<'de> for Entries<'_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Entries<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of HAR entries")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(entry) = seq.next_element::<Value>()? {
            *self.count += 1;
            let source = format!("{} entry {}", self.source, *self.count);
            (self.sink)(exchange(&entry, source.clone()).map_err(|e| format!("{source}: {e}")));
        }
        Ok(())
    }
}

fn text<'a>(node: &'a Value, key: &str) -> Option<&'a str> {
    node.get(key).and_then(Value::as_str)
}

/// A header's value; HTTP/2 captures name headers in lower case and add pseudo-headers
/// (`:authority`, `:status`), which are never asked for here.
fn header<'a>(node: &'a Value, name: &str) -> Option<&'a str> {
    node.get("headers")?
        .as_array()?
        .iter()
        .find(|h| text(h, "name").is_some_and(|n| n.eq_ignore_ascii_case(name)))
        .and_then(|h| text(h, "value"))
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
fn stored(node: &Value) -> Result<Option<Vec<u8>>, String> {
    if let Some(content) = text(node, "text") {
        return match text(node, "encoding") {
            Some(encoding) if encoding.eq_ignore_ascii_case("base64") => decode_base64(content)
                .map(Some)
                .ok_or_else(|| "a body marked base64 is not base64".to_string()),
            _ => Ok(Some(content.as_bytes().to_vec())),
        };
    }
    let Some(params) = node.get("params").and_then(Value::as_array) else {
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
                form_encode(text(p, "name").unwrap_or_default()),
                form_encode(text(p, "value").unwrap_or_default())
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
fn not_saved(node: &Value, field: &str) -> String {
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
fn announced(response: &Value, content: Option<&Value>) -> bool {
    let positive = |v: Option<&Value>| v.and_then(Value::as_i64).is_some_and(|n| n > 0);
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

/// Converts one HAR entry into an exchange.
pub fn exchange(entry: &Value, source: String) -> Result<Exchange, String> {
    let request = entry.get("request").ok_or("no `request`")?;
    let method = text(request, "method")
        .or_else(|| header(request, ":method"))
        .ok_or("no `request.method`")?
        .to_ascii_uppercase();
    let url = text(request, "url").ok_or("no `request.url`")?.to_string();
    let (_, query) = split_url(&url);
    let post = request.get("postData");
    let request_content_type = header(request, "content-type")
        .or_else(|| post.and_then(|p| text(p, "mimeType")))
        .filter(|m| !m.is_empty())
        .map(str::to_string);
    let request_body = match post {
        None => Body::None,
        Some(post) => match stored(post)? {
            Some(bytes) => decoded(bytes, header(request, "content-encoding")),
            None if text(post, "comment").is_some() => {
                Body::Unavailable(not_saved(post, "postData.text"))
            }
            None => Body::None,
        },
    };
    let (request_body, request_body_unavailable) = split(request_body);
    let response = entry.get("response");
    let status = response
        .and_then(|r| r.get("status"))
        .and_then(Value::as_u64)
        .filter(|s| (100..600).contains(s));
    let content = response.and_then(|r| r.get("content"));
    let response_content_type = response
        .and_then(|r| header(r, "content-type"))
        .or_else(|| content.and_then(|c| text(c, "mimeType")))
        .filter(|m| !m.is_empty() && *m != "x-unknown")
        .map(str::to_string);
    let response_body = match (response, content) {
        (Some(response), Some(content)) if status.is_some() => match stored(content)? {
            Some(bytes) => decoded(bytes, header(response, "content-encoding")),
            None if announced(response, Some(content)) || text(content, "comment").is_some() => {
                Body::Unavailable(not_saved(content, "content.text"))
            }
            None => Body::None,
        },
        _ => Body::None,
    };
    let (response_body, response_body_unavailable) = split(response_body);
    Ok(Exchange {
        source,
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
