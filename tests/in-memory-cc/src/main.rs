//! `in-memory-cc`: serves the in-memory Cloud Controller.

use std::net::SocketAddr;

use clap::Parser;

/// An in-memory Cloud Controller (processes, apps and the v2 app resource), for testing
/// Cloud Foundry tooling without a foundation. It starts with a few seeded apps.
#[derive(Parser)]
struct Args {
    /// Address to listen on (port 0 picks a free port; the URL is printed).
    #[arg(long, default_value = "127.0.0.1:9022")]
    listen: SocketAddr,

    /// Accept only this bearer token (default: any non-empty token).
    #[arg(long)]
    token: Option<String>,

    /// The base URL its links start with (default: its own address), e.g. a proxy's
    /// in front of it.
    #[arg(long)]
    public_url: Option<String>,
    /// Pretend to be this Cloud Controller API version (e.g. `3.150.0`): the root reports
    /// it, operations it did not have answer 404, answers leave out fields it did not send.
    #[arg(long, value_name = "VERSION")]
    cc_version: Option<String>,
    /// Test only: break every answer to matching requests, e.g.
    /// `--break "GET /v3/processes/* /instances=-1"` (`*` matches one path segment), so a
    /// checker can be shown to find exactly that.
    #[arg(long = "break", value_name = "METHOD PATH POINTER=JSON")]
    breakage: Option<in_memory_cc::breakage::Breakage>,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let listener = match tokio::net::TcpListener::bind(args.listen).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("error: cannot listen on {}: {error}", args.listen);
            return std::process::ExitCode::from(2);
        }
    };
    let address = listener.local_addr().unwrap_or(args.listen);
    let base = format!("http://{address}");
    // The first line of standard output is the base URL (port 0 picks a free port).
    println!("{base}");
    eprintln!("in-memory Cloud Controller on {base} (ctrl-c to stop)");
    let mut app = in_memory_cc::router(args.public_url.as_deref().unwrap_or(&base), args.token);
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
    if let Err(error) = axum::serve(listener, app).await {
        eprintln!("error: {error}");
        return std::process::ExitCode::from(2);
    }
    std::process::ExitCode::SUCCESS
}
