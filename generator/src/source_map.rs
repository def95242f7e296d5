//! Where each node of a document stands in its text: JSON pointer → line and column.
//!
//! Diagnostics, validation reports and diffs name spec locations as pointers (they
//! survive any reformatting); people read `file:line:col`. One pass of a YAML 1.2 event
//! parser (`yaml-rust2`, which also reads JSON) records the position of every mapping
//! key and sequence item, so a pointer is looked up, never searched for.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use crate::pointer;

mod json;

/// A 1-based line and column in a document's text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    /// The line, from 1.
    pub line: usize,
    /// The column, from 1, in characters.
    pub column: usize,
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// The positions of a document's nodes, by JSON pointer.
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    positions: HashMap<String, Position>,
}

impl SourceMap {
    /// Maps a YAML or JSON document. A text that does not parse maps as far as it
    /// parsed (its syntax error is the loader's to report).
    pub fn new(text: &str) -> SourceMap {
        let mut recorder = Recorder::default();
        let _ = Parser::new_from_str(text).load(&mut recorder, false);
        // The document itself starts where its text does.
        recorder
            .positions
            .insert(String::new(), Position { line: 1, column: 1 });
        SourceMap {
            positions: recorder.positions,
        }
    }

    /// Maps what is needed to place `pointers` (and the nodes on the way to them, for
    /// [`SourceMap::nearest`]): a JSON text is scanned for those alone, quickly; a YAML
    /// text is mapped in full. Every pointer gets the position [`SourceMap::new`] gives.
    pub fn for_pointers<'p>(text: &str, pointers: impl IntoIterator<Item = &'p str>) -> SourceMap {
        let starts_json = text
            .trim_start_matches([' ', '\t', '\n', '\r'])
            .starts_with(['{', '[']);
        if !starts_json {
            return SourceMap::new(text);
        }
        // Every lookup `position` and `nearest` may make: each pointer, its fragment
        // decoding, and the same for every node on the way.
        let mut wanted = std::collections::HashSet::new();
        for pointer in pointers {
            let mut at = pointer.strip_prefix('#').unwrap_or(pointer);
            loop {
                wanted.insert(at.to_string());
                wanted.insert(pointer::decode_fragment(at));
                match at.rfind('/') {
                    Some(cut) => at = &at[..cut],
                    None => break,
                }
            }
        }
        match json::positions(text, &wanted) {
            Some(mut positions) => {
                positions.insert(String::new(), Position { line: 1, column: 1 });
                SourceMap { positions }
            }
            None => SourceMap::new(text),
        }
    }

    /// Where the node at `pointer` starts: for a mapping member its key, for a sequence
    /// item the item. A pointer may be written as a URI fragment (`#/paths/…`).
    pub fn position(&self, pointer: &str) -> Option<Position> {
        let pointer = pointer.strip_prefix('#').unwrap_or(pointer);
        if let Some(found) = self.positions.get(pointer) {
            return Some(*found);
        }
        // A fragment may percent-encode characters (`%7B` for `{`).
        let decoded = pointer::decode_fragment(pointer);
        self.positions.get(&decoded).copied()
    }

    /// The position of the deepest node on the way to `pointer` that the document has:
    /// where a missing key would go, or the node a schema keyword belongs to.
    pub fn nearest(&self, pointer: &str) -> Option<Position> {
        let mut pointer = pointer.strip_prefix('#').unwrap_or(pointer).to_string();
        loop {
            if let Some(found) = self.position(&pointer) {
                return Some(found);
            }
            let cut = pointer.rfind('/')?;
            pointer.truncate(cut);
        }
    }
}

/// What the event walk is inside of.
enum Frame {
    Mapping {
        pointer: String,
        /// The pointer and position of the key whose value comes next.
        key: Option<(String, Position)>,
    },
    Sequence {
        pointer: String,
        next: usize,
    },
}

#[derive(Default)]
struct Recorder {
    positions: HashMap<String, Position>,
    stack: Vec<Frame>,
}

fn position(mark: Marker) -> Position {
    Position {
        line: mark.line().max(1),
        column: mark.col() + 1,
    }
}

impl Recorder {
    /// Called at the start of a value (scalar or container): the pointer it has.
    /// `None` when the value is a mapping key.
    fn value_pointer(&mut self, mark: Marker, scalar: Option<&str>) -> Option<String> {
        match self.stack.last_mut() {
            None => Some(String::new()),
            Some(Frame::Sequence { pointer, next }) => {
                let at = format!("{pointer}/{next}");
                *next += 1;
                self.positions.insert(at.clone(), position(mark));
                Some(at)
            }
            Some(Frame::Mapping { pointer, key }) => match key.take() {
                Some((at, _)) => Some(at),
                None => {
                    // This value is a key: the next value is its member.
                    let name = scalar.unwrap_or_default();
                    let at = format!("{pointer}/{}", pointer::escape(name));
                    self.positions.insert(at.clone(), position(mark));
                    *key = Some((at, position(mark)));
                    None
                }
            },
        }
    }
}

impl MarkedEventReceiver for Recorder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        match event {
            Event::Scalar(text, ..) => {
                let _ = self.value_pointer(mark, Some(&text));
            }
            Event::Alias(_) => {
                let _ = self.value_pointer(mark, None);
            }
            Event::MappingStart(..) => {
                let pointer = self.value_pointer(mark, None).unwrap_or_default();
                self.positions
                    .entry(pointer.clone())
                    .or_insert(position(mark));
                self.stack.push(Frame::Mapping { pointer, key: None });
            }
            Event::SequenceStart(..) => {
                let pointer = self.value_pointer(mark, None).unwrap_or_default();
                self.positions
                    .entry(pointer.clone())
                    .or_insert(position(mark));
                self.stack.push(Frame::Sequence { pointer, next: 0 });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, pointer: &str) -> Option<String> {
        SourceMap::new(text)
            .position(pointer)
            .map(|p| p.to_string())
    }

    #[test]
    fn yaml_keys_and_items() {
        let text = "openapi: 3.0.3\npaths:\n  /a/{b}:\n    get:\n      tags: [x, y]\n      responses:\n        - one\n        - two\n";
        assert_eq!(at(text, "/openapi").as_deref(), Some("1:1"));
        assert_eq!(at(text, "/paths/~1a~1{b}/get").as_deref(), Some("4:5"));
        assert_eq!(at(text, "#/paths/~1a~1%7Bb%7D/get").as_deref(), Some("4:5"));
        assert_eq!(
            at(text, "/paths/~1a~1{b}/get/tags/1").as_deref(),
            Some("5:17")
        );
        assert_eq!(
            at(text, "/paths/~1a~1{b}/get/responses/1").as_deref(),
            Some("8:11")
        );
        assert_eq!(at(text, "/nothing"), None);
    }

    #[test]
    fn json_documents() {
        let text = "{\n  \"a\": {\"b\": [1, {\"c\": true}]},\n  \"d\": null\n}";
        assert_eq!(at(text, "/a").as_deref(), Some("2:3"));
        assert_eq!(at(text, "/a/b/1/c").as_deref(), Some("2:19"));
        assert_eq!(at(text, "/d").as_deref(), Some("3:3"));
    }

    #[test]
    fn a_json_scan_for_some_pointers_places_them_as_the_full_map_does() {
        let text = "{\n  \"a~b\": {\"c/d\": [1, {\"\\u00e9t\\u00e9\": true}, \"x]\"]},\n  \"é\": {\"k\": null}, \"z\": [[], {}]\n}\n";
        let full = SourceMap::new(text);
        let pointers = [
            "/a~0b/c~1d/1/\u{e9}t\u{e9}",
            "/a~0b/c~1d/2",
            "/\u{e9}/k",
            "/z/1",
            "/z/0/nothing",
            "#/%C3%A9",
            "/missing/deeper",
        ];
        let some = SourceMap::for_pointers(text, pointers);
        for pointer in pointers {
            assert_eq!(some.position(pointer), full.position(pointer), "{pointer}");
            assert_eq!(some.nearest(pointer), full.nearest(pointer), "{pointer}");
        }
        assert!(some.position("/a~0b/c~1d/1/\u{e9}t\u{e9}").is_some());
        // Only what was asked for (and the way to it) is placed.
        assert_eq!(some.position("/a~0b/c~1d/0"), None);
    }

    #[test]
    fn nearest_climbs_to_an_existing_node() {
        let map = SourceMap::new("a:\n  b: 1\n");
        assert_eq!(
            map.nearest("/a/b/type").map(|p| p.to_string()).as_deref(),
            Some("2:3")
        );
        assert_eq!(map.nearest("/zzz"), Some(Position { line: 1, column: 1 }));
    }
}
