//! `cargo xtask bench --proxy`: what the validating proxy costs. The in-memory Cloud
//! Controller serves; one client asks it directly and through `capi-contract proxy`, in
//! the same run: latency one request at a time (median, p99, and what the proxy adds),
//! then throughput with many connections at once (requests/s, errors).

use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use crate::load::{micros, Call, Loader};

/// What to measure.
pub struct Load {
    /// Requests timed one at a time, per side.
    pub sequential: usize,
    /// Connections at once in the throughput run.
    pub connections: usize,
    /// Requests per connection in the throughput run.
    pub per_connection: usize,
}

struct Side {
    median: Duration,
    p99: Duration,
    rate: f64,
    errors: usize,
}

/// Runs the proxy benchmark and prints its report.
pub fn run(load: &Load, io: &mut capi_contract::Io<'_>) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let fake = listener.local_addr()?;
    let base = format!("http://{fake}");
    let app = in_memory_cc::router(&base, None);
    runtime.spawn(async move { axum::serve(listener, app).await });

    // The proxy runs in-process, as `capi-contract proxy --upstream <fake>`, until told to stop.
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<SocketAddr>();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let proxy = std::thread::spawn(move || {
        let mut io = capi_contract::Io {
            stdin: Box::new(std::io::empty()),
            stdout: Box::new(std::io::sink()),
            stderr: Box::new(std::io::sink()),
            stderr_is_terminal: false,
        };
        let args = capi_contract::parse::<capi_contract::proxy::Standalone, _, _>(
            [
                "proxy",
                "--upstream",
                &format!("http://{fake}"),
                "--listen",
                "127.0.0.1:0",
            ],
            &mut io,
        )
        .map_err(|code| anyhow::anyhow!("proxy arguments refused ({code})"))?;
        capi_contract::proxy::run_until(
            args.into_args(),
            &mut io,
            move |address| {
                let _ = ready_tx.send(address);
            },
            async move {
                let _ = stop_rx.await;
                "bench finished"
            },
        )
    });
    let through = ready_rx
        .recv_timeout(Duration::from_secs(30))
        .context("the proxy did not start")?;

    let client = Loader::new(load.connections);
    let guid = runtime.block_on(first_process(&client, &base))?;
    let path = format!("/v3/processes/{guid}");
    writeln!(
        io.stdout,
        "\nproxy (GET {path} on the in-memory Cloud Controller; {} sequential requests, then {} connections × {} requests)",
        load.sequential, load.connections, load.per_connection
    )?;
    writeln!(
        io.stdout,
        "{:<8} {:>10} {:>10} {:>12} {:>8}",
        "", "median", "p99", "requests/s", "errors"
    )?;
    let mut sides = Vec::new();
    for (name, address) in [("direct", fake), ("proxy", through)] {
        let url = format!("http://{address}{path}");
        let side = runtime.block_on(measure(&client, &url, load))?;
        writeln!(
            io.stdout,
            "{name:<8} {:>10} {:>10} {:>12.0} {:>8}",
            micros(side.median),
            micros(side.p99),
            side.rate,
            side.errors
        )?;
        sides.push(side);
    }
    let added = sides[1].median.saturating_sub(sides[0].median);
    let added_p99 = sides[1].p99.saturating_sub(sides[0].p99);
    writeln!(
        io.stdout,
        "proxy adds {} median, {} p99 per exchange (target: under 1 ms median); {} errors with {} connections at once",
        micros(added),
        micros(added_p99),
        sides[1].errors,
        load.connections
    )?;
    let _ = stop_tx.send(());
    match proxy.join() {
        Ok(result) => {
            result?;
        }
        Err(_) => anyhow::bail!("the proxy thread panicked"),
    }
    Ok(())
}

async fn first_process(client: &Loader, base: &str) -> anyhow::Result<String> {
    let (_, body) = client
        .send(&Call::get(format!("{base}/v3/processes?per_page=1")))
        .await?;
    let page: serde_json::Value = serde_json::from_slice(&body)?;
    page.pointer("/resources/0/guid")
        .and_then(|g| g.as_str())
        .map(str::to_string)
        .context("the in-memory Cloud Controller lists no process")
}

async fn measure(client: &Loader, url: &str, load: &Load) -> anyhow::Result<Side> {
    // Warm the connection pool and the validator's schema cache first.
    let call = Call::get(url);
    let latency = client
        .latency(load.sequential, 50, 200, |_| call.clone())
        .await?;
    let total = load.connections * load.per_connection;
    let run = client
        .throughput(
            Arc::new(move |_| call.clone()),
            total,
            load.connections,
            1,
            None,
            200,
        )
        .await;
    Ok(Side {
        median: latency.median,
        p99: latency.p99,
        rate: run.done as f64 / run.elapsed.as_secs_f64(),
        errors: run.errors,
    })
}
