//! The check, once the whole chain is applied, that every view and trigger names only tables
//! and columns that exist.

use super::undo::normalise;
use super::{named_object_offset, Failure};
use crate::check::snippet;
use crate::diagnostic::{line_column, Location};
use crate::error::Error;
use crate::migration::{Migration, MigrationKind, MigrationSet};
use crate::statement::{split_statements, Statement};
use rusqlite::Connection;

/// SQLite accepts a view or trigger that names a table or column that does not exist, and
/// fails only when it is used. Once the whole chain is applied, every view is compiled, and every
/// trigger through a statement that fires it, so such a reference is reported on the statement
/// that created the object. Only missing tables and columns are reported: a missing function
/// may come from an extension loaded at run time.
pub(super) fn check_dependents(
    db: &Connection,
    set: &MigrationSet,
) -> Result<Vec<Error>, rusqlite::Error> {
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
pub(super) fn trigger_probe(
    db: &Connection,
    table: &str,
    sql: &str,
) -> Result<Option<String>, rusqlite::Error> {
    let normalised = normalise(sql);
    let words: Vec<&str> = normalised.split(' ').collect();
    // The event follows `BEFORE`, `AFTER` or `INSTEAD OF`; without one, the trigger's name
    // (which may itself be `delete`).
    let name_at = words
        .iter()
        .position(|w| *w == "trigger")
        .map_or(0, |i| i + 1);
    let name_at = if words.get(name_at..name_at + 3) == Some(&["if", "not", "exists"][..]) {
        name_at + 3
    } else {
        name_at
    };
    let timing = words
        .iter()
        .skip(name_at + 1)
        .position(|w| matches!(*w, "before" | "after" | "instead"))
        .map(|i| i + name_at + 1);
    let event = match timing {
        Some(i) if words[i] == "instead" => words.get(i + 2),
        Some(i) => words.get(i + 1),
        None => words.get(name_at + 1),
    };
    let table_sql = quote(table);
    Ok(Some(match event.copied() {
        Some("insert") => format!("INSERT INTO {table_sql} DEFAULT VALUES"),
        Some("delete") => format!("DELETE FROM {table_sql}"),
        Some("update") => {
            // Every column, so that an `UPDATE OF` trigger fires whichever columns it names.
            let columns: Vec<String> = db
                .prepare("SELECT name FROM pragma_table_xinfo(?1) WHERE hidden = 0")?
                .query_map([table], |row| row.get::<_, String>(0))?
                .collect::<Result<_, _>>()?;
            if columns.is_empty() {
                return Ok(None);
            }
            let set: Vec<String> = columns
                .iter()
                .map(|c| format!("{0} = {0}", quote(c)))
                .collect();
            format!("UPDATE {table_sql} SET {}", set.join(", "))
        }
        _ => return Ok(None),
    }))
}

/// The last statement of the chain that creates the `kind` called `name`.
pub(super) fn creating_statement<'a>(
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

#[cfg(test)]
mod tests {
    use crate::check::sqlite::check_files;

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
}
