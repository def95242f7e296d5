//! The intermediate representation between a spec and generated code: plain,
//! documented data with no `openapiv3` or token types inside. Every name is kept twice,
//! as Rust writes it and as the wire does, and every list is in a deterministic order.

use std::collections::BTreeMap;

/// Everything code generation needs from one spec.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Api {
    /// The spec's title.
    pub title: String,
    /// The spec's version.
    pub version: String,
    /// Named types, by Rust name.
    pub models: BTreeMap<String, Model>,
    /// Operations, in spec order.
    pub operations: Vec<Operation>,
}

/// A named Rust type.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// Rust name (unique in the crate).
    pub name: String,
    /// JSON pointer of the schema it comes from.
    pub origin: String,
    /// Documentation from the schema's `description`, as rustdoc Markdown (`codegen::doc_text`).
    pub doc: Option<String>,
    /// What kind of type.
    pub kind: ModelKind,
}

/// The shapes a model can take.
#[derive(Debug, Clone, PartialEq)]
pub enum ModelKind {
    /// An object.
    Struct {
        /// Its known properties, in spec order.
        fields: Vec<Field>,
        /// Whether properties beyond these are refused (`additionalProperties: false`).
        closed: bool,
        /// The type of properties beyond the known ones, when the schema allows them explicitly.
        additional: Option<TypeRef>,
    },
    /// A string enum.
    Enum {
        /// The values.
        variants: Vec<Variant>,
        /// Whether unknown values are kept (`Unknown(String)`) rather than refused:
        /// true for enums a server sends, so that a new value does not break clients.
        open: bool,
    },
    /// A `oneOf`/`anyOf`.
    Union {
        /// How the alternatives are told apart on the wire.
        tagging: Tagging,
        /// The alternatives.
        variants: Vec<UnionVariant>,
    },
}

/// How union alternatives are told apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tagging {
    /// By trying each in turn.
    Untagged,
    /// A string for unit variants, or a one-key object `{"name": content}`.
    External,
    /// By the value of a property inside the object.
    Internal {
        /// The wire name of the tag property.
        tag: String,
    },
}

/// One alternative of a union.
#[derive(Debug, Clone, PartialEq)]
pub struct UnionVariant {
    /// Rust variant name.
    pub name: String,
    /// Wire name (the tag value) for tagged unions.
    pub wire_name: Option<String>,
    /// Documentation.
    pub doc: Option<String>,
    /// What the variant holds.
    pub content: VariantContent,
}

/// What a union variant holds.
#[derive(Debug, Clone, PartialEq)]
pub enum VariantContent {
    /// Nothing (a bare string on the wire).
    Unit,
    /// One value.
    Newtype(TypeRef),
    /// Fields (internally tagged objects).
    Struct(Vec<Field>),
}

/// One value of a string enum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    /// Rust variant name.
    pub name: String,
    /// The string on the wire.
    pub wire_name: String,
    /// Documentation (e.g. the API version that introduced the value).
    pub doc: Option<String>,
}

/// A property of an object.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Rust field name (may be a raw identifier such as `r#type`).
    pub name: String,
    /// Property name on the wire.
    pub wire_name: String,
    /// Documentation.
    pub doc: Option<String>,
    /// The value's type; [`TypeRef::Nullable`] when `null` is allowed.
    pub ty: TypeRef,
    /// Whether the property is always present.
    pub required: bool,
    /// Value rules its type cannot express.
    pub constraints: Constraints,
}

/// Value rules a Rust type cannot express (the server stub checks them).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Constraints {
    /// Smallest number allowed.
    pub minimum: Option<f64>,
    /// Largest number allowed.
    pub maximum: Option<f64>,
    /// Fewest characters.
    pub min_length: Option<u64>,
    /// Most characters.
    pub max_length: Option<u64>,
    /// A regular expression the text must match (ECMA-262 flavour, lookarounds allowed).
    pub pattern: Option<String>,
    /// Fewest items.
    pub min_items: Option<u64>,
    /// Most items.
    pub max_items: Option<u64>,
    /// No two items equal (`uniqueItems: true`).
    pub unique_items: bool,
    /// Rules for each item of a list.
    pub items: Option<Box<Constraints>>,
    /// Rules for each value of a map.
    pub values: Option<Box<Constraints>>,
    /// Rules for each key of a map.
    pub keys: Option<Box<Constraints>>,
}

impl Constraints {
    /// Whether there is nothing to check.
    pub fn is_empty(&self) -> bool {
        *self == Constraints::default()
    }
}

/// A type as used in a field, item or parameter.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum TypeRef {
    /// `String`.
    String,
    /// `bool`.
    Bool,
    /// A signed or unsigned integer of this many bits.
    Integer {
        /// 8, 16, 32 or 64.
        bits: u8,
        /// Whether it is unsigned.
        unsigned: bool,
    },
    /// `f32` (`bits: 32`) or `f64`.
    Float {
        /// 32 or 64.
        bits: u8,
    },
    /// An RFC 3339 timestamp, kept as the exact text.
    DateTime,
    /// A UUID, kept as the exact text.
    Uuid,
    /// Any JSON value.
    Json,
    /// A model by Rust name.
    Named(String),
    /// A list.
    List(Box<TypeRef>),
    /// A string-keyed map.
    Map(Box<TypeRef>),
    /// A value that may be `null`.
    Nullable(Box<TypeRef>),
    /// A value stored behind a pointer to break a recursive type.
    Boxed(Box<TypeRef>),
}

/// One operation of the spec.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// Rust name (from `operationId`, else method and path).
    pub name: String,
    /// The `operationId`, if any.
    pub id: Option<String>,
    /// Upper-case HTTP method.
    pub method: String,
    /// Path template.
    pub path: String,
    /// Summary or description, as rustdoc Markdown (`codegen::doc_text`).
    pub doc: Option<String>,
    /// The first tag, if any.
    pub tag: Option<String>,
    /// Path, query and header parameters.
    pub parameters: Vec<Parameter>,
    /// The JSON request body's type, if the operation takes one.
    pub request_body: Option<TypeRef>,
    /// Whether the request body is `required`; an optional object body that is absent
    /// reads as `{}` in the server stub.
    pub request_body_required: bool,
    /// Documented responses, in status order.
    pub responses: Vec<Response>,
    /// Whether a caller must authenticate (the operation's or the document's `security`
    /// is not empty).
    pub secured: bool,
}

impl Operation {
    /// The `operationId`, or the Rust name when there is none.
    pub fn wire_id(&self) -> &str {
        self.id
            .as_deref()
            .unwrap_or(self.name.strip_prefix("r#").unwrap_or(&self.name))
    }

    /// The parameters that travel in the query or in headers (the query struct's fields).
    pub fn query_parameters(&self) -> impl Iterator<Item = &Parameter> {
        self.parameters.iter().filter(|p| {
            matches!(
                p.location,
                ParameterLocation::Query | ParameterLocation::Header
            )
        })
    }

    /// A one-line description for generated docs: `` `GET /path`: summary``.
    pub fn summary(&self) -> String {
        let first = self.doc.as_deref().and_then(|d| d.lines().next());
        format!(
            " `{} {}`{}",
            self.method,
            self.path,
            first.map(|d| format!(": {d}")).unwrap_or_default()
        )
    }
}

/// Where a parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParameterLocation {
    /// In the path template.
    Path,
    /// In the query string.
    Query,
    /// In a header.
    Header,
    /// In a cookie.
    Cookie,
}

/// An operation parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    /// Rust name.
    pub name: String,
    /// Name on the wire.
    pub wire_name: String,
    /// Where it travels.
    pub location: ParameterLocation,
    /// Whether it must be given.
    pub required: bool,
    /// Its type.
    pub ty: TypeRef,
    /// Whether a list is sent comma-delimited in one value (`style: form, explode: false`).
    pub comma_delimited: bool,
    /// Documentation.
    pub doc: Option<String>,
    /// Value rules its type cannot express.
    pub constraints: Constraints,
}

/// A documented response.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// `200`, `4XX` or `default`.
    pub status: String,
    /// The JSON body's type, if any.
    pub body: Option<TypeRef>,
    /// Documentation.
    pub doc: Option<String>,
    /// Whether it documents a `Location` header (e.g. the job of an asynchronous delete).
    pub location: bool,
}
