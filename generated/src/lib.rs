//! Rust models of the Cloud Controller API, generated from `spec/` by `cargo xtask codegen`.
