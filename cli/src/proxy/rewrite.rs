//! Keeping a client on the proxy: the absolute links a Cloud Controller answers with (the
//! root document's `links`, every resource's `links`, pagination
//! `first`/`last`/`next`/`previous`, a job's `Location`) are made to point at the proxy. Nothing else changes: a link is replaced
//! as the JSON string token it is, so every other byte of the body stays as it came.

use serde_json::Value;

/// Where links point and where they should point instead.
#[derive(Debug, Clone)]
pub struct Rewriter {
    /// The upstream origin and base path as links spell it, e.g. `https://api.example.com`.
    pub upstream: String,
    /// The proxy's own origin, e.g. `http://127.0.0.1:9023`.
    pub proxy: String,
    /// Also rewrite links to other hosts (login, UAA): they then go through the proxy
    /// under `/_upstream/<host>/…`.
    pub other_hosts: bool,
}

impl Rewriter {
    /// The link as the client should see it, if it is one to rewrite.
    pub fn link(&self, href: &str) -> Option<String> {
        if let Some(rest) = strip_origin(href, &self.upstream) {
            return Some(format!("{}{rest}", self.proxy));
        }
        if self.other_hosts {
            let (scheme, after) = href.split_once("://")?;
            if scheme != "https" && scheme != "http" {
                return None;
            }
            let (host, rest) = after.split_at(after.find('/').unwrap_or(after.len()));
            if host.is_empty() {
                return None;
            }
            let secure = if scheme == "https" { "" } else { "~http" };
            return Some(format!("{}/_upstream/{host}{secure}{rest}", self.proxy));
        }
        None
    }

    /// A body with its links rewritten, or `None` when it has none to rewrite (or is not
    /// JSON).
    pub fn body(&self, bytes: &[u8]) -> Option<Vec<u8>> {
        let value: Value = serde_json::from_slice(bytes).ok()?;
        let mut hrefs = Vec::new();
        collect_hrefs(&value, &mut hrefs);
        let mut out = bytes.to_vec();
        let mut changed = false;
        for href in hrefs {
            let Some(new) = self.link(href) else { continue };
            let (Ok(from), Ok(to)) = (serde_json::to_string(href), serde_json::to_string(&new))
            else {
                continue;
            };
            if let Some(replaced) = replace_all(&out, from.as_bytes(), to.as_bytes()) {
                out = replaced;
                changed = true;
            }
        }
        changed.then_some(out)
    }

    /// Where a request the client sent under `/_upstream/<host>/…` goes (another host
    /// the root document named), if it is one.
    pub fn other_host_target(path_and_query: &str) -> Option<String> {
        let rest = path_and_query.strip_prefix("/_upstream/")?;
        let (host, rest) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
        let (host, scheme) = match host.strip_suffix("~http") {
            Some(host) => (host, "http"),
            None => (host, "https"),
        };
        (!host.is_empty()).then(|| format!("{scheme}://{host}{rest}"))
    }
}

/// Every link of a body, at any depth: the `href`s of each `links` object (the
/// document's own, and those of every resource in `resources` or `included`, which clients
/// follow as readily) and of `pagination`'s `first`/`last`/`next`/`previous`.
fn collect_hrefs<'a>(value: &'a Value, hrefs: &mut Vec<&'a str>) {
    match value {
        Value::Object(object) => {
            for (key, inner) in object {
                let links = match key.as_str() {
                    "links" => inner.as_object().map(|l| l.values().collect::<Vec<_>>()),
                    "pagination" => inner.as_object().map(|p| {
                        ["first", "last", "next", "previous"]
                            .iter()
                            .filter_map(|k| p.get(*k))
                            .collect()
                    }),
                    _ => None,
                };
                match links {
                    Some(links) => {
                        hrefs.extend(
                            links
                                .into_iter()
                                .filter_map(|l| l.get("href").and_then(Value::as_str)),
                        );
                    }
                    None => collect_hrefs(inner, hrefs),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_hrefs(item, hrefs)),
        _ => {}
    }
}

fn strip_origin<'a>(href: &'a str, origin: &str) -> Option<&'a str> {
    let rest = href.strip_prefix(origin)?;
    (rest.is_empty() || rest.starts_with('/') || rest.starts_with('?')).then_some(rest)
}

fn replace_all(haystack: &[u8], from: &[u8], to: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(haystack.len() + to.len());
    let mut i = 0;
    let mut found = false;
    while i < haystack.len() {
        if haystack[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
            found = true;
        } else {
            out.push(haystack[i]);
            i += 1;
        }
    }
    found.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewriter(other_hosts: bool) -> Rewriter {
        Rewriter {
            upstream: "https://api.example.com".into(),
            proxy: "http://127.0.0.1:9023".into(),
            other_hosts,
        }
    }

    #[test]
    fn root_links_and_pages_point_at_the_proxy_and_nothing_else_changes() {
        let body = br#"{"links": {"self": {"href": "https://api.example.com"}, "cloud_controller_v3": {"href": "https://api.example.com/v3", "meta": {"version": "3.228.0"}}, "login": {"href": "https://login.example.com"}},
  "env":  "https://api.example.com/v3 stays"}"#;
        let out = String::from_utf8(rewriter(false).body(body).unwrap()).unwrap();
        assert_eq!(
            out,
            r#"{"links": {"self": {"href": "http://127.0.0.1:9023"}, "cloud_controller_v3": {"href": "http://127.0.0.1:9023/v3", "meta": {"version": "3.228.0"}}, "login": {"href": "https://login.example.com"}},
  "env":  "https://api.example.com/v3 stays"}"#
        );
        let page = br#"{"pagination":{"total_results":3,"first":{"href":"https://api.example.com/v3/apps?page=1"},"next":{"href":"https://api.example.com/v3/apps?page=2"},"previous":null},"resources":[{"links":{"self":{"href":"https://api.example.com/v3/apps/a"}}}]}"#;
        let out = String::from_utf8(rewriter(false).body(page).unwrap()).unwrap();
        assert!(
            out.contains(r#""next":{"href":"http://127.0.0.1:9023/v3/apps?page=2"}"#),
            "{out}"
        );
        // A resource's own links too: clients follow them (cloudfoundry-client does).
        assert!(
            out.contains(r#""self":{"href":"http://127.0.0.1:9023/v3/apps/a"}"#),
            "{out}"
        );
        assert_eq!(
            out.len(),
            page.len() - 3 * ("https://api.example.com".len() - "http://127.0.0.1:9023".len())
        );
        let included = br#"{"guid":"p","links":{"app":{"href":"https://api.example.com/v3/apps/a"}},"included":{"apps":[{"links":{"start":{"href":"https://api.example.com/v3/apps/a/actions/start","method":"POST"}}}]}}"#;
        let out = String::from_utf8(rewriter(false).body(included).unwrap()).unwrap();
        assert!(!out.contains("https://api.example.com"), "{out}");
        assert_eq!(rewriter(false).body(br#"{"guid": "x"}"#), None);
        assert_eq!(rewriter(false).body(b"not json"), None);
    }

    #[test]
    fn login_links_move_only_when_asked() {
        let r = rewriter(true);
        assert_eq!(
            r.link("https://login.example.com/oauth/token").as_deref(),
            Some("http://127.0.0.1:9023/_upstream/login.example.com/oauth/token")
        );
        assert_eq!(
            Rewriter::other_host_target("/_upstream/login.example.com/oauth/token?x=1").as_deref(),
            Some("https://login.example.com/oauth/token?x=1")
        );
        assert_eq!(
            rewriter(false).link("https://login.example.com/oauth/token"),
            None
        );
        assert_eq!(
            r.link("https://api.example.com.evil/v3"),
            r.link("https://api.example.com.evil/v3")
        );
        assert_eq!(
            rewriter(false).link("https://api.example.com.evil/v3"),
            None
        );
        assert_eq!(
            rewriter(false)
                .link("https://api.example.com/v3/jobs/j")
                .as_deref(),
            Some("http://127.0.0.1:9023/v3/jobs/j")
        );
    }
}
