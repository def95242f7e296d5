//! `codegen`: generates a crate from an OpenAPI 3.0 document.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use capi_generator::codegen::{self, Options};

/// Generate Rust code from an OpenAPI 3.0 document.
///
/// With --out, writes a standalone crate (models, client, server stub) generated from
/// --spec, any OpenAPI 3.0 document in YAML or JSON, or from the embedded Cloud
/// Controller contract. In the workspace (`cargo xtask codegen`) no arguments regenerate
/// `generated/` from `spec/capi.yaml` and print what changed. With --check, nothing is
/// written: exit 1 with a diff when the output is stale.
///
/// Examples:
///
///   capi-contract codegen --out cf-capi
///
///   capi-contract codegen --spec nexus.json --out nexus --name nexus-types
///
///   cargo xtask codegen
///
///   cargo xtask codegen --check
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Change nothing; exit 1 and show a diff when the output is stale.
    #[arg(long)]
    check: bool,

    /// The OpenAPI 3.0 document [default: the embedded Cloud Controller contract].
    #[arg(long, value_name = "PATH", requires = "out")]
    spec: Option<PathBuf>,

    /// Directory of the generated crate [default in the workspace: generated/].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,

    /// The generated crate's name [default: the --out directory's name].
    #[arg(long, value_name = "CRATE", requires = "out")]
    name: Option<String>,

    /// Generate the crate for this Cloud Controller API version (`3.150.0`, or a v2
    /// version): operations, fields and enum values it did not have are left out
    /// [default: the contract's own version].
    #[arg(long, value_name = "VERSION", requires = "out")]
    cc_version: Option<String>,
}

/// Runs the command, returning the exit code.
pub fn run(args: Args, context: &crate::Context, io: &mut crate::Io<'_>) -> anyhow::Result<u8> {
    let (spec, out, options) = match (&args.out, &context.workspace) {
        (Some(out), _) => {
            let name = match &args.name {
                Some(name) => name.clone(),
                None => out
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or("generated")
                    .to_string(),
            };
            let spec = crate::load_spec(args.spec.as_deref())?;
            let options = Options {
                crate_name: name,
                source: spec.name.clone(),
                standalone: true,
                // The embedded contract's crate gets its examples; another spec's would not compile.
                examples: args
                    .spec
                    .is_none()
                    .then(|| codegen::readme::CLOUD_CONTROLLER_EXAMPLES.into()),
            };
            (spec, out.clone(), options)
        }
        (None, Some(root)) => {
            let options = Options {
                crate_name: WORKSPACE_CRATE.into(),
                source: "spec/capi.yaml".into(),
                standalone: false,
                examples: Some(codegen::readme::CLOUD_CONTROLLER_EXAMPLES.into()),
            };
            let spec = crate::load_spec(Some(&root.join("spec/capi.yaml")))?;
            (spec, root.join("generated"), options)
        }
        (None, None) => bail!("give --out DIR: where to write the generated crate"),
    };
    let spec = crate::versions::for_codegen(spec, args.cc_version.as_deref())?;
    let generated = codegen::generate(&spec, &options)?;
    for warning in &generated.warnings {
        writeln!(io.stderr, "warning: {warning}")?;
    }
    let previous = Snapshot::read(&out);
    let mut stale = Vec::new();
    for (relative, contents) in &generated.files {
        if ensure_file_contents(&out.join(relative), contents, args.check)? {
            stale.push(relative.clone());
        }
    }
    for orphan in orphans(&out, &generated.files)? {
        if !args.check {
            std::fs::remove_file(out.join(&orphan))
                .with_context(|| format!("cannot remove {orphan}"))?;
        }
        stale.push(format!("{orphan} (no longer generated)"));
    }
    let current = Snapshot::from_api(&generated.api);
    if args.check {
        if stale.is_empty() {
            writeln!(io.stdout, "{} is fresh", out.display())?;
            return Ok(0);
        }
        for relative in &stale {
            let path = out.join(relative.trim_end_matches(" (no longer generated)"));
            let old = std::fs::read_to_string(&path).unwrap_or_default();
            let new = generated.files.get(relative).cloned().unwrap_or_default();
            write!(io.stdout, "{}", diff(&path, &old, &new))?;
        }
        writeln!(
            io.stdout,
            "{} is stale ({}): run `cargo xtask codegen` and commit",
            out.display(),
            stale.join(", ")
        )?;
        return Ok(1);
    }
    writeln!(io.stdout, "{}", summary(&out, &stale, &previous, &current))?;
    Ok(0)
}

/// The package name of the workspace's generated crate (folder `generated/`).
pub const WORKSPACE_CRATE: &str = "cf-capi";

/// Makes `path` hold `contents`. Writes only when they differ; with `check`, writes
/// nothing. Returns whether the file was (or would have been) changed.
pub fn ensure_file_contents(path: &Path, contents: &str, check: bool) -> anyhow::Result<bool> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == contents) {
        return Ok(false);
    }
    if !check {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(path, contents)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(true)
}

/// Generated files under `src/` that the generator no longer produces.
fn orphans(
    out: &Path,
    files: &std::collections::BTreeMap<String, String>,
) -> anyhow::Result<Vec<String>> {
    let src = out.join("src");
    let Ok(entries) = std::fs::read_dir(&src) else {
        return Ok(Vec::new());
    };
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot list {}", src.display()))?;
        let relative = format!("src/{}", entry.file_name().to_string_lossy());
        let generated =
            std::fs::read_to_string(entry.path()).is_ok_and(|t| t.starts_with("// @generated"));
        if generated && !files.contains_key(&relative) {
            found.push(relative);
        }
    }
    found.sort();
    Ok(found)
}

/// Type and operation names, to say what a regeneration changed.
struct Snapshot {
    types: BTreeSet<String>,
    operations: BTreeSet<String>,
}

impl Snapshot {
    fn read(out: &Path) -> Snapshot {
        let names = |file: &str, prefixes: &[&str]| -> BTreeSet<String> {
            let text = std::fs::read_to_string(out.join(file)).unwrap_or_default();
            text.lines()
                .filter_map(|line| prefixes.iter().find_map(|p| line.strip_prefix(p)))
                .filter_map(|rest| {
                    rest.split(|c: char| !c.is_alphanumeric() && c != '_')
                        .next()
                })
                .map(str::to_string)
                .collect()
        };
        let operations = names("src/operations.rs", &["    id: \""]);
        Snapshot {
            types: names("src/models.rs", &["pub struct ", "pub enum "]),
            operations,
        }
    }

    fn from_api(api: &capi_generator::ir::Api) -> Snapshot {
        let operation_id = |o: &capi_generator::ir::Operation| {
            o.id.clone()
                .unwrap_or_else(|| capi_generator::codegen::naming::bare(&o.name).to_string())
        };
        Snapshot {
            types: api.models.keys().cloned().collect(),
            operations: api.operations.iter().map(operation_id).collect(),
        }
    }
}

fn summary(out: &Path, changed: &[String], before: &Snapshot, after: &Snapshot) -> String {
    if changed.is_empty() {
        return format!(
            "{}: up to date ({} types, {} operations)",
            out.display(),
            after.types.len(),
            after.operations.len()
        );
    }
    let change = |what: &str, old: &BTreeSet<String>, new: &BTreeSet<String>| {
        let added: Vec<&str> = new.difference(old).map(String::as_str).collect();
        let removed: Vec<&str> = old.difference(new).map(String::as_str).collect();
        let mut line = format!("  {what}: {}", new.len());
        if !added.is_empty() {
            line.push_str(&format!(", added {}", abbreviate(&added)));
        }
        if !removed.is_empty() {
            line.push_str(&format!(", removed {}", abbreviate(&removed)));
        }
        line
    };
    format!(
        "{}: wrote {}\n{}\n{}",
        out.display(),
        changed.join(", "),
        change("types", &before.types, &after.types),
        change("operations", &before.operations, &after.operations)
    )
}

fn abbreviate(names: &[&str]) -> String {
    if names.len() <= 8 {
        names.join(", ")
    } else {
        format!("{} and {} more", names[..8].join(", "), names.len() - 8)
    }
}

/// A unified diff (three lines of context) from what is on disk to what the generator
/// writes.
fn diff(path: &Path, old: &str, new: &str) -> String {
    let shown = path.display().to_string();
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(
            &format!("{shown} (on disk)"),
            &format!("{shown} (generated)"),
        )
        .to_string()
}
