//! `cargo xtask`: the workspace's development entry point (see `lib.rs`).

use std::process::ExitCode;

/// mimalloc: measurably faster than the system allocator for the many small, short-lived
/// allocations of parsing and validating payloads (see `cargo xtask bench`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let mut io = capi_contract::Io::process();
    ExitCode::from(xtask::run(std::env::args_os(), &mut io))
}
