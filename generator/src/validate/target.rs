//! Finding the schema a payload should satisfy: by operation and status, by method and
//! (concrete or template) path, or by component name.

use serde_json::Value;

use super::dialect::Direction;
use super::violation::Violation;
use crate::pointer;
use crate::spec::OperationRef;

/// Which operation a payload belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OperationSelector {
    /// By `operationId`.
    Id(String),
    /// By HTTP method and a path: a template (`/v3/processes/{guid}`), a concrete path
    /// (`/v3/processes/8dbad6ba-…/stats`), or a full URL; a query string is ignored.
    MethodPath {
        /// HTTP method, any case.
        method: String,
        /// Path template, concrete path or URL.
        path: String,
    },
}

/// Which body of the operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exchange {
    /// The request body.
    Request,
    /// The response body for this status.
    Response(u16),
}

/// What to validate a payload against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetSpec {
    /// A body of an operation.
    Operation(OperationSelector, Exchange),
    /// A schema by component name (`Process`) or pointer (`#/components/schemas/Process`),
    /// in the given direction.
    Schema(String, Direction),
}

/// A schema to validate against.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Target {
    /// Request or response rules.
    pub direction: Direction,
    /// JSON pointer of the schema in the spec (without `#`).
    pub schema_pointer: String,
    /// A short description for reports, e.g. `GET /v3/processes/{guid} → 200`.
    pub label: String,
}

/// What a target specification resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// The payload must satisfy this schema.
    Body(Target),
    /// The spec says this exchange carries no JSON body; `label` describes it.
    NoBody {
        /// Description for reports.
        label: String,
    },
    /// The exchange itself breaks the contract (an undocumented path, method or status).
    Finding(Violation),
}

/// A target that cannot be resolved because the request for it is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// No operation has this id.
    #[error("unknown operation `{id}`{}", suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    UnknownOperation {
        /// The id asked for.
        id: String,
        /// The nearest known id.
        suggestion: Option<String>,
    },
    /// No component schema has this name.
    #[error("unknown schema `{name}`{}", suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    UnknownSchema {
        /// The name asked for.
        name: String,
        /// The nearest known name.
        suggestion: Option<String>,
    },
}

/// Resolves a target specification against the spec.
pub fn resolve(
    raw: &Value,
    operations: &[OperationRef],
    spec: &TargetSpec,
) -> Result<Resolution, TargetError> {
    match spec {
        TargetSpec::Schema(name, direction) => resolve_schema(raw, name, *direction),
        TargetSpec::Operation(selector, exchange) => {
            let operation = match selector {
                OperationSelector::Id(id) => match operations
                    .iter()
                    .find(|o| o.id.as_deref() == Some(id.as_str()))
                {
                    Some(operation) => operation,
                    None => {
                        let ids = operations.iter().filter_map(|o| o.id.as_deref());
                        return Err(TargetError::UnknownOperation {
                            id: id.clone(),
                            suggestion: nearest(id, ids),
                        });
                    }
                },
                OperationSelector::MethodPath { method, path } => {
                    match match_operation(operations, method, path) {
                        Ok(operation) => operation,
                        Err(finding) => return Ok(Resolution::Finding(finding)),
                    }
                }
            };
            Ok(resolve_exchange(raw, operation, *exchange))
        }
    }
}

fn resolve_schema(
    raw: &Value,
    name: &str,
    direction: Direction,
) -> Result<Resolution, TargetError> {
    let schema_pointer = if name.starts_with('#') || name.starts_with('/') {
        name.trim_start_matches('#').to_string()
    } else {
        pointer::push("/components/schemas", name)
    };
    if raw.pointer(&schema_pointer).is_none() {
        let names = raw
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(|m| m.keys().map(String::as_str));
        return Err(TargetError::UnknownSchema {
            name: name.to_string(),
            suggestion: nearest(name, names),
        });
    }
    let label = format!("schema #{schema_pointer}");
    Ok(Resolution::Body(Target {
        direction,
        schema_pointer,
        label,
    }))
}

/// Strips a scheme, host, query and fragment, leaving the path.
pub fn path_of(url_or_path: &str) -> &str {
    let mut path = url_or_path;
    // A scheme is letters (and `+-.`) before `://`; a path's first byte is `/`.
    if let Some(colon) = path.bytes().position(|b| b == b':' || b == b'/') {
        if path[colon..].starts_with("://") {
            let rest = &path[colon + 3..];
            path = rest.find('/').map_or("/", |i| &rest[i..]);
        }
    }
    let end = path
        .bytes()
        .position(|b| b == b'?' || b == b'#')
        .unwrap_or(path.len());
    &path[..end]
}

/// How well a path template matches a concrete path (both without trailing slashes):
/// `None` for no match, else the number of literal segments (more is more specific).
/// Every operation is tried for every exchange, so it walks both once and collects
/// nothing; most templates part from the path within a few bytes.
fn template_score(template: &str, path: &str) -> Option<usize> {
    let (mut template, mut path) = (template.as_bytes(), path.as_bytes());
    let mut literal = 0;
    loop {
        let t_end = template
            .iter()
            .position(|&b| b == b'/')
            .unwrap_or(template.len());
        let p_end = path.iter().position(|&b| b == b'/').unwrap_or(path.len());
        let (t, p) = (&template[..t_end], &path[..p_end]);
        if t.len() >= 2 && t[0] == b'{' && t[t.len() - 1] == b'}' {
            if p.is_empty() {
                return None;
            }
        } else if t == p {
            literal += 1;
        } else {
            return None;
        }
        match (t_end < template.len(), p_end < path.len()) {
            (true, true) => {
                template = &template[t_end + 1..];
                path = &path[p_end + 1..];
            }
            (false, false) => return Some(literal),
            _ => return None,
        }
    }
}

/// Finds the operation for a method and path; an undocumented path or method is a finding.
// A finding is this function's error, made at most once per check: boxing it
// would buy nothing.
#[allow(clippy::result_large_err)]
pub fn match_operation<'a>(
    operations: &'a [OperationRef],
    method: &str,
    path: &str,
) -> Result<&'a OperationRef, Violation> {
    let written = path_of(path);
    let path = written.trim_end_matches('/');
    let best = |candidates: &mut dyn Iterator<Item = &'a OperationRef>| {
        candidates
            .filter_map(|o| template_score(o.path.trim_end_matches('/'), path).map(|s| (s, o)))
            .max_by_key(|(s, _)| *s)
            .map(|(_, o)| o)
    };
    if let Some(operation) = best(
        &mut operations
            .iter()
            .filter(|o| o.method.eq_ignore_ascii_case(method)),
    ) {
        return Ok(operation);
    }
    let finding = match best(&mut operations.iter()) {
        Some(other) => {
            let methods: Vec<&str> = operations
                .iter()
                .filter(|o| o.path == other.path)
                .map(|o| o.method.as_str())
                .collect();
            Violation {
                part: String::new(),
                pointer: String::new(),
                found: format!("{} {written}", method.to_ascii_uppercase()),
                expected: format!(
                    "one of the documented methods of {}: {}",
                    other.path,
                    methods.join(", ")
                ),
                spec_location: format!("#{}", pointer::push("/paths", &other.path)),
                spec_position: None,
            }
        }
        None => Violation {
            part: String::new(),
            pointer: String::new(),
            found: format!("{} {written}", method.to_ascii_uppercase()),
            expected: "a path documented in the spec".into(),
            spec_location: "#/paths".into(),
            spec_position: None,
        },
    };
    Err(finding)
}

fn resolve_exchange(raw: &Value, operation: &OperationRef, exchange: Exchange) -> Resolution {
    let name = format!("{} {}", operation.method, operation.path);
    match exchange {
        Exchange::Request => {
            let label = format!("{name} request");
            let body = pointer::push(&operation.pointer, "requestBody");
            match pointer::resolve(raw, &body) {
                Some((body, _)) => media_schema(raw, &body, label, Direction::Request),
                None => Resolution::NoBody { label },
            }
        }
        Exchange::Response(status) => {
            let label = format!("{name} → {status}");
            let responses = pointer::push(&operation.pointer, "responses");
            let Some(documented) = raw.pointer(&responses).and_then(Value::as_object) else {
                return undocumented_status(status, &name, &responses, &[]);
            };
            let exact = status.to_string();
            let range = format!("{}XX", status / 100);
            let key = [exact.as_str(), range.as_str(), "default"]
                .into_iter()
                .find(|k| documented.contains_key(*k));
            match key.and_then(|k| pointer::resolve(raw, &pointer::push(&responses, k))) {
                Some((response, _)) => media_schema(raw, &response, label, Direction::Response),
                None => {
                    let keys: Vec<&str> = documented
                        .keys()
                        .map(String::as_str)
                        .filter(|k| !k.starts_with("x-"))
                        .collect();
                    undocumented_status(status, &name, &responses, &keys)
                }
            }
        }
    }
}

fn undocumented_status(
    status: u16,
    name: &str,
    responses: &str,
    documented: &[&str],
) -> Resolution {
    Resolution::Finding(Violation {
        part: String::new(),
        pointer: String::new(),
        found: format!("status {status}"),
        expected: format!("a status documented for {name}: {}", documented.join(", ")),
        spec_location: format!("#{responses}"),
        spec_position: None,
    })
}

/// Picks the JSON media type of a request body or response.
fn media_schema(raw: &Value, at: &str, label: String, direction: Direction) -> Resolution {
    match crate::spec::json_body_schema(raw, at) {
        Some(schema_pointer) => Resolution::Body(Target {
            direction,
            schema_pointer,
            label,
        }),
        None => Resolution::NoBody { label },
    }
}

/// The candidate closest to `wanted` by edit distance, if any is reasonably close.
pub fn nearest<'a>(wanted: &str, candidates: impl Iterator<Item = &'a str>) -> Option<String> {
    candidates
        .map(|c| {
            (
                strsim::levenshtein(&wanted.to_lowercase(), &c.to_lowercase()),
                c,
            )
        })
        .filter(|(d, c)| *d <= (c.len().max(wanted.len()) / 2).max(2))
        .min()
        .map(|(_, c)| c.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(method: &str, path: &str) -> OperationRef {
        OperationRef {
            id: None,
            method: method.into(),
            path: path.into(),
            pointer: String::new(),
        }
    }

    #[test]
    fn concrete_paths_match_the_most_specific_template() {
        let ops = [
            op("GET", "/v3/apps/{guid}/processes/{type}"),
            op("GET", "/v3/apps/{guid}/env"),
            op("GET", "/v3/apps/{guid}/{x}"),
        ];
        assert_eq!(
            match_operation(&ops, "get", "/v3/apps/abc/env")
                .unwrap()
                .path,
            "/v3/apps/{guid}/env"
        );
        assert_eq!(
            match_operation(
                &ops,
                "GET",
                "https://api.example.org/v3/apps/a/processes/web?x=1"
            )
            .unwrap()
            .path,
            "/v3/apps/{guid}/processes/{type}"
        );
        assert_eq!(
            match_operation(&ops, "GET", "/v3/apps/{guid}/env")
                .unwrap()
                .path,
            "/v3/apps/{guid}/env"
        );
    }

    #[test]
    fn a_url_or_path_comes_down_to_its_path() {
        for (written, path) in [
            ("https://api.example.org/v3/apps?x=1#top", "/v3/apps"),
            ("http://api.example.org", "/"),
            ("/v3/apps/?redirect=https://elsewhere/x", "/v3/apps/"),
            ("/v3/apps#a?b", "/v3/apps"),
            ("", ""),
        ] {
            assert_eq!(path_of(written), path, "{written}");
        }
        // Segments are compared whole, trailing slashes aside, and a parameter needs text.
        let ops = [op("GET", "/v3/apps/{guid}/"), op("GET", "/")];
        assert_eq!(
            match_operation(&ops, "GET", "/v3/apps/a").unwrap().path,
            "/v3/apps/{guid}/"
        );
        assert_eq!(match_operation(&ops, "GET", "/").unwrap().path, "/");
        for unmatched in ["/v3/apps//", "/v3/apps/a/b", "/v3/app/a", "/v3/apps"] {
            let found = match_operation(&ops, "GET", unmatched).map(|o| &o.path);
            assert!(found.is_err(), "{unmatched}: {found:?}");
        }
        assert_eq!(
            match_operation(&ops, "put", "/v3/apps/a/")
                .unwrap_err()
                .found,
            "PUT /v3/apps/a/"
        );
    }

    #[test]
    fn wrong_methods_and_paths_are_findings() {
        let ops = [op("GET", "/v3/apps/{guid}")];
        assert!(match_operation(&ops, "PUT", "/v3/apps/x")
            .unwrap_err()
            .expected
            .contains("GET"));
        assert_eq!(
            match_operation(&ops, "GET", "/v3/nope")
                .unwrap_err()
                .spec_location,
            "#/paths"
        );
    }

    #[test]
    fn suggests_the_nearest_name() {
        let ids = ["get_process", "list_processes", "update_process"];
        assert_eq!(
            nearest("get_proces", ids.into_iter()).as_deref(),
            Some("get_process")
        );
        assert_eq!(nearest("zzzzzzzzzzzz", ids.into_iter()), None);
    }
}
