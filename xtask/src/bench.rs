//! `cargo xtask bench`: times code generation, stage by stage, and the compile time of
//! what it generates.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use capi_generator::codegen::{self, emit, lower, render, Options};
use capi_generator::Spec;

/// Benchmark code generation and contract validation.
///
/// Code generation, on spec/capi.yaml and ../shared/specs/nexus.json: each stage (load =
/// YAML/JSON parse and OpenAPI typing; lower; emit + render), medians over the
/// iterations, the ratio of the whole pipeline to loading alone (the floor any generator
/// pays), the generated line counts, and `cargo check` time of each generated crate.
///
/// The proxy: the same client asks the in-memory Cloud Controller directly and through
/// `capi-contract proxy`: median and p99 latency one request at a time, what the proxy
/// adds, and requests/s and errors with --proxy-connections at once.
///
/// Validation, on real Cloud Controller payloads (get process, list processes, process
/// stats, get app): payloads/s and MB/s for parse + validate, against serde_json's parse
/// alone on the same bytes in the same run. With --har-mb, also a HAR of get-process
/// exchanges of that size is written and checked by `validate` as a whole process, on one
/// core and on all, reporting MB/s and peak memory (and, with --peers, Node + ajv's time).
///
/// The in-memory Cloud Controller at scale: seeded with --fake-apps apps (three processes
/// each), on one runtime worker and then two: p50 and p99 of a page of 50 apps and of a
/// process by guid one request at a time, requests/s with --fake-in-flight at once and
/// the ratio of two workers to one; then as many apps created through POST /v3/apps.
///
/// --only SECTION runs one section (codegen, validation, diff, proxy, fake).
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

    /// Also write a HAR of about this many megabytes of `GET /v3/processes/{guid}`
    /// exchanges and time `validate` on it, on one core and on all (with --peers, also
    /// Node + ajv on one core).
    #[arg(long, value_name = "MB")]
    har_mb: Option<u64>,

    /// The proxy's load run: connections at once (0 skips the proxy benchmark).
    #[arg(long, default_value_t = 200)]
    proxy_connections: usize,

    /// The proxy's latency run: requests one at a time, on each side.
    #[arg(long, default_value_t = 2000)]
    proxy_requests: usize,

    /// Time `diff` on this pair of documents (default: ../shared/specs/nexus.json against
    /// itself). For GitHub's REST description, `npm pack @octokit/openapi@22.0.0` and
    /// `@23.0.0` under target/ and pass their `generated/api.github.com.json`.
    #[arg(long, num_args = 2, value_names = ["OLD", "NEW"])]
    diff: Option<Vec<std::path::PathBuf>>,

    /// Run only this section (the others are skipped).
    #[arg(long, value_enum, value_name = "SECTION")]
    only: Option<Section>,

    /// The fake's benchmark: generated apps seeded (three processes each), and created
    /// through `POST /v3/apps` in its load run (0 skips it).
    #[arg(long, default_value_t = 10_000)]
    fake_apps: usize,

    /// The fake's latency runs: requests one at a time, per request and worker count.
    #[arg(long, default_value_t = 2000)]
    fake_requests: usize,

    /// The fake's throughput and load runs: requests in flight at once.
    #[arg(long, default_value_t = 32)]
    fake_in_flight: usize,

    /// The fake's throughput runs: GETs pipelined on each connection (1: one at a time).
    #[arg(long, default_value_t = 4)]
    fake_pipeline: usize,

    /// The fake's throughput runs: seconds each.
    #[arg(long, default_value_t = 3.0)]
    fake_seconds: f64,

    /// Also measure the peers in the same run — ajv (npm) on the same payloads and schemas,
    /// cargo-progenitor (crates.io) on nexus.json — installing them under target/bench/peers
    /// when node/npm and cargo are there, and print the ratios.
    #[arg(long)]
    peers: bool,
}

/// A section of the benchmark, for `--only`.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Section {
    /// Code generation stage by stage, and compiling its output.
    Codegen,
    /// Validation of real payloads (and `--har-mb`, `--peers`).
    Validation,
    /// `diff` on a pair of documents.
    Diff,
    /// The validating proxy in front of the in-memory Cloud Controller.
    Proxy,
    /// The in-memory Cloud Controller at scale.
    Fake,
}

struct Stages {
    load: Duration,
    lower: Duration,
    render: Duration,
    total: Duration,
}

/// Runs the benchmark, printing a report.
pub fn run(args: Args, io: &mut capi_contract::Io<'_>) -> anyhow::Result<u8> {
    if args.iterations == 0 {
        bail!("--iterations must be at least 1");
    }
    if cfg!(debug_assertions) {
        writeln!(io.stderr, "warning: xtask was built without optimisations; run `cargo run --release -p xtask -- bench`")?;
    }
    let root = crate::workspace_root();
    let scratch = root.join("target/bench");
    let wants = |section: Section| args.only.is_none_or(|only| only == section);
    if wants(Section::Codegen) {
        codegen_section(&args, &root, &scratch, io)?;
    }
    let ours = if wants(Section::Validation) {
        Some(validation(&root, io)?)
    } else {
        None
    };
    if wants(Section::Diff) {
        let pair = args.diff.clone().unwrap_or_else(|| {
            let nexus = root.join("../shared/specs/nexus.json");
            vec![nexus.clone(), nexus]
        });
        diff_speed(&pair[0], &pair[1], io)?;
        crate::bench_diff::whole_process(&pair[0], &pair[1], 5, io)?;
    }
    if let Some(megabytes) = args.har_mb.filter(|_| wants(Section::Validation)) {
        let get_process = ours
            .as_ref()
            .and_then(|o| o.first())
            .filter(|_| args.peers)
            .map(|m| &m.schema);
        big_capture(&root, &scratch, megabytes, get_process, io)?;
    }
    if args.proxy_connections > 0 && wants(Section::Proxy) {
        let load = crate::bench_proxy::Load {
            sequential: args.proxy_requests,
            connections: args.proxy_connections,
            per_connection: 50,
        };
        crate::bench_proxy::run(&load, io)?;
    }
    if args.fake_apps > 0 && wants(Section::Fake) {
        let scale = crate::bench_fake::Scale {
            apps: args.fake_apps,
            sequential: args.fake_requests,
            in_flight: args.fake_in_flight,
            pipeline: args.fake_pipeline,
            seconds: args.fake_seconds,
        };
        crate::bench_fake::run(&scale, io)?;
    }
    if let Some(ours) = ours.filter(|_| args.peers) {
        crate::peers::run(&root, &scratch.join("peers"), &ours, io)?;
    }
    Ok(0)
}

/// Code generation: each stage's medians, line counts, and `cargo check` of the output.
fn codegen_section(
    args: &Args,
    root: &Path,
    scratch: &Path,
    io: &mut capi_contract::Io<'_>,
) -> anyhow::Result<()> {
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
        "medians of {} runs; lines = every generated Rust file (models, params, client, server)",
        args.iterations
    )?;
    if !args.no_compile {
        for (name, text) in &crates {
            let seconds = compile_time(scratch, name, text)?;
            writeln!(io.stdout, "cargo check of the crate generated from {name} (dependencies built): {seconds:.2} s")?;
        }
    }
    Ok(())
}

/// The payloads the validation benchmark uses: file, operation, status.
const PAYLOADS: [(&str, &str, u16); 4] = [
    ("ccng-v3-docs/process_get.json", "get_process", 200),
    ("ccng-v3-docs/processes_list.json", "list_processes", 200),
    ("ccng-v3-docs/process_stats.json", "get_process_stats", 200),
    ("ccng-v3-docs/app_get.json", "get_app", 200),
];

/// What the validation benchmark measured of one payload, for the peers' table.
pub struct Measured {
    /// Payload file under ../shared/payloads.
    pub file: &'static str,
    /// Parse + validate per second, full path (serde_json `Value`).
    pub full: f64,
    /// Parse + validate per second, as `validate` does it (fast path first).
    pub fast: f64,
    /// The JSON Schema document the payload was validated against.
    pub schema: serde_json::Value,
}

fn validation(root: &Path, io: &mut capi_contract::Io<'_>) -> anyhow::Result<Vec<Measured>> {
    use capi_generator::validate::{
        Exchange, OperationSelector, Resolution, TargetSpec, Validator,
    };
    let spec_text = std::fs::read_to_string(root.join("spec/capi.yaml"))?;
    let validator = Validator::new(&Spec::from_text("spec/capi.yaml", &spec_text)?);
    writeln!(
        io.stdout,
        "\n{:<24} {:>7} {:>10} {:>8} {:>14} {:>8} {:>7} {:>14} {:>8}",
        "payload",
        "bytes",
        "parse/s",
        "MB/s",
        "parse+valid/s",
        "MB/s",
        "ratio",
        "fast path/s",
        "MB/s"
    )?;
    let mut measured = Vec::new();
    for (file, operation, status) in PAYLOADS {
        let path = root.join("../shared/payloads").join(file);
        let bytes =
            std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let selector = OperationSelector::Id(operation.into());
        let target = match validator
            .resolve(&TargetSpec::Operation(selector, Exchange::Response(status)))?
        {
            Resolution::Body(target) => target,
            _ => bail!("{operation} {status} has no body"),
        };
        let check = |bytes: &[u8]| -> anyhow::Result<()> {
            let value: serde_json::Value = serde_json::from_slice(bytes)?;
            if !validator.validate(&target, &value)?.is_empty() {
                bail!("{file} is not valid");
            }
            Ok(())
        };
        check(&bytes)?;
        let parse = rate(|| {
            serde_json::from_slice::<serde_json::Value>(&bytes)?;
            Ok(())
        })?;
        let validate = rate(|| check(&bytes))?;
        if !validator.proves_valid(&target, &bytes, false) {
            bail!("the fast path does not prove {file} valid");
        }
        let fast = rate(|| {
            if !validator.proves_valid(&target, &bytes, false) {
                bail!("{file} is not valid");
            }
            Ok(())
        })?;
        let mb = |per_second: f64| per_second * bytes.len() as f64 / 1e6;
        writeln!(
            io.stdout,
            "{:<24} {:>7} {parse:>10.0} {:>8.1} {validate:>14.0} {:>8.1} {:>6.2}x {fast:>14.0} {:>8.1}",
            file.rsplit('/').next().unwrap_or(file),
            bytes.len(),
            mb(parse),
            mb(validate),
            parse / validate,
            mb(fast)
        )?;
        measured.push(Measured {
            file,
            full: validate,
            fast,
            schema: validator.json_schema(&target, false),
        });
    }
    writeln!(io.stdout, "medians of 7 rounds of 0.2 s; ratio = (parse + validate) time / parse time, same bytes, same run;\nfast path = simd-json tape checked by the same schema (what `validate` does first)")?;
    Ok(measured)
}

/// Calls per second: the median of seven rounds of about 0.2 s.
fn rate(mut call: impl FnMut() -> anyhow::Result<()>) -> anyhow::Result<f64> {
    let mut rounds = Vec::new();
    for _ in 0..7 {
        let start = Instant::now();
        let mut calls = 0u64;
        while start.elapsed() < Duration::from_millis(200) {
            for _ in 0..64 {
                call()?;
            }
            calls += 64;
        }
        rounds.push(calls as f64 / start.elapsed().as_secs_f64());
    }
    rounds.sort_by(f64::total_cmp);
    Ok(rounds[3])
}

/// The capture of issue #11: `GET /v3/processes/{guid}` exchanges as a browser or
/// mitmproxy writes them (headers, timings, the real payload as `content.text`), about
/// `megabytes` MB of them. `validate` checks it as a whole process on one core and on
/// all of them (peak memory from its `--stats`); with `peers`, the Node + ajv baseline of
/// `../shared/bench/har_ajv.cjs` checks the same file on one core.
fn big_capture(
    root: &Path,
    scratch: &Path,
    megabytes: u64,
    peers: Option<&serde_json::Value>,
    io: &mut capi_contract::Io<'_>,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(scratch)?;
    let path = scratch.join(format!("get-process-{megabytes}mb.har"));
    let body =
        std::fs::read_to_string(root.join("../shared/payloads/ccng-v3-docs/process_get.json"))?;
    let entry = serde_json::json!({
        "startedDateTime": "2026-11-20T10:00:00.000Z", "time": 12,
        "request": {"method": "GET", "url": "https://api.example.org/v3/processes/6a901b7c-9417-4dc1-8189-d3234aa0ab82",
                    "httpVersion": "HTTP/1.1",
                    "headers": [{"name": "Host", "value": "api.example.org"}, {"name": "Authorization", "value": "bearer x"},
                                {"name": "Accept", "value": "application/json"}, {"name": "User-Agent", "value": "cf/8"}],
                    "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
        "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1",
                     "headers": [{"name": "Content-Type", "value": "application/json; charset=utf-8"},
                                 {"name": "X-Vcap-Request-Id", "value": "abc"},
                                 {"name": "Content-Length", "value": body.len().to_string()}],
                     "cookies": [], "content": {"size": body.len(), "mimeType": "application/json; charset=utf-8", "text": body},
                     "redirectURL": "", "headersSize": -1, "bodySize": body.len()},
        "cache": {}, "timings": {"send": 0, "wait": 10, "receive": 2}
    });
    let entry = serde_json::to_string(&entry)?;
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path)?);
    out.write_all(
        br#"{"log": {"version": "1.2", "creator": {"name": "bench", "version": "1"}, "entries": ["#,
    )?;
    let (mut written, mut count) = (0u64, 0usize);
    while written < megabytes * 1_000_000 {
        if count > 0 {
            out.write_all(b",\n")?;
        }
        out.write_all(entry.as_bytes())?;
        written += entry.len() as u64 + 2;
        count += 1;
    }
    out.write_all(b"]}}\n")?;
    out.flush()?;
    drop(out);
    let size = std::fs::metadata(&path)?.len() as f64 / 1e6;
    writeln!(
        io.stdout,
        "\nHAR of {count} GET /v3/processes/{{guid}} exchanges, {size:.0} MB; whole processes, medians of 3:"
    )?;
    let exe = std::env::current_exe()?;
    let mut one_core = None;
    for (label, mut command) in [
        ("ours, 1 core", pinned(&exe)),
        ("ours, all cores", Command::new(&exe)),
    ] {
        command
            .args(["validate", "--stats", "--no-progress"])
            .arg(&path);
        let (time, said) = crate::peers::median_of_three(&mut command)?;
        let peak = said
            .rsplit("peak memory ")
            .next()
            .map(|m| m.trim().to_string())
            .unwrap_or_default();
        let summary = said
            .lines()
            .find(|l| l.contains(" passed, "))
            .unwrap_or_default();
        if !summary.contains(&format!("{count} passed, 0 failed")) {
            bail!(
                "`validate` did not pass the {count} exchanges: {}",
                said.trim()
            );
        }
        writeln!(
            io.stdout,
            "  {label:<16} {:>8.3} s {:>7.1} MB/s  peak {peak}  ({summary})",
            time.as_secs_f64(),
            size / time.as_secs_f64()
        )?;
        one_core.get_or_insert(time);
    }
    if let Some(schema) = peers {
        match crate::peers::har_ajv(root, &scratch.join("peers"), schema, &path, count) {
            Ok(ajv) => {
                let ours = one_core.unwrap_or_default();
                writeln!(
                    io.stdout,
                    "  {:<16} {:>8.3} s {:>7.1} MB/s  (../shared/bench/har_ajv.cjs, Node {})\n  ours/ajv on one core: {:.2}x",
                    "node + ajv, 1 core",
                    ajv.as_secs_f64(),
                    size / ajv.as_secs_f64(),
                    crate::peers::node_version(),
                    ajv.as_secs_f64() / ours.as_secs_f64()
                )?;
            }
            Err(why) => writeln!(io.stdout, "  node + ajv: not measured ({why:#})")?,
        }
    }
    std::fs::remove_file(&path)?;
    Ok(())
}

/// `program` pinned to the first core with `taskset` (util-linux) where it is installed,
/// else unpinned.
pub fn pinned(program: impl AsRef<std::ffi::OsStr>) -> Command {
    if Command::new("taskset")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        let mut command = Command::new("taskset");
        command.args(["-c", "0"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn ms(duration: Duration) -> String {
    format!("{:.2} ms", duration.as_secs_f64() * 1000.0)
}

fn time_pipeline(name: &str, text: &str) -> anyhow::Result<(Stages, usize)> {
    let start = Instant::now();
    let spec = Spec::from_text(name, text)?;
    let loaded = Instant::now();
    let (api, _) = lower::lower(&spec);
    let lowered = Instant::now();
    let mut lines = 0;
    for tokens in [
        emit::lib(),
        emit::models(&api),
        emit::operations(&api),
        emit::support(),
        codegen::params::generate(&api),
        codegen::client::generate(&api),
        codegen::server::generate(&api),
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

/// `cargo check` of the crate generated from `name` (`compile_cost::check_time`).
fn compile_time(scratch: &Path, name: &str, text: &str) -> anyhow::Result<f64> {
    let stem = name.split('.').next().unwrap_or(name).to_string();
    let dir: PathBuf = scratch.join(&stem);
    let spec = Spec::from_text(name, text)?;
    let options = Options {
        crate_name: format!("bench-{stem}"),
        source: name.to_string(),
        standalone: true,
        examples: None,
    };
    let generated = codegen::generate(&spec, &options)?;
    for (relative, contents) in &generated.files {
        capi_contract::codegen::ensure_file_contents(&dir.join(relative), contents, false)?;
    }
    let time = crate::compile_cost::check_time(&dir, &scratch.join("target"), &["--offline"])
        .with_context(|| format!("cargo check failed for the crate generated from {name}"))?;
    Ok(time.as_secs_f64())
}

/// `diff` on two documents: loading both, comparing (wire walk and both lowerings), and
/// the whole command (with source maps and the report), medians of five runs.
fn diff_speed(
    old: &std::path::Path,
    new: &std::path::Path,
    io: &mut capi_contract::Io<'_>,
) -> anyhow::Result<()> {
    use capi_generator::diff;
    let read = |path: &std::path::Path| {
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
    };
    let (old_text, new_text) = (read(old)?, read(new)?);
    let mut samples = Vec::new();
    let mut found = 0;
    for _ in 0..5 {
        let start = Instant::now();
        let a = Spec::to_compare("old", &old_text)?;
        let b = Spec::to_compare("new", &new_text)?;
        let loaded = start.elapsed();
        let findings = diff::diff(&a, &b);
        let compared = start.elapsed() - loaded;
        let (old_map, new_map) = (
            capi_generator::source_map::SourceMap::for_pointers(
                &old_text,
                findings.iter().map(|f| f.old.as_str()),
            ),
            capi_generator::source_map::SourceMap::for_pointers(
                &new_text,
                findings.iter().map(|f| f.new.as_str()),
            ),
        );
        let report = diff::report::render(
            capi_generator::validate::report::Format::Json,
            &findings,
            &diff::report::Document {
                name: "old",
                map: &old_map,
            },
            &diff::report::Document {
                name: "new",
                map: &new_map,
            },
            &diff::report::FailOn::default(),
        );
        std::hint::black_box(report);
        found = findings.len();
        samples.push((loaded, compared, start.elapsed()));
    }
    let median = |pick: fn(&(Duration, Duration, Duration)) -> Duration| {
        let mut values: Vec<Duration> = samples.iter().map(pick).collect();
        values.sort();
        values[values.len() / 2]
    };
    writeln!(
        io.stdout,
        "diff {} ({:.1} MB) → {} ({:.1} MB): load both {}, compare {}, whole command {}; {found} findings (medians of 5)",
        old.display(),
        old_text.len() as f64 / 1e6,
        new.display(),
        new_text.len() as f64 / 1e6,
        ms(median(|s| s.0)),
        ms(median(|s| s.1)),
        ms(median(|s| s.2)),
    )?;
    Ok(())
}
