//! One module per database, behind one trait. The run's logic (what to apply, what to refuse)
//! lives in `migrator.rs`; a backend only knows how to talk to its database.

mod call;
pub(crate) mod leftover;
#[cfg(feature = "postgres")]
pub(crate) mod postgres;
pub(crate) mod progress;

pub(crate) use call::{
    run_counted, statement_failure, statements, ApplyError, ApplyFailure, CallShape, Culprit,
};
#[cfg(feature = "sqlite")]
pub(crate) mod sqlite;

use crate::report::{EventKind, HistoryEvent};
use crate::tracking::other::{decode_row, OtherQuery, Value};
use crate::tracking::records::{self, Millis, Syntax, Target, Write};
use crate::tracking::state::{ModuleState, Status};
use crate::{Checksum, MigrateError, Migration};
use std::time::Duration;

/// Names of the tracking tables, checked to be plain identifiers (optionally `schema.table`)
/// so that they can be written into SQL without quoting surprises.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableNames {
    /// Applied migrations, one row per module and version.
    pub migrations: String,
    /// The append-only history of events.
    pub history: String,
    /// One row per module: how many migrations are applied and their fingerprint.
    pub modules: String,
}

impl Default for TableNames {
    fn default() -> Self {
        TableNames::with_prefix("_schema")
    }
}

impl TableNames {
    /// `{prefix}_migrations`, `{prefix}_history` and `{prefix}_modules`.
    pub fn with_prefix(prefix: &str) -> Self {
        TableNames {
            migrations: format!("{prefix}_migrations"),
            history: format!("{prefix}_history"),
            modules: format!("{prefix}_modules"),
        }
    }

    /// The first name that is not `[A-Za-z_][A-Za-z0-9_]*`, optionally with one `schema.` part.
    pub(crate) fn invalid_name(&self) -> Option<&str> {
        [&self.migrations, &self.history, &self.modules]
            .into_iter()
            .find(|name| !is_identifier_path(name))
            .map(String::as_str)
    }
}

pub(crate) fn is_identifier_path(name: &str) -> bool {
    let parts: Vec<&str> = name.split('.').collect();
    parts.len() <= 2
        && parts.iter().all(|part| {
            part.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

/// What a run needs to know besides the migrations.
#[derive(Debug, Clone)]
pub(crate) struct Context {
    pub module: String,
    /// The table prefix the set is confined to, recorded in the module row so that tools
    /// that do not have the set (`schema diff` of another module) know what is its.
    pub prefix: Option<String>,
    pub tables: TableNames,
    /// Who is recorded as applying, when set; `user@host` of the process otherwise.
    pub applied_by: Option<String>,
}

impl Context {
    /// Who is recorded as applying. Looked up only when something is recorded, so that a
    /// boot with nothing to do reads nothing but its one row.
    pub(crate) fn applied_by(&self) -> &str {
        match &self.applied_by {
            Some(who) => who,
            None => whoami(),
        }
    }
}

/// `user@host` of this process, for `applied_by`; looked up once per process.
pub(crate) fn whoami() -> &'static str {
    static WHO: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    WHO.get_or_init(lookup_user_and_host)
}

fn lookup_user_and_host() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".to_owned());
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".to_owned());
    format!("{user}@{host}")
}

impl Context {
    /// Where the records of this run go: the quoted tracking tables `[migrations, history,
    /// modules]`, spelled with `syntax`.
    pub(crate) fn target<'a>(&'a self, tables: [&'a str; 3], syntax: Syntax) -> Target<'a> {
        let [migrations, history, modules] = tables;
        Target {
            migrations,
            history,
            modules,
            module: &self.module,
            prefix: self.prefix.as_deref(),
            applied_by: self.applied_by(),
            syntax,
        }
    }
}

/// A row of the migrations table.
#[derive(Debug, Clone)]
pub(crate) struct AppliedRow {
    pub version: i64,
    pub description: String,
    pub checksum: Checksum,
    pub loose_checksum: Option<Checksum>,
    pub applied_at: String,
    pub duration_ms: i64,
    pub status: Status,
    pub statements_done: i64,
    pub statements_total: i64,
    pub error: Option<String>,
}

impl AppliedRow {
    /// Whether the row says the migration needs a person: `failed`, `running`, or a status
    /// this crate never writes (a row edited by hand), which is not trusted as applied.
    pub(crate) fn needs_repair(&self) -> bool {
        !self.status.is_applied()
    }
}

/// The columns of the backends' `applied()` query, in order. Both databases decode them into the
/// same tuple, and [`AppliedRow::from`] does the rest once.
pub(crate) type AppliedColumns = (
    i64,
    String,
    String,
    Option<String>,
    String,
    i64,
    String,
    i64,
    i64,
    Option<String>,
);

impl From<AppliedColumns> for AppliedRow {
    fn from(c: AppliedColumns) -> Self {
        AppliedRow {
            version: c.0,
            description: c.1,
            // A checksum that is not 64 hex characters matches no file: reported as modified,
            // and not as differing only in white space, whatever the loose checksum says.
            checksum: Checksum::from_hex(&c.2).unwrap_or(Checksum([0; 32])),
            loose_checksum: c
                .3
                .as_deref()
                .and_then(Checksum::from_hex)
                .filter(|_| Checksum::from_hex(&c.2).is_some()),
            applied_at: c.4,
            duration_ms: c.5,
            status: Status::parse(&c.6),
            statements_done: c.7,
            statements_total: c.8,
            error: c.9,
        }
    }
}

/// The columns of the backends' `history()` query, in order.
pub(crate) type HistoryColumns = (
    i64,
    String,
    i64,
    String,
    String,
    Option<String>,
    String,
    String,
    Option<i64>,
    Option<String>,
);

/// A history event from its columns; `None` for an event kind this version does not know.
pub(crate) fn history_event(c: HistoryColumns) -> Option<HistoryEvent> {
    Some(HistoryEvent {
        id: c.0,
        module: c.1,
        version: c.2,
        repeatable: schema_core::is_repeatable_key(c.2),
        description: c.3,
        event: EventKind::parse(&c.4)?,
        checksum: c.5.as_deref().and_then(Checksum::from_hex),
        at: c.6,
        by: c.7,
        duration_ms: c.8,
        detail: c.9,
    })
}

/// The rows a store read from its tracking table `table` (a missing table reads as none),
/// decoded into column tuples `C` and turned into `T`s; `doing` names the read in an error.
pub(crate) fn decoded<R, C, T>(
    rows: Result<Vec<R>, sqlx::Error>,
    missing_table: fn(&sqlx::Error) -> bool,
    table: &str,
    doing: &'static str,
    into: impl Fn(C) -> Option<T>,
) -> Result<Vec<T>, MigrateError>
where
    R: sqlx::Row,
    C: for<'r> sqlx::FromRow<'r, R>,
{
    let rows = match rows {
        Ok(rows) => rows,
        Err(e) if missing_table(&e) => return Ok(Vec::new()),
        Err(e) => return Err(MigrateError::reading(table, doing)(e)),
    };
    let columns: Vec<C> = decode(&rows).map_err(MigrateError::db(doing))?;
    Ok(columns.into_iter().filter_map(into).collect())
}

/// Decodes rows into column tuples, from either database.
pub(crate) fn decode<R: sqlx::Row, T: for<'r> sqlx::FromRow<'r, R>>(
    rows: &[R],
) -> Result<Vec<T>, sqlx::Error> {
    rows.iter().map(T::from_row).collect()
}

/// The rows a store read for `query` from another tool's table (`None` when there is no such
/// table), decoded; a column the table lacks means it is not laid out as that tool lays it out.
pub(crate) fn other_rows<R>(
    rows: Result<Vec<R>, sqlx::Error>,
    missing_table: fn(&sqlx::Error) -> bool,
    query: &OtherQuery<'_>,
) -> Result<Option<Vec<Vec<Value>>>, MigrateError>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Vec<u8>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let reading = || format!("reading `{}`", query.table);
    let rows = match rows {
        Ok(rows) => rows,
        Err(e) if missing_table(&e) => return Ok(None),
        Err(e) => {
            let missing_column = e.as_database_error().and_then(|d| {
                let column = d.message().starts_with("no such column")
                    || d.code().as_deref() == Some("42703");
                column.then(|| d.message().to_owned())
            });
            return Err(match missing_column {
                Some(detail) => MigrateError::OtherTableLayout {
                    tool: query.tool.to_owned(),
                    table: query.table.to_owned(),
                    detail,
                    source: e,
                },
                None => MigrateError::db(reading())(e),
            });
        }
    };
    rows.iter()
        .map(|row| decode_row(row, query.reads()))
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
        .map_err(MigrateError::db(reading()))
}

/// The module row's two columns; values that do not decode (a row edited by hand) read as
/// dirty, a state no set matches: the run then validates the whole history and writes the row
/// anew.
pub(crate) fn read_module<'r, R>(row: &'r R) -> ModuleState
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let count: Option<i64> = row.try_get(0).ok();
    let fingerprint: Option<String> = row.try_get(1).ok();
    ModuleState::from_columns(count, fingerprint.as_deref())
}

/// A row of the modules table as a registry reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ModuleRow {
    pub module: String,
    /// The role recorded, if a registry recorded one (a table created by an earlier version has
    /// no such column; a value this version does not know reads as none).
    pub role: Option<crate::ModuleRole>,
    /// Whether a registry recorded it active, if one did.
    pub active: Option<bool>,
    /// The table prefix its set is confined to, if a run recorded one (a table created by an
    /// earlier version has no such column).
    pub prefix: Option<String>,
}

/// The module rows a store read with `Target::select_modules` (a missing table reads as
/// none), by column name, so that a table laid out by an earlier version reads too.
pub(crate) fn module_rows<R>(
    rows: Result<Vec<R>, sqlx::Error>,
    missing_table: fn(&sqlx::Error) -> bool,
    table: &str,
) -> Result<Vec<ModuleRow>, MigrateError>
where
    R: sqlx::Row,
    for<'n> &'n str: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> bool: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let rows = match rows {
        Ok(rows) => rows,
        Err(e) if missing_table(&e) => return Ok(Vec::new()),
        Err(e) => return Err(MigrateError::reading(table, "reading the modules")(e)),
    };
    rows.iter()
        .map(|row| {
            Ok(ModuleRow {
                module: row.try_get("module")?,
                role: row
                    .try_get::<Option<String>, _>("role")
                    .ok()
                    .flatten()
                    .and_then(|r| crate::ModuleRole::parse(&r)),
                active: row.try_get::<Option<bool>, _>("active").ok().flatten(),
                prefix: row
                    .try_get::<Option<String>, _>("prefix")
                    .ok()
                    .flatten()
                    .filter(|p| !p.is_empty()),
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map_err(MigrateError::reading(table, "reading the modules"))
}

/// One migration to apply (or, for a revert, the down to run).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Step {
    /// The file whose statements run.
    pub migration: &'static Migration,
    /// For a down: the migration it reverts.
    pub reverts: Option<&'static Migration>,
    /// The module state this step's transaction records, when it records one. The engine
    /// records it with the last step of a run only: one write per run instead of one per
    /// migration. A run that stops before it leaves the row stale, which makes the next boot
    /// look closer and set it right.
    pub module_after: Option<ModuleState>,
}

impl Step {
    /// A step that applies `migration`.
    pub(crate) fn apply(migration: &'static Migration, module_after: Option<ModuleState>) -> Self {
        Step {
            migration,
            reverts: None,
            module_after,
        }
    }

    /// What recording this step writes once its statements (`statements` of them) ran in
    /// `duration`: decided by the engine, the same on every database.
    pub(crate) fn records(&self, duration: Millis, statements: usize) -> Vec<Write> {
        match self.reverts {
            None => records::applied(self.migration, self.module_after, duration, statements),
            Some(up) => {
                let ms = match duration {
                    Millis::Known(ms) => ms,
                    Millis::Expr(_) => 0,
                };
                records::reverted(up, self.migration, self.module_after, ms)
            }
        }
    }
}

/// What recording `steps` (applied in one transaction, each after its own statements ran in
/// the duration and number `done` gives) writes: their rows, their `apply` events in one
/// statement, and the last step's module state. Only SQLite's store records a batch this way.
#[cfg(feature = "sqlite")]
pub(crate) fn batch_records(steps: &[Step], done: &[(Millis, usize)]) -> Vec<Write> {
    let mut writes: Vec<Write> = steps
        .iter()
        .zip(done)
        .map(|(step, (duration, statements))| Write::Applied {
            m: step.migration,
            status: Status::Applied,
            duration: duration.clone(),
            statements: *statements,
            // A repeatable migration applied again replaces the row of its last apply.
            replace: step.migration.is_repeatable(),
            applied_at: None,
        })
        .collect();
    writes.push(Write::ApplyEvents {
        versions: steps.iter().map(|s| s.migration.version).collect(),
    });
    writes.extend(steps.last().and_then(|s| s.module_after).map(Write::Module));
    writes
}

/// Milliseconds of a measured duration, as the tracking tables hold them.
pub(crate) fn millis(duration: Duration) -> Millis {
    Millis::Known(i64::try_from(duration.as_millis()).unwrap_or(i64::MAX))
}

/// What a database offers the engine: a store locks, reads the tracking tables, runs a
/// migration's statements, and writes the records the engine decided ([`Write`]), rendered by
/// [`records`] in its [`Syntax`](records::Syntax). It decides nothing else. Each method says
/// what it must guarantee.
pub(crate) trait Backend {
    /// The module row: `None` when the tables or the row do not exist. A run reads it first
    /// without the lock (a boot with nothing to do stops there), then again under it.
    async fn probe(&mut self) -> Result<Option<ModuleState>, MigrateError>;

    /// Whether a `running` row may belong to a live process even while this run holds what
    /// `lock` gives (PostgreSQL's transaction lock mode, where `lock` takes nothing).
    fn running_may_be_live(&self) -> bool {
        false
    }

    /// Whether another process holds the migration lock now (so a `running` row is being
    /// applied, not left by a process that died). Takes nothing.
    async fn run_in_progress(&mut self) -> Result<bool, MigrateError>;

    /// Takes the migration lock, waiting at most `wait`. Released by `unlock`, and by the
    /// process ending or the backend being dropped, whatever happens in between.
    async fn lock(&mut self, wait: Duration) -> Result<(), MigrateError>;

    /// Releases the lock taken by `lock`; does nothing when none is held.
    async fn unlock(&mut self) -> Result<(), MigrateError>;

    /// Makes sure the tracking tables exist before the next write: created now, or (when the
    /// store's probe found them missing) in the transaction of its next write.
    async fn ensure_tables(&mut self) -> Result<(), MigrateError>;

    /// Every row of the module in the migrations table, by version.
    async fn applied(&mut self) -> Result<Vec<AppliedRow>, MigrateError>;

    /// Every history event of the module, oldest first.
    async fn history(&mut self) -> Result<Vec<HistoryEvent>, MigrateError>;

    /// Every row of the modules table (every module's, not only this run's), by name: a table
    /// an earlier version created reads too (see [`module_rows`]).
    async fn modules(&mut self) -> Result<Vec<ModuleRow>, MigrateError>;

    /// Writes `writes` in one transaction, under the lock.
    async fn write(&mut self, writes: &[Write]) -> Result<(), MigrateError>;

    /// Writes an adoption's `writes` like [`Backend::write`], unless the module already has a
    /// row for version `first`: another process adopted the same history since this one read
    /// it, which only a lock taken per transaction (PostgreSQL's `LockMode::Transaction`)
    /// lets happen. Whether it wrote them.
    async fn write_adoption(&mut self, writes: &[Write], first: i64) -> Result<bool, MigrateError> {
        let _ = first;
        self.write(writes).await.map(|()| true)
    }

    /// Applies `steps` in one transaction, each with [`Step::records`] in the same
    /// transaction. On failure nothing of any step is left behind. Returns each step's
    /// duration, or `None` for a step another process applied meanwhile (only possible in
    /// PostgreSQL's transaction lock mode).
    async fn apply_in_transaction(
        &mut self,
        steps: &[Step],
    ) -> Result<Vec<Option<Duration>>, ApplyError>;

    /// Runs a `-- no-transaction` migration statement by statement, recording its progress
    /// with each (see [`progress`]) so that a failure or a crash leaves a `failed`/`running`
    /// row saying exactly how far it got, or which statement may have run. `resume_after`:
    /// the row of an earlier attempt says that many statements ran; the rest are run.
    async fn apply_without_transaction(
        &mut self,
        step: &Step,
        resume_after: Option<usize>,
    ) -> Result<Option<Duration>, ApplyError>;

    /// Runs the down `step.migration` of `step.reverts` in one transaction together with
    /// [`Step::records`]. On failure nothing of it is left behind. A `-- no-transaction` down
    /// runs statement by statement outside a transaction, and only its records take one.
    async fn revert(&mut self, step: &Step) -> Result<Duration, ApplyError>;

    /// How many rows the table `table` (a plain name, resolved as an unqualified name in a
    /// query is) holds, or `None` when there is no such table.
    async fn count_rows(&mut self, table: &str) -> Result<Option<i64>, MigrateError>;

    /// The names of the columns of the table `table` (resolved as [`Backend::count_rows`]
    /// resolves it), in order, or `None` when there is no such table: whether a table of a name
    /// applications use too is another tool's history.
    async fn column_names(&mut self, table: &str) -> Result<Option<Vec<String>>, MigrateError>;

    /// The rows `query` selects from another tool's table (rendered by
    /// [`OtherQuery::sql`] in the store's [`Syntax`](records::Syntax) and decoded by
    /// [`other_rows`]), or `None` when there is no such table.
    async fn other_rows(
        &mut self,
        query: &OtherQuery<'_>,
    ) -> Result<Option<Vec<Vec<Value>>>, MigrateError>;

    /// Whether the index `name` (as a statement wrote it) exists and is invalid: what a failed
    /// `CREATE INDEX CONCURRENTLY` leaves on PostgreSQL. Other databases have no such thing.
    async fn invalid_index(&mut self, _name: &str) -> Result<bool, MigrateError> {
        Ok(false)
    }
}
