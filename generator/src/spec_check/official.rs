//! The official OpenAPI 3.0 JSON Schema (`openapi-3.0.schema.json`, id
//! `https://spec.openapis.org/oas/3.0/schema/2021-09-28`, published by the OpenAPI
//! Initiative under Apache-2.0), applied to a document with `jsonschema` (draft 4).
//!
//! The schema states most nodes as `oneOf: [Schema, Reference]`, whose failure alone
//! says only "matches neither". For such failures the branch the node was evidently
//! meant to be is followed to its own errors, so a message names the real mistake.

use std::sync::OnceLock;

use jsonschema::error::ValidationErrorKind;
use jsonschema::ValidationError;
use serde_json::Value;

const SCHEMA: &str = include_str!("openapi-3.0.schema.json");

fn validator() -> Option<&'static jsonschema::Validator> {
    static VALIDATOR: OnceLock<Option<jsonschema::Validator>> = OnceLock::new();
    VALIDATOR
        .get_or_init(|| {
            let schema: Value = serde_json::from_str(SCHEMA).ok()?;
            jsonschema::draft4::options()
                .should_validate_formats(false)
                .build(&schema)
                .ok()
        })
        .as_ref()
}

/// `(pointer, message, harmless)` for each place the document breaks the official
/// schema. Harmless are omissions and extras nothing here depends on (a response
/// without `description`, an operation with no responses, an unknown field outside a
/// schema): real documents have them, so they warn instead of stopping the document.
pub(super) fn problems(raw: &Value) -> Vec<(String, String, bool)> {
    let Some(validator) = validator() else {
        return vec![(
            String::new(),
            "internal error: the OpenAPI 3.0 schema does not compile".into(),
            false,
        )];
    };
    let mut found = Vec::new();
    for error in validator.iter_errors(raw) {
        explain(&error, &mut found);
    }
    found
}

fn explain(error: &ValidationError<'_>, out: &mut Vec<(String, String, bool)>) {
    match error.kind() {
        ValidationErrorKind::OneOfNotValid { context } | ValidationErrorKind::AnyOf { context }
            if !context.is_empty() =>
        {
            // The branch that got furthest into the node (its errors lie deepest) is
            // the one the author meant; ties go to the branch with fewer errors.
            // A node without `$ref` was not meant to be a Reference Object.
            let has_ref = error
                .instance()
                .as_object()
                .is_some_and(|m| m.contains_key("$ref"));
            let meant = |branch: &&Vec<ValidationError<'static>>| {
                has_ref
                    || !branch.iter().any(|e| {
                        matches!(e.kind(), ValidationErrorKind::Required { property } if property == "$ref")
                    })
            };
            let best = context.iter().filter(meant).max_by_key(|branch| {
                let depth = branch
                    .iter()
                    .map(|e| e.instance_path().as_str().len())
                    .max()
                    .unwrap_or(0);
                (depth, usize::MAX - branch.len())
            });
            if let Some(merged) = merged_enums(context) {
                out.push(merged);
                return;
            }
            match best {
                Some(branch) if !branch.is_empty() => {
                    for inner in branch {
                        explain(inner, out);
                    }
                }
                _ => out.push(plain(error)),
            }
        }
        _ => out.push(plain(error)),
    }
}

fn plain(error: &ValidationError<'_>) -> (String, String, bool) {
    let pointer = error.instance_path().as_str().to_string();
    let harmless = match error.kind() {
        ValidationErrorKind::Required { property } => property == "description",
        ValidationErrorKind::MinProperties { .. } => pointer.ends_with("/responses"),
        // Unknown fields of schemas are our rules' errors; elsewhere (a `type` in a
        // Response Object) every tool ignores them — except in a Responses Object,
        // whose keys are the statuses: one that is none (`2,0`) answers nothing.
        ValidationErrorKind::AdditionalProperties { .. } => !pointer.ends_with("/responses"),
        _ => false,
    };
    let message = match error.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            let keys = unexpected
                .iter()
                .map(|k| format!("`{k}` is"))
                .collect::<Vec<_>>()
                .join(", ");
            if harmless {
                format!("{keys} not a field of this object in OpenAPI 3.0, and is ignored")
            } else {
                format!("{keys} not a status code (`200`, `2XX`, `default`) or an `x-` extension")
            }
        }
        ValidationErrorKind::Required { property } => {
            format!("OpenAPI 3.0 requires {property} here")
        }
        _ => format!("does not match OpenAPI 3.0: {error}"),
    };
    (pointer, message, harmless)
}

/// When every branch refuses the same value for not being one of its few allowed values
/// (a Parameter's `in` is `path` in one branch, `query` in the next, …), one message
/// listing all of them says what the author must write.
fn merged_enums(context: &[Vec<ValidationError<'static>>]) -> Option<(String, String, bool)> {
    let mut pointer: Option<String> = None;
    let mut allowed = Vec::new();
    let mut found = None;
    for branch in context {
        let enums: Vec<_> = branch
            .iter()
            .filter_map(|e| match e.kind() {
                ValidationErrorKind::Enum { options } => Some((e, options)),
                _ => None,
            })
            .collect();
        let [(error, options)] = enums.as_slice() else {
            continue;
        };
        let at = error.instance_path().as_str().to_string();
        if pointer.get_or_insert_with(|| at.clone()) != &at {
            return None;
        }
        found = Some(error.instance().to_string());
        for option in options.as_array().into_iter().flatten() {
            let option = option.to_string();
            if !allowed.contains(&option) {
                allowed.push(option);
            }
        }
    }
    (allowed.len() > 1).then(|| {
        (
            pointer.unwrap_or_default(),
            format!(
                "{} is not allowed here by OpenAPI 3.0; expected one of {}",
                found.unwrap_or_default(),
                allowed.join(", ")
            ),
            false,
        )
    })
}
