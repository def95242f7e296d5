//! The Cloud Controller's own route table (`spec/cc-routes.tsv`): which exchanges a real
//! Cloud Controller answers although the contract does not describe them ("outside the
//! contract"), and, for those no Cloud Controller has, the nearest real route.

use std::collections::HashMap;
use std::fmt;

/// One route of the Cloud Controller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// Upper-case HTTP method.
    pub method: String,
    /// The path template, parameters in braces: `/v3/apps/{guid}/droplets`.
    pub template: String,
    /// The first Cloud Controller API version that has it; `None` when the route is older
    /// than the Cloud Controller's version file (it is in every versioned release).
    pub since: Option<String>,
    segments: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Parameter,
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.template)
    }
}

/// Every route of one Cloud Controller version.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RouteTable {
    /// The comment lines at the top of the file (where and from which version the table
    /// was read), without their `# `.
    pub provenance: Vec<String>,
    routes: Vec<Route>,
}

/// A line of the route table that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ParseError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl RouteTable {
    /// Reads the TSV: `#` comment lines, a header `method path since evidence source`,
    /// then one route a line. `since` is a version or `-`.
    pub fn parse(text: &str) -> Result<RouteTable, ParseError> {
        let mut table = RouteTable::default();
        let mut header = false;
        for (index, line) in text.lines().enumerate() {
            let number = index + 1;
            if let Some(comment) = line.strip_prefix('#') {
                if !header {
                    table.provenance.push(comment.trim().to_string());
                }
                continue;
            }
            if line.trim().is_empty() {
                continue;
            }
            let columns: Vec<&str> = line.split('\t').collect();
            if !header {
                if columns.first() != Some(&"method") || columns.get(1) != Some(&"path") {
                    return Err(ParseError {
                        line: number,
                        message: "expected the header `method<TAB>path<TAB>since…`".into(),
                    });
                }
                header = true;
                continue;
            }
            let (Some(method), Some(path)) = (columns.first(), columns.get(1)) else {
                return Err(ParseError {
                    line: number,
                    message: "expected a method and a path".into(),
                });
            };
            if !path.starts_with('/') {
                return Err(ParseError {
                    line: number,
                    message: format!("path {path:?} does not start with `/`"),
                });
            }
            let since = columns
                .get(2)
                .map(|s| s.trim())
                .filter(|s| !s.is_empty() && *s != "-")
                .map(str::to_string);
            table.routes.push(Route {
                method: method.to_ascii_uppercase(),
                template: path.to_string(),
                since,
                segments: segments(path)
                    .map(|s| {
                        if s.starts_with('{') && s.ends_with('}') {
                            Segment::Parameter
                        } else {
                            Segment::Literal(s.to_string())
                        }
                    })
                    .collect(),
            });
        }
        Ok(table)
    }

    /// Every route, in the file's order.
    pub fn routes(&self) -> &[Route] {
        &self.routes
    }

    /// The most segments any route has.
    pub fn most_segments(&self) -> usize {
        self.routes
            .iter()
            .map(|r| r.segments.len())
            .max()
            .unwrap_or(0)
    }

    /// The route that answers `method path` (a concrete path, no query). `HEAD` is
    /// answered by `GET` routes. When several templates match, the one with the most
    /// literal segments wins (`/v3/apps/{guid}/droplets/current` over
    /// `/v3/apps/{guid}/droplets/{guid}`, were there one).
    pub fn find(&self, method: &str, path: &str) -> Option<&Route> {
        let method = method.to_ascii_uppercase();
        let wanted = if method == "HEAD" {
            "GET"
        } else {
            method.as_str()
        };
        let parts: Vec<&str> = segments(path).collect();
        self.routes
            .iter()
            .filter(|r| r.method == wanted && r.segments.len() == parts.len())
            .filter(|r| {
                r.segments.iter().zip(&parts).all(|(s, p)| match s {
                    Segment::Literal(l) => l == p,
                    Segment::Parameter => !p.is_empty(),
                })
            })
            .max_by_key(|r| {
                r.segments
                    .iter()
                    .filter(|s| matches!(s, Segment::Literal(_)))
                    .count()
            })
    }

    /// The route closest to `method path`, for a path no route answers: literal segments
    /// compared by edit distance (a parameter matches any segment), a missing or extra
    /// segment or another method costing more than a typo.
    pub fn nearest(&self, method: &str, path: &str) -> Option<&Route> {
        let method = method.to_ascii_uppercase();
        let parts: Vec<&str> = segments(path).collect();
        // Routes share their literals (`v3`, `apps`, …): each distance at a position is
        // computed once per call, not once per route (620 routes, a few dozen literals).
        let mut distances: HashMap<(usize, &str), usize> = HashMap::new();
        self.routes.iter().min_by_key(|r| {
            let mut cost = 0usize;
            for i in 0..r.segments.len().max(parts.len()) {
                cost += match (r.segments.get(i), parts.get(i)) {
                    (Some(Segment::Literal(l)), Some(p)) => *distances
                        .entry((i, l.as_str()))
                        .or_insert_with(|| strsim::levenshtein(l, p)),
                    (Some(Segment::Parameter), Some(_)) => 0,
                    (Some(Segment::Literal(l)), None) => l.len().max(4),
                    (_, Some(p)) => p.len().max(4),
                    (Some(Segment::Parameter), None) => 4,
                    (None, None) => 0,
                };
            }
            if r.method != method {
                cost += 3;
            }
            // Ties go to the shorter template, then to the file's order.
            (cost, r.template.len())
        })
    }
}

fn segments(path: &str) -> impl Iterator<Item = &str> {
    let trimmed = path.strip_prefix('/').unwrap_or(path);
    let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
    trimmed.split('/').filter(move |_| !trimmed.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = "# read from somewhere\nmethod\tpath\tsince\tevidence\tsource\n\
        GET\t/\t-\tabc\tx\n\
        GET\t/v3\t3.0.0\tabc\tx\n\
        GET\t/v3/processes\t-\tabc\tx\n\
        GET\t/v3/processes/{process_guid}\t-\tabc\tx\n\
        GET\t/v3/apps/{guid}/droplets/current\t3.1.0\tabc\tx\n\
        GET\t/v3/apps/{guid}/droplets\t3.1.0\tabc\tx\n\
        GET\t/v3/organizations\t-\tabc\tx\n";

    fn check(method: &str, path: &str, found: Option<&str>, nearest: &str) {
        let table = RouteTable::parse(TABLE).unwrap();
        assert_eq!(
            table.find(method, path).map(|r| r.template.as_str()),
            found,
            "{method} {path}"
        );
        assert_eq!(
            table
                .nearest(method, path)
                .map(|r| r.to_string())
                .as_deref(),
            Some(nearest),
            "{method} {path}"
        );
    }

    #[test]
    fn routes_match_by_shape_and_suggest_the_nearest() {
        check("GET", "/", Some("/"), "GET /");
        check("GET", "/v3", Some("/v3"), "GET /v3");
        check("GET", "/v3/", Some("/v3"), "GET /v3");
        check(
            "HEAD",
            "/v3/organizations",
            Some("/v3/organizations"),
            "GET /v3/organizations",
        );
        check(
            "GET",
            "/v3/processes/abc",
            Some("/v3/processes/{process_guid}"),
            "GET /v3/processes/{process_guid}",
        );
        check(
            "GET",
            "/v3/apps/a/droplets/current",
            Some("/v3/apps/{guid}/droplets/current"),
            "GET /v3/apps/{guid}/droplets/current",
        );
        check("GET", "/v3/proceses", None, "GET /v3/processes");
        check(
            "GET",
            "/v3/proceses/abc",
            None,
            "GET /v3/processes/{process_guid}",
        );
        check("POST", "/v3/organizations", None, "GET /v3/organizations");
        check("GET", "/v3/organisations", None, "GET /v3/organizations");
    }

    #[test]
    fn provenance_and_versions_are_kept() {
        let table = RouteTable::parse(TABLE).unwrap();
        assert_eq!(table.provenance, vec!["read from somewhere"]);
        assert_eq!(table.routes()[0].since, None);
        assert_eq!(table.routes()[1].since.as_deref(), Some("3.0.0"));
        assert!(RouteTable::parse("GET\t/v3\n").is_err());
        assert!(RouteTable::parse("method\tpath\nGET\tv3\n").is_err());
    }
}
