//! Nullable references: the one form the contract writes "this schema, or `null`" in.
//!
//! OpenAPI 3.0.3 lets `nullable: true` add `null` only to a `type` in the same schema
//! object, so `nullable: true` beside `allOf: [$ref]` does not make a reference nullable
//! for a strict reader. The contract writes a nullable reference as a choice between the
//! reference and a schema that accepts only `null`:
//!
//! ```yaml
//! anyOf:
//!   - $ref: '#/components/schemas/Link'
//!   - $ref: '#/components/schemas/NullValue'   # {type: object, nullable: true, enum: [null]}
//! ```
//!
//! Lowering (`Option<T>` / `Tristate<T>`), the validator's dialect and its error locations
//! all recognise that shape here, so they agree on it.

use serde_json::{Map, Value};

use crate::pointer;

/// Keywords that describe a schema without constraining values.
const ANNOTATIONS: [&str; 7] = [
    "description",
    "title",
    "example",
    "examples",
    "deprecated",
    "externalDocs",
    "default",
];

/// Whether `schema` accepts only `null`: its `enum` (through local `$ref`s in `doc`) is
/// exactly `[null]`.
pub fn is_null_only(doc: &Value, schema: &Value) -> bool {
    let resolved = match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => match pointer::resolve(doc, reference) {
            Some((_, node)) => node,
            None => return false,
        },
        None => schema,
    };
    resolved
        .get("enum")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        == Some(&[Value::Null])
}

/// A nullable reference: `anyOf` (or `oneOf`) of exactly two branches, one of which
/// accepts only `null`, beside nothing but annotations. Gives the combinator and the
/// index of the other branch.
pub fn variant(doc: &Value, schema: &Map<String, Value>) -> Option<(&'static str, usize)> {
    let combinator = ["anyOf", "oneOf"]
        .into_iter()
        .find(|c| schema.contains_key(*c))?;
    let only_annotations = schema.keys().all(|key| {
        key == combinator || key.starts_with("x-") || ANNOTATIONS.contains(&key.as_str())
    });
    let branches = schema.get(combinator)?.as_array()?;
    if !only_annotations || branches.len() != 2 {
        return None;
    }
    match (
        is_null_only(doc, &branches[0]),
        is_null_only(doc, &branches[1]),
    ) {
        (false, true) => Some((combinator, 0)),
        (true, false) => Some((combinator, 1)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({"components": {"schemas": {
            "NullValue": {"type": "object", "nullable": true, "enum": [null]},
            "Link": {"type": "object"}}}})
    }

    fn variant_of(schema: Value) -> Option<(&'static str, usize)> {
        variant(&doc(), schema.as_object().unwrap())
    }

    #[test]
    fn recognises_a_reference_or_null() {
        let link = json!({"$ref": "#/components/schemas/Link"});
        let only_null = json!({"$ref": "#/components/schemas/NullValue"});
        assert_eq!(
            variant_of(json!({"description": "d", "anyOf": [link, only_null]})),
            Some(("anyOf", 0))
        );
        assert_eq!(
            variant_of(
                json!({"oneOf": [{"type": "string", "nullable": true, "enum": [null]}, link]})
            ),
            Some(("oneOf", 1))
        );
    }

    #[test]
    fn other_unions_are_not_nullable_references() {
        let link = json!({"$ref": "#/components/schemas/Link"});
        let only_null = json!({"$ref": "#/components/schemas/NullValue"});
        assert_eq!(variant_of(json!({"anyOf": [link, link]})), None);
        assert_eq!(variant_of(json!({"anyOf": [link, only_null, link]})), None);
        assert_eq!(
            variant_of(json!({"type": "object", "anyOf": [link, only_null]})),
            None
        );
        assert_eq!(
            variant_of(json!({"anyOf": [link, {"$ref": "#/nowhere"}]})),
            None
        );
    }
}
