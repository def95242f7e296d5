//! What a generated crate costs the user who builds it: `cargo check` of the crate once
//! its dependencies are built (`check_time`, for the codegen section and the peers), and,
//! for `--peers`, the lines of models + client that ours and progenitor's write for
//! nexus.json (ours with `--features client`; progenitor's crate is models + client only).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{bail, Context};

/// One generated crate as a user builds it.
pub struct Output {
    /// Lines of the Rust files that make up models + client.
    pub lines: usize,
    /// Median of three `cargo check` runs after touching `src/lib.rs`.
    pub check: Duration,
}

/// Our crate: every file but the server stub's.
pub fn ours(krate: &Path, check_target: &Path) -> anyhow::Result<Output> {
    let mut lines = 0;
    for entry in std::fs::read_dir(krate.join("src"))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("server.rs") {
            lines += line_count(&path)?;
        }
    }
    Ok(Output {
        lines,
        check: check_time(krate, check_target, &["--features", "client"])?,
    })
}

/// progenitor's crate: one `src/lib.rs`. It is written inside our workspace's `target/`,
/// so it is made a workspace of its own before cargo can build it.
pub fn progenitor(krate: &Path, check_target: &Path) -> anyhow::Result<Output> {
    let manifest = krate.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).context("progenitor wrote no Cargo.toml")?;
    if !text.lines().any(|l| l.trim() == "[workspace]") {
        std::fs::write(&manifest, format!("{text}\n[workspace]\n"))?;
    }
    Ok(Output {
        lines: line_count(&krate.join("src/lib.rs"))?,
        check: check_time(krate, check_target, &[])?,
    })
}

fn line_count(path: &Path) -> anyhow::Result<usize> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(text.lines().count())
}

/// Median of three `cargo check` runs of the crate in `krate` (extra `args`, target dir
/// `target`, not incremental) after touching its `src/lib.rs`, with its dependencies
/// built by a first, untimed run.
pub fn check_time(krate: &Path, target: &Path, args: &[&str]) -> anyhow::Result<Duration> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let run = || -> anyhow::Result<Duration> {
        let start = Instant::now();
        let output = Command::new(&cargo)
            .args(["check", "--quiet"])
            .args(args)
            .current_dir(krate)
            .env("CARGO_TARGET_DIR", target)
            .env("CARGO_INCREMENTAL", "0")
            .output()
            .context("cannot run cargo check")?;
        if !output.status.success() {
            bail!(
                "cargo check of {} failed: {}",
                krate.display(),
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        Ok(start.elapsed())
    };
    run()?;
    let mut runs = Vec::new();
    for _ in 0..3 {
        std::fs::File::options()
            .write(true)
            .open(krate.join("src/lib.rs"))?
            .set_modified(SystemTime::now())?;
        runs.push(run()?);
    }
    runs.sort();
    Ok(runs[1])
}
