//! Lowering: from the spec's JSON tree to the [`ir`](crate::ir). Component schemas that
//! are objects, string enums or unions become named models; primitive and array
//! components are inlined where they are used. Inline schemas that need a type get a
//! name from their context (`HealthCheck` + `data` → `HealthCheckData`).
//!
//! Constructs that types cannot express (`not`, external `$ref`s) are reported as
//! diagnostics or, where they only narrow values, ignored; lowering never panics.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{Map, Value};

use super::naming::{self, Scope};
use crate::diagnostic::Diagnostic;
use crate::ir::*;
use crate::nullable;
use crate::pointer;
use crate::spec::{Spec, METHODS};

mod models;
mod operations;
mod recursion;

use recursion::box_recursive_fields;

/// Lowers a spec; the diagnostics name constructs that were approximated or skipped.
pub fn lower(spec: &Spec) -> (Api, Vec<Diagnostic>) {
    let mut lowerer = Lowerer::new(spec);
    lowerer.name_components();
    let components: Vec<String> = lowerer.components.keys().cloned().collect();
    for at in components {
        if let Some(Some(name)) = lowerer.components.get(&at).cloned() {
            lowerer.model(&at, &name);
        }
    }
    let operations = lowerer.operations();
    let mut api = Api {
        title: string_at(&spec.raw, "/info/title").unwrap_or_default(),
        version: string_at(&spec.raw, "/info/version").unwrap_or_default(),
        models: lowerer.models,
        operations,
    };
    box_recursive_fields(&mut api);
    (api, lowerer.diagnostics)
}

fn string_at(doc: &Value, at: &str) -> Option<String> {
    doc.pointer(at).and_then(Value::as_str).map(str::to_string)
}

fn doc_of(schema: &Value) -> Option<String> {
    schema
        .get("description")
        .or_else(|| schema.get("title"))
        .and_then(Value::as_str)
        .map(|d| super::doc_text::rustdoc(d.trim_end()))
        .filter(|d| !d.is_empty())
}

struct Lowerer<'a> {
    spec: &'a Spec,
    raw: &'a Value,
    file: String,
    /// Component schema pointer → Rust name, or `None` for components inlined at use.
    components: BTreeMap<String, Option<String>>,
    /// Inline schema pointer → Rust name, so a schema reached twice is one type.
    inline: HashMap<String, String>,
    types: Scope,
    models: BTreeMap<String, Model>,
    /// Components reachable from a response body: their enums stay open.
    from_responses: BTreeSet<String>,
    /// Components reachable from a request body or parameter.
    from_requests: BTreeSet<String>,
    /// Pointers being inlined, to stop a component that contains itself.
    inlining: BTreeSet<String>,
    diagnostics: Vec<Diagnostic>,
}

impl<'a> Lowerer<'a> {
    fn new(spec: &'a Spec) -> Self {
        let mut lowerer = Lowerer {
            spec,
            raw: &spec.raw,
            file: spec.name.clone(),
            components: BTreeMap::new(),
            inline: HashMap::new(),
            types: Scope::with_reserved(&[
                "Tristate", "DateTime", "Uuid", "Value", "Map", "Option", "Vec", "String", "Box",
            ]),
            models: BTreeMap::new(),
            from_responses: BTreeSet::new(),
            from_requests: BTreeSet::new(),
            inlining: BTreeSet::new(),
            diagnostics: Vec::new(),
        };
        lowerer.from_responses = lowerer.reachable(&["responses"], "/components/responses");
        lowerer.from_requests =
            lowerer.reachable(&["requestBody", "parameters"], "/components/requestBodies");
        lowerer
    }

    fn diagnose(&mut self, at: &str, message: String) {
        self.diagnostics.push(Diagnostic {
            file: self.file.clone(),
            pointer: at.to_string(),
            position: None,
            excerpt: None,
            message,
        });
    }

    fn name_components(&mut self) {
        let Some(schemas) = self
            .raw
            .pointer("/components/schemas")
            .and_then(Value::as_object)
        else {
            return;
        };
        let names: Vec<(String, bool)> = schemas
            .iter()
            .map(|(key, schema)| (key.clone(), needs_model(self.raw, schema)))
            .collect();
        for (key, named) in names {
            let at = pointer::push("/components/schemas", &key);
            let name = named.then(|| self.types.claim(&naming::type_name(&key, "Schema")));
            self.components.insert(at, name);
        }
    }

    /// Pointers reachable through `$ref`s from the given members of every operation (and
    /// from a components section).
    fn reachable(&self, members: &[&str], section: &str) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut stack = Vec::new();
        let mut starts = Vec::new();
        for (_, item) in self
            .raw
            .get("paths")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            for method in METHODS {
                for member in members {
                    if let Some(node) = item.get(method).and_then(|o| o.get(member)) {
                        starts.push(node);
                    }
                }
            }
            if members.contains(&"parameters") {
                starts.extend(item.get("parameters"));
            }
        }
        if let Some(node) = self.raw.pointer(section) {
            starts.push(node);
        }
        for start in starts {
            collect_refs(start, &mut stack);
        }
        while let Some(reference) = stack.pop() {
            if !seen.insert(reference.clone()) {
                continue;
            }
            if let Some(node) = self.raw.pointer(&reference) {
                collect_refs(node, &mut stack);
            }
        }
        seen
    }

    fn is_open(&self, at: &str) -> bool {
        if at.contains("/responses/") {
            return true;
        }
        if !at.starts_with("/components/schemas/") {
            return false;
        }
        let component: String = at.splitn(5, '/').take(4).collect::<Vec<_>>().join("/");
        // Open unless only requests use it: a component nothing references is kept open.
        self.from_responses.contains(&component) || !self.from_requests.contains(&component)
    }

    /// The type of a schema used at `at`; `context` names inline types it needs.
    fn type_of(&mut self, schema: &Value, at: &str, context: &str) -> TypeRef {
        let Value::Object(map) = schema else {
            return TypeRef::Json;
        };
        let nullable = map.get("nullable") == Some(&Value::Bool(true));
        let base = self.base_type(map, at, context);
        match base {
            TypeRef::Nullable(_) => base,
            base if nullable => TypeRef::Nullable(Box::new(base)),
            base => base,
        }
    }

    fn base_type(&mut self, map: &Map<String, Value>, at: &str, context: &str) -> TypeRef {
        if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
            return self.reference(reference, at);
        }
        if let Some((combinator, index)) = nullable::variant(self.raw, map) {
            let inner = self.type_of(
                &map[combinator][index],
                &format!("{at}/{combinator}/{index}"),
                context,
            );
            return match inner {
                TypeRef::Nullable(_) => inner,
                inner => TypeRef::Nullable(Box::new(inner)),
            };
        }
        for combinator in ["allOf", "oneOf", "anyOf"] {
            if let Some(branches) = map.get(combinator).and_then(Value::as_array) {
                let only_wrapper = branches.len() == 1 && map.get("properties").is_none();
                if only_wrapper {
                    return self.type_of(&branches[0], &format!("{at}/{combinator}/0"), context);
                }
                if !branches.is_empty() {
                    return TypeRef::Named(self.model(at, context));
                }
            }
        }
        if is_string_enum(map) {
            return TypeRef::Named(self.model(at, context));
        }
        let kind = map.get("type").and_then(Value::as_str);
        let has_properties = map
            .get("properties")
            .and_then(Value::as_object)
            .is_some_and(|p| !p.is_empty());
        if has_properties
            || (kind == Some("object")
                && map.get("additionalProperties") == Some(&Value::Bool(false)))
        {
            return TypeRef::Named(self.model(at, context));
        }
        match kind {
            Some("object") => match map.get("additionalProperties") {
                Some(additional @ Value::Object(_)) => {
                    let item = self.type_of(
                        additional,
                        &pointer::push(at, "additionalProperties"),
                        &format!("{context}Value"),
                    );
                    TypeRef::Map(Box::new(item))
                }
                _ => TypeRef::Map(Box::new(TypeRef::Json)),
            },
            Some("array") => {
                let item = match map.get("items") {
                    Some(items) => self.type_of(
                        items,
                        &pointer::push(at, "items"),
                        &format!("{context}Item"),
                    ),
                    None => TypeRef::Json,
                };
                TypeRef::List(Box::new(item))
            }
            Some("string") => match map.get("format").and_then(Value::as_str) {
                Some("date-time") => TypeRef::DateTime,
                Some("uuid") => TypeRef::Uuid,
                _ => TypeRef::String,
            },
            Some("integer") => integer_type(map.get("format").and_then(Value::as_str)),
            Some("number") => match map.get("format").and_then(Value::as_str) {
                Some("float") => TypeRef::Float { bits: 32 },
                _ => TypeRef::Float { bits: 64 },
            },
            Some("boolean") => TypeRef::Bool,
            _ => TypeRef::Json,
        }
    }

    fn reference(&mut self, reference: &str, at: &str) -> TypeRef {
        let Some(target) = reference
            .strip_prefix('#')
            .filter(|t| t.starts_with("/components/schemas/"))
        else {
            self.diagnose(at, format!("`$ref: {reference}` is not a local component schema; the value is typed as any JSON"));
            return TypeRef::Json;
        };
        let Some(schema) = self.raw.pointer(target) else {
            self.diagnose(
                at,
                format!("`$ref: {reference}` points at nothing; the value is typed as any JSON"),
            );
            return TypeRef::Json;
        };
        let nullable = schema.get("nullable") == Some(&Value::Bool(true));
        match self.components.get(target).cloned().flatten() {
            Some(name) => {
                let named = TypeRef::Named(name);
                if nullable {
                    TypeRef::Nullable(Box::new(named))
                } else {
                    named
                }
            }
            None => {
                if !self.inlining.insert(target.to_string()) {
                    self.diagnose(at, format!("`{reference}` contains itself without an object in between; typed as any JSON"));
                    return TypeRef::Json;
                }
                let name =
                    naming::type_name(target.rsplit('/').next().unwrap_or_default(), "Schema");
                let ty = self.type_of(schema, target, &name);
                self.inlining.remove(target);
                ty
            }
        }
    }

    /// The value rules of a schema, through `$ref`s and `allOf` wrappers to primitive
    /// components (named models check their own rules).
    fn constraints_of(&self, schema: &Value, depth: usize) -> Constraints {
        let mut rules = Constraints::default();
        if depth > 8 {
            return rules;
        }
        let number = |key: &str| schema.get(key).and_then(Value::as_f64);
        let count = |key: &str| schema.get(key).and_then(Value::as_u64);
        rules.minimum = number("minimum");
        rules.maximum = number("maximum");
        if schema.get("exclusiveMinimum") == Some(&Value::Bool(true)) {
            rules.minimum = None;
        }
        if schema.get("exclusiveMaximum") == Some(&Value::Bool(true)) {
            rules.maximum = None;
        }
        rules.min_length = count("minLength");
        rules.max_length = count("maxLength");
        rules.pattern = schema
            .get("pattern")
            .and_then(Value::as_str)
            .map(str::to_string);
        rules.min_items = count("minItems");
        rules.max_items = count("maxItems");
        rules.unique_items = schema.get("uniqueItems") == Some(&Value::Bool(true));
        let nested = |child: Option<&Value>| {
            child
                .map(|c| self.constraints_of(c, depth + 1))
                .filter(|c| !c.is_empty())
                .map(Box::new)
        };
        rules.items = nested(schema.get("items"));
        rules.values = nested(schema.get("additionalProperties").filter(|v| v.is_object()));
        rules.keys = nested(schema.get("x-property-names"));
        let variant = schema
            .as_object()
            .and_then(|map| nullable::variant(self.raw, map))
            .and_then(|(combinator, index)| schema[combinator][index].get("$ref"))
            .and_then(Value::as_str);
        let inherited = match (
            schema.get("$ref").and_then(Value::as_str).or(variant),
            schema.get("allOf").and_then(Value::as_array),
        ) {
            (Some(reference), _) => Some(reference.to_string()),
            (None, Some(branches)) if branches.len() == 1 => branches[0]
                .get("$ref")
                .and_then(Value::as_str)
                .map(str::to_string),
            _ => None,
        };
        if let Some(reference) = inherited {
            let target = reference.trim_start_matches('#');
            let is_model = self.components.get(target).is_some_and(Option::is_some);
            if let (false, Some(referenced)) = (is_model, self.raw.pointer(target)) {
                let base = self.constraints_of(referenced, depth + 1);
                rules = Constraints {
                    minimum: rules.minimum.or(base.minimum),
                    maximum: rules.maximum.or(base.maximum),
                    min_length: rules.min_length.or(base.min_length),
                    max_length: rules.max_length.or(base.max_length),
                    pattern: rules.pattern.or(base.pattern),
                    min_items: rules.min_items.or(base.min_items),
                    max_items: rules.max_items.or(base.max_items),
                    unique_items: rules.unique_items || base.unique_items,
                    items: rules.items.or(base.items),
                    values: rules.values.or(base.values),
                    keys: rules.keys.or(base.keys),
                };
            }
        }
        rules
    }
}

fn collect_refs(node: &Value, out: &mut Vec<String>) {
    match node {
        Value::Object(map) => {
            if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
                if let Some(local) = reference.strip_prefix('#') {
                    out.push(local.to_string());
                }
            }
            for (key, value) in map {
                if key != "example" && key != "examples" {
                    collect_refs(value, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect_refs(i, out)),
        _ => {}
    }
}

/// Whether a component schema becomes a named model (objects, enums, unions) rather
/// than being inlined where it is used (primitives, arrays, maps, references).
fn needs_model(raw: &Value, schema: &Value) -> bool {
    let Value::Object(map) = schema else {
        return false;
    };
    if map.contains_key("$ref") || nullable::variant(raw, map).is_some() {
        return false;
    }
    if let Some(branches) = map.get("allOf").and_then(Value::as_array) {
        return branches.len() > 1 || map.contains_key("properties");
    }
    if map
        .get("oneOf")
        .or_else(|| map.get("anyOf"))
        .and_then(Value::as_array)
        .is_some_and(|b| !b.is_empty())
    {
        return true;
    }
    if is_string_enum(map) {
        return true;
    }
    let has_properties = map
        .get("properties")
        .and_then(Value::as_object)
        .is_some_and(|p| !p.is_empty());
    has_properties
        || (map.get("type").and_then(Value::as_str) == Some("object")
            && map.get("additionalProperties") == Some(&Value::Bool(false)))
}

fn is_string_enum(map: &Map<String, Value>) -> bool {
    let Some(values) = map.get("enum").and_then(Value::as_array) else {
        return false;
    };
    let strings = values.iter().filter(|v| v.is_string()).count();
    strings > 0
        && values.iter().all(|v| v.is_string() || v.is_null())
        && map.get("type").is_none_or(|t| t == "string")
}

fn single_enum_value(schema: &Value) -> Option<String> {
    let values = schema.get("enum")?.as_array()?;
    match values.as_slice() {
        [Value::String(s)] => Some(s.clone()),
        _ => None,
    }
}

fn integer_type(format: Option<&str>) -> TypeRef {
    let (bits, unsigned) = match format {
        Some("int8") => (8, false),
        Some("int16") => (16, false),
        Some("int32") => (32, false),
        Some("uint8") => (8, true),
        Some("uint16") => (16, true),
        Some("uint32") => (32, true),
        Some("uint64") | Some("uint") => (64, true),
        _ => (64, false),
    };
    TypeRef::Integer { bits, unsigned }
}

fn variant_label(ty: &TypeRef) -> String {
    match ty {
        TypeRef::String => "String".into(),
        TypeRef::Bool => "Bool".into(),
        TypeRef::Integer { .. } => "Integer".into(),
        TypeRef::Float { .. } => "Number".into(),
        TypeRef::DateTime => "DateTime".into(),
        TypeRef::Uuid => "Uuid".into(),
        TypeRef::Json => "Json".into(),
        TypeRef::Named(name) => name.clone(),
        TypeRef::List(inner) => format!("{}List", variant_label(inner)),
        TypeRef::Map(inner) => format!("{}Map", variant_label(inner)),
        TypeRef::Nullable(inner) | TypeRef::Boxed(inner) => variant_label(inner),
    }
}
