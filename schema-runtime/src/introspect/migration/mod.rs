//! A migration that removes drift: SQL that turns one schema into another, written for
//! PostgreSQL or SQLite, as a reversible pair (the down is the reverse change, rendered the
//! same way).
//!
//! What to change is decided once ([`plan`]); each database writes it its own way
//! ([`postgres`]: `ALTER TABLE` for columns, keys, checks and foreign keys, `ALTER TYPE` for
//! enums, `ALTER SEQUENCE`; [`sqlite`]: `ALTER TABLE ADD/DROP COLUMN` where SQLite allows it,
//! and otherwise its 12-step table rebuild, in a `-- no-transaction` file with the foreign keys
//! turned off around it). A change that discards values is preceded by a `-- DATA LOSS:`
//! comment in the file.

mod plan;
mod postgres;
mod sqlite;

use super::model::Schema;
use schema_core::Dialect;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Which way the written migration goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// The up turns the live schema into the expected one (the migrations' schema): it undoes
    /// the drift, on the drifted database only.
    ToExpected,
    /// The up turns the expected schema into the live one: it records the change made by
    /// hand as a migration of the chain.
    FromLive,
}

/// The SQL of one half of a fix migration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Script {
    /// The file's content: statements, each ending with `;`, and comments.
    pub sql: String,
    /// Whether the file starts with `-- no-transaction` (an SQLite table rebuild, which turns
    /// the foreign keys off and opens its own transaction).
    pub no_transaction: bool,
    /// Whether some statement discards values (a dropped table or column, a narrowed type, a
    /// removed enum label); each is preceded by a `-- DATA LOSS:` comment.
    pub loses_data: bool,
}

/// A reversible fix: the up and the down.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixMigration {
    /// What turns the source schema into the target one.
    pub up: Script,
    /// What turns it back.
    pub down: Script,
}

/// The `CREATE` statements a database stores for its objects (SQLite's `sqlite_master.sql`),
/// by kind (`table`, `index`, `view`, `trigger`) and name in lower case. A rebuilt table or a
/// recreated object is written from them when known, so that it reads back exactly as it was
/// written (what the build check compares a down with); empty on PostgreSQL, whose objects are
/// written from the model.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Definitions(pub BTreeMap<(String, String), String>);

impl Definitions {
    /// The stored statement of the object `kind` named `name`.
    pub fn get(&self, kind: &str, name: &str) -> Option<&str> {
        self.0
            .get(&(kind.to_owned(), name.to_ascii_lowercase()))
            .map(String::as_str)
    }
}

/// A schema with the statements that made it.
#[derive(Debug, Clone, Copy)]
pub struct Side<'a> {
    /// The schema.
    pub schema: &'a Schema,
    /// Its objects' stored statements (SQLite), or none.
    pub definitions: &'a Definitions,
}

/// The migration that turns `live` into `expected` ([`Direction::ToExpected`]) or `expected`
/// into `live` ([`Direction::FromLive`]), for `dialect`'s database; the down is the reverse.
pub fn fix_migration(
    expected: Side<'_>,
    live: Side<'_>,
    direction: Direction,
    dialect: Dialect,
) -> FixMigration {
    let (from, to) = match direction {
        Direction::ToExpected => (live, expected),
        Direction::FromLive => (expected, live),
    };
    FixMigration {
        up: render(from, to, dialect),
        down: render(to, from, dialect),
    }
}

/// The SQL that turns `from` into `to`.
pub fn render(from: Side<'_>, to: Side<'_>, dialect: Dialect) -> Script {
    let plan = plan::Plan::new(from.schema, to.schema);
    let mut out = Out::default();
    match dialect {
        Dialect::Postgres => postgres::render(plan, &mut out),
        _ => sqlite::render(plan, to.definitions, &mut out),
    }
    out.finish()
}

/// The statements being written.
#[derive(Default)]
pub(crate) struct Out {
    lines: Vec<String>,
    statements: usize,
    no_transaction: bool,
    loses_data: bool,
}

impl Out {
    /// A statement; `;` is added.
    pub fn sql(&mut self, statement: impl AsRef<str>) {
        self.lines
            .push(format!("{};", statement.as_ref().trim_end()));
        self.statements += 1;
    }

    /// A comment line.
    pub fn note(&mut self, text: impl AsRef<str>) {
        self.lines.push(format!("-- {}", text.as_ref()));
    }

    /// A comment that says what values the next statement discards.
    pub fn loss(&mut self, text: impl AsRef<str>) {
        self.loses_data = true;
        self.note(format!("DATA LOSS: {}", text.as_ref()));
    }

    /// A blank line between groups of statements.
    pub fn gap(&mut self) {
        if self.lines.last().is_some_and(|l| !l.is_empty()) {
            self.lines.push(String::new());
        }
    }

    fn finish(self) -> Script {
        let mut sql = String::new();
        if self.no_transaction {
            sql.push_str("-- no-transaction\n");
        }
        if self.statements == 0 {
            sql.push_str("-- Nothing to change: both schemas are the same.\n");
        }
        for line in &self.lines {
            sql.push_str(line);
            sql.push('\n');
        }
        while sql.ends_with("\n\n") {
            sql.pop();
        }
        Script {
            sql,
            no_transaction: self.no_transaction,
            loses_data: self.loses_data,
        }
    }
}
