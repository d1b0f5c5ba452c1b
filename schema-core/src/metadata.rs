//! Diesel's `metadata.toml` beside a migration's SQL: `run_in_transaction = false` means what
//! `-- no-transaction` means. Anything else in it is an error: a setting that is not understood
//! (`run_in_transaction = "false"`, `run-in-transaction = false`) would otherwise run the
//! migration in a transaction its author turned off.

use crate::diagnostic::{line_column, Location};
use crate::directive::Directive;
use crate::error::Error;
use std::path::Path;
use toml::de::{DeTable, DeValue};

/// The one setting the file may hold.
const KEY: &str = "run_in_transaction";

/// The directives `metadata.toml` at `path` (shown as `display`) stands for: none when there is
/// no such file.
pub(crate) fn read(path: &Path, display: &str) -> Result<Vec<Directive>, Error> {
    let text = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(Error::UnreadableFile {
                file: display.to_owned(),
                reason: e.to_string(),
            })
        }
    };
    let Ok(text) = String::from_utf8(text) else {
        return Err(Error::NotUtf8 {
            at: Location::file(display),
        });
    };
    let invalid = |offset: usize, reason: String| {
        let (line, column) = line_column(&text, offset);
        Error::InvalidDieselMetadata {
            at: Location::at(display, line, column),
            reason,
        }
    };
    let table = DeTable::parse(&text).map_err(|e| {
        let offset = e.span().map_or(0, |span| span.start);
        let message = e.message().lines().next().unwrap_or("").trim().to_owned();
        invalid(offset, format!("not valid TOML: {message}"))
    })?;
    let mut directives = Vec::new();
    for (key, value) in table.get_ref().iter() {
        if key.get_ref() != KEY {
            let near = key.get_ref().replace('-', "_").to_ascii_lowercase() == KEY;
            let reason = if near {
                format!("unknown setting `{}`, which diesel ignores (the migration would run in a transaction); write `{KEY}`", key.get_ref())
            } else {
                format!("unknown setting `{}`", key.get_ref())
            };
            return Err(invalid(key.span().start, reason));
        }
        match value.get_ref() {
            DeValue::Boolean(false) => directives.push(Directive::NoTransaction),
            DeValue::Boolean(true) => {}
            DeValue::String(s) => {
                return Err(invalid(
                    value.span().start,
                    format!(
                        "`{KEY}` is the string \"{s}\", not a boolean; write it without quotes"
                    ),
                ))
            }
            _ => {
                return Err(invalid(
                    value.span().start,
                    format!("`{KEY}` is not a boolean"),
                ))
            }
        }
    }
    Ok(directives)
}
