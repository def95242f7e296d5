//! Checking one exchange: the operation exists, the status is documented, the content
//! types are JSON where JSON is expected, the query parameters are known and well
//! formed, and the request and response bodies satisfy their schemas.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use super::coverage::Coverage;
use super::routes::{Route, RouteTable};
use super::{is_json, redact, split_url, Exchange};
use crate::pointer;
use crate::spec::OperationRef;
use crate::validate::outcome::{Outcome, Verdict};
use crate::validate::payload;
use crate::validate::target::{match_operation, Exchange as Body};
use crate::validate::violation::abbreviate;
use crate::validate::{
    Direction, OperationSelector, Resolution, Target, TargetSpec, Validator, Violation,
};

/// How to check exchanges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckOptions {
    /// Also report response fields the spec does not declare (drift).
    pub strict: bool,
    /// A path prefix in front of the API's paths (e.g. `/cf` for `https://host/cf/v3/…`).
    /// Without it, a path that matches no operation is retried without its leading
    /// segments.
    pub base_path: Option<String>,
    /// The Cloud Controller's routes: an exchange the contract does not describe on one of
    /// them is *outside the contract* (counted, not a finding); on none of them it is a
    /// finding that names the nearest route. Without a table every undocumented exchange
    /// is a finding.
    pub routes: Option<Arc<RouteTable>>,
    /// Outside-the-contract exchanges are findings too (`--outside fail`).
    pub outside_fails: bool,
}

fn finding(
    part: &str,
    pointer: String,
    found: String,
    expected: String,
    spec_location: String,
) -> Violation {
    Violation {
        part: part.into(),
        pointer,
        found,
        expected,
        spec_location,
        spec_position: None,
    }
}

/// Checks one exchange, recording the documented responses it exercises in `coverage`.
/// (To check many, a [`Checker`] works out what each operation needs only once.)
pub fn check_exchange(
    validator: &Validator,
    exchange: &Exchange,
    options: &CheckOptions,
    coverage: &mut Coverage,
) -> Outcome {
    Checker::new(validator, options).check(exchange, coverage)
}

/// Checks exchanges one after another, working out what each operation needs from the
/// spec (its query parameters, its request and response targets) the first time one of
/// its exchanges comes, instead of for every exchange.
pub struct Checker<'a> {
    validator: &'a Validator,
    options: &'a CheckOptions,
    /// By operation pointer.
    plans: HashMap<String, Plan>,
}

/// What checking an exchange of one operation needs from the spec.
struct Plan {
    parameters: Vec<QueryParameter>,
    /// `None` when the operation's request cannot be resolved.
    request: Option<Resolution>,
    request_required: bool,
    /// By status: the target (`None` when it cannot be resolved) and the `responses`
    /// key it is documented under (for coverage).
    responses: HashMap<u16, (Option<Resolution>, Option<String>)>,
}

impl Plan {
    fn new(validator: &Validator, operation: &OperationRef) -> Plan {
        let raw = validator.spec();
        let request_body = format!("{}/requestBody", operation.pointer);
        let request_required = raw
            .pointer(&request_body)
            .and_then(|b| {
                pointer::resolve(raw, &request_body)
                    .map(|(_, r)| r.clone())
                    .or(Some(b.clone()))
            })
            .is_some_and(|b| b.get("required") == Some(&Value::Bool(true)));
        Plan {
            parameters: query_parameters(raw, operation),
            request: validator
                .resolve(&TargetSpec::Operation(selector(operation), Body::Request))
                .ok(),
            request_required,
            responses: HashMap::new(),
        }
    }

    fn response(
        &mut self,
        validator: &Validator,
        operation: &OperationRef,
        code: u16,
    ) -> &(Option<Resolution>, Option<String>) {
        self.responses.entry(code).or_insert_with(|| {
            let resolution = validator
                .resolve(&TargetSpec::Operation(
                    selector(operation),
                    Body::Response(code),
                ))
                .ok();
            let responses = validator
                .spec()
                .pointer(&format!("{}/responses", operation.pointer))
                .and_then(Value::as_object);
            let exact = code.to_string();
            let range = format!("{}XX", code / 100);
            let key = [exact.as_str(), range.as_str(), "default"]
                .into_iter()
                .find(|k| responses.is_some_and(|r| r.contains_key(*k)))
                .map(str::to_string);
            (resolution, key)
        })
    }
}

fn selector(operation: &OperationRef) -> OperationSelector {
    OperationSelector::MethodPath {
        method: operation.method.clone(),
        path: operation.path.clone(),
    }
}

impl<'a> Checker<'a> {
    /// A checker of exchanges against `validator`'s spec.
    pub fn new(validator: &'a Validator, options: &'a CheckOptions) -> Checker<'a> {
        Checker {
            validator,
            options,
            plans: HashMap::new(),
        }
    }

    /// Checks one exchange, recording the documented responses it exercises in `coverage`.
    pub fn check(&mut self, exchange: &Exchange, coverage: &mut Coverage) -> Outcome {
        let (validator, options) = (self.validator, self.options);
        let (path, _) = split_url(&exchange.url);
        let status = exchange
            .status
            .map_or_else(|| "no response".to_string(), |s| s.to_string());
        let mut input = format!(
            "{}: {} {} → {status}",
            exchange.source,
            exchange.method,
            redact::url(&exchange.url)
        );
        // Why is said once per capture (`traffic::notes`); each exchange says which.
        for (part, missing) in [
            ("request", &exchange.request_body_unavailable),
            ("response", &exchange.response_body_unavailable),
        ] {
            if missing.is_some() {
                input.push_str(&format!(" ({part} body not captured)"));
            }
        }
        let mut outcome = Outcome {
            input,
            targets: Vec::new(),
            verdict: Verdict::Valid,
            problem: None,
            violations: Vec::new(),
        };
        let operation =
            match find_operation(validator.operations(), &exchange.method, &path, options) {
                Ok(operation) => operation.clone(),
                Err(mut undocumented) => {
                    undocumented.part = "exchange".into();
                    undocumented.found = format!("{} {}", exchange.method, redact::url(&path));
                    if let Some(routes) = &options.routes {
                        match cc_route(routes, &exchange.method, &path, options) {
                            Some(route) if !options.outside_fails => {
                                outcome.verdict = Verdict::Outside;
                                outcome.targets.push(route.to_string());
                                coverage.record_outside(&route.to_string());
                                return outcome;
                            }
                            Some(route) => {
                                undocumented.expected =
                                    "an operation the contract documents (--outside fail)".into();
                                undocumented.found.push_str(&format!(
                                    " (Cloud Controller route {route}, outside the contract)"
                                ));
                            }
                            None => {
                                undocumented.expected =
                                    match routes.nearest(&exchange.method, &path) {
                                        Some(nearest) => format!(
                                "a Cloud Controller route (nearest: {nearest}); none has this one"
                            ),
                                        None => "a Cloud Controller route".into(),
                                    };
                            }
                        }
                    }
                    outcome.violations.push(undocumented);
                    return finish(outcome);
                }
            };
        outcome
            .targets
            .push(format!("{} {}", operation.method, operation.path));
        let plan = self
            .plans
            .entry(operation.pointer.clone())
            .or_insert_with(|| Plan::new(validator, &operation));
        check_query(
            validator,
            &operation,
            &plan.parameters,
            &exchange.query,
            &mut outcome.violations,
        );
        check_request(validator, plan, exchange, &mut outcome.violations);
        match exchange.status {
            Some(code) => {
                let (resolution, covered) = plan.response(validator, &operation, code);
                if let Some(resolution) = resolution {
                    // A status the spec does not document exercises nothing.
                    if let (Some(key), false) =
                        (covered, matches!(resolution, Resolution::Finding(_)))
                    {
                        coverage.record(&operation.method, &operation.path, key);
                    }
                    check_response(
                        validator,
                        resolution,
                        exchange,
                        options,
                        &mut outcome.violations,
                    );
                }
            }
            None => outcome.violations.push(finding(
                "response",
                String::new(),
                "no response captured".into(),
                "a response".into(),
                String::new(),
            )),
        }
        finish(outcome)
    }
}

fn finish(mut outcome: Outcome) -> Outcome {
    if !outcome.violations.is_empty() {
        outcome.verdict = Verdict::Invalid;
    }
    outcome
}

// A finding is this function's error, made at most once per check: boxing it
// would buy nothing.
#[allow(clippy::result_large_err)]
fn find_operation<'a>(
    operations: &'a [OperationRef],
    method: &str,
    path: &str,
    options: &CheckOptions,
) -> Result<&'a OperationRef, Violation> {
    if let Some(base) = &options.base_path {
        let stripped = path
            .strip_prefix(base.trim_end_matches('/'))
            .unwrap_or(path);
        return match_operation(operations, method, stripped);
    }
    let first = match_operation(operations, method, path);
    if first.is_ok() {
        return first;
    }
    // A prefix in front of the API (a proxy path): try without leading segments.
    let most = operations
        .iter()
        .map(|o| o.path.matches('/').count())
        .max()
        .unwrap_or(0);
    for next in without_leading_segments(path, most)
        .into_iter()
        .filter(|p| p.len() < path.len())
    {
        if let Ok(operation) = match_operation(operations, method, next) {
            return Ok(operation);
        }
    }
    first
}

/// The Cloud Controller route an undocumented exchange is on, trying the path as the
/// operations are tried (base path stripped, or leading segments dropped).
fn cc_route<'a>(
    routes: &'a RouteTable,
    method: &str,
    path: &str,
    options: &CheckOptions,
) -> Option<&'a Route> {
    if let Some(base) = &options.base_path {
        let stripped = path
            .strip_prefix(base.trim_end_matches('/'))
            .unwrap_or(path);
        return routes.find(method, stripped);
    }
    without_leading_segments(path, routes.most_segments() + 1)
        .into_iter()
        .find_map(|rest| routes.find(method, rest))
}

/// The path, then the path without each of its leading segments in turn (a prefix in front
/// of the API, such as a proxy's), leaving out those with more than `most` slashes before
/// the query: no template matches them, and trying each of a path of many thousands of
/// segments would take quadratic time (a fuzzed HAR did).
fn without_leading_segments(path: &str, most: usize) -> Vec<&str> {
    let bare = path.find(['?', '#']).unwrap_or(path.len());
    let trimmed = path[..bare].trim_end_matches('/').len();
    let slashes: Vec<usize> = path[..trimmed].match_indices('/').map(|(i, _)| i).collect();
    let after = |start: usize| slashes.len() - slashes.partition_point(|&i| i < start);
    let mut starts: Vec<usize> = std::iter::once(0)
        .chain(slashes.iter().copied().filter(|&i| i > 0))
        .collect();
    // Trailing slashes all read as the same path: one of them is enough.
    if trimmed < bare && trimmed > 0 {
        starts.push(trimmed);
    }
    starts
        .into_iter()
        .filter(|&start| after(start) <= most)
        .map(|start| &path[start..])
        .collect()
}

/// Why a proxy refuses a request in `--enforce` mode: the Cloud Controller's own error
/// for it (status, `code`, `title`, `detail`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// 400 or 422.
    pub status: u16,
    /// The Cloud Controller error code (10005, 1001, 10008).
    pub code: u32,
    /// `CF-BadQueryParameter`, `CF-MessageParseError` or `CF-UnprocessableEntity`.
    pub title: String,
    /// The violations, one sentence.
    pub detail: String,
}

/// Checks the request half of an exchange (query parameters and body) of a documented
/// operation; the error a Cloud Controller would answer when it breaks the contract.
/// Requests the contract does not describe are never refused.
pub fn refusal(
    validator: &Validator,
    exchange: &Exchange,
    options: &CheckOptions,
) -> Option<Refusal> {
    let (path, _) = split_url(&exchange.url);
    let operation = find_operation(validator.operations(), &exchange.method, &path, options)
        .ok()?
        .clone();
    let describe = |violations: &[Violation]| {
        violations
            .iter()
            .map(|v| {
                let at = if v.pointer.is_empty() {
                    "(root)"
                } else {
                    &v.pointer
                };
                format!("{at}: expected {}, found {}", v.expected, v.found)
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    let plan = Plan::new(validator, &operation);
    let mut query = Vec::new();
    check_query(
        validator,
        &operation,
        &plan.parameters,
        &exchange.query,
        &mut query,
    );
    if !query.is_empty() {
        return Some(Refusal {
            status: 400,
            code: 10005,
            title: "CF-BadQueryParameter".into(),
            detail: format!("The query parameter is invalid: {}", describe(&query)),
        });
    }
    let mut body = Vec::new();
    check_request(validator, &plan, exchange, &mut body);
    if body.is_empty() {
        return None;
    }
    Some(
        if body
            .iter()
            .any(|v| v.found.starts_with("a body that is not JSON"))
        {
            Refusal {
                status: 400,
                code: 1001,
                title: "CF-MessageParseError".into(),
                detail: format!("Request invalid due to parse error: {}", describe(&body)),
            }
        } else {
            Refusal {
                status: 422,
                code: 10008,
                title: "CF-UnprocessableEntity".into(),
                detail: describe(&body),
            }
        },
    )
}

/// A parameter of an operation, as the checks need it.
struct QueryParameter {
    name: String,
    schema_pointer: String,
    schema: Value,
    comma_delimited: bool,
    required: bool,
}

fn query_parameters(raw: &Value, operation: &OperationRef) -> Vec<QueryParameter> {
    let item = operation
        .pointer
        .rsplit_once('/')
        .map(|(item, _)| item.to_string())
        .unwrap_or_default();
    let mut found: Vec<QueryParameter> = Vec::new();
    for owner in [item, operation.pointer.clone()] {
        let count = raw
            .pointer(&format!("{owner}/parameters"))
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        for i in 0..count {
            let Some((at, parameter)) = pointer::resolve(raw, &format!("{owner}/parameters/{i}"))
            else {
                continue;
            };
            if parameter.get("in").and_then(Value::as_str) != Some("query") {
                continue;
            }
            let name = parameter
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let schema_pointer = pointer::push(&at, "schema");
            let schema = pointer::resolve(raw, &schema_pointer)
                .map(|(_, s)| s.clone())
                .unwrap_or(Value::Null);
            let style_form = parameter
                .get("style")
                .and_then(Value::as_str)
                .is_none_or(|s| s == "form");
            found.retain(|p| p.name != name);
            found.push(QueryParameter {
                name,
                schema_pointer,
                schema,
                comma_delimited: style_form
                    && parameter.get("explode") == Some(&Value::Bool(false)),
                required: parameter.get("required") == Some(&Value::Bool(true)),
            });
        }
    }
    found
}

/// Reads a query value as the JSON its schema describes (numbers and booleans parsed
/// when they parse; anything else stays text, for the schema to refuse).
fn typed(raw: &Value, schema: &Value, text: &str) -> Value {
    let schema = match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => pointer::resolve(raw, reference)
            .map(|(_, s)| s.clone())
            .unwrap_or(Value::Null),
        None => schema.clone(),
    };
    match schema.get("type").and_then(Value::as_str) {
        Some("integer") => text
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::from(text)),
        Some("number") => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(|| Value::from(text), Value::Number),
        Some("boolean") => match text {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::from(text),
        },
        _ => Value::from(text),
    }
}

fn check_query(
    validator: &Validator,
    operation: &OperationRef,
    parameters: &[QueryParameter],
    query: &[(String, String)],
    out: &mut Vec<Violation>,
) {
    let raw = validator.spec();
    for (name, values) in grouped(query) {
        let Some(parameter) = parameters.iter().find(|p| p.name == name) else {
            let known: Vec<&str> = parameters.iter().map(|p| p.name.as_str()).collect();
            let expected = if known.is_empty() {
                "no query parameters".to_string()
            } else {
                format!(
                    "one of the documented query parameters: {}",
                    known.join(", ")
                )
            };
            out.push(finding(
                "query",
                name.clone(),
                format!("unknown parameter {name:?}"),
                expected,
                format!("#{}/parameters", operation.pointer),
            ));
            continue;
        };
        let is_array = parameter.schema.get("type").and_then(Value::as_str) == Some("array");
        let value = if is_array {
            let items = parameter
                .schema
                .get("items")
                .cloned()
                .unwrap_or(Value::Null);
            let texts: Vec<&str> = if parameter.comma_delimited {
                values.iter().flat_map(|v| v.split(',')).collect()
            } else {
                values.iter().map(String::as_str).collect()
            };
            Value::Array(texts.into_iter().map(|t| typed(raw, &items, t)).collect())
        } else {
            if values.len() > 1 {
                out.push(finding(
                    "query",
                    name.clone(),
                    format!("{} values", values.len()),
                    "one value".into(),
                    format!("#{}", parameter.schema_pointer),
                ));
            }
            typed(raw, &parameter.schema, &values[0])
        };
        let target = Target {
            direction: Direction::Request,
            schema_pointer: parameter.schema_pointer.clone(),
            label: name.clone(),
        };
        match validator.validate(&target, &value) {
            Ok(violations) => out.extend(violations.into_iter().map(|mut v| {
                v.part = "query".into();
                v.pointer = format!("{name}{}", v.pointer);
                if redact::is_secret_parameter(&name) {
                    v.found = redact::MASK.into();
                }
                v
            })),
            Err(error) => out.push(finding(
                "query",
                name.clone(),
                String::new(),
                error.to_string(),
                format!("#{}", parameter.schema_pointer),
            )),
        }
    }
    for parameter in parameters
        .iter()
        .filter(|p| p.required && !query.iter().any(|(n, _)| *n == p.name))
    {
        out.push(finding(
            "query",
            parameter.name.clone(),
            "absent".into(),
            "a value (required)".into(),
            format!("#{}", parameter.schema_pointer),
        ));
    }
}

/// Query pairs grouped by name, in first-seen order.
fn grouped(query: &[(String, String)]) -> Vec<(String, Vec<String>)> {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for (name, value) in query {
        match groups.iter_mut().find(|(n, _)| n == name) {
            Some((_, values)) => values.push(value.clone()),
            None => groups.push((name.clone(), vec![value.clone()])),
        }
    }
    groups
}

fn check_request(
    validator: &Validator,
    plan: &Plan,
    exchange: &Exchange,
    out: &mut Vec<Violation>,
) {
    let Some(resolution) = &plan.request else {
        return;
    };
    let body = exchange
        .request_body
        .as_deref()
        .filter(|b| !b.iter().all(u8::is_ascii_whitespace));
    if body.is_none() && exchange.request_body_unavailable.is_some() {
        return;
    }
    check_body(
        validator,
        "request",
        resolution,
        exchange.request_content_type.as_deref(),
        body,
        plan.request_required,
        false,
        out,
    );
}

fn check_response(
    validator: &Validator,
    resolution: &Resolution,
    exchange: &Exchange,
    options: &CheckOptions,
    out: &mut Vec<Violation>,
) {
    if let Resolution::Finding(undocumented) = resolution {
        let mut undocumented = undocumented.clone();
        undocumented.part = "response".into();
        out.push(undocumented);
        return;
    }
    let body = exchange
        .response_body
        .as_deref()
        .filter(|b| !b.iter().all(u8::is_ascii_whitespace));
    if body.is_none() && exchange.response_body_unavailable.is_some() {
        return;
    }
    check_body(
        validator,
        "response",
        resolution,
        exchange.response_content_type.as_deref(),
        body,
        true,
        options.strict,
        out,
    );
}

#[allow(clippy::too_many_arguments)]
fn check_body(
    validator: &Validator,
    part: &str,
    resolution: &Resolution,
    content_type: Option<&str>,
    body: Option<&[u8]>,
    required: bool,
    strict: bool,
    out: &mut Vec<Violation>,
) {
    match (resolution, body) {
        (Resolution::NoBody { label }, Some(_)) => out.push(finding(
            part,
            String::new(),
            "a body".into(),
            format!("no body ({label} documents none)"),
            String::new(),
        )),
        (Resolution::NoBody { .. }, None) | (Resolution::Finding(_), _) => {}
        (Resolution::Body(target), None) => {
            if required {
                out.push(finding(
                    part,
                    String::new(),
                    "no body".into(),
                    format!("a JSON body ({})", target.label),
                    format!("#{}", target.schema_pointer),
                ));
            }
        }
        (Resolution::Body(target), Some(bytes)) => {
            if let Some(media) = content_type.filter(|m| !is_json(m)) {
                out.push(finding(
                    part,
                    String::new(),
                    format!("Content-Type {media}"),
                    "Content-Type application/json".into(),
                    format!("#{}", target.schema_pointer),
                ));
            }
            // Most bodies are valid: the fast path proves it without building a `Value`.
            if validator.proves_valid(target, bytes, strict) {
                return;
            }
            let value = match payload::parse(bytes) {
                Ok(value) => value,
                Err(error) => {
                    out.push(finding(
                        part,
                        String::new(),
                        format!("a body that is not JSON ({error})"),
                        "a JSON body".into(),
                        format!("#{}", target.schema_pointer),
                    ));
                    return;
                }
            };
            let result = if strict {
                validator.validate_strict(target, &value)
            } else {
                validator.validate(target, &value)
            };
            match result {
                Ok(violations) => {
                    out.extend(violations.into_iter().map(|v| masked(v, part, &value)))
                }
                Err(error) => out.push(finding(
                    part,
                    String::new(),
                    String::new(),
                    error.to_string(),
                    format!("#{}", target.schema_pointer),
                )),
            }
        }
    }
}

/// Tags a body violation with its part and re-renders what was found with secrets masked.
fn masked(mut violation: Violation, part: &str, payload: &Value) -> Violation {
    violation.part = part.into();
    if redact::is_secret_pointer(&violation.pointer) {
        violation.found = redact::MASK.into();
    } else if let Some(found) = payload.pointer(&violation.pointer) {
        if !violation.found.starts_with("property name") {
            violation.found = abbreviate(&redact::value(found));
        }
    }
    violation
}
