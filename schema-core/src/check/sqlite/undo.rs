//! The undo check of a reversible pair: its down, run right after its up, must bring the
//! schema back to what it was before the up.

use super::confine::Confinement;
use super::run_statements;
use crate::error::Error;
use crate::migration::Migration;
use crate::warning::Warning;
use rusqlite::Connection;
use std::collections::BTreeMap;

/// Keeps the schema as it is now in a temporary table, for [`changes`] to compare with. SQLite's
/// own objects (`sqlite_sequence`, `sqlite_stat1`, automatic indexes) are left out: they come
/// and go with the tables they serve. The copy and the comparison stay inside SQLite, so a pair
/// costs the same whatever the size of the schema before it.
pub(super) fn snapshot(db: &Connection) -> Result<(), rusqlite::Error> {
    db.execute_batch(&format!(
        "CREATE TEMP TABLE IF NOT EXISTS {SNAPSHOT} (type TEXT, name TEXT, sql TEXT);
         DELETE FROM temp.{SNAPSHOT};
         INSERT INTO temp.{SNAPSHOT} {SCHEMA};"
    ))
}

/// Creates the [`snapshot`]'s table, empty, with the check's database: whether it exists
/// changes how SQLite lays out what some statements write (`ALTER TABLE … RENAME COLUMN`
/// rewrites the temporary schema too), so it exists from the start on every run, whether the
/// run starts from nothing or from a checkpoint. Checkpoints compared with this run's database
/// byte for byte must have been written by a run that had it as well.
pub(super) fn prepare(db: &Connection) -> Result<(), rusqlite::Error> {
    db.execute_batch(&format!(
        "CREATE TEMP TABLE IF NOT EXISTS {SNAPSHOT} (type TEXT, name TEXT, sql TEXT);"
    ))
}

/// The check's own table, named so that no migration's temporary table meets it.
const SNAPSHOT: &str = "__schema_check_snapshot";

/// The schema as compared: the main database's objects, and the temporary ones (a down that
/// leaves a temporary table leaves it on the application's connection), without SQLite's own
/// and the check's.
const SCHEMA: &str = "SELECT type, name, sql FROM main.sqlite_schema \
                      WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
                      UNION ALL SELECT 'temporary ' || type, name, sql FROM temp.sqlite_schema \
                      WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> '__schema_check_snapshot'";

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
    // A subquery, so that `EXCEPT` applies to the whole union.
    let now = format!("SELECT type, name, sql FROM ({SCHEMA})");
    let before = format!("SELECT type, name, sql FROM temp.{SNAPSHOT}");
    Ok((
        rows(&format!("{now} EXCEPT {before}"))?,
        rows(&format!("{before} EXCEPT {now}"))?,
    ))
}

pub(super) enum Undo {
    /// The down brings the schema back.
    Restores,
    /// The down fails or leaves a difference; the chain goes on from the up's state.
    Fails(Error),
    /// The chain cannot go on.
    Stops(Error),
}

/// Runs `down` right after `up` and compares the schema with the [`snapshot`] taken before `up`;
/// then puts back the state `up` left so that the chain goes on from there. A table restored
/// with its columns in another order is added to `warnings`, and counts as restored.
pub(super) fn check_undo(
    db: &mut Connection,
    up: &Migration,
    down: &Migration,
    warnings: &mut Vec<Warning>,
    confine: Option<&Confinement<'_>>,
) -> Undo {
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
        let ran = run_statements(db, down, false, false, confine);
        let after = changes(db);
        if let Err(e) = copy_database(&copy, db) {
            return cannot_run(e);
        }
        return match (ran, after) {
            (Err(error), _) => Undo::Fails(error),
            (Ok(_), Err(e)) => cannot_run(e),
            (Ok(_), Ok((now, before))) => match difference(up, down, &now, &before, warnings) {
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
    let ran = run_statements(db, down, true, false, confine);
    let undo = match ran.map(|_| changes(db)) {
        Err(error) => Undo::Fails(error),
        Ok(Err(e)) => Undo::Stops(Error::CheckCannotRun {
            reason: e.to_string(),
        }),
        Ok(Ok((now, before))) => match difference(up, down, &now, &before, warnings) {
            Some(error) => Undo::Fails(error),
            // An up that runs outside a transaction may not run inside this one (its own
            // `BEGIN`, a `VACUUM`): the down is rolled back instead.
            None if up.no_transaction() => Undo::Restores,
            None => match run_statements(db, up, true, false, confine) {
                Ok(_) => Undo::Restores,
                Err(error) => Undo::Fails(reapplied(error, down)),
            },
        },
    };
    let end = if matches!(undo, Undo::Restores) && !up.no_transaction() {
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
/// One step for all pages: a database that is busy (a transaction left open) is an error,
/// never a wait.
pub(super) fn copy_database(from: &Connection, to: &mut Connection) -> Result<(), rusqlite::Error> {
    let backup = rusqlite::backup::Backup::new(from, to)?;
    match backup.step(-1)? {
        rusqlite::backup::StepResult::Done => Ok(()),
        _ => Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
            Some("the check's database is busy and cannot be copied".to_owned()),
        )),
    }
}

/// The error for a down whose schema differs from the one before its up: `after` and `before`
/// as [`changes`] gives them. Tables that differ only in the order of their columns are not
/// part of it: they are a [`Warning::ColumnOrder`] pushed to `warnings`.
fn difference(
    up: &Migration,
    down: &Migration,
    after: &Schema,
    before: &Schema,
    warnings: &mut Vec<Warning>,
) -> Option<Error> {
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
    let mut changed = Vec::new();
    let mut reordered = Vec::new();
    for (key, old) in before {
        let Some(new) = after.get(key) else {
            continue;
        };
        let (old_sql, new_sql) = (
            old.1.as_deref().map(normalise),
            new.1.as_deref().map(normalise),
        );
        if old_sql == new_sql {
            continue;
        }
        match (key.0.ends_with("table"), old_sql, new_sql) {
            (true, Some(old_sql), Some(new_sql)) if reordered_only(&old_sql, &new_sql) => {
                reordered.push(new.0.clone());
            }
            _ => changed.push(describe(key, new)),
        }
    }
    if !reordered.is_empty() {
        warnings.push(Warning::ColumnOrder {
            up: up.display_path.clone(),
            down: down.display_path.clone(),
            tables: reordered,
        });
    }
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
pub(super) fn normalise(sql: &str) -> String {
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

/// Whether two [`normalise`]d `CREATE TABLE` statements differ only in the order of the
/// definitions between their brackets (columns and table constraints).
fn reordered_only(a: &str, b: &str) -> bool {
    match (definitions(a), definitions(b)) {
        (Some((head_a, mut a, tail_a)), Some((head_b, mut b, tail_b))) => {
            a.sort_unstable();
            b.sort_unstable();
            head_a == head_b && tail_a == tail_b && a == b
        }
        _ => false,
    }
}

/// A [`normalise`]d `CREATE TABLE t ( a int , b text ) strict` in parts: what comes before the
/// brackets, each definition between them, and what comes after (`strict`). `None` for a
/// table defined otherwise (`AS SELECT`, a virtual table without brackets).
fn definitions(sql: &str) -> Option<(&str, Vec<&str>, &str)> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut open = None;
    let mut start = 0;
    let mut parts = Vec::new();
    for (i, c) in sql.char_indices() {
        match c {
            // A `''` inside a string closes and opens it again: the same for this count.
            '\'' => in_string = !in_string,
            _ if in_string => {}
            '(' => {
                depth += 1;
                if depth == 1 && open.is_none() {
                    open = Some(i);
                    start = i + 1;
                }
            }
            ')' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 && open.is_some() {
                    parts.push(sql[start..i].trim());
                    return Some((&sql[..open?], parts, &sql[i + 1..]));
                }
            }
            ',' if depth == 1 => {
                parts.push(sql[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    None
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
    use crate::check::sqlite::check_files;

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
              out with `-- schema: no-check`, or, if the migration has run everywhere and its \
              down will not run again, mark it old (`old = <version>`)"
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
    fn a_column_added_back_at_the_end_is_a_warning_not_an_error() {
        let set = crate::check::resolved(&[
            (
                "1_a.sql",
                "CREATE TABLE a (id INTEGER PRIMARY KEY, name TEXT, note TEXT DEFAULT 'x, y', \
                 CHECK (id > 0));\nCREATE INDEX a_name ON a (name);",
            ),
            (
                "2_b.up.sql",
                "DROP INDEX a_name;\nALTER TABLE a DROP COLUMN name;",
            ),
            (
                "2_b.down.sql",
                "ALTER TABLE a ADD COLUMN name TEXT;\nCREATE INDEX a_name ON a (name);",
            ),
            ("3_c.up.sql", "ALTER TABLE a DROP COLUMN note;"),
            ("3_c.down.sql", "ALTER TABLE a ADD COLUMN note TEXT;"),
        ]);
        let judge = crate::check::Judge::new(&set, crate::check::OldMigrations::None);
        let (errors, warnings) = super::super::check(&set, &judge, &[], None, None);
        let errors: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            errors,
            [
                "migrations/3_c.down.sql: reverting `migrations/3_c.up.sql` does not restore the \
              schema (changed: table `a`); make the down drop what the up creates and restore \
              what it drops or changes, or opt the pair out with `-- schema: no-check`, or, if \
              the migration has run everywhere and its down will not run again, mark it old \
              (`old = <version>`)"
            ],
            "a column that comes back with another default is a change"
        );
        assert_eq!(
            warnings,
            [Warning::ColumnOrder {
                up: "migrations/2_b.up.sql".to_owned(),
                down: "migrations/2_b.down.sql".to_owned(),
                tables: vec!["a".to_owned()],
            }]
        );
        assert_eq!(
            warnings[0].to_string(),
            "migrations/2_b.down.sql: reverting `migrations/2_b.up.sql` restores table `a` \
             with the columns in another order (a column added back goes at the end of its \
             table); this is a warning, not an error: rebuild the table in the down if code \
             reads its columns by position"
        );
    }

    #[test]
    fn only_the_order_of_definitions_may_differ() {
        let reordered = |a: &str, b: &str| reordered_only(&normalise(a), &normalise(b));
        assert!(reordered(
            "CREATE TABLE t (a INT, b TEXT, PRIMARY KEY (a, b))",
            "CREATE TABLE t (a INT, PRIMARY KEY (a, b), b TEXT)"
        ));
        assert!(!reordered(
            "CREATE TABLE t (a INT, b TEXT)",
            "CREATE TABLE t (a INT, b INT)"
        ));
        assert!(!reordered(
            "CREATE TABLE t (a INT, b TEXT) STRICT",
            "CREATE TABLE t (b TEXT, a INT)"
        ));
        assert!(!reordered(
            "CREATE TABLE t (a INT DEFAULT 'a,b')",
            "CREATE TABLE t (b' INT DEFAULT 'a, a)"
        ));
        assert!(!reordered(
            "CREATE TABLE t AS SELECT 1",
            "CREATE TABLE t AS SELECT 1"
        ));
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
}
