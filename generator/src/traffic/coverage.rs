//! Which documented operations and responses captured traffic exercised.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use serde::Serialize;
use serde_json::Value;

use crate::spec::OperationRef;

/// Documented responses per operation, and those seen.
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    /// `(method, path)` → documented status keys, in spec order.
    documented: Vec<((String, String), Vec<String>)>,
    seen: BTreeSet<(String, String, String)>,
    /// `METHOD /template` of Cloud Controller routes outside the contract → exchanges.
    outside: BTreeMap<String, usize>,
}

/// Coverage figures, for the JSON report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Documented responses (operation × status) seen at least once.
    pub responses_seen: usize,
    /// Documented responses in all.
    pub responses_documented: usize,
    /// Operations with at least one documented response seen.
    pub operations_seen: usize,
    /// Operations in all.
    pub operations_documented: usize,
    /// `METHOD /path status` of each documented response never seen.
    pub never_seen: Vec<String>,
    /// Exchanges per Cloud Controller route the contract does not describe.
    pub outside: BTreeMap<String, usize>,
}

impl Coverage {
    /// Coverage over every operation of a spec.
    pub fn new(raw: &Value, operations: &[OperationRef]) -> Coverage {
        let documented = operations
            .iter()
            .map(|o| {
                let responses = raw
                    .pointer(&format!("{}/responses", o.pointer))
                    .and_then(Value::as_object);
                let statuses = responses
                    .map(|r| r.keys().filter(|k| !k.starts_with("x-")).cloned().collect())
                    .unwrap_or_default();
                ((o.method.clone(), o.path.clone()), statuses)
            })
            .collect();
        Coverage {
            documented,
            seen: BTreeSet::new(),
            outside: BTreeMap::new(),
        }
    }

    /// Records a documented response seen in traffic (`status` as the spec keys it).
    pub fn record(&mut self, method: &str, path: &str, status: &str) {
        self.seen
            .insert((method.to_string(), path.to_string(), status.to_string()));
    }

    /// Records an exchange on a Cloud Controller route outside the contract
    /// (`METHOD /template`).
    pub fn record_outside(&mut self, route: &str) {
        *self.outside.entry(route.to_string()).or_default() += 1;
    }

    /// Adds what another coverage saw (for parallel workers).
    pub fn merge(&mut self, other: Coverage) {
        self.seen.extend(other.seen);
        for (route, count) in other.outside {
            *self.outside.entry(route).or_default() += count;
        }
    }

    /// The figures.
    pub fn summary(&self) -> Summary {
        let mut never_seen = Vec::new();
        let mut responses_seen = 0;
        let mut operations_seen = 0;
        for ((method, path), statuses) in &self.documented {
            let mut any = false;
            for status in statuses {
                if self
                    .seen
                    .contains(&(method.clone(), path.clone(), status.clone()))
                {
                    responses_seen += 1;
                    any = true;
                } else {
                    never_seen.push(format!("{method} {path} {status}"));
                }
            }
            operations_seen += usize::from(any);
        }
        Summary {
            responses_seen,
            responses_documented: self.documented.iter().map(|(_, s)| s.len()).sum(),
            operations_seen,
            operations_documented: self.documented.len(),
            never_seen,
            outside: self.outside.clone(),
        }
    }

    /// A table: each operation with its documented statuses, `✓` seen and `·` not, then
    /// the percentages.
    pub fn table(&self) -> String {
        let width = self
            .documented
            .iter()
            .map(|((_, p), _)| p.len())
            .max()
            .unwrap_or(0);
        let mut out = String::from("coverage (✓ seen, · never seen):\n");
        let mut by_operation = BTreeMap::new();
        for ((method, path), statuses) in &self.documented {
            let cells: Vec<String> = statuses
                .iter()
                .map(|s| {
                    let mark = if self
                        .seen
                        .contains(&(method.clone(), path.clone(), s.clone()))
                    {
                        "✓"
                    } else {
                        "·"
                    };
                    format!("{s} {mark}")
                })
                .collect();
            by_operation.insert((path.clone(), method.clone()), cells.join("  "));
        }
        for ((path, method), cells) in by_operation {
            let _ = writeln!(out, "  {method:<6} {path:<width$}  {cells}");
        }
        if !self.outside.is_empty() {
            out.push_str(&outside_lines(&self.outside));
        }
        let s = self.summary();
        let percent = |a: usize, b: usize| {
            if b == 0 {
                0.0
            } else {
                100.0 * a as f64 / b as f64
            }
        };
        let _ = writeln!(
            out,
            "responses: {} of {} documented ({:.1}%); operations: {} of {} ({:.1}%)",
            s.responses_seen,
            s.responses_documented,
            percent(s.responses_seen, s.responses_documented),
            s.operations_seen,
            s.operations_documented,
            percent(s.operations_seen, s.operations_documented)
        );
        out
    }
}

/// Per-route counts of exchanges outside the contract, as report lines.
pub fn outside_lines(outside: &BTreeMap<String, usize>) -> String {
    let total: usize = outside.values().sum();
    let width = outside.keys().map(String::len).max().unwrap_or(0);
    let mut out = format!(
        "outside the contract (Cloud Controller routes it does not describe): {total} exchanges on {} routes\n",
        outside.len()
    );
    for (route, count) in outside {
        let _ = writeln!(out, "  {route:<width$}  {count}");
    }
    out
}
