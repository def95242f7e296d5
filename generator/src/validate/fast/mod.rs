//! The fast path of validation: a payload's bytes parsed by simd-json into a tape and
//! checked by the same converted JSON Schema, compiled by `jsonschema` for the tape
//! ([`TapeJson`]) instead of `serde_json::Value`. It answers one question — is this payload
//! valid? — and answers it only when it is sure; everything else (an invalid payload, bytes
//! that are not JSON, a tape that might not say what serde_json's `Value` would) goes to the
//! full path, which builds the `Value` and explains every violation as before.

mod tape;

use std::cell::RefCell;

use serde_json::Value;

pub use tape::{Scratch, TapeJson, TapeNode};

/// A target schema compiled for the tape.
pub type FastValidator = jsonschema::Validator<TapeJson>;

/// Compiles a converted root document (with its `$ref` to the target) for the tape, with the
/// options the full path uses.
pub fn compile(root: &Value) -> Option<FastValidator> {
    jsonschema::options_for::<TapeJson>()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(root)
        .ok()
}

thread_local! {
    /// The space every payload a thread checks is parsed in.
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Calls `read` with the root of `bytes` parsed onto a tape (in this thread's scratch
/// space), or returns `None` when the tape refuses them or might not say what serde_json's
/// `Value` would (see [`Scratch::read`]). `read` must not itself ask for a tape.
pub fn with_tape<T>(bytes: &[u8], read: impl FnOnce(TapeNode<'_>) -> T) -> Option<T> {
    SCRATCH.with(|scratch| scratch.try_borrow_mut().ok()?.read(bytes, read))
}

/// Whether `bytes` (a payload, as [`crate::validate::payload::parse`] reads it) is proven
/// valid against `validator`. `false` means "not proven": invalid, not JSON, or not decidable
/// on the tape.
pub fn proves_valid(validator: &FastValidator, bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    with_tape(bytes, |root| validator.is_valid(root)).unwrap_or(false)
}
