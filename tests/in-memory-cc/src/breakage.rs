//! A test-only switch: one deliberately broken answer. `--break "GET /v3/processes/* /instances=-1"`
//! makes every answer to a matching request carry `-1` at `/instances`, so tests can
//! prove a checker finds exactly that and nothing else. Off unless asked for.

use axum::body::Body;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use serde_json::Value;

/// Which answers to break, and how.
#[derive(Debug, Clone, PartialEq)]
pub struct Breakage {
    /// Upper-case method.
    pub method: String,
    /// Path segments; `*` matches any one segment.
    pub path: String,
    /// JSON pointer into the answer's body.
    pub pointer: String,
    /// The value put there.
    pub value: Value,
}

impl std::str::FromStr for Breakage {
    type Err = String;

    /// `METHOD PATH POINTER=JSON`, e.g. `GET /v3/processes/* /instances=-1`.
    fn from_str(text: &str) -> Result<Breakage, String> {
        let usage = || format!("expected `METHOD PATH POINTER=JSON`, got {text:?}");
        let mut words = text.split_whitespace();
        let (Some(method), Some(path), Some(assignment), None) =
            (words.next(), words.next(), words.next(), words.next())
        else {
            return Err(usage());
        };
        let (pointer, value) = assignment.split_once('=').ok_or_else(usage)?;
        let value = serde_json::from_str(value).map_err(|e| format!("{value:?}: {e}"))?;
        Ok(Breakage {
            method: method.to_ascii_uppercase(),
            path: path.to_string(),
            pointer: pointer.to_string(),
            value,
        })
    }
}

impl Breakage {
    fn matches(&self, method: &str, path: &str) -> bool {
        let wanted: Vec<&str> = self.path.trim_matches('/').split('/').collect();
        let got: Vec<&str> = path.trim_matches('/').split('/').collect();
        method == self.method
            && wanted.len() == got.len()
            && wanted.iter().zip(&got).all(|(w, g)| *w == "*" || w == g)
    }

    /// Wraps a router so that matching answers are broken.
    pub fn layer(self, router: axum::Router) -> axum::Router {
        router.layer(axum::middleware::from_fn(
            move |request: Request, next: Next| {
                let breakage = self.clone();
                async move {
                    let hit = breakage.matches(request.method().as_str(), request.uri().path());
                    let response = next.run(request).await;
                    if hit {
                        breakage.apply(response).await
                    } else {
                        response
                    }
                }
            },
        ))
    }

    async fn apply(&self, response: Response) -> Response {
        let (mut parts, body) = response.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
            return Response::from_parts(parts, Body::empty());
        };
        let mut value: Value = match serde_json::from_slice(&bytes) {
            Ok(value) => value,
            Err(_) => return Response::from_parts(parts, Body::from(bytes)),
        };
        if let Some(slot) = value.pointer_mut(&self.pointer) {
            *slot = self.value.clone();
        }
        let text = value.to_string();
        parts.headers.remove(axum::http::header::CONTENT_LENGTH);
        Response::from_parts(parts, Body::from(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_matches() {
        let b: Breakage = "get /v3/processes/* /instances=-1".parse().unwrap();
        assert_eq!(b.value, Value::from(-1));
        assert!(b.matches("GET", "/v3/processes/abc"));
        assert!(!b.matches("GET", "/v3/processes/abc/stats"));
        assert!(!b.matches("PATCH", "/v3/processes/abc"));
        assert!("GET /v3".parse::<Breakage>().is_err());
    }
}
