//! Boxing recursive fields, so recursive schemas give types of finite size.

use std::collections::{BTreeMap, BTreeSet};

use super::*;

/// Puts a `Box` around every by-value use of a model that leads back to the model
/// holding it, so recursive schemas give types of finite size.
pub(super) fn box_recursive_fields(api: &mut Api) {
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
