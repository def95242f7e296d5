//! Fuzz targets for the readers of untrusted input — the spec loader, the HAR and cf trace
//! readers (with the exchange check behind them), the payload validator (fast and full
//! paths) and the generated server stub's request path — with their seed corpora, a
//! seeded structure-aware mutator, and the bounded stable-toolchain driver that CI runs.
//! `fuzz/` at the workspace root runs the same targets under libFuzzer (nightly).
#![deny(missing_docs)]

pub mod driver;
pub mod mutate;
pub mod seeds;
pub mod targets;
