//! What can go wrong when migrating, each variant carrying what the user needs to act.

use crate::Checksum;
use std::time::Duration;

/// A run, revert or inspection that could not be done. Nothing is left half-applied: every
/// variant says what state the database is in and what to do next.
///
/// # Messages
///
/// - The message (`Display`) says what went wrong, where (file, version, statement, line) and
///   what state that left, then `; ` and the way out, the text [`MigrateError::help`] returns:
///   a log line alone is enough to act on. A failing statement ([`MigrateError::Failed`],
///   [`MigrateError::CommitFailed`]) ends with the state the failure left instead, its way out
///   being in [`MigrateError::help`] only, as it is the same for every statement.
/// - The cause (the database's or the system's error) is never repeated in the message: it is
///   [`std::error::Error::source`]. Print the chain, e.g. `error: {message}` and then
///   `caused by: {source}` for each source.
/// - The way out names this crate's API (`repair(version)`, `ignore_missing()`), never a
///   command-line flag: a command built on this crate adds its own hints by matching the
///   variant.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MigrateError {
    /// A database call failed outside any migration's SQL.
    #[error("database error while {context}")]
    Database {
        /// What was being done.
        context: String,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
        /// What the run applied before this error, which stands; see
        /// [`MigrateError::applied_before`].
        applied_before: Vec<crate::AppliedMigration>,
    },
    /// An applied migration's file changed after it was applied.
    #[error("{file}: migration {version} was applied with checksum {applied} but the file now has checksum {embedded}{}; {}", if *whitespace_only { " (only white space or line endings differ)" } else { "" }, self.fix())]
    ChecksumMismatch {
        /// The version.
        version: i64,
        /// The embedded file.
        file: String,
        /// The checksum recorded when it was applied.
        applied: Checksum,
        /// The checksum of the embedded file.
        embedded: Checksum,
        /// Whether the two differ only in white space or line endings.
        whitespace_only: bool,
    },
    /// The database has a migration applied that this binary does not know.
    #[error("migration {version} (`{description}`) of module `{module}` is applied in the database but is not one of this set's migrations (embedded in this binary, or in the folder the command reads); {}", self.fix())]
    MissingMigration {
        /// The module.
        module: String,
        /// The version.
        version: i64,
        /// Its description as recorded.
        description: String,
    },
    /// A migration failed half-way earlier and was recorded as failed.
    #[error("{file}: migration {version} {}; {}", dirty_state(status, progress, error), self.fix())]
    Dirty {
        /// The version.
        version: i64,
        /// The embedded file, or the description when the file is not embedded.
        file: String,
        /// `failed`, or `running` for a process that died while applying it.
        status: String,
        /// How far it got, e.g. `2 of 5 statements ran`.
        progress: String,
        /// The recorded error.
        error: String,
    },
    /// A pending migration sorts before one that is already applied.
    #[error("{file}: migration {version} is pending but migration {newest_applied} is already applied, so it would run out of order; {}", self.fix())]
    OutOfOrder {
        /// The pending version.
        version: i64,
        /// Its file.
        file: String,
        /// The newest applied version.
        newest_applied: i64,
    },
    /// A statement of a migration failed. What the database said is the source.
    #[error(
        "{file}:{line}:{column}: statement {statement} of {} failed; {outcome}",
        migration(*version)
    )]
    Failed {
        /// The version.
        version: i64,
        /// The file.
        file: String,
        /// 1-based number of the failing statement.
        statement: usize,
        /// 1-based line of the failing statement in the file.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the database said.
        #[source]
        source: sqlx::Error,
        /// What state that left: rolled back, or recorded as failed.
        outcome: String,
        /// What the run applied (or, for a revert, reverted) before this migration failed,
        /// in order: it stands. See [`MigrateError::applied_before`].
        applied_before: Vec<crate::AppliedMigration>,
    },
    /// Every statement of a migration ran, and its transaction could not commit. What the
    /// database said is the source.
    #[error("{file}: {} could not commit after every statement ran; {outcome}", migration(*version))]
    CommitFailed {
        /// The version.
        version: i64,
        /// The file.
        file: String,
        /// What the database said.
        #[source]
        source: sqlx::Error,
        /// What state that left.
        outcome: String,
        /// What the run applied (or, for a revert, reverted) before this migration failed,
        /// in order: it stands. See [`MigrateError::applied_before`].
        applied_before: Vec<crate::AppliedMigration>,
    },
    /// A `-- no-transaction` migration ran every statement and left a transaction open.
    #[error("{file}: migration {version} left a transaction open at its end (a `BEGIN` or `SAVEPOINT` without its `COMMIT` or `RELEASE`): it was rolled back, so what the file ran after opening it is undone ({progress}); it is recorded as failed; {}", self.fix())]
    TransactionLeftOpen {
        /// The version.
        version: i64,
        /// The file.
        file: String,
        /// What stands, e.g. `1 of 3 statements stand`.
        progress: String,
        /// What the run applied (or, for a revert, reverted) before this migration failed,
        /// in order: it stands. See [`MigrateError::applied_before`].
        applied_before: Vec<crate::AppliedMigration>,
    },
    /// Another process held the migration lock for longer than the configured wait.
    #[error("waited {waited:.1?} for the migration lock, held by {holder}; another process is migrating this database; {}", self.fix())]
    LockTimeout {
        /// How long this process waited.
        waited: Duration,
        /// Who holds it, as far as the database can tell.
        holder: String,
        /// What the run applied before this error, which stands; see
        /// [`MigrateError::applied_before`].
        applied_before: Vec<crate::AppliedMigration>,
    },
    /// The lock could not be taken or released. What the system said is the source.
    #[error("cannot use the migration lock file `{path}`; {}", self.fix())]
    Lock {
        /// The lock file.
        path: String,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// An SQLite database in memory that every connection of the pool would see as a different,
    /// empty database.
    #[error("the SQLite database is in memory and private to each connection, and the pool can open {max_connections} connections: each other connection would see an empty database without the migrations; nothing was applied; {}", self.fix())]
    PrivateInMemory {
        /// How many connections the pool may open.
        max_connections: u32,
    },
    /// A version asked for (target, revert, repair, baseline) is not in the embedded set.
    #[error("migration {version} is not one of this set's migrations; {}", self.fix())]
    UnknownVersion {
        /// The version asked for.
        version: i64,
        /// The first embedded version, or 0.
        first: i64,
        /// The last embedded version, or 0.
        last: i64,
    },
    /// A tracking table that exists without the columns this crate writes: another tool's.
    /// The database's error, naming what is missing, is the source.
    #[error("the table `{table}` exists but is not one of this project's tracking tables; {}", self.fix())]
    ForeignTable {
        /// The table.
        table: String,
        /// What the database said is missing.
        detail: String,
        /// The database's error.
        #[source]
        source: sqlx::Error,
    },
    /// The module has nothing recorded, and another migration tool's history table holds
    /// rows: running every migration from the first could apply again what that tool applied.
    #[error("module `{module}` has no migration recorded, but `{table}` ({tool}'s history) holds {rows} row{}, so the database may already have these migrations and running them from the first could apply them twice; nothing was applied; {}", if *rows == 1 { "" } else { "s" }, self.fix())]
    OtherToolHistory {
        /// The module that has nothing recorded.
        module: String,
        /// The tool that keeps the table.
        tool: crate::OtherTool,
        /// The table, e.g. `_sqlx_migrations`.
        table: String,
        /// How many rows it holds.
        rows: i64,
    },
    /// A legacy versions table name that is not a plain identifier.
    #[error("table name `{name}` is not a plain identifier; {}", self.fix())]
    InvalidLegacyTable {
        /// The name given.
        name: String,
    },
    /// An empty module name.
    #[error("the module name is empty; {}", self.fix())]
    EmptyModule,
    /// A tracking table name that is not a plain identifier.
    #[error("tracking table name `{name}` is not a plain identifier; {}", self.fix())]
    InvalidTableName {
        /// The name given.
        name: String,
    },
    /// All-or-nothing mode with a pending `-- no-transaction` migration.
    #[error("{file}: migration {version} is `-- no-transaction`, so it cannot run inside the single transaction of `all_or_nothing()`; {}", self.fix())]
    NoTransactionInAllOrNothing {
        /// The version.
        version: i64,
        /// Its file.
        file: String,
    },
    /// A revert that would pass a forward-only migration.
    #[error("{file}: migration {version} is forward only (it has no down migration), so it cannot be reverted; nothing was reverted; {}", self.fix())]
    RevertForwardOnly {
        /// The version.
        version: i64,
        /// Its file.
        file: String,
    },
    /// An import of a table that does not exist.
    #[error("the database has no `{table}` table; nothing to import")]
    NoLegacyTable {
        /// The table asked for.
        table: String,
    },
    /// A legacy versions table holds a value that is not a whole number.
    #[error("`{table}` lists the version {value}, which is not a whole number, so no migration file here can have it; nothing was imported; {}", self.fix())]
    LegacyVersionNotWhole {
        /// The table asked for.
        table: String,
        /// The value as the database gave it, or `NULL`.
        value: String,
    },
    /// Another tool records a migration as failed or not completed.
    #[error("`{table}` records migration {version} as not completed ({state}): {tool} stopped part-way through it; nothing was recorded; {}", self.fix())]
    OtherFailedRow {
        /// The tool.
        tool: crate::OtherTool,
        /// Its table.
        table: String,
        /// The version.
        version: i64,
        /// What the row says, e.g. ``` `success` is false ```.
        state: String,
    },
    /// Another tool applied a migration whose file has changed since: its checksum differs.
    #[error("{file}: {tool} applied migration {version} with another content than this file (its {checksum} checksum in `{table}` differs); nothing was recorded; {}", self.fix())]
    OtherChecksumMismatch {
        /// The tool.
        tool: crate::OtherTool,
        /// Its table.
        table: String,
        /// The version.
        version: i64,
        /// The embedded file.
        file: String,
        /// The tool's checksum, e.g. `SHA-384`.
        checksum: &'static str,
    },
    /// A row of another tool's table that says nothing this set can use.
    #[error(
        "`{table}` ({tool}'s history) holds {row}, which {reason}; nothing was recorded; {way_out}"
    )]
    OtherRowUnusable {
        /// The tool.
        tool: crate::OtherTool,
        /// Its table.
        table: String,
        /// The row, e.g. ``the version `1.1` ``.
        row: String,
        /// What is wrong with it.
        reason: String,
        /// The way out, as [`MigrateError::help`] gives it.
        way_out: String,
    },
    /// Another tool's table lacks a column that tool writes. The database's error, naming the
    /// column, is the source.
    #[error("the table `{table}` lacks a column {tool} writes in its history, so it is not {tool}'s as {tool} lays it out; nothing was recorded; {}", self.fix())]
    OtherTableLayout {
        /// The tool.
        tool: String,
        /// The table.
        table: String,
        /// What the database said is missing.
        detail: String,
        /// The database's error.
        #[source]
        source: sqlx::Error,
    },
    /// A status in a table of versions that says neither applied nor not applied.
    #[error("`{table}` holds the status {value} in `{column}`, which says neither applied nor not applied; nothing was imported; {}", self.fix())]
    UnknownStatus {
        /// The table.
        table: String,
        /// The status column.
        column: String,
        /// The value, or `NULL`.
        value: String,
    },
    /// An option of an [`Import`](crate::Import) that the kind of table imported has no use
    /// for, refused rather than ignored.
    #[error("`{option}` does not apply to the history of {tool}; nothing was imported; {}", self.fix())]
    ImportOption {
        /// The option, e.g. `status_column()`.
        option: &'static str,
        /// What is imported.
        tool: String,
    },
    /// `resume` found no migration recorded as failed or interrupted.
    #[error(
        "no migration of module `{module}` is recorded as failed or interrupted; nothing to resume"
    )]
    NothingToResume {
        /// The module.
        module: String,
    },
    /// `resume` on a failed migration it cannot resume.
    #[error("{file}: migration {version} cannot be resumed: {reason}")]
    NotResumable {
        /// The version.
        version: i64,
        /// The file, or the description when the file is not in this set.
        file: String,
        /// Why, with the way out.
        reason: String,
    },
    /// `resume` or `repair` of a migration whose file changed since it failed.
    #[error("{file}: migration {version} failed with checksum {recorded} but the file now has checksum {embedded}: it was edited since; {}", self.fix())]
    EditedSinceFailure {
        /// The version.
        version: i64,
        /// The embedded file.
        file: String,
        /// The checksum recorded when it ran.
        recorded: Checksum,
        /// The checksum of the embedded file.
        embedded: Checksum,
    },
    /// `resume` of a migration whose progress does not say whether a statement ran.
    #[error("{file}: statement {statement} of migration {version} may have run: it was started outside a transaction and the process stopped before recording its end; {}", self.fix())]
    StatementInDoubt {
        /// The version.
        version: i64,
        /// The file.
        file: String,
        /// The statement (1-based).
        statement: usize,
    },
    /// A leftover of a failed statement that running it again would trip on.
    #[error("{file}: {leftover}")]
    Leftover {
        /// The version.
        version: i64,
        /// The file.
        file: String,
        /// What was left and how to remove it.
        leftover: String,
    },
    /// In transaction lock mode, a migration changed a connection setting that could not be set
    /// back before its transaction committed: the transaction was rolled back.
    #[error("{file}: migration {version} changed the connection setting {settings}, which could not be set back before its transaction committed; behind a transaction-pooling proxy the server connection serves other clients next, so the transaction was rolled back and nothing of it is applied; {}", self.fix())]
    SettingNotSetBack {
        /// The version (the last one of the transaction).
        version: i64,
        /// The file, or the files of the transaction.
        file: String,
        /// The settings, each in backticks, or why they could not be compared.
        settings: String,
    },
    /// `repair` on a migration that is not recorded as failed.
    #[error("migration {version} is not recorded as failed (it is {state}); `repair` only resolves failed migrations")]
    NotFailed {
        /// The version.
        version: i64,
        /// What it is instead.
        state: String,
    },
    /// A module name that is not one of the registry's.
    #[error("no module is called `{module}`; {}", self.fix())]
    UnknownModule {
        /// The name asked for.
        module: String,
        /// The registry's modules, in order.
        known: Vec<String>,
    },
    /// Two registrations of one module name.
    #[error("module `{module}` is registered twice, at {first} and at {second}; {}", self.fix())]
    DuplicateModule {
        /// The name.
        module: String,
        /// Where it was registered first (`src/calendar.rs:12`, or its place in a list).
        first: String,
        /// Where it was registered again.
        second: String,
    },
    /// An operation on plugins asked of a core module.
    #[error("module `{module}` is a core module, which every boot applies, so it cannot be {action}; nothing was changed; {}", self.fix())]
    CoreModule {
        /// The module.
        module: String,
        /// What was asked: `activated`, `deactivated` or `removed`.
        action: &'static str,
    },
    /// Removing a plugin one of whose applied migrations has no down file: refused before
    /// anything is reverted.
    #[error("{file}: module `{module}` cannot be removed: its migration {version} is applied and has no down file, so its data cannot be taken out; nothing was reverted; {}", self.fix())]
    ModuleNotRemovable {
        /// The module.
        module: String,
        /// The applied version without a down.
        version: i64,
        /// Its file.
        file: String,
    },
    /// An option of the [`Migrator`](crate::Migrator) that does not apply to the pool's
    /// database, refused before anything runs rather than ignored.
    #[error("`{option}` applies to {applies_to} only, and the pool is {database}'s; nothing was run; {}", self.fix())]
    UnsupportedOption {
        /// The option, as the builder method is called, e.g. `statement_timeout()`.
        option: &'static str,
        /// The database it applies to, e.g. `PostgreSQL`.
        applies_to: &'static str,
        /// The pool's database, e.g. `SQLite`.
        database: &'static str,
    },
    /// A comparison of a PostgreSQL database's schema with the migrations', without a dev
    /// database to apply the migrations to.
    #[error("the schema the migrations make on PostgreSQL is read from a scratch database they are applied to, and no dev database was given; nothing was compared; {}", self.fix())]
    NoDevDatabase,
    /// The live schema of the module changed since its migrations were last applied, under
    /// [`SchemaCheck::Refuse`](crate::introspect::SchemaCheck::Refuse).
    #[error("the schema of module `{module}` changed since its migrations were last applied: {}; nothing was applied; {}", objects.join(", "), self.fix())]
    SchemaChanged {
        /// The module.
        module: String,
        /// Each object that changed: `changed table `items``, `extra index `x``, `missing view
        /// `v``.
        objects: Vec<String>,
    },
}

/// The names of a registry's modules, for [`MigrateError::UnknownModule`].
pub(super) fn known_modules(known: &[String]) -> String {
    if known.is_empty() {
        return "none is (a set is registered with `register!`)".to_owned();
    }
    known
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `migration 3`, or for a repeatable migration (whose version is a key, not a number anyone
/// wrote) `the repeatable migration`: the file named beside it says which.
fn migration(version: i64) -> String {
    if schema_core::is_repeatable_key(version) {
        "the repeatable migration".to_owned()
    } else {
        format!("migration {version}")
    }
}

impl MigrateError {
    /// [`MigrateError::help`] for the messages that end with it.
    fn fix(&self) -> String {
        self.help().unwrap_or_default()
    }

    pub(crate) fn db(context: impl Into<String>) -> impl FnOnce(sqlx::Error) -> MigrateError {
        let context = context.into();
        move |source| MigrateError::Database {
            context,
            source,
            applied_before: Vec::new(),
        }
    }

    /// [`MigrateError::db`] for a read of the tracking table `table`: a column it lacks means
    /// the table is someone else's.
    pub(crate) fn reading<'t>(
        table: &'t str,
        context: &'static str,
    ) -> impl FnOnce(sqlx::Error) -> MigrateError + 't {
        move |source| {
            let missing_column = source.as_database_error().is_some_and(|d| {
                d.message().starts_with("no such column") || d.code().as_deref() == Some("42703")
            });
            if missing_column {
                let detail = source
                    .as_database_error()
                    .map(|d| d.message().to_owned())
                    .unwrap_or_default();
                return MigrateError::ForeignTable {
                    table: table.to_owned(),
                    detail,
                    source,
                };
            }
            MigrateError::db(context)(source)
        }
    }
}

impl MigrateError {
    /// The partial report of a run that failed after applying something (`Failed`,
    /// `CommitFailed`, `TransactionLeftOpen`, and a `Database` error or a `LockTimeout` met
    /// while applying): what it applied before (a revert: what it reverted; a resume: the
    /// resumed file first), which stands, in order. Other errors do not carry it: they are
    /// refusals, made before anything is applied except after a resume's file.
    pub fn applied_before(&self) -> &[crate::AppliedMigration] {
        match self {
            MigrateError::Failed { applied_before, .. }
            | MigrateError::CommitFailed { applied_before, .. }
            | MigrateError::TransactionLeftOpen { applied_before, .. }
            | MigrateError::Database { applied_before, .. }
            | MigrateError::LockTimeout { applied_before, .. } => applied_before,
            _ => &[],
        }
    }

    /// This error with `done` added in front of what it says the run did before it, where the
    /// error carries that.
    pub(crate) fn after(mut self, done: &[crate::AppliedMigration]) -> Self {
        if let MigrateError::Failed { applied_before, .. }
        | MigrateError::CommitFailed { applied_before, .. }
        | MigrateError::TransactionLeftOpen { applied_before, .. }
        | MigrateError::Database { applied_before, .. }
        | MigrateError::LockTimeout { applied_before, .. } = &mut self
        {
            applied_before.splice(0..0, done.iter().cloned());
        }
        self
    }
}

mod help;
#[cfg(test)]
mod tests;

use help::dirty_state;
