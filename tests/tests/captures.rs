//! Captures as the real tools write them: every trace under `tests/fixtures/traces/` and
//! every HAR under `tests/fixtures/hars/` is checked by `validate`, and the report must
//! match the `.expected` file beside it (one fixture = one case; adding a fixture adds a
//! case).
//!
//! A fixture is the capture's text with placeholders for the real payloads of
//! `../shared/payloads` (read in place, never copied), written the way the tool writes
//! them:
//!
//! - `{{cli:PATH}}` — as the cf CLI writes a JSON body (`util/ui/sanitize_json.go`: Go's
//!   encoder, two-space indent, keys sorted, `<>&` not escaped, every value whose key
//!   matches `token|password` replaced by `[PRIVATE DATA HIDDEN]`);
//! - `{{raw:PATH}}` — the payload's bytes as the server sent them (v6's legacy dumper);
//! - `{{text:PATH}}`, `{{base64:PATH}}`, `{{gzip-base64:PATH}}` — inside a HAR's JSON
//!   string: the compact JSON, escaped; base64 of it; base64 of it gzip-compressed;
//! - `PATH|/pointer=JSON|…` — the payload with values replaced (a broken answer);
//! - `{{ESC}}` — the escape byte of ANSI colours; `{{CR}}` — a carriage return (CRLF).
//!
//! The `.expected` file lists, in order, one line per outcome — `ok TARGET`, `invalid
//! TARGET | text | text…` (texts that must appear in the outcome's input or violations),
//! `error TEXT` — then `note TEXT` lines (each note the report must hold, and no other),
//! and `exit N`. Lines starting with `#` say why.

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::Value;
use support::xtask;

fn payload_value(spec: &str) -> Value {
    let mut parts = spec.split('|');
    let path = parts.next().unwrap().trim();
    let mut value = support::payload(path);
    for edit in parts {
        let (pointer, replacement) = edit
            .trim()
            .split_once('=')
            .unwrap_or_else(|| panic!("an edit is /pointer=JSON, found {edit:?}"));
        let replacement: Value = serde_json::from_str(replacement)
            .unwrap_or_else(|e| panic!("{edit:?}: the replacement is not JSON: {e}"));
        *value
            .pointer_mut(pointer)
            .unwrap_or_else(|| panic!("{path} has no {pointer}")) = replacement;
    }
    value
}

/// The cf CLI's `SanitizeJSON`: keys matching `(?i)token|password` are hidden.
fn sanitized(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let lower = k.to_ascii_lowercase();
                    if lower.contains("token") || lower.contains("password") {
                        (k.clone(), Value::from("[PRIVATE DATA HIDDEN]"))
                    } else {
                        (k.clone(), sanitized(v))
                    }
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(sanitized).collect()),
        other => other.clone(),
    }
}

/// Go's `json.Encoder` with `SetIndent("", "  ")` and `SetEscapeHTML(false)`: object
/// keys sorted (Go sorts map keys), `": "` between key and value, `{}`/`[]` when empty.
fn go_indent(value: &Value, depth: usize, out: &mut String) {
    let pad = |n: usize| "  ".repeat(n);
    match value {
        Value::Object(map) if !map.is_empty() => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push_str("{\n");
            for (i, key) in keys.iter().enumerate() {
                out.push_str(&pad(depth + 1));
                out.push_str(&go_string(key));
                out.push_str(": ");
                go_indent(&map[*key], depth + 1, out);
                out.push_str(if i + 1 < keys.len() { ",\n" } else { "\n" });
            }
            out.push_str(&pad(depth));
            out.push('}');
        }
        Value::Array(items) if !items.is_empty() => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                out.push_str(&pad(depth + 1));
                go_indent(item, depth + 1, out);
                out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
            }
            out.push_str(&pad(depth));
            out.push(']');
        }
        Value::String(text) => out.push_str(&go_string(text)),
        other => out.push_str(&other.to_string()),
    }
}

fn go_string(text: &str) -> String {
    serde_json::to_string(text)
        .unwrap()
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

fn expand(placeholder: &str) -> String {
    let (kind, spec) = placeholder
        .split_once(':')
        .map_or((placeholder, ""), |(k, s)| (k, s));
    match kind {
        "ESC" => "\u{1b}".into(),
        "CR" => "\r".into(),
        "cli" => {
            let mut out = String::new();
            go_indent(&sanitized(&payload_value(spec)), 0, &mut out);
            out
        }
        "raw" => {
            let path = support::shared().join("payloads").join(spec.trim());
            if spec.contains('|') {
                serde_json::to_string_pretty(&payload_value(spec)).unwrap()
            } else {
                std::fs::read_to_string(&path)
                    .unwrap()
                    .trim_end()
                    .to_string()
            }
        }
        "text" => {
            let compact = payload_value(spec).to_string();
            let quoted = serde_json::to_string(&compact).unwrap();
            quoted[1..quoted.len() - 1].to_string()
        }
        "base64" => support::base64(payload_value(spec).to_string().as_bytes()),
        "gzip-base64" => {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            encoder
                .write_all(payload_value(spec).to_string().as_bytes())
                .unwrap();
            support::base64(&encoder.finish().unwrap())
        }
        other => panic!("unknown placeholder {{{{{other}:…}}}}"),
    }
}

fn render(template: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find("}}")
            .unwrap_or_else(|| panic!("an unclosed {{{{ in the fixture"))
            + start;
        out.push_str(&expand(&rest[start + 2..end]));
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

struct Expected {
    outcomes: Vec<(String, String, Vec<String>)>,
    notes: Vec<String>,
    exit: u8,
}

fn expected(path: &Path) -> Expected {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: every fixture needs one: {e}", path.display()));
    let mut expected = Expected {
        outcomes: Vec::new(),
        notes: Vec::new(),
        exit: 0,
    };
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
        match word {
            "exit" => expected.exit = rest.trim().parse().unwrap(),
            "note" => expected.notes.push(rest.trim().to_string()),
            "ok" | "invalid" | "error" | "outside" => {
                let mut parts = rest.split('|').map(|p| p.trim().to_string());
                let target = parts.next().unwrap_or_default();
                expected
                    .outcomes
                    .push((word.to_string(), target, parts.collect()));
            }
            other => panic!("{}: unknown line {other:?}", path.display()),
        }
    }
    expected
}

fn fixtures(folder: &str, extension: &str) -> Vec<PathBuf> {
    let dir = support::root().join("tests/fixtures").join(folder);
    let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == extension))
        .collect();
    found.sort();
    assert!(!found.is_empty(), "no fixtures in {}", dir.display());
    found
}

/// Checks one fixture; returns what went wrong, if anything.
fn check(fixture: &Path, out_dir: &Path, trace: bool) -> Result<(), String> {
    let template = std::fs::read_to_string(fixture).unwrap();
    let rendered = render(&template);
    let name = fixture.file_name().unwrap().to_string_lossy().to_string();
    let capture = out_dir.join(&name);
    if name.contains(".utf16.") {
        // What Windows PowerShell's `>` writes: UTF-16LE with a byte-order mark.
        let mut bytes = vec![0xFF, 0xFE];
        let crlf = rendered.replace('\n', "\r\n");
        bytes.extend(crlf.encode_utf16().flat_map(u16::to_le_bytes));
        std::fs::write(&capture, bytes).unwrap();
    } else {
        std::fs::write(&capture, &rendered).unwrap();
    }
    let capture_name = capture.display().to_string();
    let expected = expected(&fixture.with_extension("expected"));
    let (code, out, err) = xtask(&["validate", "--format", "json", &capture_name], b"");
    let report: Value =
        serde_json::from_str(&out).map_err(|e| format!("not a JSON report ({e}):\n{out}{err}"))?;
    let outcomes = report["outcomes"].as_array().cloned().unwrap_or_default();
    let mut problems = Vec::new();
    if code != expected.exit {
        problems.push(format!("exit {code}, expected {}", expected.exit));
    }
    if outcomes.len() != expected.outcomes.len() {
        problems.push(format!(
            "{} outcomes, expected {}",
            outcomes.len(),
            expected.outcomes.len()
        ));
    }
    let lines: Vec<&str> = rendered.lines().collect();
    let mut last_line = 0;
    for (i, (outcome, (verdict, target, texts))) in
        outcomes.iter().zip(&expected.outcomes).enumerate()
    {
        let input = outcome["input"].as_str().unwrap_or_default();
        let got_verdict = match outcome["verdict"].as_str() {
            Some("valid") => "ok",
            Some(other) => other,
            None => "?",
        };
        let targets: Vec<&str> = outcome["targets"]
            .as_array()
            .map(|t| t.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let targets = if targets.is_empty() {
            "-".to_string()
        } else {
            targets.join("; ")
        };
        let violations: Vec<String> = outcome["violations"]
            .as_array()
            .map(|vs| {
                vs.iter()
                    .map(|v| {
                        format!(
                            "{} {}: expected {}, found {}",
                            v["part"].as_str().unwrap_or_default(),
                            v["pointer"].as_str().unwrap_or_default(),
                            v["expected"].as_str().unwrap_or_default(),
                            v["found"].as_str().unwrap_or_default()
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let problem = outcome["problem"].as_str().unwrap_or_default();
        let said = format!("{input}\n{problem}\n{}", violations.join("\n"));
        if got_verdict != verdict {
            problems.push(format!(
                "outcome {}: {got_verdict}, expected {verdict}:\n{said}",
                i + 1
            ));
        }
        if verdict == "error" {
            if !said.contains(target.as_str()) {
                problems.push(format!("outcome {}: no {target:?} in:\n{said}", i + 1));
            }
            continue;
        }
        if targets != *target {
            problems.push(format!(
                "outcome {}: targets {targets:?}, expected {target:?}",
                i + 1
            ));
        }
        for text in texts {
            if !said.contains(text.as_str()) {
                problems.push(format!("outcome {}: no {text:?} in:\n{said}", i + 1));
            }
        }
        if verdict == "ok" && !violations.is_empty() {
            problems.push(format!("outcome {}: valid with violations", i + 1));
        }
        // Each exchange names the line of its marker.
        if trace {
            let line = input
                .strip_prefix(&format!("{capture_name}:"))
                .and_then(|rest| rest.split(':').next())
                .and_then(|n| n.parse::<usize>().ok());
            match line {
                Some(n)
                    if n > last_line
                        && lines.get(n - 1).is_some_and(|l| l.contains("REQUEST:")) =>
                {
                    last_line = n
                }
                _ => problems.push(format!(
                    "outcome {}: {input:?} does not name the line of its REQUEST marker",
                    i + 1
                )),
            }
        }
    }
    let notes: Vec<&str> = report["notes"]
        .as_array()
        .map(|n| n.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if notes.len() != expected.notes.len() {
        problems.push(format!(
            "{} notes, expected {}: {notes:#?}",
            notes.len(),
            expected.notes.len()
        ));
    }
    for text in &expected.notes {
        if !notes.iter().any(|n| n.contains(text.as_str())) {
            problems.push(format!("no note says {text:?}: {notes:#?}"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{name}:\n  {}\n--- report:\n{out}",
            problems.join("\n  ")
        ))
    }
}

fn run_all(folder: &str, extension: &str, trace: bool) {
    let out_dir =
        std::env::temp_dir().join(format!("capi-captures-{folder}-{}", std::process::id()));
    std::fs::create_dir_all(&out_dir).unwrap();
    let failures: Vec<String> = fixtures(folder, extension)
        .iter()
        .filter_map(|f| check(f, &out_dir, trace).err())
        .collect();
    let _ = std::fs::remove_dir_all(&out_dir);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn cf_cli_traces_are_read_as_the_cli_writes_them() {
    run_all("traces", "txt", true);
}

#[test]
fn hars_are_read_as_real_exporters_write_them() {
    run_all("hars", "har", false);
}

#[test]
fn the_go_encoder_shape_matches_the_cf_cli_unit_test() {
    // util/ui/request_logger_file_writer_test.go: `{"a":"b", "c":"d", "don't escape HTML":"<&>"}`.
    let value: Value =
        serde_json::from_str(r#"{"c":"d", "a":"b", "don't escape HTML":"<&>"}"#).unwrap();
    let mut out = String::new();
    go_indent(&value, 0, &mut out);
    assert_eq!(
        out,
        "{\n  \"a\": \"b\",\n  \"c\": \"d\",\n  \"don't escape HTML\": \"<&>\"\n}"
    );
}
