//! Code generation: checked spec → IR → tokens → formatted files. A [`Spec`] is
//! checked when it is loaded (`spec_check`: every `$ref` resolves locally, no cycles).
//!
//! ```text
//! let (api, notes) = lower(spec);      // plain IR, deterministic order
//! let files = emit + render (api);     // tokens → syn::File → prettyplease
//! ```

pub mod check;
pub mod client;
pub mod doc_text;
pub mod emit;
pub mod lower;
pub mod naming;
pub mod params;
pub mod query_read;
pub mod readme;
pub mod render;
pub mod server;
pub mod tokens;

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::quote;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::ir::Api;
use crate::spec::Spec;

/// How to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The crate's name.
    pub crate_name: String,
    /// How the header names the spec, e.g. `spec/capi.yaml`.
    pub source: String,
    /// Whether the crate stands alone (gets its own `[workspace]`).
    pub standalone: bool,
    /// Examples for the crate's README and documentation, a template naming the spec's
    /// own types ([`readme::CLOUD_CONTROLLER_EXAMPLES`]); `None` for none.
    pub examples: Option<String>,
}

/// A generated crate.
#[derive(Debug, Clone, PartialEq)]
pub struct Generated {
    /// Files by path relative to the crate root (`Cargo.toml`, `src/lib.rs`, …).
    pub files: BTreeMap<String, String>,
    /// Constructs that were approximated (e.g. typed as any JSON), with where.
    pub warnings: Vec<Diagnostic>,
    /// The IR the files came from.
    pub api: Api,
}

/// What emits one generated Rust file from the IR.
type Emitter = fn(&Api) -> TokenStream;

/// Generates a crate from a spec, or explains why the spec cannot be generated from.
pub fn generate(spec: &Spec, options: &Options) -> Result<Generated, Diagnostics> {
    let (api, warnings) = lower::lower(spec);
    let mut files = BTreeMap::new();
    let rust: [(&str, Emitter); 7] = [
        ("src/lib.rs", |_| emit::lib()),
        ("src/models.rs", emit::models),
        ("src/operations.rs", emit::operations),
        ("src/support.rs", |_| emit::support()),
        ("src/params.rs", params::generate),
        ("src/client.rs", client::generate),
        ("src/server.rs", server::generate),
    ];
    // Each file is emitted and formatted on a thread of its own (token streams cannot
    // cross threads; the IR can), so the cores share the work; the output is the same
    // bytes whatever the order they finish in.
    let rendered: Vec<(&str, Result<String, String>)> = std::thread::scope(|scope| {
        let api = &api;
        let running: Vec<_> = rust
            .into_iter()
            .map(|(path, emit)| {
                let source = &options.source;
                (
                    path,
                    scope.spawn(move || render::rust_file(emit(api), source)),
                )
            })
            .collect();
        running
            .into_iter()
            .map(|(path, thread)| {
                let text = thread
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                (path, text)
            })
            .collect()
    });
    for (path, text) in rendered {
        let text = text.map_err(|message| {
            Diagnostics::one(&spec.name, "", None, format!("{path}: {message}"))
        })?;
        files.insert(path.to_string(), text);
    }
    files.insert(
        "README.md".into(),
        readme::readme(
            &api,
            spec,
            &options.crate_name,
            &options.source,
            options.examples.as_deref(),
        ),
    );
    files.insert(
        "Cargo.toml".into(),
        render::cargo_toml(&options.crate_name, &options.source, options.standalone),
    );
    files.insert(
        crate::openapi31::FILE_NAME.into(),
        crate::openapi31::render(spec, &options.source),
    );
    Ok(Generated {
        files,
        warnings,
        api,
    })
}

/// Generates the code as one file of inline modules, for a build script to write into
/// `OUT_DIR` and `include!`. `parts` says whether the client and the server stub are
/// written too; they carry no `cfg` of their own, so the including crate declares no
/// features, only the dependencies of the parts it asked for (`reqwest` for the
/// client; `axum`, `tokio`, `fancy-regex` and `http-body-util` for the server):
///
/// ```text
/// // build.rs
/// let spec = capi_generator::Spec::from_text("api.yaml", &std::fs::read_to_string("api.yaml")?)?;
/// let code = capi_generator::codegen::generate_single_file(&spec, "api.yaml", Parts::MODELS)?;
/// std::fs::write(std::path::Path::new(&std::env::var("OUT_DIR")?).join("api.rs"), code.text)?;
/// // src/lib.rs
/// pub mod api { include!(concat!(env!("OUT_DIR"), "/api.rs")); }
/// ```
pub fn generate_single_file(
    spec: &Spec,
    source: &str,
    parts: Parts,
) -> Result<SingleFile, Diagnostics> {
    let (api, warnings) = lower::lower(spec);
    let text = render::rust_file(single_file(&api, parts), source)
        .map_err(|message| Diagnostics::one(&spec.name, "", None, message))?;
    Ok(SingleFile {
        text,
        warnings,
        api,
    })
}

/// What [`generate_single_file`] writes beside the models, operations and parameters,
/// which it always writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parts {
    /// The `client` module (on `reqwest`).
    pub client: bool,
    /// The `server` module (on `axum`).
    pub server: bool,
}

impl Parts {
    /// The models, operations and parameters only.
    pub const MODELS: Parts = Parts {
        client: false,
        server: false,
    };
    /// Everything: the client and the server stub too.
    pub const ALL: Parts = Parts {
        client: true,
        server: true,
    };
}

/// Generated code in one file.
#[derive(Debug, Clone, PartialEq)]
pub struct SingleFile {
    /// The Rust source.
    pub text: String,
    /// Constructs that were approximated, with where.
    pub warnings: Vec<Diagnostic>,
    /// The IR the code came from.
    pub api: Api,
}

/// Everything asked for in one file of inline modules, for `include!` from a build
/// script: no inner attributes at the top, and paths between the modules are relative
/// (`super::`), so the file can be included into any module of the user's crate.
fn single_file(api: &Api, parts: Parts) -> TokenStream {
    let models = emit::models(api);
    let operations = emit::operations(api);
    let support = emit::support();
    let params = params::generate(api);
    let client = parts.client.then(|| {
        let client = client::generate(api);
        quote!(pub mod client { #client })
    });
    let server = parts.server.then(|| {
        let server = server::generate(api);
        quote!(pub mod server { #server })
    });
    quote! {
        pub mod models { #models }
        pub mod operations { #operations }
        pub mod support { #support }
        pub mod params { #params }
        #client
        #server
        pub use models::*;
        pub use support::{DateTime, Tristate, Uuid};
    }
}
