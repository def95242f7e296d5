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
use crate::pointer;
use crate::spec::{Spec, METHODS};

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
        .map(|d| d.trim_end().to_string())
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
            .map(|(key, schema)| (key.clone(), needs_model(schema)))
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
        let nested = |child: Option<&Value>| {
            child
                .map(|c| self.constraints_of(c, depth + 1))
                .filter(|c| !c.is_empty())
                .map(Box::new)
        };
        rules.items = nested(schema.get("items"));
        rules.values = nested(schema.get("additionalProperties").filter(|v| v.is_object()));
        rules.keys = nested(schema.get("x-property-names"));
        let inherited = match (
            schema.get("$ref").and_then(Value::as_str),
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
                    items: rules.items.or(base.items),
                    values: rules.values.or(base.values),
                    keys: rules.keys.or(base.keys),
                };
            }
        }
        rules
    }

    /// The named model for the schema at `at`, lowering it on first use.
    fn model(&mut self, at: &str, context: &str) -> String {
        if let Some(Some(name)) = self.components.get(at) {
            if self.models.contains_key(name) {
                return name.clone();
            }
        }
        let name = match (
            self.components.get(at).cloned().flatten(),
            self.inline.get(at).cloned(),
        ) {
            (Some(name), _) => name,
            (None, Some(name)) => return name,
            (None, None) => {
                let name = self.types.claim(&naming::type_name(context, "Type"));
                self.inline.insert(at.to_string(), name.clone());
                name
            }
        };
        let schema = self.raw.pointer(at).cloned().unwrap_or(Value::Null);
        // A placeholder first, so a schema that refers to itself finds its name.
        let placeholder = ModelKind::Struct {
            fields: Vec::new(),
            closed: false,
            additional: None,
        };
        self.models.insert(
            name.clone(),
            Model {
                name: name.clone(),
                origin: at.to_string(),
                doc: None,
                kind: placeholder,
            },
        );
        let kind = self.model_kind(&schema, at, &name);
        self.models.insert(
            name.clone(),
            Model {
                name: name.clone(),
                origin: at.to_string(),
                doc: doc_of(&schema),
                kind,
            },
        );
        name
    }

    fn model_kind(&mut self, schema: &Value, at: &str, name: &str) -> ModelKind {
        let map = schema.as_object().cloned().unwrap_or_default();
        for combinator in ["oneOf", "anyOf"] {
            if let Some(branches) = map.get(combinator).and_then(Value::as_array) {
                if branches.len() > 1 || map.get("properties").is_none() {
                    return self.union(branches, &format!("{at}/{combinator}"), name);
                }
            }
        }
        if is_string_enum(&map) {
            let open = self.is_open(at);
            let mut scope = if open {
                Scope::with_reserved(&["Unknown"])
            } else {
                Scope::default()
            };
            let variants = map["enum"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(|wire| Variant {
                    name: scope.claim(&naming::variant_name(wire, "Value")),
                    wire_name: wire.to_string(),
                })
                .collect();
            return ModelKind::Enum { variants, open };
        }
        let (fields, additional) = self.object(schema, at, name, None);
        let closed = schema.get("additionalProperties") == Some(&Value::Bool(false));
        ModelKind::Struct {
            fields,
            closed,
            additional,
        }
    }

    /// The fields of an object schema, merging `allOf` branches.
    fn object(
        &mut self,
        schema: &Value,
        at: &str,
        name: &str,
        skip: Option<&str>,
    ) -> (Vec<Field>, Option<TypeRef>) {
        let mut properties: Vec<(String, Value, String)> = Vec::new();
        let mut required = BTreeSet::new();
        let mut additional = None;
        self.gather(
            schema,
            at,
            &mut properties,
            &mut required,
            &mut additional,
            0,
        );
        properties.retain(|(wire, _, _)| Some(wire.as_str()) != skip);
        let mut scope = Scope::default();
        if additional.is_some() {
            scope.claim("additional_properties");
        }
        let mut fields = Vec::new();
        for (wire, property, property_at) in properties {
            // A property gathered from another component (through `allOf`) is named
            // after that component, so its inline types are shared, not duplicated.
            let owner = property_at
                .rsplitn(3, '/')
                .nth(2)
                .and_then(|parent| self.components.get(parent).cloned().flatten())
                .unwrap_or_else(|| name.to_string());
            let context = format!("{owner}{}", naming::type_name(&wire, "Field"));
            let ty = self.type_of(&property, &property_at, &context);
            let constraints = self.constraints_of(&property, 0);
            fields.push(Field {
                constraints,
                name: scope.claim(&naming::field_name(&wire, "field")),
                doc: doc_of(&property),
                required: required.contains(&wire),
                wire_name: wire,
                ty,
            });
        }
        let additional = additional
            .map(|(value, value_at)| self.type_of(&value, &value_at, &format!("{name}Value")));
        (fields, additional)
    }

    #[allow(clippy::too_many_arguments)]
    fn gather(
        &mut self,
        schema: &Value,
        at: &str,
        properties: &mut Vec<(String, Value, String)>,
        required: &mut BTreeSet<String>,
        additional: &mut Option<(Value, String)>,
        depth: usize,
    ) {
        if depth > 16 {
            self.diagnose(
                at,
                "`allOf` nested more than 16 levels deep; the rest is ignored".into(),
            );
            return;
        }
        let (at, schema) = match schema.get("$ref").and_then(Value::as_str) {
            Some(reference) => match self.raw.pointer(reference.trim_start_matches('#')) {
                Some(target) => (
                    reference.trim_start_matches('#').to_string(),
                    target.clone(),
                ),
                None => {
                    self.diagnose(at, format!("`$ref: {reference}` points at nothing"));
                    return;
                }
            },
            None => (at.to_string(), schema.clone()),
        };
        for (i, branch) in schema
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            self.gather(
                branch,
                &format!("{at}/allOf/{i}"),
                properties,
                required,
                additional,
                depth + 1,
            );
        }
        let properties_at = pointer::push(&at, "properties");
        for wire in &self.spec.keys_in_order(&properties_at) {
            let Some(property) = schema.get("properties").and_then(|p| p.get(wire)) else {
                continue;
            };
            let property_at = pointer::push(&properties_at, wire);
            match properties.iter_mut().find(|(w, _, _)| w == wire) {
                Some(existing) => *existing = (wire.clone(), property.clone(), property_at),
                None => properties.push((wire.clone(), property.clone(), property_at)),
            }
        }
        for name in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            required.insert(name.to_string());
        }
        match schema.get("additionalProperties") {
            Some(Value::Bool(true)) => {
                *additional = Some((
                    Value::Object(Map::new()),
                    pointer::push(&at, "additionalProperties"),
                ))
            }
            Some(value @ Value::Object(_)) => {
                *additional = Some((value.clone(), pointer::push(&at, "additionalProperties")))
            }
            _ => {}
        }
    }

    fn union(&mut self, branches: &[Value], at: &str, name: &str) -> ModelKind {
        let resolved: Vec<Value> = branches.iter().map(|b| self.resolve(b)).collect();
        if let Some(variants) = self.externally_tagged(branches, &resolved, at, name) {
            return ModelKind::Union {
                tagging: Tagging::External,
                variants,
            };
        }
        if let Some((tag, variants)) = self.internally_tagged(&resolved, branches, at, name) {
            return ModelKind::Union {
                tagging: Tagging::Internal { tag },
                variants,
            };
        }
        let mut scope = Scope::default();
        let mut variants = Vec::new();
        for (i, branch) in branches.iter().enumerate() {
            let branch_at = format!("{at}/{i}");
            let ty = self.type_of(branch, &branch_at, &format!("{name}Variant{i}"));
            let label = match &ty {
                TypeRef::Named(n) => n.clone(),
                other => variant_label(other),
            };
            variants.push(UnionVariant {
                name: scope.claim(&label),
                wire_name: None,
                doc: doc_of(branch),
                content: VariantContent::Newtype(ty),
            });
        }
        ModelKind::Union {
            tagging: Tagging::Untagged,
            variants,
        }
    }

    fn resolve(&self, schema: &Value) -> Value {
        let mut current = schema.clone();
        for _ in 0..16 {
            match current
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| self.raw.pointer(r.trim_start_matches('#')))
            {
                Some(target) => current = target.clone(),
                None => break,
            }
        }
        current
    }

    /// Every branch is a one-value string enum or an object with exactly one (required)
    /// property: serde's default representation.
    fn externally_tagged(
        &mut self,
        branches: &[Value],
        resolved: &[Value],
        at: &str,
        name: &str,
    ) -> Option<Vec<UnionVariant>> {
        let mut shapes = Vec::new();
        for branch in resolved {
            if let Some(value) = single_enum_value(branch) {
                shapes.push((value, None));
                continue;
            }
            let properties = branch.get("properties").and_then(Value::as_object)?;
            let required = branch.get("required").and_then(Value::as_array)?;
            if properties.len() != 1 || required.len() != 1 || branch.get("allOf").is_some() {
                return None;
            }
            let (key, value) = properties.iter().next()?;
            if required[0].as_str() != Some(key.as_str()) {
                return None;
            }
            shapes.push((key.clone(), Some(value.clone())));
        }
        let distinct: BTreeSet<&String> = shapes.iter().map(|(k, _)| k).collect();
        if distinct.len() != shapes.len() {
            return None;
        }
        let mut scope = Scope::default();
        let mut variants = Vec::new();
        for (i, (wire, content)) in shapes.into_iter().enumerate() {
            let variant = scope.claim(&naming::variant_name(&wire, "Variant"));
            let content = match content {
                None => VariantContent::Unit,
                Some(schema) => {
                    let content_at = pointer::push(&format!("{at}/{i}/properties"), &wire);
                    VariantContent::Newtype(self.type_of(
                        &schema,
                        &content_at,
                        &format!("{name}{variant}"),
                    ))
                }
            };
            variants.push(UnionVariant {
                name: variant,
                wire_name: Some(wire),
                doc: doc_of(&branches[i]),
                content,
            });
        }
        Some(variants)
    }

    /// Every branch is an object with the same required property holding a distinct
    /// one-value string enum: an internally tagged enum.
    fn internally_tagged(
        &mut self,
        resolved: &[Value],
        branches: &[Value],
        at: &str,
        name: &str,
    ) -> Option<(String, Vec<UnionVariant>)> {
        let first = resolved.first()?.get("properties")?.as_object()?;
        let tag = first.iter().find_map(|(key, schema)| {
            let is_tag = |branch: &Value| {
                branch
                    .get("required")
                    .and_then(Value::as_array)
                    .is_some_and(|r| r.iter().any(|n| n == key))
                    && branch
                        .pointer(&pointer::push("/properties", key))
                        .and_then(single_enum_value)
                        .is_some()
            };
            (single_enum_value(schema).is_some() && resolved.iter().all(is_tag))
                .then(|| key.clone())
        })?;
        let values: Vec<String> = resolved
            .iter()
            .filter_map(|b| {
                b.pointer(&pointer::push("/properties", &tag))
                    .and_then(single_enum_value)
            })
            .collect();
        if values.iter().collect::<BTreeSet<_>>().len() != values.len() {
            return None;
        }
        let mut scope = Scope::default();
        let mut variants = Vec::new();
        for (i, (branch, wire)) in resolved.iter().zip(values).enumerate() {
            let variant = scope.claim(&naming::variant_name(&wire, "Variant"));
            let branch_at = match branches[i].get("$ref").and_then(Value::as_str) {
                Some(reference) => reference.trim_start_matches('#').to_string(),
                None => format!("{at}/{i}"),
            };
            let (fields, _) =
                self.object(branch, &branch_at, &format!("{name}{variant}"), Some(&tag));
            variants.push(UnionVariant {
                name: variant,
                wire_name: Some(wire),
                doc: doc_of(branch),
                content: VariantContent::Struct(fields),
            });
        }
        Some((tag, variants))
    }

    fn operations(&mut self) -> Vec<Operation> {
        let mut operations = Vec::new();
        let mut names = Scope::default();
        let paths: Vec<(String, Value)> = self
            .spec
            .keys_in_order("/paths")
            .into_iter()
            .filter_map(|path| {
                self.raw
                    .pointer(&pointer::push("/paths", &path))
                    .map(|item| (path, item.clone()))
            })
            .collect();
        for (path, item) in paths {
            let item_at = pointer::push("/paths", &path);
            for method in METHODS {
                let Some(operation) = item.get(method) else {
                    continue;
                };
                let at = pointer::push(&item_at, method);
                let id = operation
                    .get("operationId")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                let fallback = format!("{method}_{path}");
                let name = names.claim(&naming::field_name(
                    id.as_deref().unwrap_or(&fallback),
                    "operation",
                ));
                let context = naming::type_name(naming::bare(&name), "Operation");
                let parameters = self.parameters(&item, &item_at, operation, &at, &context);
                let request_body = self.request_body(&at, &context);
                let responses = self.responses(operation, &at, &context);
                operations.push(Operation {
                    name,
                    id,
                    method: method.to_ascii_uppercase(),
                    path: path.clone(),
                    doc: operation
                        .get("summary")
                        .or_else(|| operation.get("description"))
                        .and_then(Value::as_str)
                        .map(|s| s.trim().to_string()),
                    tag: operation
                        .pointer("/tags/0")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    parameters,
                    request_body,
                    responses,
                    secured: operation
                        .get("security")
                        .or_else(|| self.raw.get("security"))
                        .and_then(Value::as_array)
                        .is_some_and(|s| !s.is_empty()),
                });
            }
        }
        operations
    }

    fn parameters(
        &mut self,
        item: &Value,
        item_at: &str,
        operation: &Value,
        at: &str,
        context: &str,
    ) -> Vec<Parameter> {
        let mut found: Vec<(Value, String)> = Vec::new();
        for (node, node_at) in [(item, item_at), (operation, at)] {
            for (i, parameter) in node
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let parameter_at = format!("{node_at}/parameters/{i}");
                let (parameter_at, parameter) = match pointer::resolve(self.raw, &parameter_at) {
                    Some((p, v)) if parameter.get("$ref").is_some() => (p, v.clone()),
                    _ => (parameter_at, parameter.clone()),
                };
                let key = |p: &Value| (p.get("name").cloned(), p.get("in").cloned());
                found.retain(|(existing, _)| key(existing) != key(&parameter));
                found.push((parameter, parameter_at));
            }
        }
        let mut scope = Scope::with_reserved(&["body", "query", "path", "request"]);
        let mut parameters = Vec::new();
        for (parameter, parameter_at) in found {
            let wire = parameter
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let location = match parameter.get("in").and_then(Value::as_str) {
                Some("path") => ParameterLocation::Path,
                Some("header") => ParameterLocation::Header,
                Some("cookie") => ParameterLocation::Cookie,
                _ => ParameterLocation::Query,
            };
            let ty = match parameter.get("schema") {
                Some(schema) => {
                    // A shared parameter's inline types are named after the component.
                    let owner = match parameter_at.strip_prefix("/components/parameters/") {
                        Some(component) => {
                            naming::type_name(&pointer::unescape(component), "Param")
                        }
                        None => format!("{context}{}", naming::type_name(&wire, "Param")),
                    };
                    self.type_of(schema, &pointer::push(&parameter_at, "schema"), &owner)
                }
                None => TypeRef::String,
            };
            let style_form = parameter
                .get("style")
                .and_then(Value::as_str)
                .is_none_or(|s| s == "form");
            let constraints = parameter
                .get("schema")
                .map(|schema| self.constraints_of(schema, 0))
                .unwrap_or_default();
            parameters.push(Parameter {
                constraints,
                name: scope.claim(&naming::field_name(&wire, "param")),
                required: parameter.get("required") == Some(&Value::Bool(true))
                    || location == ParameterLocation::Path,
                comma_delimited: style_form
                    && parameter.get("explode") == Some(&Value::Bool(false)),
                doc: doc_of(&parameter),
                wire_name: wire,
                location,
                ty,
            });
        }
        parameters
    }

    fn request_body(&mut self, at: &str, context: &str) -> Option<TypeRef> {
        let (body_at, _) = pointer::resolve(self.raw, &pointer::push(at, "requestBody"))?;
        let schema_at = crate::spec::json_body_schema(self.raw, &body_at)?;
        let schema = self.raw.pointer(&schema_at)?.clone();
        Some(self.type_of(&schema, &schema_at, &format!("{context}Request")))
    }

    fn responses(&mut self, operation: &Value, at: &str, context: &str) -> Vec<Response> {
        let mut responses = Vec::new();
        let statuses: Vec<String> = operation
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(k, _)| k.clone())
            .collect();
        for status in statuses {
            let response_at = pointer::push(&pointer::push(at, "responses"), &status);
            let Some((resolved_at, response)) = pointer::resolve(self.raw, &response_at) else {
                continue;
            };
            let doc = doc_of(response);
            let body = match crate::spec::json_body_schema(self.raw, &resolved_at) {
                Some(schema_at) => {
                    let schema = self.raw.pointer(&schema_at).cloned().unwrap_or(Value::Null);
                    let suffix = if status == "200" {
                        String::new()
                    } else {
                        naming::type_name(&status, "Status")
                    };
                    Some(self.type_of(&schema, &schema_at, &format!("{context}Response{suffix}")))
                }
                None => None,
            };
            let location = response
                .get("headers")
                .and_then(Value::as_object)
                .is_some_and(|h| h.keys().any(|k| k.eq_ignore_ascii_case("location")));
            responses.push(Response {
                status,
                body,
                doc,
                location,
            });
        }
        responses
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
fn needs_model(schema: &Value) -> bool {
    let Value::Object(map) = schema else {
        return false;
    };
    if map.contains_key("$ref") {
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

/// Puts a `Box` around every by-value use of a model that leads back to the model
/// holding it, so recursive schemas give types of finite size.
fn box_recursive_fields(api: &mut Api) {
    let edges: BTreeMap<String, BTreeSet<String>> = api
        .models
        .iter()
        .map(|(name, model)| (name.clone(), by_value_names(&model.kind)))
        .collect();
    let reaches = |from: &str, to: &str| {
        let mut stack = vec![from.to_string()];
        let mut seen = BTreeSet::new();
        while let Some(current) = stack.pop() {
            if current == to {
                return true;
            }
            if seen.insert(current.clone()) {
                stack.extend(edges.get(&current).into_iter().flatten().cloned());
            }
        }
        false
    };
    let mut boxes: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (name, targets) in &edges {
        for target in targets {
            if reaches(target, name) {
                boxes
                    .entry(name.clone())
                    .or_default()
                    .insert(target.clone());
            }
        }
    }
    for (name, targets) in boxes {
        if let Some(model) = api.models.get_mut(&name) {
            for ty in types_in(&mut model.kind) {
                box_in(ty, &targets);
            }
        }
    }
}

fn by_value_names(kind: &ModelKind) -> BTreeSet<String> {
    fn walk(ty: &TypeRef, out: &mut BTreeSet<String>) {
        match ty {
            TypeRef::Named(name) => {
                out.insert(name.clone());
            }
            TypeRef::Nullable(inner) => walk(inner, out),
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    let mut kind = kind.clone();
    for ty in types_in(&mut kind) {
        walk(ty, &mut out);
    }
    out
}

fn types_in(kind: &mut ModelKind) -> Vec<&mut TypeRef> {
    match kind {
        ModelKind::Struct {
            fields, additional, ..
        } => fields
            .iter_mut()
            .map(|f| &mut f.ty)
            .chain(additional.iter_mut())
            .collect(),
        ModelKind::Enum { .. } => Vec::new(),
        ModelKind::Union { variants, .. } => variants
            .iter_mut()
            .flat_map(|v| match &mut v.content {
                VariantContent::Unit => Vec::new(),
                VariantContent::Newtype(ty) => vec![ty],
                VariantContent::Struct(fields) => fields.iter_mut().map(|f| &mut f.ty).collect(),
            })
            .collect(),
    }
}

fn box_in(ty: &mut TypeRef, targets: &BTreeSet<String>) {
    match ty {
        TypeRef::Named(name) if targets.contains(name) => {
            *ty = TypeRef::Boxed(Box::new(ty.clone()))
        }
        TypeRef::Nullable(inner) => box_in(inner, targets),
        _ => {}
    }
}
