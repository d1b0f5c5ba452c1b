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
        /// The tool that keeps the table, e.g. `sqlx`.
        tool: String,
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
    /// `import_sqlx` on a database without `_sqlx_migrations`.
    #[error("the database has no `_sqlx_migrations` table; nothing to import")]
    NoSqlxTable,
    /// A legacy versions table that does not exist.
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
    /// sqlx recorded a migration as failed.
    #[error("`_sqlx_migrations` records migration {version} as failed (success = false); {}", self.fix())]
    SqlxFailed {
        /// The version.
        version: i64,
    },
    /// sqlx's checksum of a migration differs from the file's.
    #[error("{file}: sqlx applied migration {version} with another content than this file (its SHA-384 checksum differs); {}", self.fix())]
    SqlxChecksumMismatch {
        /// The version.
        version: i64,
        /// The embedded file.
        file: String,
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

/// What a [`MigrateError::Dirty`] row says: a failure, or a process that stopped part-way.
fn dirty_state(status: &str, progress: &str, error: &str) -> String {
    if status == crate::tracking::state::Status::Running.as_str() {
        format!("was being applied by a process that stopped before it finished, and is recorded as running ({progress})")
    } else {
        format!("failed earlier and is recorded as {status} ({progress}): {error}")
    }
}

impl MigrateError {
    /// The way out: what to do so that the operation succeeds, naming this crate's API
    /// (`repair(version)`, `ignore_missing()`, ...), for a program that shows it apart from
    /// the message (the message ends with the same text after `; `, see [`MigrateError`]).
    ///
    /// `None` when the way out depends only on the cause ([`MigrateError::Database`]), is
    /// part of the variant's data ([`MigrateError::NotResumable`]'s `reason`,
    /// [`MigrateError::Leftover`]), or there is nothing to do (nothing to import or resume).
    ///
    /// A `String`, not a `&'static str`: most ways out name the version, file or table of
    /// this error.
    pub fn help(&self) -> Option<String> {
        Some(match self {
            MigrateError::Database { .. }
            | MigrateError::NoSqlxTable
            | MigrateError::NoLegacyTable { .. }
            | MigrateError::NothingToResume { .. }
            | MigrateError::NotResumable { .. }
            | MigrateError::Leftover { .. }
            | MigrateError::NotFailed { .. } => return None,
            MigrateError::ChecksumMismatch { .. } => {
                "restore the file as it was applied; a new change belongs in a new migration".to_owned()
            }
            MigrateError::MissingMigration { .. } => "deploy a binary that has it, or allow it with `ignore_missing()`, e.g. while an older replica still runs".to_owned(),
            MigrateError::Dirty { version, .. } => format!("run the statements that did not complete with `resume()`, or check which of its statements took effect and finish or undo them by hand, then mark it resolved with `repair({version})`"),
            MigrateError::OutOfOrder { newest_applied, .. } => format!("give it a version after {newest_applied}, or allow it with `allow_out_of_order()`"),
            MigrateError::Failed { statement, line, version, .. } => format!("fix statement {statement} (line {line}) as the database's error says, then run again; a migration recorded as failed is then finished with `resume()`, or marked resolved with `repair({version})` once put right by hand"),
            MigrateError::CommitFailed { .. } => "a deferred constraint or trigger is checked at COMMIT: fix the file or the data it meets, then run again".to_owned(),
            MigrateError::TransactionLeftOpen { version, .. } => format!("end the transaction in the file, put the database right, then mark the migration resolved with `repair({version})`"),
            MigrateError::LockTimeout { .. } => "wait for it, or raise the wait with `lock_timeout()`".to_owned(),
            MigrateError::Lock { .. } => "check that the folder of the database is writable".to_owned(),
            MigrateError::PrivateInMemory { .. } => "name a shared in-memory database (`sqlite::memory:` as sqlx reads it, or `file:name?mode=memory&cache=shared`), or give the pool `max_connections(1)`".to_owned(),
            MigrateError::UnknownVersion { first, last, .. } => format!("give one of its versions, which run from {first} to {last}"),
            MigrateError::ForeignTable { .. } => "another tool may own it: give this project other tracking tables with `TableNames::with_prefix(..)`, or drop the table if nothing uses it".to_owned(),
            MigrateError::OtherToolHistory { table, .. } => format!("{}mark what the database already has with `baseline(version)`, or, when `{table}` has nothing to do with these migrations, run with `ignore_other_tools()`", import_hint(table)),
            MigrateError::InvalidLegacyTable { .. } => "give the table of versions to import as letters, digits and `_`, optionally after one `schema.`".to_owned(),
            MigrateError::EmptyModule => "name the module (the default is `default`)".to_owned(),
            MigrateError::InvalidTableName { .. } => "use letters, digits and `_`, optionally after one `schema.`".to_owned(),
            MigrateError::NoTransactionInAllOrNothing { .. } => "apply it in a run of its own, or drop `all_or_nothing()`".to_owned(),
            MigrateError::RevertForwardOnly { version, .. } => format!("revert to {version} or later, or add a `.down.sql`"),
            MigrateError::LegacyVersionNotWhole { .. } => "delete or fix that row (another tool's repeatable or dotted versions have no counterpart), then import again".to_owned(),
            MigrateError::SqlxFailed { .. } => "resolve it with sqlx first, or fix the database and delete that row, then import again".to_owned(),
            MigrateError::SqlxChecksumMismatch { .. } => "restore the file as sqlx applied it, then import again".to_owned(),
            MigrateError::EditedSinceFailure { .. } => "the statements that ran were the old file's, so compare the two, then allow it explicitly (`allow_edited()`)".to_owned(),
            MigrateError::StatementInDoubt { .. } => "check in the database whether it took effect, then say so (`statement_in_doubt(InDoubt::Ran)` or `InDoubt::DidNotRun`)".to_owned(),
            MigrateError::SettingNotSetBack { .. } => "change the setting with `SET LOCAL` (or `set_config(.., true)`), which ends with the transaction, or set it back at the end of the file".to_owned(),
            MigrateError::UnsupportedOption { option, database, .. } => format!("leave `{option}` out of the migrator for {database}"),
        })
    }

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

/// The import that adopts the history in `table`, as the start of the way out, where one can
/// read it.
fn import_hint(table: &str) -> String {
    match table {
        "_sqlx_migrations" => "adopt its history with `import_sqlx()`, or ".to_owned(),
        // Its versions are in `version_id`, and it keeps rows of rolled-back versions too.
        "goose_db_version" => String::new(),
        _ => format!("adopt its history with `import_versions_table(\"{table}\")`, or "),
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

#[cfg(test)]
mod tests;
