//! The rule table: every kind of change `diff` reports, with its stable id and class.
//!
//! Ids never change meaning once published; a new rule gets a new id (and a fixture under
//! `tests/fixtures/diff/<id>/`, and a row in README.md).

use std::fmt;

/// Who a change breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    /// A client written against the old contract can fail against a server of the new one.
    BreakingForClients,
    /// A server written against the old contract can refuse what a client of the new one
    /// sends.
    BreakingForServers,
    /// The Rust API of the crate generated from the contract changes incompatibly: code that
    /// compiled against the old crate may not compile against the new one.
    GeneratedCodeBreaking,
    /// Nobody breaks.
    Compatible,
}

impl Class {
    /// Every class, most severe first.
    pub const ALL: [Class; 4] = [
        Class::BreakingForClients,
        Class::BreakingForServers,
        Class::GeneratedCodeBreaking,
        Class::Compatible,
    ];

    /// The class's name in reports and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::BreakingForClients => "breaking-for-clients",
            Class::BreakingForServers => "breaking-for-servers",
            Class::GeneratedCodeBreaking => "generated-code-breaking",
            Class::Compatible => "compatible",
        }
    }

    /// The class with this name.
    pub fn parse(name: &str) -> Option<Class> {
        Class::ALL.into_iter().find(|class| class.as_str() == name)
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One kind of change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// The stable id, e.g. `request-required-property-added`.
    pub id: &'static str,
    /// Who it breaks.
    pub class: Class,
    /// What the change is and why it has this class (README's table shows it).
    pub summary: &'static str,
}

macro_rules! rules {
    ($($konst:ident = $id:literal, $class:ident, $summary:literal;)*) => {
        $(
            #[doc = concat!("`", $id, "`: ", $summary)]
            pub const $konst: Rule = Rule { id: $id, class: Class::$class, summary: $summary };
        )*
        /// Every rule, in the order README lists them.
        pub const RULES: &[Rule] = &[$($konst),*];
    };
}

rules! {
    OPERATION_REMOVED = "operation-removed", BreakingForClients,
        "An operation (method and path) is gone: clients calling it get 404 or 405.";
    OPERATION_ADDED = "operation-added", Compatible,
        "A new operation.";
    REQUEST_PARAMETER_REQUIRED_ADDED = "request-parameter-required-added", BreakingForClients,
        "A new required parameter: old clients do not send it.";
    REQUEST_PARAMETER_OPTIONAL_ADDED = "request-parameter-optional-added", BreakingForServers,
        "A new optional query parameter: servers of the old contract (the generated stub among them) refuse unknown query parameters.";
    REQUEST_HEADER_OPTIONAL_ADDED = "request-header-optional-added", Compatible,
        "A new optional header or cookie parameter: servers ignore headers they do not know.";
    REQUEST_PARAMETER_REMOVED = "request-parameter-removed", BreakingForClients,
        "A query parameter is gone: servers of the new contract refuse it when old clients send it.";
    REQUEST_HEADER_REMOVED = "request-header-removed", Compatible,
        "A header or cookie parameter is gone: servers ignore it.";
    REQUEST_PARAMETER_BECAME_REQUIRED = "request-parameter-became-required", BreakingForClients,
        "An optional parameter became required: old clients may omit it.";
    REQUEST_PARAMETER_BECAME_OPTIONAL = "request-parameter-became-optional", BreakingForServers,
        "A required parameter became optional: old servers refuse requests without it.";
    REQUEST_BODY_ADDED_REQUIRED = "request-body-added-required", BreakingForClients,
        "An operation now requires a body: old clients send none.";
    REQUEST_BODY_ADDED = "request-body-added", Compatible,
        "An operation now takes an optional body.";
    REQUEST_BODY_REMOVED = "request-body-removed", BreakingForClients,
        "An operation no longer takes a body: old clients still send one.";
    REQUEST_BODY_BECAME_REQUIRED = "request-body-became-required", BreakingForClients,
        "An optional body became required: old clients may omit it.";
    REQUEST_BODY_BECAME_OPTIONAL = "request-body-became-optional", BreakingForServers,
        "A required body became optional: old servers refuse requests without it.";
    REQUEST_REQUIRED_PROPERTY_ADDED = "request-required-property-added", BreakingForClients,
        "A request object gains a required property: old clients do not send it.";
    REQUEST_OPTIONAL_PROPERTY_ADDED = "request-optional-property-added", Compatible,
        "A request object that allows unknown keys gains an optional property: old servers ignore it.";
    REQUEST_OPTIONAL_PROPERTY_ADDED_CLOSED = "request-optional-property-added-closed", BreakingForServers,
        "A closed request object (`additionalProperties: false`) gains an optional property: old servers (`deny_unknown_fields` in the generated stub) refuse it.";
    REQUEST_PROPERTY_REMOVED_CLOSED = "request-property-removed-closed", BreakingForClients,
        "A closed request object loses a property: new servers refuse it when old clients send it.";
    REQUEST_PROPERTY_REMOVED_OPEN = "request-property-removed-open", Compatible,
        "A request object that allows unknown keys loses a property: new servers ignore it.";
    REQUEST_PROPERTY_BECAME_REQUIRED = "request-property-became-required", BreakingForClients,
        "An optional request property became required: old clients may omit it.";
    REQUEST_PROPERTY_BECAME_OPTIONAL = "request-property-became-optional", BreakingForServers,
        "A required request property became optional: old servers refuse requests without it.";
    REQUEST_TYPE_CHANGED = "request-type-changed", BreakingForClients,
        "A request value's type changed: new servers refuse what old clients send.";
    REQUEST_TYPE_WIDENED = "request-type-widened", BreakingForServers,
        "A request value accepts more types (e.g. integer → number): old servers refuse the new ones.";
    REQUEST_FORMAT_CHANGED = "request-format-changed", BreakingForClients,
        "A request value's `format` changed: new servers may refuse what old clients send.";
    REQUEST_BECAME_NULLABLE = "request-became-nullable", BreakingForServers,
        "A request value may now be `null`: old servers refuse it.";
    REQUEST_BECAME_NON_NULLABLE = "request-became-non-nullable", BreakingForClients,
        "A request value may no longer be `null`: new servers refuse old clients' `null`.";
    REQUEST_ENUM_VALUE_ADDED = "request-enum-value-added", BreakingForServers,
        "A request enum gains a value: old servers refuse it (request enums are closed; the stub refuses unknown values).";
    REQUEST_ENUM_VALUE_REMOVED = "request-enum-value-removed", BreakingForClients,
        "A request enum loses a value: new servers refuse it when old clients send it.";
    REQUEST_ENUM_ADDED = "request-enum-added", BreakingForClients,
        "A request value is restricted to an enum: new servers refuse other values old clients send.";
    REQUEST_ENUM_REMOVED = "request-enum-removed", BreakingForServers,
        "A request value is no longer restricted to an enum: old servers refuse the new values.";
    REQUEST_BOUND_TIGHTENED = "request-bound-tightened", BreakingForClients,
        "A request bound (minimum, maximum, length, items, pattern) was added or tightened: new servers refuse values old clients send.";
    REQUEST_BOUND_RELAXED = "request-bound-relaxed", BreakingForServers,
        "A request bound was removed or relaxed: old servers (the stub checks bounds) refuse the new values.";
    REQUEST_SCHEMA_CLOSED = "request-schema-closed", BreakingForClients,
        "A request object now refuses unknown keys: new servers refuse extra keys old clients send.";
    REQUEST_SCHEMA_OPENED = "request-schema-opened", BreakingForServers,
        "A closed request object now allows unknown keys: old servers refuse them.";
    REQUEST_UNION_VARIANT_ADDED = "request-union-variant-added", BreakingForServers,
        "A request `oneOf`/`anyOf` gains an alternative: old servers refuse it.";
    REQUEST_UNION_VARIANT_REMOVED = "request-union-variant-removed", BreakingForClients,
        "A request `oneOf`/`anyOf` loses an alternative: new servers refuse it when old clients send it.";
    RESPONSE_STATUS_REMOVED = "response-success-status-removed", BreakingForClients,
        "A success status is no longer documented: clients waiting for it get something else.";
    RESPONSE_STATUS_ADDED = "response-success-status-added", BreakingForClients,
        "A new success status: old clients (generated ones answer `Error::Unexpected`) do not expect it.";
    RESPONSE_ERROR_STATUS_REMOVED = "response-error-status-removed", Compatible,
        "An error status is no longer documented.";
    RESPONSE_ERROR_STATUS_ADDED = "response-error-status-added", Compatible,
        "A new error status: clients already treat undocumented errors as errors.";
    RESPONSE_BODY_REMOVED = "response-body-removed", BreakingForClients,
        "A response no longer has a JSON body: old clients expect one.";
    RESPONSE_BODY_ADDED = "response-body-added", Compatible,
        "A response gains a JSON body where it had none.";
    RESPONSE_REQUIRED_PROPERTY_REMOVED = "response-required-property-removed", BreakingForClients,
        "A response object loses a required property: old clients rely on it.";
    RESPONSE_OPTIONAL_PROPERTY_REMOVED = "response-optional-property-removed", Compatible,
        "A response object loses an optional property: old clients already cope with its absence.";
    RESPONSE_PROPERTY_ADDED = "response-property-added", Compatible,
        "A response object gains a property: clients ignore keys they do not know.";
    RESPONSE_PROPERTY_ADDED_CLOSED = "response-property-added-closed", BreakingForClients,
        "A closed response object (`additionalProperties: false`) gains a property: old clients (`deny_unknown_fields` in the generated client) refuse it.";
    RESPONSE_PROPERTY_BECAME_OPTIONAL = "response-property-became-optional", BreakingForClients,
        "A required response property became optional: old clients rely on it.";
    RESPONSE_PROPERTY_BECAME_REQUIRED = "response-property-became-required", Compatible,
        "An optional response property became required.";
    RESPONSE_TYPE_CHANGED = "response-type-changed", BreakingForClients,
        "A response value's type changed: old clients cannot read it.";
    RESPONSE_FORMAT_CHANGED = "response-format-changed", BreakingForClients,
        "A response value's `format` changed: old clients may not read it.";
    RESPONSE_BECAME_NULLABLE = "response-became-nullable", BreakingForClients,
        "A response value may now be `null`: old clients do not expect it.";
    RESPONSE_BECAME_NON_NULLABLE = "response-became-non-nullable", Compatible,
        "A response value is no longer `null`.";
    RESPONSE_ENUM_VALUE_ADDED = "response-enum-value-added", Compatible,
        "A response enum gains a value: generated clients keep it (`Unknown`, the enum is open); a client with closed enums fails, so name this rule in `--fail-on` if you have one.";
    RESPONSE_ENUM_VALUE_REMOVED = "response-enum-value-removed", Compatible,
        "A response enum loses a value: old clients never see it again.";
    RESPONSE_ENUM_REMOVED = "response-enum-removed", BreakingForClients,
        "A response value is no longer restricted to an enum: old clients may get values they do not know.";
    RESPONSE_ENUM_ADDED = "response-enum-added", Compatible,
        "A response value is restricted to an enum.";
    RESPONSE_BOUND_RELAXED = "response-bound-relaxed", BreakingForClients,
        "A response bound was removed or relaxed: old clients may get values outside what they were promised.";
    RESPONSE_BOUND_TIGHTENED = "response-bound-tightened", Compatible,
        "A response bound was added or tightened.";
    RESPONSE_SCHEMA_OPENED = "response-schema-opened", BreakingForClients,
        "A closed response object now allows unknown keys: old clients (`deny_unknown_fields`) refuse them.";
    RESPONSE_SCHEMA_CLOSED = "response-schema-closed", Compatible,
        "A response object now promises no unknown keys.";
    RESPONSE_UNION_VARIANT_ADDED = "response-union-variant-added", BreakingForClients,
        "A response `oneOf`/`anyOf` gains an alternative: old clients cannot read it.";
    RESPONSE_UNION_VARIANT_REMOVED = "response-union-variant-removed", Compatible,
        "A response `oneOf`/`anyOf` loses an alternative.";
    RUST_TYPE_RENAMED = "rust-type-renamed", GeneratedCodeBreaking,
        "A generated type has a new name (its schema was renamed, or its context was): code naming the old one stops compiling.";
    RUST_TYPE_REMOVED = "rust-type-removed", GeneratedCodeBreaking,
        "A generated type is gone.";
    RUST_TYPE_KIND_CHANGED = "rust-type-kind-changed", GeneratedCodeBreaking,
        "A generated type changed kind (struct, enum, union).";
    RUST_FIELD_REMOVED = "rust-field-removed", GeneratedCodeBreaking,
        "A generated struct loses a field.";
    RUST_FIELD_RENAMED = "rust-field-renamed", GeneratedCodeBreaking,
        "A generated field has a new Rust name for the same wire name.";
    RUST_FIELD_TYPE_CHANGED = "rust-field-type-changed", GeneratedCodeBreaking,
        "A generated field's Rust type changed (e.g. `T` → `Option<T>`, `Option<T>` → `Tristate<T>`, `i32` → `i64`).";
    RUST_REQUIRED_FIELD_ADDED = "rust-required-field-added", GeneratedCodeBreaking,
        "A generated struct gains a required field: struct literals must now name it.";
    RUST_ENUM_VARIANT_ADDED = "rust-enum-variant-added", GeneratedCodeBreaking,
        "A generated enum gains a variant: a `match` without a wildcard arm stops compiling (generated enums are not `#[non_exhaustive]`).";
    RUST_ENUM_VARIANT_REMOVED = "rust-enum-variant-removed", GeneratedCodeBreaking,
        "A generated enum loses a variant.";
    RUST_ENUM_OPENNESS_CHANGED = "rust-enum-openness-changed", GeneratedCodeBreaking,
        "A generated enum became open (gains `Unknown(String)`) or closed (loses it).";
    RUST_OPERATION_RENAMED = "rust-operation-renamed", GeneratedCodeBreaking,
        "An operation's generated method has a new name (its `operationId` changed).";
}

/// The rule with this id.
pub fn by_id(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|rule| rule.id == id)
}
