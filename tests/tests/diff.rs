//! `capi-contract diff` as a user meets it, driven over fixture folders:
//!
//! * `tests/fixtures/diff/<rule-id>/` — one small before/after pair per rule (`old.yaml`,
//!   `new.yaml`) and the report expected for it (`expected.txt`); the pair must raise its
//!   rule, and every rule must have a folder (adding a rule adds a fixture, no code);
//! * `tests/fixtures/diff-real/<name>/` — real published versions of real APIs (`SOURCE`
//!   says where each came from) with the report checked by hand in places.
//!
//! `UPDATE_EXPECT=1` rewrites the `expected.txt` files; review the change before committing.

mod support;

use std::path::{Path, PathBuf};

use capi_generator::diff::RULES;
use support::xtask;

/// Fixture folders under `tests/fixtures/<kind>/`, by name.
fn folders(kind: &str) -> Vec<(String, PathBuf)> {
    let dir = support::root().join("tests/fixtures").join(kind);
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .map(|path| {
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                path,
            )
        })
        .collect();
    out.sort();
    out
}

/// The one file in `dir` called `stem.*` (`old.yaml`, `old.json`).
fn document(dir: &Path, stem: &str) -> PathBuf {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| path.file_stem().is_some_and(|s| s == stem))
        .unwrap_or_else(|| panic!("{}: no {stem}.*", dir.display()))
}

/// Runs `diff` on a fixture folder, with paths relative to this package (cargo runs tests
/// there) so that the report reads the same on every machine.
fn run_diff(dir: &Path, extra: &[&str]) -> (u8, String, String) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let relative = |path: PathBuf| path.strip_prefix(&root).unwrap().display().to_string();
    let (old, new) = (
        relative(document(dir, "old")),
        relative(document(dir, "new")),
    );
    let mut args = vec!["diff", old.as_str(), new.as_str()];
    args.extend_from_slice(extra);
    xtask(&args, b"")
}

/// Compares a report with `expected.txt`, or rewrites it under `UPDATE_EXPECT=1`.
fn expect(dir: &Path, actual: &str) -> Result<(), String> {
    let path = dir.join("expected.txt");
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&path, actual).unwrap();
        return Ok(());
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if expected == actual {
        Ok(())
    } else {
        Err(format!(
            "{}: the report differs from expected.txt (UPDATE_EXPECT=1 rewrites it)\n--- expected\n{expected}\n--- actual\n{actual}",
            dir.display()
        ))
    }
}

#[test]
fn each_rule_fixture_raises_its_rule_and_reports_what_it_expects() {
    let mut failures = Vec::new();
    for (rule_id, dir) in folders("diff") {
        let (code, out, err) = run_diff(&dir, &[]);
        let Some(rule) = RULES.iter().find(|r| r.id == rule_id) else {
            failures.push(format!("{rule_id}: no rule has this id"));
            continue;
        };
        if !out.contains(&format!("[{rule_id}]")) {
            failures.push(format!(
                "{rule_id}: the pair does not raise its rule\n{out}{err}"
            ));
        }
        // The default fails on every breaking class: a fixture of a breaking rule exits 1.
        let breaking = rule.class != capi_generator::diff::Class::Compatible;
        if breaking && code != 1 {
            failures.push(format!("{rule_id}: exit {code}, expected 1\n{out}{err}"));
        }
        if let Err(message) = expect(&dir, &out) {
            failures.push(message);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_rule_has_a_fixture_and_a_row_in_the_readme() {
    let fixtures: Vec<String> = folders("diff").into_iter().map(|(name, _)| name).collect();
    let readme = std::fs::read_to_string(support::root().join("README.md")).unwrap();
    for rule in RULES {
        assert!(
            fixtures.iter().any(|f| f == rule.id),
            "rule {} has no fixture under tests/fixtures/diff/",
            rule.id
        );
        assert!(
            readme.contains(&format!("| `{}` | {} |", rule.id, rule.class)),
            "README.md has no row `| `{}` | {} |`",
            rule.id,
            rule.class
        );
    }
}

#[test]
fn real_pairs_report_what_was_checked() {
    let mut failures = Vec::new();
    for (_, dir) in folders("diff-real") {
        let (code, out, err) = run_diff(&dir, &["--fail-on", "none"]);
        if code != 0 {
            failures.push(format!("{}: exit {code}\n{err}", dir.display()));
        }
        if let Err(message) = expect(&dir, &out) {
            failures.push(message);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn reordering_every_map_and_enum_is_no_change() {
    // The contract itself with every object's keys and every enum reversed.
    fn reverse(value: &mut serde_json::Value, key: Option<&str>) {
        match value {
            serde_json::Value::Object(map) => {
                let mut entries: Vec<_> = std::mem::take(map).into_iter().collect();
                entries.reverse();
                for (k, mut v) in entries {
                    reverse(&mut v, Some(&k));
                    map.insert(k, v);
                }
            }
            serde_json::Value::Array(items) => {
                if matches!(key, Some("enum" | "required" | "tags")) {
                    items.reverse();
                }
                for item in items {
                    reverse(item, None);
                }
            }
            _ => {}
        }
    }
    let mut raw = support::spec().raw;
    reverse(&mut raw, None);
    let dir = std::env::temp_dir().join(format!("capi-diff-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let reordered = dir.join("reordered.json");
    std::fs::write(&reordered, serde_json::to_string_pretty(&raw).unwrap()).unwrap();
    let spec = support::root().join("spec/capi.yaml");
    let (code, out, err) = xtask(
        &[
            "diff",
            &spec.display().to_string(),
            &reordered.display().to_string(),
        ],
        b"",
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("no changes between"), "{out}");
}

#[test]
fn a_git_revision_is_read_with_git() {
    // Both sides from git, so the answer does not depend on the work tree.
    // `REV:path` is relative to the repository's root, wherever git runs in it.
    let (code, out, err) = xtask(&["diff", "HEAD:spec/capi.yaml", "HEAD:spec/capi.yaml"], b"");
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.starts_with("no changes between HEAD:spec/capi.yaml and HEAD:spec/capi.yaml"),
        "{out}"
    );
    let (code, _, err) = xtask(&["diff", "no-such-revision:spec/capi.yaml", "x.yaml"], b"");
    assert_eq!(code, 2);
    assert!(
        err.contains("cannot read no-such-revision:spec/capi.yaml from git"),
        "{err}"
    );
}

#[test]
fn machine_formats_carry_rule_class_and_both_locations() {
    let dir = support::root().join("tests/fixtures/diff/request-required-property-added");
    let (code, out, _) = run_diff(&dir, &["--format", "json"]);
    assert_eq!(code, 1);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["version"], 1);
    let finding = &report["findings"][0];
    assert_eq!(finding["rule"], "request-required-property-added");
    assert_eq!(finding["class"], "breaking-for-clients");
    assert_eq!(finding["fails"], true);
    assert_eq!(
        finding["new"]["pointer"],
        "/components/schemas/ThingCreate/properties/space"
    );
    assert!(finding["new"]["line"].as_u64().unwrap() > 1, "{finding}");
    assert!(finding["old"]["line"].as_u64().unwrap() > 1, "{finding}");
    // The same change also gives the generated struct a required field.
    assert_eq!(report["findings"][1]["rule"], "rust-required-field-added");
    assert_eq!(report["summary"]["failing"], 2);

    let (_, out, _) = run_diff(&dir, &["--format", "junit"]);
    let xml = roxmltree::Document::parse(&out).unwrap();
    let suites = xml.root_element();
    assert_eq!(suites.attribute("tests"), Some("2"));
    assert_eq!(suites.attribute("failures"), Some("2"));

    let (_, out, _) = run_diff(&dir, &["--format", "github"]);
    let first = out.lines().next().unwrap();
    assert!(
        first.starts_with(
            "::error file=fixtures/diff/request-required-property-added/new.yaml,line="
        ),
        "{out}"
    );
    assert!(
        first.contains("title=request-required-property-added (breaking-for-clients)::"),
        "{out}"
    );
}

#[test]
fn fail_on_chooses_what_fails_the_run() {
    let dir = support::root().join("tests/fixtures/diff/response-enum-value-added");
    // A compatible change for generated clients (their enums are open) passes by default…
    let (code, out, _) = run_diff(&dir, &[]);
    assert!(out.contains("[response-enum-value-added]"), "{out}");
    let compatible_only = !out.contains("FAIL ");
    assert_eq!(code, u8::from(!compatible_only), "{out}");
    // …and fails when its rule is named, as a client with closed enums would want.
    let (code, _, _) = run_diff(&dir, &["--fail-on", "response-enum-value-added"]);
    assert_eq!(code, 1);
    let (code, _, _) = run_diff(&dir, &["--fail-on", "none"]);
    assert_eq!(code, 0);
    let (code, _, err) = run_diff(&dir, &["--fail-on", "breaking-for-nobody"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("`breaking-for-nobody` is neither a class"),
        "{err}"
    );
}

/// `tests/fixtures/diff-versions/<name>/`: `args` (the `--cc-version` range and any other
/// flags, one line) and either `spec.yaml` (a small annotated contract, given as `--spec`)
/// with the exact report in `expected.txt`, or no spec (the embedded contract) with
/// `includes.txt`: finding lines checked by hand that the report must hold (the embedded
/// contract grows, so its whole report is not fixed here). Optional `exit` (default 1).
#[test]
fn cc_version_compares_the_contract_at_two_versions() {
    let mut failures = Vec::new();
    for (name, dir) in folders("diff-versions") {
        let args = std::fs::read_to_string(dir.join("args")).unwrap();
        let mut argv: Vec<String> = std::iter::once("diff".to_string())
            .chain(args.split_whitespace().map(str::to_string))
            .collect();
        let spec = dir.join("spec.yaml");
        if spec.exists() {
            let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
            argv.push("--spec".into());
            argv.push(spec.strip_prefix(&root).unwrap().display().to_string());
        }
        let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
        let (code, out, err) = xtask(&argv, b"");
        let exit: u8 = std::fs::read_to_string(dir.join("exit"))
            .map_or(1, |text| text.trim().parse().unwrap());
        if code != exit {
            failures.push(format!("{name}: exit {code}, expected {exit}\n{out}{err}"));
        }
        if spec.exists() {
            if let Err(message) = expect(&dir, &out) {
                failures.push(message);
            }
            continue;
        }
        let includes = std::fs::read_to_string(dir.join("includes.txt")).unwrap();
        for line in includes.lines().filter(|l| !l.trim().is_empty()) {
            if !out
                .lines()
                .any(|reported| reported.trim_end() == line.trim_end())
            {
                failures.push(format!("{name}: the report lacks `{line}`\n{out}{err}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn cc_version_refuses_what_is_not_a_range_of_versions() {
    let (code, _, err) = xtask(&["diff", "--cc-version", "3.180.0"], b"");
    assert_eq!(code, 2);
    assert!(err.contains("takes a range A..B"), "{err}");
    let (code, _, err) = xtask(&["diff", "--cc-version", "3.180.0..soon"], b"");
    assert_eq!(code, 2);
    assert!(err.contains("`soon` is not a version"), "{err}");
    // The same version on both sides is no change.
    let (code, out, err) = xtask(&["diff", "--cc-version", "3.197.0..3.197.0"], b"");
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.starts_with("no changes between spec/capi.yaml@3.197.0 and spec/capi.yaml@3.197.0"),
        "{out}"
    );
}
