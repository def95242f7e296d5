//! `cargo xtask`: the project's command line.
//!
//! The command line is a library so that tests can run it in-process with captured
//! input and output. Exit codes: 0 all good, 1 findings (an invalid payload, stale
//! generated code), 2 usage, IO or internal errors. Clap's types stay here; they
//! convert into the library's own types.

mod bench;
mod capture;
mod codegen;
mod validate;

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// The Cloud Controller contract toolkit's tasks.
#[derive(Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Bench(bench::Args),
    Codegen(codegen::Args),
    Validate(validate::Args),
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

/// Runs the command line with these arguments (the first is the program name) and
/// returns the exit code.
pub fn run<I, T>(args: I, io: &mut Io<'_>) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            let text = error.render().ansi().to_string();
            if error.use_stderr() {
                let _ = io.stderr.write_all(text.as_bytes());
                return 2;
            }
            let _ = io.stdout.write_all(text.as_bytes());
            return 0;
        }
    };
    let result = match cli.command {
        Command::Bench(args) => bench::run(args, io),
        Command::Codegen(args) => codegen::run(args, io),
        Command::Validate(args) => validate::run(args, io),
    };
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

/// The workspace root, for defaults such as `spec/capi.yaml`.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default()
}
