use std::fmt;

/// Where a problem is: a file shown relative to the crate root, and a line and column when the
/// problem has one. Displayed the way rustc writes locations: `migrations/3_users.sql:12:5`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file, relative to the crate root (or the folder the command runs in), with `/`.
    pub file: String,
    /// 1-based line, when the problem is on one line.
    pub line: Option<usize>,
    /// 1-based column in characters, when known.
    pub column: Option<usize>,
}

impl Location {
    /// A whole file.
    pub fn file(file: impl Into<String>) -> Self {
        Location {
            file: file.into(),
            line: None,
            column: None,
        }
    }

    /// A line and column of a file.
    pub fn at(file: impl Into<String>, line: usize, column: usize) -> Self {
        Location {
            file: file.into(),
            line: Some(line),
            column: Some(column),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        Ok(())
    }
}

/// The line and column (both 1-based, column in characters) of a byte offset in `text`. A
/// leading byte order mark, which editors do not show, is not counted; an offset inside a
/// character counts from that character's start.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let on_line = &before[line_start..];
    let on_line = if line_start == 0 {
        on_line.strip_prefix('\u{feff}').unwrap_or(on_line)
    } else {
        on_line
    };
    (line, on_line.chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_columns_as_an_editor_shows_them() {
        assert_eq!(line_column("ab\ncd", 4), (2, 2));
        assert_eq!(line_column("\u{feff}-- x", 3), (1, 1));
        assert_eq!(line_column("\u{feff}-- x", 6), (1, 4));
        // Inside `é` (two bytes): its start.
        assert_eq!(line_column("aé", 2), (1, 2));
        assert_eq!(line_column("a", 10), (1, 2));
    }

    #[test]
    fn displays_like_rustc() {
        assert_eq!(
            Location::file("migrations/1_a.sql").to_string(),
            "migrations/1_a.sql"
        );
        assert_eq!(
            Location::at("migrations/1_a.sql", 12, 5).to_string(),
            "migrations/1_a.sql:12:5"
        );
    }

    #[test]
    fn finds_line_and_column_of_an_offset() {
        let text = "ab\ncdé\nf";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 3), (2, 1));
        assert_eq!(line_column(text, 7), (2, 4));
        assert_eq!(line_column(text, 8), (3, 1));
    }
}
