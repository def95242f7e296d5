//! Problems found in a user's input (a spec or a payload), each with where and why.

use std::fmt;

/// One problem, located by a JSON pointer into the document and, where the loader
/// knows it, a line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The document's name, usually its path.
    pub file: String,
    /// JSON pointer of the offending node (`""` for the whole document).
    pub pointer: String,
    /// 1-based line and column, when known.
    pub position: Option<(usize, usize)>,
    /// What is wrong, lowercase, no trailing period.
    pub message: String,
    /// The offending line of the text with a caret under the column, when known.
    pub excerpt: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some((line, column)) = self.position {
            write!(f, ":{line}:{column}")?;
        }
        if !self.pointer.is_empty() {
            write!(f, " at #{}", self.pointer)?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(excerpt) = &self.excerpt {
            write!(f, "\n{excerpt}")?;
        }
        Ok(())
    }
}

/// A non-empty list of diagnostics, returned when a document cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, diagnostic) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{diagnostic}")?;
        }
        Ok(())
    }
}

impl Diagnostics {
    /// A single diagnostic.
    pub fn one(
        file: &str,
        pointer: &str,
        position: Option<(usize, usize)>,
        message: String,
    ) -> Self {
        Diagnostics(vec![Diagnostic {
            file: file.to_string(),
            pointer: pointer.to_string(),
            position,
            message,
            excerpt: None,
        }])
    }
}
