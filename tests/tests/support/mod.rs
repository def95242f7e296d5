//! Helpers shared by the integration tests: where things are, and a loaded spec.

#![allow(dead_code)]

pub mod checklist;

use std::path::PathBuf;

use capi_generator::validate::Validator;
use capi_generator::Spec;

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// `../shared` beside the workspace: payloads, third-party specs, docs.
pub fn shared() -> PathBuf {
    root().parent().unwrap().join("shared")
}

/// An empty directory of the system's temp dir for one test of this process: whatever
/// an earlier process with the same id left there is removed first.
pub fn empty_scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The project's spec.
pub fn spec() -> Spec {
    let path = root().join("spec/capi.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    Spec::from_text(&path.display().to_string(), &text).unwrap_or_else(|e| panic!("{e}"))
}

/// A validator for the project's spec.
pub fn validator() -> Validator {
    Validator::new(&spec())
}

/// Reads a payload from `../shared/payloads`.
pub fn payload(relative: &str) -> serde_json::Value {
    let bytes = std::fs::read(shared().join("payloads").join(relative)).unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// Runs `cargo xtask` in-process with the given arguments and standard input.
pub fn xtask(args: &[&str], stdin: &[u8]) -> (u8, String, String) {
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let code = {
        let mut io = capi_contract::Io {
            stdin: Box::new(stdin),
            stdout: Box::new(&mut stdout),
            stderr: Box::new(&mut stderr),
            stderr_is_terminal: false,
        };
        let argv = std::iter::once("xtask").chain(args.iter().copied());
        xtask::run(argv, &mut io)
    };
    (
        code,
        String::from_utf8(stdout).unwrap(),
        String::from_utf8(stderr).unwrap(),
    )
}

/// Standard base64 with padding, for HAR bodies the tests encode (`content.encoding`).
pub fn base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
