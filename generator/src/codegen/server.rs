//! Emitting the server stub (the generated crate's `server` module, feature `server`): a
//! trait per tag with one async method per operation, a response enum per operation with
//! a variant per documented status, and `router`, which builds an `axum::Router` that
//! enforces the contract before an implementation runs.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::naming;
use super::params::{query_name, strip_nullable};
use super::tokens::{ident, qualified_type as type_tokens};
use crate::ir::*;

/// The trait an operation belongs to: its first tag, else `Api`.
fn trait_name(operation: &Operation) -> proc_macro2::Ident {
    format_ident!(
        "{}",
        naming::type_name(operation.tag.as_deref().unwrap_or("Api"), "Api")
    )
}

fn response_name(operation: &Operation) -> proc_macro2::Ident {
    format_ident!(
        "{}Response",
        naming::type_name(naming::bare(&operation.name), "Operation")
    )
}

/// A variant name for a status: the reason phrase where there is one.
fn status_variant(status: &str) -> String {
    let phrase = match status {
        "200" => "Ok",
        "201" => "Created",
        "202" => "Accepted",
        "204" => "NoContent",
        "400" => "BadRequest",
        "401" => "Unauthorized",
        "403" => "Forbidden",
        "404" => "NotFound",
        "409" => "Conflict",
        "413" => "PayloadTooLarge",
        "422" => "UnprocessableEntity",
        "429" => "TooManyRequests",
        "500" => "InternalServerError",
        "502" => "BadGateway",
        "503" => "ServiceUnavailable",
        "default" => "Default",
        other => return format!("Status{}", other.to_ascii_uppercase()),
    };
    phrase.to_string()
}

/// The `server` module.
pub fn generate(api: &Api) -> TokenStream {
    let mut traits: BTreeMap<String, Vec<&Operation>> = BTreeMap::new();
    for operation in &api.operations {
        traits
            .entry(trait_name(operation).to_string())
            .or_default()
            .push(operation);
    }
    let trait_names: Vec<proc_macro2::Ident> =
        traits.keys().map(|t| format_ident!("{t}")).collect();
    let bound = quote!(Send + Sync + 'static #( + #trait_names )*);
    let trait_items = traits.iter().map(|(name, operations)| {
        let name = format_ident!("{name}");
        let methods = operations.iter().map(|o| trait_method(o));
        let doc = format!(" The operations tagged `{name}`.");
        quote! {
            #[doc = #doc]
            pub trait #name: Send + Sync + 'static {
                #( #methods )*
            }
        }
    });
    let responses = api.operations.iter().map(response_enum);
    let handlers = api.operations.iter().map(|o| handler(api, o));
    let all_routes = routes(&api.operations.iter().collect::<Vec<_>>());
    let tag_routers = traits.iter().map(|(name, operations)| {
        let function = format_ident!("{}_router", naming::field_name(name, "api"));
        let name = format_ident!("{name}");
        let routes = routes(operations);
        let doc = format!(
            " The router for the operations tagged `{name}` only, served by `service`; \
             every other route is unknown (404)."
        );
        quote! {
            #[doc = #doc]
            pub fn #function<S: Send + Sync + 'static + #name>(service: std::sync::Arc<S>, options: Options) -> axum::Router {
                let state = State { service, options: std::sync::Arc::new(options) };
                axum::Router::new()
                    #routes
                    .fallback(unknown_route::<S>)
                    .method_not_allowed_fallback(unknown_route::<S>)
                    .with_state(state)
            }
        }
    });
    let support = support();
    let checks = super::check::generate(api);
    let query_readers = super::query_read::generate(api);
    quote! {
        //! The server stub (feature `server`), on `axum`: implement the traits, then serve
        //! `router(service, Options::default())`, or one trait's operations with its own
        //! router (e.g. `jobs_router` for a trait `Jobs`). Before an implementation runs, the stub
        //! authenticates the caller, reads the query (unknown or malformed parameters are
        //! refused), and reads the body (malformed JSON, unknown fields and wrong types
        //! are refused), answering as a Cloud Controller does; `Options::refuse` changes
        //! how refusals look.
        #![allow(clippy::too_many_arguments, clippy::large_enum_variant)]

        #[allow(unused_imports)]
        use super::params::*;

        #support

        #query_readers

        #checks

        #( #trait_items )*

        #( #responses )*

        /// The router for every operation, served by `service`.
        pub fn router<S: #bound>(service: std::sync::Arc<S>, options: Options) -> axum::Router {
            let state = State { service, options: std::sync::Arc::new(options) };
            axum::Router::new()
                #all_routes
                .fallback(unknown_route::<S>)
                .method_not_allowed_fallback(unknown_route::<S>)
                .with_state(state)
        }

        #( #tag_routers )*

        /// An unknown route or method: 404 `CF-NotFound`, as a Cloud Controller answers.
        async fn unknown_route<S: Send + Sync + 'static>(
            axum::extract::State(state): axum::extract::State<State<S>>,
            request: axum::extract::Request,
        ) -> axum::response::Response {
            let uri_path = request.uri().path().to_string();
            if let Some(refusal) = oversized_head(&request, &state.options) {
                return refuse(&state.options, &uri_path, refusal);
            }
            refuse(&state.options, &uri_path, Refusal::NotFound)
        }

        #( #handlers )*
    }
}

/// The routes of these operations, one `.route` per path with every method on it.
fn routes(operations: &[&Operation]) -> TokenStream {
    let mut by_path: BTreeMap<&str, Vec<&Operation>> = BTreeMap::new();
    for operation in operations {
        by_path
            .entry(operation.path.as_str())
            .or_default()
            .push(operation);
    }
    let routes = by_path.iter().map(|(path, operations)| {
        let methods = operations.iter().map(|o| {
            let method = format_ident!("{}", o.method.to_ascii_lowercase());
            let handler = format_ident!("handle_{}", naming::bare(&o.name));
            quote!(#method(#handler::<S>))
        });
        quote!(.route(#path, axum::routing::MethodRouter::new() #( .#methods )*))
    });
    quote!( #( #routes )* )
}

fn path_argument_type(parameter: &Parameter) -> TokenStream {
    match strip_nullable(&parameter.ty) {
        ty @ (TypeRef::Integer { .. } | TypeRef::Bool) => type_tokens(ty),
        _ => quote!(String),
    }
}

fn trait_method(operation: &Operation) -> TokenStream {
    let name = ident(&operation.name);
    let doc = operation.summary();
    let paths = operation
        .parameters
        .iter()
        .filter(|p| p.location == ParameterLocation::Path)
        .map(|p| {
            let argument = ident(&p.name);
            let ty = path_argument_type(p);
            quote!(#argument: #ty)
        });
    let query = query_name(operation).map(|q| quote!(query: #q,));
    let body = operation.request_body.as_ref().map(|ty| {
        let ty = type_tokens(ty);
        quote!(body: #ty,)
    });
    let response = response_name(operation);
    quote! {
        #[doc = #doc]
        fn #name(&self, context: RequestContext, #( #paths, )* #query #body) -> impl std::future::Future<Output = #response> + Send;
    }
}

fn response_enum(operation: &Operation) -> TokenStream {
    let name = response_name(operation);
    let mut variants = Vec::new();
    let mut arms = Vec::new();
    for response in &operation.responses {
        let variant = format_ident!("{}", status_variant(&response.status));
        let doc = format!(
            " `{}`{}",
            response.status,
            response
                .doc
                .as_deref()
                .map(|d| {
                    // The first paragraph, and the version note a view adds as the last.
                    let first = d
                        .split("\n\n")
                        .next()
                        .unwrap_or_default()
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ");
                    match d.rsplit_once("\n\n") {
                        Some((_, note)) if note.starts_with("Since CC API") => {
                            format!(": {first} ({})", note.trim_end_matches('.'))
                        }
                        _ => format!(": {first}"),
                    }
                })
                .unwrap_or_default()
        );
        let fixed = response.status.parse::<u16>().ok();
        let status = match fixed {
            Some(code) => quote!(#code),
            None => quote!(status),
        };
        let status_field = fixed.is_none().then(|| quote!(status: u16,));
        let status_bind = fixed.is_none().then(|| quote!(status,));
        match (&response.body, response.location) {
            (Some(ty), _) => {
                let ty = type_tokens(ty);
                variants.push(quote! { #[doc = #doc] #variant { #status_field body: #ty } });
                arms.push(
                    quote! { #name::#variant { #status_bind body } => json(#status, &body, None) },
                );
            }
            (None, true) => {
                variants.push(quote! { #[doc = #doc] #variant { #status_field location: String } });
                arms.push(quote! { #name::#variant { #status_bind location } => empty(#status, Some(location)) });
            }
            (None, false) => {
                variants.push(quote! { #[doc = #doc] #variant { #status_field } });
                arms.push(quote! { #name::#variant { #status_bind } => empty(#status, None) });
            }
        }
    }
    let doc = format!(" The answers `{}` documents.", operation.wire_id());
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq)]
        pub enum #name {
            #( #variants, )*
        }

        impl axum::response::IntoResponse for #name {
            fn into_response(self) -> axum::response::Response {
                match self {
                    #( #arms, )*
                }
            }
        }
    }
}

fn handler(api: &Api, operation: &Operation) -> TokenStream {
    let service = trait_name(operation);
    let name = format_ident!("handle_{}", naming::bare(&operation.name));
    let method = ident(&operation.name);
    let authenticate = if operation.secured {
        quote! {
            let Some(context) = (state.options.authenticate)(request.headers()) else {
                let refusal = if request.headers().contains_key(axum::http::header::AUTHORIZATION) {
                    Refusal::InvalidToken
                } else {
                    Refusal::Unauthenticated
                };
                return refuse(&state.options, &uri_path, refusal);
            };
        }
    } else {
        quote!(let context = RequestContext::default();)
    };
    let query = query_name(operation).map(|q| {
        quote! {
            let query = match #q::parse(request.uri().query().unwrap_or_default()) {
                Ok(query) => query,
                Err(detail) => return refuse(&state.options, &uri_path, Refusal::BadQuery(detail)),
            };
            let mut problems: Vec<String> = Vec::new();
            Check::check(&query, "", &mut problems);
            if !problems.is_empty() {
                return refuse(&state.options, &uri_path, Refusal::BadQuery(problems.join("; ")));
            }
        }
    });
    let query_argument = query_name(operation).map(|_| quote!(query,));
    let path_reads = operation.parameters.iter().filter(|p| p.location == ParameterLocation::Path).map(|p| {
        let argument = ident(&p.name);
        let wire = &p.wire_name;
        let ty = path_argument_type(p);
        quote! {
            let #argument: #ty = match path.iter().find(|(name, _)| *name == #wire).map(|(_, value)| value.parse()) {
                Some(Ok(value)) => value,
                _ => return refuse(&state.options, &uri_path, Refusal::NotFound),
            };
        }
    });
    let path_arguments = operation
        .parameters
        .iter()
        .filter(|p| p.location == ParameterLocation::Path)
        .map(|p| ident(&p.name));
    let body = operation.request_body.as_ref().map(|body_type| {
        let ty = type_tokens(body_type);
        let checked = match body_type {
            TypeRef::Named(name) => api.models.get(name).is_some_and(|m| !matches!(m.kind, ModelKind::Enum { .. })),
            _ => false,
        };
        let object = match body_type {
            TypeRef::Named(name) => api.models.get(name).is_some_and(|m| matches!(m.kind, ModelKind::Struct { .. })),
            _ => false,
        };
        let body_check = checked.then(|| {
            quote! {
                let mut problems: Vec<String> = Vec::new();
                Check::check(&body, "", &mut problems);
                if !problems.is_empty() {
                    return refuse(&state.options, &uri_path, Refusal::InvalidBody(problems.join("; ")));
                }
            }
        });
        // A `/v3` route runs on Rails, which reads an absent body as empty params: `{}`,
        // required body or not (so a missing required field is refused as in `{}`). The
        // legacy `/v2` controllers parse the body as JSON and refuse an empty one.
        let optional = !operation.path.starts_with("/v2/");
        quote! {
            let bytes = match read_bytes(request, &state.options).await {
                Ok(bytes) => bytes,
                Err(refusal) => return refuse(&state.options, &uri_path, refusal),
            };
            let body: #ty = match read_body(&bytes, #object, #optional) {
                Ok(body) => body,
                Err(refusal) => return refuse(&state.options, &uri_path, refusal),
            };
            #body_check
        }
    });
    let body_argument = operation.request_body.as_ref().map(|_| quote!(body,));
    let path_extract = operation.parameters.iter().any(|p| p.location == ParameterLocation::Path).then(|| {
        quote! {
            let path: Vec<(String, String)> = match &raw_path {
                Ok(params) => params.iter().map(|(name, value)| (name.to_string(), value.to_string())).collect(),
                Err(_) => return refuse(&state.options, &uri_path, Refusal::NotFound),
            };
        }
    });
    quote! {
        async fn #name<S: Send + Sync + 'static + #service>(
            axum::extract::State(state): axum::extract::State<State<S>>,
            raw_path: Result<axum::extract::RawPathParams, axum::extract::rejection::RawPathParamsRejection>,
            request: axum::extract::Request,
        ) -> axum::response::Response {
            // Some operations read neither the path nor the request.
            let _ = (&raw_path, &request);
            let uri_path = request.uri().path().to_string();
            if let Some(refusal) = oversized_head(&request, &state.options) {
                return refuse(&state.options, &uri_path, refusal);
            }
            #authenticate
            #query
            #path_extract
            #( #path_reads )*
            #body
            axum::response::IntoResponse::into_response(
                state.service.#method(context, #( #path_arguments, )* #query_argument #body_argument).await,
            )
        }
    }
}

fn support() -> TokenStream {
    quote! {
        /// Who is calling, as the authentication hook saw it.
        #[derive(Debug, Clone, Default, PartialEq, Eq)]
        pub struct RequestContext {
            /// The bearer token the caller sent (empty for operations without security).
            pub token: String,
        }

        /// A request the stub refuses before the implementation runs.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum Refusal {
            /// No credentials were sent (401 `CF-NotAuthenticated`).
            Unauthenticated,
            /// Credentials were sent but not accepted (401 `CF-InvalidAuthToken`, which
            /// clients' token-refresh logic looks for).
            InvalidToken,
            /// An unknown query parameter or a value that does not parse (400).
            BadQuery(String),
            /// A body that is not JSON (400).
            MalformedBody(String),
            /// A JSON body that does not fit the operation: unknown fields, wrong types,
            /// missing fields (422). The detail names the field.
            InvalidBody(String),
            /// A body over the size limit (413); the connection is closed after the answer.
            TooLarge(usize),
            /// A body that stalled past the read timeout (408); the connection is closed.
            Timeout(std::time::Duration),
            /// A request line and headers over the limit (431); the connection is closed.
            HeadersTooLarge(usize),
            /// An unknown route or method, or a path parameter that does not parse (404).
            NotFound,
        }

        impl Refusal {
            /// Whether the connection is closed after this answer (the rest of the request
            /// was not, or not all, read).
            pub fn closes(&self) -> bool {
                matches!(self, Refusal::TooLarge(_) | Refusal::Timeout(_) | Refusal::HeadersTooLarge(_))
            }
        }

        /// How the stub authenticates, limits and refuses.
        #[derive(Clone)]
        pub struct Options {
            /// The largest request body read, in bytes (413 above).
            pub body_limit: usize,
            /// How much of an oversized body is read and dropped before the 413 is sent, so
            /// that the client reads the answer instead of a reset.
            pub drain_limit: usize,
            /// How long a request body may stall between two reads (408 after).
            pub read_timeout: std::time::Duration,
            /// The largest request line and header section, in bytes (431 above).
            pub header_limit: usize,
            /// Decides who is calling from the request headers; `None` refuses with 401.
            pub authenticate: std::sync::Arc<Authenticate>,
            /// Renders a refusal.
            pub refuse: std::sync::Arc<Refuse>,
        }

        /// The authentication hook.
        pub type Authenticate = dyn Fn(&axum::http::HeaderMap) -> Option<RequestContext> + Send + Sync;

        /// The refusal renderer, given the request path and the refusal.
        pub type Refuse = dyn Fn(&str, Refusal) -> axum::response::Response + Send + Sync;

        impl Default for Options {
            /// A 1 MiB body limit (up to 64 MiB drained), a 30 s read timeout, a 64 KiB
            /// header limit, any non-empty bearer token, and Cloud Controller error bodies.
            fn default() -> Self {
                Options {
                    body_limit: 1 << 20,
                    drain_limit: 64 << 20,
                    read_timeout: std::time::Duration::from_secs(30),
                    header_limit: 64 << 10,
                    authenticate: std::sync::Arc::new(bearer_token),
                    refuse: std::sync::Arc::new(cloud_controller_refusal),
                }
            }
        }

        /// Accepts any non-empty `Authorization: bearer …` token.
        pub fn bearer_token(headers: &axum::http::HeaderMap) -> Option<RequestContext> {
            let value = headers.get(axum::http::header::AUTHORIZATION)?.to_str().ok()?;
            let (scheme, token) = value.split_once(' ')?;
            let token = token.trim();
            (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| RequestContext { token: token.to_string() })
        }

        /// A refusal as a Cloud Controller error body: `{"errors": [{"code", "title", "detail"}]}`,
        /// or for `/v2/` paths the v2 shape `{"code", "description", "error_code"}`.
        pub fn cloud_controller_refusal(path: &str, refusal: Refusal) -> axum::response::Response {
            let (status, code, title, detail) = match refusal {
                Refusal::Unauthenticated => (401, 10002, "CF-NotAuthenticated", "Authentication error".to_string()),
                Refusal::InvalidToken => (401, 1000, "CF-InvalidAuthToken", "Invalid Auth Token".to_string()),
                Refusal::BadQuery(detail) => (400, 10005, "CF-BadQueryParameter", format!("The query parameter is invalid: {detail}")),
                Refusal::MalformedBody(detail) => (400, 1001, "CF-MessageParseError", format!("Request invalid due to parse error: {detail}")),
                Refusal::InvalidBody(detail) => (422, 10008, "CF-UnprocessableEntity", detail),
                Refusal::TooLarge(limit) => (413, 10004, "CF-InvalidRequest", format!("The request body is larger than {limit} bytes")),
                Refusal::Timeout(after) => (408, 10004, "CF-InvalidRequest", format!("The request body was not received within {} ms", after.as_millis())),
                Refusal::HeadersTooLarge(limit) => (431, 10004, "CF-InvalidRequest", format!("The request headers are larger than {limit} bytes")),
                Refusal::NotFound => (404, 10000, "CF-NotFound", "Unknown request".to_string()),
            };
            let body = if path.starts_with("/v2/") {
                serde_json::json!({"code": code, "description": detail, "error_code": title})
            } else {
                serde_json::json!({"errors": [{"code": code, "title": title, "detail": detail}]})
            };
            json(status, &body, None)
        }

        /// Renders a refusal with the configured renderer; refusals that leave the
        /// request unread close the connection after the answer.
        fn refuse(options: &Options, path: &str, refusal: Refusal) -> axum::response::Response {
            let closes = refusal.closes();
            let mut response = (options.refuse)(path, refusal);
            if closes {
                response.headers_mut().insert(axum::http::header::CONNECTION, axum::http::HeaderValue::from_static("close"));
            }
            response
        }

        /// The request line and headers over `header_limit`, if they are.
        fn oversized_head(request: &axum::extract::Request, options: &Options) -> Option<Refusal> {
            let size = request.uri().to_string().len()
                + request.headers().iter().map(|(name, value)| name.as_str().len() + value.len() + 4).sum::<usize>();
            (size > options.header_limit).then_some(Refusal::HeadersTooLarge(options.header_limit))
        }

        /// Reads the request body within the limits: over `body_limit` (declared or
        /// counted) is `TooLarge`, after draining up to `drain_limit`; a stall longer than
        /// `read_timeout` between two reads is `Timeout`.
        // Unused by APIs without request bodies.
        #[allow(dead_code)]
        async fn read_bytes(request: axum::extract::Request, options: &Options) -> Result<Vec<u8>, Refusal> {
            use http_body_util::BodyExt;
            let declared = request
                .headers()
                .get(axum::http::header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok());
            let mut over = declared.is_some_and(|n| n > options.body_limit as u64);
            let mut body = request.into_body();
            let mut bytes = Vec::new();
            let mut seen = 0usize;
            loop {
                match tokio::time::timeout(options.read_timeout, body.frame()).await {
                    Err(_) if over => break,
                    Err(_) => return Err(Refusal::Timeout(options.read_timeout)),
                    Ok(None) => break,
                    Ok(Some(Err(error))) if !over => return Err(Refusal::MalformedBody(error.to_string())),
                    Ok(Some(Err(_))) => break,
                    Ok(Some(Ok(frame))) => {
                        let Ok(data) = frame.into_data() else { continue };
                        seen = seen.saturating_add(data.len());
                        over |= seen > options.body_limit;
                        if over {
                            if seen > options.drain_limit {
                                break;
                            }
                        } else {
                            bytes.extend_from_slice(&data);
                        }
                    }
                }
            }
            if over {
                return Err(Refusal::TooLarge(options.body_limit));
            }
            Ok(bytes)
        }

        /// Reads a JSON body: not JSON is a parse error; JSON that does not fit the type
        /// is unprocessable, with serde's message (which names the field). No body reads
        /// as `{}` where `optional` (a Cloud Controller's `/v3` routes coalesce it so).
        // Unused by APIs without request bodies.
        #[allow(dead_code)]
        fn read_body<T: serde::de::DeserializeOwned>(bytes: &[u8], object: bool, optional: bool) -> Result<T, Refusal> {
            let bytes: &[u8] = if optional && object && bytes.is_empty() { b"{}" } else { bytes };
            let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| Refusal::MalformedBody(e.to_string()))?;
            if object && !value.is_object() {
                return Err(Refusal::InvalidBody("the request body must be a JSON object".into()));
            }
            serde_json::from_value(value).map_err(|e| Refusal::InvalidBody(e.to_string()))
        }

        /// Shared by every handler.
        pub struct State<S> {
            service: std::sync::Arc<S>,
            options: std::sync::Arc<Options>,
        }

        impl<S> Clone for State<S> {
            fn clone(&self) -> Self {
                State { service: std::sync::Arc::clone(&self.service), options: std::sync::Arc::clone(&self.options) }
            }
        }

        fn json<T: serde::Serialize>(status: u16, body: &T, location: Option<String>) -> axum::response::Response {
            let bytes = serde_json::to_vec(body).unwrap_or_default();
            let mut response = axum::response::Response::new(axum::body::Body::from(bytes));
            *response.status_mut() = axum::http::StatusCode::from_u16(status).unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
            response.headers_mut().insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static("application/json"));
            if let Some(location) = location.and_then(|l| axum::http::HeaderValue::from_str(&l).ok()) {
                response.headers_mut().insert(axum::http::header::LOCATION, location);
            }
            response
        }

        // Unused by APIs whose every answer has a body.
        #[allow(dead_code)]
        fn empty(status: u16, location: Option<String>) -> axum::response::Response {
            let mut response = axum::response::Response::new(axum::body::Body::empty());
            *response.status_mut() = axum::http::StatusCode::from_u16(status).unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
            if let Some(location) = location.and_then(|l| axum::http::HeaderValue::from_str(&l).ok()) {
                response.headers_mut().insert(axum::http::header::LOCATION, location);
            }
            response
        }
    }
}
