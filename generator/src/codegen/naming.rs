//! Every Rust identifier the generator writes is made here: case conversion, keywords,
//! characters Rust does not allow, and collisions.

use std::collections::BTreeSet;

/// Words that cannot be identifiers at all, even raw (`r#self` is not allowed).
const NOT_RAW: [&str; 5] = ["self", "Self", "super", "crate", "_"];

/// Rust keywords (2021 edition, reserved ones included).
const KEYWORDS: [&str; 51] = [
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try",
];

/// Splits a wire name into lower-case words: at non-alphanumerics, at lower→upper
/// boundaries (`instanceGuid`), and before the last capital of an acronym (`HTTPServer`).
pub fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut words = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        let previous = i.checked_sub(1).map(|j| chars[j]);
        let next = chars.get(i + 1).copied();
        let boundary = c.is_ascii_uppercase()
            && previous.is_some_and(|p| {
                p.is_ascii_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_ascii_uppercase() && next.is_some_and(|n| n.is_ascii_lowercase()))
            });
        if boundary && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        current.push(c.to_ascii_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// `UpperCamelCase` for types and variants; `fallback` when nothing usable is left.
pub fn type_name(wire: &str, fallback: &str) -> String {
    let mut name: String = words(wire)
        .iter()
        .map(|w| {
            let mut chars = w.chars();
            chars
                .next()
                .map(|f| f.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect();
    if name.is_empty() {
        name = fallback.to_string();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, 'V');
    }
    if NOT_RAW.contains(&name.as_str()) {
        name.push('_');
    }
    name
}

/// `snake_case` for fields, functions and modules; keywords become raw identifiers
/// (`r#type`) where Rust allows it and get a trailing `_` where it does not (`self_`).
pub fn field_name(wire: &str, fallback: &str) -> String {
    let mut name = words(wire).join("_");
    if name.is_empty() {
        name = fallback.to_string();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    if NOT_RAW.contains(&name.as_str()) {
        name.push('_');
    } else if KEYWORDS.contains(&name.as_str()) {
        name.insert_str(0, "r#");
    }
    name
}

/// A variant name for an enum value. A leading `-` or `+` (sort order in query values
/// such as `-created_at`) becomes a `Desc` or `Asc` suffix so the three forms differ.
pub fn variant_name(wire: &str, fallback: &str) -> String {
    match (wire.strip_prefix('-'), wire.strip_prefix('+')) {
        (Some(rest), _) if !rest.is_empty() => type_name(rest, fallback) + "Desc",
        (_, Some(rest)) if !rest.is_empty() => type_name(rest, fallback) + "Asc",
        _ => type_name(wire, fallback),
    }
}

/// The name without a raw-identifier prefix, for comparisons and derived names.
pub fn bare(name: &str) -> &str {
    name.strip_prefix("r#").unwrap_or(name)
}

/// Hands out names that are unique within one scope, numbering repeats (`Item`, `Item2`).
#[derive(Debug, Default, Clone)]
pub struct Scope {
    taken: BTreeSet<String>,
}

impl Scope {
    /// A scope where `reserved` names are already taken.
    pub fn with_reserved(reserved: &[&str]) -> Scope {
        Scope {
            taken: reserved.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// `name`, or `name` with the smallest suffix from 2 up that is free.
    pub fn claim(&mut self, name: &str) -> String {
        let raw = name.starts_with("r#");
        let base = bare(name).to_string();
        let mut candidate = base.clone();
        let mut n = 2;
        while self.taken.contains(&candidate) {
            let joiner = if base.ends_with(|c: char| c.is_ascii_digit()) {
                "_"
            } else {
                ""
            };
            candidate = format!("{base}{joiner}{n}");
            n += 1;
        }
        self.taken.insert(candidate.clone());
        if raw && candidate == base {
            format!("r#{candidate}")
        } else {
            candidate
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases() {
        assert_eq!(type_name("health_check", "X"), "HealthCheck");
        assert_eq!(type_name("instanceGUID", "X"), "InstanceGuid");
        assert_eq!(type_name("HTTPServer", "X"), "HttpServer");
        assert_eq!(type_name("service-binding-k8s", "X"), "ServiceBindingK8s");
        assert_eq!(type_name("2xx", "X"), "V2xx");
        assert_eq!(type_name("+created_at", "X"), "CreatedAt");
        assert_eq!(type_name("Self", "X"), "Self_");
        assert_eq!(type_name("***", "Fallback"), "Fallback");
        assert_eq!(
            field_name("log_rate_limit_in_bytes_per_second", "f"),
            "log_rate_limit_in_bytes_per_second"
        );
        assert_eq!(field_name("created_ats[lt]", "f"), "created_ats_lt");
        assert_eq!(
            field_name("inline-relations-depth", "f"),
            "inline_relations_depth"
        );
    }

    #[test]
    fn sort_order_values() {
        assert_eq!(variant_name("-created_at", "V"), "CreatedAtDesc");
        assert_eq!(variant_name("+created_at", "V"), "CreatedAtAsc");
        assert_eq!(variant_name("-", "V"), "V");
    }

    #[test]
    fn keywords() {
        assert_eq!(field_name("type", "f"), "r#type");
        assert_eq!(field_name("self", "f"), "self_");
        assert_eq!(field_name("async", "f"), "r#async");
        assert_eq!(field_name("123", "f"), "_123");
    }

    #[test]
    fn collisions_are_numbered() {
        let mut scope = Scope::with_reserved(&["additional_properties"]);
        assert_eq!(scope.claim("foo_bar"), "foo_bar");
        assert_eq!(scope.claim("foo_bar"), "foo_bar2");
        assert_eq!(
            scope.claim("additional_properties"),
            "additional_properties2"
        );
        assert_eq!(scope.claim("r#type"), "r#type");
        assert_eq!(scope.claim("r#type"), "type2");
        assert_eq!(scope.claim("v2"), "v2");
        assert_eq!(scope.claim("v2"), "v2_2");
    }
}
