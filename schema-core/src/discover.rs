//! Finding migration files in a folder and reading each one.

use crate::checksum::Checksum;
use crate::diagnostic::{line_column, Location};
use crate::directive::{parse_directives, Directive, DIRECTIVE_PREFIX};
use crate::error::Error;
use crate::migration::{Layout, Migration, MigrationKind, MigrationSet};
use crate::name::{parse_diesel_dir_name, parse_file_name, NameError, ParsedName};
use crate::sections;
use crate::statement::TransactionControl;
use crate::transaction::OwnTransaction;
use crate::validate;
use memo::Memo;
use std::fs;
use std::path::{Path, PathBuf};

mod memo;

/// Finds, reads and checks every migration in `root/dir`.
///
/// `dir` is shown in messages as given (`migrations/3_users.sql:2:1`), so pass it relative to
/// the crate root or the working folder. Returns the migrations in apply order, or every problem
/// found in the folder, not only the first.
pub fn resolve_dir(root: &Path, dir: &str) -> Result<MigrationSet, Vec<Error>> {
    resolve_dir_cached(root, dir, None)
}

/// [`resolve_dir`], keeping the files' checksums in `cache_dir` between calls (the SQL check's
/// checkpoint folder, where the macro gives one): a file whose text is byte for byte the one
/// a checksum was computed from takes it from there, unoptimised SHA-256 being most of the
/// cost of reading a folder at build time.
pub fn resolve_dir_cached(
    root: &Path,
    dir: &str,
    cache_dir: Option<&Path>,
) -> Result<MigrationSet, Vec<Error>> {
    let resolved = root.join(dir);
    let display_dir = display_dir(dir);
    if !resolved.exists() {
        return Err(vec![Error::MissingDirectory {
            dir: dir.to_owned(),
            resolved,
        }]);
    }
    let entries = list(&resolved, &display_dir).map_err(|e| vec![e])?;
    let mut memo = cache_dir.map_or_else(Memo::none, |cache| Memo::load(cache, &resolved));

    let mut errors = Vec::new();
    let mut migrations = Vec::new();
    let mut first_file = None;
    let mut first_folder = None;
    for entry in entries {
        let display = format!("{display_dir}/{}", entry.name);
        if entry.is_dir {
            if read_diesel_folder(&entry, &display, &mut memo, &mut migrations, &mut errors) {
                first_folder.get_or_insert(display);
            }
            continue;
        }
        match parse_file_name(&entry.name) {
            None => {}
            Some(Err(error)) => errors.push(name_error(error, &entry.name, display)),
            Some(Ok(name)) => {
                first_file.get_or_insert(display.clone());
                let read = read_migration(&entry.path, display, name, &[], &mut memo, &mut errors);
                migrations.extend(read);
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
    memo.save();
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

/// Apply order. Files sort by version number, repeatable migrations after them; diesel folders sort the way diesel sorts them, by
/// the version text, so `2017-08-31-230457_y` stays before `20180101000000_z` although its
/// dash-less number is larger in other mixes.
fn sort(migrations: &mut [Migration], layout: Layout) {
    match layout {
        // Repeatable migrations last, by description, as Flyway applies them.
        Layout::Files => migrations.sort_by(|a, b| {
            let key = |m: &Migration| {
                let repeatable = m.kind == MigrationKind::Repeatable;
                let name = if repeatable {
                    m.description.clone()
                } else {
                    String::new()
                };
                (repeatable, name, m.version, m.kind)
            };
            key(a).cmp(&key(b))
        }),
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
    memo: &mut Memo,
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
    migrations.extend(read_migration(
        &up,
        format!("{display}/up.sql"),
        up_name,
        &extra,
        memo,
        errors,
    ));
    if kind == MigrationKind::Up {
        let down_name = ParsedName {
            kind: MigrationKind::Down,
            ..name
        };
        migrations.extend(read_migration(
            &down,
            format!("{display}/down.sql"),
            down_name,
            &extra,
            memo,
            errors,
        ));
    }
    true
}

/// Reads one migration file: one migration, or two for a goose or dbmate file with a down
/// section (see [`crate::sections`]); none when the file cannot be read.
fn read_migration(
    path: &Path,
    display: String,
    name: ParsedName,
    extra: &[Directive],
    memo: &mut Memo,
    errors: &mut Vec<Error>,
) -> Vec<Migration> {
    let Some((mut content, file_survey)) = read_content(path, &display, errors) else {
        return Vec::new();
    };
    let halves = sections::halves(&content, name.kind, &display, errors);
    let (file_directives, unknown) = parse_directives(&content);
    let mut reported: Vec<(usize, usize)> = Vec::new();
    let mut report_unknown = |unknown: Vec<crate::directive::UnknownDirective>,
                              errors: &mut Vec<Error>| {
        for d in unknown {
            if reported.contains(&(d.line, d.column)) {
                continue;
            }
            reported.push((d.line, d.column));
            errors.push(Error::UnknownDirective {
                at: Location::at(display.clone(), d.line, d.column),
                name: d.name,
                known: known_directives(),
            });
        }
    };
    report_unknown(unknown, errors);
    let count = halves.len();
    let mut migrations = Vec::with_capacity(count);
    for (i, half) in halves.into_iter().enumerate() {
        let mut directives = file_directives.clone();
        if let Some(sql) = &half.sql {
            let (own, unknown) = parse_directives(sql);
            report_unknown(unknown, errors);
            directives.extend(own);
        }
        let marked = half.no_transaction.then_some(Directive::NoTransaction);
        directives.extend(extra.iter().copied().chain(marked));
        let mut unique = Vec::with_capacity(directives.len());
        for d in directives {
            if !unique.contains(&d) {
                unique.push(d);
            }
        }
        let directives = unique;
        if name.kind == MigrationKind::Repeatable && directives.contains(&Directive::NoTransaction)
        {
            errors.push(Error::RepeatableNoTransaction {
                file: display.clone(),
            });
        }
        // `None`: the half runs the file as it is, whose survey is made already.
        let mut sql = half.sql;
        let mut survey = match &sql {
            None => file_survey.clone(),
            Some(sql) => crate::statement::survey(sql),
        };
        let controls = &survey.transaction_control;
        let own_transaction = controls
            .iter()
            .any(|(_, c)| *c == TransactionControl::Begin)
            && controls.iter().any(|(_, c)| *c == TransactionControl::End);
        if own_transaction && !directives.contains(&Directive::NoTransaction) {
            // A file that is one transaction of its own runs as that transaction: its
            // statements in the migration's, without its `BEGIN` and `COMMIT`.
            let text = sql.as_deref().unwrap_or(&content);
            if let Some(wrapping) = crate::transaction::wrapping(text) {
                let blanked = sections::blank(text, &wrapping);
                survey = crate::statement::survey(&blanked);
                sql = Some(blanked);
            }
        }
        let text = sql.as_deref().unwrap_or(&content);
        check_transaction_control(text, &display, &survey, &directives, errors);
        let checksummed = half.checksummed.as_deref().unwrap_or(&content);
        let sums = memo.sums(checksummed);
        let legacy_checksum = match (&half.checksummed, half.kind) {
            // The up half of a goose or dbmate file: versions before the file was split ran
            // it, and recorded it, whole.
            (Some(_), MigrationKind::Up) => Some(Checksum::of(&content)),
            _ => sums.legacy,
        };
        let (checksum, loose_checksum) = (sums.checksum, sums.loose);
        let bom = content.starts_with('\u{feff}');
        let without_bom = |text: String| match text.strip_prefix('\u{feff}') {
            Some(rest) => rest.to_owned(),
            None => text,
        };
        let (sql, source) = match sql {
            // The file itself: the last half to need it takes it.
            None if i + 1 == count => (without_bom(std::mem::take(&mut content)), None),
            None => (without_bom(content.clone()), None),
            Some(sql) => (without_bom(sql), Some(without_bom(content.clone()))),
        };
        migrations.push(Migration {
            version: name.version,
            version_text: name.version_text.clone(),
            description: name.description.clone(),
            kind: half.kind,
            path: path.to_owned(),
            display_path: display.clone(),
            checksum,
            legacy_checksum,
            loose_checksum,
            statement_count: survey.statements,
            noop: survey.statements == 0,
            bom,
            directives,
            source,
            sql,
        });
    }
    migrations
}

/// The content of a migration file, checked to be UTF-8 text without a NUL byte whose
/// comments and quotes are closed, with its survey; `None` (with the problem in `errors`)
/// otherwise.
fn read_content(
    path: &Path,
    display: &str,
    errors: &mut Vec<Error>,
) -> Option<(String, crate::statement::Survey)> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) => {
            errors.push(Error::UnreadableFile {
                file: display.to_owned(),
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
    let at = |offset: usize| {
        let (line, column) = line_column(&content, offset);
        Location::at(display, line, column)
    };
    if let Some(nul) = content.find('\0') {
        errors.push(Error::NulByte { at: at(nul) });
        return None;
    }
    // One pass of the lexer: the statements are counted in it too, for the runtime.
    let survey = crate::statement::survey(&content);
    if let Some(start) = survey.unterminated_comment {
        errors.push(Error::UnterminatedComment { at: at(start) });
        return None;
    }
    if let Some((start, what)) = survey.unterminated_quote {
        let close = match what {
            "string" => "close it with `'` (a `'` inside a string is written twice: `''`)",
            "bracketed name" => "close it with `]`",
            "dollar-quoted body" => "close it with the `$…$` tag it opens with",
            _ => "close it with the quote it opens with",
        };
        errors.push(Error::UnterminatedQuote {
            at: at(start),
            what,
            close,
        });
        return None;
    }
    Some((content, survey))
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
        .chain([format!(
            "`-- {DIRECTIVE_PREFIX} {}(<lint rule>, …)`",
            crate::directive::ALLOW
        )])
        .collect::<Vec<_>>()
        .join(", ")
}

fn name_error(error: NameError, name: &str, file: String) -> Error {
    match error {
        NameError::Negative => Error::NegativeVersion { file },
        NameError::OutOfRange(version) => Error::VersionOutOfRange { file, version },
        NameError::Fractional(version) => Error::FractionalVersion { file, version },
        NameError::Shape(reason) => Error::UnparsableName {
            file,
            reason: reason.to_owned(),
            example: suggest_name(name),
        },
    }
}

/// A migration name close to `name`: refinery's and Flyway's spelling when it nearly has it
/// (`V3_add_email.sql` -> `V3__add_email.sql`), else its digits as the version
/// (`v3-add_email.sql` -> `3_add_email.sql`), or `<VERSION>_` in front when it has none.
fn suggest_name(name: &str) -> String {
    let (stem, suffix) = [".up.sql", ".down.sql", ".sql"]
        .iter()
        .find_map(|s| name.strip_suffix(s).map(|stem| (stem, *s)))
        .unwrap_or((name, ""));
    if stem.starts_with('R') && stem.contains("__") {
        let description = stem.split_once("__").map_or(stem, |(_, d)| d);
        return format!("R__{description}.sql");
    }
    if let Some(rest) = stem.strip_prefix(['V', 'U']) {
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let after = rest[digits..].trim_start_matches(['_', '-', '.']);
        if digits > 0 && !after.is_empty() && !rest.contains("__") {
            return format!("{}{}__{after}{suffix}", &stem[..1], &rest[..digits]);
        }
    }
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
pub(crate) mod tests;
#[cfg(test)]
mod tests_other_tools;
