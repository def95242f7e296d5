//! Emitting the `params` module: a struct per operation holding its query and header
//! parameters, and their writing (`pairs`) exactly as the Cloud Controller reads them:
//! comma-delimited lists are read by decoding the query, then splitting on commas, then
//! unescaping each item (so a comma inside a value travels as `%252C`), `created_ats[gt]`
//! names. The client writes them; reading them back is the server stub's
//! ([`super::query_read`]), so a models-and-client build compiles no reader.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::naming;
use super::tokens::{ident, qualified_type as type_tokens};
use crate::ir::*;

/// The `params` module.
pub fn generate(api: &Api) -> TokenStream {
    let support = support();
    let queries = api.operations.iter().filter_map(expand_query);
    let parameter_models = parameter_models(api);
    let conversions = api
        .models
        .values()
        .filter(|m| parameter_models.contains(m.name.as_str()))
        .map(|m| {
            let name = ident(&m.name);
            let name = quote!(super::models::#name);
            let write = match &m.kind {
                ModelKind::Enum { .. } => quote!(self.as_str().to_string()),
                _ => quote!(serde_json::to_value(self)
                    .map(|v| v.query_value())
                    .unwrap_or_default()),
            };
            quote! {
                impl QueryValue for #name {
                    fn query_value(&self) -> String { #write }
                }
            }
        });
    quote! {
        //! Query and header parameters of each operation, written as the client sends
        //! them (the server stub's module reads them back).

        #support

        #( #queries )*

        #( #conversions )*
    }
}

/// The models some parameter holds (itself, in a list or nullable): only
/// they get query conversions, so a crate with hundreds of models does not type-check
/// hundreds of trait impls nothing calls.
pub fn parameter_models(api: &Api) -> std::collections::BTreeSet<&str> {
    fn named(ty: &TypeRef) -> Option<&str> {
        match ty {
            TypeRef::Named(name) => Some(name),
            TypeRef::List(inner) | TypeRef::Nullable(inner) | TypeRef::Boxed(inner) => named(inner),
            _ => None,
        }
    }
    api.operations
        .iter()
        .flat_map(|o| &o.parameters)
        .filter_map(|p| named(&p.ty))
        .collect()
}

/// What an operation's parameter struct is called, if it has query or header parameters.
pub fn query_name(operation: &Operation) -> Option<proc_macro2::Ident> {
    operation.query_parameters().next().is_some().then(|| {
        format_ident!(
            "{}Query",
            naming::type_name(naming::bare(&operation.name), "Operation")
        )
    })
}

/// The type without its nullability.
pub fn strip_nullable(ty: &TypeRef) -> &TypeRef {
    match ty {
        TypeRef::Nullable(inner) => inner,
        other => other,
    }
}

fn expand_query(operation: &Operation) -> Option<TokenStream> {
    let name = query_name(operation)?;
    let parameters: Vec<&Parameter> = operation.query_parameters().collect();
    let query_parameters: Vec<&&Parameter> = parameters
        .iter()
        .filter(|p| p.location == ParameterLocation::Query)
        .collect();
    let fields = parameters.iter().map(|p| {
        let field = ident(&p.name);
        let ty = type_tokens(strip_nullable(&p.ty));
        let doc = p
            .doc
            .as_deref()
            .map(|d| format!(" {}", d.lines().next().unwrap_or_default()));
        let doc = doc.map(|d| quote!(#[doc = #d]));
        quote! { #doc pub #field: Option<#ty> }
    });
    let setters = parameters.iter().map(|p| {
        let field = ident(&p.name);
        let ty = type_tokens(strip_nullable(&p.ty));
        let doc = format!(" Sets `{}`.", p.wire_name);
        quote! {
            #[doc = #doc]
            pub fn #field(mut self, value: impl Into<#ty>) -> Self {
                self.#field = Some(value.into());
                self
            }
        }
    });
    let writes: Vec<TokenStream> = query_parameters
        .iter()
        .map(|p| {
            let field = ident(&p.name);
            let wire = &p.wire_name;
            match (strip_nullable(&p.ty), p.comma_delimited) {
                (TypeRef::List(_), true) => quote! {
                    if let Some(values) = &self.#field {
                        let joined: Vec<String> = values.iter().map(|v| encode(&escape_item(&v.query_value()))).collect();
                        pairs.push((encode_name(#wire), joined.join(",")));
                    }
                },
                (TypeRef::List(_), false) => quote! {
                    for value in self.#field.iter().flatten() {
                        pairs.push((encode_name(#wire), encode(&value.query_value())));
                    }
                },
                _ => quote! {
                    if let Some(value) = &self.#field {
                        pairs.push((encode_name(#wire), encode(&value.query_value())));
                    }
                },
            }
        })
        .collect();
    let pairs_body = collect_body(&writes);
    let header_writes: Vec<TokenStream> = parameters
        .iter()
        .filter(|p| p.location == ParameterLocation::Header)
        .map(|p| {
            let field = ident(&p.name);
            let wire = &p.wire_name;
            quote! {
                if let Some(value) = &self.#field {
                    pairs.push((#wire, value.query_value()));
                }
            }
        })
        .collect();
    let headers_body = collect_body(&header_writes);
    let doc = format!(" Query and header parameters of `{}`.", operation.wire_id());
    Some(quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct #name {
            #( #fields, )*
        }

        impl #name {
            #( #setters )*

            /// The query string pairs, encoded as the server reads them.
            pub fn pairs(&self) -> Vec<(String, String)> {
                #pairs_body
            }

            /// The header parameters, as `(name, value)`.
            pub fn header_pairs(&self) -> Vec<(&'static str, String)> {
                #headers_body
            }

        }
    })
}

/// `Vec::new()`, or a vector the given statements push onto as `pairs`.
fn collect_body(statements: &[TokenStream]) -> TokenStream {
    if statements.is_empty() {
        quote!(Vec::new())
    } else {
        quote! {
            let mut pairs = Vec::new();
            #( #statements )*
            pairs
        }
    }
}

fn support() -> TokenStream {
    quote! {
        /// Renders a parameter value as query text.
        pub trait QueryValue {
            /// The value as text.
            fn query_value(&self) -> String;
        }
        impl QueryValue for str { fn query_value(&self) -> String { self.to_string() } }
        impl QueryValue for String { fn query_value(&self) -> String { self.clone() } }
        impl<T: QueryValue + ?Sized> QueryValue for &T { fn query_value(&self) -> String { (**self).query_value() } }
        impl QueryValue for bool { fn query_value(&self) -> String { self.to_string() } }
        impl QueryValue for i8 { fn query_value(&self) -> String { self.to_string() } }
        impl QueryValue for i16 { fn query_value(&self) -> String { self.to_string() } }
        impl QueryValue for i32 { fn query_value(&self) -> String { self.to_string() } }
        impl QueryValue for i64 { fn query_value(&self) -> String { self.to_string() } }
        impl QueryValue for u8 { fn query_value(&self) -> String { self.to_string() } }
        impl QueryValue for u16 { fn query_value(&self) -> String { self.to_string() } }
        impl QueryValue for u32 { fn query_value(&self) -> String { self.to_string() } }
        impl QueryValue for u64 { fn query_value(&self) -> String { self.to_string() } }
        impl QueryValue for serde_json::Number { fn query_value(&self) -> String { self.to_string() } }
        impl QueryValue for serde_json::Value {
            fn query_value(&self) -> String {
                match self { serde_json::Value::String(s) => s.clone(), other => other.to_string() }
            }
        }
        impl QueryValue for super::support::DateTime { fn query_value(&self) -> String { self.0.clone() } }
        impl QueryValue for super::support::Uuid { fn query_value(&self) -> String { self.0.clone() } }

        /// Percent-encodes a value: everything but unreserved characters.
        pub fn encode(value: &str) -> String {
            let mut out = String::with_capacity(value.len());
            for byte in value.bytes() {
                match byte {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => out.push(byte as char),
                    other => out.push_str(&format!("%{other:02X}")),
                }
            }
            out
        }

        /// Escapes an item of a comma-delimited list before it is encoded with the rest:
        /// `%` and `,` become `%25` and `%2C`, so that the server's unescape of each item
        /// (after decoding the query and splitting it on commas) gives the item back. A
        /// comma inside a value thus travels as `%252C`, as the Cloud Controller reads it.
        pub fn escape_item(value: &str) -> String {
            value.replace('%', "%25").replace(',', "%2C")
        }

        /// Encodes a parameter name, keeping the brackets of `created_ats[gt]`.
        pub fn encode_name(name: &str) -> String {
            encode(name).replace("%5B", "[").replace("%5D", "]")
        }


        /// Decodes `%XX` escapes and `+` in a query component (the client reads
        /// `X-Cf-Warnings` with it too).
        pub fn decode(text: &str) -> String {
            percent_decode(text, true)
        }

        /// Decodes `%XX` escapes, and `+` as a space when `plus_is_space`.
        pub fn percent_decode(text: &str, plus_is_space: bool) -> String {
            let bytes = text.as_bytes();
            let mut out = Vec::with_capacity(bytes.len());
            let mut i = 0;
            while i < bytes.len() {
                let hex = |b: u8| (b as char).to_digit(16);
                match (bytes[i], bytes.get(i + 1).and_then(|b| hex(*b)), bytes.get(i + 2).and_then(|b| hex(*b))) {
                    (b'%', Some(high), Some(low)) => {
                        out.push((high * 16 + low) as u8);
                        i += 3;
                    }
                    (b'+', _, _) if plus_is_space => {
                        out.push(b' ');
                        i += 1;
                    }
                    (byte, _, _) => {
                        out.push(byte);
                        i += 1;
                    }
                }
            }
            String::from_utf8_lossy(&out).into_owned()
        }
    }
}
