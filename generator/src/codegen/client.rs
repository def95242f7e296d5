//! Emitting the async client (the generated crate's `client` module, feature `client`):
//! one method per operation with typed path parameters, a query struct with builder
//! setters, the typed request body, and typed results for every documented status.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::naming;
use super::params::{query_name, strip_nullable};
use super::tokens::{ident, qualified_type as type_tokens};
use crate::ir::*;

/// The `client` module.
pub fn generate(api: &Api) -> TokenStream {
    let methods = api.operations.iter().map(|o| expand_operation(api, o));
    let support = support();
    quote! {
        //! An async client for every operation (feature `client`), on `reqwest`.
        //!
        //! Each method sends one request and returns the typed body of a documented
        //! success status, or an [`Error`]: the typed error body of a documented error
        //! status, an undocumented status or unreadable body (with the raw body), or a
        //! transport failure. The bearer token never appears in `Debug` output or errors.
        #![allow(clippy::too_many_arguments)]

        use super::params::*;

        #support


        impl Client {
            #( #methods )*
        }
    }
}

/// The success body type (of the first documented 2xx) and the error body type (the one
/// type every documented error body shares, else any JSON).
fn result_types(
    operation: &Operation,
) -> (TokenStream, Option<TypeRef>, TokenStream, Option<TypeRef>) {
    let success = operation
        .responses
        .iter()
        .find(|r| r.status.starts_with('2'));
    let success_ty = success.and_then(|r| r.body.clone());
    let errors: Vec<&Response> = operation
        .responses
        .iter()
        .filter(|r| !r.status.starts_with('2'))
        .collect();
    let error_types: std::collections::BTreeSet<&TypeRef> =
        errors.iter().filter_map(|r| r.body.as_ref()).collect();
    let error_ty = match error_types.len() {
        1 => error_types.into_iter().next().cloned(),
        0 => None,
        _ => Some(TypeRef::Json),
    };
    let success_tokens = success_ty.as_ref().map_or_else(|| quote!(()), type_tokens);
    let error_tokens = error_ty
        .as_ref()
        .map_or_else(|| quote!(serde_json::Value), type_tokens);
    (success_tokens, success_ty, error_tokens, error_ty)
}

fn expand_operation(api: &Api, operation: &Operation) -> TokenStream {
    let name = ident(&operation.name);
    let doc = operation.summary();
    let path_parameters: Vec<&Parameter> = operation
        .parameters
        .iter()
        .filter(|p| p.location == ParameterLocation::Path)
        .collect();
    let arguments = path_parameters.iter().map(|p| {
        let argument = ident(&p.name);
        let ty = match strip_nullable(&p.ty) {
            TypeRef::Integer { .. } | TypeRef::Bool | TypeRef::Float { .. } => {
                let ty = type_tokens(strip_nullable(&p.ty));
                quote!(#ty)
            }
            TypeRef::Named(name) => {
                let name = ident(name);
                quote!(&super::models::#name)
            }
            _ => quote!(&str),
        };
        quote!(#argument: #ty)
    });
    let mut path_format = operation.path.clone();
    for p in &path_parameters {
        path_format = path_format.replace(&format!("{{{}}}", p.wire_name), "{}");
    }
    let path_values = path_parameters.iter().map(|p| {
        let argument = ident(&p.name);
        quote!(encode(&#argument.query_value()))
    });
    let path_values: Vec<TokenStream> = path_values.collect();
    let path_binding = if path_values.is_empty() {
        let literal = &operation.path;
        quote!(let path = #literal.to_string();)
    } else {
        quote!(let path = format!(#path_format, #( #path_values ),*);)
    };
    let query = query_name(operation);
    let query_argument = query.as_ref().map(|q| quote!(query: &#q,));
    let (query_pairs, query_headers) = match &query {
        Some(_) => (
            quote!(query.pairs()),
            quote! {
                let mut request = request;
                for (name, value) in query.header_pairs() {
                    request = request.header(name, value);
                }
            },
        ),
        None => (quote!(Vec::new()), quote!()),
    };
    let body_argument = operation.request_body.as_ref().map(|ty| {
        let ty = type_tokens(ty);
        quote!(body: &#ty,)
    });
    let body_send = operation
        .request_body
        .as_ref()
        .map(|_| quote!(let request = request.json(body);));
    let (success, success_ty, error, _) = result_types(operation);
    let method = format_ident!("{}", operation.method.to_ascii_uppercase());
    let success_statuses: Vec<&str> = operation
        .responses
        .iter()
        .filter(|r| r.status.starts_with('2'))
        .map(|r| r.status.as_str())
        .collect();
    let send = if success_ty.is_some() {
        quote!(send_json)
    } else {
        quote!(send_empty)
    };
    let error_statuses: Vec<&str> = operation
        .responses
        .iter()
        .filter(|r| !r.status.starts_with('2') && r.body.is_some())
        .map(|r| r.status.as_str())
        .collect();
    let pages = pages(
        api,
        operation,
        &success_ty,
        &error,
        &path_parameters,
        &query,
    );
    quote! {
        #[doc = #doc]
        pub async fn #name(&self, #( #arguments, )* #query_argument #body_argument) -> Result<Response<#success>, Error<#error>> {
            #path_binding
            let request = self.request(reqwest::Method::#method, &path, #query_pairs);
            #query_headers
            #body_send
            self.#send(request, &[#( #success_statuses ),*], &[#( #error_statuses ),*]).await
        }

        #pages
    }
}

/// For list operations (a success body with `pagination` and `resources`), a method that
/// follows `pagination.next.href` page by page.
fn pages(
    api: &Api,
    operation: &Operation,
    success_ty: &Option<TypeRef>,
    error: &TokenStream,
    path_parameters: &[&Parameter],
    query: &Option<proc_macro2::Ident>,
) -> Option<TokenStream> {
    let TypeRef::Named(model) = success_ty.as_ref()? else {
        return None;
    };
    let ModelKind::Struct { fields, .. } = &api.models.get(model)?.kind else {
        return None;
    };
    let has = |wire: &str| fields.iter().any(|f| f.wire_name == wire);
    if !(has("pagination") && has("resources")) {
        return None;
    }
    let name = format_ident!("{}_pages", naming::bare(&operation.name));
    let first = ident(&operation.name);
    let model = ident(model);
    let model = quote!(super::models::#model);
    let arguments = path_parameters.iter().map(|p| {
        let argument = ident(&p.name);
        match strip_nullable(&p.ty) {
            TypeRef::Integer { .. } => {
                let ty = type_tokens(strip_nullable(&p.ty));
                quote!(#argument: #ty)
            }
            _ => quote!(#argument: &str),
        }
    });
    let passed = path_parameters.iter().map(|p| ident(&p.name));
    let query_argument = query.as_ref().map(|q| quote!(query: &#q,));
    let query_passed = query.as_ref().map(|_| quote!(query,));
    let doc = format!(
        " Every page of `{}`, following `pagination.next.href` until it is null.",
        operation.wire_id()
    );
    Some(quote! {
        #[doc = #doc]
        pub async fn #name(&self, #( #arguments, )* #query_argument) -> Pages<'_, #model, #error> {
            let first = self.#first(#( #passed, )* #query_passed).await;
            Pages { client: self, next: Some(first) }
        }
    })
}

/// The client's own types and plumbing.
fn support() -> TokenStream {
    quote! {
        /// A failed call.
        pub enum Error<E> {
            /// A documented error status, with its parsed body.
            Api {
                /// The HTTP status.
                status: u16,
                /// The error body, e.g. `{"errors": [{"code": 10010, "title": "CF-ResourceNotFound", …}]}`.
                body: E,
                /// Warnings from `X-Cf-Warnings`.
                warnings: Vec<String>,
            },
            /// A status the operation does not document, or a body that does not parse.
            Unexpected {
                /// The HTTP status.
                status: u16,
                /// The raw body.
                body: String,
                /// Why it was not expected.
                reason: String,
            },
            /// The request could not be sent or the response not read.
            Transport(reqwest::Error),
        }

        impl<E: std::fmt::Debug> std::fmt::Debug for Error<E> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                match self {
                    Error::Api { status, body, warnings } => f.debug_struct("Api").field("status", status).field("body", body).field("warnings", warnings).finish(),
                    Error::Unexpected { status, body, reason } => f.debug_struct("Unexpected").field("status", status).field("body", body).field("reason", reason).finish(),
                    Error::Transport(error) => f.debug_tuple("Transport").field(&error.to_string()).finish(),
                }
            }
        }

        impl<E: std::fmt::Debug> std::fmt::Display for Error<E> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                match self {
                    Error::Api { status, body, .. } => write!(f, "the server answered {status}: {body:?}"),
                    Error::Unexpected { status, reason, .. } => write!(f, "unexpected answer {status}: {reason}"),
                    Error::Transport(error) => write!(f, "request failed: {error}"),
                }
            }
        }

        impl<E: std::fmt::Debug> std::error::Error for Error<E> {}

        /// A successful answer.
        #[derive(Debug, Clone, PartialEq)]
        pub struct Response<T> {
            /// The HTTP status.
            pub status: u16,
            /// The parsed body (`()` when the operation answers without one).
            pub body: T,
            /// Warnings from `X-Cf-Warnings`, decoded.
            pub warnings: Vec<String>,
            /// The `Location` header, e.g. the job of an asynchronous delete.
            pub location: Option<String>,
        }

        /// A client for one API endpoint.
        #[derive(Clone)]
        pub struct Client {
            base_url: String,
            http: reqwest::Client,
            token: Option<String>,
        }

        impl std::fmt::Debug for Client {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                let token = self.token.as_ref().map(|_| "[REDACTED]");
                f.debug_struct("Client").field("base_url", &self.base_url).field("token", &token).finish()
            }
        }

        impl Client {
            /// A client for `base_url` (e.g. `https://api.example.org`) with a default `reqwest::Client`.
            pub fn new(base_url: impl Into<String>) -> Self {
                Self::with_http_client(base_url, reqwest::Client::new())
            }

            /// A client that sends through a `reqwest::Client` you built (timeouts,
            /// proxies and middleware stay yours).
            pub fn with_http_client(base_url: impl Into<String>, http: reqwest::Client) -> Self {
                Client { base_url: base_url.into().trim_end_matches('/').to_string(), http, token: None }
            }

            /// Sends `Authorization: bearer <token>` with every request.
            pub fn with_bearer_token(mut self, token: impl Into<String>) -> Self {
                self.token = Some(token.into());
                self
            }

            // Unused by APIs without operations of this kind.
            #[allow(dead_code)]
            fn request(&self, method: reqwest::Method, path: &str, pairs: Vec<(String, String)>) -> reqwest::RequestBuilder {
                let mut url = format!("{}{}", self.base_url, path);
                if !pairs.is_empty() {
                    let query: Vec<String> = pairs.into_iter().map(|(name, value)| format!("{name}={value}")).collect();
                    url.push('?');
                    url.push_str(&query.join("&"));
                }
                self.send_to(method, &url)
            }

            fn send_to(&self, method: reqwest::Method, url: &str) -> reqwest::RequestBuilder {
                let request = self.http.request(method, url).header("Accept", "application/json");
                match &self.token {
                    Some(token) => request.header("Authorization", format!("bearer {token}")),
                    None => request,
                }
            }

            /// Sends a request and sorts the answer: a documented success status gives
            /// the status and body; anything else is an error.
            async fn exchange<E: serde::de::DeserializeOwned>(
                &self,
                request: reqwest::RequestBuilder,
                successes: &[&str],
                errors: &[&str],
            ) -> Result<(u16, Vec<u8>, Vec<String>, Option<String>), Error<E>> {
                let response = request.send().await.map_err(|e| Error::Transport(e.without_url()))?;
                let status = response.status().as_u16();
                let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
                let warnings = header("x-cf-warnings").map(|w| w.split(',').map(|p| decode(p.trim())).collect()).unwrap_or_default();
                let location = header("location");
                let bytes = response.bytes().await.map_err(|e| Error::Transport(e.without_url()))?.to_vec();
                if successes.iter().any(|k| matches(k, status)) {
                    return Ok((status, bytes, warnings, location));
                }
                let body = String::from_utf8_lossy(&bytes).into_owned();
                if errors.iter().any(|k| matches(k, status)) {
                    return match serde_json::from_slice(&bytes) {
                        Ok(parsed) => Err(Error::Api { status, body: parsed, warnings }),
                        Err(e) => Err(Error::Unexpected { status, body, reason: format!("the error body does not parse: {e}") }),
                    };
                }
                Err(Error::Unexpected { status, body, reason: "a status the operation does not document".into() })
            }

            // Unused by APIs without operations of this kind.
            #[allow(dead_code)]
            async fn send_json<T: serde::de::DeserializeOwned, E: serde::de::DeserializeOwned>(
                &self,
                request: reqwest::RequestBuilder,
                successes: &[&str],
                errors: &[&str],
            ) -> Result<Response<T>, Error<E>> {
                let (status, bytes, warnings, location) = self.exchange(request, successes, errors).await?;
                match serde_json::from_slice(&bytes) {
                    Ok(body) => Ok(Response { status, body, warnings, location }),
                    Err(e) => Err(Error::Unexpected { status, body: String::from_utf8_lossy(&bytes).into_owned(), reason: format!("the body does not parse: {e}") }),
                }
            }

            // Unused by APIs without operations of this kind.
            #[allow(dead_code)]
            async fn send_empty<E: serde::de::DeserializeOwned>(
                &self,
                request: reqwest::RequestBuilder,
                successes: &[&str],
                errors: &[&str],
            ) -> Result<Response<()>, Error<E>> {
                let (status, _, warnings, location) = self.exchange(request, successes, errors).await?;
                Ok(Response { status, body: (), warnings, location })
            }
        }

        fn matches(key: &str, status: u16) -> bool {
            key == status.to_string() || key == format!("{}XX", status / 100) || key == "default"
        }

        /// The pages of a list, fetched one at a time.
        pub struct Pages<'a, T, E> {
            client: &'a Client,
            next: Option<Result<Response<T>, Error<E>>>,
        }

        impl<T: serde::de::DeserializeOwned + serde::Serialize, E: serde::de::DeserializeOwned> Pages<'_, T, E> {
            /// The next page, or `None` after the last.
            pub async fn next_page(&mut self) -> Option<Result<Response<T>, Error<E>>> {
                let current = self.next.take()?;
                if let Ok(page) = &current {
                    let href = serde_json::to_value(&page.body).ok().and_then(|v| v.pointer("/pagination/next/href").and_then(|h| h.as_str()).map(str::to_string));
                    if let Some(href) = href {
                        let url = if href.starts_with('/') { format!("{}{href}", self.client.base_url) } else { href };
                        let request = self.client.send_to(reqwest::Method::GET, &url);
                        self.next = Some(self.client.send_json(request, &["2XX"], &["4XX", "5XX"]).await);
                    }
                }
                Some(current)
            }
        }

    }
}
