//! `capi-contract`: the installed command line (see `lib.rs`).

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut io = capi_contract::Io::process();
    ExitCode::from(capi_contract::run(std::env::args_os(), &mut io))
}
