//! Generates the Cloud Controller types from `spec/capi.yaml` at build time, as a
//! downstream crate would.

use std::path::PathBuf;

fn main() {
    let spec_path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../spec/capi.yaml");
    println!("cargo:rerun-if-changed={}", spec_path.display());
    let text = std::fs::read_to_string(&spec_path).expect("spec/capi.yaml is readable");
    let spec =
        capi_generator::Spec::from_text("spec/capi.yaml", &text).unwrap_or_else(|e| panic!("{e}"));
    let code = capi_generator::codegen::generate_single_file(
        &spec,
        "spec/capi.yaml",
        capi_generator::codegen::Parts::MODELS,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    std::fs::write(out.join("capi.rs"), code.text).expect("OUT_DIR is writable");
}
