//! Golden tests: each `tests/golden/*.yaml` is a small spec for one construct, and the
//! `.rs` beside it is the `models` module the generator must produce for it (the shared
//! support, client and server plumbing is left out: it is the same for every spec, and
//! the third-party specs compile it). `UPDATE_GOLDEN=1` rewrites the expectations; the
//! `goldens` crate compiles every one of them.

mod support;

use capi_generator::codegen;
use capi_generator::Spec;

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
        let spec = Spec::from_text(&name, &std::fs::read_to_string(&path).unwrap())
            .unwrap_or_else(|problems| panic!("{name} has problems:\n{problems}"));
        let (api, _) = codegen::lower::lower(&spec);
        let models = codegen::emit::models(&api);
        let text =
            codegen::render::rust_file(quote::quote!(pub mod models { #models }), &name).unwrap();
        let expected_path = path.with_extension("rs");
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if expected != text {
            if update {
                std::fs::write(&expected_path, &text).unwrap();
            } else {
                stale.push(name);
            }
        }
    }
    assert!(stale.is_empty(), "generated code differs from the golden for {stale:?}; review, then run with UPDATE_GOLDEN=1");
}
