//! What the check reports without failing the build: problems in old migrations, and a down
//! that restores every column but not their order.

use crate::check::OldMigrations;
use crate::diagnostic::Location;
use crate::error::Error;

/// A problem [`check`](crate::check) found that does not fail the build: the macro shows it
/// as a compiler warning, and `schema verify` prints it as a note.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Warning {
    /// A problem in an old migration (see [`OldMigrations`]): it would be an error in a new
    /// one. An old migration has run where it matters, and its down will likely never run.
    #[error("{problem}\nnote: a warning, not an error: {}", why_old(*.old, *.version))]
    InOldMigration {
        /// The problem, as it is reported for a new migration.
        problem: Error,
        /// The migration's version.
        version: i64,
        /// The line between old and new it fell on.
        old: OldMigrations,
    },
    /// A down that restores every table as it was except for the order of some columns: SQLite
    /// adds a column at the end of its table (`ALTER TABLE … ADD COLUMN` has no position), so a
    /// down that adds back a column the up dropped cannot do otherwise without rebuilding the
    /// table. Only `SELECT *` and inserts without a column list see the difference.
    #[error("{down}: reverting `{up}` restores {} with the columns in another order (a column added back goes at the end of its table); this is a warning, not an error: rebuild the table in the down if code reads its columns by position", tables.iter().map(|t| format!("table `{t}`")).collect::<Vec<_>>().join(", "))]
    ColumnOrder {
        /// The up file.
        up: String,
        /// The down file.
        down: String,
        /// The tables whose columns come back in another order.
        tables: Vec<String>,
    },
    /// A `PRAGMA foreign_keys = …` in a file that runs in the migration's transaction: SQLite
    /// ignores it there without a word, so foreign keys stay as the connection has them. The
    /// file runs (sqlx ran such files for years), so it is not an error, but the pragma does
    /// not do what it says.
    #[error("{at}: `PRAGMA foreign_keys` has no effect here: this file runs in the migration's transaction, and SQLite ignores the pragma inside a transaction, so foreign keys stay as the connection has them (sqlx turns them on) and a `DROP TABLE` may cascade; this is a warning, not an error: to make it take effect, put `-- no-transaction` at the top of the file (the `PRAGMA` first, then its own `BEGIN` … `COMMIT`, then the `PRAGMA` that turns them back on), or remove it\n{snippet}")]
    PragmaIgnoredInTransaction {
        /// Where the pragma is.
        at: Location,
        /// The pragma's line with a caret under it.
        snippet: String,
    },
    /// Nothing tells cargo to rebuild the crate when a migration is added to the folder (see
    /// [`unwatched`](crate::unwatched)): the new file would be left out of the binary.
    #[error("{}", not_watched(dir, *build_script))]
    NotWatched {
        /// The folder, as the macro call names it.
        dir: String,
        /// Whether the crate has a build script (that does not list the folder).
        build_script: bool,
    },
}

impl Warning {
    /// The file the warning is about, as shown in messages.
    pub fn file(&self) -> Option<&str> {
        match self {
            Warning::InOldMigration { problem, .. } => problem.file(),
            Warning::ColumnOrder { down, .. } => Some(down),
            Warning::PragmaIgnoredInTransaction { at, .. } => Some(&at.file),
            Warning::NotWatched { .. } => None,
        }
    }
}

/// Why migration `version` counts as old, for [`Warning::InOldMigration`].
fn why_old(old: OldMigrations, version: i64) -> String {
    match old {
        OldMigrations::UpTo(last) => {
            format!("migration {version} is old, at or before `old = {last}`")
        }
        // Only downs are old by default, and every one but the newest migration's.
        _ => format!(
            "migration {version} is not the newest, and only the newest migration's down \
             fails the build unless `old = <version>` says where old migrations end"
        ),
    }
}

/// The message of [`Warning::NotWatched`], with the one line that fixes it.
fn not_watched(dir: &str, build_script: bool) -> String {
    let line = format!("println!(\"cargo:rerun-if-changed={dir}\");");
    let (why, fix) = if build_script {
        (
            "the crate's build script does not tell cargo to watch it",
            format!("add `{line}` to the `main` of the build script"),
        )
    } else {
        (
            "the crate has no build script to tell cargo to watch it",
            format!("add a `build.rs` beside `Cargo.toml` containing `fn main() {{ {line} }}` (or `schema_runtime::build::rerun_if_migrations_change(\"{dir}\")` with `schema-runtime` as a build dependency)"),
        )
    };
    format!(
        "`{dir}` is not watched: {why}, so a migration file added to it is not embedded until something else rebuilds the crate (an edit to an embedded file does rebuild it); this is a warning, not an error: {fix}"
    )
}
