//! `cargo xtask`: the workspace's development entry point (see `lib.rs`).

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut io = capi_contract::Io::process();
    ExitCode::from(xtask::run(std::env::args_os(), &mut io))
}
