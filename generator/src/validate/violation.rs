//! One way a payload breaks the contract, in terms a person can act on.

use jsonschema::error::{TypeKind, ValidationErrorKind};
use serde::Serialize;
use serde_json::Value;

use crate::pointer;

/// One violation: where in the payload, what was found, what the spec expected, and
/// where in the spec the expectation is written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// Which part of an HTTP exchange it is about (`request`, `response`, `query`,
    /// `exchange`); empty when a lone payload is checked.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub part: String,
    /// JSON pointer into the payload (`""` is the whole payload).
    pub pointer: String,
    /// The offending value as compact JSON (shortened when long), or `absent`.
    pub found: String,
    /// What the spec expected there.
    pub expected: String,
    /// JSON pointer into the spec, e.g. `#/components/schemas/Process/properties/instances/minimum`.
    pub spec_location: String,
    /// Where `spec_location` stands in the spec's text, `spec/capi.yaml:2211:11`,
    /// filled in by a report that knows the text.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub spec_position: Option<String>,
}

/// Longest `found` text before it is shortened.
const FOUND_LIMIT: usize = 120;

/// Renders a value compactly, shortening long renderings on a character boundary.
pub fn abbreviate(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() <= FOUND_LIMIT {
        return text;
    }
    let short: String = text.chars().take(FOUND_LIMIT).collect();
    format!("{short}…")
}

/// Converts one JSON Schema error into violations (an `additionalProperties` error names
/// several properties and becomes one violation each). `spec` is the converted document
/// the validator ran against; `raw` the spec as written, for location fix-ups.
pub(crate) fn from_error(error: &jsonschema::ValidationError<'_>, raw: &Value) -> Vec<Violation> {
    let at = error.instance_path().as_str().to_string();
    let location = spec_location(error.schema_path().as_str(), raw);
    let instance = error.instance();
    let one = |pointer: String, found: String, expected: String| Violation {
        part: String::new(),
        pointer,
        found,
        expected,
        spec_location: location.clone(),
        spec_position: None,
    };
    match error.kind() {
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            vec![one(
                pointer::push(&at, name),
                "absent".into(),
                format!("required property \"{name}\""),
            )]
        }
        ValidationErrorKind::AdditionalProperties { unexpected } => unexpected
            .iter()
            .map(|name| {
                let found = instance
                    .get(name)
                    .map_or_else(|| "absent".into(), abbreviate);
                one(
                    pointer::push(&at, name),
                    found,
                    format!("no property \"{name}\" (additionalProperties: false)"),
                )
            })
            .collect(),
        ValidationErrorKind::UnevaluatedProperties { unexpected } => unexpected
            .iter()
            .map(|name| {
                let found = instance
                    .get(name)
                    .map_or_else(|| "absent".into(), abbreviate);
                let expected =
                    format!("no property \"{name}\" (drift: the spec does not declare it)");
                one(pointer::push(&at, name), found, expected)
            })
            .collect(),
        ValidationErrorKind::FalseSchema => {
            vec![one(
                at,
                abbreviate(instance),
                "no value here (the property is not sent in this direction)".into(),
            )]
        }
        ValidationErrorKind::PropertyNames { error: inner } => {
            let name = inner.instance().as_str().unwrap_or_default().to_string();
            let expected = format!(
                "a property name {}",
                describe(inner.kind(), inner.instance())
            );
            vec![Violation {
                part: String::new(),
                pointer: pointer::push(&at, &name),
                found: format!("property name {}", abbreviate(inner.instance())),
                expected,
                spec_location: spec_location(inner.schema_path().as_str(), raw),
                spec_position: None,
            }]
        }
        kind => vec![one(at, abbreviate(instance), describe(kind, instance))],
    }
}

/// What a failed keyword expected, in words.
fn describe(kind: &ValidationErrorKind, instance: &Value) -> String {
    match kind {
        ValidationErrorKind::Type { kind } => match kind {
            TypeKind::Single(t) => format!("type {}", t.as_str()),
            TypeKind::Multiple(set) => {
                // "null" last, so a nullable type reads as written: "integer or null".
                let mut names: Vec<&str> = set.iter().map(|t| t.as_str()).collect();
                names.sort_by_key(|n| *n == "null");
                format!("type {}", names.join(" or "))
            }
        },
        ValidationErrorKind::Enum { options } => format!("one of {options}"),
        ValidationErrorKind::Constant { expected_value } => format!("exactly {expected_value}"),
        ValidationErrorKind::Format { format } => format!("format {format}"),
        ValidationErrorKind::Minimum { limit } => format!("a number >= {limit}"),
        ValidationErrorKind::Maximum { limit } => format!("a number <= {limit}"),
        ValidationErrorKind::ExclusiveMinimum { limit } => format!("a number > {limit}"),
        ValidationErrorKind::ExclusiveMaximum { limit } => format!("a number < {limit}"),
        ValidationErrorKind::MinLength { limit } => format!("at least {limit} characters"),
        ValidationErrorKind::MaxLength { limit } => format!("at most {limit} characters"),
        ValidationErrorKind::MinItems { limit } => format!("at least {limit} items"),
        ValidationErrorKind::MaxItems { limit } => format!("at most {limit} items"),
        ValidationErrorKind::Pattern { pattern } => format!("text matching /{pattern}/"),
        ValidationErrorKind::Not { schema } => {
            match schema.get("required").and_then(Value::as_array) {
                Some(names) if schema.as_object().is_some_and(|s| s.len() == 1) => {
                    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
                    format!("no property {}", names.join(", "))
                }
                _ => format!("a value not matching {schema}"),
            }
        }
        ValidationErrorKind::AnyOf { .. } => {
            "a value matching at least one of the anyOf schemas".into()
        }
        ValidationErrorKind::OneOfNotValid { .. } => {
            "a value matching exactly one of the oneOf schemas".into()
        }
        ValidationErrorKind::OneOfMultipleValid { .. } => {
            "a value matching exactly one of the oneOf schemas (it matches several)".into()
        }
        ValidationErrorKind::UniqueItems => "unique items".into(),
        other => {
            let _ = instance;
            format!("{other:?}")
        }
    }
}

/// Maps a keyword location in the converted document back to the spec as written:
/// drops the `else` the nullable conversion inserted, and points integer-format bounds
/// at the `format` keyword they came from.
fn spec_location(schema_path: &str, raw: &Value) -> String {
    let mut location = String::new();
    let mut previous = String::new();
    for token in pointer::tokens(schema_path) {
        if !(token == "else" && previous != "properties") {
            location = pointer::push(&location, &token);
        }
        previous = token;
    }
    if let Some((parent, keyword)) = location.rsplit_once('/') {
        if matches!(keyword, "minimum" | "maximum")
            && raw.pointer(&location).is_none()
            && raw.pointer(&format!("{parent}/format")).is_some()
        {
            location = format!("{parent}/format");
        }
    }
    format!("#{location}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn abbreviates_long_values() {
        assert_eq!(abbreviate(&json!(1)), "1");
        let long = abbreviate(&json!("é".repeat(300)));
        assert_eq!(long.chars().count(), FOUND_LIMIT + 1);
        assert!(long.ends_with('…'));
    }

    #[test]
    fn maps_locations_back_to_the_spec() {
        let raw = json!({"components": {"schemas": {"P": {"properties": {"n": {"type": "integer", "format": "int32"}}}}}});
        assert_eq!(
            spec_location("/components/schemas/P/properties/n/maximum", &raw),
            "#/components/schemas/P/properties/n/format"
        );
        assert_eq!(
            spec_location("/components/schemas/P/properties/r/else/allOf/0", &raw),
            "#/components/schemas/P/properties/r/allOf/0"
        );
    }
}
