//! cf CLI traces (`CF_TRACE=true`, `cf … -v`): `REQUEST:` and `RESPONSE:` blocks with
//! their headers and bodies, found among the CLI's ordinary output.

use serde_json::Value;

use super::{split_url, Exchange};

struct Block {
    line: usize,
    start_line: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
}

/// Reads every exchange of a trace, in order. A `RESPONSE:` without a `REQUEST:` before
/// it, or a block that cannot be read, is an `Err` naming its line; the rest go on.
pub fn parse(text: &str, source: &str) -> Vec<Result<Exchange, String>> {
    let lines: Vec<(usize, &str)> = line_offsets(text);
    let mut exchanges = Vec::new();
    let mut pending: Option<Block> = None;
    let mut i = 0;
    while i < lines.len() {
        let (_, line) = lines[i];
        let marker = line.trim_start();
        if marker.starts_with("REQUEST:") || marker.starts_with("RESPONSE:") {
            let is_request = marker.starts_with("REQUEST:");
            let (block, next) = read_block(text, &lines, i);
            i = next;
            if is_request {
                if let Some(unanswered) = pending.take() {
                    exchanges.push(to_exchange(unanswered, None, source));
                }
                pending = Some(block);
            } else {
                match pending.take() {
                    Some(request) => exchanges.push(to_exchange(request, Some(block), source)),
                    None => exchanges.push(Err(format!(
                        "{source}:{}: a RESPONSE with no REQUEST before it",
                        block.line
                    ))),
                }
            }
            continue;
        }
        i += 1;
    }
    if let Some(unanswered) = pending {
        exchanges.push(to_exchange(unanswered, None, source));
    }
    exchanges
}

fn line_offsets(text: &str) -> Vec<(usize, &str)> {
    let mut offset = 0;
    text.split_inclusive('\n')
        .map(|line| {
            let start = offset;
            offset += line.len();
            (start, line.trim_end_matches(['\n', '\r']))
        })
        .collect()
}

/// Reads the block whose marker is at line `at`: the start line, headers to the first
/// blank line, then a body — a JSON value (however many lines), or non-JSON text up to
/// the next blank line or marker. Returns the block and the index of the next line.
fn read_block(text: &str, lines: &[(usize, &str)], at: usize) -> (Block, usize) {
    let mut i = at + 1;
    while i < lines.len() && lines[i].1.trim().is_empty() {
        i += 1;
    }
    let start_line = lines
        .get(i)
        .map(|(_, l)| l.trim().to_string())
        .unwrap_or_default();
    i += 1;
    let mut headers = Vec::new();
    while i < lines.len() && !lines[i].1.trim().is_empty() && !is_marker(lines[i].1) {
        if let Some((name, value)) = lines[i].1.split_once(':') {
            headers.push((name.trim().to_string(), value.trim().to_string()));
        }
        i += 1;
    }
    while i < lines.len() && lines[i].1.trim().is_empty() {
        i += 1;
    }
    let mut body = None;
    if i < lines.len() && !is_marker(lines[i].1) {
        let (offset, first) = lines[i];
        let trimmed = first.trim_start();
        if trimmed.starts_with('{') || trimmed.starts_with('[') {
            let start = offset + (first.len() - trimmed.len());
            let mut values =
                serde_json::Deserializer::from_str(&text[start..]).into_iter::<Value>();
            match values.next() {
                Some(Ok(_)) => {
                    let end = start + values.byte_offset();
                    body = Some(text.as_bytes()[start..end].to_vec());
                    while i < lines.len() && lines[i].0 < end {
                        i += 1;
                    }
                }
                _ => {
                    let (taken, next) = until_blank(lines, i);
                    body = Some(taken.into_bytes());
                    i = next;
                }
            }
        } else if looks_like_body(&headers) {
            let (taken, next) = until_blank(lines, i);
            body = Some(taken.into_bytes());
            i = next;
        }
    }
    (
        Block {
            line: at + 1,
            start_line,
            headers,
            body,
        },
        i,
    )
}

fn until_blank(lines: &[(usize, &str)], mut i: usize) -> (String, usize) {
    let mut taken = Vec::new();
    while i < lines.len() && !lines[i].1.trim().is_empty() && !is_marker(lines[i].1) {
        taken.push(lines[i].1);
        i += 1;
    }
    (taken.join("\n"), i)
}

/// A block whose headers announce a body that is not JSON (an HTML error page, a form).
fn looks_like_body(headers: &[(String, String)]) -> bool {
    headers.iter().any(|(name, value)| {
        (name.eq_ignore_ascii_case("content-length") && value.trim() != "0")
            || name.eq_ignore_ascii_case("content-type")
    })
}

fn is_marker(line: &str) -> bool {
    let line = line.trim_start();
    line.starts_with("REQUEST:") || line.starts_with("RESPONSE:")
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn to_exchange(request: Block, response: Option<Block>, source: &str) -> Result<Exchange, String> {
    let at = format!("{source}:{}", request.line);
    let mut parts = request.start_line.split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return Err(format!(
            "{at}: expected a request line such as `GET /v3/apps HTTP/1.1`, found `{}`",
            request.start_line
        ));
    };
    let url = match header(&request.headers, "host") {
        Some(host) if target.starts_with('/') => format!("https://{host}{target}"),
        _ => target.to_string(),
    };
    let (_, query) = split_url(&url);
    let status = match &response {
        Some(response) => {
            let code = response
                .start_line
                .split_whitespace()
                .nth(1)
                .and_then(|c| c.parse::<u16>().ok());
            match code {
                Some(code) => Some(code),
                None => {
                    return Err(format!(
                        "{source}:{}: expected a status line such as `HTTP/1.1 200 OK`, found `{}`",
                        response.line, response.start_line
                    ))
                }
            }
        }
        None => None,
    };
    Ok(Exchange {
        source: at,
        method: method.to_ascii_uppercase(),
        url,
        query,
        request_content_type: header(&request.headers, "content-type").map(str::to_string),
        request_body: request.body,
        status,
        response_content_type: response
            .as_ref()
            .and_then(|r| header(&r.headers, "content-type"))
            .map(str::to_string),
        response_body: response.and_then(|r| r.body),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRACE: &str = "Getting apps as admin...\n\
REQUEST: [2026-11-01T10:00:00Z]\n\
GET /v3/apps?names=my-app&per_page=5000 HTTP/1.1\n\
Host: api.example.org\n\
Accept: application/json\n\
Authorization: [PRIVATE DATA HIDDEN]\n\
\n\
RESPONSE: [2026-11-01T10:00:01Z]\n\
HTTP/1.1 200 OK\n\
Content-Type: application/json; charset=utf-8\n\
\n\
{\n  \"resources\": [],\n  \"x\": \"REQUEST: not a marker\"\n}\n\
\n\
name   requested state\n\
REQUEST: [2026-11-01T10:00:02Z]\n\
PATCH /v3/processes/abc HTTP/1.1\n\
Host: api.example.org\n\
Content-Type: application/json\n\
\n\
{\"command\": null}\n\
\n\
RESPONSE: [2026-11-01T10:00:03Z]\n\
HTTP/1.1 404 Not Found\n\
Content-Type: text/html\n\
\n\
<html><body>404 Not Found</body></html>\n\
\n\
OK\n";

    #[test]
    fn finds_exchanges_among_cli_output() {
        let found = parse(TRACE, "t.txt");
        assert_eq!(found.len(), 2, "{found:?}");
        let first = found[0].as_ref().unwrap();
        assert_eq!(
            first.url,
            "https://api.example.org/v3/apps?names=my-app&per_page=5000"
        );
        assert_eq!(first.status, Some(200));
        let body: Value = serde_json::from_slice(first.response_body.as_ref().unwrap()).unwrap();
        assert_eq!(body["x"], "REQUEST: not a marker");
        let second = found[1].as_ref().unwrap();
        assert_eq!(second.source, "t.txt:18");
        assert_eq!(
            second.request_body.as_deref(),
            Some(&br#"{"command": null}"#[..])
        );
        assert_eq!(
            second.response_body.as_deref(),
            Some(&b"<html><body>404 Not Found</body></html>"[..])
        );
    }

    #[test]
    fn no_exchanges_and_orphans() {
        assert!(parse("cf version 8.7.0\nOK\n", "t").is_empty());
        let orphan = parse("RESPONSE: [x]\nHTTP/1.1 200 OK\n\n", "t");
        assert_eq!(
            orphan[0].as_ref().unwrap_err(),
            "t:1: a RESPONSE with no REQUEST before it"
        );
    }
}
