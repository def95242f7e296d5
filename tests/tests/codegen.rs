//! Code generation as a whole: `generated/` is fresh, output is deterministic, every
//! third-party document generates, and broken documents get diagnostics, not panics.

mod support;

use capi_generator::codegen::{self, Options};
use capi_generator::Spec;
use support::xtask;

#[test]
fn generated_crate_is_fresh() {
    let (code, out, err) = xtask(&["codegen", "--check"], b"");
    assert_eq!(
        code, 0,
        "generated/ is stale: run `cargo xtask codegen` and commit\n{out}{err}"
    );
}

#[test]
fn generation_is_deterministic() {
    let spec = support::spec();
    let options = Options {
        crate_name: capi_contract::codegen::WORKSPACE_CRATE.into(),
        source: "spec/capi.yaml".into(),
        standalone: false,
        examples: Some(codegen::readme::CLOUD_CONTROLLER_EXAMPLES.into()),
    };
    let first = codegen::generate(&spec, &options).unwrap().files;
    let again = codegen::generate(&support::spec(), &options).unwrap().files;
    assert_eq!(first, again);
    for (path, text) in &first {
        let marker = if path.ends_with(".rs") {
            "// @generated"
        } else if path.ends_with(".md") {
            "<!-- @generated"
        } else {
            "# @generated"
        };
        assert!(
            text.starts_with(marker),
            "{path} lacks the @generated header"
        );
    }
}

#[test]
fn every_third_party_document_generates() {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(support::shared().join("specs")).unwrap() {
        let path = entry.unwrap().path();
        if !path.extension().is_some_and(|e| e == "json" || e == "yaml") {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let spec = Spec::from_text(&name, &std::fs::read_to_string(&path).unwrap())
            .unwrap_or_else(|e| panic!("{e}"));
        let options = Options {
            crate_name: "third-party".into(),
            source: name.clone(),
            standalone: true,
            examples: None,
        };
        let generated = codegen::generate(&spec, &options).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            generated.files["Cargo.toml"].contains("[workspace]"),
            "{name}: a standalone crate"
        );
        names.push((
            name,
            generated.api.operations.len(),
            generated.api.models.len(),
        ));
    }
    names.sort();
    assert_eq!(names.len(), 6, "{names:?}");
    let nexus = names.iter().find(|(n, _, _)| n == "nexus.json").unwrap();
    assert!(nexus.1 > 150 && nexus.2 > 150, "nexus: {nexus:?}");
}

fn diagnostics(text: &str) -> String {
    match Spec::from_text("broken.yaml", text) {
        Err(problems) => problems.to_string(),
        Ok(spec) => match codegen::generate(
            &spec,
            &Options {
                crate_name: "x".into(),
                source: "x".into(),
                standalone: true,
                examples: None,
            },
        ) {
            Err(problems) => problems.to_string(),
            Ok(_) => "generated".into(),
        },
    }
}

#[test]
fn broken_documents_get_diagnostics_with_pointers() {
    let head = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n";
    for (body, expected) in [
        ("paths: {}\ncomponents:\n  schemas:\n    A: {$ref: 'other.yaml#/B'}\n", "broken.yaml:6:9 at #/components/schemas/A/$ref: `$ref: other.yaml#/B` points outside the document"),
        ("paths: {}\ncomponents:\n  schemas:\n    A: {properties: {b: {$ref: '#/components/schemas/Nope'}}}\n", "broken.yaml:6:26 at #/components/schemas/A/properties/b/$ref: `$ref: #/components/schemas/Nope` points at nothing"),
        ("paths:\n  /a:\n    get:\n      responses: 7\n", "broken.yaml:6:7 at #/paths/~1a/get/responses: does not match OpenAPI 3.0: 7 is not of type \"object\""),
        ("paths: [\n", "broken.yaml:4:1: not a YAML or JSON document"),
    ] {
        let found = diagnostics(&format!("{head}{body}"));
        assert!(found.starts_with(expected), "expected {expected:?}, found {found:?}");
    }
    assert!(
        diagnostics("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n")
            .contains("only OpenAPI 3.0.x")
    );
}

#[test]
fn codegen_command_reports_problems_and_exits_2() {
    let dir = support::empty_scratch_dir("capi-codegen");
    let spec = dir.join("broken.yaml");
    std::fs::write(&spec, "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents: {schemas: {A: {$ref: '#/nope'}}}\n").unwrap();
    let out = dir.join("out");
    let (code, _, err) = xtask(
        &[
            "codegen",
            "--spec",
            spec.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(code, 2);
    assert!(
        err.contains(
            "broken.yaml:4:28 at #/components/schemas/A/$ref: `$ref: #/nope` points at nothing"
        ),
        "{err}"
    );
    assert!(!out.exists(), "nothing is written for a broken spec");
}

#[test]
fn check_mode_reports_stale_output_with_a_diff_and_changes_nothing() {
    let dir = support::empty_scratch_dir("capi-codegen-check");
    let spec = support::root().join("tests/golden/tristate.yaml");
    let (spec, out) = (spec.to_str().unwrap(), dir.join("crate"));
    let out = out.to_str().unwrap();
    let (code, written, _) = xtask(&["codegen", "--spec", spec, "--out", out], b"");
    assert_eq!(code, 0);
    assert!(
        written.contains("types: 2, added Ref, ThingUpdate"),
        "{written}"
    );
    assert_eq!(
        xtask(&["codegen", "--check", "--spec", spec, "--out", out], b"").0,
        0
    );
    let models = dir.join("crate/src/models.rs");
    let edited = std::fs::read_to_string(&models)
        .unwrap()
        .replace("pub command", "pub commando");
    std::fs::write(&models, &edited).unwrap();
    let (code, report, _) = xtask(&["codegen", "--check", "--spec", spec, "--out", out], b"");
    assert_eq!(code, 1);
    assert!(
        report.contains("-    pub commando") && report.contains("+    pub command:"),
        "{report}"
    );
    assert!(
        report.contains("is stale (src/models.rs): run `cargo xtask codegen` and commit"),
        "{report}"
    );
    assert_eq!(
        std::fs::read_to_string(&models).unwrap(),
        edited,
        "--check writes nothing"
    );
    let (code, rewritten, _) = xtask(&["codegen", "--spec", spec, "--out", out], b"");
    assert_eq!(code, 0);
    assert!(rewritten.contains("wrote src/models.rs"), "{rewritten}");
}
