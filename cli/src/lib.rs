//! `capi-contract`: the Cloud Controller API contract toolkit's command line.
//!
//! The installed binary (`cargo install --path cli`) and the workspace's `cargo xtask`
//! share this library: the same commands, the same code. Only the defaults differ
//! ([`Context`]): the installed binary checks against the contract embedded at build time
//! and has no workspace, `cargo xtask` regenerates the workspace's `generated/` crate.
//!
//! The command line is a library so that tests can run it in-process with captured
//! input and output. Exit codes: 0 all good, 1 findings (an invalid payload, stale
//! generated code), 2 usage, IO or internal errors. Clap's types stay here; they
//! convert into the library's own types.

pub mod capture;
pub mod check;
pub mod codegen;
pub mod diff;
pub mod flags;
pub mod proxy;
pub mod validate;
pub mod versions;

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::PathBuf;

use anyhow::Context as _;
use capi_generator::Spec;
use clap::{Parser, Subcommand};

/// The contract this binary was built with: `spec/capi.yaml` of its workspace.
pub const EMBEDDED_SPEC: &str = include_str!("../../spec/capi.yaml");

/// The name reports use for the embedded contract.
pub const EMBEDDED_SPEC_NAME: &str = "spec/capi.yaml";

/// The Cloud Controller API contract toolkit: check OpenAPI documents, generate Rust
/// code from them, and validate payloads and captured traffic against the contract.
#[derive(Parser)]
#[command(name = "capi-contract", bin_name = "capi-contract", version = version(), about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The commands, shared by `capi-contract` and `cargo xtask`. Each command's help is
/// the doc comment of its `Args` (a comment here would replace it).
#[derive(Subcommand)]
#[allow(missing_docs)]
pub enum Command {
    Check(check::Args),
    Codegen(codegen::Args),
    Validate(validate::Args),
    Proxy(proxy::Args),
    Diff(diff::Args),
}

/// What a command defaults to where the user gave nothing.
#[derive(Clone, Debug, Default)]
pub struct Context {
    /// The workspace checkout, when running as `cargo xtask`: `codegen` with no arguments
    /// regenerates its `generated/` from its `spec/capi.yaml`.
    pub workspace: Option<PathBuf>,
}

impl Command {
    /// Runs the command, returning the exit code.
    pub fn run(self, context: &Context, io: &mut Io<'_>) -> anyhow::Result<u8> {
        match self {
            Command::Check(args) => check::run(args, io),
            Command::Codegen(args) => codegen::run(args, context, io),
            Command::Validate(args) => validate::run(args, io),
            Command::Proxy(args) => proxy::run(args, io),
            Command::Diff(args) => diff::run(args, io),
        }
    }
}

/// Where a command reads and writes.
pub struct Io<'a> {
    /// Standard input.
    pub stdin: Box<dyn Read + 'a>,
    /// Standard output.
    pub stdout: Box<dyn Write + 'a>,
    /// Standard error.
    pub stderr: Box<dyn Write + 'a>,
    /// Whether standard error is a terminal (progress bars are drawn only there).
    pub stderr_is_terminal: bool,
}

impl Io<'static> {
    /// The process's own streams.
    pub fn process() -> Io<'static> {
        use std::io::IsTerminal;
        Io {
            stdin: Box::new(std::io::stdin()),
            stdout: Box::new(std::io::stdout()),
            stderr: Box::new(std::io::stderr()),
            stderr_is_terminal: std::io::stderr().is_terminal(),
        }
    }
}

/// Runs the installed command line with these arguments (the first is the program name)
/// and returns the exit code.
pub fn run<I, T>(args: I, io: &mut Io<'_>) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    match parse::<Cli, _, _>(args, io) {
        Ok(cli) => finish(cli.command.run(&Context::default(), io), io),
        Err(code) => code,
    }
}

/// Parses a command line; on `--help`, `--version` or a usage error, prints what clap
/// says and returns the exit code instead.
pub fn parse<C, I, T>(args: I, io: &mut Io<'_>) -> Result<C, u8>
where
    C: Parser,
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    C::try_parse_from(args).map_err(|error| {
        let text = if io.stderr_is_terminal {
            error.render().ansi().to_string()
        } else {
            error.render().to_string()
        };
        if error.use_stderr() {
            let _ = io.stderr.write_all(text.as_bytes());
            2
        } else {
            let _ = io.stdout.write_all(text.as_bytes());
            0
        }
    })
}

/// Turns a command's result into its exit code, printing an error as `error:` and
/// `caused by:` lines. A broken pipe (`… | head`) is not an error.
pub fn finish(result: anyhow::Result<u8>, io: &mut Io<'_>) -> u8 {
    match result {
        Ok(code) => code,
        Err(error) if is_broken_pipe(&error) => 0,
        Err(error) => {
            let _ = writeln!(io.stderr, "error: {error}");
            for cause in error.chain().skip(1) {
                let _ = writeln!(io.stderr, "caused by: {cause}");
            }
            2
        }
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// `--version`: the tool's version and the embedded contract's `info.version`.
pub fn version() -> &'static str {
    static VERSION: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    VERSION.get_or_init(|| {
        let contract = embedded_contract_version().unwrap_or_else(|| "unknown".into());
        format!(
            "{} (contract: Cloud Controller API {contract})",
            env!("CARGO_PKG_VERSION")
        )
    })
}

/// The Cloud Controller's routes this binary was built with (`spec/cc-routes.tsv`):
/// what is outside the contract and what is no route at all.
pub const EMBEDDED_ROUTES: &str = include_str!("../../spec/cc-routes.tsv");

/// The embedded route table, read once.
pub fn routes() -> std::sync::Arc<capi_generator::traffic::routes::RouteTable> {
    use capi_generator::traffic::routes::RouteTable;
    static ROUTES: std::sync::OnceLock<std::sync::Arc<RouteTable>> = std::sync::OnceLock::new();
    ROUTES
        .get_or_init(|| {
            // A test proves the embedded table reads; an unreadable one would be empty.
            std::sync::Arc::new(RouteTable::parse(EMBEDDED_ROUTES).unwrap_or_default())
        })
        .clone()
}

/// The embedded contract's `info.version`: the Cloud Controller API version exchanges
/// are judged at.
pub fn contract_version() -> String {
    embedded_contract_version().unwrap_or_else(|| "unknown".into())
}

fn embedded_contract_version() -> Option<String> {
    // `info.version` is a plain scalar near the top; reading it needs no full parse.
    let info = EMBEDDED_SPEC.split_once("\ninfo:")?.1;
    info.lines()
        .take_while(|line| line.is_empty() || line.starts_with(' '))
        .find_map(|line| line.trim().strip_prefix("version:"))
        .map(|v| v.trim().trim_matches(['"', '\'']).to_string())
}

/// Loads the document `--spec` names, or the embedded contract.
pub fn load_spec(path: Option<&std::path::Path>) -> anyhow::Result<Spec> {
    match path {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the spec {}", path.display()))?;
            Ok(Spec::from_text(&path.display().to_string(), &text)?)
        }
        None => Ok(Spec::from_text(EMBEDDED_SPEC_NAME, EMBEDDED_SPEC)?),
    }
}
