//! Contract changes: which differences between two OpenAPI 3.0 documents break clients,
//! which break servers, which break the generated Rust API, and which break nobody.
//!
//! ```text
//! let findings = diff(&old, &new);   // wire walk (operations → schemas, $refs followed)
//!                                    // + the two lowered IRs compared (generated code)
//! report::render(format, &findings, &sides, &fail_on)
//! ```
//!
//! The wire walk starts at the operations, matched by method and path template (path
//! parameter names do not matter), and follows `$ref`s on both sides at once, so a component
//! that was renamed is compared with its new self by structure, and each pair of components
//! is compared once per direction however many operations reach it. Maps are compared by
//! key and enums as sets, so reordering is never a change. Every finding names a rule of
//! [`rules::RULES`] and the place in each document (a JSON pointer; the report adds
//! `line:col`).

pub mod report;
pub mod rules;
mod rust;
mod wire;

use crate::spec::Spec;

pub use rules::{Class, Rule, RULES};

/// One change between the two documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The kind of change.
    pub rule: &'static Rule,
    /// Where it shows: an operation and the part of it (`PUT /config request body`), or a
    /// generated type (`type DnsConfig`).
    pub context: String,
    /// JSON pointer into the old document: the changed node, or for an addition the
    /// nearest node that would hold it.
    pub old: String,
    /// JSON pointer into the new document, likewise.
    pub new: String,
    /// What changed, in one sentence.
    pub message: String,
}

impl Finding {
    /// The finding's class (its rule's).
    pub fn class(&self) -> Class {
        self.rule.class
    }
}

/// Compares two documents: every change, wire changes first, in a deterministic order
/// (by class, then context, then location).
pub fn diff(old: &Spec, new: &Spec) -> Vec<Finding> {
    let lower = |spec| crate::codegen::lower::lower(spec).0;
    let (mut findings, pairs, old_api, new_api) = std::thread::scope(|scope| {
        let old_api = scope.spawn(|| lower(old));
        let new_api = scope.spawn(|| lower(new));
        let (findings, pairs) = wire::compare(&old.raw, &new.raw);
        let join = |handle: std::thread::ScopedJoinHandle<'_, crate::ir::Api>| {
            handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        };
        (findings, pairs, join(old_api), join(new_api))
    });
    rust::compare(&old_api, &new_api, &pairs, &mut findings);
    findings.sort_by(|a, b| {
        (a.class(), &a.context, a.rule.id, &a.old, &a.new).cmp(&(
            b.class(),
            &b.context,
            b.rule.id,
            &b.old,
            &b.new,
        ))
    });
    findings.dedup();
    findings
}
