//! The list engine: filters, `label_selector`, `order_by` and paging evaluated over the
//! stored records, as the Cloud Controller's list fetchers and paginator do; only the
//! page is rendered afterwards.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{json, Value};

/// One requirement of a `label_selector` (`list_message.rb`, `metadata_helpers.rb`).
#[derive(Debug, Clone, PartialEq)]
pub enum Requirement {
    /// `k in (a,b)`, `k=a`, `k==a`.
    In(String, Vec<String>),
    /// `k notin (a,b)`, `k!=a`.
    NotIn(String, Vec<String>),
    /// `k`.
    Exists(String),
    /// `!k`.
    NotExists(String),
}

impl Requirement {
    /// Whether labels satisfy the requirement.
    pub fn holds(&self, labels: &BTreeMap<String, String>) -> bool {
        match self {
            Requirement::In(key, values) => labels.get(key).is_some_and(|v| values.contains(v)),
            Requirement::NotIn(key, values) => !labels.get(key).is_some_and(|v| values.contains(v)),
            Requirement::Exists(key) => labels.contains_key(key),
            Requirement::NotExists(key) => !labels.contains_key(key),
        }
    }
}

fn key_characters(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'))
}

/// Splits on commas outside parentheses (`REQUIREMENT_SPLITTER`), dropping empty parts.
fn requirements(selector: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut depth) = (0, false);
    for (i, c) in selector.char_indices() {
        match c {
            '(' if !depth => depth = selector[i..].contains(')'),
            ')' if depth => depth = false,
            ',' if !depth => {
                parts.push(&selector[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&selector[start..]);
    parts.into_iter().filter(|p| !p.is_empty()).collect()
}

/// Ruby's `String#split(',')`: trailing empty parts are dropped.
fn values(text: &str) -> Vec<String> {
    let mut parts: Vec<String> = text.split(',').map(str::to_string).collect();
    while parts.last().is_some_and(String::is_empty) {
        parts.pop();
    }
    parts
}

fn parse_requirement(text: &str) -> Option<Requirement> {
    for (operator, notin) in [(" in (", false), (" notin (", true)] {
        if let Some(at) = text.find(operator) {
            if let Some(inner) = text[at + operator.len()..].strip_suffix(')') {
                let key = text[..at].to_string();
                let values = values(inner);
                return Some(if notin {
                    Requirement::NotIn(key, values)
                } else {
                    Requirement::In(key, values)
                });
            }
        }
    }
    let key_end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/')))
        .unwrap_or(text.len());
    let (key, rest) = text.split_at(key_end);
    if !key.is_empty() {
        if let Some(value) = rest.strip_prefix("==").or_else(|| rest.strip_prefix('=')) {
            return Some(Requirement::In(key.into(), values(value)));
        }
        if let Some(value) = rest.strip_prefix("!=") {
            return Some(Requirement::NotIn(key.into(), values(value)));
        }
        if rest.is_empty() {
            return Some(Requirement::Exists(key.into()));
        }
    }
    text.strip_prefix('!')
        .filter(|k| key_characters(k))
        .map(|k| Requirement::NotExists(k.into()))
}

fn start_end_alphanumeric(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_alphanumeric())
        && text.ends_with(|c: char| c.is_ascii_alphanumeric())
}

fn name_error(name: &str, limit: usize) -> Option<String> {
    if name
        .chars()
        .any(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
    {
        return Some(format!("'{name}' contains invalid characters"));
    }
    if !start_end_alphanumeric(name) {
        return Some(format!("'{name}' starts or ends with invalid characters"));
    }
    if name.chars().count() > limit {
        let head: String = name.chars().take(8).collect();
        return Some(format!("'{head}...' is greater than {limit} characters"));
    }
    None
}

fn dns_label(label: &str) -> bool {
    (1..=63).contains(&label.len())
        && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && start_end_alphanumeric(label)
}

/// `MetadataValidatorHelper#key_error`.
fn key_error(key: &str) -> Option<String> {
    if key.is_empty() {
        return Some("key cannot be empty string".into());
    }
    if key.matches('/').count() > 1 {
        return Some("key has more than one '/'".into());
    }
    let (prefix, name) = match key.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    if let Some(prefix) = prefix {
        let labels: Vec<&str> = prefix.split('.').collect();
        if labels.len() < 2 || !labels.iter().all(|l| dns_label(l)) {
            return Some(format!("prefix '{prefix}' must be in valid dns format"));
        }
        if prefix.len() > 253 {
            return Some(format!(
                "prefix '{}...' is greater than 253 characters",
                &prefix[..8]
            ));
        }
        if prefix.eq_ignore_ascii_case("cloudfoundry.org") {
            return Some("prefix 'cloudfoundry.org' is reserved".into());
        }
    }
    if name.is_empty() {
        return Some("key cannot be empty string".into());
    }
    name_error(name, 63)
}

/// Parses and validates a `label_selector` (`LabelSelectorRequirementValidator`); the
/// error is the detail of a 400 `CF-BadQueryParameter`.
pub fn label_selector(selector: &str) -> Result<Vec<Requirement>, String> {
    let parts = requirements(selector);
    if parts.is_empty() {
        return Err("Missing label_selector value".into());
    }
    if parts.len() > 50 {
        return Err("Too many label_selector requirements (maximum is 50)".into());
    }
    let mut parsed = Vec::new();
    for part in parts {
        let requirement = parse_requirement(part).ok_or("Invalid label_selector value")?;
        let (key, values): (&str, &[String]) = match &requirement {
            Requirement::In(k, v) | Requirement::NotIn(k, v) => (k, v),
            Requirement::Exists(k) | Requirement::NotExists(k) => (k, &[]),
        };
        if let Some(error) = key_error(key) {
            return Err(error);
        }
        if let Some(error) = values
            .iter()
            .filter(|v| !v.is_empty())
            .find_map(|v| name_error(v, 63))
        {
            return Err(error);
        }
        parsed.push(requirement);
    }
    Ok(parsed)
}

/// The exact-or-relational timestamp filters of one field (`created_ats`, `updated_ats`).
/// Timestamps are compared as text: every stored one is `YYYY-MM-DDThh:mm:ssZ`, and the
/// stub admits only that form in filters, so text order is time order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TimeFilter {
    /// `created_ats=a,b`: any of these seconds.
    pub any_of: Option<Vec<String>>,
    /// `[lt]`.
    pub lt: Option<String>,
    /// `[lte]`.
    pub lte: Option<String>,
    /// `[gt]`.
    pub gt: Option<String>,
    /// `[gte]`.
    pub gte: Option<String>,
}

impl TimeFilter {
    /// Whether the timestamp passes every given bound.
    pub fn holds(&self, at: &str) -> bool {
        self.any_of
            .as_ref()
            .is_none_or(|a| a.iter().any(|t| t == at))
            && self.lt.as_ref().is_none_or(|t| at < t.as_str())
            && self.lte.as_ref().is_none_or(|t| at <= t.as_str())
            && self.gt.as_ref().is_none_or(|t| at > t.as_str())
            && self.gte.as_ref().is_none_or(|t| at >= t.as_str())
    }
}

/// A requested page.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    /// 1-based.
    pub page: usize,
    /// 1..=5000.
    pub per_page: usize,
}

impl PageRequest {
    /// From the query's values, with the Cloud Controller's defaults (1 and 50).
    pub fn new(page: Option<i32>, per_page: Option<i32>) -> PageRequest {
        PageRequest {
            page: page.unwrap_or(1).max(1) as usize,
            per_page: per_page.unwrap_or(50).clamp(1, 5000) as usize,
        }
    }
}

/// How two records compare for `order_by`.
pub type Compare<T> = fn(&T, &T) -> Ordering;

/// One page of matching records and how many matched in all.
pub struct Page<T> {
    /// The records on the page.
    pub items: Vec<Arc<T>>,
    /// Every match.
    pub total: usize,
}

/// Selects a page from `records` (in creation order): those that `keep` (all when
/// `None`), sorted by `order` (then by guid, in the same direction) when given, else in
/// creation order. Unfiltered and unordered, only the page's records are visited.
pub fn select<'a, T: 'a>(
    records: impl ExactSizeIterator<Item = &'a Arc<T>>,
    keep: Option<impl Fn(&T) -> bool>,
    order: Option<(Compare<T>, bool)>,
    request: PageRequest,
) -> Page<T> {
    let start = (request.page - 1).saturating_mul(request.per_page);
    match (keep, order) {
        (None, None) => Page {
            total: records.len(),
            items: records
                .skip(start)
                .take(request.per_page)
                .map(Arc::clone)
                .collect(),
        },
        (Some(keep), None) => {
            let mut total = 0;
            let mut items = Vec::new();
            for record in records.filter(|r| keep(r)) {
                if total >= start && items.len() < request.per_page {
                    items.push(Arc::clone(record));
                }
                total += 1;
            }
            Page { items, total }
        }
        (keep, Some((compare, descending))) => {
            let mut matching: Vec<&Arc<T>> = match &keep {
                Some(keep) => records.filter(|r| keep(r)).collect(),
                None => records.collect(),
            };
            let total = matching.len();
            let ordering = |a: &&Arc<T>, b: &&Arc<T>| {
                let ordering = compare(a, b);
                if descending {
                    ordering.reverse()
                } else {
                    ordering
                }
            };
            // Only the records up to the page's end need their final places.
            let end = start.saturating_add(request.per_page).min(total);
            if end > 0 && end < total {
                matching.select_nth_unstable_by(end - 1, ordering);
                matching.truncate(end);
            }
            matching.sort_by(ordering);
            let items = matching
                .into_iter()
                .skip(start)
                .take(request.per_page)
                .map(Arc::clone)
                .collect();
            Page { items, total }
        }
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(byte as char)
            }
            b' ' => out.push('+'),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

/// The `pagination` object (`paginated_list_presenter.rb`): links on `base` + `path`
/// that carry `per_page`, `order_by` when it was given, and every filter echoed
/// (`echo`: parameter name and the value as the Cloud Controller re-renders it: list
/// items with their commas escaped, joined by commas), sorted by name as `to_query` does.
pub fn pagination(
    base: &str,
    path: &str,
    echo: &[(String, String)],
    request: PageRequest,
    total: usize,
) -> Value {
    let last = total.div_ceil(request.per_page).max(1);
    let href = |page: usize| {
        let mut pairs: Vec<(String, String)> = echo.to_vec();
        pairs.push(("page".into(), page.to_string()));
        pairs.push(("per_page".into(), request.per_page.to_string()));
        pairs.sort();
        let query: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", escape(k), escape(v)))
            .collect();
        json!({"href": format!("{base}{path}?{}", query.join("&"))})
    };
    json!({
        "total_results": total, "total_pages": last, "first": href(1), "last": href(last),
        "next": if request.page < last { href(request.page + 1) } else { Value::Null },
        "previous": if request.page > 1 { href(request.page - 1) } else { Value::Null },
    })
}

/// A list parameter as the Cloud Controller echoes it: commas inside items escaped.
pub fn echo_list(values: &[String]) -> String {
    values
        .iter()
        .map(|v| v.replace(',', "%2C"))
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_page_is_the_page_of_the_whole_ordered_list() {
        // Records 0..n with keys that repeat, ordered by key then number, both ways.
        let n = 101;
        let records: Vec<Arc<(u32, u32)>> = (0..n).map(|i| Arc::new(((i * 37) % 10, i))).collect();
        let compare: Compare<(u32, u32)> = |a, b| a.cmp(b);
        let even = |r: &(u32, u32)| r.1 % 2 == 0;
        for descending in [false, true] {
            for filtered in [false, true] {
                let mut all: Vec<(u32, u32)> = records
                    .iter()
                    .map(|r| **r)
                    .filter(|r| !filtered || even(r))
                    .collect();
                all.sort();
                if descending {
                    all.reverse();
                }
                for per_page in [1, 7, 50, 200] {
                    for page in 1..=(n as usize / per_page + 2) {
                        let request = PageRequest { page, per_page };
                        let got = select(
                            records.iter(),
                            filtered.then_some(even),
                            Some((compare, descending)),
                            request,
                        );
                        let want: Vec<(u32, u32)> = all
                            .iter()
                            .copied()
                            .skip((page - 1) * per_page)
                            .take(per_page)
                            .collect();
                        let items: Vec<(u32, u32)> = got.items.iter().map(|r| **r).collect();
                        assert_eq!(
                            items, want,
                            "page {page} of {per_page}, descending {descending}"
                        );
                        assert_eq!(got.total, all.len());
                    }
                }
            }
        }
        // Unordered: creation order, with or without a filter.
        let page = select(
            records.iter(),
            None::<fn(&(u32, u32)) -> bool>,
            None,
            PageRequest {
                page: 3,
                per_page: 10,
            },
        );
        assert_eq!(page.total, n as usize);
        assert_eq!(
            page.items.iter().map(|r| r.1).collect::<Vec<_>>(),
            (20..30).collect::<Vec<_>>()
        );
        let page = select(
            records.iter(),
            Some(even),
            None,
            PageRequest {
                page: 2,
                per_page: 5,
            },
        );
        assert_eq!(page.total, 51);
        assert_eq!(
            page.items.iter().map(|r| r.1).collect::<Vec<_>>(),
            vec![10, 12, 14, 16, 18]
        );
    }

    #[test]
    fn selectors_parse_as_the_cloud_controller_reads_them() {
        let cases: [(&str, Result<Vec<Requirement>, &str>); 7] = [
            (
                "env=prod,tier in (web,api)",
                Ok(vec![
                    Requirement::In("env".into(), vec!["prod".into()]),
                    Requirement::In("tier".into(), vec!["web".into(), "api".into()]),
                ]),
            ),
            (
                "!env,k==v,k!=w",
                Ok(vec![
                    Requirement::NotExists("env".into()),
                    Requirement::In("k".into(), vec!["v".into()]),
                    Requirement::NotIn("k".into(), vec!["w".into()]),
                ]),
            ),
            (
                "example.com/owner notin (a,b)",
                Ok(vec![Requirement::NotIn(
                    "example.com/owner".into(),
                    vec!["a".into(), "b".into()],
                )]),
            ),
            ("=v", Err("Invalid label_selector value")),
            ("", Err("Missing label_selector value")),
            (
                "example/x=y",
                Err("prefix 'example' must be in valid dns format"),
            ),
            ("k=-v", Err("'-v' starts or ends with invalid characters")),
        ];
        for (selector, expected) in cases {
            assert_eq!(
                label_selector(selector),
                expected.map_err(str::to_string),
                "{selector}"
            );
        }
    }
}
