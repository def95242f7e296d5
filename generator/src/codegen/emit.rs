//! Emitting tokens from the IR. Each function takes IR and gives a `TokenStream`; no
//! function here sees the spec.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::tokens::{docs, ident, qualified_type, type_tokens};
use crate::ir::*;

/// A field's declaration: required, optional (`Option`, skipped when absent), or
/// optional and nullable (`Tristate`: absent, `null` or a value, each kept on the wire).
fn field(field: &Field, structs: &Structs) -> TokenStream {
    field_with(field, quote!(pub), structs)
}

/// A field of a struct variant: no visibility (variant fields share the enum's).
fn variant_field(field: &Field, structs: &Structs) -> TokenStream {
    field_with(field, quote!(), structs)
}

/// The names of the struct models: their values must be JSON objects (serde would also
/// take an array of the fields in order, which no server sends).
type Structs = std::collections::BTreeSet<String>;

fn is_struct(ty: &TypeRef, structs: &Structs) -> bool {
    matches!(ty, TypeRef::Named(name) if structs.contains(name))
}

fn field_with(field: &Field, visibility: TokenStream, structs: &Structs) -> TokenStream {
    let doc = docs(field.doc.as_deref());
    let name = ident(&field.name);
    let wire = &field.wire_name;
    let rename = (crate::codegen::naming::bare(&field.name) != wire)
        .then(|| quote!(#[serde(rename = #wire)]));
    let (ty, attributes) = match (&field.ty, field.required) {
        (ty, true) if is_struct(ty, structs) => (
            type_tokens(ty),
            quote!(#[serde(deserialize_with = "super::support::object")]),
        ),
        (ty, true) => (type_tokens(ty), quote!()),
        (TypeRef::Nullable(inner), false) => {
            let inner = type_tokens(inner);
            (
                quote!(super::support::Tristate<#inner>),
                quote!(#[serde(default, skip_serializing_if = "super::support::Tristate::is_absent")]),
            )
        }
        // Optional but not nullable: absent is `None`, and `null` is refused.
        (TypeRef::Json, false) => (
            quote!(Option<serde_json::Value>),
            quote!(#[serde(default, skip_serializing_if = "Option::is_none")]),
        ),
        (ty, false) => {
            let read = if is_struct(ty, structs) {
                "super::support::present_object"
            } else {
                "super::support::present"
            };
            let ty = type_tokens(ty);
            (
                quote!(Option<#ty>),
                quote!(#[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = #read)]),
            )
        }
    };
    quote! {
        #doc
        #rename
        #attributes
        #visibility #name: #ty
    }
}

fn fields_default(fields: &[Field]) -> bool {
    fields.iter().all(|f| !f.required)
}

/// The `models` module: one type per model, in name order.
pub fn models(api: &Api) -> TokenStream {
    let structs: Structs = api
        .models
        .values()
        .filter(|m| matches!(m.kind, ModelKind::Struct { .. }))
        .map(|m| m.name.clone())
        .collect();
    let items = api.models.values().map(|m| model(m, &structs));
    let components = api.models.values().filter_map(|m| {
        let component = m.origin.strip_prefix("/components/schemas/")?;
        let component = crate::pointer::unescape(component);
        let name = ident(&m.name);
        Some(quote!(#component => Some(reserialize::<#name>(body)),))
    });
    let components: Vec<TokenStream> = components.collect();
    let dispatch = if components.is_empty() {
        quote!(let _ = (name, body); None)
    } else {
        quote!(match name { #( #components )* _ => None })
    };
    quote! {
        //! The API's types.
        #( #items )*

        /// Reads `body` into the type generated for the component schema `name` and writes
        /// it back as JSON, so a captured payload can be checked to survive the types
        /// unchanged. `None` when no type was generated for `name`.
        pub fn reserialize_schema(name: &str, body: &serde_json::Value) -> Option<Result<serde_json::Value, serde_json::Error>> {
            #dispatch
        }

        /// Reads `body` into `T` and writes it back as JSON.
        pub fn reserialize<T: serde::de::DeserializeOwned + serde::Serialize>(body: &serde_json::Value) -> Result<serde_json::Value, serde_json::Error> {
            let typed: T = serde_json::from_value(body.clone())?;
            serde_json::to_value(&typed)
        }
    }
}

fn model(model: &Model, structs: &Structs) -> TokenStream {
    let doc = docs(model.doc.as_deref());
    let name = ident(&model.name);
    match &model.kind {
        ModelKind::Struct {
            fields,
            closed,
            additional,
        } => {
            let declared = fields.iter().map(|f| field(f, structs));
            // The server refuses unknown properties here, and so does the type.
            let deny = closed.then(|| quote!(#[serde(deny_unknown_fields)]));
            let extra = additional.as_ref().map(|ty| {
                let ty = type_tokens(ty);
                quote! {
                    /// Properties beyond the declared ones.
                    #[serde(flatten)]
                    pub additional_properties: std::collections::BTreeMap<String, #ty>,
                }
            });
            let default = fields_default(fields).then(|| quote!(Default,));
            quote! {
                #doc
                #[derive(Debug, Clone, PartialEq, #default serde::Serialize, serde::Deserialize)]
                #deny
                pub struct #name {
                    #( #declared, )*
                    #extra
                }
            }
        }
        ModelKind::Enum { variants, open } => string_enum(&name, doc, variants, *open),
        ModelKind::Union { tagging, variants } => union(&name, doc, tagging, variants, structs),
    }
}

fn string_enum(name: &Ident, doc: TokenStream, variants: &[Variant], open: bool) -> TokenStream {
    let names: Vec<Ident> = variants.iter().map(|v| ident(&v.name)).collect();
    let wires: Vec<&str> = variants.iter().map(|v| v.wire_name.as_str()).collect();
    let variant_docs: Vec<TokenStream> = variants
        .iter()
        .map(|v| match &v.doc {
            Some(text) => {
                let text = format!(" {text}");
                quote!(#[doc = #text])
            }
            None => TokenStream::new(),
        })
        .collect();
    let display = quote! {
        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
    if !open {
        return quote! {
            #doc
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
            pub enum #name {
                #( #variant_docs #[serde(rename = #wires)] #names, )*
            }

            impl #name {
                /// The value as sent on the wire.
                pub fn as_str(&self) -> &'static str {
                    match self { #( Self::#names => #wires, )* }
                }
            }

            #display
        };
    }
    let separator = (!doc.is_empty()).then(|| quote!(#[doc = ""]));
    let wire_docs = variants.iter().map(|v| match &v.doc {
        Some(text) => format!(" `{:?}` on the wire. {text}", v.wire_name),
        None => format!(" `{:?}` on the wire.", v.wire_name),
    });
    quote! {
        #doc
        #separator
        /// Open: a value this version does not know is kept in `Unknown`.
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(from = "String", into = "String")]
        pub enum #name {
            #( #[doc = #wire_docs] #names, )*
            /// A value this version of the spec does not list.
            Unknown(String),
        }

        impl #name {
            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #( Self::#names => #wires, )*
                    Self::Unknown(other) => other,
                }
            }
        }

        impl From<String> for #name {
            fn from(value: String) -> Self {
                match value.as_str() {
                    #( #wires => Self::#names, )*
                    _ => Self::Unknown(value),
                }
            }
        }

        impl From<#name> for String {
            fn from(value: #name) -> Self {
                match value {
                    #name::Unknown(other) => other,
                    known => known.as_str().to_string(),
                }
            }
        }

        #display
    }
}

fn union(
    name: &Ident,
    doc: TokenStream,
    tagging: &Tagging,
    variants: &[UnionVariant],
    structs: &Structs,
) -> TokenStream {
    let representation = match tagging {
        Tagging::Untagged => quote!(#[serde(untagged)]),
        Tagging::External => quote!(),
        Tagging::Internal { tag } => quote!(#[serde(tag = #tag)]),
    };
    let variants = variants.iter().map(|variant| {
        let doc = docs(variant.doc.as_deref());
        let variant_name = ident(&variant.name);
        let rename = variant
            .wire_name
            .as_ref()
            .map(|wire| quote!(#[serde(rename = #wire)]));
        let content = match &variant.content {
            VariantContent::Unit => quote!(),
            VariantContent::Newtype(ty) => {
                let ty = type_tokens(ty);
                quote!((#ty))
            }
            VariantContent::Struct(fields) => {
                let fields = fields.iter().map(|f| variant_field(f, structs));
                quote!({ #( #fields, )* })
            }
        };
        quote! { #doc #rename #variant_name #content }
    });
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
        #representation
        pub enum #name {
            #( #variants, )*
        }
    }
}

/// The `support` module: the types every generated crate shares.
pub fn support() -> TokenStream {
    quote! {
        //! Types the generated models share.

        /// A property that may be absent, `null`, or a value — three different things on
        /// the wire. In a PATCH body, absent leaves a value unchanged and `null` resets it.
        ///
        /// Use it with `#[serde(default, skip_serializing_if = "Tristate::is_absent")]`,
        /// as the generated models do.
        #[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
        pub enum Tristate<T> {
            /// Not sent.
            #[default]
            Absent,
            /// Sent as `null`.
            Null,
            /// Sent as a value.
            Value(T),
        }

        impl<T> Tristate<T> {
            /// Whether the property is absent (and is skipped when serialising).
            pub fn is_absent(&self) -> bool {
                matches!(self, Tristate::Absent)
            }

            /// The value, if there is one.
            pub fn value(&self) -> Option<&T> {
                match self {
                    Tristate::Value(value) => Some(value),
                    _ => None,
                }
            }
        }

        /// Reads a property whose value must be a JSON object.
        pub fn object<'de, D: serde::Deserializer<'de>, T: serde::de::DeserializeOwned>(deserializer: D) -> Result<T, D::Error> {
            let value = <serde_json::Value as serde::Deserialize>::deserialize(deserializer)?;
            if !value.is_object() {
                return Err(serde::de::Error::custom(format!("invalid type: {}, expected an object", kind(&value))));
            }
            serde_json::from_value(value).map_err(serde::de::Error::custom)
        }

        /// Reads an optional property whose value must be a JSON object (not `null`).
        pub fn present_object<'de, D: serde::Deserializer<'de>, T: serde::de::DeserializeOwned>(deserializer: D) -> Result<Option<T>, D::Error> {
            object(deserializer).map(Some)
        }

        fn kind(value: &serde_json::Value) -> &'static str {
            match value {
                serde_json::Value::Null => "null",
                serde_json::Value::Bool(_) => "a boolean",
                serde_json::Value::Number(_) => "a number",
                serde_json::Value::String(_) => "a string",
                serde_json::Value::Array(_) => "an array",
                serde_json::Value::Object(_) => "an object",
            }
        }

        /// Reads an optional property that may not be `null`: present means a value.
        /// (`#[serde(default)]` makes an absent one `None`.)
        pub fn present<'de, D: serde::Deserializer<'de>, T: serde::Deserialize<'de>>(deserializer: D) -> Result<Option<T>, D::Error> {
            T::deserialize(deserializer).map(Some)
        }

        impl<T> From<Option<T>> for Tristate<T> {
            /// `None` becomes `null`, not absent.
            fn from(value: Option<T>) -> Self {
                value.map_or(Tristate::Null, Tristate::Value)
            }
        }

        impl<T: serde::Serialize> serde::Serialize for Tristate<T> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    Tristate::Value(value) => value.serialize(serializer),
                    Tristate::Absent | Tristate::Null => serializer.serialize_none(),
                }
            }
        }

        impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Tristate<T> {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                Option::<T>::deserialize(deserializer).map(Tristate::from)
            }
        }

        /// An RFC 3339 timestamp, kept as the exact text the server sent (sub-second
        /// digits and offsets such as `+00:00` survive a round trip).
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct DateTime(pub String);

        /// A UUID, kept as the exact text the server sent.
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct Uuid(pub String);

        impl std::fmt::Display for DateTime {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::fmt::Display for Uuid {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    }
}

/// The `operations` module: a table of the spec's operations.
pub fn operations(api: &Api) -> TokenStream {
    let rows = api.operations.iter().map(|operation| {
        let id = operation
            .id
            .as_deref()
            .unwrap_or(crate::codegen::naming::bare(&operation.name));
        let method = &operation.method;
        let path = &operation.path;
        let doc = operation
            .doc
            .as_deref()
            .map(|d| format!(" {}", d.lines().next().unwrap_or_default()));
        let doc = doc.map(|d| quote!(#[doc = #d]));
        let constant = format_ident!(
            "{}",
            crate::codegen::naming::bare(&operation.name).to_ascii_uppercase()
        );
        quote! {
            #doc
            pub const #constant: Operation = Operation { id: #id, method: #method, path: #path };
        }
    });
    let all = api.operations.iter().map(|o| {
        format_ident!(
            "{}",
            crate::codegen::naming::bare(&o.name).to_ascii_uppercase()
        )
    });
    let bodies = api.operations.iter().flat_map(|operation| {
        let id = operation
            .id
            .clone()
            .unwrap_or_else(|| crate::codegen::naming::bare(&operation.name).to_string());
        let request = operation.request_body.iter().map(move |ty| (None, ty));
        let responses = operation
            .responses
            .iter()
            .filter_map(|r| r.body.as_ref().map(|ty| (Some(r.status.clone()), ty)));
        request.chain(responses).map(move |(status, ty)| {
            let ty = qualified_type(ty);
            let status = match status {
                Some(status) => quote!(Some(#status)),
                None => quote!(None),
            };
            quote!((#id, #status) => Some(super::models::reserialize::<#ty>(body)),)
        })
    });
    let bodies: Vec<TokenStream> = bodies.collect();
    let dispatch = if bodies.is_empty() {
        quote!(let _ = (operation_id, status, body); None)
    } else {
        quote!(match (operation_id, status) { #( #bodies )* _ => None })
    };
    quote! {
        //! The API's operations: id, method and path template.

        /// Reads a body of operation `operation_id` — its request body when `status` is
        /// `None`, else its response body for `status` as the spec writes it (`"200"`,
        /// `"4XX"`, `"default"`) — into the generated type and writes it back as JSON.
        /// `None` when the operation documents no such JSON body.
        pub fn reserialize(operation_id: &str, status: Option<&str>, body: &serde_json::Value) -> Option<Result<serde_json::Value, serde_json::Error>> {
            #dispatch
        }

        /// One operation of the API.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct Operation {
            /// The `operationId`.
            pub id: &'static str,
            /// The HTTP method, upper case.
            pub method: &'static str,
            /// The path template, e.g. `/v3/processes/{guid}`.
            pub path: &'static str,
        }

        #( #rows )*

        /// Every operation, in spec order.
        pub const ALL: &[Operation] = &[ #( #all, )* ];
    }
}

/// The crate root of the multi-file layout (`src/lib.rs` beside `src/models.rs`, …); its
/// documentation is the crate's README.
pub fn lib() -> TokenStream {
    quote! {
        #![doc = include_str!("../README.md")]
        #![forbid(unsafe_code)]

        // The modules are formatted by the generator (prettyplease); rustfmt leaves them be.
        #[rustfmt::skip]
        pub mod models;
        #[rustfmt::skip]
        pub mod operations;
        #[rustfmt::skip]
        pub mod support;
        #[rustfmt::skip]
        pub mod params;
        #[cfg(feature = "client")]
        #[rustfmt::skip]
        pub mod client;
        #[cfg(feature = "server")]
        #[rustfmt::skip]
        pub mod server;

        pub use models::*;
        pub use support::{DateTime, Tristate, Uuid};
    }
}
