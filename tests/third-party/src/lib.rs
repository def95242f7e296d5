//! The code generated from every document in `../shared/specs`, compiled (the modules are
//! made by `build.rs`).

include!(concat!(env!("OUT_DIR"), "/specs.rs"));
