//! The seeded mutator: byte-level changes (flip, cut, duplicate, splice) and, for inputs
//! that parse as JSON or YAML, structure-aware ones (a value retyped, nested, enlarged,
//! removed, duplicated, or replaced by a value from another seed), so most mutated inputs
//! get past the parser and reach the checks behind it.

use fastrand::Rng;
use serde_json::{json, Map, Value};

/// The largest input a mutation produces: bounded memory per case.
pub const MAX_LEN: usize = 1 << 20;

/// An input split at its first newline into a header (kept apart from mutation most of the
/// time: it names the target) and a body. Targets without a header use `framed: false`.
fn split(input: &[u8], framed: bool) -> (&[u8], &[u8]) {
    if !framed {
        return (&[], input);
    }
    match input.iter().position(|&b| b == b'\n') {
        Some(at) => input.split_at(at + 1),
        None => (&[], input),
    }
}

/// A mutated copy of `input`, using `others` as material for splicing. `framed` inputs
/// keep their first line (the header) unchanged nine times out of ten.
pub fn mutate(rng: &mut Rng, input: &[u8], others: &[Vec<u8>], framed: bool) -> Vec<u8> {
    let (head, body) = split(input, framed);
    let other_body = |rng: &mut Rng| -> Vec<u8> {
        if others.is_empty() {
            return Vec::new();
        }
        split(&others[rng.usize(..others.len())], framed).1.to_vec()
    };
    let mut body = body.to_vec();
    for _ in 0..rng.usize(1..=3) {
        let donor = other_body(rng);
        body = if rng.u8(..10) < 6 {
            structured(rng, &body, &donor).unwrap_or_else(|| bytes(rng, body, &donor))
        } else {
            bytes(rng, body, &donor)
        };
    }
    let mut head = head.to_vec();
    if framed && rng.u8(..10) == 0 {
        head = bytes(rng, head, b"");
    }
    head.extend_from_slice(&body);
    head.truncate(MAX_LEN);
    head
}

/// Interesting bytes to write into text.
const TOKENS: &[&[u8]] = &[
    b"\"",
    b"\\",
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b"\0",
    b"\xff",
    b"\xc3",
    b"\r\n",
    b"\n",
    b"\\u0000",
    b"\\ud800",
    b"-0",
    b"1e999",
    b"99999999999999999999999",
    b"null",
    b"true",
    b"&",
    b"*a",
    b"&a ",
    b"- ",
    b"? ",
    b"!!binary ",
    b"%",
    b"%zz",
    b"#",
    b"~1",
    b"\t",
    b"REQUEST:",
    b"RESPONSE:",
    b"HTTP/1.1 ",
    b"Content-Length: 9999\r\n",
    b"\xe2\x80\x8b",
];

/// A byte-level change.
fn bytes(rng: &mut Rng, mut data: Vec<u8>, donor: &[u8]) -> Vec<u8> {
    let at = |rng: &mut Rng, len: usize| rng.usize(..=len);
    match rng.u8(..8) {
        0 if !data.is_empty() => {
            let i = rng.usize(..data.len());
            data[i] ^= 1 << rng.u8(..8);
        }
        1 if !data.is_empty() => {
            let i = rng.usize(..data.len());
            data[i] = rng.u8(..);
        }
        2 => data.truncate(at(rng, data.len())),
        3 if !data.is_empty() => {
            let start = rng.usize(..data.len());
            let end = rng.usize(start..=data.len().min(start + 64));
            data.drain(start..end);
        }
        4 => {
            // Duplicate a range, sometimes many times over.
            let start = at(rng, data.len());
            let end = rng.usize(start..=data.len().min(start + 256));
            let piece = data[start..end].to_vec();
            let times = if rng.u8(..4) == 0 {
                rng.usize(2..200)
            } else {
                1
            };
            let insert = at(rng, data.len());
            let repeated: Vec<u8> = piece.repeat(times);
            data.splice(insert..insert, repeated);
        }
        5 if !donor.is_empty() => {
            // Splice: a prefix of this input, a suffix of another.
            let cut = at(rng, data.len());
            let from = rng.usize(..donor.len());
            data.truncate(cut);
            data.extend_from_slice(&donor[from..]);
        }
        _ => {
            let token = TOKENS[rng.usize(..TOKENS.len())];
            let insert = at(rng, data.len());
            data.splice(insert..insert, token.iter().copied());
        }
    }
    data
}

/// A structure-aware change, if `data` is a JSON or YAML document; written back as JSON,
/// or as YAML when it was YAML and not JSON.
fn structured(rng: &mut Rng, data: &[u8], donor: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(data).ok()?;
    let (mut value, was_yaml) = match serde_json::from_str::<Value>(text) {
        Ok(value) => (value, false),
        Err(_) => (serde_yaml::from_str::<Value>(text).ok()?, true),
    };
    if !value.is_object() && !value.is_array() {
        return None;
    }
    let donor_value = std::str::from_utf8(donor)
        .ok()
        .and_then(|t| serde_json::from_str::<Value>(t).ok());
    let mut pointers = Vec::new();
    collect(&value, String::new(), &mut pointers);
    let pointer = pointers[rng.usize(..pointers.len())].clone();
    let node = value.pointer_mut(&pointer)?;
    let replacement = match rng.u8(..9) {
        0 => retyped(rng, node),
        1 => nested(rng, node.take()),
        2 => enlarged(rng, node),
        3 => match donor_value.as_ref() {
            Some(donor) => {
                let mut theirs = Vec::new();
                collect(donor, String::new(), &mut theirs);
                donor.pointer(&theirs[rng.usize(..theirs.len())])?.clone()
            }
            None => retyped(rng, node),
        },
        4 => Value::Null,
        5 => {
            remove_child(rng, node);
            node.take()
        }
        6 => {
            duplicate_child(rng, node);
            node.take()
        }
        7 => json!(strange_string(rng)),
        _ => strange_number(rng),
    };
    let deep = rng.u8(..12) == 0;
    let marker = "\u{1}deep\u{1}";
    *value.pointer_mut(&pointer)? = if deep {
        json!(marker)
    } else {
        replacement.clone()
    };
    let text = if was_yaml && rng.bool() {
        serde_yaml::to_string(&value).ok()?
    } else if rng.u8(..4) == 0 {
        serde_json::to_string_pretty(&value).ok()?
    } else {
        serde_json::to_string(&value).ok()?
    };
    if !deep {
        return Some(text.into_bytes());
    }
    let inner = serde_json::to_string(&replacement).ok()?;
    let quoted = serde_json::to_string(marker).ok()?;
    let spliced = text.replacen(&quoted, &deepened(rng, &inner), 1);
    Some(spliced.into_bytes())
}

/// JSON text nested hundreds or thousands of levels deep around `inner`.
fn deepened(rng: &mut Rng, inner: &str) -> String {
    let depth = rng.usize(100..3000);
    let (open, close) = if rng.bool() {
        ("[", "]")
    } else {
        ("{\"a\":", "}")
    };
    format!("{}{inner}{}", open.repeat(depth), close.repeat(depth))
}

fn collect(value: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                collect(
                    child,
                    format!("{at}/{}", key.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                collect(child, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn retyped(rng: &mut Rng, value: &Value) -> Value {
    match (value, rng.u8(..3)) {
        (Value::String(s), 0) => s.parse::<f64>().map_or(json!(7), |n| json!(n)),
        (Value::String(s), 1) => json!([s]),
        (Value::String(s), _) => json!({ s.clone(): s }),
        (Value::Number(n), 0) => json!(n.to_string()),
        (Value::Number(n), 1) => n.as_f64().map_or(json!(0.5), |f| json!(f + 0.5)),
        (Value::Bool(b), _) => json!(b.to_string()),
        (Value::Null, _) => json!({}),
        (Value::Array(items), _) => items.first().cloned().unwrap_or(json!("")),
        (Value::Object(map), 0) => Value::Array(map.values().cloned().collect()),
        (Value::Object(map), _) => map.values().next().cloned().unwrap_or(json!(1)),
        (other, _) => Value::String(other.to_string()),
    }
}

/// A value wrapped in a few arrays or objects. (Deep nesting is done on the text, in
/// [`deepened`]: a deep `Value` would overflow the stack of whoever serialises it.)
fn nested(rng: &mut Rng, value: Value) -> Value {
    let mut value = value;
    for _ in 0..rng.usize(1..5) {
        value = if rng.bool() {
            json!([value])
        } else {
            let mut map = Map::new();
            map.insert(
                ["a", "$ref", "allOf", "items", "properties"][rng.usize(..5)].into(),
                value,
            );
            Value::Object(map)
        };
    }
    value
}

fn enlarged(rng: &mut Rng, value: &Value) -> Value {
    match value {
        Value::String(s) => {
            Value::String(s.repeat(rng.usize(2..2000)).chars().take(200_000).collect())
        }
        Value::Array(items) if !items.is_empty() => {
            let times = rng.usize(2..100);
            Value::Array(
                items
                    .iter()
                    .cycle()
                    .take(items.len() * times)
                    .take(20_000)
                    .cloned()
                    .collect(),
            )
        }
        Value::Object(map) => {
            let mut map = map.clone();
            for i in 0..rng.usize(1..500) {
                map.insert(format!("zz{i}"), json!("x"));
            }
            Value::Object(map)
        }
        Value::Number(_) => strange_number(rng),
        other => json!([other.clone(), other.clone()]),
    }
}

fn remove_child(rng: &mut Rng, value: &mut Value) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            let key = map.keys().nth(rng.usize(..map.len())).cloned();
            if let Some(key) = key {
                map.remove(&key);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            items.remove(rng.usize(..items.len()));
        }
        _ => {}
    }
}

fn duplicate_child(rng: &mut Rng, value: &mut Value) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            let (key, child) = map
                .iter()
                .nth(rng.usize(..map.len()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .unwrap_or_default();
            map.insert(format!("{key}{}", rng.u8(..)), child);
        }
        Value::Array(items) if !items.is_empty() => {
            let child = items[rng.usize(..items.len())].clone();
            items.insert(rng.usize(..=items.len()), child);
        }
        _ => {}
    }
}

fn strange_string(rng: &mut Rng) -> String {
    let pieces = [
        "",
        " ",
        "\u{0}",
        "\u{feff}",
        "\u{10ffff}",
        "é",
        "🦀",
        "\\",
        "%",
        "%2",
        "%C3%A9",
        "#/",
        "~",
        "/v3/apps",
        "{guid}",
        "${x}",
        "a,b",
        "\r\n",
        "1.0",
        "-1",
        "null",
        "2026-13-45T99:99:99Z",
        "8dbad6ba-0000-0000-0000-00000000000",
        "web",
    ];
    (0..rng.usize(1..4))
        .map(|_| pieces[rng.usize(..pieces.len())])
        .collect()
}

fn strange_number(rng: &mut Rng) -> Value {
    match rng.u8(..7) {
        0 => json!(-1),
        1 => json!(0),
        2 => json!(i64::MAX),
        3 => json!(u64::MAX),
        4 => json!(i64::MIN),
        5 => json!(1e300),
        _ => json!(rng.i64(..) as f64 / 7.0),
    }
}
