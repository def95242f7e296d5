//! Manifests: tab-separated lists of payload files and the target of each.
//!
//! The columns are those of the shared payload manifest: `file`, `source`, `method`,
//! `path_template`, `direction`, `status`, `valid_against_accurate_spec`, `notes`. The
//! first line is a header. A `file` of `-` stands for an exchange without a body. Fields
//! may be double-quoted, with `""` for a quote.
//!
//! The target of a row comes from `method`, `path_template`, `direction` and `status`:
//!
//! * `#/components/schemas/Name` — that schema;
//! * `/v3/…` (a template; a `?query` is ignored) — the request body (`request`) or the
//!   response body for `status` (`response`); a `#/pointer` suffix narrows the schema to
//!   that part of the payload (`response-fragment`, e.g. `#/resources/0`);
//!   alternatives separated by ` | ` must all hold;
//! * method `*` — the response for `status` of every operation that documents it;
//! * anything else is a concept, looked up in the aliases (see [`parse_aliases`]).

use std::collections::BTreeMap;

use serde_json::Value;

use super::dialect::Direction;
use super::outcome::{self, Match, Outcome};
use super::target::{Exchange, OperationSelector, Resolution, TargetSpec};
use super::Validator;

/// One row of a manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// 1-based line number in the manifest.
    pub line: usize,
    /// Payload path relative to the manifest, or `-` for no body.
    pub file: String,
    /// HTTP method, `*` or `-`.
    pub method: String,
    /// Path template, schema pointer or concept.
    pub path_template: String,
    /// `request`, `response`, `response-fragment` or `fragment`.
    pub direction: String,
    /// HTTP status, when given.
    pub status: Option<u16>,
    /// The expected verdict: `Some(true)` for `yes`, `Some(false)` for `no…`.
    pub expected_valid: Option<bool>,
    /// Free-text notes.
    pub notes: String,
}

/// A malformed manifest or alias line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ManifestError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Aliases: concept → target, as a schema pointer (`#/…`) or an inline schema in the
/// spec's dialect.
pub type Aliases = BTreeMap<String, AliasTarget>;

/// What a concept stands for.
#[derive(Debug, Clone, PartialEq)]
pub enum AliasTarget {
    /// A schema of the spec.
    Pointer(String),
    /// A schema written out, whose `$ref`s point into the spec.
    Inline(Value),
}

fn fields(line: &str) -> Vec<String> {
    line.split('\t')
        .map(
            |field| match field.strip_prefix('"').and_then(|f| f.strip_suffix('"')) {
                Some(inner) => inner.replace("\"\"", "\""),
                None => field.to_string(),
            },
        )
        .collect()
}

/// Parses a manifest's text.
pub fn parse(text: &str) -> Result<Vec<Row>, ManifestError> {
    let mut rows = Vec::new();
    for (index, line) in text.lines().enumerate().skip(1) {
        let number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let f = fields(line);
        if f.len() < 7 {
            return Err(ManifestError {
                line: number,
                message: format!(
                    "expected at least 7 tab-separated columns, found {}",
                    f.len()
                ),
            });
        }
        let status = match f[5].trim() {
            "" => None,
            s => Some(s.parse().map_err(|_| ManifestError {
                line: number,
                message: format!("status `{s}` is not a number"),
            })?),
        };
        let expected_valid = match f[6].trim() {
            "yes" => Some(true),
            v if v.starts_with("no") => Some(false),
            _ => None,
        };
        rows.push(Row {
            line: number,
            file: f[0].clone(),
            method: f[2].trim().to_string(),
            path_template: f[3].trim().to_string(),
            direction: f[4].trim().to_string(),
            status,
            expected_valid,
            notes: f.get(7).cloned().unwrap_or_default(),
        });
    }
    Ok(rows)
}

/// Parses aliases: one `concept<TAB>target` per line; `#` starts a comment line; the
/// target is a schema pointer (`#/components/schemas/Metadata`) or an inline JSON schema.
pub fn parse_aliases(text: &str) -> Result<Aliases, ManifestError> {
    let mut aliases = Aliases::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((concept, target)) = line.split_once('\t') else {
            return Err(ManifestError {
                line: number,
                message: "expected `concept<TAB>target`".into(),
            });
        };
        let target = target.trim();
        let target = if target.starts_with("#/") {
            AliasTarget::Pointer(target.trim_start_matches('#').to_string())
        } else {
            AliasTarget::Inline(serde_json::from_str(target).map_err(|e| ManifestError {
                line: number,
                message: format!("target is neither a `#/` pointer nor JSON: {e}"),
            })?)
        };
        aliases.insert(concept.trim().to_string(), target);
    }
    Ok(aliases)
}

/// Resolves a row's targets and how the payload must relate to them. `Err` says why the
/// row names no target this spec has.
pub fn resolve(
    row: &Row,
    validator: &mut Validator,
    aliases: &Aliases,
) -> Result<(Vec<Resolution>, Match), String> {
    if row.method == "*" {
        let exchange = match (row.direction.as_str(), row.status) {
            ("request", _) => Exchange::Request,
            (_, Some(status)) => Exchange::Response(status),
            (other, None) => return Err(format!("a {other} row needs a status")),
        };
        return Ok((every_operation_with(validator, exchange)?, Match::Any));
    }
    resolve_all(row, validator, aliases).map(|r| (r, Match::All))
}

fn resolve_all(
    row: &Row,
    validator: &mut Validator,
    aliases: &Aliases,
) -> Result<Vec<Resolution>, String> {
    let template = row.path_template.as_str();
    let direction = if row.direction == "request" {
        Direction::Request
    } else {
        Direction::Response
    };
    if let Some(alias) = aliases.get(template) {
        let target = match alias {
            AliasTarget::Pointer(p) => validator
                .resolve(&TargetSpec::Schema(format!("#{p}"), direction))
                .map_err(|e| e.to_string())?,
            AliasTarget::Inline(schema) => {
                Resolution::Body(validator.add_schema(schema, direction, template))
            }
        };
        return Ok(vec![target]);
    }
    if template.starts_with("#/") {
        return Ok(vec![validator
            .resolve(&TargetSpec::Schema(template.to_string(), direction))
            .map_err(|e| e.to_string())?]);
    }
    let exchange = match (row.direction.as_str(), row.status) {
        ("request", _) => Exchange::Request,
        (_, Some(status)) => Exchange::Response(status),
        (other, None) => return Err(format!("a {other} row needs a status")),
    };
    if !template.starts_with('/') {
        return Err(format!(
            "`{template}` is neither a path, a schema pointer nor a known alias"
        ));
    }
    let mut resolutions = Vec::new();
    for alternative in template.split(" | ") {
        let (path, fragment) = alternative
            .trim()
            .split_once('#')
            .unwrap_or((alternative.trim(), ""));
        let selector = OperationSelector::MethodPath {
            method: row.method.clone(),
            path: path.to_string(),
        };
        let resolution = validator
            .resolve(&TargetSpec::Operation(selector, exchange))
            .map_err(|e| e.to_string())?;
        resolutions.push(match resolution {
            Resolution::Body(target) if !fragment.is_empty() => {
                match validator.narrow(&target, fragment) {
                    Some(narrowed) => Resolution::Body(narrowed),
                    None => {
                        return Err(format!(
                            "the schema of {} has no part at #{fragment}",
                            target.label
                        ))
                    }
                }
            }
            other => other,
        });
    }
    Ok(resolutions)
}

/// Checks every row, reading each payload with `read` (given the row's `file`); a row
/// whose target or file cannot be had becomes an error outcome, and the rest go on.
/// `name` prefixes each outcome's input, e.g. `MANIFEST.tsv:12 payload.json`.
pub fn check_rows(
    validator: &mut Validator,
    rows: &[Row],
    aliases: &Aliases,
    name: &str,
    read: &mut dyn FnMut(&str) -> Result<Vec<u8>, String>,
) -> Vec<Outcome> {
    let mut outcomes = Vec::new();
    for row in rows {
        let input = format!("{name}:{} {}", row.line, row.file);
        let (resolutions, matching) = match resolve(row, validator, aliases) {
            Ok(resolved) => resolved,
            Err(problem) => {
                outcomes.push(Outcome::error(&input, Vec::new(), problem));
                continue;
            }
        };
        let payload = if row.file == "-" {
            Ok(None)
        } else {
            read(&row.file).map(Some)
        };
        outcomes.push(match payload {
            Ok(payload) => outcome::check_with(
                validator,
                &input,
                &resolutions,
                payload.as_deref(),
                matching,
            ),
            Err(problem) => Outcome::error(&input, Vec::new(), problem),
        });
    }
    outcomes
}

fn every_operation_with(
    validator: &Validator,
    exchange: Exchange,
) -> Result<Vec<Resolution>, String> {
    let mut seen = std::collections::BTreeSet::new();
    let mut resolutions = Vec::new();
    for operation in validator.operations().to_vec() {
        let selector = OperationSelector::MethodPath {
            method: operation.method.clone(),
            path: operation.path.clone(),
        };
        if let Ok(Resolution::Body(target)) =
            validator.resolve(&TargetSpec::Operation(selector, exchange))
        {
            if seen.insert(target.schema_pointer.clone()) {
                resolutions.push(Resolution::Body(target));
            }
        }
    }
    if resolutions.is_empty() {
        return Err("no operation documents a body for this status".into());
    }
    Ok(resolutions)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_quoted_fields_and_labels() {
        let text = "file\tsource\tmethod\tpath\tdirection\tstatus\tvalid\tnotes\n\
                    a.json\ts\tGET\t/v3/x\tresponse\t200\tno\t\"say \"\"hi\"\"\"\n-\ts\tDELETE\t/v3/x\tresponse\t204\tyes\t\n";
        let rows = parse(text).unwrap();
        assert_eq!(rows[0].notes, "say \"hi\"");
        assert_eq!(rows[0].expected_valid, Some(false));
        assert_eq!(rows[1].status, Some(204));
        assert_eq!(rows[1].line, 3);
    }

    #[test]
    fn reports_malformed_lines() {
        assert_eq!(parse("h\na\tb\n").unwrap_err().line, 2);
        assert_eq!(parse_aliases("# c\nx\tnot json\n").unwrap_err().line, 2);
        let aliases =
            parse_aliases("(m)\t#/components/schemas/M\n(i)\t{\"type\": \"object\"}\n").unwrap();
        assert_eq!(
            aliases["(m)"],
            AliasTarget::Pointer("/components/schemas/M".into())
        );
    }
}
