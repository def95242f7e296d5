//! Lists every `tests/golden/*.rs` (a `models` module each) as a module of this crate,
//! beside the shared `support` module the generator emits, so that each golden compiles.

use std::fmt::Write;
use std::path::PathBuf;

fn main() {
    let golden = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../golden");
    println!("cargo:rerun-if-changed={}", golden.display());
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let support = capi_generator::codegen::emit::support();
    let support = capi_generator::codegen::render::rust_file(
        quote::quote!(pub mod support { #support }),
        "the generator",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(out.join("support.rs"), support).expect("OUT_DIR is writable");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&golden)
        .expect("tests/golden exists")
        .map(|entry| entry.expect("a readable entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "rs"))
        .collect();
    paths.sort();
    let mut modules = String::new();
    for path in paths {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("a UTF-8 file name");
        let path = path.canonicalize().expect("a golden file");
        writeln!(
            modules,
            "pub mod {stem} {{ pub use crate::support; include!({:?}); }}",
            path.display().to_string()
        )
        .unwrap();
    }
    std::fs::write(out.join("goldens.rs"), modules).expect("OUT_DIR is writable");
}
