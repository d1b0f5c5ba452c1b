//! The SQLite check: the whole chain applied, in order, to an in-memory database by SQLite's
//! own parser, with each reversible pair's down run right after its up.
//!
//! - Each file runs statement by statement (split by [`split_statements`]) so that a failure
//!   names its statement; SQLite's error offset moves the location to the token it points at.
//! - Files run inside a transaction, as the runtime runs them, unless they say
//!   `-- no-transaction`.
//! - A `PRAGMA foreign_keys = …` in a file run in a transaction is a warning, not an error:
//!   SQLite ignores it there, and the file runs.
//! - Statements that change the schema (or settings: `PRAGMA`) are run. Statements that only read
//!   or write rows are compiled against the schema at that point, which finds every missing table
//!   and column, but not run: the check then costs the same whatever data a migration moves, and
//!   never fails on data (a seed row the live database may not have, a constraint).
//! - The chain stops at the first statement that fails: what follows would be judged against a
//!   schema the migrations do not produce. A failing down is reported and the chain goes on from
//!   the state its up left.
//! - Foreign keys are not enforced, as the check is about names, not data.

mod cache;
mod confine;
mod dependents;
mod undo;

use crate::check::{snippet, Judge, Prefix};
use crate::diagnostic::{line_column, Location};
use crate::error::Error;
use crate::migration::{Migration, MigrationKind, MigrationSet};
use crate::statement::{nested_comment, split_statements, Statement};
use crate::warning::Warning;
use cache::ChainCache;
use confine::Confinement;
use dependents::check_dependents;
use rusqlite::Connection;
use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};
use undo::{check_undo, snapshot, Undo};

/// Applies `set` to a fresh in-memory database and returns every problem found, and the
/// warnings found as such (a down that restores the columns in another order). An old up
/// ([`Judge::is_old`]) that fails does not stop the chain: its failing statements are
/// reported and skipped, as it ran where it was deployed.
///
/// The chains of `after` are applied first, in order, each as it would apply (its ups), with
/// their failing statements skipped and not reported: they are other sets, judged by their
/// own builds. With `prefix`, what each statement of `set` creates, changes or writes is
/// judged by [`Confinement`].
pub(crate) fn check(
    set: &MigrationSet,
    judge: &Judge<'_>,
    after: &[MigrationSet],
    prefix: Option<Prefix<'_>>,
    cache: Option<(&Path, &str)>,
) -> (Vec<Error>, Vec<Warning>) {
    let cannot_run = |e: rusqlite::Error| {
        (
            vec![Error::CheckCannotRun {
                reason: e.to_string(),
            }],
            Vec::new(),
        )
    };
    let mut db = match empty_database() {
        Ok(db) => db,
        Err(e) => return cannot_run(e),
    };
    let base_failed = match apply_bases(&db, after) {
        Ok(failed) => failed,
        Err(error) => return (vec![error], Vec::new()),
    };
    // Checkpoints only for a chain that starts from an empty database and is judged by SQLite
    // alone: the bases' state and the confinement's triggers are not theirs to hold.
    let mut cache = match cache {
        Some((dir, settings)) if after.is_empty() && prefix.is_none() => {
            ChainCache::new(dir, set, settings)
        }
        _ => None,
    };
    let start = cache.as_mut().map_or(0, |cache| cache.restore(&mut db));
    let confinement = prefix.map(|prefix| Confinement::install(&db, prefix));
    let (mut errors, warnings, applied) = check_chain(
        &mut db,
        set,
        judge,
        base_failed,
        confinement.as_ref(),
        Resume {
            start,
            cache: cache.as_mut(),
        },
    );
    if let Some(cache) = &cache {
        cache.finish();
    }
    if let Some(confinement) = confinement {
        if applied {
            if let Err(e) = confinement.check_triggers(&db, set) {
                errors.extend(cannot_run(e).0);
            }
        }
        errors.extend(confinement.finish(&db));
    }
    (errors, warnings)
}

/// The database the check applies a chain to, empty: in memory, its foreign keys not enforced
/// (migrations are checked for what they name, not for the rows they hold; the bundled SQLite
/// enforces them by default), and the undo check's own table there from the start
/// ([`undo::prepare`]). Also what a checkpoint that failed to load leaves the chain to start
/// from.
fn empty_database() -> Result<Connection, rusqlite::Error> {
    let db = Connection::open_in_memory()?;
    db.execute_batch("PRAGMA foreign_keys = OFF;")?;
    undo::prepare(&db)?;
    Ok(db)
}

/// Turns off SQLite's memory statistics for the rest of the process: with them, every
/// allocation SQLite makes takes a global lock and updates counters, 13 % of the check's
/// time at 1,000 migrations with SQLite compiled unoptimised, as cargo compiles a proc
/// macro's dependencies. Nothing of the check reads them.
///
/// `embed_migrations!` calls it, in the compiler's process, where that SQLite is the macro's
/// own copy; elsewhere the check runs as well without it. Once SQLite is initialised it
/// changes nothing (SQLite refuses the setting then). With the statistics off, SQLite does
/// not enforce a soft or hard heap limit (`PRAGMA soft_heap_limit`, `hard_heap_limit`) in
/// this process; the check sets neither.
///
/// # Safety
///
/// No other thread may use the SQLite the check is linked with while it runs (SQLite's rule
/// for `sqlite3_config`).
pub unsafe fn tune_sqlite_for_check() {
    static TUNED: std::sync::Once = std::sync::Once::new();
    TUNED.call_once(|| {
        // SAFETY: no other thread uses SQLite meanwhile (the caller's promise; the `Once`
        // keeps this function's own callers apart); with SQLite already initialised it
        // returns `SQLITE_MISUSE` and changes nothing. The option takes one `int`.
        unsafe {
            rusqlite::ffi::sqlite3_config(
                rusqlite::ffi::SQLITE_CONFIG_MEMSTATUS,
                0 as std::ffi::c_int,
            );
        }
    });
}

/// Applies each set of `after` in turn, as it would apply: its ups, in order, every failing
/// statement skipped. Returns whether any failed (an object a later migration uses may then be
/// missing for a reason the check cannot see).
fn apply_bases(db: &Connection, after: &[MigrationSet]) -> Result<bool, Error> {
    let mut failed = false;
    for base in after {
        for m in base
            .migrations
            .iter()
            .filter(|m| m.kind != MigrationKind::Down)
        {
            failed |= !apply(db, m, true, None)?.is_empty();
        }
    }
    Ok(failed)
}

/// Where the chain starts: `start` ups are already in the database (restored from a
/// checkpoint, after which they ran clean), and `cache` is told after each one that runs.
struct Resume<'c> {
    start: usize,
    cache: Option<&'c mut ChainCache>,
}

/// Applies `set` on `db` (after its bases): the errors, the warnings, and whether the whole
/// chain was applied.
fn check_chain(
    db: &mut Connection,
    set: &MigrationSet,
    judge: &Judge<'_>,
    base_failed: bool,
    confine: Option<&Confinement<'_>>,
    mut resume: Resume<'_>,
) -> (Vec<Error>, Vec<Warning>, bool) {
    let mut warnings: Vec<Warning> = set.migrations.iter().flat_map(ignored_pragmas).collect();
    let cannot_run = |e: rusqlite::Error| {
        vec![Error::CheckCannotRun {
            reason: e.to_string(),
        }]
    };
    let mut errors = Vec::new();
    // Whether a statement failed and was skipped (in an opted-out file, or an old one): then
    // an object the rest of the chain uses may be missing for a reason the check cannot see.
    let mut skipped_failures = base_failed;
    let downs = downs_by_key(set);
    let ups: Vec<&Migration> = set
        .migrations
        .iter()
        .filter(|m| m.kind != MigrationKind::Down)
        .collect();
    // How many ups the database holds: the checkpoints may move it on, past ups that would
    // do again what they did in the last build.
    let mut done = resume.start;
    while let Some(&up) = ups.get(done) {
        let reported_before = (errors.len(), warnings.len(), skipped_failures);
        let down = downs.get(&(up.version, up.description.as_str())).copied();
        // An empty down is a deliberate "nothing to undo" (sqlx writes one for every new
        // reversible migration), not a claim that the up is undone.
        let down = down.filter(|d| !d.noop && !d.no_check() && !up.no_check());
        if down.is_some() {
            if let Err(e) = snapshot(db) {
                return (cannot_run(e), warnings, false);
            }
        }
        let skipped = match apply(db, up, judge.is_old(up), confine) {
            Ok(skipped) => skipped,
            Err(error) => {
                errors.push(error);
                return (errors, warnings, false);
            }
        };
        if !skipped.is_empty() {
            skipped_failures = true;
            if !up.no_check() {
                // An old up's failures: its down cannot be compared with what it did not do.
                errors.extend(skipped);
                done = resume.tell(db, done, true);
                continue;
            }
        }
        if let Some(down) = down {
            match check_undo(db, up, down, &mut warnings, confine) {
                Undo::Restores => {}
                Undo::Fails(error) => errors.push(error),
                Undo::Stops(error) => {
                    errors.push(error);
                    return (errors, warnings, false);
                }
            }
        }
        let reported = reported_before != (errors.len(), warnings.len(), skipped_failures);
        done = resume.tell(db, done, reported);
    }
    if !skipped_failures {
        match check_dependents(db, set) {
            Ok(found) => errors.extend(found),
            Err(e) => errors.extend(cannot_run(e)),
        }
    }
    (errors, warnings, true)
}

impl Resume<'_> {
    /// The up at index `done` ran; `reported` when it (or its down) reported anything.
    /// Returns the index of the up to run next.
    fn tell(&mut self, db: &mut Connection, done: usize, reported: bool) -> usize {
        self.cache
            .as_deref_mut()
            .and_then(|cache| cache.after(db, done + 1, reported))
            .unwrap_or(done + 1)
    }
}

/// Runs one file as the runtime would: in a transaction unless it says `-- no-transaction`.
/// With `-- schema: no-check`, or `lenient` (an old file), its failing statements are skipped,
/// so that the objects the rest of it creates are still there for later files.
/// Returns the failures skipped.
fn apply(
    db: &Connection,
    m: &Migration,
    lenient: bool,
    confine: Option<&Confinement<'_>>,
) -> Result<Vec<Error>, Error> {
    let mut skipped = Vec::new();
    if let Some(offset) = nested_comment(&m.sql) {
        let (line, column) = line_column(&m.sql, offset);
        let error = Error::SqliteRejects {
            at: Location::at(m.display_path.clone(), line, column),
            reason: "this `/*` is inside a comment, and SQLite does not nest comments: the \
                     comment ends at the first `*/`, and what follows it is read as SQL"
                .to_owned(),
            fix: "close the outer comment before it, or make it a `--` comment",
            snippet: snippet(&m.sql, line, column),
        };
        if !lenient {
            return Err(error);
        }
        skipped.push(error);
    }
    let in_transaction = !m.no_transaction();
    if in_transaction {
        run_control(db, "BEGIN")?;
    }
    let result = run_statements(db, m, in_transaction, lenient, confine);
    match result {
        Err(_) if in_transaction => {
            // Leaves nothing behind, as a failed migration would not; the chain stops anyway.
            let _ = db.execute_batch("ROLLBACK");
        }
        Err(_) => {}
        Ok(_) if in_transaction => run_control(db, "COMMIT")?,
        Ok(_) => {}
    }
    skipped.extend(result?);
    Ok(skipped)
}

/// Runs every statement of `m`, stopping at the first that fails unless the file opted out or
/// is `lenient`. Returns the failures skipped.
fn run_statements(
    db: &Connection,
    m: &Migration,
    in_transaction: bool,
    lenient: bool,
    confine: Option<&Confinement<'_>>,
) -> Result<Vec<Error>, Error> {
    let mut opened = None;
    let skip = lenient || m.no_check();
    let result = run_each(db, m, in_transaction, skip, &mut opened, confine);
    if in_transaction || db.is_autocommit() {
        return result;
    }
    // A file run outside a transaction that leaves one open (its own `BEGIN`, a `SAVEPOINT`,
    // or a statement that failed after them): rolled back, so that the next file, or the copy
    // a `-- no-transaction` down is compared with, does not meet it.
    let _ = db.execute_batch("ROLLBACK");
    match (result, opened) {
        (Ok(mut skipped), Some(statement)) => {
            let error = rejected(
                m,
                &statement,
                Failure {
                    message: "it opens a transaction that the file never ends".to_owned(),
                    offset: None,
                },
            );
            // An opted-out file is still held to this: it is what the next file would meet.
            if !lenient {
                return Err(error);
            }
            skipped.push(error);
            Ok(skipped)
        }
        (result, _) => result,
    }
}

/// [`run_statements`]' loop; `opened` is set to the statement after which a transaction is
/// open, while one is. With `skip`, a failing statement is kept in the list returned and the
/// file goes on. With `confine`, what each statement that runs does is judged.
fn run_each<'a>(
    db: &Connection,
    m: &'a Migration,
    in_transaction: bool,
    skip: bool,
    opened: &mut Option<Statement<'a>>,
    confine: Option<&Confinement<'_>>,
) -> Result<Vec<Error>, Error> {
    let mut skipped = Vec::new();
    for statement in split_statements(&m.sql) {
        let outside_only = in_transaction
            .then(|| outside_a_transaction_only(statement.text))
            .flatten();
        let outcome = match outside_only {
            Some(message) => Err(Failure {
                message: message.to_owned(),
                offset: None,
            }),
            None => {
                if let Some(confine) = confine {
                    confine.clear();
                }
                let ran = run(db, statement.text);
                if let (Some(confine), Ok(())) = (confine, &ran) {
                    confine.judge(m, &statement);
                }
                ran
            }
        };
        let outcome = outcome.and_then(|()| {
            // A `COMMIT` or `ROLLBACK` in the file would end the transaction the runtime runs
            // it in, and the runtime's own `COMMIT` would then fail.
            if in_transaction && db.is_autocommit() {
                Err(Failure {
                    message: "it ends the transaction the migration runs in".to_owned(),
                    offset: None,
                })
            } else {
                Ok(())
            }
        });
        match outcome {
            Ok(()) => {}
            Err(failure) if skip => {
                skipped.push(rejected(m, &statement, failure));
                if in_transaction && db.is_autocommit() {
                    run_control(db, "BEGIN")?;
                }
            }
            Err(failure) => return Err(rejected(m, &statement, failure)),
        }
        if db.is_autocommit() {
            *opened = None;
        } else if opened.is_none() {
            *opened = Some(statement);
        }
    }
    Ok(skipped)
}

/// What SQLite said about a statement, and where in it (a byte offset) when it says.
#[derive(Debug)]
struct Failure {
    message: String,
    offset: Option<usize>,
}

impl From<rusqlite::Error> for Failure {
    fn from(e: rusqlite::Error) -> Self {
        match e {
            rusqlite::Error::SqlInputError { msg, offset, .. } => Failure {
                message: msg,
                offset: usize::try_from(offset).ok(),
            },
            rusqlite::Error::SqliteFailure(_, Some(message)) => Failure {
                message,
                offset: None,
            },
            other => Failure {
                message: other.to_string(),
                offset: None,
            },
        }
    }
}

/// Compiles one statement against the current schema and, unless it only reads or writes rows,
/// runs it.
fn run(db: &Connection, sql: &str) -> Result<(), Failure> {
    let mut pieces = rusqlite::Batch::new(db, sql);
    let mut statement = match pieces.next() {
        Ok(Some(statement)) => statement,
        Ok(None) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    // SQLite reads more than one statement where the splitter read one (`$$` is a parameter
    // name to SQLite, a dollar quote to the splitter). Running the piece as SQLite reads it
    // would run its later statements without the check's rules (an `ATTACH` of a real file,
    // rows written): it is refused instead, and nothing of it runs.
    if !matches!(pieces.next(), Ok(None)) {
        return Err(Failure {
            message: "sqlite reads more than one statement here, where the statement splitter reads one (a `$$` or `$tag$` is a parameter name to sqlite, not a quote, so a `;` inside it ends a statement): write the statements apart, without `$`-quoting".to_owned(),
            offset: None,
        });
    }
    if let Some(alias) = attached_alias(sql) {
        // The file it names is not the check's to open: an empty in-memory database under
        // the same name lets the statements that use it be judged.
        let attach = format!("ATTACH ':memory:' AS \"{}\"", alias.replace('"', "\"\""));
        return Ok(db.execute_batch(&attach)?);
    }
    if compile_only(sql) {
        return Ok(());
    }
    within_time_limit(db, || {
        let mut rows = statement.raw_query();
        while rows.next()?.is_some() {}
        Ok(())
    })
}

/// Runs `f`, stopping any statement of it after [`STATEMENT_TIME_LIMIT`]: one that runs for
/// ever (an endless recursive query) would hang the build.
fn within_time_limit(
    db: &Connection,
    f: impl FnOnce() -> rusqlite::Result<()>,
) -> Result<(), Failure> {
    let started = Instant::now();
    db.progress_handler(
        10_000,
        Some(move || started.elapsed() > STATEMENT_TIME_LIMIT),
    );
    let ran = f();
    db.progress_handler(0, None::<fn() -> bool>);
    match ran {
        Err(e) if started.elapsed() > STATEMENT_TIME_LIMIT && e.sqlite_error_code() == Some(rusqlite::ErrorCode::OperationInterrupted) => Err(Failure {
            message: format!(
                "the check stopped this statement after {} s: it runs too long to be judged at build time (a recursive query without an end?)",
                STATEMENT_TIME_LIMIT.as_secs()
            ),
            offset: None,
        }),
        ran => Ok(ran?),
    }
}

/// How long one statement may run in the check.
const STATEMENT_TIME_LIMIT: Duration = Duration::from_secs(5);

/// What SQLite does not do inside a transaction, which the check (in memory, where these
/// statements pass) would not find by running the statement: why, or `None`.
fn outside_a_transaction_only(sql: &str) -> Option<&'static str> {
    let upper = sql.to_ascii_uppercase();
    let words: Vec<&str> = upper
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .take(4)
        .collect();
    match words.as_slice() {
        ["VACUUM", ..] => Some("cannot VACUUM from within a transaction"),
        ["ATTACH", ..] => Some("cannot ATTACH database within transaction"),
        ["PRAGMA", ..] if sets_pragma(&upper, "JOURNAL_MODE") && upper.contains("WAL") => {
            Some("cannot change into wal mode from within a transaction")
        }
        _ => None,
    }
}

/// Whether `upper` (a statement in capitals) sets the pragma `name`: `PRAGMA name = …` or
/// `PRAGMA main.name(…)`; reading it (`PRAGMA name;`) is not setting it.
fn sets_pragma(upper: &str, name: &str) -> bool {
    let Some(rest) = upper.trim_start().strip_prefix("PRAGMA") else {
        return false;
    };
    let rest = rest.trim_start();
    let rest = rest.strip_prefix("MAIN.").unwrap_or(rest).trim_start();
    rest.strip_prefix(name)
        .is_some_and(|r| r.trim_start().starts_with(['=', '(']))
}

/// A warning for each `PRAGMA foreign_keys = …` of `m` when it runs in a transaction, where
/// SQLite ignores it without failing: unlike a `VACUUM` there, the file runs (sqlx ran such
/// files for years, and their authors back up what a `DROP TABLE` would cascade into), so the
/// build goes on and says the pragma does nothing. A file opted out with `-- schema: no-check`
/// is not judged.
fn ignored_pragmas(m: &Migration) -> Vec<Warning> {
    // Every file is looked at on every build, checkpoints or not: only one that names the
    // pragma is split. `to_lowercase` is the standard library's own, built optimised even
    // where the macro's dependencies are not (splitting every file took 20 ms of an edit's
    // rebuild at 1,000 migrations); ASCII letters fold as `to_ascii_uppercase` folds them.
    if m.no_transaction() || m.no_check() || !m.sql.to_lowercase().contains("foreign_keys") {
        return Vec::new();
    }
    split_statements(&m.sql)
        .into_iter()
        .filter(|s| sets_pragma(&s.text.to_ascii_uppercase(), "FOREIGN_KEYS"))
        .map(|s| Warning::PragmaIgnoredInTransaction {
            at: Location::at(m.display_path.clone(), s.line, s.column),
            snippet: snippet(&m.sql, s.line, s.column),
        })
        .collect()
}

/// The schema name an `ATTACH … AS name` gives, if `sql` is one: the name after the last `AS`
/// outside brackets (`ATTACH CAST(x AS text) AS aux`), unquoted (`AS"aux"`, `AS [x y]`,
/// `` AS `x` ``, `AS 'x'`).
fn attached_alias(sql: &str) -> Option<String> {
    let tokens: Vec<&str> = crate::statement::tokens(sql).collect();
    if !tokens.first()?.eq_ignore_ascii_case("ATTACH") {
        return None;
    }
    let mut depth = 0usize;
    let mut name = None;
    for (i, token) in tokens.iter().enumerate() {
        match *token {
            "(" => depth += 1,
            ")" => depth = depth.saturating_sub(1),
            _ if depth == 0 && token.eq_ignore_ascii_case("AS") => name = tokens.get(i + 1),
            _ => {}
        }
    }
    let name = *name.filter(|name| **name != ";")?;
    let unquoted = unquote(name)?;
    (!unquoted.is_empty()).then_some(unquoted)
}

/// A name token as SQLite reads it: without its quotes (`"a b"`, `[a b]`, `` `a` ``, `'a'`),
/// a doubled quote inside made single; `None` for a quote that is not closed.
fn unquote(name: &str) -> Option<String> {
    Some(match name.chars().next()? {
        '[' => name.get(1..)?.strip_suffix(']')?.to_owned(),
        quote @ ('"' | '`' | '\'') => {
            let inner = name.get(1..)?.strip_suffix(quote)?;
            inner.replace(&format!("{quote}{quote}"), &quote.to_string())
        }
        _ => name.to_owned(),
    })
}

/// Statements that are compiled but not run: those that only read or write rows, and those that
/// would touch files outside the in-memory database (`ATTACH 'file'` whose name could not be
/// read, `VACUUM INTO 'file'`).
fn compile_only(sql: &str) -> bool {
    let end = sql
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(sql.len());
    let keyword = sql[..end].to_ascii_uppercase();
    matches!(
        keyword.as_str(),
        "SELECT"
            | "INSERT"
            | "UPDATE"
            | "DELETE"
            | "REPLACE"
            | "WITH"
            | "VALUES"
            | "EXPLAIN"
            | "ATTACH"
            | "VACUUM"
    )
}

/// `BEGIN`, `COMMIT` and the like, issued by the check itself.
fn run_control(db: &Connection, sql: &str) -> Result<(), Error> {
    db.execute_batch(sql).map_err(|e| Error::CheckCannotRun {
        reason: format!("`{sql}` failed: {e}"),
    })
}

/// The error for `statement` of `m`, pointing at the token SQLite named when it named one.
fn rejected(m: &Migration, statement: &Statement<'_>, failure: Failure) -> Error {
    let within = failure
        .offset
        .filter(|&o| o < statement.text.len())
        .or_else(|| named_object_offset(&failure.message, statement.text));
    let (line, column) = match within {
        Some(offset) => line_column(&m.sql, statement.offset + offset),
        None => (statement.line, statement.column),
    };
    let fix = fix_for(&failure.message, statement.text);
    Error::SqliteRejects {
        at: Location::at(m.display_path.clone(), line, column),
        reason: reword(&failure.message),
        fix,
        snippet: snippet(&m.sql, line, column),
    }
}

/// Where the object a "no such table: main.users" names is in `sql`, for the messages SQLite
/// gives no offset with: the first whole-word `main.users`, else `users`.
fn named_object_offset(message: &str, sql: &str) -> Option<usize> {
    let name = match message.strip_prefix("no such ") {
        Some(rest) => rest.split_once(": ")?.1,
        // `table posts has no column named title`
        None => message.split_once(" has no column named ")?.1,
    };
    word_offset(sql, name).or_else(|| word_offset(sql, name.rsplit('.').next()?))
}

/// The byte offset of the first whole-word `name` in `sql`, without regard to ASCII case.
fn word_offset(sql: &str, name: &str) -> Option<usize> {
    let lower = sql.to_ascii_lowercase();
    let name = name.to_ascii_lowercase();
    let ident = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    lower.match_indices(&name).map(|(i, _)| i).find(|&i| {
        let before = lower[..i].chars().next_back().is_none_or(|c| !ident(c));
        let after = lower[i + name.len()..]
            .chars()
            .next()
            .is_none_or(|c| !ident(c));
        before && after
    })
}

/// SQLite's message in this project's style: names in backticks (`no such table `users``).
fn reword(message: &str) -> String {
    if let Some(rest) = message.strip_prefix("near \"") {
        if let Some(token) = rest.strip_suffix("\": syntax error") {
            return format!("syntax error near `{token}`");
        }
    }
    if let Some((table, column)) = message
        .strip_prefix("table ")
        .and_then(|rest| rest.split_once(" has no column named "))
    {
        return format!("table `{table}` has no column `{column}`");
    }
    for prefix in [
        "no such table: ",
        "no such column: ",
        "no such index: ",
        "no such view: ",
        "no such trigger: ",
        "no such function: ",
        "no such module: ",
        "no such collation sequence: ",
        "duplicate column name: ",
    ] {
        if let Some(name) = message.strip_prefix(prefix) {
            return format!("{} `{name}`", prefix.trim_end_matches([':', ' ']));
        }
    }
    message.to_owned()
}

fn fix_for(message: &str, sql: &str) -> &'static str {
    if message.contains("opens a transaction that the file never ends") {
        return "end it before the file ends: `COMMIT` after a `BEGIN`, `RELEASE` after a \
                `SAVEPOINT`; the connection would otherwise go back to the application inside it";
    }
    if message.starts_with("cannot VACUUM")
        || message.starts_with("cannot ATTACH")
        || message.contains("wal mode")
    {
        return "each migration runs in a transaction, and this statement cannot: put it in a \
                `-- no-transaction` file";
    }
    if message.contains("within a transaction") || message.contains("ends the transaction") {
        return "each migration already runs in a transaction: remove the transaction \
                statement, or run the file outside one with `-- no-transaction`";
    }
    let syntax = message.contains("syntax error") || message.contains("unrecognized token");
    if syntax && looks_like_postgres(sql) {
        return "this looks like postgresql: if the migrations are for postgresql, pass \
                `dialect = \"postgres\"`; otherwise fix the statement, or opt the file out \
                with `-- schema: no-check`";
    }
    if message.starts_with("no such table")
        || message.starts_with("no such column")
        || message.contains(" has no column named ")
    {
        return "create it in an earlier statement or migration, or fix the name, or opt the \
                file out with `-- schema: no-check`";
    }
    "fix the statement, or opt the file out with `-- schema: no-check`"
}

/// Whether a statement SQLite cannot parse is probably PostgreSQL: PostgreSQL's parser accepts
/// it when this build has one, else it uses syntax only PostgreSQL has.
fn looks_like_postgres(sql: &str) -> bool {
    #[cfg(feature = "check-postgres")]
    {
        crate::check::postgres::parses(sql)
    }
    #[cfg(not(feature = "check-postgres"))]
    {
        let upper = sql.to_ascii_uppercase();
        let words: Vec<&str> = upper
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
            .collect();
        let starts = |prefix: &[&str]| words.starts_with(prefix);
        sql.contains("::")
            || sql.contains("$$")
            || words.contains(&"CONCURRENTLY")
            || starts(&["DO"])
            || starts(&["COMMENT", "ON"])
            || starts(&["GRANT"])
            || starts(&["REVOKE"])
            || starts(&["CREATE", "EXTENSION"])
            || starts(&["CREATE", "TYPE"])
            || starts(&["CREATE", "SCHEMA"])
            || starts(&["CREATE", "SEQUENCE"])
            || starts(&["CREATE", "POLICY"])
            || starts(&["ALTER", "TYPE"])
    }
}
/// Checks a folder holding `files`, returning the messages; shared by the tests of this module
/// and of its submodules.
#[cfg(test)]
fn check_files(files: &[(&str, &str)]) -> Vec<String> {
    let set = crate::check::resolved(files);
    check(
        &set,
        &Judge::new(&set, crate::check::OldMigrations::None),
        &[],
        None,
        None,
    )
    .0
    .iter()
    .map(ToString::to_string)
    .collect()
}

#[cfg(test)]
mod tests;

/// The down files of `set`, by the version and description of the up each reverts.
pub(super) fn downs_by_key(set: &MigrationSet) -> HashMap<(i64, &str), &Migration> {
    set.migrations
        .iter()
        .filter(|m| m.kind == MigrationKind::Down)
        .map(|m| ((m.version, m.description.as_str()), m))
        .collect()
}
