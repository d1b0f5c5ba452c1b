//! The run: what to apply, what to refuse, and in which order, whatever the database.

use crate::backend::{ApplyError, Backend, Context, Step, TableNames};
use crate::engine::locked;
use crate::report::{AppliedMigration, EventKind, HistoryEvent, Report, StatusEntry};
use crate::tracking::records::Write;
use crate::tracking::state::ModuleState;
#[cfg(feature = "postgres")]
use crate::LockMode;
use crate::{MigrateError, Migration, Migrations};
use futures_util::future::BoxFuture;
use std::time::{Duration, Instant};
use tracing::{debug, info, info_span, warn, Instrument};

/// A database to migrate: `&SqlitePool` or `&PgPool` turn into one with `.into()`, so every
/// method takes either pool as it is.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum DbPool<'p> {
    /// An SQLite pool.
    #[cfg(feature = "sqlite")]
    Sqlite(&'p sqlx::SqlitePool),
    /// A PostgreSQL pool.
    #[cfg(feature = "postgres")]
    Postgres(&'p sqlx::PgPool),
}

#[cfg(feature = "postgres")]
impl<'p> From<&'p sqlx::PgPool> for DbPool<'p> {
    fn from(pool: &'p sqlx::PgPool) -> Self {
        DbPool::Postgres(pool)
    }
}

#[cfg(feature = "sqlite")]
impl<'p> From<&'p sqlx::SqlitePool> for DbPool<'p> {
    fn from(pool: &'p sqlx::SqlitePool) -> Self {
        DbPool::Sqlite(pool)
    }
}

/// Runs `$body` with `$b` bound to the backend of `$pool`.
macro_rules! with_backend_impl {
    ($self:ident, $pool:expr, $ctx:expr, |$b:ident| $body:expr) => {
        match $pool {
            #[cfg(feature = "sqlite")]
            DbPool::Sqlite(pool) => {
                // Before anything runs: an option SQLite has no use for is refused, not ignored.
                $self.refuse_postgres_options()?;
                let mut $b = crate::backend::sqlite::SqliteBackend::new(pool, $ctx);
                $body
            }
            #[cfg(feature = "postgres")]
            DbPool::Postgres(pool) => {
                let mut $b =
                    crate::backend::postgres::PgBackend::new(pool, $ctx, $self.pg_settings());
                $body
            }
        }
    };
}
pub(crate) use with_backend_impl as with_backend;

/// The options of a run. Made by [`Migrations::migrator`]; [`Migrations::run`] is
/// `migrator().run(pool)` with the defaults.
#[derive(Debug, Clone)]
pub struct Migrator<'m> {
    pub(crate) migrations: &'m Migrations,
    pub(crate) module: String,
    pub(crate) tables: TableNames,
    pub(crate) applied_by: Option<String>,
    pub(crate) all_or_nothing: bool,
    pub(crate) allow_out_of_order: bool,
    pub(crate) ignore_missing: bool,
    pub(crate) ignore_other_tools: bool,
    pub(crate) adopt_other_tools: bool,
    pub(crate) lock_timeout: Duration,
    pub(crate) statement_timeout: Option<Duration>,
    pub(crate) table_lock_timeout: Option<Duration>,
    pub(crate) target: Option<i64>,
    pub(crate) always_validate: bool,
    pub(crate) schema_check: crate::introspect::SchemaCheck,
    /// The run with the schema check around it, set by [`Migrator::schema_check`]: reached
    /// through this pointer only, so that a binary whose code never turns the check on does
    /// not carry the schema reading it needs.
    pub(crate) boot_check: Option<crate::introspect::BootCheck>,
    /// The table prefixes of the other modules sharing the database (a registry's, see
    /// [`Modules::migrator`](crate::Modules::migrator)): their objects are not this module's
    /// in a comparison or a dump of the live schema.
    pub(crate) other_prefixes: Vec<&'static str>,
    /// The sets this one builds on (a registry's core modules before it, see
    /// [`Modules::migrator`](crate::Modules::migrator)), applied first wherever the set is
    /// applied to a database of its own to read the schema it makes.
    pub(crate) builds_on: Vec<&'m Migrations>,
    /// `None` unless set, so that setting it on an SQLite pool can be refused.
    #[cfg(feature = "postgres")]
    pub(crate) lock_mode: Option<LockMode>,
}

impl Migrations {
    /// A migrator over this set with the default options, to change before running.
    pub fn migrator(&self) -> Migrator<'_> {
        Migrator {
            migrations: self,
            module: self.module().to_owned(),
            tables: TableNames::default(),
            applied_by: None,
            all_or_nothing: false,
            allow_out_of_order: false,
            ignore_missing: false,
            ignore_other_tools: false,
            adopt_other_tools: true,
            lock_timeout: Duration::from_secs(60),
            statement_timeout: None,
            table_lock_timeout: None,
            target: None,
            always_validate: false,
            schema_check: crate::introspect::SchemaCheck::Off,
            boot_check: None,
            other_prefixes: Vec::new(),
            builds_on: Vec::new(),
            #[cfg(feature = "postgres")]
            lock_mode: None,
        }
    }

    /// Applies every pending migration, each in its own transaction; see [`Migrator::run`].
    pub async fn run<'p>(&self, pool: impl Into<DbPool<'p>>) -> Result<Report, MigrateError> {
        self.run_on(pool.into()).await
    }

    /// The body of [`Self::run`], compiled once in this crate rather than in every caller.
    fn run_on<'a>(&'a self, pool: DbPool<'a>) -> BoxFuture<'a, Result<Report, MigrateError>> {
        Box::pin(async move { self.migrator().run_on(pool).await })
    }

    /// Where every migration stands; see [`Migrator::status`].
    pub async fn status<'p>(
        &self,
        pool: impl Into<DbPool<'p>>,
    ) -> Result<Vec<StatusEntry>, MigrateError> {
        self.migrator().status(pool).await
    }

    /// Every recorded event; see [`Migrator::history`].
    pub async fn history<'p>(
        &self,
        pool: impl Into<DbPool<'p>>,
    ) -> Result<Vec<HistoryEvent>, MigrateError> {
        self.migrator().history(pool).await
    }
}

impl<'m> Migrator<'m> {
    /// The module (migration set) this run works on: the one the macro named
    /// (`module = "…"`), `default` when it named none. Several sets can share one database,
    /// each with its own versions.
    pub fn module(mut self, module: impl Into<String>) -> Self {
        self.module = module.into();
        self
    }

    /// The module this migrator works on.
    pub fn module_name(&self) -> &str {
        &self.module
    }

    /// The tracking tables this migrator reads and writes.
    pub fn tracking_tables(&self) -> &TableNames {
        &self.tables
    }

    /// The migration set this migrator works on.
    pub fn migrations(&self) -> &'m Migrations {
        self.migrations
    }

    /// The tracking tables' names (default `_schema_migrations`, `_schema_history`,
    /// `_schema_modules`).
    pub fn table_names(mut self, tables: TableNames) -> Self {
        self.tables = tables;
        self
    }

    /// Who is recorded as applying (default `user@host` of the process).
    pub fn applied_by(mut self, who: impl Into<String>) -> Self {
        self.applied_by = Some(who.into());
        self
    }

    /// Applies every pending migration in one transaction: all or none of them. Much faster
    /// for many migrations (one commit), and refused when a pending migration is
    /// `-- no-transaction`.
    pub fn all_or_nothing(mut self) -> Self {
        self.all_or_nothing = true;
        self
    }

    /// Applies a pending migration whose version sorts before an applied one instead of
    /// refusing (e.g. after merging a branch).
    pub fn allow_out_of_order(mut self) -> Self {
        self.allow_out_of_order = true;
        self
    }

    /// Does not refuse when the database has migrations applied that this binary does not
    /// embed (e.g. an older replica booting while a newer one has migrated).
    pub fn ignore_missing(mut self) -> Self {
        self.ignore_missing = true;
        self
    }

    /// Whether a run adopts the history of sqlx (`_sqlx_migrations`), diesel
    /// (`__diesel_schema_migrations`) or refinery (`refinery_schema_history`) when the module
    /// has no migration recorded and that table holds rows (default: yes). The run checks each
    /// migration the tool recorded against the embedded file (sqlx's SHA-384, refinery's
    /// SipHash; diesel keeps no checksum), records them with the tool's times and an `import`
    /// event each (the report's [`Report::adopted`](crate::Report::adopted)), then applies
    /// what is left. A migration the tool records as failed, a file that differs from what
    /// the tool applied, or a version this set lacks (unless `ignore_missing()`) is refused
    /// before anything is recorded.
    ///
    /// With `false`, or for golang-migrate's, goose's and Flyway's tables (import those with
    /// [`Migrator::import`]), such a run is refused before anything is applied
    /// ([`MigrateError::OtherToolHistory`]).
    pub fn adopt_other_tools(mut self, adopt: bool) -> Self {
        self.adopt_other_tools = adopt;
        self
    }

    /// Applies from the first migration even when the module has no migration recorded while
    /// another migration tool's history table holds rows, adopting nothing. Use this only when
    /// that table has nothing to do with these migrations (another application's table in a
    /// shared database); to adopt a history, let the run adopt it (see
    /// [`Migrator::adopt_other_tools`]), import it, or `baseline` instead.
    pub fn ignore_other_tools(mut self) -> Self {
        self.ignore_other_tools = true;
        self
    }

    /// How long to wait for another process's run to finish (default 60 s). On both databases;
    /// an SQLite database in memory takes no lock (only this process reaches it), so the wait
    /// never starts there.
    pub fn lock_timeout(mut self, wait: Duration) -> Self {
        self.lock_timeout = wait;
        self
    }

    /// PostgreSQL: the longest any statement of a migration may run (`statement_timeout`).
    /// Unset by default: the server's setting holds. SQLite has no such limit: on an SQLite
    /// pool every operation refuses it ([`MigrateError::UnsupportedOption`]) before anything
    /// runs.
    pub fn statement_timeout(mut self, limit: Duration) -> Self {
        self.statement_timeout = Some(limit);
        self
    }

    /// PostgreSQL: the longest a migration's statement may wait for a table lock that another
    /// session holds (`lock_timeout`), so that a migration stuck behind a long transaction
    /// fails instead of queueing every query of the application behind it. Unset by default.
    /// Refused on an SQLite pool ([`MigrateError::UnsupportedOption`]), which has no table
    /// locks to wait for.
    pub fn table_lock_timeout(mut self, limit: Duration) -> Self {
        self.table_lock_timeout = Some(limit);
        self
    }

    /// PostgreSQL: how processes keep from migrating at once. The default, a session lock on a
    /// connection of the pool held for the run, needs a real session; behind a transaction-pooling proxy
    /// (PgBouncer's `pool_mode = transaction`) use [`LockMode::Transaction`]. Refused on an
    /// SQLite pool ([`MigrateError::UnsupportedOption`]), which locks with a file beside the
    /// database.
    #[cfg(feature = "postgres")]
    pub fn lock_mode(mut self, mode: LockMode) -> Self {
        self.lock_mode = Some(mode);
        self
    }

    #[cfg(feature = "postgres")]
    pub(crate) fn pg_settings(&self) -> crate::backend::postgres::Settings {
        crate::backend::postgres::Settings {
            statement_timeout: self.statement_timeout,
            table_lock_timeout: self.table_lock_timeout,
            lock_mode: self.lock_mode.unwrap_or_default(),
        }
    }

    /// Validates the whole history against the set on every run, instead of stopping at the
    /// first query when the module's stored count and fingerprint say nothing is pending.
    /// That query trusts the tracking tables to be written only by this crate; with this
    /// option a row deleted or changed by hand is noticed (the deleted migration is applied
    /// again). `schema up` runs this way; a boot pays one read of every applied row.
    pub fn always_validate(mut self) -> Self {
        self.always_validate = true;
        self
    }

    /// Applies up to and including `version`, and no further.
    pub fn target(mut self, version: i64) -> Self {
        self.target = Some(version);
        self
    }

    pub(crate) fn context(&self) -> Result<Context, MigrateError> {
        if let Some(name) = self.tables.invalid_name() {
            return Err(MigrateError::InvalidTableName {
                name: name.to_owned(),
            });
        }
        if self.module.trim().is_empty() {
            return Err(MigrateError::EmptyModule);
        }
        Ok(Context {
            module: self.module.clone(),
            prefix: self.migrations.prefix().map(str::to_owned),
            tables: self.tables.clone(),
            applied_by: self.applied_by.clone(),
        })
    }

    /// Applies what is pending: first one query asks whether anything is (a boot with nothing
    /// to do stops there, without any lock); otherwise it takes the lock, creates the tracking
    /// tables if missing, validates the whole history against the embedded set, and applies
    /// each pending migration in its own transaction with its tracking rows. The lock is
    /// released on every path.
    ///
    /// A module with nothing recorded, on a database where sqlx's, diesel's or refinery's
    /// history table holds rows, adopts that history first, under the lock (see
    /// [`Migrator::adopt_other_tools`]); beside another tool's table it is refused before
    /// anything is applied ([`MigrateError::OtherToolHistory`]). So is a pool of several
    /// connections to a private in-memory SQLite database ([`MigrateError::PrivateInMemory`]).
    ///
    /// ### Warning
    ///
    /// A `-- no-transaction` migration that fails part-way leaves the statements before the
    /// failing one applied; it is recorded as failed and later runs refuse until it is
    /// resumed with [`Migrator::resume`] or resolved by hand and marked so with
    /// [`Migrator::repair`].
    pub async fn run<'p>(&self, pool: impl Into<DbPool<'p>>) -> Result<Report, MigrateError> {
        self.run_on(pool.into()).await
    }

    /// The body of [`Self::run`], compiled once in this crate rather than in every caller.
    pub(crate) fn run_on<'a>(
        &'a self,
        pool: DbPool<'a>,
    ) -> BoxFuture<'a, Result<Report, MigrateError>> {
        Box::pin(async move {
            let ctx = self.context()?;
            let span = info_span!("migrate", module = %self.module);
            let run = Box::pin(async move {
                with_backend!(self, pool, ctx, |b| self
                    .run_with(&mut b)
                    .instrument(span)
                    .await)
            });
            match self.boot_check {
                Some(checked) => checked(self, pool, run).await,
                None => run.await,
            }
        })
    }

    async fn run_with<B: Backend>(&self, b: &mut B) -> Result<Report, MigrateError> {
        let started = Instant::now();
        self.migrations.warn_if_stale();
        let expected = self.migrations.applying_count();
        if self.target.is_none() && !self.always_validate {
            let embedded = ModuleState::Clean {
                applied_count: expected as i64,
                fingerprint: self.migrations.fingerprint().into(),
            };
            if b.probe().await? == Some(embedded) {
                debug!(applied = expected, "nothing to apply");
                return Ok(Report {
                    module: self.module.clone(),
                    already_applied: expected,
                    up_to_date_at_boot: true,
                    elapsed: started.elapsed(),
                    ..Report::default()
                });
            }
        }
        debug!(
            wait_at_most_ms = self.lock_timeout.as_millis() as u64,
            "taking the migration lock"
        );
        locked(b, self.lock_timeout, async |b| {
            info!(
                waited_ms = started.elapsed().as_millis() as u64,
                "took the migration lock"
            );
            self.run_locked(b, started).await
        })
        .await
    }

    pub(crate) async fn run_locked<B: Backend>(
        &self,
        b: &mut B,
        started: Instant,
    ) -> Result<Report, MigrateError> {
        // Read again now that nobody else can write: a peer may have created the tables,
        // applied migrations or stopped part-way while this run waited for the lock.
        let mut probed = b.probe().await?;
        let applied = b.applied().await?;
        let (plan, adoption) = self.plan_adopting(b, &applied).await?;
        if self.all_or_nothing {
            if let Some(m) = plan.pending.iter().find(|m| m.no_transaction()) {
                return Err(MigrateError::NoTransactionInAllOrNothing {
                    version: m.version,
                    file: m.path.to_owned(),
                });
            }
        }
        // Only once nothing is refused: a refused run leaves the database as it found it.
        b.ensure_tables().await?;
        info!(
            applied = plan.applied,
            pending = plan.pending.len(),
            "validated the history against the embedded migrations"
        );
        let mut report = Report {
            module: self.module.clone(),
            already_applied: plan.applied,
            ..Report::default()
        };
        if let Some(adoption) = adoption {
            report.adopted = self.record_adoption(b, adoption, &plan).await?;
            probed = Some(plan.state);
        }
        let steps = plan.steps();
        // Nothing to apply, yet the first query did not find the module row as expected (a
        // run stopped part-way, or a migration was applied out of order): set it right so
        // that the next boot stops at that query again.
        if steps.is_empty() && probed != Some(plan.state) {
            b.write(&[Write::Module(plan.state)]).await?;
        }
        if self.all_or_nothing && !steps.is_empty() {
            let durations = match b.apply_in_transaction(&steps).await {
                Ok(durations) => durations,
                Err(e) => {
                    let outcome = "every migration of this run was rolled back, none was applied";
                    return Err(self.fail(b, e, &steps, outcome, false).await);
                }
            };
            for (step, duration) in steps.iter().zip(durations) {
                match duration {
                    Some(duration) => report
                        .applied
                        .push(applied_migration(step.migration, duration)),
                    None => report.already_applied += 1,
                }
            }
        } else {
            for step in &steps {
                let m = step.migration;
                let span = info_span!("migration", version = m.version, file = m.path);
                let one = std::slice::from_ref(step);
                let outcome = async {
                    if m.no_transaction() {
                        b.apply_without_transaction(step, None).await
                    } else {
                        let durations = b.apply_in_transaction(one).await?;
                        Ok(durations.into_iter().next().flatten())
                    }
                }
                .instrument(span)
                .await;
                match outcome {
                    Ok(None) => {
                        debug!(version = m.version, "applied by another process meanwhile");
                        report.already_applied += 1;
                    }
                    Ok(Some(duration)) => {
                        info!(
                            version = m.version,
                            file = m.path,
                            duration_ms = duration.as_millis() as u64,
                            "applied"
                        );
                        report.applied.push(applied_migration(m, duration));
                    }
                    Err(e) => {
                        let outcome = if m.no_transaction() {
                            "it ran outside a transaction, so the statements before the failing one stay applied; it is recorded as failed"
                        } else {
                            "the migration was rolled back, nothing of it was applied"
                        };
                        let error = self.fail(b, e, one, outcome, m.no_transaction()).await;
                        return Err(error.after(&report.applied));
                    }
                }
            }
        }
        report.elapsed = started.elapsed();
        Ok(report)
    }

    /// Records a failed apply in the history and turns it into the user's error.
    pub(crate) async fn fail<B: Backend>(
        &self,
        b: &mut B,
        error: ApplyError,
        steps: &[Step],
        outcome: &str,
        marks_failed: bool,
    ) -> MigrateError {
        let failure = match error {
            ApplyError::Other(e) => return e,
            ApplyError::Commit { step, source } => {
                let Some(m) = steps.get(step).or(steps.last()).map(|s| s.migration) else {
                    return MigrateError::db("committing a migration")(source);
                };
                warn!(version = m.version, file = m.path, error = %source, "migration failed at COMMIT");
                let detail = format!("COMMIT failed after every statement ran: {source}");
                record_failure(b, m, detail, false).await;
                return MigrateError::CommitFailed {
                    version: m.version,
                    file: m.path.to_owned(),
                    source,
                    outcome: outcome.to_owned(),
                    applied_before: Vec::new(),
                };
            }
            ApplyError::LeftOpen {
                statements_done,
                statements_total,
            } => {
                let m = steps[0].migration;
                warn!(
                    version = m.version,
                    file = m.path,
                    "migration left a transaction open"
                );
                let progress = match statements_done {
                    Some(done) => format!("{done} of {statements_total} statements stand"),
                    None => format!(
                        "of its {statements_total} statements, those before that transaction stand"
                    ),
                };
                let detail =
                    format!("left a transaction open at its end; it was rolled back ({progress})");
                let error = MigrateError::TransactionLeftOpen {
                    version: m.version,
                    file: m.path.to_owned(),
                    progress,
                    applied_before: Vec::new(),
                };
                record_failure(b, m, detail, true).await;
                return error;
            }
            ApplyError::Statement(failure) => failure,
        };
        let m = steps[failure.step.min(steps.len() - 1)].migration;
        warn!(version = m.version, file = m.path, statement = failure.statement, error = %failure.source, "migration failed");
        record_failure(b, m, failure.detail(), marks_failed).await;
        let code = failure
            .source
            .as_database_error()
            .and_then(|d| d.code())
            .map(|c| c.into_owned());
        // Say which limit stopped it, so that nobody hunts for a bug in the SQL.
        let outcome = match code.as_deref() {
            // Without a limit of the run's own, the server's setting (an `ALTER DATABASE ... SET`,
            // the role's, postgresql.conf) stopped it: no zero duration to blame.
            Some("55P03") => match self.table_lock_timeout {
                Some(limit) => format!("it waited longer than the table lock timeout ({limit:?}) for a lock another session holds; {outcome}"),
                None => format!("it could not get a lock another session holds: the `lock_timeout` of the server, database or role ran out (this run set none; see `table_lock_timeout()`), or a `NOWAIT` refused to wait; {outcome}"),
            },
            Some("57014") => match self.statement_timeout {
                Some(limit) => format!("it was cancelled, by the statement timeout ({limit:?}) or by an operator; {outcome}"),
                None => format!("it was cancelled, by the `statement_timeout` of the server, database or role (this run set none; see `statement_timeout()`) or by an operator; {outcome}"),
            },
            Some("57P01") => format!("the server terminated the connection; {outcome}"),
            _ => outcome.to_owned(),
        };
        // Only a statement run outside a transaction leaves something behind.
        let leftover = if marks_failed {
            self.leftover(b, m, failure.statement).await
        } else {
            None
        };
        let outcome = match leftover {
            Some(leftover) => format!("{leftover}; {outcome}"),
            None => outcome,
        };
        let outcome = if failure.own_transaction_rolled_back {
            format!("the transaction the file had opened (its `BEGIN`, or on SQLite a `SAVEPOINT` taken outside one) was still open and was rolled back, so what it ran after opening it is undone; {outcome}")
        } else {
            outcome
        };
        MigrateError::Failed {
            version: m.version,
            file: m.path.to_owned(),
            statement: failure.statement,
            line: failure.line,
            column: failure.column,
            source: failure.source,
            outcome,
            applied_before: Vec::new(),
        }
    }
}

/// Records a failure of `m` in the history; `marks_failed` also marks its row failed and the
/// module state dirty (a `-- no-transaction` file that stopped part-way), so that the next run
/// looks closer and refuses until it is resolved. A failure to record is logged: the error the
/// user gets is the migration's.
async fn record_failure<B: Backend>(
    b: &mut B,
    m: &'static Migration,
    detail: String,
    marks_failed: bool,
) {
    let mut writes = vec![Write::Event {
        m,
        kind: EventKind::Failure,
        duration_ms: None,
        detail: Some(detail.clone()),
        at: None,
    }];
    if marks_failed {
        writes.push(Write::Failed {
            version: m.version,
            detail,
        });
        writes.push(Write::Module(ModuleState::Dirty));
    }
    if let Err(record_error) = b.write(&writes).await {
        warn!(error = %record_error, "could not record the failure in the history");
    }
}

pub(crate) fn applied_migration(m: &Migration, duration: Duration) -> AppliedMigration {
    AppliedMigration {
        version: m.version,
        repeatable: m.is_repeatable(),
        description: m.description.to_owned(),
        duration,
    }
}
