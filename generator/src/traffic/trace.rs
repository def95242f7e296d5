//! cf CLI traces (`cf … -v`, `CF_TRACE=true`, `CF_TRACE=/path/file`), read the way the
//! cf CLI writes them, found among the command's own output.
//!
//! The shapes, from the cf CLI's source (`api/*/wrapper/request_logger.go`,
//! `util/ui/request_logger_{terminal_display,file_writer}.go`, `cf/net/request_dumper.go`):
//!
//! - **v7 and later (and v6's newer commands)**: a `REQUEST: [RFC 3339 time]` line (bold
//!   on a colour terminal), the request line, `Host: …`, the headers sorted by name, then
//!   the body *directly after the last header*: JSON re-indented (keys sorted, values of
//!   keys matching `token|password` replaced by `[PRIVATE DATA HIDDEN]`), or a message
//!   (`[application/x-www-form-urlencoded …]`, `[<type> Content Hidden]`, which the CLI
//!   also writes for a JSON request without a body, `[application/x-yaml Content
//!   Hidden]`, UAA's `[PRIVATE DATA HIDDEN]`, the plugin API's `[NON-JSON BODY CONTENT
//!   HIDDEN]`), or the raw text of a body that is not JSON. An empty body writes nothing.
//!   Each block ends with one newline (the terminal writes one more after a JSON body).
//!   `RESPONSE:` blocks have the same shape with a status line.
//! - **v6's legacy commands** (`cf/net`): a blank line before each marker; requests
//!   print `Host: <host>` *without* a line break, so the first header is glued to it
//!   (`Host: api.example.orgAccept: application/json`), then a blank line, then the
//!   body; responses are Go's `httputil.DumpResponse` (CRLF line ends, a blank line,
//!   the body as received, chunked when Go decoded a compressed body).
//!
//! Markers may follow a prompt on the same line (`Password> REQUEST: […]`).

use std::borrow::Cow;

use serde::de::IgnoredAny;

use super::{split_url, Exchange};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Request,
    Response,
}

/// A body as a block shows it.
#[derive(Debug, Default)]
enum Body {
    /// There was none.
    #[default]
    None,
    /// These bytes.
    Bytes(Vec<u8>),
    /// There was one, but the trace does not hold it; why.
    Unavailable(String),
}

struct Block {
    line: usize,
    start_line: String,
    headers: Vec<(String, String)>,
    body: Body,
    legacy: bool,
}

struct Line<'t> {
    offset: usize,
    text: &'t str,
    crlf: bool,
}

impl Line<'_> {
    fn is_blank(&self) -> bool {
        self.text.trim().is_empty()
    }
}

/// Decodes a trace file's bytes: UTF-8 (a byte-order mark is dropped), or UTF-16 with a
/// byte-order mark (what Windows PowerShell's `>` writes); anything else is read as
/// UTF-8 with invalid bytes replaced.
pub fn decode(bytes: &[u8]) -> Cow<'_, str> {
    let utf16 = |big: bool, rest: &[u8]| {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|pair| {
                if big {
                    u16::from_be_bytes([pair[0], pair[1]])
                } else {
                    u16::from_le_bytes([pair[0], pair[1]])
                }
            })
            .collect();
        Cow::Owned(String::from_utf16_lossy(&units))
    };
    match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => String::from_utf8_lossy(rest),
        [0xFF, 0xFE, rest @ ..] => utf16(false, rest),
        [0xFE, 0xFF, rest @ ..] => utf16(true, rest),
        _ => String::from_utf8_lossy(bytes),
    }
}

/// Reads every exchange of a trace, in order; each exchange's source is
/// `source:LINE`, the line of its `REQUEST:` marker. A `RESPONSE:` without a `REQUEST:`
/// before it, or a block that cannot be read, is an `Err` naming its line; the rest go
/// on. Responses are paired with the request just before them, as the cf CLI writes
/// them (a request with no answer, such as a refused connection, has no `RESPONSE:`).
pub fn parse(text: &str, source: &str) -> Vec<Result<Exchange, String>> {
    let lines = split_lines(text);
    // CRLF marks v6's httputil dumps, unless every line has it (a file rewritten on
    // Windows, e.g. by PowerShell).
    let crlf_tells = lines.iter().any(|l| !l.crlf && !l.text.is_empty());
    let mut exchanges = Vec::new();
    let mut pending: Option<Block> = None;
    let mut i = 0;
    while i < lines.len() {
        let Some(kind) = marker(lines[i].text) else {
            i += 1;
            continue;
        };
        let legacy_hint = kind == Kind::Response && pending.as_ref().is_some_and(|p| p.legacy);
        let (block, next) = read_block(text, &lines, i, kind, legacy_hint, crlf_tells);
        i = next.max(i + 1);
        match kind {
            Kind::Request => {
                if let Some(unanswered) = pending.take() {
                    exchanges.push(to_exchange(unanswered, None, source));
                }
                pending = Some(block);
            }
            Kind::Response => match pending.take() {
                Some(request) => exchanges.push(to_exchange(request, Some(block), source)),
                None => exchanges.push(Err(format!(
                    "{source}:{}: a RESPONSE with no REQUEST before it",
                    block.line
                ))),
            },
        }
    }
    if let Some(unanswered) = pending {
        exchanges.push(to_exchange(unanswered, None, source));
    }
    exchanges
}

fn split_lines(text: &str) -> Vec<Line<'_>> {
    let mut offset = 0;
    text.split_inclusive('\n')
        .map(|line| {
            let start = offset;
            offset += line.len();
            let without_lf = line.strip_suffix('\n').unwrap_or(line);
            let crlf = without_lf.ends_with('\r');
            Line {
                offset: start,
                text: without_lf.strip_suffix('\r').unwrap_or(without_lf),
                crlf,
            }
        })
        .collect()
}

/// Removes ANSI escape sequences (`ESC [ … letter`), as a colour terminal shows them.
fn strip_ansi(line: &str) -> Cow<'_, str> {
    if !line.contains('\u{1b}') {
        return Cow::Borrowed(line);
    }
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            chars.next();
            for next in chars.by_ref() {
                if next.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A `REQUEST: [time]` or `RESPONSE: [time]` line (ANSI colour allowed, possibly after a
/// prompt); `WEBSOCKET REQUEST:` lines (the log stream's handshake) are not markers.
fn marker(line: &str) -> Option<Kind> {
    if !line.contains("REQUEST:") && !line.contains("RESPONSE:") {
        return None;
    }
    let clean = strip_ansi(line);
    let clean = clean.trim_end();
    for (word, kind) in [
        ("REQUEST: [", Kind::Request),
        ("RESPONSE: [", Kind::Response),
    ] {
        let Some(at) = clean.rfind(word) else {
            continue;
        };
        if clean[..at].ends_with("WEBSOCKET ") {
            continue;
        }
        let Some(stamp) = clean[at + word.len()..].strip_suffix(']') else {
            continue;
        };
        if stamp.starts_with(|c: char| c.is_ascii_digit()) && !stamp.contains(['[', ']']) {
            return Some(kind);
        }
    }
    None
}

fn is_marker(line: &Line) -> bool {
    marker(line.text).is_some()
}

fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

/// `Name: value` (or `Name:` with an empty value), as Go writes a header.
fn header_line(line: &str) -> Option<(&str, &str)> {
    let (name, value) = line.split_once(':')?;
    if name.is_empty() || !name.bytes().all(is_token_byte) {
        return None;
    }
    if !value.is_empty() && !value.starts_with(' ') {
        return None;
    }
    Some((name, value.trim()))
}

/// Whether `name` is a header name in Go's canonical form (`Content-Type`, `X-Vcap-Request-Id`).
fn is_canonical(name: &str) -> bool {
    let mut after_dash = true;
    !name.is_empty()
        && name.bytes().all(|b| {
            let ok = if after_dash {
                b.is_ascii_uppercase() || b.is_ascii_digit()
            } else {
                b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'
            };
            after_dash = b == b'-';
            ok
        })
}

/// v6's legacy dumper writes `Host: <host>` without a line break before the first
/// header: `api.example.orgAccept: application/json` → (`api.example.org`, `Accept`,
/// `application/json`).
fn unglue(value: &str) -> Option<(&str, &str, &str)> {
    let colon = value.find(": ")?;
    let before = &value[..colon];
    before
        .char_indices()
        .filter(|(i, c)| *i > 0 && c.is_ascii_uppercase())
        .find(|(i, _)| is_canonical(&before[*i..]))
        .map(|(i, _)| (&before[..i], &before[i..], value[colon + 2..].trim()))
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn status_of(start_line: &str) -> Option<u16> {
    start_line
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse::<u16>().ok())
}

/// Reads the block whose marker is at line `at`. Returns the block and the index of
/// the line after it.
fn read_block(
    text: &str,
    lines: &[Line],
    at: usize,
    kind: Kind,
    legacy_hint: bool,
    crlf_tells: bool,
) -> (Block, usize) {
    let mut i = at + 1;
    while i < lines.len() && lines[i].is_blank() {
        i += 1;
    }
    let mut block = Block {
        line: at + 1,
        start_line: String::new(),
        headers: Vec::new(),
        body: Body::None,
        legacy: legacy_hint,
    };
    let Some(start) = lines.get(i).filter(|l| !is_marker(l)) else {
        return (block, i);
    };
    block.start_line = strip_ansi(start.text).trim().to_string();
    block.legacy |= start.crlf && crlf_tells;
    i += 1;
    while i < lines.len() && !is_marker(&lines[i]) {
        let Some((name, value)) = header_line(lines[i].text) else {
            break;
        };
        match unglue(value).filter(|_| name == "Host" && block.headers.is_empty()) {
            Some((host, glued, glued_value)) => {
                block.legacy = true;
                block.headers.push((name.into(), host.into()));
                block.headers.push((glued.into(), glued_value.into()));
            }
            None => block.headers.push((name.into(), value.into())),
        }
        i += 1;
    }
    let status = status_of(&block.start_line);
    let announced = announced_length(kind, &block.headers, status);
    if i < lines.len() && !lines[i].is_blank() && !is_marker(&lines[i]) {
        // The cf CLI writes the body directly after the last header.
        let (body, next) = read_body(text, lines, i, kind);
        block.body = body;
        return (block, next);
    }
    if i < lines.len() && lines[i].is_blank() {
        let j = i + 1;
        let follows = lines.get(j).filter(|l| !l.is_blank() && !is_marker(l));
        if let Some(first) = follows {
            if block.legacy && legacy_body_expected(kind, &block.headers, status) {
                let chunked = header(&block.headers, "transfer-encoding")
                    .is_some_and(|t| t.contains("chunked"));
                let (body, next) = chunked
                    .then(|| read_chunked(text, lines, j))
                    .flatten()
                    .unwrap_or_else(|| read_body(text, lines, j, kind));
                block.body = body;
                return (block, next);
            }
            // Not the cf CLI's shape, but a body after one blank line is read when the
            // headers announce one and it is JSON (a hand-edited or older trace).
            let json = first.text.trim_start().starts_with(['{', '[']);
            let json_type =
                header(&block.headers, "content-type").is_some_and(|t| t.contains("json"));
            let announces = match kind {
                Kind::Request => json_type,
                Kind::Response => match announced {
                    Some(length) => length > 0,
                    None => json_type && !matches!(status, Some(204 | 304)),
                },
            };
            if json && announces {
                if let (body @ Body::Bytes(_), next) = read_body(text, lines, j, kind) {
                    block.body = body;
                    return (block, next);
                }
            }
        }
    }
    if let Some(length) = announced.filter(|n| *n > 0) {
        block.body = Body::Unavailable(if i >= lines.len() {
            format!("the trace ends after the headers, which announce a body (Content-Length: {length})")
        } else {
            format!("the headers announce a body (Content-Length: {length}) but none follows them")
        });
    }
    (block, i)
}

/// The `Content-Length` a response announces (none for 204, 304 or a HEAD).
fn announced_length(kind: Kind, headers: &[(String, String)], status: Option<u16>) -> Option<u64> {
    if kind != Kind::Response || matches!(status, Some(204 | 304)) {
        return None;
    }
    header(headers, "content-length").and_then(|v| v.trim().parse().ok())
}

/// Whether v6's legacy dumper writes a body after the blank line that ends the headers.
fn legacy_body_expected(kind: Kind, headers: &[(String, String)], status: Option<u16>) -> bool {
    match kind {
        Kind::Request => header(headers, "content-type").is_some_and(|t| {
            t.contains("json") || t.contains("x-www-form-urlencoded") || t.contains("multipart")
        }),
        Kind::Response => {
            !matches!(status, Some(204 | 304))
                && header(headers, "content-length").is_none_or(|n| n.trim() != "0")
        }
    }
}

/// A legacy response dumped with `Transfer-Encoding: chunked` shows its chunks (Go
/// re-chunks a body it decoded): `size-in-hex`, that many bytes, …, `0`. `None` when
/// the text at line `i` is not chunks.
fn read_chunked(text: &str, lines: &[Line], i: usize) -> Option<(Body, usize)> {
    let bytes = text.as_bytes();
    let mut at = lines[i].offset;
    let mut out = Vec::new();
    loop {
        let end = bytes[at..]
            .iter()
            .position(|b| *b == b'\n')
            .map_or(bytes.len(), |e| at + e);
        let size_line = std::str::from_utf8(&bytes[at..end]).ok()?;
        let size_text = size_line.trim_end_matches('\r').split(';').next()?.trim();
        let size = usize::from_str_radix(size_text, 16).ok()?;
        at = (end + 1).min(bytes.len());
        if size == 0 {
            break;
        }
        if at + size > bytes.len() {
            let cut = "the trace ends inside this body (it is cut off)".to_string();
            return Some((Body::Unavailable(cut), lines.len()));
        }
        out.extend_from_slice(&bytes[at..at + size]);
        at += size;
        if bytes[at..].starts_with(b"\r\n") {
            at += 2;
        } else if bytes[at..].starts_with(b"\n") {
            at += 1;
        }
    }
    let next = lines
        .iter()
        .position(|l| l.offset >= at)
        .unwrap_or(lines.len());
    Some((Body::Bytes(out), next))
}

/// What the cf CLI writes in place of a body it does not show.
fn message(line: &str, kind: Kind) -> Option<Body> {
    let line = line.trim();
    let hidden = |what: &str| {
        Some(Body::Unavailable(format!(
            "hidden by the cf CLI (`{what}`)"
        )))
    };
    if let Some(form) = line
        .strip_prefix("[application/x-www-form-urlencoded ")
        .and_then(|rest| rest.strip_suffix(']'))
    {
        return Some(Body::Bytes(form.as_bytes().to_vec()));
    }
    match line {
        "[PRIVATE DATA HIDDEN]"
        | "[NON-JSON BODY CONTENT HIDDEN]"
        | "[MULTIPART/FORM-DATA CONTENT HIDDEN]" => return hidden(line),
        _ => {}
    }
    let media = line.strip_prefix('[')?.strip_suffix(" Content Hidden]")?;
    if media.contains(['[', ']']) {
        return None;
    }
    if kind == Kind::Request && media.contains("json") {
        // The CLI writes this for a request that has a JSON content type and no body.
        return Some(Body::None);
    }
    hidden(line)
}

/// Reads a body starting at line `i`: a message in place of it, a JSON value (however
/// many lines), or other text up to the next blank line or marker.
fn read_body(text: &str, lines: &[Line], i: usize, kind: Kind) -> (Body, usize) {
    let first = &lines[i];
    if let Some(body) = message(first.text, kind) {
        return (body, i + 1);
    }
    let trimmed = first.text.trim_start();
    if trimmed.starts_with(['{', '[']) {
        let start = first.offset + (first.text.len() - trimmed.len());
        let mut values =
            serde_json::Deserializer::from_str(&text[start..]).into_iter::<IgnoredAny>();
        match values.next() {
            Some(Ok(_)) => {
                let end = start + values.byte_offset();
                let mut next = i;
                while next < lines.len() && lines[next].offset < end {
                    next += 1;
                }
                return (Body::Bytes(text.as_bytes()[start..end].to_vec()), next);
            }
            Some(Err(error)) if error.is_eof() => {
                let rest = &lines[i..];
                if !rest.iter().any(Line::is_blank) && !rest.iter().any(is_marker) {
                    return (
                        Body::Unavailable("the trace ends inside this body (it is cut off)".into()),
                        lines.len(),
                    );
                }
            }
            _ => {}
        }
    }
    // Not JSON: the CLI writes the body as it came, up to the block's closing newline.
    let mut next = i;
    while next < lines.len() && !lines[next].is_blank() && !is_marker(&lines[next]) {
        next += 1;
    }
    let taken: Vec<&str> = lines[i..next].iter().map(|l| l.text).collect();
    (Body::Bytes(taken.join("\n").into_bytes()), next)
}

fn to_exchange(request: Block, response: Option<Block>, source: &str) -> Result<Exchange, String> {
    let at = format!("{source}:{}", request.line);
    let mut parts = request.start_line.split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return Err(format!(
            "{at}: expected a request line such as `GET /v3/apps HTTP/1.1` after the REQUEST marker, found `{}`",
            request.start_line
        ));
    };
    let url = match header(&request.headers, "host") {
        Some(host) if target.starts_with('/') => format!("https://{host}{target}"),
        _ => target.to_string(),
    };
    let (_, query) = split_url(&url);
    let status = match &response {
        Some(response) => match status_of(&response.start_line) {
            Some(code) => Some(code),
            None => {
                return Err(format!(
                    "{source}:{}: expected a status line such as `HTTP/1.1 200 OK` after the RESPONSE marker, found `{}`",
                    response.line, response.start_line
                ))
            }
        },
        None => None,
    };
    let (request_body, request_body_unavailable) = split_body(request.body);
    let response_content_type = response
        .as_ref()
        .and_then(|r| header(&r.headers, "content-type"))
        .map(str::to_string);
    let (response_body, response_body_unavailable) =
        split_body(response.map(|r| r.body).unwrap_or_default());
    Ok(Exchange {
        source: at,
        method: method.to_ascii_uppercase(),
        url,
        query,
        request_content_type: header(&request.headers, "content-type").map(str::to_string),
        request_body,
        status,
        response_content_type,
        response_body,
        request_body_unavailable,
        response_body_unavailable,
    })
}

fn split_body(body: Body) -> (Option<Vec<u8>>, Option<String>) {
    match body {
        Body::None => (None, None),
        Body::Bytes(bytes) => (Some(bytes), None),
        Body::Unavailable(why) => (None, Some(why)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Exchange {
        let found = parse(text, "t");
        assert_eq!(found.len(), 1, "{found:?}");
        found.into_iter().next().unwrap().unwrap()
    }

    #[test]
    fn the_body_follows_the_last_header() {
        // request_logger_file_writer_test.go: a JSON body is `{…}\n`, then Stop()'s `\n`.
        let exchange = one("REQUEST: [2026-01-01T00:00:00Z]\nPATCH /v3/apps/x HTTP/1.1\nHost: api.example.org\nContent-Type: application/json\n{\n  \"a\": \"b\",\n  \"c\": \"d\",\n  \"don't escape HTML\": \"<&>\"\n}\n\nRESPONSE: [2026-01-01T00:00:00Z]\nHTTP/1.1 200 OK\nContent-Type: application/json\n{\n  \"x\": \"REQUEST: [2026-01-01T00:00:00Z]\"\n}\n\n");
        assert_eq!(exchange.url, "https://api.example.org/v3/apps/x");
        assert_eq!(
            exchange.request_body.as_deref(),
            Some(&b"{\n  \"a\": \"b\",\n  \"c\": \"d\",\n  \"don't escape HTML\": \"<&>\"\n}"[..])
        );
        let body: serde_json::Value =
            serde_json::from_slice(exchange.response_body.as_deref().unwrap()).unwrap();
        assert_eq!(body["x"], "REQUEST: [2026-01-01T00:00:00Z]");
    }

    #[test]
    fn malformed_json_is_written_raw() {
        // The CLI's tests: `[{"data":1, "banana": 2}` is written as it came, then `\n\n`.
        let exchange = one("REQUEST: [2026-01-01T00:00:00Z]\nGET /v3/apps HTTP/1.1\nHost: h\n[application/json Content Hidden]\n\nRESPONSE: [2026-01-01T00:00:01Z]\nHTTP/1.1 200 OK\n[{\"data\":1, \"banana\": 2}\n\nOK\n");
        assert_eq!(exchange.request_body, None);
        assert_eq!(exchange.request_body_unavailable, None);
        assert_eq!(
            exchange.response_body.as_deref(),
            Some(&br#"[{"data":1, "banana": 2}"#[..])
        );
    }

    #[test]
    fn hidden_bodies_say_why() {
        // UAA's file writer before Dec 2024 wrote `[PRIVATE DATA HIDDEN]` without its own
        // newline: the RESPONSE marker follows on the next line.
        let exchange = one("REQUEST: [2024-01-01T00:00:00Z]\nPOST /oauth/token HTTP/1.1\nHost: uaa.example.org\nContent-Type: application/x-www-form-urlencoded\n[PRIVATE DATA HIDDEN]\nRESPONSE: [2024-01-01T00:00:00Z]\nHTTP/1.1 200 OK\nContent-Type: application/json\n{\n  \"access_token\": \"[PRIVATE DATA HIDDEN]\"\n}\n\n");
        assert_eq!(
            exchange.request_body_unavailable.as_deref(),
            Some("hidden by the cf CLI (`[PRIVATE DATA HIDDEN]`)")
        );
        assert_eq!(exchange.status, Some(200));
        let form = one("REQUEST: [2024-01-01T00:00:00Z]\nPOST /v2/x HTTP/1.1\nHost: h\nContent-Type: application/x-www-form-urlencoded\n[application/x-www-form-urlencoded a=b&c=d]\n\n");
        assert_eq!(form.request_body.as_deref(), Some(&b"a=b&c=d"[..]));
        assert_eq!(form.status, None);
    }

    #[test]
    fn v6_glues_the_first_header_to_the_host() {
        assert_eq!(
            unglue("api.example.orgAccept: application/json"),
            Some(("api.example.org", "Accept", "application/json"))
        );
        assert_eq!(
            unglue("127.0.0.1:9022X-Vcap-Request-Id: a:b"),
            Some(("127.0.0.1:9022", "X-Vcap-Request-Id", "a:b"))
        );
        assert_eq!(unglue("api.example.org"), None);
        let exchange = one("\nREQUEST: [2019-01-01T00:00:00Z]\nPUT /v2/apps/x HTTP/1.1\nHost: api.example.orgAccept: application/json\nContent-Type: application/json\n\n{\n  \"name\": \"n\"\n}\n\n\nRESPONSE: [2019-01-01T00:00:00Z]\nHTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nc\r\n{\"name\":\"n\"}\r\n0\r\n\r\n\n");
        assert_eq!(exchange.url, "https://api.example.org/v2/apps/x");
        assert_eq!(
            exchange.request_content_type.as_deref(),
            Some("application/json")
        );
        assert_eq!(
            exchange.request_body.as_deref(),
            Some(&b"{\n  \"name\": \"n\"\n}"[..])
        );
        assert_eq!(
            exchange.response_body.as_deref(),
            Some(&br#"{"name":"n"}"#[..])
        );
    }

    #[test]
    fn markers_colour_prompts_and_websockets() {
        assert_eq!(
            marker("\u{1b}[1mREQUEST: [2026-01-01T00:00:00Z]\u{1b}[22m"),
            Some(Kind::Request)
        );
        assert_eq!(
            marker("\u{1b}[38;1mRESPONSE:\u{1b}[0m [2019-01-01T00:00:00+02:00]"),
            Some(Kind::Response)
        );
        assert_eq!(
            marker("Password> REQUEST: [2026-01-01T00:00:00Z]"),
            Some(Kind::Request)
        );
        assert_eq!(
            marker("WEBSOCKET REQUEST: [2014-08-11T15:50:20-06:00]"),
            None
        );
        assert_eq!(marker("  \"note\": \"REQUEST: [2026]\","), None);
        assert_eq!(marker("REQUEST: not a marker"), None);
    }

    #[test]
    fn a_blank_line_before_a_json_body_is_tolerated() {
        // Not the cf CLI's shape (a hand-edited trace): read when the headers announce JSON.
        let exchange = one("REQUEST: [2026-01-01T00:00:00Z]\nGET /v3/apps HTTP/1.1\nHost: h\n\nRESPONSE: [2026-01-01T00:00:01Z]\nHTTP/1.1 200 OK\nContent-Type: application/json\n\n{\"a\": 1}\n\nOK\n");
        assert_eq!(exchange.response_body.as_deref(), Some(&br#"{"a": 1}"#[..]));
        let empty = one("REQUEST: [2026-01-01T00:00:00Z]\nDELETE /v3/apps/x HTTP/1.1\nHost: h\n\nRESPONSE: [2026-01-01T00:00:01Z]\nHTTP/1.1 204 No Content\n\n{\"printed\": \"by the command\"}\n");
        assert_eq!(empty.response_body, None);
    }

    #[test]
    fn encodings_and_orphans() {
        assert_eq!(decode(b"\xEF\xBB\xBFREQUEST"), "REQUEST");
        assert_eq!(decode(b"\xFF\xFEO\0K\0"), "OK");
        assert_eq!(decode(b"\xFE\xFF\0O\0K"), "OK");
        assert!(parse("cf version 8.7.0\nOK\n", "t").is_empty());
        let orphan = parse("RESPONSE: [2026-01-01T00:00:00Z]\nHTTP/1.1 200 OK\n\n", "t");
        assert_eq!(
            orphan[0].as_ref().unwrap_err(),
            "t:1: a RESPONSE with no REQUEST before it"
        );
    }
}
