//! Transactional migrations: each file's statements in one call to SQLite's thread, and for a
//! migration in a transaction of its own, its tracking rows in the same call.
//!
//! sqlx runs a multi-statement text one statement at a time (each prepared after the one
//! before it ran, so it sees that one's tables) and reports each statement's completion.
//! SQLite gives no position with an error, so a failure is named by counting: the statement
//! that failed is the one after the last reported complete. One call instead of one per
//! statement saves a round trip to the connection's thread for every statement, which is
//! most of what this project adds to a bare apply of the same SQL.

use super::{SqliteBackend, Step};
use crate::backend::{run_counted, statements, ApplyError, ApplyFailure};
use crate::MigrateError;
use sqlx::pool::PoolConnection;
use sqlx::sqlite::Sqlite;
use sqlx::Connection;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

impl SqliteBackend<'_> {
    /// Applies `steps` in one `BEGIN IMMEDIATE` transaction. A single step carries its
    /// tracking rows in the call that runs its file; several (`all_or_nothing`) have theirs
    /// written after all their SQL, in multi-row inserts.
    pub(super) async fn apply_steps(
        &self,
        conn: &mut PoolConnection<Sqlite>,
        steps: &[Step],
    ) -> Result<Vec<Duration>, ApplyError> {
        // IMMEDIATE takes the write lock now rather than at the first write, so two writers
        // cannot both read and then fail to upgrade (SQLITE_BUSY without waiting).
        let mut tx = conn
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(MigrateError::db("starting a migration's transaction"))?;
        let single = steps.len() == 1;
        let mut durations = Vec::with_capacity(steps.len());
        for (index, step) in steps.iter().enumerate() {
            let started = Instant::now();
            let sql = step.migration.sql;
            let stmts = statements(sql);
            let mut text = String::with_capacity(sql.len() + 1024);
            text.push_str(sql);
            // A newline ends a last line comment; `;` ends a last statement without one.
            text.push_str("\n;\n");
            if single {
                text.push_str(&self.applied_sql(step, stmts.len(), &elapsed_ms_since_now()));
            }
            let mut completed = 0;
            if let Err(source) = run_counted::<Sqlite>(&mut tx, &text, &mut completed).await {
                // Every step of this transaction goes with it.
                let _ = tx.rollback().await;
                return Err(match stmts.get(completed) {
                    Some(stmt) => ApplyError::Statement(ApplyFailure {
                        step: index,
                        statement: stmt.number,
                        line: stmt.line,
                        column: stmt.column,
                        statements_done: completed,
                        statements_total: stmts.len(),
                        source,
                    }),
                    None => MigrateError::db("recording an applied migration")(source).into(),
                });
            }
            durations.push((started.elapsed(), stmts.len()));
        }
        if !single {
            // After all the SQL of the transaction: SQLite re-prepares a statement after every
            // schema change, so recording between two migrations' DDL would compile the
            // inserts again for each one. Same transaction, same outcome.
            self.record_applied_batch(&mut tx, steps, &durations)
                .await
                .map_err(MigrateError::db("recording an applied migration"))?;
        }
        tx.commit()
            .await
            .map_err(MigrateError::db("committing a migration"))?;
        Ok(durations
            .into_iter()
            .map(|(duration, _)| duration)
            .collect())
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
