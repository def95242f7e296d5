//! The seed corpora: every real input the repository and `../shared` hold, per target.
//! Nothing is copied: the files are read where they are.

use std::path::{Path, PathBuf};

use capi_generator::traffic::{har, trace, Exchange};
use capi_generator::validate::manifest;

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the workspace root")
}

/// `../shared` beside the workspace.
pub fn shared() -> PathBuf {
    root().join("../shared")
}

fn files(dir: &Path, extensions: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files(&path, extensions));
        } else if path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| extensions.iter().any(|e| n.ends_with(e)))
        {
            out.push(path);
        }
    }
    out.sort();
    out
}

fn read_all(paths: Vec<PathBuf>) -> Vec<Vec<u8>> {
    paths
        .into_iter()
        .filter_map(|p| std::fs::read(p).ok())
        .collect()
}

/// Specs: the contract, the third-party specs, the spec-check fixtures and the goldens.
pub fn specs() -> Vec<Vec<u8>> {
    let root = root();
    let mut paths = vec![root.join("spec/capi.yaml")];
    paths.extend(files(&shared().join("specs"), &[".json", ".yaml"]));
    paths.extend(files(
        &root.join("tests/fixtures/spec-check"),
        &[".yaml", ".json"],
    ));
    paths.extend(files(&root.join("tests/golden"), &[".yaml"]));
    read_all(paths)
}

/// HARs: every `.har` under `tests/fixtures`.
pub fn hars() -> Vec<Vec<u8>> {
    read_all(files(&root().join("tests/fixtures"), &[".har"]))
}

/// cf traces: the trace fixtures.
pub fn traces() -> Vec<Vec<u8>> {
    read_all(files(&root().join("tests/fixtures/traces"), &[".txt"]))
}

/// Payloads, each framed as `METHOD PATH DIRECTION STATUS\n` + the payload: every row of
/// `../shared/payloads/MANIFEST.tsv` that names one operation.
pub fn payloads() -> Vec<Vec<u8>> {
    let dir = shared().join("payloads");
    let Ok(text) = std::fs::read_to_string(dir.join("MANIFEST.tsv")) else {
        return Vec::new();
    };
    let rows = manifest::parse(&text).unwrap_or_default();
    rows.iter()
        .filter(|row| row.file != "-" && row.method != "*")
        .filter_map(|row| {
            let bytes = std::fs::read(dir.join(&row.file)).ok()?;
            let status = row.status.map_or("-".to_string(), |s| s.to_string());
            let mut framed = format!(
                "{} {} {} {status}\n",
                row.method, row.path_template, row.direction
            )
            .into_bytes();
            framed.extend_from_slice(&bytes);
            Some(framed)
        })
        .collect()
}

/// Requests for the server stub, each as `METHOD TARGET\tName: value\t…\nBODY` (the
/// headers on the first line, so the body is pure JSON to the mutator): every
/// request of the HAR and trace fixtures, and every request payload of the manifest sent
/// to its operation.
pub fn requests() -> Vec<Vec<u8>> {
    let mut exchanges: Vec<Exchange> = Vec::new();
    for bytes in hars() {
        let _ = har::read(bytes.as_slice(), "seed", &mut |item| {
            exchanges.extend(item.ok());
        });
    }
    for bytes in traces() {
        exchanges.extend(
            trace::parse(&trace::decode(&bytes), "seed")
                .into_iter()
                .flatten(),
        );
    }
    let mut out: Vec<Vec<u8>> = exchanges
        .iter()
        .map(|e| {
            let path = e
                .url
                .find("/v")
                .or_else(|| e.url.rfind("//").map(|_| e.url.len()))
                .map_or(e.url.as_str(), |at| &e.url[at..]);
            let path = if path.is_empty() { "/" } else { path };
            request(
                &e.method,
                path,
                e.request_content_type.as_deref(),
                e.request_body.as_deref().unwrap_or_default(),
            )
        })
        .collect();
    for framed in payloads() {
        let Some(at) = framed.iter().position(|&b| b == b'\n') else {
            continue;
        };
        let head = String::from_utf8_lossy(&framed[..at]).into_owned();
        let parts: Vec<&str> = head.split(' ').collect();
        if parts.get(2) != Some(&"request") {
            continue;
        }
        let path = parts[1]
            .replace("{guid}", crate::targets::SEEDED_APP)
            .replace("{type}", "web")
            .replace("{index}", "0");
        out.push(request(
            parts[0],
            &path,
            Some("application/json"),
            &framed[at + 1..],
        ));
    }
    out
}

fn request(method: &str, target: &str, content_type: Option<&str>, body: &[u8]) -> Vec<u8> {
    let mut text = format!("{method} {target}\tAuthorization: bearer fuzz");
    if let Some(content_type) = content_type {
        text.push_str(&format!("\tContent-Type: {content_type}"));
    }
    text.push('\n');
    let mut bytes = text.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}
