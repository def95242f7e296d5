//! The contract validator: holds JSON payloads to the spec's schemas.
//!
//! The spec is converted to JSON Schema once per direction ([`dialect`]); each target
//! schema is compiled on first use and cached, so validating many payloads against the
//! same operation compiles once. Every violation is reported, not only the first.

pub mod dialect;
pub mod examples;
pub mod fast;
pub mod manifest;
pub mod outcome;
pub mod payload;
pub mod report;
pub mod target;
pub mod violation;

use std::sync::{Arc, RwLock};

use serde_json::Value;

pub use dialect::Direction;
pub use target::{Exchange, OperationSelector, Resolution, Target, TargetError, TargetSpec};
pub use violation::Violation;

use crate::pointer;
use crate::spec::{OperationRef, Spec};

/// A schema of the spec that does not compile (for example, an invalid `pattern`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the spec's schema at #{pointer} cannot be compiled: {message}")]
pub struct SchemaError {
    /// Pointer of the target schema.
    pub pointer: String,
    /// The compiler's message.
    pub message: String,
}

/// Which converted document a compiled schema comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Rules {
    Request,
    Response,
    /// Responses, refusing undeclared properties (drift).
    ResponseStrict,
}

/// A target schema compiled twice from the same converted document: for `serde_json::Value`
/// (the full path, which explains violations) and for the fast path's tape (`None` when it
/// does not compile for the tape; the full path then does all the work).
struct Compiled {
    full: jsonschema::Validator,
    fast: Option<fast::FastValidator>,
}

/// Compiled targets by schema pointer, one map per [`Rules`] (so a lookup borrows the
/// pointer instead of building a key). Read far more often than written: every payload
/// looks its target up, from every thread (hashed with foldhash: SipHash of the pointer
/// cost more than a small payload's own check).
type Cache = [foldhash::HashMap<String, Arc<Compiled>>; 3];

/// Validates payloads against one spec. It is `Sync`: threads may share one.
pub struct Validator {
    raw: Value,
    operations: Vec<OperationRef>,
    request: Value,
    response: Value,
    strict: Value,
    compiled: RwLock<Cache>,
    source: crate::spec::Source,
}

impl Validator {
    /// Prepares a validator for a loaded spec. Nothing is compiled yet.
    pub fn new(spec: &Spec) -> Validator {
        Validator {
            raw: spec.raw.clone(),
            operations: spec.operations(),
            request: dialect::convert_document(&spec.raw, Direction::Request),
            response: dialect::convert_document(&spec.raw, Direction::Response),
            strict: dialect::convert_document_strict(&spec.raw),
            compiled: RwLock::new(Default::default()),
            source: spec.source.clone(),
        }
    }

    /// The spec's name and text, to turn spec locations into `file:line:col`.
    pub fn source(&self) -> &crate::spec::Source {
        &self.source
    }

    /// The spec as written.
    pub fn spec(&self) -> &Value {
        &self.raw
    }

    /// The spec's operations.
    pub fn operations(&self) -> &[OperationRef] {
        &self.operations
    }

    /// Resolves what a payload should be validated against.
    pub fn resolve(&self, spec: &TargetSpec) -> Result<Resolution, TargetError> {
        target::resolve(&self.raw, &self.operations, spec)
    }

    /// Narrows a target to the part of its schema that describes `data_pointer` in the
    /// payload (e.g. `/resources/0` of a list), for payloads that are fragments.
    pub fn narrow(&self, target: &Target, data_pointer: &str) -> Option<Target> {
        let doc = self.document(rules(target.direction, false));
        let mut at = target.schema_pointer.clone();
        for token in pointer::tokens(data_pointer) {
            at = step(doc, &at, &token)?;
        }
        Some(Target {
            direction: target.direction,
            schema_pointer: at,
            label: format!("{}#{data_pointer}", target.label),
        })
    }

    /// Adds a schema written in the spec's dialect (its `$ref`s point into the spec) and
    /// returns a target for it.
    pub fn add_schema(&mut self, schema: &Value, direction: Direction, label: &str) -> Target {
        let request = dialect::convert_schema(&self.raw, schema, Direction::Request);
        let response = dialect::convert_schema(&self.raw, schema, Direction::Response);
        let index = self
            .raw
            .get("x-added-schemas")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        let documents = [
            &mut self.raw,
            &mut self.request,
            &mut self.response,
            &mut self.strict,
        ];
        for (doc, schema) in
            documents
                .into_iter()
                .zip([schema.clone(), request, response.clone(), response])
        {
            if let Value::Object(map) = doc {
                let added = map
                    .entry("x-added-schemas")
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(list) = added {
                    list.push(schema);
                }
            }
        }
        Target {
            direction,
            schema_pointer: format!("/x-added-schemas/{index}"),
            label: label.to_string(),
        }
    }

    /// Validates a payload, returning every violation (empty when it is valid).
    pub fn validate(
        &self,
        target: &Target,
        payload: &Value,
    ) -> Result<Vec<Violation>, SchemaError> {
        self.run(rules(target.direction, false), target, payload)
    }

    /// Validates a response payload and also reports properties the spec does not
    /// declare (drift); a request target is validated as [`Validator::validate`] does.
    pub fn validate_strict(
        &self,
        target: &Target,
        payload: &Value,
    ) -> Result<Vec<Violation>, SchemaError> {
        self.run(rules(target.direction, true), target, payload)
    }

    fn run(
        &self,
        rules: Rules,
        target: &Target,
        payload: &Value,
    ) -> Result<Vec<Violation>, SchemaError> {
        let compiled = &self.compile(rules, target)?.full;
        // Most payloads are valid: the yes/no check is much cheaper than collecting errors.
        if compiled.is_valid(payload) {
            return Ok(Vec::new());
        }
        Ok(compiled
            .iter_errors(payload)
            .flat_map(|e| violation::from_error(&e, &self.raw))
            .collect())
    }

    /// Whether a payload, as bytes, is proven valid by the fast path (simd-json tape, the
    /// same compiled schema): `true` means [`Validator::validate`] (or, with `strict`,
    /// [`Validator::validate_strict`]) of the parsed payload would report no violation.
    /// `false` means "not proven" — the payload may be invalid, not JSON, or outside what the
    /// fast path decides — and the caller takes the full path to find out and explain.
    pub fn proves_valid(&self, target: &Target, bytes: &[u8], strict: bool) -> bool {
        match self.compile(rules(target.direction, strict), target) {
            Ok(compiled) => compiled
                .fast
                .as_ref()
                .is_some_and(|fast| fast::proves_valid(fast, bytes)),
            Err(_) => false,
        }
    }

    /// The JSON Schema document a target is compiled from: the converted spec with a root
    /// `$ref` to the target (what other validators, e.g. ajv, can be given).
    pub fn json_schema(&self, target: &Target, strict: bool) -> Value {
        self.root_schema(rules(target.direction, strict), target)
    }

    fn root_schema(&self, rules: Rules, target: &Target) -> Value {
        let mut root = self.document(rules).clone();
        if let Value::Object(map) = &mut root {
            let reference = format!("#{}", pointer::to_uri_fragment(&target.schema_pointer));
            map.insert("$ref".into(), Value::String(reference));
        }
        root
    }

    fn document(&self, rules: Rules) -> &Value {
        match rules {
            Rules::Request => &self.request,
            Rules::Response => &self.response,
            Rules::ResponseStrict => &self.strict,
        }
    }

    fn compile(&self, rules: Rules, target: &Target) -> Result<Arc<Compiled>, SchemaError> {
        let cached = self.read_cache()[rules as usize]
            .get(&target.schema_pointer)
            .cloned();
        if let Some(found) = cached {
            return Ok(found);
        }
        let root = self.root_schema(rules, target);
        let compiled = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(&root)
            .map_err(|e| SchemaError {
                pointer: target.schema_pointer.clone(),
                message: e.to_string(),
            })?;
        let compiled = Arc::new(Compiled {
            full: compiled,
            fast: fast::compile(&root),
        });
        self.compiled
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)[rules as usize]
            .insert(target.schema_pointer.clone(), compiled.clone());
        Ok(compiled)
    }

    fn read_cache(&self) -> std::sync::RwLockReadGuard<'_, Cache> {
        // A panic while the lock was held cannot leave the cache inconsistent: entries
        // are inserted whole.
        self.compiled
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn rules(direction: Direction, strict: bool) -> Rules {
    match (direction, strict) {
        (Direction::Request, _) => Rules::Request,
        (Direction::Response, false) => Rules::Response,
        (Direction::Response, true) => Rules::ResponseStrict,
    }
}

/// One step from a schema to the schema of a member: through `$ref`, the nullable
/// wrapper, `allOf`, then `properties` or `items`.
fn step(doc: &Value, at: &str, token: &str) -> Option<String> {
    let (at, node) = pointer::resolve(doc, at)?;
    if let Some(p) = node.get("properties").and_then(|p| p.get(token)) {
        let _ = p;
        return Some(pointer::push(&pointer::push(&at, "properties"), token));
    }
    if token.parse::<usize>().is_ok() && node.get("items").is_some() {
        return Some(pointer::push(&at, "items"));
    }
    if node.get("else").is_some() {
        if let Some(found) = step(doc, &pointer::push(&at, "else"), token) {
            return Some(found);
        }
    }
    let branches = node
        .get("allOf")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    (0..branches).find_map(|i| step(doc, &format!("{at}/allOf/{i}"), token))
}
