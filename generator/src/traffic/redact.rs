//! Keeping secrets out of reports. Captures carry tokens, cookies, credentials and
//! environment variables; a report echoes URLs and offending values, so both pass
//! through here first. Header values are never echoed at all.

use serde_json::Value;

/// What a masked value is replaced with.
pub const MASK: &str = "[REDACTED]";

/// Keys (in any case) whose whole value is secret: environment variables, service and
/// registry credentials, tokens.
const SECRET_KEYS: [&str; 20] = [
    "environment_variables",
    "var",
    "environment_json",
    "staging_env_json",
    "running_env_json",
    "system_env_json",
    "application_env_json",
    "vcap_services",
    "credentials",
    "docker_credentials",
    "password",
    "passwd",
    "token",
    "access_token",
    "refresh_token",
    "id_token",
    "client_secret",
    "secret",
    "authorization",
    "private_key",
];

/// Words that make a query parameter's value secret.
const SECRET_PARAMETER_WORDS: [&str; 7] = [
    "token",
    "password",
    "passwd",
    "secret",
    "credential",
    "auth",
    "code",
];

/// Whether a JSON key holds a secret.
pub fn is_secret_key(key: &str) -> bool {
    SECRET_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key))
}

/// Whether a query parameter's value is secret.
pub fn is_secret_parameter(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    SECRET_PARAMETER_WORDS.iter().any(|w| name.contains(w))
}

/// Whether a JSON pointer passes through a secret key.
pub fn is_secret_pointer(pointer: &str) -> bool {
    crate::pointer::tokens(pointer)
        .iter()
        .any(|t| is_secret_key(t))
}

/// A copy of `value` with every secret key's value masked.
pub fn value(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        if is_secret_key(k) {
                            Value::String(MASK.into())
                        } else {
                            self::value(v)
                        },
                    )
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(self::value).collect()),
        other => other.clone(),
    }
}

/// A URL fit for a report: no user information, secret query values masked.
pub fn url(url: &str) -> String {
    let (before_query, query) = url.split_once('?').unwrap_or((url, ""));
    let before_query = match before_query.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            let host = authority.rsplit('@').next().unwrap_or(authority);
            format!("{scheme}://{host}{path}")
        }
        None => before_query.to_string(),
    };
    if query.is_empty() {
        return before_query;
    }
    let query: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if is_secret_parameter(&super::percent_decode(name)) => {
                format!("{name}={MASK}")
            }
            _ => pair.to_string(),
        })
        .collect();
    format!("{before_query}?{}", query.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn masks_secret_values_and_urls() {
        let masked = value(
            &json!({"name": "a", "environment_variables": {"DB": "pw"}, "list": [{"token": "t"}]}),
        );
        assert_eq!(
            masked,
            json!({"name": "a", "environment_variables": MASK, "list": [{"token": MASK}]})
        );
        assert_eq!(
            url("https://admin:hunter2@api.example.org/v3/apps?access_token=abc&names=x"),
            "https://api.example.org/v3/apps?access_token=[REDACTED]&names=x"
        );
        assert!(is_secret_pointer("/entity/docker_credentials/password"));
        assert!(!is_secret_pointer("/metadata/labels/env"));
    }
}
