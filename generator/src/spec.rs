//! Loading an OpenAPI 3.0 document from YAML or JSON text.
//!
//! The document is kept twice: as a plain JSON tree (`raw`), which the validator and
//! every JSON-pointer lookup use, and as typed `openapiv3` data (`api`), which code
//! generation lowers from. Both come from the same text.

use serde::Deserialize as _;
use serde_json::Value;

use crate::diagnostic::Diagnostics;
use crate::pointer;

mod json;

/// HTTP methods an OpenAPI path item may hold, in the order operations are listed.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// A loaded OpenAPI 3.0 document.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The document's name, used in diagnostics (usually its path).
    pub name: String,
    /// The document as a JSON tree.
    pub raw: Value,
    /// The document as typed OpenAPI 3.0 data.
    pub api: openapiv3::OpenAPI,
    /// The text the document was read from, for positions.
    pub source: Source,
    /// Harmless departures from OpenAPI 3.0 the loader found (see `spec_check`).
    pub warnings: Vec<crate::Diagnostic>,
    /// Each object's keys in document order, by pointer.
    key_order: KeyOrder,
}

type KeyOrder = std::collections::HashMap<String, Vec<String>>;

/// A document's name and text, cheap to clone: where its nodes stand, for reports.
#[derive(Debug, Clone)]
pub struct Source {
    name: String,
    text: std::sync::Arc<str>,
    map: std::sync::Arc<std::sync::OnceLock<crate::source_map::SourceMap>>,
}

impl Source {
    /// Where the node at `pointer` (or the deepest node the document has on the way to
    /// it) stands in the text, as `name:line:col`.
    pub fn locate(&self, pointer: &str) -> Option<String> {
        let map = self
            .map
            .get_or_init(|| crate::source_map::SourceMap::new(&self.text));
        map.nearest(pointer).map(|p| format!("{}:{p}", self.name))
    }

    /// A [`crate::validate::report::Locator`] for this document, to give a report.
    pub fn locator(&self) -> crate::validate::report::Locator {
        let source = self.clone();
        Box::new(move |pointer| source.locate(pointer))
    }
}

/// One operation of the document, located by its method and path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationRef {
    /// The `operationId`, if the operation has one.
    pub id: Option<String>,
    /// Upper-case HTTP method.
    pub method: String,
    /// The path template, e.g. `/v3/processes/{guid}`.
    pub path: String,
    /// JSON pointer of the operation object.
    pub pointer: String,
}

impl Spec {
    /// Parses YAML or JSON text (JSON is YAML) into a spec, or explains why it cannot.
    pub fn from_text(name: &str, text: &str) -> Result<Spec, Diagnostics> {
        Spec::from_text_for(name, text, crate::spec_check::Use::Any)
    }

    /// Parses a document to be compared with another (`diff`): what OpenAPI allows and
    /// only code generation refuses is a warning (see [`crate::spec_check::Use`]).
    pub fn to_compare(name: &str, text: &str) -> Result<Spec, Diagnostics> {
        Spec::from_text_for(name, text, crate::spec_check::Use::Compare)
    }

    fn from_text_for(
        name: &str,
        text: &str,
        purpose: crate::spec_check::Use,
    ) -> Result<Spec, Diagnostics> {
        let starts_json = text
            .trim_start_matches([' ', '\t', '\n', '\r'])
            .starts_with('{');
        let json = if starts_json { json::read(text) } else { None };
        let (raw, key_order) = match json {
            Some(read) => read,
            None => {
                let yaml: serde_yaml::Value = serde_yaml::from_str(text).map_err(|error| {
                    let position = error.location().map(|l| (l.line(), l.column()));
                    Diagnostics::one(
                        name,
                        "",
                        position,
                        format!("not a YAML or JSON document: {error}"),
                    )
                })?;
                let mut key_order = KeyOrder::new();
                let raw = yaml_to_json(yaml, "", &mut key_order);
                (raw, key_order)
            }
        };
        let version = raw.get("openapi").and_then(Value::as_str).unwrap_or("");
        if !version.starts_with("3.0.") {
            let found = if version.is_empty() {
                "no `openapi` version".to_string()
            } else {
                format!("`openapi: {version}`")
            };
            return Err(Diagnostics::one(
                name,
                "/openapi",
                None,
                format!("only OpenAPI 3.0.x documents are supported, found {found}"),
            ));
        }
        let findings = crate::spec_check::check_for(name, text, &raw, purpose);
        if !findings.problems.is_empty() {
            return Err(Diagnostics(findings.problems));
        }
        // Most documents are well-formed: the plain read is the quick one, the read that
        // tracks where it is only runs to place an error.
        let api = openapiv3::OpenAPI::deserialize(&raw)
            .or_else(|_| serde_path_to_error::deserialize(&raw))
            .map_err(|error| {
                let (pointer, message) = locate_structural_error(&raw)
                    .unwrap_or_else(|| (path_to_pointer(error.path()), error.inner().to_string()));
                Diagnostics::one(
                    name,
                    &pointer,
                    None,
                    format!("not a valid OpenAPI 3.0 document: {message}"),
                )
            })?;
        Ok(Spec {
            name: name.to_string(),
            raw,
            api,
            source: Source {
                name: name.to_string(),
                text: text.into(),
                map: Default::default(),
            },
            warnings: findings.warnings,
            key_order,
        })
    }

    /// The same document with a different JSON tree (e.g. the contract as of an older
    /// version, `crate::versions::view`): keys keep their document order.
    pub fn with_raw(&self, raw: Value) -> Result<Spec, Diagnostics> {
        let api: openapiv3::OpenAPI = serde_path_to_error::deserialize(&raw).map_err(|error| {
            Diagnostics::one(
                &self.name,
                &path_to_pointer(error.path()),
                None,
                format!("not a valid OpenAPI 3.0 document: {}", error.inner()),
            )
        })?;
        let key_order = self
            .key_order
            .iter()
            .filter_map(|(at, keys)| {
                let object = raw.pointer(at)?.as_object()?;
                let keys = keys
                    .iter()
                    .filter(|k| object.contains_key(*k))
                    .cloned()
                    .collect();
                Some((at.clone(), keys))
            })
            .collect();
        // A view keeps the text it came from: every pointer it holds is one of the text's.
        Ok(Spec {
            name: self.name.clone(),
            raw,
            api,
            source: self.source.clone(),
            warnings: self.warnings.clone(),
            key_order,
        })
    }

    /// The keys of the object at `pointer` in the order the document writes them.
    pub fn keys_in_order(&self, pointer: &str) -> Vec<String> {
        match self.key_order.get(pointer) {
            Some(keys) => keys.clone(),
            None => self
                .raw
                .pointer(pointer)
                .and_then(Value::as_object)
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default(),
        }
    }

    /// Every operation, in document order of paths and in [`METHODS`] order within one.
    pub fn operations(&self) -> Vec<OperationRef> {
        let mut operations = Vec::new();
        let Some(paths) = self.raw.get("paths").and_then(Value::as_object) else {
            return operations;
        };
        for path in self.keys_in_order("/paths") {
            let Some(item) = paths.get(&path) else {
                continue;
            };
            for method in METHODS {
                if let Some(operation) = item.get(method) {
                    operations.push(OperationRef {
                        id: operation
                            .get("operationId")
                            .and_then(Value::as_str)
                            .map(str::to_string),
                        method: method.to_ascii_uppercase(),
                        path: path.clone(),
                        pointer: pointer::push(&pointer::push("/paths", &path), method),
                    });
                }
            }
        }
        operations
    }
}

/// The pointer of the JSON body schema of the request body or response at `at` (its
/// `application/json` media type, else the first `…json…` one), if it has one.
pub fn json_body_schema(raw: &Value, at: &str) -> Option<String> {
    let content_at = pointer::push(at, "content");
    let content = raw.pointer(&content_at)?.as_object()?;
    let media = content
        .keys()
        .find(|k| k.as_str() == "application/json")
        .or_else(|| content.keys().find(|k| k.contains("json")))?;
    content[media].get("schema")?;
    Some(pointer::push(&pointer::push(&content_at, media), "schema"))
}

/// Converts YAML to JSON, turning non-string mapping keys (`200:`) into strings, and
/// records each mapping's keys in document order (JSON objects here are sorted maps).
fn yaml_to_json(yaml: serde_yaml::Value, at: &str, order: &mut KeyOrder) -> Value {
    use serde_yaml::Value as Y;
    match yaml {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                n.as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map_or(Value::Null, Value::Number)
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(
            items
                .into_iter()
                .enumerate()
                .map(|(i, item)| yaml_to_json(item, &format!("{at}/{i}"), order))
                .collect(),
        ),
        Y::Mapping(map) => {
            let mut keys = Vec::with_capacity(map.len());
            let mut object = serde_json::Map::new();
            for (key, value) in map {
                let key = match key {
                    Y::String(s) => s,
                    other => serde_yaml::to_string(&other)
                        .unwrap_or_default()
                        .trim_end()
                        .to_string(),
                };
                let value = yaml_to_json(value, &pointer::push(at, &key), order);
                keys.push(key.clone());
                object.insert(key, value);
            }
            order.insert(at.to_string(), keys);
            Value::Object(object)
        }
        Y::Tagged(tagged) => yaml_to_json(tagged.value, at, order),
    }
}

/// `openapiv3` deserialises paths and components through maps that hide the position
/// of an error; deserialising each operation and component on its own finds it.
fn locate_structural_error(raw: &Value) -> Option<(String, String)> {
    fn try_part<T: serde::de::DeserializeOwned>(
        at: String,
        node: &Value,
    ) -> Option<(String, String)> {
        serde_path_to_error::deserialize::<_, T>(node)
            .err()
            .map(|error| {
                (
                    format!("{at}{}", path_to_pointer(error.path())),
                    error.inner().to_string(),
                )
            })
    }
    use openapiv3::{Operation, Parameter, ReferenceOr, RequestBody, Response, Schema};
    let mut found = None;
    if let Some(paths) = raw.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            let at = pointer::push("/paths", path);
            for method in METHODS {
                if let Some(operation) = item.get(method) {
                    found = found
                        .or_else(|| try_part::<Operation>(pointer::push(&at, method), operation));
                }
            }
        }
    }
    type Check = fn(String, &Value) -> Option<(String, String)>;
    let sections: [(&str, Check); 4] = [
        ("schemas", try_part::<ReferenceOr<Schema>>),
        ("parameters", try_part::<ReferenceOr<Parameter>>),
        ("responses", try_part::<ReferenceOr<Response>>),
        ("requestBodies", try_part::<ReferenceOr<RequestBody>>),
    ];
    for (section, check) in sections {
        if let Some(items) = raw
            .pointer(&format!("/components/{section}"))
            .and_then(Value::as_object)
        {
            for (name, node) in items {
                found = found.or_else(|| {
                    check(pointer::push(&format!("/components/{section}"), name), node)
                });
            }
        }
    }
    found
}

fn path_to_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => pointer.push_str(&format!("/{index}")),
            Segment::Map { key } => pointer = crate::pointer::push(&pointer, key),
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    pointer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_yaml_with_numeric_keys() {
        let text = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        200: {description: ok}\n";
        let spec = Spec::from_text("t.yaml", text).unwrap();
        assert!(spec.raw.pointer("/paths/~1a/get/responses/200").is_some());
        assert_eq!(spec.operations()[0].pointer, "/paths/~1a/get");
    }

    #[test]
    fn rejects_openapi_3_1_with_a_pointer() {
        let error = Spec::from_text(
            "t.yaml",
            "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n",
        )
        .unwrap_err();
        assert_eq!(error.0[0].pointer, "/openapi");
        assert!(error.0[0].message.contains("3.1.0"));
    }

    #[test]
    fn reports_yaml_syntax_errors_with_position() {
        let error = Spec::from_text("t.yaml", "openapi: 3.0.3\ninfo: [\n").unwrap_err();
        assert!(error.0[0].position.is_some(), "{error}");
    }

    #[test]
    fn reports_structural_errors_with_a_pointer() {
        let text = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses: 7\n";
        let error = Spec::from_text("t.yaml", text).unwrap_err();
        assert_eq!(error.0[0].pointer, "/paths/~1a/get/responses", "{error}");
    }
}
