//! Token helpers every emitter shares: identifiers, doc attributes, and the Rust type of
//! an IR [`TypeRef`]. A leaf module: it knows the IR and nothing of the emitters.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use crate::ir::TypeRef;

/// An identifier, raw (`r#type`) where the name says so.
pub(crate) fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(name, Span::call_site()),
    }
}

/// Doc attributes, one per line of `doc`.
pub(crate) fn docs(doc: Option<&str>) -> TokenStream {
    let lines = doc
        .into_iter()
        .flat_map(str::lines)
        .map(|line| format!(" {line}"));
    quote! { #( #[doc = #lines] )* }
}

/// The Rust type of a [`TypeRef`] in a position where `null` means `None`, naming models
/// as the `models` module itself does.
pub(crate) fn type_tokens(ty: &TypeRef) -> TokenStream {
    type_in(ty, &quote!())
}

/// The Rust type of a [`TypeRef`] from a sibling module of `models` (`super::models::X`),
/// so that names the sibling defines itself (`Operation`, `Error`) cannot capture it.
pub(crate) fn qualified_type(ty: &TypeRef) -> TokenStream {
    type_in(ty, &quote!(super::models::))
}

fn type_in(ty: &TypeRef, models: &TokenStream) -> TokenStream {
    match ty {
        TypeRef::String => quote!(String),
        TypeRef::Bool => quote!(bool),
        TypeRef::Integer { bits, unsigned } => {
            let name = format_ident!("{}{}", if *unsigned { "u" } else { "i" }, bits.to_string());
            quote!(#name)
        }
        // A JSON number keeps its exact form: `0` stays an integer and
        // `0.00038711029163348665` keeps its digits, which `f64` would not promise.
        TypeRef::Float { .. } => quote!(serde_json::Number),
        TypeRef::DateTime => quote!(super::support::DateTime),
        TypeRef::Uuid => quote!(super::support::Uuid),
        TypeRef::Json => quote!(serde_json::Value),
        TypeRef::Named(name) => {
            let name = ident(name);
            quote!(#models #name)
        }
        TypeRef::List(inner) => {
            let inner = type_in(inner, models);
            quote!(Vec<#inner>)
        }
        TypeRef::Map(inner) => {
            let inner = type_in(inner, models);
            quote!(std::collections::BTreeMap<String, #inner>)
        }
        TypeRef::Nullable(inner) => {
            let inner = type_in(inner, models);
            quote!(Option<#inner>)
        }
        TypeRef::Boxed(inner) => {
            let inner = type_in(inner, models);
            quote!(Box<#inner>)
        }
    }
}
