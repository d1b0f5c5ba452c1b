//! The SQLite check: the whole chain applied, in order, to an in-memory database by SQLite's
//! own parser, with each reversible pair's down run right after its up.
//!
//! - Each file runs statement by statement (split by [`split_statements`]) so that a failure
//!   names its statement; SQLite's error offset moves the location to the token it points at.
//! - Files run inside a transaction, as the runtime runs them, unless they say
//!   `-- no-transaction`.
//! - Statements that change the schema (or settings: `PRAGMA`) are run. Statements that only read
//!   or write rows are compiled against the schema at that point, which finds every missing table
//!   and column, but not run: the check then costs the same whatever data a migration moves, and
//!   never fails on data (a seed row the live database may not have, a constraint).
//! - The chain stops at the first statement that fails: what follows would be judged against a
//!   schema the migrations do not produce. A failing down is reported and the chain goes on from
//!   the state its up left.
//! - Foreign keys are not enforced, as the check is about names, not data.

use crate::check::snippet;
use crate::diagnostic::{line_column, Location};
use crate::error::Error;
use crate::migration::{Migration, MigrationKind, MigrationSet};
use crate::statement::{split_statements, Statement};
use rusqlite::Connection;
use std::collections::{BTreeMap, HashMap};

/// Applies `set` to a fresh in-memory database and returns every problem found.
pub(crate) fn check(set: &MigrationSet) -> Vec<Error> {
    let cannot_run = |e: rusqlite::Error| {
        vec![Error::CheckCannotRun {
            reason: e.to_string(),
        }]
    };
    let mut db = match Connection::open_in_memory() {
        Ok(db) => db,
        Err(e) => return cannot_run(e),
    };
    // Migrations are checked for what they name, not for the rows they hold; the bundled
    // SQLite enforces foreign keys by default.
    if let Err(e) = db.execute_batch("PRAGMA foreign_keys = OFF;") {
        return cannot_run(e);
    }
    let mut errors = Vec::new();
    // Whether an opted-out file had a statement fail: then an object the rest of the chain
    // uses may be missing for a reason the check cannot see.
    let mut skipped_failures = false;
    let downs: HashMap<(i64, &str), &Migration> = set
        .migrations
        .iter()
        .filter(|m| m.kind == MigrationKind::Down)
        .map(|m| ((m.version, m.description.as_str()), m))
        .collect();
    for up in &set.migrations {
        if up.kind == MigrationKind::Down {
            continue;
        }
        let down = downs.get(&(up.version, up.description.as_str())).copied();
        // An empty down is a deliberate "nothing to undo" (sqlx writes one for every new
        // reversible migration), not a claim that the up is undone.
        let down = down.filter(|d| !d.noop && !d.no_check() && !up.no_check());
        if down.is_some() {
            if let Err(e) = snapshot(&db) {
                return cannot_run(e);
            }
        }
        match apply(&db, up) {
            Ok(skipped) => skipped_failures |= skipped,
            Err(error) => {
                errors.push(error);
                return errors;
            }
        }
        if let Some(down) = down {
            match check_undo(&mut db, up, down) {
                Undo::Restores => {}
                Undo::Fails(error) => errors.push(error),
                Undo::Stops(error) => {
                    errors.push(error);
                    return errors;
                }
            }
        }
    }
    if !skipped_failures {
        match check_dependents(&db, set) {
            Ok(found) => errors.extend(found),
            Err(e) => errors.extend(cannot_run(e)),
        }
    }
    errors
}

/// Runs one file as the runtime would: in a transaction unless it says `-- no-transaction`.
/// With `-- schema: no-check` its failing statements are skipped, so that the objects the rest
/// of it creates are still there for later files.
/// Returns whether a statement of an opted-out file failed and was skipped.
fn apply(db: &Connection, m: &Migration) -> Result<bool, Error> {
    let in_transaction = !m.no_transaction();
    if in_transaction {
        run_control(db, "BEGIN")?;
    }
    let result = run_statements(db, m, in_transaction);
    match result {
        Err(_) if in_transaction => {
            // Leaves nothing behind, as a failed migration would not; the chain stops anyway.
            let _ = db.execute_batch("ROLLBACK");
        }
        Err(_) => {}
        Ok(_) if in_transaction => run_control(db, "COMMIT")?,
        Ok(_) => {}
    }
    result
}

/// Runs every statement of `m`, stopping at the first that fails unless the file opted out.
/// Returns whether a statement failed and was skipped.
fn run_statements(db: &Connection, m: &Migration, in_transaction: bool) -> Result<bool, Error> {
    let mut skipped = false;
    for statement in split_statements(&m.sql) {
        let outcome = run(db, statement.text).and_then(|()| {
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
            Err(_) if m.no_check() => {
                skipped = true;
                if in_transaction && db.is_autocommit() {
                    run_control(db, "BEGIN")?;
                }
            }
            Err(failure) => return Err(rejected(m, &statement, failure)),
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
    let mut statement = match db.prepare(sql) {
        Ok(statement) => statement,
        // The splitter and SQLite disagree on where this statement ends (it should not happen):
        // let SQLite run the text as it sees it rather than report a false error.
        Err(rusqlite::Error::MultipleStatement) => return Ok(db.execute_batch(sql)?),
        Err(e) => return Err(e.into()),
    };
    if compile_only(sql) {
        return Ok(());
    }
    let mut rows = statement.raw_query();
    while rows.next()?.is_some() {}
    Ok(())
}

/// Statements that are compiled but not run: those that only read or write rows, and those that
/// would touch files outside the in-memory database (`ATTACH 'file'`, `VACUUM INTO 'file'`).
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
            | "DETACH"
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
    let lower = sql.to_ascii_lowercase();
    let find = |name: &str| {
        let name = name.to_ascii_lowercase();
        lower.match_indices(&name).map(|(i, _)| i).find(|&i| {
            let ident = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
            let before = lower[..i].chars().next_back().is_none_or(|c| !ident(c));
            let after = lower[i + name.len()..]
                .chars()
                .next()
                .is_none_or(|c| !ident(c));
            before && after
        })
    };
    find(name).or_else(|| find(name.rsplit('.').next()?))
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

/// SQLite accepts a view or trigger that names a table or column that does not exist, and
/// fails only when it is used. Once the whole chain is applied, every view is compiled, and every
/// trigger through a statement that fires it, so such a reference is reported on the statement
/// that created the object. Only missing tables and columns are reported: a missing function
/// may come from an extension loaded at run time.
fn check_dependents(db: &Connection, set: &MigrationSet) -> Result<Vec<Error>, rusqlite::Error> {
    let mut statement = db.prepare(
        "SELECT type, name, tbl_name, sql FROM sqlite_schema \
         WHERE type IN ('view', 'trigger') AND sql IS NOT NULL ORDER BY rowid",
    )?;
    let objects = statement
        .query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut errors = Vec::new();
    for (kind, name, table, sql) in objects {
        let probe = if kind == "view" {
            format!("SELECT * FROM {}", quote(&name))
        } else {
            match trigger_probe(db, &table, &sql)? {
                Some(probe) => probe,
                None => continue,
            }
        };
        let Err(e) = db.prepare(&probe) else {
            continue;
        };
        let failure = Failure::from(e);
        let message = failure
            .message
            .split_once(": no such ")
            .map_or(failure.message.clone(), |(_, rest)| {
                format!("no such {rest}")
            });
        if !(message.starts_with("no such table") || message.starts_with("no such column")) {
            continue;
        }
        let Some((m, statement)) = creating_statement(set, &kind, &name) else {
            continue;
        };
        if m.no_check() {
            continue;
        }
        let at = named_object_offset(&message, statement.text);
        let (line, column) = match at {
            Some(offset) => line_column(&m.sql, statement.offset + offset),
            None => (statement.line, statement.column),
        };
        // `no such table: main.log` -> ("table", "main.log")
        let (what, missing) = message
            .strip_prefix("no such ")
            .and_then(|rest| rest.split_once(": "))
            .unwrap_or(("object", message.as_str()));
        let missing = missing.strip_prefix("main.").unwrap_or(missing);
        errors.push(Error::DanglingReference {
            at: Location::at(m.display_path.clone(), line, column),
            what: format!("{kind} `{name}` uses a {what} `{missing}`"),
            snippet: snippet(&m.sql, line, column),
        });
    }
    Ok(errors)
}

/// A statement that makes SQLite compile the trigger's body: one of the kind that fires it, on
/// its table. `None` when the definition does not say (it always does).
fn trigger_probe(
    db: &Connection,
    table: &str,
    sql: &str,
) -> Result<Option<String>, rusqlite::Error> {
    let normalised = normalise(sql);
    let words: Vec<&str> = normalised.split(' ').collect();
    let Some(at) = words
        .iter()
        .position(|w| matches!(*w, "insert" | "update" | "delete"))
    else {
        return Ok(None);
    };
    let table_sql = quote(table);
    Ok(Some(match words[at] {
        "insert" => format!("INSERT INTO {table_sql} DEFAULT VALUES"),
        "delete" => format!("DELETE FROM {table_sql}"),
        _ => {
            let column = match words.get(at + 1..at + 3) {
                Some(["of", column]) => Some((*column).to_owned()),
                _ => db
                    .prepare("SELECT name FROM pragma_table_info(?1) LIMIT 1")?
                    .query_row([table], |row| row.get::<_, String>(0))
                    .ok(),
            };
            let Some(column) = column else {
                return Ok(None);
            };
            let column = quote(&column);
            format!("UPDATE {table_sql} SET {column} = {column}")
        }
    }))
}

/// The last statement of the chain that creates the `kind` called `name`.
fn creating_statement<'a>(
    set: &'a MigrationSet,
    kind: &str,
    name: &str,
) -> Option<(&'a Migration, Statement<'a>)> {
    let name = name.to_lowercase();
    set.migrations
        .iter()
        .filter(|m| m.kind != MigrationKind::Down)
        .rev()
        .find_map(|m| {
            let statement = split_statements(&m.sql).into_iter().rev().find(|s| {
                let head: String = s.text.chars().take(200 + name.len()).collect();
                let normalised = normalise(&head);
                let mut words = normalised
                    .split(' ')
                    .filter(|w| !matches!(*w, "temp" | "temporary" | "if" | "not" | "exists"));
                words.next() == Some("create")
                    && words.next() == Some(kind)
                    && (words.next() == Some(name.as_str())
                        || (words.next() == Some(".") && words.next() == Some(name.as_str())))
            })?;
            Some((m, statement))
        })
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Keeps the schema as it is now in a temporary table, for [`changes`] to compare with. SQLite's
/// own objects (`sqlite_sequence`, `sqlite_stat1`, automatic indexes) are left out: they come
/// and go with the tables they serve. The copy and the comparison stay inside SQLite, so a pair
/// costs the same whatever the size of the schema before it.
fn snapshot(db: &Connection) -> Result<(), rusqlite::Error> {
    db.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS schema_check_before (type TEXT, name TEXT, sql TEXT);
         DELETE FROM temp.schema_check_before;
         INSERT INTO temp.schema_check_before
             SELECT type, name, sql FROM main.sqlite_schema
             WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\';",
    )
}

/// Part of a schema: `(type, lowercased name)` -> `(name, sql)`.
type Schema = BTreeMap<(String, String), (String, Option<String>)>;

/// The objects that differ from the [`snapshot`]: `(now, before)`, each holding only the rows
/// found on its side alone (an object whose definition changed is on both).
fn changes(db: &Connection) -> Result<(Schema, Schema), rusqlite::Error> {
    let rows = |sql: &str| -> Result<Schema, rusqlite::Error> {
        let mut statement = db.prepare(sql)?;
        let rows = statement.query_map([], |row| {
            let kind: String = row.get(0)?;
            let name: String = row.get(1)?;
            let sql: Option<String> = row.get(2)?;
            Ok(((kind, name.to_lowercase()), (name, sql)))
        })?;
        rows.collect()
    };
    let now = "SELECT type, name, sql FROM main.sqlite_schema \
               WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'";
    let before = "SELECT type, name, sql FROM temp.schema_check_before";
    Ok((
        rows(&format!("{now} EXCEPT {before}"))?,
        rows(&format!("{before} EXCEPT {now}"))?,
    ))
}

enum Undo {
    /// The down brings the schema back.
    Restores,
    /// The down fails or leaves a difference; the chain goes on from the up's state.
    Fails(Error),
    /// The chain cannot go on.
    Stops(Error),
}

/// Runs `down` right after `up` and compares the schema with the [`snapshot`] taken before `up`;
/// then puts back the state `up` left so that the chain goes on from there.
fn check_undo(db: &mut Connection, up: &Migration, down: &Migration) -> Undo {
    let cannot_run = |e: rusqlite::Error| {
        Undo::Stops(Error::CheckCannotRun {
            reason: e.to_string(),
        })
    };
    if down.no_transaction() {
        // Statements that refuse to run inside a transaction cannot run under a savepoint
        // either: keep a copy of the database, run the down as it is, then put the copy back.
        let mut copy = match Connection::open_in_memory() {
            Ok(copy) => copy,
            Err(e) => return cannot_run(e),
        };
        if let Err(e) = copy_database(db, &mut copy) {
            return cannot_run(e);
        }
        let ran = run_statements(db, down, false);
        let after = changes(db);
        if let Err(e) = copy_database(&copy, db) {
            return cannot_run(e);
        }
        return match (ran, after) {
            (Err(error), _) => Undo::Fails(error),
            (Ok(_), Err(e)) => cannot_run(e),
            (Ok(_), Ok((now, before))) => match difference(up, down, &now, &before) {
                Some(error) => Undo::Fails(error),
                None => Undo::Restores,
            },
        };
    }
    // In a transaction: when the down restores the schema, the up runs again in the same
    // transaction and it commits; otherwise it rolls back to the state the up left. (Rolling
    // back schema changes makes SQLite parse the whole schema again, so the common case avoids
    // it.)
    if let Err(e) = db.execute_batch("BEGIN") {
        return cannot_run(e);
    }
    let ran = run_statements(db, down, true);
    let undo = match ran.map(|_| changes(db)) {
        Err(error) => Undo::Fails(error),
        Ok(Err(e)) => Undo::Stops(Error::CheckCannotRun {
            reason: e.to_string(),
        }),
        Ok(Ok((now, before))) => match difference(up, down, &now, &before) {
            Some(error) => Undo::Fails(error),
            None => match run_statements(db, up, true) {
                Ok(_) => Undo::Restores,
                Err(error) => Undo::Fails(reapplied(error, down)),
            },
        },
    };
    let end = if matches!(undo, Undo::Restores) {
        "COMMIT"
    } else {
        "ROLLBACK"
    };
    match db.execute_batch(end) {
        Ok(()) => undo,
        // Only when the down ended the transaction itself, which was reported.
        Err(e) => match undo {
            Undo::Restores => cannot_run(e),
            Undo::Fails(error) | Undo::Stops(error) => Undo::Stops(error),
        },
    }
}

/// An up that fails when applied again after its down says so.
fn reapplied(error: Error, down: &Migration) -> Error {
    match error {
        Error::SqliteRejects {
            at,
            reason,
            fix,
            snippet,
        } => Error::SqliteRejects {
            at,
            reason: format!("{reason} (applied again after `{}`)", down.display_path),
            fix,
            snippet,
        },
        other => other,
    }
}

/// Copies every page of `from` into `to`, replacing what `to` held.
fn copy_database(from: &Connection, to: &mut Connection) -> Result<(), rusqlite::Error> {
    let backup = rusqlite::backup::Backup::new(from, to)?;
    backup.run_to_completion(i32::MAX, std::time::Duration::ZERO, None)
}

/// The error for a down whose schema differs from the one before its up: `after` and `before`
/// as [`changes`] gives them.
fn difference(up: &Migration, down: &Migration, after: &Schema, before: &Schema) -> Option<Error> {
    let describe = |(kind, _): &(String, String), (name, _): &(String, Option<String>)| {
        format!("{kind} `{name}`")
    };
    let left_behind: Vec<String> = after
        .iter()
        .filter(|(key, _)| !before.contains_key(*key))
        .map(|(key, value)| describe(key, value))
        .collect();
    let missing: Vec<String> = before
        .iter()
        .filter(|(key, _)| !after.contains_key(*key))
        .map(|(key, value)| describe(key, value))
        .collect();
    let changed: Vec<String> = before
        .iter()
        .filter_map(|(key, old)| {
            let new = after.get(key)?;
            let same = old.1 == new.1
                || old.1.as_deref().map(normalise) == new.1.as_deref().map(normalise);
            (!same).then(|| describe(key, new))
        })
        .collect();
    if left_behind.is_empty() && missing.is_empty() && changed.is_empty() {
        return None;
    }
    Some(Error::DownDoesNotUndoUp {
        up: up.display_path.clone(),
        down: down.display_path.clone(),
        left_behind,
        missing,
        changed,
    })
}

/// A definition as SQLite stores it, reduced to what it means: no comments, one space between
/// tokens, unquoted names in lower case. SQLite rewrites stored definitions when a table or
/// column is renamed (`CREATE TABLE "t"`) or a column is added or dropped, so a down that
/// rebuilds a table the usual way must still compare equal to the original.
fn normalise(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    let push = |token: &str, out: &mut String| {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(token);
    };
    while let Some(c) = rest.chars().next() {
        let len = match c {
            c if c.is_whitespace() => c.len_utf8(),
            '-' if rest.starts_with("--") => rest.find('\n').unwrap_or(rest.len()),
            '/' if rest.starts_with("/*") => rest[2..].find("*/").map_or(rest.len(), |i| i + 4),
            '\'' => {
                let len = quoted_len(rest, '\'');
                push(&rest[..len], &mut out);
                len
            }
            '"' | '`' | '[' => {
                let close = if c == '[' { ']' } else { c };
                let len = quoted_len(rest, close);
                let inner = rest[1..len].trim_end_matches(close);
                push(&inner.to_lowercase(), &mut out);
                len
            }
            c if c.is_alphanumeric() || c == '_' => {
                let len = rest
                    .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
                    .unwrap_or(rest.len());
                push(&rest[..len].to_lowercase(), &mut out);
                len
            }
            c => {
                push(&rest[..c.len_utf8()], &mut out);
                c.len_utf8()
            }
        };
        rest = &rest[len.max(1).min(rest.len())..];
    }
    out
}

/// Length of the quoted token at the start of `rest` that ends at `close` (doubled: escaped).
fn quoted_len(rest: &str, close: char) -> usize {
    let mut chars = rest.char_indices().skip(1).peekable();
    while let Some((i, c)) = chars.next() {
        if c == close {
            if close != ']' && chars.peek().map(|&(_, next)| next) == Some(close) {
                chars.next();
                continue;
            }
            return i + c.len_utf8();
        }
    }
    rest.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::resolved;
    use crate::discover::resolve_dir;
    use std::fs;

    /// Checks a folder holding `files`, returning the messages.
    fn check_files(files: &[(&str, &str)]) -> Vec<String> {
        check(&resolved(files))
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn accepts_a_chain_whose_later_files_use_what_earlier_ones_create() {
        let errors = check_files(&[
            (
                "1_users.sql",
                "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);",
            ),
            (
                "2_posts.up.sql",
                "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INT REFERENCES users (id));\n\
                 CREATE INDEX posts_user_idx ON posts (user_id);\n\
                 INSERT INTO posts (id, user_id) VALUES (1, 42);",
            ),
            ("2_posts.down.sql", "DROP TABLE posts;"),
            (
                "3_view.sql",
                "CREATE VIEW v AS SELECT u.email FROM users u JOIN posts p ON p.user_id = u.id;",
            ),
        ]);
        assert_eq!(errors, Vec::<String>::new());
    }

    #[test]
    fn rejects_a_missing_table_with_its_line_column_and_snippet() {
        let errors = check_files(&[
            (
                "1_users.sql",
                "CREATE TABLE users (id INTEGER PRIMARY KEY);\n",
            ),
            (
                "2_seed.sql",
                "-- seed\nINSERT INTO users (id) VALUES (1);\nINSERT INTO user (id) VALUES (2);\n",
            ),
        ]);
        assert_eq!(
            errors,
            ["migrations/2_seed.sql:3:13: sqlite cannot apply this statement: no such table `user`; \
              create it in an earlier statement or migration, or fix the name, or opt the file out \
              with `-- schema: no-check`\n  |\n3 | INSERT INTO user (id) VALUES (2);\n  |             ^"]
        );
    }

    #[test]
    fn stops_the_chain_at_the_first_failure() {
        let errors = check_files(&[
            (
                "1_a.sql",
                "CREATE TABLE a (id INT);\nCREATE INDEX a_idx ON a (nope);",
            ),
            ("2_b.sql", "INSERT INTO a (id) VALUES (1);"),
        ]);
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert!(
            errors[0].starts_with("migrations/1_a.sql:2:"),
            "{errors:#?}"
        );
        assert!(errors[0].contains("no such column `nope`"), "{errors:#?}");
    }

    #[test]
    fn a_failed_file_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("1_a.sql");
        fs::write(&path, "CREATE TABLE a (id INT);\nSELECT * FROM nope;").unwrap();
        let set = resolve_dir(dir.path(), ".").unwrap();
        let db = Connection::open_in_memory().unwrap();
        assert!(apply(&db, &set.migrations[0]).is_err());
        let objects: i64 = db
            .query_row("SELECT count(*) FROM sqlite_schema", [], |row| row.get(0))
            .unwrap();
        assert_eq!(objects, 0);
        assert!(db.is_autocommit());
    }

    #[test]
    fn hints_at_the_postgres_dialect_for_postgres_syntax() {
        let errors = check_files(&[("1_ext.sql", "CREATE EXTENSION IF NOT EXISTS pgcrypto;")]);
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].contains("syntax error near `EXTENSION`"),
            "{errors:#?}"
        );
        assert!(
            errors[0].contains("`dialect = \"postgres\"`"),
            "{errors:#?}"
        );
        let errors = check_files(&[("1_a.sql", "CREATE TABLE a (id INT,);")]);
        assert!(!errors[0].contains("dialect"), "{errors:#?}");
    }

    #[test]
    fn reports_transaction_statements_in_a_transactional_file() {
        let errors = check_files(&[("1_a.sql", "BEGIN;\nCREATE TABLE a (id INT);\nCOMMIT;")]);
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].starts_with("migrations/1_a.sql:1:1:"),
            "{errors:#?}"
        );
        assert!(errors[0].contains("`-- no-transaction`"), "{errors:#?}");
        let errors = check_files(&[("1_a.sql", "CREATE TABLE a (id INT);\nCOMMIT;")]);
        assert!(
            errors[0].starts_with("migrations/1_a.sql:2:1:"),
            "{errors:#?}"
        );
        let errors = check_files(&[(
            "1_a.sql",
            "-- no-transaction\nBEGIN;\nCREATE TABLE a (id INT);\nCOMMIT;\nVACUUM;",
        )]);
        assert_eq!(errors, Vec::<String>::new());
    }

    #[test]
    fn data_statements_are_compiled_but_not_run() {
        // Run, the insert would fail on the NOT NULL column and take seconds to fill the table.
        let errors = check_files(&[
            ("1_a.sql", "CREATE TABLE a (id INT, name TEXT NOT NULL);"),
            (
                "2_fill.sql",
                "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 100000000)\n\
                 INSERT INTO a (id) SELECT n FROM s;\nCREATE UNIQUE INDEX a_id ON a (id);",
            ),
        ]);
        assert_eq!(errors, Vec::<String>::new());
    }

    #[test]
    fn no_check_files_are_applied_but_their_failures_skipped() {
        let errors = check_files(&[
            (
                "1_a.sql",
                "-- schema: no-check\nCREATE VIRTUAL TABLE v USING vec0(x);\nCREATE TABLE a (id INT);",
            ),
            ("2_b.sql", "CREATE INDEX a_idx ON a (id);"),
        ]);
        assert_eq!(errors, Vec::<String>::new());
    }

    #[test]
    fn names_what_a_down_leaves_behind_misses_and_changes() {
        let errors = check_files(&[
            ("1_a.sql", "CREATE TABLE a (id INT);\nCREATE TABLE keep (id INT);"),
            (
                "2_b.up.sql",
                "CREATE TABLE b (id INT);\nCREATE INDEX b_idx ON b (id);\nCREATE VIEW bv AS SELECT id FROM b;\n\
                 ALTER TABLE a ADD COLUMN name TEXT;",
            ),
            ("2_b.down.sql", "DROP TABLE b;\nDROP TABLE keep;"),
            ("3_c.sql", "SELECT name FROM a;"),
        ]);
        assert_eq!(
            errors,
            [
                "migrations/2_b.down.sql: reverting `migrations/2_b.up.sql` does not restore the \
              schema (left behind: view `bv`; missing: table `keep`; changed: table `a`); make the \
              down drop what the up creates and restore what it drops or changes, or opt the pair \
              out with `-- schema: no-check`"
            ],
            "the chain goes on from the up's state: 3_c.sql sees `a.name`"
        );
    }

    #[test]
    fn a_down_that_rebuilds_a_table_the_usual_way_restores_it() {
        let errors = check_files(&[
            (
                "1_a.sql",
                "CREATE TABLE a (\n  id INTEGER PRIMARY KEY, -- the key\n  name TEXT\n);\n\
                 CREATE INDEX a_name ON a (name);",
            ),
            ("2_b.up.sql", "ALTER TABLE a ADD COLUMN extra INT;"),
            (
                "2_b.down.sql",
                "CREATE TABLE a_new (\n  id INTEGER PRIMARY KEY, -- the key\n  name TEXT\n);\n\
                 INSERT INTO a_new SELECT id, name FROM a;\nDROP TABLE a;\n\
                 ALTER TABLE a_new RENAME TO a;\nCREATE INDEX a_name ON a (name);",
            ),
            ("3_c.up.sql", "ALTER TABLE a ADD COLUMN other INT;"),
            ("3_c.down.sql", "ALTER TABLE a DROP COLUMN other;"),
            (
                "4_d.up.sql",
                "CREATE TABLE d (id INTEGER PRIMARY KEY AUTOINCREMENT);",
            ),
            ("4_d.down.sql", "DROP TABLE d;"),
        ]);
        assert_eq!(errors, Vec::<String>::new());
    }

    #[test]
    fn reports_every_failing_down_and_goes_on() {
        let errors = check_files(&[
            ("1_a.up.sql", "CREATE TABLE a (id INT);"),
            ("1_a.down.sql", "DROP TABLE aa;"),
            ("2_b.up.sql", "CREATE TABLE b (id INT);"),
            ("2_b.down.sql", "DROP TABLE bb;"),
            ("3_c.sql", "INSERT INTO a SELECT id FROM b;"),
        ]);
        assert_eq!(errors.len(), 2, "{errors:#?}");
        assert!(
            errors[0].starts_with("migrations/1_a.down.sql:1:"),
            "{errors:#?}"
        );
        assert!(
            errors[1].starts_with("migrations/2_b.down.sql:1:"),
            "{errors:#?}"
        );
    }

    #[test]
    fn empty_and_no_check_downs_are_not_compared() {
        let errors = check_files(&[
            ("1_a.up.sql", "CREATE TABLE a (id INT);"),
            ("1_a.down.sql", "-- Add down migration script here\n"),
            ("2_b.up.sql", "CREATE TABLE b (id INT);"),
            ("2_b.down.sql", "-- schema: no-check\nDROP TABLE a;"),
        ]);
        assert_eq!(errors, Vec::<String>::new());
    }

    #[test]
    fn a_no_transaction_down_runs_as_is_and_the_state_is_put_back() {
        let errors = check_files(&[
            ("1_a.up.sql", "CREATE TABLE a (id INT);"),
            ("1_a.down.sql", "-- no-transaction\nDROP TABLE a;\nVACUUM;"),
            ("2_b.sql", "SELECT id FROM a;"),
            ("3_c.up.sql", "CREATE TABLE c (id INT);"),
            ("3_c.down.sql", "-- no-transaction\nSELECT 1;"),
            ("4_d.sql", "SELECT id FROM c;"),
        ]);
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert!(
            errors[0].starts_with("migrations/3_c.down.sql: "),
            "{errors:#?}"
        );
        assert!(errors[0].contains("left behind: table `c`"), "{errors:#?}");
    }

    #[test]
    fn reports_views_and_triggers_that_name_what_never_exists() {
        let errors = check_files(&[
            ("1_a.sql", "CREATE TABLE a (id INT, name TEXT);"),
            (
                "2_b.sql",
                "CREATE VIEW later AS SELECT * FROM b;\n\
                 CREATE VIEW broken AS\n  SELECT nmae FROM a;\n\
                 CREATE TRIGGER a_log AFTER UPDATE OF name ON a BEGIN\n  INSERT INTO log VALUES (1);\nEND;",
            ),
            ("3_b.sql", "CREATE TABLE b (id INT);"),
        ]);
        assert_eq!(errors.len(), 2, "{errors:#?}");
        assert!(
            errors[0].starts_with("migrations/2_b.sql:3:10: view `broken` uses a column `nmae` that does not exist once every migration is applied; fix the name,"),
            "{errors:#?}"
        );
        assert!(
            errors[1].starts_with(
                "migrations/2_b.sql:5:15: trigger `a_log` uses a table `log` that does not exist"
            ),
            "{errors:#?}"
        );
    }

    #[test]
    fn normalises_formatting_quotes_and_case() {
        assert_eq!(
            normalise(
                "CREATE TABLE \"T\" (\n  id INTEGER, -- c\n  [b] /* x */ TEXT DEFAULT 'It''s'\n)"
            ),
            "create table t ( id integer , b text default 'It''s' )"
        );
        assert_eq!(normalise("'unterminated"), "'unterminated");
        assert_eq!(normalise("a /* open"), "a");
    }

    #[test]
    fn finds_the_object_sqlite_names_without_an_offset() {
        let sql = "INSERT INTO users_old SELECT * FROM \"Users\" JOIN users ON 1;";
        assert_eq!(named_object_offset("no such table: users", sql), Some(37));
        assert_eq!(
            named_object_offset("no such table: main.users", sql),
            Some(37)
        );
        assert_eq!(named_object_offset("no such table: nope", sql), None);
        assert_eq!(named_object_offset("something else", sql), None);
        let message = "table users_old has no column named users";
        assert_eq!(named_object_offset(message, sql), Some(37));
    }

    #[test]
    fn keeps_sqlites_words_but_backticks_names() {
        assert_eq!(
            reword("no such table: main.users"),
            "no such table `main.users`"
        );
        assert_eq!(
            reword("near \"FROM\": syntax error"),
            "syntax error near `FROM`"
        );
        assert_eq!(reword("table a already exists"), "table a already exists");
        assert_eq!(
            reword("table posts has no column named title"),
            "table `posts` has no column `title`"
        );
    }
}
