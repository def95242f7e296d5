//! Golden tests: each `tests/golden/*.yaml` is a small spec for one construct, and the
//! `.rs` beside it is the code the generator must produce. `UPDATE_GOLDEN=1` rewrites the
//! expectations; the `goldens` crate compiles every one of them.

mod support;

use generator::codegen;
use generator::Spec;

#[test]
fn every_golden_spec_generates_its_expected_code() {
    let dir = support::root().join("tests/golden");
    let mut specs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    specs.sort();
    assert!(specs.len() >= 9, "{} golden specs", specs.len());
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut stale = Vec::new();
    for path in specs {
        let name = format!(
            "tests/golden/{}",
            path.file_name().unwrap().to_string_lossy()
        );
        let spec = Spec::from_text(&name, &std::fs::read_to_string(&path).unwrap()).unwrap();
        let code = codegen::generate_single_file(&spec, &name).unwrap_or_else(|e| panic!("{e}"));
        let expected_path = path.with_extension("rs");
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if expected != code.text {
            if update {
                std::fs::write(&expected_path, &code.text).unwrap();
            } else {
                stale.push(name);
            }
        }
    }
    assert!(stale.is_empty(), "generated code differs from the golden for {stale:?}; review, then run with UPDATE_GOLDEN=1");
}
