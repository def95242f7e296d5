//! `cargo xtask`: the project's command line (see `lib.rs`).

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut io = xtask::Io::process();
    ExitCode::from(xtask::run(std::env::args_os(), &mut io))
}
