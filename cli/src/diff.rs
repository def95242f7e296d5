//! `diff OLD NEW`: which changes between two OpenAPI 3.0 documents break clients, which
//! break servers, which break the generated Rust API, and which break nobody.

use std::io::Write as _;
use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context as _};
use capi_generator::diff::{self, report};
use capi_generator::source_map::SourceMap;
use capi_generator::Spec;

use crate::flags::Format;
use crate::Io;

/// Compare two OpenAPI 3.0 documents: every change, classified by who it breaks.
#[derive(clap::Args)]
pub struct Args {
    /// The old document: a path, or `REV:path` for a file at a git revision
    /// (`HEAD~1:spec/capi.yaml`; the path is relative to the repository's root).
    #[arg(required_unless_present = "cc_version")]
    pub old: Option<String>,
    /// The new document: a path, or `REV:path`.
    #[arg(required_unless_present = "cc_version")]
    pub new: Option<String>,
    /// Report format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Which findings fail the run (exit 1): class names (`breaking-for-clients`,
    /// `breaking-for-servers`, `generated-code-breaking`, `compatible`) and rule ids,
    /// comma-separated, or `none`.
    #[arg(
        long,
        default_value = "breaking-for-clients,breaking-for-servers,generated-code-breaking"
    )]
    pub fail_on: String,
    /// Compare the contract as it stood at two Cloud Controller API versions, `A..B`
    /// (`3.150.0..3.228.0`): the embedded contract, or the annotated `--spec FILE`.
    #[arg(long, conflicts_with_all = ["old", "new"])]
    pub cc_version: Option<String>,
    /// With `--cc-version`: the annotated contract to view at both versions.
    #[arg(long, requires = "cc_version", value_name = "FILE")]
    pub spec: Option<std::path::PathBuf>,
}

/// One side of the comparison: its name in reports, its text and the loaded document.
struct Side {
    name: String,
    text: String,
    spec: Spec,
}

/// Runs `diff`: exit 1 when a finding fails the run.
pub fn run(args: Args, io: &mut Io<'_>) -> anyhow::Result<u8> {
    let fail_on = report::FailOn::parse(&args.fail_on)
        .map_err(|message| anyhow::anyhow!("--fail-on: {message}"))?;
    let (old, new) = match (&args.cc_version, &args.old, &args.new) {
        (Some(range), _, _) => versions(range, args.spec.as_deref())?,
        (None, Some(old), Some(new)) => {
            // The two documents load at once (parsing and checking a large one takes
            // most of the run).
            let (old, new) = std::thread::scope(|scope| {
                let old = scope.spawn(|| side(old));
                let new = side(new);
                (
                    old.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
                    new,
                )
            });
            (old?, new?)
        }
        _ => bail!("diff needs OLD and NEW, or --cc-version A..B"),
    };
    let findings = diff::diff(&old.spec, &new.spec);
    // Only the places the findings name are looked up in each text.
    let (old_map, new_map) = std::thread::scope(|scope| {
        let old_map = scope
            .spawn(|| SourceMap::for_pointers(&old.text, findings.iter().map(|f| f.old.as_str())));
        let new_map = SourceMap::for_pointers(&new.text, findings.iter().map(|f| f.new.as_str()));
        (
            old_map.join().expect("a source map does not panic"),
            new_map,
        )
    });
    let text = report::render(
        args.format.into(),
        &findings,
        &report::Document {
            name: &old.name,
            map: &old_map,
        },
        &report::Document {
            name: &new.name,
            map: &new_map,
        },
        &fail_on,
    );
    io.stdout.write_all(text.as_bytes())?;
    io.stdout.flush()?;
    let failed = findings.iter().any(|f| fail_on.fails(f));
    // Freeing two large documents' trees takes a tenth of the run; the answer need not
    // wait for it (a process that exits first leaves it to the system).
    std::thread::spawn(move || drop((old, new, old_map, new_map, findings)));
    Ok(u8::from(failed))
}

fn side(argument: &str) -> anyhow::Result<Side> {
    let text = read(argument)?;
    let spec = Spec::to_compare(argument, &text)?;
    Ok(Side {
        name: argument.to_string(),
        text,
        spec,
    })
}

/// A file, or `REV:path` through `git show` when no such file exists.
fn read(argument: &str) -> anyhow::Result<String> {
    let path = Path::new(argument);
    if path.exists() {
        return std::fs::read_to_string(path).with_context(|| format!("cannot read {argument}"));
    }
    let Some((revision, file)) = argument.split_once(':') else {
        bail!("cannot read {argument}: no such file");
    };
    if revision.is_empty() || file.is_empty() {
        bail!("cannot read {argument}: no such file, and not of the form REV:path");
    }
    let output = Command::new("git")
        .args(["show", argument])
        .output()
        .with_context(|| format!("cannot run git to read {argument}"))?;
    if !output.status.success() {
        bail!(
            "cannot read {argument} from git: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    String::from_utf8(output.stdout).with_context(|| format!("{argument} is not UTF-8 text"))
}

/// `--cc-version A..B`: the contract (`--spec FILE`, else the embedded one) as it stood at
/// version A against itself at version B (`capi_generator::versions`: the annotated spec
/// without what did not exist yet). Both sides are views of the one text, so each finding
/// is placed in that file; each side is named `FILE@VERSION`.
fn versions(range: &str, spec: Option<&Path>) -> anyhow::Result<(Side, Side)> {
    let Some((from, to)) = range.split_once("..") else {
        bail!("--cc-version takes a range A..B, e.g. 3.150.0..3.228.0");
    };
    let (name, text) = match spec {
        Some(path) => (
            path.display().to_string(),
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?,
        ),
        None => (
            crate::EMBEDDED_SPEC_NAME.to_string(),
            crate::EMBEDDED_SPEC.to_string(),
        ),
    };
    let contracts = crate::versions::contracts(Spec::to_compare(&name, &text)?)?;
    let view = |version: &str| -> anyhow::Result<Side> {
        let version = version.trim();
        let at = crate::versions::given(&contracts, version)?.at;
        let spec = contracts
            .spec_at(&at, capi_generator::versions::ViewOptions::default())
            .map_err(|e| anyhow::anyhow!("the contract at {at}: {e}"))?;
        Ok(Side {
            name: format!("{name}@{version}"),
            text: text.clone(),
            spec,
        })
    };
    Ok((view(from)?, view(to)?))
}
