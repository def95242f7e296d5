//! Emitting the reading half of the `params` module into the server stub: `parse` on each
//! operation's parameter struct and the `FromQueryValue` conversions it uses, read as the
//! Cloud Controller reads a query (decode, split a comma-delimited list on `/,\s*/`, then
//! unescape each item). Only the server reads queries, so this code lives in the
//! `server` module, behind its feature, and a models-and-client build never compiles it.

use proc_macro2::TokenStream;
use quote::quote;

use super::params::{parameter_models, query_name, strip_nullable};
use super::tokens::ident;
use crate::ir::*;

/// The query readers, as items of the `server` module (which imports `params::*`).
pub fn generate(api: &Api) -> TokenStream {
    let support = support();
    let parsers = api.operations.iter().filter_map(parse_impl);
    let parameter_models = parameter_models(api);
    let conversions = api
        .models
        .values()
        .filter(|m| parameter_models.contains(m.name.as_str()))
        .map(from_query_value);
    quote! {
        #support

        #( #parsers )*

        #( #conversions )*
    }
}

/// `FromQueryValue` for a model a parameter holds.
fn from_query_value(model: &Model) -> TokenStream {
    let name = ident(&model.name);
    let name = quote!(super::models::#name);
    let read = match &model.kind {
        // A request may only send the values the spec lists, open enum or not.
        ModelKind::Enum {
            open: true,
            variants,
        } => {
            let expected = expected(variants);
            quote! {
                match #name::from(text.to_string()) {
                    #name::Unknown(other) => Err(format!("'{other}' is not one of {}", #expected)),
                    known => Ok(known),
                }
            }
        }
        ModelKind::Enum {
            variants,
            open: false,
        } => {
            let expected = expected(variants);
            let wires = variants.iter().map(|v| v.wire_name.as_str());
            let names = variants.iter().map(|v| ident(&v.name));
            quote! {
                match text {
                    #( #wires => Ok(#name::#names), )*
                    other => Err(format!("'{other}' is not one of {}", #expected)),
                }
            }
        }
        _ => quote!(
            serde_json::from_value(serde_json::Value::String(text.to_string()))
                .map_err(|e| e.to_string())
        ),
    };
    quote! {
        impl FromQueryValue for #name {
            fn from_query_value(text: &str) -> Result<Self, String> { #read }
        }
    }
}

/// The wire values of an enum, for a message: `a, b, c`.
fn expected(variants: &[Variant]) -> String {
    variants
        .iter()
        .map(|v| v.wire_name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `impl XQuery { pub fn parse }` for an operation with query or header parameters.
fn parse_impl(operation: &Operation) -> Option<TokenStream> {
    let name = query_name(operation)?;
    let query_parameters: Vec<&Parameter> = operation
        .query_parameters()
        .filter(|p| p.location == ParameterLocation::Query)
        .collect();
    let reads: Vec<TokenStream> = query_parameters
        .iter()
        .map(|p| {
            let field = ident(&p.name);
            let wire = &p.wire_name;
            match (strip_nullable(&p.ty), p.comma_delimited) {
                (TypeRef::List(_), true) => quote! {
                    #wire => {
                        let decoded = decode(value);
                        let parsed: Result<Vec<_>, String> =
                            split_list(&decoded).map(|v| FromQueryValue::from_query_value(&unescape(v))).collect();
                        query.#field = Some(parsed.map_err(|e| format!("{}: {e}", #wire))?);
                    }
                },
                (TypeRef::List(_), false) => quote! {
                    #wire => {
                        let item = FromQueryValue::from_query_value(&decode(value)).map_err(|e| format!("{}: {e}", #wire))?;
                        query.#field.get_or_insert_with(Vec::new).push(item);
                    }
                },
                _ => quote! {
                    #wire => {
                        let parsed = FromQueryValue::from_query_value(&decode(value)).map_err(|e| format!("{}: {e}", #wire))?;
                        query.#field = Some(parsed);
                    }
                },
            }
        })
        .collect();
    let known = query_parameters
        .iter()
        .map(|p| format!("'{}'", p.wire_name))
        .collect::<Vec<_>>()
        .join(", ");
    let body = if reads.is_empty() {
        quote! {
            let unknown: Vec<String> = raw
                .split('&')
                .filter(|p| !p.is_empty())
                .map(|pair| format!("'{}'", decode(pair.split('=').next().unwrap_or_default())))
                .collect();
            if unknown.is_empty() {
                Ok(Self::default())
            } else {
                Err(format!("Unknown query parameter(s): {}. This operation takes none.", unknown.join(", ")))
            }
        }
    } else {
        quote! {
            let mut query = Self::default();
            let mut unknown = Vec::new();
            for pair in raw.split('&').filter(|p| !p.is_empty()) {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                let name = decode(name);
                match name.as_str() {
                    #( #reads )*
                    _ => unknown.push(format!("'{name}'")),
                }
            }
            if !unknown.is_empty() {
                return Err(format!("Unknown query parameter(s): {}. Valid parameters are: {}", unknown.join(", "), #known));
            }
            Ok(query)
        }
    };
    Some(quote! {
        impl #name {
            /// Reads a raw query string (without `?`). Unknown names and values that do not
            /// parse are refused, with a message naming them.
            pub fn parse(raw: &str) -> Result<Self, String> {
                #body
            }
        }
    })
}

fn support() -> TokenStream {
    quote! {
        /// Splits a decoded list value as the Cloud Controller does (on `/,\s*/`).
        pub fn split_list(text: &str) -> impl Iterator<Item = &str> {
            text.split(',').enumerate().map(|(i, item)| {
                if i == 0 { item } else { item.trim_start_matches([' ', '\t', '\r', '\n', '\x0b', '\x0c']) }
            })
        }

        /// Decodes `%XX` escapes only (a list item after splitting: `+` stays `+`).
        pub fn unescape(text: &str) -> String {
            percent_decode(text, false)
        }

        /// Reads a parameter value from query text.
        pub trait FromQueryValue: Sized {
            /// The value, or why the text is not one.
            fn from_query_value(text: &str) -> Result<Self, String>;
        }

        macro_rules! parsed {
            ($($t:ty => $what:literal),*) => {$(
                impl FromQueryValue for $t {
                    fn from_query_value(text: &str) -> Result<Self, String> {
                        text.parse().map_err(|_| format!("'{text}' is not {}", $what))
                    }
                }
            )*};
        }
        parsed!(i8 => "an integer", i16 => "an integer", i32 => "an integer", i64 => "an integer",
                u8 => "an integer", u16 => "an integer", u32 => "an integer", u64 => "an integer",
                bool => "true or false", serde_json::Number => "a number");

        impl FromQueryValue for String {
            fn from_query_value(text: &str) -> Result<Self, String> { Ok(text.to_string()) }
        }
        impl FromQueryValue for serde_json::Value {
            fn from_query_value(text: &str) -> Result<Self, String> { Ok(serde_json::Value::String(text.to_string())) }
        }
        impl FromQueryValue for super::support::DateTime {
            fn from_query_value(text: &str) -> Result<Self, String> { Ok(super::support::DateTime(text.to_string())) }
        }
        impl FromQueryValue for super::support::Uuid {
            fn from_query_value(text: &str) -> Result<Self, String> { Ok(super::support::Uuid(text.to_string())) }
        }
    }
}
