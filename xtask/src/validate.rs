//! `cargo xtask validate`: checks JSON payloads against the spec.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::ValueEnum;
use generator::validate::manifest;
use generator::validate::outcome::{self, Outcome};
use generator::validate::{report, Direction, Exchange, OperationSelector, TargetSpec, Validator};
use generator::Spec;

/// Check captured JSON payloads against the contract.
///
/// Name the target with --operation, --method/--path or --schema, and say which body
/// with --status (a response) or --request. Or give --manifest, a TSV whose rows name
/// a payload file and its target each.
///
/// Every violation is reported with the payload pointer, the value found, what the spec
/// expected, and the spec location.
///
/// Exit status: 0 all valid, 1 some input invalid, 2 usage, IO or internal error.
///
/// Examples:
///
///   cargo xtask validate --operation get_process --status 200 process.json
///
///   cargo xtask validate --method GET --path /v3/processes/6a901b7c-9417-4dc1-8189-d3234aa0ab82/stats --status 200 stats.json
///
///   curl -s -H "Authorization: bearer $TOKEN" $API/v3/apps | cargo xtask validate --operation list_apps --status 200 -
///
///   cargo xtask validate --schema HealthCheck fragment.json
///
///   cargo xtask validate --manifest ../shared/payloads/MANIFEST.tsv --aliases tests/fixtures/manifest-aliases.tsv
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Payload files to check; `-` reads standard input.
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,

    /// The OpenAPI document [default: spec/capi.yaml of this workspace].
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

    /// Report format. `json` is stable and documented in README.md.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// One block per input, then `N passed, N failed`.
    Human,
    /// A machine-readable report.
    Json,
}

/// Runs the command, returning the exit code.
pub fn run(args: Args, io: &mut crate::Io<'_>) -> anyhow::Result<u8> {
    let spec_path = args
        .spec
        .clone()
        .unwrap_or_else(|| crate::workspace_root().join("spec/capi.yaml"));
    let text = std::fs::read_to_string(&spec_path)
        .with_context(|| format!("cannot read the spec {}", spec_path.display()))?;
    let spec = Spec::from_text(&spec_path.display().to_string(), &text)?;
    let mut validator = Validator::new(&spec);
    let outcomes = match &args.manifest {
        Some(path) => run_manifest(&mut validator, path, args.aliases.as_deref())?,
        None => run_files(&validator, &args, io)?,
    };
    let rendered = match args.format {
        Format::Human => report::human(&outcomes),
        Format::Json => report::json(&outcomes),
    };
    io.stdout.write_all(rendered.as_bytes())?;
    io.stdout.flush()?;
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
        (None, Some(method), Some(path)) => {
            OperationSelector::MethodPath { method: method.clone(), path: path.clone() }
        }
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
