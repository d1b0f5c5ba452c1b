//! The SQLite lints: this crate's rules, over the statements of each file read as words and the
//! tables the files before it made ([`Model`]).

use super::sqlite_model::{parse, ColumnDef, ColumnDefault, Model, Stmt};
use super::words::words;
use super::Raw;
use crate::migration::Migration;
use crate::statement::split_statements;

/// Lints one file against `model`, then records what it does there (every file feeds the
/// model, linted or not).
pub(super) fn lint(m: &Migration, model: &mut Model) -> Vec<Raw> {
    let stmts: Vec<Stmt> = split_statements(&m.sql)
        .iter()
        .map(|s| parse(&words(s.text, s.offset)))
        .collect();
    let mut found = Vec::new();
    // Whether foreign keys are off at this point of the file.
    let mut foreign_keys_off = false;
    for (i, stmt) in stmts.iter().enumerate() {
        let before = &stmts[..i];
        // A table this file created (or renamed a new table to, or emptied) holds no rows.
        let new = |table: &str| {
            before.iter().any(|s| match s {
                Stmt::CreateTable { name, .. } => name == table,
                Stmt::RenameTable { to, .. } => to == table,
                Stmt::Emptied { table: emptied } => emptied == table,
                _ => false,
            })
        };
        match stmt {
            Stmt::ForeignKeys { on } => foreign_keys_off = !on,
            Stmt::AddColumn { at, table, column } if !new(table) => {
                add_column(*at, table, column, &mut found);
            }
            Stmt::DropColumn { at, table, column } if !new(table) => found.push(Raw {
                rule: "drop-column",
                offset: *at,
                message: format!("drops column `{column}` of table `{table}`"),
            }),
            Stmt::RenameColumn {
                at,
                table,
                column,
                to,
            } if !new(table) => found.push(Raw {
                rule: "rename-column",
                offset: *at,
                message: format!("renames column `{column}` of table `{table}` to `{to}`"),
            }),
            Stmt::RenameTable { at, table, to } if !new(table) => found.push(Raw {
                rule: "rename-table",
                offset: *at,
                message: format!("renames table `{table}` to `{to}`"),
            }),
            Stmt::DropTable { at, table } if !new(table) => {
                let after = &stmts[i + 1..];
                let rebuilt_from = after.iter().find_map(|s| match s {
                    Stmt::RenameTable { table: from, to, .. } if to == table => Some(Some(from)),
                    Stmt::CreateTable { name, .. } if name == table => Some(None),
                    _ => None,
                });
                match rebuilt_from {
                    None => found.push(Raw {
                        rule: "drop-table",
                        offset: *at,
                        message: format!("drops table `{table}`"),
                    }),
                    Some(from) => rebuild(
                        m,
                        *at,
                        table,
                        from,
                        (before, foreign_keys_off),
                        model,
                        &mut found,
                    ),
                }
            }
            Stmt::CreateIndex { at, table } if !new(table) => found.push(Raw {
                rule: "index-on-existing-table",
                offset: *at,
                message: format!(
                    "builds an index on table `{table}`, which an earlier migration created and may hold many rows"
                ),
            }),
            _ => {}
        }
        model.apply(stmt);
    }
    found
}

/// A `DROP TABLE` at `at` that a later statement of the file undoes by creating `table` again
/// (`from` is the table renamed to it, if so): the rebuild SQLite's `ALTER TABLE` page
/// describes.
fn rebuild(
    m: &Migration,
    at: usize,
    table: &str,
    from: Option<&String>,
    (before, foreign_keys_off): (&[Stmt], bool),
    model: &Model,
    found: &mut Vec<Raw>,
) {
    // Outside a transaction the pragma takes effect; inside one, SQLite ignores it.
    let handled = foreign_keys_off && m.no_transaction();
    if !handled && model.referenced_by_others(table) {
        let ignored = if foreign_keys_off {
            " (the `PRAGMA foreign_keys = OFF` above is ignored inside the migration's transaction)"
        } else {
            ""
        };
        found.push(Raw {
            rule: "rebuild-with-foreign-keys-on",
            offset: at,
            message: format!(
                "rebuilds table `{table}`, which other tables reference, with foreign keys on{ignored}: dropping it deletes its rows first, and their `ON DELETE` actions run"
            ),
        });
    }
    if let Some(from) = from {
        adds_not_null(table, from, before, model, found);
    }
}

/// The forms of `ADD COLUMN` SQLite refuses on a table that has rows.
fn add_column(at: usize, table: &str, column: &ColumnDef, found: &mut Vec<Raw>) {
    let name = &column.name;
    let mut push = |rule: &'static str, message: String| {
        found.push(Raw {
            rule,
            offset: at,
            message,
        })
    };
    if column.primary_or_unique {
        push(
            "add-column-primary-key-or-unique",
            format!(
                "adds column `{name}` to table `{table}` as a `PRIMARY KEY` or `UNIQUE` column"
            ),
        );
    }
    if column.stored {
        push(
            "add-column-stored-generated",
            format!("adds the `STORED` generated column `{name}` to table `{table}`"),
        );
    }
    if column.generated {
        return;
    }
    if column.default == ColumnDefault::NonConstant {
        push(
            "add-column-non-constant-default",
            format!(
                "adds column `{name}` to table `{table}` with a default that is not a constant"
            ),
        );
    }
    if column.not_null && matches!(column.default, ColumnDefault::None | ColumnDefault::Null) {
        push(
            "add-column-not-null-without-default",
            format!("adds column `{name}` to table `{table}` as `NOT NULL` without a default"),
        );
    }
    if column.references.is_some()
        && matches!(
            column.default,
            ColumnDefault::Constant | ColumnDefault::NonConstant
        )
    {
        push(
            "add-column-references-with-default",
            format!("adds column `{name}` to table `{table}` with `REFERENCES` and a default other than `NULL`"),
        );
    }
}

/// A rebuild of `table` from `from` (a table the file created): each column `NOT NULL` in the
/// new table that allowed `NULL` in the old one, unless the file fills it first (an `UPDATE` of
/// the old table) or copies with `coalesce`/`ifnull`.
fn adds_not_null(table: &str, from: &str, before: &[Stmt], model: &Model, found: &mut Vec<Raw>) {
    let filled = before.iter().any(|s| match s {
        Stmt::Update { table: updated } => updated == table,
        Stmt::Insert {
            table: into,
            coalesce,
        } => into == from && *coalesce,
        _ => false,
    });
    if filled {
        return;
    }
    let created = before.iter().rev().find_map(|s| match s {
        Stmt::CreateTable {
            name,
            columns: Some(columns),
            ..
        } if name == from => Some(columns),
        _ => None,
    });
    for column in created.into_iter().flatten() {
        if column.not_null && model.allows_null(table, &column.name) {
            found.push(Raw {
                rule: "rebuild-adds-not-null",
                offset: column.at,
                message: format!(
                    "the rebuild of table `{table}` makes column `{}` `NOT NULL`, which allowed `NULL` before",
                    column.name
                ),
            });
        }
    }
}
