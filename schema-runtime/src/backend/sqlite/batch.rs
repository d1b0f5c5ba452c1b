//! Transactional migrations in as few calls to SQLite's thread as possible. A migration in a
//! transaction of its own is one call: `BEGIN IMMEDIATE`, the file, its tracking rows and
//! `COMMIT`. In `all_or_nothing` each file is one call inside one transaction, and the tracking
//! rows follow all the SQL in multi-row inserts.
//!
//! sqlx runs a multi-statement text one statement at a time (each prepared after the one
//! before it ran, so it sees that one's tables), stops at the first error and reports each
//! statement's completion. SQLite gives no position with an error, so a failure is named by
//! counting: the statement that failed is the one after the last reported complete. Every call
//! is a round trip to the connection's thread; one per migration instead of one per statement
//! plus three is most of what this project would otherwise add to a bare apply of the SQL.
//! A file over 64 KiB is the exception: it goes in a call per piece of whole statements, in
//! the same transaction, the count of completed statements running on across them, so that
//! its cost stays linear in its size (see `pieces`).

use super::pieces::run_pieces;
use super::{control, SqliteBackend, Step};
use crate::backend::{
    batch_records, millis, statement_failure, statements, ApplyError, CallShape, Culprit,
};
use crate::tracking::records::Millis;
use crate::MigrateError;
use sqlx::pool::PoolConnection;
use sqlx::sqlite::Sqlite;
use sqlx::{Connection, Executor};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A pool connection that goes back to the pool only once the work on it is known to have
/// ended cleanly. A one-call migration opens its transaction with a statement of its own, not
/// through sqlx, so a run cut short (its future dropped, a panic) or a failure whose rollback
/// failed could leave that transaction open: such a connection is closed instead, and closing
/// it rolls the transaction back. Not the connection to an in-memory database, which closing
/// would lose: it is rolled back (in a task of its own when the run was cut short) and kept.
pub(super) struct Guarded {
    conn: Option<PoolConnection<Sqlite>>,
    in_memory: bool,
}

impl Guarded {
    /// `in_memory`: the database is in memory, and lives only as long as its connections.
    pub(super) fn new(conn: PoolConnection<Sqlite>, in_memory: bool) -> Self {
        Guarded {
            conn: Some(conn),
            in_memory,
        }
    }

    /// The connection, for the pool; `None` if it was closed.
    pub(super) fn release(mut self) -> Option<PoolConnection<Sqlite>> {
        self.conn.take()
    }

    /// After a rollback that failed: closes the connection instead of returning it to the
    /// pool, unless its database is in memory.
    fn rollback_failed(&mut self, error: &sqlx::Error) {
        if self.in_memory {
            control::kept_unverified(error);
        } else if let Some(conn) = self.conn.take() {
            drop(conn.detach());
        }
    }
}

impl Drop for Guarded {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else {
            return;
        };
        if !self.in_memory {
            drop(conn.detach());
            return;
        }
        // Cut short: the rollback is awaited in a task of its own, and the connection goes
        // back to the pool after it (an acquire meanwhile waits for it).
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    let mut conn = conn;
                    control::roll_back_kept(&mut conn).await;
                });
            }
            Err(e) => {
                tracing::warn!(error = %e, "a run on an in-memory SQLite database was cut short outside a Tokio runtime; its connection goes back to the pool without a rollback, and may still be inside the migration's transaction");
            }
        }
    }
}

impl SqliteBackend<'_> {
    /// Applies `steps` in one transaction, which first creates the tracking tables when
    /// `create_tables`; returns each step's duration.
    pub(super) async fn apply_steps(
        &self,
        guarded: &mut Guarded,
        steps: &[Step],
        create_tables: bool,
    ) -> Result<Vec<Duration>, ApplyError> {
        match steps {
            [step] => self
                .apply_one(guarded, step, create_tables)
                .await
                .map(|d| vec![d]),
            _ => match guarded.conn.as_mut() {
                Some(conn) => self.apply_all(conn, steps, create_tables).await,
                None => {
                    Err(MigrateError::db("applying migrations")(sqlx::Error::PoolClosed).into())
                }
            },
        }
    }

    /// One migration in one call, its transaction and tracking rows included.
    async fn apply_one(
        &self,
        guarded: &mut Guarded,
        step: &Step,
        create_tables: bool,
    ) -> Result<Duration, ApplyError> {
        let Some(conn) = guarded.conn.as_mut() else {
            return Err(MigrateError::db("applying a migration")(sqlx::Error::PoolClosed).into());
        };
        let started = Instant::now();
        let sql = step.migration.sql;
        let file_statements = step.migration.statement_count;
        // The plan holds no migration with a row: a failed or interrupted one stops the run
        // before it starts, and the lock keeps others from writing one meanwhile.
        let record =
            self.render(&step.records(Millis::Expr(elapsed_ms_since_now()), file_statements));
        // IMMEDIATE takes the write lock now rather than at the first write, so two writers
        // cannot both read and then fail to upgrade (SQLITE_BUSY without waiting). A newline
        // ends a last line comment of the file; `;` ends a last statement without one.
        // Counted, not assumed: once per run at most.
        let (create, create_statements) = if create_tables {
            let sql = self.create_tables_sql();
            let count = statements(&sql).len();
            (sql, count)
        } else {
            (String::new(), 0)
        };
        // A large file goes in several calls, in pieces of whole statements (see `pieces`).
        let head = format!("BEGIN IMMEDIATE;\n{create}\n");
        let tail = format!("\n;\n{}\nCOMMIT;", record.text);
        let mut completed = 0;
        let Err(source) = run_pieces(conn, &head, sql, &tail, &mut completed).await else {
            return Ok(started.elapsed());
        };
        // The call stopped at the failure; its transaction may still be open (a failed
        // `COMMIT` leaves it so). Without a clean rollback the connection is not reused.
        match conn.execute("ROLLBACK").await {
            Ok(_) => {}
            Err(e) if control::no_transaction_active(&e) => {}
            Err(e) => guarded.rollback_failed(&e),
        }
        let shape = CallShape {
            begin: 1 + create_statements,
            file: file_statements,
            record: record.statements,
        };
        Err(match shape.culprit(completed) {
            Culprit::Begin => MigrateError::db("starting a migration's transaction")(source).into(),
            // Split only now: the count was taken at build time.
            Culprit::Statement(index) => {
                statement_failure(&statements(sql), index, None, 0, source)
            }
            Culprit::Record => MigrateError::db(
                "recording an applied migration (its transaction was rolled back: nothing of it was applied)",
            )(source)
            .into(),
            Culprit::Commit => ApplyError::Commit { step: 0, source },
        })
    }

    /// Several migrations in one transaction (`all_or_nothing`): a call per file, then the
    /// tracking rows of all in multi-row inserts.
    async fn apply_all(
        &self,
        conn: &mut PoolConnection<Sqlite>,
        steps: &[Step],
        create_tables: bool,
    ) -> Result<Vec<Duration>, ApplyError> {
        let mut tx = conn
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(MigrateError::db("starting a migration's transaction"))?;
        if create_tables {
            let created = (&mut *tx)
                .execute(self.create_tables_sql().as_str())
                .await
                .map_err(MigrateError::db("creating the tracking tables"));
            if let Err(e) = created {
                let _ = tx.rollback().await;
                return Err(e.into());
            }
        }
        let mut done = Vec::with_capacity(steps.len());
        for (index, step) in steps.iter().enumerate() {
            let started = Instant::now();
            let sql = step.migration.sql;
            let mut completed = 0;
            if let Err(source) = run_pieces(&mut tx, "", sql, "\n;", &mut completed).await {
                // Every step of this transaction goes with it.
                let _ = tx.rollback().await;
                return Err(statement_failure(
                    &statements(sql),
                    completed,
                    None,
                    index,
                    source,
                ));
            }
            done.push((started.elapsed(), step.migration.statement_count));
        }
        let recorded: Vec<(Millis, usize)> = done
            .iter()
            .map(|(duration, total)| (millis(*duration), *total))
            .collect();
        let record = self.render(&batch_records(steps, &recorded));
        // After all the SQL of the transaction: SQLite re-prepares a statement after every
        // schema change, so recording between two migrations' DDL would compile the inserts
        // again for each one. Same transaction, same outcome.
        if let Err(e) = (&mut *tx).execute(sqlx::raw_sql(&record.text)).await {
            let _ = tx.rollback().await;
            return Err(MigrateError::db("recording an applied migration")(e).into());
        }
        tx.commit()
            .await
            .map_err(MigrateError::db("committing a migration"))?;
        Ok(done.into_iter().map(|(duration, _)| duration).collect())
    }
}

/// An SQL expression for the whole milliseconds from now (as this process reads the clock)
/// to when SQLite evaluates it, reading the same clock: a migration's duration, written in
/// the call that runs it.
fn elapsed_ms_since_now() -> String {
    let unix_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0);
    // SQLite's Julian day number of the Unix epoch is 2440587.5.
    format!("max(0, CAST(round((julianday('now') - 2440587.5) * 86400000.0 - {unix_ms:.3}) AS INTEGER))")
}
