//! A `-- no-transaction` file's statements, each with its progress kept as
//! [`crate::backend::progress`] says. A statement outside the file's own transaction is sent
//! with its progress in one simple query, which PostgreSQL runs as one implicit transaction;
//! one it refuses there (`CREATE INDEX CONCURRENTLY`, `VACUUM`, ... fail with SQLSTATE 25001
//! before doing anything) is noted as started first, then sent alone. Every progress write is
//! one simple query with its values written in: it takes no `BEGIN` of sqlx's (which, inside
//! the file's own transaction, would commit it) and no prepared statement (which a
//! transaction-pooling proxy may not keep).

use super::{control, error_position, PgBackend};
use crate::backend::progress::{started_note, Keeping};
use crate::backend::{run_counted, ApplyError, ApplyFailure};
use crate::{MigrateError, Migration};
use futures_util::future::BoxFuture;
use schema_core::Statement;
use sqlx::postgres::PgConnection;
use sqlx::Executor;

/// `active_sql_transaction`: the statement cannot run inside a transaction block.
const IN_TRANSACTION_BLOCK: &str = "25001";

/// `invalid_transaction_termination`: a procedure or `DO` block ran `COMMIT` or `ROLLBACK` where
/// it may not, here the implicit transaction of a query of several statements.
const INVALID_TERMINATION: &str = "2D000";

/// Writes a progress record, in a simple query of its own.
async fn record(conn: &mut PgConnection, sql: &str) -> Result<(), ApplyError> {
    conn.execute(sqlx::raw_sql(sql))
        .await
        .map_err(MigrateError::db("recording the progress of a migration"))?;
    Ok(())
}

impl PgBackend<'_> {
    /// Runs `stmt`, one of the `total` statements of `m`, and records its progress. Boxed, as
    /// [`run_counted`] is, for the callers' futures to pass the higher-ranked `Send` check.
    pub(super) fn run_with_progress<'a>(
        &'a self,
        conn: &'a mut PgConnection,
        m: &'a Migration,
        stmt: &'a Statement<'a>,
        keeping: Keeping,
        total: usize,
    ) -> BoxFuture<'a, Result<(), ApplyError>> {
        Box::pin(async move {
            let done = self.progress_sql(m, stmt.number, None);
            match keeping {
                Keeping::Alone => {
                    let text = format!("{}\n;\n{done}", stmt.text);
                    let mut completed = 0;
                    let Err(source) =
                        run_counted::<sqlx::Postgres>(conn, &text, &mut completed).await
                    else {
                        return Ok(());
                    };
                    // Refused because the server ran it in the implicit transaction of a
                    // query of several statements: a command that cannot run in a transaction
                    // block, or a procedure or `DO` block that commits (2D000, invalid
                    // transaction termination). Nothing of it ran: it runs alone, noted.
                    let refused_in_block = completed == 0
                        && source
                            .as_database_error()
                            .and_then(|d| d.code())
                            .is_some_and(|code| {
                                code == IN_TRANSACTION_BLOCK || code == INVALID_TERMINATION
                            });
                    if !refused_in_block {
                        // The implicit transaction rolled back the statement with its progress.
                        return Err(if completed == 0 {
                            ApplyError::Statement(self.failure(conn, m, stmt, total, source).await)
                        } else {
                            MigrateError::db("recording the progress of a migration")(source).into()
                        });
                    }
                    self.run_noted(conn, m, stmt, total).await?;
                }
                Keeping::Inside => self.run_one(conn, m, stmt, total, false).await?,
                Keeping::Ends => {
                    record(conn, &done).await?;
                    self.run_ending(conn, m, stmt, total).await?;
                }
                Keeping::Noted => self.run_noted(conn, m, stmt, total).await?,
            }
            record(conn, &done).await
        })
    }

    /// `stmt` noted as started first: a crash while it runs leaves a row that says it may
    /// have run.
    async fn run_noted(
        &self,
        conn: &mut PgConnection,
        m: &Migration,
        stmt: &Statement<'_>,
        total: usize,
    ) -> Result<(), ApplyError> {
        let note = self.progress_sql(m, stmt.number - 1, Some(&started_note(stmt.number)));
        record(conn, &note).await?;
        self.run_one(conn, m, stmt, total, true).await
    }

    /// `UPDATE` of `m`'s row: `done` statements, and `note` as its error.
    fn progress_sql(&self, m: &Migration, done: usize, note: Option<&str>) -> String {
        self.target().progress(m.version, done, note)
    }

    /// Runs `stmt` alone; `noted`: outside any transaction, noted as started.
    async fn run_one(
        &self,
        conn: &mut PgConnection,
        m: &Migration,
        stmt: &Statement<'_>,
        total: usize,
        noted: bool,
    ) -> Result<(), ApplyError> {
        let Err(source) = (&mut *conn).execute(stmt.text).await else {
            return Ok(());
        };
        // A statement the server answered with an error did not take effect; one whose
        // answer never came may have.
        let answered = source.as_database_error().is_some();
        let mut failure = self.failure(conn, m, stmt, total, source).await;
        failure.may_have_run = noted && !answered;
        Err(ApplyError::Statement(failure))
    }

    /// Runs `stmt`, which ends the file's own transaction. PostgreSQL ends the transaction
    /// whether it succeeds or fails (a `COMMIT` refused by a deferred constraint rolls it
    /// back), so no transaction is left for [`failure`](Self::failure) to find: a failure the
    /// server answered is reported rolled back, with the progress that survived it.
    async fn run_ending(
        &self,
        conn: &mut PgConnection,
        m: &Migration,
        stmt: &Statement<'_>,
        total: usize,
    ) -> Result<(), ApplyError> {
        match self.run_one(conn, m, stmt, total, false).await {
            Err(ApplyError::Statement(mut failure))
                if !failure.own_transaction_rolled_back
                    && failure.source.as_database_error().is_some() =>
            {
                failure.own_transaction_rolled_back = true;
                if let Ok(done) = self.statements_done(conn, m).await {
                    failure.statements_done = done;
                }
                Err(ApplyError::Statement(failure))
            }
            other => other,
        }
    }

    /// The failure of `stmt`. A transaction the file opened itself is aborted now: every later
    /// query on this session would fail until it is rolled back, and the progress written in
    /// it is gone with it.
    async fn failure(
        &self,
        conn: &mut PgConnection,
        m: &Migration,
        stmt: &Statement<'_>,
        total: usize,
        source: sqlx::Error,
    ) -> ApplyFailure {
        let position = error_position(&source);
        let mut failure = ApplyFailure::of(stmt, total, 0, position, source);
        failure.own_transaction_rolled_back = control::end_open_transaction(conn).await;
        if failure.own_transaction_rolled_back {
            if let Ok(done) = self.statements_done(conn, m).await {
                failure.statements_done = done;
            }
        }
        failure
    }
}
