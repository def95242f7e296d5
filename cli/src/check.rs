//! `check`: reports every problem of OpenAPI documents, each at `file:line:col`.

use std::io::Write;
use std::path::PathBuf;

/// Check OpenAPI 3.0 documents: against the official OpenAPI 3.0 schema and the rules
/// code generation and validation rely on (known types and keywords, `required` names
/// that are properties, unique operationIds, declared path parameters, `$ref`s that
/// resolve locally and do not go round in a cycle).
///
/// Every problem is reported at once, with `file:line:col`, its JSON pointer and the
/// offending line. `codegen` and `validate` run the same check first.
///
/// Exit status: 0 when every document is fit for use, 2 when any has a problem or
/// cannot be read.
///
/// Examples:
///
///   capi-contract check api.yaml
///
///   capi-contract check            # the embedded Cloud Controller contract
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The documents to check [default: the embedded Cloud Controller contract].
    #[arg(value_name = "SPEC")]
    specs: Vec<PathBuf>,
}

/// Runs the command, returning the exit code.
pub fn run(args: Args, io: &mut crate::Io<'_>) -> anyhow::Result<u8> {
    let specs: Vec<Option<PathBuf>> = if args.specs.is_empty() {
        vec![None]
    } else {
        args.specs.into_iter().map(Some).collect()
    };
    let mut failed = 0;
    for path in &specs {
        let name = path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| crate::EMBEDDED_SPEC_NAME.to_string());
        match crate::load_spec(path.as_deref()) {
            Ok(spec) => {
                for warning in &spec.warnings {
                    writeln!(io.stderr, "warning: {warning}")?;
                }
                writeln!(
                    io.stdout,
                    "{name}: ok ({} operations, {} warnings)",
                    spec.operations().len(),
                    spec.warnings.len()
                )?
            }
            Err(error) => {
                failed += 1;
                match error.downcast::<capi_generator::Diagnostics>() {
                    Ok(diagnostics) => {
                        for diagnostic in &diagnostics.0 {
                            writeln!(io.stderr, "error: {diagnostic}")?;
                        }
                        writeln!(io.stderr, "{name}: {} problems", diagnostics.0.len())?;
                    }
                    Err(other) => writeln!(io.stderr, "error: {other:#}")?,
                }
            }
        }
    }
    Ok(if failed == 0 { 0 } else { 2 })
}
