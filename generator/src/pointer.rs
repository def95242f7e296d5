//! JSON Pointer helpers (RFC 6901): escaping tokens, joining, and resolving `$ref`s.

use serde_json::Value;

/// Escapes one reference token (`~` → `~0`, `/` → `~1`).
pub fn escape(token: &str) -> String {
    let mut out = String::with_capacity(token.len());
    push_escaped(&mut out, token);
    out
}

/// Appends `token` escaped to `out` (one pass, no allocation of its own: pointers are
/// made for every node of multi-megabyte documents).
pub fn push_escaped(out: &mut String, token: &str) {
    if !token.contains(['~', '/']) {
        out.push_str(token);
        return;
    }
    for c in token.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
}

/// Unescapes one reference token.
pub fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// Appends `token` (unescaped) to `pointer`.
pub fn push(pointer: &str, token: &str) -> String {
    let mut out = String::with_capacity(pointer.len() + 1 + token.len());
    out.push_str(pointer);
    out.push('/');
    push_escaped(&mut out, token);
    out
}

/// Splits a pointer (with or without a leading `#`) into unescaped tokens.
pub fn tokens(pointer: &str) -> Vec<String> {
    let pointer = pointer.strip_prefix('#').unwrap_or(pointer);
    if pointer.is_empty() {
        return Vec::new();
    }
    pointer
        .strip_prefix('/')
        .unwrap_or(pointer)
        .split('/')
        .map(unescape)
        .collect()
}

/// Percent-encodes the characters a URI fragment may not hold (RFC 6901 §6), so
/// that a pointer such as `/paths/~1v3~1apps~1{guid}` can follow a `#` in a `$ref`.
pub fn to_uri_fragment(pointer: &str) -> String {
    let mut out = String::with_capacity(pointer.len());
    for c in pointer.chars() {
        match c {
            'A'..='Z'
            | 'a'..='z'
            | '0'..='9'
            | '-'
            | '.'
            | '_'
            | '~'
            | '/'
            | '!'
            | '$'
            | '&'
            | '\''
            | '('
            | ')'
            | '*'
            | '+'
            | ','
            | ';'
            | '='
            | ':'
            | '@' => out.push(c),
            other => {
                let mut buffer = [0; 4];
                for byte in other.encode_utf8(&mut buffer).bytes() {
                    out.push_str(&format!("%{byte:02X}"));
                }
            }
        }
    }
    out
}

/// Undoes [`to_uri_fragment`]: decodes `%XX` escapes (a malformed escape stays as written).
pub fn decode_fragment(fragment: &str) -> String {
    let bytes = fragment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(high), Some(low)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((high * 16 + low) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| fragment.to_string())
}

/// Looks up a pointer (with or without a leading `#`) in a document.
pub fn get<'a>(doc: &'a Value, pointer: &str) -> Option<&'a Value> {
    let pointer = pointer.strip_prefix('#').unwrap_or(pointer);
    doc.pointer(pointer)
}

/// Follows a chain of local `$ref`s starting at `pointer`, returning the final pointer
/// and node. Gives `None` for a dangling, non-local or cyclic reference.
pub fn resolve<'a>(doc: &'a Value, pointer: &str) -> Option<(String, &'a Value)> {
    let mut pointer = pointer.strip_prefix('#').unwrap_or(pointer).to_string();
    for _ in 0..32 {
        let node = doc.pointer(&pointer)?;
        match node.get("$ref").and_then(Value::as_str) {
            Some(reference) => pointer = reference.strip_prefix('#')?.to_string(),
            None => return Some((pointer, node)),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn escapes_and_splits_tokens() {
        assert_eq!(
            push("/paths", "/v3/apps/{guid}"),
            "/paths/~1v3~1apps~1{guid}"
        );
        assert_eq!(
            tokens("#/paths/~1v3~1apps/get"),
            vec!["paths", "/v3/apps", "get"]
        );
        assert_eq!(tokens("#"), Vec::<String>::new());
    }

    #[test]
    fn encodes_uri_fragments() {
        assert_eq!(
            to_uri_fragment("/paths/~1v3~1apps~1{guid}/get"),
            "/paths/~1v3~1apps~1%7Bguid%7D/get"
        );
        assert_eq!(to_uri_fragment("/a b/é"), "/a%20b/%C3%A9");
        assert_eq!(decode_fragment("/a%20b/%C3%A9"), "/a b/é");
        assert_eq!(decode_fragment("/100%/%zz/%4"), "/100%/%zz/%4");
    }

    #[test]
    fn follows_reference_chains() {
        let doc = json!({"a": {"$ref": "#/b"}, "b": {"$ref": "#/c"}, "c": {"x": 1}});
        assert_eq!(resolve(&doc, "#/a").map(|(p, _)| p), Some("/c".to_string()));
        let cyclic = json!({"a": {"$ref": "#/a"}});
        assert!(resolve(&cyclic, "/a").is_none());
    }
}
