//! Every golden output under `tests/golden/`, compiled (the list is made by `build.rs`).

include!(concat!(env!("OUT_DIR"), "/support.rs"));
include!(concat!(env!("OUT_DIR"), "/goldens.rs"));
