//! The Cloud Controller contract toolkit's library: it reads an OpenAPI 3.0 document,
//! generates Rust code from it, and validates JSON payloads against it.
//!
//! Two pipelines share the loaded [`Spec`]:
//!
//! * code generation: [`codegen::generate`] — load → check → lower to [`ir`] → emit
//!   tokens → render text;
//! * contract validation: [`validate::Validator`] — the spec's schemas converted to JSON
//!   Schema once ([`validate::dialect`]), compiled per target on first use, and run over
//!   payloads, reporting every violation.
//!
//! The library does no file IO: callers hand it text and get text or findings back.
#![deny(missing_docs)]

pub mod codegen;
pub mod diagnostic;
pub mod diff;
pub mod ir;
pub mod nullable;
pub mod openapi31;
pub mod pointer;
pub mod source_map;
pub mod spec;
pub mod spec_check;
pub mod traffic;
pub mod validate;
pub mod versions;

pub use diagnostic::{Diagnostic, Diagnostics};
pub use spec::Spec;
