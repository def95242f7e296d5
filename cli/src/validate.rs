//! `validate`: checks payloads and captured traffic against the spec.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use capi_generator::validate::manifest;
use capi_generator::validate::outcome::{self, Outcome};
use capi_generator::validate::report;
use capi_generator::validate::{Direction, Exchange, OperationSelector, TargetSpec, Validator};

use crate::capture;
use crate::flags::{Format, Input, Outside};
use crate::versions;

/// Check payloads and captured traffic against the contract.
///
/// Three kinds of input:
///
///  * captures — HAR files (browser devtools, mitmproxy, Charles) and cf CLI traces
///    (CF_TRACE=true or `cf … -v` output): give the files with no target; each exchange is
///    checked for its operation, status, content type, query parameters, request body and
///    response body. The kind is detected (--input forces it).
///  * payloads — JSON bodies: name the target with --operation, --method/--path or
///    --schema, and the body with --status (a response) or --request.
///  * a manifest — a TSV whose rows name a payload file and its target each.
///
/// Every violation is reported with where (payload pointer), what was found, what the
/// spec expected, and the spec location. Secrets (authorization and cookie headers,
/// tokens in query strings, credentials, environment variable values) never appear in a
/// report.
///
/// Exit status: 0 all valid, 1 some input invalid, 2 usage, IO or internal error.
///
/// Examples:
///
///   CF_TRACE=trace.txt cf app my-app; capi-contract validate trace.txt
///
///   capi-contract validate --strict --coverage --format junit capture.har > contract.xml
///
///   capi-contract validate --operation get_process --status 200 process.json
///
///   capi-contract validate --method GET --path /v3/processes/6a901b7c-9417-4dc1-8189-d3234aa0ab82/stats --status 200 stats.json
///
///   curl -s -H "Authorization: bearer $TOKEN" $API/v3/apps | capi-contract validate --operation list_apps --status 200 -
///
///   capi-contract validate --schema HealthCheck fragment.json
///
///   capi-contract validate --manifest ../shared/payloads/MANIFEST.tsv --aliases tests/fixtures/manifest-aliases.tsv
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Captures or payload files to check; `-` reads standard input.
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,

    /// The OpenAPI document [default: the embedded Cloud Controller contract].
    #[arg(long, value_name = "PATH")]
    spec: Option<PathBuf>,

    /// Target an operation by its operationId, e.g. `get_process`.
    #[arg(long, value_name = "ID", conflicts_with_all = ["method", "schema"])]
    operation: Option<String>,

    /// Target an operation by HTTP method (with --path).
    #[arg(long, requires = "path", conflicts_with = "schema")]
    method: Option<String>,

    /// Path template (`/v3/processes/{guid}`), concrete path or URL (with --method).
    #[arg(long, requires = "method")]
    path: Option<String>,

    /// Target a component schema by name (`Process`) or pointer (`#/components/schemas/Process`).
    #[arg(long, value_name = "NAME")]
    schema: Option<String>,

    /// Check the response body for this HTTP status.
    #[arg(long, conflicts_with = "request")]
    status: Option<u16>,

    /// Check the request body (with --operation or --method/--path), or apply request
    /// rules to --schema (readOnly properties refused).
    #[arg(long)]
    request: bool,

    /// A TSV manifest naming a target for each payload file (see README.md).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["operation", "method", "schema", "files"])]
    manifest: Option<PathBuf>,

    /// Aliases for manifest concepts that are not paths or schema pointers: lines of
    /// `concept<TAB>#/schema/pointer` or `concept<TAB>{inline schema}`.
    #[arg(long, value_name = "FILE", requires = "manifest")]
    aliases: Option<PathBuf>,

    /// What the files are [default: captures when no target is named, detected per file;
    /// else payloads].
    #[arg(long, value_enum)]
    input: Option<Input>,

    /// Also report response fields the spec does not declare (drift).
    #[arg(long)]
    strict: bool,

    /// After the report, show which documented operations and statuses the captures
    /// exercised, and which never appeared.
    #[arg(long)]
    coverage: bool,

    /// A path prefix in front of the API in captured URLs (e.g. `/cf`); without it a
    /// path that matches nothing is retried without its leading segments.
    #[arg(long, value_name = "PATH")]
    base_path: Option<String>,

    /// Captures: whether an exchange on a Cloud Controller route the contract does not
    /// describe (`GET /v3/organizations`) fails the run; it is always counted, per route.
    #[arg(long, value_enum, default_value_t = Outside::Count)]
    outside: Outside,

    /// Never show a progress bar (it is shown only when standard error is a terminal).
    #[arg(long)]
    no_progress: bool,

    /// Print the peak memory and throughput to standard error at the end.
    #[arg(long)]
    stats: bool,

    /// Judge by this Cloud Controller API version (`3.181.0`, a v2 version such as
    /// `2.150.0`, or both: `3.181.0,2.172.0`) [default: the version a capture's `GET /` or
    /// `GET /v2/info` states, else the contract's own]. What did not exist yet is absent
    /// (a key from a later version is "introduced in …"), what was removed since is back.
    #[arg(long, value_name = "VERSION")]
    cc_version: Option<String>,

    /// Captures, human report: list every exchange, passing ones too (by default passing
    /// exchanges are summarised per operation and status, and only failures are listed).
    #[arg(long)]
    list_all: bool,

    /// Report format. `json` is stable and documented in README.md.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

/// Runs the command, returning the exit code.
pub fn run(args: Args, io: &mut crate::Io<'_>) -> anyhow::Result<u8> {
    let spec = crate::load_spec(args.spec.as_deref())?;
    let contracts = versions::contracts(spec)?;
    let given = match &args.cc_version {
        Some(text) => Some(versions::given(&contracts, text)?),
        None => None,
    };
    let has_target = args.operation.is_some() || args.method.is_some() || args.schema.is_some();
    let captures = args.manifest.is_none()
        && args.input != Some(Input::Payload)
        && (!has_target || args.input.is_some());
    if captures {
        if has_target {
            bail!(
                "--input {} takes no target: drop --operation, --method/--path and --schema",
                if args.input == Some(Input::Trace) {
                    "trace"
                } else {
                    "har"
                }
            );
        }
        if args.files.iter().any(|f| f.as_os_str() == "-") {
            // Read once, for the version detection and the check.
            let mut bytes = Vec::new();
            io.stdin
                .read_to_end(&mut bytes)
                .context("cannot read standard input")?;
            io.stdin = Box::new(std::io::Cursor::new(bytes));
        }
        let choice = match given {
            Some(choice) => choice,
            None => versions::detect(&contracts, &args.files, None)?
                .unwrap_or_else(|| versions::today(&contracts)),
        };
        let validator = versions::validator(&contracts, &choice)?;
        let options = capture::Options {
            files: args.files.clone(),
            forced: args.input,
            strict: args.strict,
            coverage: args.coverage,
            base_path: args.base_path.clone(),
            outside_fails: args.outside == Outside::Fail,
            progress: !args.no_progress,
            stats: args.stats,
            list_all: args.list_all,
            format: args.format.into(),
            version: Some(versions::report_version(&choice)),
            explain: Some(Box::new(move |outcome: &mut Outcome| {
                versions::explain(&contracts, &choice, outcome)
            })),
        };
        return capture::run(&validator, &options, io);
    }
    for (flag, given) in [
        ("--strict", args.strict),
        ("--coverage", args.coverage),
        ("--list-all", args.list_all),
        ("--base-path", args.base_path.is_some()),
    ] {
        if given {
            bail!("{flag} applies to captured traffic (HAR files and cf traces), not to payloads or manifests");
        }
    }
    let choice = given.clone().unwrap_or_else(|| versions::today(&contracts));
    let mut validator = versions::owned_validator(&contracts, &choice)?;
    let mut outcomes = match &args.manifest {
        Some(path) => run_manifest(&mut validator, path, args.aliases.as_deref())?,
        None => run_files(&validator, &args, io)?,
    };
    for outcome in &mut outcomes {
        versions::explain(&contracts, &choice, outcome);
    }
    let mut writer = report::Writer::new(args.format.into(), &mut io.stdout)?
        .locate_with(validator.source().locator());
    if given.is_some() {
        writer.contract_version(versions::report_version(&choice))?;
    }
    for outcome in &outcomes {
        writer.outcome(outcome)?;
    }
    writer.finish(None)?;
    Ok(outcome::exit_code(&outcomes) as u8)
}

fn target_spec(args: &Args) -> anyhow::Result<TargetSpec> {
    if let Some(name) = &args.schema {
        let direction = if args.request {
            Direction::Request
        } else {
            Direction::Response
        };
        return Ok(TargetSpec::Schema(name.clone(), direction));
    }
    let exchange = match (args.status, args.request) {
        (Some(status), _) => Exchange::Response(status),
        (None, true) => Exchange::Request,
        (None, false) => {
            bail!("say which body to check: --status <CODE> for a response or --request")
        }
    };
    let selector = match (&args.operation, &args.method, &args.path) {
        (Some(id), _, _) => OperationSelector::Id(id.clone()),
        (None, Some(method), Some(path)) => OperationSelector::MethodPath { method: method.clone(), path: path.clone() },
        _ => bail!(
            "name a target: --operation <ID>, --method <METHOD> --path <PATH>, --schema <NAME>, or --manifest <FILE>"
        ),
    };
    Ok(TargetSpec::Operation(selector, exchange))
}

fn run_files(
    validator: &Validator,
    args: &Args,
    io: &mut crate::Io<'_>,
) -> anyhow::Result<Vec<Outcome>> {
    if args.files.is_empty() {
        bail!("no payload given: name one or more files, or `-` for standard input");
    }
    let resolution = validator.resolve(&target_spec(args)?)?;
    let resolutions = [resolution];
    let mut outcomes = Vec::new();
    for file in &args.files {
        let input = file.display().to_string();
        let bytes = if file.as_os_str() == "-" {
            let mut bytes = Vec::new();
            io.stdin
                .read_to_end(&mut bytes)
                .map(|_| bytes)
                .context("cannot read standard input")
        } else {
            read_file(file)
        };
        outcomes.push(match bytes {
            Ok(bytes) => outcome::check(validator, &input, &resolutions, Some(&bytes)),
            Err(error) => Outcome::error(&input, Vec::new(), format!("{error:#}")),
        });
    }
    Ok(outcomes)
}

fn read_file(file: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))
}

fn run_manifest(
    validator: &mut Validator,
    path: &Path,
    aliases: Option<&Path>,
) -> anyhow::Result<Vec<Outcome>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the manifest {}", path.display()))?;
    let rows =
        manifest::parse(&text).with_context(|| format!("malformed manifest {}", path.display()))?;
    let aliases = match aliases {
        Some(file) => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("cannot read the aliases {}", file.display()))?;
            manifest::parse_aliases(&text)
                .with_context(|| format!("malformed aliases {}", file.display()))?
        }
        None => manifest::Aliases::new(),
    };
    let base = path.parent().unwrap_or(Path::new("."));
    let mut read = |file: &str| read_file(&base.join(file)).map_err(|e| format!("{e:#}"));
    Ok(manifest::check_rows(
        validator,
        &rows,
        &aliases,
        &path.display().to_string(),
        &mut read,
    ))
}
