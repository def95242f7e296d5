//! Lowering schemas to models: objects (with `allOf` merged), string enums and unions
//! (externally tagged, internally tagged or untagged).

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::*;

/// `additionalProperties: true`: a schema that allows any value.
static EMPTY_SCHEMA: std::sync::LazyLock<Value> =
    std::sync::LazyLock::new(|| Value::Object(Map::new()));

/// The keywords of a schema that is not an object: none.
fn empty_object() -> &'static Map<String, Value> {
    EMPTY_SCHEMA
        .as_object()
        .expect("the empty schema is an object")
}

impl<'a> Lowerer<'a> {
    /// The named model for the schema at `at`, lowering it on first use.
    pub(super) fn model(&mut self, at: &str, context: &str) -> String {
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
        let raw = self.raw;
        let schema = raw.pointer(at).unwrap_or(&Value::Null);
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
        let kind = self.model_kind(schema, at, &name);
        self.models.insert(
            name.clone(),
            Model {
                name: name.clone(),
                origin: at.to_string(),
                doc: doc_of(schema),
                kind,
            },
        );
        name
    }

    pub(super) fn model_kind(&mut self, schema: &'a Value, at: &str, name: &str) -> ModelKind {
        let map: &'a Map<String, Value> = schema.as_object().unwrap_or(empty_object());
        for combinator in ["oneOf", "anyOf"] {
            if let Some(branches) = map.get(combinator).and_then(Value::as_array) {
                if branches.len() > 1 || map.get("properties").is_none() {
                    return self.union(branches, &format!("{at}/{combinator}"), name);
                }
            }
        }
        if is_string_enum(map) {
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
                    doc: crate::versions::value_since(map, wire)
                        .map(|since| crate::versions::since_note(&since)),
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
    pub(super) fn object(
        &mut self,
        schema: &'a Value,
        at: &str,
        name: &str,
        skip: Option<&str>,
    ) -> (Vec<Field>, Option<TypeRef>) {
        let mut properties: Vec<(String, &'a Value, String)> = Vec::new();
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
            let ty = self.type_of(property, &property_at, &context);
            let constraints = self.constraints_of(property, 0);
            fields.push(Field {
                constraints,
                name: scope.claim(&naming::field_name(&wire, "field")),
                doc: doc_of(property),
                required: required.contains(&wire),
                wire_name: wire,
                ty,
            });
        }
        let additional = additional
            .map(|(value, value_at)| self.type_of(value, &value_at, &format!("{name}Value")));
        (fields, additional)
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn gather(
        &mut self,
        schema: &'a Value,
        at: &str,
        properties: &mut Vec<(String, &'a Value, String)>,
        required: &mut BTreeSet<String>,
        additional: &mut Option<(&'a Value, String)>,
        depth: usize,
    ) {
        if depth > 16 {
            self.diagnose(
                at,
                "`allOf` nested more than 16 levels deep; the rest is ignored".into(),
            );
            return;
        }
        let raw = self.raw;
        let (at, schema) = match schema.get("$ref").and_then(Value::as_str) {
            Some(reference) => match raw.pointer(reference.trim_start_matches('#')) {
                Some(target) => (reference.trim_start_matches('#').to_string(), target),
                None => {
                    self.diagnose(at, format!("`$ref: {reference}` points at nothing"));
                    return;
                }
            },
            None => (at.to_string(), schema),
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
                Some(existing) => *existing = (wire.clone(), property, property_at),
                None => properties.push((wire.clone(), property, property_at)),
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
                *additional = Some((&*EMPTY_SCHEMA, pointer::push(&at, "additionalProperties")))
            }
            Some(value @ Value::Object(_)) => {
                *additional = Some((value, pointer::push(&at, "additionalProperties")))
            }
            _ => {}
        }
    }

    pub(super) fn union(&mut self, branches: &'a [Value], at: &str, name: &str) -> ModelKind {
        let resolved: Vec<&'a Value> = branches.iter().map(|b| self.resolve(b)).collect();
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

    pub(super) fn resolve(&self, schema: &'a Value) -> &'a Value {
        let raw = self.raw;
        let mut current = schema;
        for _ in 0..16 {
            match current
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| raw.pointer(r.trim_start_matches('#')))
            {
                Some(target) => current = target,
                None => break,
            }
        }
        current
    }

    /// Every branch is a one-value string enum or an object with exactly one (required)
    /// property: serde's default representation.
    pub(super) fn externally_tagged(
        &mut self,
        branches: &'a [Value],
        resolved: &[&'a Value],
        at: &str,
        name: &str,
    ) -> Option<Vec<UnionVariant>> {
        let mut shapes = Vec::new();
        for &branch in resolved {
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
            shapes.push((key.clone(), Some(value)));
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
                        schema,
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
    pub(super) fn internally_tagged(
        &mut self,
        resolved: &[&'a Value],
        branches: &'a [Value],
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
            (single_enum_value(schema).is_some() && resolved.iter().all(|b| is_tag(b)))
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
        for (i, (&branch, wire)) in resolved.iter().zip(values).enumerate() {
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
}
