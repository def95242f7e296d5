//! The fast path of validation (simd-json tape, `Validator::proves_valid`) against the full
//! path (serde_json `Value`, `Validator::validate`): on every payload of every folder in
//! `../shared/payloads/MANIFEST.tsv`, against each target of its row, and on mutated copies
//! of each payload — every member removed, retyped, nulled, and enlarged past any bound —
//! the fast path proves a payload valid exactly when the full path finds no violation, with
//! and without `--strict`. (The checklist cases in `spec_rules.rs` assert the same.)

mod support;

use capi_generator::validate::{manifest, Resolution, Target, Validator};
use serde_json::{json, Value};

/// Every pointer to a member or element of `value`, depth first.
fn pointers(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let here = format!("{at}/{}", key.replace('~', "~0").replace('/', "~1"));
                out.push(here.clone());
                pointers(child, here, out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let here = format!("{at}/{i}");
                out.push(here.clone());
                pointers(child, here, out);
            }
        }
        _ => {}
    }
}

/// The same value retyped: a string becomes a number, anything else a string.
fn retyped(value: &Value) -> Value {
    match value {
        Value::String(_) => json!(7),
        other => Value::String(other.to_string()),
    }
}

/// The same value grown past any bound a schema may put on it.
fn enlarged(value: &Value) -> Value {
    match value {
        Value::String(text) => Value::String(format!("{text}{}", "x".repeat(5000))),
        Value::Number(n) if n.is_f64() => json!(n.as_f64().unwrap_or(0.0) * 1e300),
        Value::Number(_) => json!(9_223_372_036_854_775_808u64),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .cycle()
                .take(items.len() * 50)
                .cloned()
                .collect(),
        ),
        Value::Object(map) => {
            let mut map = map.clone();
            map.insert("zz_enlarged".into(), json!("x".repeat(300)));
            Value::Object(map)
        }
        other => other.clone(),
    }
}

/// Copies of `payload` with one change each.
fn mutations(payload: &Value) -> Vec<(String, Value)> {
    let mut at = Vec::new();
    pointers(payload, String::new(), &mut at);
    let mut out = Vec::new();
    for pointer in at {
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        let original = payload.pointer(&pointer).unwrap().clone();
        for (name, replacement) in [
            ("removed", None),
            ("retyped", Some(retyped(&original))),
            ("nulled", Some(Value::Null)),
            ("enlarged", Some(enlarged(&original))),
        ] {
            let mut copy = payload.clone();
            match (copy.pointer_mut(parent).unwrap(), replacement) {
                (Value::Object(map), None) => {
                    map.remove(&key.replace("~1", "/").replace("~0", "~"));
                }
                (Value::Array(items), None) => {
                    items.remove(key.parse::<usize>().unwrap());
                }
                (_, Some(value)) => *copy.pointer_mut(&pointer).unwrap() = value,
                _ => unreachable!(),
            }
            out.push((format!("{pointer} {name}"), copy));
        }
    }
    out
}

/// Where the paths disagree on `bytes`, a line saying so.
fn disagreement(
    validator: &Validator,
    target: &Target,
    bytes: &[u8],
    case: &str,
) -> Option<String> {
    for strict in [false, true] {
        let fast = validator.proves_valid(target, bytes, strict);
        let full = match capi_generator::validate::payload::parse(bytes) {
            Ok(value) if strict => validator
                .validate_strict(target, &value)
                .unwrap()
                .is_empty(),
            Ok(value) => validator.validate(target, &value).unwrap().is_empty(),
            Err(_) => false,
        };
        if fast != full {
            return Some(format!(
                "{case} against {} (strict {strict}): fast path proves valid = {fast}, full path finds no violation = {full}",
                target.label
            ));
        }
    }
    None
}

#[test]
fn fast_and_full_paths_agree_on_every_payload_and_mutation() {
    let payloads = support::shared().join("payloads");
    let rows =
        manifest::parse(&std::fs::read_to_string(payloads.join("MANIFEST.tsv")).unwrap()).unwrap();
    let aliases = manifest::parse_aliases(
        &std::fs::read_to_string(support::root().join("tests/fixtures/manifest-aliases.tsv"))
            .unwrap(),
    )
    .unwrap();
    let mut validator = support::validator();
    let (mut wrong, mut checked, mut proven) = (Vec::new(), 0usize, 0usize);
    for row in &rows {
        if row.file == "-" {
            continue;
        }
        let Ok((resolutions, _)) = manifest::resolve(row, &mut validator, &aliases) else {
            continue;
        };
        let bytes = std::fs::read(payloads.join(&row.file)).unwrap();
        let parsed: Option<Value> = serde_json::from_slice(&bytes).ok();
        for resolution in &resolutions {
            let Resolution::Body(target) = resolution else {
                continue;
            };
            let mut cases = vec![(row.file.clone(), bytes.clone())];
            if let Some(payload) = &parsed {
                for (change, copy) in mutations(payload) {
                    cases.push((
                        format!("{} {change}", row.file),
                        serde_json::to_vec(&copy).unwrap(),
                    ));
                }
            }
            for (case, bytes) in cases {
                checked += 1;
                proven += usize::from(validator.proves_valid(target, &bytes, false));
                wrong.extend(disagreement(&validator, target, &bytes, &case));
            }
        }
    }
    eprintln!("{checked} cases, {proven} proven valid by the fast path");
    assert!(
        wrong.is_empty(),
        "{} of {checked} cases disagree:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    // The corpus exercises both answers: most mutations break a payload, the originals not.
    assert!(
        proven > 50 && proven < checked,
        "{proven} of {checked} proven valid"
    );
}

#[test]
fn what_the_tape_cannot_vouch_for_goes_to_the_full_path() {
    let validator = support::validator();
    let Resolution::Body(target) = validator
        .resolve(&capi_generator::validate::TargetSpec::Schema(
            "#/components/schemas/Metadata".into(),
            capi_generator::validate::Direction::Response,
        ))
        .unwrap()
    else {
        panic!("no Metadata schema")
    };
    let good = br#"{"labels": {"a": "b"}, "annotations": {}}"#;
    assert!(validator.proves_valid(&target, good, false));
    assert!(validator.proves_valid(
        &target,
        b"\xEF\xBB\xBF{\"labels\": {}, \"annotations\": {}}",
        false
    ));
    // Not JSON to serde_json, whatever simd-json makes of them.
    for bytes in [
        &br#"{"labels": {"a": "\ud800"}, "annotations": {}}"#[..],
        br#"{"labels": {}, "annotations": {}} x"#,
        b"  ",
        br#"{"labels": {"a": "b",}, "annotations": {}}"#,
    ] {
        assert!(
            !validator.proves_valid(&target, bytes, false),
            "{}",
            String::from_utf8_lossy(bytes)
        );
    }
    // A key given twice: serde_json keeps the last, so the tape does not decide.
    let twice = br#"{"labels": {"a": "b"}, "annotations": {}, "labels": {}}"#;
    assert!(!validator.proves_valid(&target, twice, false));
    // Keys are told apart by a summary first: many distinct keys (some with the same
    // summary) are still proven valid, and a key given twice is caught however many
    // keys stand between, in a nested object too.
    let keys: Vec<String> = (0..40).map(|n| format!("\"k{n:02}x\": \"v\"")).collect();
    let distinct = format!(
        r#"{{"labels": {{{}}}, "annotations": {{}}}}"#,
        keys.join(", ")
    );
    assert!(validator.proves_valid(&target, distinct.as_bytes(), false));
    let repeated = format!(
        r#"{{"labels": {{{}, "k00x": "w"}}, "annotations": {{}}}}"#,
        keys.join(", ")
    );
    assert!(!validator.proves_valid(&target, repeated.as_bytes(), false));
}
