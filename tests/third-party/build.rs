//! Generates code from every OpenAPI document in `../shared/specs` into `OUT_DIR`, one
//! module each, so that the workspace's build and clippy hold it to the same standard as
//! our own code.

use std::fmt::Write;
use std::path::PathBuf;

fn main() {
    let specs = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/specs");
    println!("cargo:rerun-if-changed={}", specs.display());
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&specs)
        .unwrap_or_else(|e| panic!("{} must exist beside the workspace: {e}", specs.display()))
        .map(|entry| entry.expect("a readable entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "json" || e == "yaml"))
        .collect();
    paths.sort();
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let mut modules = String::new();
    for path in paths {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("a UTF-8 file name")
            .to_string();
        let module = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap()
            .replace(['-', '.'], "_");
        let text = std::fs::read_to_string(&path).expect("a readable spec");
        let spec = capi_generator::Spec::from_text(&name, &text).unwrap_or_else(|e| panic!("{e}"));
        let code = capi_generator::codegen::generate_single_file(
            &spec,
            &name,
            capi_generator::codegen::Parts::ALL,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let file = out.join(format!("{module}.rs"));
        std::fs::write(&file, code.text).expect("OUT_DIR is writable");
        writeln!(
            modules,
            "/// Generated from `{name}`.\npub mod {module} {{ include!({:?}); }}",
            file.display().to_string()
        )
        .unwrap();
    }
    std::fs::write(out.join("specs.rs"), modules).expect("OUT_DIR is writable");
}
