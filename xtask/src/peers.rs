//! `cargo xtask bench --peers`: the peers measured in the same run as our numbers — ajv
//! (npm) parsing and validating the same payloads against the same converted schemas, and
//! cargo-progenitor (crates.io) generating code from nexus.json, and `cargo check` of what
//! each generator wrote (`compile_cost`) — installed under
//! `target/bench/peers` from their registries when node/npm and cargo are there.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

use crate::bench::Measured;

const AJV_SCRIPT: &str = include_str!("../peers/ajv_payloads.cjs");

/// Measures the peers and prints the ratios to our numbers.
pub fn run(
    root: &Path,
    dir: &Path,
    ours: &[Measured],
    io: &mut capi_contract::Io<'_>,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    writeln!(io.stdout, "\npeers (same run, same inputs)")?;
    match ajv(root, dir, ours) {
        Ok(rates) => {
            writeln!(
                io.stdout,
                "{:<24} {:>12} {:>14} {:>14} {:>10} {:>10}",
                "payload", "ajv/s", "ours full/s", "ours fast/s", "full/ajv", "fast/ajv"
            )?;
            for (measured, ajv) in ours.iter().zip(rates) {
                let name = measured.file.rsplit('/').next().unwrap_or(measured.file);
                writeln!(
                    io.stdout,
                    "{name:<24} {ajv:>12.0} {:>14.0} {:>14.0} {:>9.2}x {:>9.2}x",
                    measured.full,
                    measured.fast,
                    measured.full / ajv,
                    measured.fast / ajv
                )?;
            }
            writeln!(io.stdout, "ajv 8 (Node {}), JSON.parse + validate, allErrors; ours: parse + validate; medians of 7 rounds of 0.2 s", node_version())?;
        }
        Err(why) => writeln!(io.stdout, "ajv: not measured ({why:#})")?,
    }
    match progenitor(root, dir) {
        Ok((ours, theirs)) => writeln!(
            io.stdout,
            "codegen of nexus.json as a whole process: ours {:.0} ms, cargo-progenitor {:.0} ms: {:.2}x (medians of 5)",
            ours.as_secs_f64() * 1000.0,
            theirs.as_secs_f64() * 1000.0,
            theirs.as_secs_f64() / ours.as_secs_f64()
        )?,
        Err(why) => writeln!(io.stdout, "cargo-progenitor: not measured ({why:#})")?,
    }
    writeln!(
        io.stdout,
        "compiling what each wrote (dependencies built first; may take minutes the first time)"
    )?;
    let check = dir.join("check");
    let outputs =
        crate::compile_cost::progenitor(&dir.join("progenitor-nexus"), &check.join("progenitor"))
            .and_then(|theirs| {
                crate::compile_cost::ours(&dir.join("ours-nexus"), &check.join("ours"))
                    .map(|ours| (ours, theirs))
            });
    match outputs {
        Ok((ours, theirs)) => writeln!(
            io.stdout,
            "models + client of nexus.json: ours {} lines, `cargo check` {:.2} s; cargo-progenitor {} lines, {:.2} s: {:.2}x (medians of 3)",
            ours.lines,
            ours.check.as_secs_f64(),
            theirs.lines,
            theirs.check.as_secs_f64(),
            theirs.check.as_secs_f64() / ours.check.as_secs_f64()
        )?,
        Err(why) => writeln!(io.stdout, "compiling the generated crates: not measured ({why:#})")?,
    }
    Ok(())
}

pub fn node_version() -> String {
    Command::new("node")
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

/// ajv and ajv-formats under `dir/node`, installed from the npm registry the first time.
fn ajv_modules(dir: &Path) -> anyhow::Result<std::path::PathBuf> {
    let node_dir = dir.join("node");
    if !node_dir.join("node_modules/ajv-formats").is_dir() {
        std::fs::create_dir_all(&node_dir)?;
        let status = Command::new("npm")
            .args(["install", "--silent", "--no-audit", "--no-fund", "--prefix"])
            .arg(&node_dir)
            .args(["ajv@8", "ajv-formats@3"])
            .stdout(Stdio::null())
            .status()
            .context("cannot run npm")?;
        if !status.success() {
            bail!("npm install ajv ajv-formats failed");
        }
    }
    Ok(node_dir)
}

/// The median wall time of three whole-process runs of `command`, and its last run's output.
pub fn median_of_three(command: &mut Command) -> anyhow::Result<(Duration, String)> {
    let mut runs = Vec::new();
    let mut said = String::new();
    for _ in 0..3 {
        let start = Instant::now();
        let output = command
            .output()
            .with_context(|| format!("cannot run {command:?}"))?;
        runs.push(start.elapsed());
        if !output.status.success() && output.status.code() != Some(1) {
            bail!(
                "{command:?} failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        said = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    runs.sort();
    Ok((runs[1], said))
}

/// `../shared/bench/har_ajv.cjs` (Node: parse the HAR, ajv on every response body) on
/// `har` against `schema`, pinned to one core: the median wall time of three whole runs,
/// each of which must have checked all `entries` bodies (Node cannot hold a string past
/// 512 MB, so the script fails on a larger capture; a failed run is not a time).
pub fn har_ajv(
    root: &Path,
    dir: &Path,
    schema: &serde_json::Value,
    har: &Path,
    entries: usize,
) -> anyhow::Result<Duration> {
    let node_dir = ajv_modules(dir)?;
    let schema_path = node_dir.join("har-schema.json");
    std::fs::write(&schema_path, serde_json::to_vec(schema)?)?;
    let mut command = crate::bench::pinned("node");
    command
        .arg(root.join("../shared/bench/har_ajv.cjs"))
        .arg(&schema_path)
        .arg(har)
        .env("NODE_PATH", node_dir.join("node_modules"));
    let (time, said) = median_of_three(&mut command)?;
    if !said.starts_with(&format!("{entries} bodies, 0 invalid")) {
        bail!(
            "the script did not check the {entries} bodies: {}",
            said.trim()
        );
    }
    Ok(time)
}

fn ajv(root: &Path, dir: &Path, ours: &[Measured]) -> anyhow::Result<Vec<f64>> {
    let node_dir = ajv_modules(dir)?;
    let script = node_dir.join("ajv_payloads.cjs");
    std::fs::write(&script, AJV_SCRIPT)?;
    let mut command = Command::new("node");
    command
        .arg(&script)
        .env("NODE_PATH", node_dir.join("node_modules"));
    for (i, measured) in ours.iter().enumerate() {
        let schema = node_dir.join(format!("schema-{i}.json"));
        std::fs::write(&schema, serde_json::to_vec(&measured.schema)?)?;
        command
            .arg(schema)
            .arg(root.join("../shared/payloads").join(measured.file));
    }
    let output = command.output().context("cannot run node")?;
    if !output.status.success() {
        bail!("{}", String::from_utf8_lossy(&output.stderr).trim());
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| l.trim().parse::<f64>().context("unexpected ajv output"))
        .collect()
}

/// Medians of five whole-process runs of our `codegen` and of `cargo progenitor` on nexus.json.
fn progenitor(root: &Path, dir: &Path) -> anyhow::Result<(Duration, Duration)> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let bin = dir.join("cargo/bin/cargo-progenitor");
    if !bin.is_file() {
        let status = Command::new(&cargo)
            .args([
                "install",
                "--quiet",
                "--locked",
                "cargo-progenitor",
                "--root",
            ])
            .arg(dir.join("cargo"))
            .env("CARGO_TARGET_DIR", dir.join("cargo-build"))
            .status()
            .context("cannot run cargo install")?;
        if !status.success() {
            bail!("cargo install cargo-progenitor failed");
        }
    }
    let spec = root.join("../shared/specs/nexus.json");
    let median = |mut command: Command| -> anyhow::Result<Duration> {
        let mut runs = Vec::new();
        for _ in 0..5 {
            let start = Instant::now();
            let output = command.output()?;
            if !output.status.success() {
                bail!(
                    "{:?} failed: {}",
                    command,
                    String::from_utf8_lossy(&output.stderr).trim()
                );
            }
            runs.push(start.elapsed());
        }
        runs.sort();
        Ok(runs[2])
    };
    let mut ours = Command::new(std::env::current_exe()?);
    ours.args(["codegen", "--spec"])
        .arg(&spec)
        .arg("--out")
        .arg(dir.join("ours-nexus"))
        .args(["--name", "nexus-types"]);
    let mut theirs = Command::new(&bin);
    theirs
        .args(["progenitor", "-i"])
        .arg(&spec)
        .arg("-o")
        .arg(dir.join("progenitor-nexus"))
        .args(["-n", "nexus-progenitor", "-v", "0.1.0"]);
    Ok((median(ours)?, median(theirs)?))
}
