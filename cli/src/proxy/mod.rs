//! `proxy`: a validating reverse proxy in front of a Cloud Controller. Point a client at
//! it; it forwards every exchange byte for byte, keeps the client on the proxy by
//! rewriting the absolute links that would lead it away ([`rewrite`]), and checks each
//! exchange exactly as `validate` checks a capture ([`record`]). Findings go to standard
//! error as they happen; the report (any `validate` format) and the HAR of the session are
//! complete when it stops (ctrl-c or SIGTERM).

pub mod body;
pub mod forward;
pub mod har;
pub mod record;
pub mod rewrite;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use capi_generator::traffic::CheckOptions;
use http::Uri;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::sync::mpsc;

use crate::flags::{Format, Outside};

/// Run a validating proxy in front of a Cloud Controller.
///
/// Every request and its response pass through unchanged (headers, bodies, streaming,
/// status), except that absolute links to the upstream in the `links` of the root document
/// and of every resource, in pagination (`first`, `last`, `next`, `previous`) and in a
/// job's `Location` point at the proxy, so a client that follows them stays on it:
///
///   capi-contract proxy --upstream https://api.sys.example.com --listen 127.0.0.1:9023 --har session.har
///   cf api http://127.0.0.1:9023 --skip-ssl-validation && cf push …
///
/// Each exchange is checked as `validate` checks a capture: a finding is one line on
/// standard error as it happens; when the proxy stops (ctrl-c, SIGTERM) the report is
/// complete (standard output, or --report) and so is the HAR (--har), which `validate`
/// re-checks to the same verdicts. Exchanges on Cloud Controller routes the contract does
/// not describe are counted as outside the contract; a route no Cloud Controller has is
/// a finding, with the nearest real route.
///
/// Exit status: 0 no findings, 1 findings, 2 usage, IO or internal error.
// The text above is `--help` (clap), not Markdown: its example lines are not links.
#[allow(rustdoc::bare_urls)]
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The Cloud Controller to forward to, e.g. `https://api.sys.example.com`.
    #[arg(long, value_name = "URL")]
    upstream: String,

    /// Address to listen on; port 0 picks a free one (the URL is the first line on
    /// standard error).
    #[arg(long, default_value = "127.0.0.1:9023")]
    listen: SocketAddr,

    /// The OpenAPI document [default: the embedded Cloud Controller contract].
    #[arg(long, value_name = "PATH")]
    spec: Option<PathBuf>,

    /// Write the report to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,

    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,

    /// Write every exchange to this HAR file (secret headers masked).
    #[arg(long, value_name = "FILE")]
    har: Option<PathBuf>,

    /// Answer a request that breaks the contract with the Cloud Controller's error
    /// envelope (400 or 422) instead of forwarding it.
    #[arg(long)]
    enforce: bool,

    /// Accept any TLS certificate from the upstream (self-signed foundations).
    #[arg(long, conflicts_with = "cacert")]
    insecure: bool,

    /// Trust the upstream's certificate when it is signed by one of the certificates in
    /// this PEM file (a platform's internal CA) instead of by the system's roots, as
    /// curl's --cacert.
    #[arg(long, value_name = "FILE")]
    cacert: Option<PathBuf>,

    /// Also point login and UAA links of the root document at the proxy, which then
    /// forwards to those hosts (and only those) under `/_upstream/<host>/…`.
    #[arg(long)]
    rewrite_login_links: bool,

    /// Also report response fields the spec does not declare (drift).
    #[arg(long)]
    strict: bool,

    /// After the report, show which documented operations and statuses were exercised.
    #[arg(long)]
    coverage: bool,

    /// Whether exchanges on Cloud Controller routes the contract does not describe fail.
    #[arg(long, value_enum, default_value_t = Outside::Count)]
    outside: Outside,

    /// Judge by this Cloud Controller API version (`3.181.0`, `2.150.0`, or
    /// `3.181.0,2.172.0`) [default: the version the first `GET /` or `GET /v2/info`
    /// through the proxy states, else the contract's own], as `validate --cc-version`.
    #[arg(long, value_name = "VERSION")]
    cc_version: Option<String>,

    /// Bytes of each body kept for the check; larger bodies are forwarded whole but not
    /// checked.
    #[arg(long, value_name = "BYTES", default_value_t = 8 << 20)]
    body_cap: usize,
}

/// Runs the proxy until ctrl-c or SIGTERM; returns the exit code.
pub fn run(args: Args, io: &mut crate::Io<'_>) -> anyhow::Result<u8> {
    run_until(args, io, |_| {}, stop_signal())
}

/// The command line of `proxy` alone, for running it in-process.
#[derive(clap::Parser)]
#[command(name = "proxy")]
pub struct Standalone {
    #[command(flatten)]
    args: Args,
}

impl Standalone {
    /// The arguments.
    pub fn into_args(self) -> Args {
        self.args
    }
}

/// Runs the proxy until `stop` resolves (to the reason given in the last line), calling
/// `ready` with the address it listens on once it accepts connections.
pub fn run_until(
    args: Args,
    io: &mut crate::Io<'_>,
    ready: impl FnOnce(SocketAddr),
    stop: impl std::future::Future<Output = &'static str> + Send + 'static,
) -> anyhow::Result<u8> {
    let spec = crate::load_spec(args.spec.as_deref())?;
    let contracts = crate::versions::contracts(spec)?;
    let given = match &args.cc_version {
        Some(text) => Some(crate::versions::given(&contracts, text)?),
        None => None,
    };
    // `--enforce` judges requests before any answer states a version: at --cc-version,
    // else at the contract's own.
    let enforcer = args
        .enforce
        .then(|| {
            let choice = given
                .clone()
                .unwrap_or_else(|| crate::versions::today(&contracts));
            crate::versions::validator(&contracts, &choice)
        })
        .transpose()?;
    let upstream: Uri = args
        .upstream
        .trim_end_matches('/')
        .parse()
        .with_context(|| format!("--upstream {:?} is not a URL", args.upstream))?;
    if !matches!(upstream.scheme_str(), Some("http" | "https")) || upstream.authority().is_none() {
        bail!("--upstream must be an http:// or https:// URL, e.g. https://api.sys.example.com");
    }
    let options = CheckOptions {
        strict: args.strict,
        base_path: Some(upstream.path().trim_end_matches('/').to_string())
            .filter(|p| !p.is_empty()),
        routes: Some(crate::routes()),
        outside_fails: args.outside == Outside::Fail,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(args.listen))
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let address = listener.local_addr()?;
    let origin = format!("http://{address}");
    let client = upstream_client(
        args.insecure,
        args.cacert.as_deref(),
        upstream.scheme_str() == Some("https"),
    )?;
    // Finished exchanges wait here for the recorder: at most 64, each holding at most two
    // bodies of `--body-cap` bytes, so memory stays bounded whatever the traffic.
    let (records, mut inbox) = mpsc::channel::<har::Record>(64);
    let shared = Arc::new(forward::Shared {
        client,
        upstream: upstream.clone(),
        rewriter: rewrite::Rewriter {
            upstream: upstream.to_string().trim_end_matches('/').to_string(),
            proxy: origin.clone(),
            other_hosts: args.rewrite_login_links,
        },
        cap: args.body_cap,
        enforce: enforcer.map(|validator| (validator, options.clone())),
        records,
        unrecorded: Default::default(),
        other_hosts: Mutex::new(Default::default()),
    });

    writeln!(
        io.stderr,
        "capi-contract proxy: {origin} → {} (ctrl-c to stop); {}",
        args.upstream.trim_end_matches('/'),
        record::judged_at(given.as_ref())
    )?;
    io.stderr.flush()?;

    runtime.spawn(serve(listener, Arc::clone(&shared)));
    let mut stop = runtime.spawn(stop);
    ready(address);

    let har = match &args.har {
        Some(path) => {
            let file =
                File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
            Some(har::HarWriter::new(BufWriter::new(file))?)
        }
        None => None,
    };
    let report_out: Box<dyn Write + '_> = match &args.report {
        Some(path) => Box::new(BufWriter::new(
            File::create(path).with_context(|| format!("cannot write {}", path.display()))?,
        )),
        None => Box::new(&mut io.stdout),
    };
    let name = args
        .har
        .as_ref()
        .map_or_else(|| "proxy".to_string(), |p| p.display().to_string());
    let mut recorder = record::Recorder::new(
        contracts,
        given,
        options,
        har,
        name,
        args.format.into(),
        report_out,
    );
    let stderr = &mut io.stderr;
    let why = runtime.block_on(async {
        loop {
            tokio::select! {
                biased;
                why = &mut stop => return Ok::<_, std::io::Error>(why.unwrap_or("stopped")),
                record = inbox.recv() => match record {
                    Some(record) => recorder.record(&record, stderr)?,
                    None => return Ok("stopped"),
                },
            }
        }
    })?;
    // Exchanges whose answers had reached the client before the stop are still recorded;
    // one whose body is still streaming gets a few seconds to finish.
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        while let Ok(record) = inbox.try_recv() {
            recorder.record(&record, stderr)?;
        }
        let waiting = shared.unrecorded.load(std::sync::atomic::Ordering::SeqCst);
        if waiting == 0 || Instant::now() >= deadline {
            break;
        }
        let next = runtime.block_on(async {
            tokio::time::timeout(Duration::from_millis(50), inbox.recv()).await
        });
        if let Ok(Some(record)) = next {
            recorder.record(&record, stderr)?;
        }
    }
    drop(shared);
    runtime.shutdown_background();
    let count = recorder.count;
    let summary = recorder.finish(args.coverage, stderr)?;
    writeln!(
        stderr,
        "capi-contract proxy: {why}; {count} exchanges, {}",
        summary.line()
    )?;
    Ok(if summary.errors > 0 {
        2
    } else if summary.failed > 0 {
        1
    } else {
        0
    })
}

async fn serve(listener: tokio::net::TcpListener, shared: Arc<forward::Shared>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            // Out of file descriptors and the like: the next accept may work.
            tokio::task::yield_now().await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                forward::handle(Arc::clone(&shared), request)
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// The first of SIGINT (ctrl-c) and SIGTERM.
pub async fn stop_signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let (Ok(mut interrupt), Ok(mut terminate)) = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) else {
            std::future::pending::<()>().await;
            unreachable!()
        };
        tokio::select! {
            _ = interrupt.recv() => "interrupted",
            _ = terminate.recv() => "terminated",
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "interrupted"
    }
}

fn upstream_client(
    insecure: bool,
    cacert: Option<&std::path::Path>,
    https: bool,
) -> anyhow::Result<forward::UpstreamClient> {
    use hyper_rustls::ConfigBuilderExt as _;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .context("cannot set up TLS")?;
    let tls =
        if insecure {
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
                .with_no_client_auth()
        } else if let Some(file) = cacert {
            builder
                .with_root_certificates(roots_from(file)?)
                .with_no_client_auth()
        } else {
            match builder.clone().with_native_roots() {
                Ok(roots) => roots.with_no_client_auth(),
                Err(error) if https => return Err(error).context(
                    "cannot read the system's root certificates (--insecure skips verification)",
                ),
                // A plain-HTTP upstream needs no roots.
                Err(_) => builder
                    .with_root_certificates(rustls::RootCertStore::empty())
                    .with_no_client_auth(),
            }
        };
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .build();
    Ok(
        hyper_util::client::legacy::Client::builder(TokioExecutor::new())
            .pool_max_idle_per_host(256)
            .build(connector),
    )
}

/// `--cacert`: the certificates of a PEM file as the only roots.
fn roots_from(file: &std::path::Path) -> anyhow::Result<rustls::RootCertStore> {
    use rustls::pki_types::pem::PemObject as _;
    use rustls::pki_types::CertificateDer;
    let mut roots = rustls::RootCertStore::empty();
    let certificates = CertificateDer::pem_file_iter(file)
        .with_context(|| format!("--cacert: cannot read {}", file.display()))?;
    for certificate in certificates {
        let certificate = certificate
            .with_context(|| format!("--cacert {}: not a PEM certificate", file.display()))?;
        roots
            .add(certificate)
            .with_context(|| format!("--cacert {}: not a usable CA certificate", file.display()))?;
    }
    if roots.is_empty() {
        bail!(
            "--cacert {}: no certificate in it (PEM, `-----BEGIN CERTIFICATE-----`)",
            file.display()
        );
    }
    Ok(roots)
}

/// `--insecure`: any certificate is accepted; the handshake's signatures are still
/// checked, so the connection is still encrypted to whoever holds the key.
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
