//! Finding the elements of a HAR's `log.entries` without parsing them: the document is
//! read in chunks and scanned only for where each value ends (string quotes and escapes,
//! brackets), so the reader's thread does little per byte and each entry can be parsed
//! (`serde_json` over a slice) on whichever thread checks it. Everything that is not an
//! entry is still parsed here, so a document that is not JSON outside its entries is
//! refused as before; an entry that is not JSON is that entry's problem alone.

use std::io::Read;

use serde::de::IgnoredAny;

/// One element of `log.entries`, as the capture writes it.
#[derive(Debug, Clone)]
pub struct RawEntry {
    /// Its place in `log.entries`, from 1.
    pub number: usize,
    /// Line and column (from 1) of its first byte in the capture.
    pub line: usize,
    /// See `line`.
    pub column: usize,
    /// Its JSON text.
    pub bytes: Vec<u8>,
}

/// The least the scanner asks of the reader at a time.
const CHUNK: usize = 1 << 20;

/// Hands every element of `log.entries` to `sink` in order; the number of them, or why the
/// document could not be read to its end (the entries before that point are handed over).
pub fn entries<R: Read>(reader: R, sink: &mut dyn FnMut(RawEntry)) -> Result<usize, String> {
    let mut scanner = Scanner::new(reader);
    let (mut found, mut count) = (false, 0usize);
    if scanner.peek()? == Some(b'\xEF') && scanner.starts_with(b"\xEF\xBB\xBF")? {
        scanner.pos += 3;
    }
    if scanner.peek()? != Some(b'{') {
        return Err(scanner.error("not a HAR document", "a JSON object"));
    }
    scanner.members(&mut |scanner, key| {
        if key != "log" {
            return scanner.skip_checked();
        }
        if scanner.peek()? != Some(b'{') {
            return Err(scanner.error("not a HAR document", "`log` to be an object"));
        }
        scanner.members(&mut |scanner, key| {
            if key != "entries" {
                return scanner.skip_checked();
            }
            if scanner.peek()? != Some(b'[') {
                return Err(scanner.error("not a HAR document", "`log.entries` to be an array"));
            }
            found = true;
            scanner.elements(&mut |scanner| {
                count += 1;
                let (line, column) = scanner.position();
                let length = scanner.value_length(|| format!("entry {count}"))?;
                let bytes = scanner.buf[scanner.pos..scanner.pos + length].to_vec();
                scanner.pos += length;
                sink(RawEntry {
                    number: count,
                    line,
                    column,
                    bytes,
                });
                Ok(())
            })
        })
    })?;
    if scanner.peek()?.is_some() {
        return Err(scanner.error(INCOMPLETE, "nothing after the document"));
    }
    if !found {
        return Err("not a HAR document: no `log.entries`".into());
    }
    Ok(count)
}

const INCOMPLETE: &str = "not a complete HAR document";

/// What the scan of a value found.
enum Scan {
    /// It ends this many bytes from its start.
    Ends(usize),
    /// It goes on past the bytes read so far.
    More,
}

/// Where the value at the start of `bytes` ends (its first byte is not whitespace). Only
/// strings and brackets are followed: the value's JSON is checked by whoever parses it.
fn scan(bytes: &[u8], eof: bool) -> Scan {
    match bytes.first() {
        None => Scan::More,
        Some(b'"') => scan_string(bytes, 1),
        Some(b'{' | b'[') => scan_nested(bytes),
        Some(_) => match bytes
            .iter()
            .position(|b| matches!(b, b',' | b'}' | b']' | b':' | b' ' | b'\t' | b'\n' | b'\r'))
        {
            Some(end) => Scan::Ends(end.max(1)),
            None if eof => Scan::Ends(bytes.len()),
            None => Scan::More,
        },
    }
}

/// The end of a string whose opening quote is just before `from`.
fn scan_string(bytes: &[u8], from: usize) -> Scan {
    let mut at = from;
    loop {
        at += plain_prefix(&bytes[at.min(bytes.len())..]);
        match bytes.get(at) {
            None => return Scan::More,
            Some(b'"') => return Scan::Ends(at + 1),
            // An escape: whatever follows the backslash is part of the string.
            Some(_) => at += 2,
        }
    }
}

/// How many bytes at the start of `bytes` are neither a quote nor a backslash, eight at a
/// time: a captured body is a string full of escaped quotes, and stopping a library
/// search at each of them cost more than the search.
fn plain_prefix(bytes: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // The high bit of each byte of `word` that equals `byte` (and maybe of bytes above
    // such a byte; the lowest one marked is always exact).
    let equal = |word: u64, byte: u8| {
        let x = word ^ (ONES * byte as u64);
        x.wrapping_sub(ONES) & !x & HIGHS
    };
    let mut at = 0;
    for chunk in bytes.chunks_exact(8) {
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let marked = equal(word, b'"') | equal(word, b'\\');
        if marked != 0 {
            return at + (marked.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    at + bytes[at..]
        .iter()
        .position(|&b| b == b'"' || b == b'\\')
        .unwrap_or(bytes.len() - at)
}

fn scan_nested(bytes: &[u8]) -> Scan {
    let mut depth = 0usize;
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'"' => match scan_string(bytes, at + 1) {
                Scan::Ends(end) => {
                    at = end;
                    continue;
                }
                Scan::More => return Scan::More,
            },
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return Scan::Ends(at + 1);
                }
            }
            _ => {}
        }
        at += 1;
    }
    Scan::More
}

/// A window on the document: `buf[pos..]` is what is not consumed yet.
struct Scanner<R> {
    reader: R,
    buf: Vec<u8>,
    pos: usize,
    eof: bool,
    /// The document offset of `buf[0]`.
    base: usize,
    /// Lines are counted up to this document offset…
    counted: usize,
    /// …where the line is this (from 1)…
    line: usize,
    /// …and began at this offset.
    line_start: usize,
}

type Members<'a, R> = dyn FnMut(&mut Scanner<R>, String) -> Result<(), String> + 'a;
type Elements<'a, R> = dyn FnMut(&mut Scanner<R>) -> Result<(), String> + 'a;

impl<R: Read> Scanner<R> {
    fn new(reader: R) -> Scanner<R> {
        Scanner {
            reader,
            buf: Vec::new(),
            pos: 0,
            eof: false,
            base: 0,
            counted: 0,
            line: 1,
            line_start: 0,
        }
    }

    /// Reads more of the document, dropping what is consumed; `false` at its end.
    fn more(&mut self) -> Result<bool, String> {
        if self.eof {
            return Ok(false);
        }
        self.count_lines_to(self.base + self.pos);
        self.buf.drain(..self.pos);
        self.base += self.pos;
        self.pos = 0;
        // At least double what is waiting, so a value longer than a chunk is rescanned
        // a bounded number of times.
        let want = CHUNK.max(self.buf.len());
        let read = (&mut self.reader)
            .take(want as u64)
            .read_to_end(&mut self.buf)
            .map_err(|e| format!("cannot read the capture: {e}"))?;
        self.eof = read == 0;
        Ok(read > 0)
    }

    fn count_lines_to(&mut self, offset: usize) {
        if offset <= self.counted {
            return;
        }
        let seen = &self.buf[self.counted - self.base..offset - self.base];
        self.line += memchr::memchr_iter(b'\n', seen).count();
        if let Some(last) = memchr::memrchr(b'\n', seen) {
            self.line_start = self.counted + last + 1;
        }
        self.counted = offset;
    }

    /// Line and column (from 1) of the next byte.
    fn position(&mut self) -> (usize, usize) {
        self.count_lines_to(self.base + self.pos);
        (self.line, self.base + self.pos - self.line_start + 1)
    }

    fn error(&mut self, problem: &str, expected: &str) -> String {
        let (line, column) = self.position();
        format!("{problem}: expected {expected} at line {line} column {column}")
    }

    /// The next byte that is not whitespace (consuming the whitespace), if any.
    fn peek(&mut self) -> Result<Option<u8>, String> {
        loop {
            match self.buf[self.pos..]
                .iter()
                .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
            {
                Some(skip) => {
                    self.pos += skip;
                    return Ok(Some(self.buf[self.pos]));
                }
                None => {
                    self.pos = self.buf.len();
                    if !self.more()? {
                        return Ok(None);
                    }
                }
            }
        }
    }

    fn starts_with(&mut self, prefix: &[u8]) -> Result<bool, String> {
        while self.buf.len() - self.pos < prefix.len() {
            if !self.more()? {
                break;
            }
        }
        Ok(self.buf[self.pos..].starts_with(prefix))
    }

    /// The length of the value at `pos` (after `peek`), reading as much as it takes.
    fn value_length(&mut self, what: impl Fn() -> String) -> Result<usize, String> {
        loop {
            if let Scan::Ends(length) = scan(&self.buf[self.pos..], self.eof) {
                return Ok(length);
            }
            if !self.more()? {
                let (line, column) = self.position();
                return Err(format!(
                    "{INCOMPLETE}: EOF while parsing {} (from line {line} column {column})",
                    what()
                ));
            }
        }
    }

    /// Skips the value at `pos`, which must be JSON.
    fn skip_checked(&mut self) -> Result<(), String> {
        self.peek()?;
        let length = self.value_length(|| "a value".to_string())?;
        if let Err(error) = serde_json::from_slice::<IgnoredAny>(&self.buf[self.pos..][..length]) {
            let (line, column) = self.position();
            return Err(format!(
                "{INCOMPLETE}: the value at line {line} column {column} is not JSON ({})",
                without_position(&error)
            ));
        }
        self.pos += length;
        Ok(())
    }

    /// Calls `each` with every key of the object at `pos`, positioned on its value, which
    /// `each` consumes.
    fn members(&mut self, each: &mut Members<'_, R>) -> Result<(), String> {
        self.pos += 1;
        if self.peek()? == Some(b'}') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            if self.peek()? != Some(b'"') {
                return Err(self.error(INCOMPLETE, "a key"));
            }
            let length = self.value_length(|| "a key".to_string())?;
            let key: String = serde_json::from_slice(&self.buf[self.pos..][..length])
                .map_err(|e| format!("{INCOMPLETE}: {}", without_position(&e)))?;
            self.pos += length;
            if self.peek()? != Some(b':') {
                return Err(self.error(INCOMPLETE, "`:`"));
            }
            self.pos += 1;
            if self.peek()?.is_none() {
                return Err(format!("{INCOMPLETE}: EOF while parsing an object"));
            }
            each(self, key)?;
            if self.closed(b'}', "an object")? {
                return Ok(());
            }
        }
    }

    /// Calls `each` positioned on every element of the array at `pos`; `each` consumes it.
    fn elements(&mut self, each: &mut Elements<'_, R>) -> Result<(), String> {
        self.pos += 1;
        if self.peek()? == Some(b']') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            if self.peek()?.is_none() {
                return Err(format!("{INCOMPLETE}: EOF while parsing a list"));
            }
            each(self)?;
            if self.closed(b']', "a list")? {
                return Ok(());
            }
        }
    }

    /// After a member or an element: consumes the `,` (`false`) or the `close` that ends
    /// the object or array (`true`).
    fn closed(&mut self, close: u8, container: &str) -> Result<bool, String> {
        match self.peek()? {
            Some(b',') => {
                self.pos += 1;
                Ok(false)
            }
            Some(byte) if byte == close => {
                self.pos += 1;
                Ok(true)
            }
            Some(_) => Err(self.error(INCOMPLETE, &format!("`,` or `{}`", close as char))),
            None => Err(format!("{INCOMPLETE}: EOF while parsing {container}")),
        }
    }
}

/// A `serde_json` error's message without its " at line L column C", for errors whose
/// position serde_json counts from somewhere other than the capture's start.
pub(super) fn without_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(at) if error.line() > 0 => text[..at].to_string(),
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str, chunk: usize) -> (Vec<RawEntry>, Result<usize, String>) {
        struct Trickle<'a>(&'a [u8], usize);
        impl Read for Trickle<'_> {
            fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
                let n = self.0.len().min(out.len()).min(self.1);
                out[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut found = Vec::new();
        let result = entries(Trickle(text.as_bytes(), chunk), &mut |e| found.push(e));
        (found, result)
    }

    #[test]
    fn entries_are_found_whatever_the_reads() {
        let har = "\u{feff}{\"pages\": [{\"id\": \"a]\\\"}\"}],\n \"log\": {\"creator\": {\"name\": \"x\"},\n  \"entries\": [\n  {\"a\": \"}\\\\\"}, 7 ,\n  [1, {\"b\": []}]]}, \"after\": null}\n";
        for chunk in [1, 2, 3, 7, 1 << 20] {
            let (found, result) = split(har, chunk);
            assert_eq!(result, Ok(3), "chunk {chunk}");
            let texts: Vec<&str> = found
                .iter()
                .map(|e| std::str::from_utf8(&e.bytes).unwrap())
                .collect();
            assert_eq!(texts, ["{\"a\": \"}\\\\\"}", "7", "[1, {\"b\": []}]"]);
            let places: Vec<_> = found.iter().map(|e| (e.number, e.line, e.column)).collect();
            assert_eq!(places, [(1, 4, 3), (2, 4, 17), (3, 5, 3)], "chunk {chunk}");
        }
    }

    #[test]
    fn what_is_not_an_entry_must_be_json() {
        for (text, said) in [
            (r#"{"log": {"entries": [], "x": tru}}"#, "not a complete HAR document: the value at line 1 column 30 is not JSON (EOF while parsing a value)"),
            (r#"{"log": {"entries": [] "x": 1}}"#, "not a complete HAR document: expected `,` or `}` at line 1 column 24"),
            (r#"{"log": {"entries": [{}, {"#, "not a complete HAR document: EOF while parsing entry 2 (from line 1 column 26)"),
            (r#"{"log": {"entries": [{}]}} {}"#, "not a complete HAR document: expected nothing after the document at line 1 column 28"),
            ("[]", "not a HAR document: expected a JSON object at line 1 column 1"),
            (r#"{"log": []}"#, "not a HAR document: expected `log` to be an object at line 1 column 9"),
            (r#"{"log": {"entries": {}}}"#, "not a HAR document: expected `log.entries` to be an array at line 1 column 21"),
            (r#"{"log": {}}"#, "not a HAR document: no `log.entries`"),
            ("", "not a HAR document: expected a JSON object at line 1 column 1"),
        ] {
            assert_eq!(split(text, 5).1, Err(said.to_string()), "{text}");
        }
    }

    #[test]
    fn a_string_ends_at_its_first_unescaped_quote_wherever_the_escapes_fall() {
        // Escapes and quotes at every offset from the start of an eight-byte word, runs
        // of backslashes of every length, and strings cut off mid-escape.
        let reference = |bytes: &[u8]| -> Option<usize> {
            let mut at = 1;
            while at < bytes.len() {
                match bytes[at] {
                    b'"' => return Some(at + 1),
                    b'\\' => at += 2,
                    _ => at += 1,
                }
            }
            None
        };
        for offset in 0..20 {
            for run in 0..5 {
                for tail in ["\"x\"", "x", "\\", "\\\"", "\\u00e9\"", "é\""] {
                    let text = format!("\"{}{}{tail}", "a".repeat(offset), "\\".repeat(run));
                    let found = match scan_string(text.as_bytes(), 1) {
                        Scan::Ends(end) => Some(end),
                        Scan::More => None,
                    };
                    assert_eq!(found, reference(text.as_bytes()), "{text}");
                }
            }
        }
    }
}
