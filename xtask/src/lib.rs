//! `cargo xtask`: the workspace's development entry point.
//!
//! Every command of the installed `capi-contract` binary, run with the workspace's
//! defaults (`codegen` with no arguments regenerates `generated/` from `spec/capi.yaml`),
//! plus `bench`, which needs the workspace's files. A library so that tests can run it
//! in-process with captured input and output.

mod bench;
mod bench_diff;
mod bench_fake;
mod bench_proxy;
mod compile_cost;
mod load;
mod peers;

use std::ffi::OsString;
use std::path::PathBuf;

use capi_contract::{Context, Io};
use clap::{Parser, Subcommand};

/// The Cloud Controller contract toolkit's development tasks.
#[derive(Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask", version = capi_contract::version(), about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

// One value per run: the size difference between the variants costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Task {
    Bench(bench::Args),
    #[command(flatten)]
    Contract(capi_contract::Command),
}

/// Runs `cargo xtask` with these arguments (the first is the program name) and returns
/// the exit code.
pub fn run<I, T>(args: I, io: &mut Io<'_>) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli: Cli = match capi_contract::parse(args, io) {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    let context = Context {
        workspace: Some(workspace_root()),
    };
    let result = match cli.task {
        Task::Bench(args) => bench::run(args, io),
        Task::Contract(command) => command.run(&context, io),
    };
    capi_contract::finish(result, io)
}

/// The workspace root, for defaults such as `spec/capi.yaml`.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default()
}
