//! Writing results on stdout: aligned tables for people (coloured only on a terminal, and only
//! without `NO_COLOR`), one JSON document for scripts.

use crate::cli::OutputArgs;
use crate::Error;
use schema_runtime::MigrationState;
use std::io::{IsTerminal, Write};

/// Whether `NO_COLOR` leaves colours on (<https://no-color.org>: set and not empty turns them
/// off).
pub(crate) fn colour_allowed() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// A colour for a piece of text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    Plain,
    Good,
    Warn,
    Bad,
    Note,
    Dim,
}

impl Style {
    fn code(self) -> Option<&'static str> {
        match self {
            Style::Plain => None,
            Style::Good => Some("32"),
            Style::Warn => Some("33"),
            Style::Bad => Some("1;31"),
            Style::Note => Some("36"),
            Style::Dim => Some("2"),
        }
    }

    /// The style of a migration state: good when applied, bad when it needs a person.
    pub(crate) fn of_state(state: MigrationState) -> Style {
        match state {
            MigrationState::Applied => Style::Good,
            MigrationState::Pending | MigrationState::Running => Style::Warn,
            MigrationState::Baseline => Style::Note,
            _ => Style::Bad,
        }
    }
}

/// Where a command writes its results.
pub(crate) struct Output {
    /// One JSON document instead of text.
    pub json: bool,
    /// Progress on stderr is wanted.
    pub progress: bool,
    colour: bool,
    out: std::io::Stdout,
}

impl Output {
    pub(crate) fn new(args: OutputArgs) -> Output {
        let out = std::io::stdout();
        Output {
            json: args.json,
            progress: !args.quiet,
            colour: !args.json && out.is_terminal() && colour_allowed(),
            out,
        }
    }

    /// `text` in `style`, when colours are on.
    pub(crate) fn paint(&self, text: &str, style: Style) -> String {
        match style.code() {
            Some(code) if self.colour => format!("\x1b[{code}m{text}\x1b[0m"),
            _ => text.to_owned(),
        }
    }

    /// Writes a line of text.
    pub(crate) fn line(&self, text: &str) -> Result<(), Error> {
        write_all(&self.out, format!("{text}\n").as_bytes())
    }

    /// Writes `value` as one JSON document.
    pub(crate) fn json(&self, value: &impl serde::Serialize) -> Result<(), Error> {
        let mut text = serde_json::to_string_pretty(value)
            .map_err(|e| Error::Stdout(std::io::Error::other(e)))?;
        text.push('\n');
        write_all(&self.out, text.as_bytes())
    }

    /// Writes `rows` under `header`, each column as wide as its widest cell; the last column
    /// is not padded.
    pub(crate) fn table(
        &self,
        header: &[&str],
        rows: &[Vec<(String, Style)>],
    ) -> Result<(), Error> {
        let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
        for row in rows {
            for (i, (cell, _)) in row.iter().enumerate() {
                if let Some(w) = widths.get_mut(i) {
                    *w = (*w).max(cell.chars().count());
                }
            }
        }
        let render = |cells: Vec<(String, Style)>| {
            let last = cells.len().saturating_sub(1);
            let mut line = String::new();
            for (i, (cell, style)) in cells.into_iter().enumerate() {
                let pad = if i == last {
                    0
                } else {
                    widths[i] - cell.chars().count() + 2
                };
                // Padding outside the colour codes, so that columns line up.
                line.push_str(&self.paint(&cell, style));
                line.extend(std::iter::repeat_n(' ', pad));
            }
            line
        };
        let head = header.iter().map(|h| (h.to_string(), Style::Dim)).collect();
        let mut text = render(head);
        text.push('\n');
        for row in rows {
            text.push_str(&render(row.clone()));
            text.push('\n');
        }
        write_all(&self.out, text.as_bytes())
    }
}

fn write_all(out: &std::io::Stdout, bytes: &[u8]) -> Result<(), Error> {
    let mut lock = out.lock();
    match lock.write_all(bytes).and_then(|()| lock.flush()) {
        // `schema history | head` closes the pipe early: not an error of ours.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(Error::Stdout),
    }
}

/// A cell in the default style.
pub(crate) fn plain(text: impl Into<String>) -> (String, Style) {
    (text.into(), Style::Plain)
}

/// A duration in milliseconds as people read it: `12 ms`, `3.4 s`, `2 min 5 s`.
pub(crate) fn duration(ms: i64) -> String {
    match ms {
        ..1_000 => format!("{ms} ms"),
        1_000..60_000 => format!("{:.1} s", ms as f64 / 1000.0),
        _ => format!("{} min {} s", ms / 60_000, ms % 60_000 / 1000),
    }
}

/// `1 migration`, `2 migrations`.
pub(crate) fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// A migration's version as a table shows it: the number, or `R` for a repeatable migration
/// (whose version is a key derived from its description).
pub(crate) fn version(version: i64, repeatable: bool) -> String {
    if repeatable {
        "R".to_owned()
    } else {
        version.to_string()
    }
}

/// Versions as a list for a sentence: `10, 20, 30`.
pub(crate) fn versions(versions: &[i64]) -> String {
    versions
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
