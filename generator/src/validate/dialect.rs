//! Converts OpenAPI 3.0 schema objects into JSON Schema (draft 2020-12).
//!
//! The two dialects differ in ways that change verdicts, so each difference is handled
//! here and nowhere else:
//!
//! * `nullable: true` adds `"null"` to `type` (and to `enum`); without a `type` (e.g. a
//!   nullable `allOf: [$ref]`, which a strict reader takes as *not* nullable) the schema
//!   becomes `if {type: null} else {…}`, so that a non-null value still gets the inner
//!   schema's detailed errors;
//! * a nullable reference written the strict way, `anyOf: [$ref, <only null>]`
//!   ([`crate::nullable`]), becomes the same `if {type: null} else {$ref}` for the same
//!   reason (the two say the same);
//! * siblings of `$ref` are ignored in OpenAPI 3.0, so they are dropped;
//! * boolean `exclusiveMinimum`/`exclusiveMaximum` become numeric bounds;
//! * `readOnly` properties may not appear in requests and `writeOnly` ones not in
//!   responses (and neither is required there);
//! * `format: int32`/`int64` become range bounds; other formats (`uuid`, `date-time`,
//!   …) are kept for the JSON Schema validator to check;
//! * the extension `x-property-names` becomes `propertyNames`;
//! * annotations JSON Schema does not know (`example`, `discriminator`, `x-*`, …) go.
//!
//! The same conversion, with annotations kept ([`Flavor::OpenApi31`]), writes the
//! contract's OpenAPI 3.1 rendition ([`crate::openapi31`]): there a schema `example`
//! becomes `examples`, integer formats stay beside their bounds, a schema that accepts
//! only `null` is `type: "null"`, and an `allOf: [$ref]` wrapper becomes a `$ref` with
//! siblings (which 3.1 allows).
//!
//! The whole document is converted in place — every node keeps its JSON pointer — so a
//! compiled validator's error locations are locations in the spec.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::nullable;

/// Which way a payload travels; it decides how `readOnly` and `writeOnly` apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    /// A request body, sent by a client.
    Request,
    /// A response body, sent by the server.
    Response,
}

/// What a converted schema is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flavor {
    /// Validating payloads that travel one way: only what decides a verdict is kept.
    Validation(Direction),
    /// The OpenAPI 3.1 rendition: every rule, and every annotation, for other tools.
    OpenApi31,
}

/// Keywords of the OpenAPI 3.0 schema object that carry no meaning for validation.
const DROPPED: [&str; 9] = [
    "example",
    "externalDocs",
    "xml",
    "discriminator",
    "deprecated",
    "readOnly",
    "writeOnly",
    "nullable",
    "title",
];

/// Keywords that only describe a schema: an `allOf: [$ref]` beside nothing else is a
/// plain reference in OpenAPI 3.1.
const ANNOTATIONS: [&str; 7] = [
    "description",
    "title",
    "examples",
    "deprecated",
    "externalDocs",
    "default",
    "readOnly",
];

/// Converts every schema in an OpenAPI document, leaving all other nodes as they are.
pub fn convert_document(doc: &Value, direction: Direction) -> Value {
    convert_document_as(doc, Flavor::Validation(direction))
}

/// Converts every schema in an OpenAPI document for `flavor`, leaving all other nodes
/// as they are.
pub fn convert_document_as(doc: &Value, flavor: Flavor) -> Value {
    let mut out = doc.clone();
    let converter = Converter { doc, flavor };
    converter.schemas_in(&mut out, false);
    out
}

/// Like [`convert_document`] for responses, and also refuses properties the spec does
/// not declare (`unevaluatedProperties: false` on every object schema that leaves
/// `additionalProperties` unsaid), to find fields a newer server sends: drift. Schemas
/// that are `allOf` branches are left open; the schema holding the `allOf` closes them.
pub fn convert_document_strict(doc: &Value) -> Value {
    let mut out = convert_document(doc, Direction::Response);
    let branches = allof_targets(doc);
    close_objects(&mut out, "", &branches, false);
    out
}

/// Converts one OpenAPI 3.0 schema object (and everything below it) for validation;
/// its `$ref`s point into `doc`.
pub fn convert_schema(doc: &Value, schema: &Value, direction: Direction) -> Value {
    Converter {
        doc,
        flavor: Flavor::Validation(direction),
    }
    .schema(schema)
}

/// Pointers of schemas that appear as `allOf` branches (by `$ref`).
fn allof_targets(doc: &Value) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut stack = vec![doc];
    while let Some(node) = stack.pop() {
        match node {
            Value::Object(map) => {
                for branch in map
                    .get("allOf")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if let Some(reference) = branch.get("$ref").and_then(Value::as_str) {
                        found.insert(reference.trim_start_matches('#').to_string());
                    }
                }
                stack.extend(map.values());
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    found
}

/// Adds `unevaluatedProperties: false` below `at` (in a converted document), skipping
/// `allOf` branches and schemas that already say what extra properties may be.
fn close_objects(node: &mut Value, at: &str, branches: &BTreeSet<String>, in_allof: bool) {
    let Value::Object(map) = node else {
        if let Value::Array(items) = node {
            for (i, item) in items.iter_mut().enumerate() {
                close_objects(item, &format!("{at}/{i}"), branches, in_allof);
            }
        }
        return;
    };
    let is_object = map.contains_key("properties") || map.contains_key("allOf");
    let says =
        map.contains_key("additionalProperties") || map.contains_key("unevaluatedProperties");
    if is_object && !says && !in_allof && !branches.contains(at) && !map.contains_key("$ref") {
        map.insert("unevaluatedProperties".into(), Value::Bool(false));
    }
    let keys: Vec<String> = map.keys().cloned().collect();
    for key in keys {
        if matches!(
            key.as_str(),
            "example" | "examples" | "enum" | "const" | "default"
        ) {
            continue;
        }
        let child_at = crate::pointer::push(at, &key);
        if let Some(child) = map.get_mut(&key) {
            close_objects(child, &child_at, branches, key == "allOf");
        }
    }
}

/// One conversion: the document (for `$ref`s) and what it is for.
struct Converter<'a> {
    doc: &'a Value,
    flavor: Flavor,
}

impl Converter<'_> {
    /// Walks the document and converts each node in a schema position: the values of
    /// `components.schemas` and of every `schema` key (parameters, media types, headers).
    fn schemas_in(&self, node: &mut Value, in_components: bool) {
        let Value::Object(map) = node else {
            if let Value::Array(items) = node {
                items
                    .iter_mut()
                    .for_each(|item| self.schemas_in(item, false));
            }
            return;
        };
        for (key, value) in map.iter_mut() {
            match key.as_str() {
                "example" | "examples" => {}
                "schema" => *value = self.schema(value),
                "schemas" if in_components => {
                    if let Value::Object(schemas) = value {
                        for schema in schemas.values_mut() {
                            *schema = self.schema(schema);
                        }
                    }
                }
                "components" => self.schemas_in(value, true),
                _ => self.schemas_in(value, false),
            }
        }
    }

    fn direction(&self) -> Option<Direction> {
        match self.flavor {
            Flavor::Validation(direction) => Some(direction),
            Flavor::OpenApi31 => None,
        }
    }

    fn keeps(&self, key: &str) -> bool {
        match self.flavor {
            Flavor::Validation(_) => {
                !DROPPED.contains(&key) && (!key.starts_with("x-") || key == "x-property-names")
            }
            Flavor::OpenApi31 => key != "nullable",
        }
    }

    /// Converts one OpenAPI 3.0 schema object (and everything below it).
    fn schema(&self, schema: &Value) -> Value {
        let Value::Object(source) = schema else {
            return schema.clone();
        };
        if let Some(reference) = source.get("$ref") {
            return Value::Object(Map::from_iter([("$ref".to_string(), reference.clone())]));
        }
        if let (Flavor::Validation(_), Some((combinator, index))) =
            (self.flavor, nullable::variant(self.doc, source))
        {
            let other = &source[combinator][index];
            return serde_json::json!({"if": {"type": "null"}, "else": self.schema(other)});
        }
        let mut out = Map::new();
        for (key, value) in source {
            if !self.keeps(key) {
                continue;
            }
            let converted = match key.as_str() {
                "properties" => self.properties(value),
                "items" | "not" | "x-property-names" => self.schema(value),
                "additionalProperties" if value.is_object() => self.schema(value),
                "allOf" | "anyOf" | "oneOf" => match value {
                    Value::Array(items) => {
                        Value::Array(items.iter().map(|s| self.schema(s)).collect())
                    }
                    other => other.clone(),
                },
                _ => value.clone(),
            };
            let key = match key.as_str() {
                "x-property-names" => "propertyNames",
                "example" => "examples",
                other => other,
            };
            let converted = if key == "examples" && !source.contains_key("examples") {
                Value::Array(vec![converted])
            } else {
                converted
            };
            out.insert(key.to_string(), converted);
        }
        convert_exclusive_bound(&mut out, "exclusiveMinimum", "minimum");
        convert_exclusive_bound(&mut out, "exclusiveMaximum", "maximum");
        convert_integer_format(&mut out, self.flavor == Flavor::OpenApi31);
        if let Some(direction) = self.direction() {
            drop_hidden_from_required(source, &mut out, direction);
        }
        if self.flavor == Flavor::OpenApi31 {
            unwrap_single_reference(&mut out);
        }
        let out = if source.get("nullable") == Some(&Value::Bool(true)) {
            make_nullable(out)
        } else {
            Value::Object(out)
        };
        match (self.flavor, out) {
            (Flavor::OpenApi31, Value::Object(mut map)) => {
                only_null_as_type(&mut map);
                Value::Object(map)
            }
            (_, out) => out,
        }
    }

    fn properties(&self, properties: &Value) -> Value {
        let Value::Object(properties) = properties else {
            return properties.clone();
        };
        let converted = properties
            .iter()
            .map(|(name, schema)| {
                let hidden = self.direction().is_some_and(|d| is_hidden(schema, d));
                let value = if hidden {
                    Value::Bool(false)
                } else {
                    self.schema(schema)
                };
                (name.clone(), value)
            })
            .collect();
        Value::Object(converted)
    }
}

/// Whether a property schema may not appear in this direction.
fn is_hidden(schema: &Value, direction: Direction) -> bool {
    let flag = match direction {
        Direction::Request => "readOnly",
        Direction::Response => "writeOnly",
    };
    schema.get("$ref").is_none() && schema.get(flag) == Some(&Value::Bool(true))
}

fn drop_hidden_from_required(
    source: &Map<String, Value>,
    out: &mut Map<String, Value>,
    direction: Direction,
) {
    let (Some(Value::Object(properties)), Some(Value::Array(required))) =
        (source.get("properties"), out.get_mut("required"))
    else {
        return;
    };
    required.retain(|name| {
        let schema = name.as_str().and_then(|n| properties.get(n));
        !schema.is_some_and(|s| is_hidden(s, direction))
    });
}

fn convert_exclusive_bound(out: &mut Map<String, Value>, exclusive: &str, inclusive: &str) {
    match out.get(exclusive) {
        Some(Value::Bool(true)) => match out.remove(inclusive) {
            Some(limit) => {
                out.insert(exclusive.to_string(), limit);
            }
            None => {
                out.remove(exclusive);
            }
        },
        Some(Value::Bool(false)) => {
            out.remove(exclusive);
        }
        _ => {}
    }
}

/// `format: int32`/`int64` as range bounds; `keep_format` leaves the format beside them
/// (code generators read it).
fn convert_integer_format(out: &mut Map<String, Value>, keep_format: bool) {
    let (low, high) = match out.get("format").and_then(Value::as_str) {
        Some("int32") => (i64::from(i32::MIN), i64::from(i32::MAX)),
        Some("int64") => (i64::MIN, i64::MAX),
        _ => return,
    };
    if !keep_format {
        out.remove("format");
    }
    let tighter_low = match out.get("minimum").and_then(Value::as_f64) {
        Some(existing) => existing < low as f64,
        None => !out.contains_key("exclusiveMinimum"),
    };
    if tighter_low {
        out.insert("minimum".to_string(), Value::from(low));
    }
    let tighter_high = match out.get("maximum").and_then(Value::as_f64) {
        Some(existing) => existing > high as f64,
        None => !out.contains_key("exclusiveMaximum"),
    };
    if tighter_high {
        out.insert("maximum".to_string(), Value::from(high));
    }
}

/// `allOf: [{$ref}]` beside annotations only becomes `$ref` beside them (OpenAPI 3.1).
fn unwrap_single_reference(out: &mut Map<String, Value>) {
    let single = match out
        .get("allOf")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
    {
        Some([Value::Object(branch)]) if branch.len() == 1 => branch.get("$ref").cloned(),
        _ => None,
    };
    let only_annotations = out
        .keys()
        .all(|k| k == "allOf" || k.starts_with("x-") || ANNOTATIONS.contains(&k.as_str()));
    if let (Some(reference), true) = (single, only_annotations) {
        out.remove("allOf");
        out.insert("$ref".to_string(), reference);
    }
}

/// A schema whose enum is only `null` says so with `type: "null"` (OpenAPI 3.1).
fn only_null_as_type(out: &mut Map<String, Value>) {
    if out.get("enum").and_then(Value::as_array).map(Vec::as_slice) == Some(&[Value::Null]) {
        out.remove("enum");
        out.insert("type".to_string(), Value::from("null"));
    }
}

fn make_nullable(mut out: Map<String, Value>) -> Value {
    if let Some(Value::Array(options)) = out.get_mut("enum") {
        if !options.contains(&Value::Null) {
            options.push(Value::Null);
        }
    }
    match out.get_mut("type") {
        Some(Value::String(single)) => {
            let single = std::mem::take(single);
            out.insert("type".to_string(), serde_json::json!([single, "null"]));
            Value::Object(out)
        }
        Some(Value::Array(types)) => {
            if !types.contains(&Value::from("null")) {
                types.push(Value::from("null"));
            }
            Value::Object(out)
        }
        _ => serde_json::json!({"if": {"type": "null"}, "else": Value::Object(out)}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(input: Value, direction: Direction, expected: Value) {
        assert_eq!(
            convert_schema(&doc(), &input, direction),
            expected,
            "converting {input}"
        );
    }
    fn response(input: Value, expected: Value) {
        check(input, Direction::Response, expected)
    }
    fn doc() -> Value {
        json!({"components": {"schemas": {
            "Link": {"type": "object"},
            "NullValue": {"type": "object", "nullable": true, "enum": [null]}}}})
    }
    fn rendition(input: Value, expected: Value) {
        let doc = json!({"components": {"schemas": {"S": input.clone()}}});
        let out = convert_document_as(&doc, Flavor::OpenApi31);
        assert_eq!(
            out["components"]["schemas"]["S"], expected,
            "rendering {input}"
        );
    }

    #[test]
    fn nullable_adds_null_to_type_and_enum() {
        response(
            json!({"type": "string", "nullable": true}),
            json!({"type": ["string", "null"]}),
        );
        response(
            json!({"type": "string", "enum": ["a"], "nullable": true}),
            json!({"type": ["string", "null"], "enum": ["a", null]}),
        );
        response(
            json!({"type": "string", "nullable": false}),
            json!({"type": "string"}),
        );
    }

    #[test]
    fn nullable_reference_keeps_inner_errors() {
        response(
            json!({"nullable": true, "allOf": [{"$ref": "#/components/schemas/Link"}]}),
            json!({"if": {"type": "null"}, "else": {"allOf": [{"$ref": "#/components/schemas/Link"}]}}),
        );
    }

    #[test]
    fn strict_nullable_reference_keeps_inner_errors() {
        response(
            json!({"description": "d", "anyOf": [{"$ref": "#/components/schemas/Link"}, {"$ref": "#/components/schemas/NullValue"}]}),
            json!({"if": {"type": "null"}, "else": {"$ref": "#/components/schemas/Link"}}),
        );
        response(
            json!({"anyOf": [{"$ref": "#/components/schemas/Link"}, {"type": "object"}]}),
            json!({"anyOf": [{"$ref": "#/components/schemas/Link"}, {"type": "object"}]}),
        );
    }

    #[test]
    fn openapi31_keeps_annotations_and_speaks_2020_12() {
        rendition(
            json!({"type": "integer", "format": "int32", "nullable": true, "description": "d", "example": 5, "x-cf-since": "3.0"}),
            json!({"type": ["integer", "null"], "format": "int32", "minimum": -2147483648i64, "maximum": 2147483647, "description": "d", "examples": [5], "x-cf-since": "3.0"}),
        );
        rendition(
            json!({"type": "object", "x-property-names": {"$ref": "#/components/schemas/Key"}}),
            json!({"type": "object", "propertyNames": {"$ref": "#/components/schemas/Key"}}),
        );
        rendition(
            json!({"description": "only null", "type": "object", "nullable": true, "enum": [null]}),
            json!({"description": "only null", "type": "null"}),
        );
        rendition(
            json!({"description": "d", "allOf": [{"$ref": "#/components/schemas/Link"}]}),
            json!({"description": "d", "$ref": "#/components/schemas/Link"}),
        );
        rendition(
            json!({"anyOf": [{"$ref": "#/components/schemas/Link"}, {"$ref": "#/components/schemas/NullValue"}]}),
            json!({"anyOf": [{"$ref": "#/components/schemas/Link"}, {"$ref": "#/components/schemas/NullValue"}]}),
        );
        rendition(
            json!({"type": "object", "required": ["id"], "properties": {"id": {"type": "string", "readOnly": true}}}),
            json!({"type": "object", "required": ["id"], "properties": {"id": {"type": "string", "readOnly": true}}}),
        );
    }

    #[test]
    fn reference_siblings_are_ignored() {
        response(
            json!({"$ref": "#/x", "nullable": true, "description": "d"}),
            json!({"$ref": "#/x"}),
        );
    }

    #[test]
    fn boolean_exclusive_bounds_become_numeric() {
        response(
            json!({"type": "number", "minimum": 0, "exclusiveMinimum": true}),
            json!({"type": "number", "exclusiveMinimum": 0}),
        );
        response(
            json!({"type": "number", "maximum": 9, "exclusiveMaximum": false}),
            json!({"type": "number", "maximum": 9}),
        );
    }

    #[test]
    fn integer_formats_become_bounds() {
        response(
            json!({"type": "integer", "format": "int32"}),
            json!({"type": "integer", "minimum": -2147483648i64, "maximum": 2147483647}),
        );
        response(
            json!({"type": "integer", "format": "int32", "minimum": 1}),
            json!({"type": "integer", "minimum": 1, "maximum": 2147483647}),
        );
        response(
            json!({"type": "string", "format": "uuid"}),
            json!({"type": "string", "format": "uuid"}),
        );
    }

    #[test]
    fn read_only_and_write_only_follow_direction() {
        let schema = json!({"type": "object", "required": ["id", "secret"], "properties": {
            "id": {"type": "string", "readOnly": true}, "secret": {"type": "string", "writeOnly": true}}});
        check(
            schema.clone(),
            Direction::Request,
            json!({"type": "object", "required": ["secret"], "properties": {"id": false, "secret": {"type": "string"}}}),
        );
        check(
            schema,
            Direction::Response,
            json!({"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}, "secret": false}}),
        );
    }

    #[test]
    fn property_names_extension_and_annotations() {
        response(
            json!({"type": "object", "x-property-names": {"pattern": "^a"}, "x-other": 1, "example": {}}),
            json!({"type": "object", "propertyNames": {"pattern": "^a"}}),
        );
    }

    #[test]
    fn nested_schemas_are_converted() {
        response(
            json!({"type": "array", "items": {"type": "object", "additionalProperties": {"type": "integer", "nullable": true}}}),
            json!({"type": "array", "items": {"type": "object", "additionalProperties": {"type": ["integer", "null"]}}}),
        );
    }

    #[test]
    fn strict_documents_close_objects_but_not_allof_branches() {
        let doc = json!({"components": {"schemas": {
            "A": {"type": "object", "properties": {"a": {"type": "string"}}},
            "B": {"allOf": [{"$ref": "#/components/schemas/A"}, {"type": "object", "properties": {"b": {}}}]},
            "M": {"type": "object", "additionalProperties": {"type": "string"}}}}});
        let out = convert_document_strict(&doc);
        let schemas = &out["components"]["schemas"];
        assert_eq!(
            schemas["A"].get("unevaluatedProperties"),
            None,
            "A is an allOf branch"
        );
        assert_eq!(schemas["B"]["unevaluatedProperties"], json!(false));
        assert_eq!(schemas["B"]["allOf"][1].get("unevaluatedProperties"), None);
        assert_eq!(schemas["M"].get("unevaluatedProperties"), None);
    }
    #[test]
    fn document_walk_skips_examples() {
        let doc = json!({"components": {"schemas": {"A": {"type": "string", "nullable": true}},
            "examples": {"E": {"value": {"schema": {"nullable": true}}}}}});
        let out = convert_document(&doc, Direction::Response);
        assert_eq!(
            out["components"]["schemas"]["A"],
            json!({"type": ["string", "null"]})
        );
        assert_eq!(out["components"]["examples"], doc["components"]["examples"]);
    }
}
