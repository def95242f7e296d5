//! The generated Rust API: the two documents lowered to [`ir`](crate::ir) and compared
//! model by model. A model is matched with the new model lowered from the schema the wire
//! walk compared it with, so a renamed component is one renamed type, not a removal and an
//! addition.

use std::collections::{BTreeMap, HashMap};

use super::rules::{self, Rule};
use super::wire::Pairs;
use super::Finding;
use crate::ir::{Api, Field, Model, ModelKind, TypeRef, UnionVariant};
use crate::pointer;

/// Compares the generated API of two lowered documents.
pub(super) fn compare(old: &Api, new: &Api, pairs: &Pairs, findings: &mut Vec<Finding>) {
    let by_origin: HashMap<&str, &Model> = new
        .models
        .values()
        .map(|m| (m.origin.as_str(), m))
        .collect();
    // Old Rust name → the new model it became.
    let mut matched: BTreeMap<&str, &Model> = BTreeMap::new();
    for model in old.models.values() {
        let same = new
            .models
            .get(&model.name)
            .filter(|n| n.origin == model.origin);
        let paired = || {
            pairs
                .get(&model.origin)
                .and_then(|at| by_origin.get(at.as_str()).copied())
        };
        if let Some(found) = same.or_else(paired).or_else(|| new.models.get(&model.name)) {
            matched.insert(&model.name, found);
        }
    }
    let renames: HashMap<&str, &str> = matched
        .iter()
        .map(|(old, new)| (*old, new.name.as_str()))
        .collect();
    let mut out = Out { findings };
    for model in old.models.values() {
        let context = format!("type {}", model.name);
        match matched.get(model.name.as_str()) {
            None => {
                let message = format!("Generated type `{}` is gone.", model.name);
                out.report(
                    rules::RUST_TYPE_REMOVED,
                    &context,
                    &model.origin,
                    "/components/schemas",
                    message,
                );
            }
            Some(new_model) => compare_models(&mut out, model, new_model, &renames),
        }
    }
    let new_ops: HashMap<(String, String), &crate::ir::Operation> = new
        .operations
        .iter()
        .map(|o| ((o.method.clone(), shape(&o.path)), o))
        .collect();
    for operation in &old.operations {
        let Some(new_op) = new_ops.get(&(operation.method.clone(), shape(&operation.path))) else {
            continue;
        };
        if new_op.name != operation.name {
            let context = format!("{} {}", operation.method, new_op.path);
            let at = |path: &str, method: &str| {
                pointer::push(&pointer::push("/paths", path), &method.to_ascii_lowercase())
            };
            let message = format!(
                "{context}: the generated method `{}` is now `{}`.",
                operation.name, new_op.name
            );
            out.report(
                rules::RUST_OPERATION_RENAMED,
                &context,
                &at(&operation.path, &operation.method),
                &at(&new_op.path, &new_op.method),
                message,
            );
        }
    }
}

fn shape(path: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in path.chars() {
        match c {
            '{' => {
                inside = true;
                out.push_str("{}");
            }
            '}' => inside = false,
            c if !inside => out.push(c),
            _ => {}
        }
    }
    out
}

struct Out<'f> {
    findings: &'f mut Vec<Finding>,
}

impl Out<'_> {
    fn report(&mut self, rule: Rule, context: &str, old: &str, new: &str, message: String) {
        let rule = rules::by_id(rule.id).expect("every rule constant is in RULES");
        self.findings.push(Finding {
            rule,
            context: context.to_string(),
            old: old.to_string(),
            new: new.to_string(),
            message,
        });
    }
}

fn kind_name(kind: &ModelKind) -> &'static str {
    match kind {
        ModelKind::Struct { .. } => "a struct",
        ModelKind::Enum { .. } => "an enum",
        ModelKind::Union { .. } => "an enum (union)",
    }
}

fn compare_models(out: &mut Out<'_>, old: &Model, new: &Model, renames: &HashMap<&str, &str>) {
    let context = format!("type {}", new.name);
    if old.name != new.name {
        let message = format!("Generated type `{}` is now `{}`.", old.name, new.name);
        out.report(
            rules::RUST_TYPE_RENAMED,
            &context,
            &old.origin,
            &new.origin,
            message,
        );
    }
    match (&old.kind, &new.kind) {
        (ModelKind::Struct { fields: a, .. }, ModelKind::Struct { fields: b, .. }) => {
            fields(out, &context, old, new, a, b, renames);
        }
        (
            ModelKind::Enum {
                variants: a,
                open: old_open,
            },
            ModelKind::Enum {
                variants: b,
                open: new_open,
            },
        ) => {
            let at = |m: &Model| pointer::push(&m.origin, "enum");
            if old_open != new_open {
                let how = if *new_open {
                    "is now open (gains `Unknown(String)`)"
                } else {
                    "is now closed (loses `Unknown(String)`)"
                };
                let message = format!("Generated enum `{}` {how}.", new.name);
                out.report(
                    rules::RUST_ENUM_OPENNESS_CHANGED,
                    &context,
                    &at(old),
                    &at(new),
                    message,
                );
            }
            let names = |v: &[crate::ir::Variant]| -> BTreeMap<String, String> {
                v.iter()
                    .map(|v| (v.wire_name.clone(), v.name.clone()))
                    .collect()
            };
            variants(out, &context, old, new, &names(a), &names(b));
        }
        (ModelKind::Union { variants: a, .. }, ModelKind::Union { variants: b, .. }) => {
            let names = |v: &[UnionVariant]| -> BTreeMap<String, String> {
                v.iter().map(|v| (v.name.clone(), v.name.clone())).collect()
            };
            variants(out, &context, old, new, &names(a), &names(b));
        }
        (a, b) => {
            let message = format!(
                "Generated type `{}` was {} and is now {}.",
                new.name,
                kind_name(a),
                kind_name(b)
            );
            out.report(
                rules::RUST_TYPE_KIND_CHANGED,
                &context,
                &old.origin,
                &new.origin,
                message,
            );
        }
    }
}

/// Variants by wire name (enums) or Rust name (unions) → Rust name.
fn variants(
    out: &mut Out<'_>,
    context: &str,
    old: &Model,
    new: &Model,
    a: &BTreeMap<String, String>,
    b: &BTreeMap<String, String>,
) {
    let added: Vec<&String> = b
        .keys()
        .filter(|k| !a.contains_key(*k))
        .map(|k| &b[k])
        .collect();
    let removed: Vec<&String> = a
        .keys()
        .filter(|k| !b.contains_key(*k))
        .map(|k| &a[k])
        .collect();
    let show = |names: &[&String]| {
        names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !added.is_empty() {
        let message = format!("Generated enum `{}` gains {}.", new.name, show(&added));
        out.report(
            rules::RUST_ENUM_VARIANT_ADDED,
            context,
            &old.origin,
            &new.origin,
            message,
        );
    }
    if !removed.is_empty() {
        let message = format!("Generated enum `{}` loses {}.", new.name, show(&removed));
        out.report(
            rules::RUST_ENUM_VARIANT_REMOVED,
            context,
            &old.origin,
            &new.origin,
            message,
        );
    }
}

fn field_at(model: &Model, field: &Field) -> String {
    pointer::push(
        &pointer::push(&model.origin, "properties"),
        &field.wire_name,
    )
}

fn fields(
    out: &mut Out<'_>,
    context: &str,
    old: &Model,
    new: &Model,
    a: &[Field],
    b: &[Field],
    renames: &HashMap<&str, &str>,
) {
    let new_fields: HashMap<&str, &Field> = b.iter().map(|f| (f.wire_name.as_str(), f)).collect();
    for field in a {
        let Some(new_field) = new_fields.get(field.wire_name.as_str()) else {
            let message = format!("`{}.{}` is gone.", new.name, field.name);
            out.report(
                rules::RUST_FIELD_REMOVED,
                context,
                &field_at(old, field),
                &new.origin,
                message,
            );
            continue;
        };
        let (old_at, new_at) = (field_at(old, field), field_at(new, new_field));
        if new_field.name != field.name {
            let message = format!(
                "`{}.{}` is now `{}.{}`.",
                old.name, field.name, new.name, new_field.name
            );
            out.report(
                rules::RUST_FIELD_RENAMED,
                context,
                &old_at,
                &new_at,
                message,
            );
        }
        let (before, after) = (
            field_type(field, Some(renames)),
            field_type(new_field, None),
        );
        if before != after {
            let message = format!(
                "`{}.{}` changed type from `{}` to `{after}`.",
                new.name,
                new_field.name,
                field_type(field, None)
            );
            out.report(
                rules::RUST_FIELD_TYPE_CHANGED,
                context,
                &old_at,
                &new_at,
                message,
            );
        }
    }
    let old_fields: HashMap<&str, &Field> = a.iter().map(|f| (f.wire_name.as_str(), f)).collect();
    for field in b {
        if field.required && !old_fields.contains_key(field.wire_name.as_str()) {
            let message = format!(
                "`{}` gains the required field `{}: {}`.",
                new.name,
                field.name,
                field_type(field, None)
            );
            out.report(
                rules::RUST_REQUIRED_FIELD_ADDED,
                context,
                &old.origin,
                &field_at(new, field),
                message,
            );
        }
    }
}

/// A field's Rust type as the generator declares it, old model names mapped to new ones.
fn field_type(field: &Field, renames: Option<&HashMap<&str, &str>>) -> String {
    match (&field.ty, field.required) {
        (ty, true) => type_text(ty, renames),
        (TypeRef::Nullable(inner), false) => format!("Tristate<{}>", type_text(inner, renames)),
        (ty, false) => format!("Option<{}>", type_text(ty, renames)),
    }
}

fn type_text(ty: &TypeRef, renames: Option<&HashMap<&str, &str>>) -> String {
    match ty {
        TypeRef::String => "String".into(),
        TypeRef::Bool => "bool".into(),
        TypeRef::Integer { bits, unsigned } => {
            format!("{}{bits}", if *unsigned { "u" } else { "i" })
        }
        TypeRef::Float { .. } => "serde_json::Number".into(),
        TypeRef::DateTime => "DateTime".into(),
        TypeRef::Uuid => "Uuid".into(),
        TypeRef::Json => "serde_json::Value".into(),
        TypeRef::Named(name) => renames
            .and_then(|r| r.get(name.as_str()).copied())
            .unwrap_or(name)
            .to_string(),
        TypeRef::List(inner) => format!("Vec<{}>", type_text(inner, renames)),
        TypeRef::Map(inner) => format!("BTreeMap<String, {}>", type_text(inner, renames)),
        TypeRef::Nullable(inner) => format!("Option<{}>", type_text(inner, renames)),
        TypeRef::Boxed(inner) => format!("Box<{}>", type_text(inner, renames)),
    }
}
