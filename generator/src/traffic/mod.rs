//! Contract checks on captured HTTP traffic: HAR files and cf CLI traces become
//! [`Exchange`]s, and each exchange is checked against the spec — operation, status,
//! content type, query parameters, request body and response body.

pub mod check;
pub mod coverage;
pub mod har;
pub mod notes;
pub mod redact;
pub mod routes;
pub mod trace;

pub use check::{check_exchange, CheckOptions, Checker};

/// One captured request and its response.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Exchange {
    /// Where it was captured, e.g. `capture.har entry 3` or `trace.txt:120`.
    pub source: String,
    /// Upper-case HTTP method.
    pub method: String,
    /// The URL or path as captured (query included).
    pub url: String,
    /// Decoded query parameters, in order.
    pub query: Vec<(String, String)>,
    /// The request's `Content-Type`, if any.
    pub request_content_type: Option<String>,
    /// The request body, if any.
    pub request_body: Option<Vec<u8>>,
    /// The response status; `None` when no response was captured.
    pub status: Option<u16>,
    /// The response's `Content-Type`, if any.
    pub response_content_type: Option<String>,
    /// The response body, if any.
    pub response_body: Option<Vec<u8>>,
    /// Why the capture shows a request body but does not hold it (hidden by the cf CLI,
    /// not saved by the HAR exporter, cut off, not decodable); `None` when
    /// `request_body` is all there was. Such a body is not checked, and no "no body"
    /// violation is reported for it.
    pub request_body_unavailable: Option<String>,
    /// Likewise for the response body.
    pub response_body_unavailable: Option<String>,
}

/// Splits a URL or path into its path and decoded query parameters.
pub fn split_url(url: &str) -> (String, Vec<(String, String)>) {
    let without_fragment = url.split('#').next().unwrap_or_default();
    let (path, query) = without_fragment
        .split_once('?')
        .unwrap_or((without_fragment, ""));
    let path = crate::validate::target::path_of(path).to_string();
    let query = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(name), percent_decode(value))
        })
        .collect();
    (path, query)
}

/// Decodes `%XX` escapes and `+` (as a space) in a query component; invalid escapes and
/// bytes that are not UTF-8 are kept as they are.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(high), Some(low)) => {
                    out.push(high * 16 + low);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

fn hex(byte: u8) -> Option<u8> {
    (byte as char).to_digit(16).map(|d| d as u8)
}

/// Whether a `Content-Type` is JSON (`application/json`, `…+json`, with parameters).
pub fn is_json(content_type: &str) -> bool {
    let media = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    media == "application/json" || media.ends_with("+json")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_path_and_decoded_query() {
        let (path, query) =
            split_url("https://api.example.org/v3/apps?names=a%2Cb,c&per_page=5&x#frag");
        assert_eq!(path, "/v3/apps");
        assert_eq!(
            query,
            vec![
                ("names".into(), "a,b,c".into()),
                ("per_page".into(), "5".into()),
                ("x".into(), "".into())
            ]
        );
        assert_eq!(percent_decode("created_ats%5Blt%5D"), "created_ats[lt]");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz+%41"), "%zz A");
    }

    #[test]
    fn json_content_types() {
        assert!(is_json("application/json; charset=utf-8"));
        assert!(is_json("application/vnd.api+json"));
        assert!(!is_json("text/html"));
    }
}
