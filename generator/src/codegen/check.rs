//! Emitting value checks for the server stub: the rules a Rust type cannot express
//! (`minimum`, `maxLength`, `pattern`, key rules, …), checked on request bodies and
//! query parameters before an implementation runs.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::params::query_name;
use super::tokens::ident;
use crate::ir::*;

/// `impl Check` for every struct and union model and every parameter struct.
pub fn generate(api: &Api) -> TokenStream {
    let models = api.models.values().map(|model| {
        let name = ident(&model.name);
        let body = match &model.kind {
            ModelKind::Struct { fields, .. } => {
                let checks = fields.iter().map(|f| field_check(api, f, quote!(self.)));
                quote!(#( #checks )*)
            }
            ModelKind::Union { variants, .. } => {
                let arms: Vec<TokenStream> = variants
                    .iter()
                    .filter_map(|v| {
                        let variant = ident(&v.name);
                        let VariantContent::Newtype(ty) = &v.content else {
                            return None;
                        };
                        let check = value_check(api, quote!(inner), ty, &Constraints::default(), 0);
                        (!check.is_empty()).then(
                            || quote!(Self::#variant(inner) => { let at = at.to_string(); #check }),
                        )
                    })
                    .collect();
                if arms.is_empty() {
                    quote!()
                } else {
                    quote! {
                        #[allow(unreachable_patterns, clippy::single_match)]
                        match self { #( #arms, )* _ => {} }
                    }
                }
            }
            ModelKind::Enum { .. } => quote!(),
        };
        quote! {
            impl Check for super::models::#name {
                #[allow(unused_variables, clippy::only_used_in_recursion)]
                fn check(&self, at: &str, problems: &mut Vec<String>) {
                    #body
                }
            }
        }
    });
    let queries = api.operations.iter().filter_map(|operation| {
        let name = query_name(operation)?;
        let checks = operation.query_parameters().map(|p| {
            let field = ident(&p.name);
            let wire = &p.wire_name;
            let check = value_check(api, quote!(value), strip(&p.ty), &p.constraints, 1);
            quote! {
                if let Some(value) = &self.#field {
                    let at = #wire.to_string();
                    #check
                }
            }
        });
        Some(quote! {
            impl Check for #name {
                #[allow(unused_variables)]
                fn check(&self, at: &str, problems: &mut Vec<String>) {
                    #( #checks )*
                }
            }
        })
    });
    quote! {
        /// Value rules of request bodies and parameters that their types cannot express.
        pub trait Check {
            /// Adds a problem (naming the field) for every rule `self` breaks.
            fn check(&self, at: &str, problems: &mut Vec<String>);
        }

        #[allow(dead_code)]
        fn join(at: &str, name: &str) -> String {
            if at.is_empty() { name.to_string() } else { format!("{at}.{name}") }
        }

        /// A pattern of the spec, compiled on first use and then shared by every request
        /// without a lock.
        #[allow(dead_code)]
        type Pattern = std::sync::LazyLock<Option<fancy_regex::Regex>>;

        /// Whether `text` matches `pattern`. A pattern that does not compile matches
        /// everything (the spec's lint catches those).
        #[allow(dead_code)]
        fn matches_pattern(pattern: &Pattern, text: &str) -> bool {
            pattern.as_ref().is_none_or(|r| r.is_match(text).unwrap_or(true))
        }

        #( #models )*
        #( #queries )*
    }
}

fn strip(ty: &TypeRef) -> &TypeRef {
    match ty {
        TypeRef::Nullable(inner) => inner,
        other => other,
    }
}

/// The check of one field of a struct (`owner` is `self.`).
fn field_check(api: &Api, field: &Field, owner: TokenStream) -> TokenStream {
    let name = ident(&field.name);
    let wire = &field.wire_name;
    let value = quote!(value0);
    let (binding, ty) = match (&field.ty, field.required) {
        (TypeRef::Nullable(inner), false) => (
            quote!(if let super::support::Tristate::Value(#value) = &#owner #name),
            inner.as_ref(),
        ),
        (TypeRef::Nullable(inner), true) => {
            (quote!(if let Some(#value) = &#owner #name), inner.as_ref())
        }
        (ty, false) => (quote!(if let Some(#value) = &#owner #name), ty),
        (ty, true) => (quote!(if let #value = &#owner #name), ty),
    };
    let check = value_check(api, value.clone(), ty, &field.constraints, 1);
    if check.is_empty() {
        return quote!();
    }
    quote! {
        #[allow(irrefutable_let_patterns)]
        #binding {
            let at = join(at, #wire);
            #check
        }
    }
}

/// Statements checking `value` (a reference to a `ty`) against `rules`, with `at` the
/// field's path; empty when there is nothing to check.
fn value_check(
    api: &Api,
    value: TokenStream,
    ty: &TypeRef,
    rules: &Constraints,
    depth: usize,
) -> TokenStream {
    let mut checks = Vec::new();
    match ty {
        TypeRef::Nullable(inner) => {
            let next = format_ident!("value{depth}");
            let inner = value_check(api, quote!(#next), inner, rules, depth + 1);
            if !inner.is_empty() {
                checks.push(quote!(if let Some(#next) = #value.as_ref() { #inner }));
            }
        }
        TypeRef::Boxed(inner) => {
            let next = format_ident!("value{depth}");
            let inner = value_check(api, quote!(#next), inner, rules, depth + 1);
            if !inner.is_empty() {
                checks.push(quote!({ let #next = &**#value; #inner }));
            }
        }
        TypeRef::String | TypeRef::DateTime | TypeRef::Uuid => {
            let text = match ty {
                TypeRef::String => quote!(#value.as_str()),
                _ => quote!(#value.0.as_str()),
            };
            checks.push(text_check(text, rules));
        }
        TypeRef::Integer { .. } | TypeRef::Float { .. } => {
            let number = match ty {
                TypeRef::Float { .. } => quote!(#value.as_f64()),
                _ => quote!(Some(*#value as f64)),
            };
            if let Some(minimum) = rules.minimum {
                checks.push(quote! {
                    if #number.is_some_and(|n| n < #minimum) {
                        problems.push(format!("{at} must be greater than or equal to {}", #minimum));
                    }
                });
            }
            if let Some(maximum) = rules.maximum {
                checks.push(quote! {
                    if #number.is_some_and(|n| n > #maximum) {
                        problems.push(format!("{at} must be less than or equal to {}", #maximum));
                    }
                });
            }
        }
        TypeRef::List(inner) => {
            if let Some(min) = rules.min_items {
                checks.push(quote!(if (#value.len() as u64) < #min { problems.push(format!("{at} must have at least {} items", #min)); }));
            }
            if let Some(max) = rules.max_items {
                checks.push(quote!(if (#value.len() as u64) > #max { problems.push(format!("{at} must have at most {} items", #max)); }));
            }
            if rules.unique_items {
                checks.push(quote! {
                    if #value.iter().enumerate().any(|(index, item)| #value[..index].contains(item)) {
                        problems.push(format!("{at} must not have duplicate items"));
                    }
                });
            }
            let next = format_ident!("value{depth}");
            let item_rules = rules.items.as_deref().cloned().unwrap_or_default();
            let inner = value_check(api, quote!(#next), inner, &item_rules, depth + 1);
            if !inner.is_empty() {
                checks.push(quote! {
                    for (index, #next) in #value.iter().enumerate() {
                        let at = format!("{at}[{index}]");
                        #inner
                    }
                });
            }
        }
        TypeRef::Map(inner) => {
            let next = format_ident!("value{depth}");
            let value_rules = rules.values.as_deref().cloned().unwrap_or_default();
            let inner = value_check(api, quote!(#next), inner, &value_rules, depth + 1);
            let key_check = rules
                .keys
                .as_deref()
                .map(|k| text_check(quote!(key.as_str()), k))
                .unwrap_or_default();
            if !inner.is_empty() || !key_check.is_empty() {
                checks.push(quote! {
                    for (key, #next) in #value.iter() {
                        {
                            let at = format!("{at} key '{key}'");
                            #key_check
                        }
                        let at = join(&at, key);
                        #inner
                    }
                });
            }
        }
        TypeRef::Named(name) => match api.models.get(name).map(|m| &m.kind) {
            // An open enum keeps values it does not know; a request may not send them.
            Some(ModelKind::Enum {
                open: true,
                variants,
            }) => {
                let model = ident(name);
                let expected = variants
                    .iter()
                    .map(|v| v.wire_name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                checks.push(quote! {
                    if let super::models::#model::Unknown(other) = #value {
                        problems.push(format!("{at} must be one of {}, not '{other}'", #expected));
                    }
                });
            }
            Some(ModelKind::Enum { open: false, .. }) | None => {}
            Some(_) => checks.push(quote!(Check::check(#value, &at, problems);)),
        },
        TypeRef::Bool | TypeRef::Json => {}
    }
    checks.into_iter().collect()
}

fn text_check(text: TokenStream, rules: &Constraints) -> TokenStream {
    let mut checks = Vec::new();
    if let Some(min) = rules.min_length {
        checks.push(quote! {
            if (#text.chars().count() as u64) < #min {
                problems.push(format!("{at} must be at least {} characters", #min));
            }
        });
    }
    if let Some(max) = rules.max_length {
        checks.push(quote! {
            if (#text.chars().count() as u64) > #max {
                problems.push(format!("{at} must be at most {} characters", #max));
            }
        });
    }
    if let Some(pattern) = &rules.pattern {
        checks.push(quote! {
            {
                static PATTERN: Pattern = std::sync::LazyLock::new(|| fancy_regex::Regex::new(#pattern).ok());
                if !matches_pattern(&PATTERN, #text) {
                    problems.push(format!("{at} must match {}", #pattern));
                }
            }
        });
    }
    checks.into_iter().collect()
}
