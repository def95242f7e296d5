//! `cargo xtask bench`: times code generation, stage by stage, and the compile time of
//! what it generates.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use generator::codegen::{self, emit, lower, render, Options};
use generator::Spec;

/// Benchmark code generation on spec/capi.yaml and ../shared/specs/nexus.json.
///
/// Times each stage (load = YAML/JSON parse and OpenAPI typing; lower; emit + render),
/// reports medians over the iterations, the ratio of the whole pipeline to loading alone
/// (the floor any generator pays), the generated line counts, and the time `cargo check`
/// takes on each generated crate with its dependencies already built.
///
/// Run it optimised: cargo run --release -p xtask -- bench
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Timed runs of each stage.
    #[arg(long, default_value_t = 30)]
    iterations: usize,

    /// Skip compiling the generated crates.
    #[arg(long)]
    no_compile: bool,
}

struct Stages {
    load: Duration,
    lower: Duration,
    render: Duration,
    total: Duration,
}

/// Runs the benchmark, printing a report.
pub fn run(args: Args, io: &mut crate::Io<'_>) -> anyhow::Result<u8> {
    if args.iterations == 0 {
        bail!("--iterations must be at least 1");
    }
    if cfg!(debug_assertions) {
        writeln!(io.stderr, "warning: xtask was built without optimisations; run `cargo run --release -p xtask -- bench`")?;
    }
    let root = crate::workspace_root();
    let inputs = [
        root.join("spec/capi.yaml"),
        root.join("../shared/specs/nexus.json"),
    ];
    writeln!(
        io.stdout,
        "{:<16} {:>10} {:>10} {:>10} {:>10} {:>9} {:>8}",
        "spec", "load", "lower", "emit+fmt", "total", "total/load", "lines"
    )?;
    let mut crates = Vec::new();
    for input in &inputs {
        let name = input
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let text = std::fs::read_to_string(input)
            .with_context(|| format!("cannot read {}", input.display()))?;
        let mut samples = Vec::with_capacity(args.iterations);
        let mut lines = 0;
        for _ in 0..args.iterations {
            let (stages, generated_lines) = time_pipeline(&name, &text)?;
            lines = generated_lines;
            samples.push(stages);
        }
        let median = |pick: fn(&Stages) -> Duration| {
            let mut values: Vec<Duration> = samples.iter().map(pick).collect();
            values.sort();
            values[values.len() / 2]
        };
        let (load, lower, render, total) = (
            median(|s| s.load),
            median(|s| s.lower),
            median(|s| s.render),
            median(|s| s.total),
        );
        writeln!(
            io.stdout,
            "{name:<16} {:>10} {:>10} {:>10} {:>10} {:>9.1}x {lines:>8}",
            ms(load),
            ms(lower),
            ms(render),
            ms(total),
            total.as_secs_f64() / load.as_secs_f64()
        )?;
        crates.push((name, text));
    }
    writeln!(
        io.stdout,
        "medians of {} runs; lines = all generated Rust files",
        args.iterations
    )?;
    if args.no_compile {
        return Ok(0);
    }
    let scratch = root.join("target/bench");
    for (name, text) in &crates {
        let seconds = compile_time(&scratch, name, text)?;
        writeln!(
            io.stdout,
            "cargo check of the crate generated from {name} (dependencies built): {seconds:.2} s"
        )?;
    }
    Ok(0)
}

fn ms(duration: Duration) -> String {
    format!("{:.2} ms", duration.as_secs_f64() * 1000.0)
}

fn time_pipeline(name: &str, text: &str) -> anyhow::Result<(Stages, usize)> {
    let start = Instant::now();
    let spec = Spec::from_text(name, text)?;
    let loaded = Instant::now();
    let problems = codegen::check(&spec);
    if !problems.is_empty() {
        bail!("{}", generator::Diagnostics(problems));
    }
    let (api, _) = lower::lower(&spec);
    let lowered = Instant::now();
    let mut lines = 0;
    for tokens in [
        emit::lib(&api, name),
        emit::models(&api),
        emit::operations(&api),
        emit::support(),
    ] {
        let file = render::rust_file(tokens, name).map_err(anyhow::Error::msg)?;
        lines += file.lines().count();
    }
    let rendered = Instant::now();
    let stages = Stages {
        load: loaded - start,
        lower: lowered - loaded,
        render: rendered - lowered,
        total: rendered - start,
    };
    Ok((stages, lines))
}

/// Median of three `cargo check` runs of the generated crate after touching its sources,
/// with dependencies built by a first, untimed run.
fn compile_time(scratch: &Path, name: &str, text: &str) -> anyhow::Result<f64> {
    let stem = name.split('.').next().unwrap_or(name).to_string();
    let dir: PathBuf = scratch.join(&stem);
    let spec = Spec::from_text(name, text)?;
    let options = Options {
        crate_name: format!("bench-{stem}"),
        source: name.to_string(),
        standalone: true,
    };
    let generated = codegen::generate(&spec, &options)?;
    for (relative, contents) in &generated.files {
        crate::codegen::ensure_file_contents(&dir.join(relative), contents, false)?;
    }
    let check = || -> anyhow::Result<Duration> {
        let start = Instant::now();
        let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["check", "--quiet", "--offline"])
            .current_dir(&dir)
            .env("CARGO_TARGET_DIR", scratch.join("target"))
            .env("CARGO_INCREMENTAL", "0")
            .status()
            .context("cannot run cargo")?;
        if !status.success() {
            bail!("cargo check failed for the crate generated from {name}");
        }
        Ok(start.elapsed())
    };
    check()?;
    let mut runs = Vec::new();
    for _ in 0..3 {
        let lib = dir.join("src/lib.rs");
        let contents = std::fs::read_to_string(&lib)?;
        std::fs::write(&lib, contents)?;
        runs.push(check()?);
    }
    runs.sort();
    Ok(runs[1].as_secs_f64())
}
