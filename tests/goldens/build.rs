//! Lists every `tests/golden/*.rs` as a module, so that each golden output compiles.

use std::fmt::Write;
use std::path::PathBuf;

fn main() {
    let golden = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../golden");
    println!("cargo:rerun-if-changed={}", golden.display());
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
            "pub mod {stem} {{ include!({:?}); }}",
            path.display().to_string()
        )
        .unwrap();
    }
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    std::fs::write(out.join("goldens.rs"), modules).expect("OUT_DIR is writable");
}
