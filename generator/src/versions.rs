//! Cloud Controller API versions in the contract: the `x-cf-since` / `x-cf-until`
//! annotations, the contract as of one version (a view of the one annotated spec), and
//! what a violation means at that version.
//!
//! The annotations (see `spec/VERSIONS.md`):
//!
//! * `x-cf-since: "3.197.0"` on any node (operation, parameter, schema, property,
//!   response): the node exists from that version on. `x-cf-until: "3.16.0"`: the node
//!   existed before that version only.
//! * On an enum schema, a map: `x-cf-since: {cnb: "3.168.0"}` dates enum values.
//! * On an object schema, `x-cf-until: {ports: "3.16.0"}` names keys the object had
//!   before that version and the spec no longer models; a value may also be
//!   `{version: "3.0.0", hint: "…"}` with advice for the message.
//!
//! A version names its line: `2.x.y` is the v2 API's version line (the root's
//! `links.cloud_controller_v2.meta.version`), `3.x.y` the v3 line. A node is judged by
//! the version of its line.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value};

use crate::pointer;
use crate::spec::Spec;
use crate::validate::Validator;
use crate::validate::Violation;

/// The extension dating a node's (or an enum value's) introduction.
pub const SINCE: &str = "x-cf-since";
/// The extension dating a node's (or a key's, or an enum value's) removal.
pub const UNTIL: &str = "x-cf-until";
/// The extension on an object schema naming required properties that the pre-GA v3 API
/// (before 3.0.0) answered without, each with a note on when it came: such a payload is
/// invalid at every supported version, and the violation says where it is from.
pub const PRE_GA_LACKED: &str = "x-cf-pre-ga-lacked";

/// A Cloud Controller API version, `major.minor.patch`.
pub type Version = semver::Version;

/// Parses `3.197.0` (a leading `v` is accepted) into a version.
pub fn parse_version(text: &str) -> Result<Version, String> {
    let text = text.trim();
    let text = text.strip_prefix('v').unwrap_or(text);
    semver::Version::parse(text).map_err(|e| format!("`{text}` is not a version like 3.197.0: {e}"))
}

/// One of the Cloud Controller's two API version lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Line {
    /// The v2 API (`2.x.y`).
    V2,
    /// The v3 API (`3.x.y`).
    V3,
}

impl Line {
    /// The line a version belongs to, by its major number.
    pub fn of(version: &Version) -> Option<Line> {
        match version.major {
            2 => Some(Line::V2),
            3 => Some(Line::V3),
            _ => None,
        }
    }
}

/// The pair of versions one Cloud Controller serves.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct At {
    /// Its v3 API version.
    pub v3: Version,
    /// Its v2 API version.
    pub v2: Version,
}

impl At {
    /// The version of one line.
    pub fn get(&self, line: Line) -> &Version {
        match line {
            Line::V2 => &self.v2,
            Line::V3 => &self.v3,
        }
    }

    /// Whether a node dated `version` (on that version's line) existed yet.
    pub fn has_reached(&self, version: &Version) -> bool {
        Line::of(version).is_none_or(|line| self.get(line) >= version)
    }
}

impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (v2 {})", self.v3, self.v2)
    }
}

/// Which v2 version each v3 version shipped with (`spec/version-lines.tsv`), to complete
/// a version given for one line.
#[derive(Debug, Clone, Default)]
pub struct Lines {
    rows: Vec<(Version, Version)>,
}

impl Lines {
    /// Parses lines of `v3<TAB>v2[<TAB>…]`; `#` starts a comment line.
    pub fn parse(text: &str) -> Result<Lines, String> {
        let mut rows = Vec::new();
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let mut cells = line.split('\t');
            let (Some(v3), Some(v2)) = (cells.next(), cells.next()) else {
                return Err(format!("line {}: expected `v3<TAB>v2`", n + 1));
            };
            let v3 = parse_version(v3).map_err(|e| format!("line {}: {e}", n + 1))?;
            let v2 = parse_version(v2).map_err(|e| format!("line {}: {e}", n + 1))?;
            rows.push((v3, v2));
        }
        rows.sort();
        Ok(Lines { rows })
    }

    /// Completes a version of either line into the pair a Cloud Controller served. A v3
    /// version takes the v2 version it shipped with (the newest one known at or below
    /// it); a v2 version takes the oldest v3 version that shipped with it or later, or
    /// the oldest v3 version known when it predates them all (3.0.0: there is no older
    /// v3 contract).
    pub fn complete(&self, given: &Version) -> Option<At> {
        match Line::of(given)? {
            Line::V3 => {
                let v2 = self
                    .rows
                    .iter()
                    .rev()
                    .find(|(v3, _)| v3 <= given)
                    .or(self.rows.first())
                    .map(|(_, v2)| v2.clone())?;
                Some(At {
                    v3: given.clone(),
                    v2,
                })
            }
            Line::V2 => {
                let v3 = self
                    .rows
                    .iter()
                    .find(|(_, v2)| v2 >= given)
                    .or(self.rows.last())
                    .map(|(v3, _)| v3.clone())?;
                Some(At {
                    v3,
                    v2: given.clone(),
                })
            }
        }
    }
}

/// What an annotation dates.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Subject {
    /// The node carrying it.
    Node,
    /// One value of the node's `enum`.
    EnumValue(String),
    /// A key the object schema had, which the spec does not model.
    RemovedKey(String),
    /// A documented response status of an operation (dated on its `responses` map):
    /// `x-cf-since: {"503": "3.9.0"}` for a status answered from that version on,
    /// `x-cf-until: {"204": "3.20.0"}` for one answered before it only (and not
    /// documented today).
    Status(String),
    /// A required property the pre-GA v3 API answered without (`x-cf-pre-ga-lacked`):
    /// dated `since 3.0.0`, the first version that always has it.
    LackedBeforeGa(String),
}

/// Whether `at` is the `responses` map of an operation (`/paths/{path}/{method}/responses`).
pub fn is_operation_responses(at: &str) -> bool {
    let tokens = pointer::tokens(at);
    tokens.len() == 4
        && tokens[0] == "paths"
        && crate::spec::METHODS.contains(&tokens[2].as_str())
        && tokens[3] == "responses"
}

/// One dated fact of the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    /// The fact's pointer: the node's for [`Subject::Node`], else the map entry's
    /// (`/components/schemas/LifecycleType/x-cf-since/cnb`).
    pub pointer: String,
    /// The annotated node's pointer.
    pub node: String,
    /// What is dated.
    pub subject: Subject,
    /// The version that introduced it.
    pub since: Option<Version>,
    /// The version that removed it.
    pub until: Option<Version>,
    /// Advice for messages about a removed key.
    pub hint: Option<String>,
}

/// Every annotation of a document, in document order, or every malformed one.
pub fn annotations(raw: &Value) -> Result<Vec<Annotation>, Vec<String>> {
    let mut found = Vec::new();
    let mut errors = Vec::new();
    collect(raw, "", &mut found, &mut errors);
    if errors.is_empty() {
        Ok(found)
    } else {
        Err(errors)
    }
}

fn collect(node: &Value, at: &str, found: &mut Vec<Annotation>, errors: &mut Vec<String>) {
    match node {
        Value::Object(map) => {
            read_node(map, at, found, errors);
            for (key, child) in map {
                if key != SINCE && key != UNTIL && key != PRE_GA_LACKED {
                    collect(child, &pointer::push(at, key), found, errors);
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                collect(child, &format!("{at}/{i}"), found, errors);
            }
        }
        _ => {}
    }
}

fn version_at(value: &Value, at: &str, errors: &mut Vec<String>) -> Option<Version> {
    let text = match value {
        Value::String(s) => s.as_str(),
        Value::Object(m) => match m.get("version").and_then(Value::as_str) {
            Some(s) => s,
            None => {
                errors.push(format!(
                    "#{at}: expected a version string or {{version, hint}}"
                ));
                return None;
            }
        },
        _ => {
            errors.push(format!("#{at}: expected a version string"));
            return None;
        }
    };
    match parse_version(text) {
        Ok(v) if Line::of(&v).is_some() => Some(v),
        Ok(v) => {
            errors.push(format!(
                "#{at}: {v} is on neither the v2 (2.x) nor the v3 (3.x) line"
            ));
            None
        }
        Err(e) => {
            errors.push(format!("#{at}: {e}"));
            None
        }
    }
}

fn read_node(
    map: &Map<String, Value>,
    at: &str,
    found: &mut Vec<Annotation>,
    errors: &mut Vec<String>,
) {
    let mut node = Annotation {
        pointer: at.to_string(),
        node: at.to_string(),
        subject: Subject::Node,
        since: None,
        until: None,
        hint: None,
    };
    let enum_values: Vec<String> = map
        .get("enum")
        .and_then(Value::as_array)
        .map(|values| {
            values
                .iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let responses = is_operation_responses(at);
    let mut entries: BTreeMap<String, Annotation> = BTreeMap::new();
    for key in [SINCE, UNTIL] {
        let Some(value) = map.get(key) else { continue };
        let key_at = pointer::push(at, key);
        match value {
            Value::String(_) => {
                let version = version_at(value, &key_at, errors);
                if key == SINCE {
                    node.since = version;
                } else {
                    node.until = version;
                }
            }
            Value::Object(entries_map) => {
                for (name, entry) in entries_map {
                    let entry_at = pointer::push(&key_at, name);
                    let version = version_at(entry, &entry_at, errors);
                    let subject = if responses {
                        // A dated status: documented today from `since` on, or only
                        // before `until` (then not documented today).
                        let documented = map.contains_key(name);
                        if documented == (key == UNTIL) || !is_status(name) {
                            errors.push(format!(
                                "#{entry_at}: `{name}` must be a status {} in this map",
                                if key == SINCE {
                                    "documented"
                                } else {
                                    "not documented"
                                }
                            ));
                            continue;
                        }
                        Subject::Status(name.clone())
                    } else if enum_values.contains(name) {
                        Subject::EnumValue(name.clone())
                    } else if key == UNTIL && map.get("enum").is_none() {
                        Subject::RemovedKey(name.clone())
                    } else {
                        errors.push(format!(
                            "#{entry_at}: `{name}` is not a value of this node's enum"
                        ));
                        continue;
                    };
                    let hint = entry.get("hint").and_then(Value::as_str).map(String::from);
                    let annotation = entries.entry(name.clone()).or_insert(Annotation {
                        pointer: entry_at.clone(),
                        node: at.to_string(),
                        subject,
                        since: None,
                        until: None,
                        hint: None,
                    });
                    if key == SINCE {
                        annotation.since = version;
                    } else {
                        annotation.until = version;
                        annotation.hint = hint;
                    }
                }
            }
            _ => errors.push(format!("#{key_at}: expected a version string or a map")),
        }
    }
    read_pre_ga_lacked(map, at, &mut entries, errors);
    if node.since.is_some() || node.until.is_some() {
        if let (Some(s), Some(u)) = (&node.since, &node.until) {
            if Line::of(s) != Line::of(u) || s >= u {
                errors.push(format!(
                    "#{at}: since {s} must be before until {u} on one line"
                ));
            }
        }
        found.push(node);
    }
    found.extend(entries.into_values());
}

/// The entries of `x-cf-pre-ga-lacked`: each a name in the schema's `required`, with a note.
fn read_pre_ga_lacked(
    map: &Map<String, Value>,
    at: &str,
    entries: &mut BTreeMap<String, Annotation>,
    errors: &mut Vec<String>,
) {
    let Some(value) = map.get(PRE_GA_LACKED) else {
        return;
    };
    let key_at = pointer::push(at, PRE_GA_LACKED);
    let Some(lacked) = value.as_object() else {
        errors.push(format!(
            "#{key_at}: expected a map of property names to notes"
        ));
        return;
    };
    let required: Vec<&str> = map
        .get("required")
        .and_then(Value::as_array)
        .map(|names| names.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for (name, note) in lacked {
        let entry_at = pointer::push(&key_at, name);
        let Some(note) = note.as_str() else {
            errors.push(format!("#{entry_at}: expected a note (a string)"));
            continue;
        };
        if !required.contains(&name.as_str()) {
            errors.push(format!(
                "#{entry_at}: `{name}` is not a required property here"
            ));
            continue;
        }
        entries.insert(
            format!("{PRE_GA_LACKED}/{name}"),
            Annotation {
                pointer: entry_at,
                node: at.to_string(),
                subject: Subject::LackedBeforeGa(name.clone()),
                since: Some(Version::new(3, 0, 0)),
                until: None,
                hint: Some(note.to_string()),
            },
        );
    }
}

/// A status key of a responses map: `200`, `2XX` or `default`.
pub(crate) fn is_status(key: &str) -> bool {
    key == "default"
        || (key.len() == 3
            && key.starts_with(['1', '2', '3', '4', '5'])
            && (key[1..].bytes().all(|b| b.is_ascii_digit()) || &key[1..] == "XX"))
}

/// The node a dated fact is about exists at `at`.
fn exists(since: Option<&Version>, until: Option<&Version>, at: &At) -> bool {
    since.is_none_or(|s| at.has_reached(s)) && until.is_none_or(|u| !at.has_reached(u))
}

fn node_exists(map: &Map<String, Value>, at: &At) -> bool {
    let get = |key: &str| {
        map.get(key)
            .and_then(Value::as_str)
            .and_then(|s| parse_version(s).ok())
    };
    exists(get(SINCE).as_ref(), get(UNTIL).as_ref(), at)
}

/// How a view is made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ViewOptions {
    /// Append "Since CC API X." to the description of every dated node (for generated
    /// doc comments).
    pub describe: bool,
}

/// The contract as of one version: the annotated document without what did not exist
/// yet (nodes, enum values; a `$ref` to a removed node goes too, and a removed property
/// leaves `required`), with the keys removed since present again (any value), and with
/// `info.version` set to the version.
pub fn view(raw: &Value, at: &At, options: ViewOptions) -> Value {
    let mut doc = raw.clone();
    if prune(&mut doc, "", at, options) {
        doc = Value::Object(Map::new());
    }
    // References to removed nodes go with them, until nothing dangles.
    loop {
        let snapshot = doc.clone();
        if !drop_dangling(&mut doc, &snapshot) {
            break;
        }
    }
    if options.describe {
        describe_statuses(&mut doc);
    }
    if let Some(info) = doc.get_mut("info").and_then(Value::as_object_mut) {
        info.insert("version".into(), Value::String(at.v3.to_string()));
    }
    doc
}

/// Prunes below `node` (at pointer `path`); returns whether `node` itself does not
/// exist at `at`.
fn prune(node: &mut Value, path: &str, at: &At, options: ViewOptions) -> bool {
    match node {
        Value::Object(map) => {
            if !node_exists(map, at) {
                return true;
            }
            if is_operation_responses(path) {
                apply_status_maps(map, at);
            } else {
                apply_maps(map, at);
            }
            if options.describe {
                describe(map);
            }
            let keys: Vec<String> = map.keys().cloned().collect();
            let mut removed = Vec::new();
            for key in keys {
                if key == SINCE || key == UNTIL || key.starts_with("x-cf") {
                    continue;
                }
                let child_path = pointer::push(path, &key);
                let gone = map
                    .get_mut(&key)
                    .is_some_and(|child| prune(child, &child_path, at, options));
                if gone {
                    map.remove(&key);
                    removed.push(key);
                }
            }
            if let Some(Value::Object(properties)) = map.get("properties") {
                let properties = properties.clone();
                if let Some(Value::Array(required)) = map.get_mut("required") {
                    required
                        .retain(|name| name.as_str().is_some_and(|n| properties.contains_key(n)));
                }
            }
            if !removed.is_empty() && is_path_item_without_operations(map, &removed) {
                return true;
            }
            false
        }
        Value::Array(items) => {
            let mut i = 0;
            items.retain_mut(|item| {
                let keep = !prune(item, &format!("{path}/{i}"), at, options);
                i += 1;
                keep
            });
            false
        }
        _ => false,
    }
}

/// The dated statuses of an operation's `responses` map: a status not answered yet at
/// `at` leaves the map; one answered then but no longer comes back, without a body.
fn apply_status_maps(map: &mut Map<String, Value>, at: &At) {
    let dated = |key: &str| -> Vec<(String, Option<Version>)> {
        map.get(key)
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(status, v)| {
                        let text = v
                            .as_str()
                            .or_else(|| v.get("version").and_then(Value::as_str));
                        (status.clone(), text.and_then(|t| parse_version(t).ok()))
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let (since, until) = (dated(SINCE), dated(UNTIL));
    for (status, since) in since {
        if since.as_ref().is_some_and(|s| !at.has_reached(s)) {
            map.remove(&status);
        }
    }
    for (status, until) in until {
        if let Some(until) = until.filter(|u| !at.has_reached(u)) {
            map.entry(status).or_insert_with(|| {
                serde_json::json!({
                    "description": format!("Answered by Cloud Controllers before {until}.")
                })
            });
        }
    }
}

/// Notes "Since CC API …" in the description of every status dated `x-cf-since` on its
/// operation's `responses` map (beside the `$ref` of a referenced response).
fn describe_statuses(doc: &mut Value) {
    let snapshot = doc.clone();
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut().filter_map(Value::as_object_mut) {
        for (method, operation) in item.iter_mut() {
            if !crate::spec::METHODS.contains(&method.as_str()) {
                continue;
            }
            let Some(responses) = operation
                .get_mut("responses")
                .and_then(Value::as_object_mut)
            else {
                continue;
            };
            let since: Vec<(String, String)> = responses
                .get(SINCE)
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                        .collect()
                })
                .unwrap_or_default();
            for (status, version) in since {
                let Some(response) = responses.get_mut(&status) else {
                    continue;
                };
                // A referenced response keeps its reference and gains a description
                // beside it (an OpenAPI 3.1 Reference Object's override).
                let referenced = response
                    .get("$ref")
                    .and_then(Value::as_str)
                    .and_then(|r| r.strip_prefix('#'))
                    .and_then(|r| pointer::resolve(&snapshot, r))
                    .and_then(|(_, target)| target.get("description").cloned());
                if let Value::Object(map) = response {
                    let note = since_note(&version);
                    let own = map.get("description").cloned().or(referenced);
                    let description = match own.as_ref().and_then(Value::as_str) {
                        Some(text) if text.contains(&note) => continue,
                        Some(text) => format!("{}\n\n{note}", text.trim_end()),
                        None => note,
                    };
                    map.insert("description".into(), Value::String(description));
                }
            }
        }
    }
}

fn is_path_item_without_operations(map: &Map<String, Value>, removed: &[String]) -> bool {
    let methods = crate::spec::METHODS;
    removed.iter().any(|k| methods.contains(&k.as_str()))
        && !map.keys().any(|k| methods.contains(&k.as_str()))
}

/// Applies the map forms: enum values not there yet (or removed) leave the enum; removed
/// keys come back as properties.
fn apply_maps(map: &mut Map<String, Value>, at: &At) {
    let dated = |key: &str| -> Vec<(String, Option<Version>)> {
        map.get(key)
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(name, v)| {
                        let text = v
                            .as_str()
                            .or_else(|| v.get("version").and_then(Value::as_str));
                        (name.clone(), text.and_then(|t| parse_version(t).ok()))
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let since = dated(SINCE);
    let until = dated(UNTIL);
    if let Some(Value::Array(values)) = map.get_mut("enum") {
        values.retain(|value| {
            let Some(name) = value.as_str() else {
                return true;
            };
            let s = since
                .iter()
                .find(|(n, _)| n == name)
                .and_then(|(_, v)| v.as_ref());
            let u = until
                .iter()
                .find(|(n, _)| n == name)
                .and_then(|(_, v)| v.as_ref());
            exists(s, u, at)
        });
        return;
    }
    for (name, version) in until {
        if version.as_ref().is_some_and(|u| !at.has_reached(u)) {
            let properties = map
                .entry("properties")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(properties) = properties {
                properties.entry(name).or_insert_with(
                    || serde_json::json!({"description": "A key of older Cloud Controllers."}),
                );
            }
        }
    }
}

/// The version an enum value of this schema was introduced in (`x-cf-since: {value: …}`).
pub fn value_since(schema: &Map<String, Value>, value: &str) -> Option<String> {
    schema.get(SINCE)?.get(value)?.as_str().map(String::from)
}

/// "Since CC API 3.197.0." (or "Since CC API v2 2.66.0." on the v2 line), for doc comments.
pub fn since_note(since: &str) -> String {
    let line = if since.starts_with("2.") {
        "CC API v2"
    } else {
        "CC API"
    };
    format!("Since {line} {since}.")
}

fn describe(map: &mut Map<String, Value>) {
    let Some(since) = map.get(SINCE).and_then(Value::as_str) else {
        return;
    };
    let note = since_note(since);
    if map.contains_key("operationId") {
        // Operations are documented by their summary.
        if let Some(summary) = map.get("summary").and_then(Value::as_str) {
            if !summary.contains(&note) {
                let summary = format!("{}. {note}", summary.trim_end().trim_end_matches('.'));
                map.insert("summary".into(), Value::String(summary));
            }
            return;
        }
    }
    let description = match map.get("description").and_then(Value::as_str) {
        Some(text) if text.contains(&note) => return,
        Some(text) => format!("{}\n\n{note}", text.trim_end()),
        None => note,
    };
    map.insert("description".into(), Value::String(description));
}

/// Removes `$ref`s whose target is gone; returns whether anything was removed.
fn drop_dangling(node: &mut Value, doc: &Value) -> bool {
    let mut changed = false;
    match node {
        Value::Object(map) => {
            let keys: Vec<String> = map.keys().cloned().collect();
            let mut removed = Vec::new();
            for key in keys {
                let Some(child) = map.get_mut(&key) else {
                    continue;
                };
                if dangles(child, doc) {
                    map.remove(&key);
                    removed.push(key);
                    changed = true;
                } else {
                    changed |= drop_dangling(child, doc);
                }
            }
            if !removed.is_empty() {
                if let Some(Value::Array(required)) = map.get_mut("required") {
                    required.retain(|n| n.as_str().is_none_or(|n| !removed.iter().any(|r| r == n)));
                }
            }
        }
        Value::Array(items) => {
            let before = items.len();
            items.retain(|item| !dangles(item, doc));
            changed |= items.len() != before;
            for item in items {
                changed |= drop_dangling(item, doc);
            }
        }
        _ => {}
    }
    changed
}

fn dangles(node: &Value, doc: &Value) -> bool {
    node.get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix('#'))
        .is_some_and(|r| doc.pointer(r).is_none())
}

/// Where a removed key or a newer node is described, for messages.
enum History {
    Introduced(Version),
    Removed(Version, Option<String>),
    /// A required property the pre-GA v3 API answered without, with its note.
    LackedBeforeGa(String),
}

/// Explains a violation found at `at` with the annotated document's history: a key or
/// enum value that is unknown at `at` but introduced later says so ("introduced in
/// 3.197.0; this capture is from 3.181.0"), a key removed before `at` says when, with the
/// spec's hint (the pre-GA v3 keys). Other violations are left as they are.
pub fn explain(raw: &Value, at: &At, violation: &mut Violation) {
    let location = violation.spec_location.trim_start_matches('#').to_string();
    let (object, keyword) = location.rsplit_once('/').unwrap_or(("", ""));
    let name = pointer::tokens(&violation.pointer)
        .pop()
        .unwrap_or_default();
    let history = match keyword {
        "additionalProperties" | "unevaluatedProperties" => key_history(raw, object, &name),
        "required" if violation.found == "absent" => raw
            .pointer(object)
            .and_then(|node| node.get(PRE_GA_LACKED)?.get(&name)?.as_str())
            .map(|note| History::LackedBeforeGa(note.to_string())),
        "enum" => {
            let value: Value = serde_json::from_str(&violation.found).unwrap_or(Value::Null);
            value.as_str().and_then(|v| value_history(raw, object, v))
        }
        _ => None,
    };
    let status = violation
        .found
        .strip_prefix("status ")
        .filter(|_| violation.pointer.is_empty() && location.ends_with("/responses"));
    let history = history.or_else(|| match keyword {
        _ if status.is_some() => status_history(raw, &location, status.unwrap_or_default()),
        _ if violation.part == "query" && location.ends_with("/parameters") => {
            parameter_history(raw, &location, &violation.pointer)
        }
        _ if violation.pointer.is_empty() && location.starts_with("/paths") => {
            operation_history(raw, &violation.found)
        }
        _ => None,
    });
    let Some(history) = history else { return };
    let line_version =
        |v: &Version| Line::of(v).map_or_else(|| at.v3.clone(), |l| at.get(l).clone());
    let what = if let Some(status) = status {
        format!("status {status}")
    } else if keyword == "enum" {
        format!("value {}", violation.found)
    } else if violation.part == "query" {
        format!("query parameter {:?}", violation.pointer)
    } else if violation.pointer.is_empty() && location.starts_with("/paths") {
        format!("operation {}", violation.found)
    } else {
        format!("property \"{name}\"")
    };
    violation.expected = match history {
        History::Introduced(since) if !at.has_reached(&since) => format!(
            "no {what} yet: introduced in {since}; this capture is from {}",
            line_version(&since)
        ),
        History::LackedBeforeGa(note) => format!(
            "required property \"{name}\": the pre-GA v3 API (before 3.0.0) answered without it \
             ({note}); every version since 3.0.0 has it"
        ),
        History::Removed(until, hint) if at.has_reached(&until) => {
            let mut text = format!("no {what}: removed in {until}");
            if until == Version::new(3, 0, 0) {
                text = format!("no {what}: it belonged to the pre-GA v3 API (before 3.0.0)");
            }
            if let Some(hint) = hint {
                text.push_str("; ");
                text.push_str(&hint);
            }
            text
        }
        _ => return,
    };
}

fn key_history(raw: &Value, object: &str, name: &str) -> Option<History> {
    let node = raw.pointer(object)?;
    if let Some(property) = node.get("properties").and_then(|p| p.get(name)) {
        let since = property.get(SINCE).and_then(Value::as_str)?;
        return parse_version(since).ok().map(History::Introduced);
    }
    let entry = node.get(UNTIL)?.get(name)?;
    let text = entry
        .as_str()
        .or_else(|| entry.get("version").and_then(Value::as_str))?;
    let hint = entry.get("hint").and_then(Value::as_str).map(String::from);
    parse_version(text).ok().map(|u| History::Removed(u, hint))
}

/// The history of a status of the operation whose `responses` map is at `responses`:
/// dated on the map, or (an inline response) on the response itself.
fn status_history(raw: &Value, responses: &str, status: &str) -> Option<History> {
    let map = raw.pointer(responses)?;
    let dated = |key: &str| {
        map.get(key)
            .and_then(|m| m.get(status))
            .and_then(|v| {
                v.as_str()
                    .or_else(|| v.get("version").and_then(Value::as_str))
            })
            .or_else(|| {
                map.get(status)
                    .and_then(|r| r.get(key))
                    .and_then(Value::as_str)
            })
            .and_then(|v| parse_version(v).ok())
    };
    dated(SINCE)
        .map(History::Introduced)
        .or_else(|| dated(UNTIL).map(|u| History::Removed(u, None)))
}

/// The history of a query parameter of the operation at `parameters` (its list).
fn parameter_history(raw: &Value, parameters: &str, name: &str) -> Option<History> {
    let operation = parameters.strip_suffix("/parameters")?;
    let (item, _) = operation.rsplit_once('/')?;
    let lists = [
        format!("{operation}/parameters"),
        format!("{item}/parameters"),
    ];
    for list in lists {
        let Some(Value::Array(entries)) = raw.pointer(&list) else {
            continue;
        };
        for (i, _) in entries.iter().enumerate() {
            let Some((_, parameter)) = pointer::resolve(raw, &format!("{list}/{i}")) else {
                continue;
            };
            if parameter.get("name").and_then(Value::as_str) == Some(name) {
                let entry = raw.pointer(&format!("{list}/{i}"))?;
                let since = parameter
                    .get(SINCE)
                    .or_else(|| entry.get(SINCE))
                    .and_then(Value::as_str)?;
                return parse_version(since).ok().map(History::Introduced);
            }
        }
    }
    None
}

/// The history of the operation a finding names (`GET /v3/processes/…/process_instances`).
fn operation_history(raw: &Value, found: &str) -> Option<History> {
    let (method, path) = found.split_once(' ')?;
    let method = method.to_ascii_lowercase();
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let paths = raw.get("paths")?.as_object()?;
    let mut best: Option<(usize, &Value)> = None;
    for (template, item) in paths {
        let pattern: Vec<&str> = template.split('/').collect();
        if pattern.len() != segments.len() {
            continue;
        }
        let mut literal = 0;
        let matches = pattern.iter().zip(&segments).all(|(p, s)| {
            if p.starts_with('{') && p.ends_with('}') {
                !s.is_empty()
            } else {
                literal += 1;
                p == s
            }
        });
        if let (true, Some(operation)) = (matches, item.get(&method)) {
            if best.is_none_or(|(score, _)| literal > score) {
                best = Some((literal, operation));
            }
        }
    }
    let since = best?.1.get(SINCE).and_then(Value::as_str)?;
    parse_version(since).ok().map(History::Introduced)
}

fn value_history(raw: &Value, schema: &str, value: &str) -> Option<History> {
    let (_, node) = pointer::resolve(raw, schema)?;
    if let Some(since) = node
        .get(SINCE)
        .and_then(|m| m.get(value))
        .and_then(Value::as_str)
    {
        return parse_version(since).ok().map(History::Introduced);
    }
    let until = node
        .get(UNTIL)
        .and_then(|m| m.get(value))
        .and_then(Value::as_str)?;
    parse_version(until).ok().map(|u| History::Removed(u, None))
}

/// Removes from a payload (in place) what the schema at `schema_pointer` says did not
/// exist at `at`: properties dated later, or removed before. For a fake server that
/// pretends to be an older Cloud Controller.
pub fn strip(raw: &Value, schema_pointer: &str, at: &At, value: &mut Value) {
    strip_at(raw, schema_pointer, at, value, 0);
}

fn strip_at(raw: &Value, schema_pointer: &str, at: &At, value: &mut Value, depth: usize) {
    if depth > 64 {
        return;
    }
    let Some((resolved, node)) = pointer::resolve(raw, schema_pointer) else {
        return;
    };
    for branch in ["allOf", "anyOf", "oneOf"] {
        let count = node
            .get(branch)
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        for i in 0..count {
            strip_at(
                raw,
                &format!("{resolved}/{branch}/{i}"),
                at,
                value,
                depth + 1,
            );
        }
    }
    match value {
        Value::Object(object) => {
            let properties = node.get("properties").and_then(Value::as_object);
            let keys: Vec<String> = object.keys().cloned().collect();
            for key in keys {
                match properties.and_then(|p| p.get(&key)) {
                    Some(Value::Object(property)) => {
                        if !node_exists(property, at) {
                            object.remove(&key);
                        } else if let Some(child) = object.get_mut(&key) {
                            let at_pointer =
                                pointer::push(&pointer::push(&resolved, "properties"), &key);
                            strip_at(raw, &at_pointer, at, child, depth + 1);
                        }
                    }
                    _ => {
                        if let (Some(Value::Object(_)), Some(child)) =
                            (node.get("additionalProperties"), object.get_mut(&key))
                        {
                            let at_pointer = pointer::push(&resolved, "additionalProperties");
                            strip_at(raw, &at_pointer, at, child, depth + 1);
                        }
                    }
                }
            }
        }
        Value::Array(items) if node.get("items").is_some() => {
            let at_pointer = pointer::push(&resolved, "items");
            for item in items {
                strip_at(raw, &at_pointer, at, item, depth + 1);
            }
        }
        _ => {}
    }
}

/// Why a version was chosen, for reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// The versions used.
    pub at: At,
    /// Why: "--cc-version 3.150.0", "GET / in capture.har entry 1 (links.cloud_controller_v3.meta.version)", or "today's contract".
    pub reason: String,
}

/// The versions a response states about the Cloud Controller that sent it: the root
/// (`GET /`: `links.cloud_controller_v3.meta.version` and
/// `links.cloud_controller_v2.meta.version`) and `GET /v2/info` (`api_version`). Each is
/// given with the JSON pointer it was read from.
pub fn stated(method: &str, path: &str, body: &Value) -> Vec<(Version, String)> {
    if !method.eq_ignore_ascii_case("GET") {
        return Vec::new();
    }
    let path = path.trim_end_matches('/');
    let pointers: &[&str] = match path {
        "" => &[
            "/links/cloud_controller_v3/meta/version",
            "/links/cloud_controller_v2/meta/version",
        ],
        "/v3" => &["/meta/version", "/links/self/meta/version"],
        "/v2/info" => &["/api_version"],
        _ => &[],
    };
    pointers
        .iter()
        .filter_map(|p| {
            let text = body.pointer(p)?.as_str()?;
            let version = parse_version(text).ok()?;
            Line::of(&version).map(|_| (version, p.to_string()))
        })
        .collect()
}

/// The contract at every version, derived on demand from one annotated spec; each
/// version's validator is built once and cached.
pub struct Contracts {
    spec: Spec,
    lines: Lines,
    today: At,
    cache: Mutex<HashMap<At, Arc<Validator>>>,
}

impl Contracts {
    /// Prepares the contracts of an annotated spec; `lines` completes one-line versions.
    /// Today's versions are the spec's `info.version` and its v2 partner.
    pub fn new(spec: Spec, lines: Lines) -> Contracts {
        let v3 = spec
            .raw
            .pointer("/info/version")
            .and_then(Value::as_str)
            .and_then(|v| parse_version(v).ok())
            .unwrap_or_else(|| Version::new(3, 0, 0));
        let today = lines.complete(&v3).unwrap_or(At {
            v3: v3.clone(),
            v2: Version::new(2, 0, 0),
        });
        Contracts {
            spec,
            lines,
            today,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The annotated spec.
    pub fn spec(&self) -> &Spec {
        &self.spec
    }

    /// The versions the spec describes as today's.
    pub fn today(&self) -> &At {
        &self.today
    }

    /// Completes a version of either line (see [`Lines::complete`]).
    pub fn complete(&self, version: &Version) -> Option<At> {
        self.lines.complete(version)
    }

    /// Completes the versions a capture states: both lines when it names both, else the
    /// one it names completed by the version lines.
    pub fn complete_stated(&self, stated: &[(Version, String)]) -> Option<At> {
        let v3 = stated.iter().find(|(v, _)| Line::of(v) == Some(Line::V3));
        let v2 = stated.iter().find(|(v, _)| Line::of(v) == Some(Line::V2));
        match (v3, v2) {
            (Some((v3, _)), Some((v2, _))) => Some(At {
                v3: v3.clone(),
                v2: v2.clone(),
            }),
            (Some((v, _)), None) | (None, Some((v, _))) => self.complete(v),
            (None, None) => None,
        }
    }

    /// The spec as of `at`.
    pub fn spec_at(&self, at: &At, options: ViewOptions) -> Result<Spec, String> {
        let raw = view(&self.spec.raw, at, options);
        self.spec.with_raw(raw).map_err(|d| d.to_string())
    }

    /// The validator of the contract as of `at`, built on first use.
    pub fn validator(&self, at: &At) -> Result<Arc<Validator>, String> {
        if let Some(found) = self.lock().get(at) {
            return Ok(found.clone());
        }
        let spec = self.spec_at(at, ViewOptions::default())?;
        let validator = Arc::new(Validator::new(&spec));
        self.lock().insert(at.clone(), validator.clone());
        Ok(validator)
    }

    /// Explains a violation found at `at` (see [`explain`]).
    pub fn explain(&self, at: &At, violation: &mut Violation) {
        explain(&self.spec.raw, at, violation);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<At, Arc<Validator>>> {
        self.cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(v3: &str, v2: &str) -> At {
        At {
            v3: parse_version(v3).unwrap(),
            v2: parse_version(v2).unwrap(),
        }
    }

    #[test]
    fn views_drop_what_came_later_and_restore_what_went() {
        let doc = json!({
            "info": {"version": "3.228.0"},
            "components": {"schemas": {
                "P": {"type": "object", "additionalProperties": false, "required": ["a", "user"],
                      "x-cf-until": {"memory": {"version": "3.0.0", "hint": "scale"}, "ports": "3.16.0"},
                      "properties": {"a": {}, "user": {"x-cf-since": "3.197.0"}, "v2": {"x-cf-since": "2.66.0"},
                                     "r": {"$ref": "#/components/schemas/R"}}},
                "R": {"x-cf-since": "3.144.0", "type": "string", "enum": ["x", "cnb"]},
                "L": {"type": "string", "enum": ["buildpack", "cnb"], "x-cf-since": {"cnb": "3.168.0"}}
            }}
        });
        let old = view(&doc, &at("3.150.0", "2.60.0"), ViewOptions::default());
        let p = &old["components"]["schemas"]["P"];
        assert_eq!(p["required"], json!(["a"]));
        assert!(p["properties"].get("user").is_none());
        assert!(p["properties"].get("v2").is_none());
        assert!(p["properties"].get("ports").is_none(), "removed in 3.16.0");
        assert!(p["properties"].get("memory").is_none());
        assert_eq!(
            old["components"]["schemas"]["L"]["enum"],
            json!(["buildpack"])
        );
        assert_eq!(old["info"]["version"], json!("3.150.0"));
        let older = view(&doc, &at("3.10.0", "2.150.0"), ViewOptions::default());
        assert!(
            older["components"]["schemas"]["P"]["properties"]
                .get("ports")
                .is_some(),
            "restored before 3.16.0"
        );
        assert!(older["components"]["schemas"].get("R").is_none());
        assert!(
            older["components"]["schemas"]["P"]["properties"]
                .get("r")
                .is_none(),
            "a $ref to a removed node goes"
        );
        assert!(older["components"]["schemas"]["P"]["properties"]
            .get("v2")
            .is_some());
        let today = view(
            &doc,
            &at("3.228.0", "2.293.0"),
            ViewOptions { describe: true },
        );
        assert_eq!(
            today["components"]["schemas"]["P"]["properties"]["user"]["description"],
            json!("Since CC API 3.197.0.")
        );
    }

    #[test]
    fn collects_annotations_and_refuses_bad_ones() {
        let doc = json!({"a": {"x-cf-since": "3.1.0", "enum": ["x"], "b": {"x-cf-until": {"k": "3.0.0"}}},
                         "c": {"enum": ["y", "z"], "x-cf-since": {"z": "3.5.0"}}});
        let found = annotations(&doc).unwrap();
        let pointers: Vec<&str> = found.iter().map(|a| a.pointer.as_str()).collect();
        assert_eq!(pointers, ["/a", "/a/b/x-cf-until/k", "/c/x-cf-since/z"]);
        assert!(annotations(&json!({"a": {"x-cf-since": "4.0.0"}})).is_err());
        assert!(
            annotations(&json!({"a": {"x-cf-since": "3.2.0", "x-cf-until": "3.1.0"}})).is_err()
        );
        assert!(annotations(&json!({"a": {"enum": ["x"], "x-cf-since": {"q": "3.1.0"}}})).is_err());
    }

    #[test]
    fn completes_versions_by_line() {
        let lines =
            Lines::parse("# v3\tv2\n3.0.0\t2.65.0\n3.1.0\t2.66.0\n3.2.0\t2.68.0\n").unwrap();
        assert_eq!(
            lines.complete(&parse_version("3.1.5").unwrap()),
            Some(at("3.1.5", "2.66.0"))
        );
        assert_eq!(
            lines.complete(&parse_version("2.67.0").unwrap()),
            Some(at("3.2.0", "2.67.0"))
        );
        assert_eq!(
            lines.complete(&parse_version("2.47.0").unwrap()),
            Some(at("3.0.0", "2.47.0"))
        );
    }

    #[test]
    fn explains_keys_from_later_and_earlier_versions() {
        let doc = json!({"components": {"schemas": {"P": {
            "additionalProperties": false,
            "x-cf-until": {"memory": {"version": "3.0.0", "hint": "scale with POST /x"}},
            "properties": {"user": {"x-cf-since": "3.197.0"}}}}}});
        let mut v = Violation {
            pointer: "/user".into(),
            found: "\"vcap\"".into(),
            expected: "no property \"user\" (additionalProperties: false)".into(),
            spec_location: "#/components/schemas/P/additionalProperties".into(),
            ..Violation::default()
        };
        explain(&doc, &at("3.181.0", "2.170.0"), &mut v);
        assert_eq!(
            v.expected,
            "no property \"user\" yet: introduced in 3.197.0; this capture is from 3.181.0"
        );
        let mut m = Violation {
            pointer: "/memory".into(),
            expected: "no property \"memory\" (additionalProperties: false)".into(),
            spec_location: "#/components/schemas/P/additionalProperties".into(),
            ..Violation::default()
        };
        explain(&doc, &at("3.228.0", "2.293.0"), &mut m);
        assert_eq!(m.expected, "no property \"memory\": it belonged to the pre-GA v3 API (before 3.0.0); scale with POST /x");
    }

    #[test]
    fn strips_what_a_version_lacked() {
        let doc = json!({"components": {"schemas": {
            "P": {"properties": {"user": {"x-cf-since": "3.197.0"}, "h": {"$ref": "#/components/schemas/H"},
                                 "list": {"type": "array", "items": {"$ref": "#/components/schemas/H"}}}},
            "H": {"properties": {"interval": {"x-cf-since": "3.144.0"}, "timeout": {}}}}}});
        let mut value = json!({"user": "vcap", "h": {"interval": 1, "timeout": 2}, "list": [{"interval": 1}], "other": 1});
        strip(
            &doc,
            "/components/schemas/P",
            &at("3.100.0", "2.150.0"),
            &mut value,
        );
        assert_eq!(
            value,
            json!({"h": {"timeout": 2}, "list": [{}], "other": 1})
        );
    }

    #[test]
    fn reads_stated_versions() {
        let root = json!({"links": {"cloud_controller_v3": {"meta": {"version": "3.150.0"}},
                                    "cloud_controller_v2": {"meta": {"version": "2.185.0"}}}});
        let found = stated("GET", "/", &root);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].0, parse_version("3.150.0").unwrap());
        assert!(stated("POST", "/", &root).is_empty());
        assert_eq!(
            stated("GET", "/v2/info", &json!({"api_version": "2.100.0"}))[0]
                .0
                .minor,
            100
        );
    }
}
