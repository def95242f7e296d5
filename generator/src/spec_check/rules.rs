//! The rules this toolkit relies on that the official schema does not state, or states
//! only as "matches neither branch": every schema's `type` and keywords, `required`
//! names that are properties, unique `operationId`s, path parameters declared exactly
//! once for every template variable, local `$ref`s that resolve, and no cycle of bare
//! references (`A: {$ref: B}`, `B: {$ref: A}` describes no value at all).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::pointer;
use crate::spec::METHODS;

/// The keywords of an OpenAPI 3.0 Schema Object (besides `x-` extensions).
const SCHEMA_KEYWORDS: [&str; 36] = [
    "$ref",
    "title",
    "multipleOf",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "maxProperties",
    "minProperties",
    "required",
    "enum",
    "type",
    "not",
    "allOf",
    "oneOf",
    "anyOf",
    "items",
    "properties",
    "additionalProperties",
    "description",
    "format",
    "default",
    "nullable",
    "discriminator",
    "readOnly",
    "writeOnly",
    "example",
    "externalDocs",
    "deprecated",
    "xml",
];

const TYPES: [&str; 6] = ["array", "boolean", "integer", "number", "object", "string"];

type Problems = Vec<(String, String)>;

/// `(pointer, message)` for each rule the document breaks: those that make it unfit for
/// any use, and those OpenAPI allows that code generation relies on (a `required` name
/// that is no property).
pub(super) fn problems(raw: &Value) -> (Problems, Problems) {
    let mut found = Problems::new();
    let mut for_codegen = Problems::new();
    for (at, schema) in schemas(raw) {
        schema_rules(raw, &at, schema, &mut found, &mut for_codegen);
    }
    operation_ids(raw, &mut found);
    path_parameters(raw, &mut found);
    references(raw, &mut found);
    (found, for_codegen)
}

/// The nearest of `candidates` to `word`, when it is near enough to be a typo.
fn suggestion<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .filter(|(distance, c)| *distance <= 2.max(c.len() / 4) && *distance < c.len())
        .min()
        .map(|(_, c)| c)
}

fn did_you_mean(word: &str, candidates: &[&str]) -> String {
    match suggestion(word, candidates.iter().copied()) {
        Some(near) => format!("; did you mean `{near}`?"),
        None => String::new(),
    }
}

fn schema_rules(
    raw: &Value,
    at: &str,
    schema: &Map<String, Value>,
    found: &mut Problems,
    for_codegen: &mut Problems,
) {
    for key in schema.keys() {
        if !key.starts_with("x-") && !SCHEMA_KEYWORDS.contains(&key.as_str()) {
            found.push((
                pointer::push(at, key),
                format!(
                    "`{key}` is not a keyword of an OpenAPI 3.0 schema{}",
                    did_you_mean(key, &SCHEMA_KEYWORDS)
                ),
            ));
        }
    }
    match schema.get("type") {
        Some(Value::String(name)) if !TYPES.contains(&name.as_str()) => found.push((
            pointer::push(at, "type"),
            format!(
                "`type: {name}` is not an OpenAPI 3.0 type (array, boolean, integer, number, object, string){}",
                did_you_mean(name, &TYPES)
            ),
        )),
        Some(Value::String(_)) | None => {}
        Some(other) => found.push((
            pointer::push(at, "type"),
            format!("`type` must be one type name in OpenAPI 3.0 (a list such as `[string, \"null\"]` is 3.1; use `nullable: true`), found {other}"),
        )),
    }
    if let Some(Value::Array(required)) = schema.get("required") {
        let declared = declared_properties(raw, schema);
        if let Some(declared) = declared {
            for (i, name) in required.iter().enumerate() {
                let Some(name) = name.as_str() else { continue };
                if !declared.contains(name) {
                    for_codegen.push((
                        format!("{at}/required/{i}"),
                        format!(
                            "`{name}` is required but is not a property{}",
                            did_you_mean(name, &declared.iter().copied().collect::<Vec<_>>())
                        ),
                    ));
                }
            }
        }
    }
}

/// The property names a schema declares itself or through its `allOf` branches, or
/// `None` when undeclared names are legitimate (no `properties` anywhere, or free-form
/// additional properties).
fn declared_properties<'a>(
    raw: &'a Value,
    schema: &'a Map<String, Value>,
) -> Option<BTreeSet<&'a str>> {
    let mut names = BTreeSet::new();
    let mut any = false;
    let mut pending = vec![schema];
    let mut depth = 0;
    while let Some(node) = pending.pop() {
        depth += 1;
        if depth > 64 {
            return None;
        }
        if let Some(Value::Object(properties)) = node.get("properties") {
            any = true;
            names.extend(properties.keys().map(String::as_str));
        }
        if matches!(
            node.get("additionalProperties"),
            Some(Value::Object(_)) | Some(Value::Bool(true))
        ) {
            return None;
        }
        for branch in node
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let resolved = match branch.get("$ref").and_then(Value::as_str) {
                Some(reference) => reference
                    .strip_prefix('#')
                    .and_then(|p| pointer::resolve(raw, p))
                    .map(|(_, node)| node),
                None => Some(branch),
            };
            if let Some(Value::Object(map)) = resolved {
                pending.push(map);
            }
        }
    }
    any.then_some(names)
}

/// Every schema object of the document with its pointer: component schemas, parameter,
/// header and media-type schemas, and everything nested in them.
fn schemas(raw: &Value) -> Vec<(String, &Map<String, Value>)> {
    let mut roots: Vec<(String, &Value)> = Vec::new();
    if let Some(Value::Object(components)) = raw.pointer("/components/schemas") {
        for (name, schema) in components {
            roots.push((pointer::push("/components/schemas", name), schema));
        }
    }
    find_schema_slots(raw, &mut String::new(), &mut roots);
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    while let Some((at, node)) = roots.pop() {
        let Value::Object(schema) = node else {
            continue;
        };
        if !seen.insert(at.clone()) {
            continue;
        }
        for key in ["items", "not", "additionalProperties"] {
            if let Some(child @ Value::Object(_)) = schema.get(key) {
                roots.push((pointer::push(&at, key), child));
            }
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            for (i, child) in schema
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                roots.push((format!("{}/{i}", pointer::push(&at, key)), child));
            }
        }
        if let Some(Value::Object(properties)) = schema.get("properties") {
            for (name, child) in properties {
                roots.push((
                    pointer::push(&pointer::push(&at, "properties"), name),
                    child,
                ));
            }
        }
        out.push((at, schema));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// `schema` members of parameters, headers and media types, outside component schemas.
/// `at` is the pointer of `node`, extended and restored in place (one buffer for the
/// whole walk: a pointer is made only for the slots found).
fn find_schema_slots<'a>(node: &'a Value, at: &mut String, out: &mut Vec<(String, &'a Value)>) {
    let len = at.len();
    match node {
        Value::Object(map) => {
            for (key, value) in map {
                at.push('/');
                pointer::push_escaped(at, key);
                if key == "schema" && value.is_object() {
                    out.push((at.clone(), value));
                } else if !matches!(key.as_str(), "example" | "examples" | "default" | "enum")
                    && at != "/components/schemas"
                {
                    find_schema_slots(value, at, out);
                }
                at.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                push_index(at, i);
                find_schema_slots(item, at, out);
                at.truncate(len);
            }
        }
        _ => {}
    }
}

/// Appends `/i` to a pointer.
fn push_index(at: &mut String, i: usize) {
    use std::fmt::Write as _;
    let _ = write!(at, "/{i}");
}

fn operations(raw: &Value) -> Vec<(String, String, &Value, &Value)> {
    let mut out = Vec::new();
    for (path, item) in raw
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for method in METHODS {
            if let Some(operation) = item.get(method) {
                let at = pointer::push(&pointer::push("/paths", path), method);
                out.push((path.clone(), at, item, operation));
            }
        }
    }
    out
}

fn operation_ids(raw: &Value, found: &mut Problems) {
    let mut first: BTreeMap<&str, String> = BTreeMap::new();
    for (_, at, _, operation) in operations(raw) {
        let Some(id) = operation.get("operationId").and_then(Value::as_str) else {
            continue;
        };
        match first.get(id) {
            Some(earlier) => found.push((
                format!("{at}/operationId"),
                format!(
                    "operationId `{id}` is used twice (first at #{earlier}); each must be unique"
                ),
            )),
            None => {
                first.insert(id, at);
            }
        }
    }
}

/// The `(name, in)` of each parameter in a parameter list, `$ref`s resolved.
fn parameters<'a>(raw: &'a Value, list: Option<&'a Value>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for parameter in list.and_then(Value::as_array).into_iter().flatten() {
        let resolved = match parameter.get("$ref").and_then(Value::as_str) {
            Some(reference) => reference
                .strip_prefix('#')
                .and_then(|p| pointer::resolve(raw, p))
                .map(|(_, node)| node),
            None => Some(parameter),
        };
        if let Some(node) = resolved {
            let field = |k: &str| {
                node.get(k)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            };
            out.push((field("name"), field("in")));
        }
    }
    out
}

fn path_parameters(raw: &Value, found: &mut Problems) {
    for (path, at, item, operation) in operations(raw) {
        let variables: BTreeSet<String> = path
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_string()))
            .collect();
        let mut declared: BTreeSet<String> = BTreeSet::new();
        for (name, location) in parameters(raw, item.get("parameters"))
            .into_iter()
            .chain(parameters(raw, operation.get("parameters")))
        {
            if location == "path" {
                declared.insert(name);
            }
        }
        for variable in variables.difference(&declared) {
            found.push((
                at.clone(),
                format!("path parameter `{variable}` of `{path}` is not declared (add a parameter with `in: path`, `name: {variable}`, `required: true`)"),
            ));
        }
        for extra in declared.difference(&variables) {
            found.push((
                at.clone(),
                format!("path parameter `{extra}` is declared but `{path}` has no `{{{extra}}}`"),
            ));
        }
    }
}

fn references(raw: &Value, found: &mut Problems) {
    let mut refs = Vec::new();
    collect_refs(raw, &mut String::new(), &mut refs);
    for (at, reference) in &refs {
        match reference.strip_prefix('#') {
            None => found.push((
                format!("{at}/$ref"),
                format!("`$ref: {reference}` points outside the document; only local references are supported"),
            )),
            Some(local) if pointer::get(raw, local).is_none() => found.push((
                format!("{at}/$ref"),
                format!("`$ref: {reference}` points at nothing"),
            )),
            Some(_) => {}
        }
    }
    // A cycle of bare references: follow each chain of `$ref`-only hops.
    let mut reported = BTreeSet::new();
    for (at, _) in &refs {
        let mut chain = vec![at.clone()];
        let mut current = at.clone();
        while let Some(next) = raw
            .pointer(&current)
            .and_then(|n| n.get("$ref"))
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
            .map(pointer::decode_fragment)
        {
            if let Some(start) = chain.iter().position(|c| *c == next) {
                let cycle: Vec<String> = chain[start..].to_vec();
                let key = cycle.iter().min().cloned().unwrap_or_default();
                if reported.insert(key.clone()) {
                    let names: Vec<String> = cycle
                        .iter()
                        .chain(std::iter::once(&cycle[0]))
                        .map(|p| p.rsplit('/').next().unwrap_or(p).to_string())
                        .collect();
                    found.push((
                        format!("{key}/$ref"),
                        format!(
                            "`$ref` cycle: {} (a chain of references that never reaches a schema)",
                            names.join(" → ")
                        ),
                    ));
                }
                break;
            }
            if chain.len() > 64 {
                break;
            }
            chain.push(next.clone());
            current = next;
        }
    }
}

/// Every `$ref` below `node` (at pointer `at`, extended and restored in place) with the
/// pointer of the object holding it.
fn collect_refs(node: &Value, at: &mut String, out: &mut Vec<(String, String)>) {
    let len = at.len();
    match node {
        Value::Object(map) => {
            if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
                out.push((at.clone(), reference.to_string()));
            }
            for (key, value) in map {
                match (key.as_str(), value) {
                    // Literal data: a `$ref` key inside it is not a reference.
                    ("example" | "default" | "enum", _) => continue,
                    // Scalars hold no reference.
                    (_, Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_)) => {
                        continue
                    }
                    _ => {}
                }
                at.push('/');
                pointer::push_escaped(at, key);
                match (key.as_str(), value) {
                    // Example objects may be references; their `value`s are data.
                    ("examples", Value::Object(examples)) => {
                        for (name, example) in examples {
                            if let Some(reference) = example.get("$ref").and_then(Value::as_str) {
                                out.push((pointer::push(at, name), reference.to_string()));
                            }
                        }
                    }
                    _ => collect_refs(value, at, out),
                }
                at.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if item.is_object() || item.is_array() {
                    push_index(at, i);
                    collect_refs(item, at, out);
                    at.truncate(len);
                }
            }
        }
        _ => {}
    }
}
