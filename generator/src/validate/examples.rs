//! Every example in a spec, paired with the schema it illustrates, so that a spec's
//! examples can be held to its own schemas.

use serde_json::Value;

use super::dialect::Direction;
use super::target::Target;
use crate::pointer;

/// One example and the schema it must satisfy.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// Pointer of the example in the spec (the `example` key, or the `value` of a named example).
    pub location: String,
    /// The schema it illustrates.
    pub target: Target,
    /// The example's value.
    pub value: Value,
}

/// Collects the examples of component schemas (and their parts), media types of request
/// bodies and responses (`example` and `examples`, following `$ref`s to
/// `components/examples`), and parameters.
pub fn collect(raw: &Value) -> Vec<Example> {
    let mut found = Vec::new();
    if let Some(schemas) = raw
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    {
        for (name, schema) in schemas {
            schema_examples(
                schema,
                &pointer::push("/components/schemas", name),
                &mut found,
            );
        }
    }
    for (path, item) in raw
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let item_at = pointer::push("/paths", path);
        for method in crate::spec::METHODS {
            let Some(operation) = item.get(method) else {
                continue;
            };
            let at = pointer::push(&item_at, method);
            if let Some(body) = operation.get("requestBody") {
                media_examples(
                    raw,
                    body,
                    &pointer::push(&at, "requestBody"),
                    Direction::Request,
                    &mut found,
                );
            }
            for (status, response) in operation
                .get("responses")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                let at = pointer::push(&pointer::push(&at, "responses"), status);
                media_examples(raw, response, &at, Direction::Response, &mut found);
            }
            parameter_examples(operation, &at, &mut found);
        }
        parameter_examples(item, &item_at, &mut found);
    }
    for (section, direction) in [
        ("responses", Direction::Response),
        ("requestBodies", Direction::Request),
    ] {
        let at = format!("/components/{section}");
        for (name, node) in raw
            .pointer(&at)
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            media_examples(raw, node, &pointer::push(&at, name), direction, &mut found);
        }
    }
    if let Some(parameters) = raw
        .pointer("/components/parameters")
        .and_then(Value::as_object)
    {
        for (name, parameter) in parameters {
            single_parameter(
                parameter,
                &pointer::push("/components/parameters", name),
                &mut found,
            );
        }
    }
    found
}

fn schema_examples(schema: &Value, at: &str, found: &mut Vec<Example>) {
    let Value::Object(map) = schema else { return };
    if map.contains_key("$ref") {
        return;
    }
    if let Some(value) = map.get("example") {
        let target = Target {
            direction: Direction::Response,
            schema_pointer: at.to_string(),
            label: format!("schema #{at}"),
        };
        found.push(Example {
            location: pointer::push(at, "example"),
            target,
            value: value.clone(),
        });
    }
    for (key, child) in map {
        match key.as_str() {
            "properties" => {
                for (name, property) in child.as_object().into_iter().flatten() {
                    schema_examples(
                        property,
                        &pointer::push(&pointer::push(at, key), name),
                        found,
                    );
                }
            }
            "items" | "additionalProperties" | "not" => {
                schema_examples(child, &pointer::push(at, key), found)
            }
            "allOf" | "anyOf" | "oneOf" => {
                for (i, branch) in child.as_array().into_iter().flatten().enumerate() {
                    schema_examples(branch, &format!("{at}/{key}/{i}"), found);
                }
            }
            _ => {}
        }
    }
}

fn media_examples(
    raw: &Value,
    node: &Value,
    at: &str,
    direction: Direction,
    found: &mut Vec<Example>,
) {
    if node.get("$ref").is_some() {
        return; // the referenced component is visited on its own
    }
    for (media, content) in node
        .get("content")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let media_at = pointer::push(&pointer::push(at, "content"), media);
        if content.get("schema").is_none() {
            continue;
        }
        let target = Target {
            direction,
            schema_pointer: pointer::push(&media_at, "schema"),
            label: format!("#{media_at}"),
        };
        if let Some(value) = content.get("example") {
            found.push(Example {
                location: pointer::push(&media_at, "example"),
                target: target.clone(),
                value: value.clone(),
            });
        }
        for name in content
            .get("examples")
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(|m| m.keys())
        {
            let example_at = pointer::push(&pointer::push(&media_at, "examples"), name);
            let Some((resolved_at, resolved)) = pointer::resolve(raw, &example_at) else {
                continue;
            };
            if let Some(value) = resolved.get("value") {
                let location = pointer::push(&resolved_at, "value");
                found.push(Example {
                    location,
                    target: target.clone(),
                    value: value.clone(),
                });
            }
        }
    }
}

fn parameter_examples(node: &Value, at: &str, found: &mut Vec<Example>) {
    for (i, parameter) in node
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        single_parameter(parameter, &format!("{at}/parameters/{i}"), found);
    }
}

fn single_parameter(parameter: &Value, at: &str, found: &mut Vec<Example>) {
    if let (Some(value), Some(_)) = (parameter.get("example"), parameter.get("schema")) {
        let target = Target {
            direction: Direction::Request,
            schema_pointer: pointer::push(at, "schema"),
            label: format!("#{at}"),
        };
        found.push(Example {
            location: pointer::push(at, "example"),
            target,
            value: value.clone(),
        });
    }
}
