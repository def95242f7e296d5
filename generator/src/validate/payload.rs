//! Reading a payload's bytes as JSON, with an error that says where and why.

use serde_json::Value;

/// Why a payload is not a JSON document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    /// The file holds nothing but white space.
    #[error("empty payload: expected a JSON document")]
    Empty,
    /// The bytes are not UTF-8.
    #[error("not UTF-8: invalid byte sequence at byte offset {offset}")]
    NotUtf8 {
        /// Offset of the first invalid byte.
        offset: usize,
    },
    /// The text is not JSON.
    #[error("invalid JSON at line {line}, column {column}: {message}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser expected.
        message: String,
    },
}

/// Parses one payload. Nesting deeper than 128 levels is refused (no Cloud Controller
/// payload comes near it), which keeps a hostile document from exhausting the stack.
pub fn parse(bytes: &[u8]) -> Result<Value, PayloadError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| PayloadError::NotUtf8 {
        offset: e.valid_up_to(),
    })?;
    if text.trim().is_empty() {
        return Err(PayloadError::Empty);
    }
    serde_json::from_str(text).map_err(|error| {
        let full = error.to_string();
        let message = match full.rfind(" at line ") {
            Some(cut) => full[..cut].to_string(),
            None => full,
        };
        let message = if message == "recursion limit exceeded" {
            "nested more than 128 levels deep".to_string()
        } else {
            message
        };
        PayloadError::Syntax {
            line: error.line(),
            column: error.column(),
            message,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &[u8], expected: &str) {
        assert_eq!(parse(input).unwrap_err().to_string(), expected);
    }

    #[test]
    fn explains_bad_payloads() {
        check(b"  \n", "empty payload: expected a JSON document");
        check(
            b"{\"a\": \"\xff\"}",
            "not UTF-8: invalid byte sequence at byte offset 7",
        );
        check(
            b"{\n  \"a\": 1,\n}",
            "invalid JSON at line 3, column 1: trailing comma",
        );
        check(
            &[b'['; 100_000],
            "invalid JSON at line 1, column 128: nested more than 128 levels deep",
        );
    }

    #[test]
    fn accepts_a_byte_order_mark() {
        assert_eq!(parse(b"\xEF\xBB\xBF{}").unwrap(), serde_json::json!({}));
    }
}
