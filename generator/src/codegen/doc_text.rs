//! Spec descriptions as rustdoc Markdown: prose stays prose. A description is written
//! for an API reference, not for rustdoc, so brackets are not intra-doc links, URLs are
//! links, angle brackets are not HTML, and no block becomes a doctest.

/// `text` (a `description`, `summary` or `title`) as rustdoc reads it to mean what the
/// spec's author wrote:
///
/// - a fenced block without a language, or marked `rust`, becomes `text` (never run);
/// - outside fences and code spans, `[` and `]` are escaped unless they form an inline
///   link (`[text](url)`), a bare `http(s)://` URL becomes `<…>`, and a `<` that would
///   open an HTML tag is written `&lt;`;
/// - lines outside fences lose their indentation, so none is an indented code block.
pub fn rustdoc(text: &str) -> String {
    let mut out = Vec::new();
    let mut fence: Option<String> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        let marker: String = trimmed
            .chars()
            .take_while(|&c| c == '`' || c == '~')
            .collect();
        let opens_or_closes =
            marker.len() >= 3 && marker.chars().all(|c| c == marker.as_bytes()[0] as char);
        match &fence {
            Some(open) if opens_or_closes && trimmed.trim_end() == open.as_str() => {
                fence = None;
                out.push(trimmed.trim_end().to_string());
            }
            Some(_) => out.push(line.to_string()),
            None if opens_or_closes => {
                let info = trimmed[marker.len()..].trim();
                let runs_as_rust = info.is_empty()
                    || info
                        .split(|c: char| c == ',' || c.is_whitespace())
                        .any(|word| word == "rust");
                out.push(if runs_as_rust {
                    format!("{marker}text")
                } else {
                    trimmed.trim_end().to_string()
                });
                fence = Some(marker);
            }
            None => out.push(prose(trimmed)),
        }
    }
    out.join("\n")
}

/// One line of prose, code spans kept as written.
fn prose(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len());
    let mut in_code = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '`' {
            in_code = !in_code;
            out.push(c);
        } else if in_code {
            out.push(c);
        } else if c == '[' && !opens_link(&chars[i..]) {
            out.push_str("\\[");
        } else if let Some((text, after)) = path_link(&chars[i..]) {
            // `[text](some::rust::Path)`: an intra-doc link into the API's own source
            // (nexus's descriptions have them), which cannot resolve here; keep the text.
            out.push_str(&prose(&text));
            i += after;
            continue;
        } else if c == ']' && chars.get(i + 1) != Some(&'(') {
            out.push_str("\\]");
        } else if c == '<' && starts_url(&chars[i + 1..]) {
            out.push(c);
        } else if c == '<'
            && chars
                .get(i + 1)
                .is_some_and(|n| n.is_ascii_alphabetic() || *n == '/' || *n == '!')
        {
            out.push_str("&lt;");
        } else if starts_url(&chars[i..])
            && !matches!(i.checked_sub(1).map(|p| chars[p]), Some('<' | '(' | '"'))
        {
            let end = chars[i..]
                .iter()
                .position(|c| c.is_whitespace() || matches!(c, '>' | '"' | '`'))
                .map_or(chars.len(), |n| i + n);
            let mut url_end = end;
            while url_end > i
                && matches!(chars[url_end - 1], '.' | ',' | ';' | ':' | ')' | '!' | '?')
            {
                url_end -= 1;
            }
            out.push('<');
            out.extend(&chars[i..url_end]);
            out.push('>');
            i = url_end;
            continue;
        } else {
            out.push(c);
        }
        i += 1;
    }
    out
}

/// Whether `[` at the start of `rest` opens an inline link `[text](url)`.
fn opens_link(rest: &[char]) -> bool {
    rest.iter()
        .position(|&c| c == ']')
        .is_some_and(|close| rest.get(close + 1) == Some(&'('))
}

/// An inline link whose target is not a URL, a fragment or a path (a Rust item path,
/// say): its text and the length of the whole `[text](target)`.
fn path_link(rest: &[char]) -> Option<(String, usize)> {
    if rest.first() != Some(&'[') {
        return None;
    }
    let close = rest.iter().position(|&c| c == ']')?;
    if rest.get(close + 1) != Some(&'(') {
        return None;
    }
    let end = close + 2 + rest[close + 2..].iter().position(|&c| c == ')')?;
    let target: String = rest[close + 2..end].iter().collect();
    let linkable = starts_url(&rest[close + 2..end])
        || ["mailto:", "#", "/", "./", "../"]
            .iter()
            .any(|p| target.starts_with(p));
    (!linkable).then(|| (rest[1..close].iter().collect(), end + 1))
}

fn starts_url(rest: &[char]) -> bool {
    let text: String = rest.iter().take(8).collect();
    text.starts_with("http://") || text.starts_with("https://")
}

#[cfg(test)]
mod tests {
    use super::rustdoc;

    #[test]
    fn prose_stays_prose() {
        assert_eq!(
            rustdoc("shows [PRIVATE DATA HIDDEN]"),
            "shows \\[PRIVATE DATA HIDDEN\\]"
        );
        assert_eq!(
            rustdoc("a [link](https://x.test) stays"),
            "a [link](https://x.test) stays"
        );
        assert_eq!(rustdoc("keys `[A-Z]` in code"), "keys `[A-Z]` in code");
        assert_eq!(
            rustdoc("for a [`Disk`](omicron_common::api::external::Disk) here"),
            "for a `Disk` here"
        );
        assert_eq!(rustdoc("see [below](#x)"), "see [below](#x)");
        assert_eq!(rustdoc("see https://x.test/a."), "see <https://x.test/a>.");
        assert_eq!(
            rustdoc("already <https://x.test>"),
            "already <https://x.test>"
        );
        assert_eq!(rustdoc("a Vec<String> here"), "a Vec&lt;String> here");
        assert_eq!(rustdoc("x\n\n    indented"), "x\n\nindented");
        assert_eq!(
            rustdoc("```\nlet a = [1];\n```"),
            "```text\nlet a = [1];\n```"
        );
        assert_eq!(
            rustdoc("```json\n{\"a\": [1]}\n```"),
            "```json\n{\"a\": [1]}\n```"
        );
    }
}
