//! Finding migration files in a folder and reading each one.

use crate::checksum::Checksum;
use crate::diagnostic::{line_column, Location};
use crate::directive::{parse_directives, Directive, DIRECTIVE_PREFIX};
use crate::error::Error;
use crate::migration::{Layout, Migration, MigrationKind, MigrationSet};
use crate::name::{parse_diesel_dir_name, parse_file_name, NameError, ParsedName};
use crate::statement::TransactionControl;
use crate::transaction::OwnTransaction;
use crate::validate;
use std::fs;
use std::path::{Path, PathBuf};

/// Finds, reads and checks every migration in `root/dir`.
///
/// `dir` is shown in messages as given (`migrations/3_users.sql:2:1`), so pass it relative to
/// the crate root or the working folder. Returns the migrations in apply order, or every problem
/// found in the folder, not only the first.
pub fn resolve_dir(root: &Path, dir: &str) -> Result<MigrationSet, Vec<Error>> {
    let resolved = root.join(dir);
    let display_dir = display_dir(dir);
    if !resolved.exists() {
        return Err(vec![Error::MissingDirectory {
            dir: dir.to_owned(),
            resolved,
        }]);
    }
    let entries = list(&resolved, &display_dir).map_err(|e| vec![e])?;

    let mut errors = Vec::new();
    let mut migrations = Vec::new();
    let mut first_file = None;
    let mut first_folder = None;
    for entry in entries {
        let display = format!("{display_dir}/{}", entry.name);
        if entry.is_dir {
            if read_diesel_folder(&entry, &display, &mut migrations, &mut errors) {
                first_folder.get_or_insert(display);
            }
            continue;
        }
        match parse_file_name(&entry.name) {
            None => {}
            Some(Err(error)) => errors.push(name_error(error, &entry.name, display)),
            Some(Ok(name)) => {
                first_file.get_or_insert(display.clone());
                if let Some(m) = read_migration(&entry.path, display, name, &[], &mut errors) {
                    migrations.push(m);
                }
            }
        }
    }

    let layout = match (first_file, first_folder) {
        (Some(file), Some(folder)) => {
            errors.push(Error::MixedLayouts { file, folder });
            Layout::Files
        }
        (None, Some(_)) => Layout::Folders,
        _ => Layout::Files,
    };
    errors.extend(validate::check(&migrations));
    if !errors.is_empty() {
        return Err(errors);
    }
    sort(&mut migrations, layout);
    Ok(MigrationSet {
        dir: resolved,
        display_dir,
        layout,
        migrations,
    })
}

/// Apply order. Files sort by version number; diesel folders sort the way diesel sorts them, by
/// the version text, so `2017-08-31-230457_y` stays before `20180101000000_z` although its
/// dash-less number is larger in other mixes.
fn sort(migrations: &mut [Migration], layout: Layout) {
    match layout {
        Layout::Files => migrations.sort_by_key(|m| (m.version, m.kind)),
        Layout::Folders => migrations.sort_by(|a, b| {
            (a.version_text.as_str(), a.kind).cmp(&(b.version_text.as_str(), b.kind))
        }),
    }
}

fn display_dir(dir: &str) -> String {
    let dir = dir.replace('\\', "/");
    let trimmed = dir.trim_end_matches('/');
    let trimmed = trimmed.strip_prefix("./").unwrap_or(trimmed);
    if trimmed.is_empty() {
        ".".to_owned()
    } else {
        trimmed.to_owned()
    }
}

struct Entry {
    name: String,
    path: PathBuf,
    is_dir: bool,
}

/// The folder's entries, sorted by name so that every build sees them in one order. Hidden
/// entries (`.gitkeep`, editor lock files, `.git`) are left out.
fn list(dir: &Path, display_dir: &str) -> Result<Vec<Entry>, Error> {
    let unreadable = |reason: std::io::Error| Error::UnreadableDirectory {
        dir: display_dir.to_owned(),
        resolved: dir.to_owned(),
        reason: reason.to_string(),
    };
    let mut entries = Vec::new();
    for entry in fs::read_dir(dir).map_err(unreadable)? {
        let entry = entry.map_err(unreadable)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        // Follow symlinks: a linked file or folder counts as what it points to.
        let is_dir = fs::metadata(&path).map(|m| m.is_dir()).unwrap_or(false);
        entries.push(Entry { name, path, is_dir });
    }
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(entries)
}

/// Reads one diesel folder. Returns whether the folder is a migration folder; folders without
/// any `up.sql`/`down.sql` whose name is not a migration name (`fixtures/`) are not.
fn read_diesel_folder(
    entry: &Entry,
    display: &str,
    migrations: &mut Vec<Migration>,
    errors: &mut Vec<Error>,
) -> bool {
    let up = entry.path.join("up.sql");
    let down = entry.path.join("down.sql");
    let has_sql = up.is_file() || down.is_file();
    let name = match parse_diesel_dir_name(&entry.name) {
        Ok(name) => name,
        Err(error) => {
            if has_sql {
                errors.push(name_error(error, &entry.name, display.to_owned()));
            }
            return has_sql;
        }
    };
    if !up.is_file() {
        errors.push(Error::MissingUpFile {
            folder: display.to_owned(),
        });
        return true;
    }
    let metadata = entry.path.join("metadata.toml");
    let extra = match crate::metadata::read(&metadata, &format!("{display}/metadata.toml")) {
        Ok(directives) => directives,
        Err(error) => {
            // Read as transactional, the migration would run as its author said it must not.
            errors.push(error);
            return true;
        }
    };
    let kind = if down.is_file() {
        MigrationKind::Up
    } else {
        MigrationKind::Simple
    };
    let up_name = ParsedName {
        kind,
        ..name.clone()
    };
    if let Some(m) = read_migration(&up, format!("{display}/up.sql"), up_name, &extra, errors) {
        migrations.push(m);
    }
    if kind == MigrationKind::Up {
        let down_name = ParsedName {
            kind: MigrationKind::Down,
            ..name
        };
        if let Some(m) = read_migration(
            &down,
            format!("{display}/down.sql"),
            down_name,
            &extra,
            errors,
        ) {
            migrations.push(m);
        }
    }
    true
}

fn read_migration(
    path: &Path,
    display: String,
    name: ParsedName,
    extra: &[Directive],
    errors: &mut Vec<Error>,
) -> Option<Migration> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) => {
            errors.push(Error::UnreadableFile {
                file: display,
                reason: e.to_string(),
            });
            return None;
        }
    };
    let content = match String::from_utf8(bytes) {
        Ok(content) => content,
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            // The prefix up to the first invalid byte is valid UTF-8 by definition.
            let prefix = String::from_utf8_lossy(&bytes[..valid]);
            let (line, column) = line_column(&prefix, prefix.len());
            errors.push(Error::NotUtf8 {
                at: Location::at(display, line, column),
            });
            return None;
        }
    };
    if let Some(nul) = content.find('\0') {
        let (line, column) = line_column(&content, nul);
        errors.push(Error::NulByte {
            at: Location::at(display, line, column),
        });
        return None;
    }
    // One pass of the lexer: the count is kept for the runtime, which needs it for every
    // migration it applies.
    let survey = crate::statement::survey(&content);
    if let Some(start) = survey.unterminated_comment {
        let (line, column) = line_column(&content, start);
        errors.push(Error::UnterminatedComment {
            at: Location::at(display, line, column),
        });
        return None;
    }
    if let Some((start, what)) = survey.unterminated_quote {
        let (line, column) = line_column(&content, start);
        let close = match what {
            "string" => "close it with `'` (a `'` inside a string is written twice: `''`)",
            "bracketed name" => "close it with `]`",
            "dollar-quoted body" => "close it with the `$…$` tag it opens with",
            _ => "close it with the quote it opens with",
        };
        errors.push(Error::UnterminatedQuote {
            at: Location::at(display, line, column),
            what,
            close,
        });
        return None;
    }
    let (mut directives, unknown) = parse_directives(&content);
    for d in unknown {
        errors.push(Error::UnknownDirective {
            at: Location::at(display.clone(), d.line, d.column),
            name: d.name,
            known: known_directives(),
        });
    }
    for d in extra {
        if !directives.contains(d) {
            directives.push(*d);
        }
    }
    check_transaction_control(&content, &display, &survey, &directives, errors);
    let sql = match content.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => content,
    };
    Some(Migration {
        version: name.version,
        version_text: name.version_text,
        description: name.description,
        kind: name.kind,
        path: path.to_owned(),
        display_path: display,
        checksum: Checksum::of_migration(&sql),
        legacy_checksum: Checksum::legacy_of_migration(&sql),
        loose_checksum: Checksum::loose_of_migration(&sql),
        statement_count: survey.statements,
        noop: survey.statements == 0,
        directives,
        sql,
    })
}

/// A file that runs in the migration's transaction must not end it; a `-- no-transaction`
/// file that opens a transaction must end it. Found from the statements' first words, so it
/// holds whether or not the SQL itself is checked.
fn check_transaction_control(
    content: &str,
    display: &str,
    survey: &crate::statement::Survey,
    directives: &[Directive],
    errors: &mut Vec<Error>,
) {
    let at = |offset: usize| {
        let (line, column) = line_column(content, offset);
        Location::at(display.to_owned(), line, column)
    };
    let controls = &survey.transaction_control;
    if !directives.contains(&Directive::NoTransaction) {
        let first = |kind| controls.iter().find(|(_, c)| *c == kind).map(|(o, _)| *o);
        match (
            first(TransactionControl::Begin),
            first(TransactionControl::End),
        ) {
            (Some(begin), Some(end)) if begin < end => {
                errors.push(Error::OwnTransaction { at: at(begin) });
            }
            (_, Some(end)) => errors.push(Error::EndsMigrationTransaction { at: at(end) }),
            // A `BEGIN` alone fails when it runs, and the migration is rolled back.
            _ => {}
        }
        return;
    }
    if let Some((offset, savepoint)) = left_open(content, controls) {
        let end = if savepoint {
            "SQLite opens one for a `SAVEPOINT` taken outside a transaction (PostgreSQL refuses it there): `RELEASE` it after the file's last statement"
        } else {
            "end it with `COMMIT` after the file's last statement"
        };
        errors.push(Error::TransactionLeftOpen {
            at: at(offset),
            end,
        });
    }
}

/// Where the statement that opened a transaction still open at the file's end starts, as
/// SQLite runs the file outside one: a `BEGIN`, or a `SAVEPOINT` taken with no transaction
/// open, which only the `RELEASE` of that savepoint (or of one taken before it) ends; and
/// whether it is a `SAVEPOINT`.
fn left_open(content: &str, controls: &[(usize, TransactionControl)]) -> Option<(usize, bool)> {
    let mut own = OwnTransaction::default();
    for (offset, control) in controls {
        own.follow(content, *offset, *control);
    }
    own.opened_at()
}

fn known_directives() -> String {
    Directive::ALL
        .iter()
        .map(|d| format!("`-- {DIRECTIVE_PREFIX} {}`", d.name()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn name_error(error: NameError, name: &str, file: String) -> Error {
    match error {
        NameError::Negative => Error::NegativeVersion { file },
        NameError::OutOfRange(version) => Error::VersionOutOfRange { file, version },
        NameError::Shape(reason) => Error::UnparsableName {
            file,
            reason: reason.to_owned(),
            example: suggest_name(name),
        },
    }
}

/// A migration name close to `name`: its digits as the version (`V3__add_email.sql` ->
/// `3_add_email.sql`), or `<VERSION>_` in front when it has none.
fn suggest_name(name: &str) -> String {
    let (stem, suffix) = [".up.sql", ".down.sql", ".sql"]
        .iter()
        .find_map(|s| name.strip_suffix(s).map(|stem| (stem, *s)))
        .unwrap_or((name, ""));
    let start = stem.find(|c: char| c.is_ascii_digit());
    let Some(start) = start else {
        return format!("<VERSION>_{stem}{suffix}");
    };
    let digits_end = stem[start..]
        .find(|c: char| !c.is_ascii_digit())
        .map_or(stem.len(), |i| start + i);
    let rest = stem[digits_end..].trim_start_matches(['_', '-', '.']);
    let rest = if rest.is_empty() { "description" } else { rest };
    format!("{}_{rest}{suffix}", &stem[start..digits_end])
}

#[cfg(test)]
mod tests;
