//! The fast path's instance representation: a payload parsed by simd-json into its tape,
//! which a `jsonschema` validator compiled for [`TapeJson`] walks in place of a
//! `serde_json::Value` — the same keywords, the same code, without building the `Value`.

use std::borrow::Cow;

use jsonschema::json::{Array, Json, JsonNumber, Node, NodeIdentity, Object};
use jsonschema::JsonType;
use serde_json::{Number, Value};
use simd_json::{Node as Entry, StaticNode};

/// Deepest nesting the tape is trusted with: serde_json refuses documents nested more than
/// 128 levels, so deeper ones are left to it (with margin).
const MAX_DEPTH: usize = 120;

/// Reusable space for parsing payloads onto tapes: the copy simd-json rewrites in place,
/// its work buffers, the tape and what checking its keys needs. One per thread (see
/// [`crate::validate::fast::with_tape`]); nothing in it outlives a call of [`Scratch::read`].
pub struct Scratch {
    copy: Vec<u8>,
    buffers: simd_json::Buffers,
    /// Empty between calls.
    tape: simd_json::Tape<'static>,
    /// At least one per tape entry: a key's fingerprint (read by [`TapeObject`]'s
    /// lookups); what the other slots hold is never read.
    fingerprints: Vec<u32>,
}

impl Default for Scratch {
    fn default() -> Scratch {
        Scratch {
            copy: Vec::new(),
            buffers: simd_json::Buffers::default(),
            tape: simd_json::Tape(Vec::new()),
            fingerprints: Vec::new(),
        }
    }
}

/// A cheap summary of a key (length, first, middle and last byte) that tells most unequal
/// keys apart without comparing them.
fn fingerprint(key: &str) -> u32 {
    let bytes = key.as_bytes();
    let byte = |at: usize| bytes.get(at).copied().unwrap_or(0) as u32;
    let len = bytes.len();
    ((len as u32 & 0xFF) | byte(len / 2) << 8 | byte(0) << 16 | byte(len.wrapping_sub(1)) << 24)
        .max(1)
}

impl Scratch {
    /// Calls `read` with the root of `bytes` parsed onto a tape, or returns `None` when
    /// simd-json refuses them or the tape might not say what the `Value` serde_json would
    /// build from `bytes` says: a `\uD…` escape (simd-json has accepted a lone surrogate
    /// that serde_json refuses), nesting past `MAX_DEPTH`, or an object holding a key
    /// twice (`Value` keeps only the last).
    pub fn read<T>(&mut self, bytes: &[u8], read: impl FnOnce(TapeNode<'_>) -> T) -> Option<T> {
        if may_escape_surrogate(bytes) {
            return None;
        }
        self.copy.clear();
        self.copy.extend_from_slice(bytes);
        let mut tape = std::mem::replace(&mut self.tape, simd_json::Tape(Vec::new())).reset();
        let parsed = simd_json::fill_tape(&mut self.copy, &mut self.buffers, &mut tape).is_ok();
        let found = (parsed && index(&tape.0, &mut self.fingerprints)).then(|| {
            read(TapeNode {
                entries: &tape.0,
                fingerprints: &self.fingerprints,
                at: 0,
            })
        });
        self.tape = tape.reset();
        found
    }
}

/// Whether `bytes` might hold a `\uD…` escape: any `\u` followed by `d` (an escaped
/// backslash before `ud` too, which only costs the fast path). A HAR entry is full of
/// backslashes (its body is an escaped string), so the search is for the pair.
fn may_escape_surrogate(bytes: &[u8]) -> bool {
    static ESCAPE: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"\\u"));
    ESCAPE
        .find_iter(bytes)
        .any(|at| matches!(bytes.get(at + 2), Some(b'd' | b'D')))
}

/// Writes each key's fingerprint into `fingerprints`; `false` when `entries` nest deeper
/// than `MAX_DEPTH` or an object in them holds a key twice.
fn index(entries: &[Entry<'_>], fingerprints: &mut Vec<u32>) -> bool {
    // Only keys' slots are read, and each is written below: what the rest hold from an
    // earlier payload does not matter, so nothing is cleared.
    if fingerprints.len() < entries.len() {
        fingerprints.resize(entries.len(), 0);
    }
    let mut index = Index {
        entries,
        fingerprints,
    };
    entries.is_empty() || index.value(0, 0).is_some()
}

/// What [`index`] works with.
struct Index<'t, 'e> {
    entries: &'t [Entry<'e>],
    fingerprints: &'t mut [u32],
}

impl Index<'_, '_> {
    /// Indexes the value at `at` (nested in `depth` containers) and everything in it;
    /// returns the tape index after it.
    fn value(&mut self, at: usize, depth: usize) -> Option<usize> {
        match self.entries[at] {
            Entry::Object { len, .. } if depth < MAX_DEPTH => self.object(at, len, depth),
            Entry::Array { len, .. } if depth < MAX_DEPTH => {
                let mut element = at + 1;
                for _ in 0..len {
                    element = self.value(element, depth + 1)?;
                }
                Some(element)
            }
            Entry::Object { .. } | Entry::Array { .. } => None,
            _ => Some(at + 1),
        }
    }

    fn object(&mut self, at: usize, len: usize, depth: usize) -> Option<usize> {
        // One bit per key seen (from its fingerprint): a key whose bit is clear is new, so
        // only a key whose bit is set is compared with the keys before it.
        let mut seen = 0u64;
        let mut key = at + 1;
        for _ in 0..len {
            let Entry::String(name) = self.entries[key] else {
                return None;
            };
            let print = fingerprint(name);
            self.fingerprints[key] = print;
            let bit = 1u64 << (print.wrapping_mul(0x9E37_79B1) >> 26);
            if seen & bit != 0 && self.holds_key(at + 1, key, name) {
                return None;
            }
            seen |= bit;
            key = match self.entries[key + 1] {
                Entry::Object { .. } | Entry::Array { .. } => self.value(key + 1, depth + 1)?,
                _ => key + 2,
            };
        }
        Some(key)
    }

    /// Whether one of the keys from tape index `first` up to `end` (of one object) is `name`.
    fn holds_key(&self, first: usize, end: usize, name: &str) -> bool {
        let mut key = first;
        while key < end {
            if matches!(self.entries[key], Entry::String(earlier) if earlier == name) {
                return true;
            }
            key = end_of(self.entries, key + 1);
        }
        false
    }
}

/// The index after the value at `at` and everything in it.
fn end_of(entries: &[Entry<'_>], at: usize) -> usize {
    match entries[at] {
        Entry::Array { count, .. } | Entry::Object { count, .. } => at + 1 + count,
        _ => at + 1,
    }
}

/// The tape as an instance representation for `jsonschema`.
pub struct TapeJson;

/// One value on a tape.
#[derive(Debug, Clone, Copy)]
pub struct TapeNode<'a> {
    entries: &'a [Entry<'a>],
    fingerprints: &'a [u32],
    at: u32,
}

impl<'a> TapeNode<'a> {
    fn entry(&self) -> &'a Entry<'a> {
        &self.entries[self.at as usize]
    }
    fn end(&self) -> u32 {
        match self.entry() {
            Entry::Array { count, .. } | Entry::Object { count, .. } => self.at + 1 + *count as u32,
            _ => self.at + 1,
        }
    }
    fn at(&self, at: u32) -> TapeNode<'a> {
        TapeNode {
            entries: self.entries,
            fingerprints: self.fingerprints,
            at,
        }
    }
}

impl Json for TapeJson {
    type Node<'a> = TapeNode<'a>;
    type PreparedKey = (u32, String);
    type StringBuffer = ();

    fn prepare_key(key: &str) -> (u32, String) {
        (fingerprint(key), key.to_owned())
    }

    fn with_string_node<T>(_: &mut (), string: &str, f: impl FnOnce(TapeNode<'_>) -> T) -> T {
        let entries = [Entry::String(string)];
        f(TapeNode {
            entries: &entries,
            fingerprints: &[0],
            at: 0,
        })
    }
}

/// A number on a tape.
#[derive(Debug, Clone, Copy)]
pub struct TapeNumber(StaticNode);

impl JsonNumber for TapeNumber {
    fn as_u64(&self) -> Option<u64> {
        match self.0 {
            StaticNode::U64(n) => Some(n),
            StaticNode::I64(n) => u64::try_from(n).ok(),
            _ => None,
        }
    }
    fn as_i64(&self) -> Option<i64> {
        match self.0 {
            StaticNode::U64(n) => i64::try_from(n).ok(),
            StaticNode::I64(n) => Some(n),
            _ => None,
        }
    }
    fn as_f64(&self) -> Option<f64> {
        match self.0 {
            StaticNode::U64(n) => Some(n as f64),
            StaticNode::I64(n) => Some(n as f64),
            StaticNode::F64(n) => Some(n),
            _ => None,
        }
    }
    fn as_str(&self) -> Cow<'_, str> {
        Cow::Owned(self.to_number().to_string())
    }
    fn to_number(&self) -> Cow<'_, Number> {
        Cow::Owned(match self.0 {
            StaticNode::U64(n) => Number::from(n),
            StaticNode::I64(n) => Number::from(n),
            StaticNode::F64(n) => Number::from_f64(n).unwrap_or_else(|| Number::from(0)),
            _ => Number::from(0),
        })
    }
    fn is_written_as_integer(&self) -> bool {
        !matches!(self.0, StaticNode::F64(_))
    }
}

impl<'a> Node<'a, TapeJson> for TapeNode<'a> {
    type Object = TapeObject<'a>;
    type Array = TapeArray<'a>;
    type Number = TapeNumber;

    fn as_object(&self) -> Option<TapeObject<'a>> {
        match self.entry() {
            Entry::Object { len, .. } => Some(TapeObject {
                node: *self,
                len: *len,
            }),
            _ => None,
        }
    }
    fn as_array(&self) -> Option<TapeArray<'a>> {
        match self.entry() {
            Entry::Array { len, .. } => Some(TapeArray {
                node: *self,
                len: *len,
            }),
            _ => None,
        }
    }
    fn as_string(&self) -> Option<Cow<'a, str>> {
        match self.entry() {
            Entry::String(text) => Some(Cow::Borrowed(text)),
            _ => None,
        }
    }
    fn as_number(&self) -> Option<TapeNumber> {
        match self.entry() {
            Entry::Static(n @ (StaticNode::U64(_) | StaticNode::I64(_) | StaticNode::F64(_))) => {
                Some(TapeNumber(*n))
            }
            _ => None,
        }
    }
    fn is_number(&self) -> bool {
        matches!(
            self.entry(),
            Entry::Static(StaticNode::U64(_) | StaticNode::I64(_) | StaticNode::F64(_))
        )
    }
    fn as_boolean(&self) -> Option<bool> {
        match self.entry() {
            Entry::Static(StaticNode::Bool(value)) => Some(*value),
            _ => None,
        }
    }
    fn is_null(&self) -> bool {
        matches!(self.entry(), Entry::Static(StaticNode::Null))
    }
    fn json_type(&self) -> JsonType {
        match self.entry() {
            Entry::Static(StaticNode::Null) => JsonType::Null,
            Entry::Static(StaticNode::Bool(_)) => JsonType::Boolean,
            Entry::Static(_) => JsonType::Number,
            Entry::String(_) => JsonType::String,
            Entry::Array { .. } => JsonType::Array,
            Entry::Object { .. } => JsonType::Object,
        }
    }
    fn equals_value(&self, expected: &Value) -> bool {
        match (self.entry(), expected) {
            (Entry::String(text), Value::String(other)) => text == other,
            (Entry::String(_), _) => false,
            _ => jsonschema::json::cmp::equal(&self.to_value(), expected),
        }
    }
    fn to_value(&self) -> Cow<'a, Value> {
        Cow::Owned(value_of(self))
    }
    fn identity(&self) -> Option<NodeIdentity> {
        Some(NodeIdentity::new(std::ptr::from_ref(self.entry()) as usize))
    }
}

fn value_of(node: &TapeNode<'_>) -> Value {
    match node.entry() {
        Entry::Static(StaticNode::Null) => Value::Null,
        Entry::Static(StaticNode::Bool(value)) => Value::Bool(*value),
        Entry::Static(n) => Value::Number(TapeNumber(*n).to_number().into_owned()),
        Entry::String(text) => Value::String((*text).to_string()),
        Entry::Array { .. } => Value::Array(
            node.as_array()
                .into_iter()
                .flat_map(|a| a.elements())
                .map(|n| value_of(&n))
                .collect(),
        ),
        Entry::Object { .. } => Value::Object(
            node.as_object()
                .into_iter()
                .flat_map(|o| o.members())
                .map(|(k, n)| (k.to_string(), value_of(&n)))
                .collect(),
        ),
    }
}

/// An object on a tape.
#[derive(Debug, Clone, Copy)]
pub struct TapeObject<'a> {
    node: TapeNode<'a>,
    len: usize,
}

/// The members of an object on a tape, in the order written.
pub struct Members<'a> {
    node: TapeNode<'a>,
    next: u32,
    end: u32,
}

impl<'a> Iterator for Members<'a> {
    type Item = (&'a str, TapeNode<'a>);
    fn next(&mut self) -> Option<Self::Item> {
        if self.next >= self.end {
            return None;
        }
        let key = match &self.node.entries[self.next as usize] {
            Entry::String(key) => *key,
            _ => "",
        };
        let value = self.node.at(self.next + 1);
        self.next = value.end();
        Some((key, value))
    }
}

impl<'a> Object<'a, TapeJson> for TapeObject<'a> {
    type Node = TapeNode<'a>;
    type MemberName = &'a str;
    type MembersIter = Members<'a>;

    fn len(&self) -> usize {
        self.len
    }
    fn get(&self, key: &(u32, String)) -> Option<TapeNode<'a>> {
        let (print, name) = key;
        let (entries, fingerprints) = (self.node.entries, self.node.fingerprints);
        let end = self.node.end() as usize;
        let mut at = self.node.at as usize + 1;
        while at < end {
            if fingerprints[at] == *print {
                if let Entry::String(found) = entries[at] {
                    if found == name {
                        return Some(self.node.at(at as u32 + 1));
                    }
                }
            }
            at = end_of(entries, at + 1);
        }
        None
    }
    fn members(&self) -> Members<'a> {
        Members {
            node: self.node,
            next: self.node.at + 1,
            end: self.node.end(),
        }
    }
}

/// An array on a tape.
#[derive(Debug, Clone, Copy)]
pub struct TapeArray<'a> {
    node: TapeNode<'a>,
    len: usize,
}

/// The elements of an array on a tape.
pub struct Elements<'a> {
    node: TapeNode<'a>,
    next: u32,
    end: u32,
}

impl<'a> Iterator for Elements<'a> {
    type Item = TapeNode<'a>;
    fn next(&mut self) -> Option<TapeNode<'a>> {
        if self.next >= self.end {
            return None;
        }
        let value = self.node.at(self.next);
        self.next = value.end();
        Some(value)
    }
}

impl<'a> Array<'a, TapeJson> for TapeArray<'a> {
    type Node = TapeNode<'a>;
    type ElementsIter = Elements<'a>;

    fn len(&self) -> usize {
        self.len
    }
    fn elements(&self) -> Elements<'a> {
        Elements {
            node: self.node,
            next: self.node.at + 1,
            end: self.node.end(),
        }
    }
}
