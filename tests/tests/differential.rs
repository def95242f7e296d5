//! One meaning in every tool: every payload of `../shared/payloads/MANIFEST.tsv`, every
//! example in the spec and every checklist case (`support/checklist.rs`) is judged by our
//! validator and by an independent, strict one — `tests/lint/strict.cjs`: the spec's
//! schemas converted by `@openapi-contrib/openapi-schema-to-json-schema` and checked by
//! ajv — and the two verdicts must be the same. The only cases allowed to differ are
//! listed in [`EXTENSIONS`] by name: there our extension `x-property-names`, which
//! OpenAPI 3.0 tools cannot see, makes us stricter (and each of them must still differ,
//! for that reason alone).
//!
//! The judge needs Node and the npm packages `.ci/run` installs into `target/lint`
//! (`npm ci` of `tests/lint/package.json`). With `CAPI_SLOW_TESTS=1` (as in CI) missing
//! tools fail the test; without it the test says it was skipped.

mod support;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use capi_generator::validate::manifest::{self, AliasTarget};
use capi_generator::validate::{
    examples, Direction, Exchange, OperationSelector, Resolution, Target, TargetSpec, Validator,
};
use serde_json::{json, Value};

/// Cases where our verdict is "invalid" and the strict one "valid" because of
/// `x-property-names` (metadata keys, environment variable names).
const EXTENSIONS: &[&str] = &[
    r#"checklist ccng-v3-docs/process_get.json get_process 200 [/metadata/labels => {"example/env":"x"}]"#,
    r#"checklist ccng-v3-docs/process_update_request.json update_process request [/metadata/labels => {"cloudfoundry.org/x":"y"}]"#,
    r#"checklist ccng-v3-docs/app_create_request.json create_app request [/environment_variables => {"VCAP_SERVICES":"x"}]"#,
    r#"checklist ccng-v3-docs/app_create_request.json create_app request [/environment_variables => {"PORT":"8080"}]"#,
];

/// One payload against one schema.
struct Case {
    name: String,
    target: Target,
    /// The schema, when it is not in the spec file (an inline manifest alias).
    inline: Option<Value>,
    value: Value,
}

fn tools() -> Option<PathBuf> {
    let modules = support::root().join("target/lint/node_modules");
    let node = Command::new("node").arg("--version").output();
    (modules.join("ajv-draft-04").is_dir() && node.is_ok_and(|o| o.status.success()))
        .then_some(modules)
}

fn direction(target: &Target) -> &'static str {
    match target.direction {
        Direction::Request => "request",
        Direction::Response => "response",
    }
}

fn manifest_cases(validator: &mut Validator) -> Vec<Case> {
    let dir = support::shared().join("payloads");
    let rows =
        manifest::parse(&std::fs::read_to_string(dir.join("MANIFEST.tsv")).unwrap()).unwrap();
    let aliases = manifest::parse_aliases(
        &std::fs::read_to_string(support::root().join("tests/fixtures/manifest-aliases.tsv"))
            .unwrap(),
    )
    .unwrap();
    let mut cases = Vec::new();
    for row in rows.iter().filter(|row| row.file != "-") {
        let Ok(value) =
            serde_json::from_slice::<Value>(&std::fs::read(dir.join(&row.file)).unwrap())
        else {
            continue; // not JSON: neither judge has a verdict on a schema
        };
        let (resolutions, _) = manifest::resolve(row, validator, &aliases)
            .unwrap_or_else(|e| panic!("MANIFEST.tsv:{}: {e}", row.line));
        let inline = match aliases.get(&row.path_template) {
            Some(AliasTarget::Inline(schema)) => Some(schema.clone()),
            _ => None,
        };
        for resolution in resolutions {
            if let Resolution::Body(target) = resolution {
                cases.push(Case {
                    name: format!("MANIFEST.tsv:{} {} ({})", row.line, row.file, target.label),
                    target,
                    inline: inline.clone(),
                    value: value.clone(),
                });
            }
        }
    }
    cases
}

fn example_cases(validator: &Validator) -> Vec<Case> {
    examples::collect(validator.spec())
        .into_iter()
        .map(|example| Case {
            name: format!("example #{} ({})", example.location, example.target.label),
            target: example.target,
            inline: None,
            value: example.value,
        })
        .collect()
}

fn checklist_cases(validator: &Validator) -> Vec<Case> {
    support::checklist::all()
        .into_iter()
        .map(|case| {
            let (id, body) = case.target.split_once(' ').unwrap();
            let exchange = match body {
                "request" => Exchange::Request,
                status => Exchange::Response(status.parse().unwrap()),
            };
            let selector = TargetSpec::Operation(OperationSelector::Id(id.into()), exchange);
            let Ok(Resolution::Body(target)) = validator.resolve(&selector) else {
                panic!("{} has no body", case.target)
            };
            Case {
                name: format!("checklist {}", case.name()),
                target,
                inline: None,
                value: case.payload(),
            }
        })
        .collect()
}

/// The strict judge's verdicts, one per case, in order.
fn strict_verdicts(modules: &PathBuf, cases: &[Case]) -> Vec<(bool, Vec<String>)> {
    let spec = support::root().join("spec/capi.yaml");
    let input = json!({
        "spec": spec,
        "cases": cases.iter().map(|case| match &case.inline {
            Some(schema) => json!({"inline": schema, "direction": direction(&case.target), "value": case.value}),
            None => json!({"schema": case.target.schema_pointer, "direction": direction(&case.target), "value": case.value}),
        }).collect::<Vec<_>>(),
    });
    let mut child = Command::new("node")
        .arg(support::root().join("tests/lint/strict.cjs"))
        .env("NODE_PATH", modules)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "the strict judge failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let verdicts: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(verdicts.len(), cases.len());
    verdicts
        .into_iter()
        .map(|v| {
            let errors = v["errors"].as_array().cloned().unwrap_or_default();
            (
                v["valid"].as_bool().unwrap(),
                errors.iter().map(|e| e.to_string()).collect(),
            )
        })
        .collect()
}

#[test]
fn a_strict_third_party_validator_gives_the_same_verdicts() {
    let Some(modules) = tools() else {
        assert!(
            std::env::var_os("CAPI_SLOW_TESTS").is_none(),
            "node or target/lint/node_modules is missing: run `npm ci` in target/lint (see .ci/run)"
        );
        eprintln!("skipped: node or target/lint/node_modules is missing (see .ci/run)");
        return;
    };
    let mut validator = support::validator();
    let mut cases = manifest_cases(&mut validator);
    let manifest = cases.len();
    cases.extend(example_cases(&validator));
    let examples = cases.len() - manifest;
    cases.extend(checklist_cases(&validator));
    let checklist = cases.len() - manifest - examples;
    assert!(
        manifest >= 60 && examples >= 20 && checklist >= 80,
        "{manifest} manifest, {examples} example and {checklist} checklist cases"
    );
    let strict = strict_verdicts(&modules, &cases);
    let mut disagreements = Vec::new();
    let mut excused = Vec::new();
    for (case, (strict_valid, strict_errors)) in cases.iter().zip(strict) {
        let ours = validator.validate(&case.target, &case.value).unwrap();
        let by_extension = !ours.is_empty()
            && strict_valid
            && ours
                .iter()
                .all(|v| v.expected.starts_with("a property name"));
        match (
            ours.is_empty() == strict_valid,
            EXTENSIONS.contains(&case.name.as_str()),
        ) {
            (true, false) => {}
            (false, true) if by_extension => excused.push(case.name.clone()),
            (_, listed) => disagreements.push(format!(
                "{}{}: ours {}, strict {}\n    ours:   {:?}\n    strict: {strict_errors:?}",
                case.name,
                if listed {
                    " (listed in EXTENSIONS)"
                } else {
                    ""
                },
                if ours.is_empty() { "valid" } else { "invalid" },
                if strict_valid { "valid" } else { "invalid" },
                ours.iter()
                    .map(|v| format!("{} {}", v.pointer, v.expected))
                    .collect::<Vec<_>>(),
            )),
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} of {} cases ({manifest} manifest, {examples} examples, {checklist} checklist) disagree:\n{}",
        disagreements.len(),
        cases.len(),
        disagreements.join("\n")
    );
    assert_eq!(excused.len(), EXTENSIONS.len());
}
