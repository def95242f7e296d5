//! The spec checker from outside: every document under `tests/fixtures/spec-check/` is
//! checked with `capi-contract check`, and what it prints must equal the `.expected`
//! file beside it (`UPDATE_EXPECT=1` rewrites them). Adding a case adds a fixture, no
//! code. The project's own spec and every third-party document must have no problem.

mod support;

use std::path::Path;

#[test]
fn every_broken_spec_gets_its_diagnostics() {
    let dir = support::root().join("tests/fixtures/spec-check");
    let mut cases = 0;
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if !matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "json")
        ) {
            continue;
        }
        cases += 1;
        let name = path.file_name().unwrap().to_str().unwrap();
        let (code, out, err) = in_dir(&dir, &["check", name]);
        assert_eq!(code, 2, "{name}: a broken spec exits 2\n{out}{err}");
        assert!(
            err.lines()
                .filter(|l| l.starts_with("error: "))
                .all(|l| l.starts_with(&format!("error: {name}:"))),
            "{name}: every diagnostic names file:line:col\n{err}"
        );
        let expected = path.with_extension("expected");
        if std::env::var_os("UPDATE_EXPECT").is_some() {
            std::fs::write(&expected, &err).unwrap();
        }
        let want = std::fs::read_to_string(&expected).unwrap_or_else(|_| {
            panic!(
                "{} is missing (UPDATE_EXPECT=1 writes it)",
                expected.display()
            )
        });
        assert_eq!(
            err,
            want,
            "{name}: diagnostics differ from {}",
            expected.display()
        );
    }
    assert!(cases >= 12, "only {cases} fixtures found");
}

#[test]
fn real_documents_have_no_problems() {
    let (code, out, err) = support::xtask(&["check"], b"");
    assert_eq!((code, err.as_str()), (0, ""), "{out}");
    assert!(out.starts_with("spec/capi.yaml: ok"), "{out}");
    for name in [
        "nexus.json",
        "keeper.json",
        "buildomat.json",
        "propolis-server.json",
        "param-collision.json",
        "param-overrides.yaml",
    ] {
        let path = support::shared().join("specs").join(name);
        let (code, out, err) = support::xtask(&["check", path.to_str().unwrap()], b"");
        assert_eq!(code, 0, "{name}\n{out}{err}");
        assert!(
            err.lines().all(|l| !l.starts_with("error")),
            "{name} has problems:\n{err}"
        );
    }
}

#[test]
fn codegen_and_validate_stop_on_the_same_diagnostics() {
    let broken = support::root().join("tests/fixtures/spec-check/type-typo.yaml");
    let broken = broken.to_str().unwrap();
    let out_dir = std::env::temp_dir().join("capi-spec-check-codegen");
    for args in [
        vec![
            "codegen",
            "--spec",
            broken,
            "--out",
            out_dir.to_str().unwrap(),
        ],
        vec!["validate", "--spec", broken, "--schema", "App", "-"],
    ] {
        let (code, _, err) = support::xtask(&args, b"{}");
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(
            err.contains("type-typo.yaml:10:11") && err.contains("did you mean `string`"),
            "{args:?}: {err}"
        );
    }
    assert!(!out_dir.exists(), "nothing is generated from a broken spec");
}

/// Runs the command line with `dir` as the base of relative fixture names, so the
/// expected output names files as a user would type them.
fn in_dir(dir: &Path, args: &[&str]) -> (u8, String, String) {
    let absolute: Vec<String> = args
        .iter()
        .map(|a| {
            if a.ends_with(".yaml") || a.ends_with(".json") {
                dir.join(a).display().to_string()
            } else {
                a.to_string()
            }
        })
        .collect();
    let refs: Vec<&str> = absolute.iter().map(String::as_str).collect();
    let (code, out, err) = support::xtask(&refs, b"");
    let prefix = format!("{}/", dir.display());
    (code, out.replace(&prefix, ""), err.replace(&prefix, ""))
}
