//! `cargo xtask bench --only fake`: the in-memory Cloud Controller at scale. It is seeded
//! with many apps (three processes each) and served on one, then two runtime workers;
//! the load client times a page of apps and a process by guid one request at a time
//! (p50, p99), then with many requests in flight (requests/s), and last creates as many
//! apps through `POST /v3/apps` on an empty fake, concurrently.

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::{json, Value};

use crate::load::{micros, Call, Calls, Latency, Loader, Throughput};

/// What to measure.
pub struct Scale {
    /// Generated apps seeded (each with a web, a worker and a clock process), and the
    /// number created through the API in the load run.
    pub apps: usize,
    /// Requests timed one at a time, per request kind and worker count.
    pub sequential: usize,
    /// Connections in the throughput and load runs.
    pub in_flight: usize,
    /// GETs written back to back on each connection in the throughput runs (HTTP/1.1
    /// pipelining, as `h2load -m` or a `wrk` pipeline script send them; 1: none).
    pub pipeline: usize,
    /// How long each throughput run lasts.
    pub seconds: f64,
}

/// A fake served on its own runtime, stopped when dropped.
struct Fake {
    runtime: Option<tokio::runtime::Runtime>,
    base: String,
    seeded_in: Duration,
}

impl Fake {
    fn start(apps: usize, workers: usize) -> anyhow::Result<Fake> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .enable_all()
            .build()?;
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
        let base = format!("http://{}", listener.local_addr()?);
        let mut config = in_memory_cc::Config::new(&base);
        config.seed = apps;
        let started = Instant::now();
        let app = in_memory_cc::router_with(&config);
        let seeded_in = started.elapsed();
        runtime.spawn(in_memory_cc::serve(listener, app));
        Ok(Fake {
            runtime: Some(runtime),
            base,
            seeded_in,
        })
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// One row of the report.
struct Row {
    workers: usize,
    label: &'static str,
    latency: Latency,
    run: Throughput,
}

/// Runs the benchmark of the in-memory Cloud Controller and prints its report.
pub fn run(scale: &Scale, io: &mut capi_contract::Io<'_>) -> anyhow::Result<()> {
    anyhow::ensure!(
        scale.apps > 0,
        "the fake's benchmark needs at least one app"
    );
    // The client has a runtime of its own, beside the fake's: one thread, so that on a
    // two-core machine the fake's second worker has a core to gain.
    let client = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let deadline = Duration::from_secs_f64(scale.seconds.max(0.1));
    let mut rows = Vec::new();
    let mut sizes = (0, 0, Duration::ZERO);
    for workers in [1, 2] {
        let fake = Fake::start(scale.apps, workers)?;
        let loader = Loader::new(scale.in_flight);
        let base = fake.base.clone();
        let (apps, processes) = client.block_on(process_guids(&loader, &base))?;
        sizes = (apps, processes.len(), fake.seeded_in);
        let pages = apps.div_ceil(50).max(1);
        let page = {
            let base = base.clone();
            // Pages spread over the whole list, so deep pages are timed as well as the first.
            move |i: usize| {
                Call::get(format!(
                    "{base}/v3/apps?per_page=50&page={}",
                    1 + (i * 7919) % pages
                ))
            }
        };
        let processes = Arc::new(processes);
        let process = {
            let (base, processes) = (base.clone(), Arc::clone(&processes));
            move |i: usize| {
                let guid = &processes[(i * 7919) % processes.len()];
                Call::get(format!("{base}/v3/processes/{guid}"))
            }
        };
        let kinds: [(&'static str, Calls); 2] = [
            ("GET /v3/apps?per_page=50", Arc::new(page)),
            ("GET /v3/processes/{guid}", Arc::new(process)),
        ];
        for (label, calls) in kinds {
            let latency =
                client.block_on(loader.latency(scale.sequential, 200, 200, |i| calls(i)))?;
            let run = client.block_on(loader.throughput(
                calls,
                usize::MAX,
                scale.in_flight,
                scale.pipeline,
                Some(deadline),
                200,
            ));
            rows.push(Row {
                workers,
                label,
                latency,
                run,
            });
        }
    }
    let (apps, processes, seeded_in) = sizes;
    writeln!(
        io.stdout,
        "\nin-memory Cloud Controller at scale: {apps} apps and {processes} processes (seeded in {:.2} s); \
         latency over {} requests one at a time, throughput over {} connections with {} pipelined each for {:.0} s",
        seeded_in.as_secs_f64(),
        scale.sequential,
        scale.in_flight,
        scale.pipeline,
        deadline.as_secs_f64()
    )?;
    writeln!(
        io.stdout,
        "{:<8} {:<26} {:>10} {:>10} {:>12} {:>7}",
        "workers", "request", "p50", "p99", "requests/s", "errors"
    )?;
    for row in &rows {
        writeln!(
            io.stdout,
            "{:<8} {:<26} {:>10} {:>10} {:>12.0} {:>7}",
            row.workers,
            row.label,
            micros(row.latency.median),
            micros(row.latency.p99),
            row.run.rate(),
            row.run.errors
        )?;
    }
    let mut ratios = Vec::new();
    for one in rows.iter().filter(|r| r.workers == 1) {
        if let Some(two) = rows.iter().find(|r| r.workers == 2 && r.label == one.label) {
            ratios.push(format!(
                "{:.2}× ({})",
                two.run.rate() / one.run.rate(),
                one.label
            ));
        }
    }
    writeln!(
        io.stdout,
        "2 workers / 1: {} (targets: p50 ≤ 1 ms, p99 ≤ 5 ms, ratio ≥ 1.6×)",
        ratios.join(", ")
    )?;

    let (elapsed, run, total) = client.block_on(create_apps(scale))?;
    writeln!(
        io.stdout,
        "POST /v3/apps ×{} on an empty fake (2 workers), {} in flight: {:.2} s, {:.0} requests/s, \
         {} errors, {total} apps listed after (target: under 5 s)",
        scale.apps,
        scale.in_flight,
        elapsed.as_secs_f64(),
        run.rate(),
        run.errors
    )?;
    Ok(())
}

/// The number of apps, and the guids of every process.
async fn process_guids(loader: &Loader, base: &str) -> anyhow::Result<(usize, Vec<String>)> {
    let apps = total(loader, &format!("{base}/v3/apps?per_page=1")).await?;
    let mut guids = Vec::new();
    let mut next = Some(format!("{base}/v3/processes?per_page=5000"));
    while let Some(url) = next {
        let (status, body) = loader.send(&Call::get(&url)).await?;
        anyhow::ensure!(status == 200, "{url} answered {status}");
        let page: Value = serde_json::from_slice(&body)?;
        for resource in page["resources"].as_array().into_iter().flatten() {
            guids.extend(resource["guid"].as_str().map(str::to_string));
        }
        next = page
            .pointer("/pagination/next/href")
            .and_then(Value::as_str)
            .map(str::to_string);
    }
    anyhow::ensure!(!guids.is_empty(), "the fake lists no process");
    Ok((apps, guids))
}

/// `pagination.total_results` of a list.
async fn total(loader: &Loader, url: &str) -> anyhow::Result<usize> {
    let (status, body) = loader.send(&Call::get(url)).await?;
    anyhow::ensure!(status == 200, "{url} answered {status}");
    let page: Value = serde_json::from_slice(&body)?;
    page.pointer("/pagination/total_results")
        .and_then(Value::as_u64)
        .map(|n| n as usize)
        .with_context(|| format!("{url}: no pagination.total_results"))
}

/// Creates `scale.apps` apps through the API on a fresh, unseeded fake: how long it took,
/// the run, and how many apps it lists afterwards.
async fn create_apps(scale: &Scale) -> anyhow::Result<(Duration, Throughput, usize)> {
    let fake = tokio::task::spawn_blocking(|| Fake::start(0, 2)).await??;
    let loader = Loader::new(scale.in_flight);
    let base = fake.base.clone();
    let (status, body) = loader
        .send(&Call::get(format!("{base}/v3/apps?per_page=1")))
        .await?;
    anyhow::ensure!(status == 200, "listing apps answered {status}");
    let first: Value = serde_json::from_slice(&body)?;
    let space = first
        .pointer("/resources/0/relationships/space/data/guid")
        .and_then(Value::as_str)
        .context("the fake's seeded app has no space")?
        .to_string();
    let url = format!("{base}/v3/apps");
    let calls = move |i: usize| {
        let body = json!({
            "name": format!("load-{i:05}"),
            "relationships": {"space": {"data": {"guid": space}}},
        });
        Call::post_json(url.clone(), body.to_string().into_bytes())
    };
    let run = loader
        .throughput(Arc::new(calls), scale.apps, scale.in_flight, 1, None, 201)
        .await;
    let elapsed = run.elapsed;
    let listed = total(&loader, &format!("{base}/v3/apps?per_page=1")).await?;
    drop(fake);
    Ok((elapsed, run, listed))
}
