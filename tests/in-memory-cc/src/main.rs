//! `in-memory-cc`: serves the in-memory Cloud Controller.

use std::net::SocketAddr;
use std::time::Duration;

use clap::Parser;

/// An in-memory Cloud Controller (processes, apps, jobs and the v2 app resource), for
/// testing Cloud Foundry tooling without a foundation. It starts with a few seeded apps.
#[derive(Parser)]
struct Args {
    /// Address to listen on (port 0 picks a free port; the URL is printed).
    #[arg(long, default_value = "127.0.0.1:9022")]
    listen: SocketAddr,

    /// Accept only this bearer token (default: any non-empty token).
    #[arg(long)]
    token: Option<String>,

    /// Pretend to be this Cloud Controller API version (e.g. `3.150.0`): the root reports
    /// it, operations it did not have answer 404, answers leave out fields it did not send.
    #[arg(long, value_name = "VERSION")]
    cc_version: Option<String>,
    /// Test only: break every answer to matching requests, e.g.
    /// `--break "GET /v3/processes/* /instances=-1"` (`*` matches one path segment), so a
    /// checker can be shown to find exactly that.
    #[arg(long = "break", value_name = "METHOD PATH POINTER=JSON")]
    breakage: Option<in_memory_cc::breakage::Breakage>,
    /// The URL links start with, when clients reach this server by another address (a
    /// port-forward, a proxy). Default: the listen address.
    #[arg(long, value_name = "URL")]
    external_url: Option<String>,

    /// Load this many generated apps at start (each with a web, a worker and a clock
    /// process), for load tests.
    #[arg(long, value_name = "N", default_value_t = 0)]
    seed: usize,

    /// The largest request body, in bytes (413 above).
    #[arg(long, value_name = "BYTES")]
    body_limit: Option<usize>,

    /// Seconds a request body may stall between reads (408 after).
    #[arg(long, value_name = "SECONDS")]
    read_timeout: Option<f64>,

    /// The largest header section, in bytes (431 above).
    #[arg(long, value_name = "BYTES")]
    header_limit: Option<usize>,

    /// Runtime worker threads (default: one per core).
    #[arg(long, value_name = "N")]
    workers: Option<usize>,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if let Some(workers) = args.workers {
        runtime.worker_threads(workers.max(1));
    }
    match runtime.enable_all().build() {
        Ok(runtime) => runtime.block_on(serve(args)),
        Err(error) => {
            eprintln!("error: cannot start the runtime: {error}");
            std::process::ExitCode::from(2)
        }
    }
}

async fn serve(args: Args) -> std::process::ExitCode {
    let listener = match tokio::net::TcpListener::bind(args.listen).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("error: cannot listen on {}: {error}", args.listen);
            return std::process::ExitCode::from(2);
        }
    };
    let address = listener.local_addr().unwrap_or(args.listen);
    let base = args
        .external_url
        .clone()
        .unwrap_or_else(|| format!("http://{address}"));
    let mut config = in_memory_cc::Config::new(&base);
    config.token = args.token;
    config.seed = args.seed;
    if let Some(limit) = args.body_limit {
        config.body_limit = limit;
    }
    if let Some(seconds) = args.read_timeout.filter(|s| s.is_finite() && *s > 0.0) {
        config.read_timeout = Duration::from_secs_f64(seconds);
    }
    if let Some(limit) = args.header_limit {
        config.header_limit = limit;
    }
    let mut app = in_memory_cc::router_with(&config);
    // The first line of standard output is the URL it listens on (port 0 picks a free port).
    println!("http://{address}");
    eprintln!(
        "in-memory Cloud Controller on http://{address}, links on {} (ctrl-c to stop)",
        config.base
    );
    if let Some(version) = &args.cc_version {
        match in_memory_cc::versions::pretend_to_be(app, version) {
            Ok(older) => app = older,
            Err(error) => {
                eprintln!("error: --cc-version {version}: {error}");
                return std::process::ExitCode::from(2);
            }
        }
    }
    if let Some(breakage) = args.breakage {
        app = breakage.layer(app);
    }
    if let Err(error) = in_memory_cc::serve(listener, app).await {
        eprintln!("error: {error}");
        return std::process::ExitCode::from(2);
    }
    std::process::ExitCode::SUCCESS
}
