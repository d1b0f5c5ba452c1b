//! SQLite: tracking tables in the database file, a lock file beside it for the run, and one
//! `BEGIN IMMEDIATE` transaction per migration.

use super::progress as backend_progress;
use super::{
    decoded, history_event, millis, module_rows, read_module, statements, AppliedColumns,
    AppliedRow, ApplyError, ApplyFailure, Backend, Context, Step,
};
use crate::report::HistoryEvent;
use crate::tracking::records::Write;
use crate::tracking::state::ModuleState;
use crate::MigrateError;
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{Sqlite, SqlitePool};
use sqlx::{Connection, Executor, Row};
use std::path::PathBuf;
use std::time::{Duration, Instant};

mod batch;
mod control;
mod history_ops;
mod lock;
mod pieces;
mod progress;
mod record;
mod settings;
mod tables;

use lock::FileLock;

// language=SQLite
const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

pub(crate) struct SqliteBackend<'p> {
    pool: &'p SqlitePool,
    conn: Option<PoolConnection<Sqlite>>,
    lock: Option<FileLock>,
    /// The probe found the tracking tables missing: they are created in the transaction of
    /// the next write (the first migration's), so that a new database commits once per
    /// migration and no more.
    tables_deferred: bool,
    /// Whether the database is in memory (or temporary), once read: its connections are never
    /// closed, as that would lose it.
    in_memory: Option<bool>,
    ctx: Context,
    m: String,
    h: String,
    modules: String,
}

impl<'p> SqliteBackend<'p> {
    pub(crate) fn new(pool: &'p SqlitePool, ctx: Context) -> Self {
        SqliteBackend {
            pool,
            conn: None,
            lock: None,
            tables_deferred: false,
            in_memory: None,
            m: quote(&ctx.tables.migrations),
            h: quote(&ctx.tables.history),
            modules: quote(&ctx.tables.modules),
            ctx,
        }
    }

    /// The run's connection: taken out while in use and put back with `self.conn = Some(..)`,
    /// so that one connection serves the whole run.
    async fn take_conn(&mut self) -> Result<PoolConnection<Sqlite>, MigrateError> {
        match self.conn.take() {
            Some(conn) => Ok(conn),
            None => self.pool.acquire().await.map_err(MigrateError::db(
                "acquiring a connection from the SQLite pool",
            )),
        }
    }
}

/// `name` or `schema.name`, each part double-quoted. The parts were checked to be identifiers.
fn quote(name: &str) -> String {
    name.split('.')
        .map(|part| format!("\"{part}\""))
        .collect::<Vec<_>>()
        .join(".")
}

/// Runs the statements of `sql` one by one in the caller's transaction. A failure names the
/// statement, of step `step`, with its line and column; the caller rolls back.
async fn run_statements(
    conn: &mut sqlx::SqliteConnection,
    sql: &str,
    step: usize,
) -> Result<usize, ApplyFailure> {
    let stmts = statements(sql);
    for stmt in &stmts {
        if let Err(source) = (&mut *conn).execute(stmt.text).await {
            return Err(ApplyFailure::of(stmt, stmts.len(), step, None, source));
        }
    }
    Ok(stmts.len())
}

fn missing_table(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .is_some_and(|d| d.message().contains("no such table"))
}

impl SqliteBackend<'_> {
    /// The main database's file, empty for an in-memory or temporary database.
    async fn database_file(&mut self) -> Result<String, MigrateError> {
        let mut conn = self.take_conn().await?;
        let rows = sqlx::query("PRAGMA database_list")
            .fetch_all(&mut *conn)
            .await;
        self.conn = Some(conn);
        let rows = rows.map_err(MigrateError::db("finding the SQLite database file"))?;
        let file: String = rows
            .iter()
            .find(|row| row.try_get::<String, _>(1).is_ok_and(|name| name == "main"))
            .and_then(|row| row.try_get(2).ok())
            .unwrap_or_default();
        self.in_memory = Some(file.is_empty());
        Ok(file)
    }
}

impl SqliteBackend<'_> {
    /// Refuses an in-memory (or temporary) database that another connection of the pool would
    /// not see (`sqlite:file::memory:`): migrating the run's connection would leave the others
    /// empty. Whether the pool's connections share it depends on how SQLite reads the name and
    /// flags, so it is asked: the tracking tables are created here, and a new connection made
    /// as the pool makes them looks for them.
    async fn refuse_private_memory(&mut self) -> Result<(), MigrateError> {
        let max_connections = self.pool.options().get_max_connections();
        if max_connections <= 1 {
            return Ok(());
        }
        self.create_tables().await?;
        let options = self.pool.connect_options();
        let mut other =
            sqlx::ConnectOptions::connect(&*options)
                .await
                .map_err(MigrateError::db(
                    "opening a second connection to the SQLite database",
                ))?;
        // language=SQLite
        let sql = format!("SELECT count(*) FROM {}", self.modules);
        let seen = sqlx::query_scalar::<_, i64>(&sql)
            .fetch_one(&mut other)
            .await;
        let _ = other.close().await;
        match seen {
            Ok(_) => Ok(()),
            Err(e) if missing_table(&e) => Err(MigrateError::PrivateInMemory { max_connections }),
            Err(e) => Err(MigrateError::db(
                "reading the SQLite database from a second connection",
            )(e)),
        }
    }
}

impl Backend for SqliteBackend<'_> {
    async fn write(&mut self, writes: &[Write]) -> Result<(), MigrateError> {
        self.write_records(writes).await
    }

    async fn probe(&mut self) -> Result<Option<ModuleState>, MigrateError> {
        // language=SQLite
        let sql = format!(
            "SELECT applied_count, fingerprint FROM {} WHERE module = ?1",
            self.modules
        );
        // On the run's connection, kept for what follows when there is work: a pool
        // connection just given back is not always idle again by the next acquire, which then
        // opens another.
        let mut conn = self.take_conn().await?;
        let row = sqlx::query(&sql)
            .bind(&self.ctx.module)
            .fetch_optional(&mut *conn)
            .await;
        self.conn = Some(conn);
        self.tables_deferred = matches!(&row, Err(e) if missing_table(e));
        match row {
            Ok(row) => Ok(row.as_ref().map(read_module)),
            Err(e) if missing_table(&e) => Ok(None),
            Err(e) => Err(MigrateError::reading(
                &self.ctx.tables.modules,
                "checking for pending migrations",
            )(e)),
        }
    }

    async fn run_in_progress(&mut self) -> Result<bool, MigrateError> {
        let file = self.database_file().await?;
        if file.is_empty() {
            return Ok(false);
        }
        FileLock::is_held(PathBuf::from(format!("{file}-schema-lock")))
    }

    async fn lock(&mut self, wait: Duration) -> Result<(), MigrateError> {
        let file = self.database_file().await?;
        // An in-memory or temporary database is reachable from this process only: its pool's
        // write lock is all the exclusion there is to have.
        if file.is_empty() {
            return self.refuse_private_memory().await;
        }
        self.lock =
            Some(FileLock::acquire(PathBuf::from(format!("{file}-schema-lock")), wait).await?);
        Ok(())
    }

    async fn unlock(&mut self) -> Result<(), MigrateError> {
        self.lock = None;
        Ok(())
    }

    async fn ensure_tables(&mut self) -> Result<(), MigrateError> {
        if self.tables_deferred {
            return Ok(());
        }
        self.create_tables().await
    }

    async fn applied(&mut self) -> Result<Vec<AppliedRow>, MigrateError> {
        let sql = self.target().select_applied();
        let mut conn = self.take_conn().await?;
        let rows = sqlx::query(&sql)
            .bind(&self.ctx.module)
            .fetch_all(&mut *conn)
            .await;
        self.conn = Some(conn);
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
        let sqls: Vec<&str> = steps.iter().map(|s| s.migration.sql).collect();
        let lent = settings::Lent::before(&mut conn, &sqls).await;
        let in_memory = self.is_in_memory(&mut conn).await;
        let mut guarded = batch::Guarded::new(conn, in_memory);
        // Tables left to the first migration's transaction exist once it commits.
        let create = self.tables_deferred;
        let result = self.apply_steps(&mut guarded, steps, create).await;
        if result.is_ok() {
            self.tables_deferred = false;
        }
        self.conn = guarded.release();
        if let Some(lent) = lent {
            if let Some(conn) = self.conn.take() {
                self.conn = lent.restore(conn).await;
            }
        }
        result.map(|durations| durations.into_iter().map(Some).collect())
    }

    async fn apply_without_transaction(
        &mut self,
        step: &Step,
        resume_after: Option<usize>,
    ) -> Result<Option<Duration>, ApplyError> {
        self.tables_ready().await?;
        let m = step.migration;
        let stmts = statements(m.sql);
        let total = stmts.len();
        let mut conn = self.take_conn().await?;
        let lent = settings::Lent::before(&mut conn, &[m.sql]).await;
        // Set when a rollback failed: the connection's transaction state is then unknown, and
        // it is closed rather than handed back to the pool.
        let mut unknown_state = false;
        let result = async {
            // Claim the row first, so that a crash part-way leaves a `running` row that the
            // next run refuses to skip over.
            let claim = self.render(&[Write::Claimed {
                m,
                total,
                done: resume_after.unwrap_or(0),
            }]);
            conn.execute(sqlx::raw_sql(&claim.text))
                .await
                .map_err(MigrateError::db("recording the start of a migration"))?;
            let started = Instant::now();
            let keepings = backend_progress::keepings(m.sql);
            for (stmt, keeping) in stmts.iter().zip(keepings).skip(resume_after.unwrap_or(0)) {
                self.run_with_progress(&mut conn, m, stmt, keeping, total, &mut unknown_state)
                    .await?;
            }
            let duration = started.elapsed();
            // Reading the folder refuses a file that leaves its transaction open; a set built
            // otherwise could still, and every later write on this pooled connection would
            // join that transaction and never be committed.
            if control::end_open_transaction(&mut conn, &mut unknown_state).await {
                let statements_done = self.statements_done(&mut conn, m).await.ok();
                return Err(ApplyError::LeftOpen {
                    statements_done,
                    statements_total: total,
                });
            }
            let mut tx = conn
                .begin_with("BEGIN IMMEDIATE")
                .await
                .map_err(MigrateError::db(
                    "starting the transaction that records a migration",
                ))?;
            let record = self.render(&step.records(millis(duration), total));
            (&mut *tx)
                .execute(sqlx::raw_sql(&record.text))
                .await
                .map_err(MigrateError::db("recording an applied migration"))?;
            tx.commit()
                .await
                .map_err(MigrateError::db("committing an applied migration"))?;
            Ok(Some(duration))
        }
        .await;
        let result = match result {
            Err(e) => Err(self
                .end_after_failure(&mut conn, m, e, &mut unknown_state)
                .await),
            ok => ok,
        };
        // What its statements set stays, whether it failed or not.
        self.hand_back(conn, lent, unknown_state).await;
        result
    }

    async fn history(&mut self) -> Result<Vec<HistoryEvent>, MigrateError> {
        let sql = self.target().select_history();
        let rows = sqlx::query(&sql)
            .bind(&self.ctx.module)
            .fetch_all(self.pool)
            .await;
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
        // The columns the table has, then those by name: not `SELECT *`, which another
        // connection adding this version's columns to a table an earlier one created changes
        // in shape between the statement's preparing (with the schema this connection had
        // read) and its first step (SQLite prepares it again, with more columns than sqlx
        // read from it, and sqlx's worker panics).
        let mut conn = self.take_conn().await?;
        let present: Result<Vec<String>, sqlx::Error> = sqlx::query_scalar(&self.table_info_sql())
            .persistent(false)
            .fetch_all(&mut *conn)
            .await;
        let rows = match present {
            Ok(present) if present.is_empty() => Ok(Vec::new()),
            Ok(present) => {
                let columns: Vec<&str> = tables::MODULE_COLUMNS
                    .into_iter()
                    .filter(|c| present.iter().any(|p| p == c))
                    .collect();
                let sql = format!(
                    "SELECT {} FROM {} ORDER BY module",
                    columns.join(", "),
                    self.modules
                );
                sqlx::query(&sql)
                    .persistent(false)
                    .fetch_all(&mut *conn)
                    .await
            }
            Err(e) => Err(e),
        };
        self.conn = Some(conn);
        module_rows(rows, missing_table, &self.ctx.tables.modules)
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
}

#[cfg(test)]
#[allow(dead_code, unused_must_use)]
fn futures_are_send(
    pool: &'static SqlitePool,
    ctx: Context,
    step: &'static Step,
    m: &'static crate::Migration,
    f: &'static ApplyFailure,
) {
    fn send<T: Send>(_: T) {}
    let mut b = SqliteBackend::new(pool, ctx);
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
