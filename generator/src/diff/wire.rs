//! The wire walk: operations, parameters, bodies and responses of both documents side by
//! side, and their schemas compared with the direction in mind (a request travels from
//! client to server, a response back), `$ref`s followed on both sides at once.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde_json::{Map, Value};

use super::rules::{self, Rule};
use super::Finding;
use crate::pointer;
use crate::spec::METHODS;

/// Old schema pointer → the new schema pointer it was compared with.
pub(super) type Pairs = HashMap<String, String>;

/// Compares the wire contracts of two documents; also gives the schema pairs it compared.
pub(super) fn compare(old: &Value, new: &Value) -> (Vec<Finding>, Pairs) {
    let mut walk = Walk {
        old,
        new,
        findings: Vec::new(),
        seen: HashSet::new(),
        pairs: Pairs::new(),
    };
    walk.operations();
    (walk.findings, walk.pairs)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Direction {
    Request,
    Response,
}

/// A node and its pointer.
type Node<'a> = (&'a Value, String);

struct Walk<'a> {
    old: &'a Value,
    new: &'a Value,
    findings: Vec<Finding>,
    /// Schema pairs reached through a `$ref` and already compared, per direction.
    seen: HashSet<(String, String, Direction)>,
    pairs: Pairs,
}

/// Where a change sits, for the sentence: the operation part and the path inside a body.
#[derive(Clone)]
struct Place<'p> {
    context: &'p str,
    path: String,
}

impl Place<'_> {
    fn describe(&self) -> String {
        if self.path.is_empty() {
            self.context.to_string()
        } else {
            format!("{} `{}`", self.context, self.path)
        }
    }

    fn child(&self, segment: &str) -> Place<'_> {
        let path = if self.path.is_empty() {
            segment.trim_start_matches('.').to_string()
        } else {
            format!("{}{segment}", self.path)
        };
        Place {
            context: self.context,
            path,
        }
    }
}

/// A path template with parameter names blanked: `/v3/apps/{}`.
fn path_shape(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut depth = 0;
    for c in path.chars() {
        match c {
            '{' => {
                depth += 1;
                if depth == 1 {
                    out.push_str("{}");
                }
            }
            '}' => depth -= 1,
            c if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

struct OperationAt<'a> {
    path: String,
    pointer: String,
    operation: &'a Value,
    item: &'a Value,
    item_pointer: String,
}

fn operations(doc: &Value) -> BTreeMap<(String, String), OperationAt<'_>> {
    let mut out = BTreeMap::new();
    for path in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(Map::keys)
    {
        let item_pointer = pointer::push("/paths", path);
        let (item_pointer, item) = match pointer::resolve(doc, &item_pointer) {
            Some(found) => found,
            None => continue,
        };
        for method in METHODS {
            if let Some(operation) = item.get(method).filter(|o| o.is_object()) {
                out.insert(
                    (path_shape(path), method.to_uppercase()),
                    OperationAt {
                        path: path.clone(),
                        pointer: pointer::push(&item_pointer, method),
                        operation,
                        item,
                        item_pointer: item_pointer.clone(),
                    },
                );
            }
        }
    }
    out
}

/// Follows a chain of local `$ref`s from a node.
fn deref<'a>(doc: &'a Value, node: &'a Value, at: &str) -> Node<'a> {
    let mut current = (node, at.to_string());
    for _ in 0..32 {
        let Some(reference) = current.0.get("$ref").and_then(Value::as_str) else {
            return current;
        };
        let Some(target) = reference.strip_prefix('#') else {
            return current;
        };
        match doc.pointer(target) {
            Some(next) => current = (next, target.to_string()),
            None => return current,
        }
    }
    current
}

struct Parameter<'a> {
    name: &'a str,
    location: &'a str,
    required: bool,
    schema: Option<Node<'a>>,
    at: String,
}

impl Parameter<'_> {
    fn is_query(&self) -> bool {
        self.location == "query"
    }

    fn label(&self) -> String {
        format!("{} parameter `{}`", self.location, self.name)
    }
}

/// An operation's parameters (path item's, overridden by the operation's), keyed so that a
/// renamed path parameter is the same parameter: `path#0` by position, `query:name`,
/// `header:name` (lower case).
fn parameters<'a>(doc: &'a Value, op: &OperationAt<'a>) -> BTreeMap<String, Parameter<'a>> {
    let mut out = BTreeMap::new();
    let lists = [
        (op.item.get("parameters"), &op.item_pointer),
        (op.operation.get("parameters"), &op.pointer),
    ];
    let mut path_names: Vec<String> = Vec::new();
    for (list, base) in lists {
        let list_at = pointer::push(base, "parameters");
        for (i, parameter) in list
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let (parameter, at) = deref(doc, parameter, &format!("{list_at}/{i}"));
            let (Some(name), Some(location)) = (
                parameter.get("name").and_then(Value::as_str),
                parameter.get("in").and_then(Value::as_str),
            ) else {
                continue;
            };
            let key = match location {
                "path" => {
                    let template = op.path.as_str();
                    let position = template
                        .split('{')
                        .skip(1)
                        .position(|part| part.split('}').next() == Some(name));
                    match position {
                        Some(p) => format!("path#{p}"),
                        None => {
                            path_names.push(name.to_string());
                            format!("path:{name}")
                        }
                    }
                }
                "header" => format!("header:{}", name.to_ascii_lowercase()),
                other => format!("{other}:{name}"),
            };
            let schema = parameter
                .get("schema")
                .map(|s| (s, pointer::push(&at, "schema")));
            out.insert(
                key,
                Parameter {
                    name,
                    location,
                    required: parameter.get("required") == Some(&Value::Bool(true)),
                    schema,
                    at,
                },
            );
        }
    }
    out
}

/// The JSON media type of a `content` map: `application/json`, else the first `…json…`.
fn json_media<'a>(content: Option<&'a Value>, at: &str) -> Option<Node<'a>> {
    let content = content?.as_object()?;
    let key = if content.contains_key("application/json") {
        "application/json"
    } else {
        content.keys().find(|k| k.contains("json"))?.as_str()
    };
    let media = content.get(key)?;
    let at = pointer::push(&pointer::push(at, "content"), key);
    Some(match media.get("schema") {
        Some(schema) => (schema, pointer::push(&at, "schema")),
        // A JSON body of any shape.
        None => (media, at),
    })
}

fn is_success(status: &str) -> bool {
    status.starts_with('2')
}

fn list(values: &[String]) -> String {
    const MOST: usize = 6;
    let mut shown: Vec<String> = values.iter().take(MOST).cloned().collect();
    if values.len() > MOST {
        shown.push(format!("… ({} more)", values.len() - MOST));
    }
    shown.join(", ")
}

impl<'a> Walk<'a> {
    fn report(&mut self, rule: Rule, context: &str, old: &str, new: &str, message: String) {
        let rule = rules::by_id(rule.id).expect("every rule constant is in RULES");
        self.findings.push(Finding {
            rule,
            context: context.to_string(),
            old: old.to_string(),
            new: new.to_string(),
            message,
        });
    }

    fn operations(&mut self) {
        let old_ops = operations(self.old);
        let new_ops = operations(self.new);
        for (key, old_op) in &old_ops {
            let context = format!("{} {}", key.1, old_op.path);
            match new_ops.get(key) {
                None => {
                    let parent = new_ops
                        .values()
                        .find(|n| n.path == old_op.path)
                        .map(|n| n.item_pointer.clone())
                        .unwrap_or_else(|| "/paths".into());
                    self.report(
                        rules::OPERATION_REMOVED,
                        &context,
                        &old_op.pointer,
                        &parent,
                        format!("{context} was removed."),
                    );
                }
                Some(new_op) => {
                    let context = if new_op.path == old_op.path {
                        context
                    } else {
                        format!("{} {}", key.1, new_op.path)
                    };
                    self.operation(&context, old_op, new_op);
                }
            }
        }
        for (key, new_op) in &new_ops {
            if !old_ops.contains_key(key) {
                let context = format!("{} {}", key.1, new_op.path);
                let parent = old_ops
                    .values()
                    .find(|o| o.path == new_op.path)
                    .map(|o| o.item_pointer.clone())
                    .unwrap_or_else(|| "/paths".into());
                self.report(
                    rules::OPERATION_ADDED,
                    &context,
                    &parent,
                    &new_op.pointer,
                    format!("{context} is new."),
                );
            }
        }
    }

    fn operation(&mut self, context: &str, old_op: &OperationAt<'a>, new_op: &OperationAt<'a>) {
        self.parameters(context, old_op, new_op);
        self.request_body(context, old_op, new_op);
        self.responses(context, old_op, new_op);
    }

    fn parameters(&mut self, context: &str, old_op: &OperationAt<'a>, new_op: &OperationAt<'a>) {
        let old_params = parameters(self.old, old_op);
        let new_params = parameters(self.new, new_op);
        for (key, old) in &old_params {
            let Some(new) = new_params.get(key) else {
                let (rule, why) = if old.is_query() {
                    (
                        rules::REQUEST_PARAMETER_REMOVED,
                        "servers of the new contract refuse it",
                    )
                } else {
                    (rules::REQUEST_HEADER_REMOVED, "servers ignore it")
                };
                self.report(
                    rule,
                    context,
                    &old.at,
                    &new_op.pointer,
                    format!("{context}: {} was removed; {why}.", old.label()),
                );
                continue;
            };
            let label = format!("{context} {}", new.label());
            match (old.required, new.required) {
                (false, true) => self.report(
                    rules::REQUEST_PARAMETER_BECAME_REQUIRED,
                    context,
                    &old.at,
                    &new.at,
                    format!("{label} became required."),
                ),
                (true, false) => self.report(
                    rules::REQUEST_PARAMETER_BECAME_OPTIONAL,
                    context,
                    &old.at,
                    &new.at,
                    format!("{label} became optional."),
                ),
                _ => {}
            }
            if let (Some(o), Some(n)) = (&old.schema, &new.schema) {
                let place = Place {
                    context: &label,
                    path: String::new(),
                };
                self.schema(Direction::Request, &place, o.clone(), n.clone());
            }
        }
        for (key, new) in &new_params {
            if old_params.contains_key(key) {
                continue;
            }
            let (rule, why) = if new.required {
                (
                    rules::REQUEST_PARAMETER_REQUIRED_ADDED,
                    "is new and required",
                )
            } else if new.is_query() {
                (
                    rules::REQUEST_PARAMETER_OPTIONAL_ADDED,
                    "is new; servers of the old contract refuse unknown query parameters",
                )
            } else {
                (rules::REQUEST_HEADER_OPTIONAL_ADDED, "is new and optional")
            };
            self.report(
                rule,
                context,
                &old_op.pointer,
                &new.at,
                format!("{context}: {} {why}.", new.label()),
            );
        }
    }

    fn request_body(&mut self, context: &str, old_op: &OperationAt<'a>, new_op: &OperationAt<'a>) {
        let body = |doc: &'a Value, op: &OperationAt<'a>| {
            op.operation
                .get("requestBody")
                .map(|b| deref(doc, b, &pointer::push(&op.pointer, "requestBody")))
        };
        let required = |b: &Node<'_>| b.0.get("required") == Some(&Value::Bool(true));
        let label = format!("{context} request body");
        match (body(self.old, old_op), body(self.new, new_op)) {
            (None, None) => {}
            (None, Some(new)) => {
                let rule = if required(&new) {
                    rules::REQUEST_BODY_ADDED_REQUIRED
                } else {
                    rules::REQUEST_BODY_ADDED
                };
                let how = if required(&new) {
                    "required"
                } else {
                    "optional"
                };
                self.report(
                    rule,
                    context,
                    &old_op.pointer,
                    &new.1,
                    format!("{label} is new and {how}."),
                );
            }
            (Some(old), None) => self.report(
                rules::REQUEST_BODY_REMOVED,
                context,
                &old.1,
                &new_op.pointer,
                format!("{label} was removed."),
            ),
            (Some(old), Some(new)) => {
                match (required(&old), required(&new)) {
                    (false, true) => self.report(
                        rules::REQUEST_BODY_BECAME_REQUIRED,
                        context,
                        &old.1,
                        &new.1,
                        format!("{label} became required."),
                    ),
                    (true, false) => self.report(
                        rules::REQUEST_BODY_BECAME_OPTIONAL,
                        context,
                        &old.1,
                        &new.1,
                        format!("{label} became optional."),
                    ),
                    _ => {}
                }
                let schemas = (
                    json_media(old.0.get("content"), &old.1),
                    json_media(new.0.get("content"), &new.1),
                );
                if let (Some(o), Some(n)) = schemas {
                    let place = Place {
                        context: &label,
                        path: String::new(),
                    };
                    self.schema(Direction::Request, &place, o, n);
                }
            }
        }
    }

    fn responses(&mut self, context: &str, old_op: &OperationAt<'a>, new_op: &OperationAt<'a>) {
        let responses = |op: &OperationAt<'a>| -> BTreeMap<&'a str, &'a Value> {
            op.operation
                .get("responses")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .filter(|(k, _)| !k.starts_with("x-"))
                        .map(|(k, v)| (k.as_str(), v))
                        .collect()
                })
                .unwrap_or_default()
        };
        let old_responses = responses(old_op);
        let new_responses = responses(new_op);
        let responses_at = |op: &OperationAt<'_>| pointer::push(&op.pointer, "responses");
        let (old_at, new_at) = (responses_at(old_op), responses_at(new_op));
        for (status, old) in &old_responses {
            let old_ptr = pointer::push(&old_at, status);
            let Some(new) = new_responses.get(status) else {
                let rule = if is_success(status) {
                    rules::RESPONSE_STATUS_REMOVED
                } else {
                    rules::RESPONSE_ERROR_STATUS_REMOVED
                };
                self.report(
                    rule,
                    context,
                    &old_ptr,
                    &new_at,
                    format!("{context}: response {status} is no longer documented."),
                );
                continue;
            };
            let new_ptr = pointer::push(&new_at, status);
            let (old, old_ptr) = deref(self.old, old, &old_ptr);
            let (new, new_ptr) = deref(self.new, new, &new_ptr);
            let label = format!("{context} response {status}");
            match (
                json_media(old.get("content"), &old_ptr),
                json_media(new.get("content"), &new_ptr),
            ) {
                (Some(o), Some(n)) => {
                    let place = Place {
                        context: &label,
                        path: String::new(),
                    };
                    self.schema(Direction::Response, &place, o, n);
                }
                (Some(o), None) => self.report(
                    rules::RESPONSE_BODY_REMOVED,
                    context,
                    &o.1,
                    &new_ptr,
                    format!("{label} no longer has a JSON body."),
                ),
                (None, Some(n)) => self.report(
                    rules::RESPONSE_BODY_ADDED,
                    context,
                    &old_ptr,
                    &n.1,
                    format!("{label} now has a JSON body."),
                ),
                (None, None) => {}
            }
        }
        for status in new_responses.keys() {
            if old_responses.contains_key(status) {
                continue;
            }
            let rule = if is_success(status) {
                rules::RESPONSE_STATUS_ADDED
            } else {
                rules::RESPONSE_ERROR_STATUS_ADDED
            };
            self.report(
                rule,
                context,
                &old_at,
                &pointer::push(&new_at, status),
                format!("{context}: response {status} is new."),
            );
        }
    }

    /// Compares two schemas used in the same place.
    fn schema(&mut self, direction: Direction, place: &Place<'_>, old: Node<'a>, new: Node<'a>) {
        let referenced = old.0.get("$ref").is_some() || new.0.get("$ref").is_some();
        let (old_value, old_at) = deref(self.old, old.0, &old.1);
        let (new_value, new_at) = deref(self.new, new.0, &new.1);
        if referenced
            && !self
                .seen
                .insert((old_at.clone(), new_at.clone(), direction))
        {
            return;
        }
        self.pairs
            .entry(old_at.clone())
            .or_insert_with(|| new_at.clone());
        let o = Flat::of(self.old, old_value, &old_at);
        let n = Flat::of(self.new, new_value, &new_at);
        if !self.types(direction, place, &o, &n) {
            return;
        }
        self.nullable(direction, place, &o, &n);
        self.format(direction, place, &o, &n);
        self.enumeration(direction, place, &o, &n);
        self.bounds(direction, place, &o, &n);
        self.properties(direction, place, &o, &n);
        if let (Some(oi), Some(ni)) = (o.items.clone(), n.items.clone()) {
            self.schema(direction, &place.child("[]"), oi, ni);
        }
        if let (Additional::Schema(ov), Additional::Schema(nv)) =
            (o.additional.clone(), n.additional.clone())
        {
            self.schema(direction, &place.child("{*}"), ov, nv);
        }
        self.union(direction, place, &o, &n);
    }

    /// Reports a type change; false when the rest is not worth comparing.
    fn types(
        &mut self,
        direction: Direction,
        place: &Place<'_>,
        o: &Flat<'a>,
        n: &Flat<'a>,
    ) -> bool {
        let (Some(old_type), Some(new_type)) = (o.ty, n.ty) else {
            return match (o.ty, n.ty, direction) {
                (None, Some(t), Direction::Request) => {
                    let message =
                        format!("{} accepted any value and now only {t}.", place.describe());
                    self.report(
                        rules::REQUEST_TYPE_CHANGED,
                        place.context,
                        &o.at,
                        &n.at,
                        message,
                    );
                    false
                }
                (Some(t), None, Direction::Request) => {
                    let message =
                        format!("{} was {t} and now accepts any value.", place.describe());
                    self.report(
                        rules::REQUEST_TYPE_WIDENED,
                        place.context,
                        &o.at,
                        &n.at,
                        message,
                    );
                    true
                }
                (Some(t), None, Direction::Response) => {
                    let message = format!("{} was {t} and may now be any value.", place.describe());
                    self.report(
                        rules::RESPONSE_TYPE_CHANGED,
                        place.context,
                        &o.at,
                        &n.at,
                        message,
                    );
                    false
                }
                _ => true,
            };
        };
        if old_type == new_type {
            return true;
        }
        // A number accepts every integer.
        let widened = old_type == "integer" && new_type == "number";
        let narrowed = old_type == "number" && new_type == "integer";
        let what = format!(
            "{} changed type from {old_type} to {new_type}.",
            place.describe()
        );
        match direction {
            Direction::Request if widened => {
                self.report(
                    rules::REQUEST_TYPE_WIDENED,
                    place.context,
                    &o.at,
                    &n.at,
                    what,
                );
                true
            }
            Direction::Request => {
                self.report(
                    rules::REQUEST_TYPE_CHANGED,
                    place.context,
                    &o.at,
                    &n.at,
                    what,
                );
                false
            }
            // Every integer an old client reads is still a number it can read.
            Direction::Response if narrowed => true,
            Direction::Response => {
                self.report(
                    rules::RESPONSE_TYPE_CHANGED,
                    place.context,
                    &o.at,
                    &n.at,
                    what,
                );
                false
            }
        }
    }

    fn nullable(&mut self, direction: Direction, place: &Place<'_>, o: &Flat<'a>, n: &Flat<'a>) {
        let rule = match (o.nullable, n.nullable, direction) {
            (false, true, Direction::Request) => rules::REQUEST_BECAME_NULLABLE,
            (false, true, Direction::Response) => rules::RESPONSE_BECAME_NULLABLE,
            (true, false, Direction::Request) => rules::REQUEST_BECAME_NON_NULLABLE,
            (true, false, Direction::Response) => rules::RESPONSE_BECAME_NON_NULLABLE,
            _ => return,
        };
        let how = if n.nullable {
            "may now be"
        } else {
            "may no longer be"
        };
        let message = format!("{} {how} null.", place.describe());
        self.report(rule, place.context, &o.at, &n.at, message);
    }

    fn format(&mut self, direction: Direction, place: &Place<'_>, o: &Flat<'a>, n: &Flat<'a>) {
        if o.format == n.format {
            return;
        }
        let rule = match direction {
            Direction::Request => rules::REQUEST_FORMAT_CHANGED,
            Direction::Response => rules::RESPONSE_FORMAT_CHANGED,
        };
        let show = |f: Option<&str>| f.map_or("none".to_string(), |f| format!("`{f}`"));
        let message = format!(
            "{} changed format from {} to {}.",
            place.describe(),
            show(o.format),
            show(n.format)
        );
        let at = |f: &Flat<'_>| {
            if f.format.is_some() {
                pointer::push(&f.at, "format")
            } else {
                f.at.clone()
            }
        };
        self.report(rule, place.context, &at(o), &at(n), message);
    }

    fn enumeration(&mut self, direction: Direction, place: &Place<'_>, o: &Flat<'a>, n: &Flat<'a>) {
        let at = |f: &Flat<'_>| {
            if f.enumeration.is_some() {
                pointer::push(&f.enum_at, "enum")
            } else {
                f.at.clone()
            }
        };
        let (old_at, new_at) = (at(o), at(n));
        match (&o.enumeration, &n.enumeration) {
            (None, None) => {}
            (None, Some(values)) => {
                let rule = match direction {
                    Direction::Request => rules::REQUEST_ENUM_ADDED,
                    Direction::Response => rules::RESPONSE_ENUM_ADDED,
                };
                let values: Vec<String> = values.iter().cloned().collect();
                let message = format!(
                    "{} is now restricted to {}.",
                    place.describe(),
                    list(&values)
                );
                self.report(rule, place.context, &old_at, &new_at, message);
            }
            (Some(_), None) => {
                let rule = match direction {
                    Direction::Request => rules::REQUEST_ENUM_REMOVED,
                    Direction::Response => rules::RESPONSE_ENUM_REMOVED,
                };
                let message = format!(
                    "{} is no longer restricted to a list of values.",
                    place.describe()
                );
                self.report(rule, place.context, &old_at, &new_at, message);
            }
            (Some(old_values), Some(new_values)) => {
                let added: Vec<String> = new_values.difference(old_values).cloned().collect();
                let removed: Vec<String> = old_values.difference(new_values).cloned().collect();
                if !added.is_empty() {
                    let rule = match direction {
                        Direction::Request => rules::REQUEST_ENUM_VALUE_ADDED,
                        Direction::Response => rules::RESPONSE_ENUM_VALUE_ADDED,
                    };
                    let message =
                        format!("{} gained enum values {}.", place.describe(), list(&added));
                    self.report(rule, place.context, &old_at, &new_at, message);
                }
                if !removed.is_empty() {
                    let rule = match direction {
                        Direction::Request => rules::REQUEST_ENUM_VALUE_REMOVED,
                        Direction::Response => rules::RESPONSE_ENUM_VALUE_REMOVED,
                    };
                    let message =
                        format!("{} lost enum values {}.", place.describe(), list(&removed));
                    self.report(rule, place.context, &old_at, &new_at, message);
                }
            }
        }
    }

    fn bounds(&mut self, direction: Direction, place: &Place<'_>, o: &Flat<'a>, n: &Flat<'a>) {
        let keywords: BTreeSet<&str> = o.bounds.keys().chain(n.bounds.keys()).copied().collect();
        for keyword in keywords {
            let (old_value, new_value) = (o.bounds.get(keyword), n.bounds.get(keyword));
            let Some(tightened) = bound_tightened(keyword, old_value.copied(), new_value.copied())
            else {
                continue;
            };
            let rule = match (direction, tightened) {
                (Direction::Request, true) => rules::REQUEST_BOUND_TIGHTENED,
                (Direction::Request, false) => rules::REQUEST_BOUND_RELAXED,
                (Direction::Response, true) => rules::RESPONSE_BOUND_TIGHTENED,
                (Direction::Response, false) => rules::RESPONSE_BOUND_RELAXED,
            };
            let show = |v: Option<&&Value>| v.map_or("none".to_string(), |v| v.to_string());
            let message = format!(
                "{}: `{keyword}` went from {} to {}.",
                place.describe(),
                show(old_value),
                show(new_value)
            );
            let at = |f: &Flat<'_>, v: Option<&&Value>| match v {
                Some(_) => pointer::push(&f.at, keyword),
                None => f.at.clone(),
            };
            self.report(
                rule,
                place.context,
                &at(o, old_value),
                &at(n, new_value),
                message,
            );
        }
    }

    fn properties(&mut self, direction: Direction, place: &Place<'_>, o: &Flat<'a>, n: &Flat<'a>) {
        let (old_closed, new_closed) = (o.additional.is_closed(), n.additional.is_closed());
        if o.is_object() && n.is_object() && old_closed != new_closed {
            let rule = match (direction, new_closed) {
                (Direction::Request, true) => rules::REQUEST_SCHEMA_CLOSED,
                (Direction::Request, false) => rules::REQUEST_SCHEMA_OPENED,
                (Direction::Response, true) => rules::RESPONSE_SCHEMA_CLOSED,
                (Direction::Response, false) => rules::RESPONSE_SCHEMA_OPENED,
            };
            let how = if new_closed {
                "now refuses"
            } else {
                "now allows"
            };
            let message = format!("{} {how} properties it does not list.", place.describe());
            self.report(rule, place.context, &o.at, &n.at, message);
        }
        for (name, old_property) in &o.properties {
            let child = place.child(&format!(".{name}"));
            let Some(new_property) = n.properties.get(name) else {
                let old_required = o.required.contains(name);
                let rule = match direction {
                    Direction::Request if new_closed => rules::REQUEST_PROPERTY_REMOVED_CLOSED,
                    Direction::Request => rules::REQUEST_PROPERTY_REMOVED_OPEN,
                    Direction::Response if old_required => {
                        rules::RESPONSE_REQUIRED_PROPERTY_REMOVED
                    }
                    Direction::Response => rules::RESPONSE_OPTIONAL_PROPERTY_REMOVED,
                };
                let kind = if old_required { "required" } else { "optional" };
                let message = format!(
                    "{}: {kind} property `{name}` was removed.",
                    place.describe()
                );
                self.report(
                    rule,
                    place.context,
                    &old_property.1,
                    &n.properties_at,
                    message,
                );
                continue;
            };
            let (was, is) = (o.required.contains(name), n.required.contains(name));
            if was != is {
                let rule = match (direction, is) {
                    (Direction::Request, true) => rules::REQUEST_PROPERTY_BECAME_REQUIRED,
                    (Direction::Request, false) => rules::REQUEST_PROPERTY_BECAME_OPTIONAL,
                    (Direction::Response, true) => rules::RESPONSE_PROPERTY_BECAME_REQUIRED,
                    (Direction::Response, false) => rules::RESPONSE_PROPERTY_BECAME_OPTIONAL,
                };
                let how = if is { "required" } else { "optional" };
                let message = format!("{} became {how}.", child.describe());
                self.report(
                    rule,
                    place.context,
                    &old_property.1,
                    &new_property.1,
                    message,
                );
            }
            self.schema(
                direction,
                &child,
                old_property.clone(),
                new_property.clone(),
            );
        }
        for (name, new_property) in &n.properties {
            if o.properties.contains_key(name) {
                continue;
            }
            let required = n.required.contains(name);
            let rule = match direction {
                Direction::Request if required => rules::REQUEST_REQUIRED_PROPERTY_ADDED,
                Direction::Request if old_closed => rules::REQUEST_OPTIONAL_PROPERTY_ADDED_CLOSED,
                Direction::Request => rules::REQUEST_OPTIONAL_PROPERTY_ADDED,
                Direction::Response if old_closed => rules::RESPONSE_PROPERTY_ADDED_CLOSED,
                Direction::Response => rules::RESPONSE_PROPERTY_ADDED,
            };
            let kind = if required { "required" } else { "optional" };
            let message = format!("{}: {kind} property `{name}` is new.", place.describe());
            self.report(
                rule,
                place.context,
                &o.properties_at,
                &new_property.1,
                message,
            );
        }
    }

    fn union(&mut self, direction: Direction, place: &Place<'_>, o: &Flat<'a>, n: &Flat<'a>) {
        let (old_branches, new_branches) = match (&o.union, &n.union) {
            (None, None) => return,
            (Some(b), None) => (b.clone(), Vec::new()),
            (None, Some(b)) => (Vec::new(), b.clone()),
            (Some(a), Some(b)) => (a.clone(), b.clone()),
        };
        let matched = match_branches(self.old, self.new, &old_branches, &new_branches);
        let mut new_used = vec![false; new_branches.len()];
        for (i, old_branch) in old_branches.iter().enumerate() {
            match matched.get(&i) {
                Some(&j) => {
                    new_used[j] = true;
                    let child =
                        place.child(&format!("|{}", branch_label(self.new, &new_branches[j], j)));
                    self.schema(
                        direction,
                        &child,
                        old_branch.clone(),
                        new_branches[j].clone(),
                    );
                }
                None if !new_branches.is_empty() => {
                    let rule = match direction {
                        Direction::Request => rules::REQUEST_UNION_VARIANT_REMOVED,
                        Direction::Response => rules::RESPONSE_UNION_VARIANT_REMOVED,
                    };
                    let label = branch_label(self.old, old_branch, i);
                    let message = format!("{}: alternative {label} was removed.", place.describe());
                    self.report(rule, place.context, &old_branch.1, &n.at, message);
                }
                None => {}
            }
        }
        if old_branches.is_empty() {
            return;
        }
        for (j, new_branch) in new_branches.iter().enumerate() {
            if new_used[j] {
                continue;
            }
            let rule = match direction {
                Direction::Request => rules::REQUEST_UNION_VARIANT_ADDED,
                Direction::Response => rules::RESPONSE_UNION_VARIANT_ADDED,
            };
            let label = branch_label(self.new, new_branch, j);
            let message = format!("{}: alternative {label} is new.", place.describe());
            self.report(rule, place.context, &o.at, &new_branch.1, message);
        }
    }
}

/// Whether a bound got tighter (`Some(true)`), looser (`Some(false)`), or did not change.
fn bound_tightened(keyword: &str, old: Option<&Value>, new: Option<&Value>) -> Option<bool> {
    match (old, new) {
        (None, None) => None,
        (Some(a), Some(b)) if a == b => None,
        (None, Some(Value::Bool(false))) | (Some(Value::Bool(false)), None) => None,
        (None, Some(_)) => Some(true),
        (Some(_), None) => Some(false),
        (Some(a), Some(b)) => match (a.as_f64(), b.as_f64()) {
            (Some(a), Some(b)) if keyword.starts_with("min") => Some(b > a),
            (Some(a), Some(b)) if keyword.starts_with("max") => Some(b < a),
            // `exclusiveMinimum: true`, a new `pattern` or `multipleOf`: tighter for what
            // may be sent, looser for what may be read — count it as the worse of both.
            _ => Some(b != &Value::Bool(false)),
        },
    }
}

/// How a union alternative is named in a sentence: its component, its tag, or its index.
fn branch_label(doc: &Value, branch: &Node<'_>, index: usize) -> String {
    if let Some(reference) = branch.0.get("$ref").and_then(Value::as_str) {
        return format!("`{}`", reference.rsplit('/').next().unwrap_or(reference));
    }
    match tag_of(doc, branch) {
        Some((property, value)) => format!("`{property}: {value}`"),
        None => format!("#{index}"),
    }
}

/// The property whose single enum value tells this alternative apart (`type: [SRV]`).
fn tag_of(doc: &Value, branch: &Node<'_>) -> Option<(String, String)> {
    let (schema, _) = deref(doc, branch.0, &branch.1);
    let properties = schema.get("properties")?.as_object()?;
    for (name, property) in properties {
        let (property, _) = deref(doc, property, "");
        if let Some([value]) = property
            .get("enum")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
        {
            return Some((name.clone(), value.to_string()));
        }
    }
    None
}

/// A schema's text without documentation, for telling alternatives apart by structure.
fn fingerprint(doc: &Value, node: &Node<'_>) -> String {
    fn strip(value: &Value) -> Value {
        match value {
            Value::Object(map) => Value::Object(
                map.iter()
                    .filter(|(k, _)| {
                        !matches!(k.as_str(), "description" | "title" | "example" | "examples")
                    })
                    .map(|(k, v)| (k.clone(), strip(v)))
                    .collect::<Map<String, Value>>(),
            ),
            Value::Array(items) => Value::Array(items.iter().map(strip).collect()),
            other => other.clone(),
        }
    }
    strip(deref(doc, node.0, &node.1).0).to_string()
}

/// Pairs old alternatives with new ones: by component name, then by structure, then by tag,
/// then by position among what is left when as many are left on both sides.
fn match_branches(
    old_doc: &Value,
    new_doc: &Value,
    old: &[Node<'_>],
    new: &[Node<'_>],
) -> HashMap<usize, usize> {
    let mut matched = HashMap::new();
    let mut taken = vec![false; new.len()];
    type Key = fn(&Value, &Node<'_>) -> Option<String>;
    let keys: [Key; 3] = [
        |_, n| {
            n.0.get("$ref")
                .and_then(Value::as_str)
                .map(|r| r.rsplit('/').next().unwrap_or(r).to_string())
        },
        |doc, n| Some(fingerprint(doc, n)),
        |doc, n| tag_of(doc, n).map(|(p, v)| format!("{p}={v}")),
    ];
    for key in keys {
        for (i, o) in old.iter().enumerate() {
            if matched.contains_key(&i) {
                continue;
            }
            let Some(k) = key(old_doc, o) else { continue };
            if let Some(j) =
                (0..new.len()).find(|&j| !taken[j] && key(new_doc, &new[j]).as_ref() == Some(&k))
            {
                taken[j] = true;
                matched.insert(i, j);
            }
        }
    }
    // What is left is paired by position only when it has neither a name nor a tag to
    // tell it apart: `Docker` and `Cnb` are two different alternatives, not one changed.
    let anonymous =
        |doc: &Value, n: &Node<'_>| n.0.get("$ref").is_none() && tag_of(doc, n).is_none();
    let old_left: Vec<usize> = (0..old.len())
        .filter(|i| !matched.contains_key(i) && anonymous(old_doc, &old[*i]))
        .collect();
    let new_left: Vec<usize> = (0..new.len())
        .filter(|j| !taken[*j] && anonymous(new_doc, &new[*j]))
        .collect();
    if old_left.len() == new_left.len() {
        for (i, j) in old_left.into_iter().zip(new_left) {
            matched.insert(i, j);
        }
    }
    matched
}

#[derive(Clone)]
enum Additional<'a> {
    /// Not said: unknown keys allowed.
    Open,
    /// `additionalProperties: false`.
    Closed,
    /// A schema for the other values (a map).
    Schema(Node<'a>),
}

impl Additional<'_> {
    fn is_closed(&self) -> bool {
        matches!(self, Additional::Closed)
    }
}

/// A schema with `allOf` merged and single-branch wrappers unwrapped: what a value must be.
struct Flat<'a> {
    at: String,
    ty: Option<&'a str>,
    nullable: bool,
    format: Option<&'a str>,
    enumeration: Option<BTreeSet<String>>,
    enum_at: String,
    bounds: BTreeMap<&'static str, &'a Value>,
    properties: BTreeMap<String, Node<'a>>,
    properties_at: String,
    required: BTreeSet<String>,
    additional: Additional<'a>,
    items: Option<Node<'a>>,
    union: Option<Vec<Node<'a>>>,
}

const BOUNDS: [&str; 13] = [
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
    "multipleOf",
];

impl<'a> Flat<'a> {
    fn of(doc: &'a Value, schema: &'a Value, at: &str) -> Flat<'a> {
        let mut flat = Flat {
            at: at.to_string(),
            ty: None,
            nullable: false,
            format: None,
            enumeration: None,
            enum_at: at.to_string(),
            bounds: BTreeMap::new(),
            properties: BTreeMap::new(),
            properties_at: pointer::push(at, "properties"),
            required: BTreeSet::new(),
            additional: Additional::Open,
            items: None,
            union: None,
        };
        flat.nullable = schema.get("nullable") == Some(&Value::Bool(true));
        flat.gather(doc, schema, at, 0);
        if flat.properties.is_empty() && schema.get("properties").is_none() {
            flat.properties_at = at.to_string();
        }
        flat
    }

    fn is_object(&self) -> bool {
        self.ty == Some("object") || !self.properties.is_empty()
    }

    fn gather(&mut self, doc: &'a Value, schema: &'a Value, at: &str, depth: usize) {
        if depth > 16 {
            return;
        }
        let Some(map) = schema.as_object() else {
            return;
        };
        if self.ty.is_none() {
            self.ty = map.get("type").and_then(Value::as_str);
        }
        if self.format.is_none() {
            self.format = map.get("format").and_then(Value::as_str);
        }
        if self.enumeration.is_none() {
            if let Some(values) = map.get("enum").and_then(Value::as_array) {
                // `null` in an enum is how nullability is spelled there, not a value.
                self.enumeration = Some(
                    values
                        .iter()
                        .filter(|v| !v.is_null())
                        .map(Value::to_string)
                        .collect(),
                );
                self.enum_at = at.to_string();
            }
        }
        for keyword in BOUNDS {
            if let Some(value) = map.get(keyword) {
                self.bounds.entry(keyword).or_insert(value);
            }
        }
        if let Some(properties) = map.get("properties").and_then(Value::as_object) {
            let properties_at = pointer::push(at, "properties");
            if self.properties.is_empty() {
                self.properties_at = properties_at.clone();
            }
            for (name, property) in properties {
                self.properties
                    .entry(name.clone())
                    .or_insert_with(|| (property, pointer::push(&properties_at, name)));
            }
        }
        for name in map
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            self.required.insert(name.to_string());
        }
        match map.get("additionalProperties") {
            Some(Value::Bool(false)) => self.additional = Additional::Closed,
            Some(value @ Value::Object(_)) if !matches!(self.additional, Additional::Schema(_)) => {
                self.additional =
                    Additional::Schema((value, pointer::push(at, "additionalProperties")));
            }
            _ => {}
        }
        if let Some(items) = map.get("items") {
            self.items
                .get_or_insert_with(|| (items, pointer::push(at, "items")));
        }
        if let Some(branches) = map.get("allOf").and_then(Value::as_array) {
            for (i, branch) in branches.iter().enumerate() {
                let (branch, branch_at) = deref(doc, branch, &format!("{at}/allOf/{i}"));
                self.gather(doc, branch, &branch_at, depth + 1);
            }
        }
        for combinator in ["oneOf", "anyOf"] {
            let Some(branches) = map.get(combinator).and_then(Value::as_array) else {
                continue;
            };
            // `oneOf: [X]` (often beside `nullable: true`) is X itself.
            if let [only] = branches.as_slice() {
                let (branch, branch_at) = deref(doc, only, &format!("{at}/{combinator}/0"));
                self.gather(doc, branch, &branch_at, depth + 1);
                continue;
            }
            // `anyOf: [X, {nullable/enum: [null]}]` and friends: nullability, not a union.
            let (nulls, others): (Vec<_>, Vec<_>) = branches
                .iter()
                .enumerate()
                .partition(|(_, b)| is_null_schema(b));
            if !nulls.is_empty() {
                self.nullable = true;
            }
            if let [(i, only)] = others.as_slice() {
                let (branch, branch_at) = deref(doc, only, &format!("{at}/{combinator}/{i}"));
                self.gather(doc, branch, &branch_at, depth + 1);
                continue;
            }
            if self.union.is_none() {
                self.union = Some(
                    others
                        .into_iter()
                        .map(|(i, b)| (b, format!("{at}/{combinator}/{i}")))
                        .collect(),
                );
            }
        }
    }
}

/// `{enum: [null]}` or `{type: "null"}`: a branch that only allows `null`.
fn is_null_schema(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("null")
        || schema
            .get("enum")
            .and_then(Value::as_array)
            .is_some_and(|values| values.iter().all(Value::is_null) && !values.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_shapes_ignore_parameter_names() {
        assert_eq!(
            path_shape("/v3/apps/{guid}/x"),
            path_shape("/v3/apps/{id}/x")
        );
        assert_ne!(path_shape("/v3/apps/{guid}"), path_shape("/v3/apps"));
    }

    #[test]
    fn bounds_tighten_and_relax() {
        let v = |n: i64| Value::from(n);
        assert_eq!(
            bound_tightened("maxLength", Some(&v(10)), Some(&v(5))),
            Some(true)
        );
        assert_eq!(
            bound_tightened("minimum", Some(&v(1)), Some(&v(0))),
            Some(false)
        );
        assert_eq!(bound_tightened("maximum", None, Some(&v(3))), Some(true));
        assert_eq!(bound_tightened("maximum", Some(&v(3)), None), Some(false));
        assert_eq!(bound_tightened("maximum", Some(&v(3)), Some(&v(3))), None);
    }
}
