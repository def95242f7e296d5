//! Checking an OpenAPI 3.0 document before anything uses it: against the official
//! OpenAPI 3.0 JSON Schema (`official.rs`) and against the rules this toolkit relies on
//! that the schema cannot state (`rules.rs`). Every problem is reported at once, each at
//! `file:line:column` with its JSON pointer and an excerpt of the offending line.

mod official;
mod rules;

use serde_json::Value;

use crate::diagnostic::Diagnostic;
use crate::source_map::SourceMap;

/// What a check found: problems that make the document unfit for use, and warnings
/// about omissions the official schema forbids but nothing here depends on. Each list
/// in the order its entries stand in the text.
#[derive(Debug, Default)]
pub struct Findings {
    /// Problems that stop the document.
    pub problems: Vec<Diagnostic>,
    /// Harmless departures from OpenAPI 3.0.
    pub warnings: Vec<Diagnostic>,
}

/// Checks the document `raw` (parsed from `text`, named `name`).
pub fn check(name: &str, text: &str, raw: &Value) -> Findings {
    check_for(name, text, raw, Use::Any)
}

/// What a document is loaded for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    /// Anything: code generation, validation (every rule is a problem).
    Any,
    /// Comparing two documents (`diff`): what OpenAPI allows and only code generation
    /// refuses (a `required` name that is no property) is a warning.
    Compare,
}

/// Checks the document `raw` (parsed from `text`, named `name`) for one use.
pub fn check_for(name: &str, text: &str, raw: &Value, purpose: Use) -> Findings {
    let (fatal, for_codegen) = rules::problems(raw);
    let lax = purpose == Use::Compare;
    let own: Vec<(String, String, bool)> = fatal
        .into_iter()
        .map(|(at, message)| (at, message, false))
        .chain(
            for_codegen
                .into_iter()
                .map(|(at, message)| (at, message, lax)),
        )
        .collect();
    let mut problems = own.clone();
    // The official schema's verdict on a node our rules already explained (an unknown
    // type, a stray keyword) says the same thing less clearly: keep ours.
    let explained = |at: &str| {
        own.iter()
            .any(|(pointer, ..)| is_within(pointer, at) || is_within(at, pointer))
    };
    problems.extend(
        official::problems(raw)
            .into_iter()
            .filter(|(at, ..)| !explained(at)),
    );
    let mut findings = Findings::default();
    if problems.is_empty() {
        return findings;
    }
    let map = SourceMap::for_pointers(text, problems.iter().map(|(at, ..)| at.as_str()));
    let lines: Vec<&str> = text.lines().collect();
    for (pointer, message, harmless) in problems {
        let position = map.nearest(&pointer);
        let diagnostic = Diagnostic {
            file: name.to_string(),
            excerpt: position.and_then(|p| excerpt(&lines, p.line, p.column)),
            position: position.map(|p| (p.line, p.column)),
            pointer,
            message,
        };
        if harmless {
            findings.warnings.push(diagnostic);
        } else {
            findings.problems.push(diagnostic);
        }
    }
    for list in [&mut findings.problems, &mut findings.warnings] {
        list.sort_by(|a, b| {
            (a.position, &a.pointer, &a.message).cmp(&(b.position, &b.pointer, &b.message))
        });
        list.dedup();
    }
    findings
}

/// Whether `inner` is `outer` or a node below it.
fn is_within(inner: &str, outer: &str) -> bool {
    inner == outer || inner.starts_with(&format!("{outer}/")) || outer.is_empty()
}

/// The offending line with a caret under `column`, as rustc shows it.
pub(crate) fn excerpt(lines: &[&str], line: usize, column: usize) -> Option<String> {
    let text = lines.get(line.checked_sub(1)?)?;
    let shown: String = text.chars().take(120).collect();
    let gutter = line.to_string().len();
    let pad = " ".repeat(gutter);
    let caret = " ".repeat(column.saturating_sub(1).min(shown.chars().count()));
    Some(format!("{pad} |\n{line} | {shown}\n{pad} | {caret}^"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(text: &str) -> Vec<String> {
        let yaml: serde_yaml::Value = serde_yaml::from_str(text).unwrap();
        let raw = serde_json::to_value(yaml).unwrap();
        check("t.yaml", text, &raw)
            .problems
            .into_iter()
            .map(|d| {
                format!(
                    "{}:{} {} {}",
                    d.position.unwrap().0,
                    d.position.unwrap().1,
                    d.pointer,
                    d.message
                )
            })
            .collect()
    }

    const HEAD: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n";

    #[test]
    fn a_clean_document_has_no_problems() {
        assert_eq!(
            messages(&format!("{HEAD}paths: {{}}\n")),
            Vec::<String>::new()
        );
    }

    #[test]
    fn every_problem_is_reported_with_its_position() {
        let text = format!(
            "{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    A:\n      type: strin\n    B:\n      type: object\n      requird: [x]\n"
        );
        let found = messages(&text);
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(
            found[0].starts_with("7:7 /components/schemas/A/type"),
            "{found:#?}"
        );
        assert!(found[0].contains("did you mean `string`"), "{found:#?}");
        assert!(
            found[1].starts_with("10:7 /components/schemas/B/requird"),
            "{found:#?}"
        );
        assert!(found[1].contains("did you mean `required`"), "{found:#?}");
    }

    #[test]
    fn excerpts_point_at_the_column() {
        let lines = ["a:", "  type: strin"];
        assert_eq!(
            excerpt(&lines, 2, 3).unwrap(),
            "  |\n2 |   type: strin\n  |   ^"
        );
    }
}
