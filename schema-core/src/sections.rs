//! One file that holds both halves of a migration, as goose and dbmate write them: an up
//! section under `-- +goose Up` (`-- migrate:up`) and a down section under `-- +goose Down`
//! (`-- migrate:down`). The file is split into an up and a down migration; each half runs
//! the file's text with the other half blanked out, so that every line keeps its number.
//!
//! Also goose's `-- +goose NO TRANSACTION` and dbmate's `transaction:false` (both mean
//! `-- no-transaction`), and goose's `-- +goose StatementBegin` … `StatementEnd` blocks, which
//! [`split_statements`](crate::split_statements) keeps as one statement.

use crate::diagnostic::{line_column, Location};
use crate::error::Error;
use crate::migration::MigrationKind;
use crate::statement::{line_comments, split_statements};
use std::ops::Range;

/// What a marker line says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    /// The up section starts; with `transaction:false` (dbmate), it runs outside one.
    Up { no_transaction: bool },
    /// The down section starts.
    Down { no_transaction: bool },
    /// goose's `NO TRANSACTION`: the whole file runs outside a transaction.
    NoTransaction,
    /// goose's `StatementBegin`.
    StatementBegin,
    /// goose's `StatementEnd`.
    StatementEnd,
}

/// The sections of a goose or dbmate file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Sections {
    /// The down section, from the start of its marker's line to the next section's marker
    /// line or the end of the file; `None` for a file without one.
    pub down: Option<Range<usize>>,
    /// Whether the up half runs outside a transaction.
    pub up_no_transaction: bool,
    /// Whether the down half runs outside a transaction.
    pub down_no_transaction: bool,
    /// The down marker as written (`-- +goose Down`), for messages.
    pub down_marker: String,
}

/// For a `--` comment: `Some(true)` if it is goose's `-- +goose StatementBegin`, `Some(false)`
/// for `StatementEnd`, `None` for anything else. Cheap for comments that are not goose's.
pub(crate) fn statement_block(comment: &str) -> Option<bool> {
    match goose(comment)? {
        Ok(Marker::StatementBegin) => Some(true),
        Ok(Marker::StatementEnd) => Some(false),
        _ => None,
    }
}

/// The annotation of a goose comment (`-- +goose Up`): `None` when the comment is not
/// goose's, `Err` with the annotation's words when goose has no such annotation.
fn goose(comment: &str) -> Option<Result<Marker, String>> {
    let text = comment.strip_prefix("--")?.trim_start();
    let rest = text.strip_prefix("+goose")?;
    if !rest.is_empty() && !rest.starts_with(char::is_whitespace) {
        return None;
    }
    let words: Vec<String> = rest
        .split_whitespace()
        .map(str::to_ascii_lowercase)
        .collect();
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    Some(match words.as_slice() {
        ["up"] => Ok(Marker::Up {
            no_transaction: false,
        }),
        ["down"] => Ok(Marker::Down {
            no_transaction: false,
        }),
        ["no", "transaction"] => Ok(Marker::NoTransaction),
        ["statementbegin"] => Ok(Marker::StatementBegin),
        ["statementend"] => Ok(Marker::StatementEnd),
        _ => Err(words.join(" ")),
    })
}

/// The marker of a dbmate comment (`-- migrate:up transaction:false`): `None` when the
/// comment is not dbmate's. As dbmate reads them, an option other than `transaction:false`
/// changes nothing.
fn dbmate(comment: &str) -> Option<Marker> {
    let text = comment.strip_prefix("--")?.trim_start();
    let rest = text.strip_prefix("migrate:")?;
    let (up, options) = if let Some(options) = rest.strip_prefix("up") {
        (true, options)
    } else if let Some(options) = rest.strip_prefix("down") {
        (false, options)
    } else {
        return None;
    };
    if !options.is_empty() && !options.starts_with(char::is_whitespace) {
        return None;
    }
    let no_transaction = options.split_whitespace().any(|o| o == "transaction:false");
    Some(if up {
        Marker::Up { no_transaction }
    } else {
        Marker::Down { no_transaction }
    })
}

/// Reads the markers of `content` (a file shown as `display`). `None` when the file has no up
/// or down marker; the problems found go to `errors`.
pub(crate) fn read(content: &str, display: &str, errors: &mut Vec<Error>) -> Option<Sections> {
    // Most files are neither tool's: no need to lex them for markers.
    if !content.contains("+goose") && !content.contains("migrate:") {
        return None;
    }
    let at = |offset: usize| {
        let (line, column) = line_column(content, offset);
        Location::at(display.to_owned(), line, column)
    };
    let mut sections = Sections::default();
    // (line start, marker, as written) of each section marker, in order.
    let mut starts: Vec<(usize, Marker, String)> = Vec::new();
    let mut no_transaction = false;
    let mut open_block: Option<usize> = None;
    for (start, end) in line_comments(content) {
        let line_start = content[..start].rfind('\n').map_or(0, |i| i + 1);
        // A marker is a line of its own, as both tools read them.
        if !content[line_start..start]
            .trim_start_matches('\u{feff}')
            .trim()
            .is_empty()
        {
            continue;
        }
        let comment = content[start..end].trim_end();
        let marker = match goose(comment) {
            Some(Ok(marker)) => marker,
            // goose reads an annotation it does not know as a comment, and so does this; but
            // one that turns on its substitution of environment variables would run other SQL
            // than goose runs.
            Some(Err(words)) if words.starts_with("envsub") && words.ends_with(" on") => {
                errors.push(Error::UnsupportedMarker {
                    at: at(start),
                    marker: comment.to_owned(),
                    reason: "asks goose to put environment variables into the SQL, which this tool does not do; write the values into the file and remove this line",
                });
                continue;
            }
            Some(Err(_)) => continue,
            None => match dbmate(comment) {
                Some(marker) => marker,
                None => continue,
            },
        };
        match marker {
            Marker::Up { .. } | Marker::Down { .. } => {
                let is_up = matches!(marker, Marker::Up { .. });
                if let Some((first, ..)) = starts
                    .iter()
                    .find(|(_, m, _)| matches!(m, Marker::Up { .. }) == is_up)
                {
                    errors.push(Error::MisplacedMarker {
                        at: at(start),
                        marker: comment.to_owned(),
                        problem: format!(
                            "is the second of its kind, after the one on line {}: a file holds one up section and one down section; merge the two",
                            line_column(content, *first).0
                        ),
                    });
                    continue;
                }
                starts.push((line_start, marker, comment.to_owned()));
            }
            Marker::NoTransaction => no_transaction = true,
            Marker::StatementBegin => {
                if open_block.is_some() {
                    errors.push(Error::MisplacedMarker {
                        at: at(start),
                        marker: comment.to_owned(),
                        problem: "opens a block inside a block that is still open; end the first with `-- +goose StatementEnd`".to_owned(),
                    });
                }
                open_block = Some(start);
            }
            Marker::StatementEnd => {
                if open_block.take().is_none() {
                    errors.push(Error::MisplacedMarker {
                        at: at(start),
                        marker: comment.to_owned(),
                        problem: "ends a block that no `-- +goose StatementBegin` opened; add one before the statement's first line, or remove this line".to_owned(),
                    });
                }
            }
        }
    }
    if let Some(start) = open_block {
        errors.push(Error::MisplacedMarker {
            at: at(start),
            marker: "-- +goose StatementBegin".to_owned(),
            problem: "opens a block that is never ended; add `-- +goose StatementEnd` after the statement's last line".to_owned(),
        });
    }
    let Some((first, _, first_marker)) = starts.first() else {
        // No section: a file that is all up, and `NO TRANSACTION` says how it runs.
        return no_transaction.then(|| Sections {
            up_no_transaction: true,
            ..Sections::default()
        });
    };
    if let Some(stmt) = split_statements(content)
        .into_iter()
        .find(|s| s.offset < *first)
    {
        errors.push(Error::StatementOutsideSections {
            at: Location::at(display.to_owned(), stmt.line, stmt.column),
            marker: first_marker.clone(),
        });
    }
    for (i, (line_start, marker, written)) in starts.iter().enumerate() {
        let end = starts.get(i + 1).map_or(content.len(), |(next, ..)| *next);
        match marker {
            Marker::Up { no_transaction: no } => {
                sections.up_no_transaction = no_transaction || *no;
            }
            Marker::Down { no_transaction: no } => {
                sections.down_no_transaction = no_transaction || *no;
                sections.down = Some(*line_start..end);
                sections.down_marker = written.clone();
            }
            _ => {}
        }
    }
    if !starts
        .iter()
        .any(|(_, m, _)| matches!(m, Marker::Up { .. }))
    {
        errors.push(Error::MisplacedMarker {
            at: at(*first),
            marker: first_marker.clone(),
            problem: "starts a down section, and the file has no up section; put the statements the migration applies under an up marker (`-- +goose Up`, `-- migrate:up`) before it".to_owned(),
        });
    }
    Some(sections)
}

/// What one migration of a file runs: the whole file, or one half of a goose or dbmate file.
pub(crate) struct Half {
    /// The kind of migration it is.
    pub kind: MigrationKind,
    /// The text it runs, with the other half blanked out; `None` for the file as it is.
    pub sql: Option<String>,
    /// The text its checksum is taken of; `None` for the whole file.
    pub checksummed: Option<String>,
    /// Whether a goose or dbmate marker says it runs outside a transaction.
    pub no_transaction: bool,
}

/// The migrations `content`, a file whose name says `kind`, holds: one, or an up and a down
/// for a goose or dbmate file with a down section. Problems go to `errors`.
pub(crate) fn halves(
    content: &str,
    kind: MigrationKind,
    display: &str,
    errors: &mut Vec<Error>,
) -> Vec<Half> {
    let whole = |no_transaction| {
        vec![Half {
            kind,
            sql: None,
            checksummed: None,
            no_transaction,
        }]
    };
    let Some(sections) = read(content, display, errors) else {
        return whole(false);
    };
    let Some(down) = sections.down else {
        return whole(sections.up_no_transaction);
    };
    if kind != MigrationKind::Simple {
        let problem = match kind {
            MigrationKind::Repeatable => "starts a down section, but the file is a repeatable migration, which has none; remove the section",
            _ => "starts a down section, but the file is one half of a pair already (or diesel's `up.sql`/`down.sql`); move the section into the down file",
        };
        let (line, column) = line_column(content, down.start);
        errors.push(Error::MisplacedMarker {
            at: Location::at(display.to_owned(), line, column),
            marker: sections.down_marker,
            problem: problem.to_owned(),
        });
        // Read whole, so that its pair is not reported as missing a half.
        return whole(false);
    }
    let bom = content.len() - content.trim_start_matches('\u{feff}').len();
    vec![
        Half {
            kind: MigrationKind::Up,
            sql: Some(blank(content, std::slice::from_ref(&down))),
            checksummed: Some(format!(
                "{}{}",
                &content[..down.start],
                &content[down.end..]
            )),
            no_transaction: sections.up_no_transaction,
        },
        Half {
            kind: MigrationKind::Down,
            sql: Some(blank(content, &[bom..down.start, down.end..content.len()])),
            checksummed: Some(content[down].to_owned()),
            no_transaction: sections.down_no_transaction,
        },
    ]
}

/// `text` with every character in `ranges` but line breaks turned into a space: each line
/// keeps its number and each character its column.
pub(crate) fn blank(text: &str, ranges: &[Range<usize>]) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        if c != '\n' && c != '\r' && ranges.iter().any(|r| r.contains(&i)) {
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sections(content: &str) -> (Option<Sections>, Vec<String>) {
        let mut errors = Vec::new();
        let sections = read(content, "m/1_a.sql", &mut errors);
        (sections, errors.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn finds_the_down_section_of_a_goose_file() {
        let sql = "-- +goose Up\nCREATE TABLE a (id INT);\n\n-- +goose Down\nDROP TABLE a;\n";
        let (found, errors) = sections(sql);
        assert_eq!(errors, Vec::<String>::new());
        let found = found.unwrap();
        let down = found.down.clone().unwrap();
        assert_eq!(&sql[down], "-- +goose Down\nDROP TABLE a;\n");
        assert!(!found.up_no_transaction && !found.down_no_transaction);
    }

    #[test]
    fn reads_dbmate_markers_and_their_transaction_option() {
        let sql = "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON a (x);\n-- migrate:down\nDROP INDEX i;\n";
        let (found, errors) = sections(sql);
        assert!(errors.is_empty(), "{errors:?}");
        let found = found.unwrap();
        assert!(found.up_no_transaction && !found.down_no_transaction);
        assert_eq!(found.down_marker, "-- migrate:down");
    }

    #[test]
    fn goose_no_transaction_covers_both_halves_and_a_file_without_sections() {
        let (found, _) =
            sections("-- +goose NO TRANSACTION\n-- +goose Up\nVACUUM;\n-- +goose Down\nVACUUM;");
        let found = found.unwrap();
        assert!(found.up_no_transaction && found.down_no_transaction);
        let (found, _) = sections("-- +goose NO TRANSACTION\nVACUUM;");
        assert_eq!(found.map(|s| s.up_no_transaction), Some(true));
        assert_eq!(sections("CREATE TABLE a (x INT); -- +goose Down\n").0, None);
    }

    #[test]
    fn markers_inside_strings_and_block_comments_are_not_markers() {
        let sql = "CREATE TABLE a (x TEXT DEFAULT '\n-- +goose Down\n');\n/*\n-- migrate:down\n*/";
        assert_eq!(sections(sql), (None, vec![]));
    }

    #[test]
    fn reports_what_goose_would_not_read() {
        let (_, errors) = sections("-- +goose Up\nSELECT 1;\n-- +goose Up\n-- +goose ENVSUBST ON\n-- +goose StatementEnd\n-- +goose StatementBegin\n");
        assert_eq!(errors.len(), 4, "{errors:?}");
        assert!(
            errors[0].starts_with(
                "m/1_a.sql:3:1: `-- +goose Up` is the second of its kind, after the one on line 1"
            ),
            "{}",
            errors[0]
        );
        assert!(errors[1].contains("environment variables"), "{}", errors[1]);
        assert!(errors[2].contains("ends a block that no"), "{}", errors[2]);
        assert!(
            errors[3].starts_with(
                "m/1_a.sql:6:1: `-- +goose StatementBegin` opens a block that is never ended"
            ),
            "{}",
            errors[3]
        );
    }

    #[test]
    fn reads_what_goose_and_dbmate_ignore_as_they_do() {
        // goose takes an annotation it does not know for a comment, dbmate an option.
        let sql = "-- +goose Up\n-- +goose Sideways\n-- +goose ENVSUB OFF\nSELECT 1;\n-- +goose Down\nSELECT 2;";
        let (found, errors) = sections(sql);
        assert!(
            errors.is_empty() && found.unwrap().down.is_some(),
            "{errors:?}"
        );
        let (found, errors) =
            sections("-- migrate:up transaction:never foo\nSELECT 1;\n-- migrate:down\nSELECT 2;");
        assert!(errors.is_empty(), "{errors:?}");
        assert!(!found.unwrap().up_no_transaction);
    }

    #[test]
    fn reports_statements_before_the_first_marker_and_a_down_without_up() {
        let (_, errors) = sections("-- header\nSELECT 1;\n-- +goose Up\nSELECT 2;");
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].starts_with("m/1_a.sql:2:1: this statement comes before `-- +goose Up`"),
            "{}",
            errors[0]
        );
        let (_, errors) = sections("-- migrate:down\nDROP TABLE a;");
        assert!(errors[0].contains("has no up section"), "{errors:?}");
    }

    #[test]
    fn blanking_keeps_lines_and_columns() {
        let text = "é;\r\nab\nc";
        let blanked = blank(text, std::slice::from_ref(&(0..7)));
        assert_eq!(blanked, "  \r\n  \nc");
    }
}
