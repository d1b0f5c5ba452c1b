//! PostgreSQL: tracking tables in the first schema of the search path (or the one named), a
//! session advisory lock held on a connection of the pool for the whole run, and one
//! transaction per migration.

use super::{
    decoded, history_event, millis, read_module, statements, AppliedColumns, AppliedRow,
    ApplyError, ApplyFailure, Backend, Context, Step,
};
use crate::report::HistoryEvent;
use crate::tracking::records::Write;
use crate::tracking::state::ModuleState;
use crate::{MigrateError, Migration};
use sqlx::postgres::{PgConnection, PgPool};
use sqlx::{Executor, Row};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

mod batch;
mod connection;
mod control;
mod history_ops;
mod lock;
mod progress;
mod record;
mod session;
mod tables;
mod xact;

use connection::Conn;
use session::{Session, Snapshot};

use crate::LockMode;
use xact::{begin_locked, Claim};

pub(crate) struct PgBackend<'p> {
    pool: &'p PgPool,
    /// The pool connection that holds the advisory lock (session lock mode); every statement of
    /// the run goes through it, so that a pool of one connection is enough. Dropped before the
    /// run releases it, it is closed, which releases the lock even when the run panics or its
    /// future is dropped.
    dedicated: Option<Session>,
    /// The server process of the dedicated connection, to end it if the run is dropped.
    dedicated_pid: Option<i32>,
    /// The settings the dedicated connection was lent with, put back before it is returned.
    lent: Option<Snapshot>,
    /// The settings each migration starts from: the lent ones with the run's timeouts (in
    /// transaction lock mode, read once per run on the first connection that applies).
    working: Option<Snapshot>,
    /// A setting a migration changed could not be set back: the connection is closed instead
    /// of returned to the pool.
    unclean: AtomicBool,
    /// Whether unqualified tracking table names were qualified with their schema.
    resolved: bool,
    lock_key: Option<i64>,
    /// How long to wait for the lock; in transaction mode, for each transaction's lock.
    lock_wait: Duration,
    settings: Settings,
    ctx: Context,
    m: String,
    h: String,
    modules: String,
}

/// The limits and lock mode of the run's session.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Settings {
    pub statement_timeout: Option<Duration>,
    pub table_lock_timeout: Option<Duration>,
    pub lock_mode: LockMode,
}

fn quote(name: &str) -> String {
    name.split('.')
        .map(quote_ident)
        .collect::<Vec<_>>()
        .join(".")
}

/// A name as a quoted identifier, whatever it holds.
fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn missing_table(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .and_then(|d| d.code())
        .is_some_and(|code| code == "42P01")
}

impl<'p> PgBackend<'p> {
    pub(crate) fn new(pool: &'p PgPool, ctx: Context, settings: Settings) -> Self {
        PgBackend {
            pool,
            dedicated: None,
            dedicated_pid: None,
            lent: None,
            working: None,
            unclean: AtomicBool::new(false),
            resolved: false,
            lock_key: None,
            lock_wait: Duration::from_secs(60),
            settings,
            m: quote(&ctx.tables.migrations),
            h: quote(&ctx.tables.history),
            modules: quote(&ctx.tables.modules),
            ctx,
        }
    }

    async fn apply_steps(
        &self,
        conn: &mut Conn,
        steps: &[Step],
    ) -> Result<Vec<Option<Duration>>, ApplyError> {
        // One round trip per migration on the run's own session, which a cut-short run closes
        // (its `BEGIN` is not sqlx's, so a pool connection could go back to the pool with the
        // transaction open).
        let conn: &mut PgConnection = match conn {
            Conn::Dedicated(conn) => {
                let sql: Vec<&str> = steps.iter().map(|s| s.migration.sql).collect();
                let custom = self.custom_before(conn, &sql).await?;
                let result = self.apply_batched(conn, steps).await;
                // A failed migration's `SET` went with its transaction; a `COMMIT` that ran
                // may have kept one.
                let _ = self.settle(conn, &sql, &custom).await;
                return result;
            }
            Conn::Pooled(conn) => conn,
        };
        let mut tx = begin_locked!(self, conn);
        let sql: Vec<&str> = steps.iter().map(|s| s.migration.sql).collect();
        let custom = self.custom_before(&mut tx, &sql).await?;
        let mut durations = Vec::with_capacity(steps.len());
        for (index, step) in steps.iter().enumerate() {
            if Self::transaction_mode(&self.settings)
                && self.applied_meanwhile(&mut tx, step.migration).await?
            {
                // Another process applied it after this one made its plan.
                durations.push(None);
                continue;
            }
            let started = Instant::now();
            let total = match run_statements(&mut tx, step.migration.sql, index).await {
                Ok(total) => total,
                Err(failure) => {
                    let _ = tx.rollback().await;
                    return Err(ApplyError::Statement(failure));
                }
            };
            let duration = started.elapsed();
            self.run_records(&mut tx, &step.records(millis(duration), total))
                .await?;
            durations.push(Some(duration));
        }
        // Before the commit: behind a transaction-pooling proxy the server connection serves
        // other clients as soon as it is done.
        // (Every migration is compared in this mode, whatever its text.)
        let ran: Vec<&Migration> = steps.iter().map(|s| s.migration).collect();
        if let Err(e) = self.settle_before_commit(&mut tx, &ran, &custom).await {
            let _ = tx.rollback().await;
            return Err(e.into());
        }
        tx.commit()
            .await
            .map_err(MigrateError::db("committing a migration"))?;
        Ok(durations)
    }
}

/// Runs the statements of `sql` one by one in the caller's transaction. A failure names the
/// statement, of step `step`, and where in the file PostgreSQL points; the caller rolls back.
async fn run_statements(
    conn: &mut PgConnection,
    sql: &str,
    step: usize,
) -> Result<usize, ApplyFailure> {
    let stmts = statements(sql);
    for stmt in &stmts {
        if let Err(source) = (&mut *conn).execute(stmt.text).await {
            let position = error_position(&source);
            return Err(ApplyFailure::of(stmt, stmts.len(), step, position, source));
        }
    }
    Ok(stmts.len())
}

/// The 1-based character position PostgreSQL gives for an error in the statement, if any.
fn error_position(e: &sqlx::Error) -> Option<usize> {
    let pg = e
        .as_database_error()?
        .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()?;
    match pg.position()? {
        sqlx::postgres::PgErrorPosition::Original(position) => Some(position),
        _ => None,
    }
}

impl Backend for PgBackend<'_> {
    async fn write(&mut self, writes: &[Write]) -> Result<(), MigrateError> {
        self.write_records(writes).await
    }

    async fn write_adoption(&mut self, writes: &[Write], first: i64) -> Result<bool, MigrateError> {
        self.write_adoption_records(writes, first).await
    }

    fn running_may_be_live(&self) -> bool {
        Self::transaction_mode(&self.settings)
    }

    async fn run_in_progress(&mut self) -> Result<bool, MigrateError> {
        self.lock_is_held().await
    }

    async fn probe(&mut self) -> Result<Option<ModuleState>, MigrateError> {
        // language=PostgreSQL
        let sql = format!(
            "SELECT applied_count, fingerprint FROM {} WHERE module = $1",
            self.modules
        );
        let query = sqlx::query(&sql)
            .persistent(self.cached())
            .bind(self.ctx.module.clone());
        match self
            .fetch_pooled(query)
            .await
            .map(|rows| rows.into_iter().next())
        {
            Ok(row) => Ok(row.as_ref().map(read_module)),
            Err(e) if missing_table(&e) => Ok(None),
            Err(e) => Err(MigrateError::reading(
                &self.ctx.tables.modules,
                "checking for pending migrations",
            )(e)),
        }
    }

    async fn lock(&mut self, wait: Duration) -> Result<(), MigrateError> {
        self.take_session_lock(wait).await
    }

    async fn unlock(&mut self) -> Result<(), MigrateError> {
        self.release_session_lock().await
    }

    async fn ensure_tables(&mut self) -> Result<(), MigrateError> {
        let sql = self.create_tables_sql();
        let mut conn = self.take_conn().await?;
        let result = async {
            // Two processes creating the same table at once can fail on the catalog's unique
            // index, so creation happens under the lock in either mode, and under a lock of the
            // tables for runs of other modules (whose run locks differ). Held for the few
            // statements below; whoever waits for it then finds the tables created.
            let mut tx = begin_locked!(self, conn);
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .persistent(false)
                .bind(self.tables_key())
                .execute(&mut *tx)
                .await
                .map_err(MigrateError::db("waiting to create the tracking tables"))?;
            (&mut *tx)
                .execute(sql.as_str())
                .await
                .map_err(MigrateError::db("creating the tracking tables"))?;
            tx.commit()
                .await
                .map_err(MigrateError::db("creating the tracking tables"))
        }
        .await;
        self.put_conn(conn);
        result
    }

    async fn applied(&mut self) -> Result<Vec<AppliedRow>, MigrateError> {
        let mut conn = self.take_conn().await?;
        // After `take_conn`: the tables' names are qualified with their schema by then.
        let sql = self.target().select_applied();
        let query = sqlx::query(&sql)
            .persistent(self.cached())
            .bind(&self.ctx.module);
        let rows = self.fetch_outside(&mut conn, query).await;
        self.put_conn(conn);
        decoded(
            rows,
            missing_table,
            &self.ctx.tables.migrations,
            "reading the applied migrations",
            |c: AppliedColumns| Some(AppliedRow::from(c)),
        )
    }

    async fn apply_in_transaction(
        &mut self,
        steps: &[Step],
    ) -> Result<Vec<Option<Duration>>, ApplyError> {
        let mut conn = self.take_conn().await?;
        let result = match self.snapshot_pooled(&mut conn).await {
            Ok(()) => self.apply_steps(&mut conn, steps).await,
            Err(e) => Err(e.into()),
        };
        self.put_conn(conn);
        result
    }

    async fn apply_without_transaction(
        &mut self,
        step: &Step,
        resume_after: Option<usize>,
    ) -> Result<Option<Duration>, ApplyError> {
        let m = step.migration;
        let stmts = statements(m.sql);
        let total = stmts.len();
        let mut conn = self.take_conn().await?;
        let custom = match self.before_outside(&mut conn, m.sql).await {
            Ok(custom) => custom,
            Err(e) => {
                self.put_conn(conn);
                return Err(e.into());
            }
        };
        let result = async {
            // A crash part-way leaves the `running` row, which the next run refuses to skip.
            if let Claim::AlreadyApplied = self.claim(&mut conn, step, total, resume_after).await? {
                return Ok(None);
            }
            let started = Instant::now();
            let keepings = crate::backend::progress::keepings(m.sql);
            for (stmt, keeping) in stmts.iter().zip(keepings).skip(resume_after.unwrap_or(0)) {
                self.run_with_progress(&mut conn, m, stmt, keeping, total)
                    .await?;
            }
            let duration = started.elapsed();
            let mut tx = begin_locked!(self, conn);
            self.run_records(&mut tx, &step.records(millis(duration), total))
                .await?;
            tx.commit()
                .await
                .map_err(MigrateError::db("committing an applied migration"))?;
            Ok(Some(duration))
        }
        .await;
        // Its statements ran on their own: what they set stays, whether it failed or not.
        self.settle_outside(&mut conn, m.sql, &custom).await;
        self.put_conn(conn);
        result
    }

    async fn history(&mut self) -> Result<Vec<HistoryEvent>, MigrateError> {
        let sql = self.target().select_history();
        let query = sqlx::query(&sql)
            .persistent(self.cached())
            .bind(self.ctx.module.clone());
        let rows = self.fetch_pooled(query).await;
        decoded(
            rows,
            missing_table,
            &self.ctx.tables.history,
            "reading the migration history",
            history_event,
        )
    }

    async fn revert(&mut self, step: &Step) -> Result<Duration, ApplyError> {
        self.revert_one(step).await
    }

    async fn modules(&mut self) -> Result<Vec<super::ModuleRow>, MigrateError> {
        let sql = self.target().select_modules();
        // Not prepared once for the session: `SELECT *` changes shape when a run adds the
        // columns of this version to a table an earlier one created.
        let query = sqlx::query(&sql).persistent(false);
        let rows = self.fetch_pooled(query).await;
        super::module_rows(rows, missing_table, &self.ctx.tables.modules)
    }

    async fn other_rows(
        &mut self,
        query: &crate::tracking::other::OtherQuery<'_>,
    ) -> Result<Option<Vec<Vec<crate::tracking::other::Value>>>, MigrateError> {
        self.read_other_rows(query).await
    }

    async fn count_rows(&mut self, table: &str) -> Result<Option<i64>, MigrateError> {
        self.count_table_rows(table).await
    }

    async fn column_names(&mut self, table: &str) -> Result<Option<Vec<String>>, MigrateError> {
        self.table_column_names(table).await
    }

    async fn invalid_index(&mut self, name: &str) -> Result<bool, MigrateError> {
        // language=PostgreSQL
        let query =
            sqlx::query("SELECT NOT indisvalid FROM pg_index WHERE indexrelid = to_regclass($1)")
                .persistent(self.cached())
                .bind(name);
        let mut conn = self.take_conn().await?;
        let rows = self.fetch_outside(&mut conn, query).await;
        self.put_conn(conn);
        let rows = rows.map_err(MigrateError::db("looking for an invalid index"))?;
        Ok(rows
            .first()
            .and_then(|row| row.try_get::<bool, _>(0).ok())
            .unwrap_or(false))
    }
}

#[cfg(test)]
#[allow(dead_code, unused_must_use)]
fn futures_are_send(
    pool: &'static PgPool,
    ctx: Context,
    step: &'static Step,
    m: &'static Migration,
    f: &'static ApplyFailure,
) {
    fn send<T: Send>(_: T) {}
    let mut b = PgBackend::new(pool, ctx, Settings::default());
    send(b.probe());
    send(b.lock(Duration::ZERO));
    send(b.unlock());
    send(b.ensure_tables());
    send(b.applied());
    send(b.apply_in_transaction(std::slice::from_ref(step)));
    send(b.apply_without_transaction(step, None));
    send(b.write(&[]));
    send(b.history());
    send(b.revert(step));
    let _ = (m, f);
}
