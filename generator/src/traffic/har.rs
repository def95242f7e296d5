//! HAR 1.2 captures (browser devtools, mitmproxy, Charles, proxies), read as a stream:
//! one entry at a time, so a capture of any size needs memory for one entry only.

use std::io::Read;

use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::{base64, split_url, Exchange};

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

fn header<'a>(node: &'a Value, name: &str) -> Option<&'a str> {
    node.get("headers")?
        .as_array()?
        .iter()
        .find(|h| text(h, "name").is_some_and(|n| n.eq_ignore_ascii_case(name)))
        .and_then(|h| text(h, "value"))
}

/// A body from a HAR `postData` or `content` object.
fn body(node: Option<&Value>) -> Result<Option<Vec<u8>>, String> {
    let Some(node) = node else { return Ok(None) };
    let Some(content) = text(node, "text") else {
        return Ok(None);
    };
    match text(node, "encoding") {
        Some("base64") => base64::decode(content)
            .map(Some)
            .ok_or_else(|| "a body marked base64 is not base64".to_string()),
        _ => Ok(Some(content.as_bytes().to_vec())),
    }
}

/// Converts one HAR entry into an exchange.
pub fn exchange(entry: &Value, source: String) -> Result<Exchange, String> {
    let request = entry.get("request").ok_or("no `request`")?;
    let method = text(request, "method")
        .ok_or("no `request.method`")?
        .to_ascii_uppercase();
    let url = text(request, "url").ok_or("no `request.url`")?.to_string();
    let (_, query) = split_url(&url);
    let post = request.get("postData");
    let request_content_type = header(request, "content-type")
        .or_else(|| post.and_then(|p| text(p, "mimeType")))
        .map(str::to_string);
    let request_body = body(post)?.filter(|b| !b.is_empty());
    let response = entry.get("response");
    let status = response
        .and_then(|r| r.get("status"))
        .and_then(Value::as_u64)
        .filter(|s| (100..600).contains(s));
    let content = response.and_then(|r| r.get("content"));
    let response_content_type = response
        .and_then(|r| header(r, "content-type"))
        .or_else(|| content.and_then(|c| text(c, "mimeType")))
        .filter(|m| !m.is_empty())
        .map(str::to_string);
    let response_body = body(content)?.filter(|b| !b.is_empty());
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
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
