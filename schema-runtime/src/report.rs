//! What a run, `status` and `history` return.

use crate::Checksum;
use std::fmt;
use std::time::Duration;

/// What one run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Report {
    /// The module the run worked on (`default` unless set).
    pub module: String,
    /// The migrations this run applied, in order, with how long each took.
    pub applied: Vec<AppliedMigration>,
    /// The migrations this run reverted, newest first, with how long each down took.
    pub reverted: Vec<AppliedMigration>,
    /// How many migrations were applied before this run.
    pub already_applied: usize,
    /// Whether the run found nothing to do with its first query and stopped there.
    pub up_to_date_at_boot: bool,
    /// The history of another tool this run adopted before applying anything (see
    /// [`Migrator::adopt_other_tools`](crate::Migrator::adopt_other_tools)); its migrations
    /// count in `already_applied`.
    pub adopted: Option<Adopted>,
    /// How long the whole run took, lock wait included.
    pub elapsed: Duration,
    /// After a revert that leaves no versioned migration applied: the descriptions of the
    /// repeatable migrations (`R__<description>.sql`) still recorded as applied, in version
    /// order. A repeatable migration has no down, so a revert leaves it (and its objects)
    /// alone; the next run applies it again only if its file changed.
    pub kept_repeatable: Vec<String>,
    /// What the check of the live schema found, when it is on
    /// ([`Migrator::schema_check`](crate::Migrator::schema_check)).
    pub schema_check: Option<crate::introspect::SchemaCheckOutcome>,
}

impl Report {
    /// Whether the run applied and reverted nothing.
    pub fn is_noop(&self) -> bool {
        self.applied.is_empty() && self.reverted.is_empty()
    }
}

/// Another tool's history recorded as this module's: by a run that adopted it, or by
/// [`Migrator::import`](crate::Migrator::import).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Adopted {
    /// The tool whose history it was.
    pub tool: crate::OtherTool,
    /// The table it was read from.
    pub table: String,
    /// The migrations recorded as applied, in apply order, with the times the tool recorded
    /// where its table keeps them.
    pub versions: Vec<i64>,
    /// The migrations recorded as `baseline`: covered by the tool's own baseline (Flyway's),
    /// so that they were never run.
    pub baseline: Vec<i64>,
    /// Rows left out, each described: Flyway's repeatable migrations, which have no version,
    /// and, under `ignore_missing()`, migrations this set does not have.
    pub skipped: Vec<String>,
}

/// One migration a run would apply, as a dry run reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PlannedMigration {
    /// The version (for a repeatable migration, its key: see [`PlannedMigration::repeatable`]).
    pub version: i64,
    /// Whether it is a repeatable migration (`R__<description>.sql`), applied after the
    /// versioned ones whenever it is new or changed. Its `version` is then a negative key
    /// derived from its description, never a real version.
    pub repeatable: bool,
    /// The description.
    pub description: String,
    /// The embedded file.
    pub file: String,
    /// The SQL it would run.
    pub sql: &'static str,
    /// Whether it would run outside a transaction.
    pub no_transaction: bool,
}

/// One migration a run applied (or reverted).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AppliedMigration {
    /// The version (for a repeatable migration, its key: see [`AppliedMigration::repeatable`]).
    pub version: i64,
    /// Whether it is a repeatable migration; its `version` is then a negative key derived from
    /// its description.
    pub repeatable: bool,
    /// The description.
    pub description: String,
    /// How long its SQL took.
    pub duration: Duration,
}

/// Where a migration stands, as `status` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MigrationState {
    /// Applied with the checksum of the embedded file.
    Applied,
    /// Embedded, not applied yet.
    Pending,
    /// Applied, but the embedded file's checksum differs.
    Modified,
    /// Applied in the database, not embedded in this binary.
    Missing,
    /// Recorded as failed (or as running by a process that died); needs `repair`.
    Failed,
    /// Marked applied by `baseline` without running.
    Baseline,
    /// A `-- no-transaction` migration another process is applying right now: its row says
    /// `running` and that process holds the migration lock.
    Running,
}

impl MigrationState {
    /// Lowercase name: `applied`, `pending`, `modified`, `missing`, `failed`, `baseline`, `running`.
    pub fn as_str(self) -> &'static str {
        match self {
            MigrationState::Applied => "applied",
            MigrationState::Pending => "pending",
            MigrationState::Modified => "modified",
            MigrationState::Missing => "missing",
            MigrationState::Failed => "failed",
            MigrationState::Running => "running",
            MigrationState::Baseline => "baseline",
        }
    }
}

impl fmt::Display for MigrationState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// One line of `status`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StatusEntry {
    /// The version (for a repeatable migration, its key: see [`StatusEntry::repeatable`]).
    pub version: i64,
    /// Whether it is a repeatable migration (`R__<description>.sql`); its `version` is then a
    /// negative key derived from its description. One that changed since it was applied is
    /// pending (the next run applies it again), not modified; one whose file is gone is
    /// missing, which no run refuses.
    pub repeatable: bool,
    /// The description, from the file or (for a missing one) as recorded.
    pub description: String,
    /// Where it stands.
    pub state: MigrationState,
    /// When it was applied (UTC, ISO 8601), if it was.
    pub applied_at: Option<String>,
    /// How long applying it took, if it was applied.
    pub duration_ms: Option<i64>,
    /// Whether it has a down migration.
    pub reversible: bool,
    /// Whether the file holds only comments and white space.
    pub noop: bool,
    /// Whether the file's SQL was checked at build time (false for `-- schema: no-check`
    /// files, sets embedded with `check = false`, and migrations missing from the binary).
    pub checked: bool,
    /// The embedded file, if it is embedded.
    pub file: Option<String>,
    /// The embedded file's checksum, if it is embedded.
    pub checksum: Option<Checksum>,
    /// The checksum recorded when it was applied, if it was.
    pub applied_checksum: Option<Checksum>,
    /// For a modified migration: whether the file differs from what was applied only in white
    /// space or line endings.
    pub whitespace_only: bool,
    /// For a failed migration: whether no statement failed, but its row says `running` while
    /// no run holds the migration lock: the process applying it stopped before it finished
    /// (killed, crashed, or its connection lost), and the row's progress says how far it got.
    pub interrupted: bool,
    /// For a failed or running `-- no-transaction` migration: how far it got.
    pub progress: Option<Progress>,
}

/// How far a `-- no-transaction` migration recorded as failed or running got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// How many of its statements are recorded as done; they ran and stand.
    pub done: usize,
    /// How many statements the file has.
    pub total: usize,
    /// The statement (1-based) that may have run without its end being recorded: it was
    /// started outside any transaction and the process stopped before recording how it ended.
    /// Check it in the database before finishing the migration.
    pub in_doubt: Option<usize>,
}

impl fmt::Display for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.total == 0 {
            return f.write_str("no statement ran");
        }
        write!(f, "{} of {} statements ran", self.done, self.total)?;
        match self.in_doubt {
            Some(n) => write!(f, ", and statement {n} may have run"),
            None => Ok(()),
        }
    }
}

/// What happened to a migration, as recorded in the history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// Applied.
    Apply,
    /// Failed; the detail holds the error.
    Failure,
    /// Reverted by its down migration.
    Revert,
    /// Marked applied without running.
    Baseline,
    /// A failed migration marked resolved by hand.
    Repair,
    /// Imported from another tool's table.
    Import,
}

impl EventKind {
    /// The name stored in the history table.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Apply => "apply",
            EventKind::Failure => "failure",
            EventKind::Revert => "revert",
            EventKind::Baseline => "baseline",
            EventKind::Repair => "repair",
            EventKind::Import => "import",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<EventKind> {
        [
            EventKind::Apply,
            EventKind::Failure,
            EventKind::Revert,
            EventKind::Baseline,
            EventKind::Repair,
            EventKind::Import,
        ]
        .into_iter()
        .find(|e| e.as_str() == s)
    }
}

/// One row of the append-only history.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HistoryEvent {
    /// Increasing id: the order events happened in.
    pub id: i64,
    /// The module.
    pub module: String,
    /// The version (for a repeatable migration, its key: see [`HistoryEvent::repeatable`]).
    pub version: i64,
    /// Whether the event is a repeatable migration's; its `version` is then a negative key
    /// derived from its description.
    pub repeatable: bool,
    /// The description.
    pub description: String,
    /// What happened.
    pub event: EventKind,
    /// The checksum of the file involved.
    pub checksum: Option<Checksum>,
    /// When (UTC, ISO 8601).
    pub at: String,
    /// Who: `user@host` of the process, or what `applied_by()` set.
    pub by: String,
    /// How long it took, where that applies.
    pub duration_ms: Option<i64>,
    /// The error of a failure, or a note.
    pub detail: Option<String>,
}
