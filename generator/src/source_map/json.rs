//! Positions in a JSON text for a few pointers only, in one quick scan: the members and
//! items on the way to the wanted pointers are placed, everything else is skipped without
//! being parsed. A report names a few hundred places in a document of megabytes; mapping
//! every node of it (what [`super::SourceMap::new`] does, for YAML too) costs more than the
//! whole comparison. Positions are those the YAML event parser gives (a member at its
//! key's opening quote, an item at its first character; columns in characters), so both
//! maps agree on every pointer the scan places.

use std::collections::{HashMap, HashSet};

use super::Position;
use crate::pointer;

/// The positions of the nodes in `wanted` that `text` has, or `None` when the text is not
/// a JSON document the scan can follow (the caller then maps it in full).
pub(super) fn positions(text: &str, wanted: &HashSet<String>) -> Option<HashMap<String, Position>> {
    // Containers worth entering: every node on the way to a wanted one.
    let mut enter: HashSet<&str> = HashSet::new();
    for pointer in wanted {
        let mut at = pointer.as_str();
        loop {
            enter.insert(at);
            match at.rfind('/') {
                Some(cut) => at = &at[..cut],
                None => break,
            }
        }
    }
    let mut scan = Scan {
        bytes: text.as_bytes(),
        text,
        at: 0,
        wanted,
        enter: &enter,
        found: HashMap::new(),
        lines: Lines::default(),
    };
    scan.whitespace();
    let mut root = String::new();
    scan.value(&mut root)?;
    scan.whitespace();
    (scan.at == scan.bytes.len()).then_some(scan.found)
}

/// Line numbers of byte offsets, counted forward as the scan goes.
#[derive(Default)]
struct Lines {
    /// The offset counted up to, the line it is on and where that line starts.
    upto: usize,
    line: usize,
    start: usize,
}

struct Scan<'t, 'w> {
    bytes: &'t [u8],
    text: &'t str,
    at: usize,
    wanted: &'w HashSet<String>,
    enter: &'w HashSet<&'w str>,
    found: HashMap<String, Position>,
    lines: Lines,
}

impl Scan<'_, '_> {
    fn whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        self.whitespace();
        if self.bytes.get(self.at) != Some(&byte) {
            return None;
        }
        self.at += 1;
        Some(())
    }

    /// Where byte `offset` stands (offsets only grow during a scan).
    fn position(&mut self, offset: usize) -> Position {
        let lines = &mut self.lines;
        for (i, byte) in self.bytes[lines.upto..offset].iter().enumerate() {
            if *byte == b'\n' {
                lines.line += 1;
                lines.start = lines.upto + i + 1;
            }
        }
        lines.upto = offset;
        Position {
            line: lines.line + 1,
            column: self.text[lines.start..offset].chars().count() + 1,
        }
    }

    fn record(&mut self, pointer: &str, offset: usize) {
        if self.wanted.contains(pointer) {
            let position = self.position(offset);
            self.found.insert(pointer.to_string(), position);
        }
    }

    /// The value at the cursor, whose pointer is `pointer`: entered when it leads to a
    /// wanted node, else skipped.
    fn value(&mut self, pointer: &mut String) -> Option<()> {
        self.whitespace();
        let entered = self.enter.contains(pointer.as_str());
        match self.bytes.get(self.at)? {
            b'{' if entered => self.object(pointer),
            b'[' if entered => self.array(pointer),
            _ => self.skip(),
        }
    }

    fn object(&mut self, pointer: &mut String) -> Option<()> {
        self.at += 1;
        self.whitespace();
        if self.bytes.get(self.at) == Some(&b'}') {
            self.at += 1;
            return Some(());
        }
        loop {
            self.whitespace();
            let key_at = self.at;
            let key = self.string()?;
            let len = pointer.len();
            pointer.push('/');
            pointer.push_str(&pointer::escape(&key));
            self.record(pointer, key_at);
            self.expect(b':')?;
            self.value(pointer)?;
            pointer.truncate(len);
            self.whitespace();
            match self.bytes.get(self.at)? {
                b',' => self.at += 1,
                b'}' => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    fn array(&mut self, pointer: &mut String) -> Option<()> {
        self.at += 1;
        self.whitespace();
        if self.bytes.get(self.at) == Some(&b']') {
            self.at += 1;
            return Some(());
        }
        for index in 0usize.. {
            self.whitespace();
            let len = pointer.len();
            pointer.push('/');
            pointer.push_str(&index.to_string());
            self.record(pointer, self.at);
            self.value(pointer)?;
            pointer.truncate(len);
            self.whitespace();
            match self.bytes.get(self.at)? {
                b',' => self.at += 1,
                b']' => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
        None
    }

    /// The string at the cursor, unescaped.
    fn string(&mut self) -> Option<String> {
        let start = self.at;
        self.skip_string()?;
        let raw = &self.text[start..self.at];
        if raw.contains('\\') {
            serde_json::from_str(raw).ok()
        } else {
            Some(raw[1..raw.len() - 1].to_string())
        }
    }

    fn skip_string(&mut self) -> Option<()> {
        if self.bytes.get(self.at) != Some(&b'"') {
            return None;
        }
        self.at += 1;
        loop {
            match self.bytes.get(self.at)? {
                b'"' => {
                    self.at += 1;
                    return Some(());
                }
                b'\\' => self.at += 2,
                _ => self.at += 1,
            }
        }
    }

    /// Skips the value at the cursor: a container to its matching end, a scalar.
    fn skip(&mut self) -> Option<()> {
        let mut depth = 0usize;
        loop {
            match self.bytes.get(self.at)? {
                b'"' => self.skip_string()?,
                b'{' | b'[' => {
                    depth += 1;
                    self.at += 1;
                }
                b'}' | b']' if depth > 0 => {
                    depth -= 1;
                    self.at += 1;
                }
                b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r' if depth == 0 => return Some(()),
                _ => self.at += 1,
            }
            if depth == 0 && self.at > 0 && matches!(self.bytes[self.at - 1], b'"' | b'}' | b']') {
                return Some(());
            }
        }
    }
}
